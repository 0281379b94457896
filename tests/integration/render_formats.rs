//! Every `--format` through the binary, against a closed loopback port (nothing listens, so the run
//! ends at once): each format keeps its shape, and colour follows `--color` and `NO_COLOR` (the
//! renderers never decide colour themselves; main sets it once).

use std::net::TcpListener;
use std::time::Duration;

use assert_cmd::Command;

/// A loopback URL whose port was just free: binding :0 and dropping the listener.
#[expect(
    clippy::unwrap_used,
    reason = "test helper: a failure here is the calling test's failure"
)]
fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("ws://127.0.0.1:{port}/ws")
}

#[expect(
    clippy::unwrap_used,
    reason = "test helper: a failure here is the calling test's failure"
)]
fn wsdoctor(args: &[&str]) -> (String, Option<i32>) {
    let out = Command::cargo_bin("wsdoctor")
        .unwrap()
        .env_clear()
        .args(args)
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    (String::from_utf8(out.stdout).unwrap(), out.status.code())
}

#[test]
fn every_format_is_accepted_and_keeps_its_shape() {
    let url = closed_port_url();
    let (human, _) = wsdoctor(&[&url, "--format", "human", "--color", "never"]);
    assert!(human.starts_with(&format!("wsdoctor {} · {url}\n", env!("CARGO_PKG_VERSION"))));

    let (json, _) = wsdoctor(&[&url, "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["schema"], "wsdoctor.report/v1");

    let (markdown, _) = wsdoctor(&[&url, "--format", "markdown"]);
    assert!(markdown.starts_with(&format!("# WebSocket diagnosis: {url}\n")));

    let (junit, _) = wsdoctor(&[&url, "--format", "junit"]);
    let doc = roxmltree::Document::parse(&junit).unwrap();
    let case = doc
        .descendants()
        .find(|n| n.has_tag_name("testcase"))
        .unwrap();
    assert_eq!(case.attribute("name"), Some(url.as_str()));

    let (github, _) = wsdoctor(&[&url, "--format", "github"]);
    assert!(!github.is_empty());
    assert!(github.lines().all(|l| l.starts_with("::error ")
        || l.starts_with("::warning ")
        || l.starts_with("::notice ")));
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let url = closed_port_url();
    let (always, _) = wsdoctor(&[&url, "--color", "always"]);
    assert!(
        always.contains("\x1b["),
        "--color always colours:\n{always}"
    );
    let (never, _) = wsdoctor(&[&url, "--color", "never"]);
    assert!(!never.contains('\x1b'));
    // Piped stdout is not a terminal: auto means no colour.
    let (auto, _) = wsdoctor(&[&url]);
    assert!(!auto.contains('\x1b'));
    let out = Command::cargo_bin("wsdoctor")
        .unwrap()
        .env_clear()
        .env("NO_COLOR", "1")
        .args([&url, "--color", "auto"])
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    assert!(!String::from_utf8(out.stdout).unwrap().contains('\x1b'));
}
