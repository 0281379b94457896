//! explain::console: what a browser console prints for a failed WebSocket — Chrome's
//! `WebSocket connection to '…' failed: Error during WebSocket handshake: Unexpected response
//! code: 403`, `… failed: WebSocket is closed before the connection is established`, its
//! `net::ERR_*` codes, Firefox's `Firefox can't establish a connection to the server at …`, and a
//! logged CloseEvent (`code: 1006`). These carry at most a status or a close code, so the
//! confidence they allow is low.

use super::{cut, error_outcome, find_url, Detail, ExplainError, InputKind, Observation};
use crate::model::Outcome;

/// The console line that matters, with the browser's own wrap undone: Chrome's message copied
/// from the console often breaks after `failed:` (`WebSocket connection to '…' failed:` on one
/// line, `Error during WebSocket handshake: Unexpected response code: 308` on the next), and some
/// pastes space out `net :: ERR_…`.
fn relevant(text: &str) -> Option<String> {
    let line = first_relevant(text)?;
    let mut out = line.to_string();
    if line.trim_end().ends_with(':') {
        let next = text
            .lines()
            .map(str::trim)
            .skip_while(|l| *l != line)
            .skip(1)
            .find(|l| !l.is_empty());
        if let Some(next) = next {
            let lower = next.to_ascii_lowercase();
            if lower.starts_with("error")
                || lower.starts_with("net")
                || lower.starts_with("unexpected response")
                || lower.starts_with("websocket is closed")
            {
                out.push(' ');
                out.push_str(next);
            }
        }
    }
    Some(out.replace("net :: ", "net::").replace("net ::", "net::"))
}

/// The first console line that matters.
fn first_relevant(text: &str) -> Option<&str> {
    let failing = |l: &&str| {
        let lower = l.to_ascii_lowercase();
        lower.contains("establish")
            || (lower.contains("websocket")
                && (lower.contains("failed") || lower.contains("error")))
            || close_code(l).is_some()
    };
    let lines = || text.lines().take(10_000).map(str::trim);
    lines()
        .find(failing)
        .or_else(|| lines().find(|l| l.to_ascii_lowercase().contains("websocket")))
}

/// A close code from `code: 1006`, `code 1006`, `code=1006` or `"code":1006`.
fn close_code(line: &str) -> Option<u16> {
    let lower = line.to_ascii_lowercase();
    let at = lower.find("code")?;
    let rest = lower.get(at + 4..)?;
    let rest = rest.trim_start_matches(['"', '\'', ':', '=', ' ']);
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let code: u16 = digits.parse().ok()?;
    (1000..=4999).contains(&code).then_some(code)
}

/// The close reason from `reason: "…"` / `reason: …`, when present and non-empty.
fn close_reason(line: &str) -> Option<String> {
    let lower = line.to_ascii_lowercase();
    let at = lower.find("reason")?;
    let rest = line
        .get(at + 6..)?
        .trim_start_matches(['"', '\'', ':', '=', ' ']);
    let end = rest.find(['"', '\'', ',', '}']).unwrap_or(rest.len());
    let reason = rest.get(..end)?.trim();
    (!reason.is_empty()).then(|| cut(reason, 123).to_string())
}

/// The number after `Unexpected response code:`.
fn unexpected_status(line: &str) -> Option<u16> {
    let lower = line.to_ascii_lowercase();
    let at = lower.find("unexpected response code")?;
    let rest = lower.get(at + "unexpected response code".len()..)?;
    let digits: String = rest
        .trim_start_matches([':', ' '])
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok().filter(|s| (100..=999).contains(s))
}

/// Chrome's handshake complaints that name a protocol violation.
fn handshake_violation(lower: &str) -> Option<&'static str> {
    if lower.contains("sec-websocket-accept") {
        Some("bad_accept_key")
    } else if lower.contains("'upgrade' header") || lower.contains("'connection' header") {
        Some("missing_upgrade_headers")
    } else if lower.contains("sent non-empty 'sec-websocket-protocol'") {
        Some("missing_subprotocol")
    } else if lower.contains("must not include 'sec-websocket-protocol'") {
        Some("unrequested_subprotocol")
    } else if lower.contains("sec-websocket-extensions") {
        Some("unrequested_extension")
    } else if lower.contains("invalid status line") {
        Some("malformed_response")
    } else {
        None
    }
}

/// Parses the first relevant console line.
pub fn parse(text: &str) -> Result<Observation, ExplainError> {
    let joined = relevant(text).ok_or_else(|| {
        ExplainError::Unrecognised(format!(
            "no WebSocket error in '{}'",
            crate::render::shorten(text.lines().next().unwrap_or(""), 80)
        ))
    })?;
    let line = joined.as_str();
    let lower = line.to_ascii_lowercase();
    let url = find_url(line);
    let said = cut(line, 400).to_string();
    let proxy_error = [
        "err_proxy_connection_failed",
        "err_tunnel_connection_failed",
    ]
    .iter()
    .any(|e| lower.contains(e))
    .then(|| said.clone());
    let (outcome, detail) = if proxy_error.is_some() {
        (
            Outcome::ProtocolViolation {
                error: "connection_closed".into(),
                detail: "the browser could not open a tunnel through its forward proxy".into(),
            },
            Detail::Transport,
        )
    } else if let Some(status) = unexpected_status(line) {
        let outcome = if (300..400).contains(&status) {
            Outcome::Redirected {
                status,
                location: None,
                headers: Default::default(),
            }
        } else {
            Outcome::Rejected {
                status,
                headers: Default::default(),
                body_excerpt: String::new(),
            }
        };
        (outcome, Detail::StatusOnly)
    } else if let Some(error) = handshake_violation(&lower) {
        (
            Outcome::ProtocolViolation {
                error: error.into(),
                detail: said.clone(),
            },
            Detail::StatusOnly,
        )
    } else if let Some(o) = error_outcome(line).filter(|_| lower.contains("net::err_")) {
        (o, Detail::Transport)
    } else if let Some(code) = close_code(line) {
        let clean = code != 1006;
        (
            Outcome::UpgradedThenClosed {
                close_code: clean.then_some(code),
                close_reason: close_reason(line),
                after_ms: 0.0,
                clean,
            },
            Detail::CloseCode,
        )
    } else if lower.contains("closed before the connection is established")
        || lower.contains("establish a connection")
        || lower.contains("failed")
        // A logged `error` Event of a WebSocket (`Event {type: 'error', target: WebSocket}`).
        || lower.contains("type: 'error'")
        || lower.contains("type: \"error\"")
    {
        (
            Outcome::ProtocolViolation {
                error: "connection_closed".into(),
                detail: "the browser reports the handshake failed without saying why".into(),
            },
            Detail::Opaque,
        )
    } else {
        return Err(ExplainError::Unrecognised(format!(
            "a WebSocket line without an error: '{}'",
            crate::render::shorten(line, 80)
        )));
    };
    Ok(Observation {
        kind: InputKind::Console,
        detail,
        url,
        request_line: None,
        request_headers: Vec::new(),
        response: None,
        outcome,
        said,
        proxy_error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chrome_unexpected_response_code() {
        let obs = parse("main.js:12 WebSocket connection to 'wss://api.test/ws?token=abc' failed: Error during WebSocket handshake: Unexpected response code: 403").unwrap();
        assert_eq!(obs.url.as_deref(), Some("wss://api.test/ws?token=abc"));
        assert!(matches!(obs.outcome, Outcome::Rejected { status: 403, .. }));
        assert_eq!(obs.detail, Detail::StatusOnly);
    }

    #[test]
    fn firefox_and_closed_before_established_are_opaque() {
        let obs = parse(
            "Firefox can\u{2019}t establish a connection to the server at wss://api.test/ws.",
        )
        .unwrap();
        assert_eq!(obs.url.as_deref(), Some("wss://api.test/ws"));
        assert_eq!(obs.detail, Detail::Opaque);
        let obs = parse("WebSocket connection to 'ws://h/ws' failed: WebSocket is closed before the connection is established.").unwrap();
        assert_eq!(obs.detail, Detail::Opaque);
    }

    #[test]
    fn a_message_wrapped_after_failed_is_read_whole() {
        let obs = parse("WebSocket connection to 'ws://h.test/hosted/1' failed:\nError during WebSocket handshake: Unexpected response code: 308\n").unwrap();
        assert!(matches!(
            obs.outcome,
            Outcome::Redirected { status: 308, .. }
        ));
        assert_eq!(obs.url.as_deref(), Some("ws://h.test/hosted/1"));
        let obs = parse("WebSocket connection to 'ws://h/' failed: Error during WebSocket handshake: net :: ERR_INVALID_HTTP_RESPONSE").unwrap();
        assert!(
            matches!(obs.outcome, Outcome::ProtocolViolation { ref error, .. } if error == "malformed_response")
        );
    }

    #[test]
    fn a_logged_error_event_is_an_opaque_failure() {
        let obs = parse("Error during connect wss://h.test/ws, Event {isTrusted: true, type: 'error', target: WebSocket}").unwrap();
        assert_eq!(obs.detail, Detail::Opaque);
        assert_eq!(obs.url.as_deref(), Some("wss://h.test/ws"));
    }

    #[test]
    fn a_failed_forward_proxy_is_named() {
        let obs = parse("WebSocket connection to 'ws://h.test:9304/' failed: Error in connection establishment: net::ERR_PROXY_CONNECTION_FAILED").unwrap();
        assert!(obs.proxy_error.is_some());
        assert_eq!(obs.detail, Detail::Transport);
        let obs = parse("WebSocket connection to 'ws://h.test/' failed: Error during WebSocket handshake: Unexpected response code: 403").unwrap();
        assert!(obs.proxy_error.is_none());
    }

    #[test]
    fn close_events_and_net_errors() {
        let obs =
            parse("CloseEvent {isTrusted: true, wasClean: false, code: 1006, reason: ''}").unwrap();
        assert!(matches!(
            obs.outcome,
            Outcome::UpgradedThenClosed {
                close_code: None,
                clean: false,
                ..
            }
        ));
        let obs = parse("closed with code 1008 reason: ORIGIN_BLOCKED").unwrap();
        assert!(
            matches!(obs.outcome, Outcome::UpgradedThenClosed { close_code: Some(1008), ref close_reason, .. } if close_reason.as_deref() == Some("ORIGIN_BLOCKED"))
        );
        let obs =
            parse("WebSocket connection to 'wss://h/' failed: net::ERR_CERT_DATE_INVALID").unwrap();
        assert!(
            matches!(obs.outcome, Outcome::TlsError { ref error, .. } if error == "expired_certificate")
        );
    }
}
