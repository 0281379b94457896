//! The one-time ticket flow through the binary: the ticket is fetched with the credential as
//! Bearer, sent in `?ticket=`, and redacted everywhere; a failed fetch is recorded and the
//! attempt goes ahead without a ticket.

use crate::support::raw::RawServer;
use crate::support::ws::{Behaviour, WsServer};
use crate::support::{baseline, probe_json, refused_port};

#[test]
fn a_fetched_ticket_is_sent_in_the_query_and_redacted_everywhere() {
    let tickets = RawServer::http(
        200,
        "OK",
        &[("Content-Type", "application/json")],
        r#"{"data":{"ticket":"tkt-9f8e7d6c5b"}}"#,
    );
    let ws = WsServer::start(Behaviour::Echo);
    let (report, _) = probe_json(&[
        "--quick",
        "--token",
        "jwt-abcdef-123456",
        "--ticket-url",
        &format!("http://127.0.0.1:{}/ticket", tickets.port()),
        "--ticket-field",
        "/data/ticket",
        &ws.url("/ws"),
    ]);
    let text = report.to_string();
    assert!(!text.contains("tkt-9f8e7d6c5b"), "ticket leaked: {text}");
    assert!(!text.contains("jwt-abcdef-123456"), "token leaked: {text}");
    let t = &report["tickets"][0];
    assert_eq!(t["obtained"], true, "{t}");
    assert_eq!(t["status"], 200);
    assert!(t["body_excerpt"].as_str().unwrap().contains("[redacted]"));
    let a = baseline(&report);
    assert_eq!(a["outcome"]["kind"], "upgraded", "{a}");
    assert_eq!(a["request"]["path"], "/ws?ticket=[redacted]");
    assert_eq!(ws.requests(), vec!["/ws?ticket=tkt-9f8e7d6c5b".to_string()]);
}

#[test]
fn a_failed_ticket_fetch_is_recorded_and_the_attempt_goes_without_a_ticket() {
    let ws = WsServer::start(Behaviour::Echo);
    let (report, _) = probe_json(&[
        "--quick",
        "--token",
        "jwt-abcdef-123456",
        "--ticket-url",
        &format!("http://127.0.0.1:{}/ticket", refused_port()),
        &ws.url("/ws"),
    ]);
    let t = &report["tickets"][0];
    assert_eq!(t["obtained"], false);
    assert!(t["error"].as_str().unwrap().contains("refused"), "{t}");
    assert_eq!(baseline(&report)["request"]["path"], "/ws");
    assert_eq!(ws.requests(), vec!["/ws".to_string()]);
}

#[test]
fn a_ticket_endpoint_answering_401_is_recorded_with_its_status() {
    let tickets = RawServer::http(401, "Unauthorized", &[], r#"{"error":"bad token"}"#);
    let ws = WsServer::start(Behaviour::Echo);
    let (report, _) = probe_json(&[
        "--quick",
        "--ticket-url",
        &format!("http://127.0.0.1:{}/ticket", tickets.port()),
        &ws.url("/ws"),
    ]);
    let t = &report["tickets"][0];
    assert_eq!(t["status"], 401);
    assert_eq!(t["obtained"], false);
    assert_eq!(t["body_excerpt"], r#"{"error":"bad token"}"#);
}

// Issue 26 point 10: ticket attempts ran one after another, each holding the 2 s close-wait, so a
// default run against a server that upgrades them all ran out of the 15 s default deadline and
// listed the last variants as "timed out in tcp" at 0.0 ms although they never ran.
#[test]
fn a_default_run_with_a_ticket_flow_runs_every_variant_within_the_default_deadline() {
    let tickets = RawServer::http(
        200,
        "OK",
        &[("Content-Type", "application/json")],
        r#"{"ticket":"tkt-any-1234"}"#,
    );
    let ws = WsServer::start(Behaviour::Echo);
    let (report, _) = probe_json(&[
        "--token",
        "jwt-abcdef-123456",
        "--ticket-url",
        &format!("http://127.0.0.1:{}/ticket", tickets.port()),
        &ws.url("/ws"),
    ]);
    let attempts = report["attempts"].as_array().expect("attempts");
    let ids: Vec<&str> = attempts
        .iter()
        .filter_map(|a| a["variant"]["id"].as_str())
        .collect();
    for id in ["baseline", "ticket.fresh", "ticket.reuse", "origin.foreign"] {
        assert!(ids.contains(&id), "{id} did not run: {ids:?}");
    }
    for a in attempts {
        assert_ne!(
            a["outcome"]["kind"], "timeout",
            "{} ran out of the deadline: {}",
            a["variant"]["id"], a["outcome"]
        );
    }
    let not_run: Vec<&serde_json::Value> = report["skipped_variants"]
        .as_array()
        .map(|s| s.iter().collect())
        .unwrap_or_default();
    assert!(
        not_run.iter().all(|s| s["reason"] != "deadline"),
        "{not_run:?}"
    );
    // The reused ticket is the one a fresh attempt had sent before.
    let with_ticket = ws
        .requests()
        .iter()
        .filter(|r| r.contains("ticket=tkt-any-1234"))
        .count();
    assert!(with_ticket >= 3, "{:?}", ws.requests());
    let took = report["duration_ms"].as_f64().expect("duration_ms");
    assert!(
        took < 10_000.0,
        "the ticket flow took {took} ms of the 15 s default deadline"
    );
}
