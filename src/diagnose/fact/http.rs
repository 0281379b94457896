//! The facts of one HTTP answer (its status, its page, who wrote it): `rules::http`, and their words.

use super::{cited, record, Fact};
use crate::diagnose::evidence::Facts;

/// A fact of one HTTP answer (its status, its page, who wrote it): `rules::http`.
#[derive(Debug, Clone, PartialEq)]
pub enum HttpFact {
    /// The baseline cited as the upgrade it was (`upgrade: <id> (…): …`).
    Upgrade {
        /// The baseline's variant id.
        attempt: String,
    },
    /// Another request of the same URL (the plain GET) got the same answer as the upgrade.
    SameAsUpgrade {
        /// That request's variant id.
        attempt: String,
    },
    /// The answer carries the server's own `Server` header, naming a server that does not
    /// upgrade in a common configuration.
    OwnServerHeader {
        /// The `Server` header as read (lowercased).
        server: String,
        /// Which server it names.
        product: NonUpgrading,
    },
    /// The port answered the upgrade in HTTP/2 frames.
    Http2Answer {
        /// What the probe read (the frames).
        detail: String,
        /// Over TLS, where no ALPN protocol was negotiated.
        over_tls: bool,
    },
    /// What breaks the handshake response, as the probe read it.
    Violation {
        /// The probe's description of the violation.
        detail: String,
    },
    /// Chrome or Firefox fails the 101 this attempt got (`diagnose::browser`).
    BrowserFails {
        /// The attempt's variant id.
        attempt: String,
    },
    /// A `ws://` URL is redirected to `https://`.
    RedirectToHttps,
    /// How a size refusal reads: a proxy's own page or an application's answer.
    SizeRefusalReads {
        /// The proxy's page (authorship above one half).
        by_proxy: bool,
        /// `fingerprint::proxy_authorship` of the answer.
        authorship: f64,
    },
    /// What exceeds a size limit in practice (a long token in the query, a large Cookie).
    LongTokenOrCookie,
    /// The answer (or refusal) bears the signature of who wrote it (a fingerprint's situation).
    Signature {
        /// Answer or refusal.
        noun: Noun,
        /// The fingerprint's situation.
        situation: &'static str,
    },
    /// An HTTP control of the same host answered 2xx/3xx.
    HostServesHttp {
        /// The control's variant id.
        attempt: String,
        /// What it is said to show.
        shows: HostShows,
    },
    /// Variants changing only the credential or the Origin got the same refusal.
    AlikeRefusals {
        /// How many.
        count: usize,
    },
    /// A header of the answer, as it was sent.
    Header {
        /// Which header.
        header: Header,
        /// Its value.
        value: String,
    },
    /// The input does not show the request (a credential's absence cannot be told).
    RequestUnknown,
    /// The answer carries `WWW-Authenticate`.
    Challenge,
    /// No credential was given to wsdoctor.
    NoCredentialGiven,
    /// A proxy is only on the path: the body is the application's own, relayed.
    RelayedBy {
        /// The proxy's name (fingerprint).
        product: &'static str,
    },
}

/// Servers that answer HTTP but, in a common configuration, cannot upgrade. uvicorn without a
/// WebSocket library (or with `--ws none`) logs "Unsupported upgrade request" and hands the
/// upgrade to the app as plain HTTP; WSGI servers never upgrade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonUpgrading {
    /// uvicorn without a WebSocket library.
    Uvicorn,
    /// A gunicorn WSGI worker.
    Gunicorn,
    /// The Werkzeug (Flask) development server.
    Werkzeug,
    /// waitress.
    Waitress,
}

impl NonUpgrading {
    /// Every one, in the order the `Server` header is matched.
    pub const ALL: [NonUpgrading; 4] = [
        NonUpgrading::Uvicorn,
        NonUpgrading::Gunicorn,
        NonUpgrading::Werkzeug,
        NonUpgrading::Waitress,
    ];

    /// The `Server` header prefix (lowercase) that names it.
    pub fn prefix(self) -> &'static str {
        match self {
            NonUpgrading::Uvicorn => "uvicorn",
            NonUpgrading::Gunicorn => "gunicorn",
            NonUpgrading::Werkzeug => "werkzeug",
            NonUpgrading::Waitress => "waitress",
        }
    }

    /// Why it does not upgrade.
    fn why(self) -> &'static str {
        match self {
            NonUpgrading::Uvicorn => "uvicorn without a WebSocket library (or run with --ws none) treats an upgrade as a plain request",
            NonUpgrading::Gunicorn => "a gunicorn WSGI worker cannot upgrade",
            NonUpgrading::Werkzeug => "the Werkzeug (Flask) WSGI server cannot upgrade",
            NonUpgrading::Waitress => "waitress is a WSGI server and cannot upgrade",
        }
    }
}

/// What a fingerprint's situation describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Noun {
    /// The answer.
    Answer,
    /// The refusal.
    Refusal,
}

/// What an HTTP control answered 2xx/3xx shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostShows {
    /// The host is up.
    Up,
    /// Other paths still reach a backend.
    BackendReached,
}

/// A header of the answer cited as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Header {
    /// `Allow` (of a 405).
    Allow,
    /// `content-type` (of a plain answer).
    ContentType,
}

impl From<HttpFact> for Fact {
    fn from(x: HttpFact) -> Fact {
        Fact::Http(x)
    }
}

impl HttpFact {
    /// The attempt this fact cites, when it cites one (for `Fact::attempts`).
    pub fn attempt(&self) -> Option<&str> {
        match self {
            HttpFact::Upgrade { attempt }
            | HttpFact::SameAsUpgrade { attempt }
            | HttpFact::BrowserFails { attempt }
            | HttpFact::HostServesHttp { attempt, .. } => Some(attempt),
            _ => None,
        }
    }

    /// The evidence line.
    pub fn words(&self, f: &Facts) -> String {
        match self {
            HttpFact::Upgrade { attempt } => format!("upgrade: {}", cited(f, attempt)),
            HttpFact::SameAsUpgrade { attempt } => {
                format!("{} — the same answer as the upgrade", cited(f, attempt))
            }
            HttpFact::OwnServerHeader { server, product } => format!(
                "the answer carries the server's own header (Server: {server}), not a proxy's: {}",
                product.why()
            ),
            HttpFact::Http2Answer { detail, over_tls } => {
                let tls = if *over_tls {
                    "; over TLS the server negotiated no ALPN protocol and then spoke HTTP/2 anyway"
                } else {
                    ""
                };
                format!("{detail}{tls}")
            }
            HttpFact::Violation { detail } => detail.clone(),
            HttpFact::BrowserFails { attempt } => browser_fails(f, attempt),
            HttpFact::RedirectToHttps => {
                "the redirect goes to https://: the site forces TLS, so the client must use wss://"
                    .into()
            }
            HttpFact::SizeRefusalReads {
                by_proxy,
                authorship,
            } => format!(
                "the refusal reads as {} (proxy authorship {authorship:.2})",
                if *by_proxy {
                    "a proxy's own page"
                } else {
                    "an application's answer"
                }
            ),
            HttpFact::LongTokenOrCookie => {
                "a long token in the query string or a large Cookie header exceeds the limit".into()
            }
            HttpFact::Signature { noun, situation } => match noun {
                Noun::Answer => format!("the answer is {situation}"),
                Noun::Refusal => format!("the refusal is {situation}"),
            },
            HttpFact::HostServesHttp { attempt, shows } => {
                let what = match shows {
                    HostShows::Up => "the host is up",
                    HostShows::BackendReached => "other paths still reach a backend",
                };
                format!("{} — {what}", cited(f, attempt))
            }
            HttpFact::AlikeRefusals { count } => format!(
                "{} changing only the credential or the Origin {} the same refusal",
                crate::wording::count(*count, "variant", "variants"),
                if *count == 1 { "gets" } else { "get" }
            ),
            HttpFact::Header { header, value } => match header {
                Header::Allow => format!("Allow: {value}"),
                Header::ContentType => format!("content-type: {value}"),
            },
            HttpFact::RequestUnknown => "the input does not show the request, so a missing credential cannot be told from a refused one".into(),
            HttpFact::Challenge => "the answer carries WWW-Authenticate".into(),
            HttpFact::NoCredentialGiven => "no credential was given to wsdoctor".into(),
            HttpFact::RelayedBy { product } => format!(
                "{product} is only on the path: the body is the application's own, relayed (not {product}'s error page)"
            ),
        }
    }
}

/// `<Chrome fails it (…); Firefox opens it> — <browser>: <its words>` for the attempt's 101.
fn browser_fails(f: &Facts, attempt: &str) -> String {
    use crate::diagnose::browser;
    let Some(a) = record(f, attempt) else {
        return attempt.to_string();
    };
    let Some((b, _, words)) = browser::refusal(a) else {
        return browser::summary(a);
    };
    let name = if b == "chrome" { "Chrome" } else { "Firefox" };
    format!("{} — {name}: {words}", browser::summary(a))
}

#[cfg(test)]
mod tests {
    // These pin wording (the branches no recorded run in the corpus shows).
    use super::*;
    use crate::diagnose::evidence::cite;
    use crate::diagnose::rules::testkit::{attempt, run};

    #[test]
    fn http2_frames_over_tls_say_no_alpn_was_negotiated() {
        let r = run(vec![attempt("baseline").violation("http2_response")]).build();
        let f = Facts::new(&r);
        let frames = |over_tls| {
            HttpFact::Http2Answer {
                detail: "a SETTINGS frame".into(),
                over_tls,
            }
            .words(&f)
        };
        assert_eq!(frames(false), "a SETTINGS frame");
        assert_eq!(
            frames(true),
            "a SETTINGS frame; over TLS the server negotiated no ALPN protocol and then spoke HTTP/2 anyway"
        );
    }

    #[test]
    fn a_serving_control_says_the_host_is_up_or_that_other_paths_reach_a_backend() {
        let r = run(vec![attempt("baseline").rejected(502, "")])
            .http(vec![attempt("control.root").rejected(200, "ok")])
            .build();
        let f = Facts::new(&r);
        let c = cite(&r.http_controls[0]);
        let line = |shows| {
            HttpFact::HostServesHttp {
                attempt: "control.root".into(),
                shows,
            }
            .words(&f)
        };
        assert_eq!(line(HostShows::Up), format!("{c} — the host is up"));
        assert_eq!(
            line(HostShows::BackendReached),
            format!("{c} — other paths still reach a backend")
        );
    }

    #[test]
    fn the_facts_that_cite_an_attempt_name_it() {
        let upgrade = HttpFact::Upgrade {
            attempt: "baseline".into(),
        };
        assert_eq!(upgrade.attempt(), Some("baseline"));
        assert_eq!(HttpFact::Challenge.attempt(), None);
    }

    #[test]
    fn alike_refusals_agree_in_number() {
        let r = run(vec![attempt("baseline").rejected(403, "")]).build();
        let f = Facts::new(&r);
        assert_eq!(
            HttpFact::AlikeRefusals { count: 1 }.words(&f),
            "1 variant changing only the credential or the Origin gets the same refusal"
        );
        assert_eq!(
            HttpFact::AlikeRefusals { count: 3 }.words(&f),
            "3 variants changing only the credential or the Origin get the same refusal"
        );
    }
}
