//! `wsdoctor check` and the assertion flags through the binary, against in-process loopback
//! servers: a 20-target check file with mixed expectations (summary, exit codes, JSON validated
//! against docs/check.v1.schema.json, JUnit parsed back), config errors (exit 2 with the line),
//! `--output` refusing to clobber, completions and the man page, and a secret that must not appear
//! in any format, log or file.

#![expect(
    clippy::unwrap_used,
    reason = "integration tests: a failed setup or parse is the test's failure"
)]

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::raw::{accept_head, read_request, RawServer};
use crate::support::ws::{Behaviour, WsServer};
use crate::support::{refused_port, wsdoctor, ServerThread};

/// Accepts the upgrade only when the request's Origin is `allowed` (gorilla's CheckOrigin shape);
/// anything else gets a 403 before the upgrade.
fn origin_checking_server(allowed: &'static str) -> ServerThread {
    ServerThread::spawn(move |listener| async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let req = read_request(&mut stream).await;
                let text = String::from_utf8_lossy(&req).to_ascii_lowercase();
                let ok = text
                    .lines()
                    .any(|l| l.trim() == format!("origin: {allowed}"));
                if ok {
                    let _ = stream.write_all(&accept_head(&req)).await;
                    let mut sink = [0u8; 1024];
                    while let Ok(n) = stream.read(&mut sink).await {
                        if n == 0 {
                            break;
                        }
                    }
                } else {
                    let body = "Forbidden\n";
                    let reply = format!("HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
                    let _ = stream.write_all(reply.as_bytes()).await;
                }
            });
        }
    })
}

/// Answers 401 to an upgrade without `Authorization`, upgrades with it, and echoes the request
/// it refused in the 403 body of a wrong credential, so a leak of the credential would show.
fn auth_server(token: &'static str) -> ServerThread {
    ServerThread::spawn(move |listener| async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let req = read_request(&mut stream).await;
                let text = String::from_utf8_lossy(&req).to_string();
                let has_any =
                    text.to_ascii_lowercase().contains("authorization:") || text.contains("token=");
                let has_right = text.contains(token);
                let upgrade = text.to_ascii_lowercase().contains("upgrade: websocket");
                let reply = if !upgrade {
                    // A plain GET carries the credential too: echo it back as a careless app would.
                    format!("HTTP/1.1 400 Bad Request\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}", text.len()).into_bytes()
                } else if has_right {
                    accept_head(&req)
                } else if has_any {
                    format!("HTTP/1.1 403 Forbidden\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}", text.len()).into_bytes()
                } else {
                    b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec()
                };
                let _ = stream.write_all(&reply).await;
                if has_right && upgrade {
                    let mut sink = [0u8; 1024];
                    while let Ok(n) = stream.read(&mut sink).await {
                        if n == 0 {
                            break;
                        }
                    }
                }
            });
        }
    })
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

fn json_of(stdout: &[u8]) -> Value {
    serde_json::from_slice(stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", String::from_utf8_lossy(stdout)))
}

/// Validates a `wsdoctor.check/v1` object, resolving the report schema it references.
pub(crate) fn assert_valid_check(value: &Value) {
    struct Local;
    impl jsonschema::Retrieve for Local {
        fn retrieve(
            &self,
            uri: &jsonschema::Uri<String>,
        ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
            if uri.as_str() == "urn:wsdoctor:report:v1" {
                let text = std::fs::read_to_string(
                    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/report.v1.schema.json"),
                )?;
                return Ok(serde_json::from_str(&text)?);
            }
            Err(format!("unexpected reference {uri}").into())
        }
    }
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/check.v1.schema.json"),
    )
    .unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    assert!(
        jsonschema::meta::is_valid(&schema),
        "check schema is not a valid JSON Schema"
    );
    let validator = jsonschema::options()
        .with_retriever(Local)
        .build(&schema)
        .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "schema errors: {errors:#?}");
}

/// The servers of the 20-target file, kept alive for the test's duration.
struct Lab {
    echo: WsServer,
    closer: WsServer,
    origin: ServerThread,
    auth: ServerThread,
    not_found: RawServer,
    refused: u16,
}

const ALLOWED_ORIGIN: &str = "https://app.example";
const TOKEN: &str = "tok-4f9a1c-very-secret-value";

impl Lab {
    fn start() -> Lab {
        Lab {
            echo: WsServer::start(Behaviour::Echo),
            closer: WsServer::start(Behaviour::Close(1011, "internal".into())),
            origin: origin_checking_server(ALLOWED_ORIGIN),
            auth: auth_server(TOKEN),
            not_found: RawServer::http(
                404,
                "Not Found",
                &[("Server", "nginx")],
                "<html>404</html>",
            ),
            refused: refused_port(),
        }
    }

    /// 20 targets; the names of the ones that must fail start with `bad-`.
    fn check_file(&self) -> String {
        let echo = self.echo.url("/ws");
        let closer = self.closer.url("/ws");
        let origin = format!("ws://127.0.0.1:{}/ws", self.origin.port());
        let auth = format!("ws://127.0.0.1:{}/ws", self.auth.port());
        let nf = self.not_found.ws_url("/ws");
        let refused = format!("ws://127.0.0.1:{}/ws", self.refused);
        format!(
            r#"# 20 loopback targets with mixed expectations
[defaults]
timeout = "5s"
close_wait = "200ms"

[[target]]
name = "echo-implicit-ok"
url = "{echo}"

[[target]]
name = "echo-ok"
url = "{echo}"
expect = "ok"

[[target]]
name = "echo-budget"
url = "{echo}"
expect = "ok"
max_handshake_ms = 5000

[[target]]
name = "echo-quick"
url = "{echo}"
quick = true
expect_cause = "ok.healthy"

[[target]]
name = "echo-with-headers"
url = "{echo}"
headers = {{ "X-Trace" = "abc" }}
subprotocols = []

[[target]]
name = "bad-echo-budget-zero"
url = "{echo}"
max_handshake_ms = 0

[[target]]
name = "bad-echo-origin-open"
url = "{echo}"
expect_origin_rejected = ["https://evil.example"]

[[target]]
name = "origin-enforced"
url = "{origin}"
origin = "{ALLOWED_ORIGIN}"
expect = "ok"
expect_origin_rejected = ["https://evil.example", "null"]

[[target]]
name = "origin-extra-variant"
url = "{origin}"
origin = "{ALLOWED_ORIGIN}"
expect_origin_rejected = ["https://partner.example"]

[[target]]
name = "origin-without-origin-is-a-fault"
url = "{origin}"
expect = "fault"

[[target]]
name = "auth-required"
url = "{auth}"
expect_status_without_credentials = 401
expect_cause = "auth.missing_credentials"

[[target]]
name = "auth-with-token"
url = "{auth}"
token_env = "WSDOCTOR_CHECK_TOKEN"
expect = "ok"
expect_status_without_credentials = 401

[[target]]
name = "auth-with-token-in-query"
url = "{auth}"
token_env = "WSDOCTOR_CHECK_TOKEN"
auth = "query"
expect = "ok"

[[target]]
name = "bad-auth-wrong-status"
url = "{auth}"
expect_status_without_credentials = 403

[[target]]
name = "not-found"
url = "{nf}"
expect = "fault"

[[target]]
name = "bad-not-found-expected-ok"
url = "{nf}"
expect = "ok"

[[target]]
name = "refused"
url = "{refused}"
expect = "tcp.refused"

[[target]]
name = "bad-refused-expected-ok"
url = "{refused}"

[[target]]
name = "closer"
url = "{closer}"
expect = "fault"

[[target]]
name = "bad-closer-wrong-cause"
url = "{closer}"
expect_cause = "auth.closed_after_upgrade"
"#
        )
    }
}

fn run_check(file: &str, extra: &[&str]) -> std::process::Output {
    wsdoctor()
        .arg("check")
        .arg(file)
        .args(extra)
        .env("WSDOCTOR_CHECK_TOKEN", TOKEN)
        .output()
        .unwrap()
}

#[test]
fn a_check_of_twenty_targets_fails_exactly_the_broken_expectations() {
    let lab = Lab::start();
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "check.toml", &lab.check_file());

    let out = run_check(&file, &["--format", "json", "--jobs", "6"]);
    let check = json_of(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_valid_check(&check);
    assert_eq!(check["schema"], "wsdoctor.check/v1");
    assert_eq!(check["passed"], false);
    let targets = check["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 20);
    let mut failed = Vec::new();
    let mut causes = BTreeMap::new();
    for t in targets {
        let name = t["name"].as_str().unwrap().to_string();
        let expectations = t["expectations"].as_array().unwrap();
        let passed = expectations.iter().all(|e| e["passed"] == true);
        if !passed {
            failed.push(name.clone());
        }
        causes.insert(
            name,
            t["report"]["diagnosis"]["cause"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let expected_failed: Vec<String> = targets
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .filter(|n| n.starts_with("bad-"))
        .collect();
    assert_eq!(failed, expected_failed, "causes: {causes:#?}\n{check:#}");
    // Names are in file order, whatever order the jobs finished in.
    assert_eq!(targets[0]["name"], "echo-implicit-ok");
    assert_eq!(targets[19]["name"], "bad-closer-wrong-cause");
    assert_eq!(causes["refused"], "tcp.refused");
    assert_eq!(causes["auth-required"], "auth.missing_credentials");

    let by_name = |n: &str| targets.iter().find(|t| t["name"] == n).unwrap();
    // The implicit expectation is `expect = ok`.
    assert_eq!(
        by_name("echo-implicit-ok")["expectations"][0]["name"],
        "expect = ok"
    );
    // An Origin that is not in the matrix got its own variant.
    let extra = by_name("origin-extra-variant");
    let attempts = extra["report"]["attempts"].as_array().unwrap();
    assert!(attempts
        .iter()
        .any(|a| a["variant"]["id"] == "origin.extra.0"
            && a["variant"]["origin"] == "https://partner.example"
            && a["outcome"]["status"] == 403));
    let open = by_name("bad-echo-origin-open");
    assert!(open["expectations"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("was accepted"));

    // Human: the summary line and the table, then details of the failing targets only.
    let out = run_check(&file, &["--color", "never"]);
    assert_eq!(out.status.code(), Some(1));
    let human = String::from_utf8(out.stdout).unwrap();
    assert!(
        human.starts_with("wsdoctor check · 20 targets · 14 passed, 6 failed · "),
        "{human}"
    );
    for t in targets {
        let name = t["name"].as_str().unwrap();
        let row = human
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no row for {name}:\n{human}"));
        let word = if name.starts_with("bad-") {
            "✗ FAIL"
        } else {
            "✓ pass"
        };
        assert!(row.contains(word) && row.contains(&causes[name]), "{row}");
        assert_eq!(
            human.contains(&format!("\n✗ {name}\n")),
            name.starts_with("bad-"),
            "details only for failing targets: {name}"
        );
    }
    // stderr is not a terminal here: no progress.
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // JUnit: a suite per target, a case per expectation, parsed back by a real XML parser.
    let out = run_check(&file, &["--format", "junit"]);
    let xml = String::from_utf8(out.stdout).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let suites: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert_eq!(suites.len(), 20);
    let cases = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .count();
    let expectations: usize = targets
        .iter()
        .map(|t| t["expectations"].as_array().unwrap().len())
        .sum();
    assert_eq!(cases, expectations);
    let failing_suites: Vec<&str> = suites
        .iter()
        .filter(|s| s.attribute("failures") != Some("0"))
        .filter_map(|s| s.attribute("name"))
        .collect();
    assert_eq!(
        failing_suites,
        expected_failed
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
    );
    let failure = doc
        .descendants()
        .find(|n| n.has_tag_name("failure"))
        .unwrap();
    assert!(failure.attribute("type").is_some_and(|t| t.contains('.')));

    // GitHub: one ::error per failed expectation.
    let out = run_check(&file, &["--format", "github"]);
    let gh = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        gh.lines().filter(|l| l.starts_with("::error ")).count(),
        6,
        "{gh}"
    );

    // Markdown: the table and a section per failing target.
    let out = run_check(&file, &["--format", "markdown"]);
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.starts_with("# wsdoctor check: 14 of 20 targets passed\n"));
    assert_eq!(md.matches("\n## ✗ ").count(), 6);
}

#[test]
fn a_check_where_every_expectation_holds_exits_0() {
    let echo = WsServer::start(Behaviour::Echo);
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "ok.toml",
        &format!(
            "[[target]]\nname = \"a\"\nurl = \"{}\"\nclose_wait = \"100ms\"\n\n[[target]]\nname = \"b\"\nurl = \"{}\"\nquick = true\nmax_handshake_ms = 5000\n",
            echo.url("/a"),
            echo.url("/b")
        ),
    );
    let out = run_check(&file, &["--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let check = json_of(&out.stdout);
    assert_valid_check(&check);
    assert_eq!(check["passed"], true);
}

#[test]
fn config_errors_exit_2_with_one_line_naming_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "[[target]]\nurl = \"ws://127.0.0.1:1/\"\nexpect = \"ok\n",
            "line 3",
        ),
        (
            "[[target]]\nurl = \"ws://127.0.0.1:1/\"\ntoken = \"inline\"\n",
            "inline secrets are not allowed",
        ),
        (
            "[[target]]\nurl = \"ws://127.0.0.1:1/\"\nexpect = \"auth.nope\"\n",
            "auth.nope",
        ),
        (
            "[[target]]\nurl = \"ws://127.0.0.1:1/\"\nsurprise = 1\n",
            "surprise",
        ),
        (
            "[[target]]\nurl = \"ws://127.0.0.1:1/\"\ntoken_env = \"WSDOCTOR_SURELY_UNSET_VAR\"\n",
            "WSDOCTOR_SURELY_UNSET_VAR",
        ),
    ];
    for (i, (text, needle)) in cases.iter().enumerate() {
        let file = write(dir.path(), &format!("bad{i}.toml"), text);
        let out = wsdoctor().args(["check", &file]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text}: {stderr}");
        assert!(stderr.contains(needle), "{needle} not in {stderr}");
        assert!(out.stdout.is_empty());
    }
    let out = wsdoctor()
        .args(["check", "/nonexistent/check.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn assertion_flags_make_a_probe_a_one_target_check() {
    let echo = WsServer::start(Behaviour::Echo);
    let url = echo.url("/ws");
    let out = wsdoctor()
        .args([
            &url,
            "--close-wait",
            "100ms",
            "--expect",
            "ok",
            "--max-handshake-ms",
            "5000",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let check = json_of(&out.stdout);
    assert_valid_check(&check);
    assert_eq!(
        check["targets"][0]["expectations"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let out = wsdoctor()
        .args([
            &url,
            "--close-wait",
            "100ms",
            "--expect-origin-rejected",
            "https://evil.example",
            "--color",
            "never",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let human = String::from_utf8(out.stdout).unwrap();
    assert!(
        human.contains(
            "✗ expect_origin_rejected = https://evil.example: origin.extra.0 was accepted"
        ),
        "{human}"
    );

    let out = wsdoctor()
        .args([&url, "--expect", "sideways"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = wsdoctor()
        .args([
            &url,
            "--quick",
            "--expect-status-without-credentials",
            "401",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn output_writes_the_report_to_a_new_file_and_a_verdict_line_to_stdout() {
    let url = format!("ws://127.0.0.1:{}/ws", refused_port());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json");
    let path_s = path.to_string_lossy().into_owned();
    let out = wsdoctor()
        .args([&url, "--format", "json", "--output", &path_s])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(
        stdout.starts_with("wsdoctor: fault tcp.refused (confidence "),
        "{stdout}"
    );
    assert!(stdout
        .trim_end()
        .ends_with(&format!("report written to {path_s}")));
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(report["diagnosis"]["cause"], "tcp.refused");

    // No clobbering without --force; the file is left as it was.
    std::fs::write(&path, "keep me").unwrap();
    let out = wsdoctor()
        .args([&url, "--output", &path_s])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "keep me");
    let out = wsdoctor()
        .args([
            &url, "--output", &path_s, "--force", "--format", "markdown", "--color", "always",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let md = std::fs::read_to_string(&path).unwrap();
    assert!(md.starts_with("# WebSocket diagnosis: "));
    assert!(!md.contains('\x1b'), "no colour codes in a file");

    // check --output too.
    let file = write(
        dir.path(),
        "c.toml",
        &format!("[[target]]\nurl = \"{url}\"\nexpect = \"tcp.refused\"\n"),
    );
    let xml = dir.path().join("check.xml");
    let out = wsdoctor()
        .args([
            "check",
            &file,
            "--format",
            "junit",
            "--output",
            &xml.to_string_lossy(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .starts_with("wsdoctor check: the one target passed · report written to "));
    roxmltree::Document::parse(&std::fs::read_to_string(&xml).unwrap()).unwrap();
}

#[test]
fn completions_and_man_page_are_generated() {
    for (shell, needle) in [
        ("bash", "_wsdoctor()"),
        ("zsh", "#compdef wsdoctor"),
        ("fish", "complete -c wsdoctor"),
    ] {
        let out = wsdoctor().args(["completions", shell]).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains(needle), "{shell}");
        assert!(
            text.contains("expect-origin-rejected"),
            "{shell} lacks the probe flags"
        );
    }
    let out = wsdoctor().arg("man").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let man = String::from_utf8(out.stdout).unwrap();
    assert!(
        man.starts_with(".ie \\n(.g .ds Aq \\(aq") || man.contains(".TH wsdoctor"),
        "{}",
        &man[..200.min(man.len())]
    );
    assert!(man.contains("check"));
    assert_eq!(
        wsdoctor()
            .args(["completions", "tcsh"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(2)
    );
}

/// The credential, given only through the environment, appears in no format, no -vvv log and no
/// --output file — for a check and for a probe, in header and query placement, against a server
/// that reflects the whole refused request (token included) in its 403 body.
#[test]
fn no_format_log_or_file_leaks_the_token() {
    let auth = auth_server(TOKEN);
    let url = format!("ws://127.0.0.1:{}/ws", auth.port());
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "secret.toml",
        &format!(
            "[defaults]\nclose_wait = \"100ms\"\ntoken_env = \"WSDOCTOR_CHECK_TOKEN\"\n\n[[target]]\nname = \"header\"\nurl = \"{url}\"\n\n[[target]]\nname = \"query\"\nurl = \"{url}\"\nauth = \"query\"\n\n[[target]]\nname = \"cookie\"\nurl = \"{url}\"\nauth = \"cookie:sid\"\n"
        ),
    );
    let assert_clean = |what: &str, bytes: &[u8]| {
        let text = String::from_utf8_lossy(bytes);
        assert!(!text.contains(TOKEN), "{what} leaks the token:\n{text}");
        // The wrong credential of the same shape must not leak either (it is derived from the real one).
        assert!(
            !text.contains("tok-4f9a1c-very-secret"),
            "{what} leaks a token prefix"
        );
    };
    // The control: with --show-secrets the token is in the output, so the greps below can fail.
    let shown = wsdoctor()
        .args([
            &url,
            "--token-env",
            "WSDOCTOR_CHECK_TOKEN",
            "--auth",
            "query",
            "--close-wait",
            "100ms",
            "--format",
            "json",
            "--show-secrets",
        ])
        .env("WSDOCTOR_CHECK_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&shown.stdout).contains(TOKEN));
    for format in ["human", "json", "markdown", "junit", "github"] {
        let out_file = dir.path().join(format!("check.{format}"));
        let out = wsdoctor()
            .args([
                "-vvv",
                "check",
                &file,
                "--format",
                format,
                "--output",
                &out_file.to_string_lossy(),
            ])
            .env("WSDOCTOR_CHECK_TOKEN", TOKEN)
            .output()
            .unwrap();
        assert!(
            out.status.code().is_some_and(|c| c <= 1),
            "check {format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_clean(&format!("check {format} stdout"), &out.stdout);
        assert_clean(&format!("check {format} stderr"), &out.stderr);
        assert_clean(
            &format!("check {format} file"),
            &std::fs::read(&out_file).unwrap(),
        );
        let out = wsdoctor()
            .args(["check", &file, "-vvv", "--format", format])
            .env("WSDOCTOR_CHECK_TOKEN", TOKEN)
            .output()
            .unwrap();
        assert!(!out.stdout.is_empty());
        assert_clean(&format!("check {format} stdout"), &out.stdout);
        for auth in ["header", "query", "cookie"] {
            let out = wsdoctor()
                .args([
                    &url,
                    "-vvv",
                    "--token-env",
                    "WSDOCTOR_CHECK_TOKEN",
                    "--auth",
                    auth,
                    "--close-wait",
                    "100ms",
                    "--format",
                    format,
                ])
                .env("WSDOCTOR_CHECK_TOKEN", TOKEN)
                .output()
                .unwrap();
            assert!(!out.stdout.is_empty());
            assert_clean(&format!("probe {auth} {format} stdout"), &out.stdout);
            assert_clean(&format!("probe {auth} {format} stderr"), &out.stderr);
        }
    }
}

#[test]
fn the_example_check_file_is_valid_and_dry_run_probes_nothing() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/check/example.toml");
    let out = wsdoctor()
        .args(["check", &example.to_string_lossy(), "--dry-run"])
        .env("WS_TOKEN", TOKEN)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.starts_with("4 targets valid; nothing was probed\n"),
        "{stdout}"
    );
    assert!(stdout.contains("  chat · wss://chat.example.test/ws · credential ?token= · Origin https://app.example.test\n"), "{stdout}");
    assert!(stdout.contains("      expect_origin_rejected = https://evil.example\n"));
    assert!(stdout.contains(
        "  status-quick · wss://status.example.test/ws · quick\n      max_handshake_ms = 300\n"
    ));
    assert!(!stdout.contains(TOKEN));
    // Without the variable a dry run still plans (nothing is sent), as `docker compose config`
    // does, and names the variable a real run needs; the real run is a configuration error
    // naming it.
    let out = wsdoctor()
        .args(["check", &example.to_string_lossy(), "--dry-run"])
        .env_remove("WS_TOKEN")
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("credential ?token="), "{stdout}");
    assert!(
        stdout.contains(
            "      needs $WS_TOKEN (token_env): not set here, so a real run stops there\n"
        ),
        "{stdout}"
    );
    assert!(!stdout.contains("dry-run-stand-in"), "{stdout}");
    let out = wsdoctor()
        .args(["check", &example.to_string_lossy()])
        .env_remove("WS_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("WS_TOKEN"));
}

/// `check` runs as many targets at once as the open-file limit allows: under `ulimit -n 200` it
/// runs (200 - 64) / 17 = 8 at a time, says so on stderr, and every target still passes.
#[test]
fn a_low_open_file_limit_lowers_the_jobs_and_says_so() {
    let echo = WsServer::start(Behaviour::Echo);
    let dir = tempfile::tempdir().unwrap();
    let body: String = (0..12)
        .map(|i| format!("[[target]]\nname = \"h{i}\"\nurl = \"{}\"\nexpect = \"ok\"\nclose_wait = \"100ms\"\n\n", echo.url("/ws")))
        .collect();
    let file = write(dir.path(), "many.toml", &body);
    let bin = assert_cmd::cargo::cargo_bin("wsdoctor");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -n 200 && exec \"$0\" check --format json \"$1\"")
        .arg(&bin)
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
    assert!(
        stderr.contains("running 8 targets at a time, not 12") && stderr.contains("200"),
        "stderr: {stderr}"
    );
    let check = json_of(&out.stdout);
    assert_eq!(check["targets"].as_array().map(Vec::len), Some(12));
    assert_eq!(check["passed"], true);
}

/// `check --show-secrets` is the one way a check prints the credential: off by default, on when
/// asked, for every target of the file.
#[test]
fn check_show_secrets_prints_the_token_only_when_asked() {
    let auth = auth_server(TOKEN);
    let url = format!("ws://127.0.0.1:{}/ws", auth.port());
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "shown.toml",
        &format!(
            "[defaults]\nclose_wait = \"100ms\"\ntoken_env = \"WSDOCTOR_CHECK_TOKEN\"\nauth = \"query\"\n\n[[target]]\nname = \"a\"\nurl = \"{url}\"\n\n[[target]]\nname = \"b\"\nurl = \"{url}\"\n"
        ),
    );
    let hidden = run_check(&file, &["--format", "json"]);
    assert!(!String::from_utf8_lossy(&hidden.stdout).contains(TOKEN));
    let shown = run_check(&file, &["--format", "json", "--show-secrets"]);
    let check = json_of(&shown.stdout);
    for t in check["targets"].as_array().unwrap() {
        assert!(
            t["report"].to_string().contains(TOKEN),
            "target {} hides the token under --show-secrets",
            t["name"]
        );
    }
}

/// `connect_to` in a check file works as `--connect-to`: the URL names a host that does not
/// resolve, the connection goes to the loopback server, and the target passes.
#[test]
fn check_file_connect_to_sends_the_target_elsewhere() {
    let echo = WsServer::start(Behaviour::Echo);
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "connect.toml",
        &format!(
            "[[target]]\nname = \"via-connect-to\"\nurl = \"ws://ws.example.invalid:8080/ws\"\nconnect_to = [\"ws.example.invalid:8080:127.0.0.1:{}\"]\nclose_wait = \"100ms\"\nexpect = \"ok\"\n",
            echo.port()
        ),
    );
    let out = run_check(&file, &["--format", "json"]);
    let check = json_of(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{check}");
    assert_eq!(
        check["targets"][0]["report"]["diagnosis"]["cause"],
        "ok.healthy"
    );
    // Without it the name does not resolve (.invalid fails locally), so the key is what worked.
    let plain = write(
        dir.path(),
        "plain.toml",
        "[[target]]\nurl = \"ws://ws.example.invalid:8080/ws\"\nexpect = \"ok\"\n",
    );
    assert_eq!(
        run_check(&plain, &["--format", "json"]).status.code(),
        Some(1)
    );
}
