//! The homes of `tls.*`: certificates, the handshake, ALPN, and a scheme that does not match
//! what the port speaks.

use super::*;

/// Anything but an upgrade that stays open: a TLS-terminating proxy answers a missing or refused
/// client certificate with its own HTTP 400 page (nginx), a bare terminator fails the handshake.
fn not_open(b: &AttemptObs) -> Option<bool> {
    Some(b.class != O::Open)
}

/// A TLS listener answers every plaintext request alike, whatever it carries: a variant that got
/// another answer (or a 101) was read by an HTTP server.
fn same_everywhere(_: &Ctx) -> Prediction {
    p(Expect::Same, 0.1, 1.0)
}

/// The homes of this category, in catalogue order.
pub(super) static HOMES: &[&Home] = &[
    &TLS_UNTRUSTED_CERTIFICATE,
    &TLS_SELF_SIGNED_CERTIFICATE,
    &TLS_EXPIRED_CERTIFICATE,
    &TLS_HOSTNAME_MISMATCH,
    &TLS_NOT_TLS,
    &TLS_PLAINTEXT_TO_TLS_PORT,
    &TLS_CLIENT_CERT_REQUIRED,
    &TLS_CLIENT_CERT_REJECTED,
    &TLS_ALPN_H2_ONLY,
    &TLS_EXPIRING_SOON,
    &TLS_NAME_ONLY_IN_CN,
    &TLS_HANDSHAKE_FAILED,
];

/// `tls.untrusted_certificate`
pub(super) static TLS_UNTRUSTED_CERTIFICATE: Home = Home {
    cause: Cause::TlsUntrustedCertificate,
    prior: 0.04,
    before_http: true,
    symptom: "The chain does not lead to a trusted root: an unknown (private) CA, or a server that sends its leaf without the intermediates.",
    confirm: "`openssl s_client -connect HOST:443 -servername HOST -showcerts` prints `unable to get local issuer certificate` and shows only the leaf (the intermediates are missing) or a private CA's chain.",
    remedies: &[
        "serve the full chain (leaf + intermediates), e.g. nginx ssl_certificate fullchain.pem",
        "for a private CA, give clients its root (wsdoctor --cacert)",
    ],
    produces: no_http,
    predicts: fails_alike_below_http,
    ..DEFAULT
};

/// `tls.self_signed_certificate`
pub(super) static TLS_SELF_SIGNED_CERTIFICATE: Home = Home {
    cause: Cause::TlsSelfSignedCertificate,
    prior: 0.03,
    before_http: true,
    symptom: "The server presents one certificate that is its own issuer (`openssl req -x509`, a framework's dev certificate), and nothing trusts it. Browsers show `NET::ERR_CERT_AUTHORITY_INVALID`; their WebSocket fails with code 1006 and no detail.",
    confirm: "`openssl s_client -connect HOST:443 -servername HOST` prints `self-signed certificate` (verify error 18), and the issuer equals the subject.",
    remedies: &[
        "to trust it on purpose, pass the certificate itself: wsdoctor --cacert cert.pem (the exact leaf is accepted, as curl --cacert does); browsers need it installed in their trust store",
        "for anything users reach, serve a certificate from a CA they trust (ACME: certbot, Caddy's automatic HTTPS)",
    ],
    produces: no_http,
    predicts: fails_alike_below_http,
    ..DEFAULT
};

/// `tls.expired_certificate`
pub(super) static TLS_EXPIRED_CERTIFICATE: Home = Home {
    cause: Cause::TlsExpiredCertificate,
    prior: 0.04,
    before_http: true,
    symptom: "The certificate is expired or not yet valid.",
    confirm: "`echo | openssl s_client -connect HOST:443 -servername HOST 2>/dev/null | openssl x509 -noout -dates` shows a `notAfter` in the past (or a `notBefore` in the future: check the clocks).",
    remedies: &[
        "renew the certificate and automate renewal (certbot/ACME); check the server clock",
    ],
    produces: no_http,
    predicts: fails_alike_below_http,
    ..DEFAULT
};

/// `tls.hostname_mismatch`
pub(super) static TLS_HOSTNAME_MISMATCH: Home = Home {
    cause: Cause::TlsHostnameMismatch,
    prior: 0.04,
    before_http: true,
    symptom: "The certificate does not name the host.",
    confirm: "`echo | openssl s_client -connect HOST:443 -servername HOST 2>/dev/null | openssl x509 -noout -ext subjectAltName` lacks the host name of the URL.",
    remedies: &[
        "issue the certificate for this host name (SAN), or use the name it covers",
    ],
    produces: no_http,
    predicts: fails_alike_below_http,
    ..DEFAULT
};

/// `tls.not_tls`
pub(super) static TLS_NOT_TLS: Home = Home {
    cause: Cause::TlsNotTls,
    prior: 0.02,
    before_http: true,
    symptom: "wss:// to a port that speaks plain HTTP.",
    confirm: "`curl -v http://HOST:PORT/` gets an HTTP answer on the same port: it speaks plaintext, so use `ws://` (or put TLS in front).",
    remedies: &[
        "use ws:// for a plain port, or terminate TLS on the port used with wss://",
    ],
    produces: no_answer_or_before_request,
    predicts: fails_alike_below_http,
    other_scheme: Some(OtherScheme::Explains(PortSpeaks::Plaintext)),
    ..DEFAULT
};

/// `tls.plaintext_to_tls_port`
pub(super) static TLS_PLAINTEXT_TO_TLS_PORT: Home = Home {
    cause: Cause::TlsPlaintextToTlsPort,
    prior: 0.02,
    status_shares: &[(400, 400, 0.12)],
    status_reading: Some("a ws:// URL may point at a port that speaks TLS (use wss://)"),
    before_http: true,
    symptom: "ws:// to a port that speaks TLS (an `https://`/`wss://` listener): the plaintext request gets nginx's 400 \"The plain HTTP request was sent to HTTPS port\", Apache's \"You're speaking plain HTTP to an SSL-enabled server port\", Go's (Caddy's) \"Client sent an HTTP request to an HTTPS server\", or a bare close from OpenSSL-based listeners (HAProxy, Node `https`). Read as HTTP, the 400 looks like a proxy refusing the request.",
    confirm: "`curl -v http://HOST:PORT/` answers `400 The plain HTTP request was sent to HTTPS port` (nginx) or resets, while `wsdoctor wss://HOST:PORT/…` gets past TLS.",
    remedies: &[
        "use wss:// for this port (browsers on an https:// page must anyway), or point ws:// at the proxy's plaintext listener",
    ],
    predicts: same_everywhere,
    other_scheme: Some(OtherScheme::Explains(PortSpeaks::Tls)),
    ..DEFAULT
};

/// `tls.client_cert_required`
pub(super) static TLS_CLIENT_CERT_REQUIRED: Home = Home {
    cause: Cause::TlsClientCertRequired,
    prior: 0.01,
    before_http: true,
    symptom: "The server requires a client certificate (mTLS) and none was sent: every WebSocket client without the certificate fails, whatever its token or Origin. Browsers send one only when it is installed in their store.",
    confirm: "`openssl s_client -connect HOST:443 -servername HOST` lists `Acceptable client certificate CA names`; `wsdoctor URL --cert client.pem --key client.key` gets further.",
    remedies: &[
        "send the client certificate: wsdoctor --cert client.pem --key client.key (curl and websocat take the same pair)",
        "browsers send one only when it is installed in the browser or OS store (import the .p12); page JavaScript cannot attach it",
        "if only some clients have certificates: nginx ssl_verify_client optional, then refuse where $ssl_client_verify is not SUCCESS",
    ],
    produces: not_open,
    predicts: fails_alike_below_http,
    ..DEFAULT
};

/// `tls.client_cert_rejected`
pub(super) static TLS_CLIENT_CERT_REJECTED: Home = Home {
    cause: Cause::TlsClientCertRejected,
    prior: 0.01,
    before_http: true,
    symptom: "A client certificate was sent (`--cert`) and the server refused it: issued by a CA it does not trust, expired, without the clientAuth usage, or an incomplete chain.",
    confirm: "`openssl s_client -connect HOST:443 -cert client.pem -key client.key` fails with an alert such as `unknown ca` or `certificate expired`; `openssl verify -CAfile ca.pem client.pem` shows why.",
    remedies: &[
        "use a client certificate issued by a CA the server trusts (nginx ssl_client_certificate), still valid, with the clientAuth usage",
        "send the intermediates after the leaf in the --cert file, and raise nginx ssl_verify_depth for intermediate CAs",
    ],
    produces: not_open,
    predicts: fails_alike_below_http,
    ..DEFAULT
};

/// `tls.alpn_h2_only`
pub(super) static TLS_ALPN_H2_ONLY: Home = Home {
    cause: Cause::TlsAlpnH2Only,
    prior: 0.01,
    before_http: true,
    symptom: "The server speaks only HTTP/2: its ALPN list is `[h2]`, so a client offering `http/1.1` (every RFC 6455 WebSocket client) gets the fatal alert `no_application_protocol` (rustls, Go, Node's `http2.createSecureServer` without `allowHTTP1`), or a server that ignores the offer selects `h2` anyway and the client aborts. WebSocket over HTTP/1.1 cannot start; only RFC 8441 (extended CONNECT over HTTP/2) would work.",
    confirm: "`openssl s_client -connect HOST:443 -alpn http/1.1` negotiates no protocol (or `h2` only), while `-alpn h2` succeeds; `curl --http1.1 -v https://HOST/` fails.",
    remedies: &[
        "offer http/1.1 in the server's ALPN next to h2 (Node http2.createSecureServer({ allowHTTP1: true }), Caddy protocols h1 h2, Go NextProtos [\"h2\", \"http/1.1\"])",
        "or use WebSocket over HTTP/2 (RFC 8441 extended CONNECT) with a client and server that both support it",
    ],
    produces: no_upgrade,
    predicts: fails_alike_below_http,
    reads: &[
        supports(Sign::NoAnswerHttp2WorksOverTls, Expected::Http2Works, 2.5).says(
            "HTTP/1.1 gets no answer at all while the same front accepts the WebSocket over HTTP/2 ({observed}): it only serves HTTP/2, so clients that upgrade over HTTP/1.1 fail",
        ),
    ],
    ..DEFAULT
};

/// `tls.expiring_soon`
pub(super) static TLS_EXPIRING_SOON: Home = Home {
    cause: Cause::TlsExpiringSoon,
    prior: 0.01,
    before_http: true,
    symptom: "Finding: everything works today, but the leaf certificate expires within 14 days — the next renewal failure becomes `tls.expired_certificate` for every client.",
    confirm: "`echo | openssl s_client -connect HOST:443 -servername HOST 2>/dev/null | openssl x509 -noout -enddate` shows a date within 14 days.",
    remedies: &[
        "renew the certificate now and check that automatic renewal runs (certbot renew --dry-run, or the ACME client's logs)",
    ],
    predicts: fails_alike_below_http,
    ..DEFAULT
};

/// `tls.name_only_in_cn`
pub(super) static TLS_NAME_ONLY_IN_CN: Home = Home {
    cause: Cause::TlsNameOnlyInCn,
    prior: 0.01,
    before_http: true,
    symptom: "Finding: the certificate verifies (typically a pinned `--cacert` leaf) but names its host only in the subject CN, with no subjectAltName. curl and wsdoctor fall back to the CN (RFC 6125 §6.4.4); Chrome (since 58) and Firefox (since 48) do not, and refuse the connection with `ERR_CERT_COMMON_NAME_INVALID` / `SSL_ERROR_BAD_CERT_DOMAIN`.",
    confirm: "`openssl x509 -noout -subject -ext subjectAltName` on the served leaf shows the host in `CN=` and no subjectAltName; curl accepts it, Chrome and Firefox say `ERR_CERT_COMMON_NAME_INVALID`.",
    remedies: &[
        "reissue the certificate with the host as a subjectAltName (openssl req -x509 … -addext \"subjectAltName=DNS:<host>\"; every ACME CA does so)",
    ],
    predicts: fails_alike_below_http,
    ..DEFAULT
};

/// `tls.handshake_failed`
pub(super) static TLS_HANDSHAKE_FAILED: Home = Home {
    cause: Cause::TlsHandshakeFailed,
    prior: 0.02,
    before_http: true,
    symptom: "Any other TLS handshake failure (versions, ciphers, SNI) or a TLS timeout.",
    confirm: "`openssl s_client -connect HOST:443 -servername HOST -tls1_2` (and `-tls1_3`) fails with a handshake alert; try without `-servername` to see whether the server has a certificate for this SNI at all.",
    remedies: &[
        "enable TLS 1.2/1.3 with modern cipher suites and send the certificate for this SNI",
    ],
    produces: no_http,
    predicts: fails_alike_below_http,
    other_scheme: Some(OtherScheme::RuledOutBy(PortSpeaks::Plaintext)),
    ..DEFAULT
};

#[cfg(test)]
mod tests {
    use crate::diagnose::rules::simulate::*;

    /// The run `tls.untrusted_certificate` predicts, built from the real plan, is diagnosed as it.
    #[test]
    fn untrusted_certificate_wins_the_run_it_predicts() {
        let (cause, run) = fails(Cause::TlsUntrustedCertificate, &WSS, |x| {
            x.tls("untrusted_certificate")
        });
        check(cause, &run);
    }

    /// The run `tls.hostname_mismatch` predicts, built from the real plan, is diagnosed as it.
    #[test]
    fn hostname_mismatch_wins_the_run_it_predicts() {
        let (cause, run) = fails(Cause::TlsHostnameMismatch, &WSS, |x| {
            x.tls("hostname_mismatch")
        });
        check(cause, &run);
    }

    /// The run `tls.not_tls` predicts, built from the real plan, is diagnosed as it.
    #[test]
    fn not_tls_wins_the_run_it_predicts() {
        let (cause, run) = fails(Cause::TlsNotTls, &WSS, |x| x.tls("not_tls"));
        check(cause, &run);
    }

    /// The run `tls.handshake_failed` predicts, built from the real plan, is diagnosed as it.
    #[test]
    fn handshake_failed_wins_the_run_it_predicts() {
        let (cause, run) = fails(Cause::TlsHandshakeFailed, &WSS, |x| {
            x.tls("handshake_failed")
        });
        check(cause, &run);
    }

    /// The run `tls.expired_certificate` predicts, built from the real plan, is diagnosed as it.
    #[test]
    fn expired_certificate_wins_the_run_it_predicts() {
        let (cause, run) = (
            Cause::TlsExpiredCertificate,
            simulated(
                &Input {
                    url: "wss://api.test/ws",
                    ..WITH_TOKEN
                },
                |x, _, _| a(x).tls("expired_certificate"),
            ),
        );
        check(cause, &run);
    }
}
