//! Issue 28: wsdoctor fits the habits of its users (curl's `-v`, any terminal width, honest
//! `explain`, CI summaries, words that match the behaviour).

#![expect(
    clippy::expect_used,
    reason = "test harness: a failed step fails the test"
)]

use crate::support::ws::{Behaviour, WsServer};
use crate::support::wsdoctor;

/// Runs wsdoctor; returns stdout, stderr and the exit code.
fn run(args: &[&str], env: &[(&str, &str)]) -> (String, String, i32) {
    let mut cmd = wsdoctor();
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("wsdoctor runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

const TOKEN: &str = "tok-habits-Xq93vLr";

/// Point 1: `-v` shows the baseline's exchange on the wire on stderr, as `curl -v` does, for a
/// healthy run and with `--quick`; the credential is redacted; stdout keeps only the report.
#[test]
fn dash_v_shows_the_baseline_exchange_on_stderr_for_a_healthy_quick_run() {
    let server = WsServer::start(Behaviour::Echo);
    let url = server.url("/ws");
    let (stdout, stderr, code) = run(
        &[
            &url,
            "-v",
            "--quick",
            "--close-wait",
            "200ms",
            "--token",
            TOKEN,
        ],
        &[],
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    for want in [
        "* baseline (baseline): ws://127.0.0.1:",
        "> GET /ws HTTP/1.1",
        "> Sec-WebSocket-Version: 13",
        "> Authorization: Bearer [redacted]",
        "< HTTP/1.1 101 Switching Protocols",
        "* result: 101",
    ] {
        assert!(stderr.contains(want), "{want:?} not on stderr:\n{stderr}");
    }
    assert!(
        stderr.to_ascii_lowercase().contains("< upgrade: websocket"),
        "{stderr}"
    );
    assert!(!stderr.contains(TOKEN) && !stdout.contains(TOKEN));
    assert!(
        !stdout.contains("> GET "),
        "stdout is the report:\n{stdout}"
    );
    assert!(stdout.contains("✓ ok"), "{stdout}");
    // -v is not the log: no tracing lines.
    assert!(
        !stderr.contains(" INFO ") && !stderr.contains("TRACE"),
        "{stderr}"
    );
}

/// Point 1: `-vv` adds every variant's exchange; `-v` shows only the baseline; `-vvv` adds the
/// trace log.
#[test]
fn dash_vv_adds_the_variants_and_dash_vvv_the_trace_log() {
    let server = WsServer::start(Behaviour::Echo);
    let url = server.url("/ws");
    let common = [url.as_str(), "--close-wait", "100ms", "--token", TOKEN];
    let with = |v: &str| {
        let mut args = common.to_vec();
        args.push(v);
        run(&args, &[])
    };
    let (_, one, code) = with("-v");
    assert_eq!(code, 0, "{one}");
    assert_eq!(one.matches("> GET /ws HTTP/1.1").count(), 1, "{one}");
    assert!(!one.contains("* origin."), "{one}");
    let (_, two, _) = with("-vv");
    assert!(two.matches("> GET /ws HTTP/1.1").count() > 3, "{two}");
    assert!(two.contains("* origin."), "{two}");
    assert!(!two.contains("TRACE"), "{two}");
    let (_, three, _) = with("-vvv");
    assert!(three.contains("TRACE"), "{three}");
    assert!(three.contains("> GET /ws HTTP/1.1"), "{three}");
    for text in [&one, &two, &three] {
        assert!(!text.contains(TOKEN), "{text}");
    }
}
