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
        "* baseline: ws://127.0.0.1:",
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

/// The words of a text (what a reader sees, whatever the wrapping).
fn words(text: &str) -> std::collections::BTreeSet<String> {
    text.split_whitespace().map(str::to_string).collect()
}

/// Lines wider than `columns`, except a line that is one unbreakable token after its marker.
fn too_wide(text: &str, columns: usize) -> Vec<String> {
    text.lines()
        .filter(|l| l.chars().count() > columns)
        .filter(|l| {
            let tokens: Vec<&str> = l.split_whitespace().collect();
            !(tokens.len() <= 2
                && tokens
                    .last()
                    .is_some_and(|t| t.chars().count() > columns / 2))
        })
        .map(str::to_string)
        .collect()
}

/// Point 2: a 403 behind an nginx-like front, with `--direct` to a backend that accepts (the
/// "public vs direct" table), at 40, 60, 80 and 120 columns: no line is wider than the terminal
/// and no word is split (every word is a word of the 200-column report).
#[test]
fn a_fault_report_wraps_at_every_width_without_splitting_words() {
    use crate::support::scripted::{nginx_page, ScriptedServer, Step};
    let front = ScriptedServer::http(|_| vec![Step::Write(nginx_page(403, "Forbidden", &[]))]);
    let backend = WsServer::start(Behaviour::Echo);
    let url = front.ws_url("/chat/socket");
    let direct = backend.url("/chat/socket");
    let args = [
        url.as_str(),
        "--direct",
        direct.as_str(),
        "--origin",
        "https://app.example.test",
        "--token",
        TOKEN,
        "--close-wait",
        "100ms",
        "--color",
        "never",
    ];
    // One probe, saved; each width renders the same report again (explain is pure), so the
    // words compared are the same words.
    let (json, stderr, code) = run(&[&args[..], &["--format", "json"]].concat(), &[]);
    assert_eq!(code, 1, "{json}\n{stderr}");
    let dir = tempfile::tempdir().expect("tempdir");
    let saved = dir.path().join("report.json");
    std::fs::write(&saved, &json).expect("report");
    let saved = saved.to_string_lossy().into_owned();
    let at = |columns: usize| {
        let (text, stderr, code) = run(
            &["explain", &saved, "--color", "never"],
            &[("COLUMNS", &columns.to_string())],
        );
        assert_eq!(code, 1, "{text}\n{stderr}");
        text
    };
    let wide = at(200);
    assert!(wide.contains("public vs direct"), "{wide}");
    let wide_words = words(&wide);
    for columns in [40usize, 60, 80, 120] {
        let text = at(columns);
        let over = too_wide(&text, columns);
        assert!(over.is_empty(), "at {columns}: {over:#?}\n{text}");
        for word in words(&text) {
            assert!(
                wide_words.contains(&word)
                    || ["attempts", "→", "public:", "direct:"].contains(&word.as_str()),
                "at {columns}: {word:?} is not a word of the report\n{text}"
            );
        }
    }
    // The probe's own output (not only explain's) wraps too.
    let (text, _, _) = run(&args, &[("COLUMNS", "40")]);
    let over = too_wide(&text, 40);
    assert!(over.is_empty(), "probe at 40: {over:#?}\n{text}");
}

/// Point 2: a check's human output (table and the failed targets' reports) at 40 and 60 columns.
#[test]
fn a_failed_check_wraps_at_40_and_60_columns() {
    use crate::support::scripted::{nginx_page, ScriptedServer, Step};
    let front = ScriptedServer::http(|_| vec![Step::Write(nginx_page(403, "Forbidden", &[]))]);
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("check.toml");
    std::fs::write(
        &file,
        format!(
            "[[target]]\nname = \"chat behind the front door of the production cluster\"\nurl = \"{}\"\nquick = true\nclose_wait = \"100ms\"\nexpect = \"ok\"\n",
            front.ws_url("/chat")
        ),
    )
    .expect("check file");
    let file = file.to_string_lossy().into_owned();
    for columns in [40usize, 60] {
        let (text, stderr, code) = run(
            &["check", &file, "--color", "never"],
            &[("COLUMNS", &columns.to_string())],
        );
        assert_eq!(code, 1, "{text}\n{stderr}");
        let over = too_wide(&text, columns);
        assert!(over.is_empty(), "at {columns}: {over:#?}\n{text}");
    }
}

/// `promtool ARGS` with `stdin`: its output, or None when promtool is not installed outside CI
/// (under CI=true a missing promtool fails the test: scripts/setup installs it).
fn promtool(args: &[&str], stdin: &str) -> Option<(bool, String)> {
    use std::io::Write;
    let child = std::process::Command::new("promtool")
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            assert!(
                std::env::var_os("CI").is_none_or(|v| v.is_empty()),
                "promtool is missing: run scripts/setup (Debian: apt-get install prometheus)"
            );
            eprintln!("skipped: promtool is not installed (scripts/setup installs it)");
            return None;
        }
        Err(e) => panic!("promtool: {e}"),
    };
    if let Some(mut pipe) = child.stdin.take() {
        pipe.write_all(stdin.as_bytes()).expect("write to promtool");
    }
    let out = child.wait_with_output().expect("promtool ends");
    Some((
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    ))
}

/// The metric names of the first column of docs/exporter.md's blackbox_exporter mapping table.
fn mapped_names() -> Vec<String> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/exporter.md"))
        .expect("docs/exporter.md");
    let table: Vec<&str> = doc
        .lines()
        .skip_while(|l| !l.starts_with("| blackbox_exporter "))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .collect();
    table
        .iter()
        .filter_map(|row| row.split('`').nth(1))
        .map(|name| name.split('{').next().unwrap_or(name).to_string())
        .collect()
}

/// Point 5: a real scrape of a wss:// probe passes `promtool check metrics`, and every
/// blackbox_exporter name docs/exporter.md maps is in it; the exporter's /metrics has
/// `wsdoctor_build_info`; the expectation label carries no spaces or `=`.
#[test]
fn a_real_scrape_passes_promtool_and_has_every_blackbox_name_of_the_mapping() {
    use crate::support::exporter::Exporter;
    use crate::support::tls::{TestCa, TlsWsServer, HOST};
    let ca = TestCa::new("wsdoctor exporter CA");
    let server = TlsWsServer::start(ca.valid_leaf(&[HOST]), Behaviour::Echo);
    let (url, resolve) = server.url_and_resolve("/ws");
    let pem = ca.pem_file();
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("modules.toml");
    std::fs::write(
        &config,
        format!(
            "[module.tls]\ncacert = [\"{}\"]\nresolve = [\"{resolve}\"]\nquick = true\nclose_wait = \"100ms\"\nexpect = \"ok\"\n",
            pem.path().display()
        ),
    )
    .expect("modules.toml");
    let exporter = Exporter::start(Some(&config), &[]);
    let scrape = exporter.probe(&url, "tls", &[]);
    assert_eq!(scrape.status, 200, "{}\n{}", scrape.body, exporter.log());
    let names = mapped_names();
    assert!(names.len() >= 9, "the mapping table lists {names:?}");
    for name in &names {
        assert!(
            scrape
                .body
                .lines()
                .any(|l| l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} "))),
            "{name} (docs/exporter.md's mapping) is not in the scrape:\n{}",
            scrape.body
        );
    }
    assert!(
        scrape.body.contains("probe_success 1") && scrape.body.contains("probe_http_ssl 1"),
        "{}",
        scrape.body
    );
    assert!(
        scrape
            .body
            .contains("wsdoctor_expectation_passed{expectation=\"expect\",value=\"ok\"} 1"),
        "{}",
        scrape.body
    );
    let own = exporter.get("/metrics", &[]);
    assert!(
        own.body.contains("wsdoctor_build_info{version=\""),
        "{}",
        own.body
    );
    // promtool reads the classic text format, which the exporter serves to a scraper that does
    // not ask for OpenMetrics: /probe and /metrics (whose counters name `_total` in HELP and
    // TYPE there) both pass.
    assert!(
        own.content_type.starts_with("text/plain; version=0.0.4"),
        "{}",
        own.content_type
    );
    for body in [&scrape.body, &own.body] {
        if let Some((ok, out)) = promtool(&["check", "metrics"], body) {
            assert!(ok, "promtool check metrics:\n{out}\n{body}");
        }
    }
}

/// A check file of two targets: a healthy echo server and a 403 front; returns the file and the
/// servers (kept alive by the caller).
fn two_target_check() -> (
    tempfile::TempDir,
    String,
    WsServer,
    crate::support::scripted::ScriptedServer,
) {
    use crate::support::scripted::{nginx_page, ScriptedServer, Step};
    let healthy = WsServer::start(Behaviour::Echo);
    let front = ScriptedServer::http(|_| vec![Step::Write(nginx_page(403, "Forbidden", &[]))]);
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("check.toml");
    std::fs::write(
        &file,
        format!(
            "[[target]]\nname = \"status\"\nurl = \"{}\"\nquick = true\nclose_wait = \"100ms\"\nexpect = \"ok\"\n\n[[target]]\nname = \"chat\"\nurl = \"{}\"\nquick = true\nclose_wait = \"100ms\"\nexpect = \"ok\"\n",
            healthy.url("/ws"),
            front.ws_url("/chat")
        ),
    )
    .expect("check file");
    let file = file.to_string_lossy().into_owned();
    (dir, file, healthy, front)
}

/// Point 6: in GitHub Actions `check` appends its Markdown summary to `$GITHUB_STEP_SUMMARY`
/// (what earlier steps wrote stays), the target's report nests under the target's heading, and
/// stdout keeps the chosen format.
#[test]
fn check_appends_its_markdown_summary_to_github_step_summary() {
    let (dir, file, _healthy, _front) = two_target_check();
    let summary = dir.path().join("step_summary.md");
    std::fs::write(&summary, "## Build\n\nearlier step\n").expect("summary");
    let summary_path = summary.to_string_lossy().into_owned();
    let (stdout, stderr, code) = run(
        &["check", &file, "--color", "never"],
        &[("GITHUB_STEP_SUMMARY", &summary_path)],
    );
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(stdout.starts_with("wsdoctor check · 2 targets"), "{stdout}");
    let text = std::fs::read_to_string(&summary).expect("summary written");
    assert!(text.starts_with("## Build\n\nearlier step\n"), "{text}");
    let at = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("no {needle:?} in\n{text}"))
    };
    assert!(at("# wsdoctor check: 1 of 2 targets passed") < at("## ✗ chat"));
    assert!(
        at("## ✗ chat") < at("\n### WebSocket diagnosis: "),
        "{text}"
    );
    assert!(!text.contains("\n## WebSocket diagnosis"), "{text}");
    assert!(
        text.contains("\n#### "),
        "sections nest under the report:\n{text}"
    );
    // A second run appends again.
    run(&["check", &file], &[("GITHUB_STEP_SUMMARY", &summary_path)]);
    let again = std::fs::read_to_string(&summary).expect("summary");
    assert_eq!(again.matches("# wsdoctor check: ").count(), 2, "{again}");
}

/// Point 6: a step summary that cannot be written is a warning; the check's own result stands.
#[test]
fn an_unwritable_step_summary_is_a_warning_not_a_failure() {
    let (dir, file, _healthy, _front) = two_target_check();
    let not_a_file = dir.path().to_string_lossy().into_owned();
    let (stdout, stderr, code) = run(
        &["check", &file, "--format", "json"],
        &[("GITHUB_STEP_SUMMARY", &not_a_file)],
    );
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("warning: cannot append the summary to GITHUB_STEP_SUMMARY"),
        "{stderr}"
    );
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("the report is still JSON");
    assert_eq!(v["passed"], false, "{v}");
}

/// A Chrome-style HAR of one WebSocket entry: `response` is the entry's response object,
/// `messages` its `_webSocketMessages` (None: the field is absent).
fn har(response: &str, messages: Option<&str>) -> String {
    format!(
        r#"{{"log":{{"version":"1.2","entries":[{{"_resourceType":"websocket","startedDateTime":"2026-12-07T01:00:00.000Z","time":12,"request":{{"method":"GET","url":"wss://chat.example.test/ws","httpVersion":"HTTP/1.1","headers":[{{"name":"Origin","value":"https://app.example.test"}}]}},"response":{response}{}}}]}}}}"#,
        messages.map_or(String::new(), |m| format!(r#","_webSocketMessages":{m}"#))
    )
}

const SWITCHED: &str = r#"{"status":101,"statusText":"Switching Protocols","httpVersion":"HTTP/1.1","headers":[{"name":"Upgrade","value":"websocket"},{"name":"Connection","value":"Upgrade"}]}"#;

/// `wsdoctor explain -` with `input` on stdin.
fn explain(input: &str) -> (String, String, i32) {
    let out = wsdoctor()
        .args(["explain", "-", "--color", "never"])
        .write_stdin(input.to_string())
        .output()
        .expect("explain runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

/// Point 3: a HAR whose socket the server closed at once with 1011 (the close frame in Chrome's
/// `_webSocketMessages`) is a fault, exit 1, not `ok.healthy … stayed open`.
#[test]
fn explain_reads_a_close_1011_from_the_har_messages_and_exits_1() {
    let messages = r#"[{"type":"send","time":1796605200.004,"opcode":1,"data":"{\"hello\":1}"},{"type":"receive","time":1796605200.006,"opcode":8,"data":"1011 internal error"}]"#;
    let (stdout, stderr, code) = explain(&har(SWITCHED, Some(messages)));
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(!stdout.contains("ok.healthy"), "{stdout}");
    assert!(!stdout.contains("stayed open"), "{stdout}");
    assert!(stdout.contains("1011"), "{stdout}");
}

/// Point 3: a HAR 101 without a recorded close does not claim the socket stayed open: what came
/// after the 101 is unknown, and the command that watches it is named.
#[test]
fn explain_of_a_har_101_says_what_followed_is_unknown() {
    let (stdout, stderr, _) = explain(&har(SWITCHED, None));
    let text = stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(!text.contains("stayed open"), "{stdout}\n{stderr}");
    assert!(text.contains("is unknown"), "{stdout}");
    assert!(
        text.contains("wsdoctor wss://chat.example.test/ws --origin https://app.example.test"),
        "{stdout}"
    );
}

/// Point 3: a HAR status 0 is "the browser hides the status", not "closed without an HTTP
/// answer", and gets no fix for a cause it cannot show.
#[test]
fn explain_of_a_har_status_0_says_the_browser_hides_the_status() {
    let (stdout, stderr, code) = explain(&har(
        r#"{"status":0,"statusText":"","httpVersion":"","headers":[]}"#,
        None,
    ));
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    let verdict: String = stdout
        .lines()
        .skip_while(|l| !l.starts_with('✗'))
        .take_while(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(verdict.contains("hides the HTTP status"), "{verdict}");
    assert!(
        !verdict.contains("closed the connection without an HTTP answer"),
        "{verdict}"
    );
    assert!(!verdict.contains("fix:"), "{verdict}");
}

/// Point 3: a console line's 403 names no Origin: no fix snippet is written with one (the socket's
/// own host is not the page's origin).
#[test]
fn explain_of_a_console_403_writes_no_snippet_with_an_origin_the_line_never_gave() {
    let (stdout, stderr, code) = explain(
        "WebSocket connection to 'wss://chat.example.test/ws' failed: Error during WebSocket handshake: Unexpected response code: 403",
    );
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(
        !stdout.contains("https://chat.example.test\""),
        "a snippet with the socket's host as the page's origin:\n{stdout}"
    );
    assert!(stdout.contains("no Origin fix snippet"), "{stdout}");
}

/// Point 3: `explain` on a `check --format json` result says what it is and how to explain one of
/// its reports, not "HAR: no log.entries array".
#[test]
fn explain_of_a_check_result_says_how_to_explain_a_target() {
    let (dir, file, _healthy, _front) = two_target_check();
    let (json, _, _) = run(&["check", &file, "--format", "json"], &[]);
    let saved = dir.path().join("result.json");
    std::fs::write(&saved, &json).expect("result");
    let (stdout, stderr, code) = run(&["explain", &saved.to_string_lossy()], &[]);
    assert_eq!(code, 2, "{stdout}\n{stderr}");
    assert!(!stderr.contains("log.entries"), "{stderr}");
    assert!(
        stderr.contains("wsdoctor check` result") && stderr.contains("'status', 'chat'"),
        "{stderr}"
    );
    assert!(stderr.contains(".targets[]"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
}

/// Point 8: `check --help` says what the github and junit formats write.
#[test]
fn check_help_says_what_github_and_junit_write() {
    let (help, _, code) = run(&["check", "--help"], &[]);
    assert_eq!(code, 0);
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(help.contains("::notice per passing target"), "{help}");
    assert!(
        help.contains("a testsuite per target, a testcase per expectation"),
        "{help}"
    );
    assert!(!help.contains("one per failed expectation"), "{help}");
}

/// Point 8: every wsdoctor-NAME(1) the man page refers to is a page `wsdoctor man NAME` prints.
#[test]
fn every_man_page_the_main_page_refers_to_can_be_printed() {
    let (page, _, code) = run(&["man"], &[]);
    assert_eq!(code, 0);
    let refs: Vec<String> = page
        .split("wsdoctor\\-")
        .skip(1)
        .filter_map(|rest| rest.split_once("(1)").map(|(name, _)| name.to_string()))
        .filter(|name| name.chars().all(|c| c.is_ascii_lowercase()))
        .collect();
    assert!(refs.contains(&"check".to_string()), "{refs:?}");
    for name in refs {
        let (sub, stderr, code) = run(&["man", &name], &[]);
        assert_eq!(code, 0, "wsdoctor man {name}: {stderr}");
        assert!(
            sub.contains(&format!(".TH wsdoctor-{name} 1")),
            "wsdoctor man {name}:\n{sub}"
        );
    }
    let (_, stderr, code) = run(&["man", "chek"], &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no man page for 'chek'"), "{stderr}");
}

/// Point 8: an unknown key names the closest valid one and lists only keys valid there: a check
/// target never offers `token`, an exporter module never `name`, `url` or `token`.
#[test]
fn unknown_keys_offer_did_you_mean_and_only_valid_keys() {
    let dir = tempfile::tempdir().expect("tempdir");
    let check = dir.path().join("check.toml");
    std::fs::write(
        &check,
        "[[target]]\nname = \"chat\"\nurl = \"ws://127.0.0.1:9/ws\"\norgin = \"https://app.example.test\"\n",
    )
    .expect("check file");
    let (_, stderr, code) = run(&["check", &check.to_string_lossy()], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("unknown key `orgin` (did you mean `origin`?)"),
        "{stderr}"
    );
    let valid = |text: &str| -> Vec<String> {
        text.split("valid keys: ")
            .nth(1)
            .unwrap_or("")
            .trim()
            .split(", ")
            .map(str::to_string)
            .collect()
    };
    let keys = valid(&stderr);
    assert!(keys.contains(&"origin".to_string()), "{stderr}");
    assert!(!keys.contains(&"token".to_string()), "{stderr}");
    let modules = dir.path().join("modules.toml");
    std::fs::write(
        &modules,
        "[module.chat]\norgin = \"https://app.example.test\"\n",
    )
    .expect("modules");
    let (_, stderr, code) = run(
        &[
            "exporter",
            "--check-config",
            "--config",
            &modules.to_string_lossy(),
        ],
        &[],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("unknown key `orgin` (did you mean `origin`?)"),
        "{stderr}"
    );
    let keys = valid(&stderr);
    for not_a_module_key in ["name", "url", "token"] {
        assert!(
            !keys.contains(&not_a_module_key.to_string()),
            "{not_a_module_key} offered: {stderr}"
        );
    }
}

/// Point 8: the one-line summary of a failed 500-target check names at most 10 targets.
#[test]
fn a_failed_500_target_check_names_ten_targets_and_counts_the_rest() {
    let port = crate::support::refused_port();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("check.toml");
    let mut text = String::new();
    for i in 0..500 {
        text.push_str(&format!(
            "[[target]]\nname = \"t{i:03}\"\nurl = \"ws://127.0.0.1:{port}/ws\"\nquick = true\nexpect = \"ok\"\n\n"
        ));
    }
    std::fs::write(&file, text).expect("check file");
    let out = dir.path().join("result.json");
    let (stdout, stderr, code) = run(
        &[
            "check",
            &file.to_string_lossy(),
            "--format",
            "json",
            "--output",
            &out.to_string_lossy(),
        ],
        &[],
    );
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    let line = stdout.lines().next().unwrap_or("");
    assert!(
        line.starts_with("wsdoctor check: 500 of 500 targets failed: t000, t001,"),
        "{line}"
    );
    assert!(line.contains("t009 and 490 more"), "{line}");
    assert!(!line.contains("t010"), "{line}");
}

/// Point 8: the README's demo excerpt is numbered as the demo numbers it (it runs every scenario,
/// not 1/1): its header line is a header line of a real `wsdoctor demo` run.
#[test]
fn the_readme_demo_excerpt_header_is_one_the_demo_prints() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let excerpt = readme
        .lines()
        .find(|l| l.starts_with("── ") && l.contains(" · field report "))
        .expect("a demo excerpt in the README");
    let heading = excerpt.trim_end_matches(['─', ' ']);
    let (demo, stderr, code) = run(&["demo", "--color", "never"], &[]);
    assert_eq!(code, 0, "{stderr}");
    let headers: Vec<&str> = demo
        .lines()
        .filter(|l| l.starts_with("── "))
        .map(|l| l.trim_end_matches(['─', ' ']))
        .collect();
    assert!(
        headers.contains(&heading),
        "README's {heading:?} is not among the demo's {headers:#?}"
    );
}

/// A surprise of the issue's last try: `wsdoctor demo` wraps at the width it is given, as the
/// main report does: the intro, the scenario headers, the command lines (broken between
/// arguments with ` \`), every report and the summary. The same words at every width.
#[test]
fn demo_wraps_at_columns_like_the_main_report() {
    let at = |columns: usize| {
        let (text, stderr, code) = run(
            &["demo", "--color", "never"],
            &[("COLUMNS", &columns.to_string())],
        );
        assert_eq!(code, 0, "{text}\n{stderr}");
        text
    };
    let wide = at(200);
    let wide_words = words(&wide);
    for columns in [40usize, 60, 80] {
        let text = at(columns);
        // A command line's continuation mark is not part of the argument it follows.
        let unmarked: String = text
            .lines()
            .map(|l| l.strip_suffix(" \\").unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n");
        let over = too_wide(&unmarked, columns);
        assert!(over.is_empty(), "at {columns}: {over:#?}\n{text}");
        // Ports, timings and handshake keys differ between runs; every word of plain letters
        // is a word of the wide demo: none was split.
        for word in words(&unmarked) {
            if !word.chars().all(|c| c.is_ascii_alphabetic()) {
                continue;
            }
            assert!(
                wide_words.contains(&word),
                "at {columns}: {word:?} is not a word of the demo\n{text}"
            );
        }
    }
}

/// A surprise of the issue's last try: `-v` on a failed run printed the baseline's exchange twice
/// on a terminal (the trace on stderr, then the report's "baseline on the wire"). The report on
/// stdout now points at stderr; without `-v`, or written to a file, it keeps the exchange.
#[test]
fn dash_v_shows_the_baseline_exchange_once() {
    use crate::support::scripted::{nginx_page, ScriptedServer, Step};
    let server = ScriptedServer::http(|_| vec![Step::Write(nginx_page(403, "Forbidden", &[]))]);
    let url = server.ws_url("/ws");
    let common = ["--close-wait", "100ms", "--color", "never", "--quick"];
    let request = "> GET /ws HTTP/1.1";
    let (stdout, stderr, code) = run(&[&[url.as_str(), "-v"][..], &common[..]].concat(), &[]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    let shown = stdout.matches(request).count() + stderr.matches(request).count();
    assert_eq!(shown, 1, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stderr.contains(request), "{stderr}");
    assert!(
        stdout.contains("on the wire: above, on stderr (-v)"),
        "{stdout}"
    );
    // Without -v the report has it.
    let (stdout, _, _) = run(&[&[url.as_str()][..], &common[..]].concat(), &[]);
    assert!(stdout.contains(request), "{stdout}");
    // A report written to a file keeps it, -v or not.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("report.txt");
    let file_arg = file.to_string_lossy().into_owned();
    let (_, stderr, _) = run(
        &[
            &[url.as_str(), "-v", "-o", file_arg.as_str()][..],
            &common[..],
        ]
        .concat(),
        &[],
    );
    assert!(stderr.contains(request), "{stderr}");
    let written = std::fs::read_to_string(&file).expect("the report file");
    assert!(written.contains(request), "{written}");
}
