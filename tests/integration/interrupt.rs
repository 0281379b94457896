//! Issue 12, point 10: Ctrl-C. wsdoctor stops cleanly with exit 130, prints what it measured
//! (marked partial, no diagnosis), and never leaves an empty `--output` file. For `check`, the
//! finished targets are printed and the unfinished ones named. SIGINT is sent with `kill -INT`
//! once the server has seen the upgrade, so the first stages have been measured.
//!
//! Issue 26, point 6: SIGTERM (`timeout`, `docker stop`, Kubernetes, CI cancellation) is handled
//! the same way, with exit 143; an interrupted check's unfinished targets are JUnit testcases
//! (`<error>` when cut off, `<skipped>` when never started), never missing.

#![expect(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "test helpers: a failed setup must fail the test loudly"
)]

use std::io::Read;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::support::scripted::{holding_server, ScriptedServer, Step};
use crate::support::{refused_port, wsdoctor_std};

/// Waits until `ready()` holds (bounded), failing the test past `limit`.
fn wait_for(what: &str, limit: Duration, ready: impl Fn() -> bool) {
    let deadline = Instant::now() + limit;
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Sends SIGINT to the child (as a terminal's Ctrl-C does) and collects its output.
fn interrupt(child: Child) -> (Option<i32>, String, String) {
    signal(child, "-INT")
}

/// Sends SIGTERM to the child (as `timeout`, `docker stop` and CI cancellation do) and collects
/// its output.
fn terminate(child: Child) -> (Option<i32>, String, String) {
    signal(child, "-TERM")
}

/// Sends `which` (a `kill` option) to the child and collects its output.
fn signal(mut child: Child, which: &str) -> (Option<i32>, String, String) {
    let status = std::process::Command::new("kill")
        .args([which, &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill {which} failed");
    let mut stdout = String::new();
    let mut stderr = String::new();
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let _ = out.read_to_string(&mut stdout);
    let deadline = Instant::now() + Duration::from_secs(20);
    let code = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("wsdoctor did not stop within 20 s of {which}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    stderr.push_str(&reader.join().unwrap());
    (code, stdout, stderr)
}

fn spawn(args: &[&str], dir: &std::path::Path) -> Child {
    wsdoctor_std()
        .current_dir(dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn wsdoctor")
}

#[test]
fn ctrl_c_during_an_idle_hold_exits_130_with_a_partial_report_of_what_was_measured() {
    let server = holding_server();
    let dir = tempfile::tempdir().unwrap();
    let url = server.ws_url("/ws");
    let child = spawn(
        &["--idle", "30s", "--close-wait", "200ms", &url],
        dir.path(),
    );
    wait_for("the upgrade", Duration::from_secs(20), || {
        server.requests().iter().any(|r| r.is_upgrade())
    });
    // The variants' short close-wait ends first: some attempts finish, the baseline holds.
    std::thread::sleep(Duration::from_millis(800));
    let started = Instant::now();
    let (code, stdout, stderr) = interrupt(child);
    assert_eq!(code, Some(130), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "it must stop at once, not at the end of --idle"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stdout.contains("interrupted"), "{stdout}");
    assert!(stdout.contains("partial report, no diagnosis"), "{stdout}");
    assert!(stdout.contains("baseline (cut off)"), "{stdout}");
    for measured in ["dns ok", "tcp ok", "upgrade ok"] {
        assert!(stdout.contains(measured), "'{measured}' missing:\n{stdout}");
    }
    assert!(
        stdout.contains("session: interrupted while waiting for the end of the --idle 30s hold"),
        "{stdout}"
    );
    assert!(
        stdout.contains("(finished)"),
        "attempts that ended are listed whole:\n{stdout}"
    );
}

#[test]
fn ctrl_c_with_output_writes_the_partial_report_to_the_file_and_no_file_exists_before() {
    let server = holding_server();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.json");
    let url = server.ws_url("/ws");
    let child = spawn(
        &[
            "--idle",
            "30s",
            "--format",
            "json",
            "-o",
            file.to_str().unwrap(),
            &url,
        ],
        dir.path(),
    );
    wait_for("the upgrade", Duration::from_secs(20), || {
        server.requests().iter().any(|r| r.is_upgrade())
    });
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        !file.exists(),
        "the --output file must not exist (empty) while the run goes on"
    );
    let (code, stdout, stderr) = interrupt(child);
    assert_eq!(code, Some(130), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(
        stdout.contains("interrupted") && stdout.contains("report written to"),
        "{stdout}"
    );
    let text = std::fs::read_to_string(&file).expect("the --output file holds the partial report");
    let partial: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(partial["schema"], "wsdoctor.partial/v1");
    assert_eq!(partial["interrupted"], true);
    let base = &partial["attempts"][0];
    assert_eq!(base["attempt"], "baseline", "{partial}");
    assert_eq!(base["finished"], false);
    assert_eq!(base["interrupted_in"]["stage"], "session", "{base}");
    let stages: Vec<&str> = base["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["stage"].as_str().unwrap())
        .collect();
    assert_eq!(stages, ["dns", "tcp", "upgrade"], "{base}");
}

#[test]
fn ctrl_c_before_any_attempt_finished_still_writes_the_partial_report_to_the_output_file() {
    // A server that never answers: nothing but dns and tcp is measured; the file still gets the
    // partial report (never an empty file).
    let server = ScriptedServer::http(|_| vec![Step::Hang]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.txt");
    let url = server.ws_url("/ws");
    let child = spawn(&["-o", file.to_str().unwrap(), &url], dir.path());
    wait_for("the request", Duration::from_secs(20), || {
        !server.requests().is_empty()
    });
    std::thread::sleep(Duration::from_millis(200));
    let (code, _, stderr) = interrupt(child);
    assert_eq!(code, Some(130), "{stderr}");
    let text = std::fs::read_to_string(&file).expect("the file holds the partial report");
    assert!(!text.is_empty(), "never an empty --output file");
    assert!(
        text.contains("upgrade: interrupted while waiting for the answer to the upgrade request"),
        "{text}"
    );
}

/// A check file of two quick targets: one refused at once, one whose server never answers.
fn two_target_check(dir: &std::path::Path, hang: &ScriptedServer) -> std::path::PathBuf {
    let check = dir.join("check.toml");
    std::fs::write(
        &check,
        format!(
            r#"
[[target]]
name = "refused"
url = "ws://127.0.0.1:{}/ws"
quick = true
expect = "tcp.refused"

[[target]]
name = "hangs"
url = "{}"
quick = true
timeout = "60s"
"#,
            refused_port(),
            hang.ws_url("/ws")
        ),
    )
    .unwrap();
    check
}

#[test]
fn ctrl_c_during_a_check_prints_the_finished_targets_and_names_the_unfinished() {
    let hang = ScriptedServer::http(|_| vec![Step::Hang]);
    let dir = tempfile::tempdir().unwrap();
    let check = two_target_check(dir.path(), &hang);
    let child = spawn(
        &["check", check.to_str().unwrap(), "--format", "json"],
        dir.path(),
    );
    wait_for(
        "the hanging target's request",
        Duration::from_secs(20),
        || !hang.requests().is_empty(),
    );
    std::thread::sleep(Duration::from_millis(500));
    let (code, stdout, stderr) = interrupt(child);
    assert_eq!(code, Some(130), "stdout:\n{stdout}\nstderr:\n{stderr}");
    let result: serde_json::Value = serde_json::from_str(&stdout).expect("check JSON");
    assert_eq!(result["schema"], "wsdoctor.check/v1");
    assert_eq!(result["passed"], false);
    assert_eq!(result["unfinished"], serde_json::json!(["hangs"]));
    let targets = result["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 1, "{result}");
    assert_eq!(targets[0]["name"], "refused");
    assert_eq!(targets[0]["report"]["diagnosis"]["cause"], "tcp.refused");
    crate::check::assert_valid_check(&result);
}

#[test]
fn ctrl_c_during_a_human_check_says_which_targets_did_not_finish() {
    let hang = ScriptedServer::http(|_| vec![Step::Hang]);
    let dir = tempfile::tempdir().unwrap();
    let check = two_target_check(dir.path(), &hang);
    let child = spawn(&["check", check.to_str().unwrap()], dir.path());
    wait_for(
        "the hanging target's request",
        Duration::from_secs(20),
        || !hang.requests().is_empty(),
    );
    std::thread::sleep(Duration::from_millis(500));
    let (code, stdout, stderr) = interrupt(child);
    assert_eq!(code, Some(130), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(
        stdout.contains("interrupted") && stdout.contains("not finished: hangs"),
        "{stdout}"
    );
    assert!(stdout.contains("refused"), "{stdout}");
}

#[test]
fn sigterm_during_an_idle_hold_exits_143_with_a_partial_report_of_what_was_measured() {
    let server = holding_server();
    let dir = tempfile::tempdir().unwrap();
    let url = server.ws_url("/ws");
    let child = spawn(
        &["--idle", "30s", "--close-wait", "200ms", &url],
        dir.path(),
    );
    wait_for("the upgrade", Duration::from_secs(20), || {
        server.requests().iter().any(|r| r.is_upgrade())
    });
    std::thread::sleep(Duration::from_millis(800));
    let started = Instant::now();
    let (code, stdout, stderr) = terminate(child);
    assert_eq!(code, Some(143), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "it must stop at once, not at the end of --idle"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stdout.contains("interrupted by SIGTERM"), "{stdout}");
    assert!(stdout.contains("partial report, no diagnosis"), "{stdout}");
    assert!(stdout.contains("baseline (cut off)"), "{stdout}");
    for measured in ["dns ok", "tcp ok", "upgrade ok"] {
        assert!(stdout.contains(measured), "'{measured}' missing:\n{stdout}");
    }
    assert!(
        stdout.contains("session: interrupted while waiting for the end of the --idle 30s hold"),
        "{stdout}"
    );
}

#[test]
fn sigterm_with_output_writes_the_whole_partial_report_to_the_file_and_none_before() {
    let server = holding_server();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.json");
    let url = server.ws_url("/ws");
    let child = spawn(
        &[
            "--idle",
            "30s",
            "--format",
            "json",
            "-o",
            file.to_str().unwrap(),
            &url,
        ],
        dir.path(),
    );
    wait_for("the upgrade", Duration::from_secs(20), || {
        server.requests().iter().any(|r| r.is_upgrade())
    });
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        !file.exists(),
        "the --output file must not exist (empty) while the run goes on"
    );
    let (code, stdout, stderr) = terminate(child);
    assert_eq!(code, Some(143), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("report written to"), "{stdout}");
    let text = std::fs::read_to_string(&file).expect("the --output file holds the partial report");
    let partial: serde_json::Value = serde_json::from_str(&text).expect("whole JSON");
    assert_eq!(partial["schema"], "wsdoctor.partial/v1");
    assert_eq!(partial["interrupted"], true);
    assert_eq!(partial["signal"], "SIGTERM");
    assert_eq!(partial["attempts"][0]["attempt"], "baseline", "{partial}");
    // Nothing but the file itself is left in the directory (no temporary file).
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["report.json"], "{names:?}");
}

#[test]
fn sigterm_during_a_check_prints_the_finished_targets_and_names_the_unfinished() {
    let hang = ScriptedServer::http(|_| vec![Step::Hang]);
    let dir = tempfile::tempdir().unwrap();
    let check = two_target_check(dir.path(), &hang);
    let child = spawn(
        &["check", check.to_str().unwrap(), "--format", "json"],
        dir.path(),
    );
    wait_for(
        "the hanging target's request",
        Duration::from_secs(20),
        || !hang.requests().is_empty(),
    );
    std::thread::sleep(Duration::from_millis(500));
    let (code, stdout, stderr) = terminate(child);
    assert_eq!(code, Some(143), "stdout:\n{stdout}\nstderr:\n{stderr}");
    let result: serde_json::Value = serde_json::from_str(&stdout).expect("check JSON");
    assert_eq!(result["passed"], false);
    assert_eq!(result["unfinished"], serde_json::json!(["hangs"]));
    assert_eq!(result["signal"], "SIGTERM");
    let targets = result["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 1, "{result}");
    assert_eq!(targets[0]["report"]["diagnosis"]["cause"], "tcp.refused");
    crate::check::assert_valid_check(&result);
}

#[test]
fn sigterm_during_a_junit_check_gives_every_target_a_testcase_cut_off_as_error_never_started_as_skipped(
) {
    let hang = ScriptedServer::http(|_| vec![Step::Hang]);
    let dir = tempfile::tempdir().unwrap();
    let check = two_target_check(dir.path(), &hang);
    // A third target after the hanging one: with one job at a time it never starts.
    let mut text = std::fs::read_to_string(&check).unwrap();
    text.push_str(&format!(
        "\n[[target]]\nname = \"later\"\nurl = \"ws://127.0.0.1:{}/ws\"\nquick = true\n",
        refused_port()
    ));
    std::fs::write(&check, text).unwrap();
    let file = dir.path().join("check.xml");
    let child = spawn(
        &[
            "check",
            check.to_str().unwrap(),
            "--jobs",
            "1",
            "--format",
            "junit",
            "-o",
            file.to_str().unwrap(),
        ],
        dir.path(),
    );
    wait_for(
        "the hanging target's request",
        Duration::from_secs(20),
        || !hang.requests().is_empty(),
    );
    std::thread::sleep(Duration::from_millis(300));
    let (code, stdout, stderr) = terminate(child);
    assert_eq!(code, Some(143), "stdout:\n{stdout}\nstderr:\n{stderr}");
    let xml = std::fs::read_to_string(&file).expect("the JUnit file, written whole");
    let doc = roxmltree::Document::parse(&xml).expect("well-formed JUnit");
    let suites: Vec<roxmltree::Node> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    let names: Vec<&str> = suites.iter().filter_map(|n| n.attribute("name")).collect();
    assert_eq!(names, ["refused", "hangs", "later"], "{xml}");
    let case = |suite: &str, tag: &str| {
        suites
            .iter()
            .find(|n| n.attribute("name") == Some(suite))
            .is_some_and(|s| s.descendants().any(|d| d.has_tag_name(tag)))
    };
    assert!(case("hangs", "error"), "cut off: <error>\n{xml}");
    assert!(case("later", "skipped"), "never started: <skipped>\n{xml}");
    assert!(
        !case("refused", "error") && !case("refused", "skipped"),
        "{xml}"
    );
    let root = doc.root_element();
    assert_eq!(root.attribute("errors"), Some("1"), "{xml}");
    assert_eq!(root.attribute("skipped"), Some("1"), "{xml}");
    assert!(xml.contains("SIGTERM"), "{xml}");
}
