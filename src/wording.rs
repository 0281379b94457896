//! wording: how an outcome reads in one line, and the text hygiene every printed string goes
//! through (control characters made harmless, shortening, milliseconds for people). One module
//! for the words, used by the renderers and by `check`'s expectation messages, so the same
//! answer never reads two ways. Pure: no I/O.

use crate::model::{AttemptRecord, FailureClass, Http2Record, Outcome, Stage};

/// The other-scheme control (`control.other_scheme`) in one line: which protocol the same port
/// speaks, then what the request got there.
pub fn other_scheme_line(a: &AttemptRecord) -> String {
    let tls = a
        .tls
        .as_ref()
        .filter(|t| t.version.is_some() || !t.chain.is_empty());
    let spoke = match (a.url.starts_with("wss://"), tls) {
        (true, Some(t)) => match (&t.version, t.chain.first()) {
            (Some(v), _) => format!("speaks TLS ({v})"),
            (None, Some(leaf)) => format!("speaks TLS (certificate {})", printable(&leaf.subject)),
            (None, None) => "speaks TLS".to_string(),
        },
        (true, None) => "no TLS handshake".to_string(),
        (false, _) if a.outcome.status().is_some() => "speaks plain HTTP".to_string(),
        (false, _) => "no plaintext answer".to_string(),
    };
    format!(
        "{} → {spoke} · {}",
        printable(&a.variant.label),
        outcome_line(&a.outcome)
    )
}

/// The HTTP/2 path (RFC 8441) in one line, and whether it is a failure browsers meet.
pub fn http2_line(h: &Http2Record) -> (bool, String) {
    if let Some(e) = &h.error {
        return (false, printable(e));
    }
    if h.prior_knowledge {
        return h2c_line(h);
    }
    match (h.alpn.as_deref(), h.extended_connect, h.attempt.as_deref()) {
        (Some("h2"), Some(true), Some(a)) => {
            let failed = !a.outcome.is_success();
            let got = match &a.outcome {
                Outcome::Upgraded { .. } => match a.session.as_ref() {
                    Some(s) if s.watched_ms > 0.0 => {
                        format!(":status 200 · open after {:.0} ms", s.watched_ms)
                    }
                    _ => ":status 200".to_string(),
                },
                Outcome::Rejected { status, .. } | Outcome::Redirected { status, .. } => {
                    format!(":status {status}")
                }
                other => outcome_line(other),
            };
            let tail = if failed {
                " · browsers on HTTP/2 fail"
            } else {
                ""
            };
            (
                failed,
                format!("ALPN h2 · extended CONNECT (advertised) → {got}{tail}"),
            )
        }
        (Some("h2"), Some(false), _) => (
            false,
            "ALPN h2 · extended CONNECT not advertised: browsers use HTTP/1.1 here".to_string(),
        ),
        (Some("h2"), _, _) => (false, "ALPN h2 · SETTINGS not read".to_string()),
        (Some(other), _, _) => (
            false,
            format!(
                "ALPN {} chosen over h2: browsers use HTTP/1.1 here",
                printable(other)
            ),
        ),
        (None, _, _) => (
            false,
            "no ALPN protocol chosen: browsers use HTTP/1.1 here".to_string(),
        ),
    }
}

/// [`http2_line`] for cleartext HTTP/2 with prior knowledge (`--h2c`), a path browsers never
/// take: a failed stream is marked failed, never "browsers on HTTP/2 fail".
fn h2c_line(h: &Http2Record) -> (bool, String) {
    match (h.extended_connect, h.attempt.as_deref()) {
        (Some(true), Some(a)) => {
            let got = match &a.outcome {
                Outcome::Upgraded { .. } => ":status 200".to_string(),
                Outcome::Rejected { status, .. } | Outcome::Redirected { status, .. } => {
                    format!(":status {status}")
                }
                other => outcome_line(other),
            };
            (
                !a.outcome.is_success(),
                format!("h2c (prior knowledge) · extended CONNECT (advertised) → {got}"),
            )
        }
        (Some(false), _) => (
            false,
            "h2c (prior knowledge) · extended CONNECT not advertised".to_string(),
        ),
        _ => (
            false,
            "h2c (prior knowledge) · SETTINGS not read".to_string(),
        ),
    }
}

/// A count with its noun in the right number: `1 day`, `2 days`, `0 days`. Callers pass
/// magnitudes ("expired 3 days ago", not "-3 days").
pub fn count<N: std::fmt::Display + PartialEq + From<u8>>(n: N, one: &str, many: &str) -> String {
    if n == N::from(1) {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The session stage as the reports show it: the time to the open connection (every stage
/// before the session, connect and handshake) for its time column, and a line that says
/// separately how long wsdoctor watched it and how that ended. A failed session keeps the
/// probe's own account of the end ("close 1008 … after 3.0 ms", the time after the 101).
pub fn session_stage(
    stages: &[crate::model::StageRecord],
    stage: &crate::model::StageRecord,
    session: &crate::model::SessionRecord,
) -> (f64, String) {
    use crate::model::{SessionEnd, StageStatus};
    let open_ms: f64 = stages
        .iter()
        .take_while(|s| s.stage != Stage::Session)
        .filter(|s| s.status != StageStatus::Skipped)
        .filter_map(|s| s.ms)
        .sum();
    const OPEN: &str = "opened (connect + handshake)";
    let mut text = match (&session.end, stage.status) {
        (SessionEnd::StillOpen, _) if not_watched(session) => {
            format!("{OPEN} · not watched (--quick)")
        }
        (SessionEnd::StillOpen, _) => {
            format!(
                "{OPEN} · watched {}, stayed open",
                fmt_ms(session.watched_ms)
            )
        }
        // The end says when, after the 101: the watch ended there.
        (_, StageStatus::Failed) => format!("opened, then {}", stage.summary),
        _ => format!(
            "{OPEN} · watched {} · {}",
            fmt_ms(session.watched_ms),
            stage.summary
        ),
    };
    if session.end == SessionEnd::StillOpen {
        if let Some(rtt) = session.ping_rtt_ms {
            text.push_str(&format!(" · ping {}", fmt_ms(rtt)));
        }
        // The probe's remarks on how the watch ended early (a compressed message, the frame
        // limit, the deadline) and on the `--send` exchange are kept as written.
        for remark in stage
            .summary
            .split(" · ")
            .filter(|r| r.starts_with("watch ") || r.starts_with("sent ") || r.contains("reply"))
        {
            text.push_str(" · ");
            text.push_str(remark);
        }
    }
    (open_ms, text)
}

/// How the server ended a `--send` conversation: "close 4400 bad message after 3.0 ms".
pub fn conversation_end(end: &crate::model::SessionEnd) -> String {
    use crate::model::SessionEnd;
    match end {
        SessionEnd::CloseFrame {
            code,
            reason,
            after_ms,
        } => {
            let code = code.map_or_else(|| "without a code".to_string(), |c| c.to_string());
            let reason = if reason.is_empty() {
                String::new()
            } else {
                format!(" {reason}")
            };
            format!(
                "the server closed it (close {code}{reason}) {} after the 101",
                fmt_ms(*after_ms)
            )
        }
        SessionEnd::Dropped { how, after_ms } => format!(
            "the server dropped the connection without a close frame ({how}) {} after the 101",
            fmt_ms(*after_ms)
        ),
        SessionEnd::ProtocolError { detail, after_ms } => format!(
            "invalid frames {} after the 101: {detail}",
            fmt_ms(*after_ms)
        ),
        SessionEnd::PingFlood { per_second, .. } => format!("a ping flood ({per_second:.0}/s)"),
        SessionEnd::StillOpen => "still open".to_string(),
    }
}

/// Milliseconds for people: `2.1 ms`, `412.0 ms`, `2.06 s`.
pub fn fmt_ms(ms: f64) -> String {
    if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else {
        format!("{ms:.1} ms")
    }
}

/// Makes server-controlled text safe for a terminal: a tab becomes a space and every other
/// control character (ESC, CR, C1 controls, …) becomes U+FFFD, so a response body or close reason
/// cannot move the cursor, recolour or clear the screen of the person reading the report.
pub fn printable(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\t' => ' ',
            c if c.is_control() => '\u{fffd}',
            c => c,
        })
        .collect()
}

/// A name from a check file made safe for a terminal (for progress lines printed by main).
pub fn printable_name(s: &str) -> String {
    shorten(s, 80)
}

/// Makes `s` printable and shortens it to at most `max` characters, ending with `…` when cut.
pub fn shorten(s: &str, max: usize) -> String {
    let s = printable(s);
    if s.chars().count() <= max {
        return s;
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    // The ellipsis stays on its word: a cut after a space would leave it a word of its own, which
    // a narrow terminal then wraps onto a line alone.
    out.truncate(out.trim_end().len());
    out.push('…');
    out
}

/// Evidence and summaries cite ids in backticks for Markdown; plain-text formats drop them.
pub fn plain(s: &str) -> String {
    s.replace('`', "")
}

/// The server header of an attempt's answer, when there is one.
fn server_of(a: &AttemptRecord) -> Option<&str> {
    if let Some(r) = &a.response {
        return r.header("server");
    }
    match &a.outcome {
        Outcome::Rejected { headers, .. } | Outcome::Redirected { headers, .. } => {
            headers.get("server").map(String::as_str)
        }
        _ => None,
    }
}

/// The first line of a body excerpt, shortened, or `empty body`.
fn body_gist(body: &str, max: usize) -> String {
    let first = body.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    if first.is_empty() {
        "empty body".to_string()
    } else {
        shorten(first.trim(), max)
    }
}

/// How an upgrade was accepted: a `101`, or `:status 200` for an RFC 8441 stream.
fn accepted(a: &AttemptRecord) -> &'static str {
    if a.response.as_ref().is_some_and(|r| r.version == "HTTP/2") {
        "200 (HTTP/2)"
    } else {
        "101"
    }
}

/// The one-line result of an attempt ("403 · uvicorn, empty body",
/// "101 → close 1008 ORIGIN_BLOCKED after 3.0 ms", "tcp refused").
pub fn result_text(a: &AttemptRecord) -> String {
    let ok = accepted(a);
    match &a.outcome {
        Outcome::Upgraded { subprotocol } => {
            let flood = a.session.as_ref().and_then(|s| match s.end {
                crate::model::SessionEnd::PingFlood { per_second, .. } => {
                    Some(format!("ping flood {per_second:.0}/s"))
                }
                _ => None,
            });
            let mut parts = vec![flood.unwrap_or_else(|| "open".to_string())];
            if let Some(p) = subprotocol {
                parts.push(format!("subprotocol {p}"));
            }
            if let Some(rtt) = a.session.as_ref().and_then(|s| s.ping_rtt_ms) {
                parts.push(format!("ping {}", fmt_ms(rtt)));
            }
            format!("{ok} · {}", parts.join(", "))
        }
        Outcome::UpgradedThenClosed {
            close_code,
            close_reason,
            after_ms,
            clean,
        } => {
            let after = fmt_ms(*after_ms);
            match (clean, close_code) {
                (true, Some(code)) => {
                    let reason = close_reason.as_deref().unwrap_or("");
                    let reason = if reason.is_empty() {
                        String::new()
                    } else {
                        format!(" {}", shorten(reason, 40))
                    };
                    format!("{ok} → close {code}{reason} after {after}")
                }
                (true, None) => format!("{ok} → close without a code after {after}"),
                (false, _) => format!("{ok} → dropped without a close frame (1006) after {after}"),
            }
        }
        Outcome::Rejected {
            status,
            body_excerpt,
            ..
        } => {
            let body = a
                .response
                .as_ref()
                .map(|r| r.body_excerpt.as_str())
                .unwrap_or(body_excerpt);
            match server_of(a) {
                Some(server) => format!("{status} · {server}, {}", body_gist(body, 40)),
                None => format!("{status} · {}", body_gist(body, 48)),
            }
        }
        Outcome::Redirected {
            status, location, ..
        } => match location {
            Some(l) => format!("{status} → {l}"),
            None => format!("{status} · redirect without Location"),
        },
        Outcome::Timeout { stage } => timed_out(*stage),
        Outcome::DnsError { error, .. } => format!("dns {error}"),
        Outcome::TcpError { .. } if a.outcome.class() == Some(FailureClass::ProxyRefused) => {
            match a.proxy.as_ref().and_then(|p| p.reply.as_deref()) {
                Some(reply) => format!("proxy refused: {reply}"),
                None => "proxy refused".into(),
            }
        }
        Outcome::TcpError { error, .. } => format!("tcp {error}"),
        Outcome::TlsError { error, .. } => format!("tls {error}"),
        Outcome::ProtocolViolation { error, .. } => format!("protocol {error}"),
    }
}

/// "timed out in upgrade": a stage that did not finish in its budget, in every report and log.
pub fn timed_out(stage: Stage) -> String {
    format!("timed out in {}", stage.as_str())
}

/// An outcome in one line for probe summaries and logs ("tcp_error refused: connection refused",
/// "rejected with 403", "timed out in upgrade").
pub fn outcome_line(o: &Outcome) -> String {
    match o {
        Outcome::Timeout { stage } => timed_out(*stage),
        Outcome::DnsError { error, detail }
        | Outcome::TcpError { error, detail }
        | Outcome::TlsError { error, detail }
        | Outcome::ProtocolViolation { error, detail } => {
            format!("{} {error}: {detail}", o.kind())
        }
        Outcome::Rejected { status, .. } => format!("rejected with {status}"),
        Outcome::Redirected {
            status, location, ..
        } => format!(
            "redirected ({status}) to {}",
            location.as_deref().unwrap_or("no Location")
        ),
        other => other.kind().to_string(),
    }
}

// The words of diagnosis evidence: an attempt's answer as the evidence lines cite it.

fn proxy_kind(a: &AttemptRecord) -> &str {
    match a.proxy.as_ref().map(|p| p.kind.as_str()) {
        Some("socks5") | Some("socks5h") => "SOCKS5",
        _ => "forward",
    }
}

/// True when a session record says the connection was not watched after its 101 (`--quick`).
pub fn not_watched(s: &crate::model::SessionRecord) -> bool {
    s.watched_ms < 1.0 && s.end == crate::model::SessionEnd::StillOpen
}

/// A short account of an attempt's answer: "403, empty body", "404 {\"detail\":\"Not Found\"}",
/// "101, then close 1008 ORIGIN_BLOCKED after 12 ms", "101, stayed open", "tcp refused".
pub fn describe(a: &AttemptRecord) -> String {
    let ok = accepted(a);
    match &a.outcome {
        Outcome::Upgraded { subprotocol } => {
            // `--quick` does not watch the session: "stayed open" would claim what was not seen.
            let flood = a.session.as_ref().and_then(|s| match s.end {
                crate::model::SessionEnd::PingFlood { per_second, .. } => {
                    Some(format!("then a ping flood ({per_second:.0}/s)"))
                }
                _ => None,
            });
            let then = if let Some(flood) = flood {
                flood
            } else if a.session.as_ref().is_some_and(not_watched) {
                "not watched".to_string()
            } else {
                "stayed open".to_string()
            };
            let open = format!("{ok}, {then}");
            match subprotocol {
                Some(p) => format!("{open} (subprotocol {p})"),
                None => open,
            }
        }
        Outcome::UpgradedThenClosed {
            close_code,
            close_reason,
            after_ms,
            clean,
        } => {
            let what = match (close_code, clean) {
                (Some(c), _) => {
                    let r = close_reason.as_deref().unwrap_or("").trim();
                    if r.is_empty() {
                        format!("close {c}")
                    } else {
                        format!("close {c} {r}")
                    }
                }
                (None, true) => "a close frame without code".into(),
                (None, false) => "a bare TCP close (1006)".into(),
            };
            format!("{ok}, then {what} after {after_ms:.0} ms")
        }
        Outcome::Rejected { status, .. } => format!("{status}, {}", body_summary(body(a))),
        Outcome::Redirected {
            status, location, ..
        } => match location {
            Some(l) => format!("{status} → {l}"),
            None => format!("{status} without Location"),
        },
        Outcome::Timeout { stage } => timed_out(*stage),
        Outcome::DnsError { error, .. } => format!("dns {error}"),
        Outcome::TcpError { .. } if a.outcome.class() == Some(FailureClass::ProxyRefused) => {
            match a.proxy.as_ref().and_then(|p| p.reply.as_deref()) {
                Some(reply) => format!("refused by the {} proxy: {reply}", proxy_kind(a)),
                None => format!("refused by the {} proxy", proxy_kind(a)),
            }
        }
        Outcome::TcpError { error, .. } => format!("tcp {error}"),
        Outcome::TlsError { error, .. } => format!("tls {error}"),
        Outcome::ProtocolViolation { error, .. } => format!("protocol violation: {error}"),
    }
}

/// "empty body", or the first line of the body (quoted, at most 80 characters).
pub fn body_summary(body: &str) -> String {
    let t = body.trim();
    if t.is_empty() {
        return "empty body".into();
    }
    let mut line: String = t
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(80)
        .collect();
    if t.chars().count() > 80 {
        line.push('…');
    }
    format!("body {line}")
}

/// A citation: "origin.foreign (Origin: https://x.invalid): 403, empty body".
pub fn cite(a: &AttemptRecord) -> String {
    if a.variant.id == a.variant.label || a.variant.label.is_empty() {
        format!("{}: {}", a.variant.id, describe(a))
    } else {
        format!("{} ({}): {}", a.variant.id, a.variant.label, describe(a))
    }
}

/// The response body excerpt of an attempt ("" when none).
pub fn body(a: &AttemptRecord) -> &str {
    match (&a.response, &a.outcome) {
        (Some(r), _) => &r.body_excerpt,
        (None, Outcome::Rejected { body_excerpt, .. }) => body_excerpt,
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shortened_text_keeps_its_ellipsis_on_the_last_word() {
        let s = shorten("Failed to open a WebSocket connection: missing key", 47);
        assert_eq!(s, "Failed to open a WebSocket connection: missing…");
        assert!(!s.contains(" …"), "{s}");
    }

    #[test]
    fn an_http2_stream_is_accepted_with_200_not_101() {
        use crate::diagnose::rules::testkit::attempt;
        let mut a = attempt("http2").upgraded();
        a.response = Some(crate::model::WireResponse {
            version: "HTTP/2".into(),
            status: 200,
            reason: String::new(),
            headers: Vec::new(),
            body_excerpt: String::new(),
            body_bytes: 0,
            body_truncated: false,
        });
        assert!(
            result_text(&a).starts_with("200 (HTTP/2) · open"),
            "{}",
            result_text(&a)
        );
        assert!(
            describe(&a).starts_with("200 (HTTP/2), "),
            "{}",
            describe(&a)
        );
        let plain = attempt("baseline").upgraded();
        assert!(result_text(&plain).starts_with("101 · open"));
    }

    #[test]
    fn a_count_of_one_is_singular() {
        assert_eq!(count(1_i64, "day", "days"), "1 day");
        assert_eq!(count(0_usize, "day", "days"), "0 days");
        assert_eq!(count(60_i64, "day", "days"), "60 days");
        assert_eq!(count(1_usize, "attempt", "attempts"), "1 attempt");
    }

    #[test]
    fn the_h2c_line_names_prior_knowledge_and_never_browsers() {
        let mut h = Http2Record {
            alpn_offered: Vec::new(),
            prior_knowledge: true,
            http1_answer: None,
            alpn: None,
            extended_connect: Some(false),
            error: None,
            attempt: None,
            variants: Vec::new(),
            ms: 1.0,
        };
        let (failed, line) = http2_line(&h);
        assert!(!failed);
        assert_eq!(
            line,
            "h2c (prior knowledge) · extended CONNECT not advertised"
        );
        h.extended_connect = None;
        assert!(!http2_line(&h).1.contains("browsers"));
    }
}
