//! `--send` / `--expect-reply` (issue 12 point 7) through the binary against an echo server:
//! the exchange is recorded, the credential stays a `{token}` placeholder in every output, a
//! reply that never comes fails within `--reply-timeout`, and `@FILE` sends bytes as they are.
//! The real applications (Socket.IO's `40`, Python websockets) are in the lab (`tests/lab/exchange.rs`).

#![expect(
    clippy::expect_used,
    reason = "test harness: a failed step fails the test"
)]

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::check::assert_valid_check;
use crate::support::ws::{Behaviour, WsServer};
use crate::support::wsdoctor;

const TOKEN: &str = "tok-exchange-7c1d-secret";

fn run(args: &[&str]) -> (String, String, i32) {
    let out = wsdoctor()
        .env("EXCHANGE_TOKEN", TOKEN)
        .args(args)
        .output()
        .expect("wsdoctor runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

fn exchange(check: &Value) -> &Value {
    &check["targets"][0]["report"]["attempts"][0]["session"]["exchange"]
}

#[test]
fn a_reply_that_matches_passes_and_the_token_stays_a_placeholder_in_every_format() {
    let server = WsServer::start(Behaviour::Echo);
    let url = server.url("/ws");
    let base = [
        url.as_str(),
        "--token-env",
        "EXCHANGE_TOKEN",
        "--close-wait",
        "200ms",
        "--send",
        r#"{"type":"connection_init","payload":{"token":"{token}"}}"#,
        "--expect-reply",
        r#"connection_init.*\[redacted\]|connection_init"#,
        "-vv",
    ];
    for format in ["human", "json", "markdown", "junit"] {
        let mut args = base.to_vec();
        args.extend(["--format", format]);
        let (stdout, stderr, code) = run(&args);
        assert_eq!(code, 0, "{format}: {stdout}\n{stderr}");
        assert!(
            !stdout.contains(TOKEN) && !stderr.contains(TOKEN),
            "{format} leaks the token:\n{stdout}\n{stderr}"
        );
        if format == "json" {
            let v: Value = serde_json::from_str(&stdout).expect("JSON");
            assert_valid_check(&v);
            let x = exchange(&v);
            assert_eq!(
                x["sent"][0]["excerpt"],
                r#"{"type":"connection_init","payload":{"token":"{token}"}}"#
            );
            // The echo carried the real token (filled in on the wire only), shown redacted.
            let m = &x["matched"]["message"];
            assert!(
                m["excerpt"].as_str().unwrap_or("").contains("[redacted]"),
                "{x}"
            );
            assert_eq!(x["matched"]["index"], 1, "{x}");
            assert_eq!(v["targets"][0]["expectations"][0]["passed"], true);
        }
        if format == "human" {
            // A passing one-target check prints the table and the assertion with the reply.
            assert!(stdout.contains("✓ expect_reply = "), "{stdout}");
            assert!(stdout.contains("message 1 of 1 matched"), "{stdout}");
        }
    }
}

#[test]
fn a_reply_that_never_comes_fails_within_the_reply_timeout() {
    let server = WsServer::start(Behaviour::Echo);
    let url = server.url("/ws");
    // A greeting the echo server never sends, waited for `wait`.
    let unanswered = |wait: &str, extra: &[&str]| {
        let mut args = vec![
            url.as_str(),
            "--quick",
            "--send",
            "hello",
            "--expect-reply",
            "^welcome",
            "--reply-timeout",
            wait,
        ];
        args.extend_from_slice(extra);
        run(&args)
    };
    let started = Instant::now();
    let (stdout, _, code) = unanswered("600ms", &["--format", "json"]);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(code, 1, "{stdout}");
    let v: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_valid_check(&v);
    let x = exchange(&v);
    assert!(x.get("matched").is_none(), "{x}");
    assert_eq!(x["received"][0]["excerpt"], "hello", "{x}");
    let e = &v["targets"][0]["expectations"][0];
    assert_eq!(e["name"], "expect_reply = ^welcome");
    assert_eq!(e["passed"], false);
    let detail = e["detail"].as_str().unwrap_or("");
    assert!(
        detail.contains("no message matched within 600 ms") && detail.contains("hello"),
        "{detail}"
    );
    // The watch waited for the reply (not the zero close-wait of --quick), and no longer.
    let watched = v["targets"][0]["report"]["attempts"][0]["session"]["watched_ms"]
        .as_f64()
        .unwrap_or_default();
    assert!((550.0..3000.0).contains(&watched), "{watched}");
    // The human report of the failed target shows the exchange under the session line.
    let (stdout, _, code) = unanswered("300ms", &[]);
    assert_eq!(code, 1);
    for want in [
        "> text 5 B",
        "< text 5 B",
        "hello",
        "✗ no message matched /^welcome/",
    ] {
        assert!(stdout.contains(want), "{want}: {stdout}");
    }
}

#[test]
fn send_from_a_file_that_is_not_utf8_sends_binary_bytes() {
    let server = WsServer::start(Behaviour::Echo);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("frame.bin");
    std::fs::write(&file, [0x00, 0x9f, 0x92, 0x96, 0x01]).unwrap();
    let at = format!("@{}", file.display());
    let (stdout, _, code) = run(&[
        &server.url("/ws"),
        "--close-wait",
        "200ms",
        "--send",
        &at,
        "--format",
        "json",
    ]);
    // --send alone asserts nothing: the report is a plain one, healthy.
    assert_eq!(code, 0, "{stdout}");
    let v: Value = serde_json::from_str(&stdout).expect("JSON");
    let x = &v["attempts"][0]["session"]["exchange"];
    assert_eq!(x["sent"][0]["kind"], "binary", "{x}");
    assert_eq!(x["sent"][0]["bytes"], 5);
    assert_eq!(x["received"][0]["kind"], "binary", "{x}");
    assert_eq!(x["received"][0]["excerpt"], "009f929601", "{x}");
    // Only the baseline converses: the variants stay handshakes.
    for a in v["attempts"].as_array().unwrap().iter().skip(1) {
        assert!(a["session"].get("exchange").is_none(), "{a}");
    }
}

#[test]
fn a_bad_pattern_or_a_missing_file_is_a_usage_error() {
    let (_, stderr, code) = run(&["ws://127.0.0.1:9/ws", "--expect-reply", "(unclosed"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("--expect-reply") && stderr.contains("regular expression"),
        "{stderr}"
    );
    let (_, stderr, code) = run(&["ws://127.0.0.1:9/ws", "--send", "@/nonexistent/msg.json"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("--send") && stderr.contains("/nonexistent/msg.json"),
        "{stderr}"
    );
}

#[test]
fn a_close_provoked_by_the_message_is_the_exchanges_and_the_variants_still_compare() {
    // The application closes 4400 on whatever it is sent. The conversation runs after the
    // close-wait every variant has, so the baseline's session stayed open like theirs: the
    // verdict is about the handshake (healthy) and the failed reply names the close.
    let server = WsServer::start(Behaviour::CloseOnMessage(4400, "bad message".into()));
    let (stdout, _, code) = run(&[
        &server.url("/ws"),
        "--close-wait",
        "300ms",
        "--send",
        "hello",
        "--expect-reply",
        "^ok",
        "--reply-timeout",
        "2s",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{stdout}");
    let v: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_valid_check(&v);
    let report = &v["targets"][0]["report"];
    let base = &report["attempts"][0];
    assert_eq!(base["outcome"]["kind"], "upgraded", "{base}");
    assert_eq!(base["session"]["end"]["kind"], "still_open", "{base}");
    let x = &base["session"]["exchange"];
    assert_eq!(x["ended"]["kind"], "close_frame", "{x}");
    assert_eq!(x["ended"]["code"], 4400, "{x}");
    // The close came right after the message, well before the 2 s reply wait ran out.
    let sent = x["sent"][0]["after_ms"].as_f64().unwrap_or_default();
    let closed = x["ended"]["after_ms"].as_f64().unwrap_or(f64::MAX);
    assert!(sent >= 250.0, "the message went after the close-wait: {x}");
    assert!(closed - sent < 1000.0, "{x}");
    assert_eq!(
        report["diagnosis"]["cause"], "ok.healthy",
        "{}",
        report["diagnosis"]
    );
    let e = &v["targets"][0]["expectations"][0];
    assert_eq!(e["passed"], false);
    let detail = e["detail"].as_str().unwrap_or("");
    assert!(detail.contains("close 4400 bad message"), "{detail}");
}
