//! http2 rules: the HTTP/2 path browsers may take (RFC 8441). The probe's `http2` record says
//! whether the server chose `h2` when offered `h2, http/1.1` and advertised extended CONNECT; when
//! it did, browsers that implement RFC 8441 open the WebSocket as an extended CONNECT stream on
//! their HTTP/2 connection to the origin, so a refusal there fails them while every HTTP/1.1
//! client (and wsdoctor's own matrix) upgrades.

use super::Verdict;
use crate::diagnose::cause::Cause;
use crate::diagnose::evidence::{same_answer, Facts};
use crate::diagnose::fact::http2::{Http2Fact, StreamRefusal};
use crate::diagnose::fact::Fact;
use crate::model::{AttemptRecord, Http2Record};

/// Which browsers take the HTTP/2 path where it is advertised, as the lab saw them (its words
/// live with the facts).
pub use crate::diagnose::fact::http2::WHO_TAKES_IT;

/// The extended CONNECT stream browsers would open, when the server advertises it and it failed.
pub fn refused_stream<'a>(f: &Facts<'a>) -> Option<(&'a Http2Record, &'a AttemptRecord)> {
    let h2 = f.run.http2.as_ref()?;
    if !h2.browsers_take_it() {
        return None;
    }
    let a = h2.attempt.as_deref()?;
    (!a.outcome.is_success()).then_some((h2, a))
}

/// The HTTP/1.1 baseline upgraded and stayed open; the HTTP/2 path, advertised, failed.
pub fn http2_websocket_refused(f: &Facts) -> Option<Verdict> {
    let b = f.base()?;
    if !b.outcome.is_success() {
        return None;
    }
    let (h2, a) = refused_stream(f)?;
    let mut v = Verdict::new(
        Cause::ProxyHttp2WebsocketRefused,
        0.9,
        "the HTTP/1.1 upgrade works, but the HTTP/2 path browsers take here (RFC 8441 extended CONNECT) fails",
    )
    .because(Fact::cited(b))
    .because(Fact::cited(a))
    .because(Http2Fact::Advertised)
    .because(Http2Fact::WhoTakesIt);
    // What the stream's status says about the front, and what browsers then do (the lab saw both
    // fail on a 501 and a 405 without retrying over HTTP/1.1).
    if let Some(refusal) = StreamRefusal::of(a.outcome.status()) {
        v = v.because(Http2Fact::StreamRefused { refusal });
    }
    // The same connection, the credential and Origin variants: does the refusal depend on them?
    let opened: Vec<&AttemptRecord> = h2
        .variants
        .iter()
        .filter(|x| x.outcome.is_success())
        .collect();
    if !opened.is_empty() {
        for x in opened {
            v = v.because(Http2Fact::VariantUpgrades {
                attempt: x.variant.id.clone(),
            });
        }
    } else if !h2.variants.is_empty() && h2.variants.iter().all(|x| same_answer(a, x)) {
        v = v.because(Http2Fact::AllVariantsAlike {
            count: h2.variants.len(),
        });
    } else {
        for x in h2.variants.iter().filter(|x| !same_answer(a, x)) {
            v = v.because(Fact::cited(x));
        }
    }
    let v = v.next(
        "open the page in Firefox with about:config network.http.http2.websockets = false: the WebSocket connecting then proves the HTTP/2 path is the fault",
    );
    Some(v)
}

/// What the HTTP/2 path says beside a verdict it did not decide: the browsers' path works too, or
/// browsers use HTTP/1.1 here, or (the reverse case) HTTP/1.1 fails while the browsers' HTTP/2
/// path opens, so browsers work and every HTTP/1.1 client does not.
pub fn amend(f: &Facts, mut v: Verdict) -> Verdict {
    if v.cause == Cause::ProxyHttp2WebsocketRefused {
        return v;
    }
    let Some(h2) = f.run.http2.as_ref() else {
        return v;
    };
    let Some(b) = f.base() else {
        return v;
    };
    if h2.prior_knowledge {
        v.evidence.push(h2c_fact(h2).into());
        return v;
    }
    let stream = h2.attempt.as_deref().filter(|_| h2.browsers_take_it());
    let fact = match (b.outcome.is_success(), stream) {
        (true, Some(a)) if a.outcome.is_success() => Some(Http2Fact::PathUpgradesToo {
            attempt: a.variant.id.clone(),
        }),
        (false, Some(a)) if a.outcome.is_success() => Some(Http2Fact::OnlyBrowsersPathUpgrades {
            attempt: a.variant.id.clone(),
        }),
        (true, None) if h2.error.is_none() => Some(Http2Fact::NotAdvertised),
        _ => None,
    };
    if let Some(x) = fact {
        v.evidence.push(x.into());
    }
    v
}

/// What cleartext HTTP/2 with prior knowledge (`--h2c`) found, as evidence beside a verdict it
/// never decides: no browser speaks h2c, so it is the path of a front that forwards HTTP/2
/// streams to this server in cleartext (Envoy, HAProxy `proto h2`), not the browsers'. A server
/// that does not speak it is said so, never blamed on the HTTP/1.1 upgrade.
fn h2c_fact(h2: &Http2Record) -> Http2Fact {
    if let Some(e) = &h2.error {
        return Http2Fact::H2cError { error: e.clone() };
    }
    match (h2.extended_connect, h2.attempt.as_deref()) {
        (Some(true), Some(a)) => Http2Fact::H2cStream {
            attempt: a.variant.id.clone(),
            upgraded: a.outcome.is_success(),
        },
        (Some(false), _) => Http2Fact::H2cNoExtendedConnect,
        _ => Http2Fact::H2cNoSettings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::rules::testkit::{attempt, run};
    use crate::model::Http2Record;

    fn with_h2(extended: bool, stream: Option<AttemptRecord>) -> crate::model::Run {
        let mut r = run(vec![attempt("baseline").upgraded()]).build();
        r.http2 = Some(Http2Record {
            alpn_offered: vec!["h2".into(), "http/1.1".into()],
            prior_knowledge: false,
            http1_answer: None,
            alpn: Some("h2".into()),
            extended_connect: Some(extended),
            error: None,
            attempt: stream.map(Box::new),
            variants: Vec::new(),
            ms: 5.0,
        });
        r
    }

    #[test]
    fn an_advertised_http2_path_that_refuses_while_http1_upgrades_is_the_verdict() {
        let r = with_h2(true, Some(attempt("http2").rejected(405, "")));
        let v = http2_websocket_refused(&Facts::new(&r)).expect("proposed");
        assert_eq!(v.cause, Cause::ProxyHttp2WebsocketRefused);
        assert_eq!(
            v.evidence,
            vec![
                Fact::cited(&r.attempts[0]),
                Fact::Cited {
                    attempt: "http2".into()
                },
                Fact::Http2(Http2Fact::Advertised),
                Fact::Http2(Http2Fact::WhoTakesIt),
                Fact::Http2(Http2Fact::StreamRefused {
                    refusal: StreamRefusal::MethodNotAllowed
                }),
            ]
        );
        let (d, _) = crate::diagnose::diagnose(&r);
        assert_eq!(d.cause, Cause::ProxyHttp2WebsocketRefused, "{d:?}");
    }

    #[test]
    fn http2_variants_tell_a_refusal_as_such_from_one_that_depends_on_the_request() {
        let mut r = with_h2(true, Some(attempt("http2").rejected(405, "")));
        let h2 = r.http2.as_mut().expect("h2");
        h2.variants = vec![
            attempt("http2.credential.none").rejected(405, ""),
            attempt("http2.origin.none").rejected(405, ""),
        ];
        let v = http2_websocket_refused(&Facts::new(&r)).expect("proposed");
        assert!(
            v.evidence
                .contains(&Fact::Http2(Http2Fact::AllVariantsAlike { count: 2 })),
            "{v:?}"
        );
        // One variant opens over HTTP/2: the refusal depends on what it changed.
        let h2 = r.http2.as_mut().expect("h2");
        h2.variants[1] = attempt("http2.origin.none").upgraded();
        let v = http2_websocket_refused(&Facts::new(&r)).expect("proposed");
        assert!(
            v.evidence
                .contains(&Fact::Http2(Http2Fact::VariantUpgrades {
                    attempt: "http2.origin.none".into()
                })),
            "{v:?}"
        );
        assert!(
            !v.evidence
                .iter()
                .any(|e| matches!(e, Fact::Http2(Http2Fact::AllVariantsAlike { .. }))),
            "{v:?}"
        );
        assert_eq!(
            crate::diagnose::diagnose(&r).0.cause,
            Cause::ProxyHttp2WebsocketRefused
        );
    }

    /// The facts `amend` adds beside a verdict it did not decide.
    fn amended(r: &crate::model::Run) -> Vec<Fact> {
        amend(&Facts::new(r), Verdict::new(Cause::Healthy, 0.9, "")).evidence
    }

    #[test]
    fn the_verdict_says_which_path_browsers_take_and_the_reverse_case_is_named() {
        // Healthy over both paths.
        let r = with_h2(true, Some(attempt("http2").upgraded()));
        assert_eq!(
            amended(&r),
            vec![Fact::Http2(Http2Fact::PathUpgradesToo {
                attempt: "http2".into()
            })]
        );
        assert_eq!(crate::diagnose::diagnose(&r).0.cause, Cause::Healthy);
        // Not advertised.
        let r = with_h2(false, None);
        assert_eq!(amended(&r), vec![Fact::Http2(Http2Fact::NotAdvertised)]);
        // HTTP/1.1 refused (403), HTTP/2 opens: the HTTP/1.1 cause stays the verdict, and the
        // evidence says browsers on HTTP/2 work.
        let mut r = with_h2(true, Some(attempt("http2").upgraded()));
        r.attempts = vec![attempt("baseline").rejected(403, "Forbidden")];
        assert_eq!(
            amended(&r),
            vec![Fact::Http2(Http2Fact::OnlyBrowsersPathUpgrades {
                attempt: "http2".into()
            })]
        );
        let (d, _) = crate::diagnose::diagnose(&r);
        assert_ne!(d.cause, Cause::ProxyHttp2WebsocketRefused);
        // The amended fact reaches the report (its words are the diagnosis' evidence).
        let line = Fact::Http2(Http2Fact::OnlyBrowsersPathUpgrades {
            attempt: "http2".into(),
        })
        .words(&Facts::new(&r));
        assert!(d.evidence.contains(&line), "{d:?}");
    }

    #[test]
    fn h2c_is_evidence_never_the_browsers_verdict() {
        // Refused over cleartext HTTP/2 while HTTP/1.1 upgrades: no browser takes h2c, so this is
        // not proxy.http2_websocket_refused; the evidence says what h2c got.
        let mut r = with_h2(true, Some(attempt("http2").rejected(405, "")));
        let h2 = r.http2.as_mut().expect("h2");
        h2.prior_knowledge = true;
        h2.alpn = None;
        h2.alpn_offered.clear();
        assert!(http2_websocket_refused(&Facts::new(&r)).is_none());
        let (d, _) = crate::diagnose::diagnose(&r);
        assert_eq!(d.cause, Cause::Healthy, "{d:?}");
        assert_eq!(
            amended(&r),
            vec![Fact::Http2(Http2Fact::H2cStream {
                attempt: "http2".into(),
                upgraded: false
            })]
        );
        // Wording: an h2c line says no browser takes that path.
        assert!(
            d.evidence
                .iter()
                .any(|e| e.contains("h2c") && e.contains("fails") && e.contains("browsers never")),
            "{d:?}"
        );
        // A server that answers the preface in HTTP/1.1: said so, HTTP/1.1 not blamed.
        let h2 = r.http2.as_mut().expect("h2");
        h2.attempt = None;
        h2.extended_connect = None;
        let error = "the server answered the HTTP/2 connection preface in HTTP/1.x";
        h2.error = Some(error.into());
        let (d, _) = crate::diagnose::diagnose(&r);
        assert_eq!(d.cause, Cause::Healthy, "{d:?}");
        assert_eq!(
            amended(&r),
            vec![Fact::Http2(Http2Fact::H2cError {
                error: error.into()
            })]
        );
        // Speaking h2c without extended CONNECT, and no SETTINGS at all.
        let h2 = r.http2.as_mut().expect("h2");
        h2.error = None;
        h2.extended_connect = Some(false);
        assert_eq!(
            amended(&r),
            vec![Fact::Http2(Http2Fact::H2cNoExtendedConnect)]
        );
        r.http2.as_mut().expect("h2").extended_connect = None;
        assert_eq!(amended(&r), vec![Fact::Http2(Http2Fact::H2cNoSettings)]);
    }

    #[test]
    fn near_miss_not_advertised_or_accepted_or_http1_failing_is_not_this_cause() {
        // Not advertised: browsers use HTTP/1.1 here.
        let r = with_h2(false, None);
        assert!(http2_websocket_refused(&Facts::new(&r)).is_none());
        assert_eq!(crate::diagnose::diagnose(&r).0.cause, Cause::Healthy);
        // Advertised and the stream upgrades.
        let r = with_h2(true, Some(attempt("http2").upgraded()));
        assert!(http2_websocket_refused(&Facts::new(&r)).is_none());
        assert_eq!(crate::diagnose::diagnose(&r).0.cause, Cause::Healthy);
        // HTTP/1.1 itself fails: that failure is the verdict, not the HTTP/2 path.
        let mut r = with_h2(true, Some(attempt("http2").rejected(403, "")));
        r.attempts = vec![attempt("baseline").rejected(403, "")];
        assert!(http2_websocket_refused(&Facts::new(&r)).is_none());
    }
}
