//! probe::proxy: forward proxies. Which proxy a URL goes through (`--proxy`, `--noproxy`,
//! `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY`/`NO_PROXY`, lowercase first, as curl reads them), and
//! the HTTP CONNECT that opens the tunnel (Basic `Proxy-Authorization` from the proxy URL's
//! user:pass, registered with the redactor so it never shows). Must not decide causes.

use tokio::time::Instant;
use url::Url;

use crate::probe::upgrade;
use crate::secret::{Redactor, Secret};

/// A forward proxy as configured.
#[derive(Debug, Clone, PartialEq)]
pub struct ForwardProxy {
    /// Proxy host.
    pub host: String,
    /// Proxy port (default 1080 when the URL has none, as curl).
    pub port: u16,
    /// `Basic <base64(user:pass)>`, when the URL carries credentials.
    pub authorization: Option<Secret>,
    /// Where it came from (`--proxy`, `https_proxy`, …).
    pub source: String,
    /// Hosts that bypass it (`NO_PROXY` / `--noproxy`).
    pub no_proxy: Vec<String>,
}

/// Why a proxy setting was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProxyConfigError {
    /// Not an `http://host[:port]` URL.
    #[error("'{0}' is not an http://[user:pass@]host:port proxy URL ({1})")]
    BadUrl(String, String),
}

/// The proxy environment variables consulted for a scheme, in order (lowercase first).
pub fn env_names(secure: bool) -> &'static [&'static str] {
    if secure {
        &["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]
    } else {
        &["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"]
    }
}

/// Chooses the forward proxy: `--proxy` first, else the environment for the target's scheme.
/// `--noproxy` replaces `NO_PROXY`/`no_proxy`. Credentials are added to `redactor`.
pub fn select(
    flag: Option<&str>,
    noproxy_flag: Option<&str>,
    secure: bool,
    env: &dyn Fn(&str) -> Option<String>,
    redactor: &mut Redactor,
) -> Result<Option<ForwardProxy>, ProxyConfigError> {
    let chosen = match flag {
        Some(v) => Some(("--proxy".to_string(), v.to_string())),
        None => env_names(secure)
            .iter()
            .find_map(|n| env(n).filter(|v| !v.is_empty()).map(|v| (n.to_string(), v))),
    };
    let Some((source, raw)) = chosen else {
        return Ok(None);
    };
    let no_proxy_raw = match noproxy_flag {
        Some(v) => Some(v.to_string()),
        None => env("no_proxy").or_else(|| env("NO_PROXY")),
    };
    let no_proxy = no_proxy_raw
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect();
    let with_scheme = if raw.contains("://") {
        raw.clone()
    } else {
        format!("http://{raw}")
    };
    let shown = |reason: &str| {
        let mut hidden = raw.clone();
        if let Some(at) = raw.rfind('@') {
            let start = raw.find("://").map_or(0, |i| i + 3);
            if start < at {
                hidden.replace_range(start..at, crate::secret::REDACTED);
            }
        }
        ProxyConfigError::BadUrl(hidden, reason.to_string())
    };
    let url = Url::parse(&with_scheme).map_err(|e| shown(&e.to_string()))?;
    if url.scheme() != "http" {
        return Err(shown("only http:// proxies (HTTP CONNECT) are supported"));
    }
    let host = url
        .host_str()
        .ok_or_else(|| shown("no host"))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let authorization = if url.username().is_empty() {
        None
    } else {
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        };
        let pair = format!(
            "{}:{}",
            decode(url.username()),
            decode(url.password().unwrap_or_default())
        );
        let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &pair);
        let value = Secret::new(format!("Basic {b64}"));
        redactor.add(&Secret::new(b64));
        if let Some(p) = url.password() {
            redactor.add(&Secret::new(decode(p)));
        }
        Some(value)
    };
    Ok(Some(ForwardProxy {
        host,
        port: url.port().unwrap_or(1080),
        authorization,
        source,
        no_proxy,
    }))
}

impl ForwardProxy {
    /// `http://host:port`, never with credentials.
    pub fn shown(&self) -> String {
        if self.host.contains(':') {
            format!("http://[{}]:{}", self.host, self.port)
        } else {
            format!("http://{}:{}", self.host, self.port)
        }
    }

    /// Whether `host` goes through the proxy: not when `NO_PROXY` has `*`, the host itself, or a
    /// domain it is under (`example.test` and `.example.test` both cover `a.example.test`).
    pub fn applies_to(&self, host: &str) -> bool {
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        !self.no_proxy.iter().any(|entry| {
            let entry = entry.split(':').next().unwrap_or_default();
            let entry = entry.trim_start_matches("*.").trim_start_matches('.');
            entry == "*" || host == entry || host.ends_with(&format!(".{entry}"))
        })
    }
}

/// Sends `CONNECT host:port` and reads the proxy's answer (head and, for a refusal, the body).
pub async fn connect<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    io: &mut S,
    proxy: &ForwardProxy,
    authority: &str,
    redactor: &Redactor,
    deadline: Instant,
) -> Result<upgrade::Exchange, upgrade::UpgradeFailure> {
    let mut headers = vec![("Host".to_string(), authority.to_string())];
    if let Some(a) = &proxy.authorization {
        headers.push(("Proxy-Authorization".to_string(), a.expose().to_string()));
    }
    let request = upgrade::Request {
        method: "CONNECT",
        target: authority,
        headers: &headers,
    };
    upgrade::exchange(io, &request, redactor, deadline).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn flag_beats_environment_and_lowercase_beats_uppercase() {
        let mut r = Redactor::new([], true);
        let env = env_of(&[
            ("HTTPS_PROXY", "http://upper:3128"),
            ("https_proxy", "http://lower:3128"),
            ("http_proxy", "http://plain:8080"),
        ]);
        let p = select(None, None, true, &env, &mut r).unwrap().unwrap();
        assert_eq!(
            (p.host.as_str(), p.source.as_str()),
            ("lower", "https_proxy")
        );
        let p = select(None, None, false, &env, &mut r).unwrap().unwrap();
        assert_eq!(p.host, "plain");
        let p = select(Some("127.0.0.1:9"), None, true, &env, &mut r)
            .unwrap()
            .unwrap();
        assert_eq!(
            (p.host.as_str(), p.port, p.source.as_str()),
            ("127.0.0.1", 9, "--proxy")
        );
        let none = env_of(&[("ALL_PROXY", "")]);
        assert!(select(None, None, true, &none, &mut r).unwrap().is_none());
    }

    #[test]
    fn no_proxy_and_noproxy_flag_bypass_matching_hosts() {
        let mut r = Redactor::new([], true);
        let env = env_of(&[
            ("HTTP_PROXY", "http://p:3128"),
            ("NO_PROXY", "localhost, .internal.test,10.0.0.5"),
        ]);
        let p = select(None, None, false, &env, &mut r).unwrap().unwrap();
        assert!(!p.applies_to("localhost"));
        assert!(!p.applies_to("api.internal.test"));
        assert!(!p.applies_to("10.0.0.5"));
        assert!(p.applies_to("example.test"));
        let p = select(None, Some("*"), false, &env, &mut r)
            .unwrap()
            .unwrap();
        assert!(!p.applies_to("example.test"));
        let p = select(None, Some("other.test"), false, &env, &mut r)
            .unwrap()
            .unwrap();
        assert!(p.applies_to("localhost"), "--noproxy replaces NO_PROXY");
    }

    #[test]
    fn credentials_become_basic_auth_and_are_redacted() {
        let mut r = Redactor::new([], true);
        let none = env_of(&[]);
        let p = select(
            Some("http://alice:s3cr%40t@127.0.0.1:3128"),
            None,
            true,
            &none,
            &mut r,
        )
        .unwrap()
        .unwrap();
        // base64("alice:s3cr@t")
        assert_eq!(
            p.authorization.as_ref().map(|s| s.expose().to_string()),
            Some("Basic YWxpY2U6czNjckB0".to_string())
        );
        assert_eq!(p.shown(), "http://127.0.0.1:3128");
        let leaked = r.text("Proxy-Authorization: Basic YWxpY2U6czNjckB0 pass s3cr@t");
        assert!(
            !leaked.contains("YWxpY2U6czNjckB0") && !leaked.contains("s3cr@t"),
            "{leaked}"
        );
        let err = select(Some("socks5://bob:hunter22@h:1"), None, true, &none, &mut r).unwrap_err();
        assert!(!err.to_string().contains("hunter22"), "{err}");
    }
}
