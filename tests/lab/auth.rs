//! Credentials: none sent, a wrong one sent, and one that only arrives in the query because nginx
//! strips the Authorization header (field report 003, "expected status code 101 but was 400").

use crate::support::cli::wsdoctor;
use crate::support::stack::{self, App, Proxy, Scene, Tool, ALLOWED_ORIGIN, VALID_TOKEN};

fn behind_nginx(scene: &mut Scene, app: App) -> String {
    let port = Proxy::Nginx.start_healthy(scene, &stack::app(app).addr());
    format!("ws://127.0.0.1:{port}/ws")
}

// /work/shared/seeds/003 cause 1 "Authentication failure": the client connects without a token.
#[test]
fn report_003_missing_token_through_nginx_fastapi() {
    let test = require!(
        "report_003_missing_token_fastapi",
        Tool::Nginx,
        Tool::Python
    );
    let mut scene = Scene::new(test);
    let url = behind_nginx(&mut scene, App::FastApi);
    let run = wsdoctor(&[url.as_str(), "--origin", ALLOWED_ORIGIN]);
    run.expect("auth", "auth.missing_credentials", 1);
}

// /work/shared/seeds/003 cause 1, against a Node ws server whose verifyClient answers 401.
#[test]
fn report_003_missing_token_through_caddy_node_ws() {
    let test = require!("report_003_missing_token_node_ws", Tool::Caddy, Tool::Node);
    let mut scene = Scene::new(test);
    let port = Proxy::Caddy.start_healthy(&mut scene, &stack::app(App::NodeWs).addr());
    let url = format!("ws://127.0.0.1:{port}/ws");
    let run = wsdoctor(&[url.as_str(), "--origin", ALLOWED_ORIGIN]);
    run.expect("auth", "auth.missing_credentials", 1);
}

// /work/shared/seeds/003 cause 1 "Authorization header is present but invalid/expired".
#[test]
fn report_003_invalid_token_through_nginx_fastapi() {
    let test = require!(
        "report_003_invalid_token_fastapi",
        Tool::Nginx,
        Tool::Python
    );
    let mut scene = Scene::new(test);
    let url = behind_nginx(&mut scene, App::FastApi);
    let run = wsdoctor(&[
        url.as_str(),
        "--token",
        "lab-expired-token-0000",
        "--origin",
        ALLOWED_ORIGIN,
    ]);
    run.expect("auth", "auth.credentials_rejected", 1);
}

// /work/shared/seeds/003 cause 1, against a Python websockets server (process_request 401).
#[test]
fn report_003_invalid_token_through_haproxy_python_websockets() {
    let test = require!(
        "report_003_invalid_token_websockets",
        Tool::Haproxy,
        Tool::Python
    );
    let mut scene = Scene::new(test);
    let port = Proxy::Haproxy.start_healthy(&mut scene, &stack::app(App::PyWebsockets).addr());
    let url = format!("ws://127.0.0.1:{port}/ws");
    let run = wsdoctor(&[
        url.as_str(),
        "--token",
        "lab-expired-token-0000",
        "--origin",
        ALLOWED_ORIGIN,
    ]);
    run.expect("auth", "auth.credentials_rejected", 1);
}

// /work/shared/seeds/003 cause 2 "Nginx might be stripping headers": `proxy_set_header
// Authorization "";` so the Bearer header never reaches the app, while ?token= does.
#[test]
fn report_003_authorization_stripped_by_nginx_query_works() {
    let test = require!(
        "report_003_authorization_stripped",
        Tool::Nginx,
        Tool::Python
    );
    let mut scene = Scene::new(test);
    let port = scene.nginx(
        "strip-authorization.conf",
        &[("UPSTREAM", stack::app(App::FastApi).addr())],
    );
    let url = format!("ws://127.0.0.1:{port}/ws");
    let run = wsdoctor(&[
        url.as_str(),
        "--token",
        VALID_TOKEN,
        "--origin",
        ALLOWED_ORIGIN,
    ]);
    run.expect("auth", "auth.placement", 1);
}
