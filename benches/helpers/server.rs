//! Bench server (used by `scripts/bench`, not a test): loopback listeners for the benchmark — a
//! healthy ws:// echo, a 403 for every request, and a healthy wss:// echo with a fresh self-signed
//! certificate whose PEM is written to the path given as the first argument. Prints
//! `ws=PORT forbidden=PORT wss=PORT` once ready, then serves until its stdin closes.

use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

type BoxError = Box<dyn std::error::Error>;

fn main() -> Result<(), BoxError> {
    let pem_path = std::env::args().nth(1).ok_or("usage: server CA_PEM_OUT")?;
    let key = rcgen::KeyPair::generate()?;
    let params = rcgen::CertificateParams::new(vec!["localhost".to_string()])?;
    let cert = params.self_signed(&key)?;
    std::fs::write(&pem_path, cert.pem())?;
    let chain: Vec<CertificateDer<'static>> = vec![cert.der().clone()];
    let key: PrivateKeyDer<'static> = PrivatePkcs8KeyDer::from(key.serialize_der()).into();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_no_client_auth()
    .with_single_cert(chain, key)?;
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let ws = TcpListener::bind("127.0.0.1:0").await?;
        let forbidden = TcpListener::bind("127.0.0.1:0").await?;
        let wss = TcpListener::bind("127.0.0.1:0").await?;
        println!(
            "ws={} forbidden={} wss={}",
            ws.local_addr()?.port(),
            forbidden.local_addr()?.port(),
            wss.local_addr()?.port()
        );
        let ws_loop = async move {
            while let Ok((s, _)) = ws.accept().await {
                let _ = s.set_nodelay(true);
                tokio::spawn(echo(s));
            }
        };
        let forbidden_loop = async move {
            while let Ok((mut s, _)) = forbidden.accept().await {
                tokio::spawn(async move {
                    let _ = read_head(&mut s).await;
                    let body = "forbidden";
                    let reply = format!(
                        "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = s.write_all(reply.as_bytes()).await;
                    let _ = s.shutdown().await;
                });
            }
        };
        let wss_loop = async move {
            while let Ok((s, _)) = wss.accept().await {
                let _ = s.set_nodelay(true);
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    if let Ok(tls) = acceptor.accept(s).await {
                        echo(tls).await;
                    }
                });
            }
        };
        // Serve until stdin closes (the bench script holds it open), then exit.
        std::thread::spawn(|| {
            let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
            std::process::exit(0);
        });
        tokio::select! {
            _ = ws_loop => {}
            _ = forbidden_loop => {}
            _ = wss_loop => {}
        }
        Ok::<(), BoxError>(())
    })
}

async fn read_head<S: AsyncRead + Unpin>(s: &mut S) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while buf.len() < 64 * 1024 && !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(())
}

async fn echo<S: AsyncRead + AsyncWrite + Unpin>(s: S) {
    let Ok(mut ws) = tokio_tungstenite::accept_async(s).await else {
        return;
    };
    while let Some(Ok(msg)) = ws.next().await {
        if msg.is_text() || msg.is_binary() {
            let _ = ws.send(msg).await;
        }
    }
}
