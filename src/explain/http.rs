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
        request_headers,
        outcome: outcome_of(&r),
        response: Some(r),
        said: said.trim().to_string(),
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
    fn garbage_after_a_request_line_is_an_error_not_a_panic() {
        assert!(parse("GET / HTTP/1.1\n\nnot a status").is_err());
        assert!(parse("HTTP/1.1 abc").is_err());
    }
}
