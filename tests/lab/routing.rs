//! Field report 000 (/work/shared/seeds/000_6037e96518a484c0.txt): the proxy routes the print
//! server WebSocket path to the API container (ENABLE_BACKGROUND_WORKERS=false), which refuses
//! every WebSocket with 403 before auth; the API key is valid. Expected: routing.wrong_upstream.

use crate::support::cli::{wsdoctor, Probe};
use crate::support::stack::{self, App, Scene, Tool, ALLOWED_ORIGIN, VALID_TOKEN};

const PRINT_WS: &str = "/api/v1/print/servers/42/ws";

fn upstreams() -> [(&'static str, String); 2] {
    [
        ("UPSTREAM_API", stack::app(App::FastApiApiContainer).addr()),
        ("UPSTREAM_WORKER", stack::app(App::FastApi).addr()),
    ]
}

/// Field report 000's nginx (the print-server path routed to the API container) probed as its
/// user does (a valid X-API-Key, the frontend's Origin), plus the flags `extra` makes from the
/// nginx port.
fn report_000_through_nginx(test: &str, extra: impl Fn(u16) -> Vec<String>) -> Probe {
    let mut scene = Scene::new(test);
    let port = scene.nginx("wrong-upstream.conf", &upstreams());
    let mut args = vec![
        format!("ws://127.0.0.1:{port}{PRINT_WS}"),
        "--token".into(),
        VALID_TOKEN.into(),
        "--auth".into(),
        "header:X-API-Key".into(),
        "--origin".into(),
        ALLOWED_ORIGIN.into(),
    ];
    args.extend(extra(port));
    wsdoctor(&args)
}

// /work/shared/seeds/000: nginx `location ~ ^/api/v1/print/servers/.+/ws$` proxies to :8001 (API)
// instead of :8002 (worker). The user has only the public URL and a valid X-API-Key.
#[test]
fn report_000_wrong_upstream_through_nginx() {
    let test = require!(
        "report_000_wrong_upstream_through_nginx",
        Tool::Nginx,
        Tool::Python
    );
    // The key is valid: the API serves it over HTTP and refuses requests without it.
    let run = report_000_through_nginx(test, |port| {
        vec![
            "--auth-check".into(),
            format!("http://127.0.0.1:{port}/api/v1/print/servers"),
        ]
    });
    run.expect("routing", "routing.wrong_upstream", 1);
    let rejected = run.json["diagnosis"]["considered"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["cause"] == "auth.credentials_rejected")
        .cloned()
        .unwrap_or_default();
    assert!(
        rejected["contradicted"]
            .as_array()
            .is_some_and(|ids| ids.iter().any(|id| id == "http.auth_check")),
        "the proof must rule the credential out: {}",
        run.describe()
    );
}

// Issue 14, situation 4, on the real stack of report 000: the same 403 for the user's key, a
// wrong one and none, and nothing proves the key good. A rejected key explains the run as well as
// a wrong route and is the more common cause: it comes first, the wrong route is named beside it,
// and the next step is the one that tells them apart.
#[test]
fn report_000_without_proof_of_the_key_suspects_the_key_and_names_the_route() {
    let test = require!(
        "report_000_without_proof_of_the_key",
        Tool::Nginx,
        Tool::Python
    );
    let run = report_000_through_nginx(test, |_| Vec::new());
    run.expect("auth", "auth.credentials_rejected", 1);
    let alternatives: Vec<&str> = run.json["diagnosis"]["alternatives"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["cause"].as_str())
        .collect();
    assert!(
        alternatives.contains(&"routing.wrong_upstream"),
        "{}",
        run.describe()
    );
    let next = run.json["diagnosis"]["next_step"].as_str().unwrap_or("");
    assert!(next.contains("--auth-check"), "{}", run.describe());
}

// /work/shared/seeds/000, the Caddy variant: `@print_ws path_regexp` handled by the API container.
// Here the user also gives the worker's own URL (--direct), which upgrades.
#[test]
fn report_000_wrong_upstream_through_caddy_with_direct_worker() {
    let test = require!(
        "report_000_wrong_upstream_through_caddy",
        Tool::Caddy,
        Tool::Python
    );
    let mut scene = Scene::new(test);
    let port = scene.caddy("wrong-upstream.Caddyfile", &upstreams());
    let url = format!("ws://127.0.0.1:{port}{PRINT_WS}");
    let direct = format!("ws://{}{PRINT_WS}", stack::app(App::FastApi).addr());
    let run = wsdoctor(&[
        url.as_str(),
        "--token",
        VALID_TOKEN,
        "--auth",
        "header:X-API-Key",
        "--origin",
        ALLOWED_ORIGIN,
        "--direct",
        direct.as_str(),
    ]);
    run.expect("routing", "routing.wrong_upstream", 1);
    // The comparison (issue 6): the worker accepts what the route refuses, and the evidence cites
    // the differing pairs.
    assert_eq!(
        run.json
            .pointer("/comparison/verdict")
            .and_then(|v| v.as_str()),
        Some("front_refuses"),
        "{}",
        run.describe()
    );
    assert!(
        run.diagnosis_text()
            .contains("public vs --direct: baseline"),
        "{}",
        run.describe()
    );
}

// routing.intermittent: nginx balances one upstream pool round-robin over the healthy worker and
// a stale API container (ENABLE_BACKGROUND_WORKERS=false, 403 for every WebSocket). The same
// request, repeated (--repeat 6), upgrades on one backend and is refused on the other.
#[test]
fn nginx_round_robin_over_a_healthy_and_a_refusing_backend_is_intermittent() {
    let test = require!("nginx_round_robin_intermittent", Tool::Nginx, Tool::Python);
    let mut scene = Scene::new(test);
    let port = scene.nginx("intermittent.conf", &upstreams());
    let url = format!("ws://127.0.0.1:{port}/ws");
    let run = wsdoctor(&[
        url.as_str(),
        "--token",
        VALID_TOKEN,
        "--origin",
        ALLOWED_ORIGIN,
        "--repeat",
        "6",
    ]);
    run.expect("routing", "routing.intermittent", 1);
    // The tally names both answers: the worker's 101 and the API container's 403.
    let text = run.diagnosis_text();
    assert!(
        text.contains("403") && text.contains("101"),
        "the evidence should tally the 101s and the 403s\n{}",
        run.describe()
    );
}
