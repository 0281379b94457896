//! The command-line contract, through the binary: usage errors, the http:// note, --version,
//! colour decisions, a closed stdout, the --timeout bound and secret redaction.

#![expect(
    clippy::expect_used,
    reason = "test helpers: a failed setup must fail the test loudly"
)]

use std::io::Read;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::scripted::{response, ScriptedServer, Step};
use crate::support::{wsdoctor, wsdoctor_std};

/// A port with nothing listening (bound, then released).
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// Runs the binary and asserts a usage error: exit 2, one line on stderr containing `needle`,
/// nothing on stdout.
fn assert_usage_error(args: &[&str], needle: &str) {
    let out = wsdoctor()
        .args(args)
        .timeout(Duration::from_secs(30))
        .output()
        .expect("run wsdoctor");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "args {args:?}\nstderr: {stderr}"
    );
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(
        lines.len(),
        1,
        "args {args:?}: a usage error is one line on stderr, got:\n{stderr}"
    );
    assert!(
        lines[0].contains(needle),
        "args {args:?}: the error should name '{needle}': {}",
        lines[0]
    );
    assert!(out.stdout.is_empty(), "args {args:?}: nothing on stdout");
}

#[test]
fn a_url_that_does_not_parse_is_a_usage_error_naming_it() {
    assert_usage_error(&["not a url"], "not a url");
}

#[test]
fn an_unsupported_scheme_is_a_usage_error_naming_it() {
    assert_usage_error(&["ftp://127.0.0.1/ws"], "ftp");
}

#[test]
fn a_missing_token_env_variable_is_a_usage_error_naming_the_variable() {
    assert_usage_error(
        &[
            "ws://127.0.0.1:9/ws",
            "--token-env",
            "WSDOCTOR_TEST_UNSET_TOKEN",
        ],
        "WSDOCTOR_TEST_UNSET_TOKEN",
    );
}

#[test]
fn an_unreadable_token_file_is_a_usage_error_naming_the_flag() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("no-such-token");
    assert_usage_error(
        &[
            "ws://127.0.0.1:9/ws",
            "--token-file",
            missing.to_str().expect("utf-8 path"),
        ],
        "--token-file",
    );
}

#[test]
fn a_malformed_resolve_is_a_usage_error_naming_the_flag() {
    assert_usage_error(
        &["ws://127.0.0.1:9/ws", "--resolve", "api.test:notaport"],
        "--resolve",
    );
}

#[test]
fn a_malformed_header_is_a_usage_error_naming_the_value() {
    assert_usage_error(&["ws://127.0.0.1:9/ws", "-H", "NoColonHere"], "NoColonHere");
}

#[test]
fn an_http_url_is_probed_as_ws_with_a_note_on_stderr() {
    let server = ScriptedServer::http(|req| {
        if req.is_upgrade() {
            vec![Step::Switch(vec![]), Step::Session]
        } else {
            vec![Step::Write(response(404, "Not Found", &[], "not found"))]
        }
    });
    let url = format!("http://{}/ws", server.addr());
    let out = wsdoctor()
        .args([&url, "--format", "json", "--close-wait", "200ms"])
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run wsdoctor");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("note:") && stderr.contains("ws://"),
        "expected a note about the http:// mapping on stderr: {stderr}"
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    assert_eq!(report["target"], format!("ws://{}/ws", server.addr()));
    assert!(
        server.requests().iter().any(|r| r.is_upgrade()),
        "the server should have received a WebSocket upgrade"
    );
}

#[test]
fn version_exits_zero_and_names_the_tool() {
    let out = wsdoctor().arg("--version").output().expect("run wsdoctor");
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains(env!("CARGO_PKG_VERSION")));
}

#[test]
fn the_quick_version_answer_is_the_one_clap_renders() {
    use clap::CommandFactory;
    let clap_says = wsdoctor::cli::Cli::command().render_version().to_string();
    for flag in ["--version", "-V"] {
        let out = wsdoctor().arg(flag).output().expect("run wsdoctor");
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(String::from_utf8_lossy(&out.stdout), clap_says, "{flag}");
    }
}

#[test]
fn no_color_turns_off_auto_colour_on_both_streams() {
    let url = format!("ws://127.0.0.1:{}/ws", closed_port());
    let out = wsdoctor()
        .args([&url, "--color", "auto"])
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run wsdoctor");
    assert!(!out.stdout.is_empty(), "a human report on stdout");
    assert!(!out.stdout.contains(&0x1b), "no ANSI escape in stdout");
    assert!(!out.stderr.contains(&0x1b), "no ANSI escape in stderr");
}

#[test]
fn color_always_colours_the_human_report() {
    let url = format!("ws://127.0.0.1:{}/ws", closed_port());
    let out = wsdoctor()
        .args([&url, "--color", "always"])
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run wsdoctor");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("\x1b["),
        "expected ANSI colour codes:\n{stdout}"
    );
}

#[test]
fn a_stdout_closed_early_ends_without_a_panic() {
    let server = ScriptedServer::http(|req| {
        if req.is_upgrade() {
            vec![Step::Switch(vec![]), Step::Session]
        } else {
            vec![Step::Write(response(404, "Not Found", &[], "not found"))]
        }
    });
    for format in ["human", "json"] {
        let mut child = wsdoctor_std()
            .args([
                &server.ws_url("/ws"),
                "--format",
                format,
                "--close-wait",
                "200ms",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn wsdoctor");
        // Close our end before wsdoctor writes anything: every write then fails with EPIPE.
        drop(child.stdout.take());
        let status = wait_bounded(&mut child, Duration::from_secs(60));
        let mut stderr = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = e.read_to_string(&mut stderr);
        }
        assert!(
            !stderr.contains("panicked"),
            "{format}: no panic on a closed stdout: {stderr}"
        );
        assert_ne!(status.code(), Some(101), "{format}: exit 101 is a panic");
    }
}

#[test]
fn a_server_that_never_answers_does_not_hold_the_process_past_the_timeout() {
    let server = ScriptedServer::http(|_| vec![Step::Hang]);
    let started = Instant::now();
    let mut child = wsdoctor_std()
        .args([&server.ws_url("/ws"), "--timeout", "1s", "--format", "json"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn wsdoctor");
    // Generous bound: the point is that it ends by itself, not how fast.
    let status = wait_bounded(&mut child, Duration::from_secs(20));
    assert_eq!(
        status.code(),
        Some(1),
        "a fault is diagnosed (after {:?})",
        started.elapsed()
    );
}

/// Waits for the child up to `limit`, killing it (and failing) past that.
fn wait_bounded(child: &mut std::process::Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("wait for wsdoctor") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("wsdoctor was still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A secret that cannot appear by accident.
const SECRET: &str = "wsd-secret-Zq7xK2pL9vR4";

#[test]
fn the_token_env_secret_never_appears_in_any_output_even_at_trace_level() {
    // The worst case: a server that echoes the credential it received back in its answers.
    let server = ScriptedServer::http(|req| {
        let echoed = format!(
            "invalid credentials: authorization={} target={}",
            req.header("authorization").unwrap_or("-"),
            req.target
        );
        vec![Step::Write(response(
            401,
            "Unauthorized",
            &[
                ("WWW-Authenticate", "Bearer realm=\"api\""),
                ("Content-Type", "text/plain"),
            ],
            &echoed,
        ))]
    });
    for format in ["human", "json"] {
        let out = wsdoctor()
            .args([
                &server.ws_url("/ws"),
                "--token-env",
                "WSDOCTOR_TEST_TOKEN",
                "--format",
                format,
                "-vvv",
            ])
            .env("WSDOCTOR_TEST_TOKEN", SECRET)
            .timeout(Duration::from_secs(60))
            .output()
            .expect("run wsdoctor");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stdout.is_empty(), "{format}: a report on stdout");
        assert!(
            !stdout.contains(SECRET),
            "{format}: the secret leaked on stdout:\n{stdout}"
        );
        assert!(
            !stderr.contains(SECRET),
            "{format}: the secret leaked on stderr:\n{stderr}"
        );
    }
    assert!(
        server
            .requests()
            .iter()
            .any(|r| String::from_utf8_lossy(&r.raw).contains(SECRET)),
        "the secret should have been sent to the server (else this test proves nothing)"
    );
}
