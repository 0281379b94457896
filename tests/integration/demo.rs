//! `wsdoctor demo`: every scenario diagnosed as expected, the human layout (scenario headers, the
//! command line, the summary), JSON Lines, `--only`, a closed stdout, and the demo's credentials
//! never shown.

use std::io::Read;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{wsdoctor, wsdoctor_std};
use wsdoctor::demo::scenarios::{self, Arg};

/// The demo's scenarios and their expected causes, in order: the contract of `wsdoctor demo`.
const EXPECTED: [(&str, &str); 6] = [
    ("report-000", "routing.wrong_upstream"),
    ("report-001", "proxy.upgrade_not_forwarded"),
    ("report-002", "origin.rejected"),
    ("report-003", "auth.missing_credentials"),
    ("report-004", "origin.rejected"),
    ("healthy", "ok.healthy"),
];

fn demo_secrets() -> Vec<&'static str> {
    scenarios::all()
        .iter()
        .flat_map(|s| (s.args)(1))
        .filter_map(|a| match a {
            Arg::Secret { value, .. } => Some(value),
            Arg::Plain(_) => None,
        })
        .collect()
}

#[test]
fn the_scenario_table_is_the_documented_one() {
    let table: Vec<(&str, &str)> = scenarios::all()
        .iter()
        .map(|s| (s.id, s.expected.id()))
        .collect();
    assert_eq!(table, EXPECTED.to_vec());
}

#[test]
fn demo_json_lines_diagnose_every_scenario_as_expected() {
    let started = Instant::now();
    let out = wsdoctor()
        .args(["demo", "--format", "json"])
        .timeout(Duration::from_secs(120))
        .output()
        .expect("run wsdoctor demo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines.len(),
        EXPECTED.len(),
        "one JSON report per line:\n{stdout}"
    );
    let mut mismatches = Vec::new();
    for (line, (id, cause)) in lines.iter().zip(EXPECTED) {
        let report: Value = serde_json::from_str(line).expect("each line is a JSON report");
        assert_eq!(report["schema"], "wsdoctor.report/v1");
        let got = report["diagnosis"]["cause"].as_str().unwrap_or("<missing>");
        if got != cause {
            mismatches.push(format!(
                "{id}: expected {cause}, diagnosed {got}\n  diagnosis: {}\n  baseline outcome: {}",
                report["diagnosis"], report["attempts"][0]["outcome"]
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    assert_eq!(out.status.code(), Some(0));
    eprintln!("demo took {:?}", started.elapsed());
}

#[test]
fn demo_human_output_has_headers_commands_and_a_summary_without_secrets() {
    let out = wsdoctor()
        .arg("demo")
        .timeout(Duration::from_secs(120))
        .output()
        .expect("run wsdoctor demo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains(
            "── 1/6 · field report 000 · a WebSocket path routed to the wrong container ──"
        ),
        "scenario header:\n{stdout}"
    );
    assert!(
        stdout.contains("$ wsdoctor ws://127.0.0.1:"),
        "command line:\n{stdout}"
    );
    assert!(
        stdout.contains("--token-env PRINT_API_KEY"),
        "secrets shown as env vars"
    );
    let summary = stdout
        .split("── summary")
        .nth(1)
        .unwrap_or_else(|| panic!("no summary:\n{stdout}"));
    assert_eq!(summary.matches('✓').count(), EXPECTED.len(), "{summary}");
    assert!(!summary.contains('✗'), "{summary}");
    for (_, cause) in EXPECTED {
        assert!(
            summary.contains(cause),
            "{cause} in the summary:\n{summary}"
        );
    }
    assert!(
        summary.contains("6/6 scenarios diagnosed as expected"),
        "{summary}"
    );
    assert!(
        !stdout.contains("\x1b["),
        "no colour when stdout is not a terminal"
    );
    for secret in demo_secrets() {
        assert!(!stdout.contains(secret), "demo credential leaked on stdout");
        assert!(!stderr.contains(secret), "demo credential leaked on stderr");
    }
    assert_eq!(out.status.code(), Some(0), "{stdout}");
}

#[test]
fn demo_only_runs_the_matching_scenarios() {
    let out = wsdoctor()
        .args(["demo", "--only", "004", "--format", "json"])
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run wsdoctor demo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    let report: Value = serde_json::from_str(lines[0]).expect("a JSON report");
    assert_eq!(
        report["diagnosis"]["cause"], "origin.rejected",
        "{}",
        report["diagnosis"]
    );
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn demo_only_matching_nothing_is_a_usage_error() {
    let out = wsdoctor()
        .args(["demo", "--only", "no-such-scenario"])
        .timeout(Duration::from_secs(30))
        .output()
        .expect("run wsdoctor demo");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("no-such-scenario"), "{stderr}");
}

#[test]
fn demo_refuses_junit_which_holds_one_probe_per_document() {
    let out = wsdoctor()
        .args(["demo", "--format", "junit"])
        .timeout(Duration::from_secs(30))
        .output()
        .expect("run wsdoctor demo");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("junit"), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing probed, nothing printed");
}

#[test]
fn demo_markdown_has_a_section_per_scenario_and_a_summary_table() {
    let out = wsdoctor()
        .args(["demo", "--only", "report-00", "--format", "markdown"])
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run wsdoctor demo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout
            .lines()
            .filter(|l| l.starts_with("## ") && l.contains("field report"))
            .count(),
        5,
        "{stdout}"
    );
    assert!(
        stdout.contains("```sh\n$ wsdoctor ws://127.0.0.1:"),
        "{stdout}"
    );
    assert!(
        stdout.contains("| field report 000 · a WebSocket path routed to the wrong container | `routing.wrong_upstream` | `routing.wrong_upstream` | ✓ |"),
        "{stdout}"
    );
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn demo_with_stdout_closed_early_ends_without_a_panic() {
    let mut child = wsdoctor_std()
        .args(["demo", "--only", "healthy"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn wsdoctor demo");
    drop(child.stdout.take());
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("wsdoctor demo still running after 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut stderr);
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(status.code(), Some(101));
}
