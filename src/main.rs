//! The `wsdoctor` binary: parses argv, sets up logging and colour, runs the pipeline of the chosen
//! command, writes the result to stdout (or `--output`) and maps it to an exit code. The work
//! itself lives in the library; this file only wires I/O to it.

use std::fs::File;
use std::future::Future;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{CommandFactory, Parser};

use wsdoctor::check::{self, CheckReport, TargetResult};
use wsdoctor::cli::{CheckArgs, Cli, Command, ExplainArgs, ExporterArgs, OutputArgs, ProbeArgs};
use wsdoctor::config::Config;
use wsdoctor::probe::events::Events;
use wsdoctor::progress::{PartialReport, Tracker};
use wsdoctor::{exit, explain, logging, render, term};

/// What `wsdoctor` alone prints (on stderr, exit 2): how to start, not a full run or a panic.
const SHORT_USAGE: &str = "wsdoctor: tells you why a WebSocket connection fails

Usage: wsdoctor [OPTIONS] <URL>
       wsdoctor <COMMAND> [ARGS]

  wsdoctor ws://127.0.0.1:8080/ws     probe a URL and diagnose it
  wsdoctor demo                       broken servers on loopback, each diagnosed
  wsdoctor --help                     every option and the exit status";

fn main() -> ExitCode {
    if std::env::args_os().len() <= 1 {
        eprintln!("{SHORT_USAGE}");
        return ExitCode::from(exit::USAGE);
    }
    // `wsdoctor --version` alone answers without building clap's command tree (measured: 0.82×
    // the CPU); the words are clap's own.
    if let Some(flag) = std::env::args_os()
        .nth(1)
        .filter(|_| std::env::args_os().len() == 2)
    {
        if flag == "--version" || flag == "-V" {
            let mut out = std::io::stdout().lock();
            let line = format!("{} {}\n", env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"));
            return done(out.write_all(line.as_bytes()).and_then(|_| out.flush()));
        }
    }
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
        !matches!(cli.command, Some(Command::Exporter(_))),
        term::color_enabled(cli.color, no_color, std::io::stderr().is_terminal()),
    );
    // The one progress decision: a person at a terminal, not CI, not -s.
    let ui = Ui {
        progress: term::progress_enabled(
            cli.silent,
            std::io::stderr().is_terminal(),
            term::env_flag(std::env::var_os("CI")),
        ),
        silent: cli.silent,
        verbose: cli.verbose,
    };

    match cli.command {
        Some(Command::Completions(args)) => {
            // clap_complete panics when its writer fails (a closed pipe): generate into memory,
            // then write with the BrokenPipe handling of every other output.
            let mut script = Vec::new();
            clap_complete::generate(args.shell, &mut Cli::command(), "wsdoctor", &mut script);
            let mut out = std::io::stdout().lock();
            return done(out.write_all(&script).and_then(|_| out.flush()));
        }
        Some(Command::Man(args)) => {
            let mut page = Vec::new();
            let written = match &args.command {
                None => man_page(&mut page),
                Some(name) => match subcommand_man_page(name, &mut page) {
                    Ok(written) => written,
                    Err(e) => return usage(e),
                },
            };
            if let Err(e) = written {
                return done(Err(e));
            }
            let mut out = std::io::stdout().lock();
            return done(out.write_all(&page).and_then(|_| out.flush()));
        }
        Some(Command::Explain(args)) => return explain(&args),
        Some(Command::Exporter(args)) => return exporter(&args),
        _ => {}
    }

    // One thread for probes, the demo and `check` too: a multi-thread runtime for `check`, each
    // target spawned, was measured (docs/performance.md, issue 27) at 17% more CPU and no
    // shorter wall time for 100 targets: a check waits on sockets far more than it computes.
    let runtime = match runtime(tokio::runtime::Builder::new_current_thread()) {
        Ok(rt) => rt,
        Err(code) => return code,
    };

    match cli.command {
        Some(Command::Demo(args)) => {
            let layout = stdout_layout();
            let code = runtime.block_on(wsdoctor::demo::run(
                &args,
                &layout,
                &mut std::io::stdout().lock(),
            ));
            ExitCode::from(code)
        }
        Some(Command::Probe(args)) => probe(&runtime, &args, ui),
        Some(Command::Check(args)) => check(&runtime, &args, ui),
        _ => probe(&runtime, &cli.probe, ui),
    }
}

/// What stderr gets besides errors, decided once.
#[derive(Debug, Clone, Copy)]
struct Ui {
    /// Draw a progress line (a terminal, not CI, not -s).
    progress: bool,
    /// -s: no notes either.
    silent: bool,
    /// The -v count: 1 the baseline's exchange on stderr, 2 every attempt's, 3 the trace log.
    verbose: u8,
}

/// The man page: clap_mangen's sections, with EXIT STATUS in place of its generic "EXTRA".
fn man_page(out: &mut dyn Write) -> std::io::Result<()> {
    let man = clap_mangen::Man::new(Cli::command());
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    man.render_subcommands_section(out)?;
    writeln!(out, ".SH \"EXIT STATUS\"")?;
    for (code, what) in wsdoctor::cli::EXIT_STATUS {
        writeln!(
            out,
            ".TP\n{code}\n{}",
            what.replace('\\', "\\\\").replace('-', "\\-")
        )?;
    }
    man.render_version_section(out)?;
    man.render_authors_section(out)
}

/// The page of one subcommand, `wsdoctor-NAME(1)`, which wsdoctor(1)'s SUBCOMMANDS section
/// names. An unknown name is a usage error listing the known ones.
fn subcommand_man_page(name: &str, out: &mut dyn Write) -> Result<std::io::Result<()>, String> {
    let mut cmd = Cli::command();
    cmd.build();
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    let Some(sub) = cmd.find_subcommand(name) else {
        return Err(format!(
            "no man page for '{name}': wsdoctor man takes one of {}",
            names.join(", ")
        ));
    };
    let page = sub
        .clone()
        .display_name(format!("wsdoctor-{name}"))
        .bin_name(format!("wsdoctor {name}"));
    Ok(clap_mangen::Man::new(page).render(out))
}

/// How a run on the runtime ended.
enum Ended<T> {
    /// It finished.
    Done(T),
    /// Ctrl-C (SIGINT) or SIGTERM came first.
    Interrupted(Stop),
}

/// The signal that stopped a run. SIGTERM (`timeout`, `docker stop`, Kubernetes, a cancelled CI
/// job) is handled exactly as Ctrl-C: the partial report, then the shell's 128 + signal number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// Ctrl-C: exit 130.
    Interrupt,
    /// SIGTERM: exit 143.
    Terminate,
}

impl Stop {
    fn code(self) -> u8 {
        match self {
            Stop::Interrupt => exit::INTERRUPTED,
            Stop::Terminate => exit::TERMINATED,
        }
    }

    /// The signal's name, as the reports give it.
    fn name(self) -> &'static str {
        match self {
            Stop::Interrupt => "SIGINT",
            Stop::Terminate => "SIGTERM",
        }
    }
}

/// The next SIGTERM; never, where it cannot be listened for (the default action then stays).
async fn terminated(term: &mut Option<Terminate>) {
    match term {
        #[cfg(unix)]
        Some(t) => {
            if t.recv().await.is_none() {
                std::future::pending::<()>().await;
            }
        }
        #[cfg(not(unix))]
        Some(_) => std::future::pending::<()>().await,
        None => std::future::pending::<()>().await,
    }
}

#[cfg(unix)]
type Terminate = tokio::signal::unix::Signal;
#[cfg(not(unix))]
type Terminate = ();

/// Listens for SIGTERM from now on (replacing its default action, which kills without a word).
fn listen_for_sigterm() -> Option<Terminate> {
    #[cfg(unix)]
    {
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok()
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// The progress line on stderr: drawn only when `Ui::progress` and a wait has lasted
/// [`wsdoctor::progress::SHOW_AFTER`]; cleared before anything else is printed.
struct Spinner {
    enabled: bool,
    started: Instant,
    bar: Option<indicatif::ProgressBar>,
}

impl Spinner {
    fn new(enabled: bool) -> Spinner {
        Spinner {
            enabled,
            started: Instant::now(),
            bar: None,
        }
    }

    /// Shows `line` (what runs, what it waits for), once the run has lasted long enough.
    fn show(&mut self, line: Option<String>) {
        if !self.enabled || self.started.elapsed() < wsdoctor::progress::SHOW_AFTER {
            return;
        }
        let Some(line) = line else { return };
        let bar = self.bar.get_or_insert_with(|| {
            let bar = indicatif::ProgressBar::with_draw_target(
                None,
                indicatif::ProgressDrawTarget::stderr(),
            );
            let style = indicatif::ProgressStyle::with_template("{spinner} wsdoctor: {wide_msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner());
            bar.set_style(style);
            bar
        });
        bar.set_message(line);
        bar.tick();
    }

    /// A line above the progress line (check's finished targets).
    fn println(&self, line: String) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    fn clear(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// Runs `work` to its end unless Ctrl-C or SIGTERM comes first, feeding every event from `rx` to
/// `on_event` and redrawing the progress line from `line` ten times a second. After an interrupt
/// the events already sent are still taken in, so the partial report has everything measured.
/// The handlers stay installed afterwards, so a second signal cannot cut the report's writing.
async fn until_interrupted<T, E>(
    work: impl Future<Output = T>,
    mut rx: tokio::sync::mpsc::UnboundedReceiver<E>,
    spinner: &mut Spinner,
    mut on_event: impl FnMut(E, &Spinner),
    line: impl Fn() -> Option<String>,
) -> Ended<T> {
    tokio::pin!(work);
    let interrupt = tokio::signal::ctrl_c();
    tokio::pin!(interrupt);
    let mut term = listen_for_sigterm();
    // A handler that cannot be installed leaves Ctrl-C to the default action.
    let mut listen = true;
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    loop {
        tokio::select! {
            out = &mut work => {
                spinner.clear();
                return Ended::Done(out);
            }
            signal = &mut interrupt, if listen => {
                if signal.is_err() {
                    listen = false;
                    continue;
                }
                while let Ok(e) = rx.try_recv() {
                    on_event(e, spinner);
                }
                spinner.clear();
                return Ended::Interrupted(Stop::Interrupt);
            }
            () = terminated(&mut term) => {
                while let Ok(e) = rx.try_recv() {
                    on_event(e, spinner);
                }
                spinner.clear();
                return Ended::Interrupted(Stop::Terminate);
            }
            Some(e) = rx.recv() => on_event(e, spinner),
            _ = tick.tick() => spinner.show(line()),
        }
    }
}

fn probe(runtime: &tokio::runtime::Runtime, args: &ProbeArgs, ui: Ui) -> ExitCode {
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
    if !ui.silent {
        for note in &config.notes {
            eprintln!("note: {note}");
        }
        let plan = wsdoctor::plan::build(&config);
        eprintln!("wsdoctor: {}", wsdoctor::plan::disclosure(&config, &plan));
    }
    let started = Instant::now();
    let started_at = wsdoctor::now_rfc3339();
    let (events, rx) = Events::channel();
    let tracker = std::cell::RefCell::new(Tracker::new());
    let mut spinner = Spinner::new(ui.progress);
    let ended = runtime.block_on(until_interrupted(
        wsdoctor::probe_target_with(&config, events),
        rx,
        &mut spinner,
        |e, _| tracker.borrow_mut().apply(e, Instant::now()),
        || tracker.borrow().line(Instant::now()),
    ));
    let report = match ended {
        Ended::Done(report) => report,
        Ended::Interrupted(stop) => {
            let mut partial = PartialReport::new(
                &tracker.borrow(),
                &config.shown_target,
                config.notes.clone(),
                started_at,
                started,
                Instant::now(),
            );
            partial.signal = Some(stop.name().to_string());
            let line = render::partial::verdict_line(&partial);
            return sink.write(
                |out, _| render::partial::render(&partial, config.format, out),
                &line,
                stop.code(),
            );
        }
    };
    verbose_exchanges(&report, ui.verbose);
    // `-v` printed the baseline's exchange on stderr: a report on stdout does not repeat it (a
    // report written to a file keeps it).
    let wire_on_stderr = ui.verbose > 0 && matches!(sink, Sink::Stdout);
    match expectations {
        None => {
            let code = exit::code_for(&report);
            let line = render::check::report_verdict_line(&report);
            sink.write(
                |out, layout| {
                    let layout = render::Layout {
                        baseline_wire_on_stderr: wire_on_stderr,
                        ..*layout
                    };
                    render::render_with(&report, config.format, &layout, out)
                },
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
                |out, layout| render::check::render_with(&result, config.format, layout, out),
                &line,
                exit::code_for_check(&result),
            )
        }
    }
}

fn check(runtime: &tokio::runtime::Runtime, args: &CheckArgs, ui: Ui) -> ExitCode {
    let overrides = check::file::Overrides {
        show_secrets: args.show_secrets,
        quick: args.quick,
        safe: args.safe,
        timeout: args.timeout,
        plan_only: args.dry_run,
    };
    let targets = match check::file::load(&args.file, &overrides) {
        Ok(t) => t,
        Err(e) => return usage(e),
    };
    if args.dry_run {
        let mut out = std::io::stdout().lock();
        return done(
            render::check::plan(&check::planned(&targets), &mut out).and_then(|_| out.flush()),
        );
    }
    let sink = match Sink::open(&args.output) {
        Ok(s) => s,
        Err(e) => return usage(e),
    };
    let (jobs, jobs_note) = check::effective_jobs(args.jobs.map(usize::from), targets.len());
    if let Some(note) = jobs_note.filter(|_| !ui.silent) {
        eprintln!("wsdoctor: {note}");
    }
    let started = Instant::now();
    let total = targets.len();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<(usize, TargetResult)>();
    let finished = std::cell::RefCell::new(Vec::<(usize, TargetResult)>::new());
    let mut spinner = Spinner::new(ui.progress);
    let index_of = |name: &str| targets.iter().position(|t| t.name == name);
    let ended = runtime.block_on(until_interrupted(
        check::run(&targets, jobs, |_, _, t: &TargetResult| {
            let _ = tx.send((index_of(&t.name).unwrap_or(usize::MAX), t.clone()));
        }),
        rx,
        &mut spinner,
        |(i, t), spinner| {
            let mut finished = finished.borrow_mut();
            finished.push((i, t));
            if ui.progress {
                if let Some((_, t)) = finished.last() {
                    spinner.println(format!(
                        "[{:>width$}/{total}] {} {} ({})",
                        finished.len(),
                        if t.passed() { "pass" } else { "FAIL" },
                        render::printable_name(&t.name),
                        t.report.diagnosis.cause,
                        width = total.to_string().len()
                    ));
                }
            }
        },
        || {
            let finished = finished.borrow();
            let running = check_in_flight(&targets, jobs, &finished);
            (!running.is_empty()).then(|| {
                format!(
                    "check: {} of {total} done · waiting for {}",
                    finished.len(),
                    running.join(", ")
                )
            })
        },
    ));
    let result = match ended {
        Ended::Done(result) => result,
        Ended::Interrupted(stop) => {
            let mut finished = finished.into_inner();
            finished.sort_by_key(|(i, _)| *i);
            // `check::run` starts targets in file order, `jobs` at a time: those past the first
            // `finished + jobs` had not started.
            let started_count = (finished.len() + jobs.max(1)).min(targets.len());
            let mut unfinished = Vec::new();
            let mut not_started = Vec::new();
            for (i, t) in targets.iter().enumerate() {
                if finished.iter().any(|(j, _)| *j == i) {
                    continue;
                }
                unfinished.push(t.name.clone());
                if i >= started_count {
                    not_started.push(t.name.clone());
                }
            }
            let mut result = CheckReport::interrupted(
                finished.into_iter().map(|(_, t)| t).collect(),
                unfinished,
                started.elapsed().as_secs_f64() * 1000.0,
            );
            result.not_started = not_started;
            result.signal = Some(stop.name().to_string());
            step_summary(&result);
            let line = render::check::verdict_line(&result);
            return sink.write(
                |out, layout| render::check::render_with(&result, args.format, layout, out),
                &line,
                stop.code(),
            );
        }
    };
    step_summary(&result);
    for t in result.targets.iter().filter(|_| ui.verbose > 0) {
        eprintln!("* target {}", render::printable_name(&t.name));
        verbose_exchanges(&t.report, ui.verbose);
    }
    let line = render::check::verdict_line(&result);
    sink.write(
        |out, layout| render::check::render_with(&result, args.format, layout, out),
        &line,
        exit::code_for_check(&result),
    )
}

/// In GitHub Actions (`GITHUB_STEP_SUMMARY` names a file): appends the check's Markdown summary
/// to the job's step summary, as GitHub documents (append, never replace: other steps write there
/// too). A summary that cannot be written is a warning on stderr, never the check's failure.
fn step_summary(result: &CheckReport) {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return;
    };
    let mut text = Vec::with_capacity(16 * 1024);
    let written =
        render::check::render(result, render::Format::Markdown, &mut text).and_then(|_| {
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)?;
            file.write_all(&text)?;
            file.write_all(b"\n")
        });
    if let Err(e) = written {
        eprintln!(
            "wsdoctor: warning: cannot append the summary to GITHUB_STEP_SUMMARY ({}): {e}",
            std::path::Path::new(&path).display()
        );
    }
}

/// `-v`: the exchanges on the wire on stderr, before the report on stdout (curl's order). A
/// closed stderr is not worth failing the run for.
fn verbose_exchanges(report: &wsdoctor::model::Report, level: u8) {
    if level == 0 {
        return;
    }
    let mut err = std::io::stderr().lock();
    let _ = render::verbose::render(report, level, &mut err).and_then(|_| err.flush());
}

fn exporter(args: &ExporterArgs) -> ExitCode {
    use wsdoctor::exporter::{self, config::ExporterConfig};
    if args.check_config {
        let Some(path) = &args.config else {
            return usage("--check-config needs --config FILE");
        };
        if let Some(web) = &args.web_config_file {
            if let Err(e) = exporter::web::WebConfig::load(web) {
                return usage(e);
            }
        }
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
    let served = runtime.block_on(exporter::serve(
        args.listen,
        args.config.clone(),
        args.web_config_file.clone(),
        |scheme, addr| {
            eprintln!(
                "wsdoctor exporter: listening on {scheme}://{addr}/ (probe: /probe?target=URL&module=NAME)"
            );
        },
    ));
    match served {
        Ok(()) => ExitCode::from(exit::OK),
        Err(e) => usage(e),
    }
}

fn explain(args: &ExplainArgs) -> ExitCode {
    if args.list_products {
        let mut out = std::io::stdout().lock();
        return done(wsdoctor::catalogue::render::listing(&mut out).and_then(|_| out.flush()));
    }
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

/// The targets a check is probing now: `check::run` starts them in file order, `jobs` at a time,
/// so the running ones are the first `finished + jobs` minus those finished (shortened for a
/// progress line).
fn check_in_flight(
    targets: &[check::file::Target],
    jobs: usize,
    finished: &[(usize, TargetResult)],
) -> Vec<String> {
    let started = (finished.len() + jobs.max(1)).min(targets.len());
    let running: Vec<String> = targets
        .iter()
        .enumerate()
        .take(started)
        .filter(|(i, _)| !finished.iter().any(|(j, _)| j == i))
        .map(|(_, t)| render::printable_name(&t.name))
        .collect();
    const SHOWN: usize = 3;
    if running.len() > SHOWN {
        let more = running.len() - SHOWN;
        let mut shown: Vec<String> = running.into_iter().take(SHOWN).collect();
        shown.push(format!("{more} more"));
        shown
    } else {
        running
    }
}

/// Where the report goes: stdout, or the `--output` file (then stdout gets one line).
enum Sink {
    Stdout,
    /// The path, and whether it may replace a file (`--force`).
    File(PathBuf, bool),
}

impl Sink {
    /// Checks the `--output` file before anything runs, so a clobber refusal (or a directory
    /// that cannot take the file) costs nothing. The file itself is created only when the report
    /// is complete: an interrupted or failed run never leaves an empty one behind.
    fn open(args: &OutputArgs) -> Result<Sink, String> {
        let Some(path) = args.output.as_ref().filter(|p| p.as_os_str() != "-") else {
            return Ok(Sink::Stdout);
        };
        let exists = path.symlink_metadata().is_ok();
        if exists && !args.force {
            return Err(format!(
                "'{}' already exists: pass --force to overwrite it",
                path.display()
            ));
        }
        if !exists {
            // Can the file be made there? Made and removed at once, so nothing stays behind.
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
            {
                Ok(f) => {
                    drop(f);
                    let _ = std::fs::remove_file(path);
                }
                Err(e) => return Err(format!("cannot create '{}': {e}", path.display())),
            }
        }
        Ok(Sink::File(path.clone(), args.force))
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
                let layout = stdout_layout();
                // Buffered: stdout alone is line-buffered, and serde_json writes in small
                // pieces, each of which the line buffer scans for a newline (docs/performance.md).
                let mut out = BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
                if let Err(e) = render(&mut out, &layout).and_then(|_| out.flush()) {
                    return done(Err(e));
                }
            }
            Sink::File(path, force) => {
                // A file gets no terminal colour codes.
                colored::control::set_override(false);
                // The whole report first, then the file: it exists only with its content. A file
                // gets no terminal width either.
                let mut bytes = Vec::with_capacity(64 * 1024);
                let written = render(&mut bytes, &render::Layout::default())
                    .and_then(|_| write_whole(&path, &bytes, force));
                if let Err(e) = written {
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

/// The one look at the terminal's width for what goes to stdout: COLUMNS, else the terminal's own.
fn stdout_layout() -> render::Layout {
    let terminal = std::io::stdout()
        .is_terminal()
        .then(|| terminal_size::terminal_size().map(|(w, _)| w.0))
        .flatten();
    render::Layout::for_columns(term::report_columns(
        std::env::var("COLUMNS").ok().as_deref(),
        terminal,
    ))
}

/// Writes `bytes` as the file `path` so that it appears only whole: into a temporary file beside
/// it, then renamed over it (`force`) or linked to its name (which, like `create_new`, refuses to
/// clobber a file made meanwhile). A kill in the middle leaves no half report under `path`. A path
/// that is not a regular file (a device, a pipe, a symlink) is written through directly.
fn write_whole(path: &std::path::Path, bytes: &[u8], force: bool) -> std::io::Result<()> {
    let direct = || {
        let mut options = std::fs::OpenOptions::new();
        options.write(true);
        if force {
            options.create(true).truncate(true);
        } else {
            options.create_new(true);
        }
        let mut file = options.open(path)?;
        file.write_all(bytes).and_then(|_| file.flush())
    };
    let special = path
        .symlink_metadata()
        .is_ok_and(|m| !m.file_type().is_file());
    let (Some(name), false) = (path.file_name(), special) else {
        return direct();
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    let temp = dir.join(format!(
        ".{}.wsdoctor-{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let staged = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)
        .and_then(|mut f| f.write_all(bytes).and_then(|_| f.sync_all()));
    if staged.is_err() {
        let _ = std::fs::remove_file(&temp);
        return direct();
    }
    let placed = if force {
        std::fs::rename(&temp, path)
    } else {
        std::fs::hard_link(&temp, path)
    };
    let _ = std::fs::remove_file(&temp);
    match placed {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(e),
        // A file system without hard links (or renames): the plain write.
        Err(_) => direct(),
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
    // clap's suggestions ("a similar argument exists: '--origin'") are the useful part of a typo.
    let tips: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("tip: "))
        .collect();
    if tips.is_empty() {
        format!("{joined} (see --help)")
    } else {
        format!("{joined}; {} (see --help)", tips.join("; "))
    }
}

/// The async runtime from `builder` (current-thread for probes, multi-thread for the exporter),
/// or the exit code after saying why it cannot start.
fn runtime(mut builder: tokio::runtime::Builder) -> Result<tokio::runtime::Runtime, ExitCode> {
    builder.enable_all().build().map_err(|e| {
        eprintln!("wsdoctor: cannot start the async runtime: {e}");
        ExitCode::from(exit::USAGE)
    })
}
