//! `wsdoctor exporter` under a real Prometheus (Debian's `prometheus` 2.x): the shipped
//! `docs/prometheus/prometheus.yml` (blackbox relabelling) and `wsdoctor-rules.yml`, with only the
//! addresses and intervals changed, scrape the exporter in front of a healthy nginx + FastAPI
//! stack and a broken one (report 001's nginx without the upgrade headers). The test asks
//! Prometheus' HTTP API what it stored and which alerts it evaluates, and runs promtool on the
//! exporter's answer and on the shipped rules' unit tests.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::process::{Proc, Spawn};
use crate::support::stack::{self, App, Proxy, Scene, Tool, ALLOWED_ORIGIN, VALID_TOKEN};
use crate::support::{free_port, repo_root};

/// How long Prometheus may take to scrape both targets and evaluate the rules.
const SETTLE: Duration = Duration::from_secs(90);
/// Between two questions to Prometheus' API (a poll interval, not a synchronisation sleep).
const POLL: Duration = Duration::from_millis(500);

fn http_get(url: &str) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(30)))
        .http_status_as_error(false)
        .build()
        .into();
    let mut answer = agent.get(url).call().expect("HTTP GET on loopback");
    let status = answer.status().as_u16();
    let body = answer.body_mut().read_to_string().expect("read the body");
    (status, body)
}

/// The shipped file with `from` replaced by `to`; the replacement must happen (a changed file
/// must fail this test, not silently test something else).
fn replace(text: &str, from: &str, to: &str) -> String {
    assert!(
        text.contains(from),
        "docs/prometheus no longer contains {from:?}: update the exporter lab test"
    );
    text.replace(from, to)
}

/// `promtool ARGS` in `dir`, with `stdin`; panics with its output when it fails.
fn promtool(dir: &Path, args: &[&str], stdin: Option<&str>) -> String {
    let program = stack::find_program("promtool").expect("promtool is installed");
    let mut child = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start promtool");
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        use std::io::Write;
        pipe.write_all(text.as_bytes()).expect("write to promtool");
    }
    let out = child.wait_with_output().expect("wait for promtool");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "promtool {args:?} failed:\n{text}");
    text
}

/// The result vector of an instant query.
fn query(prometheus: &str, promql: &str) -> Vec<Value> {
    let url = format!(
        "{prometheus}/api/v1/query?query={}",
        url::form_urlencoded::byte_serialize(promql.as_bytes()).collect::<String>()
    );
    let (status, body) = http_get(&url);
    assert_eq!(status, 200, "{url}: {body}");
    let json: Value = serde_json::from_str(&body).expect("Prometheus answers JSON");
    json["data"]["result"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The sample of `metric` for `instance`, once Prometheus has one.
fn sample_for(prometheus: &str, promql: &str, instance: &str) -> Option<Value> {
    query(prometheus, promql)
        .into_iter()
        .find(|s| s["metric"]["instance"] == instance)
}

// The shipped promtool unit tests of the shipped rules, and the shipped scrape config.
#[test]
fn shipped_prometheus_files_pass_promtool() {
    let _ = require!("exporter_promtool_files", Tool::Prometheus);
    let dir = repo_root().join("docs/prometheus");
    let out = promtool(&dir, &["test", "rules", "wsdoctor-rules.test.yml"], None);
    assert!(out.contains("SUCCESS"), "{out}");
    promtool(&dir, &["check", "config", "prometheus.yml"], None);
}

// /work/shared/seeds/001 watched continuously: the healthy stack and report 001's nginx (no
// upgrade headers) probed by Prometheus through the exporter.
#[test]
fn prometheus_scrapes_success_failure_and_the_cause_through_the_blackbox_relabelling() {
    let test = require!(
        "exporter_prometheus",
        Tool::Nginx,
        Tool::Python,
        Tool::Prometheus
    );
    let upstream = stack::app(App::FastApi).addr();
    let mut scene = Scene::new(test);
    let healthy_port = Proxy::Nginx.start_healthy(&mut scene, &upstream);
    // Its own scene: each nginx keeps its pid file and logs in its scene's directory.
    let mut broken_scene = Scene::new(&format!("{test}_broken"));
    let broken_port = broken_scene.nginx("no-upgrade-headers.conf", &[("UPSTREAM", upstream)]);
    let healthy = format!("ws://127.0.0.1:{healthy_port}/ws");
    let broken = format!("ws://127.0.0.1:{broken_port}/ws");
    let dir = scene.path().to_path_buf();

    // The exporter: one module with the lab's credential (from the environment) and Origin.
    let exporter_port = free_port();
    let exporter_addr = format!("127.0.0.1:{exporter_port}");
    let modules = dir.join("modules.toml");
    std::fs::write(
        &modules,
        format!(
            "allowed_targets = [\"ws://127.0.0.1:*/ws\"]\n\n[module.lab]\ntoken_env = \"LAB_TOKEN\"\norigin = \"{ALLOWED_ORIGIN}\"\nclose_wait = \"800ms\"\ntimeout = \"8s\"\n"
        ),
    )
    .expect("write modules.toml");
    let exporter = Proc::start(
        Spawn::new("wsdoctor-exporter", env!("CARGO_BIN_EXE_wsdoctor"))
            .args([
                "-v",
                "exporter",
                "--listen",
                exporter_addr.as_str(),
                "--config",
                modules.to_str().expect("utf-8 path"),
            ])
            .env("LAB_TOKEN", VALID_TOKEN)
            .env("NO_COLOR", "1")
            .ready_on(exporter_port),
        &dir,
    );

    // promtool accepts what a scrape gets.
    let (status, body) = http_get(&format!(
        "http://{exporter_addr}/probe?target={}&module=lab",
        url::form_urlencoded::byte_serialize(healthy.as_bytes()).collect::<String>()
    ));
    assert_eq!(status, 200, "{body}");
    promtool(&dir, &["check", "metrics"], Some(&body));

    // Prometheus, configured by the shipped files.
    let shipped = std::fs::read_to_string(repo_root().join("docs/prometheus/prometheus.yml"))
        .expect("read docs/prometheus/prometheus.yml");
    let mut config = replace(&shipped, "scrape_interval: 30s", "scrape_interval: 10s");
    config = replace(&config, "scrape_timeout: 20s", "scrape_timeout: 9s");
    config = replace(
        &config,
        "evaluation_interval: 30s",
        "evaluation_interval: 2s",
    );
    config = replace(&config, "module: [default]", "module: [lab]");
    config = replace(
        &config,
        "          - wss://chat.example.com/ws\n          - wss://api.example.com/socket\n",
        &format!("          - {healthy}\n          - {broken}\n"),
    );
    config = replace(&config, "127.0.0.1:9469", &exporter_addr);
    std::fs::write(dir.join("prometheus.yml"), &config).expect("write prometheus.yml");
    std::fs::copy(
        repo_root().join("docs/prometheus/wsdoctor-rules.yml"),
        dir.join("wsdoctor-rules.yml"),
    )
    .expect("copy the rules");
    let prometheus_port = free_port();
    let prometheus_addr = format!("127.0.0.1:{prometheus_port}");
    let tsdb = dir.join("tsdb");
    let _prometheus = Proc::start(
        Spawn::new(
            "prometheus",
            Tool::Prometheus.program().expect("prometheus"),
        )
        .args([
            format!("--config.file={}", dir.join("prometheus.yml").display()),
            format!("--storage.tsdb.path={}", tsdb.display()),
            format!("--web.listen-address={prometheus_addr}"),
            "--log.level=warn".to_string(),
        ])
        .cwd(&dir)
        .ready_on(prometheus_port),
        &dir,
    );
    let api = format!("http://{prometheus_addr}");
    // Listening is not ready: the API answers 503 until the TSDB is open.
    let deadline = Instant::now() + SETTLE;
    while http_get(&format!("{api}/-/ready")).0 != 200 {
        assert!(
            Instant::now() < deadline,
            "Prometheus not ready after {SETTLE:?}"
        );
        std::thread::sleep(POLL);
    }

    // Both targets scraped and stored, with the cause of the broken one. A healthy sample of 0
    // (a probe under the CI's load that failed) is shown with the exporter's kept report of it:
    // the test then needs a later scrape to succeed, as blackbox monitoring does.
    let report_of = |target: &str| {
        http_get(&format!(
            "http://{exporter_addr}/report?target={}&module=lab&format=human",
            url::form_urlencoded::byte_serialize(target.as_bytes()).collect::<String>()
        ))
        .1
    };
    let mut healthy_failures: Vec<String> = Vec::new();
    let deadline = Instant::now() + SETTLE;
    let (up_ok, down, diagnosis, healthy_cause) = loop {
        let up_ok = sample_for(&api, "probe_success", &healthy);
        let down = sample_for(&api, "probe_success", &broken);
        let diagnosis = sample_for(&api, "wsdoctor_diagnosis_info", &broken);
        let healthy_cause = sample_for(&api, "wsdoctor_diagnosis_info", &healthy);
        if let (Some(a), Some(b), Some(c), Some(d)) = (&up_ok, &down, &diagnosis, &healthy_cause) {
            if a["value"][1] == "1" {
                break (a.clone(), b.clone(), c.clone(), d.clone());
            }
            let seen = format!("{d}\n{}", report_of(&healthy));
            if healthy_failures.last() != Some(&seen) {
                eprintln!("healthy target scraped as failed: {seen}");
                healthy_failures.push(seen);
            }
        }
        assert!(
            Instant::now() < deadline,
            "Prometheus has not stored a success for {healthy} and a failure for {broken} after \
             {SETTLE:?}: {:?}\nhealthy failures seen: {healthy_failures:#?}\nexporter log:\n{}",
            query(&api, "{job=~\"wsdoctor.*\"}"),
            exporter.log_text()
        );
        std::thread::sleep(POLL);
    };
    assert_eq!(up_ok["metric"]["module"], "lab", "{up_ok}");
    assert_eq!(
        up_ok["metric"]["exporter"],
        exporter_addr.as_str(),
        "{up_ok}"
    );
    assert_eq!(
        healthy_cause["metric"]["cause"], "ok.healthy",
        "{healthy_cause}"
    );
    assert_eq!(down["value"][1], "0", "broken: {down}");
    assert_eq!(
        diagnosis["metric"]["cause"],
        "proxy.upgrade_not_forwarded",
        "{diagnosis}\nexporter log:\n{}",
        exporter.log_text()
    );
    assert_eq!(diagnosis["metric"]["category"], "proxy", "{diagnosis}");
    // The exporter's own health, scraped by the second job (on its own schedule: its first
    // scrape may come after the probes' first ones).
    loop {
        let own = query(
            &api,
            "sum(wsdoctor_exporter_probes_total{job=\"wsdoctor_exporter\",module=\"lab\"})",
        );
        if !own.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the exporter's /metrics is not scraped after {SETTLE:?}"
        );
        std::thread::sleep(POLL);
    }

    // The shipped rule: pending (for: 2m) for the broken target only, its annotations carrying
    // the cause read by the query template, and a report link that opens the why.
    let alert = loop {
        let (status, body) = http_get(&format!("{api}/api/v1/alerts"));
        assert_eq!(status, 200, "{body}");
        let json: Value = serde_json::from_str(&body).expect("alerts JSON");
        let alerts = json["data"]["alerts"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        // An alert for the healthy target ends with its next successful scrape; one that
        // stays past the deadline fails the test.
        let healthy_alert = alerts
            .iter()
            .any(|a| a["labels"]["instance"] == healthy.as_str());
        if let Some(a) = alerts.iter().find(|a| {
            a["labels"]["alertname"] == "WebSocketProbeFailed"
                && a["labels"]["instance"] == broken.as_str()
        }) {
            if !healthy_alert {
                break a.clone();
            }
        }
        assert!(
            Instant::now() < deadline,
            "want a WebSocketProbeFailed alert for {broken} and none for {healthy} after \
             {SETTLE:?}: {alerts:?}\nhealthy failures seen: {healthy_failures:#?}"
        );
        std::thread::sleep(POLL);
    };
    let summary = alert["annotations"]["summary"].as_str().unwrap_or("");
    assert!(
        summary.contains("proxy.upgrade_not_forwarded"),
        "the alert names the cause: {alert}"
    );
    let link = alert["annotations"]["report"].as_str().unwrap_or("");
    assert!(
        link.starts_with(&format!("http://{exporter_addr}/report?target=")),
        "{alert}"
    );
    let (status, report) = http_get(link);
    assert_eq!(status, 200, "{link}: {report}");
    assert!(
        report.contains("proxy.upgrade_not_forwarded"),
        "the report link opens the diagnosis: {report}"
    );
    assert!(
        !report.contains(VALID_TOKEN) && !exporter.log_text().contains(VALID_TOKEN),
        "the module's token is in no report and no log"
    );
}

/// `Authorization: Basic …` for `user:password`.
fn basic(user: &str, password: &str) -> String {
    use base64::Engine as _;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

// Issue 26 point 9: the exporter's listener under the exporter toolkit's web config. A real
// Prometheus scrapes it over TLS (`scheme: https`, `tls_config.ca_file`) with `basic_auth` and
// stores the probe's metrics; a job without credentials is refused with 401.
#[test]
fn prometheus_scrapes_the_exporter_over_tls_with_basic_auth_and_a_scrape_without_it_gets_401() {
    let test = require!("exporter_web_config", Tool::Python, Tool::Prometheus);
    let app = stack::app(App::FastApi).addr();
    let target = format!("ws://{app}/ws");
    let scene = Scene::new(test);
    let dir = scene.path().to_path_buf();
    let certs = crate::support::certs::make(&dir, "localhost");

    let password = "lab-scrape-password-8";
    let hash = bcrypt::hash(password, 4).expect("bcrypt");
    let web = dir.join("web.yml");
    std::fs::write(
        &web,
        format!(
            "tls_server_config:\n  cert_file: {}\n  key_file: {}\nbasic_auth_users:\n  prometheus: '{hash}'\n",
            certs.trusted.cert.display(),
            certs.trusted.key.display()
        ),
    )
    .expect("write web.yml");
    let modules = dir.join("modules.toml");
    std::fs::write(
        &modules,
        format!(
            "allowed_targets = [\"ws://127.0.0.1:*/ws\"]\n\n[module.lab]\ntoken_env = \"LAB_TOKEN\"\norigin = \"{ALLOWED_ORIGIN}\"\nquick = true\nclose_wait = \"300ms\"\ntimeout = \"3s\"\nallowed_targets = [\"{target}\"]\n"
        ),
    )
    .expect("write modules.toml");
    let exporter_port = free_port();
    let exporter_addr = format!("127.0.0.1:{exporter_port}");
    let exporter = Proc::start(
        Spawn::new("wsdoctor-exporter-tls", env!("CARGO_BIN_EXE_wsdoctor"))
            .args([
                "-v",
                "exporter",
                "--listen",
                exporter_addr.as_str(),
                "--config",
                modules.to_str().expect("utf-8 path"),
                "--web.config.file",
                web.to_str().expect("utf-8 path"),
            ])
            .env("LAB_TOKEN", VALID_TOKEN)
            .env("NO_COLOR", "1")
            .ready_on(exporter_port),
        &dir,
    );

    // The test's own client first: TLS with the lab CA, 401 without the password.
    let ca = ureq::tls::Certificate::from_pem(&std::fs::read(&certs.ca).expect("read the lab CA"))
        .expect("PEM CA")
        .to_owned();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(30)))
        .http_status_as_error(false)
        .tls_config(
            ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::Specific(std::sync::Arc::new(vec![
                    ca,
                ])))
                .build(),
        )
        .build()
        .into();
    let metrics_url = format!("https://localhost:{exporter_port}/metrics");
    let answer = agent.get(&metrics_url).call().expect("HTTPS on loopback");
    assert_eq!(answer.status().as_u16(), 401);
    assert_eq!(
        answer
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok()),
        Some("Basic")
    );
    let answer = agent
        .get(&metrics_url)
        .header("Authorization", &basic("prometheus", password))
        .call()
        .expect("HTTPS on loopback");
    assert_eq!(answer.status().as_u16(), 200);

    // Prometheus: one job with the password (the blackbox relabelling to /probe), one without.
    let config = format!(
        r#"global:
  scrape_interval: 3s
  scrape_timeout: 2500ms
scrape_configs:
  - job_name: wsdoctor_tls
    metrics_path: /probe
    params:
      module: [lab]
    scheme: https
    tls_config:
      ca_file: {ca}
    basic_auth:
      username: prometheus
      password: {password}
    static_configs:
      - targets: ["{target}"]
    relabel_configs:
      - source_labels: [__address__]
        target_label: __param_target
      - source_labels: [__param_target]
        target_label: instance
      - target_label: __address__
        replacement: localhost:{exporter_port}
  - job_name: wsdoctor_no_credentials
    scheme: https
    tls_config:
      ca_file: {ca}
    static_configs:
      - targets: ["localhost:{exporter_port}"]
"#,
        ca = certs.ca.display()
    );
    std::fs::write(dir.join("prometheus.yml"), &config).expect("write prometheus.yml");
    promtool(&dir, &["check", "config", "prometheus.yml"], None);
    let prometheus_port = free_port();
    let prometheus_addr = format!("127.0.0.1:{prometheus_port}");
    let tsdb = dir.join("tsdb");
    let _prometheus = Proc::start(
        Spawn::new(
            "prometheus-tls",
            Tool::Prometheus.program().expect("prometheus"),
        )
        .args([
            format!("--config.file={}", dir.join("prometheus.yml").display()),
            format!("--storage.tsdb.path={}", tsdb.display()),
            format!("--web.listen-address={prometheus_addr}"),
            "--log.level=warn".to_string(),
        ])
        .cwd(&dir)
        .ready_on(prometheus_port),
        &dir,
    );
    let api = format!("http://{prometheus_addr}");
    let deadline = Instant::now() + SETTLE;
    while http_get(&format!("{api}/-/ready")).0 != 200 {
        assert!(
            Instant::now() < deadline,
            "Prometheus not ready after {SETTLE:?}"
        );
        std::thread::sleep(POLL);
    }

    // The authenticated job stores the probe's metrics (a success, with the cause label).
    let deadline = Instant::now() + SETTLE;
    let healthy = loop {
        if let Some(s) = sample_for(&api, "probe_success{job=\"wsdoctor_tls\"}", &target) {
            if s["value"][1] == "1" {
                break s;
            }
        }
        assert!(
            Instant::now() < deadline,
            "Prometheus stored no probe_success 1 for {target} over TLS with basic auth after \
             {SETTLE:?}: {:?}\nexporter log:\n{}",
            query(&api, "{job=~\"wsdoctor.*\"}"),
            exporter.log_text()
        );
        std::thread::sleep(POLL);
    };
    assert_eq!(healthy["metric"]["job"], "wsdoctor_tls", "{healthy}");
    let cause = sample_for(&api, "wsdoctor_diagnosis{job=\"wsdoctor_tls\"}", &target)
        .expect("wsdoctor_diagnosis stored with probe_success");
    assert_eq!(cause["metric"]["cause"], "ok.healthy", "{cause}");
    let up = sample_for(&api, "up{job=\"wsdoctor_tls\"}", &target).expect("up");
    assert_eq!(up["value"][1], "1", "{up}");

    // The job without credentials: down, and Prometheus says why (401).
    let deadline = Instant::now() + SETTLE;
    let refused = loop {
        let (status, body) = http_get(&format!("{api}/api/v1/targets"));
        assert_eq!(status, 200, "{body}");
        let json: Value = serde_json::from_str(&body).expect("targets JSON");
        let found = json["data"]["activeTargets"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .find(|t| t["labels"]["job"] == "wsdoctor_no_credentials" && t["health"] == "down");
        if let Some(t) = found {
            break t;
        }
        assert!(
            Instant::now() < deadline,
            "the job without credentials was never scraped: {body}"
        );
        std::thread::sleep(POLL);
    };
    assert!(
        refused["lastError"].as_str().unwrap_or("").contains("401"),
        "a scrape without credentials gets 401: {refused}"
    );
    assert!(
        !exporter.log_text().contains(password) && !exporter.log_text().contains(VALID_TOKEN),
        "no password or token in the exporter's log"
    );
}
