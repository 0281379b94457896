//! tls rules: the TLS handshake failed, classified by the verifier's verdict; and TLS findings
//! on a handshake that worked (a leaf that expires soon).

use super::Verdict;
use crate::diagnose::cause::Cause;
use crate::diagnose::evidence::{cite, Facts};
use crate::model::{Finding, Outcome, Severity, Stage};

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

/// A leaf with this many days left or fewer is reported as expiring soon.
pub const EXPIRING_SOON_DAYS: i64 = 14;

/// Findings from the TLS record of the baseline: a verified leaf that expires within
/// `EXPIRING_SOON_DAYS` (warning). Not repeated when the verdict is already about the certificate.
pub fn findings(f: &Facts, verdict: Cause) -> Vec<Finding> {
    let Some(b) = f.base() else {
        return Vec::new();
    };
    let Some(leaf) = b.tls.as_ref().and_then(|t| t.chain.first()) else {
        return Vec::new();
    };
    if verdict == Cause::TlsExpiredCertificate
        || !(0..=EXPIRING_SOON_DAYS).contains(&leaf.days_left)
    {
        return Vec::new();
    }
    vec![Finding {
        cause: Cause::TlsExpiringSoon,
        severity: Severity::Warning,
        summary: format!(
            "the certificate expires in {} day(s) ({}): renew it before clients start refusing the handshake",
            leaf.days_left, leaf.not_after
        ),
        evidence: vec![format!(
            "leaf {} issued by {}, valid {} to {} ({} days left, threshold {EXPIRING_SOON_DAYS})",
            leaf.subject, leaf.issuer, leaf.not_before, leaf.not_after, leaf.days_left
        )],
    }]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::rules::testkit::*;
    use crate::model::{CertificateInfo, TlsRecord};

    fn with_leaf(days_left: i64) -> crate::model::Run {
        let mut b = attempt("baseline").upgraded();
        b.tls = Some(TlsRecord {
            sni: Some("app.test".into()),
            alpn_offered: vec!["http/1.1".into()],
            version: Some("TLSv1.3".into()),
            alpn: Some("http/1.1".into()),
            chain: vec![CertificateInfo {
                subject: "CN=app.test".into(),
                issuer: "CN=lab CA".into(),
                sans: vec!["app.test".into()],
                not_before: "2026-01-01T00:00:00Z".into(),
                not_after: "2026-12-01T00:00:00Z".into(),
                days_left,
            }],
            verification: "ok".into(),
            insecure: false,
        });
        run(vec![b]).build()
    }

    #[test]
    fn a_leaf_expiring_within_14_days_is_a_warning_finding() {
        let r = with_leaf(7);
        let found = findings(&Facts::new(&r), Cause::Healthy);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].cause, Cause::TlsExpiringSoon);
        assert_eq!(found[0].severity, Severity::Warning);
        assert!(found[0].summary.contains("expires in 7 day(s)"));
        assert_eq!(
            findings(&Facts::new(&with_leaf(14)), Cause::Healthy).len(),
            1
        );
    }

    #[test]
    fn near_miss_no_expiry_finding_for_15_days_or_an_expired_verdict() {
        assert!(findings(&Facts::new(&with_leaf(15)), Cause::Healthy).is_empty());
        assert!(findings(&Facts::new(&with_leaf(-3)), Cause::TlsExpiredCertificate).is_empty());
        assert!(findings(&Facts::new(&with_leaf(-3)), Cause::Healthy).is_empty());
    }

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
