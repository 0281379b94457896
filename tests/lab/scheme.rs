//! Issue 12 point 3: the scheme does not match the port. `ws://` to real TLS listeners (nginx's
//! "400 The plain HTTP request was sent to HTTPS port", Caddy's Go "400 Client sent an HTTP
//! request to an HTTPS server", HAProxy's bare close) is `tls.plaintext_to_tls_port`, found by one
//! ClientHello to the same port; `wss://` to plaintext apps (Python `websockets`, which closes
//! on a ClientHello, and uvicorn, which answers it in plaintext) is `tls.not_tls`, found by one
//! plaintext request to the same port. Neither guess carries the user's token.

use crate::support::certs;
use crate::support::cli::{wsdoctor, Probe};
use crate::support::stack::{self, App, Scene, Tool, ALLOWED_ORIGIN, VALID_TOKEN};

const HOST: &str = "localhost";

/// `ws://localhost:PORT/ws` (resolved to 127.0.0.1) with the lab's credential and Origin.
fn probe_ws(port: u16) -> Probe {
    let url = format!("ws://{HOST}:{port}/ws");
    let resolve = format!("{HOST}:{port}:127.0.0.1");
    wsdoctor(&[
        url.as_str(),
        "--resolve",
        resolve.as_str(),
        "--token",
        VALID_TOKEN,
        "--origin",
        ALLOWED_ORIGIN,
    ])
}

/// The verdict, the TLS handshake seen on the other scheme, and no token anywhere.
fn expect_tls_port(run: &Probe, port: u16) {
    run.expect("tls", "tls.plaintext_to_tls_port", 1);
    let other = &run.json["other_scheme"];
    assert_eq!(other["url"], format!("wss://{HOST}:{port}/ws"), "{other}");
    assert!(
        other["tls"]["chain"][0]["subject"].is_string(),
        "the ClientHello got the server's certificate: {other}"
    );
    let next = run.json["diagnosis"]["next_step"].as_str().unwrap_or("");
    assert!(next.contains(&format!("wss://{HOST}:{port}/ws")), "{next}");
    assert!(
        !run.stdout.contains(VALID_TOKEN),
        "the token is in the report"
    );
}

#[test]
fn ws_to_the_nginx_tls_port_is_plaintext_to_tls_port() {
    let test = require!("scheme_nginx_tls", Tool::Nginx, Tool::Python);
    let mut scene = Scene::new(test);
    let c = certs::make(scene.path(), HOST);
    let path = |p: &std::path::PathBuf| p.display().to_string();
    let vars = [
        ("UPSTREAM", stack::app(App::FastApi).addr()),
        ("CERT_TRUSTED", path(&c.trusted.cert)),
        ("KEY_TRUSTED", path(&c.trusted.key)),
        ("CERT_SELF_SIGNED", path(&c.self_signed.cert)),
        ("KEY_SELF_SIGNED", path(&c.self_signed.key)),
        ("CERT_EXPIRED", path(&c.expired.cert)),
        ("KEY_EXPIRED", path(&c.expired.key)),
        ("CERT_WRONG_NAME", path(&c.wrong_name.cert)),
        ("KEY_WRONG_NAME", path(&c.wrong_name.key)),
    ];
    let ports = scene.nginx_multi(
        "tls.conf",
        &vars,
        &[
            "LISTEN_TRUSTED",
            "LISTEN_SELF_SIGNED",
            "LISTEN_EXPIRED",
            "LISTEN_WRONG_NAME",
        ],
    );
    // The self-signed port: a certificate that does not verify still proves the port speaks TLS.
    for port in [ports[0], ports[1]] {
        let run = probe_ws(port);
        expect_tls_port(&run, port);
        let body = run.json["attempts"][0]["outcome"]["body_excerpt"]
            .as_str()
            .unwrap_or("");
        assert!(
            body.contains("plain HTTP request was sent to HTTPS port"),
            "{body}"
        );
    }
}

#[test]
fn ws_to_the_caddy_tls_port_is_plaintext_to_tls_port() {
    let test = require!("scheme_caddy_tls", Tool::Caddy, Tool::Python);
    let mut scene = Scene::new(test);
    let c = certs::make(scene.path(), HOST);
    let port = scene.caddy(
        "tls.Caddyfile",
        &[
            ("UPSTREAM", stack::app(App::FastApi).addr()),
            ("CERT", c.trusted.cert.display().to_string()),
            ("KEY", c.trusted.key.display().to_string()),
        ],
    );
    let run = probe_ws(port);
    expect_tls_port(&run, port);
    assert_eq!(run.json["attempts"][0]["outcome"]["status"], 400);
}

#[test]
fn ws_to_the_haproxy_tls_port_is_plaintext_to_tls_port() {
    let test = require!("scheme_haproxy_tls", Tool::Haproxy, Tool::Python);
    let mut scene = Scene::new(test);
    let c = certs::make(scene.path(), HOST);
    let port = crate::http2::start_haproxy_h2(&mut scene, &c, &stack::app(App::FastApi).addr());
    let run = probe_ws(port);
    expect_tls_port(&run, port);
    // HAProxy (OpenSSL) writes nothing back to plaintext: the baseline saw only a close.
    assert_eq!(
        run.json["attempts"][0]["outcome"]["kind"],
        "protocol_violation"
    );
}

/// `wss://127.0.0.1:PORT/ws` to a plaintext app, with the lab's credential and Origin.
fn probe_wss_plain(app: App) -> Probe {
    let port = stack::app(app).port;
    let url = format!("wss://127.0.0.1:{port}/ws");
    let run = wsdoctor(&[
        url.as_str(),
        "--token",
        VALID_TOKEN,
        "--origin",
        ALLOWED_ORIGIN,
    ]);
    run.expect("tls", "tls.not_tls", 1);
    let other = &run.json["other_scheme"];
    assert_eq!(other["url"], format!("ws://127.0.0.1:{port}/ws"), "{other}");
    let sent = other["request"]["headers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        sent.iter().all(|h| !h["name"]
            .as_str()
            .unwrap_or("")
            .eq_ignore_ascii_case("authorization")),
        "the token never goes out in plaintext: {other}"
    );
    run
}

#[test]
fn wss_to_python_websockets_which_closes_on_the_client_hello_is_not_tls() {
    let _ = require!("scheme_websockets_plain", Tool::Python);
    let run = probe_wss_plain(App::PyWebsockets);
    assert_eq!(
        run.json["attempts"][0]["outcome"]["error"],
        "handshake_failed"
    );
    // Without a credential the app refuses the upgrade, with an HTTP answer all the same.
    assert!(
        run.json["other_scheme"]["outcome"]["status"].is_u64(),
        "{}",
        run.json["other_scheme"]
    );
}

#[test]
fn wss_to_uvicorn_which_answers_the_client_hello_in_plaintext_is_not_tls() {
    let _ = require!("scheme_uvicorn_plain", Tool::Python);
    let run = probe_wss_plain(App::FastApi);
    assert_eq!(run.json["attempts"][0]["outcome"]["error"], "not_tls");
}
