//! probe::ticket: the one-time ticket flow (`--ticket-url`). For every ticket attempt, fetches a
//! fresh ticket (or reuses the previous one for `ticket.reuse`) over the same dns/tcp/tls/upgrade
//! code paths as every attempt, records a `TicketRecord`, adds the ticket to a run-local redactor
//! so it is hidden in every record, and connects with `?PARAM=<ticket>` — or without it when no
//! ticket could be obtained (what a buggy client does). The tickets are fetched first, all at
//! once, then the attempts run concurrently like every other variant; only `ticket.reuse` waits,
//! for the attempt whose ticket it replays. A variant that could not run is returned as a
//! `SkippedVariant` with its reason, never as an attempt. Must not decide causes.

use crate::model::ids;
use tokio::sync::Semaphore;
use tokio::time::Instant;

use crate::config::TicketConfig;
use crate::model::{AttemptRecord, SkipReason, SkippedVariant, TicketRecord, Variant};
use crate::plan::{host_header, AttemptSpec, Plan};
use crate::probe::{
    connect, exchange_stage, outcome_text, request_target, run_attempt, upgrade, ProbeContext,
};
use crate::secret::{Redactor, Secret};

/// The variant id that reuses the previous ticket.
pub const REUSE_VARIANT: &str = ids::TICKET_REUSE;

/// What the ticket flow of a run produced.
#[derive(Debug, Default)]
pub struct TicketRun {
    /// `(plan index, record)` of every ticket attempt that ran.
    pub attempts: Vec<(usize, AttemptRecord)>,
    /// The ticket fetches, in plan order.
    pub fetches: Vec<TicketRecord>,
    /// `(plan index, variant)` of the ticket attempts that did not run, with the reason.
    pub not_run: Vec<(usize, SkippedVariant)>,
}

/// How a ticket attempt's ticket ended up, for the `ticket.reuse` that replays it.
#[derive(Debug, Clone)]
enum Used {
    /// The server answered the upgrade request that carried this ticket.
    Answered(Secret),
    /// No ticket was obtained: the attempt went without one, and there is nothing to replay.
    NoTicket,
    /// A ticket was obtained but never reached the server (the attempt did not run, or ended
    /// before an answer): replaying it would be its first use.
    Unused,
}

/// Runs the ticket attempts of the plan: every fresh ticket is fetched first (concurrently, each
/// fetch holding a slot), then the attempts run concurrently, bounded by `slots`. `ticket.reuse`
/// waits for the ticket attempt planned before it, and replays its ticket only once the server
/// has answered that ticket's upgrade request; otherwise (no ticket, or one never answered) it is
/// not run, with the reason.
pub async fn run_ticket_attempts(plan: &Plan, ctx: &ProbeContext, slots: &Semaphore) -> TicketRun {
    let ticketed: Vec<(usize, &AttemptSpec, &String)> = plan
        .attempts
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.ticket_param.as_ref().map(|p| (i, s, p)))
        .collect();
    if ticketed.is_empty() {
        return TicketRun::default();
    }
    // One fetch per attempt that needs a fresh ticket, all at once.
    let fetched = futures_util::future::join_all(
        ticketed
            .iter()
            .filter(|(_, s, _)| s.variant.id != REUSE_VARIANT)
            .map(|(i, _, _)| async move {
                let _slot = slots.acquire().await.ok();
                let mut redactor = ctx.redactor.clone();
                let (record, ticket) = match &plan.ticket {
                    Some(cfg) if Instant::now() < ctx.deadline => {
                        fetch(cfg, plan.ticket_credential.as_ref(), ctx, &mut redactor).await
                    }
                    Some(cfg) => (
                        not_fetched(cfg, &redactor, "the --timeout deadline had passed"),
                        None,
                    ),
                    None => (
                        TicketRecord {
                            url: String::new(),
                            method: "GET".into(),
                            status: None,
                            body_excerpt: String::new(),
                            obtained: false,
                            error: Some("no --ticket-url was given".into()),
                            ms: 0.0,
                        },
                        None,
                    ),
                };
                (*i, record, ticket)
            }),
    )
    .await;
    // Every ticket is hidden in every record of the run, whichever attempt carried it.
    let mut redactor = ctx.redactor.clone();
    for (_, _, ticket) in &fetched {
        if let Some(t) = ticket {
            redactor.add(t);
        }
    }
    let local = ProbeContext {
        redactor,
        ..ctx.clone()
    };
    let local = &local;
    let ticket_of = |i: usize| {
        fetched
            .iter()
            .find(|(j, _, _)| *j == i)
            .and_then(|(_, _, t)| t.clone())
    };
    // `ticket.reuse` replays the ticket of the ticket attempt planned right before it.
    let mut senders = std::collections::BTreeMap::new();
    let mut receivers = std::collections::BTreeMap::new();
    for (n, (i, spec, _)) in ticketed.iter().enumerate() {
        if spec.variant.id != REUSE_VARIANT {
            continue;
        }
        if let Some((source, _, _)) = n.checked_sub(1).and_then(|m| ticketed.get(m)) {
            let (tx, rx) = tokio::sync::oneshot::channel::<Used>();
            senders.insert(*source, tx);
            receivers.insert(*i, rx);
        }
    }
    let runs = futures_util::future::join_all(ticketed.iter().map(|(i, spec, param)| {
        let tell = senders.remove(i);
        let wait = receivers.remove(i);
        let fresh = ticket_of(*i);
        let index = *i;
        let run = async move {
            let (ticket, fresh_one) = if spec.variant.id == REUSE_VARIANT {
                let used = match wait {
                    Some(rx) => rx.await.unwrap_or(Used::Unused),
                    None => Used::NoTicket,
                };
                // A replay without a ticket would be the no-credential attempt again, and its
                // upgrade would read as "a used ticket accepted": it runs only with a ticket the
                // server has already answered.
                match used {
                    Used::Answered(t) => (Some(t), false),
                    Used::NoTicket | Used::Unused => {
                        return Err(skipped(spec, SkipReason::TicketUnused));
                    }
                }
            } else {
                (fresh, true)
            };
            let _slot = slots.acquire().await.ok();
            if Instant::now() >= local.deadline && spec.variant.id != ids::BASELINE {
                if let Some(tx) = tell {
                    let _ = tx.send(Used::Unused);
                }
                return Err(skipped(spec, SkipReason::Deadline));
            }
            let mut spec = (*spec).clone();
            if let Some(t) = &ticket {
                spec.secret_query.push(((*param).clone(), t.clone()));
            }
            let record = run_attempt(&spec, local).await;
            if let Some(tx) = tell {
                let used = match (&ticket, record.outcome.status()) {
                    (Some(t), Some(_)) if fresh_one => Used::Answered(t.clone()),
                    (Some(_), _) => Used::Unused,
                    (None, _) => Used::NoTicket,
                };
                let _ = tx.send(used);
            }
            Ok(record)
        };
        async move { (index, run.await) }
    }))
    .await;
    let mut out = TicketRun {
        fetches: fetched.into_iter().map(|(_, r, _)| r).collect(),
        ..TicketRun::default()
    };
    for (i, run) in runs {
        match run {
            Ok(record) => out.attempts.push((i, record)),
            Err(s) => out.not_run.push((i, s)),
        }
    }
    out
}

/// A planned variant that did not run, and why.
fn skipped(spec: &AttemptSpec, reason: SkipReason) -> SkippedVariant {
    SkippedVariant {
        variant: spec.variant.clone(),
        reason,
    }
}

/// The record of a fetch that was not made.
fn not_fetched(cfg: &TicketConfig, redactor: &Redactor, why: &str) -> TicketRecord {
    TicketRecord {
        url: redactor.url(cfg.url.as_str()),
        method: cfg.method.clone(),
        status: None,
        body_excerpt: String::new(),
        obtained: false,
        error: Some(format!("not fetched: {why}")),
        ms: 0.0,
    }
}

/// Fetches one ticket. The ticket, when found, is added to `redactor` before anything is recorded.
pub async fn fetch(
    cfg: &TicketConfig,
    credential: Option<&Secret>,
    ctx: &ProbeContext,
    redactor: &mut Redactor,
) -> (TicketRecord, Option<Secret>) {
    let started = Instant::now();
    let mut record = TicketRecord {
        url: redactor.url(cfg.url.as_str()),
        method: cfg.method.clone(),
        status: None,
        body_excerpt: String::new(),
        obtained: false,
        error: None,
        ms: 0.0,
    };
    // The ticket fetch runs the same stages as an attempt; its stage records are not kept.
    let scratch_spec = AttemptSpec {
        variant: Variant::baseline(),
        url: cfg.url.clone(),
        secret_query: Vec::new(),
        headers: Vec::new(),
        ticket_param: None,
    };
    let mut scratch = crate::probe::empty_record(&scratch_spec, redactor);
    let mut io = match connect(&cfg.url, ctx, &mut scratch).await {
        Ok(io) => io,
        Err(o) => {
            // Through a forward proxy, say that the proxy refused, not the ticket endpoint.
            let by_proxy = scratch.proxy.as_ref().filter(|p| p.refused());
            record.error = Some(match by_proxy {
                Some(p) => format!(
                    "the forward proxy refused {}: {}",
                    p.connect,
                    outcome_text(&o)
                ),
                None => outcome_text(&o),
            });
            record.ms = ms_since(started);
            return (record, None);
        }
    };
    let mut headers = vec![
        ("Host".to_string(), host_header(&cfg.url)),
        ("Accept".to_string(), "application/json".to_string()),
    ];
    if let Some(c) = credential {
        headers.push(("Authorization".into(), format!("Bearer {}", c.expose())));
    }
    if cfg.method.eq_ignore_ascii_case("POST") {
        headers.push(("Content-Length".into(), "0".into()));
    }
    headers.push((
        "User-Agent".into(),
        concat!("wsdoctor/", env!("CARGO_PKG_VERSION")).into(),
    ));
    headers.push(("Connection".into(), "close".into()));
    let target = request_target(&cfg.url);
    let request = upgrade::Request {
        method: &cfg.method,
        target: &target,
        headers: &headers,
    };
    let ex = match exchange_stage(&mut io, &request, ctx.deadline, redactor, &mut scratch).await {
        Ok(ex) => ex,
        Err(o) => {
            record.error = Some(outcome_text(&o));
            record.ms = ms_since(started);
            return (record, None);
        }
    };
    record.status = Some(ex.head.status);
    let ticket = if (200..300).contains(&ex.head.status) {
        match extract(&ex.body, &cfg.field) {
            Ok(t) => Some(t),
            Err(e) => {
                record.error = Some(e);
                None
            }
        }
    } else {
        None
    };
    if let Some(t) = &ticket {
        redactor.add(t);
        record.obtained = true;
    }
    record.body_excerpt = redactor.excerpt(
        &String::from_utf8_lossy(&ex.body),
        crate::probe::limits::BODY_EXCERPT_BYTES,
        ex.response.body_truncated,
    );
    record.ms = ms_since(started);
    (record, ticket)
}

/// Takes the ticket out of a JSON body with a JSON pointer (strings and numbers accepted).
pub fn extract(body: &[u8], pointer: &str) -> Result<Secret, String> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| format!("the ticket response is not JSON: {e}"))?;
    match value.pointer(pointer) {
        Some(serde_json::Value::String(s)) if !s.is_empty() => Ok(Secret::new(s.clone())),
        Some(serde_json::Value::Number(n)) => Ok(Secret::new(n.to_string())),
        Some(_) => Err(format!(
            "{pointer} in the ticket response is not a non-empty string"
        )),
        None => Err(format!("the ticket response has no {pointer}")),
    }
}

fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tickets_are_found_by_json_pointer() {
        assert_eq!(
            extract(br#"{"data":{"ticket":"t-123"}}"#, "/data/ticket")
                .unwrap()
                .expose(),
            "t-123"
        );
        assert_eq!(
            extract(br#"{"ticket":42}"#, "/ticket").unwrap().expose(),
            "42"
        );
        assert!(extract(br#"{"other":1}"#, "/ticket")
            .unwrap_err()
            .contains("no /ticket"));
        assert!(extract(b"<html>", "/ticket")
            .unwrap_err()
            .contains("not JSON"));
        assert!(extract(br#"{"ticket":""}"#, "/ticket").is_err());
    }
}
