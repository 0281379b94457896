//! The `wsdoctor` binary: parses argv, sets up logging and colour, runs the pipeline, writes the
//! report to stdout and maps it to an exit code. Nothing else lives here.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;

use wsdoctor::cli::{Cli, ColorChoice, Command};
use wsdoctor::config::Config;
use wsdoctor::{exit, logging, render};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are not errors.
            if !e.use_stderr() {
                let _ = e.print();
                return ExitCode::from(exit::OK);
            }
            eprintln!("wsdoctor: {}", one_line(&e));
            return ExitCode::from(exit::USAGE);
        }
    };
    let color = decide_color(cli.color);
    colored::control::set_override(color);
    logging::init(cli.verbose, color && std::io::stderr().is_terminal());

    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("wsdoctor: cannot start the async runtime: {e}");
            return ExitCode::from(exit::USAGE);
        }
    };

    match cli.command {
        Some(Command::Demo(args)) => {
            let code = runtime.block_on(wsdoctor::demo::run(&args, &mut std::io::stdout().lock()));
            ExitCode::from(code)
        }
        Some(Command::Probe(args)) => probe(&runtime, &args),
        None => probe(&runtime, &cli.probe),
    }
}

fn probe(runtime: &tokio::runtime::Runtime, args: &wsdoctor::cli::ProbeArgs) -> ExitCode {
    let config = match Config::from_args(args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("wsdoctor: {e}");
            return ExitCode::from(exit::USAGE);
        }
    };
    for note in &config.notes {
        eprintln!("note: {note}");
    }
    let report = runtime.block_on(wsdoctor::probe_target(&config));
    let mut out = std::io::stdout().lock();
    if let Err(e) = render::render(&report, config.format, &mut out).and_then(|_| out.flush()) {
        // `wsdoctor … | head` closes the pipe early: that is not a failure (ripgrep does the same).
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("wsdoctor: cannot write the report: {e}");
            return ExitCode::from(exit::USAGE);
        }
    }
    ExitCode::from(exit::code_for(&report))
}

/// Colour only on a terminal, never with a non-empty NO_COLOR.
fn decide_color(choice: ColorChoice) -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    if no_color {
        return false;
    }
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::io::stdout().is_terminal(),
    }
}

/// A clap error as one line (usage errors are one line on stderr): the message up to the first
/// blank line, with clap's "error: " prefix and the usage/tip paragraphs dropped.
fn one_line(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let message: Vec<&str> = text
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    let joined = message.join(" ");
    let joined = joined.strip_prefix("error: ").unwrap_or(&joined);
    format!("{joined} (see --help)")
}
