//! Faults of the application server itself, beyond the field reports: the real server in a
//! configuration people deploy by accident.

use crate::support::cli::wsdoctor;
use crate::support::stack::{self, App, Tool, VALID_TOKEN};

// `pip install fastapi uvicorn` without `uvicorn[standard]` leaves uvicorn without a WebSocket
// library: it logs "Unsupported upgrade request" and FastAPI answers the upgrade as a plain GET
// (JSON 404). `--ws none` reproduces it with the lab's venv.
#[test]
fn uvicorn_without_a_websocket_library_is_websocket_unsupported() {
    require!(
        "uvicorn_without_a_websocket_library_is_websocket_unsupported",
        Tool::Python
    );
    let url = format!("ws://{}/ws", stack::app(App::FastApiNoWebsocket).addr());
    let run = wsdoctor(&[url.as_str(), "--token", VALID_TOKEN]);
    run.expect("server", "server.websocket_unsupported", 1);
}

// An HTTP/2-only listener (Node's http2.createServer(), the way gRPC ports behave) answers the
// HTTP/1.1 upgrade with its SETTINGS preface and a GOAWAY: the port speaks HTTP/2 only, which is
// neither a malformed HTTP/1.1 answer nor a proxy fault.
#[test]
fn node_h2c_only_server_is_http2_only() {
    let test = require!("node_h2c_only_server_is_http2_only", Tool::Node);
    let scene = stack::Scene::new(test);
    let port = crate::support::free_port();
    let Some(node) = Tool::Node.program() else {
        panic!("node is required");
    };
    let spawn = crate::support::process::Spawn::new("node-h2c-only", node)
        .args([crate::support::repo_root()
            .join("fixtures/apps/node/h2-only.js")
            .display()
            .to_string()])
        .env("PORT", port.to_string())
        .ready_on(port);
    let _server = crate::support::process::Proc::start(spawn, scene.path());
    let url = format!("ws://127.0.0.1:{port}/ws");
    let run = wsdoctor(&[url.as_str()]);
    run.expect("server", "server.http2_only", 1);
    assert_eq!(
        run.json["attempts"][0]["outcome"]["error"],
        "http2_response",
        "{}",
        run.describe()
    );
    assert!(
        run.diagnosis_text().contains("SETTINGS"),
        "{}",
        run.describe()
    );
}

// Issue 12 point 5: a 431 the application server writes is the application server's limit, not
// a proxy's, even when nginx relays it with its own Server header. Node refuses more than 16 KiB
// of headers; three 6 KB headers pass nginx (4 buffers of 8k, each line under 8k) and reach it.
#[test]
fn node_refusing_oversized_headers_is_the_application_servers_limit_directly_and_behind_nginx() {
    let test = require!("node_431", Tool::Node, Tool::Nginx);
    let node = stack::app(App::NodeWs).addr();
    let mut scene = stack::Scene::new(test);
    let nginx = stack::Proxy::Nginx.start_healthy(&mut scene, &node);
    let pad = "p".repeat(6000);
    let headers: Vec<String> = (1..=3).map(|i| format!("X-Pad-{i}: {pad}")).collect();
    for url in [
        format!("ws://{node}/ws"),
        format!("ws://127.0.0.1:{nginx}/ws"),
    ] {
        let mut args = vec![
            url.clone(),
            "--token".into(),
            VALID_TOKEN.into(),
            "--origin".into(),
            stack::ALLOWED_ORIGIN.into(),
        ];
        for h in &headers {
            args.push("-H".into());
            args.push(h.clone());
        }
        let run = wsdoctor(&args);
        assert_eq!(
            run.json["attempts"][0]["outcome"]["status"],
            431,
            "{url}: {}",
            run.describe()
        );
        run.expect("server", "server.request_too_large", 1);
    }
}

// Issue 12 point 5: a handler that raises after the handshake. Python websockets closes with
// 1011 at once: the server's internal error, whose fix is in its log, never a proxy timeout.
#[test]
fn a_websockets_handler_raising_closes_1011_and_is_the_servers_error_not_a_timeout() {
    let test = require!("websockets_1011", Tool::Python, Tool::Nginx);
    let mut scene = stack::Scene::new(test);
    let app = stack::app(App::PyWebsocketsError).addr();
    let nginx = stack::Proxy::Nginx.start_healthy(&mut scene, &app);
    for url in [
        format!("ws://{app}/ws"),
        format!("ws://127.0.0.1:{nginx}/ws"),
    ] {
        let run = wsdoctor(&[
            url.as_str(),
            "--token",
            VALID_TOKEN,
            "--origin",
            stack::ALLOWED_ORIGIN,
        ]);
        assert_eq!(
            run.json["attempts"][0]["outcome"]["close_code"],
            1011,
            "{url}: {}",
            run.describe()
        );
        run.expect("server", "server.closed_after_upgrade", 1);
        let text = run.diagnosis_text();
        assert!(text.contains("1011 (internal error)"), "{text}");
        for timeout_fix in ["proxy_read_timeout", "timeout tunnel", "read timeout"] {
            let snippets = run.snippets();
            assert!(
                snippets.iter().all(|(_, code)| !code.contains(timeout_fix)),
                "a timeout fix for an internal error: {snippets:?}"
            );
        }
    }
}

// Issue 12 point 17: a keepalive written as `setInterval(ping, 30)` (30 s meant) pings every
// client 33 times a second; Python websockets with `ping_interval=0.01` a hundred times. Legal
// frames, so a browser opens the socket — and spends its life answering pongs. wsdoctor names the
// flood with the rate it measured, directly and through nginx (which relays the pings), and stops
// reading after `PING_FLOOD_WINDOW` pings instead of answering them for the whole close-wait.
#[test]
fn a_keepalive_that_pings_dozens_of_times_a_second_is_a_ping_flood_directly_and_behind_nginx() {
    let test = require!("ping_flood", Tool::Node, Tool::Python, Tool::Nginx);
    let mut scene = stack::Scene::new(test);
    let node = stack::app(App::NodeWsPingFlood).addr();
    let python = stack::app(App::PyWebsocketsPingFlood).addr();
    let nginx = stack::Proxy::Nginx.start_healthy(&mut scene, &node);
    for (url, min_rate, max_rate) in [
        (format!("ws://{node}/ws"), 15.0, 60.0),
        (format!("ws://127.0.0.1:{nginx}/ws"), 15.0, 60.0),
        (format!("ws://{python}/ws"), 15.0, f64::INFINITY),
    ] {
        let run = wsdoctor(&[
            url.as_str(),
            "--token",
            VALID_TOKEN,
            "--origin",
            stack::ALLOWED_ORIGIN,
        ]);
        run.expect("server", "server.ping_flood", 1);
        let base = &run.json["attempts"][0];
        assert_eq!(
            base["outcome"]["kind"],
            "upgraded",
            "{url}: {}",
            run.describe()
        );
        let end = &base["session"]["end"];
        assert_eq!(end["kind"], "ping_flood", "{url}: {end}");
        let rate = end["per_second"].as_f64().unwrap_or_default();
        assert!(
            (min_rate..=max_rate).contains(&rate),
            "{url}: measured {rate}/s"
        );
        // Stopped at the window, long before the 2 s close-wait.
        assert!(
            end["pings"].as_u64().unwrap_or(u64::MAX) <= 25,
            "{url}: {end}"
        );
        assert!(
            base["session"]["watched_ms"].as_f64().unwrap_or(9e9) < 1900.0,
            "{url}"
        );
        let text = run.diagnosis_text();
        assert!(
            text.contains(&format!("{rate:.0} per second")),
            "{url}: {text}"
        );
        assert!(text.contains("heartbeat"), "{url}: {text}");
    }
}

// The near miss: a brisk keepalive (4 pings a second) is a heartbeat, not a flood.
#[test]
fn a_brisk_but_sane_keepalive_is_healthy_and_its_pings_are_counted() {
    require!("brisk_heartbeat", Tool::Node);
    let url = format!("ws://{}/ws", stack::app(App::NodeWsBriskHeartbeat).addr());
    let run = wsdoctor(&[
        url.as_str(),
        "--token",
        VALID_TOKEN,
        "--origin",
        stack::ALLOWED_ORIGIN,
    ]);
    run.expect("ok", "ok.healthy", 0);
    let session = &run.json["attempts"][0]["session"];
    assert_eq!(session["end"]["kind"], "still_open", "{session}");
    let pings = session["pings_received"].as_u64().unwrap_or_default();
    assert!(
        (3..=12).contains(&pings),
        "{pings} pings in a 2 s watch at 4/s"
    );
}
