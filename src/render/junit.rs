//! render::junit: a JUnit XML document for CI test reporters. One `testsuite` named `wsdoctor`
//! with one `testcase` for the probe, named after the target. A fault is a `failure` whose
//! `message` is the cause id and summary and whose text holds the evidence and fixes; findings go
//! to `system-out`. All text is escaped for XML 1.0, including characters XML cannot carry.

use std::io::{self, Write};

use super::{fmt_ms, is_fault, plain};
use crate::model::{Report, Severity, StageStatus};

/// Writes the JUnit XML document.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let d = &report.diagnosis;
    let fault = is_fault(report);
    let failures = usize::from(fault);
    let time = format!("{:.3}", report.duration_ms / 1000.0);
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="wsdoctor" tests="1" failures="{failures}" errors="0" time="{time}">"#
    )?;
    writeln!(
        out,
        r#"  <testsuite name="wsdoctor" tests="1" failures="{failures}" errors="0" skipped="0" time="{time}">"#
    )?;
    writeln!(out, "    <properties>")?;
    for (name, value) in [
        ("wsdoctor.version", report.tool.version.as_str()),
        ("wsdoctor.schema", report.schema.as_str()),
        ("wsdoctor.cause", d.cause.id()),
    ] {
        writeln!(
            out,
            r#"      <property name="{}" value="{}"/>"#,
            attr(name),
            attr(value)
        )?;
    }
    writeln!(out, "    </properties>")?;
    writeln!(
        out,
        r#"    <testcase name="{}" classname="wsdoctor.probe" time="{time}">"#,
        attr(&report.target)
    )?;
    if fault {
        writeln!(
            out,
            r#"      <failure message="{}" type="{}">{}</failure>"#,
            attr(&format!("{}: {}", d.cause, plain(&d.summary))),
            attr(d.cause.id()),
            text(&failure_body(report))
        )?;
    }
    let system_out = system_out(report);
    if !system_out.is_empty() {
        writeln!(out, "      <system-out>{}</system-out>", text(&system_out))?;
    }
    writeln!(out, "    </testcase>")?;
    writeln!(out, "  </testsuite>")?;
    writeln!(out, "</testsuites>")
}

/// The failure text: summary, evidence, how to confirm, fixes.
pub(crate) fn failure_body(report: &Report) -> String {
    let d = &report.diagnosis;
    let mut lines = vec![format!(
        "{} ({}, confidence {:.2})",
        plain(&d.summary),
        d.category,
        d.confidence
    )];
    if let Some(r) = &d.responder {
        lines.push(format!("answered by {r}"));
    }
    lines.extend(d.evidence.iter().map(|e| format!("evidence: {}", plain(e))));
    lines.extend(
        d.alternatives
            .iter()
            .map(|a| format!("could also be {}: {}", a.cause, plain(&a.why))),
    );
    if let Some(next) = &d.next_step {
        lines.push(format!("to confirm: {}", plain(next)));
    }
    lines.extend(d.remedy.iter().map(|r| format!("fix: {}", plain(r))));
    for s in &d.snippets {
        lines.push(format!("fix ({}, {}):", s.target, s.title));
        lines.extend(s.code.lines().map(|l| format!("    {l}")));
    }
    lines.join("\n")
}

/// Stage timings and findings, for the reporter's log pane.
pub(crate) fn system_out(report: &Report) -> String {
    let mut lines: Vec<String> = report
        .stages
        .iter()
        .map(|s| {
            let summary = if s.summary.is_empty() && s.status == StageStatus::Skipped {
                "skipped"
            } else {
                s.summary.as_str()
            };
            format!(
                "{} {} {summary}{}",
                s.stage.as_str(),
                s.ms.map(fmt_ms).unwrap_or_else(|| "-".to_string()),
                s.error
                    .as_ref()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default()
            )
        })
        .collect();
    for f in &report.findings {
        let word = match f.severity {
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        lines.push(format!("{word} {}: {}", f.cause, plain(&f.summary)));
    }
    lines.join("\n")
}

/// Characters XML 1.0 can carry (§2.2); the rest become U+FFFD.
fn xml_char(c: char) -> char {
    match c {
        '\t' | '\n' | '\r' => c,
        '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => '\u{fffd}',
        _ => c,
    }
}

/// Escapes element text.
pub(crate) fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().map(xml_char) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            // A bare CR in text is normalised away by parsers (§2.11); keep it as a reference.
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a double-quoted attribute value; whitespace is kept as references because parsers
/// normalise literal tabs and newlines in attributes to spaces (§3.3.3).
pub(crate) fn attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().map(xml_char) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::render::tests::{fixture, fixture_reports, rendered};
    use crate::render::Format;

    fn parse(xml: &str) -> roxmltree::Document<'_> {
        roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("invalid XML: {e}\n{xml}"))
    }

    #[test]
    fn every_fixture_is_well_formed_junit_with_one_testcase() {
        for (name, report) in fixture_reports() {
            let xml = rendered(&report, Format::Junit);
            let doc = parse(&xml);
            let suites: Vec<_> = doc
                .descendants()
                .filter(|n| n.has_tag_name("testsuite"))
                .collect();
            assert_eq!(suites.len(), 1, "{name}");
            assert_eq!(suites[0].attribute("name"), Some("wsdoctor"));
            let cases: Vec<_> = doc
                .descendants()
                .filter(|n| n.has_tag_name("testcase"))
                .collect();
            assert_eq!(cases.len(), 1, "{name}");
            assert_eq!(cases[0].attribute("name"), Some(report.target.as_str()));
            let failure = cases[0].children().find(|n| n.has_tag_name("failure"));
            let healthy = report.diagnosis.cause.id() == "ok.healthy";
            assert_eq!(failure.is_none(), healthy, "{name}");
            let expected_failures = if healthy { "0" } else { "1" };
            assert_eq!(suites[0].attribute("failures"), Some(expected_failures));
        }
    }

    #[test]
    fn the_failure_carries_the_cause_id_and_summary() {
        let report = fixture("001_proxy_upgrade_not_forwarded");
        let xml = rendered(&report, Format::Junit);
        let doc = parse(&xml);
        let failure = doc
            .descendants()
            .find(|n| n.has_tag_name("failure"))
            .unwrap();
        assert_eq!(
            failure.attribute("type"),
            Some("proxy.upgrade_not_forwarded")
        );
        let message = failure.attribute("message").unwrap();
        assert!(message.starts_with("proxy.upgrade_not_forwarded: nginx answered the WebSocket"));
        let body = failure.text().unwrap();
        assert!(body.contains("evidence: baseline and control.plain_get"));
        assert!(body.contains("    proxy_set_header Connection \"upgrade\";"));
    }

    #[test]
    fn hostile_text_round_trips_through_a_real_parser() {
        let mut report = fixture("tcp_refused");
        report.target = "ws://h/\"a\"&<b>'c'\n\td".into();
        report.diagnosis.summary = "line1\nline2 \r </failure> & \u{1}".into();
        let xml = rendered(&report, Format::Junit);
        let doc = parse(&xml);
        let case = doc
            .descendants()
            .find(|n| n.has_tag_name("testcase"))
            .unwrap();
        assert_eq!(case.attribute("name"), Some("ws://h/\"a\"&<b>'c'\n\td"));
        let failure = case.children().find(|n| n.has_tag_name("failure")).unwrap();
        assert_eq!(
            failure.attribute("message"),
            Some("tcp.refused: line1\nline2 \r </failure> & \u{fffd}")
        );
        assert!(failure
            .text()
            .unwrap()
            .starts_with("line1\nline2 \r </failure> & \u{fffd}"));
    }
}
