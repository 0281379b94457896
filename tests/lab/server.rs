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
