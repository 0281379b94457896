//! probe::upgrade: writes the planned request by hand (request line plus exactly the planned
//! headers, nothing added), then reads the response head (bounded, parsed with httparse) and an
//! excerpt of the body (bounded in size and time; Content-Length, chunked or EOF framing). Keeps
//! the bytes after a 101 head for the session. Records are redacted as they are made.
//! Must not interpret the response beyond HTTP framing: outcomes are decided in `probe`.

use std::io;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;

use crate::model::{WireHeader, WireRequest, WireResponse};
use crate::probe::limits::{BODY_EXCERPT_BYTES, BODY_WAIT, MAX_HEADERS, MAX_HEAD_BYTES};
use crate::secret::Redactor;

/// A request to write. Header values are anything that reads as text: plain strings, or the
/// plan's `HeaderValue`s, whose secrets are exposed here, where the bytes are written.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a, V: AsRef<str> = String> {
    /// Method ("GET", "POST").
    pub method: &'a str,
    /// Request target: path and query.
    pub target: &'a str,
    /// Headers in order, exactly as planned.
    pub headers: &'a [(String, V)],
}

impl<V: AsRef<str>> Request<'_, V> {
    /// The bytes written to the socket.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!("{} {} HTTP/1.1\r\n", self.method, self.target);
        for (k, v) in self.headers {
            out.push_str(k);
            out.push_str(": ");
            out.push_str(v.as_ref());
            out.push_str("\r\n");
        }
        out.push_str("\r\n");
        out.into_bytes()
    }

    /// The request as recorded (secrets redacted).
    pub fn record(&self, redactor: &Redactor) -> WireRequest {
        WireRequest {
            method: self.method.to_string(),
            path: redactor.url(self.target),
            headers: self
                .headers
                .iter()
                .map(|(k, v)| WireHeader {
                    name: k.clone(),
                    value: redactor.header(k, v.as_ref()),
                })
                .collect(),
        }
    }
}

/// How the exchange failed (class ids as in the JSON `error` fields of protocol violations).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpgradeFailure {
    /// Not HTTP/1.x, or a broken head (detail says what).
    Malformed(String),
    /// The reply is HTTP/2 frames (the server's SETTINGS, a GOAWAY): the port speaks HTTP/2 with
    /// prior knowledge only (h2c, gRPC). The detail names the frames.
    Http2(String),
    /// The head exceeded `MAX_HEAD_BYTES`.
    TooLarge,
    /// The server closed (FIN) before a complete head; `bytes` were received.
    Closed {
        /// Bytes received before the close.
        bytes: usize,
    },
    /// The connection was reset.
    Reset(String),
    /// The TLS layer received this fatal alert (by name) instead of a response: a TLS 1.3 server
    /// refusing the client certificate after the handshake.
    TlsAlert(String),
    /// The overall deadline passed.
    Deadline,
}

impl UpgradeFailure {
    /// The violation class id (Deadline has none: it is a timeout outcome).
    pub fn class(&self) -> &'static str {
        match self {
            UpgradeFailure::Malformed(_) => crate::model::FailureClass::MalformedResponse.as_str(),
            UpgradeFailure::Http2(_) => crate::model::FailureClass::Http2Response.as_str(),
            UpgradeFailure::TooLarge => crate::model::FailureClass::ResponseTooLarge.as_str(),
            UpgradeFailure::Closed { bytes: 0 } => {
                crate::model::FailureClass::ConnectionClosed.as_str()
            }
            UpgradeFailure::Closed { .. } => crate::model::FailureClass::MalformedResponse.as_str(),
            UpgradeFailure::Reset(_) => crate::model::FailureClass::ConnectionReset.as_str(),
            UpgradeFailure::TlsAlert(_) => crate::model::FailureClass::TlsAlert.as_str(),
            UpgradeFailure::Deadline => crate::model::FailureClass::Timeout.as_str(),
        }
    }

    /// Detail for people.
    pub fn detail(&self) -> String {
        match self {
            UpgradeFailure::Malformed(d) => d.clone(),
            UpgradeFailure::Http2(frames) => format!(
                "the reply is HTTP/2 frames ({frames}), not an HTTP/1.1 status line"
            ),
            UpgradeFailure::TooLarge => format!(
                "the response head is larger than {MAX_HEAD_BYTES} bytes or {MAX_HEADERS} header lines"
            ),
            UpgradeFailure::Closed { bytes: 0 } => {
                "the server closed the connection without sending a response".into()
            }
            UpgradeFailure::Closed { bytes } => format!(
                "the server closed the connection after {bytes} bytes, before the response head ended"
            ),
            UpgradeFailure::Reset(d) => format!("the connection was reset: {d}"),
            UpgradeFailure::TlsAlert(a) => {
                format!("the server sent the fatal TLS alert {a} after the handshake")
            }
            UpgradeFailure::Deadline => "no response before the deadline".into(),
        }
    }
}

/// A parsed response head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// "HTTP/1.1" or "HTTP/1.0".
    pub version: String,
    /// Status code.
    pub status: u16,
    /// Reason phrase.
    pub reason: String,
    /// Headers as received (unredacted: kept in memory only, never recorded as is).
    pub headers: Vec<(String, String)>,
    /// Length of the head in bytes.
    pub len: usize,
}

impl Head {
    /// The first value of a header, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Names the HTTP/2 frames `buf` starts with, when it is the way an HTTP/2-only server answers a
/// stranger (RFC 9113 §3.4: its connection preface is a SETTINGS frame on stream 0, often followed
/// by a GOAWAY for the HTTP/1.1 bytes it could not read). `None` for anything else.
pub fn http2_frames(buf: &[u8]) -> Option<String> {
    const SETTINGS: u8 = 0x4;
    const GOAWAY: u8 = 0x7;
    let mut names = Vec::new();
    let mut rest = buf;
    while rest.len() >= 9 && names.len() < 4 {
        let len = usize::from(rest[0]) << 16 | usize::from(rest[1]) << 8 | usize::from(rest[2]);
        let kind = rest[3];
        let stream = u32::from_be_bytes([rest[5] & 0x7f, rest[6], rest[7], rest[8]]);
        let payload = rest.get(9..9 + len);
        let name = match (kind, stream, payload) {
            (SETTINGS, 0, _) if len % 6 == 0 => "SETTINGS".to_string(),
            (GOAWAY, 0, Some(p)) if len >= 8 => {
                let code = u32::from_be_bytes([p[4], p[5], p[6], p[7]]);
                format!("GOAWAY {}", h2_error_name(code))
            }
            (GOAWAY, 0, None) if len >= 8 => "GOAWAY".to_string(),
            // The first frame must be the server preface; later ones may be anything.
            _ if names.is_empty() => return None,
            _ => break,
        };
        names.push(name);
        match payload {
            Some(_) => rest = &rest[9 + len..],
            None => break,
        }
    }
    (!names.is_empty()).then(|| names.join(", "))
}

fn h2_error_name(code: u32) -> String {
    match code {
        0x0 => "NO_ERROR".into(),
        0x1 => "PROTOCOL_ERROR".into(),
        0x2 => "INTERNAL_ERROR".into(),
        0xd => "HTTP_1_1_REQUIRED".into(),
        other => format!("error {other:#x}"),
    }
}

/// Parses a head from the start of `buf`: `Ok(None)` when more bytes are needed.
pub fn parse_head(buf: &[u8]) -> Result<Option<Head>, UpgradeFailure> {
    // httparse accepts a lone LF as a line ending; a response that starts with anything other
    // than "HTTP/" (even partially) is rejected immediately below.
    let prefix = &buf[..buf.len().min(5)];
    if !b"HTTP/".starts_with(prefix) {
        if let Some(frames) = http2_frames(buf) {
            return Err(UpgradeFailure::Http2(frames));
        }
        return Err(UpgradeFailure::Malformed(format!(
            "the reply does not start with an HTTP status line: {:?}",
            excerpt(buf, 40)
        )));
    }
    let mut headers = vec![httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut resp = httparse::Response::new(&mut headers);
    match resp.parse(buf) {
        Ok(httparse::Status::Partial) => Ok(None),
        Ok(httparse::Status::Complete(len)) => {
            let version = match resp.version {
                Some(0) => "HTTP/1.0",
                _ => "HTTP/1.1",
            };
            Ok(Some(Head {
                version: version.into(),
                status: resp.code.unwrap_or_default(),
                reason: resp.reason.unwrap_or_default().to_string(),
                headers: resp
                    .headers
                    .iter()
                    .map(|h| {
                        (
                            h.name.to_string(),
                            String::from_utf8_lossy(h.value).into_owned(),
                        )
                    })
                    .collect(),
                len,
            }))
        }
        // Our limit, not the server's error: report it as a head that is too large.
        Err(httparse::Error::TooManyHeaders) => Err(UpgradeFailure::TooLarge),
        Err(e) => Err(UpgradeFailure::Malformed(format!(
            "invalid response head ({e}): {:?}",
            excerpt(buf, 60)
        ))),
    }
}

fn excerpt(buf: &[u8], n: usize) -> String {
    String::from_utf8_lossy(&buf[..buf.len().min(n)]).into_owned()
}

/// What the exchange returned.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The parsed head (unredacted).
    pub head: Head,
    /// The response as recorded (redacted).
    pub response: WireResponse,
    /// The body bytes read (bounded, chunked decoded, unredacted) for non-101 responses.
    pub body: Vec<u8>,
    /// Bytes after the head of a 101 (the start of the WebSocket stream).
    pub leftover: Vec<u8>,
}

/// Writes the request and reads the response head and body excerpt.
pub async fn exchange<S: AsyncRead + AsyncWrite + Unpin, V: AsRef<str>>(
    io: &mut S,
    request: &Request<'_, V>,
    redactor: &Redactor,
    deadline: Instant,
) -> Result<Exchange, UpgradeFailure> {
    let bytes = request.to_bytes();
    match tokio::time::timeout_at(deadline, async {
        io.write_all(&bytes).await?;
        io.flush().await
    })
    .await
    {
        Err(_) => return Err(UpgradeFailure::Deadline),
        Ok(Err(e)) => return Err(io_failure(&e, 0)),
        Ok(Ok(())) => {}
    }
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    // Bytes of interim (1xx other than 101) heads already skipped; they count towards the limit.
    let mut skipped = 0usize;
    let head = loop {
        if let Some(head) = parse_head(&buf)? {
            if skipped + head.len > MAX_HEAD_BYTES {
                return Err(UpgradeFailure::TooLarge);
            }
            if (100..200).contains(&head.status) && head.status != 101 {
                // 100 Continue, 103 Early Hints: informational, the real answer follows
                // (RFC 9110 §15.2).
                skipped += head.len;
                buf.drain(..head.len);
                continue;
            }
            break head;
        }
        if skipped + buf.len() > MAX_HEAD_BYTES {
            return Err(UpgradeFailure::TooLarge);
        }
        let mut chunk = [0u8; 8192];
        match tokio::time::timeout_at(deadline, io.read(&mut chunk)).await {
            Err(_) => return Err(UpgradeFailure::Deadline),
            Ok(Err(e)) => return Err(io_failure(&e, buf.len())),
            Ok(Ok(0)) => return Err(UpgradeFailure::Closed { bytes: buf.len() }),
            Ok(Ok(n)) => {
                tracing::trace!(
                    bytes = n,
                    total = skipped + buf.len() + n,
                    "response head read"
                );
                buf.extend_from_slice(&chunk[..n]);
            }
        }
    };
    let rest = buf.split_off(head.len);
    let (body, body_bytes, truncated, leftover) = if head.status == 101 {
        (Vec::new(), 0, false, rest)
    } else if has_no_body(request.method, head.status) {
        (Vec::new(), 0, false, Vec::new())
    } else {
        let until = deadline.min(Instant::now() + BODY_WAIT);
        let b = read_body(io, &head, rest, until).await;
        (b.excerpt, b.raw_bytes, b.truncated, Vec::new())
    };
    let response = WireResponse {
        version: head.version.clone(),
        status: head.status,
        reason: redactor.text(&head.reason),
        headers: head
            .headers
            .iter()
            .map(|(k, v)| WireHeader {
                name: k.clone(),
                value: redactor.header(k, v),
            })
            .collect(),
        body_excerpt: redactor.excerpt(
            &String::from_utf8_lossy(&body),
            BODY_EXCERPT_BYTES,
            truncated,
        ),
        body_bytes,
        body_truncated: truncated,
    };
    Ok(Exchange {
        head,
        response,
        body,
        leftover,
    })
}

fn io_failure(e: &io::Error, received: usize) -> UpgradeFailure {
    if let Some(alert) = crate::probe::tls::received_alert(e) {
        return UpgradeFailure::TlsAlert(alert);
    }
    match e.kind() {
        io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted => {
            UpgradeFailure::Reset(e.to_string())
        }
        io::ErrorKind::UnexpectedEof | io::ErrorKind::BrokenPipe => {
            UpgradeFailure::Closed { bytes: received }
        }
        _ => UpgradeFailure::Reset(e.to_string()),
    }
}

fn has_no_body(method: &str, status: u16) -> bool {
    method.eq_ignore_ascii_case("HEAD")
        || (method.eq_ignore_ascii_case("CONNECT") && (200..300).contains(&status))
        || (100..200).contains(&status)
        || status == 204
        || status == 304
}

/// How the body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    Length(u64),
    Chunked,
    UntilEof,
}

fn framing(head: &Head) -> Framing {
    let chunked = head
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("transfer-encoding"))
        .any(|(_, v)| {
            v.split(',')
                .any(|t| t.trim().eq_ignore_ascii_case("chunked"))
        });
    if chunked {
        return Framing::Chunked;
    }
    match head
        .header("content-length")
        .map(|v| v.trim().parse::<u64>())
    {
        Some(Ok(n)) => Framing::Length(n),
        _ => Framing::UntilEof,
    }
}

struct Body {
    excerpt: Vec<u8>,
    raw_bytes: usize,
    truncated: bool,
}

async fn read_body<S: AsyncRead + Unpin>(
    io: &mut S,
    head: &Head,
    mut raw: Vec<u8>,
    until: Instant,
) -> Body {
    let framing = framing(head);
    // Chunked bodies carry framing overhead: read a little more raw data than the excerpt.
    let raw_limit = match framing {
        Framing::Chunked => BODY_EXCERPT_BYTES * 2,
        _ => BODY_EXCERPT_BYTES,
    };
    let mut eof = false;
    loop {
        let done = match framing {
            Framing::Length(n) => raw.len() as u64 >= n || raw.len() >= raw_limit,
            Framing::Chunked => {
                let (decoded, complete) = decode_chunked(&raw);
                complete || decoded.len() >= BODY_EXCERPT_BYTES || raw.len() >= raw_limit
            }
            Framing::UntilEof => raw.len() >= raw_limit,
        };
        if done || eof {
            break;
        }
        let mut chunk = [0u8; 4096];
        match tokio::time::timeout_at(until, io.read(&mut chunk)).await {
            Ok(Ok(0)) => eof = true,
            Ok(Ok(n)) => raw.extend_from_slice(&chunk[..n]),
            Ok(Err(_)) | Err(_) => break,
        }
    }
    match framing {
        Framing::Length(n) => {
            raw.truncate(
                usize::try_from(n)
                    .unwrap_or(usize::MAX)
                    .min(BODY_EXCERPT_BYTES),
            );
            let truncated = (raw.len() as u64) < n;
            Body {
                raw_bytes: raw.len(),
                excerpt: raw,
                truncated,
            }
        }
        Framing::Chunked => {
            let (mut decoded, complete) = decode_chunked(&raw);
            let truncated = !complete || decoded.len() > BODY_EXCERPT_BYTES;
            decoded.truncate(BODY_EXCERPT_BYTES);
            Body {
                raw_bytes: decoded.len(),
                excerpt: decoded,
                truncated,
            }
        }
        Framing::UntilEof => {
            let truncated = !eof || raw.len() > BODY_EXCERPT_BYTES;
            raw.truncate(BODY_EXCERPT_BYTES);
            Body {
                raw_bytes: raw.len(),
                excerpt: raw,
                truncated,
            }
        }
    }
}

/// Decodes as much of a chunked body as `raw` holds: the data and whether the last chunk was seen.
pub fn decode_chunked(raw: &[u8]) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let mut pos = 0;
    loop {
        let Some(line_end) = find_crlf(&raw[pos..]) else {
            return (out, false);
        };
        let line = String::from_utf8_lossy(&raw[pos..pos + line_end]);
        let size_text = line.split(';').next().unwrap_or_default().trim();
        let Ok(size) = usize::from_str_radix(size_text, 16) else {
            return (out, false);
        };
        pos += line_end + 2;
        if size == 0 {
            return (out, true);
        }
        let available = raw.len().saturating_sub(pos);
        if available < size {
            out.extend_from_slice(&raw[pos..]);
            return (out, false);
        }
        out.extend_from_slice(&raw[pos..pos + size]);
        pos += size;
        // The CRLF after the chunk data.
        if raw.len() < pos + 2 {
            return (out, false);
        }
        pos += 2;
    }
}

fn find_crlf(b: &[u8]) -> Option<usize> {
    b.windows(2).position(|w| w == b"\r\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_bytes_are_exactly_the_planned_headers() {
        let headers = vec![
            ("Host".to_string(), "h:1".to_string()),
            ("Authorization".to_string(), "Bearer s3cret".to_string()),
        ];
        let r = Request {
            method: "GET",
            target: "/ws?token=abc",
            headers: &headers,
        };
        assert_eq!(
            r.to_bytes(),
            b"GET /ws?token=abc HTTP/1.1\r\nHost: h:1\r\nAuthorization: Bearer s3cret\r\n\r\n"
        );
        let rec = r.record(&Redactor::new([], true));
        assert_eq!(rec.path, "/ws?token=[redacted]");
        assert_eq!(rec.headers[1].value, "Bearer [redacted]");
    }

    #[test]
    fn heads_parse_complete_and_partial() {
        let raw = b"HTTP/1.1 403 Forbidden\r\nServer: nginx\r\nContent-Length: 3\r\n\r\nabc";
        let h = parse_head(raw).unwrap().unwrap();
        assert_eq!(h.status, 403);
        assert_eq!(h.reason, "Forbidden");
        assert_eq!(h.header("server"), Some("nginx"));
        assert_eq!(&raw[h.len..], b"abc");
        assert_eq!(parse_head(b"HTTP/1.1 101 Switching").unwrap(), None);
        assert_eq!(parse_head(b"HT").unwrap(), None);
        assert_eq!(parse_head(b"").unwrap(), None);
    }

    #[test]
    fn garbage_and_nul_bytes_are_malformed() {
        assert!(matches!(
            parse_head(b"\x00\x01garbage"),
            Err(UpgradeFailure::Malformed(_))
        ));
        assert!(matches!(
            parse_head(b"SSH-2.0-OpenSSH\r\n"),
            Err(UpgradeFailure::Malformed(_))
        ));
        assert!(matches!(
            parse_head(b"HTTP/1.1 200 OK\nX: a\x00b\n\n"),
            Err(UpgradeFailure::Malformed(_))
        ));
        assert!(matches!(
            parse_head(b"HTTP/1.1 abc\r\n\r\n"),
            Err(UpgradeFailure::Malformed(_))
        ));
    }

    #[test]
    fn chunked_bodies_decode_partially_and_fully() {
        assert_eq!(
            decode_chunked(b"3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n"),
            (b"abcde".to_vec(), true)
        );
        assert_eq!(decode_chunked(b"5\r\nab"), (b"ab".to_vec(), false));
        assert_eq!(decode_chunked(b"zz\r\n"), (Vec::new(), false));
    }

    #[test]
    fn framing_prefers_chunked_over_length() {
        let h = parse_head(
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
        )
        .unwrap()
        .unwrap();
        assert_eq!(framing(&h), Framing::Chunked);
    }

    #[tokio::test]
    async fn interim_heads_are_skipped_and_bytes_after_a_101_kept() {
        let (mut client, mut server) = tokio::io::duplex(1 << 16);
        let server_task = async move {
            let mut req = vec![0u8; 1024];
            let _ = server.read(&mut req).await;
            server
                .write_all(b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x88\x02\x03\xe8")
                .await
                .unwrap();
            server
        };
        let headers = vec![("Host".to_string(), "x".to_string())];
        let req = Request {
            method: "GET",
            target: "/",
            headers: &headers,
        };
        let deadline = Instant::now() + std::time::Duration::from_secs(5);
        let redactor = Redactor::new([], true);
        let (ex, _server) = tokio::join!(
            exchange(&mut client, &req, &redactor, deadline),
            server_task
        );
        let ex = ex.unwrap();
        assert_eq!(ex.head.status, 101);
        assert_eq!(ex.leftover, b"\x88\x02\x03\xe8");
    }

    #[tokio::test]
    async fn body_excerpt_is_bounded_and_redacted() {
        let (mut client, mut server) = tokio::io::duplex(1 << 20);
        let secret = crate::secret::Secret::new("tok-12345");
        let redactor = Redactor::new([&secret], true);
        let server_task = async move {
            let mut req = vec![0u8; 1024];
            let _ = server.read(&mut req).await;
            let body = format!("echo tok-12345 {}", "x".repeat(20_000));
            let head = format!(
                "HTTP/1.1 403 Forbidden\r\nContent-Length: {}\r\nSet-Cookie: sid=tok-12345\r\n\r\n",
                body.len()
            );
            server.write_all(head.as_bytes()).await.unwrap();
            server.write_all(body.as_bytes()).await.unwrap();
            server
        };
        let headers = vec![("Host".to_string(), "x".to_string())];
        let req = Request {
            method: "GET",
            target: "/",
            headers: &headers,
        };
        let deadline = Instant::now() + std::time::Duration::from_secs(5);
        let (ex, _server) = tokio::join!(
            exchange(&mut client, &req, &redactor, deadline),
            server_task
        );
        let ex = ex.unwrap();
        assert_eq!(ex.response.status, 403);
        assert!(ex.response.body_truncated);
        assert_eq!(ex.response.body_bytes, BODY_EXCERPT_BYTES);
        // Redaction may lengthen the excerpt a little, never by a whole read.
        assert!(ex.response.body_excerpt.len() < BODY_EXCERPT_BYTES + 64);
        assert!(ex.response.body_excerpt.starts_with("echo [redacted] x"));
        assert_eq!(ex.response.header("set-cookie"), Some("sid=[redacted]"));
    }

    #[test]
    fn http2_frames_are_named_and_everything_else_is_not() {
        // Node's http2.createServer() answering an HTTP/1.1 upgrade (captured on loopback):
        // an empty SETTINGS, then GOAWAY with PROTOCOL_ERROR.
        let node = [
            0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 8, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
        ];
        assert_eq!(
            http2_frames(&node).as_deref(),
            Some("SETTINGS, GOAWAY PROTOCOL_ERROR")
        );
        assert!(matches!(parse_head(&node), Err(UpgradeFailure::Http2(_))));
        // A SETTINGS frame with parameters (two of six bytes each), cut short: still named.
        let settings = [0, 0, 12, 4, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 100];
        assert_eq!(http2_frames(&settings).as_deref(), Some("SETTINGS"));
        // Near misses: a DATA frame first, SETTINGS on a stream, a length not a multiple of 6,
        // fewer than 9 bytes, text.
        assert_eq!(http2_frames(&[0, 0, 0, 0, 0, 0, 0, 0, 1]), None);
        assert_eq!(http2_frames(&[0, 0, 0, 4, 0, 0, 0, 0, 1]), None);
        assert_eq!(http2_frames(&[0, 0, 5, 4, 0, 0, 0, 0, 0]), None);
        assert_eq!(http2_frames(&[0, 0, 0, 4]), None);
        assert_eq!(http2_frames(b"<html>hello</html>"), None);
        assert!(matches!(
            parse_head(b"<html>hello</html>"),
            Err(UpgradeFailure::Malformed(_))
        ));
    }
}
