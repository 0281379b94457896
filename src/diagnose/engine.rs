//! engine: scores every proposed cause against every attempt that was made and picks the one the
//! attempts support best. No rule decides by being first.
//!
//! 1. Every proposer in `rules::PROPOSERS` reads the run; each that recognises its cause's
//!    signature in the answers (a status, a page, a close code, a pattern across variants)
//!    proposes a [`Verdict`] — the candidates.
//! 2. Each candidate is scored: the strength of its signature (the log-odds of the proposer's
//!    confidence), plus the support of every attempt that got what the cause predicts
//!    (`hypothesis::predict`, diminishing: `ln(1 + Σ)`), minus the penalty of every attempt that
//!    got what it rules out, plus a small prior for how common it is in the field.
//! 3. A candidate with a contradiction (a penalty of at least [`CONTRADICTION`]) cannot win
//!    while one without any remains. The best of the rest wins.
//! 4. Confidence is the winner's share of belief among all candidates and an "unexplained"
//!    alternative whose weight grows as less of the matrix was observed (a `--quick` run cannot be
//!    as sure as a full one). Runners-up within [`CLOSE_MARGIN`] are listed under "could also
//!    be" with the step that separates them.
//!
//! Pure: no I/O, no clock.

use super::cause::Cause;
use super::causes;
use super::evidence::{describe, Facts};
use super::fact::engine::{EngineFact, TieBreak};
use super::fact::Fact;
use super::hypothesis::{self, Fit, Part, Prediction, HARD};
use super::observe::{self, Observations};
use super::rules::{self, Verdict};
use super::weigh::{self, Weighed};
use crate::model::{AttemptRecord, Considered, Observation};

/// A penalty at least this heavy is a contradiction: the cause does not explain that attempt.
pub const CONTRADICTION: f64 = 1.0;
/// How much the prior moves a score: `PRIOR_WEIGHT × ln(prior / 0.05)` (about ±0.4 across the
/// table), enough to break near-ties and no more.
pub const PRIOR_WEIGHT: f64 = 0.25;
/// Runners-up whose score is within this of the winner's are named under "could also be".
pub const CLOSE_MARGIN: f64 = 1.0;
/// Runners-up within this explain the attempts as well as the winner: the report says so.
pub const TIE_MARGIN: f64 = 0.5;

/// One scored candidate.
#[derive(Debug, Clone)]
pub struct Scored {
    /// The proposer's name (`http::bad_gateway`).
    pub proposer: &'static str,
    /// Its verdict.
    pub verdict: Verdict,
    /// Signature strength (log-odds of the proposer's confidence).
    pub signature: f64,
    /// `ln(1 + Σ support)`.
    pub support: f64,
    /// Σ penalty.
    pub penalty: f64,
    /// The prior's contribution.
    pub prior: f64,
    /// Every attempt with an opinion: (attempt id, prediction, fit, observed).
    pub observations: Vec<Observation>,
    /// True when nothing observed can confirm the cause: the request it rests on is not known
    /// (`causes::Home::needs_request`), or it was proposed only because the status allows it
    /// ([`STATUS_ONLY`]).
    pub unconfirmable: bool,
    /// The strongest typed observation that explains it (from `weigh`), with its attempt id.
    pub best_weighed: Option<(weigh::Expected, String, f64)>,
    /// The support of the typed observations alone (`weigh`).
    pub weighed_support: f64,
}

impl Scored {
    /// The total score.
    pub fn score(&self) -> f64 {
        self.signature + self.support - self.penalty + self.prior
    }

    /// True when some attempt contradicts the cause.
    pub fn contradicted(&self) -> bool {
        self.observations
            .iter()
            .any(|o| o.fit == Fit::Contradicted.as_str() && o.weight >= CONTRADICTION)
    }

    fn ids(&self, fit: Fit) -> Vec<String> {
        self.observations
            .iter()
            .filter(|o| o.fit == fit.as_str())
            .map(|o| o.attempt.clone())
            .collect()
    }
}

/// The outcome of scoring a run.
#[derive(Debug, Clone)]
pub struct Decision {
    /// The winner, dressed: confidence from the scores, close runners-up as alternatives.
    pub verdict: Verdict,
    /// The winner's proposer.
    pub proposer: &'static str,
    /// Every candidate, best first.
    pub considered: Vec<Considered>,
    /// The winner's observations (explained and contradicted attempts).
    pub observations: Vec<Observation>,
}

fn logit(c: f64) -> f64 {
    let c = c.clamp(0.05, 0.97);
    (c / (1.0 - c)).ln()
}

/// The weight of the "unexplained" alternative: 0 for a full matrix, up to 1.5 for a run that
/// made the baseline alone (nothing to compare it with).
fn unexplained_weight(f: &Facts) -> f64 {
    let compared = f
        .run
        .attempts
        .iter()
        .filter(|a| !matches!(hypothesis::part(a), Part::Baseline) || a.variant.direct)
        .count()
        + f.run.http_controls.len();
    match compared {
        0 => 1.5,
        1..=3 => 0.8,
        4..=7 => 0.3,
        _ => 0.0,
    }
}

fn observation(id: &str, pred: Prediction, fit: Fit, a: Option<&AttemptRecord>) -> Observation {
    Observation {
        attempt: id.to_string(),
        expected: pred.expect.as_str().to_string(),
        observed: a.map(describe).unwrap_or_default(),
        fit: fit.as_str().to_string(),
        weight: match fit {
            Fit::Explained => pred.support,
            Fit::Contradicted => pred.penalty,
            Fit::Silent => 0.0,
        },
    }
}

/// Catch-all proposals: a layer's "something failed here" when nothing more specific is known.
/// Their signature is capped at [`CATCH_ALL_CONFIDENCE`] so that any specific explanation of the
/// same observation outranks them.
const CATCH_ALLS: &[(&str, Cause)] = &[
    ("tls::tls_failed", Cause::TlsHandshakeFailed),
    (
        "http::unexplained_refusal",
        Cause::ServerBadHandshakeResponse,
    ),
];
/// The most a catch-all's signature may claim.
pub const CATCH_ALL_CONFIDENCE: f64 = 0.55;

/// The proposer name of the candidates a bare status allows (`causes::status_causes`).
pub const STATUS_ONLY: &str = "causes::status_causes";

/// What tells the causes of a bare refusal apart: the matrix a probe makes.
const DISTINGUISHING: &str = "with the page's own Origin and credential, its Origin variants (none, the site's own, a foreign one) single out an Origin check, its credential variants (none, a wrong one of the same shape) an auth check, its plain GET and --direct a routing or proxy fault";

/// The status of a refusal of which nothing else is known: the request is not known
/// (`Run::request_unknown`) and no response was recorded (a browser console line), so only
/// `causes::status_causes` can say what it may be. None otherwise.
pub fn status_only(f: &Facts) -> Option<u16> {
    let base = f.base()?;
    if !f.run.request_unknown || base.response.is_some() {
        return None;
    }
    let status = match &base.outcome {
        crate::model::Outcome::Rejected { status, .. }
        | crate::model::Outcome::Redirected { status, .. } => *status,
        _ => return None,
    };
    (!causes::status_causes(status).is_empty()).then_some(status)
}

/// The proposer name of a cause no signature proposer put forward: it is weighed against the
/// observations like every other, from [`NO_SIGNATURE`].
pub const WEIGHED_ONLY: &str = "observations";
/// The signature strength of a cause no proposer recognised: it has to earn its place from what
/// the observations say of it.
pub const NO_SIGNATURE: f64 = 0.5;
/// The proposer name of the causes that are only ever findings (never a run's verdict).
pub const FINDING_ONLY: &str = "finding";

/// True for the causes that are only ever reported as findings beside a verdict.
pub fn finding_only(cause: Cause) -> bool {
    matches!(
        cause,
        Cause::TlsExpiringSoon
            | Cause::TlsNameOnlyInCn
            | Cause::OriginNotEnforced
            | Cause::AuthNotEnforced
            | Cause::AuthHeaderOnly
            | Cause::ServerNegotiationMismatch
    )
}

fn weighed_observation(w: &Weighed) -> Observation {
    Observation {
        attempt: w.attempt.variant.id.clone(),
        expected: w.expected.as_str().to_string(),
        observed: describe(w.attempt),
        fit: w.fit.as_str().to_string(),
        weight: w.weight,
    }
}

/// Scores one candidate against every attempt.
pub fn score(f: &Facts, obs: &Observations, proposer: &'static str, verdict: Verdict) -> Scored {
    let weighed = weigh::weigh(verdict.cause, obs);
    score_weighed(f, proposer, verdict, weighed)
}

/// Scores one candidate from its weighed observations, then every attempt's prediction — except
/// for a cause no proposer named that the weighed observations rule out or say nothing for: it
/// takes no share whatever the predictions add (the silent rule in [`decide`]), so they are not
/// computed (the decision is the same, in a tenth of the time).
fn score_weighed<'a>(
    f: &Facts<'a>,
    proposer: &'static str,
    verdict: Verdict,
    weighed: Vec<Weighed<'a>>,
) -> Scored {
    let catch_all = CATCH_ALLS.contains(&(proposer, verdict.cause));
    let cause = verdict.cause;
    let decided_by_weighing = proposer == WEIGHED_ONLY
        && (!weighed
            .iter()
            .any(|w| w.fit == Fit::Explained && w.weight > 0.0)
            || weighed
                .iter()
                .any(|w| w.fit == Fit::Contradicted && w.weight >= HARD));
    let unconfirmable =
        proposer == STATUS_ONLY || (f.run.request_unknown && causes::home(cause).needs_request);
    // With only a status known, the field's frequencies for that status are the prior.
    let status_share = status_only(f).and_then(|s| {
        causes::status_causes(s)
            .iter()
            .find(|(c, _)| *c == cause)
            .map(|(_, share)| *share)
    });
    let mut observations = Vec::new();
    let mut support = 0.0;
    let mut penalty = 0.0;
    if let Some(base) = f.base().filter(|_| !decided_by_weighing) {
        for a in f.run.attempts.iter().chain(f.run.http_controls.iter()) {
            let pred = hypothesis::predict(cause, f, base, a);
            if pred.expect == hypothesis::Expect::Any && pred.support == 0.0 {
                continue;
            }
            let fit = pred.expect.fit(base, a);
            match fit {
                Fit::Explained => support += pred.support,
                Fit::Contradicted => penalty += pred.penalty,
                Fit::Silent => {}
            }
            let weighs = match fit {
                Fit::Explained => pred.support > 0.0,
                Fit::Contradicted => pred.penalty > 0.0,
                Fit::Silent => false,
            };
            if weighs {
                observations.push(observation(&a.variant.id, pred, fit, Some(a)));
            }
        }
        // The baseline itself: a cause about the HTTP answer cannot explain a connection that
        // failed before any request was sent.
        if hypothesis::needs_http_answer(cause) {
            if let Some(stage) = hypothesis::failed_before_upgrade(base) {
                let pred = Prediction {
                    expect: hypothesis::Expect::Any,
                    support: 0.0,
                    penalty: HARD,
                };
                penalty += HARD;
                let mut o = observation(&base.variant.id, pred, Fit::Contradicted, Some(base));
                o.expected = "an_http_answer".into();
                o.observed = format!("failed in the {} stage: {}", stage.as_str(), describe(base));
                observations.push(o);
            }
        }
        // The same port with the other scheme says which protocol the port speaks.
        if let Some(other) = f.run.other_scheme.as_deref() {
            let (pred, fit) = other_scheme_fit(f, cause, base, other);
            match fit {
                Fit::Explained => support += pred.support,
                Fit::Contradicted => penalty += pred.penalty,
                Fit::Silent => {}
            }
            if fit != Fit::Silent {
                let mut o = observation(&other.variant.id, pred, fit, Some(other));
                o.expected = if other.url.starts_with("wss://") {
                    "a_tls_handshake".into()
                } else {
                    "an_http_answer".into()
                };
                observations.push(o);
            }
        }
    }
    // The typed observations, weighed by every cause alike (`weigh`).
    let mut best_weighed: Option<(weigh::Expected, String, f64)> = None;
    let mut weighed_support = 0.0;
    for w in weighed {
        if w.fit == Fit::Explained && best_weighed.as_ref().is_none_or(|b| b.2 < w.weight) {
            best_weighed = Some((w.expected, w.attempt.variant.id.clone(), w.weight));
        }
        match w.fit {
            Fit::Explained => {
                support += w.weight;
                weighed_support += w.weight;
            }
            Fit::Contradicted => penalty += w.weight,
            Fit::Silent => continue,
        }
        observations.push(weighed_observation(&w));
    }
    Scored {
        proposer,
        signature: logit(match (catch_all, unconfirmable) {
            (_, true) => verdict.confidence.min(hypothesis::UNCONFIRMABLE),
            (true, false) => verdict.confidence.min(CATCH_ALL_CONFIDENCE),
            (false, false) => verdict.confidence,
        }),
        support: (1.0 + support).ln(),
        penalty,
        prior: PRIOR_WEIGHT
            * (status_share.unwrap_or_else(|| causes::home_prior(cause)) / 0.05).ln(),
        verdict,
        observations,
        unconfirmable,
        best_weighed,
        weighed_support,
    }
}

/// How the other-scheme control (`control.other_scheme`) bears on a cause, as its home reads it
/// (`causes::other_scheme`). For a `ws://` target it was sent a ClientHello: a TLS handshake
/// there supports "the port speaks TLS" and, when every plaintext request got the baseline's
/// answer, rules out every cause that reads that answer as an HTTP server's, or a reset as the
/// network's. For a `wss://` target it was sent plaintext: an HTTP answer supports "the port
/// speaks plaintext" and rules out a failed handshake of a TLS server.
fn other_scheme_fit(
    f: &Facts,
    cause: Cause,
    base: &AttemptRecord,
    other: &AttemptRecord,
) -> (Prediction, Fit) {
    use causes::{OtherScheme, PortSpeaks};
    let to_tls = other.url.starts_with("wss://");
    let (spoke, speaks) = if to_tls {
        (rules::tls::spoke_tls(other), PortSpeaks::Tls)
    } else {
        (
            rules::tls::port_speaks_plaintext(base, other),
            PortSpeaks::Plaintext,
        )
    };
    let pred = |support, penalty| Prediction {
        expect: hypothesis::Expect::Any,
        support,
        penalty,
    };
    let silent = (pred(0.0, 0.0), Fit::Silent);
    match causes::other_scheme(cause) {
        // A port that does not speak TLS is not a TLS port; a plaintext try that got no HTTP
        // answer says nothing against a ClientHello answered in plaintext.
        OtherScheme::Explains(p) if p == speaks => match (spoke, to_tls) {
            (true, _) => (pred(2.0, 0.0), Fit::Explained),
            (false, true) => (pred(0.0, HARD), Fit::Contradicted),
            (false, false) => silent,
        },
        // The TLS answer rules out a cause of the plaintext answer only when nothing else was at
        // stake: every attempt got the baseline's answer.
        OtherScheme::RuledOutBy(p)
            if p == speaks
                && spoke
                && (!to_tls
                    || f.run
                        .attempts
                        .iter()
                        .all(|a| a.variant.direct || super::evidence::same_answer(base, a))) =>
        {
            (pred(0.0, CONTRADICTION), Fit::Contradicted)
        }
        _ => silent,
    }
}

/// Every candidate the proposers make, one per cause (the strongest proposal of each).
pub fn candidates(f: &Facts) -> Vec<(&'static str, Verdict)> {
    let mut out: Vec<(&'static str, Verdict)> = Vec::new();
    for (name, propose) in rules::PROPOSERS {
        let Some(v) = propose(f) else { continue };
        match out.iter_mut().find(|(_, o)| o.cause == v.cause) {
            Some(slot) if slot.1.confidence < v.confidence => *slot = (name, v),
            Some(_) => {}
            None => out.push((name, v)),
        }
    }
    // A bare status: every cause it allows is a candidate nothing can confirm, and they replace
    // the catch-alls ("something refused the upgrade"), which say less.
    if let (Some(status), Some(base)) = (status_only(f), f.base()) {
        out.retain(|(name, v)| !CATCH_ALLS.contains(&(*name, v.cause)));
        for (cause, _) in causes::status_causes(status) {
            // A wss:// URL already speaks TLS.
            let moot = cause == Cause::TlsPlaintextToTlsPort && f.run.target.starts_with("wss://");
            if moot || out.iter().any(|(_, v)| v.cause == cause) {
                continue;
            }
            out.push((
                STATUS_ONLY,
                Verdict::new(
                    cause,
                    hypothesis::UNCONFIRMABLE,
                    causes::reading_of_status(cause),
                )
                .because(Fact::cited(base)),
            ));
        }
    }
    out
}

/// The verdict when only a status is known and nothing confirms the winner: it says so, names
/// every candidate still standing in the field's order, claims nothing about what the request
/// carried, and names what tells them apart.
fn undecidable(status: u16, mut v: Verdict, winner: &Scored, scored: &[Scored]) -> Verdict {
    let standing: Vec<&str> = scored
        .iter()
        .filter(|s| s.unconfirmable && !s.contradicted())
        .map(|s| s.verdict.cause.id())
        .collect();
    v.summary = format!(
        "only the status is known ({status}): the request (its Origin, any credential) is not, so the causes of a {status} cannot be told apart; most common first: {}",
        standing.join(", ")
    );
    v.evidence
        .retain(|e| !matches!(e, Fact::Engine(EngineFact::Tie { .. })));
    v.evidence.push(Fact::Engine(EngineFact::OnlyTheStatus {
        winner: winner.verdict.cause,
    }));
    v.next_step = Some(DISTINGUISHING.to_string());
    v
}

/// How much the "unexplained" alternative gains from the winner itself: when nothing fits
/// every attempt (the best cause is contradicted), and when the best cause rests on no
/// observation at all but its title.
fn unexplained_by(winner: &Scored) -> f64 {
    let mut w: f64 = 0.0;
    if winner.contradicted() {
        w += 1.0;
    }
    if winner.proposer == WEIGHED_ONLY && winner.weighed_support < 0.5 {
        w += 1.0;
    }
    w
}

/// The verdict of a cause that won on the observations alone: its summary says what the
/// decisive observation showed.
fn weighed_summary(f: &Facts, mut v: Verdict, winner: &Scored) -> Verdict {
    if let Some((expected, id, _)) = &winner.best_weighed {
        if let Some(a) = f.get(id).or_else(|| {
            f.run
                .http2
                .as_ref()
                .and_then(|h| h.attempt.as_deref())
                .filter(|a| a.variant.id == *id)
        }) {
            if let Some(line) = weigh::sentence(v.cause, *expected, &describe(a)) {
                v.summary = line;
            }
            v = v.because(Fact::Engine(EngineFact::Observed {
                attempt: a.variant.id.clone(),
            }));
        }
    }
    v
}

/// A cause no proposer put forward, as a candidate: its title for a summary until an observation
/// says more (`weighed_summary`).
fn weighed_only(f: &Facts, cause: Cause) -> Verdict {
    let v = Verdict::new(cause, NO_SIGNATURE, cause.title());
    match f.base() {
        Some(b) => v.because(Fact::cited(b)),
        None => v,
    }
}

/// Scores every cause of the catalogue against the run and decides. The signature proposers
/// (`rules::PROPOSERS`) only say how strongly a cause's signature shows; no cause needs one to be
/// weighed.
pub fn decide(f: &Facts) -> Option<Decision> {
    f.base()?;
    let obs = observe::observe(f);
    let proposed = candidates(f);
    let proposed_causes: Vec<Cause> = proposed.iter().map(|(_, v)| v.cause).collect();
    let mut scored: Vec<Scored> = proposed
        .into_iter()
        .map(|(name, v)| score(f, &obs, name, rules::direct::amend(f, v)))
        .collect();
    for cause in Cause::ALL.iter().copied() {
        if finding_only(cause) || proposed_causes.contains(&cause) {
            continue;
        }
        // A wss:// URL already speaks TLS.
        if cause == Cause::TlsPlaintextToTlsPort && f.run.target.starts_with("wss://") {
            continue;
        }
        let s = score(f, &obs, WEIGHED_ONLY, weighed_only(f, cause));
        scored.push(s);
    }
    // A cause no proposer recognised that no observation speaks for explains nothing: it is
    // listed, and takes no share of belief (the "unexplained" alternative stands for it).
    let silent = |s: &Scored| s.proposer == WEIGHED_ONLY && s.weighed_support <= 0.0;
    scored.sort_by(|a, b| {
        silent(a)
            .cmp(&silent(b))
            .then(a.contradicted().cmp(&b.contradicted()))
            .then(b.score().total_cmp(&a.score()))
    });
    // The winner's evidence moves into the verdict below (facts are never copied).
    let winner_evidence = std::mem::take(&mut scored[0].verdict.evidence);
    let unexplained = unexplained_weight(f) + unexplained_by(&scored[0]);
    // A hypothesis an attempt contradicts is ruled out: it takes no share of belief while one
    // without contradictions remains.
    let ruled_out = |s: &Scored| (s.contradicted() && !scored[0].contradicted()) || silent(s);
    let total: f64 = scored
        .iter()
        .filter(|s| !ruled_out(s))
        .map(|s| s.score().exp())
        .sum::<f64>()
        + unexplained.exp();
    let share = |s: &Scored| {
        if ruled_out(s) {
            0.0
        } else {
            s.score().exp() / total
        }
    };
    let considered: Vec<Considered> = scored
        .iter()
        .map(|s| Considered {
            cause: s.verdict.cause,
            proposer: s.proposer.to_string(),
            score: (s.score() * 100.0).round() / 100.0,
            share: (share(s) * 1000.0).round() / 1000.0,
            prior: causes::home_prior(s.verdict.cause),
            explained: s.ids(Fit::Explained),
            contradicted: s.ids(Fit::Contradicted),
        })
        .collect();
    let mut considered = considered;
    considered.extend(
        Cause::ALL
            .iter()
            .copied()
            .filter(|c| finding_only(*c))
            .map(|cause| Considered {
                cause,
                proposer: FINDING_ONLY.to_string(),
                score: 0.0,
                share: 0.0,
                prior: causes::home_prior(cause),
                explained: Vec::new(),
                contradicted: Vec::new(),
            }),
    );
    let winner = &scored[0];
    let w = &winner.verdict;
    let mut v = Verdict {
        cause: w.cause,
        confidence: w.confidence,
        summary: w.summary.clone(),
        evidence: winner_evidence,
        alternatives: w.alternatives.clone(),
        next_step: w.next_step.clone(),
        decisive: w.decisive.clone(),
        cites_pairs: w.cites_pairs,
    };
    if winner.proposer == WEIGHED_ONLY {
        v = weighed_summary(f, v, winner);
    }
    let mut confidence = share(winner);
    if winner.contradicted() {
        // Nothing fits every attempt: say so and stay modest.
        confidence = confidence.min(0.5);
    }
    v.confidence = confidence;
    // An alternative the proposer named that an attempt has since ruled out is no alternative.
    if !winner.contradicted() {
        v.alternatives.retain(|alt| {
            !scored
                .iter()
                .any(|s| s.verdict.cause == alt.cause && s.contradicted())
        });
    }
    for (i, other) in scored.iter().enumerate().skip(1) {
        if (other.contradicted() && !winner.contradicted()) || silent(other) {
            continue;
        }
        let gap = winner.score() - other.score();
        if gap > CLOSE_MARGIN {
            continue;
        }
        let step = causes::separating_step(f, v.cause, other.verdict.cause);
        if i == 1 && gap <= TIE_MARGIN {
            let winner_cause = v.cause;
            v = v.because(Fact::Engine(EngineFact::Tie {
                other: other.verdict.cause,
                winner: winner_cause,
                by: if winner.prior > other.prior {
                    TieBreak::MoreCommon
                } else {
                    TieBreak::FitsBetter
                },
                step: step.is_some(),
            }));
            if let Some(s) = &step {
                v.next_step = Some(s.clone());
            }
        }
        if !v
            .alternatives
            .iter()
            .any(|a| a.cause == other.verdict.cause)
        {
            v = v.or(
                other.verdict.cause,
                match step {
                    Some(s) => format!("{} ({s})", other.verdict.summary),
                    None => other.verdict.summary.clone(),
                },
            );
        }
    }
    let buts: Vec<Fact> = winner
        .observations
        .iter()
        .filter(|o| o.fit == Fit::Contradicted.as_str())
        .take(3)
        .map(|o| {
            Fact::Engine(EngineFact::DoesNotFit {
                attempt: o.attempt.clone(),
                expected: o.expected.clone(),
            })
        })
        .collect();
    for b in buts {
        v = v.because(b);
    }
    if let Some(status) = status_only(f).filter(|_| winner.unconfirmable) {
        v = undecidable(status, v, winner, &scored);
    }
    Some(Decision {
        proposer: winner.proposer,
        observations: winner.observations.clone(),
        verdict: v,
        considered,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::rules::testkit::*;

    #[test]
    fn every_cause_of_the_catalogue_is_considered_whatever_the_proposers_say() {
        for r in [
            run(vec![attempt("baseline").rejected(403, "")]).build(),
            run(vec![attempt("baseline").upgraded()]).build(),
        ] {
            let (d, _) = crate::diagnose::diagnose(&r);
            for c in Cause::ALL {
                assert!(
                    d.considered.iter().any(|x| x.cause == *c),
                    "{} is not considered",
                    c.id()
                );
            }
            let share: f64 = d.considered.iter().map(|c| c.share).sum();
            assert!(share <= 1.0 + 1e-9, "{share}");
        }
    }

    #[test]
    fn a_cause_no_proposer_named_wins_when_the_observations_explain_it() {
        // The upgrade is closed without a byte; the plain GET of the same URL gets the front's
        // own 503 page: the front cannot reach its upstream (no proposer reads the controls).
        let base = attempt("baseline").violation("connection_closed");
        let plain = attempt("control.plain_get").rejected(
            503,
            "<html><head><title>503 Backend fetch failed</title></head><body>Guru Meditation</body></html>",
        );
        let r = run(vec![base, plain]).build();
        let (d, _) = crate::diagnose::diagnose(&r);
        assert_eq!(d.cause, Cause::ProxyBadGateway, "{d:#?}");
        assert!(d.summary.contains("gateway error"), "{}", d.summary);
        let bad = d
            .considered
            .iter()
            .find(|c| c.cause == Cause::ServerBadHandshakeResponse)
            .map(|c| c.share)
            .unwrap_or(1.0);
        assert!(bad < d.confidence, "{bad} vs {}", d.confidence);
    }
}
