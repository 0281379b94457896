//! dns and tcp through the binary, and the overall deadline: refused ports, `--resolve`
//! overrides with several addresses, and a server that never answers.

use std::time::{Duration, Instant};

use crate::support::raw::{RawServer, Script};
use crate::support::ws::{Behaviour, WsServer};
use crate::support::{baseline, probe_json, refused_port, stage};

#[test]
fn a_refused_port_is_a_tcp_error_and_later_stages_are_skipped() {
    let port = refused_port();
    let (report, code) = probe_json(&["--quick", &format!("ws://127.0.0.1:{port}/ws")]);
    let a = baseline(&report);
    assert_eq!(a["outcome"]["kind"], "tcp_error");
    assert_eq!(a["outcome"]["error"], "refused");
    assert_eq!(stage(a, "dns")["status"], "ok");
    assert_eq!(stage(a, "tcp")["status"], "failed");
    assert_eq!(stage(a, "tcp")["error"], "refused");
    for s in ["tls", "upgrade", "session"] {
        assert_eq!(stage(a, s)["status"], "skipped", "{s}");
    }
    assert_eq!(code, 1);
}

#[test]
fn resolve_overrides_are_used_and_failed_addresses_recorded() {
    let server = WsServer::start(Behaviour::Echo);
    let port = server.port();
    // 127.0.0.2 is loopback too, but nothing listens there on this port.
    let (report, _) = probe_json(&[
        "--quick",
        "--resolve",
        &format!("wsdoctor.test:{port}:127.0.0.2,127.0.0.1"),
        &format!("ws://wsdoctor.test:{port}/"),
    ]);
    let a = baseline(&report);
    assert_eq!(a["outcome"]["kind"], "upgraded", "{a}");
    assert_eq!(a["dns"]["overridden"], true);
    assert_eq!(
        a["dns"]["addresses"],
        serde_json::json!(["127.0.0.2", "127.0.0.1"])
    );
    assert_eq!(a["tcp"]["peer"], format!("127.0.0.1:{port}"));
    assert_eq!(
        a["tcp"]["failed"][0]["address"],
        format!("127.0.0.2:{port}")
    );
    assert_eq!(a["tcp"]["failed"][0]["error"], "refused");
}

#[test]
fn a_server_that_never_answers_times_out_in_the_upgrade_stage_within_the_timeout() {
    let server = RawServer::start(Script::Silent);
    let started = Instant::now();
    let (report, code) = probe_json(&["--quick", "--timeout", "1s", &server.ws_url("/")]);
    // Generous bound: the point is that the process ends by itself, near --timeout.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    let a = baseline(&report);
    assert_eq!(a["outcome"]["kind"], "timeout");
    assert_eq!(a["outcome"]["stage"], "upgrade");
    assert_eq!(stage(a, "upgrade")["status"], "failed");
    assert_eq!(stage(a, "upgrade")["error"], "timeout");
    assert_eq!(stage(a, "session")["status"], "skipped");
    assert_eq!(code, 1);
}

#[test]
fn a_session_watch_longer_than_the_timeout_is_cut_by_the_deadline() {
    let server = WsServer::start(Behaviour::Echo);
    let started = Instant::now();
    let (report, _) = probe_json(&["--close-wait", "30s", "--timeout", "1s", &server.url("/")]);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    let a = baseline(&report);
    assert_eq!(a["outcome"]["kind"], "upgraded");
    assert!(stage(a, "session")["summary"]
        .as_str()
        .unwrap()
        .contains("--timeout"));
}

#[test]
fn localhost_is_looked_up_and_unanswered_addresses_are_recorded() {
    // localhost comes from /etc/hosts: no DNS traffic leaves the machine.
    let server = WsServer::start(Behaviour::Echo);
    let (report, _) = probe_json(&["--quick", &format!("ws://localhost:{}/", server.port())]);
    let a = baseline(&report);
    assert_eq!(a["outcome"]["kind"], "upgraded", "{a}");
    assert_eq!(a["dns"]["overridden"], false);
    assert_eq!(a["dns"]["host"], "localhost");
    let addrs = a["dns"]["addresses"].as_array().unwrap();
    assert!(addrs.iter().any(|x| x == "127.0.0.1"), "{addrs:?}");
    // The server listens on 127.0.0.1 only: any ::1 tried first is recorded as failed.
    for f in a["tcp"]["failed"].as_array().into_iter().flatten() {
        assert!(f["address"].as_str().unwrap().starts_with("[::1]"), "{f}");
    }
    assert_eq!(a["tcp"]["peer"], format!("127.0.0.1:{}", server.port()));
}
