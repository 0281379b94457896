//! demo: `wsdoctor demo` — a built-in lab of broken WebSocket servers on loopback, each reproducing
//! a field report's fault, probed by the real prober with the command line a user would type, and
//! reported with the normal renderer; then a summary of diagnosed against expected causes.
//!
//! The servers are tasks on the caller's runtime bound to 127.0.0.1:0; each lives only while its
//! scenario is probed. Nothing here touches any other host.

pub mod apps;
pub mod scenarios;
pub mod server;

use std::io::Write;
use std::time::Duration;

use clap::Parser;
use colored::Colorize;

use crate::cli::{Cli, DemoArgs};
use crate::config::Config;
use crate::diagnose::cause::Cause;
use crate::render::human::wrap;
use crate::render::{Format, Layout};
use scenarios::{Arg, Scenario};
use server::Server;

/// How long the demo's probes watch an upgraded connection (the CLI default is 2 s; the demo's
/// servers close at once or never, so half a second tells them apart and keeps the demo short).
pub const DEMO_CLOSE_WAIT: Duration = Duration::from_millis(500);

/// The narrowest and widest layouts the demo's own lines are fitted to (as the human report's).
const MIN_WIDTH: usize = 20;
const MAX_WIDTH: usize = 200;

/// What one scenario produced.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Scenario id.
    pub id: &'static str,
    /// The header label ("field report 000 · …").
    pub label: String,
    /// The cause wsdoctor named, or why the scenario could not run.
    pub diagnosed: Result<Cause, String>,
    /// The cause expected.
    pub expected: Cause,
}

impl Outcome {
    /// True when the expected cause was named.
    pub fn passed(&self) -> bool {
        self.diagnosed.as_ref().is_ok_and(|c| *c == self.expected)
    }
}

/// Runs the demo lab and writes every report; returns the exit code (0 when every scenario was
/// diagnosed as expected, 1 otherwise, 2 when `--only` selects nothing).
pub async fn run(args: &DemoArgs, layout: &Layout, out: &mut dyn Write) -> u8 {
    let w = layout.columns.clamp(MIN_WIDTH, MAX_WIDTH);
    let selected: Vec<Scenario> = scenarios::all()
        .into_iter()
        .filter(|s| matches_filter(s, args.only.as_deref()))
        .collect();
    if selected.is_empty() {
        eprintln!(
            "wsdoctor: --only '{}' matches no demo scenario (ids: {})",
            args.only.as_deref().unwrap_or_default(),
            scenarios::all()
                .iter()
                .map(|s| s.id)
                .collect::<Vec<_>>()
                .join(", ")
        );
        return crate::exit::USAGE;
    }
    if args.format == Format::Junit {
        // One JUnit document per probe: several concatenated would not be one valid document.
        eprintln!(
            "wsdoctor: demo --format junit is not supported (a JUnit document holds one probe); use human, json, markdown or github"
        );
        return crate::exit::USAGE;
    }
    let total = selected.len();
    if write_intro(total, args.format, w, out).is_err() {
        return crate::exit::FAULT;
    }
    let mut outcomes = Vec::with_capacity(total);
    for (i, scenario) in selected.iter().enumerate() {
        match run_scenario(scenario, (i + 1, total), args.format, layout, out).await {
            Ok(o) => outcomes.push(o),
            // stdout closed (`wsdoctor demo | head`): stop quietly, the reader is gone.
            Err(_) => return exit_code(&outcomes, total),
        }
    }
    let _ = write_summary(&outcomes, args.format, w, out);
    let _ = out.flush();
    exit_code(&outcomes, total)
}

fn exit_code(outcomes: &[Outcome], total: usize) -> u8 {
    if outcomes.len() == total && outcomes.iter().all(Outcome::passed) {
        crate::exit::OK
    } else {
        crate::exit::FAULT
    }
}

fn matches_filter(s: &Scenario, only: Option<&str>) -> bool {
    let Some(only) = only else { return true };
    let needle = only.to_lowercase();
    [
        s.id.to_string(),
        s.title.to_string(),
        s.report.unwrap_or_default().to_string(),
        s.expected.id().to_string(),
    ]
    .iter()
    .any(|h| h.to_lowercase().contains(&needle))
}

/// The header label of a scenario.
fn label(s: &Scenario) -> String {
    match s.report {
        Some(r) => format!("field report {r} · {}", s.title),
        None => s.title.to_string(),
    }
}

/// Starts the scenario's server, probes it, writes the report; Err only when writing failed.
async fn run_scenario(
    s: &Scenario,
    (index, total): (usize, usize),
    format: Format,
    layout: &Layout,
    out: &mut dyn Write,
) -> std::io::Result<Outcome> {
    let w = layout.columns.clamp(MIN_WIDTH, MAX_WIDTH);
    let label = label(s);
    let mut outcome = Outcome {
        id: s.id,
        label: label.clone(),
        diagnosed: Err(String::new()),
        expected: s.expected,
    };
    let server = match Server::start((s.app)()).await {
        Ok(server) => server,
        Err(e) => {
            outcome.diagnosed = Err(format!("cannot start the loopback server: {e}"));
            write_header((index, total), &label, None, format, w, out)?;
            return Ok(outcome);
        }
    };
    let args = (s.args)(server.port());
    write_header(
        (index, total),
        &label,
        Some(&display_parts(&args)),
        format,
        w,
        out,
    )?;
    let config = match demo_config(&args) {
        Ok(c) => c,
        Err(e) => {
            outcome.diagnosed = Err(e);
            return Ok(outcome);
        }
    };
    let report = crate::probe_target(&config).await;
    drop(server);
    outcome.diagnosed = Ok(report.diagnosis.cause);
    match format {
        // JSON Lines: one compact report per line.
        Format::Json => {
            let line = serde_json::to_string(&report).map_err(std::io::Error::other)?;
            writeln!(out, "{line}")?;
        }
        other => {
            crate::render::render_with(&report, other, layout, out)?;
            writeln!(out)?;
        }
    }
    Ok(outcome)
}

/// The opening lines: what the demo is (nothing in JSON Lines).
fn write_intro(total: usize, format: Format, w: usize, out: &mut dyn Write) -> std::io::Result<()> {
    let scenarios = if total == 1 { "scenario" } else { "scenarios" };
    let what = format!(
        "{total} {scenarios} on 127.0.0.1 imitating the field reports' servers, each probed with the command shown"
    );
    let close_wait = format!(
        "upgraded connections are watched for {} ms instead of the default 2 s",
        DEMO_CLOSE_WAIT.as_millis()
    );
    match format {
        Format::Json => Ok(()),
        Format::Markdown => writeln!(out, "# wsdoctor demo\n\n{what} ({close_wait}).\n"),
        _ => {
            for line in wrap(&format!("wsdoctor demo · {what}"), "", "", w) {
                writeln!(out, "{line}")?;
            }
            for line in wrap(&format!("({close_wait})"), "", "", w) {
                writeln!(out, "{line}")?;
            }
            writeln!(out)
        }
    }
}

/// A scenario's header and the command line it runs (nothing in JSON Lines).
fn write_header(
    (index, total): (usize, usize),
    label: &str,
    command: Option<&[String]>,
    format: Format,
    w: usize,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Json => Ok(()),
        Format::Markdown => {
            writeln!(out, "## {index}/{total} · {label}\n")?;
            if let Some(c) = command {
                writeln!(out, "```sh\n$ {}\n```\n", c.join(" "))?;
            }
            Ok(())
        }
        _ => {
            for line in header_rule(&format!("{index}/{total} · {label}"), w) {
                writeln!(out, "{}", line.bold())?;
            }
            if let Some(c) = command {
                for line in command_lines(c, w) {
                    writeln!(out, "{line}")?;
                }
            }
            writeln!(out)
        }
    }
}

/// `── 1/6 · field report 000 · … ──────`, wrapped at word boundaries within `w` columns, the
/// rule filling the last line.
fn header_rule(text: &str, w: usize) -> Vec<String> {
    let mut lines = wrap(text, "── ", "   ", w.saturating_sub(3));
    if let Some(last) = lines.last_mut() {
        let used = last.chars().count() + 1;
        last.push(' ');
        last.push_str(&"─".repeat(w.saturating_sub(used).max(2)));
    }
    lines
}

/// A command line within `w` columns, as a shell takes it: whole arguments, every line but the
/// last ending in ` \\`, continuations indented.
fn command_lines(parts: &[String], w: usize) -> Vec<String> {
    // An option stays with its value (`--token-env NAME`) on one line, when they fit on one.
    let fits_alone = |unit: &str| 4 + unit.chars().count() + 2 <= w;
    let mut units: Vec<String> = Vec::new();
    let mut flag: Option<&String> = None;
    for part in parts {
        match flag.take() {
            Some(f) if !part.starts_with('-') && fits_alone(&format!("{f} {part}")) => {
                units.push(format!("{f} {part}"));
            }
            Some(f) if !part.starts_with('-') => {
                units.push(f.clone());
                units.push(part.clone());
            }
            Some(f) => {
                units.push(f.clone());
                flag = Some(part);
            }
            None if part.starts_with('-') => flag = Some(part),
            None => units.push(part.clone()),
        }
    }
    units.extend(flag.cloned());
    let mut lines = Vec::new();
    let mut line = "$".to_string();
    let mut empty = true;
    for part in &units {
        // Room for the argument and for the ` \\` that would end the line.
        let fits = line.chars().count() + 1 + part.chars().count() + 2 <= w;
        if !fits && !empty {
            lines.push(format!("{line} \\"));
            line = "   ".to_string();
        }
        line.push(' ');
        line.push_str(part);
        empty = false;
    }
    lines.push(line);
    lines
}

/// Parses the scenario's command line exactly as the binary would, then shortens the close-wait.
fn demo_config(args: &[Arg]) -> Result<Config, String> {
    let cli = Cli::try_parse_from(argv_for_probe(args)).map_err(|e| e.to_string())?;
    let mut config = Config::from_args(&cli.probe).map_err(|e| e.to_string())?;
    config.close_wait = DEMO_CLOSE_WAIT;
    Ok(config)
}

/// The argv the probe runs with: secrets passed inline.
fn argv_for_probe(args: &[Arg]) -> Vec<String> {
    let mut argv = vec!["wsdoctor".to_string()];
    for a in args {
        match a {
            Arg::Plain(s) => argv.push(s.clone()),
            Arg::Secret { value, .. } => {
                argv.push("--token".into());
                argv.push((*value).to_string());
            }
        }
    }
    argv
}

/// The command line shown: what a user types, secrets through `--token-env`.
#[cfg(test)]
fn display_command(args: &[Arg]) -> String {
    display_parts(args).join(" ")
}

/// The words of the command line shown (each a whole, quoted shell argument).
fn display_parts(args: &[Arg]) -> Vec<String> {
    let mut parts = vec!["wsdoctor".to_string()];
    for a in args {
        match a {
            Arg::Plain(s) => parts.push(shell_quote(s)),
            Arg::Secret { env, .. } => {
                parts.push("--token-env".into());
                parts.push((*env).to_string());
            }
        }
    }
    parts
}

/// Quotes an argument for a POSIX shell when it needs it.
fn shell_quote(s: &str) -> String {
    let safe = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c));
    if safe {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

fn write_summary(
    outcomes: &[Outcome],
    format: Format,
    w: usize,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let diagnosed = |o: &Outcome| match &o.diagnosed {
        Ok(c) => c.id().to_string(),
        Err(_) => "not run".to_string(),
    };
    let passed = outcomes.iter().filter(|o| o.passed()).count();
    let verdict = if passed == outcomes.len() {
        format!(
            "{passed}/{} scenarios diagnosed as expected",
            outcomes.len()
        )
    } else {
        format!(
            "{} of {} scenarios not diagnosed as expected",
            outcomes.len() - passed,
            outcomes.len()
        )
    };
    match format {
        Format::Json => return Ok(()),
        Format::Markdown => {
            writeln!(out, "## Summary\n")?;
            writeln!(out, "| scenario | diagnosed | expected | |")?;
            writeln!(out, "|---|---|---|---|")?;
            for o in outcomes {
                let mark = if o.passed() { "✓" } else { "✗" };
                writeln!(
                    out,
                    "| {} | `{}` | `{}` | {mark} |",
                    o.label,
                    diagnosed(o),
                    o.expected.id()
                )?;
            }
            return writeln!(out, "\n{verdict}");
        }
        _ => {}
    }
    let name_w = outcomes
        .iter()
        .map(|o| o.label.chars().count())
        .max()
        .unwrap_or(0)
        .max("scenario".len());
    let cause_w = outcomes
        .iter()
        .map(|o| diagnosed(o).len().max(o.expected.id().len()))
        .max()
        .unwrap_or(0)
        .max("diagnosed".len());
    for line in header_rule("summary", w) {
        writeln!(out, "{line}")?;
    }
    let mark = |o: &Outcome| {
        if o.passed() {
            "✓".green().bold()
        } else {
            "✗".red().bold()
        }
    };
    // The table when it fits; else each scenario as a short block, wrapped at word boundaries.
    let table_w = 2 + name_w + 2 + cause_w + 2 + cause_w + 3;
    if table_w <= w {
        writeln!(
            out,
            "  {:<name_w$}  {:<cause_w$}  expected",
            "scenario", "diagnosed"
        )?;
    }
    for o in outcomes {
        if table_w <= w {
            writeln!(
                out,
                "  {:<name_w$}  {:<cause_w$}  {:<cause_w$}  {}",
                o.label,
                diagnosed(o),
                o.expected.id(),
                mark(o)
            )?;
        } else {
            let mut lines = wrap(&o.label, "  ", "    ", w.saturating_sub(2)).into_iter();
            if let Some(first) = lines.next() {
                writeln!(out, "{first} {}", mark(o))?;
            }
            for line in lines {
                writeln!(out, "{line}")?;
            }
            let causes = format!("diagnosed {} · expected {}", diagnosed(o), o.expected.id());
            for line in wrap(&causes, "    ", "    ", w) {
                writeln!(out, "{line}")?;
            }
        }
        if let Err(why) = &o.diagnosed {
            for line in wrap(why, "    ", "    ", w) {
                writeln!(out, "{line}")?;
            }
        }
    }
    writeln!(out)?;
    if passed == outcomes.len() {
        writeln!(out, "{verdict}")
    } else {
        writeln!(out, "{}", verdict.red())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_lines_show_secrets_as_env_vars_and_quote_what_needs_it() {
        let args = vec![
            Arg::Plain("ws://127.0.0.1:1/ws".into()),
            Arg::Secret {
                env: "API_KEY",
                value: "s3cret",
            },
            Arg::Plain("-H".into()),
            Arg::Plain("X-A: b".into()),
        ];
        let shown = display_command(&args);
        assert_eq!(
            shown,
            "wsdoctor ws://127.0.0.1:1/ws --token-env API_KEY -H 'X-A: b'"
        );
        assert!(!shown.contains("s3cret"));
        assert_eq!(
            argv_for_probe(&args)[2..4],
            ["--token".to_string(), "s3cret".to_string()]
        );
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn only_filters_by_id_report_title_or_cause() {
        let all = scenarios::all();
        let count = |f: &str| all.iter().filter(|s| matches_filter(s, Some(f))).count();
        assert_eq!(count("report-000"), 1);
        assert_eq!(count("004"), 1);
        assert_eq!(count("origin.rejected"), 2);
        assert_eq!(count("no such scenario"), 0);
        assert_eq!(
            all.iter().filter(|s| matches_filter(s, None)).count(),
            all.len()
        );
    }

    #[test]
    fn headers_are_one_rule_wide_and_wrap_at_narrow_widths() {
        let text = "1/6 · field report 000 · a WebSocket path routed to the wrong container";
        let h = header_rule(text, 100);
        assert_eq!(h.len(), 1);
        assert!(h[0].starts_with("── 1/6 · field report 000 · "));
        assert_eq!(h[0].chars().count(), 100);
        let narrow = header_rule(text, 40);
        assert!(narrow.len() > 1, "{narrow:?}");
        assert!(narrow.iter().all(|l| l.chars().count() <= 40), "{narrow:?}");
        assert!(narrow.last().is_some_and(|l| l.ends_with("──")));
    }

    #[test]
    fn command_lines_break_between_arguments_with_a_continuation() {
        let parts: Vec<String> = [
            "wsdoctor",
            "ws://127.0.0.1:1/api/v1/ws",
            "--origin",
            "https://app.example.test",
            "-H",
            "'X-A: b c'",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let lines = command_lines(&parts, 40);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| l.chars().count() <= 40), "{lines:?}");
        let (last, rest) = lines.split_last().unwrap();
        assert!(rest.iter().all(|l| l.ends_with(" \\")));
        assert!(!last.ends_with('\\'));
        // Joined back, the shell reads the same words.
        let joined = lines.join("\n").replace(" \\\n   ", "");
        assert_eq!(joined, format!("$ {}", parts.join(" ")));
        assert_eq!(
            command_lines(&parts, 200),
            vec![format!("$ {}", parts.join(" "))]
        );
        // An option and its value share a line.
        assert!(
            lines
                .iter()
                .any(|l| l.contains("--origin https://app.example.test")),
            "{lines:?}"
        );
        assert!(
            lines.iter().any(|l| l.contains("-H 'X-A: b c'")),
            "{lines:?}"
        );
    }
}
