//! progress: what a running probe is doing, kept from its events (`probe::events`). Two readers:
//! the progress line a terminal shows (what runs, what it waits for, for how long) and the
//! partial report an interrupted run prints (what was measured). Pure: the caller passes the
//! time in and draws the line; nothing here prints, sleeps or reads the environment.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::model::{AttemptRecord, Stage, StageRecord, StageStatus};
use crate::probe::events::ProbeEvent;

/// The partial report's data lives in `model::partial` (render formats it without reaching into
/// this module); re-exported here under its old path.
pub use crate::model::partial::{Interrupted, PartialAttempt, PartialReport, PARTIAL_SCHEMA};

/// How long a wait lasts before a progress line is worth drawing.
pub const SHOW_AFTER: Duration = Duration::from_secs(1);

/// An attempt still running: the stage it is in.
#[derive(Debug, Clone)]
struct Running {
    stage: Stage,
    waiting_for: String,
    since: Instant,
    limit: Option<Duration>,
    measured: Vec<StageRecord>,
}

/// The state of a run as its events tell it.
#[derive(Debug, Clone, Default)]
pub struct Tracker {
    running: BTreeMap<String, Running>,
    finished: Vec<AttemptRecord>,
}

impl Tracker {
    /// An empty tracker.
    pub fn new() -> Tracker {
        Tracker::default()
    }

    /// Takes in one event, received at `now`.
    pub fn apply(&mut self, event: ProbeEvent, now: Instant) {
        match event {
            ProbeEvent::StageStarted {
                attempt,
                stage,
                waiting_for,
                limit_ms,
                measured,
            } => {
                self.running.insert(
                    attempt,
                    Running {
                        stage,
                        waiting_for,
                        since: now,
                        limit: limit_ms.map(Duration::from_millis),
                        measured,
                    },
                );
            }
            ProbeEvent::AttemptDone(record) => {
                self.running.remove(&record.variant.id);
                self.finished.push(*record);
            }
        }
    }

    /// How many attempts are running.
    pub fn in_flight(&self) -> usize {
        self.running.len()
    }

    /// The progress line at `now`: the attempt that has waited longest (the baseline first when
    /// it waits), its stage and what it waits for, and how many others run. `None` when nothing
    /// runs.
    pub fn line(&self, now: Instant) -> Option<String> {
        let (id, r) = self
            .running
            .get_key_value(crate::model::ids::BASELINE)
            .or_else(|| self.running.iter().min_by_key(|(_, r)| r.since))?;
        let waited = now.saturating_duration_since(r.since);
        let mut line = format!(
            "{id} · {}: waiting for {} · {}",
            r.stage.as_str(),
            r.waiting_for,
            secs(waited)
        );
        if let Some(limit) = r.limit {
            line.push_str(&format!(" of {}", secs(limit)));
        }
        let others = self.running.len() - 1;
        if others > 0 {
            line.push_str(&format!(
                " · {others} other attempt{} running",
                if others == 1 { "" } else { "s" }
            ));
        }
        if !self.finished.is_empty() {
            line.push_str(&format!(" · {} done", self.finished.len()));
        }
        Some(line)
    }

    /// What was measured when the run was interrupted at `now`.
    pub fn partial(&self, now: Instant) -> Vec<PartialAttempt> {
        let mut finished: Vec<PartialAttempt> = self
            .finished
            .iter()
            .map(|a| PartialAttempt {
                attempt: a.variant.id.clone(),
                label: a.variant.label.clone(),
                finished: true,
                result: Some(crate::wording::result_text(a)),
                stages: a
                    .stages
                    .iter()
                    .filter(|s| s.status != StageStatus::Skipped)
                    .cloned()
                    .collect(),
                interrupted_in: None,
                waited_ms: None,
                record: Some(Box::new(a.clone())),
            })
            .collect();
        let running = self.running.iter().map(|(id, r)| PartialAttempt {
            attempt: id.clone(),
            label: id.clone(),
            finished: false,
            result: None,
            stages: r.measured.clone(),
            interrupted_in: Some(Interrupted {
                stage: r.stage,
                waiting_for: r.waiting_for.clone(),
            }),
            waited_ms: Some(now.saturating_duration_since(r.since).as_secs_f64() * 1000.0),
            record: None,
        });
        // The baseline first, as in every report.
        let mut all: Vec<PartialAttempt> = running.collect();
        all.append(&mut finished);
        all.sort_by_key(|a| a.attempt != crate::model::ids::BASELINE);
        all
    }
}

/// A duration for a progress line: "0.4 s", "12 s", "2 min 5 s".
fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 10.0 {
        format!("{s:.1} s")
    } else if s < 120.0 {
        format!("{s:.0} s")
    } else {
        format!("{} min {} s", d.as_secs() / 60, d.as_secs() % 60)
    }
}

/// Built here, beside the tracker it reads; the type itself is plain data in `model::partial`.
impl PartialReport {
    /// The partial report of `tracker`'s run, interrupted at `now`.
    pub fn new(
        tracker: &Tracker,
        target: &str,
        notes: Vec<String>,
        started_at: Option<String>,
        started: Instant,
        now: Instant,
    ) -> PartialReport {
        PartialReport {
            schema: PARTIAL_SCHEMA.to_string(),
            interrupted: true,
            target: target.to_string(),
            started_at,
            notes,
            attempts: tracker.partial(now),
            duration_ms: now.saturating_duration_since(started).as_secs_f64() * 1000.0,
            signal: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Variant;

    fn stage(s: Stage) -> StageRecord {
        StageRecord {
            stage: s,
            status: StageStatus::Ok,
            ms: Some(1.5),
            summary: "ok".into(),
            error: None,
        }
    }

    #[test]
    fn the_line_names_the_baseline_stage_what_it_waits_for_and_the_others() {
        let t0 = Instant::now();
        let mut t = Tracker::new();
        assert_eq!(t.line(t0), None, "nothing runs: no line");
        t.apply(
            ProbeEvent::StageStarted {
                attempt: "credential.none".into(),
                stage: Stage::Upgrade,
                waiting_for: "the answer to the upgrade request".into(),
                limit_ms: None,
                measured: vec![],
            },
            t0,
        );
        t.apply(
            ProbeEvent::StageStarted {
                attempt: "baseline".into(),
                stage: Stage::Session,
                waiting_for: "the end of the --idle 30s hold".into(),
                limit_ms: Some(30_000),
                measured: vec![stage(Stage::Dns), stage(Stage::Tcp), stage(Stage::Upgrade)],
            },
            t0,
        );
        let line = t.line(t0 + Duration::from_millis(2500)).unwrap();
        assert_eq!(
            line,
            "baseline · session: waiting for the end of the --idle 30s hold · 2.5 s of 30 s · 1 other attempt running"
        );
        let mut done = AttemptRecord::unmeasured(Variant::baseline(), "ws://h/".into());
        done.variant.id = "credential.none".into();
        t.apply(ProbeEvent::AttemptDone(Box::new(done)), t0);
        assert_eq!(t.in_flight(), 1);
        let p = PartialReport::new(&t, "ws://h/", vec![], None, t0, t0 + Duration::from_secs(3));
        assert_eq!(p.attempts[0].attempt, "baseline");
        assert!(!p.attempts[0].finished);
        assert_eq!(p.attempts[0].stages.len(), 3);
        assert_eq!(
            p.attempts[0].interrupted_in.as_ref().map(|i| i.stage),
            Some(Stage::Session)
        );
        assert!(p.attempts[1].finished);
        assert_eq!(p.stages_measured(), 3);
    }
}
