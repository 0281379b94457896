//! probe::proxy: forward proxies. Which proxy a URL goes through (`--proxy`, `--noproxy`,
//! `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY`/`NO_PROXY`, lowercase first, as curl reads them), and
//! how the tunnel is opened: HTTP CONNECT for `http://` (Basic `Proxy-Authorization` from the
//! proxy URL's user:pass), SOCKS5 for `socks5://` (the client resolves the target's name) and
//! `socks5h://` (the proxy resolves it), with an RFC 1929 username/password from the URL; the
//! SOCKS5 protocol itself is tokio-socks'. Credentials are registered with the redactor so they
//! never show. Must not decide causes.

use std::net::SocketAddr;

use tokio::time::Instant;

use crate::probe::upgrade;
use crate::secret::Redactor;

pub use crate::config::proxy::{
    env_names, select, ForwardProxy, ProxyConfigError, ProxyKind, SocksLogin,
};

/// Sends `CONNECT host:port` and reads the proxy's answer (head and, for a refusal, the body).
pub async fn connect<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    io: &mut S,
    proxy: &ForwardProxy,
    authority: &str,
    redactor: &Redactor,
    deadline: Instant,
) -> Result<upgrade::Exchange, upgrade::UpgradeFailure> {
    let mut headers = vec![("Host".to_string(), authority.to_string())];
    if let Some(a) = &proxy.authorization {
        headers.push(("Proxy-Authorization".to_string(), a.expose().to_string()));
    }
    let request = upgrade::Request {
        method: "CONNECT",
        target: authority,
        headers: &headers,
    };
    upgrade::exchange(io, &request, redactor, deadline).await
}

/// What a SOCKS5 proxy answered, by name: the RFC 1928 replies plus the RFC 1929 / method
/// negotiation refusals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SocksReply {
    /// 0x00: the tunnel is open.
    Succeeded,
    /// 0x01: general SOCKS server failure.
    GeneralFailure,
    /// 0x02: the proxy's rules forbid this connection.
    NotAllowedByRuleset,
    /// 0x03: the proxy has no route to the target's network.
    NetworkUnreachable,
    /// 0x04: the proxy cannot reach the target host (or resolve its name).
    HostUnreachable,
    /// 0x05: the target refused the proxy's TCP connect.
    ConnectionRefused,
    /// 0x06: the proxy's connect to the target timed out.
    TtlExpired,
    /// 0x07: CONNECT is not supported.
    CommandNotSupported,
    /// 0x08: the address type (IPv6, domain name) is not supported.
    AddressTypeNotSupported,
    /// RFC 1929: the username/password was refused.
    AuthFailed,
    /// Method 0xFF: none of the offered methods (no auth; username/password) is acceptable.
    NoAcceptableAuthMethods,
    /// The proxy chose username/password although no credentials were given.
    AuthRequired,
}

impl SocksReply {
    /// The name as recorded in `proxy.reply`.
    pub fn name(self) -> &'static str {
        match self {
            SocksReply::Succeeded => "succeeded",
            SocksReply::GeneralFailure => "general_failure",
            SocksReply::NotAllowedByRuleset => "connection_not_allowed_by_ruleset",
            SocksReply::NetworkUnreachable => "network_unreachable",
            SocksReply::HostUnreachable => "host_unreachable",
            SocksReply::ConnectionRefused => "connection_refused",
            SocksReply::TtlExpired => "ttl_expired",
            SocksReply::CommandNotSupported => "command_not_supported",
            SocksReply::AddressTypeNotSupported => "address_type_not_supported",
            SocksReply::AuthFailed => "auth_failed",
            SocksReply::NoAcceptableAuthMethods => "no_acceptable_auth_methods",
            SocksReply::AuthRequired => "auth_required",
        }
    }

    /// When the reply says the proxy's own TCP connect to the target failed: that failure's
    /// class as a `tcp_error` (`refused`, `unreachable`, `timeout`).
    pub fn tcp_class(self) -> Option<&'static str> {
        match self {
            SocksReply::ConnectionRefused => Some("refused"),
            SocksReply::NetworkUnreachable | SocksReply::HostUnreachable => Some("unreachable"),
            SocksReply::TtlExpired => Some("timeout"),
            _ => None,
        }
    }
}

/// How a SOCKS5 handshake ended when it did not open the tunnel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SocksEnd {
    /// No answer before the deadline.
    Deadline,
    /// The proxy answered with a refusal.
    Refused(SocksReply),
    /// The proxy broke the protocol or the connection: a protocol-violation class
    /// (`malformed_response`, `connection_closed`, `connection_reset`) and a detail.
    Broken(&'static str, String),
}

/// Maps tokio-socks' error to what the proxy answered (a reply) or how it broke off.
pub fn classify(e: tokio_socks::Error) -> SocksEnd {
    use tokio_socks::Error as E;
    let reply = match e {
        E::GeneralSocksServerFailure => SocksReply::GeneralFailure,
        E::ConnectionNotAllowedByRuleset => SocksReply::NotAllowedByRuleset,
        E::NetworkUnreachable => SocksReply::NetworkUnreachable,
        E::HostUnreachable => SocksReply::HostUnreachable,
        E::ConnectionRefused => SocksReply::ConnectionRefused,
        E::TtlExpired => SocksReply::TtlExpired,
        E::CommandNotSupported => SocksReply::CommandNotSupported,
        E::AddressTypeNotSupported => SocksReply::AddressTypeNotSupported,
        E::PasswordAuthFailure(_) => SocksReply::AuthFailed,
        E::NoAcceptableAuthMethods => SocksReply::NoAcceptableAuthMethods,
        E::AuthorizationRequired => SocksReply::AuthRequired,
        E::Io(io) => {
            return match io.kind() {
                std::io::ErrorKind::UnexpectedEof => SocksEnd::Broken(
                    "connection_closed",
                    "the proxy closed the connection during the SOCKS5 handshake".into(),
                ),
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe => {
                    SocksEnd::Broken(
                        "connection_reset",
                        format!("the proxy reset the connection during the SOCKS5 handshake ({io})"),
                    )
                }
                _ => SocksEnd::Broken(
                    "connection_closed",
                    format!("the SOCKS5 handshake failed: {io}"),
                ),
            }
        }
        E::InvalidResponseVersion => {
            return SocksEnd::Broken(
                "malformed_response",
                "the proxy does not answer in SOCKS5 (wrong version byte): is it an HTTP proxy? use http://".into(),
            )
        }
        // tokio-socks reports an unknown reply code as an unknown auth method.
        other => {
            return SocksEnd::Broken(
                "malformed_response",
                format!("the proxy's SOCKS5 answer is not understood: {other}"),
            )
        }
    };
    SocksEnd::Refused(reply)
}

/// Where a SOCKS5 CONNECT goes: a name the proxy resolves (socks5h) or an address (socks5, or
/// an IP literal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SocksTarget {
    /// A host name and port, resolved by the proxy.
    Name(String, u16),
    /// An address.
    Addr(SocketAddr),
}

/// Runs the SOCKS5 method negotiation, the RFC 1929 login when configured, and `CONNECT target`
/// on `io`, before `deadline`. On success `io` is the tunnel.
pub async fn socks_connect<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    io: &mut S,
    proxy: &ForwardProxy,
    target: &SocksTarget,
    deadline: Instant,
) -> Result<(), SocksEnd> {
    let addr = match target {
        SocksTarget::Name(host, port) => {
            tokio_socks::TargetAddr::Domain(std::borrow::Cow::Borrowed(host.as_str()), *port)
        }
        SocksTarget::Addr(a) => tokio_socks::TargetAddr::Ip(*a),
    };
    let handshake = async {
        match &proxy.socks_login {
            Some(l) => tokio_socks::tcp::Socks5Stream::connect_with_password_and_socket(
                &mut *io,
                addr,
                l.username.expose(),
                l.password.expose(),
            )
            .await
            .map(drop),
            None => tokio_socks::tcp::Socks5Stream::connect_with_socket(&mut *io, addr)
                .await
                .map(drop),
        }
    };
    match tokio::time::timeout_at(deadline, handshake).await {
        Err(_) => Err(SocksEnd::Deadline),
        Ok(Err(e)) => Err(classify(e)),
        Ok(Ok(())) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn flag_beats_environment_and_lowercase_beats_uppercase() {
        let mut r = Redactor::new([], true);
        let env = env_of(&[
            ("HTTPS_PROXY", "http://upper:3128"),
            ("https_proxy", "http://lower:3128"),
            ("http_proxy", "http://plain:8080"),
        ]);
        let p = select(None, None, true, &env, &mut r).unwrap().unwrap();
        assert_eq!(
            (p.host.as_str(), p.source.as_str()),
            ("lower", "https_proxy")
        );
        let p = select(None, None, false, &env, &mut r).unwrap().unwrap();
        assert_eq!(p.host, "plain");
        let p = select(Some("127.0.0.1:9"), None, true, &env, &mut r)
            .unwrap()
            .unwrap();
        assert_eq!(
            (p.host.as_str(), p.port, p.source.as_str()),
            ("127.0.0.1", 9, "--proxy")
        );
        let none = env_of(&[("ALL_PROXY", "")]);
        assert!(select(None, None, true, &none, &mut r).unwrap().is_none());
    }

    #[test]
    fn no_proxy_and_noproxy_flag_bypass_matching_hosts() {
        let mut r = Redactor::new([], true);
        let env = env_of(&[
            ("HTTP_PROXY", "http://p:3128"),
            ("NO_PROXY", "localhost, .internal.test,10.0.0.5"),
        ]);
        let p = select(None, None, false, &env, &mut r).unwrap().unwrap();
        assert!(!p.applies_to("localhost"));
        assert!(!p.applies_to("api.internal.test"));
        assert!(!p.applies_to("10.0.0.5"));
        assert!(p.applies_to("example.test"));
        let p = select(None, Some("*"), false, &env, &mut r)
            .unwrap()
            .unwrap();
        assert!(!p.applies_to("example.test"));
        let p = select(None, Some("other.test"), false, &env, &mut r)
            .unwrap()
            .unwrap();
        assert!(p.applies_to("localhost"), "--noproxy replaces NO_PROXY");
    }

    #[test]
    fn credentials_become_basic_auth_and_are_redacted() {
        let mut r = Redactor::new([], true);
        let none = env_of(&[]);
        let p = select(
            Some("http://alice:s3cr%40t@127.0.0.1:3128"),
            None,
            true,
            &none,
            &mut r,
        )
        .unwrap()
        .unwrap();
        // base64("alice:s3cr@t")
        assert_eq!(
            p.authorization.as_ref().map(|s| s.expose().to_string()),
            Some("Basic YWxpY2U6czNjckB0".to_string())
        );
        assert_eq!(p.shown(), "http://127.0.0.1:3128");
        let leaked = r.text("Proxy-Authorization: Basic YWxpY2U6czNjckB0 pass s3cr@t");
        assert!(
            !leaked.contains("YWxpY2U6czNjckB0") && !leaked.contains("s3cr@t"),
            "{leaked}"
        );
        let err = select(Some("socks4://bob:hunter22@h:1"), None, true, &none, &mut r).unwrap_err();
        assert!(!err.to_string().contains("hunter22"), "{err}");
    }

    #[test]
    fn socks5_and_socks5h_urls_select_their_kind_with_curls_default_port() {
        let mut r = Redactor::new([], true);
        let none = env_of(&[]);
        let p = select(Some("socks5://127.0.0.1"), None, true, &none, &mut r)
            .unwrap()
            .unwrap();
        assert_eq!((p.kind, p.port), (ProxyKind::Socks5, 1080));
        assert_eq!(p.shown(), "socks5://127.0.0.1:1080");
        assert!(!p.has_credentials());
        let env = env_of(&[("ALL_PROXY", "socks5h://[::1]:9050")]);
        let p = select(None, None, false, &env, &mut r).unwrap().unwrap();
        assert_eq!(
            (p.kind, p.host.as_str(), p.port, p.source.as_str()),
            (ProxyKind::Socks5h, "::1", 9050, "ALL_PROXY")
        );
        assert_eq!(p.shown(), "socks5h://[::1]:9050");
        // No scheme is http, as curl reads it.
        let p = select(Some("proxy.test:3128"), None, true, &none, &mut r)
            .unwrap()
            .unwrap();
        assert_eq!(p.kind, ProxyKind::Http);
    }

    #[test]
    fn socks5_credentials_are_an_rfc1929_login_and_are_redacted() {
        let mut r = Redactor::new([], true);
        let none = env_of(&[]);
        let p = select(
            Some("socks5h://carol:pa%3Ass-77@127.0.0.1:1081"),
            None,
            true,
            &none,
            &mut r,
        )
        .unwrap()
        .unwrap();
        let login = p.socks_login.as_ref().unwrap();
        assert_eq!(
            (login.username.expose(), login.password.expose()),
            ("carol", "pa:ss-77")
        );
        assert!(p.authorization.is_none(), "no Basic header for SOCKS");
        assert!(p.has_credentials());
        assert_eq!(p.shown(), "socks5h://127.0.0.1:1081");
        assert!(!r.text("login pa:ss-77").contains("pa:ss-77"));
        // RFC 1929 needs a password of 1..=255 bytes.
        let err = select(Some("socks5://carol@127.0.0.1"), None, true, &none, &mut r).unwrap_err();
        assert!(err.to_string().contains("RFC 1929"), "{err}");
        let long = format!("socks5://carol:{}@127.0.0.1", "x".repeat(256));
        assert!(select(Some(&long), None, true, &none, &mut r).is_err());
    }

    #[test]
    fn unsupported_proxy_schemes_are_refused_with_the_reason() {
        let mut r = Redactor::new([], true);
        let none = env_of(&[]);
        for (url, reason) in [
            ("socks4://127.0.0.1:1080", "SOCKS4 is not supported"),
            ("socks4a://127.0.0.1:1080", "SOCKS4 is not supported"),
            ("https://127.0.0.1:443", "HTTPS to the proxy itself"),
            ("ftp://127.0.0.1:21", "unknown proxy scheme ftp://"),
            ("socks5://:1080", "host"),
        ] {
            let err = select(Some(url), None, true, &none, &mut r).unwrap_err();
            assert!(err.to_string().contains(reason), "{url}: {err}");
        }
    }

    #[test]
    fn socks_errors_map_to_reply_names_or_a_broken_handshake() {
        use tokio_socks::Error as E;
        for (e, name, tcp) in [
            (
                E::ConnectionNotAllowedByRuleset,
                "connection_not_allowed_by_ruleset",
                None,
            ),
            (E::HostUnreachable, "host_unreachable", Some("unreachable")),
            (
                E::NetworkUnreachable,
                "network_unreachable",
                Some("unreachable"),
            ),
            (E::ConnectionRefused, "connection_refused", Some("refused")),
            (E::TtlExpired, "ttl_expired", Some("timeout")),
            (E::GeneralSocksServerFailure, "general_failure", None),
            (E::PasswordAuthFailure(1), "auth_failed", None),
            (
                E::NoAcceptableAuthMethods,
                "no_acceptable_auth_methods",
                None,
            ),
            (E::AuthorizationRequired, "auth_required", None),
            (E::CommandNotSupported, "command_not_supported", None),
            (
                E::AddressTypeNotSupported,
                "address_type_not_supported",
                None,
            ),
        ] {
            let SocksEnd::Refused(reply) = classify(e) else {
                panic!("{name} is a reply");
            };
            assert_eq!((reply.name(), reply.tcp_class()), (name, tcp));
        }
        let eof = std::io::Error::from(std::io::ErrorKind::UnexpectedEof);
        assert!(matches!(
            classify(E::Io(eof)),
            SocksEnd::Broken("connection_closed", _)
        ));
        let SocksEnd::Broken(class, why) = classify(E::InvalidResponseVersion) else {
            panic!("a wrong version byte is not a reply");
        };
        assert_eq!(class, "malformed_response");
        assert!(why.contains("http://"), "{why}");
    }

    /// Plays a SOCKS5 server on the other end of a duplex pipe: reads the greeting, the optional
    /// RFC 1929 login and the request, answers with `method`, `login_status` and `rep`; returns
    /// the bytes it read.
    async fn socks_peer(
        mut io: tokio::io::DuplexStream,
        method: u8,
        login_status: u8,
        rep: u8,
    ) -> Vec<u8> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut seen = Vec::new();
        let mut head = [0u8; 2];
        io.read_exact(&mut head).await.unwrap();
        let mut methods = vec![0u8; head[1] as usize];
        io.read_exact(&mut methods).await.unwrap();
        seen.extend(head);
        seen.extend(&methods);
        io.write_all(&[5, method]).await.unwrap();
        if method == 0xff {
            return seen;
        }
        if method == 2 {
            let mut ver_ulen = [0u8; 2];
            io.read_exact(&mut ver_ulen).await.unwrap();
            let mut user = vec![0u8; ver_ulen[1] as usize];
            io.read_exact(&mut user).await.unwrap();
            let mut plen = [0u8; 1];
            io.read_exact(&mut plen).await.unwrap();
            let mut pass = vec![0u8; plen[0] as usize];
            io.read_exact(&mut pass).await.unwrap();
            seen.extend(ver_ulen);
            seen.extend(user);
            seen.extend(plen);
            seen.extend(pass);
            io.write_all(&[1, login_status]).await.unwrap();
            if login_status != 0 {
                return seen;
            }
        }
        let mut req = [0u8; 4];
        io.read_exact(&mut req).await.unwrap();
        seen.extend(req);
        let rest = match req[3] {
            1 => 6,
            4 => 18,
            _ => {
                let mut len = [0u8; 1];
                io.read_exact(&mut len).await.unwrap();
                seen.extend(len);
                len[0] as usize + 2
            }
        };
        let mut tail = vec![0u8; rest];
        io.read_exact(&mut tail).await.unwrap();
        seen.extend(tail);
        io.write_all(&[5, rep, 0, 1, 127, 0, 0, 1, 0x04, 0x38])
            .await
            .unwrap();
        seen
    }

    fn socks_proxy(kind: ProxyKind, login: Option<(&str, &str)>) -> ForwardProxy {
        ForwardProxy {
            kind,
            host: "127.0.0.1".into(),
            port: 1080,
            authorization: None,
            socks_login: login.map(|(u, p)| SocksLogin {
                username: Secret::new(u),
                password: Secret::new(p),
            }),
            source: "--proxy".into(),
            no_proxy: Vec::new(),
        }
    }

    async fn handshake(
        proxy: &ForwardProxy,
        target: SocksTarget,
        method: u8,
        login_status: u8,
        rep: u8,
    ) -> (Result<(), SocksEnd>, Vec<u8>) {
        let (mut client, server) = tokio::io::duplex(1024);
        let peer = tokio::spawn(socks_peer(server, method, login_status, rep));
        let deadline = Instant::now() + std::time::Duration::from_secs(5);
        let result = socks_connect(&mut client, proxy, &target, deadline).await;
        drop(client);
        (result, peer.await.unwrap())
    }

    #[tokio::test]
    async fn socks5h_sends_the_name_and_socks5_the_address() {
        let p = socks_proxy(ProxyKind::Socks5h, None);
        let name = SocksTarget::Name("app.test".into(), 8080);
        let (result, seen) = handshake(&p, name, 0, 0, 0).await;
        assert_eq!(result, Ok(()));
        // greeting: one method, no auth; CONNECT, domain (3), len 8, "app.test", port 8080.
        let mut want = vec![5, 1, 0, 5, 1, 0, 3, 8];
        want.extend(b"app.test");
        want.extend([0x1f, 0x90]);
        assert_eq!(seen, want);
        let p = socks_proxy(ProxyKind::Socks5, None);
        let addr = SocksTarget::Addr("127.0.0.1:8080".parse().unwrap());
        let (result, seen) = handshake(&p, addr, 0, 0, 0).await;
        assert_eq!(result, Ok(()));
        assert_eq!(seen[3..], [5, 1, 0, 1, 127, 0, 0, 1, 0x1f, 0x90]);
    }

    #[tokio::test]
    async fn socks5_login_is_offered_and_refusals_are_named() {
        let p = socks_proxy(ProxyKind::Socks5, Some(("alice", "pw-1")));
        let target = SocksTarget::Addr("127.0.0.1:8080".parse().unwrap());
        let (result, seen) = handshake(&p, target.clone(), 2, 0, 0).await;
        assert_eq!(result, Ok(()));
        // Offers no-auth and username/password; then RFC 1929 version 1, "alice", "pw-1".
        assert_eq!(seen[..4], [5, 2, 0, 2]);
        assert_eq!(seen[4..16], *b"\x01\x05alice\x04pw-1");
        let (result, _) = handshake(&p, target.clone(), 2, 1, 0).await;
        assert_eq!(result, Err(SocksEnd::Refused(SocksReply::AuthFailed)));
        let anon = socks_proxy(ProxyKind::Socks5, None);
        let (result, _) = handshake(&anon, target.clone(), 0xff, 0, 0).await;
        assert_eq!(
            result,
            Err(SocksEnd::Refused(SocksReply::NoAcceptableAuthMethods))
        );
        let (result, _) = handshake(&anon, target, 0, 0, 2).await;
        assert_eq!(
            result,
            Err(SocksEnd::Refused(SocksReply::NotAllowedByRuleset))
        );
    }

    #[tokio::test]
    async fn a_silent_socks_proxy_ends_at_the_deadline() {
        let p = socks_proxy(ProxyKind::Socks5h, None);
        let (mut client, _server) = tokio::io::duplex(1024);
        let deadline = Instant::now() + std::time::Duration::from_millis(50);
        let target = SocksTarget::Name("app.test".into(), 80);
        let result = socks_connect(&mut client, &p, &target, deadline).await;
        assert_eq!(result, Err(SocksEnd::Deadline));
    }
}
