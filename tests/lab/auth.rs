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
    // The query placement puts the token in nginx's access log: a default run does not send it,
    // the user asks for it.
    let run = wsdoctor(&[
        url.as_str(),
        "--token",
        VALID_TOKEN,
        "--try-url-token",
        "--origin",
        ALLOWED_ORIGIN,
    ]);
    run.expect("auth", "auth.placement", 1);
    // Issue 28 point 7b: nginx is on the path and the header is answered as no credential is, so
    // the proxy fix and its snippet apply; the first fix is the placement that worked.
    let remedy = run.json["diagnosis"]["remedy"].to_string();
    assert!(
        remedy.contains("make the proxy forward the header"),
        "{remedy}"
    );
    assert!(remedy.contains("?token=<token>"), "{remedy}");
    assert!(
        run.snippets().iter().any(|(lang, code)| lang == "nginx"
            && code.contains("proxy_set_header Authorization $http_authorization")),
        "{:?}",
        run.snippets()
    );
}

// Issue 24 point 3: the user's credential wherever they put it. The same token given as
// `-H 'Authorization: …'` gets the verdict `--token` gets, through the same nginx.
#[test]
fn an_authorization_header_is_diagnosed_as_token_through_nginx_stripping_it() {
    let test = require!("credential_header_like_token", Tool::Nginx, Tool::Python);
    let mut scene = Scene::new(test);
    let port = scene.nginx(
        "strip-authorization.conf",
        &[("UPSTREAM", stack::app(App::FastApi).addr())],
    );
    let url = format!("ws://127.0.0.1:{port}/ws");
    let header = format!("Authorization: Bearer {VALID_TOKEN}");
    let common = ["--try-url-token", "--origin", ALLOWED_ORIGIN];
    let by_flag = wsdoctor(&[&[url.as_str(), "--token", VALID_TOKEN][..], &common[..]].concat());
    let by_header = wsdoctor(&[&[url.as_str(), "-H", header.as_str()][..], &common[..]].concat());
    by_flag.expect("auth", "auth.placement", 1);
    by_header.expect("auth", "auth.placement", 1);
    assert_eq!(by_header.json["input"]["credential_given"], true);
    assert!(!by_header.json.to_string().contains(VALID_TOKEN));
}

// The token in the URL's query, as a browser client often puts it, is the credential too: the
// same verdict as `--token … --auth query`, and the token never printed.
#[test]
fn a_query_token_is_diagnosed_as_token_with_auth_query_through_nginx() {
    let test = require!("credential_query_like_token", Tool::Nginx, Tool::Python);
    let mut scene = Scene::new(test);
    let port = scene.nginx(
        "strip-authorization.conf",
        &[("UPSTREAM", stack::app(App::FastApi).addr())],
    );
    let base = format!("ws://127.0.0.1:{port}/ws");
    let in_url = format!("{base}?token={VALID_TOKEN}");
    let by_flag = wsdoctor(&[
        base.as_str(),
        "--token",
        VALID_TOKEN,
        "--auth",
        "query",
        "--origin",
        ALLOWED_ORIGIN,
    ]);
    let by_url = wsdoctor(&[in_url.as_str(), "--origin", ALLOWED_ORIGIN]);
    assert_eq!(
        by_url.cause(),
        by_flag.cause(),
        "{}",
        by_url.json["diagnosis"]
    );
    assert_eq!(by_url.json["input"]["credential_given"], true);
    assert!(!by_url.json.to_string().contains(VALID_TOKEN));
    assert!(!by_url.stderr.contains(VALID_TOKEN));
}

// The URL's userinfo is sent as HTTP Basic (curl's reading), as `-u` sends it: the same verdict.
#[test]
fn userinfo_is_diagnosed_as_dash_u_through_nginx() {
    let test = require!("credential_userinfo_like_u", Tool::Nginx, Tool::Python);
    let mut scene = Scene::new(test);
    let url = behind_nginx(&mut scene, App::FastApi);
    let with_userinfo = url.replacen("ws://", "ws://alice:lab-pa55-Xw7q@", 1);
    let by_u = wsdoctor(&[
        url.as_str(),
        "-u",
        "alice:lab-pa55-Xw7q",
        "--origin",
        ALLOWED_ORIGIN,
    ]);
    let by_url = wsdoctor(&[with_userinfo.as_str(), "--origin", ALLOWED_ORIGIN]);
    assert_eq!(by_url.cause(), by_u.cause(), "{}", by_url.json["diagnosis"]);
    assert_eq!(by_url.json["input"]["credential_given"], true);
    let everything = format!("{}{}", by_url.json, by_url.stderr);
    assert!(!everything.contains("lab-pa55"), "{everything}");
}
