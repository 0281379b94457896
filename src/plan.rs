//! plan: turns a `Config` into the ordered list of attempts to make. The baseline (the request as
//! the user's client sends it) comes first; every other attempt changes one thing. Each
//! `AttemptSpec` holds the exact header list to write, so the probe adds nothing of its own.
//! Pure: no I/O, no clock (the only randomness is the Sec-WebSocket-Key).

use url::Url;

use crate::config::{Config, TicketConfig};
use crate::model::{CredentialPlacement, RequestKind, Variant};
use crate::secret::Secret;

/// One planned attempt: what goes on the wire.
#[derive(Debug, Clone)]
pub struct AttemptSpec {
    /// What this attempt changes (safe to print).
    pub variant: Variant,
    /// The URL to connect to (ws, wss, http or https); its query may carry a credential.
    pub url: Url,
    /// Request headers in the order written, after the request line. Values may carry secrets:
    /// the probe redacts them when it records the request.
    pub headers: Vec<(String, String)>,
    /// When set, the runner fetches a one-time ticket first and appends `?PARAM=<ticket>` to `url`.
    pub ticket_param: Option<String>,
}

/// The whole run: attempts, plain-HTTP controls and the ticket flow.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Attempts; the first is the baseline.
    pub attempts: Vec<AttemptSpec>,
    /// Plain-HTTP controls (site root, `--health-url`).
    pub http_controls: Vec<AttemptSpec>,
    /// The ticket flow, when `--ticket-url` is given.
    pub ticket: Option<TicketConfig>,
    /// The credential used to fetch tickets (Bearer), when a ticket flow runs.
    pub ticket_credential: Option<Secret>,
}

/// Builds the plan for a config.
pub fn build(config: &Config) -> Plan {
    let mut attempts = vec![baseline(config)];
    if !config.quick {
        attempts.extend(variants(config));
    }
    Plan {
        attempts,
        http_controls: if config.quick {
            Vec::new()
        } else {
            http_controls(config)
        },
        ticket: config.ticket.clone(),
        ticket_credential: config.credential.as_ref().map(|c| c.secret.clone()),
    }
}

/// The baseline: the user's placement, Origin, headers and subprotocols.
pub fn baseline(config: &Config) -> AttemptSpec {
    let mut variant = Variant::baseline();
    variant.origin = config.origin.clone();
    variant.subprotocols = config.subprotocols.clone();
    let placement = config
        .credential
        .as_ref()
        .map(|c| c.placement.clone())
        .unwrap_or(CredentialPlacement::None);
    variant.credential = placement;
    if config.ticket.is_some() {
        variant.credential = CredentialPlacement::Ticket {
            param: config
                .ticket
                .as_ref()
                .map(|t| t.param.clone())
                .unwrap_or_default(),
        };
    }
    spec_for(config, &config.target, variant)
}

/// The variants that change one thing each (credential placement, Origin, controls, browsers,
/// direct, repeats). Extended by the differential-diagnosis work.
pub fn variants(_config: &Config) -> Vec<AttemptSpec> {
    Vec::new()
}

/// Plain-HTTP controls: the site root or `--health-url`.
pub fn http_controls(_config: &Config) -> Vec<AttemptSpec> {
    Vec::new()
}

/// Builds the exact request for a variant against `url`.
pub fn spec_for(config: &Config, url: &Url, variant: Variant) -> AttemptSpec {
    let mut url = url.clone();
    let secret = config.credential.as_ref().map(|c| &c.secret);
    let wrong;
    let token: Option<&str> = if variant.wrong_credential {
        wrong = secret.map(|s| wrong_token_like(s.expose()));
        wrong.as_deref()
    } else {
        secret.map(|s| s.expose())
    };
    let mut headers: Vec<(String, String)> = Vec::new();
    headers.push(("Host".into(), host_header(&url)));
    match variant.request {
        RequestKind::PlainGet => {
            headers.push(("Accept".into(), "*/*".into()));
        }
        kind => {
            let connection = match variant.browser.as_deref() {
                Some("firefox") => "keep-alive, Upgrade",
                _ => "Upgrade",
            };
            headers.push(("Connection".into(), connection.into()));
            headers.push(("Upgrade".into(), "websocket".into()));
            let version = if kind == RequestKind::WrongVersion {
                "8"
            } else {
                "13"
            };
            headers.push(("Sec-WebSocket-Version".into(), version.into()));
            if kind != RequestKind::MissingKey {
                headers.push((
                    "Sec-WebSocket-Key".into(),
                    tokio_tungstenite::tungstenite::handshake::client::generate_key(),
                ));
            }
        }
    }
    let mut protocols = variant.subprotocols.clone();
    if let Some(t) = token {
        match &variant.credential {
            CredentialPlacement::None | CredentialPlacement::Ticket { .. } => {}
            CredentialPlacement::Header { name, scheme } => {
                let value = if scheme.is_empty() {
                    t.to_string()
                } else {
                    format!("{scheme} {t}")
                };
                headers.push((name.clone(), value));
            }
            CredentialPlacement::Query { name } => {
                url.query_pairs_mut().append_pair(name, t);
            }
            CredentialPlacement::Cookie { name } => {
                headers.push(("Cookie".into(), format!("{name}={t}")));
            }
            CredentialPlacement::Subprotocol => protocols.push(t.to_string()),
        }
    }
    if let Some(origin) = &variant.origin {
        headers.push(("Origin".into(), origin.clone()));
    }
    if !protocols.is_empty() && variant.request != RequestKind::PlainGet {
        headers.push(("Sec-WebSocket-Protocol".into(), protocols.join(", ")));
    }
    for (k, v) in &config.headers {
        headers.push((k.clone(), v.clone()));
    }
    headers.push((
        "User-Agent".into(),
        concat!("wsdoctor/", env!("CARGO_PKG_VERSION")).into(),
    ));
    AttemptSpec {
        variant: variant.clone(),
        url,
        headers,
        ticket_param: match &variant.credential {
            CredentialPlacement::Ticket { param } => Some(param.clone()),
            _ => None,
        },
    }
}

/// `Host` header value: host plus port when not the scheme default.
pub fn host_header(url: &Url) -> String {
    let host = match url.host() {
        Some(url::Host::Ipv6(a)) => format!("[{a}]"),
        Some(h) => h.to_string(),
        None => String::new(),
    };
    match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host,
    }
}

/// A wrong token of the same shape: same length and character classes, different content,
/// so a server that checks format but not validity still sees a plausible value.
pub fn wrong_token_like(token: &str) -> String {
    token
        .chars()
        .map(|c| match c {
            'a'..='y' | 'A'..='Y' | '0'..='8' => char::from(c as u8 + 1),
            'z' => 'a',
            'Z' => 'A',
            '9' => '0',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::ProbeArgs;

    fn config(url: &str, extra: impl FnOnce(&mut ProbeArgs)) -> Config {
        let mut a = ProbeArgs {
            url: Some(url.into()),
            auth: "header".into(),
            auth_scheme: "Bearer".into(),
            token_param: "token".into(),
            cookie_name: "token".into(),
            ticket_method: "GET".into(),
            ticket_field: "/ticket".into(),
            ticket_param: "ticket".into(),
            foreign_origin: "https://wsdoctor-foreign.invalid".into(),
            timeout: std::time::Duration::from_secs(15),
            close_wait: std::time::Duration::from_secs(2),
            ..ProbeArgs::default()
        };
        extra(&mut a);
        Config::from_args(&a).unwrap()
    }

    fn header<'a>(spec: &'a AttemptSpec, name: &str) -> Option<&'a str> {
        spec.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn baseline_carries_the_users_placement_origin_and_headers() {
        let c = config("ws://127.0.0.1:9/ws", |a| {
            a.token = Some("tok123".into());
            a.origin = Some("https://app.test".into());
            a.headers = vec![("X-Trace".into(), "1".into())];
        });
        let b = baseline(&c);
        assert_eq!(b.variant.id, "baseline");
        assert_eq!(header(&b, "Host"), Some("127.0.0.1:9"));
        assert_eq!(header(&b, "Authorization"), Some("Bearer tok123"));
        assert_eq!(header(&b, "Origin"), Some("https://app.test"));
        assert_eq!(header(&b, "X-Trace"), Some("1"));
        assert_eq!(header(&b, "Upgrade"), Some("websocket"));
        assert_eq!(header(&b, "Sec-WebSocket-Version"), Some("13"));
        assert_eq!(header(&b, "Sec-WebSocket-Key").map(str::len), Some(24));
    }

    #[test]
    fn query_placement_goes_in_the_url() {
        let c = config("ws://h/ws?room=1", |a| {
            a.token = Some("tok123".into());
            a.auth = "query:access_token".into();
        });
        let b = baseline(&c);
        assert_eq!(b.url.as_str(), "ws://h/ws?room=1&access_token=tok123");
        assert_eq!(header(&b, "Authorization"), None);
    }

    #[test]
    fn plain_get_has_no_upgrade_headers_and_firefox_sends_keep_alive() {
        let c = config("wss://h/ws", |_| {});
        let mut v = Variant::baseline();
        v.request = RequestKind::PlainGet;
        let s = spec_for(&c, &c.target, v);
        assert_eq!(header(&s, "Upgrade"), None);
        assert_eq!(header(&s, "Sec-WebSocket-Key"), None);
        let mut v = Variant::baseline();
        v.browser = Some("firefox".into());
        let s = spec_for(&c, &c.target, v);
        assert_eq!(header(&s, "Connection"), Some("keep-alive, Upgrade"));
    }

    #[test]
    fn wrong_token_keeps_shape_but_differs() {
        let w = wrong_token_like("eyJhbGciOi.J9-_z");
        assert_eq!(w.len(), "eyJhbGciOi.J9-_z".len());
        assert_ne!(w, "eyJhbGciOi.J9-_z");
        assert_eq!(w.matches('.').count(), 1);
    }
}
