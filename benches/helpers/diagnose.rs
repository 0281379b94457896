//! bench-diagnose: times the pure diagnosis over the recorded-run corpus (`fixtures/runs/`):
//! every run's records are diagnosed `ROUNDS` times and the median and worst per-run time printed,
//! with the largest run's attempt count. Built and run by `scripts/bench`; not a test.

use std::time::Instant;

use wsdoctor::diagnose::diagnose;
use wsdoctor::model::Report;

const ROUNDS: usize = 50;

fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/runs");
    let mut runs = Vec::new();
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let Ok(text) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        let Ok(doc) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        if let Ok(report) = serde_json::from_value::<Report>(doc["report"].clone()) {
            runs.push(report.run());
        }
    }
    if runs.is_empty() {
        eprintln!("bench-diagnose: no runs in {}", dir.display());
        std::process::exit(2);
    }
    let mut per_run: Vec<(f64, usize)> = Vec::new();
    for run in &runs {
        let started = Instant::now();
        for _ in 0..ROUNDS {
            std::hint::black_box(diagnose(std::hint::black_box(run)));
        }
        let us = started.elapsed().as_secs_f64() * 1e6 / ROUNDS as f64;
        per_run.push((us, run.attempts.len() + run.http_controls.len()));
    }
    per_run.sort_by(|a, b| a.0.total_cmp(&b.0));
    let median = per_run[per_run.len() / 2].0;
    let worst = per_run[per_run.len() - 1];
    let big: Vec<f64> = per_run
        .iter()
        .filter(|(_, n)| *n >= 15)
        .map(|(us, _)| *us)
        .collect();
    let big_median = if big.is_empty() {
        0.0
    } else {
        big[big.len() / 2]
    };
    println!(
        "diagnose: {} runs × {ROUNDS}: median {median:.1} µs, worst {:.1} µs ({} attempts), runs with ≥ 15 attempts: {} (median {big_median:.1} µs)",
        runs.len(),
        worst.0,
        worst.1,
        big.len()
    );
}
