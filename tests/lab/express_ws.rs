//! Express 4.22 with express-ws 5.0, measured at first contact (issue 25), written as express-ws's
//! README writes it: `require('express-ws')(app)`, `app.ws('/ws', …)`, an authentication
//! middleware in `app.use` before it, and an Origin check through `wsOptions.verifyClient`. App:
//! `fixtures/apps/node/express_ws_server.js`.
//!
//! On the wire (curl, before recording): express-ws completes the handshake before the app's
//! middleware runs, so the middleware's `res.status(401).json(…)` goes nowhere: the client gets
//! 101 and then a close frame without a code — the same answer an unknown path gets (no `app.ws`
//! route handled it); verifyClient's refusal is ws's `401 Unauthorized` (text/html, whatever the
//! reason); a handler's `ws.close(4401, 'unauthorized')` comes right after the 101.

use crate::support::products::{node, probe, FOREIGN_ORIGIN, GOOD_CLIENT};
use crate::support::stack::{Scene, Tool, ALLOWED_ORIGIN, VALID_TOKEN};

const EXPRESS_WS: Tool = Tool::NodePackage("express-ws");

fn express_ws(scene: &mut Scene, mode: &str) -> u16 {
    node(scene, "express-ws", "express_ws_server.js", mode)
}

#[test]
fn express_ws_route_with_the_token_and_the_allowed_origin_is_healthy() {
    let test = require!("express_ws_healthy", EXPRESS_WS);
    let mut scene = Scene::new(test);
    let port = express_ws(&mut scene, "worker");
    probe(port, "/ws", &GOOD_CLIENT).expect("ok", "ok.healthy", 0);
}

// The middleware's 401 is swallowed: 101, then a close frame without a code.
#[test]
fn express_ws_auth_middleware_without_a_token_is_missing_credentials() {
    let test = require!("express_ws_no_token", EXPRESS_WS);
    let mut scene = Scene::new(test);
    let port = express_ws(&mut scene, "worker");
    probe(port, "/ws", &["--origin", ALLOWED_ORIGIN]).expect("auth", "auth.missing_credentials", 1);
}

#[test]
fn express_ws_auth_middleware_refusing_a_wrong_token_is_credentials_rejected() {
    let test = require!("express_ws_bad_token", EXPRESS_WS);
    let mut scene = Scene::new(test);
    let port = express_ws(&mut scene, "worker");
    probe(
        port,
        "/ws",
        &["--token", "expired-token-0000", "--origin", ALLOWED_ORIGIN],
    )
    .expect("auth", "auth.credentials_rejected", 1);
}

// ws's verifyClient refusal is a 401 whatever the reason.
#[test]
fn express_ws_verify_client_refusing_the_staging_frontend_is_origin_rejected() {
    let test = require!("express_ws_origin", EXPRESS_WS);
    let mut scene = Scene::new(test);
    let port = express_ws(&mut scene, "worker");
    probe(
        port,
        "/ws",
        &["--token", VALID_TOKEN, "--origin", FOREIGN_ORIGIN],
    )
    .expect("origin", "origin.rejected", 1);
}

// No `app.ws` route for the path: 101, then a close frame without a code; the plain GET is
// Express's 404 "Cannot GET /socket".
#[test]
fn express_ws_unknown_websocket_path_is_not_found() {
    let test = require!("express_ws_wrong_path", EXPRESS_WS);
    let mut scene = Scene::new(test);
    let port = express_ws(&mut scene, "worker");
    probe(port, "/socket", &GOOD_CLIENT).expect("routing", "routing.not_found", 1);
}

#[test]
fn express_ws_handler_closing_4401_is_auth_closed_after_upgrade() {
    let test = require!("express_ws_close_4401", EXPRESS_WS);
    let mut scene = Scene::new(test);
    let port = express_ws(&mut scene, "close-4401");
    probe(
        port,
        "/ws",
        &["--token", "expired-token-0000", "--origin", ALLOWED_ORIGIN],
    )
    .expect("auth", "auth.closed_after_upgrade", 1);
}
