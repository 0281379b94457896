//! The proxy's own faults: it does not forward the upgrade (report 001), refuses the request
//! itself (report 003 "nginx rejecting request"), cannot reach its upstream (report 003 "wrong
//! port"), redirects the WebSocket URL (report 001 "Port 80 -> redirects to HTTPS"), or cannot fit
//! a long JWT in its header buffers (report 001 "large_client_header_buffers").

use crate::support::cli::wsdoctor;
use crate::support::stack::{self, App, Proxy, Scene, Tool, ALLOWED_ORIGIN, VALID_TOKEN};

/// Probes `ws://127.0.0.1:<port>/ws` with the valid token and the allowed Origin.
fn probe_ws(port: u16) -> crate::support::cli::Probe {
    let url = format!("ws://127.0.0.1:{port}/ws");
    wsdoctor(&[
        url.as_str(),
        "--token",
        VALID_TOKEN,
        "--origin",
        ALLOWED_ORIGIN,
    ])
}

fn upgrade_not_forwarded(test: &str, app: App) {
    if !stack::require(test, &[Tool::Nginx, app.tool()]) {
        return;
    }
    let mut scene = Scene::new(test);
    let port = scene.nginx(
        "no-upgrade-headers.conf",
        &[("UPSTREAM", stack::app(app).addr())],
    );
    let run = probe_ws(port);
    run.expect("proxy", "proxy.upgrade_not_forwarded", 1);
    let snippets = run.snippets();
    assert!(
        snippets
            .iter()
            .any(|(lang, code)| lang == "nginx" && code.contains("proxy_http_version 1.1")),
        "expected an nginx snippet with proxy_http_version 1.1, got {snippets:?}\n{}",
        run.describe()
    );
}

// /work/shared/seeds/001: nginx location without proxy_http_version 1.1 / Upgrade / Connection,
// in front of FastAPI (which then answers the de-upgraded request with its JSON 404).
#[test]
fn report_001_upgrade_not_forwarded_nginx_fastapi() {
    upgrade_not_forwarded("report_001_nginx_fastapi", App::FastApi);
}

// /work/shared/seeds/001, same nginx fault in front of a Python websockets server (426).
#[test]
fn report_001_upgrade_not_forwarded_nginx_python_websockets() {
    upgrade_not_forwarded("report_001_nginx_websockets", App::PyWebsockets);
}

// /work/shared/seeds/001, same nginx fault in front of a Node ws server (426 from http.Server).
#[test]
fn report_001_upgrade_not_forwarded_nginx_node_ws() {
    upgrade_not_forwarded("report_001_nginx_node_ws", App::NodeWs);
}

// /work/shared/seeds/003 cause 3 ("nginx rejecting request: no server logs appear"): `deny all;`
// on the WebSocket location.
#[test]
fn report_003_nginx_denies_the_websocket_path() {
    let test = require!("report_003_nginx_deny", Tool::Nginx, Tool::Python);
    let mut scene = Scene::new(test);
    let port = scene.nginx(
        "deny.conf",
        &[("UPSTREAM", stack::app(App::FastApi).addr())],
    );
    probe_ws(port).expect("proxy", "proxy.access_denied", 1);
}

// Issue 28 point 7a: the `deny all;` sits on the admin prefix and the WebSocket path lives under
// it (`/admin/ws`). The nginx fix must not open the admin prefix (`allow all;` on
// `location /admin/`): it is an exact location for the WebSocket path that lets in the clients
// named. Applied as suggested, with this client's address, it opens the socket and leaves the
// rest of /admin/ refused.
#[test]
fn a_deny_on_an_admin_prefix_gets_a_fix_for_the_websocket_path_alone() {
    let test = require!("issue_028_nginx_deny_admin", Tool::Nginx, Tool::Python);
    let upstream = stack::app(App::PyWebsockets).addr();
    let probe = |port: u16, path: &str| {
        let url = format!("ws://127.0.0.1:{port}{path}");
        wsdoctor(&[
            url.as_str(),
            "--token",
            VALID_TOKEN,
            "--origin",
            ALLOWED_ORIGIN,
        ])
    };
    let mut scene = Scene::new(test);
    let port = scene.nginx(
        "deny-admin.conf",
        &[
            ("UPSTREAM", upstream.clone()),
            ("WS_LOCATION", String::new()),
        ],
    );
    let run = probe(port, "/admin/ws");
    run.expect("proxy", "proxy.access_denied", 1);
    let nginx: Vec<String> = run
        .snippets()
        .into_iter()
        .filter(|(lang, _)| lang == "nginx")
        .map(|(_, code)| code)
        .collect();
    assert_eq!(nginx.len(), 1, "{nginx:?}\n{}", run.describe());
    let fix = &nginx[0];
    assert!(!fix.contains("allow all"), "{fix}");
    assert!(!fix.contains("location /admin/ "), "{fix}");
    assert!(fix.contains("location = /admin/ws {"), "{fix}");

    let applied = fix.replace("10.0.0.0/8", "127.0.0.1");
    let mut fixed = Scene::new(&format!("{test}_fixed"));
    let port = fixed.nginx(
        "deny-admin.conf",
        &[("UPSTREAM", upstream), ("WS_LOCATION", applied)],
    );
    probe(port, "/admin/ws").expect("ok", "ok.healthy", 0);
    probe(port, "/admin/other").expect("proxy", "proxy.access_denied", 1);
}

// Issue 28 point 7a on lighttpd: `url.access-deny` on the admin prefix refuses `/admin/ws`. The
// fix is a block for the WebSocket path alone and the clients named; applied as suggested, with
// this client's address, it opens the socket and leaves the rest of /admin/ refused.
#[test]
fn a_lighttpd_deny_on_an_admin_prefix_gets_a_fix_for_the_websocket_path_alone() {
    let test = require!(
        "issue_028_lighttpd_deny_admin",
        Tool::Lighttpd,
        Tool::Python
    );
    let upstream = stack::app(App::PyWebsockets).addr();
    let probe = |port: u16, path: &str| {
        let url = format!("ws://127.0.0.1:{port}{path}");
        wsdoctor(&[
            url.as_str(),
            "--token",
            VALID_TOKEN,
            "--origin",
            ALLOWED_ORIGIN,
        ])
    };
    let mut scene = Scene::new(test);
    let port = scene.lighttpd(
        "deny-admin.conf",
        &[("UPSTREAM", upstream.clone()), ("WS_FIX", String::new())],
    );
    let run = probe(port, "/admin/ws");
    run.expect("proxy", "proxy.access_denied", 1);
    let fixes: Vec<String> = run
        .snippets()
        .into_iter()
        .filter(|(lang, _)| lang == "lighttpd")
        .map(|(_, code)| code)
        .collect();
    assert_eq!(fixes.len(), 1, "{fixes:?}\n{}", run.describe());
    let fix = &fixes[0];
    assert!(fix.contains("$HTTP[\"url\"] == \"/admin/ws\""), "{fix}");
    assert!(!fix.contains("^/admin"), "{fix}");

    let applied = fix.replace("10.0.0.0/8", "127.0.0.1/32");
    let mut fixed = Scene::new(&format!("{test}_fixed"));
    let port = fixed.lighttpd(
        "deny-admin.conf",
        &[("UPSTREAM", upstream), ("WS_FIX", applied)],
    );
    probe(port, "/admin/ws").expect("ok", "ok.healthy", 0);
    probe(port, "/admin/other").expect("proxy", "proxy.access_denied", 1);
}

// /work/shared/seeds/003 cause 3, as HAProxy does it: `http-request deny if { path_beg /ws }`.
#[test]
fn report_003_haproxy_denies_the_websocket_path() {
    let test = require!("report_003_haproxy_deny", Tool::Haproxy, Tool::Python);
    let mut scene = Scene::new(test);
    let port = scene.haproxy("deny.cfg", &[("UPSTREAM", stack::app(App::FastApi).addr())]);
    probe_ws(port).expect("proxy", "proxy.access_denied", 1);
}

// /work/shared/seeds/003 cause 4 ("wrong path or port"): nginx proxies to a port nobody listens on.
#[test]
fn report_003_nginx_upstream_down_is_bad_gateway() {
    let test = require!("report_003_nginx_upstream_down", Tool::Nginx);
    let mut scene = Scene::new(test);
    let down = format!("127.0.0.1:{}", scene.closed_port());
    let port = scene.nginx("upstream-down.conf", &[("UPSTREAM_DOWN", down)]);
    probe_ws(port).expect("proxy", "proxy.bad_gateway", 1);
}

// /work/shared/seeds/003 cause 4, through Caddy: `reverse_proxy` to a dead port answers 502 with an
// empty body and `Server: Caddy`.
#[test]
fn report_003_caddy_upstream_down_is_bad_gateway() {
    let test = require!("report_003_caddy_upstream_down", Tool::Caddy);
    let mut scene = Scene::new(test);
    let down = format!("127.0.0.1:{}", scene.closed_port());
    let port = Proxy::Caddy.start_healthy(&mut scene, &down);
    probe_ws(port).expect("proxy", "proxy.bad_gateway", 1);
}

// /work/shared/seeds/003 cause 4, through HAProxy: no server can take the request, HAProxy answers
// its own 503 page after its connect retries.
#[test]
fn report_003_haproxy_upstream_down_is_bad_gateway() {
    let test = require!("report_003_haproxy_upstream_down", Tool::Haproxy);
    let mut scene = Scene::new(test);
    let down = format!("127.0.0.1:{}", scene.closed_port());
    let port = Proxy::Haproxy.start_healthy(&mut scene, &down);
    probe_ws(port).expect("proxy", "proxy.bad_gateway", 1);
}

// /work/shared/seeds/001 "Port 80 -> HTTP -> Redirects to HTTPS": ws:// gets a 301 to https://.
#[test]
fn report_001_http_to_https_redirect_on_the_websocket_url() {
    let test = require!("report_001_nginx_redirect", Tool::Nginx);
    let mut scene = Scene::new(test);
    let port = scene.nginx("redirect.conf", &[]);
    probe_ws(port).expect("proxy", "proxy.redirect", 1);
}

// /work/shared/seeds/001 "large_client_header_buffers: allow long JWT tokens in query string":
// with `large_client_header_buffers 2 1k;` a 2 KB token in ?token= gets 414 from nginx.
#[test]
fn report_001_long_query_token_exceeds_small_header_buffers() {
    let test = require!("report_001_nginx_small_buffers", Tool::Nginx, Tool::Python);
    let mut scene = Scene::new(test);
    let port = scene.nginx(
        "small-buffers.conf",
        &[("UPSTREAM", stack::app(App::FastApi).addr())],
    );
    // A JWT-shaped token, long like the ones report 001 carries in the query.
    let long_token = format!("eyJhbGciOiJIUzI1NiJ9.{}.sig", "x".repeat(2048));
    let url = format!("ws://127.0.0.1:{port}/ws");
    let run = wsdoctor(&[
        url.as_str(),
        "--token",
        long_token.as_str(),
        "--auth",
        "query",
        "--origin",
        ALLOWED_ORIGIN,
    ]);
    run.expect("proxy", "proxy.request_too_large", 1);
}
