//! The hostile corpus: servers that answer the upgrade badly on purpose. Every case runs the
//! binary with `--format json --timeout 3s` and asserts that it ends in time, exits 1 with valid
//! JSON and a fitting cause, never panics, and keeps its peak memory (VmHWM) bounded.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::hostile::{random_bytes, Hostile, HostileServer};
use crate::support::raw::close_frame;
use crate::support::{baseline, stage};

/// The `--timeout` every case uses.
const TIMEOUT: Duration = Duration::from_secs(3);
/// Slack on top of the timeout: process start, a loaded 2-core machine, a debug build.
const MARGIN: Duration = Duration::from_secs(4);
/// The peak resident set any case may reach.
const MAX_PEAK_KIB: u64 = 64 * 1024;
/// A process still running after this is killed and the case fails (never hangs the suite).
const HARD_KILL: Duration = Duration::from_secs(30);

/// What one bounded run produced.
struct Bounded {
    report: serde_json::Value,
    code: i32,
    elapsed: Duration,
    peak_kib: u64,
    stderr: String,
}

/// Runs wsdoctor with `--format json --timeout 3s` plus `args`, measuring wall time and peak RSS
/// (VmHWM, sampled from /proc while it runs), and checks the invariants every case shares.
#[expect(
    clippy::expect_used,
    reason = "test helper: a failed spawn or wait must fail the test loudly"
)]
fn run_bounded(args: &[&str]) -> Bounded {
    let bin = assert_cmd::cargo::cargo_bin("wsdoctor");
    let mut cmd = Command::new(bin);
    for var in ["RUST_LOG", "NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE"] {
        cmd.env_remove(var);
    }
    cmd.args(["--format", "json", "--timeout", "3s"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd.spawn().expect("wsdoctor starts");
    let pid = child.id();
    // Drain the pipes on threads so a chatty child cannot block on a full pipe.
    let mut out_pipe = child.stdout.take().expect("stdout");
    let mut err_pipe = child.stderr.take().expect("stderr");
    let out_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out_pipe.read_to_end(&mut v);
        v
    });
    let err_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err_pipe.read_to_end(&mut v);
        v
    });
    let mut peak_kib = 0;
    let status = loop {
        // VmHWM only grows, so the last sample before exit is at most a few ms stale.
        if let Some(kib) = vm_hwm_kib(pid) {
            peak_kib = peak_kib.max(kib);
        }
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > HARD_KILL {
            let _ = child.kill();
            let _ = child.wait();
            panic!("wsdoctor {args:?} still ran after {HARD_KILL:?}: killed");
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let elapsed = start.elapsed();
    let stdout = String::from_utf8_lossy(&out_t.join().expect("stdout thread")).into_owned();
    let stderr = String::from_utf8_lossy(&err_t.join().expect("stderr thread")).into_owned();
    let report: serde_json::Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{stdout}\nstderr:\n{stderr}"));
    let b = Bounded {
        report,
        code: status.code().unwrap_or(-1),
        elapsed,
        peak_kib,
        stderr,
    };
    assert!(
        !b.stderr.contains("panicked"),
        "wsdoctor panicked: {}",
        b.stderr
    );
    assert!(
        b.elapsed < TIMEOUT + MARGIN,
        "wsdoctor took {:?} with --timeout {TIMEOUT:?}",
        b.elapsed
    );
    // spawn() returns after exec, so every sample is of wsdoctor's own (fresh) address space.
    // Sampled every 2 ms: a run longer than 50 ms without a sample means sampling is broken.
    assert!(
        b.peak_kib > 0 || b.elapsed < Duration::from_millis(50),
        "no VmHWM sample in {:?}",
        b.elapsed
    );
    assert!(
        b.peak_kib <= MAX_PEAK_KIB,
        "peak RSS {} KiB (bound {MAX_PEAK_KIB} KiB)",
        b.peak_kib
    );
    b
}

/// VmHWM of a running process in KiB (None once it has exited).
fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn cause(b: &Bounded) -> &str {
    b.report["diagnosis"]["cause"].as_str().unwrap_or_default()
}

/// Asserts the failed run's diagnosis and exit code.
fn assert_diagnosed(b: &Bounded, expected_cause: &str) {
    assert_eq!(
        cause(b),
        expected_cause,
        "diagnosis: {}",
        b.report["diagnosis"]
    );
    assert_eq!(b.code, 1, "exit code; stderr: {}", b.stderr);
}

fn error_class(b: &Bounded) -> &str {
    baseline(&b.report)["outcome"]["error"]
        .as_str()
        .unwrap_or_default()
}

#[test]
fn never_answers_times_out_at_the_upgrade_stage() {
    let s = HostileServer::start(Hostile::NeverAnswers);
    let b = run_bounded(&["--quick", &s.ws_url("/ws")]);
    assert_diagnosed(&b, "server.timeout");
    let a = baseline(&b.report);
    assert_eq!(a["outcome"]["kind"], "timeout", "{a}");
    assert_eq!(a["outcome"]["stage"], "upgrade", "{a}");
    assert!(b.elapsed >= TIMEOUT - Duration::from_millis(100));
}

#[test]
fn never_answers_with_the_full_matrix_still_ends_at_the_deadline() {
    let s = HostileServer::start(Hostile::NeverAnswers);
    let b = run_bounded(&[&s.ws_url("/ws")]);
    assert_diagnosed(&b, "server.timeout");
    let attempts = b.report["attempts"].as_array().expect("attempts");
    assert!(
        attempts.len() >= 5,
        "the full matrix ran: {}",
        attempts.len()
    );
    assert!(attempts
        .iter()
        .all(|a| a["outcome"]["kind"] == "timeout" || a["outcome"]["kind"] == "tcp_error"));
    assert!(s.connections() >= 5, "connections: {}", s.connections());
}

#[test]
fn one_byte_at_a_time_forever_times_out_at_the_upgrade_stage() {
    let s = HostileServer::start(Hostile::Trickle {
        bytes: b"HTTP/1.1 101 Switching Protocols\r\nX-Slow: ".to_vec(),
        every: Duration::from_millis(5),
    });
    let b = run_bounded(&["--quick", &s.ws_url("/ws")]);
    assert_diagnosed(&b, "server.timeout");
    let a = baseline(&b.report);
    assert_eq!(a["outcome"]["kind"], "timeout", "{a}");
    assert_eq!(a["outcome"]["stage"], "upgrade", "{a}");
}

#[test]
fn sixty_four_mib_of_header_lines_is_a_response_too_large() {
    let s = HostileServer::start(Hostile::HeaderFlood { total: 64 << 20 });
    let b = run_bounded(&["--quick", &s.ws_url("/ws")]);
    assert_diagnosed(&b, "server.bad_handshake_response");
    assert_eq!(error_class(&b), "response_too_large");
    assert!(b.elapsed < TIMEOUT, "the limit, not the deadline, ended it");
}

#[test]
fn sixty_four_mib_of_header_lines_with_the_full_matrix() {
    let s = HostileServer::start(Hostile::HeaderFlood { total: 64 << 20 });
    let b = run_bounded(&["--close-wait", "200ms", &s.ws_url("/ws")]);
    assert_diagnosed(&b, "server.bad_handshake_response");
    let attempts = b.report["attempts"].as_array().expect("attempts");
    assert!(attempts.len() >= 5);
    for a in attempts {
        if a["outcome"]["kind"] == "protocol_violation" {
            assert_eq!(a["outcome"]["error"], "response_too_large", "{a}");
        }
    }
}

#[test]
fn a_one_gib_body_that_streams_keeps_only_the_excerpt() {
    let s = HostileServer::start(Hostile::HugeBody { status: 403 });
    let b = run_bounded(&["--quick", &s.ws_url("/ws")]);
    assert_eq!(b.code, 1);
    let a = baseline(&b.report);
    assert_eq!(a["outcome"]["kind"], "rejected", "{a}");
    assert_eq!(a["outcome"]["status"], 403);
    assert_eq!(a["response"]["body_truncated"], true, "{a}");
    let excerpt = a["outcome"]["body_excerpt"].as_str().unwrap_or_default();
    assert!(excerpt.len() <= 8 * 1024 && excerpt.starts_with("xxx"));
    // A 403 to a request without any credential.
    assert_eq!(
        cause(&b),
        "auth.missing_credentials",
        "{}",
        b.report["diagnosis"]
    );
}

#[test]
fn random_bytes_instead_of_http_is_a_bad_handshake_response() {
    let s = HostileServer::start(Hostile::Random { len: 4096 });
    let b = run_bounded(&["--quick", &s.ws_url("/ws")]);
    assert_diagnosed(&b, "server.bad_handshake_response");
    assert_eq!(error_class(&b), "malformed_response");
}

#[test]
fn an_invalid_status_line_is_a_bad_handshake_response() {
    let s = HostileServer::start(Hostile::Reply(
        b"HTTP/1.1 1O1 Switching Protocols\r\nUpgrade: websocket\r\n\r\n".to_vec(),
    ));
    let b = run_bounded(&["--quick", &s.ws_url("/ws")]);
    assert_diagnosed(&b, "server.bad_handshake_response");
    assert_eq!(error_class(&b), "malformed_response");
}

#[test]
fn a_bare_html_body_without_a_status_line_is_a_bad_handshake_response() {
    let s = HostileServer::start(Hostile::Reply(
        b"<!doctype html><html><body><h1>It works!</h1></body></html>\n".to_vec(),
    ));
    let b = run_bounded(&["--quick", &s.ws_url("/ws")]);
    assert_diagnosed(&b, "server.bad_handshake_response");
    assert_eq!(error_class(&b), "malformed_response");
}

#[test]
fn bare_lf_lines_with_a_nul_byte_are_a_bad_handshake_response() {
    let s = HostileServer::start(Hostile::Reply(
        b"HTTP/1.1 101 Switching Protocols\nUpgrade: websocket\nX-Bad: a\0b\nConnection: Upgrade\n\n"
            .to_vec(),
    ));
    let b = run_bounded(&["--quick", &s.ws_url("/ws")]);
    assert_diagnosed(&b, "server.bad_handshake_response");
    assert_eq!(error_class(&b), "malformed_response");
}

#[test]
fn a_close_right_after_accept_is_diagnosed() {
    let s = HostileServer::start(Hostile::CloseAtOnce);
    let b = run_bounded(&["--quick", &s.ws_url("/ws")]);
    assert_eq!(b.code, 1);
    let a = baseline(&b.report);
    assert_eq!(a["outcome"]["kind"], "protocol_violation", "{a}");
    assert!(
        ["connection_closed", "connection_reset"].contains(&error_class(&b)),
        "{a}"
    );
    assert!(
        ["server.bad_handshake_response", "tcp.reset"].contains(&cause(&b)),
        "{}",
        b.report["diagnosis"]
    );
}

#[test]
fn a_reset_after_the_request_is_diagnosed() {
    let s = HostileServer::start(Hostile::ResetAfterRequest);
    let b = run_bounded(&["--quick", &s.ws_url("/ws")]);
    assert_eq!(b.code, 1);
    assert_eq!(error_class(&b), "connection_reset", "{}", b.report);
    assert!(
        ["server.bad_handshake_response", "tcp.reset"].contains(&cause(&b)),
        "{}",
        b.report["diagnosis"]
    );
}

#[test]
fn a_101_with_a_wrong_accept_key_is_a_bad_handshake_response() {
    let s = HostileServer::start(Hostile::Reply(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n"
            .to_vec(),
    ));
    let b = run_bounded(&["--quick", &s.ws_url("/ws")]);
    assert_diagnosed(&b, "server.bad_handshake_response");
    assert_eq!(error_class(&b), "bad_accept_key");
}

#[test]
fn a_101_with_a_wrong_accept_key_with_the_full_matrix() {
    let s = HostileServer::start(Hostile::Reply(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n"
            .to_vec(),
    ));
    let b = run_bounded(&["--close-wait", "300ms", &s.ws_url("/ws")]);
    assert_diagnosed(&b, "server.bad_handshake_response");
    assert!(b.report["attempts"].as_array().expect("attempts").len() >= 5);
}

#[test]
fn a_101_then_a_frame_announcing_two_to_the_63_bytes_is_a_protocol_violation() {
    // FIN + binary, 127 = 64-bit length follows: 2^63 (the top bit set, which RFC 6455 forbids).
    let mut frame = vec![0x82, 127];
    frame.extend_from_slice(&(1u64 << 63).to_be_bytes());
    let s = HostileServer::start(Hostile::AcceptThen(frame));
    let b = run_bounded(&["--close-wait", "1s", &s.ws_url("/ws")]);
    assert_eq!(b.code, 1, "{}", b.report);
    let a = baseline(&b.report);
    assert_eq!(a["outcome"]["kind"], "protocol_violation", "{a}");
    assert_eq!(stage(a, "upgrade")["status"], "ok");
    assert_eq!(
        cause(&b),
        // The 101 itself is one a browser opens; what follows is no WebSocket: a failure after
        // the upgrade (issue 24 failure kind 6), not a bad handshake.
        "server.closed_after_upgrade",
        "{}",
        b.report["diagnosis"]
    );
}

#[test]
fn a_101_then_random_bytes_is_a_protocol_violation() {
    let s = HostileServer::start(Hostile::AcceptThenRandom { len: 64 * 1024 });
    let b = run_bounded(&["--close-wait", "1s", &s.ws_url("/ws")]);
    assert_eq!(b.code, 1, "{}", b.report);
    let a = baseline(&b.report);
    assert_eq!(a["outcome"]["kind"], "protocol_violation", "{a}");
    assert_eq!(
        cause(&b),
        // The 101 itself is one a browser opens; what follows is no WebSocket: a failure after
        // the upgrade (issue 24 failure kind 6), not a bad handshake.
        "server.closed_after_upgrade",
        "{}",
        b.report["diagnosis"]
    );
}

#[test]
fn a_101_then_a_flood_of_pings_is_a_server_fault_with_its_rate_and_a_short_watch() {
    let s = HostileServer::start(Hostile::AcceptThenPingFlood { max: 1 << 20 });
    let b = run_bounded(&["--close-wait", "2s", &s.ws_url("/ws")]);
    // Legal frames, so the attempt upgraded (a browser opens it); but thousands of pings a second
    // is the server's fault, and the watch stops at the flood window instead of answering pongs
    // through the close-wait.
    let a = baseline(&b.report);
    assert_eq!(a["outcome"]["kind"], "upgraded", "{a}");
    assert_eq!(cause(&b), "server.ping_flood", "{}", b.report["diagnosis"]);
    assert_eq!(b.code, 1);
    let end = &a["session"]["end"];
    assert_eq!(end["kind"], "ping_flood", "{a}");
    let pings = end["pings"].as_u64().unwrap_or_default();
    assert!((20..=25).contains(&pings), "stopped at the window: {end}");
    assert!(
        end["per_second"].as_f64().unwrap_or_default() >= 1000.0,
        "{end}"
    );
    assert!(
        a["session"]["watched_ms"].as_f64().unwrap_or(f64::MAX) < 1000.0,
        "{a}"
    );
    // Healthy was considered and the flood contradicts it.
    let considered = b.report["diagnosis"]["considered"].to_string();
    assert!(considered.contains("ok.healthy"), "{considered}");
    assert!(
        b.elapsed < TIMEOUT,
        "the flood window, not the deadline, ended it"
    );
}

#[test]
fn a_101_then_a_close_frame_with_an_oversized_reason_is_cut() {
    let mut frame = close_frame(1008, "");
    // A close frame must be ≤ 125 bytes; announce 126 (16-bit length) with a long reason.
    frame[1] = 126;
    let reason = "r".repeat(300);
    frame.splice(2..2, ((reason.len() + 2) as u16).to_be_bytes());
    frame.extend_from_slice(reason.as_bytes());
    let s = HostileServer::start(Hostile::AcceptThen(frame));
    let b = run_bounded(&["--close-wait", "1s", &s.ws_url("/ws")]);
    // A malformed close frame after an acceptable 101: a failure after the upgrade.
    assert_diagnosed(&b, "server.closed_after_upgrade");
    let text = b.report.to_string();
    assert!(!text.contains(&"r".repeat(124)), "{text}");
}

#[test]
fn random_bytes_where_a_tls_server_hello_belongs_fail_the_tls_stage() {
    let s = HostileServer::start(Hostile::RandomInsteadOfServerHello { first: 0x9c });
    let url = format!("wss://127.0.0.1:{}/ws", s.port());
    let b = run_bounded(&["--quick", &url]);
    assert_eq!(b.code, 1);
    let a = baseline(&b.report);
    assert_eq!(a["outcome"]["kind"], "tls_error", "{a}");
    assert_eq!(stage(a, "tls")["status"], "failed");
    assert_eq!(cause(&b), "tls.not_tls", "{}", b.report["diagnosis"]);
}

#[test]
fn random_bytes_where_a_tls_server_hello_belongs_with_the_full_matrix() {
    let s = HostileServer::start(Hostile::RandomInsteadOfServerHello { first: 0x9c });
    let url = format!("wss://127.0.0.1:{}/ws", s.port());
    let b = run_bounded(&[&url]);
    assert_eq!(b.code, 1);
    assert_eq!(cause(&b), "tls.not_tls", "{}", b.report["diagnosis"]);
}

#[test]
fn a_tls_record_header_followed_by_noise_is_a_failed_handshake() {
    let s = HostileServer::start(Hostile::RandomInsteadOfServerHello { first: 0x16 });
    let url = format!("wss://127.0.0.1:{}/ws", s.port());
    let b = run_bounded(&["--quick", &url]);
    assert_diagnosed(&b, "tls.handshake_failed");
    assert_eq!(error_class(&b), "handshake_failed");
}

#[test]
fn the_random_bytes_helper_is_deterministic_and_not_constant() {
    let a = random_bytes(42, 64);
    assert_eq!(a, random_bytes(42, 64));
    assert_ne!(a, random_bytes(43, 64));
    assert!(a.iter().any(|b| *b != a[0]));
}

// ---- secrets and safety -------------------------------------------------------------------------

const TOKEN: &str = "tok-Zq8mW3vK9pXr";
const COOKIE: &str = "ck-Hb7nQ2sL5tYe";
const TICKET: &str = "tkt-Pd4fR6gJ1wUc";

/// Every format and trace-level logging, against a server that reflects the request (and so every
/// credential placement) back in its headers and body: no secret may appear anywhere.
#[test]
fn no_output_format_or_log_level_leaks_the_token_cookie_or_ticket() {
    let tickets = crate::support::raw::RawServer::http(
        200,
        "OK",
        &[("Content-Type", "application/json")],
        &format!(r#"{{"ticket":"{TICKET}"}}"#),
    );
    let echo = HostileServer::start(Hostile::EchoRequest { status: 403 });
    let ticket_url = format!("http://127.0.0.1:{}/ticket", tickets.port());
    let cookie = format!("Cookie: session={COOKIE}");
    let url = echo.ws_url("/ws?room=1");
    for format in ["human", "json", "markdown", "junit", "github"] {
        for (flow, extra) in [
            ("token", vec![]),
            ("ticket", vec!["--ticket-url", ticket_url.as_str()]),
        ] {
            let out = crate::support::wsdoctor()
                .env("WSD_SECRET_TOKEN", TOKEN)
                .args(["--token-env", "WSD_SECRET_TOKEN", "-H", &cookie])
                .args(["-vvv", "--color", "always", "--close-wait", "100ms"])
                .args(["--timeout", "5s", "--format", format])
                .args(&extra)
                .arg(&url)
                .output()
                .expect("wsdoctor runs");
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(!stdout.is_empty(), "{format}/{flow}: no output");
            assert!(
                stderr.contains("TRACE") || stderr.contains("DEBUG"),
                "{format}/{flow}: -vvv logged nothing: {stderr}"
            );
            for secret in [TOKEN, COOKIE, TICKET] {
                assert!(
                    !stdout.contains(secret),
                    "{format}/{flow}: {secret} leaked on stdout:\n{stdout}"
                );
                assert!(
                    !stderr.contains(secret),
                    "{format}/{flow}: {secret} leaked on stderr:\n{stderr}"
                );
            }
        }
    }
    // The servers really saw the secrets: the test above could otherwise pass vacuously.
    assert!(echo.connections() >= 10);
}

#[test]
fn a_redirect_is_reported_and_never_followed() {
    let elsewhere = HostileServer::start(Hostile::EchoRequest { status: 200 });
    let location = format!("ws://127.0.0.1:{}/ws", elsewhere.port());
    let redirect =
        crate::support::raw::RawServer::http(302, "Found", &[("Location", location.as_str())], "");
    let b = run_bounded(&[
        "--token",
        TOKEN,
        "--close-wait",
        "100ms",
        &redirect.ws_url("/ws"),
    ]);
    assert_diagnosed(&b, "proxy.redirect");
    let a = baseline(&b.report);
    assert_eq!(a["outcome"]["kind"], "redirected", "{a}");
    assert_eq!(elsewhere.connections(), 0, "the redirect was followed");
    assert!(!b.report.to_string().contains(TOKEN));
}

#[test]
fn no_credential_goes_to_a_health_url_on_another_host() {
    let target = HostileServer::start(Hostile::EchoRequest { status: 403 });
    let health = HostileServer::start_on("127.0.0.2", Hostile::EchoRequest { status: 200 });
    let health_url = format!("http://{}/health", health.thread.addr);
    let cookie = format!("Cookie: session={COOKIE}");
    let b = run_bounded(&[
        "--token",
        TOKEN,
        "-H",
        &cookie,
        "--health-url",
        &health_url,
        "--close-wait",
        "100ms",
        &target.ws_url("/ws"),
    ]);
    assert_eq!(b.code, 1);
    let seen = health.requests();
    assert!(!seen.is_empty(), "the health control did not run");
    for req in seen {
        assert!(
            !req.contains(TOKEN) && !req.contains(COOKIE),
            "a credential went to the health host:\n{req}"
        );
    }
    // The target itself did get the credential (so the check above is not vacuous).
    assert!(target.requests().iter().any(|r| r.contains(TOKEN)));
}

/// Every start of `secret` longer than 4 characters that occurs in `text`.
fn secret_prefixes_in(text: &str, secret: &str) -> Vec<String> {
    (5..=secret.len())
        .map(|n| &secret[..n])
        .filter(|p| text.contains(p))
        .map(str::to_string)
        .collect()
}

#[test]
fn a_token_echoed_across_the_excerpt_cut_is_redacted_whole() {
    // The body echoes the token so that all of it but its last character falls inside the
    // 8 KiB excerpt.
    let keep = 8 * 1024;
    let mut body = "a".repeat(keep - (TOKEN.len() - 1));
    body.push_str(TOKEN);
    body.push_str(&"b".repeat(100));
    let reply = format!(
        "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let server = HostileServer::start(Hostile::Reply(reply.into_bytes()));
    let b = run_bounded(&["--token", TOKEN, "--quick", &server.ws_url("/ws")]);
    let excerpt = baseline(&b.report)["response"]["body_excerpt"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        excerpt.starts_with("aaaa"),
        "no excerpt: {}",
        baseline(&b.report)
    );
    assert_eq!(baseline(&b.report)["response"]["body_truncated"], true);
    assert_eq!(
        secret_prefixes_in(&b.report.to_string(), TOKEN),
        Vec::<String>::new()
    );
    for format in ["markdown", "human"] {
        let out = crate::support::wsdoctor()
            .args(["--token", TOKEN, "--quick", "-vv", "--format", format])
            .arg(server.ws_url("/ws"))
            .output()
            .expect("wsdoctor runs");
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            secret_prefixes_in(&all, TOKEN),
            Vec::<String>::new(),
            "{format}"
        );
    }
}

#[test]
fn markdown_carries_no_live_html_or_link_from_a_server() {
    let evil = "<img src=x onerror=alert(1)> [link](http://evil.test) ```\n# owned";
    let reply = format!(
        "HTTP/1.1 403 Forbidden <b>x</b>\r\nServer: <script>alert(2)</script> [s](http://evil.test)\r\nContent-Length: {}\r\n\r\n{evil}",
        evil.len()
    );
    let server = HostileServer::start(Hostile::Reply(reply.into_bytes()));
    let out = crate::support::wsdoctor()
        .args([
            "--format",
            "markdown",
            "--close-wait",
            "100ms",
            "--timeout",
            "3s",
        ])
        .arg(server.ws_url("/ws"))
        .output()
        .expect("wsdoctor runs");
    let md = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(md.contains("403"), "{md}");
    // Outside fenced blocks nothing a server wrote is live.
    let mut in_fence: Option<String> = None;
    for line in md.lines() {
        let ticks: String = line.chars().take_while(|c| *c == '`').collect();
        if ticks.len() >= 3 {
            match &in_fence {
                Some(open) if ticks.len() >= open.len() && line.trim() == ticks => in_fence = None,
                None => in_fence = Some(ticks),
                _ => {}
            }
            continue;
        }
        if in_fence.is_some() {
            continue;
        }
        for live in ["<img", "<script", "<b>", "[link](", "[s](", "http://evil"] {
            assert!(
                !line.contains(live),
                "live {live} outside a fence: {line}\n{md}"
            );
        }
        assert!(
            !line.starts_with("# owned"),
            "a heading from the body:\n{md}"
        );
    }
    assert!(in_fence.is_none(), "a fence was left open:\n{md}");
}

// ---- the secrets sweep, extended (issue 26 point 7 of "done means") ----------------------------

const PASSWORD: &str = "pw-Kx5sD8eLq2Vn";
const HEADER_TOKEN: &str = "hf-Tg6yB1cMw9Za";
const HEADER_COOKIE: &str = "hc-Nj3pF7rXs4Qe";
const CONFIG_TOKEN: &str = "cf-Ua2hG5kYt8Lm";

/// Every form of `secret` that must not appear: itself, its base64 (alone and as `alice:` Basic),
/// its percent-encoding, its hex, and every start of it longer than 4 characters.
fn forms(secret: &str) -> Vec<String> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut out = vec![
        b64.encode(secret),
        b64.encode(format!("alice:{secret}")),
        percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
            .to_string(),
        secret.bytes().map(|b| format!("{b:02x}")).collect(),
    ];
    out.extend((5..=secret.len()).map(|n| secret[..n].to_string()));
    out
}

fn assert_no_secret(what: &str, text: &str, secrets: &[&str]) {
    for secret in secrets {
        for form in forms(secret) {
            assert!(
                !text.contains(&form),
                "{what}: '{form}' (a form of a secret) leaked:\n{text}"
            );
        }
    }
}

#[test]
fn the_secrets_sweep_covers_userinfo_header_files_truncation_and_config_errors() {
    let echo = HostileServer::start(Hostile::EchoRequest { status: 403 });
    let dir = tempfile::tempdir().expect("tempdir");
    let headers = dir.path().join("headers.txt");
    std::fs::write(
        &headers,
        format!("Authorization: Bearer {HEADER_TOKEN}\nCookie: session={HEADER_COOKIE}\n"),
    )
    .expect("write");
    let at_headers = format!("@{}", headers.display());
    let userinfo = format!("ws://alice:{PASSWORD}@{}/ws?room=1", echo.thread.addr);
    // A body that carries the token across the excerpt's cut.
    let mut body = "a".repeat(8 * 1024 - (TOKEN.len() - 1));
    body.push_str(TOKEN);
    body.push_str("tail");
    let cut = HostileServer::start(Hostile::Reply(
        format!(
            "HTTP/1.1 403 Forbidden\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    ));
    let cut_url = cut.ws_url("/ws");
    let echo_url = echo.ws_url("/ws");
    let runs: Vec<(&str, Vec<&str>)> = vec![
        ("userinfo", vec![userinfo.as_str()]),
        (
            "-H @FILE",
            vec!["-H", at_headers.as_str(), echo_url.as_str()],
        ),
        ("truncation", vec!["--token", TOKEN, cut_url.as_str()]),
    ];
    let all = [PASSWORD, HEADER_TOKEN, HEADER_COOKIE, TOKEN];
    for format in ["human", "json", "markdown", "junit", "github"] {
        for (name, args) in &runs {
            let report = dir
                .path()
                .join(format!("{name}-{format}.out").replace(' ', "_"));
            let out = crate::support::wsdoctor()
                .args(["-vvv", "--color", "always", "--close-wait", "100ms"])
                .args(["--timeout", "5s", "--format", format, "--output"])
                .arg(&report)
                .args(args)
                .output()
                .expect("wsdoctor runs");
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            let file = std::fs::read_to_string(&report).unwrap_or_default();
            assert!(
                !file.is_empty(),
                "{name}/{format}: no report written: {stderr}"
            );
            assert_no_secret(&format!("{name}/{format} stdout"), &stdout, &all);
            assert_no_secret(&format!("{name}/{format} stderr"), &stderr, &all);
            assert_no_secret(&format!("{name}/{format} file"), &file, &all);
        }
    }
    // The servers saw the credentials: the sweep is not vacuous.
    let seen = echo.requests().join("\n");
    assert!(seen.contains(HEADER_TOKEN) && seen.contains(HEADER_COOKIE));
    assert!(
        seen.contains(&forms(PASSWORD)[1]),
        "userinfo was not sent as Basic"
    );
    // Config errors: a broken check file and a broken header file holding a credential.
    let check = dir.path().join("check.toml");
    std::fs::write(
        &check,
        format!("[[target]]\nurl = \"{echo_url}\"\nheaders = [\"Authorization: Bearer {CONFIG_TOKEN}\"\n"),
    )
    .expect("write");
    let bad_headers = dir.path().join("bad.txt");
    std::fs::write(&bad_headers, format!("Bearer {CONFIG_TOKEN}\n")).expect("write");
    let at_bad = format!("@{}", bad_headers.display());
    for args in [
        vec!["-vvv", "check", check.to_str().unwrap_or_default()],
        vec!["-vvv", "-H", at_bad.as_str(), echo_url.as_str()],
    ] {
        let out = crate::support::wsdoctor()
            .args(&args)
            .output()
            .expect("wsdoctor runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_no_secret(&format!("{args:?}"), &text, &[CONFIG_TOKEN]);
    }
}
