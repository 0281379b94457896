//! A WebSocket server built on tokio-tungstenite's accept: healthy echo, close-after-accept with a
//! code and reason, or a bare TCP drop after the 101. Generic over the stream so the TLS server can
//! reuse it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;

use super::ServerThread;

/// What happens after the 101.
#[derive(Debug, Clone)]
pub enum Behaviour {
    /// Echo messages (pings are answered by tungstenite) until the client closes.
    Echo,
    /// Send a close frame with this code and reason right after the 101.
    Close(u16, String),
    /// Drop the TCP connection right after the 101, without a close frame.
    Drop,
    /// Stay quiet until the first data message, then close with this code and reason (an
    /// application that rejects what it was sent).
    CloseOnMessage(u16, String),
}

/// A running WebSocket server.
pub struct WsServer {
    /// The server thread (dropping it stops the server).
    pub thread: ServerThread,
    requests: Arc<Mutex<Vec<String>>>,
}

impl WsServer {
    /// Starts a plain ws:// server.
    pub fn start(behaviour: Behaviour) -> Self {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        let thread = ServerThread::spawn(move |listener| async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (b, seen) = (behaviour.clone(), seen.clone());
                tokio::spawn(async move { serve(stream, b, seen).await });
            }
        });
        WsServer { thread, requests }
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.thread.port()
    }

    /// `ws://127.0.0.1:PORT/path`.
    pub fn url(&self, path: &str) -> String {
        format!("ws://127.0.0.1:{}{path}", self.port())
    }

    /// Request targets (path and query) of the upgrades accepted so far.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

/// Accepts one WebSocket connection on `stream` and plays `behaviour`.
pub async fn serve<S>(stream: S, behaviour: Behaviour, seen: Arc<Mutex<Vec<String>>>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    #[expect(
        clippy::result_large_err,
        reason = "the signature is tungstenite's handshake Callback"
    )]
    let record = move |req: &Request, resp: Response| {
        if let Ok(mut v) = seen.lock() {
            v.push(req.uri().to_string());
        }
        Ok(resp)
    };
    let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(stream, record).await else {
        return;
    };
    match behaviour {
        Behaviour::Echo => {
            while let Some(Ok(msg)) = ws.next().await {
                if msg.is_text() || msg.is_binary() {
                    let _ = ws.send(msg).await;
                }
            }
        }
        Behaviour::Close(code, reason) => {
            let frame = CloseFrame {
                code: CloseCode::from(code),
                reason: reason.into(),
            };
            let _ = ws.close(Some(frame)).await;
            // Wait (bounded) for the client's close reply, as a real server does.
            let _ = tokio::time::timeout(Duration::from_secs(2), async {
                while let Some(Ok(_)) = ws.next().await {}
            })
            .await;
        }
        Behaviour::Drop => {
            drop(ws);
        }
        Behaviour::CloseOnMessage(code, reason) => {
            while let Some(Ok(msg)) = ws.next().await {
                if msg.is_text() || msg.is_binary() {
                    let frame = CloseFrame {
                        code: CloseCode::from(code),
                        reason: reason.into(),
                    };
                    let _ = ws.close(Some(frame)).await;
                    let _ = tokio::time::timeout(Duration::from_secs(2), async {
                        while let Some(Ok(_)) = ws.next().await {}
                    })
                    .await;
                    break;
                }
            }
        }
    }
}
