//! Scripted loopback servers: each connection is answered by a list of [`Step`]s chosen from the
//! request head (or, for raw servers, from the first bytes received). Used to put one precise
//! fault on the wire — a redirect, a wrong accept key, a TLS alert, a silent peer.
//!
//! A server runs on a [`ServerThread`] (its own thread and current-thread runtime, a listener
//! bound to 127.0.0.1:0 before `start` returns, so it is ready at once); Drop stops it. Where one
//! script for every connection is enough, `raw::RawServer` is simpler.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use super::ServerThread;

/// Largest request head read.
const MAX_HEAD: usize = 64 * 1024;
/// Longest any single read waits (a hung client must not pin a test thread forever).
const READ_LIMIT: Duration = Duration::from_secs(30);

/// A request head as the server received it.
#[derive(Debug, Clone)]
pub struct Req {
    /// Method.
    pub method: String,
    /// Request target.
    pub target: String,
    /// Headers in order.
    pub headers: Vec<(String, String)>,
    /// The raw head bytes.
    pub raw: Vec<u8>,
}

impl Req {
    /// First value of a header, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// True for a WebSocket upgrade request.
    pub fn is_upgrade(&self) -> bool {
        self.header("upgrade")
            .is_some_and(|u| u.eq_ignore_ascii_case("websocket"))
    }

    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }
}

/// One thing the server does on a connection.
#[derive(Debug, Clone)]
pub enum Step {
    /// Write these bytes.
    Write(Vec<u8>),
    /// Write a correct `101 Switching Protocols` for the request's key, plus these header lines.
    Switch(Vec<(String, String)>),
    /// Write a `101` whose Sec-WebSocket-Accept does not match the key.
    SwitchWithWrongAccept,
    /// After a `101`: send a close frame (unmasked, as a server does).
    CloseFrame(u16, String),
    /// After a `101`: run a real WebSocket session (answers pings, echoes text) until the peer
    /// closes.
    Session,
    /// Wait this long.
    Sleep(Duration),
    /// Never answer: hold the connection until the client goes away or the server stops.
    Hang,
}

/// Decides the steps for a request.
pub type Handler = Arc<dyn Fn(&Req) -> Vec<Step> + Send + Sync>;
/// Decides the steps for the first bytes of a connection (no HTTP parsing).
pub type RawHandler = Arc<dyn Fn(&[u8]) -> Vec<Step> + Send + Sync>;

#[derive(Clone)]
enum Mode {
    Http(Handler),
    Raw(RawHandler),
}

/// A running scripted server (stops on Drop, through `ServerThread`).
pub struct ScriptedServer {
    thread: ServerThread,
    requests: Arc<Mutex<Vec<Req>>>,
}

impl ScriptedServer {
    /// An HTTP server: the handler answers each request head.
    pub fn http(handler: impl Fn(&Req) -> Vec<Step> + Send + Sync + 'static) -> ScriptedServer {
        Self::start(Mode::Http(Arc::new(handler)))
    }

    /// A server that answers the first bytes it receives, whatever they are.
    pub fn raw(handler: impl Fn(&[u8]) -> Vec<Step> + Send + Sync + 'static) -> ScriptedServer {
        Self::start(Mode::Raw(Arc::new(handler)))
    }

    /// An HTTP server bound to exactly `addr` (a second loopback address of one name).
    pub fn http_at(
        addr: SocketAddr,
        handler: impl Fn(&Req) -> Vec<Step> + Send + Sync + 'static,
    ) -> ScriptedServer {
        Self::start_at(Some(addr), Mode::Http(Arc::new(handler)))
    }

    fn start(mode: Mode) -> ScriptedServer {
        Self::start_at(None, mode)
    }

    fn start_at(addr: Option<SocketAddr>, mode: Mode) -> ScriptedServer {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let recorded = Arc::clone(&requests);
        let addr = addr.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
        let thread = ServerThread::spawn_at(addr, move |listener| async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(serve_connection(tcp, mode.clone(), Arc::clone(&recorded)));
            }
        });
        ScriptedServer { thread, requests }
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.thread.addr
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.thread.port()
    }

    /// `ws://127.0.0.1:PORT{path}`.
    pub fn ws_url(&self, path: &str) -> String {
        format!("ws://{}{path}", self.addr())
    }

    /// Every request head received so far.
    pub fn requests(&self) -> Vec<Req> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

async fn serve_connection<S>(mut stream: S, mode: Mode, recorded: Arc<Mutex<Vec<Req>>>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut buf = Vec::new();
    match mode {
        Mode::Raw(handler) => {
            let mut chunk = [0u8; 4096];
            let n = match tokio::time::timeout(READ_LIMIT, stream.read(&mut chunk)).await {
                Ok(Ok(n)) => n,
                _ => return,
            };
            let steps = handler(&chunk[..n]);
            run_steps(stream, None, &steps, Vec::new()).await;
        }
        Mode::Http(handler) => {
            // One request per connection: the steps end with the connection closed (or handed
            // to a WebSocket session).
            let Some(req) = read_head(&mut stream, &mut buf).await else {
                return;
            };
            if let Ok(mut r) = recorded.lock() {
                r.push(req.clone());
            }
            let steps = handler(&req);
            run_steps(stream, Some(&req), &steps, buf).await;
        }
    }
}

async fn read_head<S: AsyncRead + Unpin>(stream: &mut S, buf: &mut Vec<u8>) -> Option<Req> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let raw: Vec<u8> = buf.drain(..end + 4).collect();
            let mut headers = [httparse::EMPTY_HEADER; 96];
            let mut parsed = httparse::Request::new(&mut headers);
            parsed.parse(&raw).ok()?;
            return Some(Req {
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
                raw,
            });
        }
        if buf.len() > MAX_HEAD {
            return None;
        }
        let mut chunk = [0u8; 4096];
        match tokio::time::timeout(READ_LIMIT, stream.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
            _ => return None,
        }
    }
}

async fn run_steps<S>(mut stream: S, req: Option<&Req>, steps: &[Step], leftover: Vec<u8>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let key = req
        .and_then(|r| r.header("sec-websocket-key"))
        .unwrap_or_default()
        .to_string();
    for (i, step) in steps.iter().enumerate() {
        match step {
            Step::Write(bytes) => {
                if stream.write_all(bytes).await.is_err() {
                    return;
                }
            }
            Step::Switch(extra) => {
                let mut head = format!(
                    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n",
                    derive_accept_key(key.as_bytes())
                );
                for (k, v) in extra {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                head.push_str("\r\n");
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
            }
            Step::SwitchWithWrongAccept => {
                // The accept of a different key: what a server that hashes the wrong value sends.
                let wrong = derive_accept_key(format!("{key}x").as_bytes());
                let head = format!(
                    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {wrong}\r\n\r\n"
                );
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
            }
            Step::CloseFrame(code, reason) => {
                let mut payload = code.to_be_bytes().to_vec();
                payload.extend_from_slice(reason.as_bytes());
                payload.truncate(125);
                let mut frame = vec![0x88, payload.len() as u8];
                frame.extend_from_slice(&payload);
                if stream.write_all(&frame).await.is_err() {
                    return;
                }
            }
            Step::Session => {
                let rest = &steps[i + 1..];
                let mut ws =
                    WebSocketStream::from_partially_read(stream, leftover, Role::Server, None)
                        .await;
                let _ = tokio::time::timeout(READ_LIMIT, async {
                    while let Some(Ok(msg)) = ws.next().await {
                        if let Message::Text(t) = msg {
                            if ws.send(Message::Text(t)).await.is_err() {
                                break;
                            }
                        }
                    }
                })
                .await;
                debug_assert!(rest.is_empty(), "steps after Session are not run");
                return;
            }
            Step::Sleep(d) => tokio::time::sleep(*d).await,
            Step::Hang => {
                // Drain until the client gives up; never answer.
                let mut sink = [0u8; 1024];
                loop {
                    match stream.read(&mut sink).await {
                        Ok(n) if n > 0 => {}
                        _ => return,
                    }
                }
            }
        }
    }
    let _ = stream.flush().await;
    let _ = stream.shutdown().await;
}

/// `HTTP/1.1 {status} {reason}` with these headers, Content-Length added, and the body.
pub fn response(status: u16, reason: &str, headers: &[(&str, &str)], body: &str) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} {reason}\r\n");
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    out.into_bytes()
}

/// nginx's built-in error page for a status (CRLF line ends, version in the footer).
pub fn nginx_page(status: u16, reason: &str, extra: &[(&str, &str)]) -> Vec<u8> {
    let body = format!(
        "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n"
    );
    let mut headers = vec![
        ("Server", "nginx/1.22.1"),
        ("Date", "Mon, 23 Nov 2026 09:00:00 GMT"),
        ("Content-Type", "text/html"),
    ];
    headers.extend_from_slice(extra);
    let mut out = format!("HTTP/1.1 {status} {reason}\r\n");
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str(&format!(
        "Content-Length: {}\r\nConnection: keep-alive\r\n\r\n{body}",
        body.len()
    ));
    out.into_bytes()
}

/// A server that upgrades and then holds the session (for `--idle` and long close-waits), 404
/// for plain GETs.
pub fn holding_server() -> ScriptedServer {
    ScriptedServer::http(|req| {
        if req.is_upgrade() {
            vec![Step::Switch(vec![]), Step::Session]
        } else {
            vec![Step::Write(response(404, "Not Found", &[], "not found"))]
        }
    })
}
