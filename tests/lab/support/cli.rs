//! cli: runs the real `wsdoctor` binary the way a user would (`--format json`, environment
//! cleared of RUST_LOG, NO_COLOR and token variables) and checks what it printed: the verdict,
//! the exit code, and that no secret given on the command line leaked into the output.

use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

/// Close-wait used in lab runs: long enough to see a policy close right after the 101.
pub const CLOSE_WAIT: &str = "800ms";
/// Overall probe timeout in lab runs.
pub const PROBE_TIMEOUT: &str = "10s";
/// Hard limit on one wsdoctor process (it must end by itself well before this).
const PROCESS_LIMIT: Duration = Duration::from_secs(60);

/// One finished wsdoctor run.
#[derive(Debug)]
pub struct Probe {
    /// Arguments (secrets included: never printed as is).
    args: Vec<String>,
    /// Exit code (None when killed by a signal).
    pub code: Option<i32>,
    /// stdout.
    pub stdout: String,
    /// stderr.
    pub stderr: String,
    /// The parsed JSON report.
    pub json: Value,
}

/// Runs `wsdoctor <args> --format json --close-wait CLOSE_WAIT --timeout PROBE_TIMEOUT`.
pub fn wsdoctor<S: AsRef<str>>(args: &[S]) -> Probe {
    let args: Vec<String> = args.iter().map(|a| a.as_ref().to_string()).collect();
    let mut cmd = Command::cargo_bin("wsdoctor").expect("the wsdoctor binary is built");
    cmd.env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        cmd.env("PATH", path);
    }
    cmd.args(&args)
        .args(["--format", "json", "--close-wait", CLOSE_WAIT])
        .args(["--timeout", PROBE_TIMEOUT])
        .timeout(PROCESS_LIMIT);
    let output = cmd.output().expect("run wsdoctor");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let json = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "wsdoctor {} did not print a JSON report ({e}); exit {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
            redacted_args(&args).join(" "),
            output.status.code()
        )
    });
    let probe = Probe {
        args,
        code: output.status.code(),
        stdout,
        stderr,
        json,
    };
    probe.assert_no_secret_leaked();
    probe
}

fn is_secret_flag(flag: &str) -> bool {
    flag == "--token"
}

fn redacted_args(args: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut hide = false;
    for a in args {
        if hide {
            out.push("<secret>".to_string());
        } else {
            out.push(a.clone());
        }
        hide = is_secret_flag(a);
    }
    out
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

impl Probe {
    /// `diagnosis.category`.
    pub fn category(&self) -> &str {
        str_at(&self.json, "/diagnosis/category")
    }

    /// `diagnosis.cause`.
    pub fn cause(&self) -> &str {
        str_at(&self.json, "/diagnosis/cause")
    }

    /// The cause ids of `findings[]`, in report order.
    pub fn finding_causes(&self) -> Vec<String> {
        self.json["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| str_at(f, "/cause").to_string())
            .collect()
    }

    /// Asserts that `findings[]` holds a finding with this cause id.
    pub fn expect_finding(&self, cause: &str) {
        assert!(
            self.finding_causes().iter().any(|c| c == cause),
            "expected a finding {cause}, got findings {:?}\n{}",
            self.finding_causes(),
            self.describe()
        );
    }

    /// Asserts that `findings[]` holds no finding with this cause id.
    pub fn expect_no_finding(&self, cause: &str) {
        assert!(
            !self.finding_causes().iter().any(|c| c == cause),
            "expected no finding {cause}, got findings {:?}\n{}",
            self.finding_causes(),
            self.describe()
        );
    }

    /// The diagnosis summary and evidence lines, joined (for wording checks).
    pub fn diagnosis_text(&self) -> String {
        let d = &self.json["diagnosis"];
        let mut text = str_at(d, "/summary").to_string();
        for line in d["evidence"].as_array().into_iter().flatten() {
            text.push('\n');
            text.push_str(line.as_str().unwrap_or(""));
        }
        text
    }

    /// The diagnosis snippets as (lang, code) pairs.
    pub fn snippets(&self) -> Vec<(String, String)> {
        self.json["diagnosis"]["snippets"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| {
                (
                    str_at(s, "/lang").to_string(),
                    str_at(s, "/code").to_string(),
                )
            })
            .collect()
    }

    /// Asserts the exact verdict and exit code, printing every attempt when it does not hold.
    /// With `WSDOCTOR_RECORD_RUNS` set, the report is saved to the recorded-run corpus
    /// (`fixtures/runs/`) with this cause as the expected one, before the assertion.
    pub fn expect(&self, category: &str, cause: &str, exit: i32) {
        crate::support::corpus::record(&self.json, category, cause, exit);
        assert!(
            self.category() == category && self.cause() == cause && self.code == Some(exit),
            "expected {category} / {cause} / exit {exit}, got {} / {} / exit {:?}\n{}",
            self.category(),
            self.cause(),
            self.code,
            self.describe()
        );
    }

    /// `expect` for a run whose output is a one-target check (`--send`/`--expect-reply`,
    /// `--http2-only`): asserts the verdict of `targets[0].report` and the process's exit code,
    /// and records that report (the corpus holds reports, not checks).
    pub fn expect_in_check(&self, category: &str, cause: &str, exit: i32) {
        let report = &self.json["targets"][0]["report"];
        crate::support::corpus::record(report, category, cause, exit);
        let got = (
            str_at(report, "/diagnosis/category"),
            str_at(report, "/diagnosis/cause"),
        );
        assert!(
            got == (category, cause) && self.code == Some(exit),
            "expected {category} / {cause} / exit {exit}, got {} / {} / exit {:?}\n{}",
            got.0,
            got.1,
            self.code,
            self.stdout
        );
    }

    /// A compact account of the run for failure messages: every attempt's variant and outcome,
    /// the tickets, the http controls and the diagnosis.
    pub fn describe(&self) -> String {
        let mut out = format!("$ wsdoctor {}\n", redacted_args(&self.args).join(" "));
        let lists = [
            ("attempt", &self.json["attempts"]),
            ("http", &self.json["http_controls"]),
        ];
        for (label, list) in lists {
            for a in list.as_array().into_iter().flatten() {
                let o = &a["outcome"];
                let mut line = format!(
                    "  {label} {:<22} {:<20}",
                    str_at(a, "/variant/id"),
                    str_at(o, "/kind")
                );
                for key in ["status", "close_code", "close_reason", "error", "location"] {
                    if let Some(v) = o.get(key) {
                        line.push_str(&format!(" {key}={v}"));
                    }
                }
                if let Some(server) = o.pointer("/headers/server") {
                    line.push_str(&format!(" server={server}"));
                }
                if let Some(body) = o.get("body_excerpt").and_then(Value::as_str) {
                    let body: String = body.chars().take(60).collect();
                    line.push_str(&format!(" body={body:?}"));
                }
                out.push_str(&line);
                out.push('\n');
            }
        }
        for t in self.json["tickets"].as_array().into_iter().flatten() {
            out.push_str(&format!(
                "  ticket status={} obtained={} body={}\n",
                t["status"], t["obtained"], t["body_excerpt"]
            ));
        }
        let d = &self.json["diagnosis"];
        out.push_str(&format!(
            "  diagnosis {} / {} ({})\n  summary: {}\n",
            str_at(d, "/category"),
            str_at(d, "/cause"),
            d["confidence"],
            str_at(d, "/summary")
        ));
        for e in d["evidence"].as_array().into_iter().flatten() {
            out.push_str(&format!("    - {}\n", e.as_str().unwrap_or("")));
        }
        if !self.stderr.trim().is_empty() {
            out.push_str(&format!("  stderr: {}\n", self.stderr.trim()));
        }
        out
    }

    fn assert_no_secret_leaked(&self) {
        let mut secrets = Vec::new();
        for pair in self.args.windows(2) {
            if is_secret_flag(&pair[0]) && pair[1].len() >= 8 {
                secrets.push(pair[1].as_str());
            }
        }
        for s in secrets {
            assert!(
                !self.stdout.contains(s) && !self.stderr.contains(s),
                "a --token value leaked into wsdoctor's output"
            );
        }
    }
}
