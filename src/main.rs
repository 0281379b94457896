//! The `wsdoctor` binary: parses argv, sets up logging and colour, runs the pipeline of the chosen
//! command, writes the result to stdout (or `--output`) and maps it to an exit code. The work
//! itself lives in the library; this file only wires I/O to it.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use wsdoctor::check::{self, CheckReport, TargetResult};
use wsdoctor::cli::{CheckArgs, Cli, Command, ExplainArgs, ExporterArgs, OutputArgs, ProbeArgs};
use wsdoctor::config::Config;
use wsdoctor::{exit, explain, logging, render, term};

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
    if cli.command.is_some() && cli.probe.set_beside_subcommand() {
        eprintln!(
            "wsdoctor: probe options go after the URL (or after `probe`), not before a subcommand"
        );
        return ExitCode::from(exit::USAGE);
    }
    // The one colour decision: stdout's for the report, stderr's for the logs, by one rule.
    let no_color = term::env_flag(std::env::var_os("NO_COLOR"));
    let color = term::color_enabled(cli.color, no_color, std::io::stdout().is_terminal());
    colored::control::set_override(color);
    logging::init(
        cli.verbose,
        term::color_enabled(cli.color, no_color, std::io::stderr().is_terminal()),
    );

    match cli.command {
        Some(Command::Completions(args)) => {
            // clap_complete panics when its writer fails (a closed pipe): generate into memory,
            // then write with the BrokenPipe handling of every other output.
            let mut script = Vec::new();
            clap_complete::generate(args.shell, &mut Cli::command(), "wsdoctor", &mut script);
            let mut out = std::io::stdout().lock();
            return done(out.write_all(&script).and_then(|_| out.flush()));
        }
        Some(Command::Man) => {
            let mut out = std::io::stdout().lock();
            let result = clap_mangen::Man::new(Cli::command()).render(&mut out);
            return done(result.and_then(|_| out.flush()));
        }
        Some(Command::Explain(args)) => return explain(&args),
        Some(Command::Exporter(args)) => return exporter(&args),
        _ => {}
    }

    let runtime = match runtime(tokio::runtime::Builder::new_current_thread()) {
        Ok(rt) => rt,
        Err(code) => return code,
    };

    match cli.command {
        Some(Command::Demo(args)) => {
            let code = runtime.block_on(wsdoctor::demo::run(&args, &mut std::io::stdout().lock()));
            ExitCode::from(code)
        }
        Some(Command::Probe(args)) => probe(&runtime, &args),
        Some(Command::Check(args)) => check(&runtime, &args),
        _ => probe(&runtime, &cli.probe),
    }
}

fn probe(runtime: &tokio::runtime::Runtime, args: &ProbeArgs) -> ExitCode {
    let config = match Config::from_args(args) {
        Ok(c) => c,
        Err(e) => return usage(e),
    };
    let expectations = if args.has_expectations() {
        match check::file::expectations_of(args) {
            Ok(e) => Some(e),
            Err(e) => return usage(e),
        }
    } else {
        None
    };
    let sink = match Sink::open(&args.output) {
        Ok(s) => s,
        Err(e) => return usage(e),
    };
    for note in &config.notes {
        eprintln!("note: {note}");
    }
    let report = runtime.block_on(wsdoctor::probe_target(&config));
    match expectations {
        None => {
            let code = exit::code_for(&report);
            let line = render::check::report_verdict_line(&report);
            sink.write(
                |out, layout| render::render_with(&report, config.format, layout, out),
                &line,
                code,
            )
        }
        Some(e) => {
            // With assertions a probe is a one-target check: its output and exit code.
            let name = report.target.clone();
            let duration = report.duration_ms;
            let result = CheckReport::new(vec![TargetResult::new(&name, &e, report)], duration);
            let line = render::check::verdict_line(&result);
            sink.write(
                |out, _| render::check::render(&result, config.format, out),
                &line,
                exit::code_for_check(&result),
            )
        }
    }
}

fn check(runtime: &tokio::runtime::Runtime, args: &CheckArgs) -> ExitCode {
    let overrides = check::file::Overrides {
        show_secrets: args.show_secrets,
        quick: args.quick,
        safe: args.safe,
        timeout: args.timeout,
    };
    let targets = match check::file::load(&args.file, &overrides) {
        Ok(t) => t,
        Err(e) => return usage(e),
    };
    if args.dry_run {
        let mut out = std::io::stdout().lock();
        return done(render::check::plan(&targets, &mut out).and_then(|_| out.flush()));
    }
    let sink = match Sink::open(&args.output) {
        Ok(s) => s,
        Err(e) => return usage(e),
    };
    // Progress is for a person watching: only on a terminal, never in a CI log or a pipe.
    let progress = std::io::stderr().is_terminal();
    let (jobs, jobs_note) = check::effective_jobs(args.jobs.map(usize::from), targets.len());
    if let Some(note) = jobs_note {
        eprintln!("wsdoctor: {note}");
    }
    let result = runtime.block_on(check::run(
        &targets,
        jobs,
        |done, total, t: &TargetResult| {
            if progress {
                eprintln!(
                    "[{done:>width$}/{total}] {} {} ({})",
                    if t.passed() { "pass" } else { "FAIL" },
                    render::printable_name(&t.name),
                    t.report.diagnosis.cause,
                    width = total.to_string().len()
                );
            }
        },
    ));
    let line = render::check::verdict_line(&result);
    sink.write(
        |out, _| render::check::render(&result, args.format, out),
        &line,
        exit::code_for_check(&result),
    )
}

fn exporter(args: &ExporterArgs) -> ExitCode {
    use wsdoctor::exporter::{self, config::ExporterConfig};
    if args.check_config {
        let Some(path) = &args.config else {
            return usage("--check-config needs --config FILE");
        };
        return match ExporterConfig::load(path) {
            Ok(c) => {
                let mut out = std::io::stdout().lock();
                let modules: Vec<&str> = c.modules.keys().map(String::as_str).collect();
                let allowed = c.allowed_patterns();
                let result = writeln!(
                    out,
                    "{}: valid; modules: {}; allowed_targets: {}",
                    path.display(),
                    modules.join(", "),
                    if allowed.is_empty() {
                        "(none: any target is probed)".to_string()
                    } else {
                        allowed.join(", ")
                    }
                );
                done(result.and_then(|_| out.flush()))
            }
            Err(e) => usage(e),
        };
    }
    // Reports served by the exporter are read in browsers and files: never terminal colour.
    colored::control::set_override(false);
    let runtime = match runtime(tokio::runtime::Builder::new_multi_thread()) {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let served = runtime.block_on(exporter::serve(args.listen, args.config.clone(), |addr| {
        eprintln!(
            "wsdoctor exporter: listening on http://{addr}/ (probe: /probe?target=URL&module=NAME)"
        );
    }));
    match served {
        Ok(()) => ExitCode::from(exit::OK),
        Err(e) => usage(e),
    }
}

fn explain(args: &ExplainArgs) -> ExitCode {
    let sink = match Sink::open(&args.output) {
        Ok(s) => s,
        Err(e) => return usage(e),
    };
    let text = if args.input == "-" {
        explain::read_bounded(std::io::stdin().lock(), "stdin")
    } else {
        match File::open(&args.input) {
            Ok(f) => explain::read_bounded(f, &args.input),
            Err(source) => Err(explain::ExplainError::Read {
                what: args.input.clone(),
                source,
            }),
        }
    };
    let report = match text.and_then(|t| explain::explain(&t)) {
        Ok(r) => r,
        Err(e) => return usage(e),
    };
    let line = render::check::report_verdict_line(&report);
    sink.write(
        |out, layout| render::render_with(&report, args.format, layout, out),
        &line,
        exit::code_for(&report),
    )
}

/// Where the report goes: stdout, or the `--output` file (then stdout gets one line).
enum Sink {
    Stdout,
    File(BufWriter<File>, PathBuf),
}

impl Sink {
    /// Opens the `--output` file before anything runs, so a clobber refusal costs nothing.
    fn open(args: &OutputArgs) -> Result<Sink, String> {
        let Some(path) = args.output.as_ref().filter(|p| p.as_os_str() != "-") else {
            return Ok(Sink::Stdout);
        };
        let mut options = std::fs::OpenOptions::new();
        options.write(true);
        if args.force {
            options.create(true).truncate(true);
        } else {
            options.create_new(true);
        }
        match options.open(path) {
            Ok(f) => Ok(Sink::File(BufWriter::new(f), path.clone())),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(format!(
                "'{}' already exists: pass --force to overwrite it",
                path.display()
            )),
            Err(e) => Err(format!("cannot create '{}': {e}", path.display())),
        }
    }

    /// Renders into the sink; with a file, prints the verdict line on stdout.
    fn write(
        self,
        render: impl FnOnce(&mut dyn Write, &render::Layout) -> std::io::Result<()>,
        verdict: &str,
        code: u8,
    ) -> ExitCode {
        match self {
            Sink::Stdout => {
                // The one look at the terminal's width: COLUMNS, else the terminal's own.
                let terminal = std::io::stdout()
                    .is_terminal()
                    .then(|| terminal_size::terminal_size().map(|(w, _)| w.0))
                    .flatten();
                let columns =
                    term::report_columns(std::env::var("COLUMNS").ok().as_deref(), terminal);
                let layout = render::Layout::for_columns(columns);
                // Buffered: stdout alone is line-buffered, and serde_json writes in small
                // pieces, each of which the line buffer scans for a newline (docs/performance.md).
                let mut out = BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
                if let Err(e) = render(&mut out, &layout).and_then(|_| out.flush()) {
                    return done(Err(e));
                }
            }
            Sink::File(mut file, path) => {
                // A file gets no terminal colour codes.
                colored::control::set_override(false);
                // A file gets no terminal width either.
                if let Err(e) =
                    render(&mut file, &render::Layout::default()).and_then(|_| file.flush())
                {
                    eprintln!("wsdoctor: cannot write '{}': {e}", path.display());
                    return ExitCode::from(exit::USAGE);
                }
                let mut out = std::io::stdout().lock();
                let line = format!("{verdict} · report written to {}", path.display());
                if let Err(e) = writeln!(out, "{line}").and_then(|_| out.flush()) {
                    return done(Err(e));
                }
            }
        }
        ExitCode::from(code)
    }
}

/// A usage or configuration error: one line on stderr, exit 2.
fn usage(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("wsdoctor: {e}");
    ExitCode::from(exit::USAGE)
}

/// The end of a write to stdout. `wsdoctor … | head` closes the pipe early: that is not a
/// failure (ripgrep does the same).
fn done(result: std::io::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::from(exit::OK),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::from(exit::OK),
        Err(e) => {
            eprintln!("wsdoctor: cannot write the output: {e}");
            ExitCode::from(exit::USAGE)
        }
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

/// The async runtime from `builder` (current-thread for probes, multi-thread for the exporter),
/// or the exit code after saying why it cannot start.
fn runtime(mut builder: tokio::runtime::Builder) -> Result<tokio::runtime::Runtime, ExitCode> {
    builder.enable_all().build().map_err(|e| {
        eprintln!("wsdoctor: cannot start the async runtime: {e}");
        ExitCode::from(exit::USAGE)
    })
}
