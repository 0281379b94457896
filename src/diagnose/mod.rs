//! diagnose: pure functions from a measured `Run` to a `Diagnosis` and `Finding`s. Every cause is
//! a hypothesis: the proposers in `rules` recognise signatures and propose causes, `hypothesis`
//! says what each cause predicts for every attempt, and `engine` scores every proposal against
//! every attempt that was made (support, contradictions, a prior) — the best-supported cause wins,
//! with a confidence from its margin and from how much of the matrix was observed. The verdict is
//! dressed with the responder (who produced the decisive response, from `fingerprint`), remedies
//! and snippets. With `--direct`, `compare` pairs each public attempt with its direct twin and
//! `rules::direct::amend` adds what the pairs say. `browser` judges every 101 as Chrome and
//! Firefox would. No I/O, no clock, no printing. The method: `docs/diagnosis.md`.

pub mod blind;
pub mod browser;
pub mod causes;
/// The catalogue lives in its own leaf module (`crate::cause`), so that `model` can name causes
/// without depending on the decision layer; it is re-exported here under its old path.
pub use crate::cause;
pub mod compare;
pub mod engine;
pub mod evidence;
pub mod fact;
pub mod hypothesis;
#[cfg(test)]
mod kinds_tests;
pub mod observe;
pub mod remedy;
pub mod rules;
pub mod sign;
pub mod weigh;

use crate::model::{BlindSpot, BrowserCheck, Comparison, Diagnosis, Finding, Run};
use cause::Cause;
use evidence::Facts;
use rules::Verdict;

/// Everything the diagnosis concludes from a run, as the report carries it.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// The verdict: cause, confidence, evidence, remedies.
    pub diagnosis: Diagnosis,
    /// What else the run shows, beside the verdict.
    pub findings: Vec<Finding>,
    /// Each public attempt beside its `--direct` twin (`compare`); `None` without `--direct`.
    pub comparison: Option<Comparison>,
    /// Chrome's and Firefox's judgement of every 101 (`browser`).
    pub browser_checks: Vec<BrowserCheck>,
    /// What a run that left variants out cannot tell apart (`blind`), given the verdict.
    pub cannot_tell_apart: Vec<BlindSpot>,
}

/// The one entry point for a report: the diagnosis and findings of [`diagnose`], the
/// `--direct` comparison, the browsers' checks and the blind spots, from one run.
pub fn assess(run: &Run) -> Assessment {
    let (diagnosis, findings) = diagnose(run);
    let cannot_tell_apart = blind::spots(run, &diagnosis);
    Assessment {
        comparison: compare::compare(run),
        browser_checks: browser::checks(run),
        cannot_tell_apart,
        diagnosis,
        findings,
    }
}

/// Diagnoses a run: the best-supported hypothesis, plus findings.
pub fn diagnose(run: &Run) -> (Diagnosis, Vec<Finding>) {
    // Attempts are compared over the window each was watched (`observe::over_common_window`).
    let run = observe::over_common_window(run);
    let facts = Facts::new(&run);
    let decision = engine::decide(&facts);
    let (verdict, observations, considered) = match decision {
        Some(d) => (d.verdict, d.observations, d.considered),
        None => (fallback(&facts), Vec::new(), Vec::new()),
    };
    let verdict = rules::http2::amend(&facts, verdict);
    let mut findings = rules::matrix::findings(&facts, verdict.cause);
    findings.extend(rules::tls::findings(&facts, verdict.cause));
    findings.extend(rules::transport::address_findings(&facts, verdict.cause));
    let mut d = dress(&facts, verdict);
    d.observations = observations;
    d.considered = considered;
    (d, findings)
}

/// The proposer whose hypothesis wins a run (for tests and `--verbose` tracing).
pub fn deciding_rule(run: &Run) -> Option<&'static str> {
    let run = observe::over_common_window(run);
    engine::decide(&Facts::new(&run)).map(|d| d.proposer)
}

fn fallback(facts: &Facts) -> Verdict {
    match facts.base() {
        // Every outcome kind has a proposer; this is the record of a run without attempts.
        None => Verdict::new(
            Cause::ServerBadHandshakeResponse,
            0.0,
            "no attempt was recorded, so nothing can be concluded",
        ),
        Some(b) => Verdict::new(
            Cause::ServerBadHandshakeResponse,
            0.3,
            "the answer matches no known failure pattern",
        )
        .because(fact::Fact::cited(b)),
    }
}

fn dress(facts: &Facts, v: Verdict) -> Diagnosis {
    let decisive = v
        .decisive
        .as_deref()
        .and_then(|id| facts.get(id))
        .or_else(|| facts.base());
    let responder = decisive.and_then(evidence::responder_label);
    // What the run shows about its path decides which fixes apply (issue 28 point 7).
    let ctx = remedy::Context::of(facts, decisive);
    let fit = remedy::Fit::of(&facts.run.target, facts.run.user_origin.as_deref()).map(|f| {
        match facts.base().map(|b| &b.variant.credential) {
            Some(crate::model::CredentialPlacement::Header { name, .. }) => {
                f.with_credential_header(name)
            }
            _ => f,
        }
    });
    let fitted = |text: String| match &fit {
        Some(f) => f.apply(&text),
        None => remedy::Fit::unfitted(&text),
    };
    let remedy_lines = remedy::lines_for(v.cause, &ctx)
        .into_iter()
        .map(fitted)
        .collect();
    let snippets = remedy::snippets_for(v.cause, &ctx)
        .into_iter()
        .map(|mut s| {
            s.code = fitted(s.code);
            s.title = fitted(s.title);
            s
        })
        .collect();
    Diagnosis {
        category: v.cause.category(),
        cause: v.cause,
        confidence: v.confidence.clamp(0.0, 1.0),
        summary: v.summary,
        responder,
        evidence: v.evidence.iter().map(|e| e.words(facts)).collect(),
        remedy: remedy_lines,
        snippets,
        alternatives: v.alternatives,
        next_step: v.next_step,
        decisive_attempt: decisive.map(|a| a.variant.id.clone()),
        observations: Vec::new(),
        considered: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::rules::testkit::*;
    use super::*;
    use crate::model::Stage;

    #[test]
    fn assess_gives_everything_the_report_concludes_from_one_run() {
        // A public 101 that Chrome fails (the offered subprotocol not selected), its --direct
        // twin, and variants left out by --safe: every part of the assessment has something.
        let mut r = run(no_cred(vec![
            attempt("baseline").subprotocols(&["graphql-ws"]).upgraded(),
            attempt("direct.baseline")
                .subprotocols(&["graphql-ws"])
                .upgraded(),
        ]))
        .build();
        r.skipped = ["origin.foreign", "origin.null"]
            .iter()
            .map(|id| crate::model::SkippedVariant {
                variant: attempt(id).upgraded().variant,
                reason: crate::model::SkipReason::Safe,
            })
            .collect();
        let a = assess(&r);
        let (diagnosis, findings) = diagnose(&r);
        assert_eq!((&a.diagnosis, &a.findings), (&diagnosis, &findings));
        let pairs = a.comparison.as_ref().map(|c| c.pairs.len());
        assert_eq!(pairs, Some(1), "{:?}", a.comparison);
        let chrome = a.browser_checks.iter().find(|c| c.browser == "chrome");
        assert_eq!(
            chrome.map(|c| c.opens),
            Some(false),
            "{:?}",
            a.browser_checks
        );
        let left_out: Vec<&str> = a
            .cannot_tell_apart
            .iter()
            .flat_map(|s| s.variants.iter().map(String::as_str))
            .collect();
        assert_eq!(left_out, ["origin.foreign", "origin.null"]);
    }

    #[test]
    fn docs_causes_md_has_one_section_per_cause_in_catalogue_order() {
        let doc = include_str!("../../docs/causes.md");
        let ids: Vec<&str> = doc
            .lines()
            .filter_map(|l| l.strip_prefix("## "))
            .map(str::trim)
            .collect();
        let want: Vec<&str> = Cause::ALL.iter().map(|c| c.id()).collect();
        for id in &want {
            assert!(ids.contains(id), "docs/causes.md lacks ## {id}");
        }
        for id in &ids {
            assert!(
                want.contains(id),
                "docs/causes.md has ## {id}, which is no cause"
            );
        }
        assert_eq!(
            ids, want,
            "docs/causes.md sections are not in catalogue order"
        );
    }

    #[test]
    fn docs_cite_rule_fns_that_exist() {
        let doc = include_str!("../../docs/causes.md");
        for (name, _) in rules::PROPOSERS {
            assert!(doc.contains(name), "docs/causes.md never cites {name}");
        }
    }

    #[test]
    fn docs_cite_test_names_that_exist() {
        let doc = include_str!("../../docs/causes.md");
        let sources = [
            include_str!("mod.rs"),
            include_str!("rules/transport.rs"),
            include_str!("rules/tls.rs"),
            include_str!("rules/http.rs"),
            include_str!("rules/http2.rs"),
            include_str!("rules/session.rs"),
            include_str!("rules/matrix.rs"),
            include_str!("rules/direct.rs"),
            include_str!("compare.rs"),
            include_str!("causes/tests.rs"),
            include_str!("causes/auth.rs"),
            include_str!("rules/simulate.rs"),
        ]
        .concat();
        let mut cited = 0;
        for word in doc.split('`') {
            if let Some(path) = word.strip_prefix("diagnose::") {
                if let Some(name) = path
                    .rsplit("::")
                    .next()
                    .filter(|_| path.contains("tests::"))
                {
                    cited += 1;
                    assert!(
                        sources.contains(&format!("fn {name}(")),
                        "docs cite missing test {word}"
                    );
                }
            }
        }
        assert!(cited > 30);
    }

    #[test]
    fn docs_cite_lab_and_integration_tests_that_exist() {
        let doc = include_str!("../../docs/causes.md");
        let lab = [
            include_str!("../../tests/lab/addresses.rs"),
            include_str!("../../tests/lab/apache.rs"),
            include_str!("../../tests/lab/auth.rs"),
            include_str!("../../tests/lab/direct.rs"),
            include_str!("../../tests/lab/findings.rs"),
            include_str!("../../tests/lab/forward_proxy.rs"),
            include_str!("../../tests/lab/healthy.rs"),
            include_str!("../../tests/lab/http2.rs"),
            include_str!("../../tests/lab/idle.rs"),
            include_str!("../../tests/lab/origin.rs"),
            include_str!("../../tests/lab/proxy.rs"),
            include_str!("../../tests/lab/routing.rs"),
            include_str!("../../tests/lab/scheme.rs"),
            include_str!("../../tests/lab/server.rs"),
            include_str!("../../tests/lab/http2_501.rs"),
            include_str!("../../tests/lab/http2_apache.rs"),
            include_str!("../../tests/lab/ticket.rs"),
            include_str!("../../tests/lab/tls.rs"),
            include_str!("../../tests/lab/variants.rs"),
        ]
        .concat();
        let integration = [
            include_str!("../../tests/integration/causes.rs"),
            include_str!("../../tests/integration/probe_tls.rs"),
            include_str!("../../tests/integration/probe_tls_mtls.rs"),
            include_str!("../../tests/integration/addresses.rs"),
            include_str!("../../tests/integration/forward_proxy_socks.rs"),
            include_str!("../../tests/integration/scheme.rs"),
            include_str!("../../tests/integration/hostile.rs"),
        ]
        .concat();
        let mut cited = 0;
        let parts: Vec<&str> = doc.split('`').collect();
        for pair in parts.windows(2) {
            let sources = if pair[0].ends_with("lab ") {
                lab.as_str()
            } else if pair[0].ends_with("integration ") {
                integration.as_str()
            } else {
                continue;
            };
            let name = pair[1].rsplit("::").next().unwrap_or(pair[1]);
            cited += 1;
            assert!(
                sources.contains(&format!("fn {name}(")),
                "docs cite missing test {}",
                pair[1]
            );
        }
        assert!(cited >= 9, "only {cited} lab/integration tests cited");
    }

    /// A browser console line: the status alone, the request unknown (issue 12 point 4).
    fn status_only_run(status: u16) -> Run {
        let mut base = attempt("baseline").rejected(status, "");
        base.response = None;
        let mut run = run(vec![base]).build();
        run.target = "wss://chat.example.test/ws".into();
        run.user_origin = None;
        run.request_unknown = true;
        run
    }

    #[test]
    fn a_bare_403_with_the_request_unknown_ties_its_causes_in_field_order_and_claims_nothing() {
        let (d, _) = diagnose(&status_only_run(403));
        // Every cause is weighed; those the status allows share the belief.
        let order: Vec<Cause> = d
            .considered
            .iter()
            .filter(|c| c.share > 0.0)
            .map(|c| c.cause)
            .collect();
        assert_eq!(
            order,
            [
                Cause::OriginRejected,
                Cause::AuthMissingCredentials,
                Cause::RoutingWrongUpstream,
                Cause::ProxyAccessDenied
            ]
        );
        assert_eq!(d.cause, Cause::OriginRejected);
        assert!(d.confidence < 0.3, "{}", d.confidence);
        assert!(d.summary.contains("cannot be told apart"), "{}", d.summary);
        let alternatives: Vec<Cause> = d.alternatives.iter().map(|a| a.cause).collect();
        assert_eq!(&alternatives[..], &order[1..]);
        let text = format!("{} {:?} {:?}", d.summary, d.evidence, d.alternatives);
        for claim in [
            "no credential was given",
            "none was sent",
            "refuses Origin",
            "requests without an Origin",
        ] {
            assert!(!text.contains(claim), "{claim}: {text}");
        }
        let next = d.next_step.unwrap_or_default();
        assert!(
            next.contains("Origin variants") && next.contains("credential variants"),
            "{next}"
        );
    }

    #[test]
    fn a_bare_status_is_read_as_the_commonest_cause_of_that_status() {
        for (status, first) in [
            (400, Cause::ProxyUpgradeNotForwarded),
            (401, Cause::AuthMissingCredentials),
            (404, Cause::RoutingNotFound),
            (426, Cause::ProxyUpgradeNotForwarded),
            (500, Cause::ServerError),
            (502, Cause::ProxyBadGateway),
            (503, Cause::ServerError),
        ] {
            let (d, _) = diagnose(&status_only_run(status));
            assert_eq!(d.cause, first, "{status}: {d:#?}");
            assert!(!format!("{:?}", d.evidence).contains("no credential was given"));
            let listed: Vec<Cause> = hypothesis_causes(status);
            assert!(
                d.considered
                    .iter()
                    .filter(|c| c.share > 0.0)
                    .all(|c| listed.contains(&c.cause)),
                "{status}: {:?}",
                d.considered
            );
        }
        // A wss:// URL already speaks TLS: a 400 is not read as plaintext to a TLS port.
        let (d, _) = diagnose(&status_only_run(400));
        assert!(d
            .considered
            .iter()
            .all(|c| c.cause != Cause::TlsPlaintextToTlsPort));
    }

    fn hypothesis_causes(status: u16) -> Vec<Cause> {
        causes::status_causes(status)
            .iter()
            .map(|(c, _)| *c)
            .collect()
    }

    /// A response saved without its request: the auth refusal it shows cannot say whether a
    /// credential was sent; with the request known (a probe), it still can.
    #[test]
    fn with_the_request_unknown_an_auth_refusal_claims_no_missing_credential() {
        let mut r = run(vec![attempt("baseline").rejected(401, "Unauthorized")]).build();
        r.user_origin = None;
        let (known, _) = diagnose(&r);
        assert_eq!(known.cause, Cause::AuthMissingCredentials);
        assert!(known
            .evidence
            .iter()
            .any(|e| e == "no credential was given to wsdoctor"));
        r.request_unknown = true;
        let (unknown, _) = diagnose(&r);
        assert_eq!(unknown.category, crate::cause::Category::Auth);
        assert!(
            unknown
                .evidence
                .iter()
                .all(|e| !e.contains("no credential was given")),
            "{:?}",
            unknown.evidence
        );
        assert!(unknown.summary.contains("not known"), "{}", unknown.summary);
    }

    #[test]
    fn every_foundation_cause_comes_from_a_single_baseline() {
        let cases = vec![
            (attempt("baseline").upgraded(), Cause::Healthy),
            (
                attempt("baseline").dns("not_found"),
                Cause::DnsResolutionFailed,
            ),
            (attempt("baseline").tcp("refused"), Cause::TcpRefused),
            (attempt("baseline").tcp("timeout"), Cause::TcpTimeout),
            (
                attempt("baseline").tcp("unreachable"),
                Cause::TcpUnreachable,
            ),
            (attempt("baseline").tcp("reset"), Cause::TcpReset),
            (
                attempt("baseline").tls("untrusted_certificate"),
                Cause::TlsUntrustedCertificate,
            ),
            (
                attempt("baseline").tls("expired_certificate"),
                Cause::TlsExpiredCertificate,
            ),
            (
                attempt("baseline").tls("hostname_mismatch"),
                Cause::TlsHostnameMismatch,
            ),
            (attempt("baseline").tls("not_tls"), Cause::TlsNotTls),
            (
                attempt("baseline").tls("handshake_failed"),
                Cause::TlsHandshakeFailed,
            ),
            (
                attempt("baseline").redirected(301, "https://x/ws"),
                Cause::ProxyRedirect,
            ),
            (
                attempt("baseline").rejected(502, ""),
                Cause::ProxyBadGateway,
            ),
            (
                attempt("baseline").rejected(504, ""),
                Cause::ProxyBadGateway,
            ),
            (
                attempt("baseline").fixture("haproxy_no-server_503.http"),
                Cause::ProxyBadGateway,
            ),
            (
                attempt("baseline").rejected(404, "Not Found"),
                Cause::RoutingNotFound,
            ),
            (
                attempt("baseline").rejected(200, "<html></html>"),
                Cause::RoutingNotWebsocket,
            ),
            (
                attempt("baseline").rejected(405, ""),
                Cause::RoutingMethodNotAllowed,
            ),
            (
                attempt("baseline").rejected(500, "boom"),
                Cause::ServerError,
            ),
            (
                attempt("baseline").timeout(Stage::Upgrade),
                Cause::ServerTimeout,
            ),
            (
                attempt("baseline").dropped(),
                Cause::ServerClosedAfterUpgrade,
            ),
            (
                attempt("baseline").violation("bad_accept_key"),
                Cause::ServerBadHandshakeResponse,
            ),
        ];
        for (a, want) in cases {
            let label = evidence::describe(&a);
            let r = run(no_cred(vec![a])).build();
            let (d, _) = diagnose(&r);
            assert_eq!(d.cause, want, "{label}: {:?}", deciding_rule(&r));
            assert_eq!(d.category, want.category());
            assert!(!d.evidence.is_empty() && !d.remedy.is_empty(), "{label}");
        }
    }

    #[test]
    fn report_001_names_nginx_and_gives_the_nginx_fix() {
        let r = run(no_cred(vec![
            attempt("baseline").fixture("nginx-fastapi_upgrade-not-forwarded_404.http"),
            attempt("origin.same").fixture("nginx-fastapi_upgrade-not-forwarded_404.http"),
            attempt("control.plain_get").fixture("nginx-fastapi_upgrade-not-forwarded_404.http"),
        ]))
        .http(vec![attempt("http.root").rejected(200, "{}")])
        .build();
        let (d, _) = diagnose(&r);
        assert_eq!(d.cause, Cause::ProxyUpgradeNotForwarded);
        assert_eq!(d.responder.as_deref(), Some("FastAPI via nginx"));
        assert!(d
            .snippets
            .iter()
            .any(|s| s.target == "nginx"
                && s.code.contains("proxy_set_header Upgrade $http_upgrade")));
    }

    #[test]
    fn report_001_on_apache_is_upgrade_not_forwarded_not_a_server_without_websockets() {
        // Apache keeps uvicorn's `Server: uvicorn` on what it relays: without the Apache relay
        // fingerprint this read as uvicorn itself lacking WebSocket support.
        let f = "apache-fastapi_upgrade-not-forwarded_404.http";
        let r = run(no_cred(vec![
            attempt("baseline").fixture(f),
            attempt("origin.same").fixture(f),
            attempt("control.plain_get").fixture(f),
        ]))
        .http(vec![attempt("http.root").rejected(200, "{}")])
        .build();
        let (d, _) = diagnose(&r);
        assert_eq!(d.cause, Cause::ProxyUpgradeNotForwarded);
        assert_eq!(d.responder.as_deref(), Some("FastAPI via Apache httpd"));
        assert!(d
            .snippets
            .iter()
            .any(|s| s.target == "Apache httpd" && s.code.contains("upgrade=websocket")));
        assert!(d.snippets.iter().all(|s| s.target == "Apache httpd"));
    }

    #[test]
    fn apache_own_pages_are_access_denied_and_bad_gateway() {
        for (f, want) in [
            (
                "apache_require-all-denied_403.http",
                Cause::ProxyAccessDenied,
            ),
            (
                "apache_servertokens-prod_403.http",
                Cause::ProxyAccessDenied,
            ),
            ("apache_upstream-down_503.http", Cause::ProxyBadGateway),
        ] {
            let r = run(vec![attempt("baseline").fixture(f)]).build();
            let (d, _) = diagnose(&r);
            assert_eq!(d.cause, want, "{f}");
            assert_eq!(d.responder.as_deref(), Some("Apache httpd"), "{f}");
            assert!(d.snippets.iter().any(|s| s.target == "Apache httpd"), "{f}");
        }
    }

    #[test]
    fn report_004_origin_blocked_after_accept() {
        let r = run(vec![
            attempt("baseline").closed(1008, "ORIGIN_BLOCKED"),
            attempt("credential.none").closed(4401, "no auth ticket"),
            attempt("origin.none").closed(1008, "ORIGIN_BLOCKED"),
            attempt("origin.same").upgraded(),
        ])
        .cred()
        .ticket(Some(200), true, "")
        .build();
        let (d, _) = diagnose(&r);
        assert_eq!(d.cause, Cause::OriginRejected);
        assert!(d.evidence.iter().any(|e| e.contains("1008 ORIGIN_BLOCKED")));
    }

    #[test]
    fn report_000_full_matrix_through_nginx_is_wrong_upstream() {
        // The app's empty 403 relayed by nginx (which replaces Server) is still uvicorn's.
        let refusal = || {
            [
                ("Server", "nginx/1.22.1"),
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Length", "0"),
            ]
        };
        let ids = [
            "baseline",
            "credential.none",
            "credential.query",
            "credential.cookie",
            "credential.subprotocol",
            "credential.wrong",
            "origin.none",
            "origin.same",
            "origin.foreign",
            "origin.null",
            "browser.chrome",
        ];
        let mut attempts: Vec<_> = ids
            .iter()
            .map(|id| attempt(id).rejected_with(403, &refusal(), ""))
            .collect();
        attempts.push(attempt("control.plain_get").rejected_with(
            404,
            &[
                ("Server", "nginx/1.22.1"),
                ("Content-Type", "application/json"),
            ],
            "{\"detail\":\"Not Found\"}",
        ));
        let r = run(attempts)
            .cred()
            .http(
                [attempt("http.health").rejected(200, "{\"status\":\"ok\"}")]
                    .into_iter()
                    .chain(A::credential_proof())
                    .collect(),
            )
            .build();
        let (d, _) = diagnose(&r);
        assert_eq!(
            d.cause,
            Cause::RoutingWrongUpstream,
            "{:?}",
            deciding_rule(&r)
        );
        assert_eq!(d.responder.as_deref(), Some("uvicorn via nginx"));
        assert!(d.confidence >= 0.85);
        assert!(d
            .next_step
            .as_deref()
            .is_some_and(|s| s.contains("--direct")));
        assert!(d.snippets.iter().any(|s| s.target == "nginx"));
    }

    #[test]
    fn report_003_header_stripped_but_query_accepted_is_placement() {
        let r = run(vec![
            attempt("baseline").rejected(400, "No authenticated user found"),
            attempt("credential.none").rejected(400, "No authenticated user found"),
            attempt("credential.wrong").rejected(400, "No authenticated user found"),
            attempt("credential.query").upgraded(),
            attempt("origin.none").rejected(400, "No authenticated user found"),
        ])
        .cred()
        .build();
        let (d, _) = diagnose(&r);
        assert_eq!(d.cause, Cause::AuthPlacement);
        // near miss: nothing accepted anywhere — an auth refusal, never wrong_upstream
        let r = run(vec![
            attempt("baseline").rejected(400, "No authenticated user found"),
            attempt("credential.none").rejected(400, "No authenticated user found"),
            attempt("credential.wrong").rejected(400, "No authenticated user found"),
        ])
        .cred()
        .http(vec![attempt("http.root").rejected(200, "ok")])
        .build();
        assert_eq!(diagnose(&r).0.cause, Cause::AuthCredentialsRejected);
    }

    #[test]
    fn report_004_ticket_endpoint_401_stops_before_the_socket() {
        let r = run(vec![
            attempt("baseline").closed(4401, "no auth ticket"),
            attempt("credential.none").closed(4401, "no auth ticket"),
        ])
        .cred()
        .ticket(Some(401), false, "{\"code\":\"MISSING_SESSION\"}")
        .build();
        let (d, _) = diagnose(&r);
        assert_eq!(d.cause, Cause::AuthTicketFailed);
        assert!(d.summary.contains("stop retrying"));
    }

    #[test]
    fn a_server_that_ignores_credentials_is_not_a_placement_problem() {
        let r = run(vec![
            attempt("baseline").rejected(401, "invalid token"),
            attempt("credential.none").upgraded(),
            attempt("credential.cookie").upgraded(),
        ])
        .cred()
        .build();
        let (d, f) = diagnose(&r);
        assert_eq!(d.cause, Cause::AuthCredentialsRejected);
        assert!(f.iter().any(|f| f.cause == Cause::AuthNotEnforced));
    }

    #[test]
    fn a_healthy_run_reports_findings_beside_ok() {
        let r = run(vec![
            attempt("baseline").upgraded(),
            attempt("origin.foreign").upgraded(),
        ])
        .build();
        let (d, f) = diagnose(&r);
        assert_eq!(d.cause, Cause::Healthy);
        assert_eq!(f.first().map(|f| f.cause), Some(Cause::OriginNotEnforced));
    }

    /// Field report 000's picture without anything that proves the key good.
    fn same_403_for_every_credential(proof: bool) -> Run {
        let refusal = [("Server", "nginx/1.22.1"), ("Content-Length", "0")];
        let mut attempts: Vec<_> = [
            "baseline",
            "credential.none",
            "credential.query",
            "credential.wrong",
            "origin.none",
            "origin.foreign",
            "browser.chrome",
        ]
        .iter()
        .map(|id| attempt(id).rejected_with(403, &refusal, ""))
        .collect();
        attempts.push(attempt("control.plain_get").rejected(404, "{\"detail\":\"Not Found\"}"));
        let mut controls = vec![attempt("http.root").rejected(200, "{}")];
        if proof {
            controls.extend(A::credential_proof());
        }
        run(attempts).cred().http(controls).build()
    }

    #[test]
    fn the_same_403_for_an_unproven_credential_suspects_the_credential_first() {
        // Issue 14, situation 4: nothing proves the user's credential good, so a server that
        // rejects it without telling missing from invalid explains the run as well as a wrong
        // route, and is the more common cause. The wrong route is named with the separating step.
        let r = same_403_for_every_credential(false);
        let (d, _) = diagnose(&r);
        assert_eq!(
            d.cause,
            Cause::AuthCredentialsRejected,
            "{:?}",
            d.considered
        );
        assert!(d
            .alternatives
            .iter()
            .any(|a| a.cause == Cause::RoutingWrongUpstream));
        assert!(d
            .next_step
            .as_deref()
            .is_some_and(|s| s.contains("--auth-check") && s.contains("--direct")));
        assert!(
            d.confidence < 0.7,
            "a near-tie is not sure: {}",
            d.confidence
        );
        // Proof that the key is good outside the WebSocket path makes the wrong route win.
        let (d, _) = diagnose(&same_403_for_every_credential(true));
        assert_eq!(d.cause, Cause::RoutingWrongUpstream);
        let rejected = d
            .considered
            .iter()
            .find(|c| c.cause == Cause::AuthCredentialsRejected)
            .expect("the credential hypothesis was scored");
        assert!(rejected
            .contradicted
            .iter()
            .any(|id| id == "http.auth_check"));
        // Ruled out, it is no longer offered as an alternative.
        assert!(d
            .alternatives
            .iter()
            .all(|a| a.cause != Cause::AuthCredentialsRejected));
    }

    #[test]
    fn a_refusal_without_origin_that_the_backend_accepts_is_not_an_origin_cause() {
        // Issue 14, situation 1: through the front every variant gets the same 403; directly the
        // credentialed baseline, which carried no Origin, upgrades. No Origin check explains a
        // difference on a request without an Origin.
        let refusal = [("Server", "nginx/1.22.1"), ("Content-Length", "0")];
        let public = [
            "baseline",
            "credential.none",
            "credential.wrong",
            "origin.same",
            "origin.foreign",
            "origin.null",
        ];
        let mut attempts: Vec<_> = public
            .iter()
            .map(|id| {
                let a = attempt(id);
                let a = if *id == "baseline" || id.starts_with("credential.") {
                    a.origin(None)
                } else {
                    a
                };
                a.rejected_with(403, &refusal, "")
            })
            .collect();
        attempts.push(attempt("direct.baseline").origin(None).upgraded());
        attempts.push(
            attempt("direct.origin.same")
                .origin(Some("http://127.0.0.1:8002"))
                .upgraded(),
        );
        attempts.push(
            attempt("direct.credential.none")
                .origin(None)
                .rejected(403, ""),
        );
        let r = run(attempts).cred().build();
        let (d, _) = diagnose(&r);
        assert!(
            matches!(
                d.cause,
                Cause::RoutingWrongUpstream | Cause::ProxyFrontRefuses
            ),
            "{:?}: {:?}",
            d.cause,
            d.considered
        );
        let host = d
            .considered
            .iter()
            .find(|c| c.cause == Cause::OriginHostRewritten)
            .expect("the Host-rewrite hypothesis was scored");
        assert!(host.contradicted.iter().any(|id| id == "direct.baseline"));
        assert_eq!(host.share, 0.0);
    }

    #[test]
    fn an_application_500_relayed_by_nginx_is_a_server_error() {
        // Issue 14, situation 2: `Server: nginx` proves only that nginx is on the path; the body
        // is the application's plain-text 500 (nginx's own 5xx pages are its HTML template).
        let hdrs = [
            ("Server", "nginx/1.22.1"),
            ("Content-Type", "text/plain; charset=utf-8"),
        ];
        let r = run(no_cred(vec![
            attempt("baseline").rejected_with(500, &hdrs, "Internal Server Error"),
            attempt("origin.foreign").rejected_with(500, &hdrs, "Internal Server Error"),
            attempt("control.plain_get").rejected(404, "{\"detail\":\"Not Found\"}"),
        ]))
        .build();
        let (d, _) = diagnose(&r);
        assert_eq!(d.cause, Cause::ServerError, "{:?}", d.considered);
        assert!(d.evidence.iter().any(|e| e.contains("only on the path")));
        // nginx's own 502 page is still the proxy's.
        let r = run(vec![
            attempt("baseline").fixture("nginx_upstream-down_502.http")
        ])
        .build();
        assert_eq!(diagnose(&r).0.cause, Cause::ProxyBadGateway);
    }

    #[test]
    fn a_101_without_the_offered_subprotocol_is_a_fault_for_browsers() {
        // Issue 14, situation 3: Chrome fails a 101 that selects no subprotocol when one was
        // offered, so the verdict is a bad handshake (exit 1), not ok.healthy.
        let r = run(no_cred(vec![
            attempt("baseline").subprotocols(&["graphql-ws"]).upgraded(),
            attempt("browser.chrome")
                .subprotocols(&["graphql-ws"])
                .upgraded(),
            attempt("origin.foreign")
                .subprotocols(&["graphql-ws"])
                .upgraded(),
        ]))
        .build();
        let (d, _) = diagnose(&r);
        assert_eq!(
            d.cause,
            Cause::ServerBadHandshakeResponse,
            "{:?}",
            d.considered
        );
        assert!(d.summary.contains("Chrome"));
        let healthy = d
            .considered
            .iter()
            .find(|c| c.cause == Cause::Healthy)
            .expect("healthy was scored");
        assert!(healthy.contradicted.iter().any(|id| id == "baseline"));
        let checks = browser::checks(&r);
        let chrome = checks
            .iter()
            .find(|c| c.attempt == "browser.chrome")
            .expect("the Chrome shape is judged");
        assert!(!chrome.opens);
        assert_eq!(chrome.reason.as_deref(), Some("missing_subprotocol"));
        // The same 101 with the subprotocol selected is healthy for both browsers.
        let ok = run(no_cred(vec![attempt("baseline")
            .subprotocols(&["graphql-ws"])
            .upgraded_with("graphql-ws")]))
        .build();
        assert_eq!(diagnose(&ok).0.cause, Cause::Healthy);
        assert!(browser::checks(&ok).iter().all(|c| c.opens));
    }

    #[test]
    fn an_empty_run_does_not_panic() {
        let r = run(Vec::new()).build();
        let (d, f) = diagnose(&r);
        assert_eq!(d.confidence, 0.0);
        assert!(f.is_empty());
    }
}
