//! explain::curl: a `curl -v` (or `-v -i`) transcript: `*` info lines, `>` request lines, `<`
//! response lines, then the body (with `-i`, the head again unprefixed). The last response wins
//! (interim 1xx answers and redirects followed with -L come before it); without a response, curl's
//! error text says which stage failed.

use super::{
    error_outcome, header_line, outcome_of, response, status_line, Detail, ExplainError, InputKind,
    Observation,
};
use crate::model::{Outcome, Stage};

/// True when the text has curl's verbose markers.
pub fn looks_like(text: &str) -> bool {
    text.lines().take(2000).any(|l| {
        l.starts_with("> ")
            || l.starts_with("< ")
            || l.starts_with("* ")
            || l.starts_with("*   Trying")
            || l.starts_with("curl: (")
    })
}

#[derive(Default)]
struct Block {
    status: Option<(String, u16, String)>,
    headers: Vec<(String, String)>,
}

/// Parses the transcript.
pub fn parse(text: &str) -> Result<Observation, ExplainError> {
    let mut info: Vec<&str> = Vec::new();
    let mut request_line = None;
    let mut request_headers = Vec::new();
    let mut responses: Vec<Block> = Vec::new();
    let mut body: Vec<&str> = Vec::new();
    let mut command_url = None;
    let mut in_dup_head = false;
    for line in text.lines() {
        let trimmed_end = line.trim_end_matches('\r');
        if let Some(rest) = trimmed_end.strip_prefix('>') {
            let rest = rest.trim_start();
            if let Some(rl) = super::http::request_line(rest) {
                request_line = Some(rl);
                request_headers.clear();
            } else if let Some(h) = header_line(rest) {
                request_headers.push(h);
            }
            continue;
        }
        if let Some(rest) = trimmed_end.strip_prefix('<') {
            let rest = rest.trim_start();
            if let Some(s) = status_line(rest) {
                responses.push(Block {
                    status: Some(s),
                    headers: Vec::new(),
                });
                body.clear();
            } else if let Some(h) = header_line(rest) {
                if let Some(b) = responses.last_mut() {
                    b.headers.push(h);
                }
            }
            continue;
        }
        if trimmed_end.starts_with('*') || trimmed_end.starts_with("curl: (") {
            info.push(trimmed_end);
            continue;
        }
        if trimmed_end.starts_with("{ [") || trimmed_end.starts_with("} [") {
            continue;
        }
        if command_url.is_none() && (trimmed_end.contains("curl ") || trimmed_end.starts_with('$'))
        {
            // The URL is curl's last argument; earlier ones are header values such as Origin.
            command_url = super::find_urls(trimmed_end).pop();
            continue;
        }
        if responses.is_empty() {
            continue;
        }
        // `-i` repeats the head unprefixed on stdout: skip it.
        if status_line(trimmed_end).is_some() {
            in_dup_head = true;
            continue;
        }
        if in_dup_head {
            if trimmed_end.trim().is_empty() {
                in_dup_head = false;
            }
            continue;
        }
        body.push(line);
    }
    let tls = info
        .iter()
        .any(|l| l.contains("SSL connection") || l.contains("TLS handshake") || l.contains("ALPN"));
    let connected = info.iter().any(|l| l.contains("Connected to"));
    let host = request_headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("host"))
        .map(|(_, v)| v.clone());
    let url = command_url.or_else(|| {
        let (_, target) = request_line.as_ref()?;
        let scheme = if tls { "wss" } else { "ws" };
        Some(format!("{scheme}://{}{target}", host.as_ref()?))
    });
    let final_response = responses
        .into_iter()
        .rev()
        .find(|b| b.status.as_ref().is_some_and(|s| s.1 == 101 || s.1 >= 200));
    if let Some(Block {
        status: Some(status),
        headers,
    }) = final_response
    {
        let said = format!("< {} {} {}", status.0, status.1, status.2);
        let body_text = body.join("\n");
        let body_text = body_text.trim_start_matches(['\r', '\n']);
        let r = response(status, headers, body_text);
        return Ok(Observation {
            kind: InputKind::Curl,
            detail: Detail::Response,
            url,
            request_line,
            request_headers,
            outcome: outcome_of(&r),
            response: Some(r),
            said: said.trim().to_string(),
        });
    }
    let errors: Vec<&str> = info
        .iter()
        .copied()
        .filter(|l| l.starts_with("curl: (") || error_outcome(l).is_some())
        .collect();
    let said = errors
        .last()
        .map(|s| s.to_string())
        .unwrap_or_else(|| "the transcript shows no response".to_string());
    let (outcome, detail) = match errors.iter().rev().find_map(|l| error_outcome(l)) {
        // After a connect, a timeout or reset belongs to the upgrade, not to TCP.
        Some(Outcome::TcpError { error, detail }) if connected && error == "timeout" => {
            let _ = detail;
            (
                Outcome::Timeout {
                    stage: Stage::Upgrade,
                },
                Detail::Transport,
            )
        }
        Some(o) => (o, Detail::Transport),
        None if connected && request_line.is_some() => (
            Outcome::ProtocolViolation {
                error: "connection_closed".into(),
                detail: "the transcript ends without a response".into(),
            },
            Detail::Opaque,
        ),
        None => {
            return Err(ExplainError::Unrecognised(
                "the curl transcript shows neither a response nor an error".into(),
            ))
        }
    };
    Ok(Observation {
        kind: InputKind::Curl,
        detail,
        url,
        request_line,
        request_headers,
        response: None,
        outcome,
        said,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verbose_transcript_with_dash_i() {
        let text = "$ curl -v -i https://api.test/ws\n*   Trying 127.0.0.1:443...\n* Connected to api.test (127.0.0.1) port 443\n* SSL connection using TLSv1.3\n> GET /ws HTTP/1.1\n> Host: api.test\n> Upgrade: websocket\n>\n< HTTP/1.1 403 Forbidden\n< Server: uvicorn\n< Content-Length: 0\n<\nHTTP/1.1 403 Forbidden\nServer: uvicorn\nContent-Length: 0\n\n* Connection #0 to host api.test left intact\n";
        let obs = parse(text).unwrap();
        assert_eq!(obs.url.as_deref(), Some("https://api.test/ws"));
        let r = obs.response.as_ref().unwrap();
        assert_eq!(r.status, 403);
        assert_eq!(r.header("server"), Some("uvicorn"));
        assert_eq!(r.body_excerpt, "");
        assert_eq!(obs.request_headers.len(), 2);
    }

    #[test]
    fn errors_without_a_response_say_which_stage() {
        let obs = parse("*   Trying 127.0.0.1:9...\n* connect to 127.0.0.1 port 9 failed: Connection refused\ncurl: (7) Failed to connect to localhost port 9: Couldn't connect to server\n").unwrap();
        assert!(matches!(obs.outcome, Outcome::TcpError { ref error, .. } if error == "refused"));
        let obs = parse("curl: (6) Could not resolve host: nowhere.invalid\n").unwrap();
        assert!(matches!(obs.outcome, Outcome::DnsError { .. }));
        let obs = parse("* Connected to h (127.0.0.1) port 443\ncurl: (60) SSL certificate problem: certificate has expired\n").unwrap();
        assert!(
            matches!(obs.outcome, Outcome::TlsError { ref error, .. } if error == "expired_certificate")
        );
        assert!(parse("* nothing useful\n").is_err());
    }
}
