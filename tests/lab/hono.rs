//! Hono 4.13 on Node (@hono/node-server 1.19) with @hono/node-ws 1.3, measured at first contact
//! (issue 25), written as Hono's WebSocket helper documentation writes it: `createNodeWebSocket`,
//! `app.get('/ws', upgradeWebSocket(…))`, `injectWebSocket(serve(…))`, Hono's `bearerAuth`
//! middleware in front of the route. App: `fixtures/apps/node/hono_server.mjs`.
//!
//! On the wire (curl, before recording): @hono/node-ws answers every refusal to an upgrade with
//! the bare status (401 from bearerAuth without its `WWW-Authenticate` and body, 403, Hono's 404),
//! `Connection: close`, no body and no Server header; bearerAuth reads only the Authorization
//! header, so `?token=` is refused like no token; with `injectWebSocket(server)` forgotten the
//! upgrade is a 200 with an empty body, and the plain GET of `/ws` a 404.

use crate::support::products::{node, probe, FOREIGN_ORIGIN, GOOD_CLIENT};
use crate::support::stack::{Scene, Tool, ALLOWED_ORIGIN, VALID_TOKEN};

const HONO: Tool = Tool::NodePackage("@hono/node-ws");

fn hono(scene: &mut Scene, mode: &str) -> u16 {
    node(scene, "hono", "hono_server.mjs", mode)
}

#[test]
fn hono_bearer_auth_with_the_token_and_the_allowed_origin_is_healthy() {
    let test = require!("hono_healthy", HONO);
    let mut scene = Scene::new(test);
    let port = hono(&mut scene, "worker");
    let run = probe(port, "/ws", &GOOD_CLIENT);
    run.expect("ok", "ok.healthy", 0);
    // A default run keeps the credential out of URLs, so it cannot claim "header only".
    run.expect_no_finding("auth.header_only");
    // bearerAuth reads the Authorization header only: no browser can send it on a WebSocket —
    // shown once the query placement is tried too.
    let args: Vec<&str> = GOOD_CLIENT
        .iter()
        .copied()
        .chain(["--try-url-token"])
        .collect();
    let run = probe(port, "/ws", &args);
    run.expect("ok", "ok.healthy", 0);
    run.expect_finding("auth.header_only");
}

#[test]
fn hono_bearer_auth_without_a_token_is_missing_credentials() {
    let test = require!("hono_no_token", HONO);
    let mut scene = Scene::new(test);
    let port = hono(&mut scene, "worker");
    probe(port, "/ws", &["--origin", ALLOWED_ORIGIN]).expect("auth", "auth.missing_credentials", 1);
}

#[test]
fn hono_bearer_auth_refusing_a_wrong_token_is_credentials_rejected() {
    let test = require!("hono_bad_token", HONO);
    let mut scene = Scene::new(test);
    let port = hono(&mut scene, "worker");
    probe(
        port,
        "/ws",
        &["--token", "expired-token-0000", "--origin", ALLOWED_ORIGIN],
    )
    .expect("auth", "auth.credentials_rejected", 1);
}

#[test]
fn hono_origin_middleware_refusing_the_staging_frontend_is_origin_rejected() {
    let test = require!("hono_origin", HONO);
    let mut scene = Scene::new(test);
    let port = hono(&mut scene, "worker");
    probe(
        port,
        "/ws",
        &["--token", VALID_TOKEN, "--origin", FOREIGN_ORIGIN],
    )
    .expect("origin", "origin.rejected", 1);
}

// A browser client cannot set Authorization on a WebSocket, so it sends `?token=`; bearerAuth
// never reads the query.
#[test]
fn hono_bearer_auth_given_the_token_in_the_query_is_auth_placement() {
    let test = require!("hono_query_token", HONO);
    let mut scene = Scene::new(test);
    let port = hono(&mut scene, "worker");
    probe(
        port,
        "/ws",
        &[
            "--token",
            VALID_TOKEN,
            "--auth",
            "query",
            "--origin",
            ALLOWED_ORIGIN,
        ],
    )
    .expect("auth", "auth.placement", 1);
}

#[test]
fn hono_unknown_websocket_path_is_not_found() {
    let test = require!("hono_wrong_path", HONO);
    let mut scene = Scene::new(test);
    let port = hono(&mut scene, "worker");
    probe(port, "/socket", &GOOD_CLIENT).expect("routing", "routing.not_found", 1);
}

// `injectWebSocket(server)` forgotten: the Node server has no upgrade handler, so the route's
// upgradeWebSocket middleware answers 200 with an empty body; the plain GET is Hono's 404.
#[test]
fn hono_without_inject_websocket_is_websocket_unsupported() {
    let test = require!("hono_no_inject", HONO);
    let mut scene = Scene::new(test);
    let port = hono(&mut scene, "no-inject");
    probe(port, "/ws", &GOOD_CLIENT).expect("server", "server.websocket_unsupported", 1);
}
