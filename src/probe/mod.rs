//! probe: runs planned attempts against the network, stage by stage (dns, tcp, tls, upgrade,
//! session), under one overall deadline, and returns plain records. Network faults are data in
//! the records, never `Err`. Every read is size-bounded and every wait time-bounded. Secrets are
//! redacted as records are made. Must not decide causes or print anything.
//!
//! This file owns the stage order, the deadline budget, the skipped-stage bookkeeping and the
//! outcome of each attempt; the stages themselves live in one file each.

pub mod dns;
pub mod limits;
pub mod proxy;
pub mod session;
pub mod tcp;
pub mod ticket;
pub mod tls;
pub mod upgrade;

use crate::model::ids;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::Semaphore;
use tokio::time::Instant;
use tracing::Instrument;
use url::Url;

use crate::config::{ConnectTo, ResolveOverride, TrustConfig};
use crate::model::{
    AddressRecord, AddressTry, AttemptRecord, DnsRecord, IdleRecord, Outcome, ProxyRecord,
    RequestKind, Run, SessionEnd, SessionRecord, Stage, StageRecord, StageStatus, TcpRecord,
};
use crate::plan::{AttemptSpec, Plan};
use crate::secret::Redactor;

/// A connection the upgrade can run over: plain TCP or TLS.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// A boxed connection.
pub type BoxedIo = Box<dyn Io>;

/// What every attempt of a run shares.
#[derive(Debug, Clone)]
pub struct ProbeContext {
    /// The overall deadline: no stage waits past it.
    pub deadline: Instant,
    /// How long to watch an upgraded connection.
    pub close_wait: Duration,
    /// The idle watch (`--idle`, `--ping-interval`) held on the baseline instead of the close-wait.
    pub idle: Option<IdleWatch>,
    /// The forward proxy to tunnel through (`--proxy`, `HTTPS_PROXY`…), when one is set.
    pub proxy: Option<proxy::ForwardProxy>,
    /// TLS trust settings.
    pub trust: TrustConfig,
    /// `--resolve` overrides.
    pub resolve: Vec<ResolveOverride>,
    /// `--connect-to` rules: where to connect instead of the URL's host and port.
    pub connect_to: Vec<ConnectTo>,
    /// Probe every resolved address of the target with its own pinned attempt (off with `--quick`).
    pub fan_out: bool,
    /// Connect to this address only, without a lookup (set on the fan-out's pinned attempts).
    pub pin: Option<Pin>,
    /// Redaction applied to everything recorded.
    pub redactor: Redactor,
}

/// An attempt pinned to one resolved address by the address fan-out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pin {
    /// The address to connect to.
    pub addr: SocketAddr,
    /// Its position among the resolved addresses (0-based).
    pub index: usize,
    /// How many addresses the name had.
    pub of: usize,
}

/// The idle watch asked for with `--idle` (and `--ping-interval`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdleWatch {
    /// How long to hold the upgraded baseline open.
    pub duration: Duration,
    /// Ping at this interval while holding it; silent when `None`.
    pub ping_interval: Option<Duration>,
}

/// Runs every attempt of the plan (concurrently, bounded) and the ticket flow, returning the run.
/// Records come back in plan order.
pub async fn run_plan(plan: &Plan, ctx: &ProbeContext, target: &str) -> Run {
    let slots = Semaphore::new(limits::MAX_CONCURRENT_ATTEMPTS);
    let slots = &slots;
    let plain = futures_util::future::join_all(
        plan.attempts
            .iter()
            .enumerate()
            .filter(|(_, s)| s.ticket_param.is_none())
            .map(|(i, spec)| async move {
                let _slot = slots.acquire().await.ok();
                (i, run_attempt(spec, ctx).await)
            }),
    );
    let ticketed = ticket::run_ticket_attempts(plan, ctx, slots);
    let controls =
        futures_util::future::join_all(plan.http_controls.iter().map(|spec| async move {
            let _slot = slots.acquire().await.ok();
            run_attempt(spec, ctx).await
        }));
    let fanned = address_fan_out(plan, ctx, slots);
    let (plain, (ticketed, tickets), http_controls, (pinned, addresses)) =
        tokio::join!(plain, ticketed, controls, fanned);
    let mut attempts: Vec<(usize, AttemptRecord)> = plain.into_iter().chain(ticketed).collect();
    attempts.sort_by_key(|(i, _)| *i);
    Run {
        target: target.to_string(),
        credential_given: plan.ticket_credential.is_some(),
        user_origin: None,
        direct: None,
        attempts: attempts.into_iter().map(|(_, a)| a).chain(pinned).collect(),
        tickets,
        http_controls,
        addresses,
    }
}

/// The address fan-out: when the target's name has several addresses, one baseline-shaped attempt
/// pinned to each (at most [`limits::MAX_ADDRESSES`]), run beside the matrix. Every address gets
/// its own attempt, the baseline's included: round-robin DNS may answer the baseline's lookup in
/// another order, so which address the baseline used is only known after it ran. Off for
/// `--quick`, for ticket flows (a one-time ticket cannot be shared) and through a forward proxy
/// (the proxy resolves the name; with socks5:// one address is asked for). Returns the attempts
/// (`address.<n>`) and one row per address.
async fn address_fan_out(
    plan: &Plan,
    ctx: &ProbeContext,
    slots: &Semaphore,
) -> (Vec<AttemptRecord>, Vec<AddressRecord>) {
    let none = (Vec::new(), Vec::new());
    let Some(base) = plan.attempts.first() else {
        return none;
    };
    if !ctx.fan_out || ctx.pin.is_some() || base.ticket_param.is_some() {
        return none;
    }
    let target_host = base.url.host_str().unwrap_or_default();
    let target_port = base.url.port_or_known_default().unwrap_or(80);
    if ctx
        .proxy
        .as_ref()
        .is_some_and(|p| p.applies_to(target_host))
    {
        return none;
    }
    let (host, port) = crate::config::connect_route(&ctx.connect_to, target_host, target_port);
    let addrs = match dns::resolve(&host, port, &ctx.resolve, ctx.deadline).await {
        Ok((addrs, _)) if addrs.len() > 1 => addrs,
        _ => return none,
    };
    let of = addrs.len();
    let records = futures_util::future::join_all(
        addrs
            .into_iter()
            .take(limits::MAX_ADDRESSES)
            .enumerate()
            .map(|(index, addr)| async move {
                let mut spec = base.clone();
                spec.variant.id = format!("address.{index}");
                spec.variant.label = format!("address {addr}");
                spec.variant.group = "address".into();
                let pinned = ProbeContext {
                    pin: Some(Pin { addr, index, of }),
                    ..ctx.clone()
                };
                let _slot = slots.acquire().await.ok();
                let rec = run_attempt(&spec, &pinned).await;
                (address_record(addr, &rec), rec)
            }),
    )
    .await;
    let (mut rows, attempts): (Vec<AddressRecord>, Vec<AttemptRecord>) =
        records.into_iter().unzip();
    // Addresses that disagree are the evidence of a stale record or a mixed round robin; one
    // lost packet must not pass for that. Each address is asked once more, and the second answer
    // is kept beside the first (the diagnosis sets aside addresses whose answers differ).
    let key = |r: &AddressRecord| (r.kind.clone(), r.status);
    if rows.iter().any(|r| key(r) != key(&rows[0])) {
        let again = futures_util::future::join_all(rows.iter().enumerate().map(|(index, row)| {
            let spec = attempts.get(index).map(|a| {
                let mut spec = base.clone();
                spec.variant = a.variant.clone();
                spec
            });
            let addr: Option<SocketAddr> = row.address.parse().ok();
            async move {
                let (Some(spec), Some(addr)) = (spec, addr) else {
                    return None;
                };
                let pinned = ProbeContext {
                    pin: Some(Pin { addr, index, of }),
                    ..ctx.clone()
                };
                let _slot = slots.acquire().await.ok();
                let rec = run_attempt(&spec, &pinned).await;
                let row = address_record(addr, &rec);
                Some(AddressTry {
                    kind: row.kind,
                    status: row.status,
                    error: row.error,
                    ms: row.ms,
                })
            }
        }))
        .await;
        for (row, second) in rows.iter_mut().zip(again) {
            row.second_try = second;
        }
    }
    (attempts, rows)
}

/// The row of one address: what its pinned attempt got.
pub fn address_record(addr: SocketAddr, rec: &AttemptRecord) -> AddressRecord {
    let (error, stage) = match &rec.outcome {
        Outcome::Timeout { stage } => (Some("timeout".to_string()), Some(*stage)),
        Outcome::DnsError { error, .. } => (Some(error.clone()), Some(Stage::Dns)),
        Outcome::TcpError { error, .. } => (Some(error.clone()), Some(Stage::Tcp)),
        Outcome::TlsError { error, .. } => (Some(error.clone()), Some(Stage::Tls)),
        Outcome::ProtocolViolation { error, .. } => (
            Some(error.clone()),
            rec.stages
                .iter()
                .find(|s| s.status == StageStatus::Failed)
                .map(|s| s.stage),
        ),
        _ => (None, None),
    };
    AddressRecord {
        address: addr.to_string(),
        family: if addr.is_ipv4() { "ipv4" } else { "ipv6" }.to_string(),
        attempt: rec.variant.id.clone(),
        kind: rec.outcome.kind().to_string(),
        status: rec.outcome.status(),
        error,
        stage,
        ms: rec.ms,
        second_try: None,
    }
}

/// Runs one attempt through every stage.
pub async fn run_attempt(spec: &AttemptSpec, ctx: &ProbeContext) -> AttemptRecord {
    let span = tracing::debug_span!("attempt", variant = %spec.variant.id);
    async {
        let started = Instant::now();
        let mut rec = empty_record(spec, &ctx.redactor);
        let outcome = attempt_stages(spec, ctx, &mut rec).await;
        tracing::debug!(outcome = outcome.kind(), "attempt done");
        rec.outcome = outcome;
        fill_skipped(&mut rec.stages, &spec.url);
        rec.ms = ms_since(started);
        rec
    }
    .instrument(span)
    .await
}

fn empty_record(spec: &AttemptSpec, redactor: &Redactor) -> AttemptRecord {
    AttemptRecord {
        variant: spec.variant.clone(),
        url: redactor.url(spec.url.as_str()),
        stages: Vec::new(),
        dns: None,
        tcp: None,
        proxy: None,
        tls: None,
        request: None,
        response: None,
        session: None,
        outcome: Outcome::Timeout { stage: Stage::Dns },
        ms: 0.0,
    }
}

fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn push_stage(
    rec: &mut AttemptRecord,
    stage: Stage,
    started: Instant,
    summary: String,
    error: Option<&str>,
) {
    let status = if error.is_some() {
        StageStatus::Failed
    } else {
        StageStatus::Ok
    };
    let ms = ms_since(started);
    tracing::debug!(stage = stage.as_str(), ?status, ms, summary = %summary, "stage");
    rec.stages.push(StageRecord {
        stage,
        status,
        ms: Some(ms),
        summary,
        error: error.map(str::to_string),
    });
}

/// Adds a `skipped` record for every stage that did not run, keeping stage order.
fn fill_skipped(stages: &mut Vec<StageRecord>, url: &Url) {
    let failed_before = |stages: &[StageRecord], s: Stage| {
        stages
            .iter()
            .any(|r| r.stage < s && r.status == StageStatus::Failed)
    };
    let mut order = Stage::ALL.to_vec();
    if stages.iter().any(|r| r.stage == Stage::Proxy) {
        order.insert(2, Stage::Proxy);
    }
    let mut out = Vec::with_capacity(order.len());
    for s in order {
        if let Some(r) = stages.iter().find(|r| r.stage == s) {
            out.push(r.clone());
            continue;
        }
        let summary = if failed_before(stages, s) {
            "skipped: an earlier stage failed".to_string()
        } else {
            match s {
                Stage::Tls => format!("not used: {}:// is plaintext", url.scheme()),
                Stage::Session => "not reached: no 101".to_string(),
                _ => "not reached".to_string(),
            }
        };
        out.push(StageRecord {
            stage: s,
            status: StageStatus::Skipped,
            ms: None,
            summary,
            error: None,
        });
    }
    *stages = out;
}

fn is_secure(url: &Url) -> bool {
    matches!(url.scheme(), "wss" | "https")
}

/// The request target: path and query.
pub fn request_target(url: &Url) -> String {
    let t = &url[url::Position::BeforePath..url::Position::AfterQuery];
    if t.is_empty() {
        "/".to_string()
    } else {
        t.to_string()
    }
}

/// Runs dns, tcp and (for wss/https) tls, recording each; returns the connection or the outcome
/// that ended the attempt.
pub(crate) async fn connect(
    url: &Url,
    ctx: &ProbeContext,
    rec: &mut AttemptRecord,
) -> Result<BoxedIo, Outcome> {
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
    let redial = connected.peer.filter(|_| via.is_none());
    let (record, result) = tls::handshake(stream, &tls_host, &ctx.trust, ctx.deadline, redial)
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

/// The proxy stage: CONNECT through the forward proxy, recorded in `rec.proxy`. A non-2xx answer
/// ends the attempt as `rejected` with the proxy's own status, headers and body.
async fn tunnel(
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
async fn socks_tunnel(
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
fn socks_dns_failed(
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

/// Writes the request and reads the response, recording the upgrade stage.
pub(crate) async fn exchange_stage(
    io: &mut BoxedIo,
    request: &upgrade::Request<'_>,
    deadline: Instant,
    redactor: &Redactor,
    rec: &mut AttemptRecord,
) -> Result<upgrade::Exchange, Outcome> {
    let t = Instant::now();
    rec.request = Some(request.record(redactor));
    match upgrade::exchange(io, request, redactor, deadline)
        .instrument(tracing::debug_span!("upgrade"))
        .await
    {
        Ok(ex) => {
            let r = &ex.response;
            let mut summary = format!(
                "{} {} -> {} {}",
                request.method,
                redactor.url(request.target),
                r.status,
                r.reason
            );
            if r.body_bytes > 0 {
                summary.push_str(&format!(" · body {} bytes", r.body_bytes));
            }
            push_stage(rec, Stage::Upgrade, t, summary, None);
            rec.response = Some(ex.response.clone());
            Ok(ex)
        }
        Err(upgrade::UpgradeFailure::Deadline) => {
            push_stage(
                rec,
                Stage::Upgrade,
                t,
                "no response before the deadline".into(),
                Some("timeout"),
            );
            Err(Outcome::Timeout {
                stage: Stage::Upgrade,
            })
        }
        Err(upgrade::UpgradeFailure::TlsAlert(alert)) => {
            // A TLS failure that only shows on the first read (TLS 1.3 client authentication):
            // recorded on the TLS record, and the attempt ends as a TLS error.
            let detail = format!(
                "the server sent the fatal TLS alert {alert} on the first read after the handshake"
            );
            push_stage(rec, Stage::Upgrade, t, detail.clone(), Some("tls_alert"));
            if let Some(tls) = rec.tls.as_mut() {
                tls.alert = Some(alert);
                tls.alert_after_handshake = true;
            }
            Err(Outcome::TlsError {
                error: tls::TlsFailure::HandshakeFailed.class().to_string(),
                detail,
            })
        }
        Err(f) => {
            let detail = redactor.text(&f.detail());
            push_stage(rec, Stage::Upgrade, t, detail.clone(), Some(f.class()));
            Err(Outcome::ProtocolViolation {
                error: f.class().to_string(),
                detail,
            })
        }
    }
}

fn header_map(r: &crate::model::WireResponse) -> BTreeMap<String, String> {
    let mut map: BTreeMap<String, String> = BTreeMap::new();
    for h in &r.headers {
        map.entry(h.name.to_ascii_lowercase())
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(&h.value);
            })
            .or_insert_with(|| h.value.clone());
    }
    map
}

async fn attempt_stages(
    spec: &AttemptSpec,
    ctx: &ProbeContext,
    rec: &mut AttemptRecord,
) -> Outcome {
    let redactor = &ctx.redactor;
    let mut io = match connect(&spec.url, ctx, rec).await {
        Ok(io) => io,
        Err(o) => return o,
    };
    let target = request_target(&spec.url);
    let request = upgrade::Request {
        method: "GET",
        target: &target,
        headers: &spec.headers,
    };
    let ex = match exchange_stage(&mut io, &request, ctx.deadline, redactor, rec).await {
        Ok(ex) => ex,
        Err(o) => return o,
    };
    let status = ex.head.status;
    if status != 101 || spec.variant.request == RequestKind::PlainGet {
        let headers = header_map(&ex.response);
        return if (300..400).contains(&status) {
            Outcome::Redirected {
                status,
                location: ex.response.header("location").map(str::to_string),
                headers,
            }
        } else {
            Outcome::Rejected {
                status,
                headers,
                body_excerpt: ex.response.body_excerpt.clone(),
            }
        };
    }
    session_stage(spec, ctx, rec, io, ex).await
}

async fn session_stage(
    spec: &AttemptSpec,
    ctx: &ProbeContext,
    rec: &mut AttemptRecord,
    io: BoxedIo,
    ex: upgrade::Exchange,
) -> Outcome {
    let redactor = &ctx.redactor;
    let upgraded_at = Instant::now();
    let t = upgraded_at;
    let check = session::check_handshake(&spec.headers, &ex.head);
    let subprotocol = check.subprotocol.as_deref().map(|s| redactor.text(s));
    let extensions = check.extensions.as_deref().map(|s| redactor.text(s));
    if let Some((class, detail)) = check.violation {
        rec.session = Some(SessionRecord {
            accept_valid: check.accept_valid,
            subprotocol,
            extensions,
            ping_rtt_ms: None,
            watched_ms: 0.0,
            end: SessionEnd::ProtocolError {
                detail: detail.clone(),
                after_ms: 0.0,
            },
            messages_received: 0,
            idle: None,
        });
        push_stage(rec, Stage::Session, t, detail.clone(), Some(class));
        return Outcome::ProtocolViolation {
            error: class.to_string(),
            detail,
        };
    }
    let idle = ctx.idle.filter(|_| spec.variant.id == ids::BASELINE);
    let plan = match idle {
        Some(i) => session::WatchPlan {
            duration: i.duration,
            ping_interval: i.ping_interval,
            progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
            deflate: false,
        },
        None => session::WatchPlan::close_wait(ctx.close_wait),
    };
    let plan = session::WatchPlan {
        deflate: check
            .extensions
            .as_deref()
            .is_some_and(|e| e.to_ascii_lowercase().contains("permessage-deflate")),
        ..plan
    };
    let w = session::watch(io, ex.leftover, upgraded_at, plan, ctx.deadline, redactor)
        .instrument(tracing::debug_span!("session"))
        .await;
    rec.session = Some(SessionRecord {
        accept_valid: check.accept_valid,
        subprotocol: subprotocol.clone(),
        extensions,
        ping_rtt_ms: w.ping_rtt_ms,
        watched_ms: w.watched_ms,
        end: w.end.clone(),
        messages_received: w.messages,
        idle: idle.map(|i| idle_record(i, &w)),
    });
    match w.end {
        SessionEnd::StillOpen => {
            let mut summary = if ctx.close_wait.is_zero() {
                "accept key ok · not watched (--quick)".to_string()
            } else {
                format!("open after {:.0} ms", w.watched_ms)
            };
            if let Some(rtt) = w.ping_rtt_ms {
                summary.push_str(&format!(" · ping {rtt:.1} ms"));
            }
            if w.stopped_at_compressed {
                summary.push_str(
                    " · watch stopped at a compressed (permessage-deflate) message, which wsdoctor does not decode",
                );
            }
            if w.frame_limit_hit {
                summary.push_str(&format!(
                    " · watch ended at the {} frame limit",
                    limits::MAX_FRAMES_WATCHED
                ));
            }
            if w.cut_by_deadline {
                summary.push_str(" · watch cut short by --timeout");
            }
            push_stage(rec, Stage::Session, t, summary, None);
            Outcome::Upgraded { subprotocol }
        }
        SessionEnd::CloseFrame {
            code,
            reason,
            after_ms,
        } => {
            let shown_code = code
                .map(|c| c.to_string())
                .unwrap_or_else(|| "(no code)".into());
            push_stage(
                rec,
                Stage::Session,
                t,
                format!("{shown_code} {reason} after {after_ms:.0} ms").replace("  ", " "),
                Some("closed"),
            );
            Outcome::UpgradedThenClosed {
                close_code: code,
                close_reason: if reason.is_empty() {
                    None
                } else {
                    Some(reason)
                },
                after_ms,
                clean: true,
            }
        }
        SessionEnd::Dropped { how, after_ms } => {
            push_stage(
                rec,
                Stage::Session,
                t,
                format!("connection dropped ({how}) after {after_ms:.0} ms without a close frame"),
                Some("dropped"),
            );
            Outcome::UpgradedThenClosed {
                close_code: None,
                close_reason: None,
                after_ms,
                clean: false,
            }
        }
        SessionEnd::ProtocolError { detail, .. } => {
            let detail = format!("invalid WebSocket frames after the 101: {detail}");
            push_stage(
                rec,
                Stage::Session,
                t,
                detail.clone(),
                Some("protocol_error"),
            );
            Outcome::ProtocolViolation {
                // The contract has no separate id for framing errors: the bytes after the head
                // are part of the malformed response.
                error: "malformed_response".into(),
                detail,
            }
        }
    }
}

/// The idle record of a watch held with `--idle`.
fn idle_record(i: IdleWatch, w: &session::Watch) -> IdleRecord {
    let (ended, lifetime_ms) = match &w.end {
        SessionEnd::StillOpen => ("still_open", None),
        SessionEnd::CloseFrame { after_ms, .. } => ("close_frame", Some(*after_ms)),
        SessionEnd::Dropped { how, after_ms } => {
            (if how == "reset" { "rst" } else { "fin" }, Some(*after_ms))
        }
        SessionEnd::ProtocolError { after_ms, .. } => ("protocol_error", Some(*after_ms)),
    };
    IdleRecord {
        requested_ms: i.duration.as_secs_f64() * 1000.0,
        ping_interval_ms: i.ping_interval.map(|p| p.as_secs_f64() * 1000.0),
        pings_sent: w.pings_sent,
        pongs_received: w.pongs_received,
        ended: ended.to_string(),
        lifetime_ms,
        silent_ms: lifetime_ms.map(|l| (l - w.last_activity_ms).max(0.0)),
    }
}

/// A one-line description of an outcome that ended an attempt early (for ticket records).
pub(crate) fn outcome_text(o: &Outcome) -> String {
    match o {
        Outcome::Timeout { stage } => format!("timeout in {}", stage.as_str()),
        Outcome::DnsError { error, detail }
        | Outcome::TcpError { error, detail }
        | Outcome::TlsError { error, detail }
        | Outcome::ProtocolViolation { error, detail } => {
            format!("{} {error}: {detail}", o.kind())
        }
        Outcome::Rejected { status, .. } => format!("rejected with {status}"),
        Outcome::Redirected {
            status, location, ..
        } => format!(
            "redirected ({status}) to {}",
            location.as_deref().unwrap_or("no Location")
        ),
        other => other.kind().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_target_keeps_path_and_query() {
        let u = Url::parse("ws://h:1/a/b?x=1&y=2").unwrap();
        assert_eq!(request_target(&u), "/a/b?x=1&y=2");
        let u = Url::parse("ws://h:1").unwrap();
        assert_eq!(request_target(&u), "/");
    }

    #[test]
    fn every_record_gets_all_five_stages_in_order() {
        let mut stages = vec![StageRecord {
            stage: Stage::Tcp,
            status: StageStatus::Failed,
            ms: Some(1.0),
            summary: "refused".into(),
            error: Some("refused".into()),
        }];
        fill_skipped(&mut stages, &Url::parse("ws://h/").unwrap());
        let ids: Vec<Stage> = stages.iter().map(|s| s.stage).collect();
        assert_eq!(ids, Stage::ALL.to_vec());
        assert_eq!(stages[0].status, StageStatus::Skipped);
        assert_eq!(stages[2].status, StageStatus::Skipped);
        assert!(stages[2].summary.contains("earlier stage failed"));
    }

    #[test]
    fn repeated_headers_are_joined_and_names_lowercased() {
        let r = crate::model::WireResponse {
            version: "HTTP/1.1".into(),
            status: 403,
            reason: "Forbidden".into(),
            headers: vec![
                crate::model::WireHeader {
                    name: "Vary".into(),
                    value: "Origin".into(),
                },
                crate::model::WireHeader {
                    name: "vary".into(),
                    value: "Cookie".into(),
                },
            ],
            body_excerpt: String::new(),
            body_bytes: 0,
            body_truncated: false,
        };
        assert_eq!(
            header_map(&r).get("vary").map(String::as_str),
            Some("Origin, Cookie")
        );
    }

    use std::sync::{Arc, Mutex};

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use crate::config::TicketConfig;
    use crate::model::{CredentialPlacement, Variant};

    /// A loopback HTTP server on the test runtime: records request lines, answers with `reply`.
    async fn http_server(
        reply: fn(usize, &str) -> String,
    ) -> (std::net::SocketAddr, Arc<Mutex<Vec<String>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            for n in 0..100 {
                let Ok((mut s, _)) = listener.accept().await else {
                    return;
                };
                let mut buf = vec![0u8; 8192];
                let len = s.read(&mut buf).await.unwrap_or(0);
                let text = String::from_utf8_lossy(&buf[..len]).to_string();
                let line = text.lines().next().unwrap_or_default().to_string();
                log.lock().unwrap().push(line.clone());
                let _ = s.write_all(reply(n, &line).as_bytes()).await;
                let _ = s.shutdown().await;
            }
        });
        (addr, seen)
    }

    fn respond(status: &str, body: &str) -> String {
        format!(
            "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    }

    fn spec(url: &str, id: &str, request: RequestKind) -> AttemptSpec {
        let mut v = Variant::baseline();
        v.id = id.into();
        v.request = request;
        let url = Url::parse(url).unwrap();
        AttemptSpec {
            headers: vec![("Host".into(), crate::plan::host_header(&url))],
            variant: v,
            url,
            ticket_param: None,
        }
    }

    fn ctx() -> ProbeContext {
        ProbeContext {
            deadline: Instant::now() + Duration::from_secs(5),
            close_wait: Duration::ZERO,
            idle: None,
            proxy: None,
            trust: TrustConfig::default(),
            resolve: Vec::new(),
            connect_to: Vec::new(),
            fan_out: false,
            pin: None,
            redactor: Redactor::disabled(),
        }
    }

    #[tokio::test]
    async fn the_fan_out_pins_one_attempt_to_each_resolved_address_after_the_plan() {
        let (addr, _) = http_server(|_, _| respond("403 Forbidden", "no")).await;
        let port = addr.port();
        let url = format!("ws://multi.test:{port}/ws");
        let plan = Plan {
            attempts: vec![spec(&url, "baseline", RequestKind::Upgrade)],
            http_controls: Vec::new(),
            ticket: None,
            ticket_credential: None,
        };
        let mut c = ctx();
        c.resolve =
            vec![
                crate::config::parse_resolve(&format!("multi.test:{port}:127.0.0.1,127.0.0.2"))
                    .unwrap(),
            ];
        // Off (--quick): no rows, no extra attempts.
        let run = run_plan(&plan, &c, &url).await;
        assert!(run.addresses.is_empty());
        assert_eq!(run.attempts.len(), 1);
        c.fan_out = true;
        let run = run_plan(&plan, &c, &url).await;
        let ids: Vec<&str> = run.attempts.iter().map(|a| a.variant.id.as_str()).collect();
        assert_eq!(ids, ["baseline", "address.0", "address.1"]);
        assert_eq!(run.attempts[1].variant.group, "address");
        let rows: Vec<(&str, &str, Option<u16>, Option<&str>)> = run
            .addresses
            .iter()
            .map(|r| {
                (
                    r.address.as_str(),
                    r.kind.as_str(),
                    r.status,
                    r.error.as_deref(),
                )
            })
            .collect();
        let first = format!("127.0.0.1:{port}");
        let second = format!("127.0.0.2:{port}");
        assert_eq!(
            rows,
            [
                (first.as_str(), "rejected", Some(403), None),
                (second.as_str(), "tcp_error", None, Some("refused")),
            ]
        );
        assert_eq!(run.addresses[1].stage, Some(Stage::Tcp));
        let dns = &run.attempts[2].stages[0].summary;
        assert_eq!(dns, "pinned to 127.0.0.2 (address 2 of 2 for multi.test)");
        // A single address (an IP literal) has nothing to fan out.
        let literal = Plan {
            attempts: vec![spec(
                &format!("ws://{addr}/ws"),
                "baseline",
                RequestKind::Upgrade,
            )],
            ..plan
        };
        assert!(run_plan(&literal, &c, &url).await.addresses.is_empty());
    }

    #[tokio::test]
    async fn connect_to_changes_where_the_connection_goes() {
        let (addr, seen) = http_server(|_, _| respond("404 Not Found", "")).await;
        let s = spec("ws://public.test:9/ws", "baseline", RequestKind::Upgrade);
        let mut c = ctx();
        c.connect_to = vec![crate::config::parse_connect_to(&format!(
            "public.test::127.0.0.1:{}",
            addr.port()
        ))
        .unwrap()];
        let rec = run_attempt(&s, &c).await;
        assert!(matches!(rec.outcome, Outcome::Rejected { status: 404, .. }));
        assert_eq!(rec.tcp.unwrap().peer, addr.to_string());
        assert_eq!(rec.dns.unwrap().host, "127.0.0.1");
        assert!(rec.stages[0].summary.contains("--connect-to 127.0.0.1"));
        assert_eq!(seen.lock().unwrap().len(), 1);
        // The Host header the server receives is checked end to end in tests/integration/addresses.rs.
    }

    #[tokio::test]
    async fn a_plain_get_control_ends_as_rejected_with_its_200() {
        let (addr, _) = http_server(|_, _| respond("200 OK", "home")).await;
        let s = spec(
            &format!("http://{addr}/"),
            "http.root",
            RequestKind::PlainGet,
        );
        let rec = run_attempt(&s, &ctx()).await;
        assert!(
            matches!(&rec.outcome, Outcome::Rejected { status: 200, body_excerpt, .. } if body_excerpt == "home"),
            "{:?}",
            rec.outcome
        );
        assert_eq!(rec.stages.len(), 5);
    }

    #[tokio::test]
    async fn run_plan_returns_records_in_plan_order_with_controls_apart() {
        let (addr, seen) = http_server(|_, line| {
            if line.contains("/slow") {
                respond("404 Not Found", "")
            } else {
                respond("403 Forbidden", "")
            }
        })
        .await;
        let plan = Plan {
            attempts: vec![
                spec(&format!("ws://{addr}/a"), "baseline", RequestKind::Upgrade),
                spec(
                    &format!("ws://{addr}/slow"),
                    "origin.none",
                    RequestKind::Upgrade,
                ),
                spec(
                    &format!("ws://{addr}/c"),
                    "control.plain_get",
                    RequestKind::PlainGet,
                ),
            ],
            http_controls: vec![spec(
                &format!("http://{addr}/"),
                "http.root",
                RequestKind::PlainGet,
            )],
            ticket: None,
            ticket_credential: None,
        };
        let run = run_plan(&plan, &ctx(), "ws://x/").await;
        let ids: Vec<&str> = run.attempts.iter().map(|a| a.variant.id.as_str()).collect();
        assert_eq!(ids, ["baseline", "origin.none", "control.plain_get"]);
        assert_eq!(run.attempts[1].outcome.status(), Some(404));
        assert_eq!(run.http_controls.len(), 1);
        assert_eq!(run.http_controls[0].variant.id, "http.root");
        assert_eq!(seen.lock().unwrap().len(), 4);
    }

    #[tokio::test]
    async fn ticket_attempts_fetch_fresh_tickets_and_reuse_sends_the_previous_one() {
        let (tickets, _) =
            http_server(|n, _| respond("200 OK", &format!("{{\"ticket\":\"tkt-{n}\"}}"))).await;
        let (ws, seen) = http_server(|_, _| respond("403 Forbidden", "")).await;
        let mut fresh = spec(&format!("ws://{ws}/ws"), "baseline", RequestKind::Upgrade);
        fresh.variant.credential = CredentialPlacement::Ticket {
            param: "ticket".into(),
        };
        fresh.ticket_param = Some("ticket".into());
        let mut reuse = fresh.clone();
        reuse.variant.id = "ticket.reuse".into();
        let mut again = fresh.clone();
        again.variant.id = "ticket.fresh".into();
        let plan = Plan {
            attempts: vec![fresh, reuse, again],
            http_controls: Vec::new(),
            ticket: Some(TicketConfig {
                url: Url::parse(&format!("http://{tickets}/ticket")).unwrap(),
                method: "POST".into(),
                field: "/ticket".into(),
                param: "ticket".into(),
            }),
            ticket_credential: Some(crate::secret::Secret::new("jwt-123456")),
        };
        let run = run_plan(&plan, &ctx(), "ws://x/").await;
        assert_eq!(run.tickets.len(), 2);
        assert!(run.tickets.iter().all(|t| t.obtained && t.method == "POST"));
        let lines = seen.lock().unwrap().clone();
        assert_eq!(
            lines,
            [
                "GET /ws?ticket=tkt-0 HTTP/1.1",
                "GET /ws?ticket=tkt-0 HTTP/1.1",
                "GET /ws?ticket=tkt-1 HTTP/1.1"
            ]
        );
    }

    #[tokio::test]
    async fn tickets_are_redacted_in_every_later_record() {
        let (tickets, _) =
            http_server(|_, _| respond("200 OK", "{\"ticket\":\"tkt-secret-1\"}")).await;
        let (ws, _) = http_server(|_, _| respond("403 Forbidden", "echo tkt-secret-1")).await;
        let mut s = spec(&format!("ws://{ws}/ws"), "baseline", RequestKind::Upgrade);
        s.ticket_param = Some("t".into());
        let plan = Plan {
            attempts: vec![s],
            http_controls: Vec::new(),
            ticket: Some(TicketConfig {
                url: Url::parse(&format!("http://{tickets}/ticket")).unwrap(),
                method: "GET".into(),
                field: "/ticket".into(),
                param: "t".into(),
            }),
            ticket_credential: None,
        };
        let mut c = ctx();
        c.redactor = Redactor::new([], true);
        let run = run_plan(&plan, &c, "ws://x/").await;
        let json = serde_json::to_string(&run).unwrap();
        assert!(!json.contains("tkt-secret-1"), "{json}");
        assert!(json.contains("echo [redacted]"));
    }
}
