//! The session stage through the binary: healthy upgrades, closes after the 101 (clean and bare),
//! framing errors and floods, against tokio-tungstenite and raw loopback servers.

use std::time::{Duration, Instant};

use crate::support::raw::{close_frame, RawServer, Script};
use crate::support::ws::{Behaviour, WsServer};
use crate::support::{baseline, probe_json, stage};

#[test]
fn a_healthy_server_is_upgraded_with_every_stage_recorded() {
    let server = WsServer::start(Behaviour::Echo);
    let (report, code) = probe_json(&["--close-wait", "300ms", &server.url("/ws")]);
    let a = baseline(&report);
    assert_eq!(a["outcome"]["kind"], "upgraded", "{a}");
    for s in ["dns", "tcp", "upgrade", "session"] {
        assert_eq!(stage(a, s)["status"], "ok", "{s}");
    }
    assert_eq!(stage(a, "dns")["summary"], "literal address");
    assert_eq!(stage(a, "tls")["status"], "skipped");
    assert_eq!(a["stages"].as_array().unwrap().len(), 5);
    assert_eq!(a["session"]["accept_valid"], true);
    assert_eq!(a["session"]["end"]["kind"], "still_open");
    assert!(
        a["session"]["ping_rtt_ms"].as_f64().is_some(),
        "no pong: {a}"
    );
    assert_eq!(a["response"]["status"], 101);
    assert_eq!(code, 0);
}

#[test]
fn quick_mode_checks_the_accept_key_without_watching() {
    let server = WsServer::start(Behaviour::Echo);
    let (report, _) = probe_json(&["--quick", &server.url("/")]);
    let a = baseline(&report);
    assert_eq!(a["outcome"]["kind"], "upgraded");
    assert_eq!(a["session"]["accept_valid"], true);
    assert_eq!(a["session"]["watched_ms"], 0.0);
}

#[test]
fn a_close_1008_after_the_101_is_upgraded_then_closed_cleanly() {
    let server = WsServer::start(Behaviour::Close(1008, "ORIGIN_BLOCKED".into()));
    let (report, code) = probe_json(&["--close-wait", "2s", &server.url("/ws")]);
    let a = baseline(&report);
    assert_eq!(a["outcome"]["kind"], "upgraded_then_closed", "{a}");
    assert_eq!(a["outcome"]["close_code"], 1008);
    assert_eq!(a["outcome"]["close_reason"], "ORIGIN_BLOCKED");
    assert_eq!(a["outcome"]["clean"], true);
    assert_eq!(a["session"]["end"]["kind"], "close_frame");
    assert_eq!(stage(a, "session")["status"], "failed");
    assert_eq!(code, 1);
}

#[test]
fn a_close_frame_in_the_same_read_as_the_101_is_seen() {
    let server = RawServer::start(Script::AcceptThen(close_frame(1008, "ORIGIN_BLOCKED")));
    let (report, _) = probe_json(&["--close-wait", "2s", &server.ws_url("/")]);
    let a = baseline(&report);
    assert_eq!(a["outcome"]["kind"], "upgraded_then_closed", "{a}");
    assert_eq!(a["outcome"]["close_code"], 1008);
    assert_eq!(a["outcome"]["close_reason"], "ORIGIN_BLOCKED");
}

#[test]
fn a_bare_tcp_close_after_the_101_is_upgraded_then_closed_without_a_code() {
    let server = WsServer::start(Behaviour::Drop);
    let (report, _) = probe_json(&["--close-wait", "2s", &server.url("/")]);
    let a = baseline(&report);
    assert_eq!(a["outcome"]["kind"], "upgraded_then_closed", "{a}");
    assert_eq!(a["outcome"]["clean"], false);
    assert!(a["outcome"].get("close_code").is_none());
    assert_eq!(a["session"]["end"]["kind"], "dropped");
}

#[test]
fn a_frame_over_the_size_limit_is_a_protocol_violation() {
    // Binary frame announcing 2 MiB (64-bit length form), over MAX_FRAME_BYTES.
    let mut frame = vec![0x82, 0x7f];
    frame.extend_from_slice(&(2u64 * 1024 * 1024).to_be_bytes());
    let server = RawServer::start(Script::AcceptThen(frame));
    let (report, _) = probe_json(&["--close-wait", "2s", &server.ws_url("/")]);
    let a = baseline(&report);
    assert_eq!(a["outcome"]["kind"], "protocol_violation", "{a}");
    assert_eq!(a["session"]["end"]["kind"], "protocol_error");
}

#[test]
fn a_reserved_opcode_is_a_protocol_violation() {
    let server = RawServer::start(Script::AcceptThen(vec![0x83, 0x01, b'x']));
    let (report, _) = probe_json(&["--close-wait", "2s", &server.ws_url("/")]);
    let a = baseline(&report);
    assert_eq!(a["outcome"]["kind"], "protocol_violation", "{a}");
    assert_eq!(a["session"]["end"]["kind"], "protocol_error");
}

#[test]
fn a_message_flood_is_bounded_by_the_frame_limit() {
    let flood: Vec<u8> = std::iter::repeat_n([0x81u8, 0x01, b'a'], 5000)
        .flatten()
        .collect();
    let server = RawServer::start(Script::AcceptThen(flood));
    let started = Instant::now();
    let (report, _) = probe_json(&[
        "--close-wait",
        "20s",
        "--timeout",
        "30s",
        &server.ws_url("/"),
    ]);
    let a = baseline(&report);
    assert_eq!(a["outcome"]["kind"], "upgraded", "{a}");
    let n = a["session"]["messages_received"].as_u64().unwrap();
    assert!((900..=1000).contains(&n), "messages_received = {n}");
    assert!(stage(a, "session")["summary"]
        .as_str()
        .unwrap()
        .contains("frame limit"));
    // The watch ended at the frame limit, not at the 20 s close-wait.
    assert!(started.elapsed() < Duration::from_secs(15));
}

#[test]
fn a_subprotocol_that_was_not_offered_is_a_protocol_violation() {
    let server = RawServer::start(Script::AcceptWithHeaders(
        "Sec-WebSocket-Protocol: chat\r\n".into(),
    ));
    let (report, _) = probe_json(&["--quick", &server.ws_url("/")]);
    let a = baseline(&report);
    assert_eq!(a["outcome"]["kind"], "protocol_violation");
    assert_eq!(a["outcome"]["error"], "unrequested_subprotocol");
    assert_eq!(a["session"]["subprotocol"], "chat");
}

#[test]
fn an_offered_subprotocol_that_is_selected_is_recorded() {
    let server = RawServer::start(Script::AcceptWithHeaders(
        "Sec-WebSocket-Protocol: chat\r\n".into(),
    ));
    let (report, _) = probe_json(&[
        "--quick",
        "--subprotocol",
        "v2",
        "--subprotocol",
        "chat",
        &server.ws_url("/"),
    ]);
    let a = baseline(&report);
    assert_eq!(a["outcome"]["kind"], "upgraded", "{a}");
    assert_eq!(a["outcome"]["subprotocol"], "chat");
}

#[test]
fn an_offered_subprotocol_that_is_not_selected_is_recorded_not_a_violation() {
    let server = WsServer::start(Behaviour::Echo);
    let (report, _) = probe_json(&["--quick", "--subprotocol", "chat", &server.url("/")]);
    let a = baseline(&report);
    assert_eq!(a["outcome"]["kind"], "upgraded", "{a}");
    assert!(a["session"].get("subprotocol").is_none());
}

#[test]
fn an_extension_that_was_not_offered_is_a_protocol_violation() {
    let server = RawServer::start(Script::AcceptWithHeaders(
        "Sec-WebSocket-Extensions: permessage-deflate\r\n".into(),
    ));
    let (report, _) = probe_json(&["--quick", &server.ws_url("/")]);
    assert_eq!(
        baseline(&report)["outcome"]["error"],
        "unrequested_extension"
    );
}

#[test]
fn verbose_logs_never_show_the_credential() {
    let server = WsServer::start(Behaviour::Echo);
    let out = crate::support::wsdoctor()
        .args([
            "-vvv",
            "--close-wait",
            "200ms",
            "--format",
            "json",
            "--auth",
            "query",
        ])
        .args(["--token", "tok-visible-in-logs-42", &server.url("/ws")])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stderr.contains("stage"),
        "expected stage logs at -vvv: {stderr}"
    );
    assert!(!stderr.contains("tok-visible-in-logs-42"), "{stderr}");
    assert!(!stdout.contains("tok-visible-in-logs-42"), "{stdout}");
}
