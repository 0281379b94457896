//! render::check: formats a finished `CheckReport` (`wsdoctor check`, or a probe with `--expect*`
//! flags) onto a writer, in every `Format`: a summary table then the failing targets in detail
//! (human, markdown), the `wsdoctor.check/v1` object (json), one testsuite per target with one
//! testcase per expectation (junit), workflow commands (github). Also the one-line verdicts
//! printed when `--output` sends the report to a file. Pure, like every renderer.

use std::io::{self, Write};

use colored::Colorize;

use super::{fmt_ms, github, junit, markdown, plain, printable, Format};
use crate::model::check::{CheckReport, PlannedTarget, TargetResult};
use crate::model::{Report, Severity};

/// Writes the check result in the chosen format.
pub fn render(check: &CheckReport, format: Format, out: &mut dyn Write) -> io::Result<()> {
    render_with(check, format, &super::Layout::default(), out)
}

/// Writes the check result in the chosen format, laid out for `layout` (only the human format
/// reads it: its table and the failing targets' reports wrap at its width).
pub fn render_with(
    check: &CheckReport,
    format: Format,
    layout: &super::Layout,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human(check, layout.columns, out),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, check)?;
            writeln!(out)
        }
        Format::Markdown => markdown_note(check, out),
        Format::Junit => junit_doc(check, out),
        Format::Github => github_commands(check, out),
    }
}

/// The one line printed on stdout when `--output` took the check result.
pub fn verdict_line(check: &CheckReport) -> String {
    let total = check.targets.len();
    let failed = total - check.passed_count();
    if !check.unfinished.is_empty() {
        let by = match check.signal.as_deref() {
            Some(s) if s != "SIGINT" => format!(" by {s}"),
            _ => String::new(),
        };
        return format!(
            "wsdoctor check: interrupted{by} · {} of {} targets finished ({} passed, {failed} failed) · not finished: {}",
            total,
            total + check.unfinished.len(),
            total - failed,
            printable(&some_names(check.unfinished.iter().map(String::as_str)))
        );
    }
    if check.passed {
        match total {
            1 => "wsdoctor check: the one target passed".to_string(),
            n => format!("wsdoctor check: all {n} targets passed"),
        }
    } else {
        let names = check
            .targets
            .iter()
            .filter(|t| !t.passed())
            .map(|t| t.name.as_str());
        format!(
            "wsdoctor check: {failed} of {} failed: {}",
            crate::wording::count(total, "target", "targets"),
            printable(&some_names(names))
        )
    }
}

/// Names listed in a one-line summary before the rest are counted.
const LINE_NAMES: usize = 10;

/// At most [`LINE_NAMES`] names, then "and N more": a 500-target check stays one readable line.
fn some_names<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.collect();
    let mut shown = names
        .iter()
        .take(LINE_NAMES)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > LINE_NAMES {
        shown.push_str(&format!(" and {} more", names.len() - LINE_NAMES));
    }
    shown
}

/// The one line printed on stdout when `--output` took a probe report.
pub fn report_verdict_line(report: &Report) -> String {
    let d = &report.diagnosis;
    let word = if super::is_fault(report) {
        "fault"
    } else {
        "ok"
    };
    format!(
        "wsdoctor: {word} {} (confidence {:.2}) · {}",
        d.cause,
        d.confidence,
        printable(&report.target)
    )
}

/// The `--dry-run` listing: each validated target, what it will send and what it asserts
/// (`check::planned` gathers them).
pub fn plan(targets: &[PlannedTarget], out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "{} target{} valid; nothing was probed",
        targets.len(),
        if targets.len() == 1 { "" } else { "s" }
    )?;
    for t in targets {
        let mut what = vec![t.target.clone()];
        if let Some(placement) = &t.credential {
            what.push(format!(
                "credential {}",
                super::placement_text(placement).unwrap_or_default()
            ));
        }
        if let Some(o) = &t.origin {
            what.push(format!("Origin {o}"));
        }
        if t.quick {
            what.push("quick".into());
        }
        what.extend(t.selection.iter().cloned());
        writeln!(
            out,
            "  {} · {}",
            printable(&t.name),
            printable(&what.join(" · "))
        )?;
        for n in &t.asserts {
            writeln!(out, "      {}", printable(n))?;
        }
        for var in &t.unset_env {
            writeln!(
                out,
                "      needs ${} (token_env): not set here, so a real run stops there",
                printable(var)
            )?;
        }
    }
    Ok(())
}

/// The target's cause column: the diagnosed cause id.
fn cause(t: &TargetResult) -> &'static str {
    t.report.diagnosis.cause.id()
}

fn human(check: &CheckReport, columns: usize, out: &mut dyn Write) -> io::Result<()> {
    let total = check.targets.len();
    let passed = check.passed_count();
    if !check.unfinished.is_empty() {
        writeln!(out, "{}", verdict_line(check).bold())?;
    }
    let head = format!(
        "{total} target{} · {passed} passed, {} failed · {}",
        if total == 1 { "" } else { "s" },
        total - passed,
        fmt_ms(check.duration_ms)
    );
    for (i, line) in super::human::wrap(&head, "wsdoctor check · ", "  ", columns)
        .into_iter()
        .enumerate()
    {
        match line.strip_prefix("wsdoctor check") {
            Some(rest) if i == 0 => writeln!(out, "{}{rest}", "wsdoctor check".bold())?,
            _ => writeln!(out, "{line}")?,
        }
    }
    writeln!(out)?;
    let names: Vec<String> = check.targets.iter().map(|t| printable(&t.name)).collect();
    let w_name = names
        .iter()
        .map(|n| n.chars().count())
        .chain([6])
        .max()
        .unwrap_or(6)
        .min(48);
    let w_cause = check
        .targets
        .iter()
        .map(|t| cause(t).len())
        .chain([5])
        .max()
        .unwrap_or(5);
    // Too narrow for the table: one target per stacked entry (verdict and name, then the cause
    // and time under it), nothing cut.
    if 2 + w_name + 2 + 7 + 2 + w_cause + 2 + 9 > columns {
        for (t, name) in check.targets.iter().zip(&names) {
            let verdict = if t.passed() {
                "✓ pass".green()
            } else {
                "✗ FAIL".red().bold()
            };
            for (i, line) in super::human::wrap(name, "", "", columns.saturating_sub(9))
                .into_iter()
                .enumerate()
            {
                if i == 0 {
                    writeln!(out, "  {verdict} {line}")?;
                } else {
                    writeln!(out, "         {line}")?;
                }
            }
            let detail = format!("{} · {}", cause(t), fmt_ms(t.report.duration_ms));
            for line in super::human::wrap(&detail, "      ", "      ", columns) {
                writeln!(out, "{line}")?;
            }
        }
    } else {
        table(check, &names, w_name, w_cause, out)?;
    }
    human_failures(check, columns, out)
}

/// The check's table: one row per target.
fn table(
    check: &CheckReport,
    names: &[String],
    w_name: usize,
    w_cause: usize,
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(
        out,
        "  {:<w_name$}  {:<7}  {:<w_cause$}  {:>9}",
        "target", "verdict", "cause", "time"
    )?;
    for (t, name) in check.targets.iter().zip(names) {
        let name = super::shorten(name, w_name);
        let verdict = if t.passed() {
            format!("{:<7}", "✓ pass").green()
        } else {
            format!("{:<7}", "✗ FAIL").red().bold()
        };
        writeln!(
            out,
            "  {name:<w_name$}  {verdict}  {:<w_cause$}  {:>9}",
            cause(t),
            fmt_ms(t.report.duration_ms)
        )?;
    }
    Ok(())
}

/// Each failed target: its expectations, then its report indented, `columns` wide in all.
fn human_failures(check: &CheckReport, columns: usize, out: &mut dyn Write) -> io::Result<()> {
    for t in check.targets.iter().filter(|t| !t.passed()) {
        writeln!(out)?;
        for (i, line) in super::human::wrap(&t.name, "", "", columns.saturating_sub(2))
            .into_iter()
            .enumerate()
        {
            let mark = if i == 0 { "✗" } else { " " };
            writeln!(out, "{} {}", mark.red().bold(), line.bold())?;
        }
        for e in &t.expectations {
            let mark = if e.passed {
                "✓".green()
            } else {
                "✗".red().bold()
            };
            let text = format!("{}: {}", printable(&e.name), plain(&printable(&e.detail)));
            for (i, line) in super::human::wrap(&text, "", "", columns.saturating_sub(4))
                .into_iter()
                .enumerate()
            {
                if i == 0 {
                    writeln!(out, "  {mark} {line}")?;
                } else {
                    writeln!(out, "    {line}")?;
                }
            }
        }
        writeln!(out)?;
        let mut report = Vec::new();
        let inner = super::Layout::for_columns(Some(columns.saturating_sub(4)));
        super::human::render_with(&t.report, &inner, &mut report)?;
        for line in String::from_utf8_lossy(&report).lines() {
            if line.is_empty() {
                writeln!(out)?;
            } else {
                writeln!(out, "    {line}")?;
            }
        }
    }
    if check.targets.len() == 1 && check.passed {
        // A one-target check (a probe with --expect*) still shows what each assertion saw.
        for e in &check.targets[0].expectations {
            writeln!(
                out,
                "  {} {}: {}",
                "✓".green(),
                printable(&e.name),
                plain(&printable(&e.detail))
            )?;
        }
    }
    Ok(())
}

fn markdown_note(check: &CheckReport, out: &mut dyn Write) -> io::Result<()> {
    let total = check.targets.len();
    let passed = check.passed_count();
    writeln!(
        out,
        "# wsdoctor check: {passed} of {} passed",
        crate::wording::count(total, "target", "targets")
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "{} · {}",
        if check.passed {
            "**✓ passed**"
        } else {
            "**✗ failed**"
        },
        fmt_ms(check.duration_ms)
    )?;
    writeln!(out)?;
    writeln!(out, "| target | verdict | cause | time |")?;
    writeln!(out, "|---|---|---|---:|")?;
    for t in &check.targets {
        writeln!(
            out,
            "| {} | {} | `{}` | {} |",
            markdown::cell(&t.name),
            if t.passed() { "✓ pass" } else { "✗ FAIL" },
            cause(t),
            fmt_ms(t.report.duration_ms)
        )?;
    }
    for t in check.targets.iter().filter(|t| !t.passed()) {
        writeln!(out)?;
        writeln!(out, "## ✗ {}", markdown::inline(&t.name))?;
        writeln!(out)?;
        for e in &t.expectations {
            writeln!(
                out,
                "- {} `{}`: {}",
                if e.passed { "✓" } else { "✗" },
                markdown::inline(&e.name).replace('`', "'"),
                markdown::inline(&e.detail)
            )?;
        }
        writeln!(out)?;
        let mut report = Vec::new();
        super::markdown::render(&t.report, &mut report)?;
        // The target's note, two heading levels down, so it nests under the target's `##`: its
        // `# WebSocket diagnosis` becomes `###`, its sections `####`.
        let mut fence: Option<String> = None;
        for line in String::from_utf8_lossy(&report).lines() {
            let trimmed = line.trim_start();
            let ticks: String = trimmed.chars().take_while(|c| *c == '`').collect();
            if ticks.len() >= 3 {
                match &fence {
                    Some(f) if ticks.len() >= f.len() && trimmed.trim() == ticks => fence = None,
                    None => fence = Some(ticks),
                    _ => {}
                }
            }
            if fence.is_none() && line.starts_with('#') {
                writeln!(out, "##{line}")?;
            } else {
                writeln!(out, "{line}")?;
            }
        }
    }
    Ok(())
}

fn junit_doc(check: &CheckReport, out: &mut dyn Write) -> io::Result<()> {
    let tests: usize = check.targets.iter().map(|t| t.expectations.len()).sum();
    let failures: usize = check
        .targets
        .iter()
        .map(|t| t.expectations.iter().filter(|e| !e.passed).count())
        .sum();
    // An interrupted check's unfinished targets are testcases too (never missing from the
    // count): `<error>` for those cut off while probing, `<skipped>` for those never started.
    let skipped = check.not_started.len();
    let errors = check.unfinished.len() - skipped.min(check.unfinished.len());
    let tests = tests + check.unfinished.len();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="wsdoctor check" tests="{tests}" failures="{failures}" errors="{errors}" skipped="{skipped}" time="{:.3}">"#,
        check.duration_ms / 1000.0
    )?;
    for t in &check.targets {
        let r = &t.report;
        let time = format!("{:.3}", r.duration_ms / 1000.0);
        let failed = t.expectations.iter().filter(|e| !e.passed).count();
        writeln!(
            out,
            r#"  <testsuite name="{}" tests="{}" failures="{failed}" errors="0" skipped="0" time="{time}">"#,
            junit::attr(&t.name),
            t.expectations.len()
        )?;
        writeln!(out, "    <properties>")?;
        for (name, value) in [
            ("wsdoctor.target", r.target.as_str()),
            ("wsdoctor.cause", r.diagnosis.cause.id()),
            ("wsdoctor.schema", r.schema.as_str()),
        ] {
            writeln!(
                out,
                r#"      <property name="{name}" value="{}"/>"#,
                junit::attr(value)
            )?;
        }
        writeln!(out, "    </properties>")?;
        for e in &t.expectations {
            writeln!(
                out,
                r#"    <testcase name="{}" classname="wsdoctor.check.{}" time="{time}">"#,
                junit::attr(&e.name),
                junit::attr(&t.name)
            )?;
            if !e.passed {
                writeln!(
                    out,
                    r#"      <failure message="{}" type="{}">{}</failure>"#,
                    junit::attr(&plain(&e.detail)),
                    junit::attr(r.diagnosis.cause.id()),
                    junit::text(&format!("{}\n{}", plain(&e.detail), junit::failure_body(r)))
                )?;
            }
            writeln!(out, "    </testcase>")?;
        }
        let system_out = junit::system_out(r);
        if !system_out.is_empty() {
            writeln!(
                out,
                "    <system-out>{}</system-out>",
                junit::text(&system_out)
            )?;
        }
        writeln!(out, "  </testsuite>")?;
    }
    let by = check.signal.as_deref().unwrap_or("an interrupt");
    for name in &check.unfinished {
        let started = !check.not_started.contains(name);
        let (errors, skipped) = if started { (1, 0) } else { (0, 1) };
        writeln!(
            out,
            r#"  <testsuite name="{}" tests="1" failures="0" errors="{errors}" skipped="{skipped}" time="0.000">"#,
            junit::attr(name)
        )?;
        writeln!(
            out,
            r#"    <testcase name="finished" classname="wsdoctor.check.{}" time="0.000">"#,
            junit::attr(name)
        )?;
        if started {
            let message = format!("interrupted by {by} before the probe finished: no report");
            writeln!(
                out,
                r#"      <error message="{}" type="interrupted">{}</error>"#,
                junit::attr(&message),
                junit::text(&message)
            )?;
        } else {
            writeln!(
                out,
                r#"      <skipped message="{}"/>"#,
                junit::attr(&format!(
                    "not started: the check was interrupted by {by} first"
                ))
            )?;
        }
        writeln!(
            out,
            "    </testcase>
  </testsuite>"
        )?;
    }
    writeln!(out, "</testsuites>")
}

fn github_commands(check: &CheckReport, out: &mut dyn Write) -> io::Result<()> {
    for t in &check.targets {
        let r = &t.report;
        let target = format!("(target {})", r.target);
        for e in t.expectations.iter().filter(|e| !e.passed) {
            let d = &r.diagnosis;
            let mut message = format!(
                "{}: {} {target}\ndiagnosis {}: {}",
                e.name,
                plain(&e.detail),
                d.cause,
                plain(&d.summary)
            );
            if let Some(next) = &d.next_step {
                message.push_str(&format!("\nto confirm: {}", plain(next)));
            }
            for fix in &d.remedy {
                message.push_str(&format!("\nfix: {}", plain(fix)));
            }
            github::command(
                out,
                "error",
                &format!("wsdoctor check {}", t.name),
                &message,
            )?;
        }
        for f in r
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
        {
            github::command(
                out,
                "warning",
                &format!("wsdoctor check {}", t.name),
                &format!("{}: {} {target}", f.cause, plain(&f.summary)),
            )?;
        }
        if t.passed() {
            github::command(
                out,
                "notice",
                &format!("wsdoctor check {}", t.name),
                &format!(
                    "{} expectation{} held ({}) {target}",
                    t.expectations.len(),
                    if t.expectations.len() == 1 { "" } else { "s" },
                    r.diagnosis.cause
                ),
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::expect::{Expectations, VerdictExpectation};
    use crate::render::tests::fixture;

    fn sample() -> CheckReport {
        let ok = TargetResult::new(
            "healthy",
            &Expectations::default(),
            fixture("ok_healthy_origin_not_enforced"),
        );
        let bad = TargetResult::new(
            "proxy|edge",
            &Expectations {
                verdict: Some(VerdictExpectation::Ok),
                max_handshake_ms: Some(1_000_000),
                ..Default::default()
            },
            fixture("001_proxy_upgrade_not_forwarded"),
        );
        CheckReport::new(vec![ok, bad], 120.0)
    }

    fn rendered(check: &CheckReport, format: Format) -> String {
        colored::control::set_override(false);
        let mut out = Vec::new();
        render(check, format, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn human_has_the_table_then_the_failing_target() {
        let text = rendered(&sample(), Format::Human);
        assert!(
            text.starts_with("wsdoctor check · 2 targets · 1 passed, 1 failed · 120.0 ms\n"),
            "{text}"
        );
        let rows: Vec<&str> = text.lines().skip(3).take(2).collect();
        assert!(
            rows[0].contains("healthy")
                && rows[0].contains("✓ pass")
                && rows[0].contains("ok.healthy"),
            "{rows:?}"
        );
        assert!(rows[1].contains("✗ FAIL") && rows[1].contains("proxy.upgrade_not_forwarded"));
        assert!(
            text.contains("\n✗ proxy|edge\n  ✗ expect = ok: diagnosed proxy.upgrade_not_forwarded")
        );
        assert!(text.contains("  ✓ max_handshake_ms = 1000000: the handshake took"));
        // Only the failing target's full report is embedded, indented under it.
        let embedded = format!("    wsdoctor {} · ", env!("CARGO_PKG_VERSION"));
        assert_eq!(text.matches(&embedded).count(), 1, "{text}");
    }

    #[test]
    fn junit_has_a_suite_per_target_and_a_case_per_expectation() {
        let xml = rendered(&sample(), Format::Junit);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let suites: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("testsuite"))
            .collect();
        assert_eq!(suites.len(), 2);
        assert_eq!(suites[1].attribute("name"), Some("proxy|edge"));
        assert_eq!(suites[1].attribute("failures"), Some("1"));
        let root = doc.root_element();
        assert_eq!(root.attribute("tests"), Some("3"));
        assert_eq!(root.attribute("failures"), Some("1"));
        let failure = doc
            .descendants()
            .find(|n| n.has_tag_name("failure"))
            .unwrap();
        assert_eq!(
            failure.attribute("type"),
            Some("proxy.upgrade_not_forwarded")
        );
    }

    #[test]
    fn markdown_escapes_cells_and_nests_the_report() {
        let text = rendered(&sample(), Format::Markdown);
        assert!(text.starts_with("# wsdoctor check: 1 of 2 targets passed\n"));
        assert!(text.contains("| proxy\\|edge | ✗ FAIL | `proxy.upgrade_not_forwarded` |"));
        assert!(text.contains("\n### WebSocket diagnosis: "), "{text}");
    }

    #[test]
    fn github_gives_an_error_per_failed_expectation() {
        let text = rendered(&sample(), Format::Github);
        let errors: Vec<&str> = text.lines().filter(|l| l.starts_with("::error ")).collect();
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].starts_with("::error title=wsdoctor check proxy|edge::expect = ok%3A")
                || errors[0].starts_with("::error title=wsdoctor check proxy|edge::expect = ok:"),
            "{}",
            errors[0]
        );
        assert!(text
            .lines()
            .any(|l| l.starts_with("::notice title=wsdoctor check healthy::1 expectation held")));
    }

    #[test]
    fn verdict_lines() {
        assert_eq!(
            verdict_line(&sample()),
            "wsdoctor check: 1 of 2 targets failed: proxy|edge"
        );
        let r = fixture("tcp_refused");
        assert!(report_verdict_line(&r).starts_with("wsdoctor: fault tcp.refused (confidence"));
        // One target reads in the singular (issue 12 point 14).
        let one = CheckReport::new(
            vec![TargetResult::new(
                "healthy",
                &Expectations::default(),
                fixture("ok_healthy_origin_not_enforced"),
            )],
            10.0,
        );
        assert_eq!(verdict_line(&one), "wsdoctor check: the one target passed");
        assert!(rendered(&one, Format::Markdown)
            .starts_with("# wsdoctor check: 1 of 1 target passed\n"));
    }
}
