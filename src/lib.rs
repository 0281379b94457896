//! wsdoctor: tells you why a WebSocket connection fails.
//!
//! The pipeline, one module per step, each step's output an inspectable value:
//!
//! ```text
//! argv -> cli::Cli -> config::Config -> plan::Plan -> probe (records) -> model::Run
//!      -> diagnose (pure) -> model::Report -> render::<format> (pure) -> exit::code_for
//! ```
//!
//! Measuring (`probe`), deciding (`diagnose`) and printing (`render`) never mix.

pub mod catalogue;
pub mod cause;
pub mod certs;
pub mod check;
pub mod cli;
pub mod config;
pub mod demo;
pub mod diagnose;
pub mod error;
pub mod exit;
pub mod explain;
pub mod exporter;
pub mod fingerprint;
pub mod logging;
pub mod model;
pub mod pattern;
pub mod plan;
pub mod probe;
pub mod progress;
pub mod render;
pub mod secret;
pub mod term;
pub mod wording;

use std::time::Instant as StdInstant;

use config::Config;
use model::{Report, Run, ToolInfo, REPORT_SCHEMA};

/// Measures a validated config: builds the plan and runs it under the config's deadline.
pub async fn measure(config: &Config) -> Run {
    measure_with(config, probe::events::Events::default()).await
}

/// [`measure`], sending stage and attempt events to `events` as the run goes on.
pub async fn measure_with(config: &Config, events: probe::events::Events) -> Run {
    let plan = plan::build(config);
    let ctx = probe::ProbeContext {
        deadline: tokio::time::Instant::now() + config.timeout,
        close_wait: config.close_wait,
        idle: config.idle.map(|duration| probe::IdleWatch {
            duration,
            ping_interval: config.ping_interval,
        }),
        proxy: config.proxy.clone(),
        trust: config.trust.clone(),
        resolve: config.resolve.clone(),
        connect_to: config.connect_to.clone(),
        fan_out: plan.address_fan_out,
        pin: None,
        redactor: config.redactor.clone(),
        conversation: config.conversation.clone(),
        ip_family: config.ip_family,
        connect_timeout: config.connect_timeout,
        events,
    };
    let target = config.shown_target.clone();
    probe::run_plan(&plan, &ctx, &target).await
}

/// Turns a measured run into the report: diagnosis plus the records.
pub fn report(run: Run, notes: Vec<String>, duration_ms: f64) -> Report {
    let diagnose::Assessment {
        diagnosis,
        findings,
        comparison,
        browser_checks,
        cannot_tell_apart,
    } = diagnose::assess(&run);
    let stages = run.baseline().map(|a| a.stages.clone()).unwrap_or_default();
    let input = Some(model::RunInput {
        credential_given: run.credential_given,
        user_origin: run.user_origin.clone(),
        direct: run.direct.clone(),
    });
    Report {
        schema: REPORT_SCHEMA.to_string(),
        tool: ToolInfo::default(),
        target: run.target,
        notes,
        stages,
        attempts: run.attempts,
        tickets: run.tickets,
        http_controls: run.http_controls,
        addresses: run.addresses,
        http2: run.http2,
        other_scheme: run.other_scheme,
        skipped_variants: run.skipped,
        cannot_tell_apart,
        diagnosis,
        findings,
        comparison,
        browser_checks,
        input,
        started_at: None,
        ok: false,
        duration_ms,
    }
    .with_ok()
}

/// Probes and diagnoses one target: the whole job of `wsdoctor URL`.
pub async fn probe_target(config: &Config) -> Report {
    probe_target_with(config, probe::events::Events::default()).await
}

/// [`probe_target`], sending stage and attempt events to `events` as the run goes on.
pub async fn probe_target_with(config: &Config, events: probe::events::Events) -> Report {
    let started = StdInstant::now();
    let started_at = now_rfc3339();
    let run = measure_with(config, events).await;
    let mut report = report(
        run,
        config.notes.clone(),
        started.elapsed().as_secs_f64() * 1000.0,
    );
    report.started_at = started_at;
    report
}

/// The current time as RFC 3339 (UTC), or `None` if the clock cannot be formatted.
pub fn now_rfc3339() -> Option<String> {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .ok()
}

#[cfg(test)]
mod layering {
    //! The top-level modules' imports point one way: no module reaches, through `crate::…` paths
    //! in its non-test code, a module that reaches back to it. A new cycle fails here with the
    //! path that closes it.

    use std::collections::{BTreeMap, BTreeSet};
    use std::path::{Path, PathBuf};

    /// Files compiled only for tests (whole files behind `#[cfg(test)] mod …;`).
    const TEST_ONLY: &[&str] = &[
        "diagnose/rules/testkit.rs",
        "diagnose/rules/simulate.rs",
        "catalogue/tests.rs",
    ];

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                rust_files(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }

    /// Top-level module -> the top-level modules its non-test code names.
    fn graph() -> BTreeMap<String, BTreeSet<String>> {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        let mut modules = BTreeSet::new();
        for f in &files {
            let rel = f
                .strip_prefix(&src)
                .unwrap_or(f)
                .to_string_lossy()
                .to_string();
            let top = rel
                .split('/')
                .next()
                .unwrap_or("")
                .trim_end_matches(".rs")
                .to_string();
            if top != "lib" && top != "main" {
                modules.insert(top);
            }
        }
        let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for f in &files {
            let rel = f
                .strip_prefix(&src)
                .unwrap_or(f)
                .to_string_lossy()
                .to_string();
            let top = rel
                .split('/')
                .next()
                .unwrap_or("")
                .trim_end_matches(".rs")
                .to_string();
            if top == "lib" || top == "main" || TEST_ONLY.contains(&rel.as_str()) {
                continue;
            }
            let text = std::fs::read_to_string(f).unwrap_or_default();
            let code = match text.find("\n#[cfg(test)]\nmod tests") {
                Some(at) => &text[..at],
                None => &text,
            };
            let deps = g.entry(top.clone()).or_default();
            for (at, _) in code.match_indices("crate::") {
                let name: String = code[at + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if name != top && modules.contains(&name) {
                    deps.insert(name);
                }
            }
        }
        g
    }

    /// A cycle through `start`, as the list of modules on it.
    fn cycle_from(g: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
        let mut stack = vec![(start.to_string(), vec![start.to_string()])];
        let mut seen = BTreeSet::new();
        while let Some((node, path)) = stack.pop() {
            for next in g.get(&node).into_iter().flatten() {
                if next == start {
                    let mut p = path.clone();
                    p.push(start.to_string());
                    return Some(p);
                }
                if seen.insert(next.clone()) {
                    let mut p = path.clone();
                    p.push(next.clone());
                    stack.push((next.clone(), p));
                }
            }
        }
        None
    }

    #[test]
    fn top_level_modules_have_no_import_cycle() {
        let g = graph();
        assert!(g.len() >= 15, "the scan found only {} modules", g.len());
        for m in g.keys() {
            if let Some(c) = cycle_from(&g, m) {
                let edges: Vec<String> = g
                    .iter()
                    .map(|(k, v)| {
                        format!(
                            "{k} -> {}",
                            v.iter().cloned().collect::<Vec<_>>().join(", ")
                        )
                    })
                    .collect();
                panic!("import cycle: {}\n{}", c.join(" -> "), edges.join("\n"));
            }
        }
        // The layers the architecture names: the data and the catalogue sit at the bottom.
        for leaf in ["cause", "secret", "certs"] {
            assert!(
                g.get(leaf)
                    .is_none_or(|d| d.iter().all(|x| x == "model" || x == "cause")),
                "{leaf} must stay a leaf: {:?}",
                g.get(leaf)
            );
        }
        assert!(
            g.get("model")
                .is_some_and(|d| d.iter().all(|x| x == "cause")),
            "model names only the cause catalogue: {:?}",
            g.get("model")
        );
        // Renderers only format: what they print is data in `model` (the check result in
        // `model::check`, the interrupted run's in `model::partial`), never the modules that
        // measure, plan or evaluate, nor the state `progress` keeps from probe events.
        let render = g.get("render").cloned().unwrap_or_default();
        for above in [
            "check", "progress", "probe", "plan", "config", "explain", "demo", "exporter", "term",
        ] {
            assert!(
                !render.contains(above),
                "render must not import {above}: it formats data from model; move what it reads there ({render:?})"
            );
        }
    }

    /// The dependency picture of docs/architecture.md: its `module ─▶ imports` lines, in order.
    fn documented() -> Vec<(String, BTreeSet<String>)> {
        let doc = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/architecture.md");
        let text = std::fs::read_to_string(doc).unwrap_or_default();
        let block = text
            .split("<!-- imports: checked by layering::the_documented_imports_are_the_imports -->")
            .nth(1)
            .and_then(|rest| rest.split("```text\n").nth(1))
            .and_then(|rest| rest.split("```").next())
            .unwrap_or_default();
        let mut out = Vec::new();
        for line in block.lines() {
            let (names, deps) = match line.split_once('─') {
                Some((names, rest)) => (names, rest.trim_start_matches(['─', '▶', ' '])),
                None => (line.split('(').next().unwrap_or_default(), ""),
            };
            let deps: BTreeSet<String> = deps
                .split(',')
                .map(|d| d.trim().to_string())
                .filter(|d| !d.is_empty())
                .collect();
            for name in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                out.push((name.to_string(), deps.clone()));
            }
        }
        out
    }

    #[test]
    fn the_documented_imports_are_the_imports() {
        let g = graph();
        let listed = documented();
        assert!(
            listed.len() >= 15,
            "the picture lists only {} modules",
            listed.len()
        );
        // Read top-down, every arrow points to a module listed further down.
        for (i, (m, deps)) in listed.iter().enumerate() {
            for d in deps {
                assert!(
                    listed[i + 1..].iter().any(|(n, _)| n == d),
                    "docs/architecture.md lists {m} ─▶ {d} but {d} is not below {m}"
                );
            }
        }
        let doc: BTreeMap<String, BTreeSet<String>> = listed.into_iter().collect();
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/architecture.md"),
        )
        .unwrap_or_default();
        for m in g.keys() {
            assert!(
                text.contains(&format!("\n| `{m}` |")),
                "docs/architecture.md's module table has no row for {m}"
            );
        }
        let mismatches: Vec<String> = g
            .keys()
            .chain(doc.keys())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .filter(|m| g.get(*m) != doc.get(*m))
            .map(|m| {
                format!(
                    "{m}: the code imports {:?}, docs/architecture.md says {:?}",
                    g.get(m),
                    doc.get(m)
                )
            })
            .collect();
        assert!(
            mismatches.is_empty(),
            "update the picture in docs/architecture.md:\n{}",
            mismatches.join("\n")
        );
    }
}
