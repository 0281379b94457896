//! tls rules: client certificates (mTLS) required or refused, an `h2`-only server, the TLS
//! handshake failed (classified by the verifier's verdict); and TLS findings on a handshake that
//! worked (a leaf that expires soon).

use super::Verdict;
use crate::diagnose::cause::Cause;
use crate::diagnose::evidence::Facts;
use crate::diagnose::fact::tls::{AlpnRetryResult, Leaf, NginxCertPage, TlsFact};
use crate::diagnose::fact::Fact;
use crate::model::FailureClass;
use crate::model::{AttemptRecord, ClientAuthRecord, Finding, Outcome, Severity, Stage, TlsRecord};

/// nginx's default 400 page when `ssl_verify_client on` finds no certificate: nginx completes the
/// handshake whatever the client sent and checks the verdict per request (its 496 code, shown as
/// this 400 page).
pub const NGINX_NO_CERT: &str = "No required SSL certificate was sent";
/// nginx's default 400 page when the client certificate failed verification (its 495 code).
pub const NGINX_CERT_ERROR: &str = "The SSL certificate error";

/// True when a body is one of nginx's client-certificate error pages (400 with "No required SSL
/// certificate was sent" or "The SSL certificate error").
pub fn is_client_cert_page(body: &str) -> bool {
    body.contains(NGINX_NO_CERT) || body.contains(NGINX_CERT_ERROR)
}

/// Fatal alerts a server sends when client authentication fails (RFC 8446 §6.2): no certificate
/// (`certificate_required`; TLS 1.2 servers and some stacks send `handshake_failure`), or one it
/// refuses (`bad_certificate`, `unknown_ca`, `certificate_unknown`, …).
const CLIENT_AUTH_ALERTS: &[&str] = &[
    "certificate_required",
    "handshake_failure",
    "bad_certificate",
    "unsupported_certificate",
    "certificate_revoked",
    "certificate_expired",
    "certificate_unknown",
    "unknown_ca",
    "access_denied",
    "decrypt_error",
];

/// What the baseline shows about client authentication failing.
enum AuthSignal {
    /// A fatal client-auth alert (during the handshake, or on the first read after it).
    Alert(&'static str, bool),
    /// nginx's 400 page naming a missing certificate.
    NginxNoCert,
    /// nginx's 400 page naming a certificate error.
    NginxCertError,
    /// The connection ended right after the server asked (no alert read, no answer).
    Dropped,
}

fn auth_signal(b: &AttemptRecord, tls: Option<&TlsRecord>) -> Option<AuthSignal> {
    match &b.outcome {
        Outcome::TlsError { .. } => match tls?.alert.as_deref() {
            Some(a) => CLIENT_AUTH_ALERTS.iter().find(|x| **x == a).map(|alert| {
                AuthSignal::Alert(alert, tls.is_some_and(|t| t.alert_after_handshake))
            }),
            // No alert read: the server closed while the client was still writing its flight
            // (the write fails first: broken pipe or reset). Only for an unclassified failure,
            // never for a certificate verdict of our own.
            None if b.outcome.class() == Some(FailureClass::HandshakeFailed) => {
                Some(AuthSignal::Dropped)
            }
            _ => None,
        },
        Outcome::Rejected {
            status: 400,
            body_excerpt,
            ..
        } => {
            if body_excerpt.contains(NGINX_NO_CERT) {
                Some(AuthSignal::NginxNoCert)
            } else if body_excerpt.contains(NGINX_CERT_ERROR) {
                Some(AuthSignal::NginxCertError)
            } else {
                None
            }
        }
        Outcome::ProtocolViolation { .. }
            if matches!(
                b.outcome.class(),
                Some(FailureClass::ConnectionReset | FailureClass::ConnectionClosed)
            ) =>
        {
            Some(AuthSignal::Dropped)
        }
        _ => None,
    }
}

fn request_line(auth: &ClientAuthRecord) -> TlsFact {
    TlsFact::CertificateRequest {
        issuer_count: auth.acceptable_issuer_count,
        issuers: auth.acceptable_issuers.clone(),
    }
}

/// The server asked for a client certificate and refused the connection without one, or refused
/// the one that was sent. Derived from what the TLS record says (requested, sent) and how the
/// attempt ended: a client-auth alert (in TLS 1.3 often only on the first read after the
/// handshake), nginx's 400 pages, or a drop right after a request that got no certificate.
pub fn client_cert(f: &Facts) -> Option<Verdict> {
    let b = f.base()?;
    // nginx's pages alone decide (an explained response has no TLS record); the rest needs one.
    let tls = b.tls.as_ref();
    let signal = auth_signal(b, tls)?;
    let auth = tls.and_then(|t| t.client_auth.as_ref());
    let requested = auth.is_some_and(|a| a.requested);
    let sent = auth.is_some_and(|a| a.sent);
    let (cause, confidence, how) = match (&signal, sent) {
        (AuthSignal::NginxNoCert, false) => (
            Cause::TlsClientCertRequired,
            0.95,
            TlsFact::NginxCertPage {
                page: NginxCertPage::NoCertificate,
            },
        ),
        (AuthSignal::NginxCertError, true) => (
            Cause::TlsClientCertRejected,
            0.95,
            TlsFact::NginxCertPage {
                page: NginxCertPage::CertificateError,
            },
        ),
        (AuthSignal::Alert(a, after), _) if requested => {
            let line = TlsFact::ClientAuthAlert {
                alert: a,
                after_handshake: *after,
            };
            if sent {
                (Cause::TlsClientCertRejected, 0.9, line)
            } else {
                let c = if *a == "certificate_required" {
                    0.95
                } else {
                    0.85
                };
                (Cause::TlsClientCertRequired, c, line)
            }
        }
        (AuthSignal::Dropped, false) if requested => (
            Cause::TlsClientCertRequired,
            0.7,
            TlsFact::DroppedAfterRequest {
                attempt: b.variant.id.clone(),
            },
        ),
        _ => return None,
    };
    let summary = match cause {
        Cause::TlsClientCertRequired => {
            "the server requires a client certificate (mTLS) and none was sent"
        }
        _ => "the server refused the client certificate that was sent",
    };
    let mut v = Verdict::new(cause, confidence, summary)
        .because(Fact::cited(b))
        .because(how);
    if let Some(auth) = auth.filter(|a| a.requested) {
        v = v.because(request_line(auth));
    }
    match auth.and_then(|a| a.certificate.as_ref().map(|c| (a, c))) {
        Some((a, subject)) => {
            let issuer = a.certificate_issuer.as_deref().unwrap_or("?");
            let issuer_not_listed = a.acceptable_issuer_count > 0
                && a.acceptable_issuers.len() == a.acceptable_issuer_count
                && !a.acceptable_issuers.iter().any(|i| i == issuer);
            v = v.because(TlsFact::ClientCertificate {
                subject: subject.clone(),
                issuer: issuer.to_string(),
                sent: a.sent,
                issuer_not_listed,
            });
        }
        None if tls.is_some() => v = v.because(TlsFact::NoClientCertificate),
        None => {}
    }
    let next = match cause {
        Cause::TlsClientCertRequired => {
            "run again with --cert client.pem --key client.key (a certificate from an acceptable issuer)"
        }
        _ => "check the certificate's issuer against the server's client CA (nginx ssl_client_certificate), its dates and its clientAuth usage",
    };
    Some(v.next(next))
}

/// The server refused the `http/1.1` ALPN offer (or picked a protocol that was not offered);
/// the controlled retry offering `h2` alone tells whether it speaks only HTTP/2.
pub fn alpn_h2_only(f: &Facts) -> Option<Verdict> {
    let b = f.base()?;
    match &b.outcome {
        Outcome::TlsError { .. }
            if b.outcome.class() == Some(FailureClass::NoApplicationProtocol) => {}
        _ => return None,
    }
    let tls = b.tls.as_ref()?;
    let refusal = TlsFact::AlpnRefused {
        offered: tls.alpn_offered.clone(),
        alert: tls.alert.clone(),
    };
    let retried = |r: &crate::model::AlpnRetryRecord, result| TlsFact::AlpnRetry {
        offered: r.offered.clone(),
        result,
    };
    let (confidence, retry_line) = match &tls.alpn_retry {
        Some(r) if r.ok && r.alpn.as_deref() == Some("h2") => {
            (0.95, retried(r, AlpnRetryResult::SelectedH2))
        }
        Some(r) if r.ok => (
            0.6,
            retried(
                r,
                AlpnRetryResult::Completed {
                    alpn: r.alpn.clone(),
                },
            ),
        ),
        Some(r) => (
            0.5,
            retried(
                r,
                AlpnRetryResult::Failed {
                    error: r.error.clone(),
                },
            ),
        ),
        None => (0.75, TlsFact::AlpnNotRetried),
    };
    let mut v = Verdict::new(
        Cause::TlsAlpnH2Only,
        confidence,
        "WebSocket over HTTP/1.1 cannot start: the server only speaks HTTP/2 (RFC 8441 extended CONNECT needed, or enable http/1.1 in its ALPN)",
    )
    .because(Fact::cited(b))
    .because(refusal)
    .because(retry_line)
    .next("enable http/1.1 next to h2 in the server's ALPN list, then probe again");
    if let Some(check) = tls
        .alpn_retry
        .as_ref()
        .and_then(|r| r.verification.as_deref())
        .filter(|c| *c != "ok")
    {
        v = v.because(TlsFact::RetryCertificateUnverified {
            check: check.to_string(),
        });
    }
    if confidence < 0.9 {
        v = v.or(
            Cause::TlsHandshakeFailed,
            "the retry offering h2 did not confirm an HTTP/2-only server",
        );
    }
    Some(v)
}

/// A TLS failure of the baseline, by class (expired and not-yet-valid share a cause).
pub fn tls_failed(f: &Facts) -> Option<Verdict> {
    let b = f.base()?;
    let (cause, summary, next) = match &b.outcome {
        Outcome::TlsError { .. } => match b.outcome.class() {
            Some(FailureClass::UntrustedCertificate) if presents_self_signed(b) => (
                Cause::TlsSelfSignedCertificate,
                "the certificate is self-signed: it is its own issuer, and no trusted CA vouches for it",
                "trust it on purpose with --cacert <the certificate's PEM>, or serve a certificate from a trusted CA",
            ),
            Some(FailureClass::UntrustedCertificate) => (
                Cause::TlsUntrustedCertificate,
                "the certificate chain does not lead to a trusted root",
                "serve the full chain (leaf + intermediates), or pass --cacert for a private CA",
            ),
            Some(FailureClass::ExpiredCertificate | FailureClass::NotYetValid) => (
                Cause::TlsExpiredCertificate,
                "the certificate is outside its validity period",
                "renew the certificate (and check the server clock for not-yet-valid)",
            ),
            Some(FailureClass::HostnameMismatch) => (
                Cause::TlsHostnameMismatch,
                "the certificate does not name this host",
                "use the host name the certificate is issued for, or add it to the certificate's SANs",
            ),
            Some(FailureClass::NotTls) => (
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
    // A handshake that ended without a word: the same port's plaintext answer says it speaks
    // plain HTTP (Python `websockets` closes on a ClientHello; others answer it in plaintext).
    let other = f
        .run
        .other_scheme
        .as_deref()
        .filter(|o| port_speaks_plaintext(b, o));
    let (cause, summary, next) = match other {
        Some(_) if cause == Cause::TlsHandshakeFailed && matches!(b.outcome, Outcome::TlsError { .. }) => (
            Cause::TlsNotTls,
            "the port ended the TLS handshake and answers plain HTTP: it speaks plaintext (wss:// to an http port)",
            "use ws:// for this port, or the TLS port for wss://",
        ),
        _ => (cause, summary, next),
    };
    let mut v = Verdict::new(cause, 0.95, summary)
        .because(Fact::cited(b))
        .next(next);
    if let Some(o) = other.filter(|_| cause == Cause::TlsNotTls) {
        v = v.because(TlsFact::PlaintextAnswer {
            attempt: o.variant.id.clone(),
        });
    }
    if let Some(tls) = &b.tls {
        if let Some(leaf) = tls.chain.first() {
            v = v.because(TlsFact::Certificate {
                leaf: Leaf::of(leaf),
                sans: leaf.sans.clone(),
            });
        }
    }
    Some(v)
}

/// True when the server presented one certificate and it is self-signed (its own issuer, its
/// signature verified with its own key): no chain to complete, no intermediate missing.
fn presents_self_signed(a: &AttemptRecord) -> bool {
    a.tls
        .as_ref()
        .is_some_and(|t| t.chain.len() == 1 && t.chain[0].self_signed)
}

/// True when an attempt's TLS stage got the server's side of a handshake: a negotiated version
/// or a certificate (one the client refused still proves that the port speaks TLS).
pub fn spoke_tls(a: &AttemptRecord) -> bool {
    a.tls
        .as_ref()
        .is_some_and(|t| t.version.is_some() || !t.chain.is_empty())
}

/// True when an attempt got an HTTP answer (a status line), whatever its status.
pub fn spoke_http(a: &AttemptRecord) -> bool {
    a.response.is_some() || a.outcome.status().is_some()
}

/// True when a `wss://` baseline's port speaks plaintext: its TLS handshake ended without a word of
/// TLS from the server (no alert, no version, no certificate) and the same port sent plaintext
/// (`other`) answered in HTTP — not with a TLS listener's own page for plaintext, which a TLS
/// server with a handshake problem of its own would send.
pub fn port_speaks_plaintext(base: &AttemptRecord, other: &AttemptRecord) -> bool {
    let tls_word = base
        .tls
        .as_ref()
        .is_some_and(|t| t.alert.is_some() || t.version.is_some() || !t.chain.is_empty());
    !other.url.starts_with("wss://")
        && !tls_word
        && spoke_http(other)
        && !is_plaintext_refusal_page(other)
}

/// True when an attempt's answer is a TLS listener's page for a plaintext request.
pub fn is_plaintext_refusal_page(a: &AttemptRecord) -> bool {
    match &a.outcome {
        Outcome::Rejected { body_excerpt, .. } => {
            let body = body_excerpt.to_ascii_lowercase();
            PLAINTEXT_TO_TLS_PAGES.iter().any(|p| body.contains(p))
        }
        _ => false,
    }
}

/// What TLS listeners answer a plaintext request with, in their own words: nginx ("The plain HTTP
/// request was sent to HTTPS port"), Apache ("You're speaking plain HTTP to an SSL-enabled server
/// port"), Go's net/http as in Caddy ("Client sent an HTTP request to an HTTPS server"). Support
/// only: OpenSSL-based listeners (HAProxy, Node) just close, and the TLS handshake decides.
const PLAINTEXT_TO_TLS_PAGES: &[&str] = &[
    "plain http request was sent to https port",
    "speaking plain http to an ssl-enabled server port",
    "client sent an http request to an https server",
];

/// `ws://` to a port that speaks TLS: the baseline's plaintext request was refused (a 400, a
/// close, a TLS alert read as garbage) and the same port, sent a ClientHello
/// (`control.other_scheme`), answered with a TLS handshake. The engine then holds every other
/// plaintext attempt to the baseline's answer: a TLS listener answers all plaintext alike.
pub fn plaintext_to_tls_port(f: &Facts) -> Option<Verdict> {
    let b = f.base()?;
    let other = f.run.other_scheme.as_deref()?;
    if !other.url.starts_with("wss://") || !spoke_tls(other) {
        return None;
    }
    let page = is_plaintext_refusal_page(b);
    let tls = other.tls.as_ref()?;
    let mut v = Verdict::new(
        Cause::TlsPlaintextToTlsPort,
        if page { 0.95 } else { 0.9 },
        "the port speaks TLS: ws:// sent it plaintext (use wss://)",
    )
    .because(Fact::cited(b))
    .because(TlsFact::TlsOnSamePort {
        attempt: other.variant.id.clone(),
        version: tls.version.clone(),
        certificate: tls.chain.first().map(|leaf| leaf.subject.clone()),
        verification: tls.verification.clone(),
    })
    .next(format!("probe {} instead", other.url));
    if page {
        v = v.because(TlsFact::PlaintextRefusalPage);
    }
    if other.outcome.status().is_some() {
        v = v.because(TlsFact::OverTls {
            attempt: other.variant.id.clone(),
        });
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
    let Some(tls) = b.tls.as_ref() else {
        return Vec::new();
    };
    let Some(leaf) = tls.chain.first() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    // A leaf trusted with a name in its CN only: curl and wsdoctor accept it (RFC 6125's legacy
    // fallback when there is no subjectAltName), Chrome (since 58) and Firefox (since 48) refuse
    // it as ERR_CERT_COMMON_NAME_INVALID / SSL_ERROR_BAD_CERT_DOMAIN.
    if tls.verification == "ok" && leaf.sans.is_empty() {
        out.push(Finding {
            cause: Cause::TlsNameOnlyInCn,
            severity: Severity::Warning,
            summary: format!(
                "{} names its host only in the CN, with no subjectAltName: curl and wsdoctor accept it, Chrome and Firefox refuse the connection (ERR_CERT_COMMON_NAME_INVALID); reissue it with the name as a SAN (openssl req -x509 … -addext subjectAltName=DNS:<host>)",
                leaf.subject
            ),
            evidence: vec![TlsFact::NoSubjectAltNames {
                subject: leaf.subject.clone(),
                issuer: leaf.issuer.clone(),
            }
            .words(f)],
        });
    }
    if verdict == Cause::TlsExpiredCertificate
        || !(0..=EXPIRING_SOON_DAYS).contains(&leaf.days_left)
    {
        return out;
    }
    out.push(Finding {
        cause: Cause::TlsExpiringSoon,
        severity: Severity::Warning,
        summary: format!(
            "the certificate expires in {} ({}): renew it before clients start refusing the handshake",
            crate::wording::count(leaf.days_left, "day", "days"), leaf.not_after
        ),
        evidence: vec![TlsFact::ExpiringSoon {
            leaf: Leaf::of(leaf),
            threshold_days: EXPIRING_SOON_DAYS,
        }
        .words(f)],
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::rules::testkit::*;
    use crate::model::{AlpnRetryRecord, CertificateInfo};

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
                self_signed: false,
            }],
            verification: "ok".into(),
            insecure: false,
            anchor: None,
            client_auth: None,
            alert: None,
            alert_after_handshake: false,
            alpn_retry: None,
        });
        run(vec![b]).build()
    }

    fn tls_record() -> TlsRecord {
        TlsRecord {
            sni: Some("app.test".into()),
            alpn_offered: vec!["http/1.1".into()],
            version: None,
            alpn: None,
            chain: Vec::new(),
            verification: "ok".into(),
            insecure: false,
            anchor: None,
            client_auth: None,
            alert: None,
            alert_after_handshake: false,
            alpn_retry: None,
        }
    }

    fn auth(requested: bool, sent: bool, cert: Option<&str>) -> ClientAuthRecord {
        ClientAuthRecord {
            requested,
            sent,
            certificate: cert.map(str::to_string),
            certificate_issuer: cert.map(|_| "CN=other CA".to_string()),
            acceptable_issuer_count: 1,
            acceptable_issuers: vec!["CN=client CA".into()],
        }
    }

    /// A baseline with this outcome and TLS record.
    fn with_tls(mut b: AttemptRecord, tls: TlsRecord) -> crate::model::Run {
        b.tls = Some(tls);
        run(vec![b]).build()
    }

    fn alerted(alert: &str, after: bool, auth_rec: Option<ClientAuthRecord>) -> TlsRecord {
        TlsRecord {
            alert: Some(alert.into()),
            alert_after_handshake: after,
            client_auth: auth_rec,
            ..tls_record()
        }
    }

    #[test]
    fn tls_client_cert_required_from_an_alert_after_the_handshake_or_in_it() {
        for (alert, after) in [("certificate_required", true), ("handshake_failure", false)] {
            let r = with_tls(
                attempt("baseline").tls("handshake_failed"),
                alerted(alert, after, Some(auth(true, false, None))),
            );
            let v = client_cert(&Facts::new(&r)).expect(alert);
            assert_eq!(v.cause, Cause::TlsClientCertRequired, "{alert}");
            assert_eq!(
                v.evidence[1..],
                [
                    Fact::Tls(TlsFact::ClientAuthAlert {
                        alert,
                        after_handshake: after
                    }),
                    Fact::Tls(TlsFact::CertificateRequest {
                        issuer_count: 1,
                        issuers: vec!["CN=client CA".into()]
                    }),
                    Fact::Tls(TlsFact::NoClientCertificate),
                ],
                "{alert}"
            );
        }
    }

    #[test]
    fn tls_client_cert_required_from_nginx_400_page() {
        let r = with_tls(
            attempt("baseline").rejected(
                400,
                "<html><head><title>400 No required SSL certificate was sent</title></head>",
            ),
            TlsRecord {
                client_auth: Some(auth(true, false, None)),
                ..tls_record()
            },
        );
        let v = client_cert(&Facts::new(&r)).unwrap();
        assert_eq!(v.cause, Cause::TlsClientCertRequired);
        assert!(v.confidence >= 0.9);
    }

    #[test]
    fn tls_client_cert_required_from_nginx_400_page_without_a_tls_record() {
        // An explained response (pasted from a browser or curl) carries no TLS record.
        let r = run(vec![attempt("baseline").rejected(
            400,
            "<center><h1>400 Bad Request</h1></center>\n<center>No required SSL certificate was sent</center>",
        )])
        .build();
        let v = client_cert(&Facts::new(&r)).unwrap();
        assert_eq!(v.cause, Cause::TlsClientCertRequired);
        assert_eq!(
            v.evidence,
            vec![
                Fact::Cited {
                    attempt: "baseline".into()
                },
                Fact::Tls(TlsFact::NginxCertPage {
                    page: NginxCertPage::NoCertificate
                }),
            ]
        );
    }

    #[test]
    fn tls_client_cert_rejected_from_an_alert_or_nginx_400_page() {
        let r = with_tls(
            attempt("baseline").tls("handshake_failed"),
            alerted("unknown_ca", true, Some(auth(true, true, Some("CN=me")))),
        );
        let v = client_cert(&Facts::new(&r)).unwrap();
        assert_eq!(v.cause, Cause::TlsClientCertRejected);
        assert!(
            v.evidence.contains(&Fact::Tls(TlsFact::ClientCertificate {
                subject: "CN=me".into(),
                issuer: "CN=other CA".into(),
                sent: true,
                issuer_not_listed: true,
            })),
            "{:?}",
            v.evidence
        );
        let r = with_tls(
            attempt("baseline").rejected(400, "<title>400 The SSL certificate error</title>"),
            TlsRecord {
                client_auth: Some(auth(true, true, Some("CN=me"))),
                ..tls_record()
            },
        );
        assert_eq!(
            client_cert(&Facts::new(&r)).map(|v| v.cause),
            Some(Cause::TlsClientCertRejected)
        );
    }

    #[test]
    fn near_miss_no_client_cert_cause_without_a_request_or_a_client_auth_signal() {
        // An alert, but the server never asked for a certificate.
        let r = with_tls(
            attempt("baseline").tls("handshake_failed"),
            alerted("handshake_failure", false, None),
        );
        assert!(client_cert(&Facts::new(&r)).is_none());
        // The server asked (ssl_verify_client optional) and the upgrade worked.
        let r = with_tls(
            attempt("baseline").upgraded(),
            TlsRecord {
                client_auth: Some(auth(true, false, None)),
                ..tls_record()
            },
        );
        assert!(client_cert(&Facts::new(&r)).is_none());
        // Our own verdict on the server's certificate, while the server also asked for one.
        let r = with_tls(
            attempt("baseline").tls("expired_certificate"),
            TlsRecord {
                client_auth: Some(auth(true, false, None)),
                ..tls_record()
            },
        );
        assert!(client_cert(&Facts::new(&r)).is_none());
        // A plain 400 that is not nginx's certificate page.
        let r = with_tls(
            attempt("baseline").rejected(400, "Bad Request"),
            TlsRecord {
                client_auth: Some(auth(true, false, None)),
                ..tls_record()
            },
        );
        assert!(client_cert(&Facts::new(&r)).is_none());
        // nginx's "no certificate" page while one was sent does not say "required".
        let r = with_tls(
            attempt("baseline").rejected(400, "400 No required SSL certificate was sent"),
            TlsRecord {
                client_auth: Some(auth(true, true, Some("CN=me"))),
                ..tls_record()
            },
        );
        assert!(client_cert(&Facts::new(&r)).is_none());
    }

    fn alpn_refused(retry: Option<AlpnRetryRecord>) -> crate::model::Run {
        with_tls(
            attempt("baseline").tls("no_application_protocol"),
            TlsRecord {
                alert: Some("no_application_protocol".into()),
                alpn_retry: retry,
                ..tls_record()
            },
        )
    }

    #[test]
    fn tls_alpn_h2_only_when_h2_succeeds_and_http11_fails() {
        let r = alpn_refused(Some(AlpnRetryRecord {
            offered: vec!["h2".into()],
            ok: true,
            alpn: Some("h2".into()),
            error: None,
            verification: Some("ok".into()),
        }));
        let v = alpn_h2_only(&Facts::new(&r)).unwrap();
        assert_eq!(v.cause, Cause::TlsAlpnH2Only);
        assert!(v.confidence >= 0.9);
        assert_eq!(
            v.evidence[1..],
            [
                Fact::Tls(TlsFact::AlpnRefused {
                    offered: vec!["http/1.1".into()],
                    alert: Some("no_application_protocol".into()),
                }),
                Fact::Tls(TlsFact::AlpnRetry {
                    offered: vec!["h2".into()],
                    result: AlpnRetryResult::SelectedH2,
                }),
            ]
        );
    }

    #[test]
    fn near_miss_alpn_refusal_without_a_working_h2_retry_is_less_sure() {
        let r = alpn_refused(Some(AlpnRetryRecord {
            offered: vec!["h2".into()],
            ok: false,
            alpn: None,
            error: Some("the server sent the fatal TLS alert no_application_protocol".into()),
            verification: Some("ok".into()),
        }));
        let v = alpn_h2_only(&Facts::new(&r)).unwrap();
        assert!(v.confidence < 0.9);
        assert_eq!(v.alternatives[0].cause, Cause::TlsHandshakeFailed);
        let other = run(vec![attempt("baseline").tls("handshake_failed")]).build();
        assert!(alpn_h2_only(&Facts::new(&other)).is_none());
    }

    #[test]
    fn a_leaf_expiring_within_14_days_is_a_warning_finding() {
        let r = with_leaf(7);
        let found = findings(&Facts::new(&r), Cause::Healthy);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].cause, Cause::TlsExpiringSoon);
        assert_eq!(found[0].severity, Severity::Warning);
        assert!(found[0].summary.contains("expires in 7 days"));
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

    /// The TLS record of a handshake that reached the server's certificate (verified or not).
    fn spoken(version: Option<&str>, verification: &str) -> TlsRecord {
        TlsRecord {
            version: version.map(str::to_string),
            chain: vec![CertificateInfo {
                subject: "CN=localhost".into(),
                issuer: "CN=localhost".into(),
                sans: vec!["localhost".into()],
                not_before: "2026-01-01T00:00:00Z".into(),
                not_after: "2027-01-01T00:00:00Z".into(),
                days_left: 30,
                self_signed: true,
            }],
            verification: verification.into(),
            ..tls_record()
        }
    }

    /// Every plaintext attempt of a `ws://` run got `answer`.
    fn plaintext_matrix(answer: impl Fn(A) -> AttemptRecord) -> Vec<AttemptRecord> {
        [
            "baseline",
            "credential.none",
            "origin.none",
            "origin.foreign",
            "control.plain_get",
            "control.missing_key",
            "browser.chrome",
        ]
        .iter()
        .map(|id| answer(attempt(id)))
        .collect()
    }

    const NGINX_PLAIN_TO_TLS: &str = "<html>\r\n<head><title>400 The plain HTTP request was sent to HTTPS port</title></head>\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n</body>\r\n</html>\r\n";

    fn tls_other(tls: TlsRecord, a: AttemptRecord) -> AttemptRecord {
        let mut a = a;
        a.tls = Some(tls);
        a
    }

    #[test]
    fn ws_to_a_tls_port_is_found_by_the_other_scheme_whatever_the_plaintext_answer() {
        // nginx's 400 page (Chrome's copy padded with comments, as nginx does), Go's 400 (Caddy),
        // an OpenSSL listener's close (HAProxy): the same port answered a ClientHello.
        let nginx = |a: A| {
            let chrome = a.clone().rejected(400, "x").variant.browser.is_some();
            let body = if chrome {
                format!("{NGINX_PLAIN_TO_TLS}<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n")
            } else {
                NGINX_PLAIN_TO_TLS.to_string()
            };
            a.rejected_with(400, &[("server", "nginx/1.22.1")], &body)
        };
        let go = |a: A| a.rejected(400, "Client sent an HTTP request to an HTTPS server.\n");
        let closed = |a: A| a.violation("connection_closed");
        let answers: [&dyn Fn(A) -> AttemptRecord; 3] = [&nginx, &go, &closed];
        for (i, answer) in answers.into_iter().enumerate() {
            for tls in [
                spoken(Some("TLSv1.3"), "ok"),
                spoken(None, "untrusted_certificate"),
            ] {
                let over_tls = tls_other(tls.clone(), attempt("x").rejected(404, "Not Found"));
                let r = run(plaintext_matrix(answer))
                    .other_scheme("wss://api.test/ws", over_tls)
                    .build();
                let v = plaintext_to_tls_port(&Facts::new(&r)).expect("the port speaks TLS");
                // nginx's and Go's pages are a TLS listener's own; a close is not a page.
                let page = i < 2;
                let said: Vec<&Fact> = v.evidence[1..].iter().collect();
                assert_eq!(
                    said,
                    [
                        Some(&Fact::Tls(TlsFact::TlsOnSamePort {
                            attempt: "control.other_scheme".into(),
                            version: tls.version.clone(),
                            certificate: Some("CN=localhost".into()),
                            verification: tls.verification.clone(),
                        })),
                        page.then_some(&Fact::Tls(TlsFact::PlaintextRefusalPage)),
                        Some(&Fact::Tls(TlsFact::OverTls {
                            attempt: "control.other_scheme".into()
                        })),
                    ]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                );
                let (d, _) = crate::diagnose::diagnose(&r);
                assert_eq!(d.cause, Cause::TlsPlaintextToTlsPort, "{d:?}");
                assert!(d.confidence >= 0.8, "{d:?}");
                assert!(
                    d.next_step
                        .as_deref()
                        .is_some_and(|s| s.contains("wss://api.test/ws")),
                    "{d:?}"
                );
                assert!(
                    d.considered
                        .iter()
                        .filter(|c| c.cause != Cause::TlsPlaintextToTlsPort)
                        // Proposed readings, and any weighed reading that holds a share.
                        .filter(|c| c.share > 0.0
                            || (c.proposer != crate::diagnose::engine::WEIGHED_ONLY
                                && c.proposer != crate::diagnose::engine::FINDING_ONLY))
                        .all(
                            |c| c.contradicted.iter().any(|x| x == "control.other_scheme")
                                || c.cause.category() == crate::diagnose::cause::Category::Tls
                        ),
                    "every HTTP reading of the answer is ruled out by the TLS handshake: {:?}",
                    d.considered
                );
            }
        }
    }

    #[test]
    fn near_miss_ws_to_a_port_that_does_not_speak_tls_or_also_serves_plaintext() {
        // The ClientHello got no TLS answer: the 400 is the server's own.
        let r = run(plaintext_matrix(|a| a.rejected(400, "Bad Request")))
            .other_scheme("wss://api.test/ws", attempt("x").tls("not_tls"))
            .build();
        let (d, _) = crate::diagnose::diagnose(&r);
        assert_ne!(d.cause, Cause::TlsPlaintextToTlsPort, "{d:?}");
        assert!(plaintext_to_tls_port(&Facts::new(&r)).is_none());
        // The port speaks TLS but the plain GET got a page: plaintext reaches an HTTP server
        // there too (a port serving both), so the upgrade's 400 is that server's.
        let mut attempts = plaintext_matrix(|a| a.rejected(400, "Bad Request"));
        attempts[4] = attempt("control.plain_get").rejected(200, "<html>welcome</html>");
        let r = run(attempts)
            .other_scheme(
                "wss://api.test/ws",
                tls_other(spoken(Some("TLSv1.3"), "ok"), attempt("x").upgraded()),
            )
            .build();
        let (d, _) = crate::diagnose::diagnose(&r);
        assert_ne!(d.cause, Cause::TlsPlaintextToTlsPort, "{d:?}");
    }

    #[test]
    fn wss_to_a_port_that_closes_on_the_client_hello_is_not_tls_when_plaintext_answers() {
        let wss = |a: AttemptRecord| {
            let mut a = a;
            a.url = "wss://api.test/ws".into();
            a
        };
        let r = run(vec![wss(attempt("baseline").tls("handshake_failed"))])
            .other_scheme("ws://api.test/ws", attempt("x").upgraded())
            .build();
        let (d, _) = crate::diagnose::diagnose(&r);
        assert_eq!(d.cause, Cause::TlsNotTls, "{d:?}");
        let v = tls_failed(&Facts::new(&r)).expect("a verdict");
        assert!(
            v.evidence.contains(&Fact::Tls(TlsFact::PlaintextAnswer {
                attempt: "control.other_scheme".into()
            })),
            "{v:?}"
        );
        // Without the other scheme, or when it got nothing, the handshake failure stays one.
        let r = run(vec![wss(attempt("baseline").tls("handshake_failed"))])
            .other_scheme(
                "ws://api.test/ws",
                attempt("x").violation("connection_closed"),
            )
            .build();
        assert_eq!(
            crate::diagnose::diagnose(&r).0.cause,
            Cause::TlsHandshakeFailed
        );
    }

    #[test]
    fn near_miss_a_tls_server_failing_its_own_handshake_is_not_called_plaintext() {
        // The server sent a TLS alert (it speaks TLS), and plaintext got its "plain HTTP to an
        // HTTPS port" page: a handshake problem of a TLS server, not a plaintext port.
        let mut b = attempt("baseline").tls("handshake_failed");
        b.url = "wss://api.test/ws".into();
        b.tls = Some(alerted("protocol_version", false, None));
        let r = run(vec![b.clone()])
            .other_scheme("ws://api.test/ws", attempt("x").upgraded())
            .build();
        assert_eq!(
            crate::diagnose::diagnose(&r).0.cause,
            Cause::TlsHandshakeFailed
        );
        b.tls = Some(tls_record());
        let r = run(vec![b])
            .other_scheme(
                "ws://api.test/ws",
                attempt("x").rejected(400, NGINX_PLAIN_TO_TLS),
            )
            .build();
        assert_eq!(
            crate::diagnose::diagnose(&r).0.cause,
            Cause::TlsHandshakeFailed
        );
    }

    #[test]
    fn a_lone_self_signed_certificate_is_named_and_a_lone_leaf_from_an_unknown_ca_is_not() {
        let mut b = attempt("baseline").tls("untrusted_certificate");
        b.tls = Some(spoken(None, "untrusted_certificate"));
        let r = run(vec![b.clone()]).build();
        let v = tls_failed(&Facts::new(&r)).expect("a verdict");
        assert_eq!(v.cause, Cause::TlsSelfSignedCertificate);
        assert!(
            v.evidence.iter().any(|e| matches!(
                e,
                Fact::Tls(TlsFact::Certificate { leaf, sans })
                    if leaf.subject == "CN=localhost" && sans == &["localhost"]
            )),
            "{v:?}"
        );
        // One certificate from another issuer: an incomplete chain or a private CA.
        let mut t = spoken(None, "untrusted_certificate");
        t.chain[0].issuer = "CN=Private CA".into();
        t.chain[0].self_signed = false;
        b.tls = Some(t);
        let r = run(vec![b]).build();
        assert_eq!(
            tls_failed(&Facts::new(&r)).map(|v| v.cause),
            Some(Cause::TlsUntrustedCertificate)
        );
    }

    #[test]
    fn a_verified_leaf_without_sans_is_a_browser_warning() {
        let mut b = attempt("baseline").upgraded();
        let mut t = spoken(Some("TLSv1.3"), "ok");
        t.chain[0].sans.clear();
        b.tls = Some(t.clone());
        let r = run(vec![b.clone()]).build();
        let found = findings(&Facts::new(&r), Cause::Healthy);
        assert!(
            found.iter().any(|f| f.cause == Cause::TlsNameOnlyInCn
                && f.summary.contains("Chrome and Firefox refuse")),
            "{found:?}"
        );
        // With a SAN, or when the certificate did not verify, nothing to add.
        t.chain[0].sans = vec!["localhost".into()];
        b.tls = Some(t.clone());
        let r = run(vec![b.clone()]).build();
        assert!(findings(&Facts::new(&r), Cause::Healthy)
            .iter()
            .all(|f| f.cause != Cause::TlsNameOnlyInCn));
        t.chain[0].sans.clear();
        t.verification = "untrusted_certificate".into();
        b.tls = Some(t);
        let r = run(vec![b]).build();
        assert!(findings(&Facts::new(&r), Cause::Healthy)
            .iter()
            .all(|f| f.cause != Cause::TlsNameOnlyInCn));
    }
}
