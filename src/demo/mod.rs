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
    let total = selected.len();
    if args.format != Format::Json {
        let intro = format!(
            "wsdoctor demo · {total} {} on 127.0.0.1 imitating the field reports' servers, each probed with the command shown\n(upgraded connections are watched for {} ms instead of the default 2 s)\n",
            if total == 1 { "scenario" } else { "scenarios" },
            DEMO_CLOSE_WAIT.as_millis()
        );
        if writeln!(out, "{intro}").is_err() {
            return crate::exit::FAULT;
        }
    }
    let mut outcomes = Vec::with_capacity(total);
    for (i, scenario) in selected.iter().enumerate() {
        let outcome = run_scenario(scenario, i + 1, total, args.format, out).await;
        let written = match outcome {
            Ok(o) => {
                outcomes.push(o);
                Ok(())
            }
            Err(e) => Err(e),
        };
        if written.is_err() {
            // stdout closed (`wsdoctor demo | head`): stop quietly, the reader is gone.
            return exit_code(&outcomes, total);
        }
    }
    if args.format != Format::Json {
        let _ = write_summary(&outcomes, out);
    }
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
            if format != Format::Json {
                writeln!(out, "{}", header(index, total, &label))?;
                writeln!(
                    out,
                    "  {}\n",
                    outcome.diagnosed.as_ref().err().map_or("", |e| e)
                )?;
            }
            return Ok(outcome);
        }
    };
    let args = (s.args)(server.port());
    if format != Format::Json {
        writeln!(out, "{}", header(index, total, &label).bold())?;
        writeln!(out, "$ {}", display_command(&args))?;
        writeln!(out)?;
    }
    let config = match demo_config(&args) {
        Ok(c) => c,
        Err(e) => {
            outcome.diagnosed = Err(e);
            if format != Format::Json {
                writeln!(
                    out,
                    "  {}\n",
                    outcome.diagnosed.as_ref().err().map_or("", |e| e)
                )?;
            }
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

/// `── 1/6 · field report 000 · … ──────`
fn header(index: usize, total: usize, label: &str) -> String {
    let head = format!("── {index}/{total} · {label} ");
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

fn write_summary(outcomes: &[Outcome], out: &mut dyn Write) -> std::io::Result<()> {
    let name_w = outcomes
        .iter()
        .map(|o| o.label.chars().count())
        .max()
        .unwrap_or(0)
        .max("scenario".len());
    let cause_w = outcomes
        .iter()
        .map(|o| {
            o.diagnosed
                .as_ref()
                .map_or("not run".len(), |c| c.id().len())
                .max(o.expected.id().len())
        })
        .max()
        .unwrap_or(0)
        .max("diagnosed".len());
    writeln!(
        out,
        "{}",
        "── summary ".to_string() + &"─".repeat(RULE_WIDTH - 11)
    )?;
    writeln!(
        out,
        "  {:<name_w$}  {:<cause_w$}  expected",
        "scenario", "diagnosed"
    )?;
    for o in outcomes {
        let diagnosed = match &o.diagnosed {
            Ok(c) => c.id().to_string(),
            Err(_) => "not run".to_string(),
        };
        let mark = if o.passed() {
            "✓".green().bold()
        } else {
            "✗".red().bold()
        };
        writeln!(
            out,
            "  {:<name_w$}  {:<cause_w$}  {:<cause_w$}  {mark}",
            o.label,
            diagnosed,
            o.expected.id()
        )?;
        if let Err(why) = &o.diagnosed {
            writeln!(out, "    {why}")?;
        }
    }
    let passed = outcomes.iter().filter(|o| o.passed()).count();
    writeln!(out)?;
    if passed == outcomes.len() {
        writeln!(
            out,
            "{passed}/{} scenarios diagnosed as expected",
            outcomes.len()
        )?;
    } else {
        writeln!(
            out,
            "{}",
            format!(
                "{} of {} scenarios not diagnosed as expected",
                outcomes.len() - passed,
                outcomes.len()
            )
            .red()
        )?;
    }
    Ok(())
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
