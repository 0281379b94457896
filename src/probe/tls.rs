//! probe::tls: the TLS stage for wss:// and https:// — rustls (ring), SNI for names only, ALPN
//! `http/1.1`, trust anchors loaded lazily once per process (webpki-roots, the platform store,
//! `--cacert`). A `danger`-named recording verifier stores the real verdict and the peer chain,
//! also under `--insecure`. Failures are classified from the typed verdict (`CertificateError`),
//! and "wss:// to a plaintext port" from the first reply bytes; never from message text.
//! Must not read or write application bytes.

use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use crate::config::TrustConfig;
use crate::model::{CertificateInfo, TlsRecord};

/// The only ALPN protocol offered: WebSocket upgrades need HTTP/1.1 (RFC 6455; RFC 8441 is h2).
pub const ALPN: &str = "http/1.1";

/// Why the TLS stage failed (class ids as in the JSON `error` fields).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsFailure {
    /// The chain does not lead to a trusted root (unknown issuer, self-signed, bad signature, …).
    Untrusted,
    /// The certificate's `notAfter` is in the past.
    Expired,
    /// The certificate's `notBefore` is in the future.
    NotYetValid,
    /// The certificate is not valid for the name connected to.
    HostnameMismatch,
    /// The peer answered in plaintext (e.g. `HTTP/1.1 400`): wss:// to a plain port.
    NotTls,
    /// Any other handshake failure (alert, no shared cipher, connection closed).
    HandshakeFailed,
}

impl TlsFailure {
    /// The class id.
    pub fn class(self) -> &'static str {
        match self {
            TlsFailure::Untrusted => "untrusted_certificate",
            TlsFailure::Expired => "expired_certificate",
            TlsFailure::NotYetValid => "not_yet_valid",
            TlsFailure::HostnameMismatch => "hostname_mismatch",
            TlsFailure::NotTls => "not_tls",
            TlsFailure::HandshakeFailed => "handshake_failed",
        }
    }

    /// Classifies a verification error.
    pub fn from_verify_error(e: &rustls::Error) -> Self {
        match e {
            rustls::Error::InvalidCertificate(c) => match c {
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                    TlsFailure::Expired
                }
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                    TlsFailure::NotYetValid
                }
                CertificateError::NotValidForName
                | CertificateError::NotValidForNameContext { .. } => TlsFailure::HostnameMismatch,
                CertificateError::UnknownIssuer | CertificateError::BadSignature => {
                    TlsFailure::Untrusted
                }
                // Revoked, bad encoding, wrong purpose, unsupported algorithms and any variant
                // added later: the certificate cannot be trusted.
                _ => TlsFailure::Untrusted,
            },
            _ => TlsFailure::HandshakeFailed,
        }
    }
}

/// A TCP stream that keeps the first bytes the peer sent, so a plaintext answer to a ClientHello
/// can be recognised from the bytes themselves.
#[derive(Debug)]
pub struct Sniff<S> {
    inner: S,
    first: Vec<u8>,
}

/// How many reply bytes are kept.
const SNIFF_BYTES: usize = 8;

impl<S> Sniff<S> {
    /// Wraps a stream.
    pub fn new(inner: S) -> Self {
        Sniff {
            inner,
            first: Vec::with_capacity(SNIFF_BYTES),
        }
    }

    /// The first bytes read (at most 8).
    pub fn first_bytes(&self) -> &[u8] {
        &self.first
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Sniff<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let this = &mut *self;
        let res = Pin::new(&mut this.inner).poll_read(cx, buf);
        if this.first.len() < SNIFF_BYTES {
            let new = &buf.filled()[before..];
            let take = new.len().min(SNIFF_BYTES - this.first.len());
            this.first.extend_from_slice(&new[..take]);
        }
        res
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Sniff<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// True when the first reply bytes cannot start a TLS record: `HTTP/…` or any byte that is not a
/// TLS content type (20–23).
pub fn looks_plaintext(first: &[u8]) -> bool {
    if first.starts_with(b"HTTP/") {
        return true;
    }
    matches!(first.first(), Some(b) if !(0x14..=0x17).contains(b))
}

/// What the recording verifier saw.
#[derive(Debug, Default)]
struct Seen {
    chain: Vec<CertificateDer<'static>>,
    verdict: Option<Result<(), rustls::Error>>,
}

/// Wraps the webpki verifier: always stores the real verdict and the chain; with `--insecure`
/// reports success anyway (the name says `danger`, as rustls does for such verifiers).
#[derive(Debug)]
struct DangerRecordingVerifier {
    inner: Arc<WebPkiServerVerifier>,
    insecure: bool,
    seen: Arc<Mutex<Seen>>,
}

fn lock(seen: &Mutex<Seen>) -> std::sync::MutexGuard<'_, Seen> {
    match seen.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl ServerCertVerifier for DangerRecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verdict = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        {
            let mut seen = lock(&self.seen);
            seen.chain = std::iter::once(end_entity)
                .chain(intermediates.iter())
                .map(|c| c.clone().into_owned())
                .collect();
            seen.verdict = Some(verdict.as_ref().map(|_| ()).map_err(Clone::clone));
        }
        match verdict {
            Err(_) if self.insecure => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
        .clone()
}

/// The built-in anchors (webpki-roots plus the platform store, which honours SSL_CERT_FILE and
/// SSL_CERT_DIR), loaded on first use only: a ws:// probe never pays for reading CA bundles.
fn base_roots() -> Arc<RootCertStore> {
    static ROOTS: OnceLock<Arc<RootCertStore>> = OnceLock::new();
    ROOTS
        .get_or_init(|| {
            let mut store = RootCertStore::empty();
            store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            let native = rustls_native_certs::load_native_certs();
            for e in &native.errors {
                tracing::debug!(error = %e, "platform trust store: skipped an entry");
            }
            let (added, ignored) = store.add_parsable_certificates(native.certs);
            tracing::debug!(added, ignored, "platform trust store loaded");
            Arc::new(store)
        })
        .clone()
}

fn roots(trust: &TrustConfig) -> Arc<RootCertStore> {
    let base = base_roots();
    if trust.extra_roots.is_empty() {
        return base;
    }
    let mut store = (*base).clone();
    let (added, ignored) = store.add_parsable_certificates(trust.extra_roots.iter().cloned());
    tracing::debug!(added, ignored, "--cacert anchors added");
    Arc::new(store)
}

/// How the tls stage ended without a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsEnd {
    /// Classified failure with detail.
    Failed(TlsFailure, String),
    /// The overall deadline passed during the handshake.
    Deadline,
}

/// The stream after a successful handshake.
pub type Stream = TlsStream<Sniff<TcpStream>>;

/// Runs the handshake. The record is filled whatever happens (chain and verdict included when the
/// server sent its certificate).
pub async fn handshake(
    tcp: TcpStream,
    host: &url::Host<&str>,
    trust: &TrustConfig,
    deadline: Instant,
) -> (TlsRecord, Result<Stream, TlsEnd>) {
    let (server_name, sni) = match host {
        url::Host::Domain(d) => (ServerName::try_from(d.to_string()), Some(d.to_string())),
        url::Host::Ipv4(a) => (Ok(ServerName::IpAddress(IpAddr::V4(*a).into())), None),
        url::Host::Ipv6(a) => (Ok(ServerName::IpAddress(IpAddr::V6(*a).into())), None),
    };
    let mut record = TlsRecord {
        sni,
        alpn_offered: vec![ALPN.to_string()],
        version: None,
        alpn: None,
        chain: Vec::new(),
        verification: "not_checked".into(),
        insecure: trust.insecure,
    };
    let server_name = match server_name {
        Ok(n) => n,
        Err(e) => {
            return (
                record,
                Err(TlsEnd::Failed(
                    TlsFailure::HandshakeFailed,
                    format!("not a valid TLS server name: {e}"),
                )),
            )
        }
    };
    let seen = Arc::new(Mutex::new(Seen::default()));
    let config = match client_config(trust, seen.clone()) {
        Ok(c) => c,
        Err(detail) => {
            return (
                record,
                Err(TlsEnd::Failed(TlsFailure::HandshakeFailed, detail)),
            )
        }
    };
    let connector = TlsConnector::from(Arc::new(config));
    let result = tokio::time::timeout_at(
        deadline,
        connector
            .connect(server_name, Sniff::new(tcp))
            .into_fallible(),
    )
    .await;
    {
        let seen = lock(&seen);
        record.chain = seen.chain.iter().map(describe_certificate).collect();
        record.verification = match &seen.verdict {
            Some(Ok(())) => "ok".into(),
            Some(Err(e)) => TlsFailure::from_verify_error(e).class().into(),
            None => "not_checked".into(),
        };
    }
    let verdict_failure = {
        let seen = lock(&seen);
        match &seen.verdict {
            Some(Err(e)) => Some((TlsFailure::from_verify_error(e), e.to_string())),
            _ => None,
        }
    };
    match result {
        Err(_) => (record, Err(TlsEnd::Deadline)),
        Ok(Ok(stream)) => {
            let (_, conn) = stream.get_ref();
            record.version = conn.protocol_version().map(version_name);
            record.alpn = conn
                .alpn_protocol()
                .map(|p| String::from_utf8_lossy(p).into_owned());
            (record, Ok(stream))
        }
        Ok(Err((e, sniff))) => {
            let failure = if looks_plaintext(sniff.first_bytes()) {
                (
                    TlsFailure::NotTls,
                    format!(
                        "the server answered in plaintext ({:?}…): this port speaks plain HTTP, use ws:// or the TLS port",
                        String::from_utf8_lossy(sniff.first_bytes())
                    ),
                )
            } else if let Some((f, detail)) = verdict_failure.filter(|_| !trust.insecure) {
                (f, detail)
            } else {
                (TlsFailure::HandshakeFailed, e.to_string())
            };
            (record, Err(TlsEnd::Failed(failure.0, failure.1)))
        }
    }
}

fn client_config(trust: &TrustConfig, seen: Arc<Mutex<Seen>>) -> Result<ClientConfig, String> {
    let provider = provider();
    let inner = WebPkiServerVerifier::builder_with_provider(roots(trust), provider.clone())
        .build()
        .map_err(|e| format!("cannot build the certificate verifier: {e}"))?;
    let verifier = DangerRecordingVerifier {
        inner,
        insecure: trust.insecure,
        seen,
    };
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("no usable TLS versions: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![ALPN.as_bytes().to_vec()];
    Ok(config)
}

fn version_name(v: rustls::ProtocolVersion) -> String {
    match v {
        rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".into(),
        rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".into(),
        other => format!("{other:?}"),
    }
}

/// Parses one certificate for the record (subject, issuer, SANs, validity, days left).
pub fn describe_certificate(der: &CertificateDer<'_>) -> CertificateInfo {
    use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    match X509Certificate::from_der(der.as_ref()) {
        Ok((_, cert)) => {
            let mut sans = Vec::new();
            if let Ok(Some(ext)) = cert.subject_alternative_name() {
                for name in &ext.value.general_names {
                    match name {
                        GeneralName::DNSName(d) => sans.push((*d).to_string()),
                        GeneralName::IPAddress(b) => {
                            if let Some(ip) = ip_from_bytes(b) {
                                sans.push(ip.to_string());
                            }
                        }
                        _ => {}
                    }
                }
            }
            let validity = cert.validity();
            CertificateInfo {
                subject: cert.subject().to_string(),
                issuer: cert.issuer().to_string(),
                sans,
                not_before: rfc3339(validity.not_before.to_datetime()),
                not_after: rfc3339(validity.not_after.to_datetime()),
                days_left: (validity.not_after.timestamp() - now).div_euclid(86_400),
            }
        }
        Err(e) => CertificateInfo {
            subject: format!("(unparsable certificate: {e})"),
            issuer: String::new(),
            sans: Vec::new(),
            not_before: String::new(),
            not_after: String::new(),
            days_left: 0,
        },
    }
}

fn ip_from_bytes(b: &[u8]) -> Option<IpAddr> {
    match b.len() {
        4 => <[u8; 4]>::try_from(b).ok().map(IpAddr::from),
        16 => <[u8; 16]>::try_from(b).ok().map(IpAddr::from),
        _ => None,
    }
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_errors_map_to_classes_in_plain_and_context_forms() {
        let t = UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_000));
        let cases: Vec<(CertificateError, &str)> = vec![
            (CertificateError::Expired, "expired_certificate"),
            (
                CertificateError::ExpiredContext {
                    time: t,
                    not_after: t,
                },
                "expired_certificate",
            ),
            (CertificateError::NotValidYet, "not_yet_valid"),
            (
                CertificateError::NotValidYetContext {
                    time: t,
                    not_before: t,
                },
                "not_yet_valid",
            ),
            (CertificateError::NotValidForName, "hostname_mismatch"),
            (
                CertificateError::NotValidForNameContext {
                    expected: ServerName::try_from("a.test").unwrap(),
                    presented: vec!["b.test".into()],
                },
                "hostname_mismatch",
            ),
            (CertificateError::UnknownIssuer, "untrusted_certificate"),
            (CertificateError::BadSignature, "untrusted_certificate"),
            (CertificateError::Revoked, "untrusted_certificate"),
        ];
        for (e, class) in cases {
            let got = TlsFailure::from_verify_error(&rustls::Error::InvalidCertificate(e.clone()));
            assert_eq!(got.class(), class, "{e:?}");
        }
        assert_eq!(
            TlsFailure::from_verify_error(&rustls::Error::HandshakeNotComplete).class(),
            "handshake_failed"
        );
    }

    #[test]
    fn plaintext_replies_are_recognised_from_bytes() {
        assert!(looks_plaintext(b"HTTP/1.1"));
        assert!(looks_plaintext(b"SSH-2.0-"));
        assert!(!looks_plaintext(&[0x16, 0x03, 0x03, 0x00]));
        assert!(!looks_plaintext(&[0x15, 0x03, 0x03]));
        assert!(!looks_plaintext(b""));
    }

    #[test]
    fn certificates_are_described() {
        let ck =
            rcgen::generate_simple_self_signed(vec!["a.test".into(), "127.0.0.1".into()]).unwrap();
        let info = describe_certificate(ck.cert.der());
        assert!(info.sans.contains(&"a.test".to_string()));
        assert!(info.sans.contains(&"127.0.0.1".to_string()));
        assert!(info.not_after.contains('T'));
        assert!(info.days_left > 0);
    }
}
