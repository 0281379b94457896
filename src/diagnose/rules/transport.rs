//! transport rules: the baseline never got an HTTP answer — name resolution, TCP connect, or a
//! connection that ended (or stalled) before the response head — or a forward proxy that refused
//! to open the tunnel at all; and the addresses of one name that disagree with each other.

use super::Verdict;
use crate::diagnose::cause::Cause;
use crate::diagnose::evidence::{answer, producer, Answer, Facts};
use crate::diagnose::fact::transport::{AddressAnswer, ProxyProtocol, SocksTarget, TransportFact};
use crate::diagnose::fact::Fact;
use crate::model::FailureClass;
use crate::model::{AddressRecord, Finding, Outcome, ProxyRecord, Severity, Stage};

/// The target's name has several addresses and they disagree (the address fan-out's rows) while
/// at least one of them upgrades: another fails before any HTTP answer — a stale AAAA or A record,
/// a dead member of a round robin — or answers with a different status, body or server (one
/// backend of a DNS round robin serves something else). Never when every address behaves the
/// same. When no address upgrades, the answer itself is the problem and another rule decides; the
/// disagreement is then a finding ([`address_findings`]).
pub fn address_inconsistent(f: &Facts) -> Option<Verdict> {
    if !f
        .run
        .addresses
        .iter()
        .any(|r| r.kind == "upgraded" && !r.flaky())
    {
        return None;
    }
    disagreement(f)
}

/// The addresses disagree but the verdict is another cause (no address upgrades): a warning
/// finding, so the stale record is not lost behind the refusal every client also sees.
pub fn address_findings(f: &Facts, verdict: Cause) -> Vec<Finding> {
    if matches!(
        verdict,
        Cause::DnsAddressInconsistent | Cause::ServerLoopbackBind
    ) {
        return Vec::new();
    }
    disagreement(f)
        .map(|v| Finding {
            cause: v.cause,
            severity: Severity::Warning,
            evidence: v.lines(f),
            summary: v.summary,
        })
        .into_iter()
        .collect()
}

/// The verdict for addresses that disagree, whether or not one of them upgrades; `None` when they
/// agree or none got an HTTP answer.
fn disagreement(f: &Facts) -> Option<Verdict> {
    // An address whose second try got another answer than its first was transient: set aside.
    let flaky: Vec<&AddressRecord> = f.run.addresses.iter().filter(|r| r.flaky()).collect();
    let rows: Vec<&AddressRecord> = f.run.addresses.iter().filter(|r| !r.flaky()).collect();
    if rows.len() < 2 {
        return None;
    }
    let (answered, failed): (Vec<&AddressRecord>, Vec<&AddressRecord>) =
        rows.iter().copied().partition(|r| r.status.is_some());
    if answered.is_empty() {
        return None;
    }
    // What an address answered and who produced it: two addresses of one service agree on both.
    let key = |r: &AddressRecord| -> (Option<Answer>, Option<&'static str>) {
        let a = f.get(&r.attempt);
        (a.map(answer), a.and_then(producer).map(|p| p.name))
    };
    let keys: Vec<_> = answered.iter().map(|r| key(r)).collect();
    let answers_differ = keys.iter().any(|k| *k != keys[0]);
    if failed.is_empty() && !answers_differ {
        return None;
    }
    let host = rows
        .iter()
        .find_map(|r| f.get(&r.attempt)?.dns.as_ref().map(|d| d.host.clone()))
        .unwrap_or_else(|| "the host".into());
    let list = |rs: &[&AddressRecord]| -> String {
        rs.iter()
            .map(|r| r.address.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let all = |rs: &[&AddressRecord], fam: &str| rs.iter().all(|r| r.family == fam);
    if let Some(v) = loopback_bind(&host, &answered, &failed) {
        return Some(v);
    }
    let (summary, confidence) = if failed.is_empty() {
        (
            format!(
                "the {} addresses of {host} answer differently: one backend of the DNS round robin serves something else",
                rows.len()
            ),
            0.85,
        )
    } else if all(&failed, "ipv6") && all(&answered, "ipv4") {
        (
            format!(
                "{host}'s IPv6 address {} fails while IPv4 {} answers: a stale or wrong AAAA record",
                list(&failed),
                list(&answered)
            ),
            0.9,
        )
    } else if all(&failed, "ipv4") && all(&answered, "ipv6") {
        (
            format!(
                "{host}'s IPv4 address {} fails while IPv6 {} answers: a stale or wrong A record",
                list(&failed),
                list(&answered)
            ),
            0.9,
        )
    } else {
        (
            format!(
                "{} of the {} addresses of {host} fail before any HTTP answer while the others answer: a stale DNS record or a dead server in the round robin",
                failed.len(),
                rows.len()
            ),
            0.9,
        )
    };
    let mut v = Verdict::new(Cause::DnsAddressInconsistent, confidence, summary);
    for r in rows.iter().copied() {
        v = v.because(TransportFact::AddressRow {
            address: r.address.clone(),
            family: r.family.clone(),
            attempt: r.attempt.clone(),
            kind: r.kind.clone(),
            producer: f.get(&r.attempt).and_then(producer).map(|p| p.name),
            second_try: r.second_try.is_some(),
        });
    }
    v = with_flaky(v, &flaky);
    if let Some(b) = f.base() {
        if let Some(peer) = b
            .tcp
            .as_ref()
            .map(|t| t.peer.as_str())
            .filter(|p| !p.is_empty())
        {
            v = v.because(TransportFact::BaselinePeer {
                peer: peer.to_string(),
            });
        }
    }
    // The decisive attempt: an address that failed, else one that answers unlike the baseline.
    let base_answer = f.base().map(answer);
    let odd = failed.first().copied().or_else(|| {
        answered
            .iter()
            .copied()
            .find(|r| f.get(&r.attempt).map(answer) != base_answer)
    });
    if let Some(r) = odd.or(rows.get(1).copied()) {
        v = v.decided_by(&r.attempt);
    }
    if failed.is_empty() {
        v = v.or(
            Cause::RoutingIntermittent,
            "a load balancer behind one address can also answer differently from call to call: --repeat on each address tells them apart",
        );
    }
    let sample = odd.unwrap_or(rows[0]);
    let (addr, port) = sample
        .address
        .rsplit_once(':')
        .unwrap_or((sample.address.as_str(), ""));
    Some(v.next(format!(
        "wsdoctor {} --resolve '{host}:{port}:{addr}' (one run per address); dig +short A {host} and dig +short AAAA {host} show what DNS publishes",
        f.run.target
    )))
}

/// Names the addresses set aside because their second try answered unlike their first.
fn with_flaky(mut v: Verdict, flaky: &[&AddressRecord]) -> Verdict {
    let answered = |status: Option<u16>, kind: &str| {
        status.map_or_else(
            || AddressAnswer::Failed(kind.to_string()),
            AddressAnswer::Status,
        )
    };
    for r in flaky {
        v = v.because(TransportFact::FlakyAddress {
            address: r.address.clone(),
            first: answered(r.status, &r.kind),
            second: r.second_try.as_ref().map(|t| answered(t.status, &t.kind)),
        });
    }
    v
}

/// `localhost` (or a name under `.localhost`, RFC 6761) resolves to loopback addresses of both
/// families, and the connection is refused on some of them while the others answer: the server
/// listens on one loopback address only. Not a DNS fault: no record is stale, the bind is narrow.
fn loopback_bind(
    host: &str,
    answered: &[&AddressRecord],
    failed: &[&AddressRecord],
) -> Option<Verdict> {
    let host_l = host.to_ascii_lowercase();
    let is_localhost = host_l == "localhost" || host_l.ends_with(".localhost");
    let loopback = |r: &&AddressRecord| {
        let ip = r
            .address
            .rsplit_once(':')
            .map_or(r.address.as_str(), |(a, _)| a);
        ip.trim_matches(|c| c == '[' || c == ']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
    };
    let refused =
        |r: &&AddressRecord| r.kind == "tcp_error" && r.error.as_deref() == Some("refused");
    if !is_localhost
        || failed.is_empty()
        || !failed.iter().all(refused)
        || !answered.iter().chain(failed).all(loopback)
    {
        return None;
    }
    let list = |rs: &[&AddressRecord]| -> String {
        rs.iter()
            .map(|r| r.address.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut v = Verdict::new(
        Cause::ServerLoopbackBind,
        0.9,
        format!(
            "{host} resolves to {} and {}, and the server listens on {} only: a client that tries {} first gets \"connection refused\"",
            list(answered),
            list(failed),
            list(answered),
            list(failed)
        ),
    );
    for r in answered.iter().chain(failed) {
        v = v.because(TransportFact::LoopbackRow {
            address: r.address.clone(),
            family: r.family.clone(),
            attempt: r.attempt.clone(),
            kind: r.kind.clone(),
        });
    }
    if let Some(r) = failed.first() {
        v = v.decided_by(&r.attempt);
    }
    Some(v.next(format!(
        "ss -ltnp | grep ':{}' shows the address the server listens on",
        failed
            .first()
            .and_then(|r| r.address.rsplit_once(':'))
            .map_or("PORT", |(_, p)| p)
    )))
}

/// The forward proxy (`--proxy`, `HTTPS_PROXY`…) answered the CONNECT with a non-2xx status, or
/// a SOCKS5 proxy refused it (its rules, its login, a server failure): the target was never
/// reached, so nothing about it can be said. A SOCKS5 reply that reports the proxy's own connect to
/// the target failing (refused, unreachable, timed out) is the target's TCP fault seen from the
/// proxy: [`tcp_failed`] says so.
pub fn forward_proxy_refused(f: &Facts) -> Option<Verdict> {
    let b = f.base()?;
    let p = b.proxy.as_ref()?;
    if let Some(reply) = p.reply.as_deref() {
        return socks_refused(p, reply);
    }
    let Some(status) = p.status else {
        return proxy_stage_broke(b, p);
    };
    if (200..300).contains(&status) {
        return None;
    }
    let reason = p.response.as_ref().map(|r| r.reason.as_str()).unwrap_or("");
    let mut v = Verdict::new(
        Cause::ProxyForwardProxyRefused,
        0.95,
        format!(
            "the forward proxy {} refused to open a tunnel to {} ({status} {reason}); the target was never reached",
            p.url, p.connect
        ),
    )
    .because(TransportFact::ConnectRefused {
        connect: p.connect.clone(),
        proxy: p.url.clone(),
        source: p.source.clone(),
        status,
        reason: reason.to_string(),
    });
    if let Some(r) = &p.response {
        for h in r.headers.iter().filter(|h| {
            ["proxy-authenticate", "server", "via"]
                .iter()
                .any(|n| h.name.eq_ignore_ascii_case(n))
        }) {
            v = v.because(TransportFact::ProxyHeader {
                name: h.name.clone(),
                value: h.value.clone(),
            });
        }
        let body = r.body_excerpt.trim();
        if !body.is_empty() {
            let line: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
            let short: String = line.chars().take(160).collect();
            v = v.because(TransportFact::ProxyBody { excerpt: short });
        }
    }
    v = match status {
        407 if p.authenticated => v
            .because(TransportFact::ProxyCredentials {
                protocol: ProxyProtocol::Http,
                sent: true,
            })
            .next("check the proxy user and password in --proxy http://user:pass@host:port (or HTTPS_PROXY)"),
        407 => v
            .because(TransportFact::ProxyCredentials {
                protocol: ProxyProtocol::Http,
                sent: false,
            })
            .next("give the proxy credentials: --proxy http://user:pass@host:port (or in HTTPS_PROXY)"),
        _ => v.next(format!(
            "ask the proxy's administrator to allow CONNECT to {} (port allow-lists such as tinyproxy ConnectPort or squid SSL_ports), or bypass it with --noproxy {}",
            p.connect,
            p.connect.rsplit_once(':').map_or(p.connect.as_str(), |(h, _)| h)
        )),
    };
    Some(v)
}

/// SOCKS5 replies that report the proxy's own TCP connect to the target failing.
const SOCKS_TARGET_UNREACHABLE: [&str; 4] = [
    "connection_refused",
    "host_unreachable",
    "network_unreachable",
    "ttl_expired",
];

/// The host part of `host:port` (brackets kept for IPv6).
fn host_of(authority: &str) -> &str {
    authority.rsplit_once(':').map_or(authority, |(h, _)| h)
}

/// A SOCKS5 proxy's refusal: its rules, its login, or a failure of its own.
fn socks_refused(p: &ProxyRecord, reply: &str) -> Option<Verdict> {
    if reply == "succeeded" || SOCKS_TARGET_UNREACHABLE.contains(&reply) {
        return None;
    }
    let proxy_url = format!("--proxy {}://user:pass@{}", p.kind, host_of_url(&p.url));
    let (why, next) = match reply {
        "connection_not_allowed_by_ruleset" => (
            "its rules do not allow this client to connect to the target".to_string(),
            format!(
                "ask the proxy's administrator to allow {} in its rules (Dante: a `socks pass` rule for the host and port, ahead of any `socks block`), or bypass it with --noproxy {}",
                p.connect,
                host_of(&p.connect)
            ),
        ),
        "auth_failed" => (
            "it refused the username and password (RFC 1929)".to_string(),
            format!("check the proxy user and password in {proxy_url} (or in {})", p.source),
        ),
        "no_acceptable_auth_methods" if p.authenticated => (
            "it accepts neither no authentication nor username/password (it may want GSSAPI)".to_string(),
            "ask the proxy's administrator which SOCKS5 authentication it wants; wsdoctor offers none and username/password".to_string(),
        ),
        "no_acceptable_auth_methods" | "auth_required" => (
            "it requires a login and no credentials were given".to_string(),
            format!("give the proxy credentials: {proxy_url} (or in {})", p.source),
        ),
        "general_failure" => (
            "it reported a general SOCKS server failure".to_string(),
            format!(
                "read the proxy's log for CONNECT {}; a socks5h:// proxy that cannot resolve the name can answer this too: try socks5:// to resolve it here",
                p.connect
            ),
        ),
        other => (
            format!("it does not support the request ({other})"),
            "try socks5h:// (name) or socks5:// (address), or ask the proxy's administrator".to_string(),
        ),
    };
    let mut v = Verdict::new(
        Cause::ProxyForwardProxyRefused,
        0.95,
        format!(
            "the SOCKS5 proxy {} refused to open a connection to {}: {why}; the target was never reached",
            p.url, p.connect
        ),
    )
    .because(socks_request_line(p, reply));
    v = v.because(TransportFact::ProxyCredentials {
        protocol: ProxyProtocol::Socks5,
        sent: p.authenticated,
    });
    Some(v.next(next))
}

/// The proxy was reached but the proxy stage ended without an answer: it closed or reset the
/// connection, spoke another protocol (a SOCKS5 URL pointing at an HTTP proxy), or stayed silent.
/// The tunnel was never opened, so this is the proxy's, not the target's.
fn proxy_stage_broke(b: &crate::model::AttemptRecord, p: &ProxyRecord) -> Option<Verdict> {
    if !b
        .stages
        .iter()
        .any(|s| s.stage == Stage::Proxy && s.status == crate::model::StageStatus::Failed)
    {
        return None;
    }
    let what = match &b.outcome {
        Outcome::ProtocolViolation { error, .. } => error.replace('_', " "),
        Outcome::Timeout {
            stage: Stage::Proxy,
        } => "no answer before the deadline".to_string(),
        _ => return None,
    };
    let other = if p.kind == "http" {
        "socks5://"
    } else {
        "http://"
    };
    Some(
        Verdict::new(
            Cause::ProxyForwardProxyRefused,
            0.8,
            format!(
                "the forward proxy {} did not open a tunnel to {} ({what}); the target was never reached",
                p.url, p.connect
            ),
        )
        .because(TransportFact::ProxyStage {
            attempt: b.variant.id.clone(),
        })
        .because(Fact::cited(b))
        .next(format!(
            "check that {} speaks {} (an HTTP proxy needs http://, a SOCKS5 proxy socks5:// or socks5h://; try {other}), and read its log",
            host_of_url(&p.url),
            if p.kind == "http" { "HTTP CONNECT" } else { "SOCKS5" }
        )),
    )
}

/// `host:port` of a proxy URL shown as `scheme://host:port`.
fn host_of_url(url: &str) -> &str {
    url.split_once("://").map_or(url, |(_, rest)| rest)
}

/// `SOCKS5 CONNECT … via … (from …) -> reply`, with who resolved the name.
fn socks_request_line(p: &ProxyRecord, reply: &str) -> TransportFact {
    let literal = host_of(&p.connect)
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<std::net::IpAddr>()
        .is_ok();
    let target = match (&p.resolved, p.kind.as_str()) {
        (Some(address), _) => SocksTarget::ResolvedHere {
            address: address.clone(),
        },
        (None, "socks5h") if !literal => SocksTarget::ProxyResolves,
        (None, _) => SocksTarget::AsGiven,
    };
    TransportFact::SocksConnect {
        connect: p.connect.clone(),
        target,
        proxy: p.url.clone(),
        source: p.source.clone(),
        reply: reply.to_string(),
    }
}

/// A TCP failure through a forward proxy: either the proxy itself could not be reached (the tcp
/// stage, which is about the proxy), or a SOCKS5 proxy reported that its own connect to the
/// target failed. Either way the verdict names which hop failed.
fn tcp_failed_via_proxy(
    b: &crate::model::AttemptRecord,
    p: &ProxyRecord,
    cause: Cause,
    summary: &str,
) -> Verdict {
    match p.reply.as_deref() {
        Some(reply) => {
            let what = match reply {
                "connection_refused" => "its connection to the target was refused: nothing listens there, as seen from the proxy".to_string(),
                "ttl_expired" => "its connection to the target timed out (TTL expired)".to_string(),
                _ if p.kind == "socks5h" => format!(
                    "it cannot reach the target ({reply}): the target is not routable from the proxy's network, or the proxy cannot resolve {}",
                    host_of(&p.connect)
                ),
                _ => format!("it cannot reach the target ({reply}): the target is not routable from the proxy's network"),
            };
            let mut v = Verdict::new(
                cause,
                0.9,
                format!(
                    "the SOCKS5 proxy {} works, but could not connect to {}: {what}",
                    p.url, p.connect
                ),
            )
            .because(socks_request_line(p, reply))
            .because(Fact::cited(b));
            if reply != "connection_refused" {
                v = v.or(
                    Cause::ProxyForwardProxyRefused,
                    "a proxy that cannot route to the target's network is the proxy's configuration, not the target's",
                );
            }
            let next = match &p.resolved {
                Some(addr) => format!(
                    "the address was resolved here ({addr}); if the proxy knows the target under another address, use socks5h:// so the proxy resolves {}; else check that the server listens on {} and that the proxy's network can reach it",
                    host_of(&p.connect),
                    p.connect
                ),
                None => format!(
                    "check that the server listens on {} and that the proxy's network (firewall, routes) can reach it",
                    p.connect
                ),
            };
            v.next(next)
        }
        None => Verdict::new(
            cause,
            0.95,
            format!(
                "the forward proxy {} (from {}) cannot be reached — {summary}; the target {} was never contacted",
                p.url, p.source, p.connect
            ),
        )
        .because(Fact::cited(b))
        .next(format!(
            "check the proxy's host and port in {} and that the proxy is running, or bypass it with --noproxy {}",
            p.source,
            host_of(&p.connect)
        )),
    }
}

/// The host name does not resolve (or resolution timed out).
pub fn dns_failed(f: &Facts) -> Option<Verdict> {
    let b = f.base()?;
    let detail = match &b.outcome {
        Outcome::DnsError { error, detail } => TransportFact::DnsFailed {
            error: error.clone(),
            detail: detail.clone(),
        },
        Outcome::Timeout { stage: Stage::Dns } => TransportFact::DnsTimedOut,
        _ => return None,
    };
    // Through a forward proxy the dns stage looks up the proxy; a socks5:// proxy stage looks up
    // the target here (the proxy stage failed, the dns stage did not).
    let proxy_stage_failed = b
        .stages
        .iter()
        .any(|s| s.stage == Stage::Proxy && s.status == crate::model::StageStatus::Failed);
    let summary = match &b.proxy {
        Some(p) if proxy_stage_failed => format!(
            "the target's name does not resolve here, and {}:// resolves it before asking the proxy {}",
            p.kind, p.url
        ),
        Some(p) => format!(
            "the forward proxy's host name does not resolve ({} from {}); the target {} was never contacted",
            p.url, p.source, p.connect
        ),
        None => "the host name does not resolve, so no connection was attempted".to_string(),
    };
    let next = match &b.proxy {
        Some(p) if proxy_stage_failed => format!(
            "use {}h:// so the proxy resolves {}, or pass --resolve HOST:PORT:ADDR",
            p.kind,
            host_of(&p.connect)
        ),
        Some(p) => format!("check the proxy's host name in {} ({})", p.source, p.url),
        None => "check the host name for typos, or pass --resolve HOST:PORT:ADDR to test a known address".to_string(),
    };
    Some(
        Verdict::new(Cause::DnsResolutionFailed, 0.95, summary)
            .because(Fact::cited(b))
            .because(detail)
            .next(next),
    )
}

/// TCP connect failed: refused, timed out, unreachable, or reset.
pub fn tcp_failed(f: &Facts) -> Option<Verdict> {
    let b = f.base()?;
    let (cause, summary, next) = match &b.outcome {
        Outcome::TcpError { .. } => match b.outcome.class() {
            Some(FailureClass::Refused) => (
                Cause::TcpRefused,
                "the host answers but nothing listens on that port",
                "check the port in the URL and that the server (or the proxy's listener) is running",
            ),
            Some(FailureClass::Timeout) => (
                Cause::TcpTimeout,
                "the TCP connect got no answer (a firewall drops it, or the host is down)",
                "check security groups/firewall rules for the port, then retry with a longer --timeout",
            ),
            Some(FailureClass::Unreachable) => (
                Cause::TcpUnreachable,
                "the network or host is unreachable from here",
                "check routing/VPN to the host; try from a machine in the same network",
            ),
            Some(FailureClass::Reset) => (
                Cause::TcpReset,
                "the connection was reset during connect",
                "look for a firewall or a listener that rejects this client",
            ),
            _ => return None,
        },
        Outcome::Timeout { stage: Stage::Tcp } => (
            Cause::TcpTimeout,
            "the TCP connect did not finish within the time budget",
            "check firewall rules for the port, then retry with a longer --timeout",
        ),
        _ => return None,
    };
    let mut v = match &b.proxy {
        Some(p) => tcp_failed_via_proxy(b, p, cause, summary),
        None => Verdict::new(cause, 0.95, summary)
            .because(Fact::cited(b))
            .next(next),
    };
    if let Some(tcp) = &b.tcp {
        for failed in &tcp.failed {
            v = v.because(TransportFact::ConnectFailed {
                address: failed.address.clone(),
                error: failed.error.clone(),
            });
        }
    }
    Some(v)
}

/// The connection ended or stalled before an HTTP response head: a reset without answer is
/// `tcp.reset`; a server that accepts the connection but never answers is `server.timeout`.
pub fn no_http_answer(f: &Facts) -> Option<Verdict> {
    let b = f.base()?;
    match &b.outcome {
        Outcome::ProtocolViolation { .. }
            if b.outcome.class() == Some(FailureClass::ConnectionReset) =>
        {
            Some(
            Verdict::new(
                Cause::TcpReset,
                0.85,
                "the connection was reset after the upgrade request was sent, before any HTTP answer",
            )
            .because(Fact::cited(b))
            .or(
                Cause::ProxyAccessDenied,
                "a WAF or firewall that resets requests it dislikes looks the same",
            )
            .next("retry with --direct to the backend to see whether the reset comes from the path in front of it"),
        )
        }
        Outcome::Timeout {
            stage: Stage::Upgrade,
        } => Some(
            Verdict::new(
                Cause::ServerTimeout,
                0.85,
                "the server accepted the connection but never answered the upgrade request",
            )
            .because(Fact::cited(b))
            .or(
                Cause::ProxyBadGateway,
                "a proxy waiting on a hung upstream also stays silent until its own timeout",
            )
            .next("retry with a longer --timeout; if it still hangs, probe the backend with --direct"),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::diagnose;
    use crate::diagnose::rules::testkit::*;
    use crate::model::{ProxyRecord, WireHeader, WireResponse};

    fn verdict(r: &crate::model::Run) -> Option<Verdict> {
        address_inconsistent(&Facts::new(r))
    }

    /// Sets the name every attempt looked up.
    fn named(mut r: crate::model::Run, host: &str) -> crate::model::Run {
        for a in &mut r.attempts {
            a.dns = Some(crate::model::DnsRecord {
                host: host.into(),
                addresses: vec!["127.0.0.1".into(), "::1".into()],
                overridden: false,
            });
        }
        r
    }

    /// Gives address row `i` a second try with this kind and status.
    fn second_try(
        mut r: crate::model::Run,
        i: usize,
        kind: &str,
        status: Option<u16>,
    ) -> crate::model::Run {
        r.addresses[i].second_try = Some(crate::model::AddressTry {
            kind: kind.into(),
            status,
            error: None,
            ms: 1.0,
        });
        r
    }

    #[test]
    fn an_address_that_answers_on_its_second_try_is_transient_not_inconsistent() {
        let timed_out_once = run(vec![attempt("baseline").upgraded()])
            .address("127.0.0.1:8080", attempt("x").upgraded())
            .address("[::1]:8080", attempt("x").tcp("timeout"))
            .build();
        let timed_out_once = second_try(timed_out_once, 0, "upgraded", Some(101));
        let timed_out_once = second_try(timed_out_once, 1, "upgraded", Some(101));
        assert!(timed_out_once.addresses[1].flaky());
        // A second try that timed out decides nothing: the first answer stands.
        let cut = run(vec![attempt("baseline").upgraded()])
            .address("127.0.0.1:8080", attempt("x").upgraded())
            .address("[::1]:8080", attempt("x").tcp("refused"))
            .build();
        let cut = second_try(cut, 1, "timeout", None);
        assert!(!cut.addresses[1].flaky());
        assert_eq!(
            verdict(&cut).map(|v| v.cause),
            Some(Cause::DnsAddressInconsistent)
        );
        assert_eq!(verdict(&timed_out_once).map(|v| v.cause), None);
        assert_eq!(
            crate::diagnose::diagnose(&timed_out_once).0.cause,
            Cause::Healthy
        );
        // The same failure twice stands, and the evidence says it was seen twice.
        let twice = run(vec![attempt("baseline").upgraded()])
            .address("127.0.0.1:8080", attempt("x").upgraded())
            .address("[::1]:8080", attempt("x").tcp("timeout"))
            .build();
        let twice = second_try(twice, 0, "upgraded", Some(101));
        let twice = second_try(twice, 1, "tcp_error", None);
        let v = verdict(&twice).unwrap();
        assert_eq!(v.cause, Cause::DnsAddressInconsistent);
        assert!(
            v.evidence.iter().any(|e| matches!(
                e,
                Fact::Transport(TransportFact::AddressRow { address, attempt, second_try: true, .. })
                    if address == "[::1]:8080" && attempt == "address.1"
            )),
            "{:?}",
            v.evidence
        );
        // Three addresses, one transient and one for real: the verdict stands on the real one and
        // names the transient one as set aside.
        let mixed = run(vec![attempt("baseline").upgraded()])
            .address("127.0.0.1:8080", attempt("x").upgraded())
            .address("127.0.0.2:8080", attempt("x").tcp("refused"))
            .address("127.0.0.3:8080", attempt("x").tcp("timeout"))
            .build();
        let mixed = second_try(mixed, 0, "upgraded", Some(101));
        let mixed = second_try(mixed, 1, "tcp_error", None);
        let mixed = second_try(mixed, 2, "upgraded", Some(101));
        let v = verdict(&mixed).unwrap();
        assert_eq!(v.decisive.as_deref(), Some("address.1"));
        assert!(
            v.evidence
                .contains(&Fact::Transport(TransportFact::FlakyAddress {
                    address: "127.0.0.3:8080".into(),
                    first: AddressAnswer::Failed("tcp_error".into()),
                    second: Some(AddressAnswer::Status(101)),
                })),
            "{:?}",
            v.evidence
        );
    }

    #[test]
    fn localhost_refused_on_one_loopback_family_is_a_narrow_bind_not_dns() {
        let r = named(
            run(vec![attempt("baseline").upgraded()])
                .address("127.0.0.1:8080", attempt("x").upgraded())
                .address("[::1]:8080", attempt("x").tcp("refused"))
                .build(),
            "localhost",
        );
        let v = verdict(&r).unwrap();
        assert_eq!(v.cause, Cause::ServerLoopbackBind);
        assert!(
            v.summary.contains("listens on 127.0.0.1:8080 only"),
            "{}",
            v.summary
        );
        assert_eq!(v.decisive.as_deref(), Some("address.1"));
        assert_eq!(
            crate::diagnose::diagnose(&r).0.cause,
            Cause::ServerLoopbackBind
        );
        // Near misses: another name with the same addresses is a DNS matter (an AAAA that points
        // at a loopback is still a stale record); localhost answering differently (not refused)
        // is not a bind.
        let other = named(
            run(vec![attempt("baseline").upgraded()])
                .address("127.0.0.1:8080", attempt("x").upgraded())
                .address("[::1]:8080", attempt("x").tcp("refused"))
                .build(),
            "api.example.test",
        );
        assert_eq!(
            verdict(&other).unwrap().cause,
            Cause::DnsAddressInconsistent
        );
        let differs = named(
            run(vec![attempt("baseline").upgraded()])
                .address("127.0.0.1:8080", attempt("x").upgraded())
                .address("[::1]:8080", attempt("x").rejected(403, "no"))
                .build(),
            "localhost",
        );
        assert_eq!(
            verdict(&differs).unwrap().cause,
            Cause::DnsAddressInconsistent
        );
    }

    #[test]
    fn an_ipv6_address_refused_while_ipv4_upgrades_is_a_stale_aaaa() {
        let r = run(vec![attempt("baseline").upgraded()])
            .address("127.0.0.1:8080", attempt("x").upgraded())
            .address("[::1]:8080", attempt("x").tcp("refused"))
            .build();
        let v = verdict(&r).unwrap();
        assert_eq!(v.cause, Cause::DnsAddressInconsistent);
        assert!(
            v.summary.contains("IPv6 address [::1]:8080 fails"),
            "{}",
            v.summary
        );
        assert!(v.summary.contains("AAAA"), "{}", v.summary);
        let rows: Vec<(&str, &str, &str)> = v
            .evidence
            .iter()
            .filter_map(|e| match e {
                Fact::Transport(TransportFact::AddressRow {
                    address,
                    family,
                    attempt,
                    ..
                }) => Some((address.as_str(), family.as_str(), attempt.as_str())),
                _ => None,
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                ("127.0.0.1:8080", "ipv4", "address.0"),
                ("[::1]:8080", "ipv6", "address.1")
            ]
        );
        assert_eq!(v.decisive.as_deref(), Some("address.1"));
        assert!(v.next_step.unwrap().contains("--resolve"));
        // The whole rule table puts it before ok.healthy.
        assert_eq!(
            crate::diagnose::diagnose(&r).0.cause,
            Cause::DnsAddressInconsistent
        );
    }

    #[test]
    fn a_round_robin_member_with_another_status_or_server_is_inconsistent() {
        let r = run(vec![attempt("baseline").upgraded()])
            .address("127.0.0.1:80", attempt("x").upgraded())
            .address("127.0.0.2:80", attempt("x").rejected(403, ""))
            .build();
        let v = verdict(&r).unwrap();
        assert!(v.summary.contains("answer differently"), "{}", v.summary);
        assert_eq!(v.decisive.as_deref(), Some("address.1"));
        assert!(v
            .alternatives
            .iter()
            .any(|a| a.cause == Cause::RoutingIntermittent));
        // Same status, another producer: nginx refuses on one address, uvicorn on the other.
        let nginx = [("Server", "nginx/1.22.1"), ("Content-Type", "text/html")];
        let uvicorn = [("server", "uvicorn"), ("content-length", "0")];
        let r = run(vec![attempt("baseline").rejected_with(
            403,
            &nginx,
            "<html>403</html>",
        )])
        .address(
            "10.0.0.1:80",
            attempt("x").rejected_with(403, &nginx, "<html>403</html>"),
        )
        .address(
            "10.0.0.2:80",
            attempt("x").rejected_with(403, &uvicorn, "<html>403</html>"),
        )
        .build();
        // No address upgrades: the refusal decides, and the disagreement is a warning finding.
        assert!(verdict(&r).is_none());
        let (d, findings) = crate::diagnose::diagnose(&r);
        assert_ne!(d.cause, Cause::DnsAddressInconsistent);
        let finding = findings
            .iter()
            .find(|f| f.cause == Cause::DnsAddressInconsistent)
            .expect("an address finding");
        assert_eq!(finding.severity, Severity::Warning);
        // The finding is the disagreement's facts, worded; they name who answered each address.
        let facts = Facts::new(&r);
        let v = disagreement(&facts).expect("the addresses disagree");
        assert_eq!(finding.evidence, v.lines(&facts));
        let producers: Vec<Option<&str>> = v
            .evidence
            .iter()
            .filter_map(|e| match e {
                Fact::Transport(TransportFact::AddressRow { producer, .. }) => Some(*producer),
                _ => None,
            })
            .collect();
        assert_eq!(producers, vec![Some("nginx"), Some("uvicorn")]);
    }

    #[test]
    fn an_expired_certificate_on_one_address_is_inconsistent_and_wins_over_the_tls_rule() {
        let r = run(vec![attempt("baseline").tls("expired_certificate")])
            .address("192.0.2.1:443", attempt("x").tls("expired_certificate"))
            .address("192.0.2.2:443", attempt("x").upgraded())
            .build();
        let (d, _) = crate::diagnose::diagnose(&r);
        assert_eq!(d.cause, Cause::DnsAddressInconsistent);
        assert!(d.summary.contains("1 of the 2 addresses"), "{}", d.summary);
    }

    #[test]
    fn a_dead_address_beside_one_that_refuses_too_is_a_finding_beside_the_refusal() {
        let r = run(no_cred(
            vec![attempt("baseline").rejected(404, "Not Found")],
        ))
        .address("127.0.0.1:80", attempt("x").rejected(404, "Not Found"))
        .address("[::1]:80", attempt("x").tcp("refused"))
        .build();
        let (d, findings) = crate::diagnose::diagnose(&r);
        assert_eq!(d.cause, Cause::RoutingNotFound);
        let f = findings
            .iter()
            .find(|f| f.cause == Cause::DnsAddressInconsistent)
            .expect("an address finding");
        assert!(f.summary.contains("AAAA"), "{}", f.summary);
    }

    #[test]
    fn near_miss_addresses_that_agree_or_all_fail_are_not_inconsistent() {
        let same = run(vec![attempt("baseline").upgraded()])
            .address("127.0.0.1:80", attempt("x").upgraded())
            .address("[::1]:80", attempt("x").upgraded())
            .build();
        assert!(verdict(&same).is_none());
        assert_eq!(crate::diagnose::diagnose(&same).0.cause, Cause::Healthy);
        let same_refusal = run(vec![attempt("baseline").rejected(403, "no")])
            .address("127.0.0.1:80", attempt("x").rejected(403, "no"))
            .address("[::1]:80", attempt("x").rejected(403, "no"))
            .build();
        assert!(verdict(&same_refusal).is_none());
        assert!(
            address_findings(&Facts::new(&same_refusal), Cause::AuthMissingCredentials).is_empty()
        );
        // Nowhere answers: a tcp problem, told by the tcp rule, even if the classes differ.
        let dead = run(vec![attempt("baseline").tcp("refused")])
            .address("127.0.0.1:80", attempt("x").tcp("refused"))
            .address("[::1]:80", attempt("x").timeout(Stage::Tcp))
            .build();
        assert!(verdict(&dead).is_none());
        assert_eq!(crate::diagnose::diagnose(&dead).0.cause, Cause::TcpRefused);
        // One address: nothing to compare.
        let one = run(vec![attempt("baseline").upgraded()])
            .address("127.0.0.1:80", attempt("x").upgraded())
            .build();
        assert!(verdict(&one).is_none());
    }

    fn via_proxy(status: u16, authenticated: bool) -> crate::model::Run {
        let mut b = attempt("baseline").rejected(status, "");
        b.proxy = Some(ProxyRecord {
            url: "http://127.0.0.1:3128".into(),
            kind: "http".into(),
            source: "--proxy".into(),
            connect: "app.test:443".into(),
            authenticated,
            resolved: None,
            reply: None,
            status: Some(status),
            response: Some(WireResponse {
                version: "HTTP/1.0".into(),
                status,
                reason: "Proxy Authentication Required".into(),
                headers: vec![WireHeader {
                    name: "Proxy-Authenticate".into(),
                    value: "Basic realm=\"tinyproxy\"".into(),
                }],
                body_excerpt: "<h1>Unauthorized</h1>".into(),
                body_bytes: 21,
                body_truncated: false,
            }),
        });
        run(vec![b]).build()
    }

    #[test]
    fn a_refused_connect_is_forward_proxy_refused_with_the_proxys_answer() {
        let r = via_proxy(407, false);
        let v = forward_proxy_refused(&Facts::new(&r)).unwrap();
        assert_eq!(v.cause, Cause::ProxyForwardProxyRefused);
        assert_eq!(
            v.evidence,
            vec![
                Fact::Transport(TransportFact::ConnectRefused {
                    connect: "app.test:443".into(),
                    proxy: "http://127.0.0.1:3128".into(),
                    source: "--proxy".into(),
                    status: 407,
                    reason: "Proxy Authentication Required".into(),
                }),
                Fact::Transport(TransportFact::ProxyHeader {
                    name: "Proxy-Authenticate".into(),
                    value: "Basic realm=\"tinyproxy\"".into(),
                }),
                Fact::Transport(TransportFact::ProxyBody {
                    excerpt: "<h1>Unauthorized</h1>".into(),
                }),
                Fact::Transport(TransportFact::ProxyCredentials {
                    protocol: ProxyProtocol::Http,
                    sent: false,
                }),
            ]
        );
        let r = via_proxy(403, false);
        let v = forward_proxy_refused(&Facts::new(&r)).unwrap();
        assert!(v
            .next_step
            .is_some_and(|n| n.contains("allow CONNECT to app.test:443")));
    }

    #[test]
    fn near_miss_an_open_tunnel_or_no_proxy_is_not_forward_proxy_refused() {
        let mut r = via_proxy(200, false);
        assert!(forward_proxy_refused(&Facts::new(&r)).is_none());
        r.attempts[0].proxy = None;
        assert!(forward_proxy_refused(&Facts::new(&r)).is_none());
    }

    /// A baseline through a SOCKS5 proxy that answered `reply` (None: never reached).
    fn via_socks(
        kind: &str,
        reply: Option<&str>,
        outcome: crate::model::AttemptRecord,
    ) -> crate::model::Run {
        let mut b = outcome;
        b.proxy = Some(ProxyRecord {
            url: format!("{kind}://127.0.0.1:1080"),
            kind: kind.into(),
            source: "ALL_PROXY".into(),
            connect: "app.test:8080".into(),
            authenticated: false,
            resolved: (kind == "socks5").then(|| "10.0.0.7:8080".to_string()),
            status: None,
            response: None,
            reply: reply.map(String::from),
        });
        run(vec![b]).build()
    }

    #[test]
    fn a_socks5_refusal_is_forward_proxy_refused_with_the_reply_and_its_fix() {
        let r = via_socks(
            "socks5",
            Some("connection_not_allowed_by_ruleset"),
            attempt("baseline").tcp("proxy_refused"),
        );
        assert_eq!(diagnose(&r).0.cause, Cause::ProxyForwardProxyRefused);
        let v = forward_proxy_refused(&Facts::new(&r)).expect("a refusal");
        assert!(
            v.evidence
                .contains(&Fact::Transport(TransportFact::SocksConnect {
                    connect: "app.test:8080".into(),
                    target: SocksTarget::ResolvedHere {
                        address: "10.0.0.7:8080".into()
                    },
                    proxy: "socks5://127.0.0.1:1080".into(),
                    source: "ALL_PROXY".into(),
                    reply: "connection_not_allowed_by_ruleset".into(),
                })),
            "{:?}",
            v.evidence
        );
        assert!(v
            .next_step
            .is_some_and(|n| n.contains("allow app.test:8080") && n.contains("socks pass")));
        for (reply, next) in [
            ("auth_failed", "check the proxy user and password"),
            (
                "no_acceptable_auth_methods",
                "give the proxy credentials: --proxy socks5://user:pass@127.0.0.1:1080",
            ),
            ("general_failure", "read the proxy's log"),
        ] {
            let r = via_socks(
                "socks5",
                Some(reply),
                attempt("baseline").tcp("proxy_refused"),
            );
            let v = forward_proxy_refused(&Facts::new(&r)).unwrap();
            assert!(
                v.evidence.iter().any(|e| matches!(
                    e,
                    Fact::Transport(TransportFact::SocksConnect { reply: r, .. }) if r == reply
                )),
                "{reply}"
            );
            assert!(
                v.next_step.as_deref().is_some_and(|n| n.contains(next)),
                "{reply}: {:?}",
                v.next_step
            );
        }
    }

    #[test]
    fn a_socks5_proxy_that_cannot_reach_the_target_is_the_targets_tcp_failure_named_as_such() {
        for (reply, class, cause) in [
            ("connection_refused", "refused", Cause::TcpRefused),
            ("host_unreachable", "unreachable", Cause::TcpUnreachable),
            ("network_unreachable", "unreachable", Cause::TcpUnreachable),
            ("ttl_expired", "timeout", Cause::TcpTimeout),
        ] {
            let r = via_socks("socks5h", Some(reply), attempt("baseline").tcp(class));
            assert!(forward_proxy_refused(&Facts::new(&r)).is_none(), "{reply}");
            let v = diagnose(&r).0;
            assert_eq!(v.cause, cause, "{reply}");
            assert!(
                v.summary.starts_with("the SOCKS5 proxy socks5h://127.0.0.1:1080 works, but could not connect to app.test:8080"),
                "{}",
                v.summary
            );
            let tcp = tcp_failed(&Facts::new(&r)).expect("a tcp verdict");
            assert!(
                tcp.evidence
                    .contains(&Fact::Transport(TransportFact::SocksConnect {
                        connect: "app.test:8080".into(),
                        target: SocksTarget::ProxyResolves,
                        proxy: "socks5h://127.0.0.1:1080".into(),
                        source: "ALL_PROXY".into(),
                        reply: reply.into(),
                    })),
                "{reply}: {:?}",
                tcp.evidence
            );
        }
        // socks5h with host_unreachable: the proxy may not resolve the name.
        let r = via_socks(
            "socks5h",
            Some("host_unreachable"),
            attempt("baseline").tcp("unreachable"),
        );
        assert!(diagnose(&r).0.summary.contains("cannot resolve app.test"));
        // socks5: the address was resolved here; socks5h is the next thing to try.
        let r = via_socks(
            "socks5",
            Some("connection_refused"),
            attempt("baseline").tcp("refused"),
        );
        assert!(diagnose(&r).0.next_step.is_some_and(|n| n
            .contains("resolved here (10.0.0.7:8080)")
            && n.contains("socks5h://")));
    }

    #[test]
    fn a_proxy_that_breaks_off_the_handshake_is_the_proxys_not_the_servers() {
        let mut b = attempt("baseline").violation("malformed_response");
        b.stages.push(crate::model::StageRecord {
            stage: Stage::Proxy,
            status: crate::model::StageStatus::Failed,
            ms: Some(1.0),
            summary: "SOCKS5 127.0.0.1:1080 (--proxy) -> CONNECT 127.0.0.1:80: the proxy does not answer in SOCKS5".into(),
            error: Some("malformed_response".into()),
        });
        let r = via_socks("socks5", None, b);
        let v = diagnose(&r).0;
        assert_eq!(v.cause, Cause::ProxyForwardProxyRefused);
        assert!(v.summary.contains("did not open a tunnel"), "{}", v.summary);
        assert!(v.next_step.is_some_and(|n| n.contains("try http://")));
        // The evidence is the failed proxy stage, worded as the probe summed it up, and the
        // baseline.
        let facts = Facts::new(&r);
        let v = forward_proxy_refused(&facts).expect("the proxy's");
        assert_eq!(
            v.evidence,
            vec![
                Fact::Transport(TransportFact::ProxyStage {
                    attempt: "baseline".into()
                }),
                Fact::Cited {
                    attempt: "baseline".into()
                },
            ]
        );
        assert_eq!(
            v.lines(&facts)[0],
            "SOCKS5 127.0.0.1:1080 (--proxy) -> CONNECT 127.0.0.1:80: the proxy does not answer in SOCKS5"
        );
        // A violation from the target itself (no failed proxy stage) is not the proxy's.
        let target = via_socks(
            "socks5",
            Some("succeeded"),
            attempt("baseline").violation("malformed_response"),
        );
        assert!(forward_proxy_refused(&Facts::new(&target)).is_none());
    }

    #[test]
    fn a_proxy_that_cannot_be_reached_is_named_not_the_target() {
        let r = via_socks("socks5", None, attempt("baseline").tcp("refused"));
        let v = diagnose(&r).0;
        assert_eq!(v.cause, Cause::TcpRefused);
        assert!(
            v.summary.starts_with(
                "the forward proxy socks5://127.0.0.1:1080 (from ALL_PROXY) cannot be reached"
            ) && v
                .summary
                .contains("the target app.test:8080 was never contacted"),
            "{}",
            v.summary
        );
        assert!(v
            .next_step
            .is_some_and(|n| n.contains("proxy's host and port in ALL_PROXY")));
        // The proxy's own name does not resolve.
        let r = via_socks("socks5h", None, attempt("baseline").dns("not_found"));
        let v = diagnose(&r).0;
        assert_eq!(v.cause, Cause::DnsResolutionFailed);
        assert!(
            v.summary
                .contains("the forward proxy's host name does not resolve"),
            "{}",
            v.summary
        );
        // Without a proxy the wording is unchanged.
        let plain = run(vec![attempt("baseline").tcp("refused")]).build();
        assert!(!diagnose(&plain).0.summary.contains("proxy"));
    }

    #[test]
    fn dns_failure_is_resolution_failed() {
        let r = run(vec![attempt("baseline").dns("not_found")]).build();
        let v = dns_failed(&Facts::new(&r)).map(|v| v.cause);
        assert_eq!(v, Some(Cause::DnsResolutionFailed));
        let ok = run(vec![attempt("baseline").tcp("refused")]).build();
        assert!(dns_failed(&Facts::new(&ok)).is_none());
    }

    #[test]
    fn tcp_failures_map_to_their_causes() {
        for (err, cause) in [
            ("refused", Cause::TcpRefused),
            ("timeout", Cause::TcpTimeout),
            ("unreachable", Cause::TcpUnreachable),
            ("reset", Cause::TcpReset),
        ] {
            let r = run(vec![attempt("baseline").tcp(err)]).build();
            assert_eq!(
                tcp_failed(&Facts::new(&r)).map(|v| v.cause),
                Some(cause),
                "{err}"
            );
        }
        let t = run(vec![attempt("baseline").timeout(Stage::Tcp)]).build();
        assert_eq!(
            tcp_failed(&Facts::new(&t)).map(|v| v.cause),
            Some(Cause::TcpTimeout)
        );
        let http = run(vec![attempt("baseline").rejected(403, "")]).build();
        assert!(tcp_failed(&Facts::new(&http)).is_none());
    }

    #[test]
    fn silence_after_connect_is_server_timeout_and_reset_is_tcp_reset() {
        let t = run(vec![attempt("baseline").timeout(Stage::Upgrade)]).build();
        assert_eq!(
            no_http_answer(&Facts::new(&t)).map(|v| v.cause),
            Some(Cause::ServerTimeout)
        );
        let r = run(vec![attempt("baseline").violation("connection_reset")]).build();
        assert_eq!(
            no_http_answer(&Facts::new(&r)).map(|v| v.cause),
            Some(Cause::TcpReset)
        );
        let m = run(vec![attempt("baseline").violation("malformed_response")]).build();
        assert!(no_http_answer(&Facts::new(&m)).is_none());
    }
}
