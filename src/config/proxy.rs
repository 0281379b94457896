//! config::proxy: which forward proxy a target goes through — `--proxy`, `--noproxy`,
//! `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY`/`NO_PROXY`, lowercase first, as curl reads them — and the
//! proxy's credentials, registered with the redactor. Configuration only: the tunnel itself is
//! `probe::proxy`'s.

use url::Url;

use crate::secret::{Redactor, Secret};

/// The protocol spoken to the forward proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyKind {
    /// `http://`: HTTP CONNECT.
    Http,
    /// `socks5://`: SOCKS5, the client resolves the target's name and asks for the address.
    Socks5,
    /// `socks5h://`: SOCKS5, the proxy resolves the target's name.
    Socks5h,
}

impl ProxyKind {
    /// The id as in JSON (`proxy.kind`) and as the URL scheme.
    pub fn id(self) -> &'static str {
        match self {
            ProxyKind::Http => "http",
            ProxyKind::Socks5 => "socks5",
            ProxyKind::Socks5h => "socks5h",
        }
    }
}

/// An RFC 1929 username/password for a SOCKS5 proxy.
#[derive(Debug, Clone, PartialEq)]
pub struct SocksLogin {
    /// The user name.
    pub username: Secret,
    /// The password.
    pub password: Secret,
}

/// A forward proxy as configured.
#[derive(Debug, Clone, PartialEq)]
pub struct ForwardProxy {
    /// The protocol.
    pub kind: ProxyKind,
    /// Proxy host.
    pub host: String,
    /// Proxy port (default 1080 when the URL has none, as curl).
    pub port: u16,
    /// http: `Basic <base64(user:pass)>`, when the URL carries credentials.
    pub authorization: Option<Secret>,
    /// socks5/socks5h: the username/password, when the URL carries credentials.
    pub socks_login: Option<SocksLogin>,
    /// Where it came from (`--proxy`, `https_proxy`, …).
    pub source: String,
    /// Hosts that bypass it (`NO_PROXY` / `--noproxy`).
    pub no_proxy: Vec<String>,
}

/// Why a proxy setting was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProxyConfigError {
    /// Not an `http://`, `socks5://` or `socks5h://` `[user:pass@]host[:port]` URL.
    #[error(
        "'{0}' is not an http://, socks5:// or socks5h:// [user:pass@]host[:port] proxy URL ({1})"
    )]
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
    let kind = match url.scheme() {
        "http" => ProxyKind::Http,
        "socks5" => ProxyKind::Socks5,
        "socks5h" => ProxyKind::Socks5h,
        "https" => {
            return Err(shown(
                "HTTPS to the proxy itself is not supported: use http://",
            ))
        }
        "socks4" | "socks4a" | "socks" => {
            return Err(shown(
                "SOCKS4 is not supported: use socks5:// or socks5h://",
            ))
        }
        other => return Err(shown(&format!("unknown proxy scheme {other}://"))),
    };
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| shown("no host"))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let (mut authorization, mut socks_login) = (None, None);
    if !url.username().is_empty() {
        let user = decode(url.username());
        let pass = decode(url.password().unwrap_or_default());
        if !pass.is_empty() {
            redactor.add(&Secret::new(pass.clone()));
        }
        match kind {
            ProxyKind::Http => {
                let b64 = base64::Engine::encode(
                    &base64::engine::general_purpose::STANDARD,
                    format!("{user}:{pass}"),
                );
                redactor.add(&Secret::new(b64.clone()));
                authorization = Some(Secret::new(format!("Basic {b64}")));
            }
            ProxyKind::Socks5 | ProxyKind::Socks5h => {
                // RFC 1929: each is one length byte plus 1..=255 bytes.
                if user.len() > 255 || pass.is_empty() || pass.len() > 255 {
                    return Err(shown(
                        "a SOCKS5 username and password must each be 1 to 255 bytes (RFC 1929)",
                    ));
                }
                socks_login = Some(SocksLogin {
                    username: Secret::new(user),
                    password: Secret::new(pass),
                });
            }
        }
    }
    Ok(Some(ForwardProxy {
        kind,
        host,
        port: url.port().unwrap_or(1080),
        authorization,
        socks_login,
        source,
        no_proxy,
    }))
}

impl ForwardProxy {
    /// `http://host:port` (or `socks5://`, `socks5h://`), never with credentials.
    pub fn shown(&self) -> String {
        let scheme = self.kind.id();
        if self.host.contains(':') {
            format!("{scheme}://[{}]:{}", self.host, self.port)
        } else {
            format!("{scheme}://{}:{}", self.host, self.port)
        }
    }

    /// True when credentials are configured (Basic for http, RFC 1929 for SOCKS5).
    pub fn has_credentials(&self) -> bool {
        self.authorization.is_some() || self.socks_login.is_some()
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
