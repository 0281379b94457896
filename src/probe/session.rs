//! probe::session: what happens after a `101`. Checks the handshake answer (Sec-WebSocket-Accept,
//! Upgrade/Connection, subprotocol and extension selection), then hands the stream and the bytes
//! that arrived with the head to `WebSocketStream::from_partially_read` — so a close frame that
//! rode in with the 101 is seen — sends a ping, and watches for a close during the close-wait.
//! Frame and message sizes and the number of frames read are bounded. Must not decide causes.

use crate::model::FailureClass;
use futures_util::{SinkExt, StreamExt};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::error::ProtocolError;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::WebSocketStream;

use crate::model::SessionEnd;
use crate::probe::conversation::{Conversation, Talk};
use crate::probe::limits::{
    CLOSE_REASON_CHARS, MAX_FRAMES_WATCHED, MAX_FRAME_BYTES, PING_FLOOD_RATE, PING_FLOOD_WINDOW,
    POLITE_CLOSE_WAIT, WATCH_READ_BUFFER_BYTES,
};
use crate::probe::upgrade::Head;
use crate::probe::BoxedIo;
use crate::secret::Redactor;

/// The handshake answer as checked (values unredacted: the caller redacts before recording).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandshakeCheck {
    /// Whether Sec-WebSocket-Accept matched the key sent (false when no key was sent).
    pub accept_valid: bool,
    /// The subprotocol selected, if any.
    pub subprotocol: Option<String>,
    /// The extensions header, if any.
    pub extensions: Option<String>,
    /// The first RFC 6455 violation: class id and detail.
    pub violation: Option<(&'static str, String)>,
}

fn request_header<'a, V: AsRef<str>>(headers: &'a [(String, V)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_ref())
}

fn tokens(v: &str) -> impl Iterator<Item = &str> {
    v.split(',').map(str::trim).filter(|t| !t.is_empty())
}

/// Checks a 101 answer against the request that was sent (RFC 6455 §4.1, client requirements).
pub fn check_handshake<V: AsRef<str>>(request: &[(String, V)], head: &Head) -> HandshakeCheck {
    let key = request_header(request, "sec-websocket-key");
    let accept = head.header("sec-websocket-accept").map(str::trim);
    let accept_valid = match (key, accept) {
        (Some(k), Some(a)) => derive_accept_key(k.trim().as_bytes()) == a,
        _ => false,
    };
    let subprotocol = head
        .header("sec-websocket-protocol")
        .map(|s| s.trim().to_string());
    let extensions = head
        .header("sec-websocket-extensions")
        .map(|s| s.trim().to_string());

    let upgrade_ok = head
        .header("upgrade")
        .is_some_and(|v| tokens(v).any(|t| t.eq_ignore_ascii_case("websocket")));
    let connection_ok = head
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("connection"))
        .any(|(_, v)| tokens(v).any(|t| t.eq_ignore_ascii_case("upgrade")));
    let offered_protocols: Vec<&str> = request
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("sec-websocket-protocol"))
        .flat_map(|(_, v)| tokens(v.as_ref()))
        .collect();
    let offered_extensions: Vec<String> = request
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("sec-websocket-extensions"))
        .flat_map(|(_, v)| tokens(v.as_ref()))
        .map(extension_name)
        .collect();

    let violation = first_violation(
        upgrade_ok,
        connection_ok,
        key.is_some(),
        accept.is_some(),
        accept_valid,
        subprotocol
            .as_deref()
            .is_some_and(|p| !offered_protocols.contains(&p)),
        extensions.as_deref().and_then(|e| {
            tokens(e)
                .map(extension_name)
                .find(|n| !offered_extensions.contains(n))
        }),
    );
    HandshakeCheck {
        accept_valid,
        subprotocol,
        extensions,
        violation,
    }
}

/// The first violation in RFC 6455 order: upgrade headers, accept key, subprotocol, extensions.
fn first_violation(
    upgrade_ok: bool,
    connection_ok: bool,
    key_sent: bool,
    accept_present: bool,
    accept_valid: bool,
    unrequested_protocol: bool,
    unrequested_extension: Option<String>,
) -> Option<(&'static str, String)> {
    if !upgrade_ok || !connection_ok {
        let missing = match (upgrade_ok, connection_ok) {
            (false, false) => "Upgrade: websocket and Connection: Upgrade",
            (false, true) => "Upgrade: websocket",
            _ => "Connection: Upgrade",
        };
        return Some((
            FailureClass::MissingUpgradeHeaders.as_str(),
            format!("the 101 response lacks {missing}"),
        ));
    }
    if key_sent && !accept_valid {
        let detail = if accept_present {
            "Sec-WebSocket-Accept does not match the key sent"
        } else {
            "the 101 response has no Sec-WebSocket-Accept"
        };
        return Some((FailureClass::BadAcceptKey.as_str(), detail.to_string()));
    }
    if unrequested_protocol {
        return Some((
            FailureClass::UnrequestedSubprotocol.as_str(),
            "the server selected a subprotocol that was not offered".to_string(),
        ));
    }
    unrequested_extension.map(|ext| {
        (
            FailureClass::UnrequestedExtension.as_str(),
            format!("the server selected the extension {ext} that was not offered"),
        )
    })
}

fn extension_name(e: &str) -> String {
    e.split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// What the watch saw.
#[derive(Debug, Clone, PartialEq)]
pub struct Watch {
    /// How it ended.
    pub end: SessionEnd,
    /// Ping round trip, when the pong came back.
    pub ping_rtt_ms: Option<f64>,
    /// Data messages received.
    pub messages: u32,
    /// How long the connection was watched, in ms.
    pub watched_ms: f64,
    /// True when the watch was cut short by the overall deadline.
    pub cut_by_deadline: bool,
    /// True when the watch ended because `MAX_FRAMES_WATCHED` frames were read.
    pub frame_limit_hit: bool,
    /// True when the watch stopped at a compressed (permessage-deflate) frame it cannot decode.
    pub stopped_at_compressed: bool,
    /// Pings sent (the first, RTT-measuring ping included).
    pub pings_sent: u32,
    /// Pongs received.
    pub pongs_received: u32,
    /// Pings the server sent (tungstenite answers each with a pong).
    pub pings_received: u32,
    /// The `--send` / `--expect-reply` exchange, when one was planned.
    pub exchange: Option<crate::model::ExchangeRecord>,
    /// Milliseconds after the 101 of the last frame sent or received.
    pub last_activity_ms: f64,
}

/// How long to watch and what to send meanwhile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatchPlan {
    /// How long to hold the connection (the close-wait, or `--idle` on the baseline).
    pub duration: std::time::Duration,
    /// Send a ping at this interval (`--ping-interval`); one ping at the start otherwise.
    pub ping_interval: Option<std::time::Duration>,
    /// The server agreed to `permessage-deflate`: a frame with RSV1 set is a compressed message
    /// (RFC 7692), not a protocol error. tungstenite does not decode it, so the watch stops there
    /// with the connection counted as open.
    pub deflate: bool,
}

impl WatchPlan {
    /// The plain close-wait: one ping.
    pub fn close_wait(duration: std::time::Duration) -> WatchPlan {
        WatchPlan {
            duration,
            ping_interval: None,
            deflate: false,
        }
    }
}

const PING_PAYLOAD: &[u8] = b"wsdoctor";

fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// Watches an upgraded connection for `plan.duration` (never past `deadline`), pinging as planned,
/// then closes it politely if it is still open. `upgraded_at` is when the 101 head was complete.
pub async fn watch(
    io: BoxedIo,
    leftover: Vec<u8>,
    upgraded_at: Instant,
    plan: WatchPlan,
    conversation: Option<&Conversation>,
    deadline: Instant,
    redactor: &Redactor,
) -> Watch {
    let config = WebSocketConfig::default()
        .read_buffer_size(WATCH_READ_BUFFER_BYTES)
        // Only pings and a close are sent: write them at once rather than buffering.
        .write_buffer_size(0)
        .max_frame_size(Some(MAX_FRAME_BYTES))
        .max_message_size(Some(MAX_FRAME_BYTES));
    let mut ws =
        WebSocketStream::from_partially_read(io, leftover, Role::Client, Some(config)).await;
    let started = Instant::now();
    let mut wanted_end = started + plan.duration;
    let mut watch_end = wanted_end.min(deadline);
    let mut rtt = None;
    let mut messages = 0u32;
    let mut stopped_at_compressed = false;
    let mut talk = conversation.map(|c| Talk::new(c, redactor));

    if plan.duration.is_zero() && talk.is_none() {
        polite_close(&mut ws, deadline).await;
        return Watch {
            end: SessionEnd::StillOpen,
            ping_rtt_ms: None,
            messages,
            watched_ms: 0.0,
            cut_by_deadline: false,
            frame_limit_hit: false,
            stopped_at_compressed: false,
            pings_sent: 0,
            pongs_received: 0,
            pings_received: 0,
            last_activity_ms: ms_since(upgraded_at),
            exchange: None,
        };
    }

    let ping_sent = Instant::now();
    // A failed ping write is not the end: a close frame may already be waiting to be read.
    let _ = tokio::time::timeout_at(
        watch_end,
        ws.send(Message::Ping(PING_PAYLOAD.to_vec().into())),
    )
    .await;
    let mut pings_sent = 1u32;
    let mut pongs = 0u32;
    let mut last_activity_ms = ms_since(upgraded_at);
    // `--send` / `--expect-reply`: first the close-wait every variant has (so the baseline's
    // session compares with theirs), then the messages and the wait for a reply. How the
    // conversation ends is the exchange's to record, not the session's.
    let mut talking = false;
    let mut next_ping = plan.ping_interval.map(|i| ping_sent + i);
    let mut frames = 0u32;
    let mut pings = PingMeter::default();
    let end = loop {
        if frames >= MAX_FRAMES_WATCHED {
            tracing::debug!(frames, "session watch: frame limit reached");
            break None;
        }
        let wake = [Some(watch_end), next_ping]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(watch_end);
        // `next()` is cancel-safe: a frame half-read when the timer fires is kept for the next call.
        match tokio::time::timeout_at(wake, ws.next()).await {
            Err(_) => {
                let now = Instant::now();
                if now >= watch_end {
                    let Some(t) = talk.as_mut().filter(|_| !talking && now < deadline) else {
                        break None;
                    };
                    talking = true;
                    for (i, frame) in crate::probe::conversation::frames(t.plan())
                        .into_iter()
                        .enumerate()
                    {
                        let written = tokio::time::timeout_at(deadline, ws.send(frame)).await;
                        if !matches!(written, Ok(Ok(()))) {
                            break;
                        }
                        t.sent(i, ms_since(upgraded_at), redactor);
                    }
                    last_activity_ms = ms_since(upgraded_at);
                    // A greeting already matched (`--expect-reply` without `--send`): done.
                    if t.plan().expect_reply.is_some() && !t.waiting() {
                        break None;
                    }
                    wanted_end = Instant::now() + t.plan().reply_timeout;
                    watch_end = wanted_end.min(deadline);
                    continue;
                }
                if let (Some(t), Some(interval)) = (next_ping, plan.ping_interval) {
                    if now >= t {
                        let _ = tokio::time::timeout_at(
                            watch_end,
                            ws.send(Message::Ping(PING_PAYLOAD.to_vec().into())),
                        )
                        .await;
                        pings_sent += 1;
                        last_activity_ms = ms_since(upgraded_at);
                        next_ping = Some(now + interval);
                    }
                }
            }
            Ok(None) => {
                break Some(SessionEnd::Dropped {
                    how: "eof".into(),
                    after_ms: ms_since(upgraded_at),
                })
            }
            Ok(Some(Ok(msg))) => {
                frames += 1;
                last_activity_ms = ms_since(upgraded_at);
                match msg {
                    Message::Pong(p) if p.as_ref() == PING_PAYLOAD => {
                        pongs += 1;
                        if rtt.is_none() {
                            rtt = Some(ms_since(ping_sent));
                        }
                    }
                    Message::Text(_) | Message::Binary(_) => {
                        messages += 1;
                        if let Some(t) = talk.as_mut() {
                            // Before the messages are sent only a greeting check may match.
                            let may_match = talking || t.plan().messages.is_empty();
                            let matched =
                                t.received(&msg, ms_since(upgraded_at), may_match, redactor);
                            // The reply that was waited for (any reply, without a pattern) ends it.
                            if talking && (matched || t.plan().expect_reply.is_none()) {
                                break None;
                            }
                        }
                    }
                    Message::Ping(_) => {
                        if let Some(per_second) = pings.received(Instant::now()) {
                            tracing::debug!(
                                pings = pings.count,
                                per_second,
                                "session watch: ping flood"
                            );
                            break Some(SessionEnd::PingFlood {
                                pings: pings.count,
                                per_second,
                                after_ms: ms_since(upgraded_at),
                            });
                        }
                    }
                    Message::Close(frame) => {
                        let (code, reason) = match frame {
                            Some(f) => (Some(u16::from(f.code)), f.reason.to_string()),
                            None => (None, String::new()),
                        };
                        break Some(SessionEnd::CloseFrame {
                            code,
                            reason: truncate_chars(&redactor.text(&reason), CLOSE_REASON_CHARS),
                            after_ms: ms_since(upgraded_at),
                        });
                    }
                    _ => {}
                }
            }
            Ok(Some(Err(WsError::Protocol(ProtocolError::NonZeroReservedBits))))
                if plan.deflate =>
            {
                stopped_at_compressed = true;
                messages += 1;
                break None;
            }
            Ok(Some(Err(e))) => break Some(classify_error(&e, ms_since(upgraded_at))),
        }
    };
    let watched_ms = ms_since(started);
    // A close, a drop or a framing error after the messages ends the conversation: the exchange
    // records it; the session stayed open through its close-wait.
    let end = match (end, talk.as_mut()) {
        (
            Some(
                e @ (SessionEnd::CloseFrame { .. }
                | SessionEnd::Dropped { .. }
                | SessionEnd::ProtocolError { .. }),
            ),
            Some(t),
        ) if talking => {
            if matches!(e, SessionEnd::CloseFrame { .. }) {
                let until = deadline.min(Instant::now() + POLITE_CLOSE_WAIT);
                let _ = tokio::time::timeout_at(until, ws.close(None)).await;
            }
            t.record.ended = Some(e);
            Some(SessionEnd::StillOpen)
        }
        (end, _) => end,
    };
    let end = match end {
        Some(SessionEnd::StillOpen) => SessionEnd::StillOpen,
        Some(end @ SessionEnd::PingFlood { .. }) => {
            // Stop answering: one close frame (bounded, not waited for), then drop the stream.
            let until = deadline.min(Instant::now() + POLITE_CLOSE_WAIT);
            let frame = CloseFrame {
                code: CloseCode::Policy,
                reason: "wsdoctor: ping flood".into(),
            };
            let _ = tokio::time::timeout_at(until, ws.close(Some(frame))).await;
            end
        }
        Some(end @ SessionEnd::CloseFrame { .. }) => {
            // Flush tungstenite's queued close reply (RFC 6455 §5.5.1), bounded.
            let until = deadline.min(Instant::now() + POLITE_CLOSE_WAIT);
            let _ = tokio::time::timeout_at(until, ws.close(None)).await;
            end
        }
        Some(end) => end,
        None => {
            polite_close(&mut ws, deadline).await;
            SessionEnd::StillOpen
        }
    };
    Watch {
        end,
        ping_rtt_ms: rtt,
        messages,
        watched_ms,
        cut_by_deadline: watch_end < wanted_end && Instant::now() >= deadline,
        frame_limit_hit: frames >= MAX_FRAMES_WATCHED,
        stopped_at_compressed,
        pings_sent,
        pongs_received: pongs,
        pings_received: pings.count,
        last_activity_ms,
        exchange: talk.map(|t| t.record),
    }
}

/// Counts the server's pings and tells a flood: [`PING_FLOOD_WINDOW`] pings at
/// [`PING_FLOOD_RATE`] per second or more, over a sliding window of the last ones (so a flood
/// that starts late is caught too). Bounded: it keeps `PING_FLOOD_WINDOW` instants.
#[derive(Debug, Default)]
struct PingMeter {
    count: u32,
    recent: std::collections::VecDeque<Instant>,
}

impl PingMeter {
    /// Records a ping at `now`; the rate per second when the window shows a flood.
    fn received(&mut self, now: Instant) -> Option<f64> {
        self.count = self.count.saturating_add(1);
        if self.recent.len() == PING_FLOOD_WINDOW {
            self.recent.pop_front();
        }
        self.recent.push_back(now);
        if self.recent.len() < PING_FLOOD_WINDOW {
            return None;
        }
        let first = *self.recent.front()?;
        // WINDOW pings are WINDOW - 1 intervals; a span under the clock's resolution counts as 1 µs.
        let span = now.saturating_duration_since(first).as_secs_f64().max(1e-6);
        let rate = (PING_FLOOD_WINDOW - 1) as f64 / span;
        (rate >= PING_FLOOD_RATE).then_some((rate * 10.0).round() / 10.0)
    }
}

/// Sends close 1000 and reads (bounded) until the server's close or EOF.
async fn polite_close(ws: &mut WebSocketStream<BoxedIo>, deadline: Instant) {
    let until = deadline.min(Instant::now() + POLITE_CLOSE_WAIT);
    let _ = tokio::time::timeout_at(until, async {
        let frame = CloseFrame {
            code: CloseCode::Normal,
            reason: "wsdoctor done".into(),
        };
        if ws.close(Some(frame)).await.is_err() {
            return;
        }
        for _ in 0..MAX_FRAMES_WATCHED {
            match ws.next().await {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
}

/// Classifies a read error after the 101.
pub fn classify_error(e: &WsError, after_ms: f64) -> SessionEnd {
    use std::io::ErrorKind;
    match e {
        WsError::ConnectionClosed
        | WsError::AlreadyClosed
        | WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake) => SessionEnd::Dropped {
            how: "eof".into(),
            after_ms,
        },
        WsError::Io(io) => SessionEnd::Dropped {
            how: match io.kind() {
                ErrorKind::UnexpectedEof => "eof".into(),
                _ => "reset".into(),
            },
            after_ms,
        },
        WsError::Capacity(c) => SessionEnd::ProtocolError {
            detail: format!("frame too large: {c}"),
            after_ms,
        },
        WsError::Protocol(p) => SessionEnd::ProtocolError {
            detail: p.to_string(),
            after_ms,
        },
        other => SessionEnd::ProtocolError {
            detail: other.to_string(),
            after_ms,
        },
    }
}

fn truncate_chars(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((i, _)) => s[..i].to_string(),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::upgrade::parse_head;

    const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
    const ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

    fn req(extra: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut v = vec![
            ("Upgrade".to_string(), "websocket".to_string()),
            ("Sec-WebSocket-Key".to_string(), KEY.to_string()),
        ];
        v.extend(extra.iter().map(|(a, b)| (a.to_string(), b.to_string())));
        v
    }

    fn head(lines: &str) -> Head {
        let raw = format!("HTTP/1.1 101 Switching Protocols\r\n{lines}\r\n");
        parse_head(raw.as_bytes()).unwrap().unwrap()
    }

    #[test]
    fn heartbeats_are_no_flood_and_a_burst_is() {
        let t0 = Instant::now();
        let mut m = PingMeter::default();
        // A ping every 200 ms (5/s) for 200 pings: brisk, but under the flood rate.
        for i in 0..200u64 {
            let at = t0 + std::time::Duration::from_millis(200 * i);
            assert_eq!(m.received(at), None, "ping {i}");
        }
        // Then a burst: a ping every millisecond. The window fills with burst pings and calls it.
        let burst = t0 + std::time::Duration::from_millis(200 * 200);
        let mut called = None;
        for i in 0..(PING_FLOOD_WINDOW as u64) {
            if let Some(rate) = m.received(burst + std::time::Duration::from_millis(i)) {
                called = Some((i, rate));
                break;
            }
        }
        let (at, rate) = called.expect("a 1000/s burst is a flood");
        assert!(at < PING_FLOOD_WINDOW as u64, "called within one window");
        assert!(rate >= PING_FLOOD_RATE, "{rate}");
        assert_eq!(m.count, 200 + at as u32 + 1);
    }

    #[test]
    fn fewer_pings_than_the_window_are_never_a_flood() {
        let t = Instant::now();
        let mut m = PingMeter::default();
        for _ in 0..PING_FLOOD_WINDOW - 1 {
            assert_eq!(m.received(t), None);
        }
        assert!(
            m.received(t).is_some(),
            "the window's last ping at the same instant"
        );
    }

    #[test]
    fn a_correct_101_passes() {
        let h = head(&format!(
            "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {ACCEPT}\r\n"
        ));
        let c = check_handshake(&req(&[]), &h);
        assert!(c.accept_valid);
        assert_eq!(c.violation, None);
    }

    #[test]
    fn a_wrong_accept_key_is_a_violation() {
        let h = head("Upgrade: websocket\r\nConnection: upgrade\r\nSec-WebSocket-Accept: AAAA\r\n");
        let c = check_handshake(&req(&[]), &h);
        assert!(!c.accept_valid);
        assert_eq!(c.violation.unwrap().0, "bad_accept_key");
    }

    #[test]
    fn missing_upgrade_headers_are_a_violation() {
        let h = head(&format!("Sec-WebSocket-Accept: {ACCEPT}\r\n"));
        assert_eq!(
            check_handshake(&req(&[]), &h).violation.unwrap().0,
            "missing_upgrade_headers"
        );
    }

    #[test]
    fn subprotocol_selection_rules() {
        let ok = format!(
            "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {ACCEPT}\r\n"
        );
        let h = head(&format!("{ok}Sec-WebSocket-Protocol: chat\r\n"));
        assert_eq!(
            check_handshake(&req(&[]), &h).violation.unwrap().0,
            "unrequested_subprotocol"
        );
        let c = check_handshake(&req(&[("Sec-WebSocket-Protocol", "v1, chat")]), &h);
        assert_eq!(c.violation, None);
        assert_eq!(c.subprotocol.as_deref(), Some("chat"));
        // Offered but none selected is recorded, not a violation.
        let c = check_handshake(&req(&[("Sec-WebSocket-Protocol", "chat")]), &head(&ok));
        assert_eq!(c.violation, None);
        assert_eq!(c.subprotocol, None);
    }

    #[test]
    fn unrequested_extensions_are_a_violation() {
        let h = head(&format!(
            "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {ACCEPT}\r\nSec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n"
        ));
        assert_eq!(
            check_handshake(&req(&[]), &h).violation.unwrap().0,
            "unrequested_extension"
        );
        let offered = req(&[(
            "Sec-WebSocket-Extensions",
            "permessage-deflate; client_max_window_bits",
        )]);
        assert_eq!(check_handshake(&offered, &h).violation, None);
    }

    #[test]
    fn read_errors_are_classified() {
        let e = WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake);
        assert!(
            matches!(classify_error(&e, 1.0), SessionEnd::Dropped { ref how, .. } if how == "eof")
        );
        let e = WsError::Io(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
        assert!(
            matches!(classify_error(&e, 1.0), SessionEnd::Dropped { ref how, .. } if how == "reset")
        );
        let e = WsError::Protocol(ProtocolError::UnknownDataFrameType(3));
        assert!(matches!(
            classify_error(&e, 1.0),
            SessionEnd::ProtocolError { .. }
        ));
    }

    #[test]
    fn reasons_are_cut_by_characters() {
        assert_eq!(truncate_chars("héllo", 2), "hé");
        assert_eq!(truncate_chars("ab", 5), "ab");
    }
}
