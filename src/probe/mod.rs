//! probe: runs planned attempts against the network, stage by stage (dns, tcp, tls, upgrade,
//! session), under one overall deadline, and returns plain records. Network faults are data in
//! the records, never `Err`. Every read is size-bounded and every wait time-bounded. Secrets are
//! redacted as records are made. Must not decide causes or print anything.
//!
//! This file owns the stage order, the deadline budget, the skipped-stage bookkeeping and the
//! outcome of each attempt; the stages live in one file each: `connect` (dns, tcp, the tunnel,
//! tls), `tunnel` (HTTP CONNECT and SOCKS5), `exchange` (the upgrade), `watch` (the session after
//! a 101), `addresses` (the fan-out over every resolved address), with the protocol pieces in
//! `dns`, `tcp`, `tls`, `proxy`, `upgrade`, `session` and `ticket`.

mod addresses;
mod connect;
pub mod conversation;
pub mod dns;
pub mod events;
mod exchange;
mod http2;
pub mod limits;
pub mod proxy;
pub mod session;
pub mod tcp;
pub mod ticket;
pub mod tls;
mod trust;
mod tunnel;
pub mod upgrade;
mod watch;

use addresses::address_fan_out;
pub use addresses::address_record;
pub(crate) use connect::{connect, connect_with_alpn};
pub(crate) use exchange::{exchange_stage, header_map};
use tunnel::{socks_tunnel, tunnel};
use watch::session_stage;

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
    /// `--send` / `--expect-reply`: what to say on the upgraded baseline and what to wait for.
    pub conversation: Option<conversation::Conversation>,
    /// `-4`/`-6`: connect to addresses of this family only.
    pub ip_family: Option<crate::config::IpFamily>,
    /// `--connect-timeout`: the limit of each attempt's dns, tcp, tunnel and tls together.
    pub connect_timeout: Option<Duration>,
    /// Where stage and attempt events go while the run goes on (progress, a partial report).
    pub events: events::Events,
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
                // A variant whose turn comes after the deadline never connects: it is reported
                // as not run, not as a timeout it never had (the baseline always runs).
                if Instant::now() >= ctx.deadline && spec.variant.id != ids::BASELINE {
                    return (
                        i,
                        Err(crate::model::SkippedVariant {
                            variant: spec.variant.clone(),
                            reason: crate::model::SkipReason::Deadline,
                        }),
                    );
                }
                (i, Ok(run_attempt(spec, ctx).await))
            }),
    );
    let ticketed = ticket::run_ticket_attempts(plan, ctx, slots);
    let controls =
        futures_util::future::join_all(plan.http_controls.iter().map(|spec| async move {
            let _slot = slots.acquire().await.ok();
            run_attempt(spec, ctx).await
        }));
    let fanned = address_fan_out(plan, ctx, slots);
    let h2 = async {
        match &plan.http2 {
            Some(spec) => {
                let _slot = slots.acquire().await.ok();
                Some(http2::http2_path(spec, &plan.http2_variants, ctx).await)
            }
            None => None,
        }
    };
    let (plain, ticketed, http_controls, (pinned, addresses), http2) =
        tokio::join!(plain, ticketed, controls, fanned, h2);
    let mut attempts: Vec<(usize, AttemptRecord)> = ticketed.attempts;
    let mut not_run: Vec<(usize, crate::model::SkippedVariant)> = ticketed.not_run;
    for (i, run) in plain {
        match run {
            Ok(record) => attempts.push((i, record)),
            Err(skipped) => not_run.push((i, skipped)),
        }
    }
    attempts.sort_by_key(|(i, _)| *i);
    not_run.sort_by_key(|(i, _)| *i);
    let tickets = ticketed.fetches;
    let mut skipped = plan.skipped.clone();
    skipped.extend(not_run.into_iter().map(|(_, s)| s));
    let other_scheme = match (&plan.other_scheme, attempts.first()) {
        (Some(spec), Some((_, base))) if other_scheme_called_for(base) => {
            Some(Box::new(other_scheme_attempt(spec, ctx).await))
        }
        _ => None,
    };
    Run {
        target: target.to_string(),
        credential_given: plan.input.credential_given,
        user_origin: plan.input.user_origin.clone(),
        direct: plan.input.direct.clone(),
        attempts: attempts.into_iter().map(|(_, a)| a).chain(pinned).collect(),
        tickets,
        http_controls,
        addresses,
        http2,
        other_scheme,
        skipped,
        request_unknown: false,
    }
}

/// True when the baseline failed the way a scheme mismatch fails, so the same port is worth one
/// try with the other scheme: plaintext to a TLS port gets a 400 (nginx, Apache, Go servers
/// such as Caddy), a close or reset (OpenSSL-based listeners such as HAProxy), or a TLS alert read
/// as a malformed answer; a ClientHello to a plaintext port is answered in plaintext or closed
/// (Python `websockets`). A timeout is not among them: the run's deadline has passed by then.
pub fn other_scheme_called_for(base: &AttemptRecord) -> bool {
    use crate::model::FailureClass as C;
    match (&base.outcome, base.outcome.class()) {
        (Outcome::Rejected { status: 400, .. }, _) => true,
        (Outcome::ProtocolViolation { .. }, Some(c)) => matches!(
            c,
            C::MalformedResponse | C::ConnectionClosed | C::ConnectionReset
        ),
        (Outcome::TlsError { .. }, Some(c)) => matches!(c, C::NotTls | C::HandshakeFailed),
        _ => false,
    }
}

/// The other-scheme control: a short watch after a 101 (its point is which protocol the port
/// speaks, not how the session goes), never the idle watch or the address fan-out.
async fn other_scheme_attempt(spec: &AttemptSpec, ctx: &ProbeContext) -> AttemptRecord {
    let mut ctx = ctx.clone();
    ctx.close_wait = ctx.close_wait.min(OTHER_SCHEME_WATCH);
    ctx.idle = None;
    ctx.fan_out = false;
    run_attempt(spec, &ctx).await
}

/// How long the other-scheme control watches a 101.
const OTHER_SCHEME_WATCH: Duration = Duration::from_millis(200);

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
        if ctx.events.listening() {
            ctx.events
                .emit(events::ProbeEvent::AttemptDone(Box::new(rec.clone())));
        }
        rec
    }
    .instrument(span)
    .await
}

pub(crate) fn empty_record(spec: &AttemptSpec, redactor: &Redactor) -> AttemptRecord {
    AttemptRecord::unmeasured(spec.variant.clone(), redactor.url(spec.wire_url().as_str()))
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
    let target = request_target(&spec.wire_url());
    let request = upgrade::Request {
        method: "GET",
        target: &target,
        headers: &spec.headers,
    };
    ctx.events.stage_started(
        rec,
        Stage::Upgrade,
        "the answer to the upgrade request",
        ctx.deadline,
    );
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

pub(crate) use crate::wording::outcome_line as outcome_text;

#[cfg(test)]
mod tests;
