//! render::partial: the report of an interrupted probe (`model::partial::PartialReport`) in every
//! format: what was measured, attempt by attempt, and no diagnosis. Pure, like every renderer.

use std::io::{self, Write};

use colored::Colorize;

use super::{fmt_ms, printable, Format};
use crate::model::partial::{PartialAttempt, PartialReport};
use crate::model::{StageRecord, StageStatus};

/// Writes the partial report in the chosen format.
pub fn render(p: &PartialReport, format: Format, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Human => text(p, out, false),
        Format::Markdown => text(p, out, true),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, p)?;
            writeln!(out)
        }
        Format::Junit => junit(p, out),
        Format::Github => writeln!(
            out,
            "::warning title=wsdoctor interrupted::{}",
            github_escape(&headline(p))
        ),
    }
}

/// The one line printed on stdout when `--output` took the partial report.
pub fn verdict_line(p: &PartialReport) -> String {
    headline(p)
}

fn headline(p: &PartialReport) -> String {
    let finished = p.attempts.iter().filter(|a| a.finished).count();
    // Ctrl-C is what a person at the terminal did; another signal is named.
    let by = match p.signal.as_deref() {
        Some(s) if s != "SIGINT" => format!(" by {s}"),
        _ => String::new(),
    };
    format!(
        "wsdoctor: interrupted{by} after {} · partial report, no diagnosis · {} · {finished} attempt{} finished, {} cut off",
        fmt_ms(p.duration_ms),
        printable(&p.target),
        if finished == 1 { "" } else { "s" },
        p.attempts.len() - finished
    )
}

fn stage_text(s: &StageRecord) -> String {
    let status = match s.status {
        StageStatus::Ok => "ok",
        StageStatus::Failed => "failed",
        StageStatus::Skipped => "skipped",
    };
    let ms = s.ms.map(|m| format!(" {}", fmt_ms(m))).unwrap_or_default();
    format!(
        "{} {status}{ms} ({})",
        s.stage.as_str(),
        printable(&s.summary)
    )
}

fn attempt_lines(a: &PartialAttempt) -> Vec<String> {
    let mut lines: Vec<String> = a.stages.iter().map(stage_text).collect();
    match (&a.result, &a.interrupted_in) {
        (Some(result), _) => lines.push(format!("result: {}", printable(result))),
        (None, Some(i)) => lines.push(format!(
            "{}: interrupted while waiting for {}{}",
            i.stage.as_str(),
            printable(&i.waiting_for),
            a.waited_ms
                .map(|ms| format!(" (after {})", fmt_ms(ms)))
                .unwrap_or_default()
        )),
        (None, None) => {}
    }
    lines
}

fn text(p: &PartialReport, out: &mut dyn Write, markdown: bool) -> io::Result<()> {
    let head = headline(p);
    if markdown {
        writeln!(out, "# {head}\n")?;
    } else {
        writeln!(out, "{}", head.bold())?;
        writeln!(out)?;
    }
    for note in &p.notes {
        writeln!(out, "note: {}", printable(note))?;
    }
    for a in &p.attempts {
        let state = if a.finished { "finished" } else { "cut off" };
        if markdown {
            writeln!(out, "## `{}` ({state})\n", a.attempt)?;
            for l in attempt_lines(a) {
                writeln!(out, "- {l}")?;
            }
            writeln!(out)?;
        } else {
            writeln!(out, "{} ({state})", a.attempt.bold())?;
            for l in attempt_lines(a) {
                writeln!(out, "  {l}")?;
            }
        }
    }
    let closing =
        "No diagnosis: a diagnosis reads the whole run, and this one was stopped. Run it again to the end for the cause.";
    if markdown {
        writeln!(out, "{closing}")
    } else {
        writeln!(out)?;
        writeln!(out, "{}", closing.dimmed())
    }
}

fn junit(p: &PartialReport, out: &mut dyn Write) -> io::Result<()> {
    let mut detail = String::new();
    for a in &p.attempts {
        detail.push_str(&a.attempt);
        detail.push('\n');
        for l in attempt_lines(a) {
            detail.push_str("  ");
            detail.push_str(&l);
            detail.push('\n');
        }
    }
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="wsdoctor" tests="1" failures="0" errors="1">"#
    )?;
    writeln!(
        out,
        r#"  <testsuite name="wsdoctor" tests="1" failures="0" errors="1" time="{:.3}">"#,
        p.duration_ms / 1000.0
    )?;
    writeln!(
        out,
        r#"    <testcase name="{}" classname="wsdoctor">"#,
        xml_escape(&p.target)
    )?;
    writeln!(
        out,
        r#"      <error message="{}">{}</error>"#,
        xml_escape(&headline(p)),
        xml_escape(&detail)
    )?;
    writeln!(out, "    </testcase>\n  </testsuite>\n</testsuites>")
}

fn xml_escape(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&apos;".to_string(),
            c => c.to_string(),
        })
        .collect()
}

fn github_escape(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::partial::{Interrupted, PARTIAL_SCHEMA};
    use crate::model::Stage;

    fn sample() -> PartialReport {
        PartialReport {
            schema: PARTIAL_SCHEMA.into(),
            interrupted: true,
            target: "ws://127.0.0.1:9/ws".into(),
            started_at: None,
            notes: vec![],
            attempts: vec![PartialAttempt {
                attempt: "baseline".into(),
                label: "baseline".into(),
                finished: false,
                result: None,
                stages: vec![StageRecord {
                    stage: Stage::Tcp,
                    status: StageStatus::Ok,
                    ms: Some(0.4),
                    summary: "connected to 127.0.0.1:9".into(),
                    error: None,
                }],
                interrupted_in: Some(Interrupted {
                    stage: Stage::Upgrade,
                    waiting_for: "the answer to the upgrade request".into(),
                }),
                waited_ms: Some(1200.0),
                record: None,
            }],
            duration_ms: 1300.0,
            signal: None,
        }
    }

    fn rendered(format: Format) -> String {
        colored::control::set_override(false);
        let mut out = Vec::new();
        render(&sample(), format, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn every_format_names_what_was_measured_and_where_it_stopped() {
        let human = rendered(Format::Human);
        assert!(human.contains("tcp ok"), "{human}");
        assert!(
            human.contains("upgrade: interrupted while waiting for the answer"),
            "{human}"
        );
        assert!(human.contains("No diagnosis"), "{human}");
        let json: serde_json::Value = serde_json::from_str(&rendered(Format::Json)).unwrap();
        assert_eq!(json["schema"], PARTIAL_SCHEMA);
        assert_eq!(json["attempts"][0]["interrupted_in"]["stage"], "upgrade");
        let xml = rendered(Format::Junit);
        assert!(roxmltree::Document::parse(&xml).is_ok(), "{xml}");
        assert!(rendered(Format::Github).starts_with("::warning title=wsdoctor interrupted::"));
        assert!(rendered(Format::Markdown).starts_with("# wsdoctor: interrupted"));
    }
}
