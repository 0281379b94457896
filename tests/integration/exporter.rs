//! `wsdoctor exporter`: the HTTP contract Prometheus relies on, against in-process loopback
//! servers (the real-Prometheus test is in tests/lab/exporter.rs). Config errors at start-up,
//! 400/403 answers, secrets in no output, the scrape timeout, a black hole beside a healthy
//! scrape, reloads; the web config (`--web.config.file`: TLS, basic auth), `/-/reload` refused
//! unless enabled, and `allowed_targets` per module (issue 26 point 9).

#![expect(
    clippy::expect_used,
    reason = "test helpers: a failed setup must fail the test loudly"
)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::support::exporter::{encode, sample, Exporter};
use crate::support::hostile::{Hostile, HostileServer};
use crate::support::scripted::{response, ScriptedServer, Step};
use crate::support::ws::{Behaviour, WsServer};
use crate::support::{refused_port, wsdoctor};
/// The Accept header Prometheus 2.x sends with a scrape.
const PROMETHEUS_ACCEPT: &str = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

fn write_config(dir: &tempfile::TempDir, text: &str) -> PathBuf {
    let path = dir.path().join("exporter.toml");
    std::fs::write(&path, text).expect("write config");
    path
}

#[test]
fn a_bad_module_config_is_exit_2_at_start_up_with_the_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (text, wanted) in [
        (
            "[module.chat]\ntimeout = \"soon\"\n",
            "module 'chat': timeout",
        ),
        ("[module.chat]\norgin = \"https://a\"\n", "orgin"),
        (
            "[module.chat]\nurl = \"ws://a/\"\n",
            "url is not a module key",
        ),
        ("[module.chat]\ntoken = \"s3cret\"\n", "inline secrets"),
        ("allowed_targets = [\"ws://[\"]\n", "allowed_targets"),
        ("[module.chat\n", "line 1"),
    ] {
        let path = write_config(&dir, text);
        for extra in [&[][..], &["--check-config"][..]] {
            let out = wsdoctor()
                .args(["exporter", "--listen", "127.0.0.1:0", "--config"])
                .arg(&path)
                .args(extra)
                .timeout(Duration::from_secs(20))
                .output()
                .expect("run");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{text}: {stderr}");
            assert!(stderr.contains(wanted), "{text}: {stderr}");
            assert!(!stderr.contains("s3cret"), "{stderr}");
        }
    }
    // A valid file passes --check-config and names its modules.
    let path = write_config(
        &dir,
        "allowed_targets = [\"ws://127.0.0.1:*/**\"]\n[module.chat]\nquick = true\n",
    );
    let out = wsdoctor()
        .args(["exporter", "--check-config", "--config"])
        .arg(&path)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("modules: chat, default"), "{stdout}");
}

#[test]
fn unknown_modules_bad_targets_and_extra_parameters_are_400_with_a_message() {
    let exporter = Exporter::start(None, &[]);
    let a = exporter.probe("ws://127.0.0.1:9/ws", "nope", &[]);
    assert_eq!(a.status, 400);
    assert!(
        a.body.contains("unknown module 'nope' (known: default)"),
        "{}",
        a.body
    );
    let a = exporter.get("/probe?module=default", &[]);
    assert_eq!(a.status, 400);
    assert!(a.body.contains("missing parameter: target"), "{}", a.body);
    let a = exporter.probe("ftp://127.0.0.1/", "default", &[]);
    assert_eq!(a.status, 400);
    assert!(a.body.contains("ftp"), "{}", a.body);
    let a = exporter.probe("ws://user:pw@127.0.0.1:9/", "default", &[]);
    assert_eq!(a.status, 400);
    assert!(!a.body.contains("pw"), "{}", a.body);
    let a = exporter.get(
        &format!("/probe?target={}&token=abc", encode("ws://127.0.0.1:9/")),
        &[],
    );
    assert_eq!(a.status, 400);
    assert!(a.body.contains("never from the scrape URL"), "{}", a.body);
    // The unknown module's name is not minted into a label.
    let own = exporter.get("/metrics", &[]).body;
    assert!(!own.contains("module=\"nope\""), "{own}");
    assert!(own.contains("module=\"(unknown)\""), "{own}");
}

#[test]
fn a_target_outside_allowed_targets_is_403_and_never_probed() {
    let server = WsServer::start(Behaviour::Echo);
    let dir = tempfile::tempdir().expect("tempdir");
    // Only port 1 of loopback is allowed: the server's port is not.
    // The `files` module's token file is gone after start-up: a target outside the allowlist is
    // refused before the module touches any file (403, not a 400 about the file).
    let token = dir.path().join("token");
    std::fs::write(&token, "file-token-0123456789").expect("write token");
    let path = write_config(
        &dir,
        &format!(
            "allowed_targets = [\"ws://127.0.0.1:1/**\"]\n\n[module.files]\ntoken_file = \"{}\"\n",
            token.display()
        ),
    );
    let exporter = Exporter::start(Some(&path), &[]);
    std::fs::remove_file(&token).expect("remove token");
    let a = exporter.probe(&server.url("/ws"), "default", &[]);
    assert_eq!(a.status, 403, "{}", a.body);
    assert!(a.body.contains("allowed_targets"), "{}", a.body);
    let a = exporter.probe(&server.url("/ws"), "files", &[]);
    assert_eq!(a.status, 403, "{}", a.body);
    // A credential in the target's query is not echoed back.
    let a = exporter.probe(
        &server.url("/ws?token=hunter2-secret-value"),
        "default",
        &[],
    );
    assert_eq!(a.status, 403, "{}", a.body);
    assert!(!a.body.contains("hunter2-secret-value"), "{}", a.body);
    // Every refusal is counted as an error (the WsdoctorExporterProbeErrors alert reads it).
    let _ = exporter.get("/probe?module=default", &[]);
    let own = exporter.get("/metrics", &[]).body;
    assert_eq!(
        sample(
            &own,
            "wsdoctor_exporter_probes_total{module=\"default\",result=\"error\"}"
        ),
        Some(2.0),
        "{own}"
    );
    assert_eq!(
        sample(
            &own,
            "wsdoctor_exporter_probes_total{module=\"(unknown)\",result=\"error\"}"
        ),
        Some(1.0),
        "{own}"
    );
    // A userinfo that looks like the allowed authority is refused, not matched.
    let sneaky = format!("ws://127.0.0.1:1@127.0.0.1:{}/ws", server.port());
    let a = exporter.probe(&sneaky, "default", &[]);
    assert_eq!(a.status, 400, "{}", a.body);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(server.requests().len(), 0, "a refused target was probed");
    // No allowed_targets at all: the start-up log warns.
    let open = Exporter::start(None, &[]);
    let _ = open.get("/-/healthy", &[]);
    assert!(open.log().contains("no allowed_targets"), "{}", open.log());
}

#[test]
fn a_healthy_target_is_probe_success_1_and_its_report_is_one_link_away() {
    let server = WsServer::start(Behaviour::Echo);
    let exporter = Exporter::start(None, &[]);
    let target = server.url("/ws");
    // Prometheus asks for OpenMetrics and gets it; a scraper that does not (curl, promtool)
    // gets the classic text format.
    let a = exporter.probe(&target, "default", &[("Accept", PROMETHEUS_ACCEPT)]);
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(
        a.content_type.starts_with("application/openmetrics-text"),
        "{}",
        a.content_type
    );
    assert!(a.body.ends_with("# EOF\n"), "{}", a.body);
    let plain = exporter.probe(&target, "default", &[]);
    assert!(
        plain.content_type.starts_with("text/plain; version=0.0.4"),
        "{}",
        plain.content_type
    );
    assert!(!plain.body.contains("# EOF"), "{}", plain.body);
    assert_eq!(
        sample(&plain.body, "probe_success"),
        Some(1.0),
        "{}",
        plain.body
    );
    assert_eq!(sample(&a.body, "probe_success"), Some(1.0), "{}", a.body);
    assert_eq!(
        sample(&a.body, "probe_http_status_code"),
        Some(101.0),
        "{}",
        a.body
    );
    assert_eq!(
        sample(
            &a.body,
            "wsdoctor_diagnosis{category=\"ok\",cause=\"ok.healthy\"}"
        ),
        Some(1.0),
        "{}",
        a.body
    );
    assert!(sample(
        &a.body,
        "wsdoctor_stage_duration_seconds{stage=\"upgrade\"}"
    )
    .is_some());
    // The alert's link: the latest report of that target and module, in three formats.
    let link = format!("/report?target={}&module=default", encode(&target));
    let human = exporter.get(&link, &[]);
    assert_eq!(human.status, 200);
    assert!(human.body.contains("ok.healthy"), "{}", human.body);
    let json = exporter.get(&format!("{link}&format=json"), &[]);
    let value: serde_json::Value = serde_json::from_str(&json.body).expect("json report");
    assert_eq!(value["schema"], "wsdoctor.report/v1");
    assert_eq!(value["diagnosis"]["cause"], "ok.healthy");
    let md = exporter.get(&format!("{link}&format=markdown"), &[]);
    assert!(md.content_type.starts_with("text/markdown"));
    // The index lists it with links.
    let index = exporter.get("/", &[]);
    assert!(
        index.body.contains("href=\"/report/1?format=json\""),
        "{}",
        index.body
    );
    // debug=true answers the human report instead of metrics.
    let debug = exporter.get(
        &format!("/probe?target={}&debug=true", encode(&target)),
        &[],
    );
    assert!(debug.content_type.starts_with("text/plain"));
    assert!(debug.body.contains("ok.healthy") && !debug.body.contains("probe_success"));
    // The exporter's own counters (the OpenMetrics and the classic scrape, the debug one).
    let own = exporter.get("/metrics", &[]).body;
    assert_eq!(
        sample(
            &own,
            "wsdoctor_exporter_probes_total{module=\"default\",result=\"success\"}"
        ),
        Some(3.0),
        "{own}"
    );
    // An unknown report id is a 404 that says why.
    assert_eq!(exporter.get("/report/999", &[]).status, 404);
    // A target with a credential in its query is kept redacted, and its link still finds it.
    let with_token = server.url("/ws?access_token=hunter2-secret-value");
    let a = exporter.probe(&with_token, "default", &[]);
    assert_eq!(a.status, 200, "{}", a.body);
    let latest = exporter.get(
        &format!("/report?target={}&module=default", encode(&with_token)),
        &[],
    );
    assert_eq!(latest.status, 200, "{}", latest.body);
    assert!(
        !latest.body.contains("hunter2-secret-value"),
        "{}",
        latest.body
    );
    let index = exporter.get("/", &[]).body;
    assert!(!index.contains("hunter2-secret-value"), "{index}");
}

#[test]
fn a_refused_target_is_probe_success_0_with_the_cause() {
    let exporter = Exporter::start(None, &[]);
    let a = exporter.probe(
        &format!("ws://127.0.0.1:{}/ws", refused_port()),
        "default",
        &[],
    );
    assert_eq!(a.status, 200);
    assert_eq!(sample(&a.body, "probe_success"), Some(0.0), "{}", a.body);
    assert_eq!(
        sample(
            &a.body,
            "wsdoctor_diagnosis{category=\"tcp\",cause=\"tcp.refused\"}"
        ),
        Some(1.0),
        "{}",
        a.body
    );
}

#[test]
fn a_module_token_is_sent_but_never_in_any_output_or_log() {
    const TOKEN: &str = "exp-token-9d2f7a41c0";
    // Upgrades with the right bearer; refuses anything else with a body echoing the request,
    // as a careless app would (a leak would show in the report).
    let server = ScriptedServer::http(|req| {
        let right = req.header("authorization") == Some(&format!("Bearer {TOKEN}"));
        if req.is_upgrade() && right {
            vec![Step::Switch(vec![]), Step::Session]
        } else {
            let echo = String::from_utf8_lossy(&req.raw).to_string();
            vec![Step::Write(response(403, "Forbidden", &[], &echo))]
        }
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_config(
        &dir,
        "[module.chat]\ntoken_env = \"CHAT_TOKEN\"\nauth = \"header\"\n",
    );
    let exporter = Exporter::start(Some(&path), &[("CHAT_TOKEN", TOKEN)]);
    let target = server.ws_url("/ws");
    let a = exporter.probe(&target, "chat", &[]);
    assert_eq!(sample(&a.body, "probe_success"), Some(1.0), "{}", a.body);
    // The server got the credential: it was written to the socket.
    assert!(server
        .requests()
        .iter()
        .any(|r| r.header("authorization") == Some(&format!("Bearer {TOKEN}"))));
    let mut outputs = vec![a.body];
    let link = format!("/report?target={}&module=chat", encode(&target));
    for suffix in ["", "&format=json", "&format=markdown"] {
        outputs.push(exporter.get(&format!("{link}{suffix}"), &[]).body);
    }
    outputs.push(
        exporter
            .get(
                &format!("/probe?target={}&module=chat&debug=true", encode(&target)),
                &[],
            )
            .body,
    );
    outputs.push(exporter.get("/", &[]).body);
    outputs.push(exporter.get("/metrics", &[]).body);
    outputs.push(exporter.log());
    for (i, text) in outputs.iter().enumerate() {
        assert!(!text.is_empty(), "output {i} is empty");
        assert!(!text.contains(TOKEN), "output {i} shows the token:\n{text}");
        // Not a long piece of it either.
        assert!(
            !text.contains(&TOKEN[..12]),
            "output {i} shows part of the token:\n{text}"
        );
    }
    // The JSON report says a credential was used, redacted.
    assert!(
        outputs[2].contains("\"credential_given\": true")
            || outputs[2].contains("\"credential_given\":true")
    );
}

#[test]
fn the_scrape_timeout_bounds_a_black_holed_probe() {
    let hole = HostileServer::start(Hostile::NeverAnswers);
    let exporter = Exporter::start(None, &[]);
    let started = Instant::now();
    // The module's timeout is 15 s; Prometheus says it gives up after 2 s.
    let a = exporter.probe(
        &hole.ws_url("/ws"),
        "default",
        &[("X-Prometheus-Scrape-Timeout-Seconds", "2")],
    );
    let took = started.elapsed();
    assert_eq!(a.status, 200);
    assert_eq!(sample(&a.body, "probe_success"), Some(0.0), "{}", a.body);
    assert!(
        took < Duration::from_secs(2),
        "the answer came after Prometheus' 2 s scrape timeout: {took:?}"
    );
    let reported = sample(&a.body, "probe_duration_seconds").unwrap_or(f64::MAX);
    assert!(reported <= 1.9, "{}", a.body);
}

#[test]
fn a_black_holed_target_does_not_hold_up_a_concurrent_healthy_scrape() {
    let hole = HostileServer::start(Hostile::NeverAnswers);
    let healthy = WsServer::start(Behaviour::Echo);
    let dir = tempfile::tempdir().expect("tempdir");
    // One probe slot in reserve beyond the black hole: the limit is 2.
    let path = write_config(
        &dir,
        "max_concurrent_probes = 2\n[module.slow]\ntimeout = \"6s\"\n[module.fast]\nquick = true\nclose_wait = \"100ms\"\n",
    );
    let exporter = std::sync::Arc::new(Exporter::start(Some(&path), &[]));
    let hole_url = hole.ws_url("/ws");
    let slow = {
        let exporter = std::sync::Arc::clone(&exporter);
        std::thread::spawn(move || {
            let started = Instant::now();
            let a = exporter.probe(&hole_url, "slow", &[]);
            (a, started.elapsed())
        })
    };
    // Let the black-holed probe start and hold its connection.
    let deadline = Instant::now() + Duration::from_secs(5);
    while hole.connections() == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        hole.connections() > 0,
        "the black-holed probe never connected"
    );
    let a = exporter.probe(&healthy.url("/ws"), "fast", &[]);
    assert_eq!(sample(&a.body, "probe_success"), Some(1.0), "{}", a.body);
    // The black-holed scrape is still running when the healthy one has its answer.
    assert!(
        !slow.is_finished(),
        "the black-holed probe ended before the healthy one answered"
    );
    let (slow_answer, slow_took) = slow.join().expect("slow scrape");
    assert_eq!(sample(&slow_answer.body, "probe_success"), Some(0.0));
    assert!(slow_took >= Duration::from_secs(5), "{slow_took:?}");
}

#[test]
fn reload_on_post_and_sighup_keeps_the_old_config_when_the_new_one_is_bad() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_config(&dir, "enable_reload = true\n[module.one]\nquick = true\n");
    let exporter = Exporter::start(Some(&path), &[]);
    let target = format!("ws://127.0.0.1:{}/ws", refused_port());
    assert_eq!(exporter.probe(&target, "two", &[]).status, 400);
    std::fs::write(
        &path,
        "enable_reload = true\n[module.one]\nquick = true\n[module.two]\nquick = true\n",
    )
    .expect("write");
    let a = exporter.post("/-/reload");
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(exporter.probe(&target, "two", &[]).status, 200);
    // A broken file: 500 with the reason, and the running config stays.
    std::fs::write(&path, "[module.two]\ntimeout = \"soon\"\n").expect("write");
    let a = exporter.post("/-/reload");
    assert_eq!(a.status, 500, "{}", a.body);
    assert!(
        a.body.contains("timeout") && a.body.contains("kept"),
        "{}",
        a.body
    );
    assert_eq!(exporter.probe(&target, "two", &[]).status, 200);
    let own = exporter.get("/metrics", &[]).body;
    assert_eq!(
        sample(&own, "wsdoctor_exporter_config_last_reload_successful"),
        Some(0.0),
        "{own}"
    );
    // SIGHUP reloads too.
    std::fs::write(&path, "[module.three]\nquick = true\n").expect("write");
    let status = std::process::Command::new("kill")
        .args(["-HUP", &exporter.pid().to_string()])
        .status()
        .expect("kill -HUP");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut answered = 0;
    while Instant::now() < deadline {
        answered = exporter.probe(&target, "three", &[]).status;
        if answered == 200 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(answered, 200, "module three never appeared after SIGHUP");
    assert_eq!(exporter.probe(&target, "two", &[]).status, 400);
}

/// A bcrypt hash of `password` at the lowest cost (fast in a debug build).
fn bcrypt_hash(password: &str) -> String {
    bcrypt::hash(password, 4).expect("bcrypt")
}

/// `Authorization: Basic …` for `user:password`.
fn basic(user: &str, password: &str) -> String {
    use base64::Engine as _;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

fn write_web_config(dir: &tempfile::TempDir, text: &str) -> PathBuf {
    let path = dir.path().join("web.yml");
    std::fs::write(&path, text).expect("write web config");
    path
}

#[test]
fn with_basic_auth_users_every_route_answers_401_basic_without_the_right_password() {
    let dir = tempfile::tempdir().expect("tempdir");
    let web = write_web_config(
        &dir,
        &format!(
            "basic_auth_users:\n  prometheus: '{}'\n",
            bcrypt_hash("scrape-pass-1")
        ),
    );
    let exporter = Exporter::start_with(None, &[], &["--web.config.file", web.to_str().unwrap()]);
    let target = format!("ws://127.0.0.1:{}/ws", refused_port());
    let good = basic("prometheus", "scrape-pass-1");
    for (what, auth) in [
        ("no credentials", None),
        (
            "a wrong password",
            Some(basic("prometheus", "scrape-pass-2")),
        ),
        ("an unknown user", Some(basic("grafana", "scrape-pass-1"))),
        ("a bearer token", Some("Bearer scrape-pass-1".to_string())),
    ] {
        let headers: Vec<(&str, &str)> = auth
            .as_deref()
            .map(|a| vec![("Authorization", a)])
            .unwrap_or_default();
        for path in ["/metrics", "/", "/-/healthy", "/report/1"] {
            let a = exporter.get(path, &headers);
            assert_eq!(a.status, 401, "{what} {path}: {}", a.body);
            assert_eq!(
                a.www_authenticate.as_deref(),
                Some("Basic"),
                "{what} {path}"
            );
        }
        let a = exporter.probe(&target, "default", &headers);
        assert_eq!(a.status, 401, "{what} /probe: {}", a.body);
        assert!(!a.body.contains("probe_success"), "{}", a.body);
    }
    let a = exporter.probe(&target, "default", &[("Authorization", good.as_str())]);
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(sample(&a.body, "probe_success"), Some(0.0), "{}", a.body);
    let a = exporter.get("/-/healthy", &[("Authorization", good.as_str())]);
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(
        !exporter.log().contains("scrape-pass-1"),
        "{}",
        exporter.log()
    );
}

#[test]
fn post_reload_is_refused_unless_enabled_and_then_needs_the_same_credentials() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Without enable_reload: 403, with or without a web config.
    let path = write_config(&dir, "[module.one]\nquick = true\n");
    let exporter = Exporter::start(Some(&path), &[]);
    let a = exporter.post("/-/reload");
    assert_eq!(a.status, 403, "{}", a.body);
    assert!(a.body.contains("enable_reload"), "{}", a.body);
    drop(exporter);
    // With it, and basic auth: the scraper's password is needed, and then it reloads.
    std::fs::write(&path, "enable_reload = true\n[module.one]\nquick = true\n").expect("write");
    let web = write_web_config(
        &dir,
        &format!(
            "basic_auth_users:\n  ops: '{}'\n",
            bcrypt_hash("ops-pass-7")
        ),
    );
    let exporter = Exporter::start_with(
        Some(&path),
        &[],
        &["--web.config.file", web.to_str().unwrap()],
    );
    let a = exporter.post("/-/reload");
    assert_eq!(a.status, 401, "{}", a.body);
    assert_eq!(a.www_authenticate.as_deref(), Some("Basic"));
    let a = exporter.post_with("/-/reload", &[("Authorization", &basic("ops", "wrong"))]);
    assert_eq!(a.status, 401, "{}", a.body);
    let a = exporter.post_with(
        "/-/reload",
        &[("Authorization", &basic("ops", "ops-pass-7"))],
    );
    assert_eq!(a.status, 200, "{}", a.body);
    // A reload that turns it off turns it off.
    std::fs::write(&path, "[module.one]\nquick = true\n").expect("write");
    let a = exporter.post_with(
        "/-/reload",
        &[("Authorization", &basic("ops", "ops-pass-7"))],
    );
    assert_eq!(a.status, 200, "{}", a.body);
    let a = exporter.post_with(
        "/-/reload",
        &[("Authorization", &basic("ops", "ops-pass-7"))],
    );
    assert_eq!(a.status, 403, "{}", a.body);
}

#[test]
fn a_module_credential_only_goes_to_that_module_s_allowed_targets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let own = WsServer::start(Behaviour::Echo);
    let other = WsServer::start(Behaviour::Echo);
    let own_url = own.url("/ws");
    let other_url = other.url("/ws");
    let own_port = own_url
        .rsplit(':')
        .next()
        .and_then(|p| p.split('/').next())
        .expect("port")
        .to_string();
    let path = write_config(
        &dir,
        &format!(
            "allowed_targets = [\"ws://127.0.0.1:*/**\"]\n\n[module.secret]\ntoken_env = \"MODULE_TOKEN\"\nquick = true\nallowed_targets = [\"ws://127.0.0.1:{own_port}/**\"]\n\n[module.open]\nquick = true\n"
        ),
    );
    let exporter = Exporter::start(Some(&path), &[("MODULE_TOKEN", "module-token-42")]);
    // The module's credential goes to its own target…
    let a = exporter.probe(&own_url, "secret", &[]);
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(own.requests().len(), 1);
    // …never to another one the exporter-wide list allows: 403 before any connection.
    let a = exporter.probe(&other_url, "secret", &[]);
    assert_eq!(a.status, 403, "{}", a.body);
    assert!(a.body.contains("module 'secret'"), "{}", a.body);
    assert!(other.requests().is_empty(), "{:?}", other.requests());
    // A module without its own list keeps the exporter-wide one.
    let a = exporter.probe(&other_url, "open", &[]);
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(other.requests().len(), 1);
    let a = exporter.probe("ws://10.0.0.1:80/ws", "open", &[]);
    assert_eq!(a.status, 403, "{}", a.body);
    assert!(a.body.contains("this exporter's"), "{}", a.body);
    // A check file does not take the key.
    let check = dir.path().join("check.toml");
    std::fs::write(
        &check,
        "[[target]]\nurl = \"ws://127.0.0.1:9/ws\"\nallowed_targets = [\"ws://a/\"]\n",
    )
    .expect("write");
    let out = wsdoctor()
        .args(["check", "--dry-run"])
        .arg(&check)
        .timeout(Duration::from_secs(20))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("allowed_targets"));
}

#[test]
fn a_web_config_with_a_certificate_serves_tls_only_and_checks_basic_auth_over_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ca = crate::support::tls::TestCa::new("wsdoctor exporter test CA");
    let leaf = ca.valid_leaf(&["127.0.0.1", "localhost"]);
    let (cert, key) = leaf.pem_files();
    let web = write_web_config(
        &dir,
        &format!(
            "tls_server_config:\n  cert_file: {}\n  key_file: {}\nbasic_auth_users:\n  prometheus: '{}'\n",
            cert.path().display(),
            key.path().display(),
            bcrypt_hash("tls-pass-3")
        ),
    );
    let exporter = Exporter::start_with(None, &[], &["--web.config.file", web.to_str().unwrap()])
        .trusting(ca.pem().as_bytes());
    assert!(exporter.base.starts_with("https://"), "{}", exporter.base);
    let a = exporter.get("/metrics", &[]);
    assert_eq!(a.status, 401, "{}", a.body);
    let a = exporter.get(
        "/metrics",
        &[("Authorization", &basic("prometheus", "tls-pass-3"))],
    );
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(a.body.contains("wsdoctor_exporter"), "{}", a.body);
    // Plain HTTP on the TLS port gets no answer from the exporter.
    let plain = exporter.base.replacen("https://", "http://", 1);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(15)))
        .http_status_as_error(false)
        .build()
        .into();
    let answered = agent.get(&format!("{plain}/metrics")).call();
    assert!(
        answered
            .as_ref()
            .map_or(true, |r| r.status().as_u16() != 200),
        "plaintext was served on the TLS port"
    );
    // A bad web config stops the start with exit 2 and names the key, never the hash.
    let bad = write_web_config(&dir, "basic_auth_users:\n  prometheus: not-a-hash-s3cret\n");
    let out = wsdoctor()
        .args(["exporter", "--listen", "127.0.0.1:0", "--web.config.file"])
        .arg(&bad)
        .timeout(Duration::from_secs(20))
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("prometheus") && stderr.contains("bcrypt"),
        "{stderr}"
    );
    assert!(!stderr.contains("s3cret"), "{stderr}");
}

#[test]
fn a_changed_web_config_applies_to_the_next_request_without_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let web = write_web_config(
        &dir,
        &format!(
            "basic_auth_users:\n  alice: '{}'\n",
            bcrypt_hash("alice-pass-1")
        ),
    );
    let exporter = Exporter::start_with(None, &[], &["--web.config.file", web.to_str().unwrap()]);
    let alice = basic("alice", "alice-pass-1");
    let bob = basic("bob", "bob-pass-2");
    assert_eq!(
        exporter
            .get("/metrics", &[("Authorization", &alice)])
            .status,
        200
    );
    assert_eq!(
        exporter.get("/metrics", &[("Authorization", &bob)]).status,
        401
    );
    // The exporter toolkit re-reads the file: a new user list applies at once.
    std::fs::write(
        &web,
        format!(
            "basic_auth_users:\n  bob: '{}'\nhttp_server_config:\n  headers:\n    X-Frame-Options: deny\n",
            bcrypt_hash("bob-pass-2")
        ),
    )
    .expect("rewrite web config");
    assert_eq!(
        exporter.get("/metrics", &[("Authorization", &bob)]).status,
        200
    );
    assert_eq!(
        exporter
            .get("/metrics", &[("Authorization", &alice)])
            .status,
        401
    );
    // A broken file keeps the running one (and says so in the log).
    std::fs::write(&web, "basic_auth_users:\n  bob: not-a-hash\n").expect("rewrite");
    assert_eq!(
        exporter.get("/metrics", &[("Authorization", &bob)]).status,
        200
    );
    assert_eq!(exporter.get("/metrics", &[]).status, 401);
    assert!(
        exporter.log().contains("web config reload failed"),
        "{}",
        exporter.log()
    );
}
