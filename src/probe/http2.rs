//! probe::http2: the path browsers may take to a `wss://` origin that speaks HTTP/2 — RFC 8441's
//! extended CONNECT (`:method CONNECT`, `:protocol websocket`) on an HTTP/2 connection, instead of
//! an HTTP/1.1 `Upgrade`.
//!
//! A connection of its own offers ALPN `h2, http/1.1`, as a browser does. When the server picks
//! `h2`, its SETTINGS are read: they are the server's first frame, so they are in once the answer
//! to our PING is (RFC 9113 §3.4, §6.7). When they advertise `SETTINGS_ENABLE_CONNECT_PROTOCOL =
//! 1`, the baseline's request is sent as an extended CONNECT stream (same path, credential,
//! Origin, subprotocols, `sec-websocket-version: 13`), its `:status`, headers and body excerpt or
//! its RST_STREAM/GOAWAY code are recorded, and a `200` stream is watched like an HTTP/1.1
//! session (close frame and code, ping). The framing is the `h2` crate's; this file only
//! records. Bounded: every wait ends at the run's deadline, header lists and frames are capped.
//!
//! With `--h2c` a `ws://` target gets the same stage in cleartext with prior knowledge (RFC 9113
//! §3.3): no TLS, no ALPN, the connection preface at once. A server that does not speak it
//! answers the preface in HTTP/1.x (recorded with its status line) or closes.

use std::pin::Pin as StdPin;
use std::task::{Context, Poll};

use bytes::Bytes;
use tokio::io::ReadBuf;

use super::*;
use crate::model::{Http2Record, WireHeader, WireRequest, WireResponse};

/// What a browser offers in ALPN.
pub const BROWSER_ALPN: &[&str] = &["h2", "http/1.1"];

/// Headers HTTP/2 forbids (RFC 9113 §8.2.2) or that the extended CONNECT replaces (RFC 8441 §5:
/// no `Sec-WebSocket-Key`/`Accept`; `Host` is `:authority`).
const NOT_IN_H2: &[&str] = &[
    "connection",
    "upgrade",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "host",
    "sec-websocket-key",
];

/// The largest header list accepted from the server.
const MAX_HEADER_LIST_BYTES: u32 = 64 * 1024;
/// The largest frame accepted from the server (the protocol's minimum maximum).
const MAX_FRAME_BYTES: u32 = 16 * 1024;

/// Aborts the connection task when the probe is done with it, however it ends.
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs the HTTP/2 path for `spec` (the baseline's request under the `http2` variant).
/// `variants` run on the same connection when the baseline's stream fails.
pub(crate) async fn http2_path(
    spec: &AttemptSpec,
    variants: &[AttemptSpec],
    ctx: &ProbeContext,
) -> Http2Record {
    let started = Instant::now();
    let mut rec = empty_record(spec, &ctx.redactor);
    // ws:// reaches this only with --h2c (plan::http2): cleartext, prior knowledge, no ALPN.
    let prior_knowledge = !is_tls(&spec.url);
    let alpn: &[&str] = if prior_knowledge { &[] } else { BROWSER_ALPN };
    let mut out = Http2Record {
        alpn_offered: alpn.iter().map(|s| s.to_string()).collect(),
        prior_knowledge,
        http1_answer: None,
        alpn: None,
        extended_connect: None,
        error: None,
        attempt: None,
        variants: Vec::new(),
        ms: 0.0,
    };
    let io = match connect_with_alpn(&spec.url, ctx, &mut rec, alpn).await {
        Ok(io) => io,
        Err(outcome) => {
            out.error = Some(format!(
                "no connection for the HTTP/2 path: {}",
                super::outcome_text(&outcome)
            ));
            out.ms = ms_since(started);
            return out;
        }
    };
    out.alpn = rec.tls.as_ref().and_then(|t| t.alpn.clone());
    if !prior_knowledge && out.alpn.as_deref() != Some("h2") {
        out.ms = ms_since(started);
        return out;
    }
    // With prior knowledge nothing said the server speaks HTTP/2: keep the start of its answer,
    // so an HTTP/1.x reply to the preface is recorded as such rather than as a frame error.
    let (io, first): (BoxedIo, Option<FirstBytes>) = if prior_knowledge {
        let tap = FirstBytes::default();
        (Box::new(tap.wrap(io)), Some(tap))
    } else {
        (io, None)
    };
    let outcome = extended_connect(spec, variants, ctx, io, &mut rec, &mut out).await;
    if let Some(tap) = first {
        if out.error.is_some() {
            prior_knowledge_refusal(&tap.bytes(), &mut out);
        }
    }
    if let Some(outcome) = outcome {
        rec.outcome = outcome;
        fill_skipped(&mut rec.stages, &spec.url);
        rec.ms = ms_since(started);
        out.attempt = Some(Box::new(rec));
    }
    out.ms = ms_since(started);
    out
}

/// The h2 connection, its SETTINGS and, when advertised, the extended CONNECT stream. `None`
/// when no stream was sent (the connection failed, or extended CONNECT is not advertised).
async fn extended_connect(
    spec: &AttemptSpec,
    variants: &[AttemptSpec],
    ctx: &ProbeContext,
    io: BoxedIo,
    rec: &mut AttemptRecord,
    out: &mut Http2Record,
) -> Option<Outcome> {
    let t = Instant::now();
    let handshake = h2::client::Builder::new()
        .max_header_list_size(MAX_HEADER_LIST_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .max_concurrent_reset_streams(4)
        .handshake::<_, Bytes>(io);
    let (send, mut connection) = match tokio::time::timeout_at(ctx.deadline, handshake).await {
        Ok(Ok(pair)) => pair,
        Ok(Err(e)) => {
            out.error = Some(format!("HTTP/2 handshake failed: {}", h2_error(&e)));
            return None;
        }
        Err(_) => {
            out.error = Some("no HTTP/2 handshake before the deadline".into());
            return None;
        }
    };
    let ping = connection.ping_pong();
    let driver = tokio::spawn(connection);
    let _abort = AbortOnDrop(driver.abort_handle());
    // The server's SETTINGS are its first frame: once our PING is answered, they are in.
    if let Some(mut ping) = ping {
        match tokio::time::timeout_at(ctx.deadline, ping.ping(h2::Ping::opaque())).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                out.error = Some(format!(
                    "the HTTP/2 connection failed before its SETTINGS were read: {}",
                    h2_error(&e)
                ));
                return None;
            }
            Err(_) => {
                out.error = Some("no answer to an HTTP/2 PING before the deadline".into());
                return None;
            }
        }
    }
    let enabled = send.is_extended_connect_protocol_enabled();
    out.extended_connect = Some(enabled);
    if !enabled {
        return None;
    }

    let main = stream_attempt(spec, ctx, send.clone(), rec, t).await;
    if !main.is_success() && !variants.is_empty() {
        // The browsers' path fails: the credential and Origin variants on the same connection,
        // concurrently, tell a refusal of WebSockets over HTTP/2 as such from one that depends on
        // what the request carries.
        let shared_stages: Vec<StageRecord> = rec.stages.clone();
        let runs = variants.iter().map(|v| {
            let send = send.clone();
            let shared = shared_stages.clone();
            let tls = rec.tls.clone();
            async move {
                let started = Instant::now();
                let mut vrec = empty_record(v, &ctx.redactor);
                vrec.stages = shared;
                vrec.tls = tls;
                let outcome = stream_attempt(v, ctx, send, &mut vrec, started).await;
                vrec.outcome = outcome;
                fill_skipped(&mut vrec.stages, &v.url);
                vrec.ms = ms_since(started);
                vrec
            }
        });
        out.variants = futures_util::future::join_all(runs).await;
    }
    Some(main)
}

/// One extended CONNECT stream on the connection: the spec's request, its answer, and the
/// session after a 200.
async fn stream_attempt(
    spec: &AttemptSpec,
    ctx: &ProbeContext,
    send: h2::client::SendRequest<Bytes>,
    rec: &mut AttemptRecord,
    t: Instant,
) -> Outcome {
    // The stream: the baseline's request as an extended CONNECT.
    let wire_url = spec.wire_url();
    let target = request_target(&wire_url);
    // `:authority` carries what `Host` does (RFC 9113 §8.3.1), never userinfo.
    let authority = crate::plan::host_header(&spec.url);
    let scheme = if is_tls(&spec.url) { "https" } else { "http" };
    let headers: Vec<(String, &HeaderValueRef)> = spec
        .headers
        .iter()
        .filter(|(k, _)| !NOT_IN_H2.contains(&k.to_ascii_lowercase().as_str()))
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect();
    let mut recorded = vec![
        WireHeader {
            name: ":method".into(),
            value: "CONNECT".into(),
        },
        WireHeader {
            name: ":protocol".into(),
            value: "websocket".into(),
        },
        WireHeader {
            name: ":scheme".into(),
            value: scheme.into(),
        },
        WireHeader {
            name: ":path".into(),
            value: ctx.redactor.url(&target),
        },
        WireHeader {
            name: ":authority".into(),
            value: authority.clone(),
        },
    ];
    recorded.extend(headers.iter().map(|(k, v)| WireHeader {
        name: k.clone(),
        value: ctx.redactor.header(k, v.expose()),
    }));
    rec.request = Some(WireRequest {
        method: "CONNECT".into(),
        path: ctx.redactor.url(&target),
        headers: recorded,
    });
    let mut builder = http::Request::builder()
        .method(http::Method::CONNECT)
        .version(http::Version::HTTP_2)
        .uri(format!("{scheme}://{authority}{target}"))
        .extension(h2::ext::Protocol::from_static("websocket"));
    for (k, v) in &headers {
        builder = builder.header(k.as_str(), v.expose());
    }
    let request = match builder.body(()) {
        Ok(r) => r,
        Err(e) => {
            let detail = format!("cannot build the extended CONNECT: {e}");
            push_stage(rec, Stage::Upgrade, t, detail.clone(), Some("h2_error"));
            return Outcome::ProtocolViolation {
                error: "h2_error".into(),
                detail,
            };
        }
    };
    let sent = async {
        let mut send = send.ready().await?;
        let (response, stream) = send.send_request(request, false)?;
        Ok::<_, h2::Error>((response.await?, stream))
    };
    let (response, send_stream) = match tokio::time::timeout_at(ctx.deadline, sent).await {
        Ok(Ok(pair)) => pair,
        Ok(Err(e)) => {
            let (class, detail) = stream_failure(&e);
            push_stage(rec, Stage::Upgrade, t, detail.clone(), Some(class));
            return Outcome::ProtocolViolation {
                error: class.into(),
                detail,
            };
        }
        Err(_) => {
            push_stage(
                rec,
                Stage::Upgrade,
                t,
                "no :status for the extended CONNECT before the deadline".into(),
                Some("timeout"),
            );
            return Outcome::Timeout {
                stage: Stage::Upgrade,
            };
        }
    };
    let (parts, mut body) = response.into_parts();
    let status = parts.status.as_u16();
    let header_list: Vec<WireHeader> = parts
        .headers
        .iter()
        .map(|(k, v)| WireHeader {
            name: k.as_str().to_string(),
            value: ctx
                .redactor
                .header(k.as_str(), &String::from_utf8_lossy(v.as_bytes())),
        })
        .collect();
    let mut wire = WireResponse {
        version: "HTTP/2".into(),
        status,
        reason: parts.status.canonical_reason().unwrap_or("").to_string(),
        headers: header_list,
        body_excerpt: String::new(),
        body_bytes: 0,
        body_truncated: false,
    };
    if status != 200 {
        read_excerpt(&mut body, &mut wire, ctx.deadline, &ctx.redactor).await;
        push_stage(
            rec,
            Stage::Upgrade,
            t,
            format!("extended CONNECT → :status {status}"),
            None,
        );
        let headers = wire
            .headers
            .iter()
            .map(|h| (h.name.clone(), h.value.clone()))
            .collect();
        let body_excerpt = wire.body_excerpt.clone();
        rec.response = Some(wire);
        return if (300..400).contains(&status) {
            Outcome::Redirected {
                status,
                location: rec
                    .response
                    .as_ref()
                    .and_then(|r| r.header("location"))
                    .map(|l| ctx.redactor.url(l)),
                headers,
            }
        } else {
            Outcome::Rejected {
                status,
                headers,
                body_excerpt,
            }
        };
    }
    push_stage(
        rec,
        Stage::Upgrade,
        t,
        "extended CONNECT → :status 200 (the stream is the WebSocket)".into(),
        None,
    );
    let subprotocol = wire.header("sec-websocket-protocol").map(str::to_string);
    let extensions = wire.header("sec-websocket-extensions").map(str::to_string);
    rec.response = Some(wire);
    let offered_protocols = spec
        .headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("sec-websocket-protocol"));
    if subprotocol.is_some() && !offered_protocols {
        let detail = "the server selected a subprotocol that was not offered".to_string();
        push_stage(
            rec,
            Stage::Session,
            t,
            detail.clone(),
            Some("unrequested_subprotocol"),
        );
        return Outcome::ProtocolViolation {
            error: "unrequested_subprotocol".into(),
            detail,
        };
    }
    let stream = H2Stream {
        send: send_stream,
        recv: body,
        pending: Bytes::new(),
    };
    watch::watch_upgraded(
        spec,
        ctx,
        rec,
        Box::new(stream),
        Vec::new(),
        watch::Negotiated {
            accept_valid: true,
            subprotocol,
            extensions,
        },
    )
    .await
}

type HeaderValueRef = crate::secret::HeaderValue;

/// True for the schemes the HTTP/2 path reaches over TLS.
fn is_tls(url: &Url) -> bool {
    matches!(url.scheme(), "wss" | "https")
}

/// How many of the server's first bytes a cleartext (prior knowledge) connection keeps.
const FIRST_BYTES: usize = 256;

/// The first [`FIRST_BYTES`] a server sent on a cleartext HTTP/2 connection, shared with the
/// wrapper the h2 connection reads through.
#[derive(Clone, Default)]
struct FirstBytes(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl FirstBytes {
    fn wrap(&self, io: BoxedIo) -> Tapped {
        Tapped {
            io,
            tap: self.clone(),
        }
    }

    fn bytes(&self) -> Vec<u8> {
        self.0.lock().map(|b| b.clone()).unwrap_or_default()
    }
}

/// A connection whose first bytes read are copied into a [`FirstBytes`].
struct Tapped {
    io: BoxedIo,
    tap: FirstBytes,
}

impl AsyncRead for Tapped {
    fn poll_read(
        mut self: StdPin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = StdPin::new(&mut self.io).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            if let Ok(mut kept) = self.tap.0.lock() {
                let room = FIRST_BYTES.saturating_sub(kept.len());
                let new = &buf.filled()[before..];
                kept.extend_from_slice(&new[..new.len().min(room)]);
            }
        }
        polled
    }
}

impl AsyncWrite for Tapped {
    fn poll_write(
        mut self: StdPin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        StdPin::new(&mut self.io).poll_write(cx, data)
    }

    fn poll_flush(mut self: StdPin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        StdPin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: StdPin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<std::io::Result<()>> {
        StdPin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// A cleartext HTTP/2 connection that failed before its SETTINGS: says what the server did with
/// the preface when that tells more than the frame error (an HTTP/1.x answer, or a close).
fn prior_knowledge_refusal(first: &[u8], out: &mut Http2Record) {
    let Some(error) = out.error.take() else {
        return;
    };
    out.error = Some(if first.starts_with(b"HTTP/") {
        let line = first
            .split(|b| *b == b'\r' || *b == b'\n')
            .next()
            .unwrap_or_default();
        let line = String::from_utf8_lossy(line).into_owned();
        let text = format!(
            "the server answered the HTTP/2 connection preface in HTTP/1.x ({line}): it does not speak cleartext HTTP/2 (h2c) with prior knowledge"
        );
        out.http1_answer = Some(line);
        text
    } else if first.is_empty() {
        format!(
            "the server sent nothing in reply to the HTTP/2 connection preface ({error}): it does not speak cleartext HTTP/2 (h2c) with prior knowledge"
        )
    } else {
        error
    });
}

/// Reads the start of a refusal's body, bounded in size and time.
async fn read_excerpt(
    body: &mut h2::RecvStream,
    wire: &mut WireResponse,
    deadline: Instant,
    redactor: &crate::secret::Redactor,
) {
    let mut bytes = Vec::new();
    let limit = limits::BODY_EXCERPT_BYTES;
    while bytes.len() <= limit {
        match tokio::time::timeout_at(deadline, body.data()).await {
            Ok(Some(Ok(chunk))) => {
                let _ = body.flow_control().release_capacity(chunk.len());
                wire.body_bytes += chunk.len();
                bytes.extend_from_slice(&chunk);
            }
            _ => break,
        }
    }
    wire.body_truncated = bytes.len() > limit;
    bytes.truncate(limit);
    // Redacted like every HTTP/1.1 body: a server may echo the credential in its refusal.
    wire.body_excerpt =
        redactor.excerpt(&String::from_utf8_lossy(&bytes), limit, wire.body_truncated);
}

/// A failed stream or connection as (class id, sentence).
fn stream_failure(e: &h2::Error) -> (&'static str, String) {
    if e.is_go_away() {
        (
            "h2_goaway",
            format!(
                "the server closed the HTTP/2 connection (GOAWAY {}) instead of answering the extended CONNECT",
                reason_name(e)
            ),
        )
    } else if e.is_reset() {
        (
            "h2_stream_reset",
            format!(
                "the server reset the extended CONNECT stream (RST_STREAM {})",
                reason_name(e)
            ),
        )
    } else {
        (
            "h2_error",
            format!("the extended CONNECT failed: {}", h2_error(e)),
        )
    }
}

fn reason_name(e: &h2::Error) -> String {
    match e.reason() {
        Some(r) => format!("{r:?}"),
        None => "without a code".into(),
    }
}

/// An h2 error as a sentence (its Display, which names the frame and code).
fn h2_error(e: &h2::Error) -> String {
    if e.is_io() {
        format!("connection error: {e}")
    } else {
        e.to_string()
    }
}

/// An extended CONNECT stream as a byte stream for the WebSocket watch.
struct H2Stream {
    send: h2::SendStream<Bytes>,
    recv: h2::RecvStream,
    pending: Bytes,
}

impl AsyncRead for H2Stream {
    fn poll_read(
        mut self: StdPin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        loop {
            if !self.pending.is_empty() {
                let n = self.pending.len().min(buf.remaining());
                let chunk = self.pending.split_to(n);
                buf.put_slice(&chunk);
                return Poll::Ready(Ok(()));
            }
            match self.recv.poll_data(cx) {
                Poll::Ready(Some(Ok(chunk))) => {
                    let _ = self.recv.flow_control().release_capacity(chunk.len());
                    self.pending = chunk;
                }
                // The stream ended (END_STREAM): EOF, as a TCP close is on HTTP/1.1.
                Poll::Ready(None) => return Poll::Ready(Ok(())),
                Poll::Ready(Some(Err(e))) => {
                    return Poll::Ready(Err(std::io::Error::new(
                        std::io::ErrorKind::ConnectionReset,
                        stream_failure(&e).1,
                    )))
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl AsyncWrite for H2Stream {
    fn poll_write(
        mut self: StdPin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        if data.is_empty() {
            return Poll::Ready(Ok(0));
        }
        self.send.reserve_capacity(data.len());
        // Capacity 0 is a wake-up without room: ask again (poll_capacity registers the waker).
        let mut polled = self.send.poll_capacity(cx);
        for _ in 0..4 {
            if !matches!(polled, Poll::Ready(Some(Ok(0)))) {
                break;
            }
            polled = self.send.poll_capacity(cx);
        }
        match polled {
            // Still no room: yield and be polled again.
            Poll::Ready(Some(Ok(0))) => {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Poll::Ready(Some(Ok(n))) => {
                let n = n.min(data.len());
                match self
                    .send
                    .send_data(Bytes::copy_from_slice(&data[..n]), false)
                {
                    Ok(()) => Poll::Ready(Ok(n)),
                    Err(e) => Poll::Ready(Err(std::io::Error::new(
                        std::io::ErrorKind::BrokenPipe,
                        stream_failure(&e).1,
                    ))),
                }
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Err(std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                stream_failure(&e).1,
            ))),
            Poll::Ready(None) => Poll::Ready(Err(std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                "the HTTP/2 stream is closed",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn poll_flush(self: StdPin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        mut self: StdPin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<std::io::Result<()>> {
        let _ = self.send.send_data(Bytes::new(), true);
        Poll::Ready(Ok(()))
    }
}
