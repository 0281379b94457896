//! corpus: saves what a real-stack run printed into the recorded-run corpus (`fixtures/runs/`),
//! with the cause the test expects, so the pure diagnosis can be replayed against hundreds of real
//! runs in milliseconds (`tests/integration/corpus.rs`). Only with `WSDOCTOR_RECORD_RUNS` set
//! (`scripts/record-runs`); an ordinary test run writes nothing.
//!
//! A file is named after the test (the harness names each test's thread after it) and a counter
//! per test, so the same test always writes the same names: `routing__report_000_….1.json`.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::{json, Value};

use super::repo_root;

/// The schema id of one corpus file.
pub const RUN_RECORD_SCHEMA: &str = "wsdoctor.run-record/v1";

static COUNTERS: Mutex<Option<HashMap<String, usize>>> = Mutex::new(None);

/// True when runs are being recorded.
pub fn recording() -> bool {
    std::env::var_os("WSDOCTOR_RECORD_RUNS").is_some_and(|v| !v.is_empty() && v != "0")
}

/// The scenario name of the next run of the calling test (`module__test.N`).
fn next_name() -> String {
    let thread = std::thread::current();
    let test = thread
        .name()
        .unwrap_or("unnamed")
        .replace("::", "__")
        .replace(|c: char| !(c.is_ascii_alphanumeric() || c == '_'), "_");
    let mut guard = COUNTERS.lock().unwrap_or_else(|e| e.into_inner());
    let counters = guard.get_or_insert_with(HashMap::new);
    let n = counters.entry(test.clone()).or_insert(0);
    *n += 1;
    format!("{test}.{n}")
}

/// Records a report with the verdict the test expects (category, cause, exit code).
pub fn record(report: &Value, category: &str, cause: &str, exit: i32) {
    if !recording() {
        return;
    }
    let name = next_name();
    let dir = repo_root().join("fixtures/runs");
    std::fs::create_dir_all(&dir).expect("create fixtures/runs");
    let mut report = report.clone();
    // Wall times differ on every run; the diagnosis never reads them.
    if let Some(obj) = report.as_object_mut() {
        obj.insert("duration_ms".into(), json!(0.0));
    }
    let doc = json!({
        "schema": RUN_RECORD_SCHEMA,
        "scenario": name,
        "expected": { "category": category, "cause": cause, "exit": exit },
        "report": report,
    });
    let text = serde_json::to_string_pretty(&doc).expect("a JSON value serialises");
    std::fs::write(dir.join(format!("{name}.json")), text + "\n").expect("write a corpus file");
}
