//! Findings reported beside the verdict (`findings[].cause`), each against a real app that has
//! exactly that weakness: no Origin check, no auth, a header-only credential, and a server that
//! ignores the offered subprotocol. The connection itself works, so the verdict is `ok.healthy`.

use crate::support::cli::wsdoctor;
use crate::support::stack::{self, App, Tool, ALLOWED_ORIGIN, VALID_TOKEN};

// Fault: a FastAPI WebSocket route without any Origin check (no allowlist, no same-origin test):
// a foreign and a null Origin upgrade like the site's own (cross-site WebSocket hijacking).
#[test]
fn fastapi_without_an_origin_check_is_origin_not_enforced() {
    require!(
        "fastapi_without_an_origin_check_is_origin_not_enforced",
        Tool::Python
    );
    let url = format!("ws://{}/ws", stack::app(App::FastApiOpen).addr());
    let run = wsdoctor(&[url.as_str(), "--origin", ALLOWED_ORIGIN]);
    run.expect("ok", "ok.healthy", 0);
    run.expect_finding("origin.not_enforced");
}

// Control: the worker's Origin allowlist refuses foreign Origins, so no such finding.
#[test]
fn fastapi_with_an_origin_allowlist_has_no_origin_finding() {
    require!(
        "fastapi_with_an_origin_allowlist_has_no_origin_finding",
        Tool::Python
    );
    let url = format!("ws://{}/ws", stack::app(App::FastApi).addr());
    // --try-url-token: whether it also takes ?token= is known only when the query is tried,
    // which a default run does not do.
    let run = wsdoctor(&[
        url.as_str(),
        "--token",
        VALID_TOKEN,
        "--try-url-token",
        "--origin",
        ALLOWED_ORIGIN,
    ]);
    run.expect("ok", "ok.healthy", 0);
    run.expect_no_finding("origin.not_enforced");
    run.expect_no_finding("auth.not_enforced");
    // It also takes ?token=, so the credential is not header-only.
    run.expect_no_finding("auth.header_only");
}

// Fault: the user has a token, but the endpoint upgrades without any credential (AUTH=off): the
// token is decoration and anyone can connect.
#[test]
fn fastapi_without_auth_given_a_token_is_auth_not_enforced() {
    require!(
        "fastapi_without_auth_given_a_token_is_auth_not_enforced",
        Tool::Python
    );
    let url = format!("ws://{}/ws", stack::app(App::FastApiOpen).addr());
    let run = wsdoctor(&[
        url.as_str(),
        "--token",
        VALID_TOKEN,
        "--origin",
        ALLOWED_ORIGIN,
    ]);
    run.expect("ok", "ok.healthy", 0);
    run.expect_finding("auth.not_enforced");
}

// Fault: the app reads the credential only from the Authorization header; ?token=, a cookie and a
// Sec-WebSocket-Protocol token are all refused with 401, so a browser client cannot authenticate.
#[test]
fn fastapi_reading_only_the_authorization_header_is_auth_header_only() {
    require!(
        "fastapi_reading_only_the_authorization_header_is_auth_header_only",
        Tool::Python
    );
    let url = format!("ws://{}/ws", stack::app(App::FastApiHeaderOnly).addr());
    // "Only in a header" needs every browser placement tried, the query too: the user asks for it
    // (a default run keeps the credential out of URLs and makes no such claim).
    let run = wsdoctor(&[
        url.as_str(),
        "--token",
        VALID_TOKEN,
        "--try-url-token",
        "--origin",
        ALLOWED_ORIGIN,
    ]);
    run.expect("ok", "ok.healthy", 0);
    run.expect_finding("auth.header_only");
    run.expect_no_finding("auth.not_enforced");
    // A default run does not try the query, so it claims nothing about it.
    let default = wsdoctor(&[
        url.as_str(),
        "--token",
        VALID_TOKEN,
        "--origin",
        ALLOWED_ORIGIN,
    ]);
    default.expect("ok", "ok.healthy", 0);
    default.expect_no_finding("auth.header_only");
}

// Fault (issue 14, situation 3): a Python `websockets` server started without `subprotocols=`:
// the client offers `graphql-ws`, as GraphQL clients do, and the server upgrades without
// selecting any. Chrome fails such a 101 ("Sent non-empty
// 'Sec-WebSocket-Protocol' header but no response was received"), so it is a fault for the
// clients that matter (issue 14, situation 3), not a healthy endpoint with a warning.
#[test]
fn websockets_without_subprotocols_is_a_bad_handshake_for_browsers() {
    require!(
        "websockets_without_subprotocols_is_a_bad_handshake_for_browsers",
        Tool::Python
    );
    let url = format!("ws://{}/ws", stack::app(App::PyWebsockets).addr());
    let run = wsdoctor(&[
        url.as_str(),
        "--token",
        VALID_TOKEN,
        "--origin",
        ALLOWED_ORIGIN,
        "--subprotocol",
        "graphql-ws",
    ]);
    run.expect("server", "server.bad_handshake_response", 1);
    let chrome = run.json["browser_checks"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["attempt"] == "baseline" && c["browser"] == "chrome")
        .cloned()
        .unwrap_or_default();
    assert_eq!(chrome["opens"], false, "{}", run.describe());
    assert_eq!(
        chrome["reason"],
        "missing_subprotocol",
        "{}",
        run.describe()
    );
}

// Control for server.negotiation_mismatch: Node `ws` selects the first offered subprotocol when
// no handleProtocols is given, so offering `chat.v1` is answered with it.
#[test]
fn node_ws_selecting_the_offered_subprotocol_has_no_negotiation_finding() {
    require!(
        "node_ws_selecting_the_offered_subprotocol_has_no_negotiation_finding",
        Tool::Node
    );
    let url = format!("ws://{}/ws", stack::app(App::NodeWs).addr());
    let run = wsdoctor(&[
        url.as_str(),
        "--token",
        VALID_TOKEN,
        "--origin",
        ALLOWED_ORIGIN,
        "--subprotocol",
        "chat.v1",
    ]);
    run.expect("ok", "ok.healthy", 0);
    run.expect_no_finding("server.negotiation_mismatch");
}
