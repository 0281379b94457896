//! demo::server: the loopback HTTP/1.1 + WebSocket harness the demo's imitation servers run on.
//! It owns sockets and framing only: it reads a bounded request head, asks an [`App`] what to
//! answer, writes the answer, and after a `101` hands the socket to tungstenite. What to answer
//! (status, headers, body, how a session ends) is the imitated server's business, in `apps`.
//!
//! Every server binds 127.0.0.1:0 and is a task on the caller's runtime; dropping the [`Server`]
//! aborts it and every connection it holds. Every read is size- and time-bounded.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// Largest request head accepted (real servers use 8–64 KiB; larger heads get a 431 there).
const MAX_HEAD_BYTES: usize = 32 * 1024;
/// Requests served on one keep-alive connection before the server closes it.
const MAX_REQUESTS_PER_CONNECTION: usize = 100;
/// How long a connection may sit idle between requests.
const IDLE_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest a session is kept open (the demo's probes watch for well under a second).
const MAX_SESSION: Duration = Duration::from_secs(30);
/// Largest request body skipped (a ticket POST carries none or a few bytes).
const MAX_BODY_BYTES: usize = 64 * 1024;

/// One parsed request head.
#[derive(Debug, Clone)]
pub struct Request {
    /// Method as sent.
    pub method: String,
    /// Request target (path and query).
    pub target: String,
    /// Headers in the order received.
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// The first value of a header, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    /// A query parameter's (undecoded) value.
    pub fn query(&self, name: &str) -> Option<&str> {
        let (_, q) = self.target.split_once('?')?;
        q.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (k == name).then_some(v)
        })
    }

    /// True when `Connection` lists the given token (comma-separated, case-insensitive).
    pub fn connection_has(&self, token: &str) -> bool {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("connection"))
            .flat_map(|(_, v)| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    }

    /// True when the request asks for a WebSocket upgrade (RFC 6455 §4.2.1 items 3 and 4).
    pub fn is_websocket_upgrade(&self) -> bool {
        self.header("upgrade")
            .is_some_and(|u| u.eq_ignore_ascii_case("websocket"))
            && self.connection_has("upgrade")
    }

    /// A copy without the given headers (what a proxy that drops them forwards).
    pub fn without_headers(&self, names: &[&str]) -> Request {
        Request {
            method: self.method.clone(),
            target: self.target.clone(),
            headers: self
                .headers
                .iter()
                .filter(|(k, _)| !names.iter().any(|n| k.eq_ignore_ascii_case(n)))
                .cloned()
                .collect(),
        }
    }
}

/// A plain HTTP response, written exactly as given (the app sets every header, in its order).
#[derive(Debug, Clone)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Reason phrase.
    pub reason: String,
    /// Headers in the order written.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
    /// Close the connection after writing (the response says `Connection: close`).
    pub close: bool,
}

impl Response {
    /// A response with no headers yet.
    pub fn new(status: u16, reason: &str) -> Response {
        Response {
            status,
            reason: reason.to_string(),
            headers: Vec::new(),
            body: Vec::new(),
            close: false,
        }
    }

    /// Appends a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Response {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    /// Sets the body (headers such as Content-Length are the caller's to add, in its order).
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Response {
        self.body = body.into();
        self
    }

    /// Marks the connection to be closed after this response.
    pub fn closing(mut self) -> Response {
        self.close = true;
        self
    }

    fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!("HTTP/1.1 {} {}\r\n", self.status, self.reason).into_bytes();
        for (k, v) in &self.headers {
            out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.body);
        out
    }
}

/// What happens on an accepted WebSocket connection.
#[derive(Debug, Clone)]
pub enum Session {
    /// Stay open: answer pings, echo text, until the client closes.
    Open,
    /// Send a close frame at once, as a handler that calls `close(code, reason)` on connect.
    Close {
        /// Close code.
        code: u16,
        /// Close reason.
        reason: String,
    },
}

/// The answer to one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A plain HTTP response.
    Http(Response),
    /// `101 Switching Protocols` with the given headers (after Upgrade, Connection and
    /// Sec-WebSocket-Accept), then the session.
    Accept {
        /// Headers written after the three handshake headers.
        headers: Vec<(String, String)>,
        /// What the session does.
        session: Session,
    },
}

/// An imitated server: decides the answer to every request.
pub trait App: Send + Sync + 'static {
    /// The answer to one request.
    fn handle(&self, req: &Request) -> Reply;
}

/// A running loopback server; dropping it stops the server and its connections.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Server {
    /// Binds 127.0.0.1:0 and serves `app` on the current runtime.
    pub async fn start(app: Arc<dyn App>) -> std::io::Result<Server> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(accept_loop(listener, app));
        Ok(Server { addr, task })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Aborting the accept loop drops its JoinSet, which aborts every connection task.
        self.task.abort();
    }
}

async fn accept_loop(listener: TcpListener, app: Arc<dyn App>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, Arc::clone(&app)));
                }
                // EMFILE and friends: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve_connection(mut stream: TcpStream, app: Arc<dyn App>) {
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    for _ in 0..MAX_REQUESTS_PER_CONNECTION {
        let Some((req, body_len, head_len)) = read_head(&mut stream, &mut buf).await else {
            return;
        };
        buf.drain(..head_len);
        if !skip_body(&mut stream, &mut buf, body_len).await {
            return;
        }
        match app.handle(&req) {
            Reply::Http(resp) => {
                if stream.write_all(&resp.to_bytes()).await.is_err() || resp.close {
                    let _ = stream.shutdown().await;
                    return;
                }
            }
            Reply::Accept { headers, session } => {
                let key = req.header("sec-websocket-key").unwrap_or_default();
                let mut head = format!(
                    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n",
                    derive_accept_key(key.as_bytes())
                );
                for (k, v) in &headers {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                head.push_str("\r\n");
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let ws =
                    WebSocketStream::from_partially_read(stream, buf, Role::Server, None).await;
                let _ = tokio::time::timeout(MAX_SESSION, run_session(ws, session)).await;
                return;
            }
        }
    }
}

/// Reads one request head; returns it with its Content-Length and the head's length in `buf`.
async fn read_head(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<(Request, usize, usize)> {
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut parsed = httparse::Request::new(&mut headers);
        match parsed.parse(buf) {
            Ok(httparse::Status::Complete(len)) => {
                let req = Request {
                    method: parsed.method.unwrap_or_default().to_string(),
                    target: parsed.path.unwrap_or_default().to_string(),
                    headers: parsed
                        .headers
                        .iter()
                        .map(|h| {
                            (
                                h.name.to_string(),
                                String::from_utf8_lossy(h.value).into_owned(),
                            )
                        })
                        .collect(),
                };
                let body_len = req
                    .header("content-length")
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                return Some((req, body_len, len));
            }
            Ok(httparse::Status::Partial) if buf.len() < MAX_HEAD_BYTES => {}
            // Oversized or malformed: a real server would answer 400/431; the demo's clients
            // never send such requests, so the connection is simply closed.
            _ => return None,
        }
        let mut chunk = [0u8; 4096];
        match tokio::time::timeout(IDLE_TIMEOUT, stream.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
            _ => return None,
        }
    }
}

/// Discards a request body of `len` bytes (bounded); false when the connection ended first.
async fn skip_body(stream: &mut TcpStream, buf: &mut Vec<u8>, len: usize) -> bool {
    if len > MAX_BODY_BYTES {
        return false;
    }
    while buf.len() < len {
        let mut chunk = [0u8; 4096];
        match tokio::time::timeout(IDLE_TIMEOUT, stream.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
            _ => return false,
        }
    }
    buf.drain(..len);
    true
}

async fn run_session(mut ws: WebSocketStream<TcpStream>, session: Session) {
    match session {
        Session::Open => {
            // tungstenite answers pings and the client's close by itself while we read.
            while let Some(msg) = ws.next().await {
                match msg {
                    Ok(Message::Text(t)) => {
                        if ws.send(Message::Text(t)).await.is_err() {
                            return;
                        }
                    }
                    Ok(_) => {}
                    Err(_) => return,
                }
            }
        }
        Session::Close { code, reason } => {
            let frame = CloseFrame {
                code: CloseCode::from(code),
                reason: reason.into(),
            };
            if ws.close(Some(frame)).await.is_err() {
                return;
            }
            // Wait (bounded) for the client's close reply, as a real stack does before FIN.
            let _ = tokio::time::timeout(Duration::from_secs(2), async {
                while let Some(Ok(_)) = ws.next().await {}
            })
            .await;
        }
    }
}

/// The current time as an HTTP date (IMF-fixdate, RFC 9110 §5.6.7), as servers put in `Date`.
pub fn http_date_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    http_date(secs)
}

/// Formats seconds since the Unix epoch as an IMF-fixdate.
pub fn http_date(secs: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let weekday = DAYS[(days % 7) as usize];
    // Civil date from days since 1970-01-01 (Howard Hinnant's days_from_civil, inverted).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{weekday}, {day:02} {} {year} {:02}:{:02}:{:02} GMT",
        MONTHS[(month - 1) as usize],
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed(Reply);
    impl App for Fixed {
        fn handle(&self, _req: &Request) -> Reply {
            self.0.clone()
        }
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn accepted_sessions_complete_the_handshake_and_close_with_the_given_frame() {
        runtime().block_on(async {
            let server = Server::start(Arc::new(Fixed(Reply::Accept {
                headers: vec![("Server".into(), "test".into())],
                session: Session::Close {
                    code: 1008,
                    reason: "ORIGIN_BLOCKED".into(),
                },
            })))
            .await
            .unwrap();
            let stream = TcpStream::connect(server.addr()).await.unwrap();
            let url = format!("ws://{}/ws", server.addr());
            let (mut ws, resp) = tokio_tungstenite::client_async(url, stream).await.unwrap();
            assert_eq!(resp.status(), 101);
            let msg = tokio::time::timeout(Duration::from_secs(5), ws.next())
                .await
                .unwrap();
            match msg {
                Some(Ok(Message::Close(Some(f)))) => {
                    assert_eq!(u16::from(f.code), 1008);
                    assert_eq!(f.reason.as_str(), "ORIGIN_BLOCKED");
                }
                other => panic!("expected a close frame, got {other:?}"),
            }
        });
    }

    #[test]
    fn http_replies_are_written_verbatim_and_keep_alive_serves_a_second_request() {
        runtime().block_on(async {
            let server = Server::start(Arc::new(Fixed(Reply::Http(
                Response::new(404, "Not Found")
                    .header("Content-Length", "2")
                    .body("no"),
            ))))
            .await
            .unwrap();
            let mut s = TcpStream::connect(server.addr()).await.unwrap();
            let req = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
            let expected = b"HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno";
            for _ in 0..2 {
                s.write_all(req).await.unwrap();
                let mut got = vec![0u8; expected.len()];
                tokio::time::timeout(Duration::from_secs(5), s.read_exact(&mut got))
                    .await
                    .unwrap()
                    .unwrap();
                assert_eq!(got, expected);
            }
        });
    }

    #[test]
    fn http_dates_are_imf_fixdates() {
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        // RFC 9110's own example.
        assert_eq!(http_date(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(http_date(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
    }

    #[test]
    fn requests_answer_header_and_query_questions() {
        let r = Request {
            method: "GET".into(),
            target: "/ws?ticket=abc&x".into(),
            headers: vec![
                ("Upgrade".into(), "WebSocket".into()),
                ("Connection".into(), "keep-alive, Upgrade".into()),
            ],
        };
        assert_eq!(r.path(), "/ws");
        assert_eq!(r.query("ticket"), Some("abc"));
        assert_eq!(r.query("x"), Some(""));
        assert_eq!(r.query("y"), None);
        assert!(r.is_websocket_upgrade());
        assert!(!r
            .without_headers(&["connection", "upgrade"])
            .is_websocket_upgrade());
    }
}
