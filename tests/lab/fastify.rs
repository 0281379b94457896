//! Fastify 5.12 with @fastify/websocket 11.3, measured at first contact (issue 25), written as the
//! plugin's README writes it: a `preValidation` hook that answers `reply.code(401)` before the
//! upgrade, routes declared `{ websocket: true }`. App: `fixtures/apps/node/fastify_server.js`.
//!
//! On the wire (curl and a python-websockets client, before recording): the hook's refusals are
//! plain-text 401 "not authenticated" / "invalid token" and 403 "origin not allowed" without a
//! Server header; an unknown path is Fastify's JSON 404; a route declared without
//! `{ websocket: true }` is upgraded anyway (the plugin takes every upgrade to a known route) and
//! then closed at once with a close frame without a code; a handler that throws leaves a 101 whose
//! TCP connection is then dropped without a close frame.

use crate::support::products::{node, probe, FOREIGN_ORIGIN, GOOD_CLIENT};
use crate::support::stack::{Scene, Tool, ALLOWED_ORIGIN, VALID_TOKEN};

const FASTIFY: Tool = Tool::NodePackage("@fastify/websocket");

fn fastify(scene: &mut Scene, mode: &str) -> u16 {
    node(scene, "fastify", "fastify_server.js", mode)
}

#[test]
fn fastify_websocket_route_with_the_token_and_the_allowed_origin_is_healthy() {
    let test = require!("fastify_healthy", FASTIFY);
    let mut scene = Scene::new(test);
    let port = fastify(&mut scene, "worker");
    probe(port, "/ws", &GOOD_CLIENT).expect("ok", "ok.healthy", 0);
}

#[test]
fn fastify_prevalidation_401_without_a_token_is_missing_credentials() {
    let test = require!("fastify_no_token", FASTIFY);
    let mut scene = Scene::new(test);
    let port = fastify(&mut scene, "worker");
    probe(port, "/ws", &["--origin", ALLOWED_ORIGIN]).expect("auth", "auth.missing_credentials", 1);
}

#[test]
fn fastify_prevalidation_401_for_a_wrong_token_is_credentials_rejected() {
    let test = require!("fastify_bad_token", FASTIFY);
    let mut scene = Scene::new(test);
    let port = fastify(&mut scene, "worker");
    probe(
        port,
        "/ws",
        &["--token", "expired-token-0000", "--origin", ALLOWED_ORIGIN],
    )
    .expect("auth", "auth.credentials_rejected", 1);
}

#[test]
fn fastify_prevalidation_403_for_the_staging_frontend_is_origin_rejected() {
    let test = require!("fastify_origin", FASTIFY);
    let mut scene = Scene::new(test);
    let port = fastify(&mut scene, "worker");
    probe(
        port,
        "/ws",
        &["--token", VALID_TOKEN, "--origin", FOREIGN_ORIGIN],
    )
    .expect("origin", "origin.rejected", 1);
}

#[test]
fn fastify_unknown_websocket_path_is_not_found() {
    let test = require!("fastify_wrong_path", FASTIFY);
    let mut scene = Scene::new(test);
    let port = fastify(&mut scene, "worker");
    probe(port, "/socket", &GOOD_CLIENT).expect("routing", "routing.not_found", 1);
}

// The route was declared without `{ websocket: true }`: a plain HTTP handler owns the path. The
// plugin upgrades the request and closes it at once (close frame without a code); the plain GET
// of the same URL is the handler's JSON 200.
#[test]
#[ignore = "first contact: server.closed_after_upgrade — waits on the diagnosis (issue 24)"]
fn fastify_route_without_the_websocket_option_is_not_websocket() {
    let test = require!("fastify_plain_route", FASTIFY);
    let mut scene = Scene::new(test);
    let port = fastify(&mut scene, "plain-route");
    probe(port, "/ws", &GOOD_CLIENT).expect("routing", "routing.not_websocket", 1);
}

#[test]
fn fastify_handler_throwing_after_the_upgrade_is_server_closed_after_upgrade() {
    let test = require!("fastify_throw", FASTIFY);
    let mut scene = Scene::new(test);
    let port = fastify(&mut scene, "throw");
    probe(port, "/ws", &GOOD_CLIENT).expect("server", "server.closed_after_upgrade", 1);
}
