//! probe tests: the stages against in-process loopback servers.

use super::*;

#[test]
fn request_target_keeps_path_and_query() {
    let u = Url::parse("ws://h:1/a/b?x=1&y=2").unwrap();
    assert_eq!(request_target(&u), "/a/b?x=1&y=2");
    let u = Url::parse("ws://h:1").unwrap();
    assert_eq!(request_target(&u), "/");
}

#[test]
fn every_record_gets_all_five_stages_in_order() {
    let mut stages = vec![StageRecord {
        stage: Stage::Tcp,
        status: StageStatus::Failed,
        ms: Some(1.0),
        summary: "refused".into(),
        error: Some("refused".into()),
    }];
    fill_skipped(&mut stages, &Url::parse("ws://h/").unwrap());
    let ids: Vec<Stage> = stages.iter().map(|s| s.stage).collect();
    assert_eq!(ids, Stage::ALL.to_vec());
    assert_eq!(stages[0].status, StageStatus::Skipped);
    assert_eq!(stages[2].status, StageStatus::Skipped);
    assert!(stages[2].summary.contains("earlier stage failed"));
}

#[test]
fn repeated_headers_are_joined_and_names_lowercased() {
    let r = crate::model::WireResponse {
        version: "HTTP/1.1".into(),
        status: 403,
        reason: "Forbidden".into(),
        headers: vec![
            crate::model::WireHeader {
                name: "Vary".into(),
                value: "Origin".into(),
            },
            crate::model::WireHeader {
                name: "vary".into(),
                value: "Cookie".into(),
            },
        ],
        body_excerpt: String::new(),
        body_bytes: 0,
        body_truncated: false,
    };
    assert_eq!(
        header_map(&r).get("vary").map(String::as_str),
        Some("Origin, Cookie")
    );
}

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::config::TicketConfig;
use crate::model::{CredentialPlacement, Variant};

/// A loopback HTTP server on the test runtime: records request lines, answers with `reply`.
async fn http_server(
    reply: fn(usize, &str) -> String,
) -> (std::net::SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        for n in 0..100 {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            let mut buf = vec![0u8; 8192];
            let len = s.read(&mut buf).await.unwrap_or(0);
            let text = String::from_utf8_lossy(&buf[..len]).to_string();
            let line = text.lines().next().unwrap_or_default().to_string();
            log.lock().unwrap().push(line.clone());
            let _ = s.write_all(reply(n, &line).as_bytes()).await;
            let _ = s.shutdown().await;
        }
    });
    (addr, seen)
}

fn respond(status: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn spec(url: &str, id: &str, request: RequestKind) -> AttemptSpec {
    let mut v = Variant::baseline();
    v.id = id.into();
    v.request = request;
    let url = Url::parse(url).unwrap();
    AttemptSpec {
        secret_query: Vec::new(),
        headers: vec![("Host".into(), crate::plan::host_header(&url).into())],
        variant: v,
        url,
        ticket_param: None,
    }
}

fn ctx() -> ProbeContext {
    ProbeContext {
        deadline: Instant::now() + Duration::from_secs(5),
        close_wait: Duration::ZERO,
        idle: None,
        proxy: None,
        trust: TrustConfig::default(),
        resolve: Vec::new(),
        connect_to: Vec::new(),
        fan_out: false,
        pin: None,
        redactor: Redactor::disabled(),
        conversation: None,
        ip_family: None,
        connect_timeout: None,
        events: Default::default(),
    }
}

#[tokio::test]
async fn the_fan_out_pins_one_attempt_to_each_resolved_address_after_the_plan() {
    let (addr, _) = http_server(|_, _| respond("403 Forbidden", "no")).await;
    let port = addr.port();
    let url = format!("ws://multi.test:{port}/ws");
    let plan = Plan {
        attempts: vec![spec(&url, "baseline", RequestKind::Upgrade)],
        http_controls: Vec::new(),
        ticket: None,
        ticket_credential: None,
        http2: None,
        other_scheme: None,
        http2_variants: Vec::new(),
        address_fan_out: true,
        skipped: Vec::new(),
        input: Default::default(),
    };
    let mut c = ctx();
    c.resolve =
        vec![
            crate::config::parse_resolve(&format!("multi.test:{port}:127.0.0.1,127.0.0.2"))
                .unwrap(),
        ];
    // Off (--quick): no rows, no extra attempts.
    let run = run_plan(&plan, &c, &url).await;
    assert!(run.addresses.is_empty());
    assert_eq!(run.attempts.len(), 1);
    c.fan_out = true;
    let run = run_plan(&plan, &c, &url).await;
    let ids: Vec<&str> = run.attempts.iter().map(|a| a.variant.id.as_str()).collect();
    assert_eq!(ids, ["baseline", "address.0", "address.1"]);
    assert_eq!(run.attempts[1].variant.group, "address");
    let rows: Vec<(&str, &str, Option<u16>, Option<&str>)> = run
        .addresses
        .iter()
        .map(|r| {
            (
                r.address.as_str(),
                r.kind.as_str(),
                r.status,
                r.error.as_deref(),
            )
        })
        .collect();
    let first = format!("127.0.0.1:{port}");
    let second = format!("127.0.0.2:{port}");
    assert_eq!(
        rows,
        [
            (first.as_str(), "rejected", Some(403), None),
            (second.as_str(), "tcp_error", None, Some("refused")),
        ]
    );
    assert_eq!(run.addresses[1].stage, Some(Stage::Tcp));
    let dns = &run.attempts[2].stages[0].summary;
    assert_eq!(dns, "pinned to 127.0.0.2 (address 2 of 2 for multi.test)");
    // A single address (an IP literal) has nothing to fan out.
    let literal = Plan {
        attempts: vec![spec(
            &format!("ws://{addr}/ws"),
            "baseline",
            RequestKind::Upgrade,
        )],
        ..plan
    };
    assert!(run_plan(&literal, &c, &url).await.addresses.is_empty());
}

#[tokio::test]
async fn connect_to_changes_where_the_connection_goes() {
    let (addr, seen) = http_server(|_, _| respond("404 Not Found", "")).await;
    let s = spec("ws://public.test:9/ws", "baseline", RequestKind::Upgrade);
    let mut c = ctx();
    c.connect_to =
        vec![
            crate::config::parse_connect_to(&format!("public.test::127.0.0.1:{}", addr.port()))
                .unwrap(),
        ];
    let rec = run_attempt(&s, &c).await;
    assert!(matches!(rec.outcome, Outcome::Rejected { status: 404, .. }));
    assert_eq!(rec.tcp.unwrap().peer, addr.to_string());
    assert_eq!(rec.dns.unwrap().host, "127.0.0.1");
    assert!(rec.stages[0].summary.contains("--connect-to 127.0.0.1"));
    assert_eq!(seen.lock().unwrap().len(), 1);
    // The Host header the server receives is checked end to end in tests/integration/addresses.rs.
}

#[tokio::test]
async fn a_plain_get_control_ends_as_rejected_with_its_200() {
    let (addr, _) = http_server(|_, _| respond("200 OK", "home")).await;
    let s = spec(
        &format!("http://{addr}/"),
        "http.root",
        RequestKind::PlainGet,
    );
    let rec = run_attempt(&s, &ctx()).await;
    assert!(
        matches!(&rec.outcome, Outcome::Rejected { status: 200, body_excerpt, .. } if body_excerpt == "home"),
        "{:?}",
        rec.outcome
    );
    assert_eq!(rec.stages.len(), 5);
}

#[tokio::test]
async fn run_plan_returns_records_in_plan_order_with_controls_apart() {
    let (addr, seen) = http_server(|_, line| {
        if line.contains("/slow") {
            respond("404 Not Found", "")
        } else {
            respond("403 Forbidden", "")
        }
    })
    .await;
    let plan = Plan {
        attempts: vec![
            spec(&format!("ws://{addr}/a"), "baseline", RequestKind::Upgrade),
            spec(
                &format!("ws://{addr}/slow"),
                "origin.none",
                RequestKind::Upgrade,
            ),
            spec(
                &format!("ws://{addr}/c"),
                "control.plain_get",
                RequestKind::PlainGet,
            ),
        ],
        http_controls: vec![spec(
            &format!("http://{addr}/"),
            "http.root",
            RequestKind::PlainGet,
        )],
        ticket: None,
        ticket_credential: None,
        http2: None,
        other_scheme: None,
        http2_variants: Vec::new(),
        address_fan_out: true,
        skipped: Vec::new(),
        input: Default::default(),
    };
    let run = run_plan(&plan, &ctx(), "ws://x/").await;
    let ids: Vec<&str> = run.attempts.iter().map(|a| a.variant.id.as_str()).collect();
    assert_eq!(ids, ["baseline", "origin.none", "control.plain_get"]);
    assert_eq!(run.attempts[1].outcome.status(), Some(404));
    assert_eq!(run.http_controls.len(), 1);
    assert_eq!(run.http_controls[0].variant.id, "http.root");
    assert_eq!(seen.lock().unwrap().len(), 4);
}

#[tokio::test]
async fn ticket_attempts_fetch_fresh_tickets_and_reuse_sends_the_previous_one() {
    let (tickets, _) =
        http_server(|n, _| respond("200 OK", &format!("{{\"ticket\":\"tkt-{n}\"}}"))).await;
    let (ws, seen) = http_server(|_, _| respond("403 Forbidden", "")).await;
    let mut fresh = spec(&format!("ws://{ws}/ws"), "baseline", RequestKind::Upgrade);
    fresh.variant.credential = CredentialPlacement::Ticket {
        param: "ticket".into(),
    };
    fresh.ticket_param = Some("ticket".into());
    let mut reuse = fresh.clone();
    reuse.variant.id = "ticket.reuse".into();
    let mut again = fresh.clone();
    again.variant.id = "ticket.fresh".into();
    let plan = Plan {
        attempts: vec![fresh, reuse, again],
        http_controls: Vec::new(),
        ticket: Some(TicketConfig {
            url: Url::parse(&format!("http://{tickets}/ticket")).unwrap(),
            method: "POST".into(),
            field: "/ticket".into(),
            param: "ticket".into(),
        }),
        ticket_credential: Some(crate::secret::Secret::new("jwt-123456")),
        http2: None,
        other_scheme: None,
        http2_variants: Vec::new(),
        address_fan_out: true,
        skipped: Vec::new(),
        input: Default::default(),
    };
    let run = run_plan(&plan, &ctx(), "ws://x/").await;
    assert_eq!(run.tickets.len(), 2);
    assert!(run.tickets.iter().all(|t| t.obtained && t.method == "POST"));
    // The two fresh attempts run at once, each with its own ticket; the replay comes after the
    // baseline was answered, with the baseline's ticket.
    let mut lines = seen.lock().unwrap().clone();
    assert_eq!(lines.len(), 3, "{lines:?}");
    let replayed = lines.pop().unwrap();
    assert!(
        lines.contains(&replayed),
        "{replayed} was not sent before: {lines:?}"
    );
    lines.sort();
    assert_eq!(
        lines,
        [
            "GET /ws?ticket=tkt-0 HTTP/1.1",
            "GET /ws?ticket=tkt-1 HTTP/1.1"
        ]
    );
    let ids: Vec<&str> = run.attempts.iter().map(|a| a.variant.id.as_str()).collect();
    assert_eq!(ids, ["baseline", "ticket.reuse", "ticket.fresh"]);
}

/// A ticket plan of the baseline, `ticket.fresh` and `ticket.reuse` against `ws`.
fn ticket_plan(ws: &str, tickets: std::net::SocketAddr) -> Plan {
    let mut base = spec(ws, "baseline", RequestKind::Upgrade);
    base.variant.credential = CredentialPlacement::Ticket {
        param: "ticket".into(),
    };
    base.ticket_param = Some("ticket".into());
    let mut fresh = base.clone();
    fresh.variant.id = "ticket.fresh".into();
    let mut reuse = base.clone();
    reuse.variant.id = "ticket.reuse".into();
    Plan {
        attempts: vec![base, fresh, reuse],
        http_controls: Vec::new(),
        ticket: Some(TicketConfig {
            url: Url::parse(&format!("http://{tickets}/ticket")).unwrap(),
            method: "GET".into(),
            field: "/ticket".into(),
            param: "ticket".into(),
        }),
        ticket_credential: None,
        http2: None,
        other_scheme: None,
        http2_variants: Vec::new(),
        address_fan_out: false,
        skipped: Vec::new(),
        input: Default::default(),
    }
}

#[tokio::test]
async fn a_replay_of_a_ticket_that_never_reached_the_server_is_not_run_and_says_why() {
    let (tickets, _) =
        http_server(|n, _| respond("200 OK", &format!("{{\"ticket\":\"tkt-{n}\"}}"))).await;
    // The WebSocket port refuses: no ticket attempt is answered, so none of the tickets is used.
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let plan = ticket_plan(&format!("ws://127.0.0.1:{port}/ws"), tickets);
    let run = run_plan(&plan, &ctx(), "ws://x/").await;
    let ids: Vec<&str> = run.attempts.iter().map(|a| a.variant.id.as_str()).collect();
    assert_eq!(ids, ["baseline", "ticket.fresh"]);
    assert_eq!(run.skipped.len(), 1, "{:?}", run.skipped);
    assert_eq!(run.skipped[0].variant.id, "ticket.reuse");
    assert_eq!(
        run.skipped[0].reason,
        crate::model::SkipReason::TicketUnused
    );
}

#[tokio::test]
async fn without_a_ticket_there_is_no_replay_so_a_later_upgrade_cannot_read_as_one() {
    let (tickets, _) = http_server(|_, _| respond("503 Service Unavailable", "{}")).await;
    let (ws, seen) = http_server(|_, _| respond("403 Forbidden", "")).await;
    let plan = ticket_plan(&format!("ws://{ws}/ws"), tickets);
    let run = run_plan(&plan, &ctx(), "ws://x/").await;
    let ids: Vec<&str> = run.attempts.iter().map(|a| a.variant.id.as_str()).collect();
    assert_eq!(ids, ["baseline", "ticket.fresh"]);
    assert!(run.tickets.iter().all(|t| !t.obtained));
    assert_eq!(run.skipped.len(), 1, "{:?}", run.skipped);
    assert_eq!(
        run.skipped[0].reason,
        crate::model::SkipReason::TicketUnused
    );
    // The attempts that ran went without a ticket, as a client whose fetch failed does.
    assert!(seen.lock().unwrap().iter().all(|l| l == "GET /ws HTTP/1.1"));
}

#[tokio::test]
async fn a_variant_whose_turn_comes_after_the_deadline_is_not_run_and_says_why() {
    let (ws, seen) = http_server(|_, _| respond("403 Forbidden", "")).await;
    let url = format!("ws://{ws}/ws");
    let plan = Plan {
        attempts: vec![
            spec(&url, "baseline", RequestKind::Upgrade),
            spec(&url, "origin.none", RequestKind::Upgrade),
        ],
        http_controls: Vec::new(),
        ticket: None,
        ticket_credential: None,
        http2: None,
        other_scheme: None,
        http2_variants: Vec::new(),
        address_fan_out: false,
        skipped: Vec::new(),
        input: Default::default(),
    };
    let mut c = ctx();
    c.deadline = Instant::now();
    let run = run_plan(&plan, &c, "ws://x/").await;
    // The baseline always runs (here into the deadline); the variant is not run, not a timeout.
    let ids: Vec<&str> = run.attempts.iter().map(|a| a.variant.id.as_str()).collect();
    assert_eq!(ids, ["baseline"]);
    assert_eq!(run.skipped.len(), 1, "{:?}", run.skipped);
    assert_eq!(run.skipped[0].variant.id, "origin.none");
    assert_eq!(run.skipped[0].reason, crate::model::SkipReason::Deadline);
    assert!(seen.lock().unwrap().len() <= 1);
}

#[tokio::test]
async fn tickets_are_redacted_in_every_later_record() {
    let (tickets, _) = http_server(|_, _| respond("200 OK", "{\"ticket\":\"tkt-secret-1\"}")).await;
    let (ws, _) = http_server(|_, _| respond("403 Forbidden", "echo tkt-secret-1")).await;
    let mut s = spec(&format!("ws://{ws}/ws"), "baseline", RequestKind::Upgrade);
    s.ticket_param = Some("t".into());
    let plan = Plan {
        attempts: vec![s],
        http_controls: Vec::new(),
        ticket: Some(TicketConfig {
            url: Url::parse(&format!("http://{tickets}/ticket")).unwrap(),
            method: "GET".into(),
            field: "/ticket".into(),
            param: "t".into(),
        }),
        ticket_credential: None,
        http2: None,
        other_scheme: None,
        http2_variants: Vec::new(),
        address_fan_out: true,
        skipped: Vec::new(),
        input: Default::default(),
    };
    let mut c = ctx();
    c.redactor = Redactor::new([], true);
    let run = run_plan(&plan, &c, "ws://x/").await;
    let json = serde_json::to_string(&run).unwrap();
    assert!(!json.contains("tkt-secret-1"), "{json}");
    assert!(json.contains("echo [redacted]"));
}
