//! rules: the proposers. Each is one named fn `(&Facts) -> Option<Verdict>` in the file of its
//! layer (transport, tls, http, session, matrix, direct) that recognises its cause's signature in
//! the records and proposes the cause with its evidence (typed facts, `fact`) and the strength of that signature. Every
//! proposer runs; none decides by its place in the table: `engine` scores every proposal against
//! every attempt (`hypothesis::predict`). Proposers read records only; they never measure or print.

pub mod direct;
pub mod http;
pub mod http2;
pub mod matrix;
pub mod session;
pub mod tls;
pub mod transport;

#[cfg(test)]
pub mod testkit;

#[cfg(test)]
pub mod simulate;

use super::cause::Cause;
use super::evidence::Facts;
use super::fact::Fact;
use crate::model::Alternative;

/// What a rule concluded.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The cause.
    pub cause: Cause,
    /// Confidence in [0, 1].
    pub confidence: f64,
    /// One line.
    pub summary: String,
    /// What the verdict rests on, typed (worded at the end of `diagnose`).
    pub evidence: Vec<Fact>,
    /// Causes not ruled out, with what would decide.
    pub alternatives: Vec<Alternative>,
    /// The one extra input that would decide.
    pub next_step: Option<String>,
    /// The variant id whose response is decisive (its producer is the responder); the baseline
    /// when `None`.
    pub decisive: Option<String>,
    /// True once the public-vs-direct pairs line is among the evidence (`direct::amend` adds it
    /// once).
    pub cites_pairs: bool,
}

impl Verdict {
    /// A verdict with a summary and no evidence yet.
    pub fn new(cause: Cause, confidence: f64, summary: impl Into<String>) -> Verdict {
        Verdict {
            cause,
            confidence,
            summary: summary.into(),
            evidence: Vec::new(),
            alternatives: Vec::new(),
            next_step: None,
            decisive: None,
            cites_pairs: false,
        }
    }

    /// Adds a fact.
    pub fn because(mut self, fact: impl Into<Fact>) -> Verdict {
        self.evidence.push(fact.into());
        self
    }

    /// Adds the public-vs-direct pairs fact.
    pub fn because_pairs(mut self, fact: impl Into<Fact>) -> Verdict {
        self.evidence.push(fact.into());
        self.cites_pairs = true;
        self
    }

    /// The evidence lines as the report words them (for tests of wording and tracing).
    pub fn lines(&self, f: &Facts) -> Vec<String> {
        self.evidence.iter().map(|e| e.words(f)).collect()
    }

    /// Adds an alternative.
    pub fn or(mut self, cause: Cause, why: impl Into<String>) -> Verdict {
        self.alternatives.push(Alternative {
            cause,
            why: why.into(),
        });
        self
    }

    /// Sets the next step.
    pub fn next(mut self, step: impl Into<String>) -> Verdict {
        self.next_step = Some(step.into());
        self
    }

    /// Names the decisive attempt.
    pub fn decided_by(mut self, id: &str) -> Verdict {
        self.decisive = Some(id.to_string());
        self
    }
}

/// A proposer.
pub type RuleFn = fn(&Facts) -> Option<Verdict>;

/// Every proposer. Order does not decide (the engine scores them all); it only orders
/// equal-scored candidates. The names are the fn names cited in `docs/causes.md`.
pub const PROPOSERS: &[(&str, RuleFn)] = &[
    (
        "transport::address_inconsistent",
        transport::address_inconsistent,
    ),
    ("matrix::intermittent", matrix::intermittent),
    (
        "transport::forward_proxy_refused",
        transport::forward_proxy_refused,
    ),
    ("transport::dns_failed", transport::dns_failed),
    ("transport::tcp_failed", transport::tcp_failed),
    ("tls::client_cert", tls::client_cert),
    ("tls::alpn_h2_only", tls::alpn_h2_only),
    ("tls::tls_failed", tls::tls_failed),
    ("tls::plaintext_to_tls_port", tls::plaintext_to_tls_port),
    ("transport::no_http_answer", transport::no_http_answer),
    ("http::http2_only", http::http2_only),
    ("http::bad_handshake_response", http::bad_handshake_response),
    ("http::browsers_refuse_101", http::browsers_refuse_101),
    ("matrix::ticket_failed", matrix::ticket_failed),
    ("session::idle_timeout", session::idle_timeout),
    ("session::ping_flood", session::ping_flood),
    ("session::healthy", session::healthy),
    (
        "http2::http2_websocket_refused",
        http2::http2_websocket_refused,
    ),
    ("http::redirect", http::redirect),
    ("http::request_too_large", http::request_too_large),
    (
        "matrix::request_too_large_by_credential",
        matrix::request_too_large_by_credential,
    ),
    ("http::bad_gateway", http::bad_gateway),
    ("http::websocket_unsupported", http::websocket_unsupported),
    (
        "matrix::upgrade_not_forwarded",
        matrix::upgrade_not_forwarded,
    ),
    (
        "matrix::origin_host_rewritten",
        matrix::origin_host_rewritten,
    ),
    ("direct::front_refuses", direct::front_refuses),
    ("matrix::origin_rejected", matrix::origin_rejected),
    ("matrix::auth_placement", matrix::auth_placement),
    (
        "session::auth_closed_after_upgrade",
        session::auth_closed_after_upgrade,
    ),
    (
        "session::server_closed_after_upgrade",
        session::server_closed_after_upgrade,
    ),
    ("http::proxy_access_denied", http::proxy_access_denied),
    ("matrix::wrong_upstream", matrix::wrong_upstream),
    ("matrix::credentials_rejected", matrix::credentials_rejected),
    ("http::not_found", http::not_found),
    ("http::method_not_allowed", http::method_not_allowed),
    ("http::not_websocket", http::not_websocket),
    ("http::auth_refusal", http::auth_refusal),
    ("http::server_error", http::server_error),
    ("http::unexplained_refusal", http::unexplained_refusal),
];
