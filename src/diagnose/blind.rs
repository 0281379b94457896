//! blind: what a run that left variants out (`--variants`, `--skip`, `--safe`) cannot tell
//! apart. [`FAMILIES`] is the one table: for each family of variants, the sentence a report shows
//! when its members were not run and the causes of the catalogue whose evidence they are. Which
//! of this run's candidate causes the missing attempts would have tested comes from the engine's
//! own predictions (`hypothesis::predict`), so a report says when the verdict itself rests on
//! fewer attempts. Pure: no I/O.

use super::cause::Cause;
use super::evidence::Facts;
use super::hypothesis::{self, Part};
use crate::model::{ids, AttemptRecord, BlindSpot, Diagnosis, Run, Variant};

/// Which variants a family holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Member {
    /// A part of the public matrix (`hypothesis::Part`).
    Part(Part),
    /// `origin.foreign`, `origin.null` and the Origins an expectation names (`origin.extra.<n>`).
    ForeignOrigin,
    /// The Origin variants that send the user's own, the site's own or none.
    OwnOrigin,
    /// The `--direct` twins.
    Direct,
    /// The HTTP/2 path's own request (`http2`).
    Http2,
    /// The credential and Origin variants on the HTTP/2 path (`http2.<id>`).
    Http2Variant,
}

/// One family: its members, what is lost without them, and the causes they are evidence for.
#[derive(Debug, Clone, Copy)]
pub struct Family {
    /// Which variants.
    pub member: Member,
    /// What a run without them cannot tell apart.
    pub summary: &'static str,
    /// The causes and findings these attempts are evidence for.
    pub causes: &'static [Cause],
}

/// Every family, in the order a report lists them. A skipped variant belongs to the first family
/// whose member test it passes.
pub const FAMILIES: &[Family] = &[
    Family {
        member: Member::Http2Variant,
        summary: "without the credential and Origin variants over HTTP/2, a path that refuses WebSockets over HTTP/2 as such cannot be told from one that depends on what the request carries",
        causes: &[Cause::ProxyHttp2WebsocketRefused],
    },
    Family {
        member: Member::Http2,
        summary: "without the HTTP/2 path, whether browsers that take it (RFC 8441 extended CONNECT) get what HTTP/1.1 gets is not known",
        causes: &[Cause::ProxyHttp2WebsocketRefused],
    },
    Family {
        member: Member::Direct,
        summary: "without the --direct twins, a refusal by the front (proxy, routing) cannot be told from the backend's own",
        causes: &[
            Cause::ProxyFrontRefuses,
            Cause::ProxyAccessDenied,
            Cause::RoutingWrongUpstream,
            Cause::OriginHostRewritten,
        ],
    },
    Family {
        member: Member::Part(Part::WrongCredential),
        summary: "without a wrong token of the same shape, that the token is checked at all cannot be confirmed: a refusal of this token cannot be told from a refusal of any token (auth.credentials_rejected or routing.wrong_upstream), nor from one of its size (proxy.request_too_large)",
        causes: &[
            Cause::AuthCredentialsRejected,
            Cause::RoutingWrongUpstream,
            Cause::ProxyRequestTooLarge,
        ],
    },
    Family {
        member: Member::Part(Part::NoCredential),
        summary: "without an attempt without the credential, a server that requires it cannot be told from one that ignores it: auth.not_enforced cannot be reported",
        causes: &[
            Cause::AuthNotEnforced,
            Cause::AuthMissingCredentials,
            Cause::AuthCredentialsRejected,
        ],
    },
    Family {
        member: Member::Part(Part::Placement),
        summary: "without the credential in the other places left out, a server that reads it only from one of them cannot be told from one that refuses it (auth.placement, auth.header_only)",
        causes: &[Cause::AuthPlacement, Cause::AuthHeaderOnly],
    },
    Family {
        member: Member::Part(Part::Ticket),
        summary: "without a second ticket and its reuse, a one-time ticket that is accepted twice cannot be noticed",
        causes: &[Cause::AuthTicketFailed],
    },
    Family {
        member: Member::ForeignOrigin,
        summary: "without a foreign or null Origin, a server that does not check Origin cannot be told from one that allows this Origin: origin.not_enforced (cross-site WebSocket hijacking) cannot be reported",
        causes: &[Cause::OriginNotEnforced, Cause::OriginRejected],
    },
    Family {
        member: Member::OwnOrigin,
        summary: "without the other Origins (none, the site's own), an Origin check cannot be told from a refusal that ignores the Origin (origin.rejected, origin.host_rewritten)",
        causes: &[Cause::OriginRejected, Cause::OriginHostRewritten],
    },
    Family {
        member: Member::Part(Part::PlainGet),
        summary: "without a plain GET of the same URL, a proxy that drops the upgrade cannot be told from a route that does not serve WebSockets (proxy.upgrade_not_forwarded, routing.not_websocket, server.websocket_unsupported)",
        causes: &[
            Cause::ProxyUpgradeNotForwarded,
            Cause::RoutingNotWebsocket,
            Cause::ServerWebsocketUnsupported,
        ],
    },
    Family {
        member: Member::Part(Part::ProtocolControl),
        summary: "without the malformed handshakes (no key, version 8), a server that never sees the handshake headers cannot be told from one that refuses every upgrade with 400",
        causes: &[
            Cause::ProxyUpgradeNotForwarded,
            Cause::ServerBadHandshakeResponse,
        ],
    },
    Family {
        member: Member::Part(Part::Browser),
        summary: "without the browsers' shapes, whether the server treats what Chrome and Firefox send (header order, permessage-deflate, their User-Agent) like this request is not known",
        causes: &[
            Cause::ServerBadHandshakeResponse,
            Cause::ServerNegotiationMismatch,
        ],
    },
    Family {
        member: Member::Part(Part::Repeat),
        summary: "without repeats, an intermittent failure (one bad backend in a pool) cannot be told from a steady one",
        causes: &[Cause::RoutingIntermittent],
    },
    Family {
        member: Member::Part(Part::HttpControl),
        summary: "without a plain GET of the site root (and --health-url), whether the host serves HTTP at all is not known: a front that refuses everything cannot be told from a WebSocket route that does",
        causes: &[Cause::RoutingWrongUpstream, Cause::ProxyUpgradeNotForwarded],
    },
    Family {
        member: Member::Part(Part::AuthCheck),
        summary: "without the --auth-check pair, nothing proves the credential good: a refused credential cannot be told from a wrong route",
        causes: &[Cause::AuthCredentialsRejected, Cause::RoutingWrongUpstream],
    },
];

/// A record standing for an attempt that was not made: its variant, nothing observed.
fn placeholder(variant: &Variant) -> AttemptRecord {
    AttemptRecord::unmeasured(variant.clone(), String::new())
}

/// True when `a` belongs to the family of `member`.
fn belongs(member: Member, a: &AttemptRecord) -> bool {
    let v = &a.variant;
    let core = v.id.strip_prefix(ids::DIRECT_PREFIX).unwrap_or(&v.id);
    let foreign = core == ids::ORIGIN_FOREIGN
        || core == ids::ORIGIN_NULL
        || core.starts_with("origin.extra.");
    match member {
        Member::Http2Variant => v.group == "http2" && v.id != ids::HTTP2,
        Member::Http2 => v.id == ids::HTTP2,
        Member::Direct => v.direct,
        Member::ForeignOrigin => hypothesis::part(a) == Part::Origin && foreign,
        Member::OwnOrigin => hypothesis::part(a) == Part::Origin && !foreign,
        Member::Part(Part::AuthCheck) => {
            matches!(hypothesis::part(a), Part::AuthCheck | Part::AuthCheckNone)
        }
        Member::Part(p) => hypothesis::part(a) == p,
    }
}

/// The family a skipped variant belongs to.
pub fn family_of(variant: &Variant) -> Option<&'static Family> {
    let a = placeholder(variant);
    FAMILIES.iter().find(|f| belongs(f.member, &a))
}

/// What `run` cannot tell apart, one entry per family with skipped members, given its
/// `diagnosis` (whose `considered` candidates are checked against the missing attempts).
pub fn spots(run: &Run, diagnosis: &Diagnosis) -> Vec<BlindSpot> {
    if run.skipped.is_empty() {
        return Vec::new();
    }
    let facts = Facts::new(run);
    // The run's candidates that are still standing: the verdict and every one not ruled out.
    let mut candidates: Vec<Cause> = vec![diagnosis.cause];
    for c in &diagnosis.considered {
        if c.share > 0.0 && !candidates.contains(&c.cause) {
            candidates.push(c.cause);
        }
    }
    let mut out = Vec::new();
    for family in FAMILIES {
        let members: Vec<AttemptRecord> = run
            .skipped
            .iter()
            .map(|s| placeholder(&s.variant))
            .filter(|a| family_of(&a.variant).is_some_and(|f| std::ptr::eq(f, family)))
            .collect();
        if members.is_empty() {
            continue;
        }
        let untested = candidates
            .iter()
            .copied()
            .filter(|c| {
                family.causes.contains(c)
                    || facts.base().is_some_and(|base| {
                        members.iter().any(|a| {
                            let p = hypothesis::predict(*c, &facts, base, a);
                            p.support > 0.0 || p.penalty > 0.0
                        })
                    })
            })
            .collect();
        out.push(BlindSpot {
            variants: members.iter().map(|a| a.variant.id.clone()).collect(),
            summary: family.summary.to_string(),
            causes: family.causes.to_vec(),
            untested,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::rules::testkit::*;
    use crate::model::{SkipReason, SkippedVariant};

    fn skipped(ids: &[&str]) -> Vec<SkippedVariant> {
        ids.iter()
            .map(|id| SkippedVariant {
                variant: attempt(id).upgraded().variant,
                reason: SkipReason::Safe,
            })
            .collect()
    }

    #[test]
    fn every_variant_the_plan_makes_has_a_family() {
        // A full plan (credential, Origin, --direct, --auth-check, a health URL, repeats, wss://
        // for the HTTP/2 path) and a ticket flow.
        let mut a = crate::cli::ProbeArgs::with_defaults("wss://api.test/ws");
        a.token = Some("tok-0123456789".into());
        a.origin = Some("https://app.test".into());
        a.direct = Some("ws://127.0.0.1:9/ws".into());
        a.auth_check = Some("https://api.test/me".into());
        a.health_url = Some("https://api.test/health".into());
        a.repeat = 1;
        a.expect_origin_rejected = vec!["https://evil.test".into()];
        let mut t = crate::cli::ProbeArgs::with_defaults("ws://api.test/ws");
        t.token = Some("jwt-0123456789".into());
        t.ticket_url = Some("http://api.test/ticket".into());
        for args in [a, t] {
            let c = crate::config::Config::from_args(&args).unwrap();
            let p = crate::plan::build(&c);
            let specs = p
                .attempts
                .iter()
                .skip(1)
                .chain(&p.http_controls)
                .chain(&p.http2)
                .chain(&p.http2_variants);
            for s in specs {
                assert!(
                    family_of(&s.variant).is_some(),
                    "{} has no family in blind::FAMILIES",
                    s.variant.id
                );
            }
        }
    }

    #[test]
    fn a_safe_run_names_what_it_cannot_tell_apart() {
        let mut r = run(vec![
            attempt("baseline").upgraded(),
            attempt("credential.none").rejected(401, "missing token"),
            attempt("origin.same").upgraded(),
        ])
        .cred()
        .build();
        r.skipped = skipped(&["credential.wrong", "origin.foreign", "origin.null"]);
        let (d, _) = crate::diagnose::diagnose(&r);
        let got = spots(&r, &d);
        let ids: Vec<Vec<String>> = got.iter().map(|s| s.variants.clone()).collect();
        assert_eq!(
            ids,
            vec![
                vec!["credential.wrong".to_string()],
                vec!["origin.foreign".to_string(), "origin.null".to_string()],
            ]
        );
        assert!(got[1].summary.contains("does not check Origin"));
        assert!(got[1].causes.contains(&Cause::OriginNotEnforced));
        assert!(got[0].summary.contains("the token is checked"));
        // A healthy verdict makes no prediction for them: nothing of the verdict is untested.
        assert!(got.iter().all(|s| s.untested.is_empty()), "{got:?}");
    }

    #[test]
    fn the_verdict_is_untested_when_a_missing_attempt_would_have_weighed_it() {
        // The same 403 for everything that ran: a wrong route predicts the same refusal for a
        // wrong token, which was not sent.
        let refusal = [("Server", "nginx/1.22.1"), ("Content-Length", "0")];
        let mut r = run(vec![
            attempt("baseline").rejected_with(403, &refusal, ""),
            attempt("credential.none").rejected_with(403, &refusal, ""),
            attempt("origin.same").rejected_with(403, &refusal, ""),
            attempt("control.plain_get").rejected(404, "{\"detail\":\"Not Found\"}"),
        ])
        .cred()
        .http(vec![attempt("http.root").rejected(200, "{}")])
        .build();
        r.skipped = skipped(&["credential.wrong"]);
        let (d, _) = crate::diagnose::diagnose(&r);
        let got = spots(&r, &d);
        assert_eq!(got.len(), 1);
        assert!(
            got[0].untested.contains(&d.cause),
            "{:?} not in {:?}",
            d.cause,
            got[0].untested
        );
    }

    #[test]
    fn nothing_skipped_means_no_blind_spots() {
        let r = run(vec![attempt("baseline").upgraded()]).build();
        let (d, _) = crate::diagnose::diagnose(&r);
        assert!(spots(&r, &d).is_empty());
    }
}
