//! probe::dns: turns the target host into socket addresses — an IP literal as is, a `--resolve`
//! override (exact host first, then curl's `*` wildcard) instead of a lookup, otherwise the system resolver (getaddrinfo) on a detached thread
//! under the deadline. Failures are classified from the resolver's typed error code, never from
//! message text. Must not connect anywhere.

use std::net::{IpAddr, SocketAddr};

use tokio::time::Instant;

use crate::config::ResolveOverride;

/// Why resolution failed (class ids as in the JSON `error` fields).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DnsFailure {
    /// The name does not exist (NXDOMAIN-like: EAI_NONAME).
    NotFound(String),
    /// The name exists but has no A/AAAA records (EAI_NODATA or an empty answer).
    NoAddresses(String),
    /// Any other resolver failure (SERVFAIL, no resolver, …).
    Failed(String),
    /// The overall deadline passed first.
    Timeout,
}

impl DnsFailure {
    /// The class id.
    pub fn class(&self) -> &'static str {
        match self {
            DnsFailure::NotFound(_) => crate::model::FailureClass::NotFound.as_str(),
            DnsFailure::NoAddresses(_) => crate::model::FailureClass::NoAddresses.as_str(),
            DnsFailure::Failed(_) => crate::model::FailureClass::Failed.as_str(),
            DnsFailure::Timeout => crate::model::FailureClass::Timeout.as_str(),
        }
    }

    /// Detail for people.
    pub fn detail(&self) -> String {
        match self {
            DnsFailure::NotFound(d) | DnsFailure::NoAddresses(d) | DnsFailure::Failed(d) => {
                d.clone()
            }
            DnsFailure::Timeout => "no answer before the deadline".into(),
        }
    }
}

/// Where the addresses came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The host is an IP literal.
    Literal,
    /// A `--resolve` override.
    Override,
    /// The system resolver.
    Lookup,
}

/// The addresses for `host:port` (host as in the URL, without IPv6 brackets).
pub async fn resolve(
    host: &str,
    port: u16,
    overrides: &[ResolveOverride],
    deadline: Instant,
) -> Result<(Vec<SocketAddr>, Source), DnsFailure> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok((vec![SocketAddr::new(ip, port)], Source::Literal));
    }
    let lower = bare.to_ascii_lowercase();
    // An exact entry wins; curl's `*` wildcard is tried last.
    let exact = overrides.iter().find(|o| o.host == lower && o.port == port);
    let wildcard = || overrides.iter().find(|o| o.host == "*" && o.port == port);
    if let Some(o) = exact.or_else(wildcard) {
        return Ok((o.socket_addrs(), Source::Override));
    }
    // RFC 6761 §6.4: names under .invalid never resolve, and resolvers should not be asked.
    // Answering locally keeps such probes (and their tests) off the network.
    let label = lower.trim_end_matches('.');
    if label == "invalid" || label.ends_with(".invalid") {
        return Err(DnsFailure::NotFound(format!(
            "{bare}: names under .invalid never resolve (RFC 6761)"
        )));
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    let name = bare.to_string();
    // A detached thread rather than spawn_blocking: a runtime waits for its blocking tasks when it
    // shuts down, and a hung resolver must not keep wsdoctor alive past --timeout.
    let spawned = std::thread::Builder::new()
        .name("wsdoctor-dns".into())
        .spawn(move || {
            let _ = tx.send(lookup_blocking(&name, port));
        });
    if let Err(e) = spawned {
        return Err(DnsFailure::Failed(format!(
            "cannot start the resolver thread: {e}"
        )));
    }
    match tokio::time::timeout_at(deadline, rx).await {
        Err(_) => Err(DnsFailure::Timeout),
        Ok(Err(_)) => Err(DnsFailure::Failed("the resolver thread ended early".into())),
        Ok(Ok(Ok(addrs))) if addrs.is_empty() => Err(DnsFailure::NoAddresses(format!(
            "{bare} has no A or AAAA records"
        ))),
        Ok(Ok(Ok(addrs))) => Ok((addrs, Source::Lookup)),
        Ok(Ok(Err(e))) => Err(e),
    }
}

fn lookup_blocking(host: &str, port: u16) -> Result<Vec<SocketAddr>, DnsFailure> {
    let hints = dns_lookup::AddrInfoHints {
        socktype: dns_lookup::SockType::Stream.into(),
        ..dns_lookup::AddrInfoHints::default()
    };
    let iter = dns_lookup::getaddrinfo(Some(host), None, Some(hints)).map_err(|e| {
        let kind = e.kind();
        let io: std::io::Error = e.into();
        classify(kind, format!("{host}: {io}"))
    })?;
    let mut out: Vec<SocketAddr> = Vec::new();
    for info in iter.flatten() {
        let addr = SocketAddr::new(info.sockaddr.ip(), port);
        if !out.contains(&addr) {
            out.push(addr);
        }
    }
    Ok(out)
}

/// Maps the resolver's error kind to a failure class.
pub fn classify(kind: dns_lookup::LookupErrorKind, detail: String) -> DnsFailure {
    use dns_lookup::LookupErrorKind as K;
    match kind {
        K::NoName => DnsFailure::NotFound(detail),
        K::NoData => DnsFailure::NoAddresses(detail),
        _ => DnsFailure::Failed(detail),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dns_lookup::LookupErrorKind as K;

    fn far() -> Instant {
        Instant::now() + std::time::Duration::from_secs(5)
    }

    #[tokio::test]
    async fn ip_literals_skip_the_lookup() {
        let (a, s) = resolve("127.0.0.1", 80, &[], far()).await.unwrap();
        assert_eq!(a, vec!["127.0.0.1:80".parse().unwrap()]);
        assert_eq!(s, Source::Literal);
        let (a, _) = resolve("[::1]", 443, &[], far()).await.unwrap();
        assert_eq!(a, vec!["[::1]:443".parse().unwrap()]);
    }

    #[tokio::test]
    async fn overrides_win_over_the_resolver_and_match_the_port() {
        let o = crate::config::parse_resolve("api.test:8443:127.0.0.2,127.0.0.3").unwrap();
        let (a, s) = resolve("API.test", 8443, &[o], far()).await.unwrap();
        assert_eq!(s, Source::Override);
        assert_eq!(
            a,
            vec![
                "127.0.0.2:8443".parse().unwrap(),
                "127.0.0.3:8443".parse().unwrap()
            ]
        );
    }

    #[tokio::test]
    async fn an_exact_override_wins_over_the_wildcard_which_still_answers_other_hosts() {
        let star = crate::config::parse_resolve("*:443:127.0.0.9").unwrap();
        let exact = crate::config::parse_resolve("a.test:443:127.0.0.2,[::1]").unwrap();
        let both = [star, exact];
        let (a, _) = resolve("a.test", 443, &both, far()).await.unwrap();
        assert_eq!(
            a,
            vec![
                "127.0.0.2:443".parse().unwrap(),
                "[::1]:443".parse().unwrap()
            ]
        );
        let (b, s) = resolve("b.test", 443, &both, far()).await.unwrap();
        assert_eq!(
            (b, s),
            (vec!["127.0.0.9:443".parse().unwrap()], Source::Override)
        );
    }

    #[tokio::test]
    async fn localhost_resolves_through_the_system_resolver() {
        let (a, s) = resolve("localhost", 9, &[], far()).await.unwrap();
        assert_eq!(s, Source::Lookup);
        assert!(a.iter().all(|x| x.ip().is_loopback() && x.port() == 9));
    }

    #[test]
    fn resolver_error_kinds_map_to_classes() {
        assert_eq!(classify(K::NoName, "x".into()).class(), "not_found");
        assert_eq!(classify(K::NoData, "x".into()).class(), "no_addresses");
        assert_eq!(classify(K::Again, "x".into()).class(), "failed");
        assert_eq!(classify(K::Fail, "x".into()).class(), "failed");
    }
}

#[cfg(test)]
mod invalid_tld_tests {
    use super::*;

    #[tokio::test]
    async fn names_under_invalid_fail_locally_without_a_lookup() {
        let deadline = Instant::now() + std::time::Duration::from_secs(5);
        for host in ["ws.example.invalid", "INVALID.", "a.b.Invalid"] {
            let err = resolve(host, 443, &[], deadline).await.unwrap_err();
            assert_eq!(err.class(), "not_found", "{host}");
        }
        // An override still wins: the user asked for that address.
        let o = ResolveOverride {
            host: "ws.example.invalid".into(),
            port: 443,
            addrs: vec!["127.0.0.1".parse().unwrap()],
        };
        let (addrs, src) = resolve("ws.example.invalid", 443, &[o], deadline)
            .await
            .unwrap();
        assert_eq!(src, Source::Override);
        assert_eq!(addrs.len(), 1);
    }
}
