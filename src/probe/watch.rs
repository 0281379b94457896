//! probe::watch: the session stage after a 101: the handshake checks, the close-wait watch, the
//! ping round trip and the `--idle` watch, as records.

use super::*;

pub(crate) async fn session_stage(
    spec: &AttemptSpec,
    ctx: &ProbeContext,
    rec: &mut AttemptRecord,
    io: BoxedIo,
    ex: upgrade::Exchange,
) -> Outcome {
    let redactor = &ctx.redactor;
    let upgraded_at = Instant::now();
    let t = upgraded_at;
    let check = session::check_handshake(&spec.headers, &ex.head);
    let subprotocol = check.subprotocol.as_deref().map(|s| redactor.text(s));
    let extensions = check.extensions.as_deref().map(|s| redactor.text(s));
    if let Some((class, detail)) = check.violation {
        rec.session = Some(SessionRecord {
            accept_valid: check.accept_valid,
            subprotocol,
            extensions,
            ping_rtt_ms: None,
            watched_ms: 0.0,
            end: SessionEnd::ProtocolError {
                detail: detail.clone(),
                after_ms: 0.0,
            },
            messages_received: 0,
            pings_received: 0,
            exchange: None,
            idle: None,
        });
        push_stage(rec, Stage::Session, t, detail.clone(), Some(class));
        return Outcome::ProtocolViolation {
            error: class.to_string(),
            detail,
        };
    }
    let negotiated = Negotiated {
        accept_valid: check.accept_valid,
        subprotocol: check.subprotocol.clone(),
        extensions: check.extensions.clone(),
    };
    watch_upgraded(spec, ctx, rec, io, ex.leftover, negotiated).await
}

/// What the handshake settled, as the session record shows it (unredacted here).
pub(crate) struct Negotiated {
    /// The accept key checked out (always true on the HTTP/2 path, which has none).
    pub accept_valid: bool,
    /// The selected subprotocol.
    pub subprotocol: Option<String>,
    /// The agreed extensions.
    pub extensions: Option<String>,
}

/// Watches an upgraded connection (an HTTP/1.1 101 or an HTTP/2 extended CONNECT stream) for
/// the close-wait, or the `--idle` watch on the baseline, and records the session.
pub(crate) async fn watch_upgraded(
    spec: &AttemptSpec,
    ctx: &ProbeContext,
    rec: &mut AttemptRecord,
    io: BoxedIo,
    leftover: Vec<u8>,
    negotiated: Negotiated,
) -> Outcome {
    let redactor = &ctx.redactor;
    let upgraded_at = Instant::now();
    let t = upgraded_at;
    let subprotocol = negotiated.subprotocol.as_deref().map(|s| redactor.text(s));
    let extensions = negotiated.extensions.as_deref().map(|s| redactor.text(s));
    let idle = ctx.idle.filter(|_| spec.variant.id == ids::BASELINE);
    let plan = match idle {
        Some(i) => session::WatchPlan {
            duration: i.duration,
            ping_interval: i.ping_interval,
            // Progress is the watcher's to show (events below), never printed from the probe.
            deflate: false,
        },
        None => session::WatchPlan::close_wait(ctx.close_wait),
    };
    let plan = session::WatchPlan {
        deflate: negotiated
            .extensions
            .as_deref()
            .is_some_and(|e| e.to_ascii_lowercase().contains("permessage-deflate")),
        ..plan
    };
    let waiting_for = match idle {
        Some(i) => format!(
            "the end of the --idle {} hold (or the server's close)",
            humantime::format_duration(i.duration)
        ),
        None => format!(
            "a close within the close-wait ({})",
            humantime::format_duration(ctx.close_wait)
        ),
    };
    ctx.events.stage_started(
        rec,
        Stage::Session,
        waiting_for,
        ctx.deadline.min(upgraded_at + plan.duration),
    );
    // The application conversation runs on the baseline only: the variants stay handshakes.
    let conversation = ctx
        .conversation
        .as_ref()
        .filter(|_| spec.variant.id == ids::BASELINE);
    let w = session::watch(
        io,
        leftover,
        upgraded_at,
        plan,
        conversation,
        ctx.deadline,
        redactor,
    )
    .instrument(tracing::debug_span!("session"))
    .await;
    rec.session = Some(SessionRecord {
        accept_valid: negotiated.accept_valid,
        subprotocol: subprotocol.clone(),
        extensions,
        ping_rtt_ms: w.ping_rtt_ms,
        watched_ms: w.watched_ms,
        end: w.end.clone(),
        messages_received: w.messages,
        pings_received: w.pings_received,
        exchange: w.exchange.clone(),
        idle: idle.map(|i| idle_record(i, &w)),
    });
    match w.end {
        SessionEnd::StillOpen => {
            let mut summary = if ctx.close_wait.is_zero() && w.exchange.is_none() {
                "accept key ok · not watched (--quick)".to_string()
            } else {
                format!("open after {:.0} ms", w.watched_ms)
            };
            if let Some(rtt) = w.ping_rtt_ms {
                summary.push_str(&format!(" · ping {rtt:.1} ms"));
            }
            if let Some(x) = &w.exchange {
                summary.push_str(&exchange_summary(x));
            }
            if w.stopped_at_compressed {
                summary.push_str(
                    " · watch stopped at a compressed (permessage-deflate) message, which wsdoctor does not decode",
                );
            }
            if w.frame_limit_hit {
                summary.push_str(&format!(
                    " · watch ended at the {} frame limit",
                    limits::MAX_FRAMES_WATCHED
                ));
            }
            if w.cut_by_deadline {
                summary.push_str(" · watch cut short by --timeout");
            }
            push_stage(rec, Stage::Session, t, summary, None);
            Outcome::Upgraded { subprotocol }
        }
        SessionEnd::CloseFrame {
            code,
            reason,
            after_ms,
        } => {
            let shown_code = code
                .map(|c| c.to_string())
                .unwrap_or_else(|| "(no code)".into());
            push_stage(
                rec,
                Stage::Session,
                t,
                format!("{shown_code} {reason} after {after_ms:.0} ms").replace("  ", " "),
                Some("closed"),
            );
            Outcome::UpgradedThenClosed {
                close_code: code,
                close_reason: if reason.is_empty() {
                    None
                } else {
                    Some(reason)
                },
                after_ms,
                clean: true,
            }
        }
        SessionEnd::Dropped { how, after_ms } => {
            push_stage(
                rec,
                Stage::Session,
                t,
                format!("connection dropped ({how}) after {after_ms:.0} ms without a close frame"),
                Some("dropped"),
            );
            Outcome::UpgradedThenClosed {
                close_code: None,
                close_reason: None,
                after_ms,
                clean: false,
            }
        }
        SessionEnd::PingFlood {
            pings,
            per_second,
            after_ms,
        } => {
            // Legal frames, so a browser opens this connection and answers every ping: the
            // attempt upgraded, and the session stage records the flood that ended the watch.
            push_stage(
                rec,
                Stage::Session,
                t,
                format!(
                    "{pings} pings in {after_ms:.0} ms ({per_second:.0}/s), {} data message{}: watch stopped",
                    w.messages,
                    if w.messages == 1 { "" } else { "s" }
                ),
                Some("ping_flood"),
            );
            Outcome::Upgraded { subprotocol }
        }
        SessionEnd::ProtocolError { detail, .. } => {
            let detail = format!("invalid WebSocket frames after the 101: {detail}");
            push_stage(
                rec,
                Stage::Session,
                t,
                detail.clone(),
                Some("protocol_error"),
            );
            Outcome::ProtocolViolation {
                // The contract has no separate id for framing errors: the bytes after the head
                // are part of the malformed response.
                error: "malformed_response".into(),
                detail,
            }
        }
    }
}

/// The idle record of a watch held with `--idle`.
pub(crate) fn idle_record(i: IdleWatch, w: &session::Watch) -> IdleRecord {
    let (ended, lifetime_ms) = match &w.end {
        SessionEnd::StillOpen => ("still_open", None),
        SessionEnd::CloseFrame { after_ms, .. } => ("close_frame", Some(*after_ms)),
        SessionEnd::Dropped { how, after_ms } => {
            (if how == "reset" { "rst" } else { "fin" }, Some(*after_ms))
        }
        SessionEnd::ProtocolError { after_ms, .. } => ("protocol_error", Some(*after_ms)),
        SessionEnd::PingFlood { after_ms, .. } => ("ping_flood", Some(*after_ms)),
    };
    IdleRecord {
        requested_ms: i.duration.as_secs_f64() * 1000.0,
        ping_interval_ms: i.ping_interval.map(|p| p.as_secs_f64() * 1000.0),
        pings_sent: w.pings_sent,
        pongs_received: w.pongs_received,
        ended: ended.to_string(),
        lifetime_ms,
        silent_ms: lifetime_ms.map(|l| (l - w.last_activity_ms).max(0.0)),
    }
}

/// The exchange on the session line: " · sent 1 · reply matched after 3 ms (message 2 of 2)".
fn exchange_summary(x: &crate::model::ExchangeRecord) -> String {
    let mut out = format!(" · sent {}", x.sent.len());
    match (&x.expect_reply, &x.matched) {
        (Some(_), Some(m)) => out.push_str(&format!(
            " · reply matched after {:.0} ms (message {} of {})",
            m.message.after_ms, m.index, x.received_total
        )),
        (Some(_), None) => out.push_str(&format!(
            " · no reply matched in {:.0} ms ({} message{} received)",
            x.reply_timeout_ms,
            x.received_total,
            if x.received_total == 1 { "" } else { "s" }
        )),
        (None, _) => out.push_str(&format!(" · {} received", x.received_total)),
    }
    if let Some(e) = &x.ended {
        out.push_str(&format!(" · then {}", crate::wording::conversation_end(e)));
    }
    out
}
