//! model::check: the plain data of `wsdoctor check` (and of a probe with `--expect*` flags) — the
//! `wsdoctor.check/v1` object and the `--dry-run` listing. `check` fills it (it evaluates the
//! expectations and runs the targets); `render::check` formats it; nothing here decides.

use serde::{Deserialize, Serialize};

use super::{CredentialPlacement, Report};

/// The schema id of a check result.
pub const CHECK_SCHEMA: &str = "wsdoctor.check/v1";

/// The result of one assertion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectationResult {
    /// The assertion as written in a check file (`expect = ok`, `max_handshake_ms = 500`).
    pub name: String,
    /// True when it held.
    pub passed: bool,
    /// What was observed, in one sentence.
    pub detail: String,
}

/// One target's result: its assertions and its full report. `check` builds it
/// (`TargetResult::new` evaluates the expectations there).
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
    /// Targets that had not finished when the check was interrupted (Ctrl-C, SIGTERM), in file order;
    /// absent from a check that ran to its end.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unfinished: Vec<String>,
    /// Those of `unfinished` that had not even started (they waited for a `--jobs` slot), in
    /// file order; the others were cut off while probing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_started: Vec<String>,
    /// The signal that interrupted the check (`SIGINT`, `SIGTERM`); absent from a check that
    /// ran to its end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<String>,
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
            not_started: Vec::new(),
            signal: None,
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

/// One validated target of a `--dry-run`: what it will send and what it asserts, nothing probed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedTarget {
    /// The target's name from the check file.
    pub name: String,
    /// The URL it probes (redacted).
    pub target: String,
    /// Where the credential travels, when one is given.
    pub credential: Option<CredentialPlacement>,
    /// The Origin it sends, when one is given.
    pub origin: Option<String>,
    /// True for `quick = true` (the baseline alone).
    pub quick: bool,
    /// The variant selection in words (`variants …`, `skip …`, `safe`), empty for the default.
    pub selection: Vec<String>,
    /// The names of the assertions it will check, in the order they are evaluated.
    pub asserts: Vec<String>,
    /// Environment variables it needs that are not set where the plan was made.
    pub unset_env: Vec<String>,
}
