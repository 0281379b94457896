//! Failure kinds of issue 24 against real servers, each read through the controls of the same URL
//! rather than from the upgrade's answer alone (run directly against the app: a front in between
//! would answer the dropped upgrade itself).
//!
//! - Engine.IO (socket.io 4.8) closes an upgrade for a path it does not serve without a byte
//!   (`destroyUpgrade`), and its HTTP server answers the plain GET of the same path with Express-
//!   style "Cannot GET": nothing serves the path, not a malformed handshake.
//! - A plain WebSocket client at Socket.IO's own path gets Engine.IO's 400 "Transport unknown":
//!   the upgrade reached the application, which speaks a protocol on top of WebSocket.

use crate::support::cli::wsdoctor;
use crate::support::stack::{self, App, Tool, SOCKET_IO_PATH};

fn socket_io(test: &str) -> Option<String> {
    if !stack::require(test, &[Tool::Node]) {
        return None;
    }
    Some(stack::app(App::SocketIo).addr())
}

#[test]
fn an_upgrade_socket_io_drops_without_a_byte_is_a_path_nothing_serves() {
    let Some(addr) = socket_io("generalise_socket_io_wrong_path") else {
        return;
    };
    let run = wsdoctor(&[format!("ws://{addr}/ws")]);
    run.expect("routing", "routing.not_found", 1);
    let text = run.diagnosis_text();
    assert!(
        text.contains("no HTTP answer") && text.contains("404"),
        "the verdict should say the upgrade got no answer and the plain GET a 404:\n{text}"
    );
    let bad = run.json["diagnosis"]["considered"]
        .as_array()
        .and_then(|c| {
            c.iter()
                .find(|x| x["cause"] == "server.bad_handshake_response")
        })
        .and_then(|x| x["share"].as_f64())
        .unwrap_or(1.0);
    assert!(
        bad < 0.2,
        "a handshake without a response is no bad response: {bad}"
    );
}

#[test]
fn a_plain_websocket_client_at_socket_io_s_path_is_told_the_endpoint_speaks_engine_io() {
    let Some(addr) = socket_io("generalise_socket_io_plain_ws") else {
        return;
    };
    let path = SOCKET_IO_PATH.split('?').next().unwrap_or("/socket.io/");
    let run = wsdoctor(&[format!("ws://{addr}{path}")]);
    run.expect("routing", "routing.not_websocket", 1);
    let text = run.diagnosis_text();
    assert!(
        text.contains("Engine.IO") || text.contains("Transport unknown"),
        "the verdict should name the protocol on top:\n{text}"
    );
}
