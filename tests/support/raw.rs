//! A raw-bytes server: reads the request head (bounded) and answers with scripted bytes, for
//! malformed handshakes, HTTP rejections and connections that close or never answer.

use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::ServerThread;

/// What the server does after reading the request.
#[derive(Debug, Clone)]
pub enum Script {
    /// Write these bytes, then close.
    Reply(Vec<u8>),
    /// Write these bytes, then keep the connection open until shutdown.
    ReplyAndHold(Vec<u8>),
    /// Close as soon as the connection is accepted, without reading.
    CloseAtOnce,
    /// Read the request and never answer.
    Silent,
    /// Answer a correct 101 for the request's key, with `then` in the same write, then hold.
    AcceptThen(Vec<u8>),
    /// Answer a correct 101 with these extra header lines ("Name: value\r\n" each), then hold.
    AcceptWithHeaders(String),
    /// Read the request, then reset the connection (RST via SO_LINGER 0).
    ResetAfterRequest,
}

/// A correct 101 head for a request (accept key derived from its Sec-WebSocket-Key).
pub fn accept_head(request: &[u8]) -> Vec<u8> {
    accept_head_with(request, "")
}

/// A correct 101 head with extra header lines.
pub fn accept_head_with(request: &[u8], extra: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(request);
    let key = text
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("sec-websocket-key")
                .then(|| v.trim().to_string())
        })
        .unwrap_or_default();
    let accept = tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
    format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n{extra}\r\n"
    )
    .into_bytes()
}

/// An unmasked server close frame with a code and reason.
pub fn close_frame(code: u16, reason: &str) -> Vec<u8> {
    let mut f = vec![0x88, (2 + reason.len()) as u8];
    f.extend_from_slice(&code.to_be_bytes());
    f.extend_from_slice(reason.as_bytes());
    f
}

/// A running raw server.
pub struct RawServer {
    /// The server thread (dropping it stops the server).
    pub thread: ServerThread,
}

impl RawServer {
    /// Starts a server that plays `script` on every connection.
    pub fn start(script: Script) -> Self {
        let script = Arc::new(script);
        let thread = ServerThread::spawn(move |listener| async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let script = script.clone();
                tokio::spawn(async move { play(stream, &script).await });
            }
        });
        RawServer { thread }
    }

    /// Replies with an HTTP response `status reason`, the given headers and body, then closes.
    pub fn http(status: u16, reason: &str, headers: &[(&str, &str)], body: &str) -> Self {
        let mut head = format!("HTTP/1.1 {status} {reason}\r\n");
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str(&format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        ));
        head.push_str(body);
        RawServer::start(Script::Reply(head.into_bytes()))
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.thread.port()
    }

    /// `ws://127.0.0.1:PORT/path`.
    pub fn ws_url(&self, path: &str) -> String {
        format!("ws://127.0.0.1:{}{path}", self.port())
    }
}

/// Reads until the end of an HTTP head, or the first read of a TLS ClientHello (bounded).
pub async fn read_request(stream: &mut TcpStream) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while buf.len() < 64 * 1024 {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        if buf.first() == Some(&0x16) || buf.windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
    buf
}

async fn play(mut stream: TcpStream, script: &Script) {
    match script {
        Script::CloseAtOnce => {}
        Script::Reply(bytes) => {
            read_request(&mut stream).await;
            let _ = stream.write_all(bytes).await;
            let _ = stream.shutdown().await;
        }
        Script::ReplyAndHold(bytes) => {
            read_request(&mut stream).await;
            let _ = stream.write_all(bytes).await;
            hold(stream).await;
        }
        Script::Silent => {
            read_request(&mut stream).await;
            hold(stream).await;
        }
        Script::AcceptWithHeaders(extra) => {
            let req = read_request(&mut stream).await;
            let _ = stream.write_all(&accept_head_with(&req, extra)).await;
            hold(stream).await;
        }
        Script::ResetAfterRequest => {
            read_request(&mut stream).await;
            let _ = stream.set_zero_linger();
            drop(stream);
        }
        Script::AcceptThen(then) => {
            let req = read_request(&mut stream).await;
            let mut out = accept_head(&req);
            out.extend_from_slice(then);
            let _ = stream.write_all(&out).await;
            hold(stream).await;
        }
    }
}

/// Keeps a connection open (reading and discarding) until the peer closes or shutdown.
async fn hold(mut stream: TcpStream) {
    let mut sink = [0u8; 4096];
    while let Ok(n) = stream.read(&mut sink).await {
        if n == 0 {
            return;
        }
    }
}
