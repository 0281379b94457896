//! SNI Proxy 0.6 (Debian's `sniproxy`) as an HTTP front in front of the FastAPI worker, measured
//! at first contact (issue 25). It routes by the Host header through a table and then relays the
//! TCP stream untouched, so it adds no header of its own. Config: `fixtures/sniproxy/http.conf`.
//!
//! On the wire (curl, before recording): a Host in the table upgrades (the app's 101 with
//! `server: uvicorn`); a Host outside it (another name, or the bare address) gets sniproxy's own
//! `503 Service Temporarily Unavailable`, `Content-Type: text/html`, body "Backend not available",
//! no Server header; a table entry whose backend is down is accepted and closed without a byte.

use crate::support::cli::{wsdoctor, Probe};
use crate::support::free_port;
use crate::support::process::Spawn;
use crate::support::products::FOREIGN_ORIGIN;
use crate::support::stack::{self, find_program, App, Scene, Tool, ALLOWED_ORIGIN, VALID_TOKEN};

/// Starts sniproxy; returns its port.
fn sniproxy(scene: &mut Scene) -> u16 {
    let port = free_port();
    let down = scene.closed_port();
    let conf = scene.render_config(
        "sniproxy/http.conf",
        &[
            ("LISTEN", format!("127.0.0.1:{port}")),
            ("UPSTREAM", stack::app(App::FastApi).addr()),
            ("UPSTREAM_DOWN", format!("127.0.0.1:{down}")),
        ],
    );
    let program = find_program("sniproxy").expect("sniproxy (the test required it)");
    scene.spawn(
        Spawn::new("sniproxy", program)
            .args([std::ffi::OsString::from("-f"), "-c".into(), conf.into()])
            .ready_on(port),
    );
    port
}

/// Probes `ws://<host>:<port>/ws/chat`, the name resolved to 127.0.0.1.
fn probe_host(host: &str, port: u16, origin: &str) -> Probe {
    let url = format!("ws://{host}:{port}/ws/chat");
    let resolve = format!("{host}:{port}:127.0.0.1");
    wsdoctor(&[
        url.as_str(),
        "--resolve",
        resolve.as_str(),
        "--token",
        VALID_TOKEN,
        "--origin",
        origin,
    ])
}

#[test]
fn sniproxy_routing_the_host_to_the_worker_is_healthy() {
    let test = require!("sniproxy_healthy", Tool::Sniproxy, Tool::Python);
    let mut scene = Scene::new(test);
    let port = sniproxy(&mut scene);
    probe_host("api.lab.test", port, ALLOWED_ORIGIN).expect("ok", "ok.healthy", 0);
}

// A new name (the chat service) not yet in sniproxy's table: its own 503 "Backend not available".
// (Table entries are unanchored regular expressions: `api.lab.test` also matches
// `staging-api.lab.test`, so the name must not contain it.)
#[test]
fn sniproxy_without_a_table_entry_for_the_host_is_bad_gateway() {
    let test = require!("sniproxy_unknown_host", Tool::Sniproxy, Tool::Python);
    let mut scene = Scene::new(test);
    let port = sniproxy(&mut scene);
    probe_host("chat.lab.test", port, ALLOWED_ORIGIN).expect("proxy", "proxy.bad_gateway", 1);
}

// The table's backend is down: sniproxy accepts, fails to connect, and closes without a byte.
#[test]
fn sniproxy_with_the_backend_down_is_bad_gateway() {
    let test = require!("sniproxy_backend_down", Tool::Sniproxy, Tool::Python);
    let mut scene = Scene::new(test);
    let port = sniproxy(&mut scene);
    probe_host("down.lab.test", port, ALLOWED_ORIGIN).expect("proxy", "proxy.bad_gateway", 1);
}

// The app's Origin refusal (a bare 403 from uvicorn) relayed untouched through sniproxy.
#[test]
fn sniproxy_relaying_the_apps_origin_refusal_is_origin_rejected() {
    let test = require!("sniproxy_origin", Tool::Sniproxy, Tool::Python);
    let mut scene = Scene::new(test);
    let port = sniproxy(&mut scene);
    probe_host("api.lab.test", port, FOREIGN_ORIGIN).expect("origin", "origin.rejected", 1);
}
