//! explain::devtools: the Headers pane of a browser's developer tools, copied as text — the way
//! people paste a failed WebSocket request from Chrome's Network tab:
//!
//! ```text
//! Request URL: wss://chat.example.test/ws
//! Request Method: GET
//! Status Code: 403 Forbidden
//!
//! Response Headers
//! Server: nginx
//! ...
//! Request Headers
//! Origin: https://app.example.test
//! ...
//! ```
//!
//! (older Chrome writes `Request URL:ws://…` without the space and a `view source` line under each
//! heading). It carries the status and both header sets, but no body.

use super::{cut, header_line, outcome_of, response, Detail, ExplainError, InputKind, Observation};

/// The value after `name:` when the line starts with it (case-insensitive).
fn field<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let head = line.get(..name.len())?;
    head.eq_ignore_ascii_case(name)
        .then(|| line.get(name.len()..))
        .flatten()
        .map(str::trim)
}

fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().take(10_000).map(str::trim)
}

/// True when the text has the pane's `Request URL:` and `Status Code:` lines.
pub fn looks_like(text: &str) -> bool {
    lines(text).any(|l| field(l, "request url:").is_some())
        && lines(text).any(|l| field(l, "status code:").is_some())
}

#[derive(Clone, Copy, PartialEq)]
enum Section {
    General,
    Response,
    Request,
    Other,
}

/// Parses the pane.
pub fn parse(text: &str) -> Result<Observation, ExplainError> {
    let mut url = None;
    let mut method = None;
    let mut status = None;
    let mut section = Section::General;
    let mut response_headers = Vec::new();
    let mut request_headers = Vec::new();
    for line in lines(text) {
        let lower = line.to_ascii_lowercase();
        match lower.as_str() {
            "general" => section = Section::General,
            "response headers" => section = Section::Response,
            "request headers" => section = Section::Request,
            "query string parameters" | "payload" | "timing" => section = Section::Other,
            "view source" | "view parsed" | "" => {}
            _ => {
                if let Some(v) = field(line, "request url:") {
                    url = Some(cut(v, 4096).to_string());
                } else if let Some(v) = field(line, "request method:") {
                    method = Some(v.to_string());
                } else if let Some(v) = field(line, "status code:") {
                    let mut parts = v.splitn(2, ' ');
                    let code = parts.next().and_then(|c| c.trim().parse::<u16>().ok());
                    let reason = parts.next().unwrap_or("").trim().to_string();
                    status = code
                        .filter(|c| (100..=999).contains(c))
                        .map(|c| ("HTTP/1.1".to_string(), c, reason));
                } else if let Some(h) = header_line(line) {
                    match section {
                        Section::Response => response_headers.push(h),
                        Section::Request => request_headers.push(h),
                        Section::General | Section::Other => {}
                    }
                }
            }
        }
    }
    let status = status.ok_or_else(|| {
        ExplainError::Unrecognised("a devtools Headers pane without a usable Status Code".into())
    })?;
    let said = format!("Status Code: {} {}", status.1, status.2);
    // Without the Response Headers section only the status was seen, as in a console line.
    let headers_seen = !response_headers.is_empty();
    let r = response(status, response_headers, "");
    // Without the Request Headers section the request was not seen: no Origin or credential can be
    // said to be missing.
    let request_line = url
        .as_ref()
        .filter(|_| !request_headers.is_empty())
        .map(|u| {
            let target = u
                .split_once("://")
                .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string()))
                .unwrap_or_else(|| "/".to_string());
            (method.clone().unwrap_or_else(|| "GET".to_string()), target)
        });
    Ok(Observation {
        kind: InputKind::DevTools,
        detail: if headers_seen {
            Detail::Response
        } else {
            Detail::StatusOnly
        },
        url,
        request_line,
        outcome: super::negotiation_outcome(&request_headers, &r).unwrap_or_else(|| outcome_of(&r)),
        request_headers,
        response: headers_seen.then_some(r),
        said: said.trim().to_string(),
        proxy_error: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Outcome;

    #[test]
    fn chromes_headers_pane_old_and_new() {
        let old = "Request URL:ws://h.test/console/ws?cols=125\nRequest Method:GET\nStatus Code:403 Forbidden\n\nResponse Headers\nview source\nServer:nginx\nContent-Length:0\nRequest Headers\nview source\nOrigin:http://app.test\nUpgrade:websocket\n";
        let obs = parse(old).unwrap();
        assert_eq!(obs.kind, InputKind::DevTools);
        assert_eq!(obs.url.as_deref(), Some("ws://h.test/console/ws?cols=125"));
        assert!(matches!(obs.outcome, Outcome::Rejected { status: 403, .. }));
        assert_eq!(
            obs.response.as_ref().unwrap().header("server"),
            Some("nginx")
        );
        assert_eq!(obs.request_headers.len(), 2);
        assert_eq!(
            obs.request_line,
            Some(("GET".into(), "/console/ws?cols=125".into()))
        );
        let new = "General\nRequest URL: wss://h.test/ws\nRequest Method: GET\nStatus Code: 101 Switching Protocols\nResponse Headers\nUpgrade: websocket\nRequest Headers\nSec-WebSocket-Protocol: chat\n";
        let obs = parse(new).unwrap();
        assert!(
            matches!(obs.outcome, Outcome::ProtocolViolation { ref error, .. } if error == "missing_subprotocol")
        );
        assert!(looks_like(new));
        assert!(!looks_like("Request URL: wss://h.test/ws"));
        assert!(parse("Request URL: x\nStatus Code: abc").is_err());
        let general_only =
            parse("Request URL:ws://h.test/ws\nRequest Method:GET\nStatus Code:403 Forbidden\n")
                .unwrap();
        assert_eq!(general_only.request_line, None);
        assert_eq!(general_only.response, None);
        assert_eq!(general_only.detail, Detail::StatusOnly);
    }
}
