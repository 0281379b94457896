//! Healthy stacks: each proxy with its correct WebSocket configuration in front of each app
//! kind must be diagnosed `ok.healthy` with exit 0 — the control every fault scenario is
//! measured against (field reports 000–004 all end with "after the fix: 101").

use crate::support::cli::wsdoctor;
use crate::support::stack::{self, App, Proxy, Scene, ALLOWED_ORIGIN, VALID_TOKEN};

fn healthy_through(test: &str, proxy: Proxy, app: App) {
    if !stack::require(test, &[proxy.tool(), app.tool()]) {
        return;
    }
    let upstream = stack::app(app).addr();
    let mut scene = Scene::new(test);
    let port = proxy.start_healthy(&mut scene, &upstream);
    let url = format!("ws://127.0.0.1:{port}/ws");
    let run = wsdoctor(&[
        url.as_str(),
        "--token",
        VALID_TOKEN,
        "--origin",
        ALLOWED_ORIGIN,
    ]);
    run.expect("ok", "ok.healthy", 0);
    // Every variant a healthy stack accepts reads as upgraded, the browser shapes included:
    // servers that take the permessage-deflate offer send compressed frames (RSV1), which are
    // not a protocol violation.
    for a in run.json["attempts"].as_array().into_iter().flatten() {
        let kind = a["outcome"]["kind"].as_str().unwrap_or("");
        assert_ne!(
            kind,
            "protocol_violation",
            "{}: {}",
            a["variant"]["id"],
            run.describe()
        );
    }
    let browser_upgraded = run.json["attempts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| a["variant"]["group"] == "browser")
        .all(|a| a["outcome"]["kind"] == "upgraded");
    assert!(browser_upgraded, "{}", run.describe());
}

// Control for /work/shared/seeds/000-004 ("after the fix: 101 Switching Protocols").
#[test]
fn healthy_nginx_in_front_of_fastapi() {
    healthy_through("healthy_nginx_fastapi", Proxy::Nginx, App::FastApi);
}

// Control for /work/shared/seeds/000-004 ("after the fix: 101 Switching Protocols").
#[test]
fn healthy_nginx_in_front_of_python_websockets() {
    healthy_through("healthy_nginx_websockets", Proxy::Nginx, App::PyWebsockets);
}

// Control for /work/shared/seeds/000-004 ("after the fix: 101 Switching Protocols").
#[test]
fn healthy_nginx_in_front_of_node_ws() {
    healthy_through("healthy_nginx_node_ws", Proxy::Nginx, App::NodeWs);
}

// Control for /work/shared/seeds/000-004 ("after the fix: 101 Switching Protocols").
#[test]
fn healthy_caddy_in_front_of_fastapi() {
    healthy_through("healthy_caddy_fastapi", Proxy::Caddy, App::FastApi);
}

// Control for /work/shared/seeds/000-004 ("after the fix: 101 Switching Protocols").
#[test]
fn healthy_caddy_in_front_of_python_websockets() {
    healthy_through("healthy_caddy_websockets", Proxy::Caddy, App::PyWebsockets);
}

// Control for /work/shared/seeds/000-004 ("after the fix: 101 Switching Protocols").
#[test]
fn healthy_caddy_in_front_of_node_ws() {
    healthy_through("healthy_caddy_node_ws", Proxy::Caddy, App::NodeWs);
}

// Control for /work/shared/seeds/000-004 ("after the fix: 101 Switching Protocols").
#[test]
fn healthy_haproxy_in_front_of_fastapi() {
    healthy_through("healthy_haproxy_fastapi", Proxy::Haproxy, App::FastApi);
}

// Control for /work/shared/seeds/000-004 ("after the fix: 101 Switching Protocols").
#[test]
fn healthy_haproxy_in_front_of_python_websockets() {
    healthy_through(
        "healthy_haproxy_websockets",
        Proxy::Haproxy,
        App::PyWebsockets,
    );
}

// Control for /work/shared/seeds/000-004 ("after the fix: 101 Switching Protocols").
#[test]
fn healthy_haproxy_in_front_of_node_ws() {
    healthy_through("healthy_haproxy_node_ws", Proxy::Haproxy, App::NodeWs);
}
