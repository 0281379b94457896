//! probe::connect: dns, tcp, the forward-proxy tunnel and tls for one attempt, each recorded as
//! a stage, up to a connection the upgrade can run over.

use super::*;

/// Runs dns, tcp and (for wss/https) tls, recording each; returns the connection or the outcome
/// that ended the attempt.
pub(crate) async fn connect(
    url: &Url,
    ctx: &ProbeContext,
    rec: &mut AttemptRecord,
) -> Result<BoxedIo, Outcome> {
    connect_with_alpn(url, ctx, rec, &[tls::ALPN]).await
}

/// [`connect`] with this ALPN offer (the HTTP/2 path offers `h2, http/1.1` as browsers do). The
/// controlled ALPN retry runs only for the HTTP/1.1-only offer.
pub(crate) async fn connect_with_alpn(
    url: &Url,
    ctx: &ProbeContext,
    rec: &mut AttemptRecord,
    alpn: &[&str],
) -> Result<BoxedIo, Outcome> {
    // --connect-timeout bounds dns, tcp, the tunnel and tls of this attempt, as in curl.
    let limited;
    let ctx = match ctx.connect_timeout {
        Some(limit) => {
            limited = ProbeContext {
                deadline: ctx.deadline.min(Instant::now() + limit),
                ..ctx.clone()
            };
            &limited
        }
        None => ctx,
    };
    let target_host = url.host_str().unwrap_or_default().to_string();
    let target_port = url.port_or_known_default().unwrap_or(80);
    let via = ctx.proxy.as_ref().filter(|p| p.applies_to(&target_host));
    // --connect-to changes where the connection goes, never the Host header or the TLS SNI.
    let (route_host, route_port) =
        crate::config::connect_route(&ctx.connect_to, &target_host, target_port);
    let rerouted = (route_host.as_str(), route_port)
        != (
            target_host.trim_start_matches('[').trim_end_matches(']'),
            target_port,
        );
    // Through a forward proxy, dns and tcp are about the proxy; the target is reached in the
    // proxy stage. The record exists from here on, so a proxy that cannot be reached is named.
    let (host, port) = match via {
        Some(p) => (p.host.clone(), p.port),
        None => (route_host.clone(), route_port),
    };
    // curl sends the --connect-to host and port in the CONNECT line as well.
    let authority = if route_host.contains(':') {
        format!("[{route_host}]:{route_port}")
    } else {
        format!("{route_host}:{route_port}")
    };
    if let Some(p) = via {
        rec.proxy = Some(ProxyRecord {
            url: p.shown(),
            kind: p.kind.id().to_string(),
            source: p.source.clone(),
            connect: authority.clone(),
            authenticated: p.has_credentials(),
            resolved: None,
            status: None,
            response: None,
            reply: None,
        });
    }

    // dns
    ctx.events.stage_started(
        rec,
        Stage::Dns,
        format!("the addresses of {host}"),
        ctx.deadline,
    );
    let t = Instant::now();
    let pin = ctx.pin.filter(|_| via.is_none());
    let resolved = match pin {
        // The fan-out resolved the name once; its attempts each take one address of the answer.
        Some(p) => Ok((vec![p.addr], dns::Source::Lookup)),
        None => {
            dns::resolve(&host, port, &ctx.resolve, ctx.deadline)
                .instrument(tracing::debug_span!("dns", host = %host))
                .await
        }
    };
    // -4/-6 keep one address family, as curl's do (for a literal address too).
    let resolved = match (resolved, ctx.ip_family) {
        (Ok((addrs, source)), Some(family)) => {
            let kept: Vec<SocketAddr> = addrs
                .iter()
                .copied()
                .filter(|a| family.admits(a.ip()))
                .collect();
            if kept.is_empty() {
                Err(dns::DnsFailure::NoAddresses(format!(
                    "{host} has no {} address ({}): {}",
                    family.name(),
                    family.flag(),
                    addrs
                        .iter()
                        .map(|a| a.ip().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )))
            } else {
                Ok((kept, source))
            }
        }
        (other, _) => other,
    };
    let addrs = match resolved {
        Ok((addrs, source)) => {
            let shown: Vec<String> = addrs.iter().map(|a| a.ip().to_string()).collect();
            let mut summary = match source {
                dns::Source::Literal => "literal address".to_string(),
                dns::Source::Override => format!("{} (--resolve)", shown.join(", ")),
                dns::Source::Lookup => shown.join(", "),
            };
            if let Some(p) = pin {
                summary = format!(
                    "pinned to {} (address {} of {} for {host})",
                    p.addr.ip(),
                    p.index + 1,
                    p.of
                );
            }
            if rerouted && via.is_none() {
                let shown = if route_host.contains(':') {
                    format!("[{route_host}]:{route_port}")
                } else {
                    format!("{route_host}:{route_port}")
                };
                summary.push_str(&format!(" · --connect-to {shown}"));
            }
            rec.dns = Some(DnsRecord {
                host: host.clone(),
                addresses: shown,
                overridden: source == dns::Source::Override,
            });
            push_stage(rec, Stage::Dns, t, summary, None);
            addrs
        }
        Err(dns::DnsFailure::Timeout) => {
            rec.dns = Some(DnsRecord {
                host: host.clone(),
                addresses: Vec::new(),
                overridden: false,
            });
            push_stage(
                rec,
                Stage::Dns,
                t,
                format!("{host}: no answer before the deadline"),
                Some("timeout"),
            );
            return Err(Outcome::Timeout { stage: Stage::Dns });
        }
        Err(f) => {
            rec.dns = Some(DnsRecord {
                host: host.clone(),
                addresses: Vec::new(),
                overridden: false,
            });
            push_stage(rec, Stage::Dns, t, f.detail(), Some(f.class()));
            return Err(Outcome::DnsError {
                error: f.class().to_string(),
                detail: f.detail(),
            });
        }
    };

    // tcp
    ctx.events.stage_started(
        rec,
        Stage::Tcp,
        format!("a TCP connection to {host}:{port}"),
        ctx.deadline,
    );
    let t = Instant::now();
    let connect_until = match pin {
        Some(_) => ctx.deadline.min(t + limits::PINNED_CONNECT_WAIT),
        None => ctx.deadline,
    };
    let connected = tcp::connect(&addrs, connect_until)
        .instrument(tracing::debug_span!("tcp"))
        .await;
    let peer = connected.peer.map(|p| p.to_string()).unwrap_or_default();
    rec.tcp = Some(TcpRecord {
        peer: peer.clone(),
        failed: connected.failed.clone(),
    });
    let stream = match connected.stream {
        Ok(s) => {
            let summary = if connected.failed.is_empty() {
                format!("connected to {peer}")
            } else {
                format!(
                    "connected to {peer} after {} failed address(es)",
                    connected.failed.len()
                )
            };
            push_stage(rec, Stage::Tcp, t, summary, None);
            s
        }
        Err(tcp::TcpEnd::Deadline) => {
            let within = match pin {
                Some(_) if connect_until < ctx.deadline => format!(
                    "within {} (the wait for one pinned address)",
                    humantime::format_duration(limits::PINNED_CONNECT_WAIT)
                ),
                _ => "before the deadline".to_string(),
            };
            push_stage(
                rec,
                Stage::Tcp,
                t,
                format!("{peer}: no answer {within}"),
                Some("timeout"),
            );
            return Err(Outcome::Timeout { stage: Stage::Tcp });
        }
        Err(tcp::TcpEnd::Failed(f, detail)) => {
            push_stage(rec, Stage::Tcp, t, detail.clone(), Some(f.class()));
            return Err(Outcome::TcpError {
                error: f.class().to_string(),
                detail,
            });
        }
    };

    let mut stream = stream;
    if let Some(p) = via {
        match p.kind {
            proxy::ProxyKind::Http => tunnel(&mut stream, p, &authority, ctx, rec).await?,
            proxy::ProxyKind::Socks5 | proxy::ProxyKind::Socks5h => {
                socks_tunnel(&mut stream, p, (&route_host, route_port), ctx, rec).await?
            }
        }
    }

    if !is_secure(url) {
        return Ok(Box::new(stream));
    }

    // tls
    ctx.events.stage_started(
        rec,
        Stage::Tls,
        format!("the TLS handshake with {target_host}"),
        ctx.deadline,
    );
    let t = Instant::now();
    let Some(tls_host) = url.host() else {
        push_stage(
            rec,
            Stage::Tls,
            t,
            "the URL has no host".into(),
            Some("handshake_failed"),
        );
        return Err(Outcome::TlsError {
            error: "handshake_failed".into(),
            detail: "the URL has no host".into(),
        });
    };
    // The controlled ALPN retry redials the same peer; through a forward proxy it would not.
    let redial = connected
        .peer
        .filter(|_| via.is_none() && alpn == [tls::ALPN]);
    let (record, result) =
        tls::handshake(stream, &tls_host, &ctx.trust, ctx.deadline, redial, alpn)
            .instrument(tracing::debug_span!("tls"))
            .await;
    let verification = record.verification.clone();
    let version = record.version.clone();
    let alpn = record.alpn.clone();
    rec.tls = Some(record);
    match result {
        Ok(stream) => {
            let mut summary = format!(
                "{} · ALPN {}",
                version.unwrap_or_else(|| "TLS".into()),
                alpn.unwrap_or_else(|| "none".into())
            );
            if verification == "ok" {
                summary.push_str(" · certificate ok");
            } else {
                summary.push_str(&format!(
                    " · certificate NOT verified (--insecure): {verification}"
                ));
            }
            push_stage(rec, Stage::Tls, t, summary, None);
            Ok(Box::new(stream))
        }
        Err(tls::TlsEnd::Deadline) => {
            push_stage(
                rec,
                Stage::Tls,
                t,
                "no handshake before the deadline".into(),
                Some("timeout"),
            );
            Err(Outcome::Timeout { stage: Stage::Tls })
        }
        Err(tls::TlsEnd::Failed(f, detail)) => {
            push_stage(
                rec,
                Stage::Tls,
                t,
                format!("{}: {detail}", f.class()),
                Some(f.class()),
            );
            Err(Outcome::TlsError {
                error: f.class().to_string(),
                detail,
            })
        }
    }
}
