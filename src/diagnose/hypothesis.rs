//! hypothesis: beside the catalogue, what each cause *predicts*. For every kind of attempt
//! wsdoctor makes (a credential or Origin variant, a control, a browser shape, a repeat, a pinned
//! address, a `--direct` twin, a plain-HTTP control), [`predict`] says what the cause expects that
//! attempt to get relative to the baseline — the same answer, an upgrade, anything but an upgrade,
//! a different answer — and how much an observation that fits supports it and one that does not
//! contradicts it. [`prior`] is how common the cause is in the field (it breaks near-ties).
//!
//! The engine (`engine`) scores every proposed cause against every attempt that was made with
//! these predictions. Pure data and pure functions: no I/O, no decisions here.

use super::cause::Cause;
use super::evidence::{answer, ping_flood_of, same_answer, Answer, Facts};
use crate::model::ids;
use crate::model::{AttemptRecord, CredentialPlacement, RequestKind};

/// What a hypothesis expects one attempt to get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// The baseline's own answer (same status and body, same close, same failure class).
    Same,
    /// An upgrade that stays open.
    Open,
    /// Anything but an upgrade that stays open.
    NotOpen,
    /// Anything but the baseline's answer.
    Different,
    /// The baseline's answer (support), or at least no upgrade (neutral); an upgrade contradicts.
    Refused,
    /// An upgrade whose watch ended in a ping flood (`session.end.kind = ping_flood`).
    PingFlood,
    /// No opinion: the cause says nothing about this attempt.
    Any,
}

impl Expect {
    /// The id as in JSON (`diagnosis.observations[].expected`).
    pub fn as_str(self) -> &'static str {
        match self {
            Expect::Same => "same_as_baseline",
            Expect::Open => "upgrade",
            Expect::NotOpen => "no_upgrade",
            Expect::Different => "different_from_baseline",
            Expect::Refused => "same_refusal",
            Expect::PingFlood => "ping_flood",
            Expect::Any => "any",
        }
    }

    /// How the attempt's answer fits.
    pub fn fit(self, base: &AttemptRecord, a: &AttemptRecord) -> Fit {
        let yes = |b: bool| if b { Fit::Explained } else { Fit::Contradicted };
        match self {
            Expect::Same => yes(same_answer(base, a)),
            Expect::Open => yes(a.outcome.is_success()),
            Expect::NotOpen => yes(!a.outcome.is_success()),
            Expect::Different => yes(!same_answer(base, a)),
            Expect::PingFlood => yes(ping_flood_of(a).is_some()),
            Expect::Refused if same_answer(base, a) => Fit::Explained,
            Expect::Refused if a.outcome.is_success() => Fit::Contradicted,
            Expect::Refused | Expect::Any => Fit::Silent,
        }
    }
}

/// How one observation fits one hypothesis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// The attempt got what the cause predicts.
    Explained,
    /// The attempt got what the cause rules out.
    Contradicted,
    /// The cause says nothing about it (or the answer is neither).
    Silent,
}

impl Fit {
    /// The id as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Fit::Explained => "explained",
            Fit::Contradicted => "contradicted",
            Fit::Silent => "silent",
        }
    }
}

/// One prediction: what is expected, how much a fit supports the cause, how much a miss
/// contradicts it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    /// What the cause expects.
    pub expect: Expect,
    /// Added to the cause's support when the attempt fits.
    pub support: f64,
    /// Subtracted when it does not (a contradiction when > 0).
    pub penalty: f64,
}

const fn p(expect: Expect, support: f64, penalty: f64) -> Prediction {
    Prediction {
        expect,
        support,
        penalty,
    }
}

/// No opinion.
pub const ANY: Prediction = p(Expect::Any, 0.0, 0.0);

/// A contradiction this heavy cannot be outweighed by support: the cause does not explain the run.
pub const HARD: f64 = 3.0;

/// What part an attempt plays in the matrix, read from its typed variant (not from its id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The baseline itself.
    Baseline,
    /// The same request without any credential.
    NoCredential,
    /// A deliberately wrong credential of the same shape, in the baseline's place.
    WrongCredential,
    /// The real credential in another place (header, query, cookie, subprotocol).
    Placement,
    /// A one-time ticket attempt (`ticket.fresh`, `ticket.reuse`).
    Ticket,
    /// The baseline with another Origin (or none).
    Origin,
    /// The baseline as a browser sends it (header order, extensions).
    Browser,
    /// A plain GET of the same URL (no upgrade headers).
    PlainGet,
    /// An upgrade without `Sec-WebSocket-Key` or with version 8 (protocol-error controls).
    ProtocolControl,
    /// The baseline again (`--repeat`).
    Repeat,
    /// The baseline pinned to one resolved address.
    Address,
    /// A plain-HTTP control (site root, `--health-url`).
    HttpControl,
    /// `--auth-check` fetched with the credential.
    AuthCheck,
    /// `--auth-check` fetched without it.
    AuthCheckNone,
}

/// The part an attempt plays (its `direct` flag is separate: a twin plays its public part).
pub fn part(a: &AttemptRecord) -> Part {
    let v = &a.variant;
    match v.group.as_str() {
        "repeat" => return Part::Repeat,
        "address" => return Part::Address,
        "auth_check" => {
            return if v.credential == CredentialPlacement::None {
                Part::AuthCheckNone
            } else {
                Part::AuthCheck
            }
        }
        "http" => return Part::HttpControl,
        "ticket" => return Part::Ticket,
        _ => {}
    }
    let core = v.id.strip_prefix(ids::DIRECT_PREFIX).unwrap_or(&v.id);
    match v.request {
        RequestKind::PlainGet => return Part::PlainGet,
        RequestKind::MissingKey | RequestKind::WrongVersion => return Part::ProtocolControl,
        RequestKind::Upgrade => {}
    }
    if v.browser.is_some() {
        return Part::Browser;
    }
    if core == ids::BASELINE {
        return Part::Baseline;
    }
    if core.starts_with("origin.") {
        return Part::Origin;
    }
    if v.wrong_credential {
        return Part::WrongCredential;
    }
    if core.starts_with("credential.") {
        return if v.credential == CredentialPlacement::None {
            Part::NoCredential
        } else {
            Part::Placement
        };
    }
    Part::Baseline
}

/// How common each cause is among WebSocket handshake failures in the field (issue trackers,
/// Q&A threads and the seeds in `shared/seeds/`), as a share of failing runs; findings-only
/// causes have a small prior. Only near-ties feel it (see `engine::PRIOR_WEIGHT`).
pub fn prior(cause: Cause) -> f64 {
    use Cause::*;
    match cause {
        Healthy => 0.2,
        AuthMissingCredentials => 0.12,
        AuthCredentialsRejected => 0.12,
        OriginRejected => 0.1,
        ProxyUpgradeNotForwarded => 0.1,
        RoutingNotFound => 0.08,
        ProxyBadGateway => 0.08,
        TcpRefused => 0.08,
        TlsUntrustedCertificate | TlsHostnameMismatch | TlsExpiredCertificate => 0.04,
        TlsSelfSignedCertificate => 0.03,
        ServerError => 0.05,
        ProxyAccessDenied => 0.05,
        ProxyIdleTimeout => 0.05,
        DnsResolutionFailed | TcpTimeout => 0.04,
        AuthPlacement | AuthClosedAfterUpgrade | AuthTicketFailed => 0.04,
        ServerClosedAfterUpgrade | ProxyRedirect | RoutingNotWebsocket => 0.03,
        RoutingWrongUpstream | ProxyFrontRefuses | OriginHostRewritten => 0.03,
        ProxyRequestTooLarge | RoutingMethodNotAllowed | ServerTimeout => 0.02,
        ServerRequestTooLarge => 0.015,
        ProxyHttp2WebsocketRefused => 0.02,
        TlsNotTls | TlsPlaintextToTlsPort | TlsHandshakeFailed | TcpReset | TcpUnreachable => 0.02,
        RoutingIntermittent | DnsAddressInconsistent | ServerLoopbackBind => 0.02,
        ServerWebsocketUnsupported | ServerBadHandshakeResponse => 0.02,
        _ => 0.01,
    }
}

/// The signature strength of a cause nothing observed can confirm or rule out (a logit of 0):
/// every such candidate starts even, and only the field's frequencies order them.
pub const UNCONFIRMABLE: f64 = 0.5;

/// True for causes whose signature is what the request carried (a credential or its absence, a
/// placement, a ticket, an Origin the proxy rewrote). When the request is not known
/// (`Run::request_unknown`: an explain input that shows only the answer) nothing can confirm
/// them: their signature is capped at [`UNCONFIRMABLE`], so they tie with each other and with the
/// causes of the same status that the answer cannot separate.
pub fn needs_request(cause: Cause) -> bool {
    matches!(
        cause,
        Cause::AuthMissingCredentials
            | Cause::AuthCredentialsRejected
            | Cause::AuthPlacement
            | Cause::AuthTicketFailed
            | Cause::OriginHostRewritten
    )
}

/// The causes of a refused upgrade of which only the status is known (a browser console line:
/// `Unexpected response code: 403`), most common first, with their share among such refusals in
/// the field (issue trackers, Q&A threads, `shared/seeds/`). A browser always sends the page's
/// Origin, so an Origin allowlist leads for 403; it cannot set headers on a WebSocket, so a
/// credential the page never attached is the commonest auth failure. Empty for a status with no
/// such list. The engine proposes each as an unconfirmable candidate (`engine::candidates`) and
/// uses these shares as their prior.
pub fn status_causes(status: u16) -> &'static [(Cause, f64)] {
    use Cause::*;
    match status {
        400 => &[
            (ProxyUpgradeNotForwarded, 0.35),
            (ServerBadHandshakeResponse, 0.25),
            (ProxyRequestTooLarge, 0.15),
            (TlsPlaintextToTlsPort, 0.12),
            (OriginRejected, 0.1),
        ],
        401 => &[
            (AuthMissingCredentials, 0.5),
            (AuthCredentialsRejected, 0.35),
            (ProxyAccessDenied, 0.15),
        ],
        403 => &[
            (OriginRejected, 0.4),
            (AuthMissingCredentials, 0.3),
            (RoutingWrongUpstream, 0.16),
            (ProxyAccessDenied, 0.14),
        ],
        404 => &[
            (RoutingNotFound, 0.55),
            (ProxyUpgradeNotForwarded, 0.3),
            (RoutingWrongUpstream, 0.15),
        ],
        426 => &[
            (ProxyUpgradeNotForwarded, 0.75),
            (ServerBadHandshakeResponse, 0.25),
        ],
        500 => &[(ServerError, 0.7), (ProxyBadGateway, 0.3)],
        502 | 504 => &[(ProxyBadGateway, 0.75), (ServerError, 0.25)],
        // 503 is as often an application's "not ready" as a balancer without healthy backends.
        501 | 503 | 505..=599 => &[(ServerError, 0.55), (ProxyBadGateway, 0.45)],
        _ => &[],
    }
}

/// What `cause` would mean for an upgrade refused with a status and nothing else known: a
/// possibility, never a finding (no claim about what the request carried).
pub fn status_reading(cause: Cause) -> &'static str {
    use Cause::*;
    match cause {
        OriginRejected => "an Origin check: the server's allowlist may not include the page's origin",
        AuthMissingCredentials => "an auth check: the page may send no credential the server reads (a browser cannot set headers on a WebSocket)",
        AuthCredentialsRejected => "an auth check: the credential the page sends (cookie, query token) may be refused, expired or meant for another audience",
        RoutingWrongUpstream => "a routing fault: the path may reach a backend that refuses every upgrade, whatever it carries",
        ProxyAccessDenied => "a proxy, CDN or WAF rule in front of the application may refuse the upgrade itself",
        ProxyUpgradeNotForwarded => "a proxy may drop the Upgrade and Connection headers, so the application sees a plain request",
        ServerBadHandshakeResponse => "the server may refuse the handshake itself (a header or version it does not accept)",
        ProxyRequestTooLarge => "the request may be too large for the proxy (a browser's cookies count)",
        TlsPlaintextToTlsPort => "a ws:// URL may point at a port that speaks TLS (use wss://)",
        RoutingNotFound => "nothing may serve this path (a prefix the proxy strips, a trailing slash)",
        ProxyBadGateway => "a proxy may be unable to reach a healthy upstream",
        ServerError => "the application may fail while accepting the upgrade",
        _ => "a refusal this status alone cannot explain further",
    }
}

/// True for causes whose answer does not change from one identical request to the next: their
/// repeats and pinned addresses must get the baseline's answer.
fn deterministic(cause: Cause) -> bool {
    !matches!(
        cause,
        Cause::RoutingIntermittent | Cause::DnsAddressInconsistent | Cause::ServerLoopbackBind
    )
}

/// Causes decided before any HTTP answer (transport and TLS): the matrix cannot speak to them,
/// except that every variant meets the same failure.
fn below_http(cause: Cause) -> bool {
    use crate::diagnose::cause::Category;
    matches!(
        cause.category(),
        Category::Dns | Category::Tcp | Category::Tls
    ) || matches!(
        cause,
        Cause::ProxyForwardProxyRefused | Cause::ServerTimeout | Cause::ServerHttp2Only
    )
}

/// True for causes about the HTTP answer or what follows it: they predict that the baseline got
/// as far as the upgrade stage.
pub fn needs_http_answer(cause: Cause) -> bool {
    !below_http(cause) || matches!(cause, Cause::ServerTimeout | Cause::ServerHttp2Only)
}

/// The stage where an attempt failed before the upgrade stage (dns, tcp, proxy, tls), if it did.
pub fn failed_before_upgrade(a: &AttemptRecord) -> Option<crate::model::Stage> {
    use crate::model::{Stage, StageStatus};
    a.stages
        .iter()
        .find(|s| s.status == StageStatus::Failed)
        .map(|s| s.stage)
        .filter(|s| matches!(s, Stage::Dns | Stage::Tcp | Stage::Proxy | Stage::Tls))
}

/// True when the attempt carries no Origin header.
fn no_origin(a: &AttemptRecord) -> bool {
    a.variant.origin.is_none()
}

/// True when two attempts send the same Origin.
fn same_origin_header(a: &AttemptRecord, b: &AttemptRecord) -> bool {
    a.variant.origin.as_deref().map(str::to_ascii_lowercase)
        == b.variant.origin.as_deref().map(str::to_ascii_lowercase)
}

/// The public twin of a direct attempt.
fn public_twin<'a>(f: &Facts<'a>, a: &AttemptRecord) -> Option<&'a AttemptRecord> {
    let id = a.variant.id.strip_prefix(ids::DIRECT_PREFIX)?;
    f.run
        .attempts
        .iter()
        .find(|x| !x.variant.direct && x.variant.id == id)
}

/// What `cause` predicts for attempt `a`, given the baseline `base`.
pub fn predict(cause: Cause, f: &Facts, base: &AttemptRecord, a: &AttemptRecord) -> Prediction {
    use Cause::*;
    let part = part(a);
    if std::ptr::eq(a, base) || part == Part::Baseline && !a.variant.direct {
        return ANY;
    }
    // Identical requests get identical answers unless the cause is about the pool or addresses.
    if matches!(part, Part::Repeat | Part::Address) {
        if a.variant.direct {
            return ANY;
        }
        return match cause {
            RoutingIntermittent => p(Expect::Different, 1.0, 0.0),
            DnsAddressInconsistent | ServerLoopbackBind if part == Part::Address => {
                p(Expect::Different, 1.0, 0.0)
            }
            c if deterministic(c) => p(Expect::Same, 0.1, 1.5),
            _ => ANY,
        };
    }
    // Causes about the addresses speak only through the pinned attempts.
    if matches!(cause, DnsAddressInconsistent | ServerLoopbackBind) {
        return ANY;
    }
    if part == Part::HttpControl {
        return http_control(cause, a);
    }
    // The `--auth-check` pair speaks as a pair (2xx with the credential and 401/403 without
    // proves it good): the engine reads it as one record (`engine::credential_proven`).
    if matches!(part, Part::AuthCheck | Part::AuthCheckNone) {
        return ANY;
    }
    // A flood is the server's keepalive, not its answer to one request: every attempt that
    // upgrades (a `--direct` twin too, unless a proxy on the path sends the pings) is flooded.
    if cause == ServerPingFlood {
        return if a.outcome.status() == Some(101) && part != Part::PlainGet {
            p(Expect::PingFlood, 0.2, 0.5)
        } else {
            ANY
        };
    }
    if a.variant.direct {
        return direct(cause, f, base, a, part);
    }
    if cause == TlsPlaintextToTlsPort {
        // A TLS listener answers every plaintext request alike, whatever it carries: a variant
        // that got another answer (or a 101) was read by an HTTP server.
        return p(Expect::Same, 0.1, 1.0);
    }
    if below_http(cause) {
        // Every request to the same place meets the same transport or TLS failure; an upgrade
        // would rule it out.
        return p(Expect::Refused, 0.05, 1.0);
    }
    // Healthy, and a fault of the HTTP/2 path only: every HTTP/1.1 attempt is the application's
    // ordinary matrix (the HTTP/2 record speaks in the engine).
    if matches!(cause, Healthy | ProxyHttp2WebsocketRefused) {
        return ANY;
    }
    // Browser shapes carry the baseline's credential and Origin: a refusal that depends on
    // neither the header order nor the offered extensions gets the same answer. After a 101 the
    // browser shapes differ in what they offer (extensions), so they say nothing there.
    if part == Part::Browser {
        if base.outcome.status() == Some(101) {
            return ANY;
        }
        return p(Expect::Refused, 0.1, 1.0);
    }
    if part == Part::ProtocolControl {
        return ANY;
    }
    match cause {
        AuthMissingCredentials => match part {
            Part::Origin if same_origin_header(a, base) => p(Expect::Same, 0.3, 0.5),
            Part::Origin => p(Expect::Refused, 0.3, 2.0),
            Part::PlainGet => ANY,
            _ => p(Expect::Refused, 0.2, 1.0),
        },
        AuthCredentialsRejected | AuthClosedAfterUpgrade => match part {
            Part::WrongCredential => p(Expect::Same, 0.5, 0.5),
            // A server that validates a credential when present may accept none at all, and then
            // a placement it does not read is the same as none.
            Part::NoCredential => ANY,
            Part::Placement
                if f.get(ids::CREDENTIAL_NONE)
                    .is_some_and(|n| n.outcome.is_success()) =>
            {
                ANY
            }
            Part::Placement => p(Expect::Refused, 0.3, 2.0),
            Part::Origin => p(Expect::Refused, 0.3, 2.0),
            _ => ANY,
        },
        AuthPlacement => match part {
            Part::Placement => ANY,
            Part::NoCredential => p(Expect::Refused, 0.3, 2.0),
            Part::WrongCredential => p(Expect::Refused, 0.3, 1.0),
            Part::Origin => p(Expect::Refused, 0.2, 1.0),
            _ => ANY,
        },
        AuthTicketFailed => match part {
            Part::Origin => p(Expect::Refused, 0.2, 1.0),
            _ => ANY,
        },
        OriginRejected => match part {
            Part::Origin if same_origin_header(a, base) => p(Expect::Same, 0.3, 1.0),
            Part::Origin => ANY,
            // Every request with the baseline's Origin is refused, whatever its credential.
            Part::NoCredential | Part::WrongCredential | Part::Placement | Part::Ticket => {
                p(Expect::Refused, 0.2, 2.0)
            }
            _ => ANY,
        },
        OriginHostRewritten => match part {
            Part::NoCredential | Part::WrongCredential | Part::Placement => {
                p(Expect::Refused, 0.2, 2.0)
            }
            _ => ANY,
        },
        RoutingWrongUpstream
        | ProxyAccessDenied
        | ProxyFrontRefuses
        | RoutingNotFound
        | RoutingMethodNotAllowed
        | RoutingNotWebsocket
        | ProxyBadGateway
        | ServerError
        | ServerWebsocketUnsupported
        | ServerClosedAfterUpgrade
        | ProxyRedirect => refuses_everything(cause, part),
        ProxyUpgradeNotForwarded => match part {
            Part::PlainGet => p(Expect::Same, 0.8, 0.3),
            _ => p(Expect::Refused, 0.2, 2.5),
        },
        // The size is the request's, not its meaning: a wrong token of the same length gets the
        // same refusal, and so does every variant of about the same size. Without the token it
        // may pass (support) or still be too large (the size is elsewhere: cookies, headers).
        ProxyRequestTooLarge | ServerRequestTooLarge => match part {
            Part::NoCredential => p(Expect::Different, 0.5, 0.0),
            Part::WrongCredential => p(Expect::Same, 0.5, 1.0),
            Part::Origin | Part::Browser | Part::PlainGet => p(Expect::Refused, 0.1, 0.5),
            _ => ANY,
        },
        _ => ANY,
    }
}

/// Causes that refuse the upgrade whatever credential or Origin it carries: every upgrade
/// variant gets the same answer, and none upgrades.
fn refuses_everything(cause: Cause, part: Part) -> Prediction {
    match part {
        Part::PlainGet => match cause {
            Cause::RoutingNotWebsocket | Cause::ServerWebsocketUnsupported => {
                p(Expect::Same, 0.5, 0.5)
            }
            _ => ANY,
        },
        Part::NoCredential | Part::WrongCredential | Part::Placement | Part::Origin => {
            p(Expect::Refused, 0.3, 2.5)
        }
        _ => ANY,
    }
}

/// What a cause predicts for a plain-HTTP control (the site root, `--health-url`): a 2xx shows
/// the host is up and routed, which front-door-wide failures deny.
fn http_control(cause: Cause, a: &AttemptRecord) -> Prediction {
    let ok = a.outcome.status().is_some_and(|s| (200..400).contains(&s));
    match cause {
        Cause::RoutingWrongUpstream | Cause::RoutingNotFound | Cause::ProxyUpgradeNotForwarded
            if ok =>
        {
            p(Expect::Any, 0.2, 0.0)
        }
        _ => ANY,
    }
}

/// What a cause predicts for a `--direct` twin (the same request sent to the backend).
fn direct(
    cause: Cause,
    f: &Facts,
    base: &AttemptRecord,
    a: &AttemptRecord,
    part: Part,
) -> Prediction {
    use Cause::*;
    let twin = public_twin(f, a);
    // A twin the plan skipped as a duplicate of the baseline is the baseline.
    let public_refused = twin.map_or(!base.outcome.is_success(), |t| !t.outcome.is_success());
    let backend_unreachable = matches!(
        answer(a),
        Answer::Failure {
            kind: "dns_error" | "tcp_error" | "timeout",
            ..
        }
    );
    if backend_unreachable || below_http(cause) {
        return ANY;
    }
    // The request the backend accepts and the front refuses carried no Origin: an Origin check
    // cannot explain the difference.
    let accepted_here_only = a.outcome.is_success() && public_refused;
    match cause {
        OriginRejected | OriginHostRewritten
            if accepted_here_only && twin.is_some_and(no_origin) =>
        {
            p(Expect::NotOpen, 0.0, HARD)
        }
        OriginHostRewritten if part == Part::Origin && accepted_here_only => {
            p(Expect::Open, 2.5, 0.0)
        }
        // An allowlist refuses the site's own origin through the front while the backend accepts
        // its own origin: a misfit for an allowlist, the signature of a Host rewrite.
        OriginRejected if part == Part::Origin && accepted_here_only => {
            p(Expect::NotOpen, 0.0, 0.8)
        }
        // The backend's own answer to a plain GET is the public upgrade's answer: the upgrade
        // reached it as a plain GET.
        ProxyUpgradeNotForwarded if part == Part::PlainGet => p(Expect::Same, 1.5, 0.0),
        // ...which also shows that the route reaches this very backend, not another one.
        RoutingWrongUpstream | ProxyFrontRefuses if part == Part::PlainGet => {
            p(Expect::Different, 0.0, 1.5)
        }
        // The backend refuses the baseline's Origin the same way: the backend's own check.
        OriginRejected if part == Part::Baseline && same_answer(a, base) => {
            p(Expect::Same, 1.0, 0.0)
        }
        // An application's own "no such route" while the same application upgrades the same path
        // directly: the path exists (a proxy's own 404 page would still fit: its route is missing).
        RoutingNotFound | RoutingNotWebsocket | RoutingMethodNotAllowed
            if part == Part::Baseline
                && a.outcome.is_success()
                && super::evidence::response(base)
                    .is_some_and(|r| crate::fingerprint::proxy_authorship(&r) < 0.5) =>
        {
            p(Expect::NotOpen, 0.0, 1.0)
        }
        // Front-door causes: the backend accepts what the front refuses.
        RoutingWrongUpstream | ProxyAccessDenied | ProxyFrontRefuses | ProxyUpgradeNotForwarded
            if part == Part::Baseline =>
        {
            p(Expect::Open, 2.0, 1.0)
        }
        // Backend causes: the backend itself refuses the same request.
        AuthCredentialsRejected
        | AuthClosedAfterUpgrade
        | AuthMissingCredentials
        | ServerError
        | ServerClosedAfterUpgrade
            if part == Part::Baseline =>
        {
            if same_answer(a, base) {
                p(Expect::Same, 0.8, 0.0)
            } else {
                p(Expect::NotOpen, 0.3, 2.0)
            }
        }
        _ => ANY,
    }
}
