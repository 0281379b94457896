//! Faults of the application server itself, beyond the field reports: the real server in a
//! configuration people deploy by accident.

use crate::support::cli::wsdoctor;
use crate::support::stack::{self, App, Tool, VALID_TOKEN};

// `pip install fastapi uvicorn` without `uvicorn[standard]` leaves uvicorn without a WebSocket
// library: it logs "Unsupported upgrade request" and FastAPI answers the upgrade as a plain GET
// (JSON 404). `--ws none` reproduces it with the lab's venv.
#[test]
fn uvicorn_without_a_websocket_library_is_websocket_unsupported() {
    let test = "uvicorn_without_a_websocket_library_is_websocket_unsupported";
    if !stack::require(test, &[Tool::Python]) {
        return;
    }
    let url = format!("ws://{}/ws", stack::app(App::FastApiNoWebsocket).addr());
    let run = wsdoctor(&[url.as_str(), "--token", VALID_TOKEN]);
    run.expect("server", "server.websocket_unsupported", 1);
}
