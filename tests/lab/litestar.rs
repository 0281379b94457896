//! Litestar 2.25 on uvicorn, measured at first contact (issue 25): a `@websocket` route handler
//! protected by guards as Litestar's documentation writes them (`NotAuthorizedException`,
//! `PermissionDeniedException` raised before the socket is accepted), and the "accept, then check
//! the token" pattern closing with 4001. App: `fixtures/apps/python/litestar_app.py`.
//!
//! What Litestar does on the wire (curl, before recording): a guard's exception before accept
//! becomes `websocket.close`, which uvicorn answers with a bare `403` (no body, no Server header)
//! whether the token is missing, wrong, the Origin foreign or the path unknown; a plain GET of the
//! WebSocket route is Litestar's own `405`, of an unknown path its JSON `404`.

use crate::support::products::{probe, uvicorn, FOREIGN_ORIGIN, GOOD_CLIENT};
use crate::support::stack::{Scene, Tool, ALLOWED_ORIGIN, VALID_TOKEN};

fn litestar(scene: &mut Scene, mode: &str) -> u16 {
    uvicorn(scene, "litestar", "litestar_app:app", mode, &[])
}

#[test]
fn litestar_guarded_route_with_the_token_and_the_allowed_origin_is_healthy() {
    let test = require!("litestar_healthy", Tool::PyPackage("litestar"));
    let mut scene = Scene::new(test);
    let port = litestar(&mut scene, "worker");
    probe(port, "/ws", &GOOD_CLIENT).expect("ok", "ok.healthy", 0);
}

#[test]
fn litestar_guard_without_a_token_is_missing_credentials() {
    let test = require!("litestar_no_token", Tool::PyPackage("litestar"));
    let mut scene = Scene::new(test);
    let port = litestar(&mut scene, "worker");
    probe(port, "/ws", &["--origin", ALLOWED_ORIGIN]).expect("auth", "auth.missing_credentials", 1);
}

#[test]
fn litestar_guard_refusing_a_wrong_token_is_credentials_rejected() {
    let test = require!("litestar_bad_token", Tool::PyPackage("litestar"));
    let mut scene = Scene::new(test);
    let port = litestar(&mut scene, "worker");
    probe(
        port,
        "/ws",
        &["--token", "expired-token-0000", "--origin", ALLOWED_ORIGIN],
    )
    .expect("auth", "auth.credentials_rejected", 1);
}

#[test]
fn litestar_origin_guard_refusing_the_staging_frontend_is_origin_rejected() {
    let test = require!("litestar_origin", Tool::PyPackage("litestar"));
    let mut scene = Scene::new(test);
    let port = litestar(&mut scene, "worker");
    probe(
        port,
        "/ws",
        &["--token", VALID_TOKEN, "--origin", FOREIGN_ORIGIN],
    )
    .expect("origin", "origin.rejected", 1);
}

// Every upgrade variant gets uvicorn's bare 403 alike, while the plain GET of the same URL is
// Litestar's JSON 404 and the site root answers 200.
#[test]
fn litestar_unknown_websocket_path_is_not_found() {
    let test = require!("litestar_wrong_path", Tool::PyPackage("litestar"));
    let mut scene = Scene::new(test);
    let port = litestar(&mut scene, "worker");
    probe(port, "/ws/chat", &GOOD_CLIENT).expect("routing", "routing.not_found", 1);
}

#[test]
fn litestar_handler_closing_4001_after_accept_is_auth_closed_after_upgrade() {
    let test = require!("litestar_close_4001", Tool::PyPackage("litestar"));
    let mut scene = Scene::new(test);
    let port = litestar(&mut scene, "close-auth");
    probe(
        port,
        "/ws",
        &["--token", "expired-token-0000", "--origin", ALLOWED_ORIGIN],
    )
    .expect("auth", "auth.closed_after_upgrade", 1);
}
