//! Origin checks: refused before accept (report 002: uvicorn answers 403) and accepted then
//! closed with 1008 ORIGIN_BLOCKED (report 004). Both are `origin.rejected`.

use crate::support::cli::wsdoctor;
use crate::support::stack::{self, App, Tool, JWT_WITH_SESSION};

// /work/shared/seeds/002: FastAPI checks Origin against a localhost allowlist and calls
// `await websocket.close(code=1008)` before accept -> uvicorn 403. The page runs on a dev port
// missing from the list (the report's "Wrong Port?" section).
#[test]
fn report_002_origin_allowlist_before_accept() {
    let test = "report_002_origin_allowlist";
    if !stack::require(test, &[Tool::Python]) {
        return;
    }
    let app = stack::app(App::FastApiOriginAllowlist);
    let url = format!("ws://{}/ws/chat", app.addr());
    let run = wsdoctor(&[url.as_str(), "--origin", "http://localhost:4000"]);
    run.expect("origin", "origin.rejected", 1);
}

// /work/shared/seeds/004 Scenario 5 "Origin Blocked": a valid ticket, the socket is accepted, then
// the server sends close 1008 "ORIGIN_BLOCKED".
#[test]
fn report_004_origin_blocked_after_accept() {
    let test = "report_004_origin_blocked";
    if !stack::require(test, &[Tool::Python]) {
        return;
    }
    let app = stack::app(App::FastApiTickets);
    let url = format!("ws://{}/ws", app.addr());
    let ticket_url = format!("http://{}/api/v1/ws-ticket", app.addr());
    let run = wsdoctor(&[
        url.as_str(),
        "--token",
        JWT_WITH_SESSION,
        "--ticket-url",
        ticket_url.as_str(),
        "--origin",
        "https://app.other.test",
    ]);
    run.expect("origin", "origin.rejected", 1);
}
