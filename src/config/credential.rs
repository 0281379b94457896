//! config::credential: the user's credential wherever they put it. `--token` (and its file, env
//! and `-u` forms) names it outright; without those, a credential given the way curl or a client
//! library takes it is recognised too — the URL's userinfo (`ws://user:pass@host`, sent as HTTP
//! Basic as curl does), `-H 'Authorization: …'`, a credential header (`X-Api-Key`, a session
//! cookie) or a token in the URL's query (`?token=`, `?access_token=` …, the names
//! [`crate::secret::SENSITIVE_PARAMS`] redacts) — and becomes the run's credential with the
//! placement it was found in, so the placement variants are built from it exactly as for
//! `--token`. Pure: no I/O.

use url::Url;

use crate::cli::BasicUser;
use crate::model::CredentialPlacement;
use crate::secret::{is_sensitive_param, Secret};

/// Where the run's credential came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    /// `--token`, `--token-env`, `--token-file` or `-u`.
    Flag,
    /// The URL's userinfo (`ws://user:password@host`), sent as HTTP Basic.
    UrlUserinfo,
    /// A query parameter of the URL (its name).
    UrlQuery(String),
    /// A `-H` header (its name as given).
    Header(String),
}

impl CredentialSource {
    /// For people: "the URL's user:password", "the URL's ?token=", "-H Authorization".
    pub fn describe(&self) -> String {
        match self {
            CredentialSource::Flag => "the credential flag".into(),
            CredentialSource::UrlUserinfo => "the URL's user:password".into(),
            CredentialSource::UrlQuery(name) => format!("the URL's ?{name}="),
            CredentialSource::Header(name) => format!("-H {name}"),
        }
    }
}

/// A credential found in a header: what to send, where, and with which Authorization scheme.
#[derive(Debug, Clone)]
pub struct Found {
    /// The credential value (without the scheme).
    pub secret: Secret,
    /// Where it was found, as a placement.
    pub placement: CredentialPlacement,
    /// Where it came from.
    pub source: CredentialSource,
}

/// Takes the userinfo off `url` (it never goes on the wire as such): the user and password,
/// percent-decoded as curl decodes them. `None` without userinfo.
pub fn take_userinfo(url: &mut Url) -> Option<BasicUser> {
    if url.username().is_empty() && url.password().is_none() {
        return None;
    }
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let user = decode(url.username());
    let password = url.password().map(decode).unwrap_or_default();
    // Cannot fail for ws/wss/http/https URLs with a host.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    Some(BasicUser {
        user,
        password: Secret::new(password),
    })
}

/// Takes the first credential query parameter (`token`, `access_token`, `ticket` …, non-empty)
/// off `url`, leaving the other parameters exactly as written. Returns its name and decoded value.
pub fn take_query_token(url: &mut Url) -> Option<(String, Secret)> {
    let query = url.query()?.to_string();
    let segments: Vec<&str> = query.split('&').collect();
    let (index, name, value) = segments.iter().enumerate().find_map(|(i, seg)| {
        if !seg.contains('=') {
            return None;
        }
        let (name, value) = url::form_urlencoded::parse(seg.as_bytes()).next()?;
        (is_sensitive_param(&name) && !value.is_empty())
            .then(|| (i, name.into_owned(), value.into_owned()))
    })?;
    let rest: Vec<&str> = segments
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != index)
        .map(|(_, s)| *s)
        .collect();
    url.set_query((!rest.is_empty()).then(|| rest.join("&")).as_deref());
    Some((name, Secret::new(value)))
}

/// Cookie names that carry a session or a token (a `-H Cookie` with several pairs is recognised
/// by the one so named).
fn is_credential_cookie(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    ["session", "sid", "token", "auth", "jwt", "sess"]
        .iter()
        .any(|w| lower.contains(w))
}

/// Takes the credential out of the `-H` headers: `Authorization` first, then a credential header
/// (`X-Api-Key`, `X-Auth-Token` …), then a session cookie. A Cookie header with other pairs keeps
/// them (they are sent beside the credential cookie, as one Cookie header).
pub fn take_header_credential(headers: &mut Vec<(String, String)>) -> Option<Found> {
    let authorization = headers
        .iter()
        .position(|(k, _)| k.eq_ignore_ascii_case("authorization"));
    if let Some(i) = authorization {
        let (name, value) = headers.remove(i);
        let (scheme, token) = match value.split_once(' ') {
            Some((scheme, token)) if !token.trim().is_empty() => {
                (scheme.to_string(), token.trim().to_string())
            }
            _ => (String::new(), value.clone()),
        };
        return Some(Found {
            secret: Secret::new(token),
            placement: CredentialPlacement::Header {
                name: "Authorization".into(),
                scheme,
            },
            source: CredentialSource::Header(name),
        });
    }
    let other = headers.iter().position(|(k, v)| {
        !k.eq_ignore_ascii_case("cookie")
            && !k.eq_ignore_ascii_case("proxy-authorization")
            && !crate::secret::header_secrets(k, v).is_empty()
    });
    if let Some(i) = other {
        let (name, value) = headers.remove(i);
        return Some(Found {
            secret: Secret::new(value),
            placement: CredentialPlacement::Header {
                name: name.clone(),
                scheme: String::new(),
            },
            source: CredentialSource::Header(name),
        });
    }
    let cookie = headers
        .iter()
        .position(|(k, _)| k.eq_ignore_ascii_case("cookie"))?;
    let pairs: Vec<(String, String)> = headers[cookie]
        .1
        .split(';')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .filter(|(k, v)| !k.is_empty() && !v.is_empty())
        .collect();
    let chosen = if pairs.len() == 1 {
        0
    } else {
        pairs.iter().position(|(k, _)| is_credential_cookie(k))?
    };
    let (cookie_name, value) = pairs[chosen].clone();
    let header_name = headers[cookie].0.clone();
    let rest: Vec<String> = pairs
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != chosen)
        .map(|(_, (k, v))| format!("{k}={v}"))
        .collect();
    if rest.is_empty() {
        headers.remove(cookie);
    } else {
        headers[cookie].1 = rest.join("; ");
    }
    Some(Found {
        secret: Secret::new(value),
        placement: CredentialPlacement::Cookie { name: cookie_name },
        source: CredentialSource::Header(header_name),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_is_taken_off_the_url_decoded() {
        let mut u = Url::parse("ws://al%40ce:p%3Ass@h:8080/ws?x=1").unwrap();
        let b = take_userinfo(&mut u).unwrap();
        assert_eq!(u.as_str(), "ws://h:8080/ws?x=1");
        assert_eq!(b.user, "al@ce");
        assert_eq!(b.password.expose(), "p:ss");
        let mut plain = Url::parse("ws://h/ws").unwrap();
        assert!(take_userinfo(&mut plain).is_none());
    }

    #[test]
    fn a_query_token_is_taken_and_the_rest_of_the_query_kept_as_written() {
        let mut u = Url::parse("ws://h/ws?room=a%20b&access_token=t%2B1&x=").unwrap();
        let (name, s) = take_query_token(&mut u).unwrap();
        assert_eq!((name.as_str(), s.expose()), ("access_token", "t+1"));
        assert_eq!(u.as_str(), "ws://h/ws?room=a%20b&x=");
        let mut only = Url::parse("ws://h/ws?token=abc").unwrap();
        assert!(take_query_token(&mut only).is_some());
        assert_eq!(only.as_str(), "ws://h/ws");
        let mut none = Url::parse("ws://h/ws?room=1&token=").unwrap();
        assert!(take_query_token(&mut none).is_none());
    }

    #[test]
    fn header_credentials_in_order_authorization_named_header_cookie() {
        let h = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        let mut hs = h(&[("X-Trace", "1"), ("authorization", "Bearer abc.def")]);
        let f = take_header_credential(&mut hs).unwrap();
        assert_eq!(f.secret.expose(), "abc.def");
        assert_eq!(
            f.placement,
            CredentialPlacement::Header {
                name: "Authorization".into(),
                scheme: "Bearer".into()
            }
        );
        assert_eq!(hs, h(&[("X-Trace", "1")]));
        let mut hs = h(&[("X-Api-Key", "k-1")]);
        let f = take_header_credential(&mut hs).unwrap();
        assert_eq!(f.secret.expose(), "k-1");
        assert!(hs.is_empty());
        let mut hs = h(&[("Cookie", "theme=dark; sessionid=s-9")]);
        let f = take_header_credential(&mut hs).unwrap();
        assert_eq!(f.secret.expose(), "s-9");
        assert_eq!(
            f.placement,
            CredentialPlacement::Cookie {
                name: "sessionid".into()
            }
        );
        assert_eq!(hs, h(&[("Cookie", "theme=dark")]));
        let mut hs = h(&[("Cookie", "a=1; b=2"), ("X-Trace", "1")]);
        assert!(take_header_credential(&mut hs).is_none());
        assert_eq!(hs.len(), 2);
    }
}
