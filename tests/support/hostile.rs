//! Hostile servers: answers that are broken on purpose (slow, huge, random, lying) to prove the
//! prober stays inside its time and memory bounds. Every connection runs in its own task, so the
//! full matrix (many concurrent connections) is served; every loop is bounded by a byte or
//! iteration budget and ends when the peer goes away. Counts accepted connections, so a test can
//! assert that nobody connected (a redirect target that must not be followed).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::raw::{accept_head, read_request};
use super::ServerThread;

/// What a hostile server does with each connection.
#[derive(Debug, Clone)]
pub enum Hostile {
    /// Reads the request and never answers.
    NeverAnswers,
    /// Answers `bytes` one byte at a time, one byte every `every`, forever (cycling).
    Trickle {
        /// The bytes to cycle through.
        bytes: Vec<u8>,
        /// The pause between bytes.
        every: Duration,
    },
    /// A status line, then header lines until `total` bytes were written (or the peer left).
    HeaderFlood {
        /// How many bytes of header lines to offer.
        total: usize,
    },
    /// A head announcing `Content-Length: 1 GiB`, then body bytes as fast as the peer takes them.
    HugeBody {
        /// The status code of the head.
        status: u16,
    },
    /// `len` pseudo-random bytes (seeded), then close.
    Random {
        /// How many bytes.
        len: usize,
    },
    /// These bytes, then close.
    Reply(Vec<u8>),
    /// Closes as soon as the connection is accepted.
    CloseAtOnce,
    /// Reads the request, then resets (RST).
    ResetAfterRequest,
    /// A correct 101, then `then` in the same write, then holds the connection.
    AcceptThen(Vec<u8>),
    /// A correct 101, then pseudo-random bytes (seeded, `len` of them), then holds.
    AcceptThenRandom {
        /// How many random bytes.
        len: usize,
    },
    /// A correct 101, then ping frames until `max` were written or the peer left.
    AcceptThenPingFlood {
        /// How many pings at most.
        max: usize,
    },
    /// Answers `status` reflecting the request: its request line in `X-Echo`, its Cookie header
    /// in `Set-Cookie` and the whole request head as the body (a server that leaks secrets back).
    EchoRequest {
        /// The status code.
        status: u16,
    },
    /// Answers the (TLS) ClientHello with random bytes starting with `first`, then closes.
    RandomInsteadOfServerHello {
        /// The first byte (0x16 looks like a TLS handshake record; anything else does not).
        first: u8,
    },
}

/// A running hostile server.
pub struct HostileServer {
    /// The server thread (dropping it stops the server).
    pub thread: ServerThread,
    connections: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<String>>>,
}

impl HostileServer {
    /// Starts a server playing `behaviour` on every connection.
    pub fn start(behaviour: Hostile) -> Self {
        Self::start_on("127.0.0.1", behaviour)
    }

    /// Starts a server on another loopback address (127.0.0.2 is another host to wsdoctor).
    pub fn start_on(ip: &str, behaviour: Hostile) -> Self {
        let connections = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (counter, seen) = (connections.clone(), requests.clone());
        let thread = ServerThread::spawn_on(ip, move |listener| async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                counter.fetch_add(1, Ordering::SeqCst);
                let (b, seen) = (behaviour.clone(), seen.clone());
                tokio::spawn(async move { play(stream, b, seen).await });
            }
        });
        HostileServer {
            thread,
            connections,
            requests,
        }
    }

    /// The request heads read so far (for `EchoRequest`; lossily decoded).
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.thread.port()
    }

    /// `ws://IP:PORT/path`.
    pub fn ws_url(&self, path: &str) -> String {
        format!("ws://{}{path}", self.thread.addr)
    }

    /// How many connections were accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// Deterministic pseudo-random bytes (xorshift64*), so a failure can be replayed.
pub fn random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
        })
        .collect()
}

/// A seed from the connection's peer port, so concurrent connections get different bytes.
fn seed_of(stream: &TcpStream) -> u64 {
    stream
        .peer_addr()
        .map(|a| u64::from(a.port()))
        .unwrap_or(7)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

async fn play(mut stream: TcpStream, behaviour: Hostile, seen: Arc<Mutex<Vec<String>>>) {
    match behaviour {
        Hostile::NeverAnswers => {
            read_request(&mut stream).await;
            drain(stream).await;
        }
        Hostile::Trickle { bytes, every } => {
            read_request(&mut stream).await;
            // Bounded: at most 1M bytes, far more than any deadline a test uses allows.
            for b in bytes.iter().cycle().take(1 << 20) {
                if stream.write_all(&[*b]).await.is_err() {
                    return;
                }
                tokio::time::sleep(every).await;
            }
        }
        Hostile::HeaderFlood { total } => {
            read_request(&mut stream).await;
            if stream.write_all(b"HTTP/1.1 200 OK\r\n").await.is_err() {
                return;
            }
            let line = format!("X-Flood: {}\r\n", "a".repeat(1014));
            let chunk = line.repeat(64);
            let mut written = 0;
            while written < total {
                if stream.write_all(chunk.as_bytes()).await.is_err() {
                    return;
                }
                written += chunk.len();
            }
            let _ = stream.write_all(b"\r\n").await;
        }
        Hostile::HugeBody { status } => {
            read_request(&mut stream).await;
            let head = format!("HTTP/1.1 {status} Whatever\r\nContent-Length: 1073741824\r\n\r\n");
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let chunk = vec![b'x'; 64 * 1024];
            for _ in 0..(1usize << 30) / chunk.len() {
                if stream.write_all(&chunk).await.is_err() {
                    return;
                }
            }
        }
        Hostile::Random { len } => {
            read_request(&mut stream).await;
            let _ = stream.write_all(&random_bytes(seed_of(&stream), len)).await;
            let _ = stream.shutdown().await;
        }
        Hostile::Reply(bytes) => {
            read_request(&mut stream).await;
            let _ = stream.write_all(&bytes).await;
            let _ = stream.shutdown().await;
        }
        Hostile::CloseAtOnce => {}
        Hostile::ResetAfterRequest => {
            read_request(&mut stream).await;
            let _ = stream.set_zero_linger();
            drop(stream);
        }
        Hostile::AcceptThen(then) => {
            let req = read_request(&mut stream).await;
            let mut out = accept_head(&req);
            out.extend_from_slice(&then);
            if stream.write_all(&out).await.is_ok() {
                drain(stream).await;
            }
        }
        Hostile::AcceptThenRandom { len } => {
            let req = read_request(&mut stream).await;
            let mut out = accept_head(&req);
            out.extend_from_slice(&random_bytes(seed_of(&stream), len));
            if stream.write_all(&out).await.is_ok() {
                drain(stream).await;
            }
        }
        Hostile::AcceptThenPingFlood { max } => {
            let req = read_request(&mut stream).await;
            if stream.write_all(&accept_head(&req)).await.is_err() {
                return;
            }
            let (mut rd, mut wr) = stream.into_split();
            // Read (and discard) the client's pongs and close so its writes never block.
            let reader = tokio::spawn(async move {
                let mut sink = [0u8; 4096];
                while let Ok(n) = rd.read(&mut sink).await {
                    if n == 0 {
                        return;
                    }
                }
            });
            let ping = [0x89u8, 4, b'p', b'i', b'n', b'g'].repeat(256);
            for _ in 0..max / 256 {
                if wr.write_all(&ping).await.is_err() {
                    break;
                }
            }
            let _ = reader.await;
        }
        Hostile::EchoRequest { status } => {
            let req = read_request(&mut stream).await;
            let text = String::from_utf8_lossy(&req).into_owned();
            if let Ok(mut v) = seen.lock() {
                v.push(text.clone());
            }
            let line = text.lines().next().unwrap_or_default().to_string();
            let cookie = text
                .lines()
                .find_map(|l| l.strip_prefix("Cookie: "))
                .unwrap_or("none")
                .to_string();
            let reply = format!(
                "HTTP/1.1 {status} Echo\r\nX-Echo: {line}\r\nSet-Cookie: {cookie}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                text.len()
            );
            let _ = stream.write_all(reply.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
        Hostile::RandomInsteadOfServerHello { first } => {
            let mut hello = [0u8; 512];
            let _ = stream.read(&mut hello).await;
            let mut noise = random_bytes(seed_of(&stream), 4096);
            noise[0] = first;
            let _ = stream.write_all(&noise).await;
            let _ = stream.shutdown().await;
        }
    }
}

/// Reads and discards until the peer closes (or the server shuts down).
async fn drain(mut stream: TcpStream) {
    let mut sink = [0u8; 4096];
    while let Ok(n) = stream.read(&mut sink).await {
        if n == 0 {
            return;
        }
    }
}
