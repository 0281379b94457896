//! SockJS-node 0.3.24, measured at first contact (issue 25), written as its README writes a
//! server: `sockjs.createServer({ prefix: '/echo' })` installed on a Node http server. App:
//! `fixtures/apps/node/sockjs_server.js`.
//!
//! On the wire (curl, before recording): the raw WebSocket endpoint `/echo/websocket` upgrades;
//! the prefix itself (`ws://…/echo`, the URL a SockJS client is given, handed to a plain
//! `new WebSocket`) is a 200 "Welcome to SockJS!" in text/plain; a path outside the prefix is
//! never answered (SockJS's upgrade listener ignores it and nothing else owns it); with
//! `websocket: false` the WebSocket URLs are 404 with an empty body.

use crate::support::products::{node, probe};
use crate::support::stack::{Scene, Tool};

const SOCKJS: Tool = Tool::NodePackage("sockjs");

fn sockjs(scene: &mut Scene, mode: &str) -> u16 {
    node(scene, "sockjs", "sockjs_server.js", mode)
}

#[test]
fn sockjs_raw_websocket_endpoint_is_healthy() {
    let test = require!("sockjs_healthy", SOCKJS);
    let mut scene = Scene::new(test);
    let port = sockjs(&mut scene, "worker");
    probe(port, "/echo/websocket", &[]).expect("ok", "ok.healthy", 0);
}

// The SockJS URL (the prefix) given to a plain WebSocket client: SockJS's greeting page.
#[test]
fn sockjs_prefix_given_to_a_plain_websocket_client_is_not_websocket() {
    let test = require!("sockjs_prefix", SOCKJS);
    let mut scene = Scene::new(test);
    let port = sockjs(&mut scene, "worker");
    probe(port, "/echo", &[]).expect("routing", "routing.not_websocket", 1);
}

// A path outside the prefix: the upgrade is never answered.
#[test]
fn sockjs_path_outside_the_prefix_is_not_found() {
    let test = require!("sockjs_outside_prefix", SOCKJS);
    let mut scene = Scene::new(test);
    let port = sockjs(&mut scene, "worker");
    probe(port, "/chat/websocket", &[]).expect("routing", "routing.not_found", 1);
}

// `websocket: false`: the WebSocket transport is off in the server.
#[test]
#[ignore = "first contact: routing.not_found — waits on the diagnosis (issue 24)"]
fn sockjs_with_the_websocket_transport_off_is_websocket_unsupported() {
    let test = require!("sockjs_no_websocket", SOCKJS);
    let mut scene = Scene::new(test);
    let port = sockjs(&mut scene, "no-websocket");
    probe(port, "/echo/websocket", &[]).expect("server", "server.websocket_unsupported", 1);
}
