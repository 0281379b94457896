//! explain: offline diagnosis from one saved observation — a raw HTTP response, a `curl -v -i`
//! transcript, a browser console line or devtools Headers pane, a WebSocket client library's error
//! line, or a HAR file's WebSocket entry. Each input kind has its
//! own parser (`parse(&str) -> Result<Observation, ExplainError>`, never panicking on any input);
//! the observation becomes the same records a probe makes (one baseline `AttemptRecord`) and goes
//! through the same `diagnose`, so cause ids match. One observation has no controls, so the
//! confidence is capped (and the evidence says so), and the report names the `wsdoctor` command
//! that would settle it. No network, no clock.

pub mod client;
pub mod console;
pub mod curl;
pub mod devtools;
pub mod har;
pub mod http;
pub mod saved;

use std::collections::BTreeMap;

use url::Url;

use crate::model::{
    AttemptRecord, CredentialPlacement, Outcome, ProxyRecord, Report, Run, Stage, StageRecord,
    StageStatus, ToolInfo, Variant, WireHeader, WireRequest, WireResponse, REPORT_SCHEMA,
};
use crate::probe::limits::BODY_EXCERPT_BYTES;
use crate::secret::{is_sensitive_param, Redactor, Secret};

/// The largest input read (a HAR of a long session is a few MiB at most).
pub const MAX_INPUT_BYTES: usize = 4 * 1024 * 1024;

/// Stands for the target when the input names no URL.
const NO_URL: &str = "wss://HOST/PATH";

/// Why an input could not be explained (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    /// Nothing to read.
    #[error("the input is empty: give a file, or pipe a response, a curl -v transcript, a console line or a HAR file")]
    Empty,
    /// More than `MAX_INPUT_BYTES`.
    #[error("the input is larger than {MAX_INPUT_BYTES} bytes")]
    TooLarge,
    /// The input could not be read.
    #[error("cannot read {what}: {source}")]
    Read {
        /// The file (or stdin).
        what: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// No input kind recognised it.
    #[error("not recognised as an HTTP response, a curl -v transcript, a browser console line or Headers pane, a WebSocket client's error line or a HAR file: {0}")]
    Unrecognised(String),
    /// A HAR file without a usable WebSocket entry.
    #[error("HAR: {0}")]
    Har(String),
    /// A `wsdoctor check` result (several reports): explain reads one.
    #[error("{}", check_result_message(.0))]
    CheckResult(Vec<String>),
}

/// What `explain` says about a check result: which targets it holds and how to explain one.
fn check_result_message(names: &[String]) -> String {
    const SHOWN: usize = 10;
    let first = names.first().map_or("NAME", String::as_str);
    let mut listed: Vec<String> = names.iter().take(SHOWN).map(|n| format!("'{n}'")).collect();
    if names.len() > SHOWN {
        listed.push(format!("and {} more", names.len() - SHOWN));
    }
    format!(
        "this is a `wsdoctor check` result (wsdoctor.check/v1) with {} ({}); explain reads one report: each target's is under .targets[].report, e.g. jq '.targets[] | select(.name == \"{first}\") | .report' FILE | wsdoctor explain -",
        crate::wording::count(names.len(), "target", "targets"),
        listed.join(", ")
    )
}

/// Which kind of input an observation came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// A raw HTTP response (optionally preceded by the request).
    HttpResponse,
    /// A `curl -v` (or `-v -i`) transcript.
    Curl,
    /// A browser console line (Chrome, Firefox, a CloseEvent).
    Console,
    /// A HAR file's WebSocket entry.
    Har,
    /// A WebSocket client library's or tool's error line (wscat, `websockets`, OkHttp, …).
    ClientError,
    /// A browser's developer-tools Headers pane copied as text (`Request URL:` … `Status Code:`).
    DevTools,
}

impl InputKind {
    /// A short name for people.
    pub fn describe(self) -> &'static str {
        match self {
            InputKind::HttpResponse => "a raw HTTP response",
            InputKind::Curl => "a curl -v transcript",
            InputKind::Console => "a browser console line",
            InputKind::Har => "a HAR entry",
            InputKind::ClientError => "a WebSocket client's error message",
            InputKind::DevTools => "a browser devtools Headers pane",
        }
    }
}

/// How much one observation can tell, which caps the confidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// A transport failure (dns, tcp, tls) stated by the client.
    Transport,
    /// A full response: status, headers, body.
    Response,
    /// A status code alone (a console line).
    StatusOnly,
    /// A close code after an upgrade.
    CloseCode,
    /// A 101 alone (a HAR entry): what happened after it (a close at once) is not shown.
    HandshakeOnly,
    /// Only that it failed (Firefox, "closed before the connection is established").
    Opaque,
}

impl Detail {
    /// The most confidence a single observation of this detail allows.
    pub fn confidence_cap(self) -> f64 {
        match self {
            Detail::Transport => 0.7,
            Detail::Response => 0.6,
            Detail::StatusOnly => 0.45,
            Detail::CloseCode => 0.4,
            Detail::HandshakeOnly => 0.3,
            Detail::Opaque => 0.2,
        }
    }
}

/// What one input showed, before redaction. Holds the input's own values, secrets included:
/// `to_report` redacts everything it copies.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// The input kind.
    pub kind: InputKind,
    /// How much it tells.
    pub detail: Detail,
    /// The URL, when the input names one.
    pub url: Option<String>,
    /// The request method and target, when the input shows the request.
    pub request_line: Option<(String, String)>,
    /// Request headers shown by the input.
    pub request_headers: Vec<(String, String)>,
    /// The response head and body start, when the input shows one.
    pub response: Option<WireResponse>,
    /// The one result.
    pub outcome: Outcome,
    /// What the input said, in a line (quoted in the evidence).
    pub said: String,
    /// The client's words when it says its forward proxy failed it (Chrome's
    /// `net::ERR_PROXY_CONNECTION_FAILED`, `net::ERR_TUNNEL_CONNECTION_FAILED`): the target was
    /// never reached.
    pub proxy_error: Option<String>,
}

/// Recognises the input kind and parses it.
pub fn parse(input: &str) -> Result<Observation, ExplainError> {
    // The end is kept for the raw response: its body's last bytes are the server's.
    let untrimmed = input.trim_start_matches('\u{feff}').trim_start();
    let text = untrimmed.trim_end();
    if text.is_empty() {
        return Err(ExplainError::Empty);
    }
    if text.starts_with('{') {
        return har::parse(text);
    }
    if curl::looks_like(text) {
        return curl::parse(untrimmed);
    }
    if http::looks_like(text) {
        return http::parse(untrimmed);
    }
    if devtools::looks_like(text) {
        return devtools::parse(text);
    }
    // A response quoted in a log line with its line ends escaped (`"… HTTP/1.1 403 Forbidden\r\n…"`).
    if let Some(raw) = http::embedded(text) {
        if let Ok(obs) = http::parse(&raw) {
            return Ok(obs);
        }
    }
    // `curl -i` output pasted under the command that made it.
    if let Some(rest) = http::after_command(untrimmed) {
        let mut obs = http::parse(rest)?;
        if obs.url.is_none() {
            // The URL is the command's last argument (earlier ones are header values).
            let command = untrimmed
                .get(..untrimmed.len().saturating_sub(rest.len()))
                .unwrap_or("");
            obs.url = find_urls(command).pop();
        }
        return Ok(obs);
    }
    if client::looks_like(text) {
        return client::parse(text);
    }
    console::parse(text)
}

/// Reads at most `MAX_INPUT_BYTES` from a reader (a file or stdin); more is an error.
pub fn read_bounded(reader: impl std::io::Read, what: &str) -> Result<String, ExplainError> {
    use std::io::Read;
    let mut buf = Vec::new();
    reader
        .take(MAX_INPUT_BYTES as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(|source| ExplainError::Read {
            what: what.to_string(),
            source,
        })?;
    if buf.len() > MAX_INPUT_BYTES {
        return Err(ExplainError::TooLarge);
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// Parses an input and diagnoses it: the whole job of `wsdoctor explain`. A saved wsdoctor JSON
/// report is diagnosed again with this engine (`saved`).
pub fn explain(input: &str) -> Result<Report, ExplainError> {
    let text = input.trim_start_matches('\u{feff}').trim();
    if saved::looks_like(text) {
        return saved::rediagnose(text);
    }
    if let Some(names) = saved::check_targets(text) {
        return Err(ExplainError::CheckResult(names));
    }
    Ok(to_report(&parse(input)?))
}

// ---------------------------------------------------------------------------------------------
// Shared parsing helpers.

/// The first `max` bytes of `s`, cut at a character boundary.
pub(crate) fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// A status line `HTTP/1.1 403 Forbidden` -> (version, status, reason).
pub(crate) fn status_line(line: &str) -> Option<(String, u16, String)> {
    let line = line.trim();
    let rest = line.strip_prefix("HTTP/")?;
    let mut parts = rest.splitn(3, ' ');
    let version = parts.next()?;
    let status: u16 = parts.next()?.trim().parse().ok()?;
    if !(100..=999).contains(&status) {
        return None;
    }
    let reason = parts.next().unwrap_or("").trim().to_string();
    Some((format!("HTTP/{version}"), status, reason))
}

/// `Name: value` -> (name, value), for a header line.
pub(crate) fn header_line(line: &str) -> Option<(String, String)> {
    let (name, value) = line.split_once(':')?;
    let name = name.trim();
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic()) {
        return None;
    }
    Some((name.to_string(), value.trim().to_string()))
}

/// The body as the response frames it: the first `Content-Length` bytes of what follows the head
/// when the response gives a length (and is not chunked), else all of it. Both the raw-response
/// and the curl parsers read a body through this, so the same bytes give the same body.
pub(crate) fn framed_body<'a>(rest: &'a str, headers: &[(String, String)]) -> &'a str {
    let chunked = headers.iter().any(|(n, v)| {
        n.eq_ignore_ascii_case("transfer-encoding") && v.to_ascii_lowercase().contains("chunked")
    });
    let length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .filter(|_| !chunked);
    match length {
        Some(n) if n < rest.len() => {
            let mut end = n;
            while end > 0 && !rest.is_char_boundary(end) {
                end -= 1;
            }
            rest.get(..end).unwrap_or("")
        }
        _ => rest,
    }
}

/// A response from its status line, header lines and body text.
pub(crate) fn response(
    (version, status, reason): (String, u16, String),
    headers: Vec<(String, String)>,
    body: &str,
) -> WireResponse {
    let excerpt = cut(body, BODY_EXCERPT_BYTES);
    WireResponse {
        version,
        status,
        reason,
        headers: headers
            .into_iter()
            .map(|(name, value)| WireHeader { name, value })
            .collect(),
        body_excerpt: excerpt.to_string(),
        body_bytes: body.len(),
        body_truncated: excerpt.len() < body.len(),
    }
}

/// The outcome a response alone implies (a 101 is taken as an upgrade that stayed open).
pub(crate) fn outcome_of(r: &WireResponse) -> Outcome {
    let headers: BTreeMap<String, String> = r.headers.iter().fold(BTreeMap::new(), |mut m, h| {
        m.entry(h.name.to_ascii_lowercase())
            .and_modify(|v: &mut String| {
                v.push_str(", ");
                v.push_str(&h.value);
            })
            .or_insert_with(|| h.value.clone());
        m
    });
    match r.status {
        101 => Outcome::Upgraded {
            subprotocol: r.header("sec-websocket-protocol").map(str::to_string),
        },
        300..=399 => Outcome::Redirected {
            status: r.status,
            location: r.header("location").map(str::to_string),
            headers,
        },
        status => Outcome::Rejected {
            status,
            headers,
            body_excerpt: r.body_excerpt.clone(),
        },
    }
}

/// What a client makes of a `101` answering a request whose subprotocol offer the capture shows:
/// a browser fails the handshake when the answer selects none of the offered subprotocols (Chrome:
/// "Sent non-empty 'Sec-WebSocket-Protocol' header but no response was received") or selects one
/// that was not offered, as the probe's records say (`missing_subprotocol`,
/// `unrequested_subprotocol`). None for any other answer, or when the request is not shown.
pub(crate) fn negotiation_outcome(
    request_headers: &[(String, String)],
    r: &WireResponse,
) -> Option<Outcome> {
    if r.status != 101 || request_headers.is_empty() {
        return None;
    }
    let offered: Vec<&str> = request_headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("sec-websocket-protocol"))
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let selected = r
        .header("sec-websocket-protocol")
        .map(str::trim)
        .filter(|p| !p.is_empty());
    let (error, detail) = match selected {
        None if !offered.is_empty() => (
            "missing_subprotocol",
            format!(
                "the request offered the subprotocol(s) {} and the 101 selects none",
                offered.join(", ")
            ),
        ),
        Some(sel) if !offered.contains(&sel) => (
            "unrequested_subprotocol",
            format!("the 101 selects the subprotocol {sel}, which the request did not offer"),
        ),
        _ => return None,
    };
    Some(Outcome::ProtocolViolation {
        error: error.to_string(),
        detail,
    })
}

/// Client error text (curl, Chrome `net::ERR_*`, HAR `_error`) -> a transport or protocol outcome.
pub(crate) fn error_outcome(text: &str) -> Option<Outcome> {
    let lower = text.to_ascii_lowercase();
    let has = |needles: &[&str]| needles.iter().any(|n| lower.contains(n));
    let make = |kind: &str, error: &str| {
        let (error, detail) = (error.to_string(), cut(text.trim(), 300).to_string());
        match kind {
            "dns" => Outcome::DnsError { error, detail },
            "tcp" => Outcome::TcpError { error, detail },
            "tls" => Outcome::TlsError { error, detail },
            _ => Outcome::ProtocolViolation { error, detail },
        }
    };
    let o = if has(&[
        "could not resolve host",
        "err_name_not_resolved",
        "name or service not known",
        "getaddrinfo enotfound",
    ]) {
        make("dns", "not_found")
    } else if has(&[
        "connection refused",
        "err_connection_refused",
        "couldn't connect to server",
        "econnrefused",
    ]) {
        make("tcp", "refused")
    } else if has(&[
        "certificate has expired",
        "err_cert_date_invalid",
        "certificate expired",
    ]) {
        make("tls", "expired_certificate")
    } else if has(&[
        "no alternative certificate subject name",
        "does not match target host",
        "err_cert_common_name_invalid",
        "subject name does not match",
        "certificate is valid for",
        "does not match certificate's altnames",
    ]) {
        make("tls", "hostname_mismatch")
    } else if has(&[
        "self-signed certificate",
        "self signed certificate",
        "unable to get local issuer",
        "err_cert_authority_invalid",
        "unknown ca",
        "certificate signed by unknown authority",
        "unable to verify the first certificate",
    ]) {
        make("tls", "untrusted_certificate")
    } else if has(&[
        "wrong version number",
        "err_ssl_protocol_error",
        "packet length too long",
    ]) {
        make("tls", "not_tls")
    } else if has(&["err_invalid_http_response", "invalid http response"]) {
        make("protocol", "malformed_response")
    } else if has(&["empty reply from server"]) {
        make("protocol", "connection_closed")
    } else if has(&["connection reset", "err_connection_reset", "econnreset"]) {
        make("protocol", "connection_reset")
    } else if has(&[
        "network is unreachable",
        "no route to host",
        "err_address_unreachable",
    ]) {
        make("tcp", "unreachable")
    } else if has(&["timed out", "err_connection_timed_out", "err_timed_out"]) {
        make("tcp", "timeout")
    } else {
        return None;
    };
    Some(o)
}

/// Every `ws://`, `wss://`, `http://` or `https://` URL in a text, in order, trailing
/// punctuation dropped.
pub(crate) fn find_urls(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut from = 0;
    while out.len() < 100 {
        let Some(rest) = text.get(from..) else { break };
        let Some(start) = ["wss://", "ws://", "https://", "http://"]
            .iter()
            .filter_map(|p| rest.find(p))
            .min()
        else {
            break;
        };
        let tail = rest.get(start..).unwrap_or("");
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '\'' | '"' | '<' | '>' | '`'))
            .unwrap_or(tail.len());
        let url = tail
            .get(..end)
            .unwrap_or("")
            .trim_end_matches(['.', ',', ';', ')', ':']);
        if Url::parse(url).is_ok() {
            out.push(url.to_string());
        }
        from += start + end.max(1);
    }
    out
}

/// The first URL in a text (a console line names the socket's URL first).
pub(crate) fn find_url(text: &str) -> Option<String> {
    find_urls(text).into_iter().next()
}

// ---------------------------------------------------------------------------------------------
// Observation -> records -> diagnose.

/// The secrets an observation carries: credential header values, cookie values, sensitive query
/// parameter values.
fn secrets_of(obs: &Observation) -> Vec<Secret> {
    let mut out = Vec::new();
    for (name, value) in &obs.request_headers {
        match name.to_ascii_lowercase().as_str() {
            "authorization" | "proxy-authorization" => {
                let token = value.split_once(' ').map(|(_, t)| t).unwrap_or(value);
                out.push(Secret::new(token.trim()));
            }
            "cookie" => out.extend(
                value
                    .split(';')
                    .filter_map(|kv| kv.split_once('='))
                    .map(|(_, v)| Secret::new(v.trim())),
            ),
            n if n.contains("token") || n.contains("api-key") || n.contains("apikey") => {
                out.push(Secret::new(value.trim()));
            }
            _ => {}
        }
    }
    let targets = obs
        .url
        .iter()
        .cloned()
        .chain(obs.request_line.iter().map(|(_, t)| t.clone()));
    for t in targets {
        if let Some((_, query)) = t.split_once('?') {
            for (k, v) in query.split('&').filter_map(|kv| kv.split_once('=')) {
                if is_sensitive_param(k) && !v.is_empty() {
                    out.push(Secret::new(v));
                }
            }
        }
    }
    out
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Where the observed request carried a credential, if it did.
fn placement_of(obs: &Observation) -> CredentialPlacement {
    let h = &obs.request_headers;
    if let Some(v) = find_header(h, "authorization") {
        let scheme = v.split_once(' ').map(|(s, _)| s).unwrap_or("").to_string();
        return CredentialPlacement::Header {
            name: "Authorization".into(),
            scheme,
        };
    }
    if let Some((name, _)) = h.iter().find(|(n, _)| {
        let n = n.to_ascii_lowercase();
        n.contains("token") || n.contains("api-key") || n.contains("apikey")
    }) {
        return CredentialPlacement::Header {
            name: name.clone(),
            scheme: String::new(),
        };
    }
    let target = obs
        .url
        .clone()
        .or_else(|| obs.request_line.as_ref().map(|(_, t)| t.clone()))
        .unwrap_or_default();
    if let Some((_, query)) = target.split_once('?') {
        if let Some((k, _)) = query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| is_sensitive_param(k))
        {
            return CredentialPlacement::Query {
                name: k.to_string(),
            };
        }
    }
    if let Some(v) = find_header(h, "cookie") {
        if let Some((name, _)) = v.split(';').filter_map(|kv| kv.split_once('=')).next() {
            return CredentialPlacement::Cookie {
                name: name.trim().to_string(),
            };
        }
    }
    CredentialPlacement::None
}

/// The WebSocket URL of the observation (http mapped to ws), from the input or the request line
/// and Host header.
fn ws_url(obs: &Observation) -> Option<Url> {
    let raw = obs.url.clone().or_else(|| {
        let (_, target) = obs.request_line.as_ref()?;
        let host = find_header(&obs.request_headers, "host")?;
        Some(format!("ws://{host}{target}"))
    })?;
    let mut url = Url::parse(&raw).ok()?;
    let scheme = match url.scheme() {
        "http" => "ws",
        "https" => "wss",
        s @ ("ws" | "wss") => s,
        _ => return None,
    }
    .to_string();
    if url.set_scheme(&scheme).is_err() {
        // `Url::set_scheme` refuses special-to-special changes it cannot make; rebuild instead.
        let rest = raw.split_once("://").map(|(_, r)| r)?;
        url = Url::parse(&format!("{scheme}://{rest}")).ok()?;
    }
    url.host_str()?;
    Some(url)
}

/// Single-quotes a word for POSIX shells.
fn sh_quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@%+,".contains(&b))
    {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The `wsdoctor` command that runs the variants this observation lacks. It never carries a
/// secret: a credential becomes `--token-env WS_TOKEN` and its placement.
pub fn settle_command(obs: &Observation) -> String {
    let placement = placement_of(obs);
    let mut words = vec!["wsdoctor".to_string()];
    match ws_url(obs) {
        Some(mut url) => {
            let kept: Vec<(String, String)> = url
                .query_pairs()
                .filter(|(k, _)| !is_sensitive_param(k))
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            if kept.is_empty() {
                url.set_query(None);
            } else {
                url.query_pairs_mut().clear().extend_pairs(kept);
            }
            words.push(sh_quote(url.as_str()));
        }
        None => words.push(NO_URL.to_string()),
    }
    // A browser always sends the page's Origin and whatever credential the page attaches; a
    // console line shows neither, so the command names where they go.
    let browser_unseen =
        matches!(obs.kind, InputKind::Console | InputKind::DevTools) && obs.request_line.is_none();
    if let Some(origin) = find_header(&obs.request_headers, "origin") {
        words.push("--origin".into());
        words.push(sh_quote(origin));
    } else if browser_unseen {
        words.push("--origin '<page origin>'".into());
    }
    let auth = match &placement {
        CredentialPlacement::Header { name, scheme }
            if name.eq_ignore_ascii_case("authorization") =>
        {
            (scheme != "Bearer" && !scheme.is_empty())
                .then(|| format!("--auth-scheme {}", sh_quote(scheme)))
                .or(Some(String::new()))
        }
        CredentialPlacement::Header { name, .. } => {
            Some(format!("--auth header:{}", sh_quote(name)))
        }
        CredentialPlacement::Query { name } => Some(format!("--auth query:{}", sh_quote(name))),
        CredentialPlacement::Cookie { name } => Some(format!("--auth cookie:{}", sh_quote(name))),
        _ if browser_unseen => Some(String::new()),
        _ => None,
    };
    if let Some(extra) = auth {
        words.push("--token-env WS_TOKEN".into());
        if !extra.is_empty() {
            words.push(extra);
        }
    }
    if let Some(protocols) = find_header(&obs.request_headers, "sec-websocket-protocol") {
        for p in protocols
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            words.push(format!("--subprotocol {}", sh_quote(p)));
        }
    }
    words.join(" ")
}

/// Turns an observation into a report through the same records and `diagnose` as a probe.
pub fn to_report(obs: &Observation) -> Report {
    let secrets = secrets_of(obs);
    let redactor = Redactor::new(secrets.iter(), true);
    let url = ws_url(obs);
    let shown_url = url
        .as_ref()
        .map(|u| redactor.url(u.as_str()))
        .unwrap_or_else(|| NO_URL.to_string());
    let mut variant = Variant::baseline();
    variant.credential = placement_of(obs);
    variant.origin = find_header(&obs.request_headers, "origin").map(|o| redactor.text(o));
    let request = obs
        .request_line
        .as_ref()
        .map(|(method, target)| WireRequest {
            method: redactor.text(method),
            path: redactor.url(target),
            headers: obs
                .request_headers
                .iter()
                .map(|(n, v)| WireHeader {
                    name: n.clone(),
                    value: redactor.header(n, v),
                })
                .collect(),
        });
    let response = obs.response.as_ref().map(|r| WireResponse {
        headers: r
            .headers
            .iter()
            .map(|h| WireHeader {
                name: h.name.clone(),
                value: redactor.header(&h.name, &h.value),
            })
            .collect(),
        body_excerpt: redactor.text(&r.body_excerpt),
        reason: redactor.text(&r.reason),
        ..r.clone()
    });
    let outcome = redact_outcome(&obs.outcome, &redactor);
    // A client that says its forward proxy failed it never reached the target: the records say so
    // as a probe through a proxy would (a proxy stage that failed), naming no proxy it did not see.
    let (stages, proxy) = match &obs.proxy_error {
        Some(said) => {
            let connect = url
                .as_ref()
                .and_then(|u| Some(format!("{}:{}", u.host_str()?, u.port_or_known_default()?)))
                .unwrap_or_else(|| "HOST:443".to_string());
            (
                vec![StageRecord {
                    stage: Stage::Proxy,
                    status: StageStatus::Failed,
                    ms: None,
                    summary: format!(
                        "the client reports its forward proxy failed: {}",
                        crate::render::shorten(&redactor.text(said), 120)
                    ),
                    error: Some("proxy_failed".to_string()),
                }],
                Some(ProxyRecord {
                    url: "the browser's configured proxy".to_string(),
                    kind: "http".to_string(),
                    source: "the browser's proxy settings".to_string(),
                    connect,
                    authenticated: false,
                    resolved: None,
                    status: None,
                    response: None,
                    reply: None,
                }),
            )
        }
        None => (Vec::new(), None),
    };
    let attempt = AttemptRecord {
        variant: variant.clone(),
        url: shown_url.clone(),
        stages,
        dns: None,
        tcp: None,
        proxy,
        tls: None,
        request,
        response,
        session: None,
        outcome,
        ms: 0.0,
    };
    let run = Run {
        target: shown_url.clone(),
        credential_given: variant.credential != CredentialPlacement::None,
        user_origin: variant.origin.clone(),
        direct: None,
        attempts: vec![attempt],
        tickets: Vec::new(),
        http_controls: Vec::new(),
        addresses: Vec::new(),
        http2: None,
        other_scheme: None,
        skipped: Vec::new(),
        request_unknown: obs.request_line.is_none(),
    };
    let crate::diagnose::Assessment {
        mut diagnosis,
        findings,
        comparison,
        browser_checks,
        cannot_tell_apart,
    } = crate::diagnose::assess(&run);
    let cap = obs.detail.confidence_cap();
    let original = diagnosis.confidence;
    diagnosis.confidence = original.min(cap);
    diagnosis.evidence.push(format!(
        "explain saw {} and no controls (no plain GET, no credential or Origin variants), so the confidence is capped at {cap:.2}{}: {}",
        obs.kind.describe(),
        if original > cap {
            format!(" (the rules alone say {original:.2})")
        } else {
            String::new()
        },
        crate::render::shorten(&redactor.text(&obs.said), 160)
    ));
    if obs.detail == Detail::Opaque {
        diagnosis.evidence.push(
            "the browser hides the HTTP status of a failed handshake, so any refusal (auth, Origin, routing, proxy) looks the same here".into(),
        );
    }
    if obs.detail == Detail::CloseCode {
        diagnosis.evidence.push(
            "browsers also report 1006 when the handshake itself failed, so the upgrade may never have succeeded".into(),
        );
    }
    let command = settle_command(obs);
    what_the_input_cannot_show(obs, url.as_ref(), &command, &mut diagnosis);
    let mut notes = vec![format!(
        "explained offline from {}: wsdoctor made no connection",
        obs.kind.describe()
    )];
    if url.is_none() {
        notes.push(format!("the input names no URL: {NO_URL} stands for yours"));
    }
    let before = diagnosis.next_step.take();
    diagnosis.next_step = Some(match before {
        Some(b) => format!("run `{command}` where the target is reachable ({b})"),
        None => format!("run `{command}` where the target is reachable: its variants settle it"),
    });
    Report {
        schema: REPORT_SCHEMA.to_string(),
        tool: ToolInfo::default(),
        target: shown_url,
        notes,
        stages: Vec::new(),
        attempts: run.attempts,
        tickets: Vec::new(),
        http_controls: Vec::new(),
        addresses: Vec::new(),
        http2: None,
        other_scheme: None,
        skipped_variants: Vec::new(),
        cannot_tell_apart,
        diagnosis,
        findings,
        comparison,
        // The browsers judge a 101's headers, so only an input that shows them (a response, a
        // HAR entry) gets their checks; a close code's 101 is inferred, not seen.
        browser_checks: if matches!(obs.detail, Detail::Response | Detail::HandshakeOnly) {
            browser_checks
        } else {
            Vec::new()
        },
        input: None,
        started_at: None,
        ok: false,
        duration_ms: 0.0,
    }
    .with_ok()
}

/// Says what one observation cannot show instead of letting the rules' wording claim it: a HAR's
/// 101 does not show a close that came at once (not "stayed open"); a hidden status is not "no
/// HTTP answer"; a fix snippet that needs the page's Origin is left out when the input never gave
/// one (the socket's own host is not the page's origin). Each names the command that would show it.
fn what_the_input_cannot_show(
    obs: &Observation,
    url: Option<&Url>,
    command: &str,
    diagnosis: &mut crate::model::Diagnosis,
) {
    let kind = obs.kind.describe();
    match obs.detail {
        Detail::HandshakeOnly if diagnosis.category == crate::diagnose::cause::Category::Ok => {
            diagnosis.summary = format!(
                "the handshake succeeded (101), but {kind} does not show what came after it: whether the server then closed the socket (a close frame right after the 101, or a dropped connection) is unknown; `{command}` watches it"
            );
            for e in &mut diagnosis.evidence {
                *e = e.replace("stayed open", "what followed is not in the input");
            }
            diagnosis.evidence.push(format!(
                "{kind} records the 101 and the messages the page saw; it shows a close only when the export kept the close frame, and this one has none"
            ));
        }
        // A browser's failed handshake (a HAR's status 0, Firefox's line): the status is hidden.
        Detail::Opaque if matches!(obs.kind, InputKind::Har | InputKind::Console) => {
            diagnosis.summary = format!(
                "the handshake failed, and {kind} does not show how: the browser hides the HTTP status of a failed handshake, so whether the server refused it (and why) or closed without an answer is unknown; `{command}` shows the answer"
            );
            // Fixes for a cause the input cannot show would be guesses.
            diagnosis.remedy.clear();
            diagnosis.snippets.clear();
        }
        _ => {}
    }
    let Some(host) = url.and_then(Url::host_str) else {
        return;
    };
    if find_header(&obs.request_headers, "origin").is_none() {
        let guesses = [format!("https://{host}"), format!("http://{host}")];
        let before = diagnosis.snippets.len();
        diagnosis
            .snippets
            .retain(|s| !guesses.iter().any(|g| s.code.contains(g.as_str())));
        if diagnosis.snippets.len() < before {
            diagnosis.evidence.push(format!(
                "no Origin fix snippet: it would need the page's origin, which {kind} does not show (the socket's host is not the page's origin); `{command}` with the page's --origin shows whether the Origin is refused"
            ));
        }
    }
}

fn redact_outcome(o: &Outcome, r: &Redactor) -> Outcome {
    let mut o = o.clone();
    match &mut o {
        Outcome::Rejected {
            headers,
            body_excerpt,
            ..
        } => {
            for (k, v) in headers.iter_mut() {
                *v = r.header(k, v);
            }
            *body_excerpt = r.text(body_excerpt);
        }
        Outcome::Redirected {
            location, headers, ..
        } => {
            for (k, v) in headers.iter_mut() {
                *v = r.header(k, v);
            }
            if let Some(l) = location {
                *l = r.url(l);
            }
        }
        Outcome::UpgradedThenClosed {
            close_reason: Some(reason),
            ..
        } => *reason = r.text(reason),
        Outcome::DnsError { detail, .. }
        | Outcome::TcpError { detail, .. }
        | Outcome::TlsError { detail, .. }
        | Outcome::ProtocolViolation { detail, .. } => *detail = r.text(detail),
        _ => {}
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_recognised() {
        assert_eq!(
            parse("HTTP/1.1 403 Forbidden\r\n\r\n").unwrap().kind,
            InputKind::HttpResponse
        );
        assert_eq!(
            parse("> GET /ws HTTP/1.1\n< HTTP/1.1 404 Not Found\n")
                .unwrap()
                .kind,
            InputKind::Curl
        );
        assert_eq!(
            parse("WebSocket connection to 'wss://h/ws' failed: Error during WebSocket handshake: Unexpected response code: 403").unwrap().kind,
            InputKind::Console
        );
        assert!(matches!(parse("   \n"), Err(ExplainError::Empty)));
        assert!(matches!(
            parse("hello world"),
            Err(ExplainError::Unrecognised(_))
        ));
    }

    #[test]
    fn the_settle_command_never_carries_the_secret() {
        let obs = parse(
            "GET /ws?token=s3cr3t-value&room=1 HTTP/1.1\r\nHost: api.test\r\nOrigin: https://app.test\r\nCookie: sid=cookie-secret\r\n\r\nHTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n",
        )
        .unwrap();
        let cmd = settle_command(&obs);
        assert_eq!(
            cmd,
            "wsdoctor 'ws://api.test/ws?room=1' --origin https://app.test --token-env WS_TOKEN --auth query:token"
        );
        let report = to_report(&obs);
        let json = serde_json::to_string(&report).unwrap();
        assert!(
            !json.contains("s3cr3t-value") && !json.contains("cookie-secret"),
            "{json}"
        );
    }

    #[test]
    fn a_seen_101_gets_the_browsers_checks_and_an_inferred_one_none() {
        // The request offered a subprotocol and the 101 selects none: Chrome fails it, Firefox
        // opens it (gamestdio/websocket#5, fixtures/explain/field/011).
        let seen = explain(
            "GET /ws HTTP/1.1\r\nHost: h.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: bQ9sSe0fp7G9YP/2lpjCDA==\r\nSec-WebSocket-Protocol: null\r\n\r\nHTTP/1.1 101\r\nUpgrade: websocket\r\nConnection: upgrade\r\nSec-WebSocket-Accept: bXB1o+ugK0A+yu0bpBGaa11vkp0=\r\n\r\n",
        )
        .unwrap();
        let judged: Vec<(&str, bool)> = seen
            .browser_checks
            .iter()
            .map(|c| (c.browser.as_str(), c.opens))
            .collect();
        assert_eq!(judged, [("chrome", false), ("firefox", true)]);
        assert_eq!(
            seen.browser_checks[0].reason.as_deref(),
            Some("missing_subprotocol")
        );
        // A console's 1006: the 101 is inferred (browsers report 1006 for a failed handshake
        // too), so no browser is said to open it.
        let inferred = explain(
            "close CloseEvent {isTrusted: true, wasClean: false, code: 1006, reason: '', type: 'close'}",
        )
        .unwrap();
        assert!(
            inferred.browser_checks.is_empty(),
            "{:?}",
            inferred.browser_checks
        );
        assert!(inferred.comparison.is_none() && inferred.cannot_tell_apart.is_empty());
    }

    #[test]
    fn a_browser_whose_forward_proxy_failed_is_told_so() {
        let obs = parse("WebSocket connection to 'ws://h.test:9304/' failed: Error in connection establishment: net::ERR_PROXY_CONNECTION_FAILED").unwrap();
        let report = to_report(&obs);
        assert_eq!(report.diagnosis.cause.id(), "proxy.forward_proxy_refused");
        let proxy = report.attempts[0].proxy.as_ref().unwrap();
        assert_eq!(proxy.connect, "h.test:9304");
    }

    #[test]
    fn curl_i_output_keeps_the_url_of_its_command() {
        let obs = parse("$ curl -i -N -H \"Origin: http://ping.it\" http://10.10.10.10/ws\n\nHTTP/1.1 400 Bad Request\nServer: nginx/1.13.5\nContent-Length: 11\n\nBad Request\n").unwrap();
        assert_eq!(obs.kind, InputKind::HttpResponse);
        assert_eq!(obs.url.as_deref(), Some("http://10.10.10.10/ws"));
        assert_eq!(settle_command(&obs), "wsdoctor ws://10.10.10.10/ws");
    }

    #[test]
    fn cut_respects_char_boundaries() {
        assert_eq!(cut("aé", 2), "a");
        assert_eq!(cut("abc", 10), "abc");
    }

    #[test]
    fn urls_are_found_in_prose() {
        assert_eq!(
            find_url("at wss://h.test/ws."),
            Some("wss://h.test/ws".into())
        );
        assert_eq!(
            find_url("curl -v 'https://h/x?a=1'"),
            Some("https://h/x?a=1".into())
        );
        assert_eq!(find_url("nothing"), None);
    }
}
