//! probe::tunnel: the forward-proxy stage: HTTP CONNECT and SOCKS5 tunnels to the target, with
//! who resolved the name and what the proxy answered, as records.

use super::*;

/// The proxy stage: CONNECT through the forward proxy, recorded in `rec.proxy`. A non-2xx answer
/// ends the attempt as `rejected` with the proxy's own status, headers and body.
pub(crate) async fn tunnel(
    stream: &mut tokio::net::TcpStream,
    p: &proxy::ForwardProxy,
    authority: &str,
    ctx: &ProbeContext,
    rec: &mut AttemptRecord,
) -> Result<(), Outcome> {
    let t = Instant::now();
    let mut record = rec.proxy.take().unwrap_or_else(|| ProxyRecord {
        url: p.shown(),
        kind: p.kind.id().to_string(),
        source: p.source.clone(),
        connect: authority.to_string(),
        authenticated: p.has_credentials(),
        resolved: None,
        status: None,
        response: None,
        reply: None,
    });
    let result = proxy::connect(stream, p, authority, &ctx.redactor, ctx.deadline)
        .instrument(tracing::debug_span!("proxy"))
        .await;
    let outcome = match result {
        Ok(ex) => {
            let r = &ex.response;
            record.status = Some(r.status);
            record.response = Some(r.clone());
            let summary = format!(
                "CONNECT {authority} via {} ({}) -> {} {}",
                p.shown(),
                p.source,
                r.status,
                r.reason
            );
            if (200..300).contains(&r.status) {
                push_stage(rec, Stage::Proxy, t, summary, None);
                Ok(())
            } else {
                push_stage(rec, Stage::Proxy, t, summary, Some("refused"));
                Err(Outcome::Rejected {
                    status: r.status,
                    headers: header_map(r),
                    body_excerpt: r.body_excerpt.clone(),
                })
            }
        }
        Err(upgrade::UpgradeFailure::Deadline) => {
            push_stage(
                rec,
                Stage::Proxy,
                t,
                format!("{}: no answer to CONNECT before the deadline", p.shown()),
                Some("timeout"),
            );
            Err(Outcome::Timeout {
                stage: Stage::Proxy,
            })
        }
        Err(f) => {
            let detail = format!("proxy {}: {}", p.shown(), ctx.redactor.text(&f.detail()));
            push_stage(rec, Stage::Proxy, t, detail.clone(), Some(f.class()));
            Err(Outcome::ProtocolViolation {
                error: f.class().to_string(),
                detail,
            })
        }
    };
    rec.proxy = Some(record);
    outcome
}

/// The proxy stage through a SOCKS5 proxy: for socks5:// the client resolves the target's name
/// here (honouring --resolve) and asks for the first address; for socks5h:// the proxy gets the
/// name. The reply is recorded by name in `rec.proxy.reply`. A reply saying the proxy's own
/// connect to the target failed ends the attempt as that `tcp_error` (refused, unreachable,
/// timeout); any other refusal as `tcp_error` `proxy_refused`.
pub(crate) async fn socks_tunnel(
    stream: &mut tokio::net::TcpStream,
    p: &proxy::ForwardProxy,
    (route_host, route_port): (&str, u16),
    ctx: &ProbeContext,
    rec: &mut AttemptRecord,
) -> Result<(), Outcome> {
    let t = Instant::now();
    let mut record = rec.proxy.take().unwrap_or_else(|| ProxyRecord {
        url: p.shown(),
        kind: p.kind.id().to_string(),
        source: p.source.clone(),
        connect: format!("{route_host}:{route_port}"),
        authenticated: p.has_credentials(),
        resolved: None,
        status: None,
        response: None,
        reply: None,
    });
    let label = format!(
        "SOCKS5{} {}:{} ({})",
        if p.kind == proxy::ProxyKind::Socks5h {
            "h"
        } else {
            ""
        },
        if p.host.contains(':') {
            format!("[{}]", p.host)
        } else {
            p.host.clone()
        },
        p.port,
        p.source
    );
    let literal = route_host.parse::<std::net::IpAddr>().ok();
    let target = match (literal, p.kind) {
        (Some(ip), _) => proxy::SocksTarget::Addr(std::net::SocketAddr::new(ip, route_port)),
        (None, proxy::ProxyKind::Socks5h) => {
            proxy::SocksTarget::Name(route_host.to_string(), route_port)
        }
        (None, _) => match dns::resolve(route_host, route_port, &ctx.resolve, ctx.deadline).await {
            Ok((addrs, _)) => match addrs.first() {
                Some(a) => {
                    record.resolved = Some(a.to_string());
                    proxy::SocksTarget::Addr(*a)
                }
                None => return socks_dns_failed(p, record, t, rec, "no addresses".into(), None),
            },
            Err(dns::DnsFailure::Timeout) => {
                let detail =
                    format!("{label}: socks5:// resolves {route_host} here; no answer in time");
                push_stage(rec, Stage::Proxy, t, detail, Some("timeout"));
                rec.proxy = Some(record);
                return Err(Outcome::Timeout {
                    stage: Stage::Proxy,
                });
            }
            Err(f) => return socks_dns_failed(p, record, t, rec, f.detail(), Some(f.class())),
        },
    };
    let asked = match (&target, &record.resolved) {
        (proxy::SocksTarget::Addr(a), Some(_)) => {
            format!("CONNECT {a} ({route_host} resolved here)")
        }
        (proxy::SocksTarget::Addr(a), None) => format!("CONNECT {a}"),
        (proxy::SocksTarget::Name(h, port), _) => {
            format!("CONNECT {h}:{port} (resolved by the proxy)")
        }
    };
    let result = proxy::socks_connect(stream, p, &target, ctx.deadline)
        .instrument(tracing::debug_span!("proxy"))
        .await;
    let outcome = match result {
        Ok(()) => {
            record.reply = Some(proxy::SocksReply::Succeeded.name().to_string());
            push_stage(
                rec,
                Stage::Proxy,
                t,
                format!("{label} -> {asked} granted"),
                None,
            );
            Ok(())
        }
        Err(proxy::SocksEnd::Refused(reply)) => {
            record.reply = Some(reply.name().to_string());
            let detail = format!("{label} -> {asked} refused: {}", reply.name());
            push_stage(rec, Stage::Proxy, t, detail.clone(), Some(reply.name()));
            Err(Outcome::TcpError {
                error: reply
                    .tcp_class()
                    .unwrap_or(crate::model::FailureClass::ProxyRefused.as_str())
                    .to_string(),
                detail,
            })
        }
        Err(proxy::SocksEnd::Deadline) => {
            push_stage(
                rec,
                Stage::Proxy,
                t,
                format!("{label} -> {asked}: no answer before the deadline"),
                Some("timeout"),
            );
            Err(Outcome::Timeout {
                stage: Stage::Proxy,
            })
        }
        Err(proxy::SocksEnd::Broken(class, why)) => {
            let detail = format!("{label} -> {asked}: {}", ctx.redactor.text(&why));
            push_stage(rec, Stage::Proxy, t, detail.clone(), Some(class));
            Err(Outcome::ProtocolViolation {
                error: class.to_string(),
                detail,
            })
        }
    };
    rec.proxy = Some(record);
    outcome
}

/// socks5:// could not resolve the target's name here: a dns_error ended in the proxy stage.
pub(crate) fn socks_dns_failed(
    p: &proxy::ForwardProxy,
    record: ProxyRecord,
    t: Instant,
    rec: &mut AttemptRecord,
    why: String,
    class: Option<&'static str>,
) -> Result<(), Outcome> {
    let detail = format!(
        "{}: socks5:// resolves the target's name here, and {} does not resolve: {why}",
        p.shown(),
        record.connect
    );
    let class = class.unwrap_or("no_addresses");
    push_stage(rec, Stage::Proxy, t, detail.clone(), Some(class));
    rec.proxy = Some(record);
    Err(Outcome::DnsError {
        error: class.to_string(),
        detail,
    })
}
