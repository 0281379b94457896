//! Autobahn|Python 26.11 on Twisted 26.10, measured at first contact (issue 25), written as
//! Autobahn's documentation and examples write a server: `onConnect` raising `ConnectionDeny`, the
//! factory's own Origin check `setProtocolOptions(allowedOrigins=[…])`, the factory mounted at
//! `/ws` of a twisted.web site with `WebSocketResource`. App: `fixtures/apps/python/autobahn_app.py`.
//!
//! On the wire (curl, before recording): `ConnectionDeny(403, "missing token")` is a 403 whose
//! reason phrase is the message, with no headers and no body; Autobahn matches an Origin as
//! `scheme://host:port` against the allowedOrigins patterns, so `http://app.lab.test` in the list
//! refuses the very page it names (400 "WebSocket connection denied: origin … not allowed") until
//! it is written `http://app.lab.test:80`; an unknown path is twisted.web's 404 "No Such Resource"
//! page; `sendClose(4001, "token expired")` in `onOpen` closes right after the 101.

use crate::support::products::{probe, python};
use crate::support::stack::{Scene, Tool, ALLOWED_ORIGIN, VALID_TOKEN};

const AUTOBAHN: Tool = Tool::PyPackage("autobahn");
/// The allowlist as Autobahn matches it: with the port.
const ALLOWED_WITH_PORT: &str = "http://app.lab.test:80";

fn autobahn(scene: &mut Scene, mode: &str, allowed: &str) -> u16 {
    python(
        scene,
        "autobahn",
        &["autobahn_app.py"],
        mode,
        &[("ALLOWED_ORIGINS", allowed)],
    )
}

#[test]
fn autobahn_with_the_token_and_an_allowed_origin_is_healthy() {
    let test = require!("autobahn_healthy", AUTOBAHN);
    let mut scene = Scene::new(test);
    let port = autobahn(&mut scene, "worker", ALLOWED_WITH_PORT);
    probe(
        port,
        "/ws",
        &["--token", VALID_TOKEN, "--origin", ALLOWED_ORIGIN],
    )
    .expect("ok", "ok.healthy", 0);
}

#[test]
fn autobahn_connection_deny_without_a_token_is_missing_credentials() {
    let test = require!("autobahn_no_token", AUTOBAHN);
    let mut scene = Scene::new(test);
    let port = autobahn(&mut scene, "worker", ALLOWED_WITH_PORT);
    probe(port, "/ws", &["--origin", ALLOWED_ORIGIN]).expect("auth", "auth.missing_credentials", 1);
}

#[test]
fn autobahn_connection_deny_for_a_wrong_token_is_credentials_rejected() {
    let test = require!("autobahn_bad_token", AUTOBAHN);
    let mut scene = Scene::new(test);
    let port = autobahn(&mut scene, "worker", ALLOWED_WITH_PORT);
    probe(
        port,
        "/ws",
        &["--token", "expired-token-0000", "--origin", ALLOWED_ORIGIN],
    )
    .expect("auth", "auth.credentials_rejected", 1);
}

// allowedOrigins=["http://app.lab.test"]: the frontend's own Origin is refused (Autobahn compares
// "http://app.lab.test:80"); a client sending no Origin upgrades.
#[test]
fn autobahn_allowed_origins_without_the_port_refuse_the_frontend_is_origin_rejected() {
    let test = require!("autobahn_origin_port", AUTOBAHN);
    let mut scene = Scene::new(test);
    let port = autobahn(&mut scene, "worker", ALLOWED_ORIGIN);
    probe(
        port,
        "/ws",
        &["--token", VALID_TOKEN, "--origin", ALLOWED_ORIGIN],
    )
    .expect("origin", "origin.rejected", 1);
}

#[test]
fn autobahn_site_without_the_websocket_path_is_not_found() {
    let test = require!("autobahn_wrong_path", AUTOBAHN);
    let mut scene = Scene::new(test);
    let port = autobahn(&mut scene, "worker", ALLOWED_WITH_PORT);
    probe(
        port,
        "/socket",
        &["--token", VALID_TOKEN, "--origin", ALLOWED_ORIGIN],
    )
    .expect("routing", "routing.not_found", 1);
}

#[test]
fn autobahn_closing_4001_in_on_open_is_auth_closed_after_upgrade() {
    let test = require!("autobahn_close_4001", AUTOBAHN);
    let mut scene = Scene::new(test);
    let port = autobahn(&mut scene, "close-after", ALLOWED_WITH_PORT);
    probe(
        port,
        "/ws",
        &["--token", "expired-token-0000", "--origin", ALLOWED_ORIGIN],
    )
    .expect("auth", "auth.closed_after_upgrade", 1);
}
