//! probe::limits: every size and time bound the prober applies, as named constants. Documented in
//! `docs/limits.md`; a change here is a change there. Holds no logic.

use std::time::Duration;

/// The largest response head (status line plus headers) read before giving up with
/// `response_too_large`.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;

/// The most body bytes kept as the excerpt of a non-101 response.
pub const BODY_EXCERPT_BYTES: usize = 8 * 1024;

/// How long to wait for the body after the head arrived (also bounded by the overall deadline).
pub const BODY_WAIT: Duration = Duration::from_secs(1);

/// The largest WebSocket frame (and message) accepted during the session watch.
pub const MAX_FRAME_BYTES: usize = 1024 * 1024;

/// The most frames read during the session watch; a flood ends the watch early.
pub const MAX_FRAMES_WATCHED: u32 = 1000;

/// A ping flood: this many pings received at [`PING_FLOOD_RATE`] per second or more ends the watch
/// early. Heartbeats come every few seconds (Socket.IO 25 s, Python websockets 20 s, most servers
/// 20–60 s); twenty in two seconds is a misconfigured interval (`setInterval(ping, 30)` meant as
/// seconds) or an abusive server. It also bounds the pongs wsdoctor sends back.
pub const PING_FLOOD_WINDOW: usize = 20;

/// Pings per second, over the last [`PING_FLOOD_WINDOW`] pings, that make a flood.
pub const PING_FLOOD_RATE: f64 = 10.0;

/// The server's data messages kept in the exchange record (`--send`/`--expect-reply`); later ones
/// are counted, and the one that matched is kept whatever its position.
pub const MESSAGES_KEPT: usize = 8;

/// Characters kept of a message's text (hex digits of a binary one) in the exchange record.
pub const MESSAGE_EXCERPT_CHARS: usize = 200;

/// The read buffer of an upgraded connection under watch. tungstenite allocates 128 KiB per
/// connection by default; the watch reads only control frames, and a `check` can hold a
/// thousand connections at once.
pub const WATCH_READ_BUFFER_BYTES: usize = 4 * 1024;

/// The most attempts in flight at once.
pub const MAX_CONCURRENT_ATTEMPTS: usize = 16;

/// Close reasons are cut to this many characters (RFC 6455 allows 123 bytes).
pub const CLOSE_REASON_CHARS: usize = 123;

/// How long to wait for the server's answer to our polite close (also bounded by the deadline).
pub const POLITE_CLOSE_WAIT: Duration = Duration::from_millis(500);

/// The most header lines parsed in a response head.
pub const MAX_HEADERS: usize = 256;

/// The most resolved addresses of the target probed one by one (the address fan-out); further
/// addresses are left out of `addresses`.
pub const MAX_ADDRESSES: usize = 8;

/// How long an attempt pinned to one address waits for its TCP connect (also bounded by the
/// deadline), so one black-holed address does not hold the run until `--timeout`.
pub const PINNED_CONNECT_WAIT: Duration = Duration::from_secs(5);
