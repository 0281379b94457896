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

/// Targets probed at the same time when `--jobs` is not given, if the open-file limit allows.
/// A target mostly waits (a healthy one watches its connections for the close-wait), so what
/// bounds a check is sockets, not CPU: 128 targets × 17 sockets stays under common hard limits.
pub const DEFAULT_JOBS: usize = 128;

/// Sockets one target can hold at once: its attempts in flight plus a ticket fetch.
const SOCKETS_PER_TARGET: u64 = crate::probe::limits::MAX_CONCURRENT_ATTEMPTS as u64 + 1;

/// File descriptors kept for everything that is not a probe's socket (stdio, the runtime, files).
const FD_RESERVE: u64 = 64;

/// How many targets to run at once: `requested` (`--jobs`) or [`DEFAULT_JOBS`], never more than
/// the targets and never more than the open-file limit allows. The soft `RLIMIT_NOFILE` is first
/// raised toward what that needs (as Go's runtime does at start-up), within the hard limit.
/// Returns the bound and, when it had to be lowered, a note saying why.
pub fn effective_jobs(requested: Option<usize>, targets: usize) -> (usize, Option<String>) {
    let wanted = requested.unwrap_or(DEFAULT_JOBS).clamp(1, targets.max(1));
    let needed = wanted as u64 * SOCKETS_PER_TARGET + FD_RESERVE;
    let limit = match rlimit::increase_nofile_limit(needed) {
        Ok(soft) => soft,
        // No way to read the limit: keep the request and let a failed connect say so.
        Err(_) => return (wanted, None),
    };
    let (jobs, note) = fit_jobs(wanted, limit);
    (jobs, note)
}

/// The jobs that fit in `limit` open files (pure part of [`effective_jobs`]).
fn fit_jobs(wanted: usize, limit: u64) -> (usize, Option<String>) {
    let fits = limit.saturating_sub(FD_RESERVE) / SOCKETS_PER_TARGET;
    let fits = usize::try_from(fits).unwrap_or(usize::MAX).max(1);
    if fits >= wanted {
        (wanted, None)
    } else {
        (
            fits,
            Some(format!(
                "running {fits} targets at a time, not {wanted}: the open-file limit is {limit} (raise it with `ulimit -n`)"
            )),
        )
    }
}

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
    /// Targets that had not finished when the check was interrupted (Ctrl-C), in file order;
    /// absent from a check that ran to its end.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unfinished: Vec<String>,
}

impl CheckReport {
    /// Assembles the check result from per-target results (in file order).
    pub fn new(targets: Vec<TargetResult>, duration_ms: f64) -> CheckReport {
        CheckReport {
            schema: CHECK_SCHEMA.to_string(),
            passed: targets.iter().all(TargetResult::passed),
            targets,
            duration_ms,
            unfinished: Vec::new(),
        }
    }

    /// The result of a check interrupted before `unfinished` (names) were done: the finished
    /// targets as they are, and never passed.
    pub fn interrupted(
        targets: Vec<TargetResult>,
        unfinished: Vec<String>,
        duration_ms: f64,
    ) -> CheckReport {
        CheckReport {
            passed: false,
            unfinished,
            ..CheckReport::new(targets, duration_ms)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_fit_in_the_open_file_limit() {
        // Plenty of room: the request stands.
        assert_eq!(fit_jobs(128, 1_048_576), (128, None));
        // 1024 descriptors: (1024 - 64) / 17 = 56 targets, with a note naming the limit.
        let (jobs, note) = fit_jobs(128, 1024);
        assert_eq!(jobs, 56);
        assert!(note.is_some_and(|n| n.contains("1024") && n.contains("56")));
        // A limit below the reserve still runs one target at a time.
        assert_eq!(fit_jobs(4, 10).0, 1);
    }

    #[test]
    fn jobs_never_exceed_the_targets() {
        assert_eq!(effective_jobs(None, 3).0, 3);
        assert_eq!(effective_jobs(Some(2), 100).0, 2);
        assert_eq!(effective_jobs(Some(50), 0).0, 1);
    }
}
