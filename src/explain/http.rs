//! explain::http: a raw HTTP response as saved from a proxy log, `nc` or `curl -i` output,
//! optionally preceded by the request that produced it.

use super::{
    cut, header_line, outcome_of, response, status_line, Detail, ExplainError, InputKind,
    Observation,
};

/// True when the text starts with a status line, or with a request line followed by one.
pub fn looks_like(text: &str) -> bool {
    let first = text.lines().next().unwrap_or("").trim();
    status_line(first).is_some()
        || (request_line(first).is_some() && text.lines().any(|l| status_line(l).is_some()))
}

/// A response quoted inside a log line with escaped line ends (`"Unable to upgrade websocket
/// connection: HTTP/1.1 403 Forbidden\r\nDate: …\r\n\r\n{…}\n" fwd.go:306`): the response's
/// text, unescaped (`\r`, `\n`, `\t`, `\"`, `\\`), up to the quote that closes the string.
pub fn embedded(text: &str) -> Option<String> {
    let line = text
        .lines()
        .take(10_000)
        .find(|l| l.contains("HTTP/1.") && (l.contains("\\r\\n") || l.contains("\\n")))?;
    let start = line.find("HTTP/1.")?;
    let mut out = String::new();
    let mut chars = line.get(start..)?.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => break,
            '\\' => match chars.next() {
                Some('r') => out.push('\r'),
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => break,
            },
            c => out.push(c),
        }
        if out.len() > super::MAX_INPUT_BYTES {
            break;
        }
    }
    (status_line(out.lines().next().unwrap_or("")).is_some() && out.contains('\n')).then_some(out)
}

/// The text after the shell command that printed it: `curl -i …` output (or a raw exchange)
/// pasted under `$ curl -i -N -H … URL` and its `\`-continued lines. None unless what follows
/// the command is a response or a request and its response.
pub fn after_command(text: &str) -> Option<&str> {
    let mut offset = 0;
    let mut continued = false;
    let mut saw_command = false;
    for line in text.split_inclusive('\n').take(40) {
        let trimmed = line.trim();
        let is_command = trimmed.starts_with('$')
            || trimmed.starts_with("curl ")
            || trimmed.starts_with("curl\t")
            || (continued && !trimmed.is_empty());
        if is_command {
            saw_command = true;
            continued = trimmed.ends_with('\\');
            offset += line.len();
            continue;
        }
        if trimmed.is_empty() {
            offset += line.len();
            continue;
        }
        let rest = text.get(offset..)?;
        return (saw_command && looks_like(rest.trim())).then_some(rest);
    }
    None
}

/// `GET /ws HTTP/1.1` -> (method, target).
pub(crate) fn request_line(line: &str) -> Option<(String, String)> {
    let mut parts = line.split_whitespace();
    let method = parts.next()?;
    let target = parts.next()?;
    let version = parts.next()?;
    if !version.starts_with("HTTP/")
        || parts.next().is_some()
        || !method.bytes().all(|b| b.is_ascii_uppercase())
    {
        return None;
    }
    Some((method.to_string(), target.to_string()))
}

/// Parses `[request head + blank line] response head [+ blank line + body]`.
pub fn parse(text: &str) -> Result<Observation, ExplainError> {
    let mut lines = text.split_inclusive('\n').peekable();
    let mut consumed = 0usize;
    let mut request = None;
    let mut request_headers = Vec::new();
    if let Some(first) = lines.peek() {
        if let Some(rl) = request_line(first.trim()) {
            request = Some(rl);
            consumed += first.len();
            lines.next();
            for line in lines.by_ref() {
                consumed += line.len();
                if line.trim().is_empty() {
                    break;
                }
                if let Some(h) = header_line(line.trim_end()) {
                    request_headers.push(h);
                }
            }
        }
    }
    // Blank lines between the request and the response.
    while let Some(line) = lines.peek() {
        if !line.trim().is_empty() {
            break;
        }
        consumed += line.len();
        lines.next();
    }
    let status = lines
        .next()
        .and_then(|l| {
            consumed += l.len();
            status_line(l)
        })
        .ok_or_else(|| {
            ExplainError::Unrecognised(
                "expected an HTTP status line such as 'HTTP/1.1 403 Forbidden'".into(),
            )
        })?;
    let mut headers = Vec::new();
    for line in lines.by_ref() {
        consumed += line.len();
        if line.trim().is_empty() {
            break;
        }
        if let Some(h) = header_line(line.trim_end()) {
            headers.push(h);
        }
    }
    let body = super::framed_body(text.get(consumed..).unwrap_or(""), &headers);
    let said = format!("{} {} {}", status.0, status.1, status.2);
    let r = response(status, headers, body);
    let url = request.as_ref().and_then(|(_, target): &(String, String)| {
        target
            .contains("://")
            .then(|| cut(target, 4096).to_string())
    });
    Ok(Observation {
        kind: InputKind::HttpResponse,
        detail: Detail::Response,
        url,
        request_line: request,
        outcome: super::negotiation_outcome(&request_headers, &r).unwrap_or_else(|| outcome_of(&r)),
        request_headers,
        response: Some(r),
        said: said.trim().to_string(),
        proxy_error: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Outcome;

    #[test]
    fn a_bare_response_with_lf_line_ends() {
        let obs = parse("HTTP/1.1 404 Not Found\nServer: nginx/1.22.1\nContent-Type: text/html\n\n<html>404</html>\n").unwrap();
        let r = obs.response.as_ref().unwrap();
        assert_eq!((r.status, r.reason.as_str()), (404, "Not Found"));
        assert_eq!(r.header("server"), Some("nginx/1.22.1"));
        assert_eq!(r.body_excerpt, "<html>404</html>\n");
        assert!(matches!(obs.outcome, Outcome::Rejected { status: 404, .. }));
    }

    #[test]
    fn a_request_then_its_response() {
        let obs = parse("GET /ws HTTP/1.1\r\nHost: h.test\r\nUpgrade: websocket\r\n\r\nHTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n").unwrap();
        assert_eq!(obs.request_line, Some(("GET".into(), "/ws".into())));
        assert_eq!(obs.request_headers.len(), 2);
        assert!(matches!(obs.outcome, Outcome::Upgraded { .. }));
    }

    #[test]
    fn a_101_that_selects_none_of_the_offered_subprotocols_fails_as_a_browser_fails_it() {
        let obs = parse("GET /ws HTTP/1.1\r\nHost: h.test\r\nSec-WebSocket-Protocol: null\r\n\r\nHTTP/1.1 101\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n").unwrap();
        assert!(
            matches!(obs.outcome, Outcome::ProtocolViolation { ref error, .. } if error == "missing_subprotocol")
        );
        let obs = parse("GET /ws HTTP/1.1\r\nHost: h.test\r\n\r\nHTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Protocol: chat\r\n\r\n").unwrap();
        assert!(
            matches!(obs.outcome, Outcome::ProtocolViolation { ref error, .. } if error == "unrequested_subprotocol")
        );
        let obs = parse("GET /ws HTTP/1.1\r\nSec-WebSocket-Protocol: mqtt, chat\r\n\r\nHTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Protocol: chat\r\n\r\n").unwrap();
        assert!(matches!(obs.outcome, Outcome::Upgraded { .. }));
    }

    #[test]
    fn a_response_escaped_inside_a_log_line() {
        let raw = embedded(r#"ERRO "Unable to upgrade: HTTP/1.1 403 Forbidden\r\nContent-Length: 20\r\n\r\n{\"m\":\"no origin\"}\n" fwd.go:306"#).unwrap();
        let obs = parse(&raw).unwrap();
        let r = obs.response.as_ref().unwrap();
        assert_eq!(r.status, 403);
        assert_eq!(r.header("content-length"), Some("20"));
        assert_eq!(r.body_excerpt, "{\"m\":\"no origin\"}\n");
        assert_eq!(embedded("HTTP/1.1 403 Forbidden with no escapes"), None);
    }

    #[test]
    fn curl_i_output_under_its_command() {
        let text = "$ curl -i -N \\\n  -H 'Upgrade: websocket' \\\n  http://h.test/ws\n\nHTTP/1.1 400 Bad Request\nServer: nginx\n\nBad Request\n";
        let rest = after_command(text).unwrap();
        let obs = parse(rest).unwrap();
        assert!(matches!(obs.outcome, Outcome::Rejected { status: 400, .. }));
        assert_eq!(after_command("$ wscat -c ws://h\nerror: nope\n"), None);
        assert_eq!(after_command("HTTP/1.1 200 OK\n"), None);
    }

    #[test]
    fn garbage_after_a_request_line_is_an_error_not_a_panic() {
        assert!(parse("GET / HTTP/1.1\n\nnot a status").is_err());
        assert!(parse("HTTP/1.1 abc").is_err());
    }
}
