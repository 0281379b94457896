//! The facts of the TLS layer: `rules::tls`, and their words.

use super::record;
use crate::diagnose::evidence::{describe, Facts};
use crate::diagnose::rules::tls::{NGINX_CERT_ERROR, NGINX_NO_CERT};

/// nginx's page for a client certificate (a 400 with its own body).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NginxCertPage {
    /// "No required SSL certificate was sent" (its 496).
    NoCertificate,
    /// "The SSL certificate error" (its 495).
    CertificateError,
}

/// What the retry offering `h2` alone got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlpnRetryResult {
    /// The handshake completed and the server selected h2.
    SelectedH2,
    /// The handshake completed, selecting this protocol (or nothing).
    Completed {
        /// The protocol selected.
        alpn: Option<String>,
    },
    /// It failed too.
    Failed {
        /// The error, when recorded.
        error: Option<String>,
    },
}

/// The leaf certificate a server presented, as the TLS record holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leaf {
    /// Subject DN.
    pub subject: String,
    /// Issuer DN.
    pub issuer: String,
    /// Start of validity.
    pub not_before: String,
    /// End of validity.
    pub not_after: String,
    /// Days left (negative once expired).
    pub days_left: i64,
}

impl Leaf {
    /// The leaf of a certificate record.
    pub fn of(c: &crate::model::CertificateInfo) -> Leaf {
        Leaf {
            subject: c.subject.clone(),
            issuer: c.issuer.clone(),
            not_before: c.not_before.clone(),
            not_after: c.not_after.clone(),
            days_left: c.days_left,
        }
    }

    fn days(&self) -> String {
        crate::wording::count(self.days_left, "day", "days")
    }
}

/// A fact of the TLS layer: `rules::tls`.
#[derive(Debug, Clone, PartialEq)]
pub enum TlsFact {
    /// nginx answered one of its client-certificate pages.
    NginxCertPage {
        /// Which.
        page: NginxCertPage,
    },
    /// The server sent a fatal client-authentication alert.
    ClientAuthAlert {
        /// The alert's name (from `CLIENT_AUTH_ALERTS`).
        alert: &'static str,
        /// True when read on the first read after the handshake (TLS 1.3), not during it.
        after_handshake: bool,
    },
    /// The connection (this attempt) ended right after a CertificateRequest that got no
    /// certificate.
    DroppedAfterRequest {
        /// The attempt id.
        attempt: String,
    },
    /// The server sent a CertificateRequest, listing this many acceptable issuers.
    CertificateRequest {
        /// How many issuers the server listed.
        issuer_count: usize,
        /// The first of them, as recorded.
        issuers: Vec<String>,
    },
    /// The `--cert` certificate: sent or not, and whether its issuer was among those listed.
    ClientCertificate {
        /// Its subject.
        subject: String,
        /// Its issuer ("?" when unknown).
        issuer: String,
        /// True when it was sent.
        sent: bool,
        /// True when the server listed all its acceptable issuers and this one is not among them.
        issuer_not_listed: bool,
    },
    /// No `--cert` was given, so no client certificate was sent.
    NoClientCertificate,
    /// The offer of these ALPN protocols failed.
    AlpnRefused {
        /// The protocols offered.
        offered: Vec<String>,
        /// The fatal alert, when one was sent (else: a protocol that was not offered was
        /// selected).
        alert: Option<String>,
    },
    /// The retry offering these protocols alone, and what it got.
    AlpnRetry {
        /// The protocols offered.
        offered: Vec<String>,
        /// What it got.
        result: AlpnRetryResult,
    },
    /// No retry offering h2 was made.
    AlpnNotRetried,
    /// The certificate in the ALPN retry did not verify.
    RetryCertificateUnverified {
        /// The verifier's verdict.
        check: String,
    },
    /// The same port, sent plaintext (this attempt), answered.
    PlaintextAnswer {
        /// The attempt id (the other-scheme control).
        attempt: String,
    },
    /// The leaf certificate the server presented, and the names in it.
    Certificate {
        /// The leaf.
        leaf: Leaf,
        /// Its subjectAltNames.
        sans: Vec<String>,
    },
    /// The same port, sent a TLS ClientHello (this attempt), answered with a handshake.
    TlsOnSamePort {
        /// The attempt id (the other-scheme control).
        attempt: String,
        /// The version negotiated, when the handshake completed.
        version: Option<String>,
        /// The leaf's subject, when a certificate was presented.
        certificate: Option<String>,
        /// The verifier's verdict on it.
        verification: String,
    },
    /// The refusal is a TLS listener's own page for a plaintext request.
    PlaintextRefusalPage,
    /// Over TLS (this attempt), the upgrade got an HTTP answer.
    OverTls {
        /// The attempt id (the other-scheme control).
        attempt: String,
    },
    /// A trusted leaf naming its host only in the CN (finding).
    NoSubjectAltNames {
        /// Its subject.
        subject: String,
        /// Its issuer.
        issuer: String,
    },
    /// A leaf that expires within the threshold (finding).
    ExpiringSoon {
        /// The leaf.
        leaf: Leaf,
        /// The threshold, days.
        threshold_days: i64,
    },
}

impl From<TlsFact> for super::Fact {
    fn from(x: TlsFact) -> super::Fact {
        super::Fact::Tls(x)
    }
}

impl TlsFact {
    /// The attempt id this fact cites, when it cites one.
    pub fn attempt(&self) -> Option<&str> {
        match self {
            TlsFact::DroppedAfterRequest { attempt }
            | TlsFact::PlaintextAnswer { attempt }
            | TlsFact::TlsOnSamePort { attempt, .. }
            | TlsFact::OverTls { attempt } => Some(attempt),
            _ => None,
        }
    }

    /// The evidence line.
    pub fn words(&self, f: &Facts) -> String {
        match self {
            TlsFact::NginxCertPage {
                page: NginxCertPage::NoCertificate,
            } => format!("nginx answered 400 \"{NGINX_NO_CERT}\" (ssl_verify_client on)"),
            TlsFact::NginxCertPage {
                page: NginxCertPage::CertificateError,
            } => format!("nginx answered 400 \"{NGINX_CERT_ERROR}\" (the certificate failed its ssl_verify_client check)"),
            TlsFact::ClientAuthAlert {
                alert,
                after_handshake,
            } => {
                let when = if *after_handshake {
                    "on the first read after the handshake (TLS 1.3 servers judge the client certificate after the client's last flight)"
                } else {
                    "during the handshake"
                };
                format!("the server sent the fatal alert {alert} {when}")
            }
            TlsFact::DroppedAfterRequest { attempt } => format!(
                "the connection ended ({}) right after the server asked for a certificate and received none",
                super::cited(f, attempt)
            ),
            TlsFact::CertificateRequest {
                issuer_count,
                issuers,
            } => {
                let issuers = match issuer_count {
                    0 => "no acceptable issuers listed (any issuer)".to_string(),
                    n => format!(
                        "{}: {}",
                        crate::wording::count(*n, "acceptable issuer", "acceptable issuers"),
                        issuers.join("; ")
                    ),
                };
                format!("the server sent a CertificateRequest during the handshake; {issuers}")
            }
            TlsFact::ClientCertificate {
                subject,
                issuer,
                sent,
                issuer_not_listed,
            } => {
                let mut line = format!(
                    "--cert {subject} issued by {issuer} was {}",
                    if *sent {
                        "sent"
                    } else {
                        "not sent (its key cannot sign with any scheme the server accepts)"
                    }
                );
                if *issuer_not_listed {
                    line.push_str(
                        "; its issuer is not among the acceptable issuers the server listed",
                    );
                }
                line
            }
            TlsFact::NoClientCertificate => {
                "no client certificate was sent (no --cert given)".to_string()
            }
            TlsFact::AlpnRefused { offered, alert } => {
                let offered = offered.join(", ");
                match alert {
                    Some(a) => format!(
                        "offering ALPN [{offered}] failed: the server sent the fatal alert {a}"
                    ),
                    None => format!(
                        "offering ALPN [{offered}] failed: the server selected a protocol that was not offered"
                    ),
                }
            }
            TlsFact::AlpnRetry { offered, result } => {
                let offered = offered.join(", ");
                match result {
                    AlpnRetryResult::SelectedH2 => {
                        format!("offering ALPN [{offered}] alone succeeded: the server selected h2")
                    }
                    AlpnRetryResult::Completed { alpn } => format!(
                        "offering ALPN [{offered}] alone completed the handshake, selecting {}",
                        alpn.as_deref().unwrap_or("nothing")
                    ),
                    AlpnRetryResult::Failed { error } => format!(
                        "offering ALPN [{offered}] alone failed too: {}",
                        error.as_deref().unwrap_or("no detail")
                    ),
                }
            }
            TlsFact::AlpnNotRetried => {
                "no retry offering h2 was made (through a forward proxy, or no time left)"
                    .to_string()
            }
            TlsFact::RetryCertificateUnverified { check } => format!(
                "the certificate presented in the retry did not verify ({check}): fix that too once http/1.1 is offered"
            ),
            TlsFact::PlaintextAnswer { attempt } => match record(f, attempt) {
                Some(o) => format!(
                    "the same port in plaintext ({}) got {}",
                    o.url,
                    describe(o)
                ),
                None => format!("the same port in plaintext ({attempt})"),
            },
            TlsFact::Certificate { leaf, sans } => format!(
                "certificate {} issued by {}, valid {} to {} ({} left), names: {}",
                leaf.subject,
                leaf.issuer,
                leaf.not_before,
                leaf.not_after,
                leaf.days(),
                if sans.is_empty() {
                    "none (no subjectAltName)".to_string()
                } else {
                    sans.join(", ")
                }
            ),
            TlsFact::TlsOnSamePort {
                attempt,
                version,
                certificate,
                verification,
            } => {
                let handshake = match (version, certificate) {
                    (Some(v), Some(subject)) => {
                        format!("a {v} handshake with the certificate {subject}")
                    }
                    (Some(v), None) => format!("a {v} handshake"),
                    (None, Some(subject)) => format!(
                        "a TLS handshake up to the certificate {subject} (verification: {verification})"
                    ),
                    (None, None) => "a TLS handshake".to_string(),
                };
                let url = record(f, attempt).map_or(attempt.as_str(), |o| o.url.as_str());
                format!("the same port, sent a TLS ClientHello ({url}), answered with {handshake}")
            }
            TlsFact::PlaintextRefusalPage => {
                "the refusal is a TLS listener's own page for a plaintext request".to_string()
            }
            TlsFact::OverTls { attempt } => format!(
                "over TLS the upgrade got {}",
                record(f, attempt).map_or_else(|| attempt.clone(), describe)
            ),
            TlsFact::NoSubjectAltNames { subject, issuer } => {
                format!("leaf {subject} issued by {issuer}: no subject alternative names")
            }
            TlsFact::ExpiringSoon {
                leaf,
                threshold_days,
            } => format!(
                "leaf {} issued by {}, valid {} to {} ({} left, threshold {threshold_days} days)",
                leaf.subject,
                leaf.issuer,
                leaf.not_before,
                leaf.not_after,
                leaf.days()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::rules::testkit::*;

    #[test]
    fn the_alpn_retry_says_what_offering_h2_alone_got() {
        // Wording test: the three results of the retry, two of them in no replayed run.
        let r = run(vec![attempt("baseline").tls("no_application_protocol")]).build();
        let f = Facts::new(&r);
        let line = |result| {
            TlsFact::AlpnRetry {
                offered: vec!["h2".into()],
                result,
            }
            .words(&f)
        };
        assert_eq!(
            line(AlpnRetryResult::SelectedH2),
            "offering ALPN [h2] alone succeeded: the server selected h2"
        );
        assert_eq!(
            line(AlpnRetryResult::Completed { alpn: None }),
            "offering ALPN [h2] alone completed the handshake, selecting nothing"
        );
        assert_eq!(
            line(AlpnRetryResult::Failed { error: None }),
            "offering ALPN [h2] alone failed too: no detail"
        );
    }

    #[test]
    fn facts_about_an_attempt_cite_it_as_it_was_answered() {
        // Wording test: the attempt's answer is looked up in the run, the other scheme included.
        let r = run(vec![attempt("baseline").dropped()])
            .other_scheme("wss://api.test/ws", attempt("x").rejected(404, "Not Found"))
            .build();
        let f = Facts::new(&r);
        let dropped = TlsFact::DroppedAfterRequest {
            attempt: "baseline".into(),
        }
        .words(&f);
        assert!(
            dropped.starts_with(&format!(
                "the connection ended ({}) right after",
                crate::diagnose::fact::cited(&f, "baseline")
            )),
            "{dropped}"
        );
        assert!(
            dropped.starts_with("the connection ended (baseline: 101, then"),
            "{dropped}"
        );
        let over = TlsFact::OverTls {
            attempt: "control.other_scheme".into(),
        }
        .words(&f);
        assert!(over.starts_with("over TLS the upgrade got 404"), "{over}");
    }
}
