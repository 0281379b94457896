//! Real-stack cases the rebuilt diagnosis engine must get right, each asserting the right verdict.
//! They document verdicts the engine on this branch is known to get wrong, so some of them fail
//! here until the new engine lands; the recorded runs (`fixtures/runs/`) carry the expected cause
//! either way.
//!
//! The twin of `an_api_container_refusing_every_credential_alike_is_credentials_rejected` ("the
//! same setup plus proof that the credential is good via an authenticated `--health-url`") is not
//! written: `--health-url` exists, but wsdoctor sends it without the credential
//! (`plan::http_controls` plans it from a credential-less baseline), so no flag can prove the
//! credential good over plain HTTP yet.

use crate::support::cli::{wsdoctor, Probe};
use crate::support::scenario::PRINT_WS;
use crate::support::stack::{self, App, Proxy, Scene, Tool, ALLOWED_ORIGIN, VALID_TOKEN};

/// The cause ids of `diagnosis.alternatives[]`.
fn alternative_causes(run: &Probe) -> Vec<String> {
    run.json["diagnosis"]["alternatives"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["cause"].as_str().map(str::to_string))
        .collect()
}

// /work/shared/seeds/000: nginx routes the print-server WebSocket path to the API container,
// which refuses every upgrade with 403 before auth. The user gives a valid credential but no
// --origin (a native print client sends none) and the worker's own URL with --direct, where the
// same credential upgrades. The baseline carried no Origin, so Origin cannot be the cause: the
// route is wrong.
#[test]
fn report_000_wrong_upstream_without_origin_but_with_the_worker_as_direct() {
    let test = require!(
        "report_000_wrong_upstream_without_origin_with_direct",
        Tool::Nginx,
        Tool::Python
    );
    let worker = stack::app(App::FastApi).addr();
    let mut scene = Scene::new(test);
    let port = scene.nginx(
        "wrong-upstream.conf",
        &[
            ("UPSTREAM_API", stack::app(App::FastApiApiContainer).addr()),
            ("UPSTREAM_WORKER", worker.clone()),
        ],
    );
    let url = format!("ws://127.0.0.1:{port}{PRINT_WS}");
    let direct = format!("ws://{worker}{PRINT_WS}");
    let run = wsdoctor(&[
        url.as_str(),
        "--token",
        VALID_TOKEN,
        "--direct",
        direct.as_str(),
    ]);
    run.expect("routing", "routing.wrong_upstream", 1);
}

// server.error through a proxy: FastAPI's WebSocket route raises before accept, so uvicorn
// answers HTTP 500 with its own plain-text body "Internal Server Error" and nginx relays it
// unchanged. The application failed; nginx reached it fine, so this is no bad gateway.
#[test]
fn an_app_500_relayed_by_nginx_is_server_error_not_bad_gateway() {
    let test = require!(
        "an_app_500_relayed_by_nginx_is_server_error",
        Tool::Nginx,
        Tool::Python
    );
    let mut scene = Scene::new(test);
    let port = Proxy::Nginx.start_healthy(&mut scene, &stack::app(App::FastApiWsError).addr());
    let url = format!("ws://127.0.0.1:{port}/ws");
    let run = wsdoctor(&[
        url.as_str(),
        "--token",
        VALID_TOKEN,
        "--origin",
        ALLOWED_ORIGIN,
    ]);
    run.expect("server", "server.error", 1);
}

// Situation 3 (a 101 without the subprotocol the client offered) is
// `findings::websockets_without_subprotocols_is_a_bad_handshake_for_browsers`, which also checks
// the browsers' judgement, and `browser::browser_missing_subprotocol_fails_in_chrome_but_opens_in_firefox`
// against the real browsers.

// /work/shared/seeds/000 as the user sees it without the worker's address: behind nginx, the API
// container answers 403 to the user's credential, to a wrong one and to none alike, and nothing
// proves the user's credential good. From outside a refused credential is the likelier reading;
// the wrong route stays among the alternatives (with `--direct` to decide).
#[test]
fn an_api_container_refusing_every_credential_alike_is_credentials_rejected() {
    let test = require!(
        "an_api_container_refusing_every_credential_alike",
        Tool::Nginx,
        Tool::Python
    );
    let mut scene = Scene::new(test);
    let port = Proxy::Nginx.start_healthy(&mut scene, &stack::app(App::FastApiApiContainer).addr());
    let url = format!("ws://127.0.0.1:{port}/ws");
    let run = wsdoctor(&[
        url.as_str(),
        "--token",
        VALID_TOKEN,
        "--origin",
        ALLOWED_ORIGIN,
    ]);
    run.expect("auth", "auth.credentials_rejected", 1);
    let alternatives = alternative_causes(&run);
    assert!(
        alternatives.iter().any(|c| c == "routing.wrong_upstream"),
        "expected routing.wrong_upstream among the alternatives, got {alternatives:?}\n{}",
        run.describe()
    );
}
