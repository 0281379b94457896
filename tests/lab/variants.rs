//! Variant control (issue 12, point 6): what a default run and a `--safe` run put on the wire,
//! read from a real proxy's access log rather than from wsdoctor's own report. nginx
//! (`fixtures/nginx/access-log.conf`) in front of the FastAPI worker logs, for every request,
//! its Origin, Authorization, Cookie, query and handshake headers as one JSON object per line.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::cli::wsdoctor;
use crate::support::stack::{self, App, Scene, Tool, ALLOWED_ORIGIN, VALID_TOKEN};

/// How long nginx may take to write the line of a request after wsdoctor has exited (it logs a
/// WebSocket when the connection closes).
const LOG_WAIT: Duration = Duration::from_secs(10);

/// The access log's entries from line `from` on, once there are at least `count` of them.
fn log_entries(path: &Path, from: usize, count: usize) -> Vec<Value> {
    let deadline = Instant::now() + LOG_WAIT;
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().skip(from).collect();
        if lines.len() >= count || Instant::now() >= deadline {
            return lines
                .iter()
                .map(|l| serde_json::from_str(l).expect("an access log line is JSON"))
                .collect();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// How many requests a report says were sent (attempts and plain-HTTP controls).
fn requests_in(report: &Value) -> usize {
    ["attempts", "http_controls"]
        .iter()
        .map(|k| report[k].as_array().map_or(0, Vec::len))
        .sum()
}

fn field<'a>(entry: &'a Value, name: &str) -> &'a str {
    entry[name].as_str().unwrap_or_default()
}

/// The entries that carry an Origin the site would not send: not the app's, not the proxy's own
/// origin, not none.
fn foreign_origins(entries: &[Value], own: &str) -> Vec<String> {
    entries
        .iter()
        .map(|e| field(e, "origin"))
        .filter(|o| !o.is_empty() && *o != ALLOWED_ORIGIN && *o != own)
        .map(str::to_string)
        .collect()
}

/// The entries that carry a credential other than the lab token in the Authorization header, or
/// the token in the URL.
fn other_credentials(entries: &[Value]) -> Vec<String> {
    let bearer = format!("Bearer {VALID_TOKEN}");
    let mut out = Vec::new();
    for e in entries {
        let auth = field(e, "authorization");
        if !auth.is_empty() && auth != bearer {
            out.push(format!("Authorization {auth}"));
        }
        if field(e, "uri").contains("token=") {
            out.push("token in the URL".to_string());
        }
    }
    out
}

/// Upgrades without a key or with a version other than 13.
fn malformed(entries: &[Value]) -> usize {
    entries
        .iter()
        .filter(|e| field(e, "upgrade").eq_ignore_ascii_case("websocket"))
        .filter(|e| field(e, "key").is_empty() || field(e, "version") != "13")
        .count()
}

#[test]
fn safe_run_through_real_nginx_sends_no_foreign_origin_and_no_wrong_credential() {
    let test = require!("variants_safe_nginx_access_log", Tool::Nginx, Tool::Python);
    let upstream = stack::app(App::FastApi).addr();
    let mut scene = Scene::new(test);
    let port = scene.nginx("access-log.conf", &[("UPSTREAM", upstream)]);
    let log = scene.path().join("access.log");
    let url = format!("ws://127.0.0.1:{port}/ws");
    let own = format!("http://127.0.0.1:{port}");
    let args = [
        url.as_str(),
        "--token",
        VALID_TOKEN,
        "--origin",
        ALLOWED_ORIGIN,
    ];

    // The default run: the foreign and null Origins, the wrong token and the malformed
    // handshakes all reach the proxy.
    let full = wsdoctor(&args);
    full.expect("ok", "ok.healthy", 0);
    let sent = requests_in(&full.json);
    let default = log_entries(&log, 0, sent);
    assert_eq!(default.len(), sent, "{default:?}");
    let foreign = foreign_origins(&default, &own);
    assert!(
        foreign.contains(&"https://wsdoctor-foreign.invalid".to_string())
            && foreign.contains(&"null".to_string()),
        "{foreign:?}"
    );
    let wrong = other_credentials(&default);
    assert!(
        wrong.iter().any(|c| c.starts_with("Authorization Bearer ")),
        "the wrong token reached nginx: {wrong:?}"
    );
    assert_eq!(malformed(&default), 2, "{default:?}");

    // The --safe run against the same proxy: none of them.
    let mut safe_args = args.to_vec();
    safe_args.push("--safe");
    let safe = wsdoctor(&safe_args);
    safe.expect("ok", "ok.healthy", 0);
    let sent_safe = requests_in(&safe.json);
    let entries = log_entries(&log, default.len(), sent_safe);
    assert_eq!(entries.len(), sent_safe, "{entries:?}");
    assert_eq!(foreign_origins(&entries, &own), Vec::<String>::new());
    assert_eq!(other_credentials(&entries), Vec::<String>::new());
    assert_eq!(malformed(&entries), 0, "{entries:?}");
    // It still made its point: the real token, upgrades that the app accepted.
    assert!(entries.iter().any(|e| field(e, "status") == "101"
        && field(e, "authorization") == format!("Bearer {VALID_TOKEN}")));
    eprintln!(
        "requests nginx logged: default run {}, --safe {}",
        default.len(),
        entries.len()
    );
    // The report says what it left out, and that a foreign Origin is no longer tested.
    let skipped: Vec<&str> = safe.json["skipped_variants"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["reason"] == "safe")
        .filter_map(|s| s["variant"]["id"].as_str())
        .collect();
    for id in ["credential.wrong", "origin.foreign", "origin.null"] {
        assert!(skipped.contains(&id), "{id}: {skipped:?}");
    }
    assert!(safe.json["cannot_tell_apart"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|b| b["causes"]
            .as_array()
            .is_some_and(|c| c.contains(&"origin.not_enforced".into()))));
}
