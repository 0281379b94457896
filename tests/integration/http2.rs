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

/// `ws://` with `--h2c` against `server`; returns the report, the exit code and the wall time.
fn h2c(
    server: &crate::support::ServerThread,
    extra: &[&str],
) -> (serde_json::Value, i32, Duration) {
    let url = format!("ws://127.0.0.1:{}/ws", server.port());
    let mut args = vec![
        url.as_str(),
        "--h2c",
        "--timeout",
        "3s",
        "--close-wait",
        "300ms",
    ];
    args.extend_from_slice(extra);
    let started = Instant::now();
    let (report, code) = probe_json(&args);
    (report, code, started.elapsed())
}

/// The `wsdoctor.report/v1` object of a probe's JSON, or of a one-target check's.
fn report_of(json: &serde_json::Value) -> &serde_json::Value {
    if json["schema"] == "wsdoctor.check/v1" {
        &json["targets"][0]["report"]
    } else {
        json
    }
}

fn assert_schema(report: &serde_json::Value) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/report.v1.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("schema")).expect("schema JSON");
    let validator = jsonschema::validator_for(&schema).expect("the schema loads");
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}\n{report}");
}

// --h2c on ws://: the HTTP/2 path in cleartext with prior knowledge, recorded as the TLS path is,
// with `prior_knowledge` and no ALPN; a server speaking both upgrades on both.
#[test]
fn ws_with_h2c_sends_the_extended_connect_in_cleartext_with_prior_knowledge() {
    let server = crate::support::tls::h2c_and_ws_server(H2Hostile::AcceptsStreams, Behaviour::Echo);
    let (report, code, took) = h2c(&server, &[]);
    assert!(took < Duration::from_secs(6), "took {took:?}");
    assert_schema(&report);
    let h2 = &report["http2"];
    assert_eq!(h2["prior_knowledge"], true, "{h2}");
    assert_eq!(h2["alpn_offered"], serde_json::json!([]), "{h2}");
    assert!(h2.get("alpn").is_none(), "{h2}");
    assert_eq!(h2["extended_connect"], true, "{h2}");
    let a = &h2["attempt"];
    assert_eq!(a["outcome"]["kind"], "upgraded", "{h2}");
    assert_eq!(a["response"]["version"], "HTTP/2", "{h2}");
    assert!(
        a["request"]["headers"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|h| h["name"] == ":scheme" && h["value"] == "http"),
        "{a}"
    );
    assert!(
        a["stages"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|s| s["stage"] != "tls" || s["status"] == "skipped"),
        "no TLS on the cleartext path: {a}"
    );
    assert_eq!(report["diagnosis"]["cause"], "ok.healthy", "{report}");
    assert!(
        report["diagnosis"]["evidence"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|e| e
                .as_str()
                .is_some_and(|e| e.contains("h2c") && e.contains("upgrades too"))),
        "{}",
        report["diagnosis"]
    );
    assert_eq!(code, 0);
    // Without --h2c a ws:// target has no HTTP/2 path.
    let url = format!("ws://127.0.0.1:{}/ws", server.port());
    let (plain, _) = probe_json(&[&url, "--close-wait", "200ms"]);
    assert!(plain.get("http2").is_none(), "{plain}");
}

// --h2c against servers that speak only HTTP/1.1: one answers the preface with an HTTP/1.1 400
// (as nginx does), one closes (tungstenite's handshake gives up). Each is recorded on the HTTP/2
// path, bounded, in a valid report, and the HTTP/1.1 upgrade that works is not blamed.
#[test]
fn h2c_to_an_http1_only_server_is_recorded_and_does_not_blame_the_http1_path() {
    let answers = crate::support::tls::h2c_and_ws_server(H2Hostile::AnswersHttp1, Behaviour::Echo);
    let (report, code, took) = h2c(&answers, &[]);
    assert!(took < Duration::from_secs(6), "took {took:?}");
    assert_schema(&report);
    let h2 = &report["http2"];
    assert_eq!(h2["prior_knowledge"], true, "{h2}");
    assert_eq!(h2["http1_answer"], "HTTP/1.1 400 Bad Request", "{h2}");
    assert!(
        h2["error"]
            .as_str()
            .is_some_and(|e| e.contains("HTTP/1.x") && e.contains("h2c")),
        "{h2}"
    );
    assert!(h2.get("attempt").is_none(), "{h2}");
    assert_eq!(report["attempts"][0]["outcome"]["kind"], "upgraded");
    assert_eq!(report["diagnosis"]["cause"], "ok.healthy", "{report}");
    assert_eq!(code, 0);

    let closes = crate::support::ws::WsServer::start(Behaviour::Echo);
    let (report, code, took) = h2c(&closes.thread, &[]);
    assert!(took < Duration::from_secs(6), "took {took:?}");
    assert_schema(&report);
    let h2 = &report["http2"];
    assert!(h2["error"].as_str().is_some_and(|e| !e.is_empty()), "{h2}");
    assert!(h2.get("http1_answer").is_none(), "{h2}");
    assert_eq!(report["diagnosis"]["cause"], "ok.healthy", "{report}");
    assert_eq!(code, 0);

    // Asked to test only that path, the run fails on it, plainly, while the report stays healthy.
    let (json, code, _) = h2c(&answers, &["--http2-only"]);
    assert_eq!(code, 1, "{json}");
    crate::check::assert_valid_check(&json);
    let e = &json["targets"][0]["expectations"][0];
    assert_eq!(e["name"], "http2_only = true", "{json}");
    assert_eq!(e["passed"], false, "{json}");
    assert!(
        e["detail"].as_str().is_some_and(
            |d| d.starts_with("no cleartext HTTP/2 (h2c, prior knowledge) WebSocket path here")
        ),
        "{e}"
    );
    assert_eq!(report_of(&json)["diagnosis"]["cause"], "ok.healthy");
}

// --h2c is for ws://: on wss:// it is ignored with a note (ALPN decides there), and the HTTP/2
// path is the browsers' one, over TLS.
#[test]
fn h2c_on_wss_is_ignored_with_a_note() {
    let ca = TestCa::new("wsdoctor h2 test CA");
    let server = TlsWsServer::start_with(
        ca.valid_leaf(&[crate::support::tls::HOST]),
        Behaviour::Echo,
        TlsOptions {
            alpn: vec!["h2", "http/1.1"],
            h2: Some(H2Hostile::AcceptsStreams),
            ..TlsOptions::default()
        },
    );
    let cafile = ca.pem_file();
    let (url, resolve) = server.url_and_resolve("/ws");
    let out = crate::support::wsdoctor()
        .args([
            url.as_str(),
            "--h2c",
            "--resolve",
            &resolve,
            "--cacert",
            cafile.path().to_str().expect("utf-8 path"),
            "--close-wait",
            "200ms",
            "--format",
            "json",
        ])
        .output()
        .expect("wsdoctor runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--h2c is for ws:// targets and is ignored here"),
        "{stderr}"
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let h2 = &report["http2"];
    assert!(h2.get("prior_knowledge").is_none(), "{h2}");
    assert_eq!(h2["alpn"], "h2", "{h2}");
    assert_eq!(h2["attempt"]["outcome"]["kind"], "upgraded", "{h2}");
    assert_eq!(out.status.code(), Some(0));
}

// --http2-only: the HTTP/1.1 baseline still runs as the reference, but the run passes only when
// the browsers' HTTP/2 path opens. A server without h2 is said so plainly (exit 1), one whose
// extended CONNECT upgrades passes (exit 0), and --quick still probes the path.
#[test]
fn http2_only_passes_exactly_when_the_http2_path_opens() {
    let ca = TestCa::new("wsdoctor h2 test CA");
    let cafile = ca.pem_file();
    let start = |alpn: Vec<&'static str>, h2| {
        TlsWsServer::start_with(
            ca.valid_leaf(&[crate::support::tls::HOST]),
            Behaviour::Echo,
            TlsOptions {
                alpn,
                h2,
                ..TlsOptions::default()
            },
        )
    };
    let run = |server: &TlsWsServer, extra: &[&str]| {
        let (url, resolve) = server.url_and_resolve("/ws");
        let mut args = vec![
            url,
            "--resolve".into(),
            resolve,
            "--cacert".into(),
            cafile.path().to_str().expect("utf-8 path").into(),
            "--close-wait".into(),
            "200ms".into(),
            "--timeout".into(),
            "3s".into(),
            "--http2-only".into(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        probe_json(&args)
    };

    let http1 = start(vec!["http/1.1"], None);
    let (json, code) = run(&http1, &[]);
    assert_eq!(json["schema"], "wsdoctor.check/v1", "{json}");
    crate::check::assert_valid_check(&json);
    assert_eq!(code, 1, "{json}");
    let e = &json["targets"][0]["expectations"];
    assert_eq!(e.as_array().map(Vec::len), Some(1), "{e}");
    assert_eq!(e[0]["name"], "http2_only = true");
    assert_eq!(e[0]["passed"], false);
    let detail = e[0]["detail"].as_str().unwrap_or_default();
    assert!(
        detail.starts_with("no HTTP/2 WebSocket path here: browsers use HTTP/1.1 here")
            && detail.contains("http/1.1"),
        "{detail}"
    );
    let report = report_of(&json);
    assert_eq!(report["attempts"][0]["outcome"]["kind"], "upgraded");
    assert_eq!(report["diagnosis"]["cause"], "ok.healthy");
    assert_schema(report);

    let both = start(vec!["h2", "http/1.1"], Some(H2Hostile::AcceptsStreams));
    let (json, code) = run(&both, &[]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(
        json["targets"][0]["expectations"][0]["passed"], true,
        "{json}"
    );
    let (json, code) = run(&both, &["--quick"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(
        report_of(&json)["http2"]["attempt"]["outcome"]["kind"],
        "upgraded",
        "--quick --http2-only still probes the path: {json}"
    );
    // --skip http2 cannot leave out what the run is about.
    let (json, _) = run(&both, &["--skip", "http2"]);
    assert!(report_of(&json)["http2"]["attempt"].is_object(), "{json}");

    let refused = start(vec!["h2", "http/1.1"], Some(H2Hostile::GoawayAtOnce));
    let (json, code) = run(&refused, &[]);
    assert_eq!(code, 1, "{json}");
    assert!(
        json["targets"][0]["expectations"][0]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("GOAWAY") || d.contains("go away") || d.contains("HTTP/2")),
        "{json}"
    );
}

#[test]
fn http2_only_usage_errors_name_the_fix() {
    for (args, needle) in [
        (vec!["ws://127.0.0.1:9/ws", "--http2-only"], "--h2c"),
        (
            vec!["wss://127.0.0.1:9/ws", "--http2-only", "--http1-only"],
            "cannot be used with",
        ),
        (
            vec!["ws://127.0.0.1:9/ws", "--h2c", "--http1-only"],
            "cannot be used with",
        ),
        (
            vec![
                "wss://127.0.0.1:9/ws",
                "--http2-only",
                "--ticket-url",
                "https://127.0.0.1:9/ticket",
            ],
            "ticket",
        ),
    ] {
        let out = crate::support::wsdoctor()
            .args(&args)
            .output()
            .expect("wsdoctor runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: {stderr}");
    }
}
