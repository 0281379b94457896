//! The facts of how the matrix's attempts compare (credential, Origin, controls): `rules::matrix`, and their words.

use super::{cited, record};
use crate::diagnose::evidence::{body_summary, describe, Facts};

/// A fact of how the matrix's attempts compare (credential, Origin, controls): `rules::matrix`.
/// `attempt` fields are variant ids; the words look the attempt up in the run.
#[derive(Debug, Clone, PartialEq)]
pub enum MatrixFact {
    /// The baseline and its repeats, same request, tallied by answer (in the order first seen).
    RepeatsDisagree {
        /// Each answer and how many samples got it.
        tally: Vec<(Sample, usize)>,
    },
    /// The ticket endpoint's answer (the run's ticket fetch with this index).
    TicketAnswer {
        /// Index in `Run.tickets`.
        ticket: usize,
    },
    /// The attempt connected without a ticket.
    WithoutTicket {
        /// The attempt.
        attempt: String,
    },
    /// A wrong token of the same length gets the same 400.
    WrongTokenSameRefusal {
        /// The wrong-credential attempt.
        attempt: String,
    },
    /// Without the token the 400 disappears.
    RefusalGoneWithoutToken {
        /// The no-credential attempt.
        attempt: String,
    },
    /// The credential in another place passes the size check.
    PassesSizeCheckElsewhere {
        /// The placement attempt.
        attempt: String,
    },
    /// The upgrade whose answer is compared.
    Upgrade {
        /// The attempt.
        attempt: String,
    },
    /// The plain GET got the same status and body as the upgrade.
    SameAsUpgrade {
        /// The plain GET control.
        attempt: String,
    },
    /// The application's own text says the request had no (valid) upgrade headers.
    SaysNoUpgrade {
        /// Who sent the upgrade headers.
        sender: Sender,
    },
    /// 505: the application refuses the HTTP version it received (HTTP/1.0 from a proxy).
    HttpVersionRefused {
        /// Who spoke HTTP/1.1.
        sender: Sender,
    },
    /// 426 Upgrade Required: the server got no `Upgrade: websocket`.
    UpgradeRequired {
        /// Who sent the upgrade headers.
        sender: Sender,
    },
    /// A FastAPI/Starlette JSON 404: what it answers a plain GET, never an upgrade.
    FastapiJson404,
    /// The answer is one the producer gives only to requests without an upgrade.
    OnlyWithoutUpgrade {
        /// What the fingerprint matched.
        situation: &'static str,
    },
    /// The answer passed through an intermediary.
    PassedThrough {
        /// What the fingerprint matched.
        situation: &'static str,
    },
    /// The backend, reached directly.
    BackendDirect {
        /// The direct attempt.
        attempt: String,
    },
    /// The site's own origin, through the proxy.
    OwnOriginThroughProxy {
        /// The attempt.
        attempt: String,
    },
    /// The backend accepts an Origin that matches the Host it sees.
    BackendAcceptsOwnOrigin {
        /// The direct attempt.
        attempt: String,
    },
    /// An attempt's answer, named by the Origin it sent.
    OriginAnswer {
        /// The attempt.
        attempt: String,
        /// True for the baseline (named "baseline" rather than by id).
        baseline: bool,
    },
    /// The credential as it was sent.
    AsSent {
        /// The attempt.
        attempt: String,
    },
    /// A header credential refused while the same token works elsewhere.
    HeaderRefused {
        /// True when a proxy is on the path and the header is answered as if none was sent.
        through_proxy: bool,
    },
    /// The answer of the public URL.
    Public {
        /// The attempt.
        attempt: String,
    },
    /// The same request, straight to the backend.
    StraightToBackend {
        /// The direct attempt.
        attempt: String,
    },
    /// Public attempts that differ only in credential and Origin get the same status.
    AlikeRefusals {
        /// How many.
        count: usize,
        /// The status.
        status: u16,
    },
    /// Attempts that differ only in credential and Origin get the baseline's answer, byte for byte.
    IdenticalRefusals {
        /// How many.
        count: usize,
        /// The status.
        status: u16,
        /// The baseline.
        attempt: String,
    },
    /// A wrong credential and no credential are refused exactly like the right one.
    RefusedLikeTheRightOne {
        /// The credential attempts.
        attempts: Vec<String>,
    },
    /// The refusal is the application's own, not a proxy's.
    AppsOwnRefusal {
        /// What the fingerprint matched.
        situation: &'static str,
    },
    /// The app is reachable on this URL (the plain GET gets another answer).
    AppReachable {
        /// The plain GET control.
        attempt: String,
    },
    /// The same host serves HTTP normally.
    HostServesHttp {
        /// The HTTP control.
        attempt: String,
    },
    /// The same credential is accepted by the API outside the WebSocket path.
    CredentialProven {
        /// The auth-check control.
        attempt: String,
    },
    /// The attempt with the credential.
    WithCredential {
        /// The attempt.
        attempt: String,
    },
    /// The refusal is the proxy's own page, written before any credential check.
    ProxyPageFirst,
    /// Without any credential the upgrade succeeds.
    AcceptedWithoutCredential,
    /// A missing credential is answered differently; this one exactly like a wrong one.
    LikeAWrongCredential,
    /// Subprotocols offered, none selected.
    NoSubprotocolSelected {
        /// The attempt.
        attempt: String,
    },
}

/// One sample's answer, as the repeats are tallied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sample {
    /// 101, stayed open.
    Open,
    /// An HTTP status other than 101.
    Status(u16),
    /// 101, then a close with this code (none: a drop).
    Closed(Option<u16>),
    /// No HTTP answer: the outcome kind and its error class.
    Failed {
        /// Outcome kind id.
        kind: &'static str,
        /// Error class.
        error: String,
    },
}

impl Sample {
    fn words(&self) -> String {
        match self {
            Sample::Open => "101 (stayed open)".to_string(),
            Sample::Status(s) => s.to_string(),
            Sample::Closed(Some(c)) => format!("101 then close {c}"),
            Sample::Closed(None) => "101 then drop".into(),
            Sample::Failed { kind, error } => format!("{kind} {error}"),
        }
    }
}

/// Who sent the request's upgrade headers (and spoke HTTP/1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sender {
    /// wsdoctor's own attempt.
    Wsdoctor,
    /// The client of an explained answer (a browser console line, a saved answer).
    Client,
}

impl From<MatrixFact> for super::Fact {
    fn from(m: MatrixFact) -> super::Fact {
        super::Fact::Matrix(m)
    }
}

/// `<citation> — <what it shows>`.
fn shows(f: &Facts, id: &str, what: &str) -> String {
    format!("{} — {what}", cited(f, id))
}

impl MatrixFact {
    /// The evidence line.
    pub fn words(&self, f: &Facts) -> String {
        use MatrixFact as M;
        match self {
            M::RepeatsDisagree { tally } => {
                let mut parts: Vec<(String, usize)> =
                    tally.iter().map(|(s, n)| (s.words(), *n)).collect();
                parts.sort();
                let breakdown: Vec<String> =
                    parts.iter().map(|(k, n)| format!("{k} ×{n}")).collect();
                format!(
                    "baseline and its repeats, same request: {}",
                    breakdown.join(", ")
                )
            }
            M::TicketAnswer { ticket } => match f.run.tickets.get(*ticket) {
                Some(t) => format!(
                    "ticket: {} {} → {} ({})",
                    t.method,
                    t.url,
                    t.status
                        .map(|s| s.to_string())
                        .or_else(|| t.error.clone())
                        .unwrap_or_else(|| "no answer".into()),
                    body_summary(&t.body_excerpt)
                ),
                None => "ticket: no record".into(),
            },
            M::WithoutTicket { attempt } => shows(f, attempt, "connected without a ticket"),
            M::WrongTokenSameRefusal { attempt } => shows(
                f,
                attempt,
                "a wrong token of the same length gets the same 400",
            ),
            M::RefusalGoneWithoutToken { attempt } => {
                shows(f, attempt, "without the token the 400 disappears")
            }
            M::PassesSizeCheckElsewhere { attempt } => {
                shows(f, attempt, "in another place it passes the size check")
            }
            M::Upgrade { attempt } => format!("upgrade: {}", cited(f, attempt)),
            M::SameAsUpgrade { attempt } => {
                shows(f, attempt, "same status, same body as the upgrade")
            }
            M::SaysNoUpgrade { sender } => format!(
                "the application's own text says the request had no (valid) Upgrade/Connection headers, yet {}",
                sent_by(*sender)
            ),
            M::HttpVersionRefused { sender } => {
                let client = match sender {
                    Sender::Client => "the client spoke HTTP/1.1 (a WebSocket upgrade needs it)",
                    Sender::Wsdoctor => "wsdoctor spoke HTTP/1.1",
                };
                format!(
                    "505 HTTP Version Not Supported: the application refuses the HTTP version it received, yet {client} — a proxy in between speaks HTTP/1.0 upstream"
                )
            }
            M::UpgradeRequired { sender } => format!(
                "426 Upgrade Required means the server got no Upgrade: websocket, yet {}",
                sent_by(*sender)
            ),
            M::FastapiJson404 => "a FastAPI/Starlette app answers an upgrade it cannot route with 403 and an empty body, never with its JSON 404: it saw a plain GET".into(),
            M::OnlyWithoutUpgrade { situation } => format!(
                "the answer is {situation}, which it gives only to requests without an upgrade"
            ),
            M::PassedThrough { situation } => format!("the answer passed through {situation}"),
            M::BackendDirect { attempt } => shows(f, attempt, "the backend reached directly"),
            M::OwnOriginThroughProxy { attempt } => {
                shows(f, attempt, "the site's own origin, through the proxy")
            }
            M::BackendAcceptsOwnOrigin { attempt } => shows(
                f,
                attempt,
                "the backend accepts an Origin that matches the Host it sees",
            ),
            M::OriginAnswer { attempt, baseline } => {
                let Some(a) = record(f, attempt) else {
                    return attempt.clone();
                };
                let phrase = match &a.variant.origin {
                    Some(o) => format!("with Origin {o}"),
                    None => "without Origin".to_string(),
                };
                let name = if *baseline { "baseline" } else { attempt };
                format!("{phrase} ({name}): {}", describe(a))
            }
            M::AsSent { attempt } => format!("as sent: {}", cited(f, attempt)),
            M::HeaderRefused { through_proxy: true } => "a header credential answered as if none had been sent, through a proxy, while the same token works elsewhere: the proxy may strip the header".into(),
            M::HeaderRefused { through_proxy: false } => "a header credential refused while the same token works elsewhere: the server reads the credential from another place".into(),
            M::Public { attempt } => format!("public: {}", cited(f, attempt)),
            M::StraightToBackend { attempt } => {
                shows(f, attempt, "same request, straight to the backend")
            }
            M::AlikeRefusals { count, status } => format!(
                "{count} public attempts that differ only in credential and Origin get the same {status}"
            ),
            M::IdenticalRefusals {
                count,
                status,
                attempt,
            } => format!(
                "{count} attempts that differ only in credential and Origin get the same {status} as the baseline ({}), byte for byte",
                record(f, attempt).map_or_else(String::new, describe)
            ),
            M::RefusedLikeTheRightOne { attempts } => format!(
                "a wrong credential and no credential are refused exactly like the right one: {}",
                attempts.join(", ")
            ),
            M::AppsOwnRefusal { situation } => {
                format!("the refusal is the application's own ({situation}), not a proxy's")
            }
            M::AppReachable { attempt } => shows(f, attempt, "the app is reachable on this URL"),
            M::HostServesHttp { attempt } => {
                shows(f, attempt, "the same host serves HTTP normally")
            }
            M::CredentialProven { attempt } => shows(
                f,
                attempt,
                "the same credential is accepted by the API outside the WebSocket path",
            ),
            M::WithCredential { attempt } => format!("with the credential: {}", cited(f, attempt)),
            M::ProxyPageFirst => "the refusal is the proxy's own page, written before any credential check; the credential changes it, but maybe by its size".into(),
            M::AcceptedWithoutCredential => "without any credential the upgrade succeeds: the server validates a credential when present and rejects this one".into(),
            M::LikeAWrongCredential => "the server answers a missing credential differently, and treats this credential exactly like a wrong one".into(),
            M::NoSubprotocolSelected { attempt } => {
                let offered = record(f, attempt)
                    .map(|a| a.variant.subprotocols.join(", "))
                    .unwrap_or_default();
                shows(f, attempt, &format!("offered {offered}, none selected"))
            }
        }
    }

    /// The attempt ids this fact cites.
    pub fn attempts(&self) -> Vec<&str> {
        use MatrixFact as M;
        match self {
            M::WithoutTicket { attempt }
            | M::WrongTokenSameRefusal { attempt }
            | M::RefusalGoneWithoutToken { attempt }
            | M::PassesSizeCheckElsewhere { attempt }
            | M::Upgrade { attempt }
            | M::SameAsUpgrade { attempt }
            | M::BackendDirect { attempt }
            | M::OwnOriginThroughProxy { attempt }
            | M::BackendAcceptsOwnOrigin { attempt }
            | M::OriginAnswer { attempt, .. }
            | M::AsSent { attempt }
            | M::Public { attempt }
            | M::StraightToBackend { attempt }
            | M::IdenticalRefusals { attempt, .. }
            | M::AppReachable { attempt }
            | M::HostServesHttp { attempt }
            | M::CredentialProven { attempt }
            | M::WithCredential { attempt }
            | M::NoSubprotocolSelected { attempt } => vec![attempt.as_str()],
            M::RefusedLikeTheRightOne { attempts } => attempts.iter().map(String::as_str).collect(),
            M::RepeatsDisagree { .. }
            | M::TicketAnswer { .. }
            | M::SaysNoUpgrade { .. }
            | M::HttpVersionRefused { .. }
            | M::UpgradeRequired { .. }
            | M::FastapiJson404
            | M::OnlyWithoutUpgrade { .. }
            | M::PassedThrough { .. }
            | M::AlikeRefusals { .. }
            | M::HeaderRefused { .. }
            | M::AppsOwnRefusal { .. }
            | M::ProxyPageFirst
            | M::AcceptedWithoutCredential
            | M::LikeAWrongCredential => Vec::new(),
        }
    }
}

/// Who sent the upgrade headers, as the evidence says it.
fn sent_by(sender: Sender) -> &'static str {
    match sender {
        Sender::Client => "the client sent them (a browser always does)",
        Sender::Wsdoctor => "wsdoctor sent them",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::rules::testkit::{attempt, run};

    #[test]
    fn the_repeats_tally_is_worded_in_the_order_of_its_text() {
        // Tallied in the order first seen; worded sorted by the answer's text (as the report
        // always printed it), so two runs with the same answers read the same.
        let r = run(vec![attempt("baseline").upgraded()]).build();
        let fact = MatrixFact::RepeatsDisagree {
            tally: vec![
                (Sample::Status(502), 1),
                (Sample::Open, 2),
                (Sample::Closed(Some(1011)), 1),
                (Sample::Closed(None), 1),
            ],
        };
        assert_eq!(
            fact.words(&Facts::new(&r)),
            "baseline and its repeats, same request: 101 (stayed open) ×2, 101 then close 1011 ×1, 101 then drop ×1, 502 ×1"
        );
    }

    #[test]
    fn an_origin_answer_names_the_baseline_as_such_and_the_others_by_id() {
        let r = run(vec![
            attempt("baseline").origin(None).rejected(403, ""),
            attempt("origin.null").origin(Some("null")).upgraded(),
        ])
        .build();
        let f = Facts::new(&r);
        let said = |attempt: &str, baseline| {
            MatrixFact::OriginAnswer {
                attempt: attempt.into(),
                baseline,
            }
            .words(&f)
        };
        assert_eq!(
            said("baseline", true),
            "without Origin (baseline): 403, empty body"
        );
        assert_eq!(
            said("origin.null", false),
            "with Origin null (origin.null): 101, stayed open"
        );
    }
}
