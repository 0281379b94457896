//! direct rules: causes proved by the public URL against the `--direct` backend (the pairs of
//! `diagnose::compare`). One rule attributes a front-door-only refusal (the backend accepts what
//! the public URL refuses) to the proxy's own rule, another upstream, or a refusal of unknown
//! kind; `amend` then dresses whichever verdict won with what the comparison says — the differing
//! pairs as evidence, "the backend itself decides" (and more confidence) when both sides refuse
//! alike, and "no comparison" when the `--direct` address could not be reached.

use super::Verdict;
use crate::diagnose::cause::{Category, Cause};
use crate::diagnose::compare;
use crate::diagnose::evidence::{answer, producer, same_answer, Answer, Facts};
use crate::diagnose::fact::direct::{Answered, DirectFact, SameDirectly};
use crate::diagnose::fact::Fact;
use crate::fingerprint::{ResponderKind, Role, SIGNATURES};
use crate::model::ids;
use crate::model::{AttemptPair, AttemptRecord, ComparisonVerdict, CredentialPlacement, PairClass};

/// Pairs cited in one evidence line before the rest are counted.
const PAIRS_CITED: usize = 6;

/// Verdicts that blame the front door for the baseline's answer: a backend that gives the very
/// same answer directly weakens them. (A forward proxy's refusal or an intermittent pool is
/// proved by other records, and the direct attempts go through the same forward proxy.)
const FRONT_CAUSES: &[Cause] = &[
    Cause::ProxyUpgradeNotForwarded,
    Cause::ProxyAccessDenied,
    Cause::ProxyFrontRefuses,
    Cause::ProxyRequestTooLarge,
    Cause::RoutingWrongUpstream,
];

/// The backend reached directly (`direct.baseline`) upgrades the very request the public URL
/// refuses, and no other public attempt upgrades: the front door is at fault. Its own error page
/// makes it `proxy.access_denied`; an application's answer (or a pair answered by two different
/// applications) makes it `routing.wrong_upstream`; an answer equal to the backend's own answer
/// without a credential means the front drops the credential; anything else is
/// `proxy.front_refuses`. Runs after the rules that explain a front fault more precisely
/// (upgrade not forwarded, Host rewritten, bad gateway, request too large).
pub fn front_refuses(f: &Facts) -> Option<Verdict> {
    let c = compare::compare(f.run)?;
    if c.pair(ids::BASELINE)?.class != PairClass::AcceptedDirectOnly {
        return None;
    }
    let b = f.base()?;
    let d = f.direct_base()?;
    if !matches!(answer(b), Answer::Http { .. } | Answer::Closed { .. }) {
        return None;
    }
    // A public attempt that upgrades shows the front reaches a working backend: what differs
    // (the Origin, the credential's place) is the matrix rules' to explain.
    if f.run
        .attempts
        .iter()
        .any(|a| !a.variant.direct && a.variant.repeat.is_none() && a.outcome.is_success())
    {
        return None;
    }
    let pairs = Fact::Direct(DirectFact::Pairs {
        pairs: c.pairs.clone(),
        cited: PAIRS_CITED,
    });
    let direct_line = Fact::Direct(DirectFact::StraightToTheBackend {
        attempt: d.variant.id.clone(),
    });
    let public = Fact::Direct(DirectFact::Public {
        attempt: b.variant.id.clone(),
    });
    let answered = b
        .outcome
        .status()
        .map_or_else(|| Answered::Kind(b.outcome.kind()), Answered::Status);
    let status = b
        .outcome
        .status()
        .map_or_else(|| b.outcome.kind().to_string(), |s| s.to_string());
    let p = producer(b);

    if let Some(r) = p.filter(|r| r.kind.is_intermediary() && r.role == Role::Producer) {
        return Some(
            Verdict::new(
                Cause::ProxyAccessDenied,
                0.95,
                format!(
                    "{} refuses the request itself ({status}), while the backend reached directly accepts it",
                    r.name
                ),
            )
            .because(public)
            .because(Fact::Direct(DirectFact::TheFrontsOwnRefusal {
                situation: r.situation,
            }))
            .because(direct_line)
            .because_pairs(pairs)
            .next(format!(
                "look for the rule in {} that matches this path (allow/deny, WAF, rate limit) and allow WebSocket upgrades",
                r.name
            )),
        );
    }

    if let Some(none) = credential_dropped(f, b) {
        return Some(
            Verdict::new(
                Cause::ProxyFrontRefuses,
                0.85,
                "through the front the backend answers as if no credential had been sent, while it accepts the same credential directly: the front drops the credential on the way",
            )
            .because(public)
            .because(direct_line)
            .because(Fact::Direct(DirectFact::TheBackendWithoutTheCredential {
                attempt: none.variant.id.clone(),
            }))
            .because_pairs(pairs)
            .or(
                Cause::AuthPlacement,
                "a placement the front passes through (query, cookie, subprotocol) may work where the header does not",
            )
            .next("make the proxy pass the credential through (nginx: no proxy_set_header Authorization \"\"; keep the query string) or send it where the proxy passes it"),
        );
    }

    let other_apps: Vec<&AttemptPair> = c
        .pairs
        .iter()
        .filter(|p| p.class == PairClass::DifferentResponder && both_apps(p))
        .collect();
    // A close after 101 is no refusal an application "answers" in place of another: the front
    // may cut the tunnel. Only an HTTP refusal written by an application names another upstream.
    let app_answers =
        matches!(answer(b), Answer::Http { .. }) && p.is_some_and(|r| r.kind == ResponderKind::App);
    if !other_apps.is_empty() || app_answers {
        let mut v = Verdict::new(
            Cause::RoutingWrongUpstream,
            if other_apps.is_empty() { 0.9 } else { 0.95 },
            "the backend accepts the upgrade when reached directly, but through the public URL another application answers: the route reaches another backend (or changes the request's path on the way)",
        )
        .because(Fact::Direct(DirectFact::Public {
            attempt: b.variant.id.clone(),
        }))
        .because(Fact::Direct(DirectFact::StraightToTheBackend {
            attempt: d.variant.id.clone(),
        }));
        if let Some(r) = p.filter(|r| r.kind == ResponderKind::App) {
            v = v.because(Fact::Direct(DirectFact::AnApplicationsOwnRefusal {
                situation: r.situation,
            }));
        }
        // Pairs that read alike share one fact ("origin.foreign, origin.null: …").
        let mut groups: Vec<(Vec<AttemptPair>, String)> = Vec::new();
        for pair in &other_apps {
            let tail = compare::pair_tail(pair);
            match groups.iter_mut().find(|g| g.1 == tail) {
                Some(g) => g.0.push((*pair).clone()),
                None => groups.push((vec![(*pair).clone()], tail)),
            }
        }
        for (pairs, _) in groups.into_iter().take(3) {
            v = v.because(Fact::Direct(DirectFact::TwoServers { pairs }));
        }
        let compared: Vec<&AttemptRecord> =
            f.public("credential.").chain(f.public("origin.")).collect();
        if compared.len() >= 2 && compared.iter().all(|a| same_answer(a, b)) {
            v = v.because(Fact::Direct(DirectFact::AlikeRefusals {
                count: compared.len(),
                answer: answered,
            }));
        }
        return Some(
            v.because_pairs(pairs)
                .or(
                    Cause::ProxyFrontRefuses,
                    "a proxy rule whose answer imitates the application's would look the same",
                )
                .next("route the WebSocket path to the backend given with --direct (and check the path the proxy sends upstream)"),
        );
    }

    Some(
        Verdict::new(
            Cause::ProxyFrontRefuses,
            0.85,
            format!(
                "the front refuses the request ({status}) that the backend accepts when reached directly: a rule in the proxy, or the route behind it, is at fault"
            ),
        )
        .because(public)
        .because(direct_line)
        .because(Fact::Direct(DirectFact::UnsignedRefusal))
        .because_pairs(pairs)
        .or(
            Cause::ProxyAccessDenied,
            "a proxy rule with a custom response (nginx `return 403 \"…\"`, HAProxy `http-request return`) looks the same",
        )
        .or(
            Cause::RoutingWrongUpstream,
            "another backend whose refusal carries no signature looks the same",
        )
        .next("look in the proxy's configuration and access log for this path: the request reached it and never the backend given with --direct"),
    )
}

/// The backend's own answer without a credential (`direct.credential.none`), when it equals the
/// public baseline's answer although the baseline carried a credential the backend accepts.
fn credential_dropped<'a>(f: &Facts<'a>, b: &AttemptRecord) -> Option<&'a AttemptRecord> {
    if !f.run.credential_given || b.variant.credential == CredentialPlacement::None {
        return None;
    }
    f.get(ids::DIRECT_CREDENTIAL_NONE)
        .filter(|n| !n.outcome.is_success() && same_answer(n, b))
}

/// True when both answers of a pair were produced by applications (not by a proxy's own page).
fn both_apps(p: &AttemptPair) -> bool {
    let app = |name: &Option<String>| {
        name.as_deref().is_some_and(|n| {
            SIGNATURES
                .iter()
                .find(|s| s.name == n)
                .is_some_and(|s| s.kind == ResponderKind::App)
        })
    };
    app(&p.public_responder) && app(&p.direct_responder)
}

/// Dresses a verdict with the comparison, in words only: the differing pairs as evidence; when
/// both sides refuse the baseline alike, an Origin or auth verdict is the backend's own decision
/// and a front verdict may not be the front's; when the backend accepts what the front refuses,
/// an Origin or auth verdict is enforced in front; when `--direct` was unreachable, the evidence
/// says that nothing was compared. The comparison weighs through each cause's predictions for the
/// `--direct` twins (`causes::Home::predicts_direct`), never twice through the confidence here.
pub fn amend(f: &Facts, mut v: Verdict) -> Verdict {
    let Some(c) = compare::compare(f.run) else {
        return v;
    };
    if v.cites_pairs {
        return v;
    }
    if c.verdict == ComparisonVerdict::DirectUnreachable {
        v.evidence.push(Fact::Direct(DirectFact::NotCompared {
            attempt: f.direct_base().map(|d| d.variant.id.clone()),
            direct: c.direct.clone(),
        }));
        return v;
    }
    let category = v.cause.category();
    if category == Category::Ok {
        return v;
    }
    let public_failed = f.base().is_some_and(|b| !b.outcome.is_success());
    let base = c.pair(ids::BASELINE).map(|p| p.class);
    let backend_cause = matches!(category, Category::Origin | Category::Auth)
        && v.cause != Cause::OriginHostRewritten;
    match base {
        Some(PairClass::Same) if public_failed => {
            let reading = if backend_cause {
                SameDirectly::TheBackendDecides
            } else if FRONT_CAUSES.contains(&v.cause) {
                SameDirectly::TheFrontOrTheBackend
            } else {
                SameDirectly::TheBackendAnswersSo
            };
            v.evidence.push(Fact::Direct(DirectFact::SameDirectly {
                pair: c.pair(ids::BASELINE).cloned(),
                reading,
            }));
        }
        Some(PairClass::AcceptedDirectOnly) if backend_cause => {
            v.evidence.push(Fact::Direct(DirectFact::AcceptedDirectly));
        }
        _ => {}
    }
    if c.differing().next().is_some() {
        v = v.because_pairs(Fact::Direct(DirectFact::Pairs {
            pairs: c.pairs.clone(),
            cited: PAIRS_CITED,
        }));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::fact::direct::PAIRS_PREFIX;
    use crate::diagnose::rules::testkit::*;
    use crate::model::Run;

    fn verdict(r: &Run) -> Option<Verdict> {
        front_refuses(&Facts::new(r))
    }

    /// The API container's empty 403 relayed by nginx (report 000).
    fn api_403(id: &str) -> crate::model::AttemptRecord {
        attempt(id).rejected_with(
            403,
            &[
                ("Server", "nginx/1.22.1"),
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Length", "0"),
            ],
            "",
        )
    }

    #[test]
    fn nginx_deny_in_front_of_an_accepting_backend_is_access_denied_with_the_pairs() {
        let r = run(vec![
            attempt("baseline").fixture("nginx_deny_403.http"),
            attempt("credential.none").fixture("nginx_deny_403.http"),
            attempt("origin.foreign").fixture("nginx_deny_403.http"),
            attempt("direct.baseline").upgraded(),
            attempt("direct.credential.none").rejected(401, "{\"detail\":\"missing credentials\"}"),
            attempt("direct.origin.foreign").fixture("uvicorn_close-before-accept_403.http"),
        ])
        .cred()
        .build();
        let v = verdict(&r).expect("the front refuses");
        assert_eq!(v.cause, Cause::ProxyAccessDenied);
        assert!(v.confidence >= 0.95);
        assert!(v
            .evidence
            .contains(&Fact::Direct(DirectFact::TheFrontsOwnRefusal {
                situation: "nginx's built-in error page (<center>nginx</center>)",
            })));
        let c = compare::compare(&r).expect("the pairs");
        assert!(v.evidence.contains(&Fact::Direct(DirectFact::Pairs {
            pairs: c.pairs.clone(),
            cited: PAIRS_CITED
        })));
        let class = |id: &str| c.pair(id).map(|p| p.class);
        assert_eq!(class("baseline"), Some(PairClass::AcceptedDirectOnly));
        assert_eq!(class("origin.foreign"), Some(PairClass::DifferentResponder));
        assert_eq!(
            crate::diagnose::diagnose(&r).0.cause,
            Cause::ProxyAccessDenied
        );
    }

    #[test]
    fn another_application_behind_the_front_is_wrong_upstream() {
        // report 000 with the worker given as --direct: the API container refuses everything.
        let r = run(vec![
            api_403("baseline"),
            api_403("credential.none"),
            api_403("credential.wrong"),
            api_403("origin.foreign"),
            attempt("direct.baseline").upgraded(),
            attempt("direct.credential.none").rejected(401, "{\"detail\":\"missing credentials\"}"),
            attempt("direct.credential.wrong")
                .rejected(401, "{\"detail\":\"invalid credentials\"}"),
            attempt("direct.origin.foreign").fixture("uvicorn_close-before-accept_403.http"),
        ])
        .cred()
        .build();
        let v = verdict(&r).expect("the front refuses");
        assert_eq!(v.cause, Cause::RoutingWrongUpstream);
        assert!((v.confidence - 0.9).abs() < 1e-9);
        assert!(v
            .evidence
            .contains(&Fact::Direct(DirectFact::AlikeRefusals {
                count: 3,
                answer: Answered::Status(403),
            })));
        // Two different applications answering one request: the strongest sign.
        let mut r2 = r.clone();
        r2.attempts[3] = attempt("origin.foreign").fixture("gorilla_check-origin_403.http");
        let v = verdict(&r2).expect("the front refuses");
        assert_eq!(v.cause, Cause::RoutingWrongUpstream);
        assert!(v.confidence >= 0.95);
        assert!(v.evidence.iter().any(|e| matches!(
            e,
            Fact::Direct(DirectFact::TwoServers { pairs })
                if pairs.iter().map(|p| p.variant.as_str()).eq(["origin.foreign"])
        )));
        // The words name the other application.
        assert!(v
            .lines(&Facts::new(&r2))
            .iter()
            .any(|e| e.contains("two different servers") && e.contains("gorilla/websocket")));
    }

    #[test]
    fn a_front_that_drops_the_credential_is_front_refuses() {
        let missing = "{\"detail\":\"missing credentials\"}";
        let r = run(vec![
            attempt("baseline").rejected(401, missing),
            attempt("credential.none").rejected(401, missing),
            attempt("direct.baseline").upgraded(),
            attempt("direct.credential.none").rejected(401, missing),
        ])
        .cred()
        .build();
        let v = verdict(&r).expect("the front refuses");
        assert_eq!(v.cause, Cause::ProxyFrontRefuses);
        assert!(v.summary.contains("drops the credential"));
    }

    #[test]
    fn an_anonymous_front_refusal_is_front_refuses_with_alternatives() {
        let r = run(no_cred(vec![
            attempt("baseline").rejected_with(403, &[("Server", "nginx/1.22.1")], "blocked"),
            attempt("origin.foreign").rejected_with(403, &[("Server", "nginx/1.22.1")], "blocked"),
            attempt("direct.baseline").upgraded(),
            attempt("direct.origin.foreign").upgraded(),
        ]))
        .build();
        let v = verdict(&r).expect("the front refuses");
        assert_eq!(v.cause, Cause::ProxyFrontRefuses);
        let alts: Vec<Cause> = v.alternatives.iter().map(|a| a.cause).collect();
        assert_eq!(
            alts,
            [Cause::ProxyAccessDenied, Cause::RoutingWrongUpstream]
        );
        assert_eq!(
            crate::diagnose::diagnose(&r).0.cause,
            Cause::ProxyFrontRefuses
        );
    }

    #[test]
    fn near_miss_no_front_refusal_without_a_direct_upgrade_or_with_a_public_one() {
        // Both refuse: the backend decides.
        let both = run(no_cred(vec![
            attempt("baseline").rejected(403, ""),
            attempt("direct.baseline").rejected(403, ""),
        ]))
        .build();
        assert!(verdict(&both).is_none());
        // Another public placement upgrades: the matrix rules explain it (auth.placement).
        let placement = run(vec![
            attempt("baseline").rejected(401, "missing credentials"),
            attempt("credential.none").rejected(401, "missing credentials"),
            attempt("credential.query").upgraded(),
            attempt("direct.baseline").upgraded(),
        ])
        .cred()
        .build();
        assert!(verdict(&placement).is_none());
        assert_eq!(
            crate::diagnose::diagnose(&placement).0.cause,
            Cause::AuthPlacement
        );
        // No --direct at all.
        let alone = run(vec![attempt("baseline").rejected(403, "")]).build();
        assert!(verdict(&alone).is_none());
        // A transport failure of the public URL is not a refusal.
        let down = run(vec![
            attempt("baseline").tcp("refused"),
            attempt("direct.baseline").upgraded(),
        ])
        .build();
        assert!(verdict(&down).is_none());
    }

    #[test]
    fn both_refusing_alike_makes_the_backend_decide_with_more_confidence() {
        let r = run(vec![
            attempt("baseline").fixture("uvicorn_close-before-accept_403.http"),
            attempt("origin.none").upgraded(),
            attempt("origin.foreign").fixture("uvicorn_close-before-accept_403.http"),
            attempt("direct.baseline").fixture("uvicorn_close-before-accept_403.http"),
            attempt("direct.origin.none").upgraded(),
            attempt("direct.origin.foreign").fixture("uvicorn_close-before-accept_403.http"),
        ])
        .build();
        let (without, _) = crate::diagnose::diagnose(&run(r.attempts[..3].to_vec()).build());
        let (d, _) = crate::diagnose::diagnose(&r);
        assert_eq!(d.cause, Cause::OriginRejected);
        assert!(
            d.confidence > without.confidence,
            "{} vs {}",
            d.confidence,
            without.confidence
        );
        assert!(d
            .evidence
            .iter()
            .any(|e| e.contains("baseline: 403 both") && e.contains("backend itself decides")));
        // No differing pair: no pairs line.
        assert!(!d.evidence.iter().any(|e| e.starts_with(PAIRS_PREFIX)));
    }

    #[test]
    fn both_refusing_the_credential_alike_raises_the_auth_verdict() {
        let invalid = "{\"detail\":\"invalid credentials\"}";
        let public = vec![
            attempt("baseline").rejected(401, invalid),
            attempt("credential.none").rejected(401, "{\"detail\":\"missing credentials\"}"),
            attempt("credential.wrong").rejected(401, invalid),
        ];
        let mut attempts = public.clone();
        attempts.extend([
            attempt("direct.baseline").rejected(401, invalid),
            attempt("direct.credential.none").rejected(401, "{\"detail\":\"missing credentials\"}"),
            attempt("direct.credential.wrong").rejected(401, invalid),
        ]);
        let (alone, _) = crate::diagnose::diagnose(&run(public).cred().build());
        let (d, _) = crate::diagnose::diagnose(&run(attempts).cred().build());
        assert_eq!(d.cause, Cause::AuthCredentialsRejected);
        assert_eq!(alone.cause, d.cause);
        assert!(d.confidence > alone.confidence);
        assert!(d
            .evidence
            .iter()
            .any(|e| e.starts_with("baseline: 401 both") && e.contains("not the proxy")));
    }

    #[test]
    fn an_origin_check_the_backend_does_not_make_happens_in_front() {
        // The public route refuses the foreign Origin, the backend accepts it: the check is the
        // proxy's (an nginx map on $http_origin), and the pairs show where.
        let r = run(no_cred(vec![
            attempt("baseline").rejected(403, "origin not allowed"),
            attempt("origin.none").upgraded(),
            attempt("direct.baseline").upgraded(),
            attempt("direct.origin.none").upgraded(),
        ]))
        .build();
        assert!(verdict(&r).is_none(), "a public attempt upgrades");
        let (d, _) = crate::diagnose::diagnose(&r);
        assert_eq!(d.cause, Cause::OriginRejected);
        assert!(d
            .evidence
            .iter()
            .any(|e| e.contains("the refusal happens in front of it")));
        assert!(d
            .evidence
            .iter()
            .any(|e| e.starts_with(PAIRS_PREFIX)
                && e.contains("baseline: 403 via public, 101 direct")));
    }

    #[test]
    fn near_miss_verdicts_proved_by_other_records_keep_their_confidence() {
        // An intermittent pool is proved by the repeats; the direct baseline agreeing with the
        // public one (both hit a bad backend) does not weaken it.
        let public = vec![
            attempt("baseline").rejected(403, ""),
            attempt("repeat.0").upgraded(),
            attempt("repeat.1").rejected(403, ""),
        ];
        let mut with = public.clone();
        with.push(attempt("direct.baseline").rejected(403, ""));
        let (alone, _) = crate::diagnose::diagnose(&run(public).build());
        let (d, _) = crate::diagnose::diagnose(&run(with).build());
        assert_eq!(d.cause, Cause::RoutingIntermittent);
        assert_eq!(d.confidence, alone.confidence);
    }

    #[test]
    fn an_unreachable_direct_address_decides_nothing_and_says_so() {
        let attempts = vec![
            attempt("baseline").fixture("uvicorn_close-before-accept_403.http"),
            attempt("origin.none").upgraded(),
            attempt("direct.baseline").tcp("refused"),
            attempt("direct.origin.none").tcp("refused"),
        ];
        let (alone, _) = crate::diagnose::diagnose(&run(attempts[..2].to_vec()).build());
        let (d, _) = crate::diagnose::diagnose(&run(attempts).build());
        assert_eq!(d.cause, alone.cause);
        assert_eq!(d.confidence, alone.confidence);
        assert!(d
            .evidence
            .iter()
            .any(|e| e.contains("could not be made")
                && e.contains("reachable from where wsdoctor runs")));
    }

    #[test]
    fn a_front_verdict_gets_the_differing_pairs_and_loses_confidence_when_direct_agrees() {
        // report 001 with --direct: upgrade_not_forwarded decides, the pairs join its evidence.
        let nf = "nginx-fastapi_upgrade-not-forwarded_404.http";
        let r = run(no_cred(vec![
            attempt("baseline").fixture(nf),
            attempt("control.plain_get").fixture(nf),
            attempt("direct.baseline").upgraded(),
            attempt("direct.control.plain_get").fixture("fastapi_plain-get-ws-route_404.http"),
        ]))
        .build();
        let (d, _) = crate::diagnose::diagnose(&r);
        assert_eq!(d.cause, Cause::ProxyUpgradeNotForwarded);
        assert!(d.evidence.iter().any(|e| e.starts_with(PAIRS_PREFIX)
            && e.contains("baseline: 404 via public, 101 direct")
            && e.contains("control.plain_get: 404 both")));
        // The backend answers exactly like the front: the front is no longer the suspect.
        let mut same = r.clone();
        same.attempts[2] = attempt("direct.baseline").fixture(nf);
        let (d2, _) = crate::diagnose::diagnose(&same);
        assert!(d2.confidence < d.confidence - 0.1);
        assert!(d2
            .evidence
            .iter()
            .any(|e| e.contains("gives the same answer")));
    }
}
