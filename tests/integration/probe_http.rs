//! The upgrade stage through the binary: HTTP rejections, redirects, malformed answers and the
//! wire records, against raw loopback servers.

use crate::support::raw::{RawServer, Script};
use crate::support::{baseline, probe_json, stage};

#[test]
fn a_403_with_body_is_rejected_with_status_headers_and_body_excerpt() {
    let server = RawServer::http(
        403,
        "Forbidden",
        &[
            ("Server", "nginx/1.25.3"),
            ("Vary", "Origin"),
            ("vary", "Cookie"),
        ],
        "origin not allowed",
    );
    let (report, code) = probe_json(&["--quick", &server.ws_url("/ws")]);
    let a = baseline(&report);
    assert_eq!(a["outcome"]["kind"], "rejected");
    assert_eq!(a["outcome"]["status"], 403);
    assert_eq!(a["outcome"]["body_excerpt"], "origin not allowed");
    assert_eq!(a["outcome"]["headers"]["server"], "nginx/1.25.3");
    assert_eq!(a["outcome"]["headers"]["vary"], "Origin, Cookie");
    assert_eq!(a["response"]["reason"], "Forbidden");
    assert_eq!(stage(a, "upgrade")["status"], "ok");
    assert_eq!(stage(a, "session")["status"], "skipped");
    assert_eq!(stage(a, "tls")["status"], "skipped");
    assert_eq!(code, 1);
}

#[test]
fn the_request_is_recorded_as_sent_with_the_credential_redacted() {
    let server = RawServer::http(401, "Unauthorized", &[], "bad token s3cr3t-token-value");
    let (report, _) = probe_json(&[
        "--quick",
        "--token",
        "s3cr3t-token-value",
        "-H",
        "X-Trace: 7",
        &server.ws_url("/ws?room=1"),
    ]);
    let text = report.to_string();
    assert!(
        !text.contains("s3cr3t-token-value"),
        "the token leaked: {text}"
    );
    let a = baseline(&report);
    assert_eq!(a["request"]["method"], "GET");
    assert_eq!(a["request"]["path"], "/ws?room=1");
    let headers = a["request"]["headers"].as_array().unwrap();
    let names: Vec<&str> = headers
        .iter()
        .map(|h| h["name"].as_str().unwrap())
        .collect();
    assert_eq!(names[0], "Host");
    assert!(names.contains(&"Sec-WebSocket-Key"));
    assert!(names.contains(&"X-Trace"));
    let auth = headers
        .iter()
        .find(|h| h["name"] == "Authorization")
        .unwrap();
    assert_eq!(auth["value"], "Bearer [redacted]");
    assert_eq!(a["outcome"]["body_excerpt"], "bad token [redacted]");
}

#[test]
fn a_404_is_rejected_with_its_status() {
    let server = RawServer::http(404, "Not Found", &[], "no such route");
    let (report, _) = probe_json(&["--quick", &server.ws_url("/nope")]);
    let a = baseline(&report);
    assert_eq!(a["outcome"]["kind"], "rejected");
    assert_eq!(a["outcome"]["status"], 404);
}

#[test]
fn a_301_is_redirected_with_the_location_redacted() {
    let server = RawServer::http(
        301,
        "Moved Permanently",
        &[("Location", "https://127.0.0.1/ws/?token=abcdef123")],
        "",
    );
    let (report, _) = probe_json(&["--quick", &server.ws_url("/ws")]);
    let a = baseline(&report);
    assert_eq!(a["outcome"]["kind"], "redirected");
    assert_eq!(a["outcome"]["status"], 301);
    assert_eq!(
        a["outcome"]["location"],
        "https://127.0.0.1/ws/?token=[redacted]"
    );
    assert!(!report.to_string().contains("abcdef123"));
}

#[test]
fn a_200_page_for_an_upgrade_is_rejected_with_status_200() {
    let server = RawServer::http(
        200,
        "OK",
        &[("Content-Type", "text/html")],
        "<html>app</html>",
    );
    let (report, _) = probe_json(&["--quick", &server.ws_url("/ws")]);
    let a = baseline(&report);
    assert_eq!(a["outcome"]["kind"], "rejected");
    assert_eq!(a["outcome"]["status"], 200);
    assert_eq!(a["outcome"]["body_excerpt"], "<html>app</html>");
}

#[test]
fn a_chunked_body_is_decoded_for_the_excerpt() {
    let server = RawServer::start(Script::Reply(
        b"HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
            .to_vec(),
    ));
    let (report, _) = probe_json(&["--quick", &server.ws_url("/")]);
    let a = baseline(&report);
    assert_eq!(a["outcome"]["status"], 400);
    assert_eq!(a["outcome"]["body_excerpt"], "hello world");
    assert_eq!(a["response"]["body_truncated"], false);
}

#[test]
fn garbage_bytes_are_a_malformed_response() {
    let server = RawServer::start(Script::Reply(b"\x00\x01\x02 not http at all\n".to_vec()));
    let (report, _) = probe_json(&["--quick", &server.ws_url("/")]);
    let a = baseline(&report);
    assert_eq!(a["outcome"]["kind"], "protocol_violation");
    assert_eq!(a["outcome"]["error"], "malformed_response");
    assert_eq!(stage(a, "upgrade")["status"], "failed");
    assert_eq!(stage(a, "upgrade")["error"], "malformed_response");
}

#[test]
fn a_bare_lf_head_with_a_nul_byte_is_a_malformed_response() {
    let server = RawServer::start(Script::Reply(
        b"HTTP/1.1 101 OK\nUpgrade: web\x00socket\n\n".to_vec(),
    ));
    let (report, _) = probe_json(&["--quick", &server.ws_url("/")]);
    let a = baseline(&report);
    assert_eq!(a["outcome"]["kind"], "protocol_violation");
    assert_eq!(a["outcome"]["error"], "malformed_response");
}

#[test]
fn a_head_over_64_kib_is_response_too_large() {
    let mut head = b"HTTP/1.1 200 OK\r\n".to_vec();
    let filler = "a".repeat(4000);
    while head.len() < 70 * 1024 {
        head.extend_from_slice(format!("X-Filler: {filler}\r\n").as_bytes());
    }
    let server = RawServer::start(Script::ReplyAndHold(head));
    let (report, _) = probe_json(&["--quick", "--timeout", "10s", &server.ws_url("/")]);
    let a = baseline(&report);
    assert_eq!(a["outcome"]["kind"], "protocol_violation");
    assert_eq!(a["outcome"]["error"], "response_too_large");
}

#[test]
fn a_head_with_too_many_header_lines_is_response_too_large() {
    let mut head = b"HTTP/1.1 200 OK\r\n".to_vec();
    for i in 0..400 {
        head.extend_from_slice(format!("X-{i}: a\r\n").as_bytes());
    }
    head.extend_from_slice(b"\r\n");
    let server = RawServer::start(Script::ReplyAndHold(head));
    let (report, _) = probe_json(&["--quick", &server.ws_url("/")]);
    assert_eq!(baseline(&report)["outcome"]["error"], "response_too_large");
}

#[test]
fn a_connection_closed_right_after_accept_is_connection_closed() {
    let server = RawServer::start(Script::CloseAtOnce);
    let (report, _) = probe_json(&["--quick", &server.ws_url("/")]);
    let a = baseline(&report);
    assert_eq!(a["outcome"]["kind"], "protocol_violation");
    let error = a["outcome"]["error"].as_str().unwrap();
    assert!(
        error == "connection_closed" || error == "connection_reset",
        "unexpected class {error}"
    );
    assert_eq!(stage(a, "tcp")["status"], "ok");
    assert_eq!(stage(a, "upgrade")["status"], "failed");
}

#[test]
fn a_wrong_accept_key_is_a_protocol_violation() {
    let server = RawServer::start(Script::ReplyAndHold(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n"
            .to_vec(),
    ));
    let (report, _) = probe_json(&["--quick", &server.ws_url("/")]);
    let a = baseline(&report);
    assert_eq!(a["outcome"]["kind"], "protocol_violation");
    assert_eq!(a["outcome"]["error"], "bad_accept_key");
    assert_eq!(a["session"]["accept_valid"], false);
    assert_eq!(stage(a, "session")["status"], "failed");
    assert_eq!(stage(a, "session")["error"], "bad_accept_key");
}

#[test]
fn a_101_without_upgrade_headers_is_a_protocol_violation() {
    let server = RawServer::start(Script::ReplyAndHold(
        b"HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: AAAA\r\n\r\n".to_vec(),
    ));
    let (report, _) = probe_json(&["--quick", &server.ws_url("/")]);
    assert_eq!(
        baseline(&report)["outcome"]["error"],
        "missing_upgrade_headers"
    );
}

#[test]
fn a_reset_before_any_response_is_connection_reset() {
    let server = RawServer::start(Script::ResetAfterRequest);
    let (report, _) = probe_json(&["--quick", &server.ws_url("/")]);
    let a = baseline(&report);
    assert_eq!(a["outcome"]["kind"], "protocol_violation");
    assert_eq!(a["outcome"]["error"], "connection_reset");
}
