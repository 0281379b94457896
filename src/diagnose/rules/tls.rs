//! tls rules: the TLS handshake failed, classified by the verifier's verdict.

use super::Verdict;
use crate::diagnose::cause::Cause;
use crate::diagnose::evidence::{cite, Facts};
use crate::model::{Outcome, Stage};

/// A TLS failure of the baseline, by class (expired and not-yet-valid share a cause).
pub fn tls_failed(f: &Facts) -> Option<Verdict> {
    let b = f.base()?;
    let (cause, summary, next) = match &b.outcome {
        Outcome::TlsError { error, .. } => match error.as_str() {
            "untrusted_certificate" => (
                Cause::TlsUntrustedCertificate,
                "the certificate chain does not lead to a trusted root",
                "serve the full chain (leaf + intermediates), or pass --cacert for a private CA",
            ),
            "expired_certificate" | "not_yet_valid" => (
                Cause::TlsExpiredCertificate,
                "the certificate is outside its validity period",
                "renew the certificate (and check the server clock for not-yet-valid)",
            ),
            "hostname_mismatch" => (
                Cause::TlsHostnameMismatch,
                "the certificate does not name this host",
                "use the host name the certificate is issued for, or add it to the certificate's SANs",
            ),
            "not_tls" => (
                Cause::TlsNotTls,
                "the port answered in plain HTTP to a TLS ClientHello (wss:// to an http port)",
                "use ws:// for this port, or the TLS port for wss://",
            ),
            _ => (
                Cause::TlsHandshakeFailed,
                "the TLS handshake failed",
                "check the server's TLS versions and cipher suites (wsdoctor offers TLS 1.2 and 1.3)",
            ),
        },
        Outcome::Timeout { stage: Stage::Tls } => (
            Cause::TlsHandshakeFailed,
            "the TLS handshake did not finish in time",
            "check that the port speaks TLS and is not behind a filtering middlebox",
        ),
        _ => return None,
    };
    let mut v = Verdict::new(cause, 0.95, summary)
        .because(cite(b))
        .next(next);
    if let Some(tls) = &b.tls {
        if let Some(leaf) = tls.chain.first() {
            v = v.because(format!(
                "certificate {} issued by {}, valid {} to {} ({} days left), names: {}",
                leaf.subject,
                leaf.issuer,
                leaf.not_before,
                leaf.not_after,
                leaf.days_left,
                leaf.sans.join(", ")
            ));
        }
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::rules::testkit::*;

    #[test]
    fn tls_classes_map_to_causes() {
        for (err, cause) in [
            ("untrusted_certificate", Cause::TlsUntrustedCertificate),
            ("expired_certificate", Cause::TlsExpiredCertificate),
            ("not_yet_valid", Cause::TlsExpiredCertificate),
            ("hostname_mismatch", Cause::TlsHostnameMismatch),
            ("not_tls", Cause::TlsNotTls),
            ("handshake_failed", Cause::TlsHandshakeFailed),
        ] {
            let r = run(vec![attempt("baseline").tls(err)]).build();
            assert_eq!(
                tls_failed(&Facts::new(&r)).map(|v| v.cause),
                Some(cause),
                "{err}"
            );
        }
        let near_miss = run(vec![attempt("baseline").tcp("refused")]).build();
        assert!(tls_failed(&Facts::new(&near_miss)).is_none());
    }
}
