//! compare: the public URL against the `--direct` backend. Pairs every public attempt with its
//! direct twin (`direct.<id>`: the same request sent to the backend itself), classifies each pair
//! (same answer, accepted on one side only, different status, different responder, …) and sums
//! the pairs up in a `model::Comparison` — plain data that the report carries and that the
//! `direct` rules read. Pure: it decides no cause.

use crate::diagnose::evidence::{answer, describe, producer, Answer};
use crate::model::ids;
use crate::model::{
    AttemptPair, AttemptRecord, Comparison, ComparisonVerdict, Outcome, PairClass, Run, Stage,
};

/// Variants whose direct twin is deliberately not the same request: `direct.origin.same` carries
/// the backend's own origin (to tell a Host-rewriting proxy from an allowlist), not the site's.
const NOT_TWINS: &[&str] = &[ids::ORIGIN_SAME];

/// Responder names that are one server stack: uvicorn serves FastAPI/Starlette apps, and which of
/// the two names the fingerprint gives depends on the answer (an empty 403 vs a JSON 404).
const SAME_STACK: &[&[&str]] = &[&["FastAPI", "uvicorn"]];

/// Compares the public attempts with their `--direct` twins; `None` when `--direct` did not run.
pub fn compare(run: &Run) -> Option<Comparison> {
    let directs: Vec<&AttemptRecord> = run.attempts.iter().filter(|a| a.variant.direct).collect();
    let first = directs.first()?;
    let pairs: Vec<AttemptPair> = directs
        .iter()
        .filter_map(|d| {
            let id = d.variant.id.strip_prefix(ids::DIRECT_PREFIX)?;
            if NOT_TWINS.contains(&id) {
                return None;
            }
            let p = run
                .attempts
                .iter()
                .find(|a| !a.variant.direct && a.variant.id == id)?;
            Some(pair(p, d))
        })
        .collect();
    let direct = run.direct.clone().unwrap_or_else(|| first.url.clone());
    let base_unreachable = run
        .attempts
        .iter()
        .find(|a| a.variant.id == ids::DIRECT_BASELINE)
        .is_some_and(unreachable);
    let (verdict, summary) = verdict(&pairs, base_unreachable, &direct);
    Some(Comparison {
        direct,
        verdict,
        summary,
        pairs,
    })
}

/// Classifies one public attempt against its direct twin.
pub fn pair(public: &AttemptRecord, direct: &AttemptRecord) -> AttemptPair {
    let (pr, dr) = (responder(public), responder(direct));
    AttemptPair {
        variant: public.variant.id.clone(),
        class: classify(public, direct),
        public: describe(public),
        direct: describe(direct),
        public_status: public.outcome.status(),
        direct_status: direct.outcome.status(),
        public_responder: pr.map(str::to_string),
        direct_responder: dr.map(str::to_string),
    }
}

/// How the two answers of a pair compare.
pub fn classify(public: &AttemptRecord, direct: &AttemptRecord) -> PairClass {
    if unreachable(direct) {
        return PairClass::DirectUnreachable;
    }
    match (public.outcome.is_success(), direct.outcome.is_success()) {
        (true, true) => return PairClass::Same,
        (false, true) => return PairClass::AcceptedDirectOnly,
        (true, false) => return PairClass::AcceptedPublicOnly,
        (false, false) => {}
    }
    let (pa, da) = (answer(public), answer(direct));
    let responders_differ = match (responder(public), responder(direct)) {
        (Some(x), Some(y)) => !same_stack(x, y),
        _ => false,
    };
    match (&pa, &da) {
        (Answer::Http { status: s1, .. }, Answer::Http { status: s2, .. }) if s1 == s2 => {
            if responders_differ {
                PairClass::DifferentResponder
            } else if pa == da {
                PairClass::Same
            } else {
                PairClass::DifferentBody
            }
        }
        _ if pa == da => PairClass::Same,
        _ => PairClass::DifferentStatus,
    }
}

/// True when an attempt never reached an HTTP server: DNS or TCP failed (or timed out there).
pub fn unreachable(a: &AttemptRecord) -> bool {
    matches!(
        a.outcome,
        Outcome::DnsError { .. }
            | Outcome::TcpError { .. }
            | Outcome::Timeout {
                stage: Stage::Dns | Stage::Tcp
            }
    )
}

/// Who produced an answer, when the fingerprint knows: a server that generated it, or the app.
/// A proxy seen only on the path (its `Server` header on a relayed answer) names nobody.
pub fn responder(a: &AttemptRecord) -> Option<&'static str> {
    producer(a)
        .filter(|r| !(r.kind.is_intermediary() && r.role == crate::fingerprint::Role::Path))
        .map(|r| r.name)
}

fn same_stack(x: &str, y: &str) -> bool {
    x == y
        || SAME_STACK
            .iter()
            .any(|group| group.contains(&x) && group.contains(&y))
}

fn verdict(
    pairs: &[AttemptPair],
    base_unreachable: bool,
    direct: &str,
) -> (ComparisonVerdict, String) {
    let count = |c: PairClass| pairs.iter().filter(|p| p.class == c).count();
    if base_unreachable || (!pairs.is_empty() && count(PairClass::DirectUnreachable) == pairs.len())
    {
        return (
            ComparisonVerdict::DirectUnreachable,
            format!(
                "{direct} could not be reached from here, so nothing was compared; the --direct address must be reachable from where wsdoctor runs"
            ),
        );
    }
    let n = pairs.len();
    let front = count(PairClass::AcceptedDirectOnly);
    let back = count(PairClass::AcceptedPublicOnly);
    let differ = pairs.iter().filter(|p| p.class != PairClass::Same).count();
    if front > 0 {
        (
            ComparisonVerdict::FrontRefuses,
            format!("the backend accepts {front} of {n} requests that the public URL refuses: the front (proxy or routing) is at fault"),
        )
    } else if back > 0 {
        (
            ComparisonVerdict::DirectRefuses,
            format!("the public URL accepts {back} of {n} requests that the backend refuses directly: the front adds or changes something the backend needs"),
        )
    } else if differ > 0 {
        (
            ComparisonVerdict::Differs,
            format!("{differ} of {n} requests get another answer through the front than from the backend, though the same ones are accepted"),
        )
    } else {
        (
            ComparisonVerdict::Same,
            format!("all {n} requests get the same answer through the front as from the backend: the backend decides"),
        )
    }
}

/// One pair for an evidence line: "baseline: 403 via public, 101 direct" or
/// "credential.none: 401 both"; the responders are named when they differ.
pub fn pair_line(p: &AttemptPair) -> String {
    format!("{}: {}", p.variant, pair_tail(p))
}

/// What a pair line says after the variant id ("403 via public, 101 direct").
pub fn pair_tail(p: &AttemptPair) -> String {
    let short = |status: Option<u16>, text: &str| match status {
        Some(s) => s.to_string(),
        None => text.to_string(),
    };
    let (ps, ds) = (
        short(p.public_status, &p.public),
        short(p.direct_status, &p.direct),
    );
    match p.class {
        PairClass::Same => format!("{ps} both"),
        PairClass::DifferentResponder | PairClass::DifferentBody => {
            // An unnamed responder is shown by its body ("body blocked", "empty body").
            let who = |r: &Option<String>, text: &str| match r {
                Some(name) => name.clone(),
                None => text
                    .split_once(", ")
                    .map_or(text, |(_, rest)| rest)
                    .to_string(),
            };
            format!(
                "{ps} via public ({}), {ds} direct ({})",
                who(&p.public_responder, &p.public),
                who(&p.direct_responder, &p.direct)
            )
        }
        _ => format!("{ps} via public, {ds} direct"),
    }
}

/// The order in which pair classes are cited: what attributes the fault first.
fn rank(class: PairClass) -> u8 {
    match class {
        PairClass::AcceptedDirectOnly => 0,
        PairClass::DifferentResponder => 1,
        PairClass::AcceptedPublicOnly => 2,
        PairClass::DifferentStatus => 3,
        PairClass::DifferentBody => 4,
        PairClass::DirectUnreachable => 5,
        PairClass::Same => 6,
    }
}

/// The pairs for one evidence line: pairs that read alike are grouped ("credential.none,
/// credential.wrong: 403 via public, 401 direct"), the differing groups come first (the backend
/// accepting what the front refuses, then two servers answering one request, …), then at most
/// two groups that agree, as contrast; at most `limit` groups, with a count of the pairs left out.
pub fn pairs_line(pairs: &[AttemptPair], limit: usize) -> String {
    let mut sorted: Vec<&AttemptPair> = pairs.iter().collect();
    sorted.sort_by_key(|p| rank(p.class));
    let mut groups: Vec<(Vec<&str>, String, PairClass)> = Vec::new();
    for p in sorted {
        let tail = pair_tail(p);
        match groups.iter_mut().find(|g| g.1 == tail) {
            Some(g) => g.0.push(&p.variant),
            None => groups.push((vec![&p.variant], tail, p.class)),
        }
    }
    let mut shown: Vec<String> = Vec::new();
    let (mut agreeing, mut hidden) = (0, 0);
    for (ids, tail, class) in groups {
        let contrast_full = class == PairClass::Same && agreeing >= 2;
        if contrast_full || shown.len() >= limit {
            hidden += ids.len();
            continue;
        }
        if class == PairClass::Same {
            agreeing += 1;
        }
        shown.push(format!("{}: {tail}", ids.join(", ")));
    }
    if hidden > 0 {
        shown.push(crate::wording::count(hidden, "more pair", "more pairs"));
    }
    format!("public vs --direct: {}", shown.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::rules::testkit::*;

    #[test]
    fn no_direct_attempts_means_no_comparison() {
        let r = run(vec![attempt("baseline").rejected(403, "")]).build();
        assert_eq!(compare(&r), None);
    }

    #[test]
    fn each_pair_is_classified_by_acceptance_status_and_responder() {
        let uv = [("server", "uvicorn"), ("content-type", "application/json")];
        let cases = [
            (
                attempt("baseline").upgraded(),
                attempt("direct.baseline").upgraded(),
                PairClass::Same,
            ),
            (
                attempt("baseline").rejected(403, ""),
                attempt("direct.baseline").upgraded(),
                PairClass::AcceptedDirectOnly,
            ),
            (
                attempt("baseline").upgraded(),
                attempt("direct.baseline").rejected(401, ""),
                PairClass::AcceptedPublicOnly,
            ),
            (
                attempt("baseline").rejected(403, ""),
                attempt("direct.baseline").rejected(401, "missing"),
                PairClass::DifferentStatus,
            ),
            (
                attempt("baseline").fixture("nginx_deny_403.http"),
                attempt("direct.baseline").fixture("uvicorn_close-before-accept_403.http"),
                PairClass::DifferentResponder,
            ),
            (
                attempt("baseline").rejected_with(401, &uv, "{\"detail\":\"a\"}"),
                attempt("direct.baseline").rejected_with(401, &uv, "{\"detail\":\"b\"}"),
                PairClass::DifferentBody,
            ),
            (
                attempt("baseline").rejected(403, "Forbidden 12"),
                attempt("direct.baseline").rejected(403, "Forbidden 34"),
                PairClass::Same,
            ),
            (
                attempt("baseline").closed(1008, "ORIGIN_BLOCKED"),
                attempt("direct.baseline").closed(1008, "ORIGIN_BLOCKED"),
                PairClass::Same,
            ),
            (
                attempt("baseline").closed(1008, "ORIGIN_BLOCKED"),
                attempt("direct.baseline").closed(4401, "no ticket"),
                PairClass::DifferentStatus,
            ),
            (
                attempt("baseline").rejected(403, ""),
                attempt("direct.baseline").tcp("refused"),
                PairClass::DirectUnreachable,
            ),
            (
                attempt("baseline").rejected(403, ""),
                attempt("direct.baseline").timeout(Stage::Tcp),
                PairClass::DirectUnreachable,
            ),
            (
                attempt("baseline").rejected(403, ""),
                attempt("direct.baseline").tls("untrusted_certificate"),
                PairClass::DifferentStatus,
            ),
        ];
        for (p, d, want) in cases {
            assert_eq!(
                classify(&p, &d),
                want,
                "{} vs {}",
                describe(&p),
                describe(&d)
            );
        }
    }

    #[test]
    fn a_relayed_answer_keeps_its_producer_and_fastapi_is_uvicorn() {
        // nginx relays uvicorn's empty 403 with its own Server header: still uvicorn's answer.
        let relayed = attempt("origin.foreign").rejected_with(
            403,
            &[
                ("Server", "nginx/1.22.1"),
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Length", "0"),
            ],
            "",
        );
        let direct =
            attempt("direct.origin.foreign").fixture("uvicorn_close-before-accept_403.http");
        assert_eq!(classify(&relayed, &direct), PairClass::Same);
        assert!(same_stack("FastAPI", "uvicorn"));
        assert!(!same_stack("Node ws", "uvicorn"));
        // A proxy seen only on the path names nobody.
        let path_only = attempt("baseline").rejected_with(403, &[("Server", "nginx/1.22.1")], "no");
        assert_eq!(responder(&path_only), None);
    }

    #[test]
    fn pairs_match_by_id_and_skip_the_backends_own_origin() {
        let r = run(vec![
            attempt("baseline").rejected(403, ""),
            attempt("credential.none").rejected(401, "missing"),
            attempt("origin.same").rejected(403, ""),
            attempt("direct.baseline").upgraded(),
            attempt("direct.credential.none").rejected(401, "missing"),
            attempt("direct.origin.same").upgraded(),
            attempt("direct.origin.null").rejected(403, ""),
        ])
        .build();
        let c = compare(&r).expect("direct attempts ran");
        let ids: Vec<&str> = c.pairs.iter().map(|p| p.variant.as_str()).collect();
        assert_eq!(ids, ["baseline", "credential.none"]);
        assert_eq!(c.verdict, ComparisonVerdict::FrontRefuses);
        assert_eq!(
            pairs_line(&c.pairs, 6),
            "public vs --direct: baseline: 403 via public, 101 direct; credential.none: 401 both"
        );
        assert_eq!(c.direct, "ws://api.test/ws");
    }

    #[test]
    fn the_pairs_line_groups_alike_pairs_and_cites_the_decisive_ones_first() {
        let r = run(vec![
            attempt("baseline").fixture("nginx_deny_403.http"),
            attempt("credential.none").fixture("nginx_deny_403.http"),
            attempt("credential.wrong").fixture("nginx_deny_403.http"),
            attempt("origin.none").rejected(403, "x"),
            attempt("origin.foreign").fixture("nginx_deny_403.http"),
            attempt("control.plain_get").rejected(404, "nf"),
            attempt("direct.baseline").upgraded(),
            attempt("direct.credential.none").rejected(401, "missing"),
            attempt("direct.credential.wrong").rejected(401, "invalid"),
            attempt("direct.origin.none").rejected(403, "x"),
            attempt("direct.origin.foreign").fixture("uvicorn_close-before-accept_403.http"),
            attempt("direct.control.plain_get").rejected(404, "nf"),
        ])
        .build();
        let c = compare(&r).expect("direct attempts ran");
        assert_eq!(
            pairs_line(&c.pairs, 6),
            "public vs --direct: baseline: 403 via public, 101 direct; origin.foreign: 403 via public (nginx), 403 direct (uvicorn); credential.none, credential.wrong: 403 via public, 401 direct; origin.none: 403 both; control.plain_get: 404 both"
        );
        assert_eq!(
            pairs_line(&c.pairs, 2),
            "public vs --direct: baseline: 403 via public, 101 direct; origin.foreign: 403 via public (nginx), 403 direct (uvicorn); 4 more pairs"
        );
    }

    #[test]
    fn the_verdict_sums_the_pairs_up() {
        let verdict_of = |attempts| compare(&run(attempts).build()).map(|c| c.verdict);
        assert_eq!(
            verdict_of(vec![
                attempt("baseline").upgraded(),
                attempt("direct.baseline").upgraded(),
            ]),
            Some(ComparisonVerdict::Same)
        );
        assert_eq!(
            verdict_of(vec![
                attempt("baseline").upgraded(),
                attempt("direct.baseline").rejected(401, ""),
            ]),
            Some(ComparisonVerdict::DirectRefuses)
        );
        assert_eq!(
            verdict_of(vec![
                attempt("baseline").rejected(403, ""),
                attempt("direct.baseline").rejected(401, ""),
            ]),
            Some(ComparisonVerdict::Differs)
        );
        let unreachable = compare(
            &run(vec![
                attempt("baseline").rejected(403, ""),
                attempt("credential.none").rejected(403, ""),
                attempt("direct.baseline").tcp("refused"),
                attempt("direct.credential.none").tcp("refused"),
            ])
            .build(),
        )
        .expect("direct attempts ran");
        assert_eq!(unreachable.verdict, ComparisonVerdict::DirectUnreachable);
        assert!(unreachable
            .summary
            .contains("reachable from where wsdoctor runs"));
    }
}
