//! render::markdown: an incident-ready Markdown note (GitHub-flavoured): the verdict line, stage
//! timings, the attempt matrix, the public-vs-direct pairs that differ (with `--direct`), evidence, how to confirm, remedies with fenced snippets, findings
//! and the failing attempt's wire exchange in fenced `http` blocks. Table cells are escaped and
//! fences grow past any backtick run in the content, so report text cannot break the layout.

use std::io::{self, Write};

use super::{
    all_attempts, attempt_label, blind_spot_lines, cited_ids, exchange_lines, failing_attempt,
    fmt_ms, is_fault, not_run_lines, pair_cells, pair_class_text, printable, result_vs_baseline,
};
use crate::model::{Report, SessionEnd, Severity, StageStatus};

/// Writes the Markdown report.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let d = &report.diagnosis;
    writeln!(out, "# WebSocket diagnosis: {}", inline(&report.target))?;
    writeln!(out)?;
    if is_fault(report) {
        writeln!(
            out,
            "**✗ {}** · `{}` · confidence {:.2}{}",
            d.category,
            d.cause,
            d.confidence,
            d.responder
                .as_ref()
                .map(|r| format!(" · answered by {}", inline(r)))
                .unwrap_or_default()
        )?;
    } else {
        writeln!(out, "**✓ {}** · `{}`", d.category, d.cause)?;
    }
    writeln!(out)?;
    writeln!(out, "{}", inline(&d.summary))?;
    writeln!(out)?;
    // The first fix stands with the verdict, before the evidence, so the note opens with what
    // to do.
    if let Some(first) = d.remedy.first().filter(|_| is_fault(report)) {
        writeln!(out, "**Fix:** {}", inline(first))?;
        writeln!(out)?;
    }
    writeln!(
        out,
        "<sub>{} {} · {} · {}</sub>",
        report.tool.name,
        report.tool.version,
        crate::wording::count(
            report.attempts.len() + report.http_controls.len(),
            "attempt",
            "attempts"
        ),
        fmt_ms(report.duration_ms)
    )?;
    for note in &report.notes {
        writeln!(out)?;
        writeln!(out, "> note: {}", inline(note))?;
    }

    list(out, "Evidence", &d.evidence)?;
    if !d.alternatives.is_empty() {
        let alts: Vec<String> = d
            .alternatives
            .iter()
            .map(|a| format!("`{}`: {}", a.cause, a.why))
            .collect();
        list(out, "Could also be", &alts)?;
    }
    list(out, "Not run", &not_run_lines(report))?;
    list(out, "Cannot tell apart", &blind_spot_lines(report))?;
    if let Some(next) = &d.next_step {
        writeln!(out)?;
        writeln!(out, "## To confirm")?;
        writeln!(out)?;
        if is_command(next) {
            fenced(out, "sh", next)?;
        } else {
            writeln!(out, "{}", inline(next))?;
        }
    }
    if !d.remedy.is_empty() || !d.snippets.is_empty() {
        list(out, "Fix", &d.remedy)?;
        if d.remedy.is_empty() {
            writeln!(out)?;
            writeln!(out, "## Fix")?;
        }
        for s in &d.snippets {
            writeln!(out)?;
            if s.title.is_empty() {
                writeln!(out, "### {}", inline(&s.target))?;
            } else {
                writeln!(out, "### {} — {}", inline(&s.target), inline(&s.title))?;
            }
            writeln!(out)?;
            fenced(out, &s.lang, &s.code)?;
        }
    }

    stages(report, out)?;
    let exchange = exchange_lines(report);
    if !exchange.is_empty() {
        writeln!(out)?;
        writeln!(out, "## Exchange (baseline)")?;
        writeln!(out)?;
        fenced(out, "text", &exchange.join("\n"))?;
    }
    addresses(report, out)?;
    matrix(report, out)?;
    comparison(report, out)?;
    wire(report, out)?;
    findings(report, out)
}

fn stages(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    if report.stages.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "## Stages (baseline)")?;
    writeln!(out)?;
    writeln!(out, "| stage | time | status | detail |")?;
    writeln!(out, "|---|--:|---|---|")?;
    let session = report.baseline().and_then(|a| a.session.as_ref());
    for s in &report.stages {
        // The session's time is the time to the open connection; how long it was watched is
        // said in its detail.
        let opened = session
            .filter(|_| s.stage == crate::model::Stage::Session && s.status != StageStatus::Skipped)
            .map(|session| crate::wording::session_stage(&report.stages, s, session));
        let (time, summary) = match opened {
            Some((open_ms, text)) => (fmt_ms(open_ms), text),
            None => (
                s.ms.map(fmt_ms).unwrap_or_else(|| "—".to_string()),
                s.summary.clone(),
            ),
        };
        let status = match (s.status, &s.error) {
            (StageStatus::Ok, _) => "ok".to_string(),
            (StageStatus::Failed, Some(e)) => format!("**failed: {}**", cell(e)),
            (StageStatus::Failed, None) => "**failed**".to_string(),
            (StageStatus::Skipped, _) => "skipped".to_string(),
        };
        writeln!(
            out,
            "| {} | {time} | {status} | {} |",
            s.stage.as_str(),
            cell(&summary)
        )?;
    }
    if let Some(h2) = &report.http2 {
        let (failed, summary) = crate::wording::http2_line(h2);
        let status = if failed { "**failed**" } else { "ok" };
        writeln!(
            out,
            "| http2 (RFC 8441) | {} | {status} | {} |",
            fmt_ms(h2.ms),
            cell(&summary)
        )?;
    }
    if let Some(other) = &report.other_scheme {
        writeln!(
            out,
            "| other scheme | {} | ok | {} |",
            fmt_ms(other.ms),
            cell(&crate::wording::other_scheme_line(other))
        )?;
    }
    Ok(())
}

/// Every resolved address with what its own pinned attempt got.
fn addresses(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    if report.addresses.is_empty() {
        return Ok(());
    }
    let cited = cited_ids(report);
    writeln!(out)?;
    writeln!(out, "## Addresses")?;
    writeln!(out)?;
    writeln!(out, "| address | family | attempt | result | time |")?;
    writeln!(out, "|---|---|---|---|--:|")?;
    for r in &report.addresses {
        let mut result = match report.attempts.iter().find(|a| a.variant.id == r.attempt) {
            Some(a) => cell(&super::result_text(a)),
            None => cell(&r.kind),
        };
        if cited.contains(&r.attempt) {
            result = format!("**{result}** ←");
        }
        writeln!(
            out,
            "| {} | {} | `{}` | {result} | {} |",
            cell(&r.address),
            r.family,
            r.attempt,
            fmt_ms(r.ms)
        )?;
    }
    Ok(())
}

fn matrix(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let cited = cited_ids(report);
    let baseline = report.baseline();
    writeln!(out)?;
    writeln!(out, "## Attempts")?;
    writeln!(out)?;
    writeln!(out, "| attempt | variant | result | time |")?;
    writeln!(out, "|---|---|---|--:|")?;
    // The address fan-out's attempts are in their own table.
    for a in all_attempts(report).filter(|a| a.variant.group != "address") {
        let mut label = cell(&attempt_label(a));
        let mut result = cell(&result_vs_baseline(a, baseline));
        if cited.contains(&a.variant.id) {
            label = format!("**{label}**");
            result = format!("**{result}** ←");
        }
        writeln!(
            out,
            "| {label} | `{}` | {result} | {} |",
            a.variant.id,
            fmt_ms(a.ms)
        )?;
    }
    Ok(())
}

/// With `--direct`: the comparison's verdict and a table of the pairs that differ.
fn comparison(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let Some(c) = &report.comparison else {
        return Ok(());
    };
    writeln!(out)?;
    writeln!(
        out,
        "## Public vs direct (`{}`)",
        inline(&c.direct).replace('`', "'")
    )?;
    writeln!(out)?;
    writeln!(out, "{}", inline(&c.summary))?;
    let differing: Vec<_> = c.differing().collect();
    if !differing.is_empty() {
        writeln!(out)?;
        writeln!(out, "| attempt | public | direct | difference |")?;
        writeln!(out, "|---|---|---|---|")?;
        // Bodies such as nginx's `<html><head><title>…` would be read as HTML in a table cell.
        let text = |s: &str| cell(s).replace('<', "&lt;");
        for p in &differing {
            let (public, direct) = pair_cells(p);
            writeln!(
                out,
                "| `{}` | {} | {} | {} |",
                p.variant.replace('`', "'"),
                text(&public),
                text(&direct),
                pair_class_text(p.class)
            )?;
        }
    }
    let same = c.pairs.len() - differing.len();
    if same > 0 {
        writeln!(out)?;
        if differing.is_empty() {
            match same {
                1 => writeln!(out, "The one pair got the same answer on both sides.")?,
                n => writeln!(out, "All {n} pairs got the same answer on both sides.")?,
            }
        } else {
            writeln!(
                out,
                "{} got the same answer on both sides.",
                crate::wording::count(same, "more pair", "more pairs")
            )?;
        }
    }
    Ok(())
}

fn wire(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let Some(a) = failing_attempt(report) else {
        return Ok(());
    };
    let Some(req) = &a.request else {
        return Ok(());
    };
    writeln!(out)?;
    writeln!(out, "## On the wire (`{}`, secrets redacted)", a.variant.id)?;
    writeln!(out)?;
    let mut text = format!("{} {} HTTP/1.1\n", req.method, req.path);
    for h in &req.headers {
        text.push_str(&format!("{}: {}\n", h.name, h.value));
    }
    fenced(out, "http", &text)?;
    if let Some(resp) = &a.response {
        let mut text = format!("{} {} {}\n", resp.version, resp.status, resp.reason);
        for h in &resp.headers {
            text.push_str(&format!("{}: {}\n", h.name, h.value));
        }
        if !resp.body_excerpt.is_empty() {
            text.push('\n');
            text.push_str(&resp.body_excerpt);
        }
        writeln!(out)?;
        fenced(out, "http", &text)?;
        let more = if resp.body_truncated {
            ", more not read"
        } else {
            ""
        };
        if resp.status != 101 {
            writeln!(out)?;
            writeln!(out, "Body: {} bytes read{more}.", resp.body_bytes)?;
        }
    }
    if let Some(session) = &a.session {
        let line = match &session.end {
            SessionEnd::StillOpen => None,
            SessionEnd::CloseFrame {
                code,
                reason,
                after_ms,
            } => Some(format!(
                "Then a close frame {} `{}` after {}.",
                code.map_or_else(|| "without a code".to_string(), |c| c.to_string()),
                printable(&reason.replace('`', "'")),
                fmt_ms(*after_ms)
            )),
            SessionEnd::Dropped { how, after_ms } => Some(format!(
                "Then the connection dropped without a close frame ({}) after {}.",
                inline(how),
                fmt_ms(*after_ms)
            )),
            SessionEnd::ProtocolError { detail, after_ms } => Some(format!(
                "Then a framing error after {}: {}.",
                fmt_ms(*after_ms),
                inline(detail)
            )),
            SessionEnd::PingFlood {
                pings,
                per_second,
                after_ms,
            } => Some(format!(
                "Then {pings} pings in {} ({per_second:.0}/s): a flood; wsdoctor stopped reading.",
                fmt_ms(*after_ms)
            )),
        };
        if let Some(line) = line {
            writeln!(out)?;
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}

fn findings(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    if report.findings.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "## Findings")?;
    writeln!(out)?;
    for f in &report.findings {
        let word = match f.severity {
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        writeln!(out, "- **{word}** `{}`: {}", f.cause, inline(&f.summary))?;
        for e in &f.evidence {
            writeln!(out, "  - {}", inline(e))?;
        }
    }
    Ok(())
}

/// A `## title` and a bullet list (nothing when empty).
fn list(out: &mut dyn Write, title: &str, items: &[String]) -> io::Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "## {title}")?;
    writeln!(out)?;
    for item in items {
        writeln!(out, "- {}", inline(item))?;
    }
    Ok(())
}

/// A fenced block whose fence is longer than any backtick run inside `code`.
fn fenced(out: &mut dyn Write, lang: &str, code: &str) -> io::Result<()> {
    let longest = code.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    let lang: String = lang
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+'))
        .collect();
    writeln!(out, "{fence}{lang}")?;
    for line in code.trim_end_matches('\n').lines() {
        writeln!(out, "{}", printable(line))?;
    }
    writeln!(out, "{fence}")
}

/// One line of prose: newlines folded, so report text cannot open a heading or a block, and
/// everything a server may have written escaped — no live HTML (`<img onerror=…>`), no links
/// (`[x](http://…)`, bare `http://…`, `www.…`, `a@b.c`), no emphasis. Code spans (the report cites
/// ids in backticks) are kept: nothing inside one is live; an unpaired backtick is escaped.
pub(crate) fn inline(s: &str) -> String {
    let folded = printable(&s.split_whitespace().collect::<Vec<_>>().join(" "));
    let parts: Vec<&str> = folded.split('`').collect();
    let unpaired = parts.len() % 2 == 0;
    let mut out = String::with_capacity(folded.len() + 16);
    for (i, part) in parts.iter().enumerate() {
        let inside = i % 2 == 1 && !(unpaired && i == parts.len() - 1);
        if inside {
            out.push('`');
            out.push_str(part);
            out.push('`');
        } else {
            if i % 2 == 1 {
                // The unpaired last backtick: shown as itself.
                out.push_str("\\`");
            }
            out.push_str(&escape_text(part));
        }
    }
    out
}

/// Markdown and HTML made inert in text outside code spans. GitHub turns bare URLs, `www.`
/// names and e-mail addresses into links after escapes are resolved, so those are broken with a
/// zero-width space instead (`http:/\u{200B}/evil`), which keeps them readable.
fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '*' | '_' | '[' | ']' | '~' | '!' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '@' => out.push_str("@\u{200B}"),
            c => out.push(c),
        }
    }
    let lower = out.to_ascii_lowercase();
    let mut defanged = String::with_capacity(out.len() + 8);
    let mut last = 0;
    for (i, _) in lower.match_indices("://") {
        let scheme_start = lower[..i]
            .rfind(|c: char| !c.is_ascii_alphanumeric())
            .map_or(0, |p| p + 1);
        if matches!(&lower[scheme_start..i], "http" | "https" | "ftp") {
            defanged.push_str(&out[last..i + 2]);
            defanged.push('\u{200B}');
            last = i + 2;
        }
    }
    defanged.push_str(&out[last..]);
    defanged
        .replace("www.", "www\u{200B}.")
        .replace("WWW.", "WWW\u{200B}.")
}

/// True for a step that is a command to run (it goes in a `sh` fence); plain-English steps are
/// prose.
fn is_command(step: &str) -> bool {
    const COMMANDS: &[&str] = &[
        "curl ",
        "wsdoctor ",
        "websocat ",
        "wscat ",
        "openssl ",
        "dig ",
        "nc ",
        "kubectl ",
        "docker ",
        "sudo ",
        "grep ",
        "nginx ",
        "systemctl ",
        "journalctl ",
    ];
    !step.contains('\n') && COMMANDS.iter().any(|c| step.starts_with(c))
}

/// A table cell: one line, `|` escaped.
pub(crate) fn cell(s: &str) -> String {
    inline(s).replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::tests::{fixture, rendered};
    use crate::render::Format;

    /// Issue 12 point 14: the note opens with the verdict and the first fix, before the evidence,
    /// and the session row gives the time to open and, apart, how long it was watched.
    #[test]
    fn the_first_fix_stands_with_the_verdict_and_the_session_row_says_what_it_watched() {
        let text = rendered(&fixture("000_routing_wrong_upstream"), Format::Markdown);
        let fix = text
            .find("**Fix:** route the WebSocket path to the backend")
            .unwrap_or(usize::MAX);
        let evidence = text.find("## Evidence").unwrap_or(0);
        assert!(fix < evidence, "{text}");
        let text = rendered(&fixture("ok_healthy_origin_not_enforced"), Format::Markdown);
        assert!(
            !text.contains("**Fix:**"),
            "a healthy verdict has nothing to fix first"
        );
        assert!(
            text.contains("| session | 16.2 ms | ok | opened (connect + handshake) · watched 2.00 s, stayed open · ping 0.7 ms |"),
            "{text}"
        );
    }

    #[test]
    fn the_note_opens_with_the_target_and_the_verdict() {
        let text = rendered(&fixture("000_routing_wrong_upstream"), Format::Markdown);
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("# WebSocket diagnosis: wss://api.example.test/api/v1/print/servers/42/ws")
        );
        assert!(text.contains(
            "**✗ routing** · `routing.wrong_upstream` · confidence 0.85 · answered by uvicorn"
        ));
        assert!(text.contains("```nginx\nlocation ~ ^/api/v1/print/servers/.+/ws$ {\n"));
        assert!(text.contains("```caddyfile\n"));
        assert!(text.contains("```http\nGET /api/v1/print/servers/42/ws HTTP/1.1\n"));
        assert!(text.contains("| upgrade | 9.6 ms | **failed: rejected** |"));
        assert!(text.contains("| **plain GET, same URL** | `control.plain_get` |"));
    }

    #[test]
    fn server_text_is_inert_html_links_and_emphasis_escaped_code_spans_kept() {
        let body =
            "<img src=x onerror=alert(1)> [link](http://evil.test) *x* www.evil.test a@b.test";
        let t = inline(&format!(
            "the body reads {body}, as `credential.none` shows"
        ));
        assert!(
            !t.contains('<') && !t.contains("[link](") && !t.contains("http://"),
            "{t}"
        );
        assert!(!t.contains("www.evil") && !t.contains("a@b"), "{t}");
        assert!(t.contains("&lt;img") && t.contains("\\[link\\]"), "{t}");
        assert!(t.contains("`credential.none`"), "{t}");
        // An unpaired backtick cannot open a span that swallows the rest.
        assert_eq!(inline("a ` <b>"), "a \\` &lt;b&gt;");
        assert!(is_command("curl -i https://h/ws"));
        assert!(!is_command("check each backend in the pool"));
    }

    #[test]
    fn cells_and_fences_survive_hostile_text() {
        assert_eq!(cell("a | b\nc"), "a \\| b c");
        let mut out = Vec::new();
        fenced(&mut out, "py`thon", "x = ```\n").unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text, "````python\nx = ```\n````\n");
    }

    #[test]
    fn a_body_with_backticks_keeps_its_fence_closed() {
        let mut report = fixture("001_proxy_upgrade_not_forwarded");
        if let Some(resp) = report.attempts[0].response.as_mut() {
            resp.body_excerpt = "```\n# not a heading".into();
        }
        let text = rendered(&report, Format::Markdown);
        assert!(text.contains("````http\nHTTP/1.1 404 Not Found\n"));
        assert!(text.contains("\n```\n# not a heading\n````\n"));
    }
}
