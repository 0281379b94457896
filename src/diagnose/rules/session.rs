//! session rules: the baseline upgraded — it stayed open (healthy), or the server closed it
//! right after the 101, for the credential or for reasons of its own. Origin-dependent closes are
//! decided earlier by `matrix::origin_rejected`. With `--idle`, a baseline cut after a stretch of
//! silence without a close frame is an idle timeout, matched against `IDLE_DEFAULTS`.

use super::Verdict;
use crate::diagnose::cause::Cause;
use crate::diagnose::evidence::{
    answer, auth_close, ping_flood_of, responder_names, same_answer, Answer, Facts,
};
use crate::diagnose::fact::session::{CloseSays, Cut, SessionFact};
use crate::diagnose::fact::Fact;
use crate::model::ids;
use crate::model::{AttemptRecord, IdleRecord};

/// A known idle-timeout default: who has it, the setting, and its value in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IdleDefault {
    /// The component ("nginx", "AWS ALB").
    pub component: &'static str,
    /// The setting that governs it.
    pub setting: &'static str,
    /// The default, in seconds.
    pub secs: f64,
    /// What to change.
    pub fix: &'static str,
}

/// Known idle-timeout defaults of proxies and platforms in front of WebSocket servers (data).
pub const IDLE_DEFAULTS: &[IdleDefault] = &[
    IdleDefault {
        component: "nginx",
        setting: "proxy_read_timeout",
        secs: 60.0,
        fix: "set proxy_read_timeout (and proxy_send_timeout) ≥ 2× your ping interval",
    },
    IdleDefault {
        component: "AWS ALB",
        setting: "idle timeout",
        secs: 60.0,
        fix: "raise the load balancer attribute idle_timeout.timeout_seconds ≥ 2× your ping interval",
    },
    IdleDefault {
        component: "Heroku router",
        setting: "55 s idle timeout (not configurable)",
        secs: 55.0,
        fix: "send a ping or message more often than every 55 s",
    },
    IdleDefault {
        component: "HAProxy",
        setting: "timeout client/server (50 s in Debian's default haproxy.cfg; timeout tunnel overrides them once upgraded)",
        secs: 50.0,
        fix: "set timeout tunnel ≥ 2× your ping interval",
    },
    IdleDefault {
        component: "Cloudflare",
        setting: "100 s WebSocket idle timeout (not configurable on most plans)",
        secs: 100.0,
        fix: "send a ping or message more often than every 100 s",
    },
];

/// How far an observed lifetime may be from a default and still match it: 1 s or 2 %.
pub fn idle_tolerance_secs(default_secs: f64) -> f64 {
    (default_secs * 0.02).max(1.0)
}

/// The defaults an observed lifetime (seconds) matches.
pub fn matching_idle_defaults(lifetime_secs: f64) -> Vec<&'static IdleDefault> {
    IDLE_DEFAULTS
        .iter()
        .filter(|d| (lifetime_secs - d.secs).abs() <= idle_tolerance_secs(d.secs))
        .collect()
}

/// The idle-timeout setting of a fingerprinted proxy, for lifetimes that match no default.
fn configured_setting(responder: &str) -> Option<&'static str> {
    match responder {
        "nginx" => Some("proxy_read_timeout"),
        "HAProxy" => Some("timeout tunnel"),
        "Caddy" => Some("stream_timeout / the upstream's idle timeout"),
        "Envoy" => Some("idle_timeout / stream_idle_timeout"),
        "Traefik" => Some("respondingTimeouts.idleTimeout"),
        _ => None,
    }
}

/// Shortest connection life, after the 101, read as an idle timeout rather than a close at accept.
pub const MIN_IDLE_LIFETIME_MS: f64 = 1000.0;

/// `--idle`: the baseline upgraded, then was cut without a close frame (FIN or RST) after at least
/// `MIN_IDLE_LIFETIME_MS`, most of it in silence.
pub fn idle_timeout(f: &Facts) -> Option<Verdict> {
    let b = f.base()?;
    let idle: &IdleRecord = b.session.as_ref()?.idle.as_ref()?;
    if idle.ended != "fin" && idle.ended != "rst" {
        return None;
    }
    let lifetime_ms = idle.lifetime_ms?;
    let silent_ms = idle.silent_ms.unwrap_or(lifetime_ms);
    if lifetime_ms < MIN_IDLE_LIFETIME_MS {
        return None;
    }
    let cut = if idle.ended == "rst" {
        Cut::Rst
    } else {
        Cut::Fin
    };
    let lifetime = lifetime_ms / 1000.0;
    let silent = silent_ms / 1000.0;
    let matches = matching_idle_defaults(lifetime);
    let responders = responder_names(b);
    let mut v = Verdict::new(
        Cause::ProxyIdleTimeout,
        if matches.is_empty() { 0.75 } else { 0.85 },
        format!(
            "the connection was cut after {lifetime:.1} s, {silent:.1} s of it silent, without a close frame: an idle timeout on the path"
        ),
    )
    .because(Fact::cited(b));
    if matches.is_empty() {
        let check = responders
            .iter()
            .find_map(|r| configured_setting(r).map(|s| (*r, s)));
        v = v.because(SessionFact::NoIdleDefaultMatches {
            silent_s: silent,
            cut,
            check,
        });
    } else {
        for d in matches {
            v = v.because(SessionFact::MatchesIdleDefault {
                silent_s: silent,
                cut,
                default: d,
            });
        }
    }
    v = match idle.ping_interval_ms {
        Some(p) => v.because(SessionFact::PingsDidNotKeepAlive {
            interval_ms: p,
            sent: idle.pings_sent,
            pongs: idle.pongs_received,
        }),
        None => v.because(SessionFact::HeldSilent {
            pongs: idle.pongs_received,
        }),
    };
    let suggested = (lifetime_ms / 2000.0).max(0.1);
    if idle.ping_interval_ms.is_none() {
        v = v.next(format!(
            "rerun with --idle {:.0}s --ping-interval {suggested:.1}s: if it stays open, client pings more often than the timeout are a workaround",
            (lifetime * 2.0).ceil()
        ));
    }
    Some(v.or(
        Cause::ServerClosedAfterUpgrade,
        "an application that drops quiet connections without a close frame looks the same; --direct against the app tells them apart",
    ))
}

/// The baseline upgraded and stayed open through the close-wait.
pub fn healthy(f: &Facts) -> Option<Verdict> {
    let b = f.base()?;
    if !b.outcome.is_success() {
        return None;
    }
    let unwatched = b.session.as_ref().is_some_and(crate::wording::not_watched);
    if unwatched {
        // `--quick`: a valid 101, and nothing seen after it.
        return Some(
            Verdict::new(
                Cause::Healthy,
                0.8,
                "the WebSocket upgrade succeeded (a valid 101); the session after it was not watched",
            )
            .because(Fact::cited(b))
            .because(SessionFact::NotWatched)
            .next(format!(
                "wsdoctor {} without --quick watches the session and runs the variants",
                f.run.target
            )),
        );
    }
    let mut v = Verdict::new(
        Cause::Healthy,
        0.95,
        "the WebSocket upgrade succeeded and the connection stayed open",
    )
    .because(Fact::cited(b));
    if let Some(s) = &b.session {
        if let Some(rtt) = s.ping_rtt_ms {
            v = v.because(SessionFact::PingAnswered { rtt_ms: rtt });
        }
        v = v.because(SessionFact::WatchedWithoutClose { ms: s.watched_ms });
    }
    Some(v)
}

fn close_of(a: &AttemptRecord) -> Option<(Option<u16>, String)> {
    match answer(a) {
        Answer::Closed { code, reason } => Some((code, reason)),
        _ => None,
    }
}

/// 101, then pings at a flood rate (`limits::PING_FLOOD_RATE` over `PING_FLOOD_WINDOW` pings):
/// legal frames, so a browser opens the socket and answers every one of them, but no heartbeat
/// needs more than one every few seconds. The server's keepalive is misconfigured (an interval
/// in seconds read as milliseconds, a zero interval) or it is abusive.
pub fn ping_flood(f: &Facts) -> Option<Verdict> {
    let b = f.base()?;
    let (pings, per_second, after_ms) = ping_flood_of(b)?;
    let messages = b.session.as_ref().map_or(0, |s| s.messages_received);
    let flooded: Vec<&AttemptRecord> = f
        .run
        .attempts
        .iter()
        .filter(|a| !std::ptr::eq(*a, b) && ping_flood_of(a).is_some())
        .collect();
    let upgraded_others = f
        .run
        .attempts
        .iter()
        .filter(|a| !std::ptr::eq(*a, b) && a.outcome.status() == Some(101))
        .count();
    let mut v = Verdict::new(
        Cause::ServerPingFlood,
        0.9,
        format!(
            "the server accepts the upgrade, then floods the connection with pings: {per_second:.0} per second"
        ),
    )
    .because(Fact::cited(b))
    .because(SessionFact::PingFlood {
        pings,
        after_ms,
        messages,
    });
    if upgraded_others > 0 {
        v = v.because(SessionFact::OthersFlooded {
            flooded: flooded.len(),
            upgraded: upgraded_others,
        });
    }
    Some(
        v.next("check the server's heartbeat setting: an interval given in milliseconds where seconds are meant (or 0) sends pings back to back; --direct against the app shows whether it or a proxy sends them"),
    )
}

/// 101, then a close that is about the credential: an auth close code/reason (4001, 4401, 4403,
/// 3000, 3003, or a reason naming auth/token/ticket), or a close that changes when only the
/// credential changes. Without a credential this is `auth.missing_credentials`.
pub fn auth_closed_after_upgrade(f: &Facts) -> Option<Verdict> {
    let b = f.base()?;
    let (code, reason) = close_of(b)?;
    let cred_variants: Vec<&AttemptRecord> = [ids::CREDENTIAL_NONE, ids::CREDENTIAL_WRONG]
        .iter()
        .filter_map(|id| f.get(id))
        .collect();
    // Only a credential variant that was upgraded too can show a close that follows the
    // credential. One refused over HTTP (401 before any 101) shows that the server judges the
    // credential at the handshake, which the baseline's passed: its close comes later, for
    // another reason (its code and reason may still say auth).
    let differs: Vec<&AttemptRecord> = cred_variants
        .iter()
        .copied()
        .filter(|a| !same_answer(a, b) && a.outcome.status() == Some(101))
        .collect();
    let says_auth = auth_close(code, &reason);
    // 1008 (policy violation) is what many servers send for both a bad Origin and a missing
    // credential; the Origin rule ran first, so without a credential it is read as auth.
    let policy_without_credential = code == Some(1008) && !f.run.credential_given;
    if !says_auth && differs.is_empty() && !policy_without_credential {
        return None;
    }
    if !f.run.credential_given {
        let conf = if says_auth { 0.8 } else { 0.6 };
        return Some(
            Verdict::new(
                Cause::AuthMissingCredentials,
                conf,
                "the server accepts the upgrade, then closes it because no credential was sent",
            )
            .because(Fact::cited(b))
            .because(SessionFact::NoCredentialGiven {
                close: if says_auth {
                    CloseSays::Auth
                } else {
                    CloseSays::Policy
                },
            })
            .or(
                Cause::ServerClosedAfterUpgrade,
                "a server that closes every connection right after accept looks the same",
            )
            .next("pass --token (with --auth header|query|cookie|subprotocol) to send the credential your client uses"),
        );
    }
    let mut v = Verdict::new(
        Cause::AuthClosedAfterUpgrade,
        if says_auth { 0.8 } else { 0.7 },
        "the server accepts the upgrade, then closes the connection over the credential",
    )
    .because(Fact::cited(b));
    for a in &cred_variants {
        v = v.because(Fact::cited(a));
    }
    if !differs.is_empty() {
        v = v.because(SessionFact::CloseFollowsCredential);
    }
    Some(
        v.or(
            Cause::AuthCredentialsRejected,
            "the same verdict as a refusal, delivered after the 101: check the token's validity",
        )
        .next("check the token's expiry and audience, and whether the server expects it in another place (--auth query|cookie|subprotocol)"),
    )
}

/// 101, then a close that does not depend on the credential or the Origin.
pub fn server_closed_after_upgrade(f: &Facts) -> Option<Verdict> {
    let b = f.base()?;
    let (code, _) = close_of(b)?;
    let compared: Vec<&AttemptRecord> =
        f.public("credential.").chain(f.public("origin.")).collect();
    let all_same = !compared.is_empty() && compared.iter().all(|a| same_answer(a, b));
    // RFC 6455 §7.4.1 / the IANA registry: 1011 is the server's internal error, 1012 a restart,
    // 1013 "try again later" (overloaded) — the server says why, and it is not a timeout.
    let summary = match code {
        Some(1011) => "the server accepts the upgrade, then fails inside its handler: close 1011 (internal error), whatever the credential or Origin",
        Some(1012) => "the server accepts the upgrade, then closes with 1012: it is restarting",
        Some(1013) => "the server accepts the upgrade, then closes with 1013 (try again later): it is overloaded or a dependency is down",
        _ => "the server accepts the upgrade, then closes the connection whatever the credential or Origin",
    };
    let mut v = Verdict::new(
        Cause::ServerClosedAfterUpgrade,
        if all_same { 0.8 } else { 0.65 },
        summary,
    )
    .because(Fact::cited(b));
    if code == Some(1011) {
        v = v.because(SessionFact::InternalError);
    }
    if all_same {
        v = v.because(SessionFact::ClosesAlike {
            count: compared.len(),
        });
    }
    if code == Some(1011) {
        v = v.next("read the server's log at the time of the probe: the exception that ended the handler is there");
    } else if !f.run.credential_given {
        v = v
            .or(
                Cause::AuthMissingCredentials,
                "a server that closes unauthenticated sockets without saying why looks the same",
            )
            .next("pass --token to see whether an authenticated connection stays open");
    } else {
        v = v.next("read the server log for the close; a handler that returns or raises right after accept closes like this");
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::rules::testkit::*;
    use crate::model::{Run, SessionEnd, SessionRecord};

    fn idle_run(ended: &str, lifetime_ms: Option<f64>, ping_ms: Option<f64>) -> Run {
        let mut b = if ended == "still_open" {
            attempt("baseline").upgraded()
        } else {
            attempt("baseline").dropped()
        };
        b.session = Some(SessionRecord {
            accept_valid: true,
            subprotocol: None,
            extensions: None,
            ping_rtt_ms: Some(1.0),
            watched_ms: lifetime_ms.unwrap_or(5000.0),
            end: SessionEnd::StillOpen,
            messages_received: 0,
            pings_received: 0,
            exchange: None,
            idle: Some(IdleRecord {
                requested_ms: 120_000.0,
                ping_interval_ms: ping_ms,
                pings_sent: 1,
                pongs_received: 1,
                ended: ended.into(),
                lifetime_ms,
                silent_ms: lifetime_ms.map(|l| l - 1.0),
            }),
        });
        run(vec![b, attempt("credential.none").upgraded()])
            .cred()
            .build()
    }

    #[test]
    fn idle_cut_at_60_s_names_nginx_and_alb_defaults() {
        let r = idle_run("fin", Some(60_050.0), None);
        let v = idle_timeout(&Facts::new(&r)).unwrap();
        assert_eq!(v.cause, Cause::ProxyIdleTimeout);
        assert!(v.confidence >= 0.85);
        let matched: Vec<&str> = v
            .evidence
            .iter()
            .filter_map(|e| match e {
                Fact::Session(SessionFact::MatchesIdleDefault {
                    silent_s,
                    cut: Cut::Fin,
                    default,
                }) if (silent_s - 60.049).abs() < 1e-9 => Some(default.component),
                _ => None,
            })
            .collect();
        assert_eq!(matched, vec!["nginx", "AWS ALB"], "{:?}", v.evidence);
        assert!(v
            .evidence
            .contains(&Fact::Session(SessionFact::HeldSilent { pongs: 1 })));
        assert!(v.next_step.is_some_and(|n| n.contains("--ping-interval")));
    }

    #[test]
    fn idle_defaults_match_within_tolerance_only() {
        let names = |s: f64| -> Vec<&str> {
            matching_idle_defaults(s)
                .iter()
                .map(|d| d.component)
                .collect()
        };
        assert_eq!(names(100.4), vec!["Cloudflare"]);
        assert_eq!(names(55.2), vec!["Heroku router"]);
        assert_eq!(names(50.0), vec!["HAProxy"]);
        assert!(names(57.5).is_empty());
        assert!(names(2.0).is_empty());
    }

    #[test]
    fn idle_cut_matching_no_default_is_still_an_idle_timeout_with_lower_confidence() {
        let r = idle_run("rst", Some(2_010.0), Some(500.0));
        let v = idle_timeout(&Facts::new(&r)).unwrap();
        assert_eq!(v.cause, Cause::ProxyIdleTimeout);
        assert!(v.confidence < 0.85);
        assert!(
            v.evidence.iter().any(|e| matches!(
                e,
                Fact::Session(SessionFact::NoIdleDefaultMatches {
                    cut: Cut::Rst,
                    check: None,
                    ..
                })
            )),
            "{:?}",
            v.evidence
        );
        assert!(v
            .evidence
            .contains(&Fact::Session(SessionFact::PingsDidNotKeepAlive {
                interval_ms: 500.0,
                sent: 1,
                pongs: 1,
            })));
    }

    #[test]
    fn near_miss_no_idle_timeout_when_open_closed_cleanly_early_or_not_idle_watched() {
        assert!(idle_timeout(&Facts::new(&idle_run("still_open", None, None))).is_none());
        assert!(
            idle_timeout(&Facts::new(&idle_run("close_frame", Some(60_000.0), None))).is_none()
        );
        assert!(idle_timeout(&Facts::new(&idle_run("fin", Some(300.0), None))).is_none());
        let plain = run(vec![attempt("baseline").dropped()]).build();
        assert!(idle_timeout(&Facts::new(&plain)).is_none());
    }

    #[test]
    fn healthy_only_when_the_baseline_stays_open() {
        let r = run(vec![attempt("baseline").upgraded()]).build();
        assert_eq!(
            healthy(&Facts::new(&r)).map(|v| v.cause),
            Some(Cause::Healthy)
        );
        let closed = run(vec![attempt("baseline").closed(1000, "")]).build();
        assert!(healthy(&Facts::new(&closed)).is_none());
    }

    fn session(watched_ms: f64) -> SessionRecord {
        SessionRecord {
            accept_valid: true,
            subprotocol: None,
            extensions: None,
            ping_rtt_ms: None,
            watched_ms,
            end: SessionEnd::StillOpen,
            messages_received: 0,
            pings_received: 0,
            exchange: None,
            idle: None,
        }
    }

    fn flooded(id: &str, per_second: f64) -> AttemptRecord {
        let mut a = attempt(id).upgraded();
        a.session = Some(SessionRecord {
            end: SessionEnd::PingFlood {
                pings: 20,
                per_second,
                after_ms: 600.0,
            },
            pings_received: 20,
            ..session(600.0)
        });
        a
    }

    #[test]
    fn a_ping_flood_on_the_baseline_is_the_servers_fault_and_not_healthy() {
        let r = run(vec![
            flooded("baseline", 33.3),
            flooded("origin.foreign", 34.0),
            attempt("credential.none").rejected(401, "Missing token"),
        ])
        .cred()
        .build();
        let v = ping_flood(&Facts::new(&r)).expect("a flood");
        assert_eq!(v.cause, Cause::ServerPingFlood);
        assert!(v.summary.contains("33 per second"), "{}", v.summary);
        assert!(v.evidence.contains(&Fact::Session(SessionFact::PingFlood {
            pings: 20,
            after_ms: 600.0,
            messages: 0,
        })));
        assert!(v
            .evidence
            .contains(&Fact::Session(SessionFact::OthersFlooded {
                flooded: 1,
                upgraded: 1,
            })));
        // The engine: healthy is proposed too, and the flooded baseline contradicts it.
        let (d, _) = crate::diagnose::diagnose(&r);
        assert_eq!(d.cause, Cause::ServerPingFlood);
        let healthy = d
            .considered
            .iter()
            .find(|c| c.cause == Cause::Healthy)
            .expect("healthy considered");
        assert!(!healthy.contradicted.is_empty(), "{healthy:?}");
    }

    #[test]
    fn near_miss_counted_pings_without_a_flood_stay_healthy() {
        let mut b = attempt("baseline").upgraded();
        b.session = Some(SessionRecord {
            pings_received: 8,
            ..session(2000.0)
        });
        let r = run(vec![b]).build();
        assert!(ping_flood(&Facts::new(&r)).is_none());
        assert_eq!(crate::diagnose::diagnose(&r).0.cause, Cause::Healthy);
    }

    #[test]
    fn a_quick_run_is_healthy_without_claiming_the_session_stayed_open() {
        let mut b = attempt("baseline").upgraded();
        b.session = Some(session(0.0));
        let r = run(vec![b.clone()]).build();
        let v = healthy(&Facts::new(&r)).expect("healthy");
        assert!(v.summary.contains("not watched"), "{}", v.summary);
        assert!(!v.summary.contains("stayed open"), "{}", v.summary);
        assert!(v.evidence.contains(&Fact::Session(SessionFact::NotWatched)));
        assert!(
            !v.evidence
                .iter()
                .any(|e| matches!(e, Fact::Session(SessionFact::WatchedWithoutClose { .. }))),
            "{:?}",
            v.evidence
        );
        b.session = Some(session(800.0));
        let r = run(vec![b]).build();
        let v = healthy(&Facts::new(&r)).expect("healthy");
        assert!(v.summary.contains("stayed open"), "{v:?}");
        assert!(
            v.evidence
                .contains(&Fact::Session(SessionFact::WatchedWithoutClose {
                    ms: 800.0
                })),
            "{v:?}"
        );
    }

    #[test]
    fn a_1011_close_is_named_the_servers_internal_error() {
        let r = run(vec![
            attempt("baseline").closed(1011, "internal error"),
            attempt("credential.none").closed(1011, "internal error"),
            attempt("origin.none").closed(1011, "internal error"),
        ])
        .build();
        let v = server_closed_after_upgrade(&Facts::new(&r)).expect("a verdict");
        assert!(v.summary.contains("1011 (internal error)"), "{v:?}");
        assert!(v
            .evidence
            .contains(&Fact::Session(SessionFact::InternalError)));
        assert!(v
            .evidence
            .contains(&Fact::Session(SessionFact::ClosesAlike { count: 2 })));
        assert!(
            v.next_step.as_deref().is_some_and(|s| s.contains("log")),
            "{v:?}"
        );
        let (d, _) = crate::diagnose::diagnose(&r);
        assert!(
            d.snippets.iter().all(|s| !s.code.contains("timeout")),
            "no timeout fix for an internal error: {:?}",
            d.snippets
        );
    }

    #[test]
    fn near_miss_a_close_after_the_handshake_judged_the_credential_is_not_about_it() {
        // Without or with a wrong token: 401 before any 101. With the real one: 101, then 1011.
        let r = run(vec![
            attempt("baseline").closed(1011, "internal error"),
            attempt("credential.none").rejected(401, "Missing token"),
            attempt("credential.wrong").rejected(401, "Invalid token"),
        ])
        .cred()
        .build();
        assert!(auth_closed_after_upgrade(&Facts::new(&r)).is_none());
        assert_eq!(
            crate::diagnose::diagnose(&r).0.cause,
            Cause::ServerClosedAfterUpgrade
        );
    }

    #[test]
    fn auth_close_with_credential_is_closed_after_upgrade() {
        let r = run(vec![
            attempt("baseline").closed(4401, "invalid token"),
            attempt("credential.none").closed(4401, "missing token"),
            attempt("credential.wrong").closed(4401, "invalid token"),
        ])
        .cred()
        .build();
        let v = auth_closed_after_upgrade(&Facts::new(&r)).expect("a verdict");
        assert_eq!(v.cause, Cause::AuthClosedAfterUpgrade);
        let cited: Vec<&str> = v.evidence.iter().flat_map(|e| e.attempts()).collect();
        assert_eq!(
            cited,
            vec!["baseline", "credential.none", "credential.wrong"]
        );
        assert!(v
            .evidence
            .contains(&Fact::Session(SessionFact::CloseFollowsCredential)));
    }

    #[test]
    fn auth_close_without_credential_is_missing_credentials() {
        let r = run(no_cred(vec![
            attempt("baseline").closed(1008, "authentication required")
        ]))
        .build();
        let v = auth_closed_after_upgrade(&Facts::new(&r)).expect("a verdict");
        assert_eq!(v.cause, Cause::AuthMissingCredentials);
        assert!(v
            .evidence
            .contains(&Fact::Session(SessionFact::NoCredentialGiven {
                close: CloseSays::Auth
            })));
    }

    #[test]
    fn policy_close_without_credential_is_read_as_missing_credentials() {
        let r = run(no_cred(vec![attempt("baseline").closed(1008, "")])).build();
        let v = auth_closed_after_upgrade(&Facts::new(&r)).expect("a verdict");
        assert!(v.cause == Cause::AuthMissingCredentials && v.confidence < 0.7);
        assert!(v
            .evidence
            .contains(&Fact::Session(SessionFact::NoCredentialGiven {
                close: CloseSays::Policy
            })));
    }

    #[test]
    fn near_miss_a_plain_close_the_credential_does_not_change_is_the_servers() {
        let r = run(vec![
            attempt("baseline").closed(1011, "internal error"),
            attempt("credential.none").closed(1011, "internal error"),
            attempt("credential.wrong").closed(1011, "internal error"),
            attempt("origin.foreign").closed(1011, "internal error"),
        ])
        .cred()
        .build();
        assert!(auth_closed_after_upgrade(&Facts::new(&r)).is_none());
        let v = server_closed_after_upgrade(&Facts::new(&r));
        assert_eq!(
            v.as_ref().map(|v| v.cause),
            Some(Cause::ServerClosedAfterUpgrade)
        );
        assert!(v.is_some_and(|v| v.confidence >= 0.8));
    }
}
