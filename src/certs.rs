//! certs: what a certificate says (subject, issuer, names, validity) and the one rustls crypto
//! provider. A leaf shared by `config` (describing `--cert`, building the client key) and `probe`
//! (the peer chain): neither needs the other for it. No I/O.

use std::net::IpAddr;
use std::sync::{Arc, OnceLock};

use rustls::crypto::CryptoProvider;
use rustls::pki_types::CertificateDer;

use crate::model::CertificateInfo;

/// The one crypto provider (ring), shared by the handshake and `--cert` loading.
pub fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
        .clone()
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
                self_signed: cert.subject().as_raw() == cert.issuer().as_raw()
                    && cert.verify_signature(None).is_ok(),
            }
        }
        Err(e) => CertificateInfo {
            subject: format!("(unparsable certificate: {e})"),
            issuer: String::new(),
            sans: Vec::new(),
            not_before: String::new(),
            not_after: String::new(),
            days_left: 0,
            self_signed: false,
        },
    }
}

pub(crate) fn ip_from_bytes(b: &[u8]) -> Option<IpAddr> {
    match b.len() {
        4 => <[u8; 4]>::try_from(b).ok().map(IpAddr::from),
        16 => <[u8; 16]>::try_from(b).ok().map(IpAddr::from),
        _ => None,
    }
}

pub(crate) fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}
