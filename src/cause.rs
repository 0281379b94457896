//! cause: THE catalogue of causes wsdoctor can name (a leaf module: `model` names causes, `diagnose`
//! decides them). One row per cause: its id (as in JSON and in the
//! `##` headings of `docs/causes.md`), its category and a short title. Detection rules live in
//! `diagnose::rules`; remedies in `diagnose::remedy`. Adding a cause means adding a row to `CATALOGUE`,
//! a rule, a doc section and tests — the docs guard test fails until all four agree.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The category of a cause: which layer or party is at fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Nothing is wrong.
    Ok,
    /// Name resolution.
    Dns,
    /// TCP connectivity.
    Tcp,
    /// TLS: certificates, handshake.
    Tls,
    /// A reverse proxy, CDN, WAF or forward proxy between client and app.
    Proxy,
    /// The `Origin` check.
    Origin,
    /// Authentication or authorisation.
    Auth,
    /// The request reaches the wrong place (path, upstream, backend pool).
    Routing,
    /// The application server itself.
    Server,
}

impl Category {
    /// The id as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Ok => "ok",
            Category::Dns => "dns",
            Category::Tcp => "tcp",
            Category::Tls => "tls",
            Category::Proxy => "proxy",
            Category::Origin => "origin",
            Category::Auth => "auth",
            Category::Routing => "routing",
            Category::Server => "server",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! causes {
    ($( $(#[$doc:meta])* $variant:ident => ($id:literal, $cat:ident, $title:literal), )*) => {
        /// Every cause wsdoctor can diagnose or report as a finding.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Cause {
            $( $(#[$doc])* $variant, )*
        }

        /// The catalogue: (cause, id, category, title), one row per cause.
        pub const CATALOGUE: &[(Cause, &str, Category, &str)] = &[
            $( (Cause::$variant, $id, Category::$cat, $title), )*
        ];

        impl Cause {
            /// Every cause, in catalogue order.
            pub const ALL: &'static [Cause] = &[ $( Cause::$variant, )* ];

            /// The stable id (`category.snake_case`), as in JSON and `docs/causes.md`.
            pub fn id(self) -> &'static str {
                match self { $( Cause::$variant => $id, )* }
            }

            /// The category.
            pub fn category(self) -> Category {
                match self { $( Cause::$variant => Category::$cat, )* }
            }

            /// A short human title.
            pub fn title(self) -> &'static str {
                match self { $( Cause::$variant => $title, )* }
            }
        }
    };
}

causes! {
    /// The upgrade succeeded and the connection stayed open.
    Healthy => ("ok.healthy", Ok, "WebSocket upgrade succeeded and the connection stayed open"),
    /// The host name did not resolve.
    DnsResolutionFailed => ("dns.resolution_failed", Dns, "the host name does not resolve"),
    /// The name's addresses disagree: one fails or answers differently while another upgrades
    /// (also a finding when none upgrades).
    DnsAddressInconsistent => ("dns.address_inconsistent", Dns, "the host's addresses disagree: one fails or answers differently (stale AAAA, mixed DNS round robin)"),
    /// TCP connect was actively refused.
    TcpRefused => ("tcp.refused", Tcp, "nothing listens on that port (connection refused)"),
    /// TCP connect timed out.
    TcpTimeout => ("tcp.timeout", Tcp, "TCP connect timed out (filtered port or unreachable host)"),
    /// TCP connect failed: network or host unreachable.
    TcpUnreachable => ("tcp.unreachable", Tcp, "network or host unreachable"),
    /// The connection was reset before any HTTP answer.
    TcpReset => ("tcp.reset", Tcp, "the connection was reset before an HTTP answer"),
    /// Certificate chain not trusted.
    TlsUntrustedCertificate => ("tls.untrusted_certificate", Tls, "the certificate is not trusted (unknown issuer or an incomplete chain)"),
    /// The server presents a self-signed certificate that nothing trusts.
    TlsSelfSignedCertificate => ("tls.self_signed_certificate", Tls, "the certificate is self-signed: no CA vouches for it"),
    /// Certificate expired or not yet valid.
    TlsExpiredCertificate => ("tls.expired_certificate", Tls, "the certificate is expired or not yet valid"),
    /// Certificate does not cover the host name.
    TlsHostnameMismatch => ("tls.hostname_mismatch", Tls, "the certificate does not name this host"),
    /// `wss://` to a port that speaks plaintext.
    TlsNotTls => ("tls.not_tls", Tls, "the port speaks plain HTTP, not TLS (wss:// to an http port)"),
    /// `ws://` to a port that speaks TLS.
    TlsPlaintextToTlsPort => ("tls.plaintext_to_tls_port", Tls, "the port speaks TLS: ws:// sent plaintext to it (use wss://)"),
    /// The server requires a client certificate (mTLS) and none was sent.
    TlsClientCertRequired => ("tls.client_cert_required", Tls, "the server requires a client certificate (mTLS) and none was sent"),
    /// The server refused the client certificate that was sent.
    TlsClientCertRejected => ("tls.client_cert_rejected", Tls, "the server refused the client certificate that was sent"),
    /// The server offers only `h2` in ALPN: WebSocket over HTTP/1.1 cannot start.
    TlsAlpnH2Only => ("tls.alpn_h2_only", Tls, "the server only speaks HTTP/2 (ALPN h2): WebSocket over HTTP/1.1 cannot start"),
    /// Finding: the leaf certificate expires within `EXPIRING_SOON_DAYS`.
    TlsExpiringSoon => ("tls.expiring_soon", Tls, "the certificate expires within 14 days"),
    /// Finding: the verified leaf names its host only in the subject CN (no subjectAltName):
    /// curl falls back to the CN, Chrome and Firefox do not.
    TlsNameOnlyInCn => ("tls.name_only_in_cn", Tls, "the certificate names the host only in its CN: browsers refuse it"),
    /// Other TLS handshake failure.
    TlsHandshakeFailed => ("tls.handshake_failed", Tls, "the TLS handshake failed"),
    /// The upgrade was answered with a redirect.
    ProxyRedirect => ("proxy.redirect", Proxy, "the WebSocket URL is redirected (WebSocket clients do not follow redirects)"),
    /// 502/503/504 from a proxy: the upstream is down or unreachable.
    ProxyBadGateway => ("proxy.bad_gateway", Proxy, "the proxy cannot reach its upstream (502/503/504)"),
    /// The proxy dropped `Upgrade`/`Connection`, or spoke HTTP/1.0 upstream.
    ProxyUpgradeNotForwarded => ("proxy.upgrade_not_forwarded", Proxy, "the proxy does not forward the upgrade to the app"),
    /// The upgraded connection was cut after a stretch of silence without a close frame.
    ProxyIdleTimeout => ("proxy.idle_timeout", Proxy, "an idle timeout on the path closes quiet WebSocket connections"),
    /// The forward proxy (`--proxy`, `HTTPS_PROXY`) refused the CONNECT (403, 407, …).
    ProxyForwardProxyRefused => ("proxy.forward_proxy_refused", Proxy, "the forward proxy refuses to open a tunnel to the target"),
    /// The refusal carries a proxy/CDN/WAF signature.
    ProxyAccessDenied => ("proxy.access_denied", Proxy, "the proxy, CDN or WAF refused the request itself"),
    /// The backend accepts the request directly (`--direct`), the public URL refuses it, and the
    /// refusal names no responder: a front-door-only refusal of unknown kind.
    ProxyFrontRefuses => ("proxy.front_refuses", Proxy, "the front refuses what the backend accepts when reached directly"),
    /// HTTP/1.1 upgrades, but the HTTP/2 path browsers take where it is advertised (RFC 8441
    /// extended CONNECT) is refused, reset or closed.
    ProxyHttp2WebsocketRefused => ("proxy.http2_websocket_refused", Proxy, "WebSockets over HTTP/2 (RFC 8441), the path browsers take here, fail while HTTP/1.1 upgrades"),
    /// 414/431, or a 400 that disappears with short headers/URL.
    ProxyRequestTooLarge => ("proxy.request_too_large", Proxy, "the request line or headers are too large for the proxy"),
    /// The Origin check refuses the Origin sent.
    OriginRejected => ("origin.rejected", Origin, "the server refuses this Origin"),
    /// A same-origin Origin is refused while the upstream's own host is accepted: the proxy rewrote Host.
    OriginHostRewritten => ("origin.host_rewritten", Origin, "the proxy rewrites Host, so a same-origin check fails"),
    /// Finding: a foreign Origin is accepted.
    OriginNotEnforced => ("origin.not_enforced", Origin, "a foreign Origin is accepted (cross-site WebSocket hijacking risk)"),
    /// No credential sent where one is required.
    AuthMissingCredentials => ("auth.missing_credentials", Auth, "the server requires a credential and none was sent"),
    /// The credential was sent and refused.
    AuthCredentialsRejected => ("auth.credentials_rejected", Auth, "the credential reaches the server and is refused"),
    /// Accepted in one placement, refused in another.
    AuthPlacement => ("auth.placement", Auth, "the credential works in one place (header/query/cookie/subprotocol) but not the one used"),
    /// The one-time ticket endpoint failed.
    AuthTicketFailed => ("auth.ticket_failed", Auth, "the ticket endpoint did not issue a ticket"),
    /// 101, then a policy close that depends on the credential.
    AuthClosedAfterUpgrade => ("auth.closed_after_upgrade", Auth, "the server accepts the upgrade, then closes it for the credential"),
    /// Finding: upgrade accepted without any credential although one was given.
    AuthNotEnforced => ("auth.not_enforced", Auth, "the endpoint accepts connections without any credential"),
    /// Finding: the credential only works in a header, which browsers cannot send.
    AuthHeaderOnly => ("auth.header_only", Auth, "the credential only works in a header, which browser WebSockets cannot send"),
    /// 404 for the upgrade.
    RoutingNotFound => ("routing.not_found", Routing, "nothing serves this path (404)"),
    /// A 2xx plain HTTP answer: not a WebSocket endpoint.
    RoutingNotWebsocket => ("routing.not_websocket", Routing, "the URL serves plain HTTP, not a WebSocket"),
    /// 405 for the upgrade.
    RoutingMethodNotAllowed => ("routing.method_not_allowed", Routing, "the endpoint does not allow GET upgrades here (405)"),
    /// Refused identically whatever credential/Origin, while the credential is known good or direct works.
    RoutingWrongUpstream => ("routing.wrong_upstream", Routing, "the WebSocket path reaches a backend that refuses every upgrade"),
    /// Some repeats fail.
    RoutingIntermittent => ("routing.intermittent", Routing, "some attempts fail and others succeed (a bad backend in the pool)"),
    /// 5xx from the app.
    ServerError => ("server.error", Server, "the application fails with a server error (5xx)"),
    /// The server never answered the upgrade within the budget.
    ServerTimeout => ("server.timeout", Server, "the server accepted the connection but never answered in time"),
    /// 101 then a close that does not depend on credential or Origin.
    ServerClosedAfterUpgrade => ("server.closed_after_upgrade", Server, "the server accepts the upgrade, then closes the connection"),
    /// 101, then pings at a flood rate: the server's heartbeat is misconfigured or abusive.
    ServerPingFlood => ("server.ping_flood", Server, "the server accepts the upgrade, then floods the connection with pings"),
    /// The application server (not a proxy) refuses the request as too large (431, 414).
    ServerRequestTooLarge => ("server.request_too_large", Server, "the application server refuses the request because the URL or a header is too long"),
    /// The server answers the upgrade as plain HTTP: it has no WebSocket support enabled.
    ServerWebsocketUnsupported => ("server.websocket_unsupported", Server, "the server answers the upgrade as plain HTTP: WebSocket support is not enabled"),
    /// The port answers in HTTP/2 frames: it speaks HTTP/2 with prior knowledge only (h2c, gRPC).
    ServerHttp2Only => ("server.http2_only", Server, "the port speaks HTTP/2 only (prior knowledge): WebSocket over HTTP/1.1 cannot start"),
    /// `localhost` resolves to 127.0.0.1 and ::1 and the server listens on one of them only.
    ServerLoopbackBind => ("server.loopback_bind", Server, "localhost has an IPv4 and an IPv6 address and the server listens on only one of them"),
    /// Malformed or non-conforming handshake response.
    ServerBadHandshakeResponse => ("server.bad_handshake_response", Server, "the handshake response breaks RFC 6455 or HTTP"),
    /// Finding: subprotocol or extension negotiation does not match the offer.
    ServerNegotiationMismatch => ("server.negotiation_mismatch", Server, "subprotocol or extension negotiation does not match what was offered"),
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl Cause {
    /// Looks a cause up by its id.
    pub fn from_id(id: &str) -> Option<Cause> {
        Cause::ALL.iter().copied().find(|c| c.id() == id)
    }
}

impl Serialize for Cause {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

impl<'de> Deserialize<'de> for Cause {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let id = String::deserialize(d)?;
        Cause::from_id(&id)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown cause id {id}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_prefixed_by_their_category() {
        let mut seen = std::collections::HashSet::new();
        for c in Cause::ALL {
            assert!(seen.insert(c.id()), "duplicate id {}", c.id());
            let prefix = c.id().split('.').next().unwrap_or_default();
            assert_eq!(
                prefix,
                c.category().as_str(),
                "{} is filed under the wrong category",
                c.id()
            );
            assert_eq!(Cause::from_id(c.id()), Some(*c));
        }
        assert_eq!(CATALOGUE.len(), Cause::ALL.len());
    }

    #[test]
    fn cause_serialises_as_its_id() {
        let json = serde_json::to_string(&Cause::RoutingWrongUpstream).unwrap();
        assert_eq!(json, "\"routing.wrong_upstream\"");
        let back: Cause = serde_json::from_str(&json).unwrap();
        assert_eq!(back, Cause::RoutingWrongUpstream);
    }
}
