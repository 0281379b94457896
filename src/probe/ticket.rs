//! probe::ticket: the one-time ticket flow (`--ticket-url`). For every ticket attempt, fetches a
//! fresh ticket (or reuses the previous one for `ticket.reuse`) over the same dns/tcp/tls/upgrade
//! code paths as every attempt, records a `TicketRecord`, adds the ticket to a run-local redactor
//! so it is hidden in every later record, and connects with `?PARAM=<ticket>` — or without it when
//! no ticket could be obtained (what a buggy client does). Must not decide causes.

use crate::model::ids;
use tokio::sync::Semaphore;
use tokio::time::Instant;

use crate::config::TicketConfig;
use crate::model::{AttemptRecord, TicketRecord, Variant};
use crate::plan::{host_header, AttemptSpec, Plan};
use crate::probe::{
    connect, exchange_stage, outcome_text, request_target, run_attempt, upgrade, ProbeContext,
};
use crate::secret::{Redactor, Secret};

/// The variant id that reuses the previous ticket.
pub const REUSE_VARIANT: &str = ids::TICKET_REUSE;

/// Runs the ticket attempts of the plan in plan order (each depends on the one before), returning
/// `(plan index, record)` pairs and the ticket fetches.
pub async fn run_ticket_attempts(
    plan: &Plan,
    ctx: &ProbeContext,
    slots: &Semaphore,
) -> (Vec<(usize, AttemptRecord)>, Vec<TicketRecord>) {
    let mut redactor = ctx.redactor.clone();
    let mut last: Option<Secret> = None;
    let mut out = Vec::new();
    let mut fetches = Vec::new();
    for (i, spec) in plan.attempts.iter().enumerate() {
        let Some(param) = &spec.ticket_param else {
            continue;
        };
        let _slot = slots.acquire().await.ok();
        let ticket = if spec.variant.id == REUSE_VARIANT {
            last.clone()
        } else {
            let (record, ticket) = match &plan.ticket {
                Some(cfg) => fetch(cfg, plan.ticket_credential.as_ref(), ctx, &mut redactor).await,
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
            fetches.push(record);
            last = ticket.clone();
            ticket
        };
        let mut spec = spec.clone();
        if let Some(t) = &ticket {
            spec.secret_query.push((param.clone(), t.clone()));
        }
        let local = ProbeContext {
            redactor: redactor.clone(),
            ..ctx.clone()
        };
        out.push((i, run_attempt(&spec, &local).await));
    }
    (out, fetches)
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
