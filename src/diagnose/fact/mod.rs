//! fact: typed evidence. What a verdict rests on, as data — which attempt, what it showed, how it
//! bears on the cause — never as a sentence. The proposers (`rules`), the engine and the
//! `--direct` comparison produce [`Fact`]s; [`Fact::words`] is the one place they become the
//! report's evidence lines, once, at the end of `diagnose`. Tests assert facts; the English is
//! pinned only where it is printed (the render snapshots and the replayed corpus).
//!
//! Each layer of proposers keeps its facts in a file of its own here (`transport`, `tls`, `http`,
//! `http2`, `session`, `matrix`, `direct`, `engine`): the enum and, beside it, its words.
//!
//! Pure: no I/O, no clock.

pub mod direct;
pub mod engine;
pub mod http;
pub mod http2;
pub mod matrix;
pub mod session;
pub mod tls;
pub mod transport;

use super::evidence::{cite, Facts};
use crate::model::AttemptRecord;

/// One piece of evidence.
#[derive(Debug, Clone, PartialEq)]
pub enum Fact {
    /// An attempt as it was answered: `<id> (<what it changed>): <answer>`.
    Cited {
        /// The attempt's variant id.
        attempt: String,
    },
    /// A fact of the transport layer (DNS, TCP, proxies, addresses).
    Transport(transport::TransportFact),
    /// A fact of the TLS layer.
    Tls(tls::TlsFact),
    /// A fact about one HTTP answer.
    Http(http::HttpFact),
    /// A fact of the HTTP/2 path.
    Http2(http2::Http2Fact),
    /// A fact about a session after the 101.
    Session(session::SessionFact),
    /// A fact about how the matrix's attempts compare.
    Matrix(matrix::MatrixFact),
    /// A fact of the public-vs-`--direct` comparison.
    Direct(direct::DirectFact),
    /// A fact the engine adds (ties, what only the status shows).
    Engine(engine::EngineFact),
}

impl Fact {
    /// An attempt, cited as it was answered.
    pub fn cited(a: &AttemptRecord) -> Fact {
        Fact::Cited {
            attempt: a.variant.id.clone(),
        }
    }

    /// The evidence line the report prints.
    pub fn words(&self, f: &Facts) -> String {
        match self {
            Fact::Cited { attempt } => cited(f, attempt),
            Fact::Transport(x) => x.words(f),
            Fact::Tls(x) => x.words(f),
            Fact::Http(x) => x.words(f),
            Fact::Http2(x) => x.words(f),
            Fact::Session(x) => x.words(f),
            Fact::Matrix(x) => x.words(f),
            Fact::Direct(x) => x.words(f),
            Fact::Engine(x) => x.words(f),
        }
    }

    /// The attempt ids this fact cites (for tests and the report's cited rows).
    pub fn attempts(&self) -> Vec<&str> {
        match self {
            Fact::Cited { attempt } => vec![attempt.as_str()],
            Fact::Matrix(x) => x.attempts(),
            Fact::Transport(x) => x.attempt().into_iter().collect(),
            Fact::Tls(x) => x.attempt().into_iter().collect(),
            Fact::Http(x) => x.attempt().into_iter().collect(),
            Fact::Http2(x) => x.attempt().into_iter().collect(),
            Fact::Direct(x) => x.attempts(),
            Fact::Engine(x) => x.attempts(),
            Fact::Session(_) => Vec::new(),
        }
    }
}

/// The record of an attempt by its id: the matrix, the HTTP controls, the other-scheme try and
/// the HTTP/2 streams.
pub fn record<'a>(f: &Facts<'a>, id: &str) -> Option<&'a AttemptRecord> {
    let run = f.run;
    run.attempt(id)
        .or_else(|| run.other_scheme.as_deref().filter(|a| a.variant.id == id))
        .or_else(|| {
            run.http2.as_ref().and_then(|h| {
                h.attempt
                    .as_deref()
                    .filter(|a| a.variant.id == id)
                    .or_else(|| h.variants.iter().find(|a| a.variant.id == id))
            })
        })
}

/// `<id> (<label>): <answer>` for the attempt with this id; the id alone when the run has no
/// such record (never the case for a fact a proposer made from this run).
pub fn cited(f: &Facts, id: &str) -> String {
    record(f, id).map_or_else(|| id.to_string(), cite)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::rules::testkit::{attempt, run};

    #[test]
    fn a_cited_attempt_is_worded_from_the_run_and_named_by_its_id() {
        let r = run(vec![attempt("baseline").rejected(403, "forbidden")]).build();
        let f = Facts::new(&r);
        let fact = Fact::cited(&r.attempts[0]);
        assert_eq!(fact.attempts(), ["baseline"]);
        assert_eq!(fact.words(&f), cite(&r.attempts[0]));
        // An id the run does not hold (never made by a proposer of this run) is named, not lost.
        let stray = Fact::Cited {
            attempt: "origin.elsewhere".into(),
        };
        assert_eq!(stray.words(&f), "origin.elsewhere");
    }
}
