//! check: `wsdoctor check FILE` — many targets, each probed and diagnosed exactly like
//! `wsdoctor URL`, then held to its expectations. The file is read and validated in `file`, the
//! assertions evaluated (pure) in `expect`; this module runs the targets concurrently, bounded by
//! `--jobs`, on the caller's runtime and assembles the `wsdoctor.check/v1` object. It prints
//! nothing: progress goes through a callback the binary decides to show.

pub mod expect;
pub mod file;

use std::time::Instant;

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use crate::model::Report;
use expect::ExpectationResult;
use file::Target;

/// The schema id of a check result.
pub const CHECK_SCHEMA: &str = "wsdoctor.check/v1";

/// One target's result: its assertions and its full report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetResult {
    /// The target's name from the check file.
    pub name: String,
    /// Each assertion with its outcome, in a fixed order.
    pub expectations: Vec<ExpectationResult>,
    /// The full `wsdoctor.report/v1` report.
    pub report: Report,
}

impl TargetResult {
    /// Evaluates a target's expectations against its report.
    pub fn new(name: &str, expectations: &expect::Expectations, report: Report) -> TargetResult {
        TargetResult {
            name: name.to_string(),
            expectations: expect::evaluate(expectations, &report),
            report,
        }
    }

    /// True when every assertion held.
    pub fn passed(&self) -> bool {
        self.expectations.iter().all(|e| e.passed)
    }
}

/// The `wsdoctor.check/v1` object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckReport {
    /// Always `wsdoctor.check/v1`.
    pub schema: String,
    /// Every target, in file order.
    pub targets: Vec<TargetResult>,
    /// True when every assertion of every target held.
    pub passed: bool,
    /// Wall time of the whole check in ms.
    pub duration_ms: f64,
}

impl CheckReport {
    /// Assembles the check result from per-target results (in file order).
    pub fn new(targets: Vec<TargetResult>, duration_ms: f64) -> CheckReport {
        CheckReport {
            schema: CHECK_SCHEMA.to_string(),
            passed: targets.iter().all(TargetResult::passed),
            targets,
            duration_ms,
        }
    }

    /// How many targets passed.
    pub fn passed_count(&self) -> usize {
        self.targets.iter().filter(|t| t.passed()).count()
    }
}

/// Probes every target with the full diagnosis, at most `jobs` at a time, and evaluates their
/// expectations. `on_done(done, total, result)` is called as each target finishes.
pub async fn run(
    targets: &[Target],
    jobs: usize,
    mut on_done: impl FnMut(usize, usize, &TargetResult),
) -> CheckReport {
    let started = Instant::now();
    let total = targets.len();
    let mut results: Vec<Option<TargetResult>> = vec![None; total];
    let mut finished =
        futures_util::stream::iter(targets.iter().enumerate().map(|(i, t)| async move {
            let report = crate::probe_target(&t.config).await;
            (i, TargetResult::new(&t.name, &t.expectations, report))
        }))
        .buffer_unordered(jobs.max(1));
    let mut done = 0;
    while let Some((i, result)) = finished.next().await {
        done += 1;
        on_done(done, total, &result);
        if let Some(slot) = results.get_mut(i) {
            *slot = Some(result);
        }
    }
    CheckReport::new(
        results.into_iter().flatten().collect(),
        started.elapsed().as_secs_f64() * 1000.0,
    )
}
