//! probe::events: what the probe reports while it runs, for whoever watches (a progress display,
//! the partial report of an interrupted run). Plain data sent down a channel: the probe never
//! waits on the receiver, never prints, and runs the same with nobody listening.

use tokio::sync::mpsc;

use crate::model::{AttemptRecord, Stage, StageRecord};

/// One thing that happened in a run.
#[derive(Debug, Clone)]
pub enum ProbeEvent {
    /// A stage of an attempt began: what it waits for, for how long at most, and the stages of
    /// this attempt measured before it.
    StageStarted {
        /// The attempt's variant id (`baseline`, `credential.none`, …).
        attempt: String,
        /// The stage.
        stage: Stage,
        /// What it waits for, for people ("the answer to the upgrade", "a close").
        waiting_for: String,
        /// The longest it waits (its limit or the overall deadline), in ms.
        limit_ms: Option<u64>,
        /// The attempt's stages measured so far, as they go into the report.
        measured: Vec<StageRecord>,
    },
    /// An attempt ended: its whole record.
    AttemptDone(Box<AttemptRecord>),
}

/// The sending side, cheap to clone into every attempt; a default `Events` sends nothing.
#[derive(Debug, Clone, Default)]
pub struct Events(Option<mpsc::UnboundedSender<ProbeEvent>>);

impl Events {
    /// Events sent to `tx`.
    pub fn to(tx: mpsc::UnboundedSender<ProbeEvent>) -> Events {
        Events(Some(tx))
    }

    /// A channel: the events to send and where they arrive.
    pub fn channel() -> (Events, mpsc::UnboundedReceiver<ProbeEvent>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Events::to(tx), rx)
    }

    /// True when someone listens (so callers can skip building an event nobody reads).
    pub fn listening(&self) -> bool {
        self.0.as_ref().is_some_and(|tx| !tx.is_closed())
    }

    /// Sends an event; a receiver that went away is not the probe's concern.
    pub fn emit(&self, event: ProbeEvent) {
        if let Some(tx) = &self.0 {
            let _ = tx.send(event);
        }
    }

    /// A stage of `rec`'s attempt began.
    pub fn stage_started(
        &self,
        rec: &AttemptRecord,
        stage: Stage,
        waiting_for: impl Into<String>,
        until: tokio::time::Instant,
    ) {
        if self.listening() {
            let left = until.saturating_duration_since(tokio::time::Instant::now());
            self.emit(ProbeEvent::StageStarted {
                attempt: rec.variant.id.clone(),
                stage,
                waiting_for: waiting_for.into(),
                limit_ms: Some(u64::try_from(left.as_millis()).unwrap_or(u64::MAX)),
                measured: rec.stages.clone(),
            });
        }
    }
}
