//! hypothesis: what a cause *predicts* for every kind of attempt wsdoctor makes (a credential or
//! Origin variant, a control, a browser shape, a repeat, a pinned address, a `--direct` twin):
//! the same answer as the baseline, an upgrade, anything but an upgrade, a different answer — and
//! how much an observation that fits supports the cause and one that does not contradicts it.
//! [`predict`] holds the rules every cause shares; what is particular to a cause is in its home
//! (`causes::Home::predicts`, `causes::Home::predicts_direct`).
//!
//! The engine (`engine`) scores every cause against every attempt that was made with these
//! predictions. Pure data and pure functions: no I/O, no decisions here.

use super::cause::Cause;
use super::causes::{home, Ctx, Varies};
use super::evidence::{ping_flood_of, same_answer, Facts};
use crate::model::ids;
use crate::model::{AttemptRecord, CredentialPlacement, Outcome, RequestKind};

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
    /// The baseline's failure below HTTP (no answer: DNS, TCP, TLS, a proxy's refusal, a
    /// timeout) for every request to the same address (support); any HTTP answer to a request
    /// of the same run contradicts it: the connection, the handshake and the listener work. Any
    /// other failure says nothing.
    FailsAlike,
    /// The front's own refusal of the baseline, for every request whatever it carries (support);
    /// a 101 (whatever followed it), or an application's own answer that reached the client
    /// through the same front, contradicts it: the front passed that request on, so it neither refuses every request nor
    /// fails to reach its upstream. Any other answer says nothing.
    TheFrontsRefusal,
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
            Expect::TheFrontsRefusal => "the_fronts_refusal",
            Expect::FailsAlike => "the_same_failure",
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
            Expect::Refused | Expect::TheFrontsRefusal | Expect::FailsAlike
                if same_answer(base, a) =>
            {
                Fit::Explained
            }
            Expect::FailsAlike if a.outcome.status().is_some() => Fit::Contradicted,
            Expect::TheFrontsRefusal if passed_on(a) => Fit::Contradicted,
            Expect::Refused if a.outcome.is_success() => Fit::Contradicted,
            Expect::Refused | Expect::TheFrontsRefusal | Expect::FailsAlike | Expect::Any => {
                Fit::Silent
            }
        }
    }
}

/// True when the front passed the attempt on: it was upgraded (a 101, whatever followed), it got
/// a 101 that broke the protocol (a front's refusal is an error page, never a malformed 101), or its HTTP answer is more likely an application's than a front's own
/// (`fingerprint::proxy_authorship` below one half: a relayed application body, an answer
/// nothing names, never a `Server` header alone). A failure before any answer says nothing.
fn passed_on(a: &AttemptRecord) -> bool {
    match &a.outcome {
        Outcome::Upgraded { .. } | Outcome::UpgradedThenClosed { .. } => true,
        Outcome::ProtocolViolation { .. } => a.response.as_ref().is_some_and(|r| r.status == 101),
        Outcome::Rejected { .. } | Outcome::Redirected { .. } => super::evidence::response(a)
            .is_some_and(|r| crate::fingerprint::proxy_authorship(&r) < 0.5),
        _ => false,
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

/// The signature strength of a cause nothing observed can confirm or rule out (a logit of 0):
/// every such candidate starts even, and only the field's frequencies order them.
pub const UNCONFIRMABLE: f64 = 0.5;

/// True for causes about the HTTP answer or what follows it: they predict that the baseline got
/// as far as the upgrade stage.
pub fn needs_http_answer(cause: Cause) -> bool {
    !home(cause).before_http || matches!(cause, Cause::ServerTimeout | Cause::ServerHttp2Only)
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

/// What `cause` predicts for attempt `a`, given the baseline `base`. The rules every cause shares
/// are here (the baseline says nothing of itself; identical requests get identical answers unless
/// the cause varies; the plain-HTTP controls and the `--auth-check` pair speak elsewhere; a
/// `--direct` backend that cannot be reached says nothing); the rest is the cause's home's
/// (`causes::Home::predicts`, `causes::Home::predicts_direct`).
pub fn predict(cause: Cause, f: &Facts, base: &AttemptRecord, a: &AttemptRecord) -> Prediction {
    let h = home(cause);
    let part = part(a);
    if std::ptr::eq(a, base) || part == Part::Baseline && !a.variant.direct {
        return ANY;
    }
    if matches!(part, Part::Repeat | Part::Address) {
        if a.variant.direct {
            return ANY;
        }
        return match h.varies {
            Varies::PerRequest => p(Expect::Different, 1.0, 0.0),
            Varies::PerAddress if part == Part::Address => p(Expect::Different, 1.0, 0.0),
            Varies::PerAddress => ANY,
            Varies::Never => p(Expect::Same, 0.1, 1.5),
        };
    }
    // Causes about the addresses speak only through the pinned attempts.
    if h.varies == Varies::PerAddress {
        return ANY;
    }
    // A plain-HTTP control (site root, `--health-url`) is read as typed observations (`sign`);
    // the `--auth-check` pair speaks as a pair (`sign::credential_proven`).
    if matches!(
        part,
        Part::HttpControl | Part::AuthCheck | Part::AuthCheckNone
    ) {
        return ANY;
    }
    let ctx = Ctx { f, base, a, part };
    if a.variant.direct {
        if ctx.backend_unreachable() || h.before_http {
            return ANY;
        }
        return (h.predicts_direct)(&ctx);
    }
    (h.predicts)(&ctx)
}
