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
use crate::render::Format;
use scenarios::{Arg, Scenario};
use server::Server;

/// How long the demo's probes watch an upgraded connection (the CLI default is 2 s; the demo's
/// servers close at once or never, so half a second tells them apart and keeps the demo short).
pub const DEMO_CLOSE_WAIT: Duration = Duration::from_millis(500);

/// Width of the scenario header rule.
const RULE_WIDTH: usize = 100;

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
pub async fn run(args: &DemoArgs, out: &mut dyn Write) -> u8 {
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
    if write_intro(total, args.format, out).is_err() {
        return crate::exit::FAULT;
    }
    let mut outcomes = Vec::with_capacity(total);
    for (i, scenario) in selected.iter().enumerate() {
        match run_scenario(scenario, i + 1, total, args.format, out).await {
            Ok(o) => outcomes.push(o),
            // stdout closed (`wsdoctor demo | head`): stop quietly, the reader is gone.
            Err(_) => return exit_code(&outcomes, total),
        }
    }
    let _ = write_summary(&outcomes, args.format, out);
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
    index: usize,
    total: usize,
    format: Format,
    out: &mut dyn Write,
) -> std::io::Result<Outcome> {
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
            write_header(index, total, &label, None, format, out)?;
            return Ok(outcome);
        }
    };
    let args = (s.args)(server.port());
    write_header(
        index,
        total,
        &label,
        Some(&display_command(&args)),
        format,
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
            crate::render::render(&report, other, out)?;
            writeln!(out)?;
        }
    }
    Ok(outcome)
}

/// The opening lines: what the demo is (nothing in JSON Lines).
fn write_intro(total: usize, format: Format, out: &mut dyn Write) -> std::io::Result<()> {
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
        _ => writeln!(out, "wsdoctor demo · {what}\n({close_wait})\n"),
    }
}

/// A scenario's header and the command line it runs (nothing in JSON Lines).
fn write_header(
    index: usize,
    total: usize,
    label: &str,
    command: Option<&str>,
    format: Format,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Json => Ok(()),
        Format::Markdown => {
            writeln!(out, "## {index}/{total} · {label}\n")?;
            if let Some(c) = command {
                writeln!(out, "```sh\n$ {c}\n```\n")?;
            }
            Ok(())
        }
        _ => {
            writeln!(out, "{}", header(index, total, label).bold())?;
            if let Some(c) = command {
                writeln!(out, "$ {c}")?;
            }
            writeln!(out)
        }
    }
}

/// `── 1/6 · field report 000 · … ──────`
fn header(index: usize, total: usize, label: &str) -> String {
    header_rule(&format!("── {index}/{total} · {label} "))
}

/// `head` followed by a rule up to the demo's width.
fn header_rule(head: &str) -> String {
    let used = head.chars().count();
    format!(
        "{head}{}",
        "─".repeat(RULE_WIDTH.saturating_sub(used).max(2))
    )
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
fn display_command(args: &[Arg]) -> String {
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
    parts.join(" ")
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

fn write_summary(outcomes: &[Outcome], format: Format, out: &mut dyn Write) -> std::io::Result<()> {
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
    writeln!(out, "{}", header_rule("── summary "))?;
    writeln!(
        out,
        "  {:<name_w$}  {:<cause_w$}  expected",
        "scenario", "diagnosed"
    )?;
    for o in outcomes {
        let mark = if o.passed() {
            "✓".green().bold()
        } else {
            "✗".red().bold()
        };
        writeln!(
            out,
            "  {:<name_w$}  {:<cause_w$}  {:<cause_w$}  {mark}",
            o.label,
            diagnosed(o),
            o.expected.id()
        )?;
        if let Err(why) = &o.diagnosed {
            writeln!(out, "    {why}")?;
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
    fn headers_are_one_rule_wide() {
        let h = header(
            1,
            6,
            "field report 000 · a WebSocket path routed to the wrong container",
        );
        assert!(h.starts_with("── 1/6 · field report 000 · "));
        assert_eq!(h.chars().count(), RULE_WIDTH);
    }
}
