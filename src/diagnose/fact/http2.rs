//! The facts of the HTTP/2 path browsers may take (RFC 8441): `rules::http2`, and their words.

use super::{cited, Fact};
use crate::diagnose::evidence::Facts;

/// A fact of the HTTP/2 path browsers may take (RFC 8441): `rules::http2`.
#[derive(Debug, Clone, PartialEq)]
pub enum Http2Fact {
    /// The server chose ALPN h2 and advertised extended CONNECT: browsers that implement RFC 8441
    /// take that path and do not fall back to HTTP/1.1.
    Advertised,
    /// Which browsers take the HTTP/2 path, as the lab saw them.
    WhoTakesIt,
    /// What the extended CONNECT stream's refusal status says about the front.
    StreamRefused {
        /// The status, as the front meant it.
        refusal: StreamRefusal,
    },
    /// A variant (credential placement, Origin) upgrades over HTTP/2 where the baseline stream
    /// was refused: the refusal depends on what it changes.
    VariantUpgrades {
        /// The variant's id.
        attempt: String,
    },
    /// Every variant tried over HTTP/2 got the same answer as the refused stream.
    AllVariantsAlike {
        /// How many variant streams.
        count: usize,
    },
    /// The HTTP/2 path browsers take here upgrades too (the HTTP/1.1 baseline did).
    PathUpgradesToo {
        /// The stream's id.
        attempt: String,
    },
    /// HTTP/1.1 fails while the HTTP/2 path browsers take here upgrades: browsers work, HTTP/1.1
    /// clients do not.
    OnlyBrowsersPathUpgrades {
        /// The stream's id.
        attempt: String,
    },
    /// The server offers no extended CONNECT: browsers use HTTP/1.1 here too.
    NotAdvertised,
    /// Cleartext HTTP/2 with prior knowledge (`--h2c`) could not be spoken.
    H2cError {
        /// What went wrong, as the probe read it.
        error: String,
    },
    /// The extended CONNECT stream over h2c.
    H2cStream {
        /// The stream's id.
        attempt: String,
        /// It upgraded.
        upgraded: bool,
    },
    /// The server speaks h2c but advertises no extended CONNECT.
    H2cNoExtendedConnect,
    /// Over h2c no SETTINGS were read.
    H2cNoSettings,
}

/// What the refusal status of the extended CONNECT stream says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamRefusal {
    /// 501: extended CONNECT spoken, no WebSockets behind it.
    NotImplemented,
    /// 405: CONNECT streams routed to nothing.
    MethodNotAllowed,
}

impl StreamRefusal {
    /// The refusal a status names, when it names one.
    pub fn of(status: Option<u16>) -> Option<StreamRefusal> {
        match status? {
            501 => Some(StreamRefusal::NotImplemented),
            405 => Some(StreamRefusal::MethodNotAllowed),
            _ => None,
        }
    }
}

/// Which browsers take the HTTP/2 path where it is advertised, as the lab saw them
/// (tests/lab/http2.rs: Chromium 156 and Firefox ESR 153 both took it and neither fell back).
pub const WHO_TAKES_IT: &str = "Chrome and Firefox open the WebSocket as an extended CONNECT stream when they already hold an HTTP/2 connection to this origin (the page was loaded from it); seen with Chromium 156 and Firefox ESR 153, neither falls back to HTTP/1.1";

/// Who takes cleartext HTTP/2 (an h2c line's closing words).
const H2C_WHO: &str =
    "browsers never use cleartext HTTP/2; a front that forwards HTTP/2 streams here in cleartext does";

impl From<Http2Fact> for Fact {
    fn from(x: Http2Fact) -> Fact {
        Fact::Http2(x)
    }
}

impl Http2Fact {
    /// The attempt (stream) this fact cites, when it cites one (for `Fact::attempts`).
    pub fn attempt(&self) -> Option<&str> {
        match self {
            Http2Fact::VariantUpgrades { attempt }
            | Http2Fact::PathUpgradesToo { attempt }
            | Http2Fact::OnlyBrowsersPathUpgrades { attempt }
            | Http2Fact::H2cStream { attempt, .. } => Some(attempt),
            _ => None,
        }
    }

    /// The evidence line.
    pub fn words(&self, f: &Facts) -> String {
        match self {
            Http2Fact::Advertised => "the server chose ALPN h2 and advertised SETTINGS_ENABLE_CONNECT_PROTOCOL = 1, so browsers that implement RFC 8441 use that path and do not fall back to HTTP/1.1 when the stream is refused".into(),
            Http2Fact::WhoTakesIt => WHO_TAKES_IT.into(),
            Http2Fact::StreamRefused { refusal } => match refusal {
                StreamRefusal::NotImplemented => "501 Not Implemented: the front speaks extended CONNECT but implements no WebSockets behind it; Chromium 156 and Firefox ESR 153 do not fall back to HTTP/1.1 after it, the WebSocket fails (1006)",
                StreamRefusal::MethodNotAllowed => "405 Method Not Allowed: the front does not route CONNECT streams to anything (Node's http2 answers so when no 'connect' handler is set); browsers do not fall back to HTTP/1.1 after it",
            }
            .into(),
            Http2Fact::VariantUpgrades { attempt } => format!(
                "{} — over HTTP/2 this one upgrades: the refusal depends on what it changes (a front that drops or rewrites that header on HTTP/2 streams, or a rule only HTTP/2 requests meet)",
                cited(f, attempt)
            ),
            Http2Fact::AllVariantsAlike { count } => format!(
                "every credential placement and Origin tried over HTTP/2 ({count} streams on the same connection) gets the same answer: the HTTP/2 path refuses WebSockets as such, whatever the request carries"
            ),
            Http2Fact::PathUpgradesToo { attempt } => format!(
                "{} — the HTTP/2 path browsers take here (RFC 8441) upgrades too",
                cited(f, attempt)
            ),
            Http2Fact::OnlyBrowsersPathUpgrades { attempt } => format!(
                "{} — over HTTP/2 (RFC 8441), the path Chrome and Firefox take here, the same request upgrades: browsers holding an HTTP/2 connection to this origin work, HTTP/1.1 clients (CLIs, servers, mobile libraries) do not",
                cited(f, attempt)
            ),
            Http2Fact::NotAdvertised => "HTTP/2: no extended CONNECT (RFC 8441) offered by this server, so browsers use HTTP/1.1 here too".into(),
            Http2Fact::H2cError { error } => {
                format!("h2c (HTTP/2 with prior knowledge): {error}")
            }
            Http2Fact::H2cStream { attempt, upgraded } => {
                let what = if *upgraded {
                    "the same request upgrades too"
                } else {
                    "the extended CONNECT fails"
                };
                format!(
                    "{} — over h2c (HTTP/2 with prior knowledge, RFC 8441) {what} ({H2C_WHO})",
                    cited(f, attempt)
                )
            }
            Http2Fact::H2cNoExtendedConnect => format!(
                "h2c (HTTP/2 with prior knowledge): the server speaks it but does not advertise extended CONNECT (RFC 8441), so WebSockets reach it over HTTP/1.1 only ({H2C_WHO})"
            ),
            Http2Fact::H2cNoSettings => {
                "h2c (HTTP/2 with prior knowledge): no SETTINGS were read".into()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_facts_that_cite_a_stream_name_it_and_statuses_name_their_refusal() {
        let h2c = Http2Fact::H2cStream {
            attempt: "http2".into(),
            upgraded: false,
        };
        assert_eq!(h2c.attempt(), Some("http2"));
        assert_eq!(Http2Fact::NotAdvertised.attempt(), None);
        assert_eq!(
            StreamRefusal::of(Some(501)),
            Some(StreamRefusal::NotImplemented)
        );
        assert_eq!(
            StreamRefusal::of(Some(405)),
            Some(StreamRefusal::MethodNotAllowed)
        );
        assert_eq!(StreamRefusal::of(Some(403)), None);
        assert_eq!(StreamRefusal::of(None), None);
    }
}
