//! The raw floor for `scripts/bench` (not a test): the least a client can do — TCP connect, write
//! an upgrade request, read the status line, close. `floor ws HOST:PORT` or
//! `floor wss HOST:PORT NAME CA_PEM` (TLS with rustls, the system roots plus CA_PEM, as wsdoctor
//! loads them). Exits 0 on a 101 and 1 otherwise.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;

type BoxError = Box<dyn std::error::Error>;

const REQUEST: &str = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";

fn status_line<S: Read + Write>(mut s: S) -> Result<String, BoxError> {
    s.write_all(REQUEST.as_bytes())?;
    let mut line = String::new();
    BufReader::new(s).read_line(&mut line)?;
    Ok(line)
}

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().collect();
    let addr = args
        .get(2)
        .ok_or("usage: floor ws|wss HOST:PORT [NAME CA_PEM]")?;
    let tcp = TcpStream::connect(addr)?;
    tcp.set_nodelay(true)?;
    let line = if args.get(1).map(String::as_str) == Some("wss") {
        let name = args.get(3).ok_or("wss needs NAME")?.clone();
        let pem = std::fs::read(args.get(4).ok_or("wss needs CA_PEM")?)?;
        let mut roots = rustls::RootCertStore::empty();
        roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        for cert in rustls_pki_types::CertificateDer::pem_slice_iter(&pem) {
            roots.add(cert?)?;
        }
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
        let conn =
            rustls::ClientConnection::new(Arc::new(config), name.try_into().map_err(|_| "name")?)?;
        status_line(rustls::StreamOwned::new(conn, tcp))?
    } else {
        status_line(tcp)?
    };
    if line.starts_with("HTTP/1.1 101") {
        Ok(())
    } else {
        Err(format!("not upgraded: {}", line.trim_end()).into())
    }
}
