//! Falcon 4.4 (ASGI) on uvicorn, measured at first contact (issue 25): a resource with
//! `on_websocket` and a middleware whose `process_request_ws` raises `HTTPUnauthorized` /
//! `HTTPForbidden` before accept, as Falcon's WebSocket guide writes it, and a responder that
//! accepts first and then raises `HTTPForbidden` (Falcon closes with 3000 + status, 3403).
//! App: `fixtures/apps/python/falcon_app.py`.
//!
//! On the wire (curl and a python-websockets client, before recording): every refusal before
//! accept — missing or wrong token, foreign Origin, unknown path (Falcon's `HTTPRouteNotFound`) —
//! is uvicorn's bare 403; a plain GET of `/ws` is Falcon's 405, of an unknown path its 404; the
//! accept-first responder sends 101 and then close 3403 "Forbidden".

use crate::support::products::{probe, uvicorn, FOREIGN_ORIGIN, GOOD_CLIENT};
use crate::support::stack::{Scene, Tool, ALLOWED_ORIGIN, VALID_TOKEN};

fn falcon(scene: &mut Scene, mode: &str) -> u16 {
    uvicorn(scene, "falcon", "falcon_app:app", mode, &[])
}

#[test]
fn falcon_middleware_with_the_token_and_the_allowed_origin_is_healthy() {
    let test = require!("falcon_healthy", Tool::PyPackage("falcon"));
    let mut scene = Scene::new(test);
    let port = falcon(&mut scene, "worker");
    probe(port, "/ws", &GOOD_CLIENT).expect("ok", "ok.healthy", 0);
}

#[test]
fn falcon_middleware_without_a_token_is_missing_credentials() {
    let test = require!("falcon_no_token", Tool::PyPackage("falcon"));
    let mut scene = Scene::new(test);
    let port = falcon(&mut scene, "worker");
    probe(port, "/ws", &["--origin", ALLOWED_ORIGIN]).expect("auth", "auth.missing_credentials", 1);
}

#[test]
fn falcon_middleware_refusing_a_wrong_token_is_credentials_rejected() {
    let test = require!("falcon_bad_token", Tool::PyPackage("falcon"));
    let mut scene = Scene::new(test);
    let port = falcon(&mut scene, "worker");
    probe(
        port,
        "/ws",
        &["--token", "expired-token-0000", "--origin", ALLOWED_ORIGIN],
    )
    .expect("auth", "auth.credentials_rejected", 1);
}

#[test]
fn falcon_middleware_refusing_the_staging_frontend_is_origin_rejected() {
    let test = require!("falcon_origin", Tool::PyPackage("falcon"));
    let mut scene = Scene::new(test);
    let port = falcon(&mut scene, "worker");
    probe(
        port,
        "/ws",
        &["--token", VALID_TOKEN, "--origin", FOREIGN_ORIGIN],
    )
    .expect("origin", "origin.rejected", 1);
}

// Every upgrade variant gets uvicorn's bare 403 alike; the plain GET of the same URL is Falcon's
// 404 and the site root answers 200.
#[test]
fn falcon_unknown_websocket_path_is_not_found() {
    let test = require!("falcon_wrong_path", Tool::PyPackage("falcon"));
    let mut scene = Scene::new(test);
    let port = falcon(&mut scene, "worker");
    probe(port, "/ws/chat", &GOOD_CLIENT).expect("routing", "routing.not_found", 1);
}

// No variant holds the valid token, so every one closes alike with 3403 "Forbidden": Falcon's
// 3000 + HTTP status convention for an HTTPError raised after accept.
#[test]
fn falcon_responder_raising_forbidden_after_accept_is_auth_closed_after_upgrade() {
    let test = require!("falcon_close_3403", Tool::PyPackage("falcon"));
    let mut scene = Scene::new(test);
    let port = falcon(&mut scene, "accept-first");
    probe(
        port,
        "/ws",
        &["--token", "expired-token-0000", "--origin", ALLOWED_ORIGIN],
    )
    .expect("auth", "auth.closed_after_upgrade", 1);
}
