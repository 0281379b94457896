//! render::human: the report for people, at most 100 columns wide (the matrix follows the
//! terminal's width, which main passes in a [`Layout`]). Header and notes; the verdict first
//! (category, cause, its one line and the first fix), so it is on the first screen of `| less`;
//! then the baseline's stage waterfall, the ticket fetches, the attempt matrix (the decisive rows
//! marked `←`), the public-vs-direct pairs that differ (with `--direct`), the failing attempt as it
//! was on the wire; then the verdict's evidence, the variants not run and what they leave
//! undecided, how to confirm and the fixes; then findings.
//!
//! Colour comes from `colored`, whose global override main sets once; widths are computed on the
//! plain text before colouring so ANSI codes never break alignment. Nothing here reads the
//! environment, the clock or the network.

use std::io::{self, Write};

use colored::Colorize;

use super::{
    all_attempts, attempt_label, blind_spot_lines, cited_ids, exchange_lines, failing_attempt,
    fmt_ms, is_fault, not_run_lines, pair_cells, plain, printable, result_vs_baseline, wire_lines,
    Layout,
};
use crate::model::{
    AttemptRecord, Report, Severity, Stage, StageRecord, StageStatus, TicketRecord, TlsRecord,
};
use crate::wording::count;

/// The widest line the report writes.
pub const WIDTH: usize = 100;
/// Response headers shown on the wire before the rest are summarised.
const MAX_RESPONSE_HEADERS: usize = 10;
/// Body lines shown on the wire.
const MAX_BODY_LINES: usize = 3;
/// The widest attempt label before it is shortened.
const MAX_LABEL: usize = 56;
/// The narrowest the label column gets, however long the results.
const MIN_LABEL: usize = 24;

/// The narrowest and widest terminal the report adapts to.
const COLUMNS: std::ops::RangeInclusive<usize> = 20..=200;
/// Below this width the matrix is a stacked list (label, then its result) instead of a table.
const TABLE_MIN: usize = 60;

/// Writes the human report for a 100-column terminal (files, pipes, tests).
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    render_with(report, &Layout::default(), out)
}

/// Writes the human report for the terminal `layout` describes.
///
/// Every block wraps at `layout.columns` at word boundaries; a word longer than a line (a URL, a
/// header value) stands on a line of its own, whole. Tables become stacked lists when a terminal
/// is too narrow for their columns.
pub fn render_with(report: &Report, layout: &Layout, out: &mut dyn Write) -> io::Result<()> {
    let w = layout.columns.clamp(*COLUMNS.start(), *COLUMNS.end());
    header(report, w, out)?;
    verdict(report, w, out)?;
    waterfall(report, w, out)?;
    addresses(report, w, out)?;
    tickets(&report.tickets, w, out)?;
    matrix(report, w, out)?;
    comparison(report, w, out)?;
    wire(report, layout.baseline_wire_on_stderr, w, out)?;
    reasons(report, w, out)?;
    findings(report, w, out)
}

fn header(report: &Report, w: usize, out: &mut dyn Write) -> io::Result<()> {
    let title = format!("{} {}", report.tool.name, report.tool.version);
    let target = printable(&report.target);
    if title.chars().count() + 3 + target.chars().count() <= w {
        writeln!(out, "{} · {target}", title.bold())?;
    } else {
        // The target URL is one token: it gets a line of its own rather than being cut.
        writeln!(out, "{}", title.bold())?;
        writeln!(out, "{target}")?;
    }
    for note in &report.notes {
        for line in wrap(&format!("note: {note}"), "  ", "        ", w) {
            writeln!(out, "{}", line.dimmed())?;
        }
    }
    writeln!(out)
}

/// One line per baseline stage: name, time right-aligned, what happened (wrapped under itself).
fn waterfall(report: &Report, w: usize, out: &mut dyn Write) -> io::Result<()> {
    // TLS never applies to ws:// (or an http:// control), whatever failed before it.
    let plaintext = report
        .baseline()
        .map_or(&report.target, |a| &a.url)
        .starts_with("ws://");
    let mut earlier_failure = false;
    let session = report.baseline().and_then(|a| a.session.as_ref());
    for s in &report.stages {
        let not_applicable = plaintext && s.stage == Stage::Tls;
        let line = match session.filter(|_| s.stage == Stage::Session) {
            Some(session) if s.status != StageStatus::Skipped => {
                let (open_ms, summary) = crate::wording::session_stage(&report.stages, s, session);
                stage_line(
                    &StageRecord {
                        ms: Some(open_ms),
                        summary,
                        ..s.clone()
                    },
                    false,
                    w,
                )
            }
            _ => stage_line(s, earlier_failure && !not_applicable, w),
        };
        writeln!(out, "{line}")?;
        if s.stage == Stage::Tls {
            if let Some(tls) = report.baseline().and_then(|a| a.tls.as_ref()) {
                for line in tls_detail(tls, w) {
                    writeln!(out, "{}", line.dimmed())?;
                }
            }
        }
        if s.stage == Stage::Session {
            let indent = detail_indent(w);
            for line in exchange_lines(report) {
                for l in wrap(&line, indent, &format!("{indent}  "), w) {
                    writeln!(out, "{}", l.dimmed())?;
                }
            }
        }
        earlier_failure |= s.status == StageStatus::Failed;
    }
    if let Some(h2) = &report.http2 {
        let (failed, summary) = crate::wording::http2_line(h2);
        writeln!(
            out,
            "{}",
            stage_line(
                &StageRecord {
                    stage: Stage::Upgrade,
                    status: if failed {
                        StageStatus::Failed
                    } else {
                        StageStatus::Ok
                    },
                    ms: Some(h2.ms),
                    summary,
                    error: failed.then(|| "refused".to_string()),
                },
                false,
                w,
            )
            .replacen("upgrade ", "http2   ", 1)
        )?;
    }
    if let Some(other) = &report.other_scheme {
        let line = stage_line(
            &StageRecord {
                stage: Stage::Upgrade,
                status: StageStatus::Ok,
                ms: Some(other.ms),
                summary: crate::wording::other_scheme_line(other),
                error: None,
            },
            false,
            w,
        );
        writeln!(out, "{}", line.replacen("upgrade ", "scheme  ", 1))?;
    }
    if !report.stages.is_empty() {
        writeln!(out)?;
    }
    Ok(())
}

/// Where text under a stage line starts: aligned with the stage summaries when the terminal
/// leaves them room, else a short indent.
fn detail_indent(w: usize) -> &'static str {
    const ALIGNED: &str = "                     ";
    if w >= 60 {
        ALIGNED
    } else {
        "    "
    }
}

/// A stage line, `w` wide: its text wraps under itself (or under a short indent when narrow).
fn stage_line(s: &StageRecord, earlier_failure: bool, w: usize) -> String {
    let name = format!("{:<8}", s.stage.as_str());
    let ms = match (s.status, s.ms) {
        (StageStatus::Skipped, _) | (_, None) => format!("{:>9}", "—   "),
        (_, Some(ms)) => format!("{:>9}", fmt_ms(ms)),
    };
    let mut head = format!("  {name}{ms}  ");
    let indent = detail_indent(w);
    let text = match s.status {
        StageStatus::Ok => s.summary.clone(),
        StageStatus::Failed => {
            let error = s.error.as_deref().unwrap_or("failed");
            // The class is shown once: a summary that repeats it ("untrusted_certificate: …")
            // gives its room to the sentence.
            let summary = s
                .summary
                .strip_prefix(error)
                .and_then(|r| r.strip_prefix(": "))
                .unwrap_or(&s.summary);
            let class = format!("✗ {error}  ");
            if head.chars().count() + class.chars().count() + 20 <= w {
                head.push_str(&class);
                summary.to_string()
            } else {
                format!("{class}{summary}")
            }
        }
        StageStatus::Skipped => {
            let why = if earlier_failure {
                "not reached"
            } else {
                "not applicable"
            };
            // The probe's own summary already says why ("not used: ws:// is plaintext").
            if s.summary.is_empty() {
                why.to_string()
            } else {
                s.summary.clone()
            }
        }
    };
    let lines = wrap_keeping(&text, &head, indent, w);
    let paint = |l: &str| match s.status {
        StageStatus::Ok => l.to_string(),
        StageStatus::Failed => l.red().to_string(),
        StageStatus::Skipped => l.dimmed().to_string(),
    };
    lines
        .iter()
        .map(|l| paint(l))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The TLS record under the tls stage line: the chain (subject, issuer, names, validity, days
/// left), the anchor that verified it and its source, client authentication, a received alert and
/// the ALPN retry.
fn tls_detail(tls: &TlsRecord, w: usize) -> Vec<String> {
    let indent = detail_indent(w);
    let room = w.saturating_sub(indent.len() + 7);
    let mut lines = Vec::new();
    let mut push = |label: &str, text: String| {
        // The text's own leading spaces (an issuer under its subject) stay on its first line.
        let lead = text.len() - text.trim_start().len();
        let first = format!("{indent}{label:<7}{}", &text[..lead]);
        let rest = format!("{indent}{:<7}{}   ", "", &text[..lead]);
        lines.extend(wrap_keeping(text.trim_start(), &first, &rest, w));
    };
    for (i, c) in tls.chain.iter().enumerate() {
        let label = if i == 0 { "chain" } else { "" };
        push(label, format!("#{i} {}", c.subject));
        push("", format!("   issuer {}", c.issuer));
        let day = |t: &str| t.get(..10).unwrap_or(t).to_string();
        let left = if c.days_left < 0 {
            format!("expired {} ago", count(-c.days_left, "day", "days"))
        } else {
            format!("{} left", count(c.days_left, "day", "days"))
        };
        let validity = format!(
            "   valid {} → {} ({left})",
            day(&c.not_before),
            day(&c.not_after)
        );
        let names = format!("names {}", c.sans.join(", "));
        if c.sans.is_empty() {
            push("", validity);
        } else if validity.chars().count() + names.chars().count() + 3 <= room {
            push("", format!("{validity} · {names}"));
        } else {
            push("", validity);
            push("", format!("   {names}"));
        }
    }
    if let Some(a) = &tls.anchor {
        let how = match a.matched_by.as_str() {
            "signature" => "issuer name and signature match",
            "pinned" => "the leaf itself, pinned",
            _ => "issuer name match only",
        };
        push("anchor", format!("{} ({}; {how})", a.subject, a.source));
    }
    if let Some(c) = &tls.client_auth {
        let asked = if c.requested {
            match c.acceptable_issuer_count {
                0 => "certificate requested (any issuer)".to_string(),
                n => format!(
                    "certificate requested ({}: {})",
                    count(n, "acceptable issuer", "acceptable issuers"),
                    c.acceptable_issuers.join("; ")
                ),
            }
        } else {
            "no certificate requested".to_string()
        };
        let sent = match (&c.certificate, c.sent) {
            (Some(subject), true) => format!("sent {subject}"),
            (Some(subject), false) => format!("{subject} not sent"),
            (None, _) => "none sent".to_string(),
        };
        push("client", format!("{asked}; {sent}"));
    }
    if let Some(alert) = &tls.alert {
        let when = if tls.alert_after_handshake {
            "after the handshake (first read)"
        } else {
            "during the handshake"
        };
        push("alert", format!("{alert} from the server {when}"));
    }
    if let Some(r) = &tls.alpn_retry {
        let mut result = match (r.ok, &r.alpn, &r.error) {
            (true, Some(p), _) => format!("ok, selected {p}"),
            (true, None, _) => "ok, no protocol selected".to_string(),
            (false, _, Some(e)) => format!("failed: {e}"),
            (false, _, None) => "failed".to_string(),
        };
        if let Some(v) = r.verification.as_deref().filter(|v| *v != "ok") {
            result.push_str(&format!(" (certificate: {v})"));
        }
        push(
            "alpn",
            format!(
                "[{}] refused; [{}] alone: {result}",
                tls.alpn_offered.join(", "),
                r.offered.join(", ")
            ),
        );
    }
    lines
}

/// The address fan-out: one line per resolved address with what its own attempt got (these
/// attempts are shown here rather than in the matrix).
fn addresses(report: &Report, w: usize, out: &mut dyn Write) -> io::Result<()> {
    if report.addresses.is_empty() {
        return Ok(());
    }
    let cited = cited_ids(report);
    let attempt = |id: &str| report.attempts.iter().find(|a| a.variant.id == id);
    let host = report
        .addresses
        .iter()
        .find_map(|r| attempt(&r.attempt)?.dns.as_ref().map(|d| d.host.clone()))
        .unwrap_or_default();
    let title = format!(
        "addresses of {host}: {}, each probed on its own",
        report.addresses.len()
    );
    for line in wrap(&title, "  ", "    ", w) {
        writeln!(out, "{}", line.dimmed())?;
    }
    let width = report
        .addresses
        .iter()
        .map(|r| r.address.chars().count())
        .max()
        .unwrap_or(0);
    for r in &report.addresses {
        let mut result = match attempt(&r.attempt) {
            Some(a) => super::result_text(a),
            None => r.kind.clone(),
        };
        if r.flaky() {
            if let Some(t) = &r.second_try {
                let again = t
                    .status
                    .map_or_else(|| t.kind.replace('_', " "), |s| s.to_string());
                result = format!("{result} · then {again}: transient");
            }
        }
        let fault = r.kind != "upgraded";
        let mark = fault && cited.contains(&r.attempt);
        let head = format!(
            "    {:<width$}  {}  {:>9}  ",
            r.address,
            if r.family == "ipv6" { "IPv6" } else { "IPv4" },
            fmt_ms(r.ms),
        );
        // Too narrow for the result beside the address: it goes under it.
        let (first, rest) = if w >= head.chars().count() + 20 {
            (head.clone(), " ".repeat(head.chars().count()))
        } else {
            (
                head.trim_end().to_string() + "\n      ",
                "      ".to_string(),
            )
        };
        let text = if mark {
            format!("{result}  ←")
        } else {
            result
        };
        for line in wrap_keeping(&text, &first, &rest, w) {
            match (mark, fault) {
                (true, _) => writeln!(out, "{}", line.bold())?,
                (false, true) => writeln!(out, "{}", line.red())?,
                (false, false) => writeln!(out, "{line}")?,
            }
        }
    }
    writeln!(out)
}

/// Ticket fetches, consecutive identical ones folded into one line with a count.
fn tickets(tickets: &[TicketRecord], w: usize, out: &mut dyn Write) -> io::Result<()> {
    if tickets.is_empty() {
        return Ok(());
    }
    let text = |t: &TicketRecord| {
        let answer = match (t.status, &t.error) {
            (Some(status), _) => status.to_string(),
            (None, Some(e)) => e.clone(),
            (None, None) => "no answer".to_string(),
        };
        let got = if t.obtained {
            "ticket obtained"
        } else {
            "no ticket"
        };
        format!("{} {} → {answer}, {got}", t.method, t.url)
    };
    let mut i = 0;
    while i < tickets.len() {
        let first = text(&tickets[i]);
        let mut n = 1;
        while i + n < tickets.len() && text(&tickets[i + n]) == first {
            n += 1;
        }
        let count = if n > 1 {
            format!("×{n}  ")
        } else {
            String::new()
        };
        let head = format!("  {:<8}{:>9}  ", "ticket", fmt_ms(tickets[i].ms));
        for line in wrap_keeping(&format!("{count}{first}"), &head, detail_indent(w), w) {
            if tickets[i].obtained {
                writeln!(out, "{line}")?;
            } else {
                writeln!(out, "{}", line.red())?;
            }
        }
        i += n;
    }
    writeln!(out)
}

/// One matrix row: a label, a result and whether the evidence cites it.
struct Row {
    label: String,
    result: String,
    cited: bool,
}

/// Groups whose consecutive, uncited, identical rows fold into one ("Origin: none / foreign").
fn group_title(group: &str) -> Option<&'static str> {
    match group {
        "credential" => Some("credential"),
        "origin" => Some("Origin"),
        "browser" => Some("browser"),
        "repeat" => Some("repeat"),
        _ => None,
    }
}

fn rows(report: &Report) -> Vec<Row> {
    let cited = cited_ids(report);
    let baseline = report.baseline();
    // The address fan-out's attempts have their own block.
    let attempts: Vec<&AttemptRecord> = all_attempts(report)
        .filter(|a| a.variant.group != "address" || report.addresses.is_empty())
        .collect();
    let mut rows = Vec::new();
    let mut i = 0;
    while i < attempts.len() {
        let a = attempts[i];
        let result = result_vs_baseline(a, baseline);
        let foldable = |x: &AttemptRecord| {
            !cited.contains(&x.variant.id)
                && result_vs_baseline(x, baseline).ends_with("· identical")
                && group_title(&x.variant.group).is_some()
        };
        if foldable(a) {
            let mut n = 1;
            while i + n < attempts.len()
                && attempts[i + n].variant.group == a.variant.group
                && foldable(attempts[i + n])
                && result_vs_baseline(attempts[i + n], baseline) == result
            {
                n += 1;
            }
            if n > 1 {
                let names: Vec<&str> = attempts[i..i + n]
                    .iter()
                    .map(|x| {
                        x.variant
                            .id
                            .split_once('.')
                            .map_or(x.variant.id.as_str(), |(_, rest)| rest)
                    })
                    .collect();
                let title = group_title(&a.variant.group).unwrap_or_default();
                rows.push(Row {
                    label: format!("{title}: {}", names.join(" / ")),
                    result,
                    cited: false,
                });
                i += n;
                continue;
            }
        }
        rows.push(Row {
            label: attempt_label(a),
            result,
            cited: cited.contains(&a.variant.id),
        });
        i += 1;
    }
    rows
}

/// The attempt matrix: every variant's result against the baseline's, `columns` wide. A table
/// whose cells wrap within their column; below [`TABLE_MIN`] columns, a stacked list (the label,
/// then its result under it).
fn matrix(report: &Report, columns: usize, out: &mut dyn Write) -> io::Result<()> {
    // A single attempt is already the waterfall; a table would repeat it.
    if report.attempts.len() + report.http_controls.len() < 2 {
        return Ok(());
    }
    let rows = rows(report);
    // The label column's width (within bounds) and the result column's: what the terminal leaves.
    let longest_result = rows
        .iter()
        .map(|r| r.result.chars().count())
        .max()
        .unwrap_or(0);
    let room = (columns.max(TABLE_MIN) - 2 - 2 - 3).saturating_sub(longest_result);
    // At 100 columns a label gets at most MAX_LABEL; a wider terminal gives the rest to labels.
    let max_label = (MAX_LABEL + columns).saturating_sub(WIDTH).max(MIN_LABEL);
    let width = rows
        .iter()
        .map(|r| r.label.chars().count())
        .max()
        .unwrap_or(0)
        .clamp("attempt".len(), room.clamp(MIN_LABEL, max_label));
    // A label word (an Origin URL) wider than that widens the column, if results keep room.
    let longest_word = rows
        .iter()
        .flat_map(|r| r.label.split_whitespace())
        .map(|w| w.chars().count())
        .max()
        .unwrap_or(0);
    let width = width.max(longest_word.min(columns.saturating_sub(2 + 2 + 24)));
    let result_width = columns.saturating_sub(2 + width + 2);
    // A word wider than its column would push the next one out of line: stack instead.
    let stacked = columns < TABLE_MIN
        || rows
            .iter()
            .any(|r| !fits(&r.label, width) || !fits(&r.result, result_width.saturating_sub(3)));
    if stacked {
        writeln!(out, "  {}", "attempts".dimmed())?;
        for r in &rows {
            let result = if r.cited {
                format!("{} ←", r.result)
            } else {
                r.result.clone()
            };
            for line in wrap(&r.label, "  ", "    ", columns) {
                writeln!(out, "{}", if r.cited { line.bold() } else { line.normal() })?;
            }
            for line in wrap(&format!("→ {result}"), "      ", "        ", columns) {
                writeln!(out, "{}", if r.cited { line.bold() } else { line.normal() })?;
            }
        }
        return writeln!(out);
    }
    writeln!(
        out,
        "  {}",
        format!("{:<width$}  result", "attempt").dimmed()
    )?;
    for r in &rows {
        let result = if r.cited {
            format!("{}  ←", r.result)
        } else {
            r.result.clone()
        };
        let lines = cells(&[(&r.label, width), (&result, result_width)], "  ", "  ");
        for line in lines {
            if r.cited {
                writeln!(out, "{}", line.bold())?;
            } else {
                writeln!(out, "{line}")?;
            }
        }
    }
    writeln!(out)
}

/// True when every word of `text` fits in `width` columns (a table cell can wrap it).
fn fits(text: &str, width: usize) -> bool {
    text.split_whitespace().all(|w| w.chars().count() <= width)
}

/// A table row whose cells (text, width) wrap within their columns: `lead` before the first
/// column, `gap` between columns, trailing spaces trimmed. A word longer than its column overflows
/// it on a line of its own rather than being cut.
fn cells(row: &[(&str, usize)], lead: &str, gap: &str) -> Vec<String> {
    let wrapped: Vec<Vec<String>> = row
        .iter()
        .map(|(text, width)| wrap_keeping(text, "", "", *width))
        .collect();
    let height = wrapped.iter().map(Vec::len).max().unwrap_or(0).max(1);
    (0..height)
        .map(|i| {
            let mut line = lead.to_string();
            for (j, (cell, (_, width))) in wrapped.iter().zip(row).enumerate() {
                let text = cell.get(i).map_or("", String::as_str);
                if j + 1 < row.len() {
                    line.push_str(&format!("{text:<width$}{gap}"));
                } else {
                    line.push_str(text);
                }
            }
            line.trim_end().to_string()
        })
        .collect()
}

/// Differing public/direct pairs shown before the rest are counted.
const MAX_PAIRS: usize = 12;

/// With `--direct`: the comparison's verdict line, then one row per differing pair (public answer,
/// direct answer) and a count of the pairs that agree.
fn comparison(report: &Report, w: usize, out: &mut dyn Write) -> io::Result<()> {
    let Some(c) = &report.comparison else {
        return Ok(());
    };
    let title = format!("public vs direct ({})", c.direct);
    for line in wrap(&title, "  ", "    ", w) {
        writeln!(out, "{}", line.dimmed())?;
    }
    for line in wrap(&c.summary, "  ", "  ", w) {
        writeln!(out, "{line}")?;
    }
    let differing: Vec<_> = c.differing().collect();
    if !differing.is_empty() {
        let width = differing
            .iter()
            .map(|p| p.variant.chars().count())
            .max()
            .unwrap_or(0)
            .clamp("attempt".len(), 24);
        // Two answer columns share what the id column leaves; too narrow for three columns,
        // each pair is stacked (the id, then each side's answer under it).
        let cell = w.saturating_sub(2 + width + 2 + 2) / 2;
        let stacked = cell < 16
            || differing.iter().any(|p| {
                let (public, direct) = pair_cells(p);
                !fits(&p.variant, width) || !fits(&public, cell) || !fits(&direct, cell)
            });
        if !stacked {
            writeln!(
                out,
                "  {}",
                format!("{:<width$}  {:<cell$}  direct", "attempt", "public").dimmed()
            )?;
        }
        for p in differing.iter().take(MAX_PAIRS) {
            let (public, direct) = pair_cells(p);
            let lines = if stacked {
                let mut lines = wrap(&p.variant, "  ", "    ", w);
                lines.extend(wrap(&public, "    public: ", "            ", w));
                lines.extend(wrap(&direct, "    direct: ", "            ", w));
                lines
            } else {
                cells(
                    &[(&p.variant, width), (&public, cell), (&direct, cell)],
                    "  ",
                    "  ",
                )
            };
            for row in lines {
                if p.class == crate::model::PairClass::AcceptedDirectOnly {
                    writeln!(out, "{}", row.bold())?;
                } else {
                    writeln!(out, "{row}")?;
                }
            }
        }
        if differing.len() > MAX_PAIRS {
            let more = format!(
                "… {}",
                count(
                    differing.len() - MAX_PAIRS,
                    "more differing pair",
                    "more differing pairs"
                )
            );
            for line in wrap(&more, "  ", "    ", w) {
                writeln!(out, "{}", line.dimmed())?;
            }
        }
    }
    let same = c.pairs.len() - differing.len();
    if same > 0 {
        let text = if differing.is_empty() {
            match same {
                1 => "the one pair got the same answer on both sides".to_string(),
                n => format!("all {n} pairs got the same answer on both sides"),
            }
        } else {
            format!(
                "{} got the same answer on both sides",
                count(same, "more pair", "more pairs")
            )
        };
        for line in wrap(&text, "  ", "    ", w) {
            writeln!(out, "{}", line.dimmed())?;
        }
    }
    writeln!(out)
}

/// The failing attempt as it was on the wire: `>` request, `<` response, shortened. When it is
/// the baseline and `-v` already printed its exchange on stderr, a pointer there instead.
fn wire(
    report: &Report,
    baseline_on_stderr: bool,
    w: usize,
    out: &mut dyn Write,
) -> io::Result<()> {
    let Some(a) = failing_attempt(report) else {
        return Ok(());
    };
    if a.request.is_none() {
        return Ok(());
    }
    let is_baseline = report.baseline().is_some_and(|b| std::ptr::eq(a, b));
    if baseline_on_stderr && is_baseline {
        let text = format!("{} on the wire: above, on stderr (-v)", a.variant.id);
        for line in wrap(&text, "  ", "    ", w) {
            writeln!(out, "{}", line.dimmed())?;
        }
        return writeln!(out);
    }
    for line in wrap(&format!("{} on the wire", a.variant.id), "  ", "    ", w) {
        writeln!(out, "{}", line.dimmed())?;
    }
    for l in wire_lines(a, Some(MAX_RESPONSE_HEADERS), MAX_BODY_LINES) {
        // A long header value continues under itself, after its `>` or `<` marker.
        let rest = format!("    {}   ", l.get(..1).unwrap_or(" "));
        for line in wrap_keeping(&l, "    ", &rest, w) {
            writeln!(out, "{line}")?;
        }
    }
    writeln!(out)
}

/// The verdict at the top: category, cause and confidence, its one line, and the first fix.
fn verdict(report: &Report, w: usize, out: &mut dyn Write) -> io::Result<()> {
    let d = &report.diagnosis;
    if is_fault(report) {
        let mut head = format!(
            "✗ {} · {} · confidence {:.2}",
            d.category, d.cause, d.confidence
        );
        if let Some(r) = &d.responder {
            head.push_str(&format!(" · answered by {r}"));
        }
        for line in wrap(&head, "", "  ", w) {
            writeln!(out, "{}", line.red().bold())?;
        }
    } else {
        for line in wrap(&format!("✓ {} · {}", d.category, d.cause), "", "  ", w) {
            writeln!(out, "{}", line.green().bold())?;
        }
    }
    for line in wrap(&plain(&d.summary), "  ", "  ", w) {
        writeln!(out, "{line}")?;
    }
    if let Some(first) = d.remedy.first().filter(|_| is_fault(report)) {
        for line in wrap(&format!("fix: {}", plain(first)), "  ", "       ", w) {
            writeln!(out, "{}", line.bold())?;
        }
    }
    writeln!(out)
}

/// What the verdict rests on, after the measurements: evidence, alternatives, the weighing, the
/// variants not run, how to confirm, and every fix with its snippets.
fn reasons(report: &Report, w: usize, out: &mut dyn Write) -> io::Result<()> {
    let d = &report.diagnosis;
    let section =
        |out: &mut dyn Write, title: &str, items: &[String]| section(out, title, items, w);
    section(out, "evidence", &d.evidence)?;
    let alternatives: Vec<String> = d
        .alternatives
        .iter()
        .map(|a| format!("{}: {}", a.cause, a.why))
        .collect();
    section(out, "could also be", &alternatives)?;
    section(out, "weighed", &weighed(d))?;
    section(out, "not run", &not_run_lines(report))?;
    section(out, "cannot tell apart", &blind_spot_lines(report))?;
    if let Some(next) = &d.next_step {
        writeln!(out, "  {}", "to confirm".dimmed())?;
        for line in wrap(&plain(next), "    ", "      ", w) {
            writeln!(out, "{line}")?;
        }
    }
    // A fault's first fix is under the verdict at the top.
    let shown = usize::from(is_fault(report)).min(d.remedy.len());
    let title = if shown == 0 { "fix" } else { "other fixes" };
    section(out, title, d.remedy.get(shown..).unwrap_or_default())?;
    for s in &d.snippets {
        let title = if s.title.is_empty() {
            format!("fix ({})", s.target)
        } else {
            format!("fix ({}, {})", s.target, s.title)
        };
        for line in wrap(&title, "  ", "    ", w) {
            writeln!(out, "{}", line.dimmed())?;
        }
        for l in s.code.lines() {
            // Code keeps its own indentation; a line too long continues further in.
            let lead = l.len() - l.trim_start().len();
            let first = format!("    {}", &l[..lead]);
            let rest = format!("{first}    ");
            for line in wrap_keeping(l.trim_start(), &first, &rest, w) {
                writeln!(out, "{}", line.cyan())?;
            }
        }
    }
    Ok(())
}

/// One line per serious contender of the scoring (`diagnosis.considered`): its share of belief and
/// how many attempts it explains or contradicts, so a reader sees why the winner won. At most
/// four; nothing when the winner stood alone.
fn weighed(d: &crate::model::Diagnosis) -> Vec<String> {
    if d.considered.len() < 2 {
        return Vec::new();
    }
    d.considered
        .iter()
        .take(4)
        .map(|c| {
            let against = match c.contradicted.as_slice() {
                [] => "contradicts none".to_string(),
                ids if ids.len() <= 2 => format!("ruled out by {}", ids.join(", ")),
                ids => format!("ruled out by {}", count(ids.len(), "attempt", "attempts")),
            };
            format!(
                "{} {:.2} · explains {} · {against}",
                c.cause,
                c.share,
                c.explained.len()
            )
        })
        .collect()
}

/// A dimmed heading and `·` bullets, wrapped with a hanging indent.
fn section(out: &mut dyn Write, title: &str, items: &[String], w: usize) -> io::Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    writeln!(out, "  {}", title.dimmed())?;
    for item in items {
        for line in wrap(&plain(item), "    · ", "      ", w) {
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}

/// Findings: `!` warnings, then `i` infos, each with its evidence.
fn findings(report: &Report, w: usize, out: &mut dyn Write) -> io::Result<()> {
    if report.findings.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    for f in &report.findings {
        let (mark, word) = match f.severity {
            Severity::Warning => ("!", "warning"),
            Severity::Info => ("i", "info"),
        };
        let head = format!("{mark} {word} · {}", f.cause);
        for head in wrap(&head, "", "  ", w) {
            match f.severity {
                Severity::Warning => writeln!(out, "{}", head.yellow().bold())?,
                Severity::Info => writeln!(out, "{}", head.bold())?,
            }
        }
        for line in wrap(&plain(&f.summary), "  ", "  ", w) {
            writeln!(out, "{line}")?;
        }
        for e in &f.evidence {
            for line in wrap(&plain(e), "    · ", "      ", w) {
                writeln!(out, "{line}")?;
            }
        }
    }
    Ok(())
}

/// Word-wraps `text` to `w` columns: the first line starts with `first`, the others with `rest`.
/// Words are never cut: one longer than a line (a URL, a token) stands on a line of its own.
/// Runs of spaces inside the text collapse to one.
pub(crate) fn wrap(text: &str, first: &str, rest: &str, w: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = first.to_string();
    let mut empty = true;
    for word in text.split_whitespace() {
        let word = printable(word);
        let needed = line.chars().count() + usize::from(!empty) + word.chars().count();
        let fits_below = rest.chars().count() < line.chars().count();
        if needed > w && (!empty || (fits_below && !line.trim().is_empty())) {
            // A first word too long for what follows the head goes under it.
            let done = std::mem::replace(&mut line, rest.to_string());
            lines.push(done.trim_end().to_string());
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(&word);
        empty = false;
    }
    if !empty {
        lines.push(line);
    }
    lines
}

/// [`wrap`] for text whose inner spacing is part of its layout (a stage's `✗ class  summary`, a
/// header line): when it fits on the first line it is kept as it is. `first` may itself hold a
/// line break (a head on its own line).
fn wrap_keeping(text: &str, first: &str, rest: &str, w: usize) -> Vec<String> {
    let (head_lines, first) = match first.rsplit_once('\n') {
        Some((above, first)) => (above.lines().map(str::to_string).collect(), first),
        None => (Vec::new(), first),
    };
    let text = printable(text);
    let mut lines: Vec<String> = head_lines;
    if first.chars().count() + text.chars().count() <= w {
        lines.push(format!("{first}{text}").trim_end().to_string());
    } else {
        lines.extend(wrap(&text, first, rest, w));
    }
    if lines.is_empty() {
        lines.push(first.trim_end().to_string());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Outcome;
    use crate::render::tests::{fixture, fixture_reports, rendered};
    use crate::render::Format;

    #[test]
    fn tls_detail_shows_chain_anchor_client_auth_alert_and_alpn_retry() {
        use crate::model::{AlpnRetryRecord, ClientAuthRecord, TrustAnchorInfo};
        let mut report = fixture("000_routing_wrong_upstream");
        let tls = report.attempts[0].tls.as_mut().unwrap();
        tls.anchor = Some(TrustAnchorInfo {
            subject: "CN=ISRG Root X1".into(),
            source: "webpki-roots".into(),
            matched_by: "signature".into(),
        });
        tls.client_auth = Some(ClientAuthRecord {
            requested: true,
            sent: false,
            certificate: None,
            certificate_issuer: None,
            acceptable_issuer_count: 1,
            acceptable_issuers: vec!["CN=client CA".into()],
        });
        tls.alert = Some("certificate_required".into());
        tls.alert_after_handshake = true;
        tls.alpn_retry = Some(AlpnRetryRecord {
            offered: vec!["h2".into()],
            ok: true,
            alpn: Some("h2".into()),
            error: None,
            verification: Some("ok".into()),
        });
        let text = rendered(&report, Format::Human);
        for want in [
            "chain  #0 CN=api.example.test",
            "issuer C=US, O=Let's Encrypt, CN=R11",
            "(60 days left)",
            "names api.example.test",
            "anchor CN=ISRG Root X1 (webpki-roots; issuer name and signature match)",
            "client certificate requested (1 acceptable issuer: CN=client CA); none sent",
            "alert  certificate_required from the server after the handshake (first read)",
            "alpn   [http/1.1] refused; [h2] alone: ok, selected h2",
        ] {
            assert!(text.contains(want), "{want}\n{text}");
        }
        assert!(text.lines().all(|l| l.chars().count() <= WIDTH));
    }

    #[test]
    fn every_fixture_fits_in_100_columns_and_is_deterministic() {
        for (name, report) in fixture_reports() {
            let text = rendered(&report, Format::Human);
            for line in text.lines() {
                assert!(
                    line.chars().count() <= WIDTH,
                    "{name}: {} columns: {line}",
                    line.chars().count()
                );
            }
            assert_eq!(text, rendered(&report, Format::Human), "{name}");
            assert!(!text.contains('\x1b'), "{name}: colour was forced off");
        }
    }

    #[test]
    fn wrong_upstream_folds_identical_rows_and_marks_the_cited_ones() {
        let text = rendered(&fixture("000_routing_wrong_upstream"), Format::Human);
        let row = |start: &str| {
            text.lines()
                .find(|l| l.trim_start().starts_with(start))
                .unwrap_or_else(|| panic!("no row {start} in\n{text}"))
                .to_string()
        };
        assert!(row("baseline (X-API-Key, Origin app.example.test)")
            .contains("403 · uvicorn, empty body  ←"));
        assert!(row("no credential").contains("403 · identical  ←"));
        assert!(
            row("credential: header / query / cookie / subprotocol").ends_with("403 · identical")
        );
        assert!(row("Origin: none / same / foreign / null").ends_with("403 · identical"));
        assert!(row("plain GET, same URL").contains(r#"404 · uvicorn, {"detail":"Not Found"}  ←"#));
        assert!(row("GET /api/v1/health").contains("200 · uvicorn"));
        assert!(text.contains("✗ routing · routing.wrong_upstream · confidence 0.85"));
        assert!(text.contains("\n  session      —     not reached\n"));
    }

    #[test]
    fn the_failing_request_is_shown_redacted_as_sent() {
        let text = rendered(&fixture("000_routing_wrong_upstream"), Format::Human);
        assert!(text.contains("    > GET /api/v1/print/servers/42/ws HTTP/1.1"));
        assert!(text.contains("    > X-API-Key: [redacted]"));
        assert!(text.contains("    < HTTP/1.1 403 Forbidden"));
        assert!(text.contains("    < (0-byte body)"));
    }

    #[test]
    fn a_failed_stage_names_its_error_class_and_later_stages_are_not_reached() {
        let text = rendered(&fixture("tls_expired_certificate"), Format::Human);
        assert!(text.contains("\n  tls        3.1 ms  ✗ expired_certificate  certificate expired"));
        assert!(text.contains("\n  upgrade      —     not reached\n"));
        // No request was sent: there is no wire section.
        assert!(!text.contains("on the wire"));
    }

    #[test]
    fn tls_on_plain_ws_is_not_applicable() {
        let text = rendered(&fixture("tcp_refused"), Format::Human);
        assert!(text.contains("\n  tls          —     not applicable\n"));
        assert!(text.contains("\n  upgrade      —     not reached\n"));
        assert!(text.contains("note: http://127.0.0.1:9/ws mapped to ws://127.0.0.1:9/ws"));
    }

    #[test]
    fn a_close_after_upgrade_shows_the_close_frame_on_the_wire() {
        let report = fixture("004_origin_rejected_after_upgrade");
        assert!(matches!(
            report.attempts[0].outcome,
            Outcome::UpgradedThenClosed { .. }
        ));
        let text = rendered(&report, Format::Human);
        assert!(text.contains("  101 → close 1008 ORIGIN_BLOCKED after 3.0 ms  ←\n"));
        assert!(text.contains("    < [close frame 1008 ORIGIN_BLOCKED after 3.0 ms]"));
        assert!(text.contains("\n  ticket    18.4 ms  ×5  GET https://api.example.test/api/v1/ws-ticket → 200, ticket obtained"));
    }

    #[test]
    fn healthy_shows_a_check_and_its_findings() {
        let text = rendered(&fixture("ok_healthy_origin_not_enforced"), Format::Human);
        assert!(text.contains("✓ ok · ok.healthy\n"));
        assert!(text.contains("! warning · origin.not_enforced\n"));
        assert!(text.contains("i info · auth.header_only\n"));
        assert!(!text.contains("on the wire"));
    }

    /// Issue 12 point 14: the verdict, its one line and the first fix open the report, before
    /// the waterfall, the matrix and the wire, so they are on the first screen of `| less`.
    #[test]
    fn the_verdict_and_its_first_fix_come_before_the_waterfall_and_the_wire() {
        let text = rendered(&fixture("000_routing_wrong_upstream"), Format::Human);
        let at = |needle: &str| {
            text.find(needle)
                .unwrap_or_else(|| panic!("no {needle:?} in\n{text}"))
        };
        let verdict = at("✗ routing · routing.wrong_upstream · confidence 0.85");
        let fix = at("  fix: route the WebSocket path to the backend");
        assert!(verdict < fix && fix < at("\n  dns "), "{text}");
        assert!(at("\n  dns ") < at("on the wire") && at("on the wire") < at("  evidence\n"));
        assert!(
            text.lines().take(12).any(|l| l.starts_with("✗ routing")),
            "the verdict is on the first screen:\n{text}"
        );
        assert_eq!(text.matches("✗ routing · ").count(), 1, "{text}");
        // The first fix is not repeated below; the others follow the evidence.
        assert_eq!(
            text.matches("route the WebSocket path to the backend")
                .count(),
            1
        );
        assert!(text.contains("  other fixes\n    · keep the proxy's read timeout"));
    }

    #[test]
    fn the_matrix_label_column_follows_the_terminal_width() {
        let report = fixture("ok_healthy_origin_not_enforced");
        let at = |columns: usize| {
            colored::control::set_override(false);
            let mut out = Vec::new();
            render_with(&report, &Layout::for_columns(Some(columns)), &mut out).unwrap();
            String::from_utf8(out).unwrap()
        };
        let full = "baseline (Authorization: Bearer, Origin chat.example.test)";
        let default = rendered(&report, Format::Human);
        assert_eq!(default, at(100));
        assert!(!default.contains(full), "cut at 100 columns:\n{default}");
        let wide = at(160);
        assert!(wide.contains(full), "{wide}");
        let narrow = at(60);
        // At 60 columns an Origin URL does not fit the label column: the matrix is stacked.
        let matrix: Vec<&str> = narrow
            .lines()
            .skip_while(|l| !l.starts_with("  attempts"))
            .take_while(|l| !l.is_empty())
            .collect();
        assert!(matrix.len() > 3, "{narrow}");
        for l in matrix {
            assert!(
                l.chars().count() <= 60,
                "{} columns: {l}",
                l.chars().count()
            );
        }
    }

    #[test]
    fn the_session_line_shows_the_time_to_open_and_says_how_long_it_watched() {
        let text = rendered(&fixture("ok_healthy_origin_not_enforced"), Format::Human);
        // dns 1.2 + tcp 1.9 + tls 8.7 + upgrade 4.4 = 16.2 ms to the open connection.
        assert!(
            text.contains("\n  session   16.2 ms  opened (connect + handshake) · watched 2.00 s, stayed open · ping 0.7 ms\n"),
            "{text}"
        );
        let text = rendered(&fixture("004_origin_rejected_after_upgrade"), Format::Human);
        assert!(
            text.contains("\n  session   20.1 ms  ✗ closed  opened, then close 1008 ORIGIN_BLOCKED after 3.0 ms\n"),
            "{text}"
        );
    }

    #[test]
    fn a_count_of_one_reads_in_the_singular() {
        use crate::model::WireHeader;
        let mut report = fixture("000_routing_wrong_upstream");
        let a = &mut report.attempts[0];
        let tls = a.tls.as_mut().unwrap();
        tls.chain[0].days_left = 1;
        tls.chain[1].days_left = -1;
        let resp = a.response.as_mut().unwrap();
        while resp.headers.len() < MAX_RESPONSE_HEADERS + 1 {
            resp.headers.push(WireHeader {
                name: "x-pad".into(),
                value: "1".into(),
            });
        }
        let text = rendered(&report, Format::Human);
        for want in ["(1 day left)", "(expired 1 day ago)", "< … 1 more header\n"] {
            assert!(text.contains(want), "{want}\n{text}");
        }
        assert!(!text.contains("1 days") && !text.contains("(s)"), "{text}");
    }

    #[test]
    fn wrap_keeps_words_whole_and_indents_continuations() {
        let text = "word ".repeat(40);
        let lines = wrap(&text, "  ", "    ", WIDTH);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| l.chars().count() <= WIDTH));
        assert!(lines[1].starts_with("    word"));
        // A word longer than a line stands whole on a line of its own.
        let long = "x".repeat(300);
        let lines = wrap(&format!("a {long} b"), "  ", "  ", WIDTH);
        assert_eq!(
            lines,
            vec!["  a".to_string(), format!("  {long}"), "  b".to_string()]
        );
    }

    /// The words of a rendering: what a reader sees, whatever the wrapping.
    fn words(text: &str) -> std::collections::BTreeSet<String> {
        text.split_whitespace().map(str::to_string).collect()
    }

    /// Issue 28 point 2: at 40, 60, 80 and 120 columns every line of every canned report fits,
    /// except a line that is one unbreakable token (after its indent and marker), and no word is
    /// split or cut: every word at a narrow width is a word of the widest rendering.
    #[test]
    fn every_fixture_wraps_at_40_60_80_and_120_columns_without_splitting_a_word() {
        colored::control::set_override(false);
        let at = |report: &Report, columns: usize| {
            let mut out = Vec::new();
            render_with(report, &Layout::for_columns(Some(columns)), &mut out).unwrap();
            String::from_utf8(out).unwrap()
        };
        for (name, report) in fixture_reports() {
            let wide = words(&at(&report, 200));
            // Stacked layouts add their own small words.
            let stacked: std::collections::BTreeSet<String> =
                ["attempts", "→", "public:", "direct:"]
                    .map(String::from)
                    .into();
            for columns in [40, 60, 80, 120] {
                let text = at(&report, columns);
                for line in text.lines() {
                    let tokens: Vec<&str> = line.split_whitespace().collect();
                    let one_token = tokens.len() <= 2
                        && tokens
                            .last()
                            .is_some_and(|t| t.chars().count() > columns / 2);
                    assert!(
                        line.chars().count() <= columns || one_token,
                        "{name} at {columns}: {} columns: {line}\n{text}",
                        line.chars().count()
                    );
                }
                for word in words(&text) {
                    assert!(
                        wide.contains(&word) || stacked.contains(&word),
                        "{name} at {columns}: {word:?} is not a word of the report\n{text}"
                    );
                }
                assert!(
                    !text.contains('…') || at(&report, 200).contains('…'),
                    "{name}"
                );
            }
        }
    }
}
