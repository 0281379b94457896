//! render::github: GitHub Actions workflow commands, so a CI step annotates the run. A fault is one
//! `::error`, each warning finding a `::warning`, each info finding and a healthy verdict a
//! `::notice`; variants left out (`--variants`, `--skip`, `--safe`) one more `::notice` with what
//! they leave undecided. Values are escaped as the Actions runner expects: `%`, CR and LF in messages, and
//! also `:` and `,` in properties (actions/toolkit `escapeData` / `escapeProperty`).

use std::io::{self, Write};

use super::{blind_spot_lines, is_fault, not_run_lines, plain};
use crate::model::{Report, Severity};

/// Writes the workflow commands, one per line.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let d = &report.diagnosis;
    let target = format!("(target {})", report.target);
    if is_fault(report) {
        let mut message = format!(
            "{} {target} · confidence {:.2}",
            plain(&d.summary),
            d.confidence
        );
        for e in &d.evidence {
            message.push_str(&format!("\n· {}", plain(e)));
        }
        if let Some(next) = &d.next_step {
            message.push_str(&format!("\nto confirm: {}", plain(next)));
        }
        for r in &d.remedy {
            message.push_str(&format!("\nfix: {}", plain(r)));
        }
        command(out, "error", &format!("wsdoctor {}", d.cause), &message)?;
    }
    for f in &report.findings {
        let kind = match f.severity {
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut message = format!("{} {target}", plain(&f.summary));
        for e in &f.evidence {
            message.push_str(&format!("\n· {}", plain(e)));
        }
        command(out, kind, &format!("wsdoctor {}", f.cause), &message)?;
    }
    let not_run = not_run_lines(report);
    if !not_run.is_empty() {
        let mut message = format!("{} {target}", not_run.join("; "));
        for line in blind_spot_lines(report) {
            message.push_str(&format!("\n· {}", plain(&line)));
        }
        command(out, "notice", "wsdoctor variants not run", &message)?;
    }
    if !is_fault(report) {
        command(
            out,
            "notice",
            &format!("wsdoctor {}", d.cause),
            &format!("{} {target}", plain(&d.summary)),
        )?;
    }
    Ok(())
}

pub(crate) fn command(
    out: &mut dyn Write,
    kind: &str,
    title: &str,
    message: &str,
) -> io::Result<()> {
    writeln!(
        out,
        "::{kind} title={}::{}",
        escape_property(title),
        escape_data(message)
    )
}

/// Escapes a command's message (actions/toolkit `escapeData`). Other control characters, which the
/// runner would pass to the log as they are, become U+FFFD.
fn escape_data(s: &str) -> String {
    let s: String = s
        .chars()
        .map(|c| match c {
            '\r' | '\n' | '\t' => c,
            c if c.is_control() => '\u{fffd}',
            c => c,
        })
        .collect();
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (actions/toolkit `escapeProperty`).
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::tests::{fixture, fixture_reports, rendered};
    use crate::render::Format;

    /// The runner's side: split a command line and undo the escaping (actions/runner
    /// ActionCommand unescaping), so the test checks what GitHub will show.
    fn parse(line: &str) -> (String, String, String) {
        let rest = line.strip_prefix("::").expect("a workflow command");
        let (head, message) = rest.split_once("::").expect("command and message");
        let (kind, props) = head.split_once(' ').expect("properties");
        let title = props.strip_prefix("title=").expect("a title");
        assert!(!title.contains(',') && !title.contains(':'), "{title}");
        let unescape = |s: &str| {
            s.replace("%0D", "\r")
                .replace("%0A", "\n")
                .replace("%3A", ":")
                .replace("%2C", ",")
                .replace("%25", "%")
        };
        (kind.to_string(), unescape(title), unescape(message))
    }

    #[test]
    fn every_line_is_a_single_line_workflow_command() {
        for (name, report) in fixture_reports() {
            let text = rendered(&report, Format::Github);
            assert!(!text.is_empty(), "{name}");
            for line in text.lines() {
                let (kind, title, _) = parse(line);
                assert!(
                    ["error", "warning", "notice"].contains(&kind.as_str()),
                    "{name}"
                );
                assert!(title.starts_with("wsdoctor "), "{name}");
            }
        }
    }

    #[test]
    fn a_fault_is_one_error_with_the_cause_in_the_title() {
        let text = rendered(&fixture("000_routing_wrong_upstream"), Format::Github);
        let lines: Vec<_> = text.lines().map(parse).collect();
        assert_eq!(lines.len(), 1);
        let (kind, title, message) = &lines[0];
        assert_eq!(kind, "error");
        assert_eq!(title, "wsdoctor routing.wrong_upstream");
        assert!(message
            .starts_with("The WebSocket path reaches an application that refuses every upgrade"));
        assert!(message.contains("(target wss://api.example.test/api/v1/print/servers/42/ws)"));
        assert!(message.contains("\n· the refusal is the application's own"));
    }

    #[test]
    fn healthy_gives_a_notice_and_a_warning_per_warning_finding() {
        let text = rendered(&fixture("ok_healthy_origin_not_enforced"), Format::Github);
        let kinds: Vec<String> = text.lines().map(|l| parse(l).0).collect();
        assert_eq!(kinds, ["warning", "notice", "notice"]);
        assert!(text.starts_with("::warning title=wsdoctor origin.not_enforced::A foreign Origin"));
    }

    #[test]
    fn percent_newlines_colons_and_commas_are_escaped() {
        assert_eq!(escape_data("100% a\r\nb: c, d"), "100%25 a%0D%0Ab: c, d");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        let mut report = fixture("tcp_refused");
        report.diagnosis.summary = "50% down:\nnext, line\r".into();
        report.target = "ws://h:1/?a=1,b=2".into();
        let text = rendered(&report, Format::Github);
        assert_eq!(text.lines().count(), 1, "{text}");
        let (_, _, message) = parse(text.lines().next().unwrap());
        assert!(message.starts_with("50% down:\nnext, line\r (target ws://h:1/?a=1,b=2)"));
    }
}
