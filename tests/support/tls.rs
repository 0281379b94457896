//! TLS test servers: certificates made with rcgen at test time (a CA, and leaves that are valid,
//! expired, for another name or from an unknown CA; client certificates for mTLS) and a wss://
//! server that terminates TLS with tokio-rustls in front of the WebSocket server from `ws`,
//! optionally requiring a client certificate, limited to TLS 1.2, or speaking only ALPN `h2`.

use std::io::Write;
use std::sync::{Arc, Mutex};

use rcgen::{
    date_time_ymd, BasicConstraints, CertificateParams, CertifiedIssuer, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::TlsAcceptor;

use super::ws::{serve, Behaviour};
use super::ServerThread;

/// The host name the test leaves are issued for; tests map it to 127.0.0.1 with `--resolve`.
pub const HOST: &str = "wsdoctor.test";

/// A test CA.
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl TestCa {
    /// A new CA with this common name.
    pub fn new(name: &str) -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let key = KeyPair::generate().expect("ca key");
        TestCa {
            issuer: CertifiedIssuer::self_signed(params, key).expect("ca cert"),
        }
    }

    /// Writes the CA certificate as PEM to a temporary file (for `--cacert`).
    pub fn pem_file(&self) -> tempfile::NamedTempFile {
        pem_temp(&self.issuer.pem())
    }

    /// The CA certificate as PEM text (e.g. a client's trust anchor).
    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// The CA certificate (DER), e.g. as a server's client-certificate trust anchor.
    pub fn der(&self) -> CertificateDer<'static> {
        self.issuer.der().clone()
    }

    /// Issues a client certificate (clientAuth usage) for `name`, valid from 2020 to 2099.
    pub fn client_leaf(&self, name: &str) -> Leaf {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("client params");
        params.distinguished_name.push(DnType::CommonName, name);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.not_before = date_time_ymd(2020, 1, 1);
        params.not_after = date_time_ymd(2099, 1, 1);
        let key = KeyPair::generate().expect("client key");
        let cert = params.signed_by(&key, &self.issuer).expect("client cert");
        Leaf {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            chain: vec![cert.der().clone()],
            key: PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
        }
    }

    /// Issues a leaf for `names`, valid between the two (year, month, day) dates.
    pub fn leaf(&self, names: &[&str], from: (i32, u8, u8), until: (i32, u8, u8)) -> Leaf {
        let mut params =
            CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .expect("leaf params");
        params.distinguished_name.push(DnType::CommonName, names[0]);
        params.not_before = date_time_ymd(from.0, from.1, from.2);
        params.not_after = date_time_ymd(until.0, until.1, until.2);
        let key = KeyPair::generate().expect("leaf key");
        let cert = params.signed_by(&key, &self.issuer).expect("leaf cert");
        Leaf {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            chain: vec![cert.der().clone()],
            key: PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
        }
    }

    /// A leaf for `names` valid from 2020 to 2099.
    pub fn valid_leaf(&self, names: &[&str]) -> Leaf {
        self.leaf(names, (2020, 1, 1), (2099, 1, 1))
    }
}

/// A self-signed certificate as `openssl req -x509 -subj /CN=<name>` makes it: its own issuer,
/// marked as a CA (basicConstraints CA:TRUE), the name in the CN only (no subjectAltName).
pub fn openssl_style_self_signed(name: &str) -> Leaf {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("self-signed params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.not_before = date_time_ymd(2020, 1, 1);
    params.not_after = date_time_ymd(2099, 1, 1);
    let key = KeyPair::generate().expect("self-signed key");
    let cert = params.self_signed(&key).expect("self-signed cert");
    Leaf {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
        chain: vec![cert.der().clone()],
        key: PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
    }
}

fn pem_temp(pem: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().expect("temp file");
    f.write_all(pem.as_bytes()).expect("write pem");
    f
}

/// A certificate chain and its key.
pub struct Leaf {
    cert_pem: String,
    key_pem: String,
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

impl Leaf {
    /// The certificate and the key as PEM temporary files (for `--cert` and `--key`).
    pub fn pem_files(&self) -> (tempfile::NamedTempFile, tempfile::NamedTempFile) {
        (pem_temp(&self.cert_pem), pem_temp(&self.key_pem))
    }
}

/// How a `TlsWsServer` deviates from a plain TLS 1.2/1.3 server without client auth.
#[derive(Default)]
pub struct TlsOptions {
    /// Require a client certificate issued by this CA (mandatory client auth).
    pub client_ca: Option<CertificateDer<'static>>,
    /// Speak TLS 1.2 only (client auth then fails inside the handshake).
    pub tls12_only: bool,
    /// The server's ALPN list (empty: no ALPN).
    pub alpn: Vec<&'static str>,
    /// What the server does to a client that negotiated `h2` (with `h2` in `alpn`); HTTP/1.1
    /// clients still get the WebSocket server, as a front serving both does.
    pub h2: Option<H2Hostile>,
}

/// A wss:// server.
pub struct TlsWsServer {
    /// The server thread (dropping it stops the server).
    pub thread: ServerThread,
}

impl TlsWsServer {
    /// Starts a wss:// server presenting `leaf`.
    pub fn start(leaf: Leaf, behaviour: Behaviour) -> Self {
        Self::start_with(leaf, behaviour, TlsOptions::default())
    }

    /// Starts a wss:// server presenting `leaf`, with `options`.
    pub fn start_with(leaf: Leaf, behaviour: Behaviour, options: TlsOptions) -> Self {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let versions: &[&rustls::SupportedProtocolVersion] = if options.tls12_only {
            &[&rustls::version::TLS12]
        } else {
            rustls::DEFAULT_VERSIONS
        };
        let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(versions)
            .expect("tls versions");
        let builder = match options.client_ca {
            Some(ca) => {
                let mut roots = rustls::RootCertStore::empty();
                roots.add(ca).expect("client CA");
                let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                    Arc::new(roots),
                    provider,
                )
                .build()
                .expect("client verifier");
                builder.with_client_cert_verifier(verifier)
            }
            None => builder.with_no_client_auth(),
        };
        let mut config = builder
            .with_single_cert(leaf.chain, leaf.key)
            .expect("server cert");
        config.alpn_protocols = options.alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let h2 = options.h2;
        let thread = ServerThread::spawn(move |listener| async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (acceptor, b, seen) = (acceptor.clone(), behaviour.clone(), seen.clone());
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(stream).await else {
                        return;
                    };
                    let negotiated_h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2".as_slice());
                    match h2 {
                        Some(how) if negotiated_h2 => h2_hostile(tls, how).await,
                        _ => serve(tls, b, seen).await,
                    }
                });
            }
        });
        TlsWsServer { thread }
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.thread.port()
    }

    /// `wss://wsdoctor.test:PORT/path` and the `--resolve` value that maps it to 127.0.0.1.
    pub fn url_and_resolve(&self, path: &str) -> (String, String) {
        (
            format!("wss://{HOST}:{}{path}", self.port()),
            format!("{HOST}:{}:127.0.0.1", self.port()),
        )
    }
}

/// What a hostile HTTP/2 server does once a client negotiated ALPN `h2` (HTTP/1.1 clients on the
/// same port get the ordinary WebSocket echo, as a front serving both does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum H2Hostile {
    /// Its SETTINGS (extended CONNECT advertised), then 4 KiB of random bytes.
    GarbageAfterPreface,
    /// Empty SETTINGS and a GOAWAY (PROTOCOL_ERROR) at once, then close.
    GoawayAtOnce,
    /// A SETTINGS frame header announcing a 1 MB payload (the largest allowed frame is 16 KiB
    /// until the client says otherwise), and 64 KiB of it.
    HugeSettings,
    /// A correct connection (SETTINGS with extended CONNECT, SETTINGS ACK, PING answers) whose
    /// streams are never answered.
    StreamNeverAnswers,
    /// The same connection, answering every stream `:status 200` and keeping it open without a
    /// byte more: an extended CONNECT accepted.
    AcceptsStreams,
    /// No HTTP/2 at all: the preface answered `HTTP/1.1 400 Bad Request` and closed, as nginx
    /// answers it on a port without `http2`.
    AnswersHttp1,
}

/// One port for both, as HAProxy's cleartext binds are: a connection that opens with the HTTP/2
/// preface (`PRI * HTTP/2.0`) gets `how`, any other the WebSocket server playing `behaviour`.
/// The first read decides (a client writes the preface in one piece; `GET ` differs at byte 0).
pub fn h2c_and_ws_server(how: H2Hostile, behaviour: Behaviour) -> ServerThread {
    let seen = Arc::new(Mutex::new(Vec::new()));
    ServerThread::spawn(move |listener| async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (b, seen) = (behaviour.clone(), seen.clone());
            tokio::spawn(async move {
                let mut first = [0u8; 4];
                let Ok(n) = stream.peek(&mut first).await else {
                    return;
                };
                if first[..n].starts_with(b"PRI") {
                    h2_hostile(stream, how).await;
                } else {
                    serve(stream, b, seen).await;
                }
            });
        }
    })
}

/// A cleartext HTTP/2 server with prior knowledge only (h2c, as gRPC ports are): every
/// connection gets `how` from its first byte.
pub fn h2c_server(how: H2Hostile) -> ServerThread {
    ServerThread::spawn(move |listener| async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(h2_hostile(stream, how));
        }
    })
}

/// An HTTP/2 frame: 3-byte length, type, flags, stream id, payload (RFC 9113 §4.1).
fn h2_frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = payload.len() as u32;
    let mut f = vec![(len >> 16) as u8, (len >> 8) as u8, len as u8, kind, flags];
    f.extend_from_slice(&stream.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// SETTINGS with SETTINGS_ENABLE_CONNECT_PROTOCOL (0x8) = 1.
fn settings_extended_connect() -> Vec<u8> {
    h2_frame(0x4, 0, 0, &[0x00, 0x08, 0, 0, 0, 1])
}

async fn h2_hostile<S>(mut s: S, how: H2Hostile)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut preface = [0u8; 24];
    if s.read_exact(&mut preface).await.is_err() {
        return;
    }
    match how {
        H2Hostile::GarbageAfterPreface => {
            let mut out = settings_extended_connect();
            out.extend(super::hostile::random_bytes(7, 4096));
            let _ = s.write_all(&out).await;
            let _ = s.flush().await;
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
        H2Hostile::AnswersHttp1 => {
            let _ = s
                .write_all(
                    b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                )
                .await;
            let _ = s.shutdown().await;
        }
        H2Hostile::GoawayAtOnce => {
            let mut out = h2_frame(0x4, 0, 0, &[]);
            out.extend(h2_frame(0x7, 0, 0, &[0, 0, 0, 0, 0, 0, 0, 1]));
            let _ = s.write_all(&out).await;
            let _ = s.shutdown().await;
        }
        H2Hostile::HugeSettings => {
            let mut out = vec![0x0F, 0x42, 0x40, 0x4, 0, 0, 0, 0, 0];
            out.extend(std::iter::repeat_n(0u8, 64 * 1024));
            let _ = s.write_all(&out).await;
            let _ = s.flush().await;
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
        H2Hostile::StreamNeverAnswers | H2Hostile::AcceptsStreams => {
            if s.write_all(&settings_extended_connect()).await.is_err() {
                return;
            }
            let answer = how == H2Hostile::AcceptsStreams;
            // Read frames (bounded: 1,000 frames of at most 64 KiB), acknowledge SETTINGS,
            // answer PINGs, and ignore every stream (or answer its HEADERS `:status 200`, HPACK
            // static index 8).
            for _ in 0..1000 {
                let mut head = [0u8; 9];
                if s.read_exact(&mut head).await.is_err() {
                    return;
                }
                let len = (usize::from(head[0]) << 16)
                    | (usize::from(head[1]) << 8)
                    | usize::from(head[2]);
                if len > 64 * 1024 {
                    return;
                }
                let mut payload = vec![0u8; len];
                if s.read_exact(&mut payload).await.is_err() {
                    return;
                }
                let stream = u32::from_be_bytes([head[5], head[6], head[7], head[8]]) & 0x7fff_ffff;
                let reply = match (head[3], head[4] & 0x1) {
                    (0x4, 0) => Some(h2_frame(0x4, 0x1, 0, &[])),
                    (0x6, 0) => Some(h2_frame(0x6, 0x1, 0, &payload)),
                    (0x1, _) if answer => Some(h2_frame(0x1, 0x4, stream, &[0x88])),
                    _ => None,
                };
                if let Some(r) = reply {
                    if s.write_all(&r).await.is_err() {
                        return;
                    }
                }
            }
        }
    }
}
