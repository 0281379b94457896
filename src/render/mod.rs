//! render: formats a finished `Report` onto a writer. One file per format. Renderers perform no
//! I/O besides the writer, never read the environment (colour is decided once in main through
//! `colored::control::set_override`) and never measure or wait: the same Report always renders to
//! the same bytes.
//!
//! This module also holds the few reading aids the formats share: which attempts the evidence
//! cites, whether an attempt got the same answer as the baseline, and the one-line result of an
//! attempt. They read the report; they never rebuild a request.

pub mod check;
pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod partial;
pub mod verbose;

use crate::model::ids;
use std::collections::BTreeSet;
use std::io::Write;

use crate::diagnose::cause::Category;
use crate::model::{
    AttemptPair, AttemptRecord, CredentialPlacement, Outcome, PairClass, Report, SkipReason,
};

/// The output formats (defined with the flags that choose them, in `cli`).
pub use crate::cli::Format;

/// Where a report is shown, as far as its layout cares: main measures it once (`term::report_columns`)
/// and passes it in; renderers never look at the terminal themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// The terminal's width in columns (the human matrix fits its label column to it; 100 for a
    /// file, a pipe or a test).
    pub columns: usize,
    /// The baseline's exchange is already printed on stderr (`-v`, before the report): the human
    /// report points there instead of printing it a second time.
    pub baseline_wire_on_stderr: bool,
}

impl Default for Layout {
    fn default() -> Self {
        Layout {
            columns: human::WIDTH,
            baseline_wire_on_stderr: false,
        }
    }
}

impl Layout {
    /// The layout for a terminal of `columns` (None: the default 100).
    pub fn for_columns(columns: Option<usize>) -> Layout {
        columns.map_or_else(Layout::default, |columns| Layout {
            columns,
            ..Layout::default()
        })
    }
}

/// Writes the report in the chosen format, laid out for `layout` (only the human format reads it).
pub fn render_with(
    report: &Report,
    format: Format,
    layout: &Layout,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Human => human::render_with(report, layout, out),
        _ => render(report, format, out),
    }
}

/// Writes the report in the chosen format for the default layout (files, pipes, tests).
pub fn render(report: &Report, format: Format, out: &mut dyn Write) -> std::io::Result<()> {
    match format {
        Format::Human => human::render(report, out),
        Format::Json => json::render(report, out),
        Format::Markdown => markdown::render(report, out),
        Format::Junit => junit::render(report, out),
        Format::Github => github::render(report, out),
    }
}

/// True when the verdict is a fault (anything but the `ok` category).
pub(crate) fn is_fault(report: &Report) -> bool {
    report.diagnosis.category != Category::Ok
}

/// Every attempt of the report: the WebSocket attempts, then the plain-HTTP controls.
pub(crate) fn all_attempts(report: &Report) -> impl Iterator<Item = &AttemptRecord> {
    report.attempts.iter().chain(report.http_controls.iter())
}

/// Variant ids cited as evidence. Evidence lines cite attempts by their variant id, usually in
/// backticks (`` `control.plain_get` ``); an id counts when it stands as a whole token. A fault cites
/// through the diagnosis' evidence; a healthy report through its warning findings' evidence.
pub(crate) fn cited_ids(report: &Report) -> BTreeSet<String> {
    let d = &report.diagnosis;
    // A fault diagnosed by the engine names its decisive attempt and its observations: the
    // attempts that weigh (a contradiction, or strong support) are the ones to mark. Reports made
    // before observations existed are read from their evidence lines.
    if is_fault(report) && !d.observations.is_empty() {
        return d
            .decisive_attempt
            .iter()
            .cloned()
            .chain(
                d.observations
                    .iter()
                    .filter(|o| o.fit == "contradicted" || o.weight >= 0.5)
                    .map(|o| o.attempt.clone()),
            )
            .collect();
    }
    let lines: Vec<&str> = if is_fault(report) {
        report
            .diagnosis
            .evidence
            .iter()
            .map(String::as_str)
            .collect()
    } else {
        report
            .findings
            .iter()
            .filter(|f| f.severity == crate::model::Severity::Warning)
            .flat_map(|f| f.evidence.iter().map(String::as_str))
            .collect()
    };
    all_attempts(report)
        .map(|a| a.variant.id.as_str())
        .filter(|id| lines.iter().any(|l| cites(l, id)))
        .map(str::to_string)
        .collect()
}

/// True when `id` occurs in `line` as a whole token (not inside a longer id or word).
fn cites(line: &str, id: &str) -> bool {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.';
    line.match_indices(id).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = line[at + id.len()..].chars().next();
        // A trailing '.' ends a sentence, not an id.
        let after_ok = match after {
            None => true,
            Some('.') => line[at + id.len() + 1..]
                .chars()
                .next()
                .is_none_or(|c| !is_word(c)),
            Some(c) => !is_word(c),
        };
        before.is_none_or(|c| !is_word(c)) && after_ok
    })
}

/// True when a failing attempt got the same answer as the reference: the diagnosis' one
/// definition (`diagnose::evidence::same_answer`: same status and normalised body, the same close,
/// or the same failure class), so the matrix says "identical" exactly when the engine does.
pub(crate) fn same_result(a: &AttemptRecord, reference: &AttemptRecord) -> bool {
    crate::diagnose::evidence::same_answer(a, reference)
}

pub use crate::wording::printable_name;
pub(crate) use crate::wording::{fmt_ms, plain, printable, result_text, shorten};

/// The result of an attempt compared with the baseline: `403 · identical` when it got the same
/// answer, the full result otherwise.
pub(crate) fn result_vs_baseline(a: &AttemptRecord, baseline: Option<&AttemptRecord>) -> String {
    let Some(b) = baseline else {
        return result_text(a);
    };
    if std::ptr::eq(a, b) || !same_result(a, b) {
        return result_text(a);
    }
    match &a.outcome {
        Outcome::Rejected { status, .. } | Outcome::Redirected { status, .. } => {
            format!("{status} · identical")
        }
        Outcome::Upgraded { .. } => "101 · identical".to_string(),
        Outcome::UpgradedThenClosed {
            close_code: Some(code),
            ..
        } => format!("101 → close {code} · identical"),
        _ => format!("{} · identical", result_text(a)),
    }
}

/// The public and direct cells of a comparison pair: each answer in one line, led by its
/// responder when the two were produced by different (or differently identified) servers, so a
/// shortened cell still names who answered.
pub(crate) fn pair_cells(p: &AttemptPair) -> (String, String) {
    let cell = |text: &str, who: &Option<String>| match (p.class, who) {
        (PairClass::DifferentResponder | PairClass::DifferentBody, Some(name)) => {
            format!("{name} · {text}")
        }
        _ => text.to_string(),
    };
    (
        cell(&p.public, &p.public_responder),
        cell(&p.direct, &p.direct_responder),
    )
}

/// A pair class for people ("accepted directly only").
pub(crate) fn pair_class_text(class: PairClass) -> &'static str {
    match class {
        PairClass::Same => "same",
        PairClass::AcceptedDirectOnly => "accepted directly only",
        PairClass::AcceptedPublicOnly => "accepted publicly only",
        PairClass::DifferentStatus => "different status",
        PairClass::DifferentResponder => "different responder",
        PairClass::DifferentBody => "different body",
        PairClass::DirectUnreachable => "direct unreachable",
    }
}

/// Where the credential travels, for people ("X-API-Key", "Authorization: Bearer", "?token=").
pub(crate) fn placement_text(p: &CredentialPlacement) -> Option<String> {
    match p {
        CredentialPlacement::None => None,
        CredentialPlacement::Header { name, scheme } if scheme.is_empty() => Some(name.clone()),
        CredentialPlacement::Header { name, scheme } => Some(format!("{name}: {scheme}")),
        CredentialPlacement::Query { name } => Some(format!("?{name}=")),
        CredentialPlacement::Cookie { name } => Some(format!("cookie {name}")),
        CredentialPlacement::Subprotocol => Some("token as subprotocol".to_string()),
        CredentialPlacement::Ticket { param } => Some(format!("ticket ?{param}=")),
    }
}

/// One line per reason a variant was not run, naming the variants it left out:
/// `skipped by --safe: credential.wrong, origin.foreign`. Empty when everything ran.
pub(crate) fn not_run_lines(report: &Report) -> Vec<String> {
    let mut lines = Vec::new();
    for reason in [
        SkipReason::NotSelected,
        SkipReason::Skip,
        SkipReason::Safe,
        SkipReason::Deadline,
        SkipReason::TicketUnused,
        SkipReason::CredentialInUrl,
    ] {
        let ids: Vec<&str> = report
            .skipped_variants
            .iter()
            .filter(|s| s.reason == reason)
            .map(|s| s.variant.id.as_str())
            .collect();
        if !ids.is_empty() {
            lines.push(format!("{}: {}", reason.text(), ids.join(", ")));
        }
    }
    lines
}

/// One line per blind spot: its sentence, and whether the verdict rests on fewer attempts.
pub(crate) fn blind_spot_lines(report: &Report) -> Vec<String> {
    report
        .cannot_tell_apart
        .iter()
        .map(|b| {
            if b.untested.contains(&report.diagnosis.cause) {
                format!(
                    "{} — the verdict {} was not tested against {}",
                    b.summary,
                    report.diagnosis.cause,
                    b.variants.join(", ")
                )
            } else {
                b.summary.clone()
            }
        })
        .collect()
}

/// The `--send` / `--expect-reply` exchange of the baseline, one line per message: `>` sent, `<`
/// received (the kept ones), then what the pattern found. Empty without an exchange.
pub(crate) fn exchange_lines(report: &Report) -> Vec<String> {
    let Some(x) = report
        .baseline()
        .and_then(|b| b.session.as_ref())
        .and_then(|s| s.exchange.as_ref())
    else {
        return Vec::new();
    };
    let line = |dir: &str, m: &crate::model::MessageRecord| {
        format!(
            "{dir} {} {} B at {}  {}",
            m.kind,
            m.bytes,
            fmt_ms(m.after_ms),
            m.excerpt.replace(['\n', '\r'], " ")
        )
    };
    let mut out: Vec<String> = x.sent.iter().map(|m| line(">", m)).collect();
    for (i, m) in x.received.iter().enumerate() {
        let mut l = line("<", m);
        if x.matched
            .as_ref()
            .is_some_and(|r| r.index as usize == i + 1)
        {
            l.push_str("  ✓ matches");
        }
        out.push(l);
    }
    let kept = x.received.len() as u32;
    if x.received_total > kept {
        out.push(format!("… {} more received", x.received_total - kept));
    }
    if let Some(m) = x.matched.as_ref().filter(|m| m.index > kept) {
        out.push(format!(
            "{}  ✓ matches (message {})",
            line("<", &m.message),
            m.index
        ));
    }
    if let Some(e) = &x.ended {
        out.push(format!("✗ {}", crate::wording::conversation_end(e)));
    }
    if let Some(pattern) = &x.expect_reply {
        if x.matched.is_none() {
            out.push(format!(
                "✗ no message matched /{pattern}/ within {} of the last sent",
                fmt_ms(x.reply_timeout_ms)
            ));
        }
    }
    out
}

/// An attempt as it was on the wire, curl `-v` style: `>` the request line and headers as sent
/// (redacted), `<` the status line, headers (after `max_headers`, a count of the rest) and up to
/// `max_body_lines` of the body, then how the session ended. Empty when no request was sent.
pub(crate) fn wire_lines(
    a: &AttemptRecord,
    max_headers: Option<usize>,
    max_body_lines: usize,
) -> Vec<String> {
    let Some(req) = &a.request else {
        return Vec::new();
    };
    let mut lines = vec![format!("> {} {} HTTP/1.1", req.method, req.path)];
    lines.extend(
        req.headers
            .iter()
            .map(|h| format!("> {}: {}", h.name, h.value)),
    );
    if let Some(resp) = &a.response {
        lines.push(format!(
            "< {} {} {}",
            resp.version, resp.status, resp.reason
        ));
        let shown = max_headers.unwrap_or(usize::MAX);
        for h in resp.headers.iter().take(shown) {
            lines.push(format!("< {}: {}", h.name, h.value));
        }
        if resp.headers.len() > shown {
            lines.push(format!(
                "< … {}",
                crate::wording::count(resp.headers.len() - shown, "more header", "more headers")
            ));
        }
        if resp.status != 101 {
            if resp.body_excerpt.is_empty() {
                lines.push(format!("< ({}-byte body)", resp.body_bytes));
            } else {
                lines.push("<".to_string());
                let body: Vec<&str> = resp.body_excerpt.lines().collect();
                for l in body.iter().take(max_body_lines) {
                    lines.push(format!("< {l}"));
                }
                let more = body.len().saturating_sub(max_body_lines);
                if more > 0 || resp.body_truncated {
                    lines.push(format!(
                        "< … ({} body bytes read{})",
                        resp.body_bytes,
                        if resp.body_truncated {
                            ", more not read"
                        } else {
                            ""
                        }
                    ));
                }
            }
        }
    }
    if let Some(session) = &a.session {
        lines.extend(session_end_line(&session.end));
    }
    lines
}

/// How a session ended, as a `<` wire line (None while it stayed open).
fn session_end_line(end: &crate::model::SessionEnd) -> Option<String> {
    use crate::model::SessionEnd;
    match end {
        SessionEnd::StillOpen => None,
        SessionEnd::CloseFrame {
            code,
            reason,
            after_ms,
        } => Some(format!(
            "< [close frame {}{} after {}]",
            code.map_or_else(|| "without a code".to_string(), |c| c.to_string()),
            if reason.is_empty() {
                String::new()
            } else {
                format!(" {reason}")
            },
            fmt_ms(*after_ms)
        )),
        SessionEnd::Dropped { how, after_ms } => Some(format!(
            "< [connection dropped without a close frame ({how}) after {}]",
            fmt_ms(*after_ms)
        )),
        SessionEnd::ProtocolError { detail, after_ms } => Some(format!(
            "< [framing error after {}: {detail}]",
            fmt_ms(*after_ms)
        )),
        SessionEnd::PingFlood {
            pings,
            per_second,
            after_ms,
        } => Some(format!(
            "< [{pings} pings in {} ({per_second:.0}/s): watch stopped]",
            fmt_ms(*after_ms)
        )),
    }
}

/// The label of an attempt; the baseline's says what it carries ("baseline (X-API-Key, Origin …)").
pub(crate) fn attempt_label(a: &AttemptRecord) -> String {
    if a.variant.id != ids::BASELINE {
        return a.variant.label.clone();
    }
    let mut parts = Vec::new();
    if let Some(p) = placement_text(&a.variant.credential) {
        parts.push(p);
    }
    if let Some(o) = &a.variant.origin {
        // https:// is the usual case; dropping it keeps the label readable (http:// stays).
        parts.push(format!(
            "Origin {}",
            o.strip_prefix("https://").unwrap_or(o)
        ));
    }
    if parts.is_empty() {
        a.variant.label.clone()
    } else {
        format!("{} ({})", a.variant.label, parts.join(", "))
    }
}

/// The attempt whose wire exchange a fault report shows: the baseline when it failed, otherwise
/// (say, only some repeats fail) the first failed attempt the evidence cites, else the first
/// failed attempt. Only attempts that got as far as sending a request qualify.
pub(crate) fn failing_attempt(report: &Report) -> Option<&AttemptRecord> {
    if !is_fault(report) {
        return None;
    }
    let failed = |a: &&AttemptRecord| !a.outcome.is_success() && a.request.is_some();
    if let Some(b) = report.baseline() {
        if !b.outcome.is_success() {
            return Some(b).filter(|b| b.request.is_some());
        }
    }
    if let Some(id) = &report.diagnosis.decisive_attempt {
        if let Some(a) = all_attempts(report)
            .filter(failed)
            .find(|a| &a.variant.id == id)
        {
            return Some(a);
        }
    }
    let cited = cited_ids(report);
    let cited_failure = report
        .attempts
        .iter()
        .filter(failed)
        .find(|a| cited.contains(&a.variant.id));
    // When the evidence cites attempts but none of them sent a request (an address refused at
    // connect), an unrelated failed variant would only mislead.
    if cited_failure.is_some()
        || report
            .attempts
            .iter()
            .any(|a| cited.contains(&a.variant.id))
    {
        return cited_failure;
    }
    report.attempts.iter().find(failed)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::path::PathBuf;

    /// Every canned report in `fixtures/reports/`, by file stem, in name order.
    pub(crate) fn fixture_reports() -> Vec<(String, Report)> {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/reports");
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        paths.sort();
        assert!(paths.len() >= 5, "expected the canned reports in {dir:?}");
        paths
            .into_iter()
            .map(|p| {
                let name = p.file_stem().unwrap().to_string_lossy().into_owned();
                let text = std::fs::read_to_string(&p).unwrap();
                let report: Report = serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("{name} is not a model::Report: {e}"));
                (name, report)
            })
            .collect()
    }

    /// One fixture by file stem.
    pub(crate) fn fixture(name: &str) -> Report {
        fixture_reports()
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, r)| r)
            .unwrap_or_else(|| panic!("no fixture {name}"))
    }

    /// Renders with colour forced off, as a String.
    pub(crate) fn rendered(report: &Report, format: Format) -> String {
        colored::control::set_override(false);
        let mut out = Vec::new();
        render(report, format, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// Snapshots of every text format for every canned report (hyperfine's export tests). Review
    /// changes with `cargo insta review`; CI runs with `INSTA_UPDATE=no`.
    #[test]
    fn snapshots_of_every_format_for_every_fixture() {
        let formats = [
            (Format::Human, "human"),
            (Format::Markdown, "markdown"),
            (Format::Junit, "junit"),
            (Format::Github, "github"),
        ];
        for (name, report) in fixture_reports() {
            for (format, suffix) in formats {
                let text = rendered(&report, format);
                insta::with_settings!({ prepend_module_to_snapshot => false, omit_expression => true }, {
                    insta::assert_snapshot!(format!("{name}.{suffix}"), text);
                });
            }
        }
    }

    #[test]
    fn an_id_is_cited_only_as_a_whole_token() {
        assert!(cites("`control.plain_get` got 404", ids::CONTROL_PLAIN_GET));
        assert!(cites("same as baseline.", ids::BASELINE));
        assert!(cites("(baseline, origin.same)", ids::ORIGIN_SAME));
        assert!(!cites("origin.same_site got 101", ids::ORIGIN_SAME));
        assert!(!cites("xbaseline", ids::BASELINE));
        assert!(!cites("repeat.10 failed", "repeat.1"));
    }

    #[test]
    fn cited_attempts_come_from_the_diagnosis_evidence_of_a_fault() {
        let r = fixture("001_proxy_upgrade_not_forwarded");
        let cited: Vec<String> = cited_ids(&r).into_iter().collect();
        assert_eq!(
            cited,
            [
                ids::BASELINE,
                ids::CONTROL_PLAIN_GET,
                ids::CONTROL_VERSION_8
            ]
        );
    }

    #[test]
    fn a_healthy_report_cites_through_its_warning_findings() {
        let r = fixture("ok_healthy_origin_not_enforced");
        let cited: Vec<String> = cited_ids(&r).into_iter().collect();
        assert_eq!(cited, [ids::ORIGIN_FOREIGN, ids::ORIGIN_NULL]);
    }

    #[test]
    fn identical_ignores_the_date_header_but_not_the_body() {
        let r = fixture("000_routing_wrong_upstream");
        let base = &r.attempts[0];
        let mut other = r.attempts[1].clone();
        if let Some(resp) = other.response.as_mut() {
            for h in resp.headers.iter_mut().filter(|h| h.name == "date") {
                h.value = "Tue, 24 Nov 2026 00:00:00 GMT".into();
            }
        }
        assert!(same_result(&other, base));
        assert_eq!(result_vs_baseline(&other, Some(base)), "403 · identical");
        if let Some(resp) = other.response.as_mut() {
            resp.body_excerpt = "nope".into();
            resp.body_bytes = 4;
        }
        assert!(!same_result(&other, base));
        assert_eq!(
            result_vs_baseline(&other, Some(base)),
            "403 · uvicorn, nope"
        );
    }

    #[test]
    fn a_policy_close_reads_as_on_the_wire() {
        let r = fixture("004_origin_rejected_after_upgrade");
        assert_eq!(
            result_text(&r.attempts[0]),
            "101 → close 1008 ORIGIN_BLOCKED after 3.0 ms"
        );
        let same = r.attempts.iter().find(|a| a.variant.id == ids::ORIGIN_SAME);
        assert_eq!(
            result_vs_baseline(same.unwrap(), r.baseline()),
            "101 · open, ping 0.9 ms"
        );
    }

    #[test]
    fn every_outcome_kind_has_a_one_line_result() {
        let mut a = fixture("tcp_refused").attempts[0].clone();
        a.response = None;
        a.session = None;
        let cases = [
            (
                Outcome::Redirected {
                    status: 301,
                    location: Some("https://h/ws".into()),
                    headers: Default::default(),
                },
                "301 → https://h/ws",
            ),
            (
                Outcome::Timeout {
                    stage: crate::model::Stage::Upgrade,
                },
                "timed out in upgrade",
            ),
            (
                Outcome::DnsError {
                    error: "not_found".into(),
                    detail: String::new(),
                },
                "dns not_found",
            ),
            (
                Outcome::ProtocolViolation {
                    error: "bad_accept_key".into(),
                    detail: String::new(),
                },
                "protocol bad_accept_key",
            ),
            (
                Outcome::UpgradedThenClosed {
                    close_code: None,
                    close_reason: None,
                    after_ms: 12.0,
                    clean: false,
                },
                "101 → dropped without a close frame (1006) after 12.0 ms",
            ),
            (
                Outcome::Rejected {
                    status: 502,
                    headers: Default::default(),
                    body_excerpt: "\n\n<html>Bad Gateway</html>\n".into(),
                },
                "502 · <html>Bad Gateway</html>",
            ),
        ];
        for (outcome, expected) in cases {
            a.outcome = outcome;
            assert_eq!(result_text(&a), expected);
        }
    }

    #[test]
    fn server_text_cannot_drive_the_terminal() {
        assert_eq!(printable("a\x1b[2Jb\tc\r"), "a\u{fffd}[2Jb c\u{fffd}");
        let mut report = fixture("000_routing_wrong_upstream");
        if let Some(resp) = report.attempts[0].response.as_mut() {
            resp.body_excerpt = "\x1b]0;pwned\x07\x1b[2J".into();
            resp.body_bytes = 12;
            resp.headers[1].value = "uvicorn\x1b[31m".into();
        }
        report.diagnosis.responder = Some("evil\x1b[5m".into());
        for format in [
            Format::Human,
            Format::Markdown,
            Format::Junit,
            Format::Github,
        ] {
            let text = rendered(&report, format);
            assert!(
                !text.contains('\x1b'),
                "{format:?} passed an escape through"
            );
        }
    }

    #[test]
    fn an_empty_report_renders_in_every_format() {
        let mut report = fixture("tcp_refused");
        report.attempts.clear();
        report.stages.clear();
        report.notes.clear();
        for format in [
            Format::Human,
            Format::Json,
            Format::Markdown,
            Format::Junit,
            Format::Github,
        ] {
            assert!(!rendered(&report, format).is_empty(), "{format:?}");
        }
    }

    #[test]
    fn the_wire_shows_the_failing_repeat_when_the_baseline_upgraded() {
        let healthy = fixture("ok_healthy_origin_not_enforced");
        assert!(failing_attempt(&healthy).is_none(), "healthy shows no wire");
        let mut report = healthy.clone();
        report.diagnosis.category = Category::Routing;
        report.diagnosis.cause = crate::diagnose::cause::Cause::RoutingIntermittent;
        report.diagnosis.evidence = vec!["`credential.wrong` failed".into()];
        let shown = failing_attempt(&report).map(|a| a.variant.id.as_str());
        assert_eq!(shown, Some(ids::CREDENTIAL_WRONG));
        report.diagnosis.evidence.clear();
        let shown = failing_attempt(&report).map(|a| a.variant.id.as_str());
        assert_eq!(shown, Some(ids::CREDENTIAL_NONE));
    }

    #[test]
    fn the_public_vs_direct_section_lists_differing_pairs_only_with_a_comparison() {
        let report = fixture("direct_proxy_access_denied");
        let human = rendered(&report, Format::Human);
        assert!(human.contains("public vs direct (ws://127.0.0.1:8002/ws)"));
        let row = human
            .lines()
            .find(|l| l.trim_start().starts_with("origin.foreign "))
            .expect("the differing pair has a row");
        assert!(
            row.contains("nginx · 403") && row.contains("uvicorn · 403"),
            "{row}"
        );
        let markdown = rendered(&report, Format::Markdown);
        assert!(markdown.contains("## Public vs direct"));
        assert!(markdown.contains("| `baseline` | 403, body &lt;html&gt;"));
        assert!(markdown.contains("| accepted directly only |"));
        // Every pair agreeing: no rows, one line saying so.
        let mut same = report.clone();
        if let Some(c) = same.comparison.as_mut() {
            for p in &mut c.pairs {
                p.class = PairClass::Same;
            }
        }
        let human = rendered(&same, Format::Human);
        assert!(human.contains("all 6 pairs got the same answer on both sides"));
        assert!(!human.contains("  attempt            public"));
        assert!(rendered(&same, Format::Markdown).contains("All 6 pairs got the same answer"));
        // Without --direct: no section at all.
        let mut none = report;
        none.comparison = None;
        assert!(!rendered(&none, Format::Human).contains("public vs direct"));
        assert!(!rendered(&none, Format::Markdown).contains("Public vs direct"));
    }

    #[test]
    fn times_switch_to_seconds_past_one_second() {
        assert_eq!(fmt_ms(2.14), "2.1 ms");
        assert_eq!(fmt_ms(999.94), "999.9 ms");
        assert_eq!(fmt_ms(2061.3), "2.06 s");
    }
}
