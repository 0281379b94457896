//! pen 0.34 (Debian's `pen`), a TCP load balancer, in front of FastAPI workers, measured at first
//! contact (issue 25), run as its manual page runs it: `pen -f -r <listen> <backend>…` (foreground,
//! plain round robin). It relays bytes and adds nothing (no `-H`), so every answer is a backend's.
//!
//! On the wire (curl, before recording): one healthy backend upgrades; a pool whose second member
//! is the "API container" (every WebSocket refused with 403) alternates 101 and 403 from one request
//! to the next; with its only backend down pen accepts the connection and resets it.

use std::ffi::OsString;

use crate::support::free_port;
use crate::support::process::Spawn;
use crate::support::products::{probe, GOOD_CLIENT};
use crate::support::stack::{self, find_program, App, Scene, Tool};

/// Starts `pen -f -r 127.0.0.1:<port> <backends…>`; returns its port.
fn pen(scene: &mut Scene, backends: &[String]) -> u16 {
    let port = free_port();
    let program = find_program("pen").expect("pen (the test required it)");
    let mut args = vec![
        OsString::from("-f"),
        "-r".into(),
        format!("127.0.0.1:{port}").into(),
    ];
    args.extend(backends.iter().map(OsString::from));
    scene.spawn(Spawn::new("pen", program).args(args).ready_on(port));
    port
}

#[test]
fn pen_in_front_of_one_worker_is_healthy() {
    let test = require!("pen_healthy", Tool::Pen, Tool::Python);
    let mut scene = Scene::new(test);
    let port = pen(&mut scene, &[stack::app(App::FastApi).addr()]);
    probe(port, "/ws/chat", &GOOD_CLIENT).expect("ok", "ok.healthy", 0);
}

// The pool's second member runs the API container's config (ENABLE_BACKGROUND_WORKERS=false):
// round robin sends every other request there.
#[test]
fn pen_pool_with_one_misconfigured_member_is_intermittent() {
    let test = require!("pen_bad_member", Tool::Pen, Tool::Python);
    let mut scene = Scene::new(test);
    let port = pen(
        &mut scene,
        &[
            stack::app(App::FastApi).addr(),
            stack::app(App::FastApiApiContainer).addr(),
        ],
    );
    let mut flags = GOOD_CLIENT.to_vec();
    flags.extend(["--repeat", "4"]);
    probe(port, "/ws/chat", &flags).expect("routing", "routing.intermittent", 1);
}

// Its only backend is down: pen accepts, fails to connect, and closes or resets the client. A
// port that closes every request without a byte (the site root's too) is a relay with nothing
// behind it. When pen resets them all instead, nothing from outside tells a relay without its
// backend from a port that resets everything (an MQTT listener does the same,
// `mosquitto::…_resets`): the verdict is one of the two and names the other.
#[test]
fn pen_with_its_backend_down_is_bad_gateway() {
    let test = require!("pen_backend_down", Tool::Pen);
    let mut scene = Scene::new(test);
    let down = scene.closed_port();
    let port = pen(&mut scene, &[format!("127.0.0.1:{down}")]);
    let run = probe(port, "/ws/chat", &GOOD_CLIENT);
    let baseline_reset = run.json["attempts"][0]["outcome"]["error"] == "connection_reset";
    if !baseline_reset {
        run.expect("proxy", "proxy.bad_gateway", 1);
        return;
    }
    let cause = run.json["diagnosis"]["cause"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let both = ["proxy.bad_gateway", "tcp.reset"];
    assert!(both.contains(&cause.as_str()), "{}", run.describe());
    let other = both
        .iter()
        .find(|c| **c != cause)
        .copied()
        .unwrap_or_default();
    let named = run.json["diagnosis"]["alternatives"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|a| a["cause"] == other);
    assert!(named, "{other} is named beside {cause}: {}", run.describe());
    assert_eq!(run.code, Some(1), "{}", run.describe());
}
