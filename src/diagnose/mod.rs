//! diagnose: pure functions from a measured `Run` to a `Diagnosis` and `Finding`s. An ordered rule
//! table; the first rule that matches decides. No I/O, no clock, no printing.

pub mod cause;

use crate::model::{Diagnosis, Finding, Run};
use cause::Cause;

/// Diagnoses a run.
pub fn diagnose(run: &Run) -> (Diagnosis, Vec<Finding>) {
    let cause = match run.baseline() {
        Some(a) if a.outcome.is_success() => Cause::Healthy,
        _ => Cause::ServerBadHandshakeResponse,
    };
    (
        Diagnosis {
            category: cause.category(),
            cause,
            confidence: 0.5,
            summary: cause.title().to_string(),
            responder: None,
            evidence: Vec::new(),
            remedy: Vec::new(),
            snippets: Vec::new(),
            alternatives: Vec::new(),
            next_step: None,
        },
        Vec::new(),
    )
}
