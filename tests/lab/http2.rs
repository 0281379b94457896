//! Issue 15: the HTTP/2 path browsers may take to a wss:// origin (RFC 8441 extended CONNECT),
//! against real fronts: HAProxy 2.6 (advertises it and carries the stream to the app: healthy on
//! both paths), Node's http2 server with `enableConnectProtocol` in front of a `ws` app that only
//! handles HTTP/1.1 upgrades (advertises it and answers the stream 405: the fault, exit 1), and
//! nginx with `http2` (never advertises it: healthy, browsers use HTTP/1.1 here).

use std::path::PathBuf;

use crate::support::certs;
use crate::support::cli::{wsdoctor, Probe};
use crate::support::process::{Proc, Spawn};
use crate::support::stack::{self, App, Scene, Tool};
use crate::support::{free_port, repo_root};

const HOST: &str = "localhost";

/// The lab apps' credential and allowed Origin (the Node app checks neither).
const AUTH: [&str; 4] = [
    "--token",
    stack::VALID_TOKEN,
    "--origin",
    stack::ALLOWED_ORIGIN,
];

fn probe(port: u16, ca: &std::path::Path, extra: &[&str]) -> Probe {
    let url = format!("wss://{HOST}:{port}/ws");
    let resolve = format!("{HOST}:{port}:127.0.0.1");
    let ca = ca.display().to_string();
    let mut args = vec![
        url.as_str(),
        "--resolve",
        resolve.as_str(),
        "--cacert",
        ca.as_str(),
    ];
    args.extend_from_slice(extra);
    wsdoctor(&args)
}

/// Starts HAProxy from `fixtures/haproxy/h2-ws.cfg` with the lab's trusted leaf (certificate and
/// key in one PEM, as HAProxy reads them) in front of `upstream`; returns its port.
pub fn start_haproxy_h2(scene: &mut Scene, certs: &certs::LabCerts, upstream: &str) -> u16 {
    let pem = scene.path().join("site.pem");
    let both = format!(
        "{}{}",
        std::fs::read_to_string(&certs.trusted.cert).expect("cert"),
        std::fs::read_to_string(&certs.trusted.key).expect("key")
    );
    std::fs::write(&pem, both).expect("write pem");
    scene.haproxy(
        "h2-ws.cfg",
        &[
            ("UPSTREAM", upstream.to_string()),
            ("PEM", pem.display().to_string()),
        ],
    )
}

// Issue 15: a front that implements RFC 8441 end to end. Both paths upgrade; the report says the
// browsers' path works.
#[test]
fn haproxy_h2_front_carries_websockets_over_http2_and_http1() {
    let test = require!("http2_haproxy_healthy", Tool::Haproxy, Tool::Python);
    let mut scene = Scene::new(test);
    let certs = certs::make(scene.path(), HOST);
    let port = start_haproxy_h2(&mut scene, &certs, &stack::app(App::PyWebsockets).addr());
    let run = probe(port, &certs.ca, &AUTH);
    run.expect("ok", "ok.healthy", 0);
    crate::support::assert_report_schema(&run.json);
    let h2 = &run.json["http2"];
    assert_eq!(h2["alpn"], "h2", "{}", run.describe());
    assert_eq!(h2["extended_connect"], true, "{}", run.describe());
    let a = &h2["attempt"];
    assert_eq!(a["outcome"]["kind"], "upgraded", "{}", run.describe());
    assert_eq!(a["response"]["version"], "HTTP/2");
    assert_eq!(a["response"]["status"], 200);
    assert_eq!(a["request"]["method"], "CONNECT");
    assert!(
        a["request"]["headers"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|h| h["name"] == ":protocol" && h["value"] == "websocket"),
        "{}",
        run.describe()
    );
    // The stream is watched like an HTTP/1.1 session: the ping is answered through HAProxy.
    assert!(
        a["session"]["ping_rtt_ms"].as_f64().is_some(),
        "{}",
        run.describe()
    );
    // --http1-only leaves the path out, and --quick does too.
    let only1 = probe(port, &certs.ca, &[&AUTH[..], &["--http1-only"]].concat());
    only1.expect("ok", "ok.healthy", 0);
    assert!(only1.json.get("http2").is_none(), "{}", only1.describe());
    let quick = probe(port, &certs.ca, &[&AUTH[..], &["--quick"]].concat());
    assert!(quick.json.get("http2").is_none(), "{}", quick.describe());
}

/// Starts `fixtures/apps/node/h2-connect.js` with the lab's trusted leaf and `env` (its own
/// switches: `CONNECT_STATUS`, `PAGE`); returns its port.
pub fn start_node_h2_connect(
    scene: &Scene,
    certs: &certs::LabCerts,
    env: &[(&str, &str)],
) -> (Proc, u16) {
    let port = free_port();
    let node = Tool::Node.program().expect("node");
    let mut spawn = Spawn::new("node-h2-connect", node)
        .args([repo_root()
            .join("fixtures/apps/node/h2-connect.js")
            .display()
            .to_string()])
        .env("CERT", certs.trusted.cert.display().to_string())
        .env("KEY", certs.trusted.key.display().to_string())
        .env("PORT", port.to_string())
        .ready_on(port);
    for (k, v) in env {
        spawn = spawn.env(k, *v);
    }
    (Proc::start(spawn, scene.path()), port)
}

/// What one browser's WebSocket did against the Node front.
#[derive(Debug)]
pub struct BrowserPath {
    /// `chrome` or `firefox`.
    pub id: &'static str,
    /// The front logged an extended CONNECT stream from it.
    pub http2: bool,
    /// The front logged an HTTP/1.1 upgrade from it.
    pub http1: bool,
    /// The WebSocket opened.
    pub opened: bool,
    /// The browser's own account, for failure messages.
    pub describe: String,
}

/// Which path each browser's WebSocket to `url` took, as the Node front logged it, and whether
/// it opened.
pub fn browser_paths(
    node: &Proc,
    scene: &Scene,
    url: &str,
    options: &crate::support::browser::Options,
) -> Vec<BrowserPath> {
    use crate::support::browser::{self, Browser};
    Browser::ALL
        .into_iter()
        .map(|b| {
            let before = node.log_text().len();
            let result = browser::observe_with(b, scene.path(), url, &[], options);
            let log = node.log_text();
            let seen = &log[before.min(log.len())..];
            let h2 = seen.contains("path http2 CONNECT websocket /ws");
            let h1 = seen.contains("path http1.1 upgrade /ws");
            assert!(
                h2 || h1,
                "{}: the front saw no WebSocket request:\n{seen}\n{}",
                b.id(),
                result.describe()
            );
            BrowserPath {
                id: b.id(),
                http2: h2,
                http1: h1,
                opened: result.opened,
                describe: result.describe(),
            }
        })
        .collect()
}

// Issue 15: Node's http2 server advertises extended CONNECT (enableConnectProtocol) for an app
// whose ws library only handles HTTP/1.1 upgrades. wsdoctor's HTTP/1.1 matrix upgrades; the
// extended CONNECT gets 405 from Node, and that is the verdict (exit 1), with both answers cited.
#[test]
fn node_http2_advertising_extended_connect_it_does_not_handle_is_the_fault() {
    let test = require!("http2_node_refused", Tool::Node);
    let scene = Scene::new(test);
    let certs = certs::make(scene.path(), HOST);
    let (_node, port) = start_node_h2_connect(&scene, &certs, &[]);
    let run = probe(port, &certs.ca, &[]);
    run.expect("proxy", "proxy.http2_websocket_refused", 1);
    crate::support::assert_report_schema(&run.json);
    assert_eq!(run.json["attempts"][0]["outcome"]["kind"], "upgraded");
    let a = &run.json["http2"]["attempt"];
    assert_eq!(a["outcome"]["kind"], "rejected", "{}", run.describe());
    assert_eq!(a["outcome"]["status"], 405, "{}", run.describe());
    let text = run.diagnosis_text();
    assert!(text.contains("405") && text.contains("101"), "{text}");
    // The credential and Origin variants on the same HTTP/2 connection all get Node's 405: the
    // path refuses WebSockets as such.
    let variants = run.json["http2"]["variants"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(variants.len() >= 3, "{}", run.describe());
    assert!(
        variants.iter().all(|v| v["outcome"]["status"] == 405
            && v["variant"]["id"]
                .as_str()
                .is_some_and(|id| id.starts_with("http2."))),
        "{variants:?}"
    );
    assert!(text.contains("refuses WebSockets as such"), "{text}");
    assert!(
        run.json["diagnosis"]["next_step"]
            .as_str()
            .unwrap_or("")
            .contains("network.http.http2.websockets"),
        "{}",
        run.describe()
    );
    // Told to look at HTTP/1.1 only, wsdoctor has nothing against it.
    probe(port, &certs.ca, &["--http1-only"]).expect("ok", "ok.healthy", 0);
}

// Issue 15: nginx speaks HTTP/2 but not RFC 8441: no extended CONNECT in its SETTINGS, so
// browsers open the WebSocket over HTTP/1.1. Healthy, and the report says which path.
#[test]
fn nginx_http2_without_rfc8441_is_healthy_over_http1() {
    let test = require!("http2_nginx_not_advertised", Tool::Nginx, Tool::Python);
    let mut scene = Scene::new(test);
    let certs = certs::make(scene.path(), HOST);
    let path = |p: &PathBuf| p.display().to_string();
    let port = scene.nginx(
        "tls-h2.conf",
        &[
            ("UPSTREAM", stack::app(App::FastApi).addr()),
            ("CERT", path(&certs.trusted.cert)),
            ("KEY", path(&certs.trusted.key)),
        ],
    );
    let run = probe(port, &certs.ca, &AUTH);
    run.expect("ok", "ok.healthy", 0);
    let h2 = &run.json["http2"];
    assert_eq!(h2["alpn"], "h2", "{}", run.describe());
    assert_eq!(h2["extended_connect"], false, "{}", run.describe());
    assert!(h2.get("attempt").is_none(), "{}", run.describe());
    // The human report says it in the waterfall.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wsdoctor"))
        .args([
            format!("wss://{HOST}:{port}/ws").as_str(),
            "--resolve",
            format!("{HOST}:{port}:127.0.0.1").as_str(),
            "--cacert",
            path(&certs.ca).as_str(),
            "--close-wait",
            "200ms",
        ])
        .env("NO_COLOR", "1")
        .output()
        .expect("run wsdoctor");
    let human = String::from_utf8_lossy(&out.stdout);
    assert!(
        human.contains("extended CONNECT not advertised: browsers use HTTP/1.1 here"),
        "{human}"
    );
}

// Issue 15: real browsers decide the truth. Headless Firefox ESR and Chromium, holding a
// connection to the Node front (the page fetches from it first, as a page loaded from it would),
// open a WebSocket to it; the front logs which path each took. A browser that took the HTTP/2
// path must have failed (the report says so: proxy.http2_websocket_refused), one that took
// HTTP/1.1 must have opened.
#[test]
fn browsers_against_the_node_http2_front_fail_exactly_when_they_take_the_http2_path() {
    use crate::support::browser::Options;
    let test = require!(
        "http2_browsers_node",
        Tool::Node,
        Tool::Chromium,
        Tool::Firefox
    );
    let scene = Scene::new(test);
    let certs = certs::make(scene.path(), HOST);
    let (node, port) = start_node_h2_connect(&scene, &certs, &[]);
    let run = probe(port, &certs.ca, &[]);
    run.expect("proxy", "proxy.http2_websocket_refused", 1);
    let options = Options {
        ca: Some(certs.ca.clone()),
        warm: Some(format!("https://{HOST}:{port}/warm")),
    };
    let url = format!("wss://{HOST}:{port}/ws");
    let mut took_h2 = Vec::new();
    for p in browser_paths(&node, &scene, &url, &options) {
        // The report's claim: the HTTP/2 path fails, HTTP/1.1 opens.
        assert_eq!(
            p.opened,
            !p.http2,
            "{}: took {} and opened = {}\n{}",
            p.id,
            if p.http2 { "HTTP/2" } else { "HTTP/1.1" },
            p.opened,
            p.describe
        );
        if p.http2 {
            took_h2.push(p.id);
        }
    }
    // The report says both take it (rules::http2::WHO_TAKES_IT): Chromium 156 and Firefox ESR
    // 153 do, by default.
    assert_eq!(
        took_h2,
        ["chrome", "firefox"],
        "browsers on the HTTP/2 path"
    );
}

// Issue 15: the healthy front, seen by the browsers: both open the WebSocket through HAProxy's
// HTTP/2 frontend, as the report (ok.healthy, the browsers' path works) says.
#[test]
fn browsers_open_websockets_through_the_haproxy_http2_front() {
    use crate::support::browser::{self, Browser, Options};
    let test = require!(
        "http2_browsers_haproxy",
        Tool::Haproxy,
        Tool::Python,
        Tool::Chromium,
        Tool::Firefox
    );
    let mut scene = Scene::new(test);
    let certs = certs::make(scene.path(), HOST);
    // A plain websockets echo (no credential, no Origin check): the browser page sends neither.
    let app_port = free_port();
    let python = Tool::Python.program().expect("the lab venv is installed");
    let _app = Proc::start(
        Spawn::new("handshake-no-subprotocol", python)
            .args([
                repo_root()
                    .join("fixtures/apps/python/handshake_server.py")
                    .display()
                    .to_string(),
                "no-subprotocol".to_string(),
                app_port.to_string(),
            ])
            .ready_on(app_port),
        scene.path(),
    );
    let port = start_haproxy_h2(&mut scene, &certs, &format!("127.0.0.1:{app_port}"));
    let run = probe(port, &certs.ca, &[]);
    run.expect("ok", "ok.healthy", 0);
    assert_eq!(run.json["http2"]["attempt"]["outcome"]["kind"], "upgraded");
    let options = Options {
        ca: Some(certs.ca.clone()),
        warm: Some(format!("https://{HOST}:{port}/warm")),
    };
    let url = format!("wss://{HOST}:{port}/ws");
    let log = || std::fs::read_to_string(scene.path().join("haproxy.log")).unwrap_or_default();
    let mut took_h2 = Vec::new();
    for b in Browser::ALL {
        let before = log().len();
        let result = browser::observe_with(b, scene.path(), &url, &[], &options);
        assert!(result.opened, "{}: {}", b.id(), result.describe());
        // HAProxy's own log says which path the browser's WebSocket took.
        let text = log();
        let seen: Vec<&str> = text[before.min(text.len())..]
            .lines()
            .filter(|l| l.starts_with("path ") && l.contains("/ws"))
            .collect();
        assert!(
            !seen.is_empty(),
            "{}: HAProxy saw no WebSocket request:\n{text}",
            b.id()
        );
        if seen.iter().any(|l| l.starts_with("path HTTP/2.0 ")) {
            took_h2.push(b.id());
        }
    }
    // As the report says (rules::http2::WHO_TAKES_IT): both take the HTTP/2 path where it is
    // advertised, and it works through this front.
    assert_eq!(
        took_h2,
        ["chrome", "firefox"],
        "browsers on the HTTP/2 path:\n{}",
        log()
    );
}

/// `ws://` probe of a loopback port with `extra` (the lab adds the JSON format, close-wait and
/// timeout).
fn probe_ws(port: u16, extra: &[&str]) -> Probe {
    let url = format!("ws://127.0.0.1:{port}/ws");
    let mut args = vec![url.as_str()];
    args.extend_from_slice(extra);
    wsdoctor(&args)
}

/// The one expectation of a `--http2-only` run (a one-target check): (passed, detail).
fn http2_only_result(run: &Probe) -> (bool, String) {
    assert_eq!(
        run.json["schema"],
        "wsdoctor.check/v1",
        "{}",
        run.describe()
    );
    let e = &run.json["targets"][0]["expectations"];
    assert_eq!(e.as_array().map(Vec::len), Some(1), "{}", run.describe());
    assert_eq!(e[0]["name"], "http2_only = true");
    (
        e[0]["passed"] == true,
        e[0]["detail"].as_str().unwrap_or_default().to_string(),
    )
}

/// Starts `fixtures/apps/node/h2-connect.js` with `H2C=1` (cleartext, prior knowledge only, the
/// extended CONNECT handed to ws); returns its port.
fn start_node_h2c(scene: &Scene) -> (Proc, u16) {
    let port = free_port();
    let node = Tool::Node.program().expect("node");
    let spawn = Spawn::new("node-h2c-connect", node)
        .args([repo_root()
            .join("fixtures/apps/node/h2-connect.js")
            .display()
            .to_string()])
        .env("H2C", "1")
        .env("PORT", port.to_string())
        .ready_on(port);
    (Proc::start(spawn, scene.path()), port)
}

// Issue 15 (--h2c): Node's cleartext http2.createServer() with enableConnectProtocol, handing the
// extended CONNECT stream to ws. It speaks HTTP/2 with prior knowledge only, so the HTTP/1.1
// baseline gets HTTP/2 frames (server.http2_only, exit 1), while --h2c's stream upgrades and is
// watched (the ping answered by ws over the stream). --http2-only --h2c asks about that path
// alone, and passes.
#[test]
fn node_h2c_takes_websockets_over_cleartext_http2_with_prior_knowledge() {
    let test = require!("http2_node_h2c", Tool::Node);
    let scene = Scene::new(test);
    let (node, port) = start_node_h2c(&scene);
    let run = probe_ws(port, &["--h2c"]);
    run.expect("server", "server.http2_only", 1);
    crate::support::assert_report_schema(&run.json);
    let h2 = &run.json["http2"];
    assert_eq!(h2["prior_knowledge"], true, "{}", run.describe());
    assert_eq!(h2["extended_connect"], true, "{}", run.describe());
    let a = &h2["attempt"];
    assert_eq!(a["outcome"]["kind"], "upgraded", "{}", run.describe());
    assert_eq!(a["response"]["status"], 200);
    assert!(
        a["session"]["ping_rtt_ms"].as_f64().is_some(),
        "{}",
        run.describe()
    );
    assert!(
        node.log_text().contains("path http2 CONNECT websocket /ws"),
        "{}",
        node.log_text()
    );
    let text = run.diagnosis_text();
    assert!(
        text.contains("h2c") && text.contains("upgrades too"),
        "{text}"
    );
    // The HTTP/2 path alone: it opens.
    let only = probe_ws(port, &["--h2c", "--http2-only"]);
    let (passed, detail) = http2_only_result(&only);
    assert!(passed, "{detail}\n{}", only.describe());
    assert_eq!(only.code, Some(0), "{}", only.describe());
}

// Issue 15 (--h2c, a second product): HAProxy 2.6 on a cleartext bind reads the HTTP/2 preface as
// prior knowledge and HTTP/1.1 otherwise, on one port, and carries both to a websockets app.
// Healthy on both paths; --http2-only --h2c passes.
#[test]
fn haproxy_cleartext_bind_carries_websockets_over_h2c_and_http1() {
    let test = require!("http2_haproxy_h2c", Tool::Haproxy, Tool::Python);
    let mut scene = Scene::new(test);
    let port = scene.haproxy(
        "h2c-ws.cfg",
        &[("UPSTREAM", stack::app(App::PyWebsockets).addr())],
    );
    let run = probe_ws(port, &[&AUTH[..], &["--h2c"]].concat());
    run.expect("ok", "ok.healthy", 0);
    crate::support::assert_report_schema(&run.json);
    let h2 = &run.json["http2"];
    assert_eq!(h2["prior_knowledge"], true, "{}", run.describe());
    assert_eq!(
        h2["alpn_offered"],
        serde_json::json!([]),
        "{}",
        run.describe()
    );
    let a = &h2["attempt"];
    assert_eq!(a["outcome"]["kind"], "upgraded", "{}", run.describe());
    assert_eq!(a["response"]["version"], "HTTP/2");
    assert!(
        a["request"]["headers"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|h| h["name"] == ":scheme" && h["value"] == "http"),
        "{}",
        run.describe()
    );
    let only = probe_ws(port, &[&AUTH[..], &["--h2c", "--http2-only"]].concat());
    let (passed, detail) = http2_only_result(&only);
    assert!(passed, "{detail}\n{}", only.describe());
    assert_eq!(only.code, Some(0));
    // Without --h2c, --http2-only on ws:// is a usage error that names the flag.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wsdoctor"))
        .args([format!("ws://127.0.0.1:{port}/ws").as_str(), "--http2-only"])
        .output()
        .expect("run wsdoctor");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--h2c"));
}

// Issue 15 (--h2c against HTTP/1.1 only): nginx without http2 answers the HTTP/2 preface with an
// HTTP/1.1 400. That is recorded on the HTTP/2 path (http1_answer), the HTTP/1.1 upgrade through
// the same nginx stays the healthy verdict, and --http2-only --h2c fails plainly.
#[test]
fn nginx_without_http2_answers_the_h2c_preface_in_http1_and_http1_is_not_blamed() {
    let test = require!("http2_nginx_h2c_refused", Tool::Nginx, Tool::Python);
    let mut scene = Scene::new(test);
    let port = stack::Proxy::Nginx.start_healthy(&mut scene, &stack::app(App::FastApi).addr());
    let run = probe_ws(port, &[&AUTH[..], &["--h2c"]].concat());
    run.expect("ok", "ok.healthy", 0);
    crate::support::assert_report_schema(&run.json);
    let h2 = &run.json["http2"];
    assert_eq!(h2["prior_knowledge"], true, "{}", run.describe());
    assert!(
        h2["http1_answer"]
            .as_str()
            .is_some_and(|l| l.starts_with("HTTP/1.1 400")),
        "{}",
        run.describe()
    );
    assert!(h2.get("attempt").is_none(), "{}", run.describe());
    let only = probe_ws(port, &[&AUTH[..], &["--h2c", "--http2-only"]].concat());
    let (passed, detail) = http2_only_result(&only);
    assert!(!passed, "{}", only.describe());
    assert!(
        detail.starts_with("no cleartext HTTP/2 (h2c, prior knowledge) WebSocket path here")
            && detail.contains("HTTP/1.1 400"),
        "{detail}"
    );
    assert_eq!(only.code, Some(1));
    assert_eq!(
        only.json["targets"][0]["report"]["diagnosis"]["cause"],
        "ok.healthy"
    );
}

// Issue 15 (--http2-only over TLS): nginx speaks h2 but not RFC 8441, so there is no HTTP/2
// WebSocket path: the report stays healthy (browsers use HTTP/1.1 here) and the run asked about
// the HTTP/2 path alone exits 1 saying so. HAProxy's h2 front passes the same question.
#[test]
fn http2_only_fails_plainly_where_extended_connect_is_not_advertised() {
    let test = require!("http2_only_tls", Tool::Nginx, Tool::Haproxy, Tool::Python);
    let mut scene = Scene::new(test);
    let certs = certs::make(scene.path(), HOST);
    let path = |p: &PathBuf| p.display().to_string();
    let nginx = scene.nginx(
        "tls-h2.conf",
        &[
            ("UPSTREAM", stack::app(App::FastApi).addr()),
            ("CERT", path(&certs.trusted.cert)),
            ("KEY", path(&certs.trusted.key)),
        ],
    );
    let run = probe(nginx, &certs.ca, &[&AUTH[..], &["--http2-only"]].concat());
    let (passed, detail) = http2_only_result(&run);
    assert!(!passed, "{}", run.describe());
    assert!(
        detail.starts_with("no HTTP/2 WebSocket path here: browsers use HTTP/1.1 here")
            && detail.contains("SETTINGS_ENABLE_CONNECT_PROTOCOL"),
        "{detail}"
    );
    assert_eq!(run.code, Some(1));
    let report = &run.json["targets"][0]["report"];
    assert_eq!(report["diagnosis"]["cause"], "ok.healthy");
    assert_eq!(report["attempts"][0]["outcome"]["kind"], "upgraded");
    let haproxy = start_haproxy_h2(&mut scene, &certs, &stack::app(App::PyWebsockets).addr());
    let run = probe(haproxy, &certs.ca, &[&AUTH[..], &["--http2-only"]].concat());
    let (passed, detail) = http2_only_result(&run);
    assert!(passed, "{detail}\n{}", run.describe());
    assert_eq!(run.code, Some(0));
}
