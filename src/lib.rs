//! wsdoctor: tells you why a WebSocket connection fails.
//!
//! The pipeline, one module per step, each step's output an inspectable value:
//!
//! ```text
//! argv -> cli::Cli -> config::Config -> plan::Plan -> probe (records) -> model::Run
//!      -> diagnose (pure) -> model::Report -> render::<format> (pure) -> exit::code_for
//! ```
//!
//! Measuring (`probe`), deciding (`diagnose`) and printing (`render`) never mix.

pub mod cause;
pub mod check;
pub mod cli;
pub mod config;
pub mod demo;
pub mod diagnose;
pub mod error;
pub mod exit;
pub mod explain;
pub mod fingerprint;
pub mod logging;
pub mod model;
pub mod plan;
pub mod probe;
pub mod render;
pub mod secret;

use std::time::Instant as StdInstant;

use config::Config;
use model::{Report, Run, ToolInfo, REPORT_SCHEMA};

/// Measures a validated config: builds the plan and runs it under the config's deadline.
pub async fn measure(config: &Config) -> Run {
    let plan = plan::build(config);
    let ctx = probe::ProbeContext {
        deadline: tokio::time::Instant::now() + config.timeout,
        close_wait: config.close_wait,
        idle: config.idle.map(|duration| probe::IdleWatch {
            duration,
            ping_interval: config.ping_interval,
        }),
        proxy: config.proxy.clone(),
        trust: config.trust.clone(),
        resolve: config.resolve.clone(),
        connect_to: config.connect_to.clone(),
        fan_out: !config.quick,
        pin: None,
        redactor: config.redactor.clone(),
    };
    let target = config.redactor.url(config.target.as_str());
    let mut run = probe::run_plan(&plan, &ctx, &target).await;
    run.credential_given = config.credential.is_some();
    run.user_origin = config.origin.clone();
    run.direct = config
        .direct
        .as_ref()
        .map(|d| config.redactor.url(d.as_str()));
    run
}

/// Turns a measured run into the report: diagnosis plus the records.
pub fn report(run: Run, notes: Vec<String>, duration_ms: f64) -> Report {
    let (diagnosis, findings) = diagnose::diagnose(&run);
    let comparison = diagnose::compare::compare(&run);
    let browser_checks = diagnose::browser::checks(&run);
    let stages = run.baseline().map(|a| a.stages.clone()).unwrap_or_default();
    let input = Some(model::RunInput {
        credential_given: run.credential_given,
        user_origin: run.user_origin.clone(),
        direct: run.direct.clone(),
    });
    Report {
        schema: REPORT_SCHEMA.to_string(),
        tool: ToolInfo::default(),
        target: run.target,
        notes,
        stages,
        attempts: run.attempts,
        tickets: run.tickets,
        http_controls: run.http_controls,
        addresses: run.addresses,
        diagnosis,
        findings,
        comparison,
        browser_checks,
        input,
        duration_ms,
    }
}

/// Probes and diagnoses one target: the whole job of `wsdoctor URL`.
pub async fn probe_target(config: &Config) -> Report {
    let started = StdInstant::now();
    let run = measure(config).await;
    report(
        run,
        config.notes.clone(),
        started.elapsed().as_secs_f64() * 1000.0,
    )
}
