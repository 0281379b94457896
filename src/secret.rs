//! secret: the `Secret` newtype and the `Redactor` that keeps credentials out of every record,
//! report and log. Redaction happens when a record is made (probe), so nothing downstream can leak
//! what it never received. Must not perform I/O.

use std::fmt;

use serde::{Serialize, Serializer};

/// What a redacted value is replaced with.
pub const REDACTED: &str = "[redacted]";

/// The shortest start of a secret that [`Redactor::excerpt`] hides when it ends a cut excerpt.
pub const PREFIX_AT_CUT: usize = 3;

/// Query parameter names whose values are always redacted, whatever their content.
pub const SENSITIVE_PARAMS: &[&str] = &[
    "token",
    "access_token",
    "accesstoken",
    "auth",
    "authorization",
    "ticket",
    "jwt",
    "key",
    "api_key",
    "apikey",
    "password",
    "pass",
    "secret",
    "session",
    "sessionid",
    "sig",
    "signature",
    "code",
    "id_token",
];

/// A credential the user supplied. Debug, Display and Serialize never show it; `expose` does.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself, for putting on the wire. Never pass it to a record or a log.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret::new(s)
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret::new(s)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({REDACTED})")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(REDACTED)
    }
}

/// Replaces known secret values and sensitive fields in text, URLs and headers. Its `Debug` shows
/// how many values it hides, never the values.
#[derive(Clone, Default)]
pub struct Redactor {
    /// Secret values to hide wherever they appear (raw and percent-encoded forms).
    values: Vec<String>,
    /// False when the user asked for `--show-secrets`.
    enabled: bool,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("values", &format_args!("[{} redacted]", self.values.len()))
            .field("enabled", &self.enabled)
            .finish()
    }
}

impl Redactor {
    /// A redactor hiding these values (empty values and very short ones are ignored as patterns,
    /// but still hidden in sensitive headers and parameters).
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a Secret>, enabled: bool) -> Self {
        let mut values = Vec::new();
        for s in secrets {
            let raw = s.expose();
            if raw.len() >= 4 {
                values.push(raw.to_string());
                let enc =
                    percent_encoding::utf8_percent_encode(raw, percent_encoding::NON_ALPHANUMERIC)
                        .to_string();
                if enc != raw {
                    values.push(enc);
                }
                // The form a URL query builder writes (url's query_pairs_mut, HTML forms):
                // `~` and `+` are encoded, `-._` are not, space becomes `+`.
                let form: String = url::form_urlencoded::byte_serialize(raw.as_bytes()).collect();
                if form != raw {
                    values.push(form);
                }
            }
        }
        // Longest first, so a secret containing another is replaced whole.
        values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        values.dedup();
        Redactor { values, enabled }
    }

    /// A redactor that hides nothing (for `--show-secrets`).
    pub fn disabled() -> Self {
        Redactor {
            values: Vec::new(),
            enabled: false,
        }
    }

    /// Adds a value learnt at run time (a fetched ticket).
    pub fn add(&mut self, secret: &Secret) {
        let other = Redactor::new([secret], self.enabled);
        self.values.extend(other.values);
        self.values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        self.values.dedup();
    }

    /// Whether redaction is on.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Hides every known secret value in free text.
    pub fn text(&self, text: &str) -> String {
        if !self.enabled {
            return text.to_string();
        }
        let mut out = text.to_string();
        for v in &self.values {
            if out.contains(v.as_str()) {
                out = out.replace(v.as_str(), REDACTED);
            }
        }
        out
    }

    /// An excerpt of server text (a body) at most `limit` bytes long: redacted first, then cut
    /// on a character boundary. When the text was cut — here, or by the reader that kept only
    /// its first bytes (`cut`) — a trailing part that begins a known secret (at least
    /// [`PREFIX_AT_CUT`] bytes of it) is taken for the secret and hidden too: a server that
    /// echoes the token across the cut must not get all of it but its last character out.
    pub fn excerpt(&self, text: &str, limit: usize, cut: bool) -> String {
        let shown = self.text(text);
        let (mut out, cut) = if shown.len() > limit {
            let mut i = limit;
            while !shown.is_char_boundary(i) {
                i -= 1;
            }
            (shown[..i].to_string(), true)
        } else {
            (shown, cut)
        };
        if !cut || !self.enabled {
            return out;
        }
        // A multi-byte character split by the reader shows as U+FFFD at the very end.
        let kept = out.trim_end_matches('\u{FFFD}').len();
        let tail = &out[..kept];
        let longest = self
            .values
            .iter()
            .filter_map(|v| {
                (PREFIX_AT_CUT..v.len())
                    .rev()
                    .filter(|k| v.is_char_boundary(*k))
                    .find(|k| tail.ends_with(&v[..*k]))
            })
            .max();
        if let Some(k) = longest {
            out.truncate(kept - k);
            out.push_str(REDACTED);
        }
        out
    }

    /// Hides known secrets and the values of sensitive query parameters in a URL or request target.
    pub fn url(&self, url: &str) -> String {
        if !self.enabled {
            return url.to_string();
        }
        let text = self.text(&redact_userinfo(url));
        let Some((head, rest)) = text.split_once('?') else {
            return text;
        };
        let (query, fragment) = match rest.split_once('#') {
            Some((q, f)) => (q, Some(f)),
            None => (rest, None),
        };
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, v)) if is_sensitive_param(k) && !v.is_empty() && v != REDACTED => {
                    format!("{k}={REDACTED}")
                }
                // A secret under any other name, in an encoding not known as a pattern.
                Some((k, v)) if self.carries_secret_encoded(v) => format!("{k}={REDACTED}"),
                _ => pair.to_string(),
            })
            .collect();
        let mut out = format!("{head}?{}", pairs.join("&"));
        if let Some(f) = fragment {
            out.push('#');
            out.push_str(f);
        }
        out
    }

    /// True when a query value, once percent-decoded, contains a known secret.
    fn carries_secret_encoded(&self, value: &str) -> bool {
        if !value.contains('%') && !value.contains('+') {
            return false;
        }
        let decoded: String = url::form_urlencoded::parse(format!("v={value}").as_bytes())
            .map(|(_, v)| v.into_owned())
            .collect();
        let plus_kept = percent_encoding::percent_decode_str(value).decode_utf8_lossy();
        self.values
            .iter()
            .any(|s| decoded.contains(s.as_str()) || plus_kept.contains(s.as_str()))
    }

    /// Hides a header value when the header is sensitive by name or carries a known secret.
    pub fn header(&self, name: &str, value: &str) -> String {
        if !self.enabled {
            return value.to_string();
        }
        let lower = name.to_ascii_lowercase();
        match lower.as_str() {
            "authorization" | "proxy-authorization" => match value.split_once(' ') {
                Some((scheme, _)) => format!("{scheme} {REDACTED}"),
                None => REDACTED.to_string(),
            },
            "cookie" | "set-cookie" => redact_cookie(value),
            "location" | "content-location" | "referer" => self.url(value),
            _ if is_sensitive_header(&lower) => REDACTED.to_string(),
            _ => self.text(value),
        }
    }
}

/// `scheme://user:password@host/…` -> `scheme://[redacted]@host/…`: the userinfo of a URL is a
/// credential (curl sends it as HTTP Basic), the user name included (`https://TOKEN@host`).
pub fn redact_userinfo(url: &str) -> String {
    let Some(start) = url.find("://").map(|i| i + 3) else {
        return url.to_string();
    };
    let rest = &url[start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}{REDACTED}{}", &url[..start], &rest[at..]),
        None => url.to_string(),
    }
}

/// The credential values a user-given header carries (`-H 'Cookie: a=1'`, `-H 'Authorization:
/// Basic …'`, `-H 'X-Api-Key: …'`), so they can be hidden wherever they appear — also when a
/// server reflects them back in a body. Empty for headers that are not sensitive.
pub fn header_secrets(name: &str, value: &str) -> Vec<Secret> {
    let lower = name.to_ascii_lowercase();
    let parts: Vec<&str> = match lower.as_str() {
        "authorization" | "proxy-authorization" => {
            vec![value.split_once(' ').map_or(value, |(_, cred)| cred)]
        }
        "cookie" => value
            .split(';')
            .filter_map(|part| part.split_once('=').map(|(_, v)| v))
            .collect(),
        _ if is_sensitive_header(&lower) => vec![value],
        _ => Vec::new(),
    };
    parts
        .into_iter()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(Secret::new)
        .collect()
}

/// True for query parameter names that carry credentials.
pub fn is_sensitive_param(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SENSITIVE_PARAMS.contains(&lower.as_str())
}

/// True for header names (lowercase) whose values are credentials by convention.
fn is_sensitive_header(lower: &str) -> bool {
    lower.contains("token")
        || lower.contains("api-key")
        || lower.contains("apikey")
        || lower.contains("secret")
        || lower.contains("password")
        || lower.ends_with("-auth")
        || lower == "x-auth"
        || lower.contains("session")
}

/// `a=1; b=2` -> `a=[redacted]; b=[redacted]` (names kept: they tell where the credential went).
fn redact_cookie(value: &str) -> String {
    value
        .split(';')
        .map(|part| {
            let part = part.trim();
            match part.split_once('=') {
                Some((k, _)) => format!("{k}={REDACTED}"),
                None => part.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A header value as configured and planned: plain text, or text that carries a secret (a token,
/// a cookie, a ticket), which stays a `Secret` — redacted in `Debug` — until the probe writes the
/// bytes.
#[derive(Clone, PartialEq, Eq)]
pub enum HeaderValue {
    /// Nothing secret.
    Plain(String),
    /// The whole value, which carries a secret (`Bearer <token>`, `name=<token>`).
    Secret(Secret),
}

impl HeaderValue {
    /// The value as written to the socket (and compared with the server's answer).
    pub fn expose(&self) -> &str {
        match self {
            HeaderValue::Plain(s) => s,
            HeaderValue::Secret(s) => s.expose(),
        }
    }
}

impl fmt::Debug for HeaderValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeaderValue::Plain(s) => write!(f, "{s:?}"),
            HeaderValue::Secret(s) => write!(f, "{s:?}"),
        }
    }
}

impl AsRef<str> for HeaderValue {
    fn as_ref(&self) -> &str {
        self.expose()
    }
}

impl From<&str> for HeaderValue {
    fn from(s: &str) -> Self {
        HeaderValue::Plain(s.to_string())
    }
}

impl From<String> for HeaderValue {
    fn from(s: String) -> Self {
        HeaderValue::Plain(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_in_a_query_is_hidden_in_every_url_encoding() {
        let r = Redactor::new([&Secret::new("a~AA+a0_")], true);
        for target in [
            "/ws?q=a%7EAA%2Ba0_",
            "/ws?q=%61~AA%2Ba0_",
            "/ws?q=a~AA%2Ba0%5F",
        ] {
            assert_eq!(r.url(target), "/ws?q=[redacted]", "{target}");
        }
        assert_eq!(r.url("/ws?q=other%20value"), "/ws?q=other%20value");
    }

    #[test]
    fn header_secrets_are_the_credential_parts_of_sensitive_headers() {
        let expose = |n: &str, v: &str| -> Vec<String> {
            header_secrets(n, v)
                .iter()
                .map(|s| s.expose().to_string())
                .collect()
        };
        assert_eq!(expose("Cookie", "a=one1; b=two2"), ["one1", "two2"]);
        assert_eq!(
            expose("authorization", "Basic dXNlcjpwdw=="),
            ["dXNlcjpwdw=="]
        );
        assert_eq!(expose("X-Api-Key", " k-123 "), ["k-123"]);
        assert!(expose("X-Trace", "abc123").is_empty());
    }

    #[test]
    fn secret_never_shows_in_debug_display_or_json() {
        let s = Secret::new("hunter2-token");
        assert!(!format!("{s:?}").contains("hunter2"));
        assert!(!format!("{s}").contains("hunter2"));
        assert!(!serde_json::to_string(&s).unwrap().contains("hunter2"));
        assert_eq!(s.expose(), "hunter2-token");
    }

    #[test]
    fn known_values_are_hidden_in_text_raw_and_percent_encoded() {
        let s = Secret::new("abc+def/ghi");
        let r = Redactor::new([&s], true);
        assert_eq!(
            r.text("echo abc+def/ghi back"),
            format!("echo {REDACTED} back")
        );
        assert_eq!(r.text("q=abc%2Bdef%2Fghi"), format!("q={REDACTED}"));
    }

    #[test]
    fn an_excerpt_is_redacted_then_cut_and_a_secret_across_the_cut_is_hidden() {
        let r = Redactor::new([&Secret::new("tok-Zq8mW3vK9pXr")], true);
        // The reader kept the body up to the token's last character.
        let body = format!("{}tok-Zq8mW3vK9pX", "a".repeat(20));
        let e = r.excerpt(&body, 64, true);
        assert_eq!(e, format!("{}{REDACTED}", "a".repeat(20)));
        // Cut here, after redaction: the whole token is hidden, then the text cut.
        let body = format!("{}tok-Zq8mW3vK9pXr and more", "b".repeat(10));
        let e = r.excerpt(&body, 15, false);
        assert!(!e.contains("tok-Z") && e.len() <= 15, "{e}");
        // Uncut text is left alone, even when it ends like a secret begins.
        assert_eq!(r.excerpt("ends with tok-Zq", 64, false), "ends with tok-Zq");
        // Too short a start is not taken for the secret.
        assert_eq!(r.excerpt("xx to", 64, true), "xx to");
        assert_eq!(Redactor::disabled().excerpt("tok-Zq8", 64, true), "tok-Zq8");
    }

    #[test]
    fn the_userinfo_of_a_url_is_hidden_whole() {
        let r = Redactor::new([], true);
        assert_eq!(
            r.url("ws://alice:pa55@h:8080/ws?x=1"),
            format!("ws://{REDACTED}@h:8080/ws?x=1")
        );
        assert_eq!(r.url("wss://tok123@h/ws"), format!("wss://{REDACTED}@h/ws"));
        // An @ after the authority is not userinfo.
        assert_eq!(r.url("ws://h/ws?mail=a@b"), "ws://h/ws?mail=a@b");
        assert_eq!(r.url("h/ws"), "h/ws");
    }

    #[test]
    fn sensitive_query_parameters_are_hidden_even_when_unknown() {
        let r = Redactor::new([], true);
        assert_eq!(
            r.url("wss://h/ws?room=1&token=eyJabc&ticket=t1#x"),
            format!("wss://h/ws?room=1&token={REDACTED}&ticket={REDACTED}#x")
        );
    }

    #[test]
    fn headers_are_hidden_by_name() {
        let r = Redactor::new([], true);
        assert_eq!(
            r.header("Authorization", "Bearer abc"),
            format!("Bearer {REDACTED}")
        );
        assert_eq!(
            r.header("Cookie", "sid=1; theme=dark"),
            format!("sid={REDACTED}; theme={REDACTED}")
        );
        assert_eq!(r.header("X-API-Key", "k"), REDACTED);
        assert_eq!(r.header("Origin", "https://a"), "https://a");
    }

    #[test]
    fn disabled_redactor_shows_everything() {
        let s = Secret::new("abcdef");
        let r = Redactor::new([&s], false);
        assert_eq!(r.header("Authorization", "Bearer abcdef"), "Bearer abcdef");
        assert_eq!(
            Redactor::disabled().url("ws://h/?token=abcdef"),
            "ws://h/?token=abcdef"
        );
    }
}
