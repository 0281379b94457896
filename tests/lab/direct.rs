//! Public vs direct (`--direct URL`, issue 6): the same matrix against the public URL (through
//! nginx) and against the backend itself, and what the differences attribute. Each test asserts
//! the verdict, the evidence that cites the differing pairs, and the report's `comparison` object
//! (validated against the schema). The Caddy variant of field report 000 with `--direct` lives in
//! `routing.rs`.

use serde_json::Value;

use crate::support::assert_report_schema;
use crate::support::cli::{wsdoctor, Probe};
use crate::support::stack::{self, App, Proxy, Scene, Tool, ALLOWED_ORIGIN, VALID_TOKEN};

/// `comparison.verdict`.
fn comparison_verdict(run: &Probe) -> &str {
    run.json
        .pointer("/comparison/verdict")
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// The class of the pair of one public variant id.
fn pair_class<'a>(run: &'a Probe, variant: &str) -> &'a str {
    run.json["comparison"]["pairs"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["variant"] == variant)
        .and_then(|p| p["class"].as_str())
        .unwrap_or("")
}

/// Asserts that the diagnosis text contains `needle`.
fn expect_evidence(run: &Probe, needle: &str) {
    assert!(
        run.diagnosis_text().contains(needle),
        "expected the evidence to contain {needle:?}\n{}",
        run.describe()
    );
}

/// Asserts that the evidence line listing the pairs holds a group with `variant` among its ids
/// that reads `tail` ("403 via public, 101 direct").
fn expect_pair_line(run: &Probe, variant: &str, tail: &str) {
    let text = run.diagnosis_text();
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("public vs --direct: "))
        .unwrap_or("");
    let found = line.split("; ").any(|group| {
        group
            .split_once(": ")
            .is_some_and(|(ids, rest)| ids.split(", ").any(|id| id == variant) && rest == tail)
    });
    assert!(
        found,
        "expected the pairs line to read {variant}: {tail}\n{}",
        run.describe()
    );
}

/// Probes `public` with the valid token, the allowed Origin and `--direct direct`.
fn probe_with_direct(public: &str, direct: &str) -> Probe {
    let run = wsdoctor(&[
        public,
        "--token",
        VALID_TOKEN,
        "--origin",
        ALLOWED_ORIGIN,
        "--direct",
        direct,
    ]);
    assert_report_schema(&run.json);
    run
}

// /work/shared/seeds/001: nginx without proxy_http_version 1.1 / Upgrade / Connection in front of
// FastAPI. The backend reached directly upgrades and answers its own plain GET exactly as the
// public URL answers the upgrade: the proxy drops the upgrade.
#[test]
fn report_001_direct_upgrades_where_nginx_drops_the_upgrade() {
    let test = require!("direct_report_001", Tool::Nginx, Tool::Python);
    let backend = stack::app(App::FastApi).addr();
    let mut scene = Scene::new(test);
    let port = scene.nginx("no-upgrade-headers.conf", &[("UPSTREAM", backend.clone())]);
    let run = probe_with_direct(
        &format!("ws://127.0.0.1:{port}/ws"),
        &format!("ws://{backend}/ws"),
    );
    run.expect("proxy", "proxy.upgrade_not_forwarded", 1);
    assert_eq!(
        comparison_verdict(&run),
        "front_refuses",
        "{}",
        run.describe()
    );
    assert_eq!(pair_class(&run, "baseline"), "accepted_direct_only");
    assert_eq!(pair_class(&run, "control.plain_get"), "same");
    expect_pair_line(&run, "baseline", "404 via public, 101 direct");
    expect_pair_line(&run, "control.plain_get", "404 both");
    let confidence = run.json["diagnosis"]["confidence"].as_f64().unwrap_or(0.0);
    assert!(confidence >= 0.95, "{}", run.describe());
}

// /work/shared/seeds/000, with the print worker written on another stack (Python websockets) than the API
// container (FastAPI) that nginx wrongly routes to. Given the worker as --direct, the same
// foreign-Origin request is refused with 403 on both sides, by two different servers.
#[test]
fn report_000_another_server_answers_through_the_front_than_directly() {
    let test = require!("direct_report_000_fingerprint", Tool::Nginx, Tool::Python);
    let worker = stack::app(App::PyWebsockets).addr();
    let mut scene = Scene::new(test);
    let port = scene.nginx(
        "wrong-upstream.conf",
        &[
            ("UPSTREAM_API", stack::app(App::FastApiApiContainer).addr()),
            ("UPSTREAM_WORKER", worker.clone()),
        ],
    );
    let path = "/api/v1/print/servers/42/ws";
    let run = probe_with_direct(
        &format!("ws://127.0.0.1:{port}{path}"),
        &format!("ws://{worker}{path}"),
    );
    run.expect("routing", "routing.wrong_upstream", 1);
    assert_eq!(
        comparison_verdict(&run),
        "front_refuses",
        "{}",
        run.describe()
    );
    assert_eq!(pair_class(&run, "baseline"), "accepted_direct_only");
    assert_eq!(pair_class(&run, "origin.foreign"), "different_responder");
    expect_evidence(&run, "answered by two different servers");
    expect_evidence(&run, "Python websockets");
}

// /work/shared/seeds/002 behind a correct nginx: the app's Origin allowlist refuses the dev port,
// through the proxy and directly alike. The backend decides, not the proxy.
#[test]
fn report_002_origin_refused_alike_through_nginx_and_directly_is_the_backends() {
    let test = require!("direct_report_002", Tool::Nginx, Tool::Python);
    let backend = stack::app(App::FastApiOriginAllowlist).addr();
    let mut scene = Scene::new(test);
    let port = Proxy::Nginx.start_healthy(&mut scene, &backend);
    let public = format!("ws://127.0.0.1:{port}/ws/chat");
    let direct = format!("ws://{backend}/ws/chat");
    let run = wsdoctor(&[
        public.as_str(),
        "--origin",
        "http://localhost:4000",
        "--direct",
        direct.as_str(),
    ]);
    assert_report_schema(&run.json);
    run.expect("origin", "origin.rejected", 1);
    assert_eq!(comparison_verdict(&run), "same", "{}", run.describe());
    expect_evidence(&run, "baseline: 403 both");
    expect_evidence(&run, "the backend itself decides, not the proxy");
    // The backend's own refusal weighs through the predictions for the direct twins: a confident
    // verdict (the comparison no longer adds a second, flat +0.1 on top).
    let confidence = run.json["diagnosis"]["confidence"].as_f64().unwrap_or(0.0);
    assert!(confidence >= 0.9, "{}", run.describe());
}

// /work/shared/seeds/003 cause 3 ("nginx rejecting request"): `deny all;` on the WebSocket
// location. The backend upgrades the same request directly; the foreign Origin is refused on
// both sides, by nginx's page publicly and by the app directly.
#[test]
fn nginx_deny_refuses_what_the_backend_accepts_directly() {
    let test = require!("direct_nginx_deny", Tool::Nginx, Tool::Python);
    let backend = stack::app(App::FastApi).addr();
    let mut scene = Scene::new(test);
    let port = scene.nginx("deny.conf", &[("UPSTREAM", backend.clone())]);
    let run = probe_with_direct(
        &format!("ws://127.0.0.1:{port}/ws"),
        &format!("ws://{backend}/ws"),
    );
    run.expect("proxy", "proxy.access_denied", 1);
    assert_eq!(
        comparison_verdict(&run),
        "front_refuses",
        "{}",
        run.describe()
    );
    expect_pair_line(&run, "baseline", "403 via public, 101 direct");
    expect_pair_line(
        &run,
        "origin.foreign",
        "403 via public (nginx), 403 direct (uvicorn)",
    );
    let confidence = run.json["diagnosis"]["confidence"].as_f64().unwrap_or(0.0);
    assert!(confidence >= 0.95, "{}", run.describe());
}

// proxy.front_refuses: nginx answers the WebSocket location with its own plain-text 403 (no nginx
// error page, nothing that names the writer), the backend upgrades directly.
#[test]
fn nginx_custom_refusal_in_front_of_an_accepting_backend_is_front_refuses() {
    let test = require!("direct_nginx_custom_refusal", Tool::Nginx, Tool::Python);
    let backend = stack::app(App::FastApi).addr();
    let mut scene = Scene::new(test);
    let port = scene.nginx("custom-refusal.conf", &[("UPSTREAM", backend.clone())]);
    let run = probe_with_direct(
        &format!("ws://127.0.0.1:{port}/ws"),
        &format!("ws://{backend}/ws"),
    );
    run.expect("proxy", "proxy.front_refuses", 1);
    assert_eq!(pair_class(&run, "baseline"), "accepted_direct_only");
    expect_pair_line(&run, "baseline", "403 via public, 101 direct");
}

// A healthy pair: nginx with the right WebSocket configuration in front of FastAPI, and the same
// app directly. Every pair agrees; the verdict stays ok.healthy.
#[test]
fn healthy_nginx_and_its_backend_agree_on_every_pair() {
    let test = require!("direct_healthy", Tool::Nginx, Tool::Python);
    let backend = stack::app(App::FastApi).addr();
    let mut scene = Scene::new(test);
    let port = Proxy::Nginx.start_healthy(&mut scene, &backend);
    let run = probe_with_direct(
        &format!("ws://127.0.0.1:{port}/ws"),
        &format!("ws://{backend}/ws"),
    );
    run.expect("ok", "ok.healthy", 0);
    assert_eq!(comparison_verdict(&run), "same", "{}", run.describe());
    let pairs = run.json["comparison"]["pairs"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(pairs.len() >= 5, "{}", run.describe());
    assert!(
        pairs.iter().all(|p| p["class"] == "same"),
        "{}",
        run.describe()
    );
}

// An unreachable --direct address (nothing listens there) decides nothing: the public verdict
// stands, and the evidence says the comparison could not be made.
#[test]
fn an_unreachable_direct_address_leaves_the_public_verdict_alone() {
    let test = require!("direct_unreachable", Tool::Nginx, Tool::Python);
    let backend = stack::app(App::FastApi).addr();
    let mut scene = Scene::new(test);
    let port = scene.nginx("deny.conf", &[("UPSTREAM", backend)]);
    let run = probe_with_direct(
        &format!("ws://127.0.0.1:{port}/ws"),
        &format!("ws://127.0.0.1:{}/ws", scene.closed_port()),
    );
    run.expect("proxy", "proxy.access_denied", 1);
    assert_eq!(
        comparison_verdict(&run),
        "direct_unreachable",
        "{}",
        run.describe()
    );
    expect_evidence(&run, "could not be made");
    expect_evidence(&run, "reachable from where wsdoctor runs");
}
