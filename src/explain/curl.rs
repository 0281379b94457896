//! explain::curl: a `curl -v` (or `-v -i`) transcript as `curl -v -i URL > t 2>&1` saves it: curl's
//! stderr (`*` info lines, `>` request lines, `<` response lines, `{ [153 bytes data]` markers and,
//! without `-s`, the progress meter with its `\r`-separated updates) interleaved with its stdout
//! (with `-i`, the response head again unprefixed, then the body). The two streams are told apart
//! by what curl writes to stderr, never by position: curl's stdout is buffered, so the body may come
//! before, between or after the stderr lines, and a body without a final newline has the next
//! stderr text glued to it. The body is bounded by the response's `Content-Length` when it gives
//! one, so it is byte for byte what the server sent. The last response wins (interim 1xx answers
//! and redirects followed with -L come before it); without a response, curl's error text says which
//! stage failed.

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

/// curl's progress-meter heading, the first of its two lines (stderr, without `-s`).
const METER_HEADING: &str = "% Total    % Received % Xferd";
/// The second line of the heading.
const METER_UNITS: &str = "Dload  Upload   Total   Spent    Left  Speed";
/// Info lines curl glues to a body that ends without a newline.
const GLUED_INFO: &[&str] = &[
    "* Connection #",
    "* Closing connection",
    "* shutting down connection",
];

/// The length of one progress-meter update at the start of `s` (`  0     0    0     0    0     0
/// 0      0 --:--:-- --:--:-- --:--:--     0`): eight amounts, three times and a speed, the
/// speed's digits ending it (curl writes the next text straight after). None when `s` does not
/// start with one.
fn meter_len(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut at = 0;
    for field in 0..12 {
        while bytes.get(at) == Some(&b' ') {
            at += 1;
        }
        let start = at;
        let time = (8..11).contains(&field);
        while let Some(&b) = bytes.get(at) {
            let ok = if time {
                b.is_ascii_digit() || b == b':' || b == b'-' || b == b'd' || b == b'h'
            } else {
                b.is_ascii_digit() || b == b'.'
            };
            if !ok {
                break;
            }
            at += 1;
        }
        if at == start {
            return None;
        }
        // Amounts and speeds carry a unit suffix once they grow (`142k`, `1.2M`).
        if !time && matches!(bytes.get(at), Some(b'k' | b'M' | b'G' | b'T' | b'P')) {
            at += 1;
        }
        if time && !s[start..at].contains(':') {
            return None;
        }
    }
    Some(at)
}

/// The transcript without the progress meter: its two heading lines and every `\r`-led update
/// (the last one ends with curl's own newline), wherever they are glued.
fn without_meter(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        if line.contains(METER_UNITS) {
            continue;
        }
        let line = match line.find(METER_HEADING) {
            // The heading may follow a body that ended without a newline: keep what precedes it.
            Some(at) => line.get(..at).unwrap_or("").trim_end_matches(' '),
            None => line,
        };
        let mut rest = line;
        while let Some(cr) = rest.find('\r') {
            let after = rest.get(cr + 1..).unwrap_or("");
            match meter_len(after) {
                Some(n) => {
                    out.push_str(rest.get(..cr).unwrap_or(""));
                    let tail = after.get(n..).unwrap_or("");
                    // The final update's newline is curl's, not the body's.
                    rest = if tail == "\n" || tail == "\r\n" {
                        ""
                    } else {
                        tail
                    };
                }
                None => {
                    out.push_str(rest.get(..=cr).unwrap_or(""));
                    rest = after;
                }
            }
        }
        out.push_str(rest);
    }
    out
}

/// True for a line curl writes to stderr in verbose mode. Its markers are followed by a space
/// (`> `, `< `, `* `) or stand alone: a body line such as nginx's `<html>` is stdout.
fn is_stderr(line: &str) -> bool {
    ["> ", "< ", "* ", "{ [", "} [", "curl: ("]
        .iter()
        .any(|p| line.starts_with(p))
        || matches!(line, ">" | "<" | "*")
}

/// The response body from curl's stdout: the `-i` heads (interim ones included) skipped, then
/// the body as the response frames it (`super::framed_body`).
fn body_of<'a>(stdout: &'a str, headers: &[(String, String)]) -> &'a str {
    let mut rest = stdout.trim_start_matches(['\r', '\n']);
    // `-i` writes every head it receives (1xx, redirects with -L, the final one) before the body.
    for _ in 0..32 {
        let first = rest.split_inclusive('\n').next().unwrap_or("");
        if status_line(first).is_none() {
            break;
        }
        let mut consumed = 0;
        for line in rest.split_inclusive('\n') {
            consumed += line.len();
            if line.trim().is_empty() {
                break;
            }
        }
        rest = rest.get(consumed..).unwrap_or("");
    }
    super::framed_body(rest, headers)
}

/// Parses the transcript.
pub fn parse(text: &str) -> Result<Observation, ExplainError> {
    let text = without_meter(text);
    let mut info: Vec<&str> = Vec::new();
    let mut request_line = None;
    let mut request_headers = Vec::new();
    let mut responses: Vec<Block> = Vec::new();
    let mut stdout = String::new();
    let mut command_url = None;
    for raw in text.split_inclusive('\n') {
        let line = raw.trim_end_matches(['\n', '\r']);
        if !is_stderr(line) {
            if command_url.is_none()
                && responses.is_empty()
                && (line.contains("curl ") || line.starts_with('$'))
            {
                // The URL is curl's last argument; earlier ones are header values such as Origin.
                command_url = super::find_urls(line).pop();
                continue;
            }
            // A body without a final newline has curl's next info line glued to it.
            match GLUED_INFO.iter().filter_map(|m| line.find(m)).min() {
                Some(at) => {
                    stdout.push_str(raw.get(..at).unwrap_or(""));
                    info.push(line.get(at..).unwrap_or(""));
                }
                None => stdout.push_str(raw),
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix('>') {
            let rest = rest.trim_start();
            if let Some(rl) = super::http::request_line(rest) {
                request_line = Some(rl);
                request_headers.clear();
            } else if let Some(h) = header_line(rest) {
                request_headers.push(h);
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix('<') {
            let rest = rest.trim_start();
            if let Some(s) = status_line(rest) {
                responses.push(Block {
                    status: Some(s),
                    headers: Vec::new(),
                });
            } else if let Some(h) = header_line(rest) {
                if let Some(b) = responses.last_mut() {
                    b.headers.push(h);
                }
            }
            continue;
        }
        if line.starts_with('*') || line.starts_with("curl: (") {
            info.push(line);
        }
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
        let body_text = body_of(&stdout, &headers).to_string();
        let r = response(status, headers, &body_text);
        return Ok(Observation {
            kind: InputKind::Curl,
            detail: Detail::Response,
            url,
            outcome: super::negotiation_outcome(&request_headers, &r)
                .unwrap_or_else(|| outcome_of(&r)),
            request_line,
            request_headers,
            response: Some(r),
            said: said.trim().to_string(),
            proxy_error: None,
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
        proxy_error: None,
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
    fn the_progress_meter_is_stderr_wherever_it_is_glued() {
        let meter =
            "  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0";
        assert_eq!(meter_len(meter), Some(meter.len()));
        let done = "100   153  100   153    0     0   125k      0 --:--:-- 0:00:01 --:--:--  149k";
        assert_eq!(meter_len(done), Some(done.len()));
        assert_eq!(meter_len("100 percent of users"), None);
        let text = format!(
            "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n                                 Dload  Upload   Total   Spent    Left  Speed\n\r{meter}*   Trying 127.0.0.1:80...\nbody\r{done}\n* Connection #0 to host h left intact\n"
        );
        assert_eq!(
            without_meter(&text),
            "*   Trying 127.0.0.1:80...\nbody* Connection #0 to host h left intact\n"
        );
    }

    /// curl 8 writes the info line straight after a body without a final newline; an HTML body's
    /// `<html>` line is stdout, not a `<` response line.
    #[test]
    fn a_body_is_bounded_by_content_length_and_never_taken_for_stderr() {
        let text = "> GET /ws HTTP/1.1\r\n> Host: h.test\r\n> \r\n< HTTP/1.1 403 Forbidden\r\n< Content-Length: 14\r\n< \r\n{ [14 bytes data]\nHTTP/1.1 403 Forbidden\r\nContent-Length: 14\r\n\r\n<html>\r\nno</a>* Connection #0 to host h.test left intact\n";
        let obs = parse(text).unwrap();
        let r = obs.response.as_ref().unwrap();
        assert_eq!(r.body_excerpt, "<html>\r\nno</a>");
        assert_eq!(r.body_bytes, 14);
        assert_eq!(obs.url.as_deref(), Some("ws://h.test/ws"));
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
