//! check: `wsdoctor check FILE` — many targets, each probed and diagnosed exactly like
//! `wsdoctor URL`, then held to its expectations. The file is read and validated in `file`, the
//! assertions evaluated (pure) in `expect`; this module runs the targets concurrently, bounded by
//! `--jobs`, on the caller's runtime and assembles the `wsdoctor.check/v1` object. It prints
//! nothing: progress goes through a callback the binary decides to show.

pub mod expect;
pub mod file;

use std::time::Instant;

use crate::model::Report;
use file::Target;
use futures_util::StreamExt;

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

/// The check's data lives in `model::check` (render formats it without reaching into this
/// module); re-exported here under its old paths.
pub use crate::model::check::{CheckReport, PlannedTarget, TargetResult, CHECK_SCHEMA};

/// Evaluating is the check's job, so the constructor that runs the assertions lives here, beside
/// the module that evaluates them; the type itself is plain data in `model::check`.
impl TargetResult {
    /// Evaluates a target's expectations against its report.
    pub fn new(name: &str, expectations: &expect::Expectations, report: Report) -> TargetResult {
        TargetResult {
            name: name.to_string(),
            expectations: expect::evaluate(expectations, &report),
            report,
        }
    }
}

/// What a `--dry-run` lists for each validated target: what it will send (from its `Config`)
/// and the names of the assertions it will check, in their order.
pub fn planned(targets: &[Target]) -> Vec<PlannedTarget> {
    targets
        .iter()
        .map(|t| {
            let c = &t.config;
            PlannedTarget {
                name: t.name.clone(),
                target: c.shown_target.clone(),
                credential: c.credential.as_ref().map(|cred| cred.placement.clone()),
                origin: c.origin.clone(),
                quick: c.quick,
                selection: c.selection.describe(),
                asserts: expect::evaluate_names(&t.expectations),
                unset_env: t.unset_env.clone(),
            }
        })
        .collect()
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
