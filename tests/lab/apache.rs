//! Apache httpd 2.4 (the Debian `apache2` package) as the front proxy: the healthy control with
//! mod_proxy_http's `upgrade=websocket`, and the field reports' proxy faults as Apache users hit
//! them — a `ProxyPass` without the upgrade (report 001), `Require all denied` on the WebSocket
//! path and a dead backend (report 003), the WebSocket path routed to the API container
//! (report 000). Configs: `fixtures/apache/` (each includes the rendered `base.conf`).

use crate::support::cli::{wsdoctor, Probe};
use crate::support::stack::{self, App, Scene, Tool, ALLOWED_ORIGIN, VALID_TOKEN};

/// Probes `ws://127.0.0.1:<port>/ws` with the valid token and the allowed Origin.
fn probe_ws(port: u16) -> Probe {
    let url = format!("ws://127.0.0.1:{port}/ws");
    wsdoctor(&[
        url.as_str(),
        "--token",
        VALID_TOKEN,
        "--origin",
        ALLOWED_ORIGIN,
    ])
}

/// Starts Apache from `fixtures/apache/<fixture>` in front of the FastAPI worker.
fn apache_in_front_of_fastapi(scene: &mut Scene, fixture: &str) -> u16 {
    scene.apache(fixture, &[("UPSTREAM", stack::app(App::FastApi).addr())])
}

/// The Apache snippets of a run (target "Apache httpd", lang "apache").
fn apache_snippets(run: &Probe) -> Vec<String> {
    run.snippets()
        .into_iter()
        .filter(|(lang, _)| lang == "apache")
        .map(|(_, code)| code)
        .collect()
}

// Control for /work/shared/seeds/000-004 ("after the fix: 101 Switching Protocols") on Apache
// 2.4.47+: `ProxyPass "/ws" "http://…/ws" upgrade=websocket` (mod_proxy_http tunnels the upgrade).
#[test]
fn healthy_apache_in_front_of_fastapi() {
    let test = require!("healthy_apache_fastapi", Tool::Apache, Tool::Python);
    let mut scene = Scene::new(test);
    let port = apache_in_front_of_fastapi(&mut scene, "ws-proxy.conf");
    let run = probe_ws(port);
    run.expect("ok", "ok.healthy", 0);
    // Every browser-shaped attempt upgrades through Apache too.
    let browser_upgraded = run.json["attempts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| a["variant"]["group"] == "browser")
        .all(|a| a["outcome"]["kind"] == "upgraded");
    assert!(browser_upgraded, "{}", run.describe());
}

// /work/shared/seeds/001 on Apache: `ProxyPass "/ws" "http://…/ws"` without `upgrade=websocket`.
// Upgrade and Connection are hop-by-hop, so mod_proxy_http drops them; FastAPI answers the plain
// GET with its JSON 404, and Apache relays it keeping the app's `Server: uvicorn`.
#[test]
fn report_001_apache_proxypass_without_upgrade_websocket() {
    let test = require!("report_001_apache_no_upgrade", Tool::Apache, Tool::Python);
    let mut scene = Scene::new(test);
    let port = apache_in_front_of_fastapi(&mut scene, "no-upgrade.conf");
    let run = probe_ws(port);
    run.expect("proxy", "proxy.upgrade_not_forwarded", 1);
    assert!(
        run.diagnosis_text().contains("Apache httpd"),
        "the evidence should name Apache on the path\n{}",
        run.describe()
    );
    let snippets = apache_snippets(&run);
    assert!(
        snippets.iter().any(|c| c.contains("upgrade=websocket")),
        "expected an Apache snippet with upgrade=websocket, got {snippets:?}\n{}",
        run.describe()
    );
    assert!(
        !run.snippets().iter().any(|(lang, _)| lang == "nginx"),
        "no nginx snippet when Apache is the proxy\n{}",
        run.describe()
    );
}

// /work/shared/seeds/003 cause 3 ("proxy rejecting request: no server logs appear") on Apache:
// `<Location "/ws"> Require all denied </Location>`. Apache answers its own 403 page.
#[test]
fn report_003_apache_require_all_denied_on_the_websocket_path() {
    let test = require!("report_003_apache_deny", Tool::Apache, Tool::Python);
    let mut scene = Scene::new(test);
    let port = apache_in_front_of_fastapi(&mut scene, "deny.conf");
    let run = probe_ws(port);
    run.expect("proxy", "proxy.access_denied", 1);
    assert!(
        run.diagnosis_text().contains("Apache httpd"),
        "the refusal should be attributed to Apache\n{}",
        run.describe()
    );
    // Issue 28 point 7a: the grant is for the WebSocket path and the clients named, never
    // `Require all granted` (the refusal may be deliberate).
    let snippets = apache_snippets(&run);
    assert!(
        snippets
            .iter()
            .any(|c| c.contains("<Location \"/ws\">") && c.contains("Require ip")),
        "expected an Apache snippet granting /ws to named clients, got {snippets:?}\n{}",
        run.describe()
    );
    assert!(
        snippets.iter().all(|c| !c.contains("Require all granted")),
        "{snippets:?}"
    );
}

// /work/shared/seeds/003 cause 3 on an Apache that hides itself (`ServerTokens Prod`,
// `ServerSignature Off`): the Server header says only "Apache" and the page has no <address>, yet
// the refusal is still the proxy's own.
#[test]
fn report_003_apache_with_servertokens_prod_still_answers_its_own_403() {
    let test = require!("report_003_apache_deny_quiet", Tool::Apache, Tool::Python);
    let mut scene = Scene::new(test);
    let port = apache_in_front_of_fastapi(&mut scene, "deny-quiet.conf");
    let run = probe_ws(port);
    run.expect("proxy", "proxy.access_denied", 1);
    assert_eq!(
        run.json
            .pointer("/diagnosis/responder")
            .and_then(|v| v.as_str()),
        Some("Apache httpd"),
        "{}",
        run.describe()
    );
}

// /work/shared/seeds/003 cause 4 ("wrong path or port") on Apache: the WebSocket path proxied to
// a port nobody listens on. Apache 2.4 answers 503 Service Unavailable with its own page (the
// worker is put in error state), not 502.
#[test]
fn report_003_apache_upstream_down_is_bad_gateway() {
    let test = require!("report_003_apache_upstream_down", Tool::Apache);
    let mut scene = Scene::new(test);
    let down = format!("127.0.0.1:{}", scene.closed_port());
    let port = scene.apache("upstream-down.conf", &[("UPSTREAM_DOWN", down)]);
    let run = probe_ws(port);
    run.expect("proxy", "proxy.bad_gateway", 1);
    assert_eq!(
        run.json
            .pointer("/attempts/0/outcome/status")
            .and_then(|v| v.as_u64()),
        Some(503),
        "{}",
        run.describe()
    );
    let snippets = apache_snippets(&run);
    assert!(
        snippets.iter().any(|c| c.contains("ProxyPass")),
        "expected an Apache snippet, got {snippets:?}\n{}",
        run.describe()
    );
}

// /work/shared/seeds/000 on Apache: `ProxyPassMatch ^/api/v1/print/servers/(.+)/ws$` sends the
// print-server WebSocket path (upgrade forwarded) to the API container, which refuses every
// WebSocket with 403 before auth; the API key is valid.
#[test]
fn report_000_apache_routes_the_websocket_path_to_the_api_container() {
    let test = require!(
        "report_000_apache_wrong_upstream",
        Tool::Apache,
        Tool::Python
    );
    let mut scene = Scene::new(test);
    let port = scene.apache(
        "wrong-upstream.conf",
        &[
            ("UPSTREAM_API", stack::app(App::FastApiApiContainer).addr()),
            ("UPSTREAM_WORKER", stack::app(App::FastApi).addr()),
        ],
    );
    let url = format!("ws://127.0.0.1:{port}/api/v1/print/servers/42/ws");
    // The key is good: the same API serves it over HTTP (issue 14: proof decides the route).
    let check = format!("http://127.0.0.1:{port}/api/v1/print/servers");
    let run = wsdoctor(&[
        url.as_str(),
        "--token",
        VALID_TOKEN,
        "--auth",
        "header:X-API-Key",
        "--origin",
        ALLOWED_ORIGIN,
        "--auth-check",
        check.as_str(),
    ]);
    run.expect("routing", "routing.wrong_upstream", 1);
    let snippets = apache_snippets(&run);
    assert!(
        snippets.iter().any(|c| c.contains("ProxyPassMatch")),
        "expected an Apache routing snippet, got {snippets:?}\n{}",
        run.describe()
    );
}
