//! probe::tls: the TLS stage for wss:// and https:// — rustls (ring), SNI for names only, ALPN
//! `http/1.1`, trust anchors found lazily, level by level (`probe::trust`: webpki-roots, the platform store,
//! `--cacert`, each anchor tagged with its source). A `danger`-named recording verifier stores the
//! real verdict and the peer chain, also under `--insecure`; the anchor that verified the chain is
//! derived from it. A recording client-certificate resolver notes whether the server asked for a
//! certificate (mTLS) and whether one was sent. Failures are classified from typed values
//! (`CertificateError`, received `AlertDescription`s), and "wss:// to a plaintext port" from the
//! first reply bytes; never from message text. When the server refuses the `http/1.1` ALPN offer,
//! one more handshake offering `h2` is made as a controlled difference. Must not read or write
//! application bytes.

pub use crate::certs::{describe_certificate, provider};
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::ResolvesClientCert;
use rustls::sign::CertifiedKey;
use rustls::{
    AlertDescription, CertificateError, ClientConfig, DigitallySignedStruct, PeerMisbehaved,
    SignatureScheme,
};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use super::trust::{Anchors, LazyTrust, Store};
use crate::config::TrustConfig;
use crate::model::{AlpnRetryRecord, ClientAuthRecord, TlsRecord, TrustAnchorInfo};

/// The only ALPN protocol offered: WebSocket upgrades need HTTP/1.1 (RFC 6455; RFC 8441 is h2).
pub const ALPN: &str = "http/1.1";

/// The protocol offered alone in the controlled retry when `http/1.1` is refused.
pub const ALPN_RETRY: &str = "h2";

/// How many acceptable issuer names from a CertificateRequest are kept in the record.
const MAX_ISSUER_HINTS: usize = 8;

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
    /// The server refused every offered ALPN protocol (`no_application_protocol` alert), or
    /// selected one that was not offered (e.g. `h2` to an `http/1.1`-only offer).
    NoApplicationProtocol,
    /// Any other handshake failure (alert, no shared cipher, connection closed).
    HandshakeFailed,
}

impl TlsFailure {
    /// The class id.
    pub fn class(self) -> &'static str {
        match self {
            TlsFailure::Untrusted => crate::model::FailureClass::UntrustedCertificate.as_str(),
            TlsFailure::Expired => crate::model::FailureClass::ExpiredCertificate.as_str(),
            TlsFailure::NotYetValid => crate::model::FailureClass::NotYetValid.as_str(),
            TlsFailure::HostnameMismatch => crate::model::FailureClass::HostnameMismatch.as_str(),
            TlsFailure::NotTls => crate::model::FailureClass::NotTls.as_str(),
            TlsFailure::NoApplicationProtocol => {
                crate::model::FailureClass::NoApplicationProtocol.as_str()
            }
            TlsFailure::HandshakeFailed => crate::model::FailureClass::HandshakeFailed.as_str(),
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

/// A certificate verdict as a sentence for people, never as Debug output: what is wrong with
/// the certificate the server presented (`chain`, leaf first), with its names and dates.
pub fn verify_error_sentence(e: &rustls::Error, chain: &[crate::model::CertificateInfo]) -> String {
    let leaf = chain.first();
    let subject = leaf.map_or("the certificate", |l| l.subject.as_str());
    let self_signed = chain.len() == 1 && leaf.is_some_and(|l| l.self_signed);
    let rustls::Error::InvalidCertificate(c) = e else {
        return format!("the certificate could not be checked: {e}");
    };
    match c {
        CertificateError::UnknownIssuer if self_signed => format!(
            "{subject} is self-signed (its own issuer) and is not among the trusted certificates"
        ),
        CertificateError::UnknownIssuer => match leaf {
            Some(l) if chain.len() == 1 => format!(
                "{subject} is issued by {}, which is not a trusted CA, and the server sent no intermediate certificates",
                l.issuer
            ),
            Some(l) => format!(
                "the chain from {subject} ends at {}, which is not a trusted CA",
                chain.last().map_or(l.issuer.as_str(), |top| top.issuer.as_str())
            ),
            None => "the certificate's issuer is not a trusted CA".to_string(),
        },
        CertificateError::BadSignature => {
            format!("the signature on {subject} does not verify against its issuer's key")
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => match leaf {
            Some(l) => format!("{subject} expired on {}", l.not_after),
            None => "the certificate has expired".to_string(),
        },
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            match leaf {
                Some(l) => format!("{subject} is not valid before {}", l.not_before),
                None => "the certificate is not valid yet".to_string(),
            }
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            let names = leaf.map(|l| l.sans.join(", ")).unwrap_or_default();
            let expected = match c {
                CertificateError::NotValidForNameContext { expected, .. } => {
                    format!(" {}", expected.to_str())
                }
                _ => String::new(),
            };
            if names.is_empty() {
                format!("{subject} names no host (no subject alternative names), so not{expected}")
            } else {
                format!("{subject} is for {names}, not for{expected}")
            }
        }
        CertificateError::Revoked => format!("{subject} has been revoked"),
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            format!("{subject} is not issued for server authentication (extended key usage)")
        }
        CertificateError::Other(other) => match other.0.downcast_ref::<webpki::Error>() {
            Some(webpki::Error::CaUsedAsEndEntity) if self_signed => format!(
                "{subject} is self-signed and marked as a CA (basicConstraints CA:TRUE, as `openssl req -x509` makes it), and is not among the trusted certificates"
            ),
            Some(webpki::Error::CaUsedAsEndEntity) => format!(
                "{subject} is a CA certificate (basicConstraints CA:TRUE) presented as the server's own certificate"
            ),
            Some(webpki::Error::EndEntityUsedAsCa) => format!(
                "a certificate in the chain from {subject} is not a CA (no basicConstraints CA:TRUE) but issued the one below it"
            ),
            Some(webpki::Error::UnsupportedCriticalExtension) => {
                format!("{subject} carries a critical extension that cannot be checked")
            }
            Some(webpki::Error::BadDer | webpki::Error::BadDerTime) => {
                format!("{subject} is not a well-formed certificate (bad DER)")
            }
            Some(w) => format!("{subject} cannot be trusted: {}", words(&format!("{w:?}"))),
            None => format!("{subject} cannot be trusted: {other}"),
        },
        other => format!(
            "{subject} cannot be trusted: {}",
            words(&format!("{other:?}"))
        ),
    }
}

/// An error variant's name as words: `UnsupportedCriticalExtension { .. }` → "unsupported
/// critical extension" (for variants without a sentence of their own).
fn words(debug: &str) -> String {
    let name: String = debug
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push(' ');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// The rustls error inside an I/O error from a TLS stream: tokio-rustls wraps it as the typed
/// source of an `InvalidData` error, so this is a typed look, not a reading of message text.
fn rustls_error(e: &io::Error) -> Option<&rustls::Error> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
}

/// The fatal alert the server sent, by name, when this I/O error from a TLS stream carries one.
/// TLS 1.3 servers refuse a client certificate after the client's last flight, so the alert
/// arrives on the first read after a "successful" handshake (rustls/rustls#1707).
pub fn received_alert(e: &io::Error) -> Option<String> {
    match rustls_error(e)? {
        rustls::Error::AlertReceived(d) => Some(alert_name(*d)),
        _ => None,
    }
}

/// The RFC 8446 §6 name of an alert ("certificate_required"); unknown codes as `alert_<n>`.
pub fn alert_name(d: AlertDescription) -> String {
    let name = match d {
        AlertDescription::CloseNotify => "close_notify",
        AlertDescription::UnexpectedMessage => "unexpected_message",
        AlertDescription::BadRecordMac => "bad_record_mac",
        AlertDescription::RecordOverflow => "record_overflow",
        AlertDescription::HandshakeFailure => "handshake_failure",
        AlertDescription::BadCertificate => "bad_certificate",
        AlertDescription::UnsupportedCertificate => "unsupported_certificate",
        AlertDescription::CertificateRevoked => "certificate_revoked",
        AlertDescription::CertificateExpired => "certificate_expired",
        AlertDescription::CertificateUnknown => "certificate_unknown",
        AlertDescription::IllegalParameter => "illegal_parameter",
        AlertDescription::UnknownCA => "unknown_ca",
        AlertDescription::AccessDenied => "access_denied",
        AlertDescription::DecodeError => "decode_error",
        AlertDescription::DecryptError => "decrypt_error",
        AlertDescription::ProtocolVersion => "protocol_version",
        AlertDescription::InsufficientSecurity => "insufficient_security",
        AlertDescription::InternalError => "internal_error",
        AlertDescription::InappropriateFallback => "inappropriate_fallback",
        AlertDescription::UserCanceled => "user_canceled",
        AlertDescription::MissingExtension => "missing_extension",
        AlertDescription::UnsupportedExtension => "unsupported_extension",
        AlertDescription::UnrecognisedName => "unrecognized_name",
        AlertDescription::BadCertificateStatusResponse => "bad_certificate_status_response",
        AlertDescription::UnknownPSKIdentity => "unknown_psk_identity",
        AlertDescription::CertificateRequired => "certificate_required",
        AlertDescription::NoApplicationProtocol => "no_application_protocol",
        other => return format!("alert_{}", u8::from(other)),
    };
    name.to_string()
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

/// What the recording verifier and the recording client-certificate resolver saw.
#[derive(Debug, Default)]
struct Seen {
    chain: Vec<CertificateDer<'static>>,
    verdict: Option<Result<(), rustls::Error>>,
    /// The leaf was trusted as itself: it is one of the `--cacert` certificates.
    pinned: bool,
    /// The trust level the verdict came from (`probe::trust`).
    level: usize,
    /// The server sent a CertificateRequest.
    cert_requested: bool,
    /// A client certificate was chosen to answer it.
    cert_sent: bool,
    /// How many acceptable issuers the request listed.
    issuer_hint_count: usize,
    /// The first of them, as distinguished names.
    issuer_hints: Vec<String>,
}

/// Answers a CertificateRequest with the `--cert` identity (or nothing), recording that the
/// request came, its acceptable-issuer hints and whether a certificate was sent.
#[derive(Debug)]
struct RecordingClientCert {
    identity: Option<Arc<CertifiedKey>>,
    seen: Arc<Mutex<Seen>>,
}

impl ResolvesClientCert for RecordingClientCert {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        // rustls sends an empty Certificate when the key cannot sign with any offered scheme, so
        // "sent" is decided the same way here.
        let chosen = self
            .identity
            .clone()
            .filter(|k| k.key.choose_scheme(sigschemes).is_some());
        let mut seen = lock(&self.seen);
        seen.cert_requested = true;
        seen.cert_sent = chosen.is_some();
        seen.issuer_hint_count = root_hint_subjects.len();
        seen.issuer_hints = root_hint_subjects
            .iter()
            .take(MAX_ISSUER_HINTS)
            .map(|dn| name_string(dn))
            .collect();
        chosen
    }

    fn has_certs(&self) -> bool {
        self.identity.is_some()
    }
}

/// A DER `Name` (with its SEQUENCE header) as a distinguished-name string.
fn name_string(der: &[u8]) -> String {
    use x509_parser::prelude::{FromDer, X509Name};
    match X509Name::from_der(der) {
        Ok((_, name)) => name.to_string(),
        Err(_) => format!("(unparsable name, {} bytes)", der.len()),
    }
}

/// Wraps the webpki verifier: always stores the real verdict and the chain; with `--insecure`
/// reports success anyway (the name says `danger`, as rustls does for such verifiers).
#[derive(Debug)]
struct DangerRecordingVerifier {
    trust: Arc<LazyTrust>,
    insecure: bool,
    seen: Arc<Mutex<Seen>>,
    /// The `--cacert` certificates: a leaf presented byte for byte as one of them is trusted as
    /// itself (pinned), as OpenSSL, and so curl `--cacert`, trusts a self-signed leaf in its store.
    pinned: Arc<Vec<CertificateDer<'static>>>,
}

/// The verdict on a leaf that is itself one of the `--cacert` certificates: trusted as it is,
/// still held to the name connected to and to its validity period.
fn pinned_verdict(
    end_entity: &CertificateDer<'_>,
    server_name: &ServerName<'_>,
    now: UnixTime,
) -> Result<(), rustls::Error> {
    use x509_parser::prelude::{FromDer, X509Certificate};
    let parsed = rustls::server::ParsedCertificate::try_from(end_entity)?;
    let (_, cert) = X509Certificate::from_der(end_entity.as_ref())
        .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::BadEncoding))?;
    if let Err(e) = rustls::client::verify_server_name(&parsed, server_name) {
        // curl's fallback (RFC 6125 §6.4.4): without any subjectAltName, the subject CN names
        // the host. Browsers do not fall back: `rules::tls::findings` says so.
        let no_san = matches!(cert.subject_alternative_name(), Ok(None));
        let host = match server_name {
            ServerName::DnsName(d) => Some(d.as_ref().to_ascii_lowercase()),
            _ => None,
        };
        let cn_names_it = cert
            .subject()
            .iter_common_name()
            .filter_map(|cn| cn.as_str().ok())
            .any(|cn| Some(cn.to_ascii_lowercase()) == host);
        if !(no_san && cn_names_it) {
            return Err(e);
        }
    }
    let now = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
    let validity = cert.validity();
    if now < validity.not_before.timestamp() {
        return Err(rustls::Error::InvalidCertificate(
            CertificateError::NotValidYet,
        ));
    }
    if now > validity.not_after.timestamp() {
        return Err(rustls::Error::InvalidCertificate(CertificateError::Expired));
    }
    Ok(())
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
        let (mut verdict, level) = self.trust.verify(|inner| {
            inner.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        });
        let pinned = verdict.is_err()
            && self
                .pinned
                .iter()
                .any(|c| c.as_ref() == end_entity.as_ref());
        if pinned {
            verdict = pinned_verdict(end_entity, server_name, now)
                .map(|()| ServerCertVerified::assertion());
        }
        {
            let mut seen = lock(&self.seen);
            seen.chain = std::iter::once(end_entity)
                .chain(intermediates.iter())
                .map(|c| c.clone().into_owned())
                .collect();
            seen.verdict = Some(verdict.as_ref().map(|_| ()).map_err(Clone::clone));
            seen.pinned = pinned && verdict.is_ok();
            seen.level = level;
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
        // A signature does not depend on the anchors: the first level's verifier checks it.
        self.trust
            .level(0)
            .map_err(rustls::Error::General)?
            .verifier
            .verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        // A signature does not depend on the anchors: the first level's verifier checks it.
        self.trust
            .level(0)
            .map_err(rustls::Error::General)?
            .verifier
            .verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        match self.trust.level(0) {
            Ok(level) => level.verifier.supported_verify_schemes(),
            Err(_) => provider()
                .signature_verification_algorithms
                .supported_schemes(),
        }
    }
}

/// The anchors of one handshake: the process's store, read level by level only as far as a chain
/// needs (`probe::trust`), plus the `--cacert` certificates.
fn lazy_trust(trust: &TrustConfig) -> Result<Arc<LazyTrust>, String> {
    let extra = trust
        .extra_roots
        .iter()
        .enumerate()
        .map(|(i, cert)| {
            let source = trust
                .extra_root_sources
                .get(i)
                .cloned()
                .unwrap_or_else(|| "--cacert".to_string());
            (cert.clone(), source)
        })
        .collect();
    LazyTrust::new(Store::system(), extra).map(Arc::new)
}

/// Wraps DER contents in a SEQUENCE header: webpki keeps an anchor's subject and key without it.
fn der_sequence(contents: &[u8]) -> Vec<u8> {
    let len = contents.len();
    let mut out = vec![0x30];
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(contents);
    out
}

/// Which anchor verified a chain that webpki accepted. webpki does not say, so it is derived: from
/// the topmost presented certificate down, the anchor whose subject is that certificate's issuer
/// and whose key verifies its signature ("signature"); failing that, the first anchor with that
/// subject ("subject"). Later sources (`--cacert`, then the platform store or SSL_CERT_*) are
/// preferred over webpki-roots when the same anchor is in several.
fn verifying_anchor(chain: &[CertificateDer<'_>], anchors: &Anchors) -> Option<TrustAnchorInfo> {
    use x509_parser::prelude::{FromDer, SubjectPublicKeyInfo, X509Certificate};
    let mut by_subject: Option<TrustAnchorInfo> = None;
    for der in chain.iter().rev() {
        let Ok((_, cert)) = X509Certificate::from_der(der.as_ref()) else {
            continue;
        };
        let issuer = cert.issuer().as_raw();
        let candidates = anchors
            .store
            .roots
            .iter()
            .zip(anchors.sources.iter())
            .rev()
            .filter(|(a, _)| der_sequence(a.subject.as_ref()) == issuer);
        for (anchor, source) in candidates {
            let spki = der_sequence(anchor.subject_public_key_info.as_ref());
            let verified = SubjectPublicKeyInfo::from_der(&spki)
                .map(|(_, key)| cert.verify_signature(Some(&key)).is_ok())
                .unwrap_or(false);
            let info = TrustAnchorInfo {
                subject: name_string(&der_sequence(anchor.subject.as_ref())),
                source: source.clone(),
                matched_by: if verified { "signature" } else { "subject" }.to_string(),
            };
            if verified {
                return Some(info);
            }
            by_subject.get_or_insert(info);
        }
    }
    by_subject
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
/// server sent its certificate; client authentication when the server asked). `redial` is the
/// address for the controlled `h2` retry (`None` through a forward proxy: no retry).
pub async fn handshake(
    tcp: TcpStream,
    host: &url::Host<&str>,
    trust: &TrustConfig,
    deadline: Instant,
    redial: Option<SocketAddr>,
    alpn: &[&str],
) -> (TlsRecord, Result<Stream, TlsEnd>) {
    let (server_name, sni) = match host {
        url::Host::Domain(d) => (ServerName::try_from(d.to_string()), Some(d.to_string())),
        url::Host::Ipv4(a) => (Ok(ServerName::IpAddress(IpAddr::V4(*a).into())), None),
        url::Host::Ipv6(a) => (Ok(ServerName::IpAddress(IpAddr::V6(*a).into())), None),
    };
    let mut record = TlsRecord {
        sni,
        alpn_offered: alpn.iter().map(|p| p.to_string()).collect(),
        version: None,
        alpn: None,
        chain: Vec::new(),
        verification: "not_checked".into(),
        insecure: trust.insecure,
        anchor: None,
        client_auth: None,
        alert: None,
        alert_after_handshake: false,
        alpn_retry: None,
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
    let anchors = match lazy_trust(trust) {
        Ok(a) => a,
        Err(detail) => {
            return (
                record,
                Err(TlsEnd::Failed(TlsFailure::HandshakeFailed, detail)),
            )
        }
    };
    let config = match client_config(trust, &anchors, seen.clone(), alpn) {
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
            .connect(server_name.clone(), Sniff::new(tcp))
            .into_fallible(),
    )
    .await;
    let verdict_failure = {
        let seen = lock(&seen);
        record.chain = seen.chain.iter().map(describe_certificate).collect();
        record.verification = match &seen.verdict {
            Some(Ok(())) => "ok".into(),
            Some(Err(e)) => TlsFailure::from_verify_error(e).class().into(),
            None => "not_checked".into(),
        };
        if matches!(seen.verdict, Some(Ok(()))) {
            let level = anchors.level(seen.level).ok().map(|l| &l.anchors);
            record.anchor = level
                .and_then(|l| verifying_anchor(&seen.chain, l))
                .map(|mut a| {
                    if seen.pinned {
                        a.matched_by = "pinned".into();
                    }
                    a
                });
        }
        if seen.cert_requested || trust.client_identity.is_some() {
            record.client_auth = Some(ClientAuthRecord {
                requested: seen.cert_requested,
                sent: seen.cert_sent,
                certificate: trust.client_identity.as_ref().map(|i| i.subject.clone()),
                certificate_issuer: trust.client_identity.as_ref().map(|i| i.issuer.clone()),
                acceptable_issuer_count: seen.issuer_hint_count,
                acceptable_issuers: seen.issuer_hints.clone(),
            });
        }
        match &seen.verdict {
            Some(Err(e)) => Some((
                TlsFailure::from_verify_error(e),
                verify_error_sentence(e, &record.chain),
            )),
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
            record.alert = received_alert(&e);
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
            } else if alpn_refused(&e) {
                (
                    TlsFailure::NoApplicationProtocol,
                    match &record.alert {
                        Some(a) => format!("the server refused the ALPN offer [{ALPN}] with the fatal alert {a}"),
                        None => format!("the server selected an ALPN protocol that was not offered (only {ALPN} was)"),
                    },
                )
            } else if let Some(a) = &record.alert {
                (
                    TlsFailure::HandshakeFailed,
                    format!("the server sent the fatal TLS alert {a} during the handshake"),
                )
            } else {
                (TlsFailure::HandshakeFailed, e.to_string())
            };
            if failure.0 == TlsFailure::NoApplicationProtocol {
                if let Some(addr) = redial {
                    record.alpn_retry =
                        Some(alpn_retry(addr, server_name, trust, &anchors, deadline).await);
                }
            }
            (record, Err(TlsEnd::Failed(failure.0, failure.1)))
        }
    }
}

/// True when the handshake ended over ALPN: the server's `no_application_protocol` alert, or
/// rustls refusing a protocol the server selected without it being offered.
fn alpn_refused(e: &io::Error) -> bool {
    matches!(
        rustls_error(e),
        Some(rustls::Error::AlertReceived(
            AlertDescription::NoApplicationProtocol
        )) | Some(rustls::Error::PeerMisbehaved(
            PeerMisbehaved::SelectedUnofferedApplicationProtocol
        ))
    )
}

/// The controlled difference for a refused ALPN offer: one new connection to the same address
/// and one handshake that changes only the ALPN offer (`h2` alone), stopped right after it.
async fn alpn_retry(
    addr: SocketAddr,
    server_name: ServerName<'static>,
    trust: &TrustConfig,
    anchors: &Arc<LazyTrust>,
    deadline: Instant,
) -> AlpnRetryRecord {
    // Only the ALPN offer changes; the certificate verdict is recorded but does not stop the
    // retry (ALPN is settled before the certificate is checked, and no application byte is sent).
    let lenient = TrustConfig {
        insecure: true,
        ..trust.clone()
    };
    let seen = Arc::new(Mutex::new(Seen::default()));
    let attempt = async {
        let tcp = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("cannot connect to {addr} again: {e}"))?;
        let config = client_config(&lenient, anchors, seen.clone(), &[ALPN_RETRY])?;
        let stream = TlsConnector::from(Arc::new(config))
            .connect(server_name, tcp)
            .await
            .map_err(|e| match received_alert(&e) {
                Some(a) => format!("the server sent the fatal TLS alert {a}"),
                None => e.to_string(),
            })?;
        let (_, conn) = stream.get_ref();
        Ok::<_, String>(
            conn.alpn_protocol()
                .map(|p| String::from_utf8_lossy(p).into_owned()),
        )
    };
    let result = match tokio::time::timeout_at(deadline, attempt).await {
        Ok(r) => r,
        Err(_) => Err("no handshake before the deadline".to_string()),
    };
    let offered = vec![ALPN_RETRY.to_string()];
    let verification = match &lock(&seen).verdict {
        Some(Ok(())) => Some("ok".to_string()),
        Some(Err(e)) => Some(TlsFailure::from_verify_error(e).class().to_string()),
        None => None,
    };
    match result {
        Ok(alpn) => AlpnRetryRecord {
            offered,
            ok: true,
            alpn,
            error: None,
            verification,
        },
        Err(error) => AlpnRetryRecord {
            offered,
            ok: false,
            alpn: None,
            error: Some(error),
            verification,
        },
    }
}

fn client_config(
    trust: &TrustConfig,
    anchors: &Arc<LazyTrust>,
    seen: Arc<Mutex<Seen>>,
    alpn: &[&str],
) -> Result<ClientConfig, String> {
    let provider = provider();
    let verifier = DangerRecordingVerifier {
        trust: anchors.clone(),
        insecure: trust.insecure,
        seen: seen.clone(),
        pinned: Arc::new(trust.extra_roots.clone()),
    };
    let resolver = RecordingClientCert {
        identity: trust.client_identity.as_ref().map(|i| i.key.clone()),
        seen,
    };
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("no usable TLS versions: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_client_cert_resolver(Arc::new(resolver));
    config.alpn_protocols = alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
    Ok(config)
}

fn version_name(v: rustls::ProtocolVersion) -> String {
    match v {
        rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".into(),
        rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".into(),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CertificateInfo;

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

    fn info(subject: &str, issuer: &str, sans: &[&str], self_signed: bool) -> CertificateInfo {
        CertificateInfo {
            subject: subject.into(),
            issuer: issuer.into(),
            sans: sans.iter().map(|s| s.to_string()).collect(),
            not_before: "2026-01-01T00:00:00Z".into(),
            not_after: "2026-02-01T00:00:00Z".into(),
            days_left: -30,
            self_signed,
        }
    }

    #[test]
    fn verification_errors_read_as_sentences_never_as_debug_output() {
        let ss = [info("CN=localhost", "CN=localhost", &[], true)];
        let ca_as_leaf = rustls::Error::InvalidCertificate(CertificateError::Other(
            rustls::OtherError(Arc::new(webpki::Error::CaUsedAsEndEntity)),
        ));
        let lone = [info("CN=a.test", "CN=Private CA", &["a.test"], false)];
        let cases: Vec<(rustls::Error, &[CertificateInfo], &str)> = vec![
            (ca_as_leaf.clone(), &ss, "CN=localhost is self-signed and marked as a CA"),
            (
                rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer),
                &ss,
                "CN=localhost is self-signed (its own issuer)",
            ),
            (
                rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer),
                &lone,
                "issued by CN=Private CA, which is not a trusted CA, and the server sent no intermediate certificates",
            ),
            (
                rustls::Error::InvalidCertificate(CertificateError::Expired),
                &lone,
                "CN=a.test expired on 2026-02-01T00:00:00Z",
            ),
            (
                rustls::Error::InvalidCertificate(CertificateError::NotValidForNameContext {
                    expected: ServerName::try_from("b.test").unwrap(),
                    presented: vec!["a.test".into()],
                }),
                &lone,
                "CN=a.test is for a.test, not for b.test",
            ),
            (
                rustls::Error::InvalidCertificate(CertificateError::Other(rustls::OtherError(
                    Arc::new(webpki::Error::UnsupportedCertVersion),
                ))),
                &lone,
                "CN=a.test cannot be trusted: unsupported cert version",
            ),
        ];
        for (e, chain, want) in cases {
            let got = verify_error_sentence(&e, chain);
            assert!(got.contains(want), "{e:?}: {got}");
            for debug in ["Other(", "OtherError", "CaUsedAsEndEntity", "Context {"] {
                assert!(!got.contains(debug), "{got}");
            }
        }
        // The issue's case, as it used to print.
        assert_eq!(
            TlsFailure::from_verify_error(&ca_as_leaf).class(),
            "untrusted_certificate"
        );
    }

    #[test]
    fn alerts_are_named_as_in_rfc_8446() {
        assert_eq!(
            alert_name(AlertDescription::CertificateRequired),
            "certificate_required"
        );
        assert_eq!(alert_name(AlertDescription::UnknownCA), "unknown_ca");
        assert_eq!(
            alert_name(AlertDescription::NoApplicationProtocol),
            "no_application_protocol"
        );
        assert_eq!(alert_name(AlertDescription::Unknown(200)), "alert_200");
        let wrapped = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::AlertReceived(AlertDescription::BadCertificate),
        );
        assert_eq!(received_alert(&wrapped).as_deref(), Some("bad_certificate"));
        let plain = io::Error::new(io::ErrorKind::ConnectionReset, "reset");
        assert_eq!(received_alert(&plain), None);
    }

    #[test]
    fn der_sequence_uses_short_and_long_lengths() {
        assert_eq!(der_sequence(&[1, 2]), vec![0x30, 2, 1, 2]);
        let long = der_sequence(&[0u8; 300]);
        assert_eq!(&long[..4], &[0x30, 0x82, 0x01, 0x2c]);
        assert_eq!(long.len(), 304);
    }

    /// A CA named `name` and a leaf it signs.
    fn ca_and_leaf(name: &str) -> (CertificateDer<'static>, CertificateDer<'static>) {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let key = KeyPair::generate().unwrap();
        let ca = params.self_signed(&key).unwrap();
        let issuer = Issuer::from_params(&params, &key);
        let leaf_key = KeyPair::generate().unwrap();
        let leaf = CertificateParams::new(vec!["a.test".to_string()])
            .unwrap()
            .signed_by(&leaf_key, &issuer)
            .unwrap();
        (ca.der().clone(), leaf.der().clone())
    }

    fn anchors_of(certs: &[(&CertificateDer<'static>, &str)]) -> Anchors {
        let mut store = rustls::RootCertStore::empty();
        let mut sources = Vec::new();
        for (c, source) in certs {
            store.add((*c).clone()).unwrap();
            sources.push(source.to_string());
        }
        Anchors {
            store: Arc::new(store),
            sources: Arc::new(sources),
        }
    }

    #[test]
    fn the_verifying_anchor_is_the_one_whose_key_signed_the_chain() {
        let (ca, leaf) = ca_and_leaf("lab CA");
        // Another CA with the same name but its own key: a name match only.
        let (decoy, _) = ca_and_leaf("lab CA");
        let anchors = anchors_of(&[(&ca, "webpki-roots"), (&decoy, "--cacert decoy.pem")]);
        let found = verifying_anchor(std::slice::from_ref(&leaf), &anchors).unwrap();
        assert_eq!(found.subject, "CN=lab CA");
        assert_eq!(found.source, "webpki-roots");
        assert_eq!(found.matched_by, "signature");
        // Only the decoy: the name matches, the signature does not, and the record says so.
        let only_decoy = anchors_of(&[(&decoy, "--cacert decoy.pem")]);
        let weak = verifying_anchor(std::slice::from_ref(&leaf), &only_decoy).unwrap();
        assert_eq!(weak.matched_by, "subject");
        // No anchor with that name at all.
        let (other, _) = ca_and_leaf("other CA");
        assert!(verifying_anchor(&[leaf], &anchors_of(&[(&other, "x")])).is_none());
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
