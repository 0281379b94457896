//! The HTTP/2 path (RFC 8441) against hostile servers: garbage after the preface, a GOAWAY at
//! once, a SETTINGS frame far over the frame size limit, a stream that is never answered. Each
//! run ends by itself within --timeout, never panics, and writes a valid report whose verdict no
//! attempt contradicts. Real fronts (HAProxy, Node, nginx) are in tests/lab/http2.rs.

#![expect(
    clippy::expect_used,
    reason = "test helpers: a failed setup must fail the test loudly"
)]

use std::time::{Duration, Instant};

use crate::support::probe_json;
use crate::support::tls::{H2Hostile, TestCa, TlsOptions, TlsWsServer};
use crate::support::ws::Behaviour;

fn run(how: H2Hostile) -> (serde_json::Value, i32, Duration) {
    let ca = TestCa::new("wsdoctor h2 test CA");
    let server = TlsWsServer::start_with(
        ca.valid_leaf(&[crate::support::tls::HOST]),
        Behaviour::Echo,
        TlsOptions {
            alpn: vec!["h2", "http/1.1"],
            h2: Some(how),
            ..TlsOptions::default()
        },
    );
    let cafile = ca.pem_file();
    let (url, resolve) = server.url_and_resolve("/ws");
    let started = Instant::now();
    let (report, code) = probe_json(&[
        &url,
        "--resolve",
        &resolve,
        "--cacert",
        cafile.path().to_str().expect("utf-8 path"),
        "--timeout",
        "3s",
        "--close-wait",
        "300ms",
    ]);
    (report, code, started.elapsed())
}

#[test]
fn a_broken_http2_connection_is_recorded_and_browsers_are_said_to_use_http1() {
    for how in [
        H2Hostile::GarbageAfterPreface,
        H2Hostile::GoawayAtOnce,
        H2Hostile::HugeSettings,
    ] {
        let (report, code, took) = run(how);
        assert!(took < Duration::from_secs(6), "{how:?}: took {took:?}");
        let h2 = &report["http2"];
        assert_eq!(h2["alpn"], "h2", "{how:?}: {h2}");
        assert!(
            h2["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{how:?}: the connection failure is recorded: {h2}"
        );
        assert!(h2.get("attempt").is_none(), "{how:?}: {h2}");
        // HTTP/1.1 upgrades, and a connection that never got as far as its SETTINGS is no path
        // a browser opens a WebSocket on.
        assert_eq!(
            report["diagnosis"]["cause"], "ok.healthy",
            "{how:?}: {report}"
        );
        assert_eq!(code, 0, "{how:?}");
    }
}

#[test]
fn an_extended_connect_stream_that_is_never_answered_ends_at_the_timeout_as_the_fault() {
    let (report, code, took) = run(H2Hostile::StreamNeverAnswers);
    assert!(took < Duration::from_secs(6), "took {took:?}");
    let h2 = &report["http2"];
    assert_eq!(h2["extended_connect"], true, "{h2}");
    assert_eq!(h2["attempt"]["outcome"]["kind"], "timeout", "{h2}");
    assert_eq!(h2["attempt"]["request"]["method"], "CONNECT", "{h2}");
    assert_eq!(
        report["diagnosis"]["cause"], "proxy.http2_websocket_refused",
        "{report}"
    );
    assert_eq!(code, 1);
}
