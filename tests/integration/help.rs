//! Issue 12, point 13: help and the curl spellings, through the binary. Grouped options, a
//! usage line that is valid, EXIT STATUS in --help and the man page, typo suggestions, bare
//! `wsdoctor`, a URL without a scheme, per-command format lists, and -u, -A, -m, --connect-timeout,
//! -4/-6, --capath and -s doing what curl's do.

#![expect(
    clippy::expect_used,
    reason = "test helpers: a failed setup must fail the test loudly"
)]

use std::time::{Duration, Instant};

use crate::support::scripted::{response, ScriptedServer, Step};
use crate::support::tls::{TestCa, TlsWsServer, HOST};
use crate::support::ws::Behaviour;
use crate::support::{baseline, probe_json, stage, wsdoctor};

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = wsdoctor().args(args).output().expect("run wsdoctor");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn bare_wsdoctor_prints_a_short_usage_and_exits_2() {
    let (code, stdout, stderr) = run(&[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("Usage: wsdoctor [OPTIONS] <URL>"),
        "{stderr}"
    );
    assert!(stderr.contains("wsdoctor demo"), "{stderr}");
    assert!(
        stderr.lines().count() < 12,
        "short, not the full help:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"));
}

#[test]
fn a_mistyped_flag_is_answered_with_the_flag_it_resembles() {
    let (code, _, stderr) = run(&["--orgin", "https://a.test", "ws://127.0.0.1:9/ws"]);
    assert_eq!(code, Some(2));
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(
        stderr.contains("'--orgin'") && stderr.contains("'--origin'"),
        "{stderr}"
    );
}

#[test]
fn a_url_without_a_scheme_gets_did_you_mean_ws_or_wss_for_port_443() {
    let (code, _, stderr) = run(&["example.com/ws"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("did you mean ws://example.com/ws?"),
        "{stderr}"
    );
    let (_, _, stderr) = run(&["localhost:8080/ws"]);
    assert!(
        stderr.contains("did you mean ws://localhost:8080/ws?"),
        "{stderr}"
    );
    let (_, _, stderr) = run(&["example.com:443/ws"]);
    assert!(
        stderr.contains("did you mean wss://example.com:443/ws?"),
        "{stderr}"
    );
}

#[test]
fn help_groups_the_options_has_a_valid_usage_and_an_exit_status_section() {
    let (code, help, _) = run(&["--help"]);
    assert_eq!(code, Some(0));
    for heading in [
        "Target:",
        "Credentials:",
        "Origin:",
        "Network:",
        "TLS:",
        "Variants:",
        "Output:",
        "Assertions:",
    ] {
        assert!(
            help.lines().any(|l| l == heading),
            "no '{heading}' heading in --help:\n{help}"
        );
    }
    // The usage lines are commands a user can type: a URL or a command, never both.
    let usage: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Usage:"))
        .take_while(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(
        usage,
        [
            "Usage: wsdoctor [OPTIONS] <URL>",
            "       wsdoctor <COMMAND> [ARGS]"
        ],
        "{help}"
    );
    assert!(help.contains("Exit status:"), "{help}");
    for code in ["0 ", "1 ", "2 ", "130 "] {
        assert!(
            help.lines()
                .skip_while(|l| !l.starts_with("Exit status:"))
                .any(|l| l.trim_start().starts_with(code)),
            "exit status {code} not documented:\n{help}"
        );
    }
    let (_, short, _) = run(&["-h"]);
    assert!(short.contains("130 interrupted"), "{short}");
    let (code, man, _) = run(&["man"]);
    assert_eq!(code, Some(0));
    assert!(
        man.contains(".SH \"EXIT STATUS\""),
        "no EXIT STATUS in the man page"
    );
    assert!(man.contains("130"), "{man}");
}

#[test]
fn each_command_lists_and_accepts_only_the_formats_it_writes() {
    let (_, demo, _) = run(&["demo", "--help"]);
    let formats = |help: &str| -> Vec<String> {
        help.lines()
            .skip_while(|l| !l.contains("--format <FORMAT>"))
            .take_while(|l| !l.contains("[default: human]"))
            .filter_map(|l| l.trim().strip_prefix("- "))
            .filter_map(|l| l.split(':').next())
            .map(str::to_string)
            .collect()
    };
    assert_eq!(
        formats(&demo),
        ["human", "json", "markdown", "github"],
        "{demo}"
    );
    let (code, _, stderr) = run(&["demo", "--format", "junit"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("possible values: human, json, markdown, github"),
        "{stderr}"
    );
    let (_, check, _) = run(&["check", "--help"]);
    assert_eq!(
        formats(&check),
        ["human", "json", "markdown", "junit", "github"]
    );
    assert!(check.contains("wsdoctor.check/v1"), "{check}");
    let (_, probe, _) = run(&["probe", "--help"]);
    assert!(probe.contains("wsdoctor.report/v1"), "{probe}");
    assert!(!probe.contains("wsdoctor.check/v1 JSON object"), "{probe}");
}

/// A server that answers 401 and echoes the Authorization header it got in the body.
fn echoing_401() -> ScriptedServer {
    ScriptedServer::http(|req| {
        let echoed = format!(
            "bad credentials: {}",
            req.header("authorization").unwrap_or("-")
        );
        vec![Step::Write(response(401, "Unauthorized", &[], &echoed))]
    })
}

#[test]
fn dash_u_sends_http_basic_and_never_shows_the_password_or_its_encoding() {
    let server = echoing_401();
    let password = "pw-Zq7xK2pL9vR4";
    // base64("alice:pw-Zq7xK2pL9vR4")
    let encoded = "YWxpY2U6cHctWnE3eEsycEw5dlI0";
    for format in ["human", "json"] {
        let (_, stdout, stderr) = run(&[
            "-u",
            &format!("alice:{password}"),
            "--format",
            format,
            "-vv",
            &server.ws_url("/ws"),
        ]);
        assert!(!stdout.is_empty(), "{stderr}");
        for leak in [password, encoded] {
            assert!(
                !stdout.contains(leak),
                "{format}: {leak} on stdout:\n{stdout}"
            );
            assert!(
                !stderr.contains(leak),
                "{format}: {leak} on stderr:\n{stderr}"
            );
        }
    }
    let sent: Vec<String> = server
        .requests()
        .iter()
        .filter_map(|r| r.header("authorization").map(str::to_string))
        .collect();
    assert!(
        sent.iter().any(|a| a == &format!("Basic {encoded}")),
        "the baseline sends Authorization: Basic base64(user:pass): {sent:?}"
    );
    let (code, _, stderr) = run(&["-u", "alice", "ws://127.0.0.1:9/ws"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("user:password"), "{stderr}");
    let (code, _, stderr) = run(&["-u", "a:b", "--token", "t", "ws://127.0.0.1:9/ws"]);
    assert_eq!(code, Some(2), "-u and --token are one credential: {stderr}");
}

#[test]
fn dash_a_replaces_the_user_agent_and_an_explicit_header_wins() {
    let server = ScriptedServer::http(|req| {
        if req.is_upgrade() {
            vec![Step::Switch(vec![]), Step::Session]
        } else {
            vec![Step::Write(response(404, "Not Found", &[], ""))]
        }
    });
    let url = server.ws_url("/ws");
    let (report, code) = probe_json(&["--quick", "-A", "my-agent/1.0", &url]);
    assert_eq!(code, 0, "{report}");
    let agents: Vec<Vec<String>> = server
        .requests()
        .iter()
        .map(|r| {
            r.headers
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case("user-agent"))
                .map(|(_, v)| v.clone())
                .collect()
        })
        .collect();
    assert_eq!(agents, [vec!["my-agent/1.0".to_string()]]);
    let _ = probe_json(&["--quick", "-A", "x", "-H", "User-Agent: y", &url]);
    let last = server.requests().last().cloned().unwrap();
    assert_eq!(last.header("user-agent"), Some("y"));
}

#[test]
fn dash_m_is_the_overall_time_limit() {
    let server = ScriptedServer::http(|_| vec![Step::Hang]);
    let started = Instant::now();
    let (report, code) = probe_json(&["--quick", "-m", "1", &server.ws_url("/ws")]);
    assert_eq!(code, 1);
    assert_eq!(baseline(&report)["outcome"]["kind"], "timeout", "{report}");
    assert!(started.elapsed() < Duration::from_secs(10));
    let (report, _) = probe_json(&["--quick", "--max-time", "1", &server.ws_url("/ws")]);
    assert_eq!(baseline(&report)["outcome"]["stage"], "upgrade");
}

#[test]
fn connect_timeout_bounds_the_tls_handshake_not_the_whole_run() {
    // Reads the ClientHello and never answers it.
    let server = ScriptedServer::raw(|_| vec![Step::Hang]);
    let url = format!("wss://127.0.0.1:{}/ws", server.port());
    let started = Instant::now();
    let (report, code) = probe_json(&[
        "--quick",
        "--timeout",
        "30s",
        "--connect-timeout",
        "500ms",
        &url,
    ]);
    assert_eq!(code, 1);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "--connect-timeout must end the handshake long before --timeout"
    );
    let a = baseline(&report);
    assert_eq!(a["outcome"]["kind"], "timeout", "{a}");
    assert_eq!(a["outcome"]["stage"], "tls", "{a}");
}

#[test]
fn dash_4_and_dash_6_keep_one_address_family() {
    let (report, code) = probe_json(&["--quick", "-6", "ws://127.0.0.1:9/ws"]);
    assert_eq!(code, 1);
    let dns = stage(baseline(&report), "dns");
    assert_eq!(dns["status"], "failed", "{dns}");
    assert!(
        dns["summary"]
            .as_str()
            .unwrap()
            .contains("no IPv6 address (-6)"),
        "{dns}"
    );
    let server = ScriptedServer::http(|_| vec![Step::Write(response(403, "Forbidden", &[], ""))]);
    let port = server.port();
    let resolve = format!("two.test:{port}:[::1],127.0.0.1");
    let (report, _) = probe_json(&[
        "--quick",
        "-4",
        "--resolve",
        &resolve,
        &format!("ws://two.test:{port}/ws"),
    ]);
    let a = baseline(&report);
    assert_eq!(
        a["dns"]["addresses"],
        serde_json::json!(["127.0.0.1"]),
        "{a}"
    );
    assert_eq!(a["outcome"]["status"], 403, "{a}");
    let (code, _, _) = run(&["-4", "-6", "ws://127.0.0.1:9/ws"]);
    assert_eq!(code, Some(2), "-4 and -6 conflict");
}

#[test]
fn capath_trusts_the_certificates_in_a_directory() {
    let ca = TestCa::new("wsdoctor capath CA");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("README"), "not a certificate").unwrap();
    std::fs::copy(ca.pem_file().path(), dir.path().join("ca.pem")).unwrap();
    let server = TlsWsServer::start(ca.valid_leaf(&[HOST]), Behaviour::Echo);
    let (url, resolve) = server.url_and_resolve("/ws");
    let (report, code) = probe_json(&[
        "--quick",
        "--resolve",
        &resolve,
        "--capath",
        dir.path().to_str().unwrap(),
        &url,
    ]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(stage(baseline(&report), "tls")["status"], "ok");
    let empty = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(&["--capath", empty.path().to_str().unwrap(), &url]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--capath"), "{stderr}");
}

#[test]
fn silent_keeps_notes_off_stderr_but_not_errors() {
    let url = "http://127.0.0.1:9/ws";
    let (_, _, stderr) = run(&["--quick", url]);
    assert!(stderr.contains("note:"), "{stderr}");
    let (_, stdout, stderr) = run(&["-s", "--quick", url]);
    assert!(stderr.is_empty(), "-s: {stderr}");
    assert!(!stdout.is_empty(), "the report still comes");
    let (code, _, stderr) = run(&["-s", "example.com/ws"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("did you mean"),
        "errors still print: {stderr}"
    );
}
