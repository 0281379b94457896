//! explain::client: the one-line errors WebSocket client libraries and tools print when a handshake
//! fails, as people paste them into issues: Node's `ws` and `wscat` (`Unexpected server response:
//! 401`, `unexpected server response (200)`, `invalid server key`), Python's `websockets` (`server
//! rejected WebSocket connection: HTTP 403`) and `websocket-client` (`Handshake status 401
//! Unauthorized`), Java's nv-websocket-client (`The status line is: HTTP/1.1 403 Forbidden`), OkHttp
//! (`Expected HTTP 101 response but was '403 Forbidden'`), Netty (`Invalid handshake response
//! getStatus: 404 Not Found`), Java-WebSocket (`Invalid status code received: 502`), .NET (`The server
//! returned status code '403' when status code '101' was expected`), websocat (`Received unexpected
//! status code (403)`), tungstenite (`HTTP error: 403 Forbidden`), libwebsockets (`got bad HTTP
//! response '404'`), Starscream (`notAnUpgrade(403)`), curl's own WebSocket support (`Refused
//! WebSockets upgrade: 403`), any text that quotes a status line (`System.Exception: HTTP/1.1 401
//! Unauthorized`) and the transport errors these tools print (`connect ECONNREFUSED`, Go's `x509:
//! certificate is valid for …`). They carry a status at most, like a browser console line, but
//! come from a client that is not a browser: no page Origin, no browser credential rules.

use super::{cut, error_outcome, find_url, Detail, ExplainError, InputKind, Observation};
use crate::model::Outcome;

/// Phrases followed (after punctuation) by the status code, lowercased.
const STATUS_AFTER: &[&str] = &[
    "unexpected server response",
    "server rejected websocket connection: http",
    "handshake status",
    "received unexpected status code",
    "refused websockets upgrade:",
    "expected http 101 response but was",
    "invalid handshake response getstatus:",
    "invalid status code received:",
    "got bad http response",
    "returned status code",
    "http error:",
    "notanupgrade(",
    "invalid http upgrade\", code:",
];

/// Phrases that name a broken `Sec-WebSocket-Accept` (the client checked the server's key).
const BAD_ACCEPT: &[&str] = &[
    "invalid server key",
    "invalid sec-websocket-accept",
    "sec-websocket-accept mismatch",
    "mismatched sec-websocket-accept",
];

/// The three-digit status right after `at` in `lower` (skipping spaces, `:`, `(`, quotes).
fn status_after(lower: &str, at: usize) -> Option<u16> {
    let rest = lower.get(at..)?;
    let rest = rest.trim_start_matches([' ', ':', '(', '\'', '"', '=']);
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    (digits.len() == 3)
        .then(|| digits.parse().ok())
        .flatten()
        .filter(|s| (100..=599).contains(s))
}

/// A status line quoted inside a line (`… HTTP/1.1 401 Unauthorized`): (status, reason).
fn quoted_status_line(line: &str) -> Option<(u16, String)> {
    let mut from = 0;
    while let Some(i) = line.get(from..).and_then(|s| s.find("HTTP/")) {
        let at = from + i;
        if let Some((_, status, reason)) = line.get(at..).and_then(super::status_line) {
            let reason = reason
                .split(['\'', '"', '.', ',', ')'])
                .next()
                .unwrap_or("")
                .trim()
                .to_string();
            return Some((status, reason));
        }
        from = at + 5;
    }
    None
}

/// The status a client library's error line reports, if it reports one.
pub(crate) fn status_of(line: &str) -> Option<u16> {
    let lower = line.to_ascii_lowercase();
    STATUS_AFTER
        .iter()
        .filter_map(|p| lower.find(p).map(|at| at + p.len()))
        .find_map(|at| status_after(&lower, at))
        .or_else(|| quoted_status_line(line).map(|(s, _)| s))
}

fn outcome_for(status: u16) -> Option<Outcome> {
    match status {
        101 => None,
        300..=399 => Some(Outcome::Redirected {
            status,
            location: None,
            headers: Default::default(),
        }),
        _ => Some(Outcome::Rejected {
            status,
            headers: Default::default(),
            body_excerpt: String::new(),
        }),
    }
}

/// True when some line is a client library's handshake error this module reads.
pub fn looks_like(text: &str) -> bool {
    lines(text).any(|l| reading(l).is_some())
}

fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().take(10_000).map(str::trim)
}

/// What one line says: (outcome, detail).
fn reading(line: &str) -> Option<(Outcome, Detail)> {
    let lower = line.to_ascii_lowercase();
    // A browser's console line is the console parser's (it knows the browser's rules).
    if [
        "websocket connection to",
        "net::err_",
        "net :: err_",
        "establish a connection",
    ]
    .iter()
    .any(|p| lower.contains(p))
    {
        return None;
    }
    if let Some(o) = status_of(line).and_then(outcome_for) {
        return Some((o, Detail::StatusOnly));
    }
    if BAD_ACCEPT.iter().any(|p| lower.contains(p)) {
        return Some((
            Outcome::ProtocolViolation {
                error: "bad_accept_key".into(),
                detail: cut(line, 300).to_string(),
            },
            Detail::StatusOnly,
        ));
    }
    error_outcome(line).map(|o| (o, Detail::Transport))
}

/// Parses the first line that reads as a client library's handshake error.
pub fn parse(text: &str) -> Result<Observation, ExplainError> {
    let (line, (outcome, detail)) = lines(text)
        .find_map(|l| reading(l).map(|r| (l, r)))
        .ok_or_else(|| {
            ExplainError::Unrecognised(format!(
                "no WebSocket client error in '{}'",
                crate::render::shorten(text.lines().next().unwrap_or(""), 80)
            ))
        })?;
    Ok(Observation {
        kind: InputKind::ClientError,
        detail,
        url: find_url(text),
        request_line: None,
        request_headers: Vec::new(),
        response: None,
        outcome,
        said: cut(line, 400).to_string(),
        proxy_error: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(text: &str) -> Option<u16> {
        parse(text).ok().and_then(|o| o.outcome.status())
    }

    #[test]
    fn the_status_each_client_prints() {
        assert_eq!(status("error: Unexpected server response: 401"), Some(401));
        assert_eq!(
            status("error: Error: unexpected server response (200)"),
            Some(200)
        );
        assert_eq!(
            status("websockets.exceptions.InvalidStatus: server rejected WebSocket connection: HTTP 403"),
            Some(403)
        );
        assert_eq!(
            status("websocket._exceptions.WebSocketBadStatusException: Handshake status 401 Unauthorized"),
            Some(401)
        );
        assert_eq!(
            status("The status code of the opening handshake response is not '101 Switching Protocols'. The status line is: HTTP/1.1 403 Forbidden."),
            Some(403)
        );
        assert_eq!(
            status(
                "java.net.ProtocolException: Expected HTTP 101 response but was '403 Forbidden'"
            ),
            Some(403)
        );
        assert_eq!(
            status(
                "WebSocketHandshakeException: Invalid handshake response getStatus: 404 Not Found"
            ),
            Some(404)
        );
        assert_eq!(
            status("The server returned status code '403' when status code '101' was expected."),
            Some(403)
        );
        assert_eq!(
            status("websocat: WebSocketError: Received unexpected status code (503)"),
            Some(503)
        );
        assert_eq!(
            status("curl: (22) Refused WebSockets upgrade: 403"),
            Some(403)
        );
        assert_eq!(
            status("System.Exception: HTTP/1.1 401 Unauthorized"),
            Some(401)
        );
        assert_eq!(
            status("lws_client_ws_upgrade: got bad HTTP response '404'"),
            Some(404)
        );
        assert_eq!(
            status("Starscream.HTTPUpgradeError.notAnUpgrade(403)"),
            Some(403)
        );
    }

    #[test]
    fn a_redirect_a_bad_key_and_a_transport_error() {
        assert!(matches!(
            parse("Error: Unexpected server response: 301")
                .unwrap()
                .outcome,
            Outcome::Redirected { status: 301, .. }
        ));
        assert!(matches!(
            parse(" wscat -c h.test\n\nerror: invalid server key").unwrap().outcome,
            Outcome::ProtocolViolation { ref error, .. } if error == "bad_accept_key"
        ));
        let obs = parse("websocket.Dial wss://h.test:8443/ws: x509: certificate is valid for *.other.test, other.test, not h.test").unwrap();
        assert!(
            matches!(obs.outcome, Outcome::TlsError { ref error, .. } if error == "hostname_mismatch")
        );
        assert_eq!(obs.url.as_deref(), Some("wss://h.test:8443/ws"));
        assert_eq!(obs.kind, InputKind::ClientError);
    }

    #[test]
    fn text_without_a_client_error_is_refused() {
        assert!(parse("hello world").is_err());
        assert!(parse("code 1234 and HTTP/ things").is_err());
        assert!(!looks_like("WebSocket connection to 'wss://h/' failed"));
        assert!(!looks_like(
            "WebSocket connection to 'ws://h/' failed: Error in connection establishment: net::ERR_CONNECTION_REFUSED"
        ));
    }
}
