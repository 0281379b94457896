//! Origin checks: refused before accept (report 002: uvicorn answers 403) and accepted then
//! closed with 1008 ORIGIN_BLOCKED (report 004). Both are `origin.rejected`.

use crate::support::cli::{wsdoctor, Probe};
use crate::support::stack::{self, App, Scene, Tool, JWT_WITH_SESSION};

// /work/shared/seeds/002: FastAPI checks Origin against a localhost allowlist and calls
// `await websocket.close(code=1008)` before accept -> uvicorn 403. The page runs on a dev port
// missing from the list (the report's "Wrong Port?" section).
#[test]
fn report_002_origin_allowlist_before_accept() {
    require!("report_002_origin_allowlist", Tool::Python);
    let app = stack::app(App::FastApiOriginAllowlist);
    let url = format!("ws://{}/ws/chat", app.addr());
    let run = wsdoctor(&[url.as_str(), "--origin", "http://localhost:4000"]);
    run.expect("origin", "origin.rejected", 1);
}

// /work/shared/seeds/004 Scenario 5 "Origin Blocked": a valid ticket, the socket is accepted, then
// the server sends close 1008 "ORIGIN_BLOCKED".
#[test]
fn report_004_origin_blocked_after_accept() {
    require!("report_004_origin_blocked", Tool::Python);
    let app = stack::app(App::FastApiTickets);
    let url = format!("ws://{}/ws", app.addr());
    let ticket_url = format!("http://{}/api/v1/ws-ticket", app.addr());
    let run = wsdoctor(&[
        url.as_str(),
        "--token",
        JWT_WITH_SESSION,
        "--ticket-url",
        ticket_url.as_str(),
        "--origin",
        "https://app.other.test",
    ]);
    run.expect("origin", "origin.rejected", 1);
}

/// Runs the same-origin app behind nginx (`host-rewrite.conf`) sending `Host: <host_header>`
/// upstream, probed with the site's own Origin and, when `direct`, the backend's own URL.
fn same_origin_app_behind_nginx(test: &str, host_header: &str, direct: bool) -> Option<Probe> {
    if !stack::require(test, &[Tool::Nginx, Tool::Python]) {
        return None;
    }
    let backend = stack::app(App::FastApiSameHost).addr();
    let mut scene = Scene::new(test);
    let vars = [
        ("UPSTREAM", backend.clone()),
        ("HOST_HEADER", host_header.to_string()),
    ];
    let port = scene.nginx("host-rewrite.conf", &vars);
    let url = format!("ws://127.0.0.1:{port}/ws");
    let site = format!("http://127.0.0.1:{port}");
    let direct_url = format!("ws://{backend}/ws");
    let mut args = vec![url, "--origin".to_string(), site];
    if direct {
        args.extend(["--direct".to_string(), direct_url]);
    }
    Some(wsdoctor(&args))
}

// origin.host_rewritten: nginx sends `Host: backend.internal:8000` upstream, and the app's
// same-origin check compares Origin with Host, so the site's own Origin (the page served from the
// public host) is refused through the proxy, while the backend reached directly (--direct)
// accepts its own origin.
#[test]
fn nginx_rewriting_host_in_front_of_a_same_origin_check_is_host_rewritten() {
    let test = "nginx_host_rewritten";
    let Some(run) = same_origin_app_behind_nginx(test, "backend.internal:8000", true) else {
        return;
    };
    run.expect("origin", "origin.host_rewritten", 1);
}

// origin.host_rewritten, the subtle form: `proxy_set_header Host $host` drops the client's
// non-default port (the site runs on :PORT), so `Origin: http://127.0.0.1:PORT` still differs
// from `Host: 127.0.0.1`.
#[test]
fn nginx_host_variable_dropping_the_port_is_host_rewritten() {
    let test = "nginx_host_drops_port";
    let Some(run) = same_origin_app_behind_nginx(test, "$host", true) else {
        return;
    };
    run.expect("origin", "origin.host_rewritten", 1);
}

// Control for origin.host_rewritten: nginx passing the client's Host as sent (`$http_host`, the
// fix wsdoctor suggests) lets the same app accept the site's own Origin.
#[test]
fn nginx_passing_the_clients_host_in_front_of_a_same_origin_check_is_healthy() {
    let test = "nginx_host_passed";
    let Some(run) = same_origin_app_behind_nginx(test, "$http_host", false) else {
        return;
    };
    run.expect("ok", "ok.healthy", 0);
}
