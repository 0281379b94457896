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
