//! The facts of a session after the 101 (closes, pings, the idle hold): `rules::session`, and their words.

use crate::diagnose::evidence::Facts;
use crate::diagnose::rules::session::{IdleDefault, IDLE_DEFAULTS};

/// How a connection was cut without a close frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// A FIN.
    Fin,
    /// An RST.
    Rst,
}

impl Cut {
    fn name(self) -> &'static str {
        match self {
            Cut::Fin => "FIN",
            Cut::Rst => "RST",
        }
    }
}

/// What the close of an unauthenticated session says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseSays {
    /// The close code or reason names authentication.
    Auth,
    /// 1008 (policy violation), without naming authentication.
    Policy,
}

/// A fact of a session after the 101 (closes, pings, the idle hold): `rules::session`.
#[derive(Debug, Clone, PartialEq)]
pub enum SessionFact {
    /// `--idle`: cut after `silent_s` of silence, matching none of `IDLE_DEFAULTS`; `check` is the
    /// fingerprinted proxy the 101 came through and its idle setting.
    NoIdleDefaultMatches {
        /// Seconds of silence before the cut.
        silent_s: f64,
        /// How it was cut.
        cut: Cut,
        /// (responder, its idle-timeout setting).
        check: Option<(&'static str, &'static str)>,
    },
    /// `--idle`: cut after `silent_s` of silence, matching this known default.
    MatchesIdleDefault {
        /// Seconds of silence before the cut.
        silent_s: f64,
        /// How it was cut.
        cut: Cut,
        /// The default it matches.
        default: &'static IdleDefault,
    },
    /// `--idle --ping-interval`: the pings did not keep it alive.
    PingsDidNotKeepAlive {
        /// The ping interval, ms.
        interval_ms: f64,
        /// Pings sent.
        sent: u32,
        /// Pongs received.
        pongs: u32,
    },
    /// `--idle` without `--ping-interval`: held silent after one ping.
    HeldSilent {
        /// Pongs received.
        pongs: u32,
    },
    /// `--quick`: the session after the 101 was not watched.
    NotWatched,
    /// The ping was answered.
    PingAnswered {
        /// Its round trip, ms.
        rtt_ms: f64,
    },
    /// The session was watched without a close.
    WatchedWithoutClose {
        /// For how long, ms.
        ms: f64,
    },
    /// The pings of a flood, counted after the 101.
    PingFlood {
        /// Pings counted.
        pings: u32,
        /// Over this long after the 101, ms.
        after_ms: f64,
        /// Data messages received.
        messages: u32,
    },
    /// Of the other upgraded attempts, this many were flooded too.
    OthersFlooded {
        /// Flooded.
        flooded: usize,
        /// Upgraded (besides the baseline).
        upgraded: usize,
    },
    /// No credential was given to wsdoctor, and the close says this.
    NoCredentialGiven {
        /// What the close says.
        close: CloseSays,
    },
    /// The close changes when only the credential changes.
    CloseFollowsCredential,
    /// 1011: the server's own internal error.
    InternalError,
    /// `count` variants that change only the credential or the Origin close the same way.
    ClosesAlike {
        /// How many.
        count: usize,
    },
}

impl From<SessionFact> for super::Fact {
    fn from(x: SessionFact) -> super::Fact {
        super::Fact::Session(x)
    }
}

impl SessionFact {
    /// The evidence line.
    pub fn words(&self, _f: &Facts) -> String {
        match self {
            SessionFact::NoIdleDefaultMatches {
                silent_s,
                cut,
                check,
            } => {
                let known = IDLE_DEFAULTS
                    .iter()
                    .map(|d| format!("{} {:.0} s", d.component, d.secs))
                    .collect::<Vec<_>>()
                    .join(", ");
                let mut line = format!(
                    "closed after {silent_s:.1} s of silence with no close frame ({}): no known default matches ({known}), so a configured idle timeout is the likely cause",
                    cut.name()
                );
                if let Some((name, setting)) = check {
                    line.push_str(&format!(
                        "; the 101 came through {name}: check its {setting}"
                    ));
                }
                line
            }
            SessionFact::MatchesIdleDefault {
                silent_s,
                cut,
                default: d,
            } => format!(
                "closed after {silent_s:.1} s of silence with no close frame ({}): matches {} {} default ({:.0} s); {}",
                cut.name(),
                d.component,
                d.setting,
                d.secs,
                d.fix
            ),
            SessionFact::PingsDidNotKeepAlive {
                interval_ms,
                sent,
                pongs,
            } => format!(
                "pings every {:.1} s ({sent} sent, {pongs} pongs) did not keep it alive: the timeout does not count pings, or they do not reach it",
                interval_ms / 1000.0
            ),
            SessionFact::HeldSilent { pongs } => format!(
                "held silent (one ping at the start, {pongs} pong): rerun with --ping-interval to see whether pings keep it open"
            ),
            SessionFact::NotWatched => {
                "not watched (--quick): a close right after the 101 would not have been seen"
                    .to_string()
            }
            SessionFact::PingAnswered { rtt_ms } => format!("ping answered in {rtt_ms:.1} ms"),
            SessionFact::WatchedWithoutClose { ms } => {
                format!("watched {ms:.0} ms without a close")
            }
            SessionFact::PingFlood {
                pings,
                after_ms,
                messages,
            } => format!(
                "{pings} pings in the first {after_ms:.0} ms after the 101 and {messages} data message{}; a heartbeat needs one every few seconds, and a browser answers every ping with a pong",
                if *messages == 1 { "" } else { "s" }
            ),
            SessionFact::OthersFlooded { flooded, upgraded } => format!(
                "{flooded} of {upgraded} other upgraded attempts were flooded the same way"
            ),
            SessionFact::NoCredentialGiven { close } => match close {
                CloseSays::Auth => {
                    "no credential was given to wsdoctor, and the close names authentication"
                }
                CloseSays::Policy => {
                    "no credential was given to wsdoctor, and the server closes with 1008 (policy violation)"
                }
            }
            .to_string(),
            SessionFact::CloseFollowsCredential => {
                "the close changes when only the credential changes".to_string()
            }
            SessionFact::InternalError => "1011 is the server's own internal error (an exception in the handler after accept): its log has the traceback".to_string(),
            SessionFact::ClosesAlike { count } => format!(
                "{} that {} only the credential or the Origin {} the same way",
                crate::wording::count(*count, "variant", "variants"),
                if *count == 1 { "changes" } else { "change" },
                if *count == 1 { "closes" } else { "close" }
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::rules::testkit::*;

    #[test]
    fn an_idle_cut_that_matches_no_default_names_the_proxys_setting_only_when_one_is_known() {
        let r = run(vec![attempt("baseline").dropped()]).build();
        let f = Facts::new(&r);
        let plain = SessionFact::NoIdleDefaultMatches {
            silent_s: 2.0,
            cut: Cut::Rst,
            check: None,
        }
        .words(&f);
        assert!(plain.starts_with("closed after 2.0 s of silence with no close frame (RST): no known default matches (nginx 60 s, AWS ALB 60 s, "), "{plain}");
        assert!(plain.ends_with("likely cause"), "{plain}");
        let through = SessionFact::NoIdleDefaultMatches {
            silent_s: 2.0,
            cut: Cut::Fin,
            check: Some(("HAProxy", "timeout tunnel")),
        }
        .words(&f);
        assert!(
            through.ends_with("; the 101 came through HAProxy: check its timeout tunnel"),
            "{through}"
        );
    }

    #[test]
    fn pings_that_did_not_keep_the_session_alive_are_counted_in_seconds() {
        // Wording test: no replayed run holds --ping-interval, so the line is pinned here.
        let r = run(vec![attempt("baseline").dropped()]).build();
        let line = SessionFact::PingsDidNotKeepAlive {
            interval_ms: 500.0,
            sent: 4,
            pongs: 3,
        }
        .words(&Facts::new(&r));
        assert_eq!(line, "pings every 0.5 s (4 sent, 3 pongs) did not keep it alive: the timeout does not count pings, or they do not reach it");
    }
}
