//! causes: one home per cause. Everything wsdoctor knows about a cause sits in its category's
//! file, side by side: how common it is in the field ([`Home::prior`], and its share among
//! refusals of which only the status is known), what the user sees, how to confirm it by hand and
//! what to change ([`Home::symptom`], [`Home::confirm`], [`Home::remedies`] — `docs/causes.md`
//! leads each section with exactly these), the kind of baseline it produces ([`Home::produces`]),
//! what it predicts for every attempt of the matrix and every `--direct` twin
//! ([`Home::predicts`], [`Home::predicts_direct`]), how it reads each fact the run shows
//! ([`Home::reads`], over `sign::Sign`, with the sentence that says it when that fact decides),
//! and its tests.
//!
//! The engine (`engine`) scores every home against every run; nothing here decides. Adding a cause
//! is a row in `crate::cause` (its id and title, which `model` needs), a home here, and its section
//! in `docs/causes.md` (checked by `tests::docs_lead_each_section_with_its_home`).

mod auth;
mod dns;
mod ok;
mod origin;
mod proxy;
mod routing;
mod server;
mod tcp;
mod tls;

use std::sync::OnceLock;

use super::cause::Cause;
use super::evidence::{answer, same_answer, Answer, Facts};
use super::hypothesis::{Expect, Fit, Part, Prediction, HARD};
use super::observe::{AttemptObs, OutcomeClass as O};
use super::sign::Sign;
use super::weigh::Expected;
use crate::model::{ids, AttemptRecord};

/// The protocol the same port spoke when it was tried with the other scheme
/// (`control.other_scheme`: `wss://` for a `ws://` target, `ws://` for a `wss://` one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortSpeaks {
    /// It answered a TLS ClientHello with a TLS handshake.
    Tls,
    /// It answered in plaintext HTTP.
    Plaintext,
}

/// How a cause reads the same port tried with the other scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtherScheme {
    /// It says nothing of the cause.
    Silent,
    /// The port speaking this protocol is the cause (strong support); for `Tls`, a port that did
    /// not answer the ClientHello with TLS rules it out.
    Explains(PortSpeaks),
    /// The port speaking this protocol rules the cause out (for `Tls`: when every attempt got the
    /// baseline's answer, so nothing but the scheme was at stake).
    RuledOutBy(PortSpeaks),
}

/// Whether a cause's answer changes from one identical request to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Varies {
    /// Identical requests get identical answers: repeats and pinned addresses get the baseline's.
    Never,
    /// Some identical requests are answered otherwise (a bad backend in a pool).
    PerRequest,
    /// The resolved addresses answer differently; the cause speaks only through them.
    PerAddress,
}

/// How one cause reads one sign: support or contradiction, how much, what it expected, and the
/// sentence that says it when this reading decides the verdict (`{observed}` is the attempt).
#[derive(Debug, Clone, Copy)]
pub struct Reading {
    /// The fact read.
    pub sign: Sign,
    /// Explained (support) or contradicted.
    pub fit: Fit,
    /// What the cause expected of it.
    pub expected: Expected,
    /// How much.
    pub weight: f64,
    /// The summary when this reading is the verdict's best support.
    pub says: Option<&'static str>,
}

impl Reading {
    /// The sentence for a verdict this reading decides.
    pub const fn says(mut self, text: &'static str) -> Reading {
        self.says = Some(text);
        self
    }
}

/// A sign that supports the cause.
pub const fn supports(sign: Sign, expected: Expected, weight: f64) -> Reading {
    Reading {
        sign,
        fit: Fit::Explained,
        expected,
        weight,
        says: None,
    }
}

/// A sign the cause cannot explain.
pub const fn denies(sign: Sign, expected: Expected, weight: f64) -> Reading {
    Reading {
        sign,
        fit: Fit::Contradicted,
        expected,
        weight,
        says: None,
    }
}

/// One attempt to predict, with what the prediction may look at.
pub struct Ctx<'r, 'a> {
    /// The run.
    pub f: &'r Facts<'a>,
    /// The baseline.
    pub base: &'r AttemptRecord,
    /// The attempt.
    pub a: &'r AttemptRecord,
    /// The part it plays.
    pub part: Part,
}

impl<'a> Ctx<'_, 'a> {
    /// The public twin of a `--direct` attempt.
    pub fn twin(&self) -> Option<&'a AttemptRecord> {
        let id = self.a.variant.id.strip_prefix(ids::DIRECT_PREFIX)?;
        self.f
            .run
            .attempts
            .iter()
            .find(|x| !x.variant.direct && x.variant.id == id)
    }

    /// The backend upgrades what the front refused (a twin the plan skipped as a duplicate of the
    /// baseline is the baseline).
    pub fn accepted_here_only(&self) -> bool {
        let public_refused = self
            .twin()
            .map_or(!self.base.outcome.is_success(), |t| !t.outcome.is_success());
        self.a.outcome.is_success() && public_refused
    }

    /// The `--direct` address could not be reached (DNS, TCP, a timeout).
    pub fn backend_unreachable(&self) -> bool {
        matches!(
            answer(self.a),
            Answer::Failure {
                kind: "dns_error" | "tcp_error" | "timeout",
                ..
            }
        )
    }

    /// The attempt sends the baseline's Origin.
    pub fn same_origin_as_base(&self) -> bool {
        self.a
            .variant
            .origin
            .as_deref()
            .map(str::to_ascii_lowercase)
            == self
                .base
                .variant
                .origin
                .as_deref()
                .map(str::to_ascii_lowercase)
    }

    /// The attempt gets the baseline's answer.
    pub fn same_as_base(&self) -> bool {
        same_answer(self.a, self.base)
    }
}

/// The one step (a command, a flag) that tells two causes apart, worded for the run.
pub type Step = fn(&Facts) -> String;

/// Everything wsdoctor knows about one cause.
pub struct Home {
    /// The cause (its id and title are `crate::cause`'s).
    pub cause: Cause,
    /// How common the cause is among WebSocket failures in the field (issue trackers, Q&A
    /// threads, `shared/seeds/`, `shared/field-runs/`), as a share of failing runs; findings have a
    /// small one. Only near-ties feel it (`engine::PRIOR_WEIGHT`).
    pub prior: f64,
    /// Its share among refusals of which only the status is known (a browser console's
    /// `Unexpected response code: 403`), by status range (inclusive).
    pub status_shares: &'static [(u16, u16, f64)],
    /// What it would mean for a refusal of which only the status is known.
    pub status_reading: Option<&'static str>,
    /// Its signature is what the request carried: with the request unknown (an `explain` input),
    /// nothing can confirm it.
    pub needs_request: bool,
    /// Decided before any HTTP answer (DNS, TCP, TLS, the tunnel, no answer at all).
    pub before_http: bool,
    /// Whether identical requests get identical answers.
    pub varies: Varies,
    /// What the user sees.
    pub symptom: &'static str,
    /// How to confirm it by hand, with wsdoctor or curl.
    pub confirm: &'static str,
    /// What to change, one line each (fitted to the run's path and Origin in the report).
    pub remedies: &'static [&'static str],
    /// Whether the baseline's outcome is one it produces; `None` when it says nothing about it
    /// (findings, causes read from other records).
    pub produces: fn(&AttemptObs) -> Option<bool>,
    /// What it predicts for a public attempt of the matrix (not the baseline, the repeats, the
    /// pinned addresses, the plain-HTTP controls or the `--auth-check` pair).
    pub predicts: fn(&Ctx) -> Prediction,
    /// What it predicts for a `--direct` twin the backend answered.
    pub predicts_direct: fn(&Ctx) -> Prediction,
    /// How it reads the signs a run shows.
    pub reads: &'static [Reading],
    /// The one step that tells it apart from a cause that explains a run as well (read in both
    /// homes of a pair: [`separating_step`]).
    pub tells_apart: &'static [(Cause, Step)],
    /// How it reads the same port tried with the other scheme; `None` takes the layer's reading
    /// ([`other_scheme`]): a cause decided before any HTTP answer says nothing, one that needs an
    /// HTTP answer is ruled out by a port that speaks TLS to a plaintext URL.
    pub other_scheme: Option<OtherScheme>,
}

/// How a cause reads the same port tried with the other scheme: its home's reading, else its
/// layer's (see [`Home::other_scheme`]).
pub fn other_scheme(cause: Cause) -> OtherScheme {
    let h = home(cause);
    h.other_scheme.unwrap_or(if h.before_http {
        OtherScheme::Silent
    } else {
        OtherScheme::RuledOutBy(PortSpeaks::Tls)
    })
}

/// Every home, in catalogue order.
fn homes() -> &'static [&'static Home] {
    static HOMES: OnceLock<Vec<&'static Home>> = OnceLock::new();
    HOMES.get_or_init(|| {
        let all: Vec<&'static Home> = [
            ok::HOMES,
            dns::HOMES,
            tcp::HOMES,
            tls::HOMES,
            proxy::HOMES,
            origin::HOMES,
            auth::HOMES,
            routing::HOMES,
            server::HOMES,
        ]
        .into_iter()
        .flat_map(|h| h.iter().copied())
        .collect();
        Cause::ALL
            .iter()
            .filter_map(|c| all.iter().copied().find(|h| h.cause == *c))
            .collect()
    })
}

/// The home of a cause.
pub fn home(cause: Cause) -> &'static Home {
    let all = homes();
    // Catalogue order: the cause's index is its home's (checked by a test).
    match Cause::ALL
        .iter()
        .position(|c| *c == cause)
        .and_then(|i| all.get(i))
    {
        Some(h) if h.cause == cause => h,
        _ => &MISSING,
    }
}

/// What a home says where it says nothing else: no status share, needs no request, an HTTP
/// cause, deterministic, silent on the `--direct` twins, no signs read, no look-alike. Each home
/// spells out what is its own and takes the rest from here (`..DEFAULT`). It also stands for a
/// cause without a home (a test fails until it has one).
pub const DEFAULT: Home = Home {
    cause: Cause::Healthy,
    prior: 0.01,
    status_shares: &[],
    status_reading: None,
    needs_request: false,
    before_http: false,
    varies: Varies::Never,
    symptom: "",
    confirm: "",
    remedies: &[],
    produces: says_nothing,
    predicts: silent,
    predicts_direct: silent,
    reads: &[],
    tells_apart: &[],
    other_scheme: None,
};

static MISSING: Home = DEFAULT;

/// The causes of a refused upgrade of which only the status is known, most common first, with
/// their share among such refusals in the field. Empty for a status with no such list.
pub fn status_causes(status: u16) -> Vec<(Cause, f64)> {
    let mut out: Vec<(Cause, f64)> = homes()
        .iter()
        .filter_map(|h| {
            h.status_shares
                .iter()
                .find(|(lo, hi, _)| (*lo..=*hi).contains(&status))
                .map(|(_, _, share)| (h.cause, *share))
        })
        .collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1));
    out
}

/// The one step that tells two causes apart when they explain a run equally, from either home.
pub fn separating_step(f: &Facts, a: Cause, b: Cause) -> Option<String> {
    let from = |x: Cause, y: Cause| {
        home(x)
            .tells_apart
            .iter()
            .find(|(other, _)| *other == y)
            .map(|(_, step)| step(f))
    };
    from(a, b).or_else(|| from(b, a))
}

/// How common a cause is in the field ([`Home::prior`]).
pub fn home_prior(cause: Cause) -> f64 {
    home(cause).prior
}

/// What a cause would mean for an upgrade refused with a status and nothing else known: a
/// possibility, never a finding (no claim about what the request carried).
pub fn reading_of_status(cause: Cause) -> &'static str {
    home(cause)
        .status_reading
        .unwrap_or("a refusal this status alone cannot explain further")
}

// --- Shared pieces the homes are made of ---------------------------------------------------

/// A prediction.
pub const fn p(expect: Expect, support: f64, penalty: f64) -> Prediction {
    Prediction {
        expect,
        support,
        penalty,
    }
}

/// No opinion.
pub const ANY: Prediction = super::hypothesis::ANY;

/// Says nothing about any attempt.
pub fn silent(_: &Ctx) -> Prediction {
    ANY
}

/// Says nothing about the baseline's outcome.
pub fn says_nothing(_: &AttemptObs) -> Option<bool> {
    None
}

/// Every request to the same place meets the same transport or TLS failure; any HTTP answer (an
/// upgrade or a refusal) to one of them rules it out.
pub fn fails_alike_below_http(_: &Ctx) -> Prediction {
    p(Expect::FailsAlike, 0.05, 1.0)
}

/// Every upgrade meets the same failure (a handler that never answers one); requests without an
/// upgrade (the plain GET, the protocol-error controls) may be answered by the same server, and
/// the signs read the plain GET (`Sign::UpgradeUnansweredPlainGetAnswered`).
pub fn upgrades_fail_alike(c: &Ctx) -> Prediction {
    match c.part {
        Part::PlainGet | Part::ProtocolControl => ANY,
        _ => fails_alike_below_http(c),
    }
}

/// The part every HTTP cause shares: browser shapes carry the baseline's credential and Origin,
/// so a refusal that depends on neither the header order nor the offered extensions gets the
/// same answer (after a 101 they differ in what they offer, so they say nothing); the
/// protocol-error controls say nothing of the cause.
pub fn http_shared(c: &Ctx) -> Option<Prediction> {
    match c.part {
        Part::Browser if c.base.outcome.status() == Some(101) => Some(ANY),
        Part::Browser => Some(p(Expect::Refused, 0.1, 1.0)),
        Part::ProtocolControl => Some(ANY),
        _ => None,
    }
}

/// An HTTP cause the matrix cannot speak to (findings, causes read from other records).
pub fn http_silent(c: &Ctx) -> Prediction {
    http_shared(c).unwrap_or(ANY)
}

/// A refusal whatever credential or Origin the upgrade carries: every upgrade variant gets the
/// same answer, and none upgrades.
pub fn refuses_everything(c: &Ctx) -> Prediction {
    http_shared(c).unwrap_or(match c.part {
        Part::NoCredential | Part::WrongCredential | Part::Placement | Part::Origin => {
            p(Expect::Refused, 0.3, 2.5)
        }
        _ => ANY,
    })
}

/// The front's own refusal (its error page, its gateway error) for every upgrade, whatever it
/// carries: an application's answer to a variant shows the front passed that one on.
pub fn the_front_refuses_everything(c: &Ctx) -> Prediction {
    match c.part {
        Part::Browser if c.base.outcome.status() != Some(101) => {
            p(Expect::TheFrontsRefusal, 0.1, 1.0)
        }
        Part::NoCredential | Part::WrongCredential | Part::Placement | Part::Origin => {
            p(Expect::TheFrontsRefusal, 0.3, 2.5)
        }
        _ => refuses_everything(c),
    }
}

/// ...and the plain GET of the URL gets the same plain answer as the upgrade (no WebSocket
/// handler saw either).
/// (A baseline upgraded and then closed cannot be the plain GET's answer: the plain GET's own
/// page is then read as a sign, `sign::Sign::PlainGetSaysNotWebsocket`.)
pub fn refuses_everything_as_plain_http(c: &Ctx) -> Prediction {
    let http_answer = c.base.outcome.status().is_some_and(|s| s != 101);
    match c.part {
        Part::PlainGet if http_answer => p(Expect::Same, 0.5, 0.5),
        Part::PlainGet => ANY,
        _ => refuses_everything(c),
    }
}

/// The backend itself refuses the same request (a cause of the application).
pub fn backend_refuses_alike(c: &Ctx) -> Prediction {
    match c.part {
        Part::Baseline if c.same_as_base() => p(Expect::Same, 0.8, 0.0),
        Part::Baseline => p(Expect::NotOpen, 0.3, 2.0),
        _ => ANY,
    }
}

/// The front refuses what the backend accepts.
pub fn backend_accepts(c: &Ctx) -> Prediction {
    match c.part {
        Part::Baseline => p(Expect::Open, 2.0, 1.0),
        _ => ANY,
    }
}

/// An HTTP refusal (a status other than 101).
pub fn http_refusal(b: &AttemptObs) -> bool {
    b.class == O::Http && b.status != Some(101)
}

/// An HTTP refusal with a status in `range`.
pub fn refused_with(b: &AttemptObs, range: std::ops::RangeInclusive<u16>) -> bool {
    http_refusal(b) && b.status.is_some_and(|s| range.contains(&s))
}

/// Closed (or broken) after the 101, or closed by the `--send` exchange.
pub fn closed(b: &AttemptObs) -> bool {
    matches!(b.class, O::ClosedAfterUpgrade | O::BrokenAfterUpgrade)
        || super::sign::exchange_close(b.record).is_some()
}

/// Failed before the request, or got no HTTP answer, or timed out: a transport or TLS failure.
pub fn no_http(b: &AttemptObs) -> Option<bool> {
    Some(matches!(
        b.class,
        O::BeforeRequest | O::NoHttpAnswer | O::Timeout
    ))
}

/// An HTTP refusal with a 4xx or 5xx, or a close after the 101.
pub fn refused_or_closed(b: &AttemptObs) -> Option<bool> {
    Some(refused_with(b, 400..=u16::MAX) || closed(b))
}

/// Failed before the request (DNS, TCP, the tunnel, TLS).
pub fn before_request(b: &AttemptObs) -> Option<bool> {
    Some(b.class == O::BeforeRequest)
}

/// No HTTP answer, or failed before the request.
pub fn no_answer_or_before_request(b: &AttemptObs) -> Option<bool> {
    Some(matches!(b.class, O::NoHttpAnswer | O::BeforeRequest))
}

/// Anything but an upgrade (open or closed after it).
pub fn no_upgrade(b: &AttemptObs) -> Option<bool> {
    Some(!matches!(b.class, O::Open | O::ClosedAfterUpgrade))
}

/// An upgrade, open or closed after it.
pub fn upgraded(b: &AttemptObs) -> Option<bool> {
    Some(matches!(b.class, O::Open | O::ClosedAfterUpgrade))
}

/// Any HTTP refusal.
pub fn any_http_refusal(b: &AttemptObs) -> Option<bool> {
    Some(http_refusal(b))
}

/// An HTTP refusal with a 4xx or 5xx.
pub fn refused_4xx_5xx(b: &AttemptObs) -> Option<bool> {
    Some(refused_with(b, 400..=u16::MAX))
}

/// Any HTTP refusal, or a close after the upgrade.
pub fn refused_or_closed_any(b: &AttemptObs) -> Option<bool> {
    Some(http_refusal(b) || closed(b))
}

/// A close after the upgrade.
pub fn closed_after_upgrade(b: &AttemptObs) -> Option<bool> {
    Some(closed(b))
}

/// The size is the request's, not its meaning: a wrong token of the same length gets the same
/// refusal, and so does every variant of about the same size. Without the token it may pass
/// (support) or still be too large (the size is elsewhere: cookies, headers).
pub fn too_large(c: &Ctx) -> Prediction {
    if let Some(p) = http_shared(c) {
        return p;
    }
    match c.part {
        Part::NoCredential => p(Expect::Different, 0.5, 0.0),
        Part::WrongCredential => p(Expect::Same, 0.5, 1.0),
        Part::Origin | Part::PlainGet => p(Expect::Refused, 0.1, 0.5),
        _ => ANY,
    }
}

/// The route reaches another backend than `--direct`: the backend's own plain GET differs from
/// the public answer (the route does not reach this very backend), and the backend upgrades what
/// the front refused.
pub fn another_backend_direct(c: &Ctx) -> Prediction {
    match c.part {
        Part::PlainGet => p(Expect::Different, 0.0, 1.5),
        Part::Baseline => p(Expect::Open, 2.0, 1.0),
        _ => ANY,
    }
}

#[cfg(test)]
mod tests;
