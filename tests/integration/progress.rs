//! Issue 12, point 12: a progress line on stderr while wsdoctor waits (what runs, what it waits
//! for), only for a person at a terminal: never on a pipe, never with `CI` set, never with -s.
//! The terminal is a pseudo-terminal made by util-linux `script`, which runs the binary with
//! stdin, stdout and stderr on the pty and copies what it writes; the test is skipped (with a
//! message) where `script` is missing.

#![expect(
    clippy::expect_used,
    reason = "test helpers: a failed setup must fail the test loudly"
)]

use std::process::Command;
use std::time::Duration;

use crate::support::scripted::holding_server;
use crate::support::wsdoctor;

/// What the terminal showed when wsdoctor ran with `args` on a pty (`script -qec`), with `env`
/// set; `None` when `script` is not available here (outside CI; under CI that fails the test).
fn on_a_terminal(args: &[&str], env: &[(&str, &str)]) -> Option<String> {
    let usable = Command::new("script")
        .args(["-qec", "true", "/dev/null"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !usable {
        let msg = "util-linux `script` is not available to make a terminal (Debian: bsdutils)";
        // Under CI a missing component is a failure, never a silent skip.
        assert!(
            !std::env::var("CI").is_ok_and(|v| v == "true" || v == "1"),
            "{msg}"
        );
        eprintln!("SKIPPED {msg}");
        return None;
    }
    let bin = env!("CARGO_BIN_EXE_wsdoctor");
    let quoted: Vec<String> = std::iter::once(bin)
        .chain(args.iter().copied())
        .map(|a| format!("'{}'", a.replace('\'', r"'\''")))
        .collect();
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &quoted.join(" "), "/dev/null"])
        .env_remove("CI")
        .env_remove("NO_COLOR")
        .env_remove("RUST_LOG")
        .env("TERM", "xterm-256color");
    for var in [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run script");
    Some(String::from_utf8_lossy(&out.stdout).to_string())
}

#[test]
fn a_wait_over_a_second_on_a_terminal_shows_what_runs_and_what_it_waits_for() {
    let server = holding_server();
    let url = server.ws_url("/ws");
    let Some(screen) = on_a_terminal(&["--close-wait", "2500ms", &url], &[]) else {
        return;
    };
    assert!(
        // The line is cut to the terminal's width (80 columns on script's pty).
        screen.contains("wsdoctor: baseline · session: waiting for a close within the close-wait"),
        "no progress line on the terminal:\n{screen}"
    );
    // The report still comes, after the line is cleared.
    assert!(screen.contains("ok.healthy"), "{screen}");
}

#[test]
fn the_idle_hold_shows_progress_on_a_terminal() {
    let server = holding_server();
    let url = server.ws_url("/ws");
    let Some(screen) = on_a_terminal(&["--idle", "2s", "--close-wait", "200ms", &url], &[]) else {
        return;
    };
    assert!(
        screen.contains("baseline · session: waiting for the end of the --idle 2s hold"),
        "{screen}"
    );
}

#[test]
fn no_progress_on_a_terminal_in_ci_or_with_silent() {
    let server = holding_server();
    let url = server.ws_url("/ws");
    let Some(ci) = on_a_terminal(&["--close-wait", "1500ms", &url], &[("CI", "true")]) else {
        return;
    };
    assert!(!ci.contains("waiting for"), "CI set: no progress\n{ci}");
    assert!(ci.contains("ok.healthy"), "{ci}");
    let Some(silent) = on_a_terminal(&["-s", "--close-wait", "1500ms", &url], &[]) else {
        return;
    };
    assert!(!silent.contains("waiting for"), "-s: no progress\n{silent}");
    assert!(silent.contains("ok.healthy"), "{silent}");
}

#[test]
fn nothing_progress_like_reaches_stderr_when_it_is_a_pipe() {
    let server = holding_server();
    let out = wsdoctor()
        .args([
            "--idle",
            "1500ms",
            "--close-wait",
            "1200ms",
            &server.ws_url("/ws"),
        ])
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run wsdoctor");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("waiting for"), "{stderr}");
    assert!(!stderr.contains("idle watch"), "{stderr}");
    assert!(
        !stderr.contains('\r'),
        "no carriage-return redraws: {stderr:?}"
    );
    assert!(!stderr.contains('\x1b'), "no escape codes: {stderr:?}");
}

#[test]
fn check_on_a_terminal_shows_its_in_flight_targets() {
    let server = holding_server();
    let dir = tempfile::tempdir().expect("temp dir");
    let check = dir.path().join("check.toml");
    std::fs::write(
        &check,
        format!(
            "[[target]]\nname = \"slow-one\"\nurl = \"{}\"\nclose_wait = \"2s\"\n",
            server.ws_url("/ws")
        ),
    )
    .expect("write check file");
    let Some(screen) = on_a_terminal(&["check", check.to_str().expect("utf-8")], &[]) else {
        return;
    };
    assert!(
        screen.contains("check: 0 of 1 done · waiting for slow-one"),
        "{screen}"
    );
}
