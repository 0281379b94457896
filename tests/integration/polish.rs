//! Issue 12, points 9–16: the rough edges a newcomer meets first. Closed pipes, Ctrl-C, `-o -`,
//! colour, progress, help and usage, the report layout, `started_at`/`ok` in the JSON and the
//! README's links. Each test runs the real binary.

use std::io::Read;
use std::process::Stdio;

use crate::support::ws::{Behaviour, WsServer};
use crate::support::{probe_json, refused_port, wsdoctor, wsdoctor_std};

// ---- 15: started_at and ok ----

#[test]
fn json_reports_carry_started_at_as_rfc3339_and_ok_matching_the_exit_code() {
    let server = WsServer::start(Behaviour::Echo);
    let (healthy, code) = probe_json(&["--quick", &server.url("/ws")]);
    assert_eq!(code, 0);
    assert_eq!(healthy["ok"], true, "{healthy}");
    let started = healthy["started_at"]
        .as_str()
        .expect("started_at is a string");
    let parsed =
        time::OffsetDateTime::parse(started, &time::format_description::well_known::Rfc3339)
            .expect("started_at is RFC 3339");
    let age = time::OffsetDateTime::now_utc() - parsed;
    assert!(
        age >= time::Duration::ZERO && age < time::Duration::minutes(5),
        "started_at {started} is not the time of this run"
    );

    let url = format!("ws://127.0.0.1:{}/ws", refused_port());
    let (fault, code) = probe_json(&["--quick", &url]);
    assert_eq!(code, 1);
    assert_eq!(fault["ok"], false, "{fault}");
}

#[test]
fn a_saved_report_without_started_at_and_ok_still_loads_in_explain() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/reports/tcp_refused.json"
    ))
    .unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let obj = v.as_object_mut().unwrap();
    obj.remove("ok");
    obj.remove("started_at");
    let path = dir.path().join("old.json");
    std::fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap();
    let out = wsdoctor()
        .args(["explain", "--format", "json"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["ok"], false);
    assert_eq!(r["diagnosis"]["cause"], "tcp.refused");
}

// ---- 11: -o - and colour ----

#[test]
fn output_dash_means_stdout_and_leaves_no_file_named_dash() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("ws://127.0.0.1:{}/ws", refused_port());
    let out = wsdoctor()
        .current_dir(dir.path())
        .args(["--quick", "--format", "json", "-o", "-", &url])
        .output()
        .unwrap();
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("the report on stdout");
    assert_eq!(r["diagnosis"]["cause"], "tcp.refused");
    assert!(
        !dir.path().join("-").exists(),
        "-o - must not create a file named '-'"
    );
}

#[test]
fn an_explicit_color_always_beats_no_color() {
    let url = format!("ws://127.0.0.1:{}/ws", refused_port());
    let out = wsdoctor()
        .env("NO_COLOR", "1")
        .args(["--quick", "--color", "always", &url])
        .output()
        .unwrap();
    assert!(
        out.stdout.contains(&0x1b),
        "--color always must colour despite NO_COLOR"
    );
    let out = wsdoctor()
        .env("NO_COLOR", "1")
        .args(["--quick", &url])
        .output()
        .unwrap();
    assert!(!out.stdout.contains(&0x1b), "auto honours NO_COLOR");
}

// ---- 9: a closed stdout ----

/// Runs wsdoctor with stdout a pipe whose read end is closed before it writes: it must exit
/// quietly (no panic message) with a conventional code.
#[expect(
    clippy::unwrap_used,
    reason = "test helper: a failure is the calling test's failure"
)]
fn assert_quiet_on_closed_pipe(args: &[&str]) {
    let mut child = wsdoctor_std()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(
        !stderr.contains("panicked"),
        "{args:?} panicked on a closed pipe: {stderr}"
    );
    assert!(
        matches!(status.code(), Some(0 | 1)),
        "{args:?} on a closed pipe: {status:?} {stderr}"
    );
}

#[test]
fn completions_man_reports_and_explain_are_quiet_on_a_closed_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("t.txt");
    std::fs::write(
        &t,
        "HTTP/1.1 403 Forbidden\r\nServer: nginx\r\nContent-Length: 0\r\n\r\n",
    )
    .unwrap();
    let url = format!("ws://127.0.0.1:{}/ws", refused_port());
    for shell in ["zsh", "bash", "fish"] {
        assert_quiet_on_closed_pipe(&["completions", shell]);
    }
    assert_quiet_on_closed_pipe(&["man"]);
    assert_quiet_on_closed_pipe(&["--quick", &url]);
    assert_quiet_on_closed_pipe(&["--quick", "--format", "json", &url]);
    assert_quiet_on_closed_pipe(&["explain", t.to_str().unwrap()]);
}
