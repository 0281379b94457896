//! explain::har: the WebSocket entry of a HAR file (browser devtools "Save all as HAR"). Chrome
//! marks it `_resourceType: "websocket"`; otherwise the entry with a ws(s):// URL, an `Upgrade:
//! websocket` request header or a 101 is used. A failed handshake has status 0 and, in Chrome, an
//! `_error` such as `net::ERR_CONNECTION_REFUSED`.

use serde_json::Value;

use super::{
    cut, error_outcome, header_line, outcome_of, response, Detail, ExplainError, InputKind,
    Observation,
};
use crate::model::Outcome;

fn headers(v: &Value) -> Vec<(String, String)> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|h| {
                    let name = h.get("name")?.as_str()?;
                    let value = h.get("value")?.as_str()?;
                    header_line(&format!("{name}: {value}"))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn is_websocket(e: &Value) -> bool {
    let kind = e.get("_resourceType").and_then(Value::as_str);
    let url = e
        .pointer("/request/url")
        .and_then(Value::as_str)
        .unwrap_or("");
    let upgrade = headers(e.pointer("/request/headers").unwrap_or(&Value::Null))
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("upgrade") && v.eq_ignore_ascii_case("websocket"));
    kind == Some("websocket")
        || url.starts_with("ws://")
        || url.starts_with("wss://")
        || upgrade
        || e.pointer("/response/status").and_then(Value::as_u64) == Some(101)
}

/// A close frame the server sent, as Chrome's HAR export records it in `_webSocketMessages`.
struct ServerClose {
    code: Option<u16>,
    reason: Option<String>,
    after_ms: f64,
}

/// The first close frame (`opcode` 8) the page received, if the export recorded one. Its `data`
/// is the frame's payload: Chrome writes it as text ("1011 internal error" in some versions, the
/// two code bytes then the reason in others) or base64; each is read.
fn server_close(entry: &Value) -> Option<ServerClose> {
    let messages = entry.get("_webSocketMessages")?.as_array()?;
    let m = messages.iter().take(100_000).find(|m| {
        m.get("opcode").and_then(Value::as_u64) == Some(8)
            && m.get("type").and_then(Value::as_str) == Some("receive")
    })?;
    let data = m.get("data").and_then(Value::as_str).unwrap_or("");
    let (code, reason) = close_payload(data);
    let started = entry
        .get("startedDateTime")
        .and_then(Value::as_str)
        .and_then(|t| {
            time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
        })
        .map(|t| t.unix_timestamp_nanos() as f64 / 1e9);
    let at = m.get("time").and_then(Value::as_f64);
    let after_ms = match (started, at) {
        (Some(s), Some(t)) if t >= s => (t - s) * 1000.0,
        _ => 0.0,
    };
    Some(ServerClose {
        code,
        reason: reason
            .filter(|r| !r.is_empty())
            .map(|r| cut(&r, 123).to_string()),
        after_ms,
    })
}

/// A close payload as text: `1011 reason`, two code bytes then the reason, or their base64.
fn close_payload(data: &str) -> (Option<u16>, Option<String>) {
    let valid = |c: u16| (1000..=4999).contains(&c);
    let digits: String = data.chars().take_while(char::is_ascii_digit).collect();
    if let Some(code) = digits.parse::<u16>().ok().filter(|c| valid(*c)) {
        let rest = data[digits.len()..]
            .trim_start_matches([' ', ':', '-'])
            .trim();
        return (Some(code), Some(rest.to_string()));
    }
    let chars: Vec<char> = data.chars().collect();
    if let [hi, lo, ..] = chars.as_slice() {
        if (*hi as u32) < 256 && (*lo as u32) < 256 {
            let code = ((*hi as u16) << 8) | (*lo as u16);
            if valid(code) {
                return (Some(code), Some(chars[2..].iter().collect()));
            }
        }
    }
    use base64::Engine;
    if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(data.trim()) {
        if let [hi, lo, rest @ ..] = bytes.as_slice() {
            let code = (u16::from(*hi) << 8) | u16::from(*lo);
            if valid(code) {
                return (Some(code), Some(String::from_utf8_lossy(rest).into_owned()));
            }
        }
    }
    (None, None)
}

/// Parses a HAR document and explains its first WebSocket entry.
pub fn parse(text: &str) -> Result<Observation, ExplainError> {
    let doc: Value = serde_json::from_str(text)
        .map_err(|e| ExplainError::Har(format!("not valid JSON: {e}")))?;
    let entries = doc
        .pointer("/log/entries")
        .and_then(Value::as_array)
        .ok_or_else(|| ExplainError::Har("no log.entries array".into()))?;
    let entry = entries.iter().find(|e| is_websocket(e)).ok_or_else(|| {
        ExplainError::Har(format!(
            "none of the {} entries is a WebSocket (no ws:// URL, Upgrade header or 101)",
            entries.len()
        ))
    })?;
    let url = entry
        .pointer("/request/url")
        .and_then(Value::as_str)
        .map(|u| cut(u, 8192).to_string());
    let method = entry
        .pointer("/request/method")
        .and_then(Value::as_str)
        .unwrap_or("GET");
    let target = url
        .as_deref()
        .and_then(|u| url::Url::parse(u).ok())
        .map(|u| match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        })
        .unwrap_or_else(|| "/".into());
    let request_headers = headers(entry.pointer("/request/headers").unwrap_or(&Value::Null));
    let status = entry
        .pointer("/response/status")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .unwrap_or(0);
    let messages = entry
        .get("_webSocketMessages")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let request_line = Some((cut(method, 16).to_string(), target));
    if (100..=999).contains(&status) {
        let reason = entry
            .pointer("/response/statusText")
            .and_then(Value::as_str)
            .unwrap_or("");
        let version = entry
            .pointer("/response/httpVersion")
            .and_then(Value::as_str)
            .filter(|v| v.to_ascii_uppercase().starts_with("HTTP/"))
            .unwrap_or("HTTP/1.1");
        let body = entry
            .pointer("/response/content/text")
            .and_then(Value::as_str)
            .unwrap_or("");
        let r = response(
            (version.to_string(), status, reason.to_string()),
            headers(entry.pointer("/response/headers").unwrap_or(&Value::Null)),
            body,
        );
        let close = (status == 101).then(|| server_close(entry)).flatten();
        let said = format!(
            "{} {status} {reason}{}",
            r.version,
            match (&close, status) {
                (Some(c), _) => format!(
                    ", {messages} messages recorded, the server's close frame {}",
                    c.code
                        .map_or_else(|| "without a code".to_string(), |c| c.to_string())
                ),
                (None, 101) => format!(", {messages} messages recorded, no close frame"),
                _ => String::new(),
            }
        );
        // After a 101 the HAR shows the messages Chrome recorded, and a close frame only when the
        // export has it (`opcode` 8): no close recorded is not "stayed open".
        let (outcome, detail) = match close {
            Some(c) => (
                Outcome::UpgradedThenClosed {
                    close_code: c.code,
                    close_reason: c.reason,
                    after_ms: c.after_ms,
                    clean: true,
                },
                Detail::CloseCode,
            ),
            None if status == 101 => (outcome_of(&r), Detail::HandshakeOnly),
            None => (outcome_of(&r), Detail::Response),
        };
        return Ok(Observation {
            kind: InputKind::Har,
            detail,
            url,
            request_line,
            request_headers,
            outcome,
            response: Some(r),
            said,
            proxy_error: None,
        });
    }
    let error = entry
        .pointer("/response/_error")
        .or_else(|| entry.get("_error"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let (outcome, detail) = match error_outcome(error) {
        Some(o) => (o, Detail::Transport),
        None => (
            Outcome::ProtocolViolation {
                error: "connection_closed".into(),
                detail: "the HAR entry has no response (status 0)".into(),
            },
            Detail::Opaque,
        ),
    };
    Ok(Observation {
        kind: InputKind::Har,
        detail,
        url,
        request_line,
        request_headers,
        response: None,
        outcome,
        said: if error.is_empty() {
            "status 0: no response recorded".into()
        } else {
            format!("status 0, {}", cut(error, 200))
        },
        proxy_error: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_websocket_entry_is_picked_among_others() {
        let har = r#"{"log":{"entries":[
          {"request":{"method":"GET","url":"https://app.test/","headers":[]},"response":{"status":200,"headers":[]}},
          {"_resourceType":"websocket","request":{"method":"GET","url":"wss://app.test/ws","headers":[{"name":"Origin","value":"https://app.test"}]},
           "response":{"status":403,"statusText":"Forbidden","httpVersion":"HTTP/1.1","headers":[{"name":"Server","value":"nginx"}],"content":{"text":"denied"}}}]}}"#;
        let obs = parse(har).unwrap();
        assert_eq!(obs.url.as_deref(), Some("wss://app.test/ws"));
        assert_eq!(obs.response.as_ref().unwrap().status, 403);
        assert_eq!(
            obs.request_headers,
            [("Origin".into(), "https://app.test".into())]
        );
    }

    #[test]
    fn status_zero_uses_the_error_and_bad_documents_are_errors() {
        let har = r#"{"log":{"entries":[{"request":{"url":"wss://h/ws"},"response":{"status":0,"_error":"net::ERR_CONNECTION_REFUSED"}}]}}"#;
        let obs = parse(har).unwrap();
        assert!(matches!(obs.outcome, Outcome::TcpError { .. }));
        assert!(parse("{").is_err());
        assert!(parse(r#"{"log":{}}"#).is_err());
        assert!(parse(r#"{"log":{"entries":[{"request":{"url":"https://h/"}}]}}"#).is_err());
    }
}
