//! Eclipse Mosquitto 2.0 (Debian's `mosquitto`) with a `protocol websockets` listener beside its
//! plain MQTT listener, measured at first contact (issue 25). Config:
//! `fixtures/mosquitto/websockets.conf`.
//!
//! On the wire (curl and openssl s_client, before recording): the WebSocket listener upgrades any
//! path and selects `mqtt` when offered (nothing when nothing is offered); a subprotocol it does
//! not know (a STOMP client's `v12.stomp`) and a plain GET are closed without a byte; a TLS
//! ClientHello gets plaintext bytes back (OpenSSL: "wrong version number"); the MQTT listener
//! resets an HTTP upgrade.

use std::ffi::OsString;

use crate::support::free_port;
use crate::support::process::Spawn;
use crate::support::products::probe;
use crate::support::stack::{find_program, Scene, Tool};

/// The broker's ports: (WebSocket listener, MQTT listener).
fn mosquitto(scene: &mut Scene) -> (u16, u16) {
    let (ws, mqtt) = (free_port(), free_port());
    let conf = scene.render_config(
        "mosquitto/websockets.conf",
        &[("WS_PORT", ws.to_string()), ("MQTT_PORT", mqtt.to_string())],
    );
    let program = find_program("mosquitto").expect("mosquitto (the test required it)");
    scene.spawn(
        Spawn::new("mosquitto", program)
            .args([OsString::from("-c"), conf.into()])
            .ready_on(ws)
            .ready_on(mqtt),
    );
    (ws, mqtt)
}

// MQTT.js: `mqtt.connect('ws://host:port/mqtt')` offers the `mqtt` subprotocol.
#[test]
fn mosquitto_websockets_listener_offered_mqtt_is_healthy() {
    let test = require!("mosquitto_healthy", Tool::Mosquitto);
    let mut scene = Scene::new(test);
    let (ws, _) = mosquitto(&mut scene);
    probe(ws, "/mqtt", &["--subprotocol", "mqtt"]).expect("ok", "ok.healthy", 0);
}

// The browser client pointed at the broker's MQTT port (1883) instead of its WebSocket listener:
// the broker reads the HTTP request as a malformed MQTT packet and resets the connection.
#[test]
fn mosquitto_mqtt_listener_given_a_websocket_upgrade_resets() {
    let test = require!("mosquitto_mqtt_port", Tool::Mosquitto);
    let mut scene = Scene::new(test);
    let (_, mqtt) = mosquitto(&mut scene);
    probe(mqtt, "/mqtt", &["--subprotocol", "mqtt"]).expect("tcp", "tcp.reset", 1);
}

// wss:// in the client while the listener has no certfile/keyfile: plaintext answers the
// ClientHello.
#[test]
fn mosquitto_websockets_listener_without_tls_given_wss_is_not_tls() {
    let test = require!("mosquitto_wss_to_plain", Tool::Mosquitto);
    let mut scene = Scene::new(test);
    let (ws, _) = mosquitto(&mut scene);
    let url = format!("wss://127.0.0.1:{ws}/mqtt");
    crate::support::cli::wsdoctor(&[url.as_str(), "--subprotocol", "mqtt"]).expect(
        "tls",
        "tls.not_tls",
        1,
    );
}

// A STOMP client (RabbitMQ Web-STOMP's `v10.stomp, v11.stomp, v12.stomp`) pointed at the MQTT
// broker: libwebsockets closes the connection without answering the handshake.
#[test]
fn mosquitto_closing_an_unknown_subprotocol_without_an_answer_is_bad_handshake_response() {
    let test = require!("mosquitto_unknown_subprotocol", Tool::Mosquitto);
    let mut scene = Scene::new(test);
    let (ws, _) = mosquitto(&mut scene);
    probe(
        ws,
        "/ws",
        &[
            "--subprotocol",
            "v10.stomp",
            "--subprotocol",
            "v11.stomp",
            "--subprotocol",
            "v12.stomp",
        ],
    )
    .expect("server", "server.bad_handshake_response", 1);
}
