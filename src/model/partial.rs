//! model::partial: the plain data of an interrupted probe's report (`wsdoctor.partial/v1`): what
//! was measured, attempt by attempt, and no diagnosis. `progress` fills it from the probe's
//! events (`PartialReport::new` lives there, beside the tracker it reads); `render::partial`
//! formats it.

use serde::Serialize;

use super::{AttemptRecord, Stage, StageRecord};

/// The schema id of the partial report an interrupted probe prints.
pub const PARTIAL_SCHEMA: &str = "wsdoctor.partial/v1";

/// The stage an interrupted attempt was in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interrupted {
    /// The stage.
    pub stage: Stage,
    /// What it was waiting for.
    pub waiting_for: String,
}

/// One attempt of an interrupted run: finished, or cut off in a stage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartialAttempt {
    /// The variant id (`baseline`, `credential.none`, …).
    pub attempt: String,
    /// The variant's label.
    pub label: String,
    /// True when the attempt ran to its end before the interrupt.
    pub finished: bool,
    /// The attempt's result in words, when it finished.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// The stages measured (skipped ones left out).
    pub stages: Vec<StageRecord>,
    /// Where an unfinished attempt was cut off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interrupted_in: Option<Interrupted>,
    /// How long it had waited in that stage, in ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waited_ms: Option<f64>,
    /// The whole record of a finished attempt (as in a full report's `attempts`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<Box<AttemptRecord>>,
}

/// The report of an interrupted probe: what was measured, no diagnosis (a diagnosis needs the
/// whole run: a missing variant reads as evidence it is not).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartialReport {
    /// Always `wsdoctor.partial/v1`.
    pub schema: String,
    /// Always true.
    pub interrupted: bool,
    /// The target (redacted).
    pub target: String,
    /// When the run started (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    /// Notes about the input.
    pub notes: Vec<String>,
    /// The attempts, the baseline first: finished ones whole, running ones as far as they got.
    pub attempts: Vec<PartialAttempt>,
    /// Wall time until the interrupt, in ms.
    pub duration_ms: f64,
    /// The signal that interrupted the run (`SIGINT`, `SIGTERM`), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signal: Option<String>,
}

impl PartialReport {
    /// How many stages were measured, over every attempt.
    pub fn stages_measured(&self) -> usize {
        self.attempts.iter().map(|a| a.stages.len()).sum()
    }
}
