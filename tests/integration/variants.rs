//! Variant control (issue 12, point 6): `--variants`, `--skip` and `--safe` decide what is put on
//! the wire, asserted on the requests an in-process server received (not on what the report
//! says was sent); unknown entries are usage errors; the JSON lists what was left out and what
//! that leaves undecided; the check file's keys and `check --quick/--safe/--timeout` do the same.

#![expect(
    clippy::expect_used,
    reason = "integration tests: a failed setup or parse is the test's failure"
)]

use std::time::Duration;

use serde_json::Value;

use crate::support::scripted::{response, Req, ScriptedServer, Step};
use crate::support::wsdoctor;

const TOKEN: &str = "tok-Variants-0123456789";
const APP_ORIGIN: &str = "http://app.variants.test";

/// A production-like endpoint: a token in `Authorization` or the `token` cookie, an Origin
/// allowlist (the app's and the site's own, or none), the RFC 6455 checks; everything else
/// refused the way such a server refuses it.
fn production_like() -> ScriptedServer {
    ScriptedServer::http(|req: &Req| {
        if !req.is_upgrade() {
            return vec![Step::Write(response(
                404,
                "Not Found",
                &[],
                "{\"detail\":\"Not Found\"}",
            ))];
        }
        if req.header("sec-websocket-key").is_none()
            || req.header("sec-websocket-version") != Some("13")
        {
            return vec![Step::Write(response(
                400,
                "Bad Request",
                &[],
                "bad handshake",
            ))];
        }
        let bearer = format!("Bearer {TOKEN}");
        let cookie = format!("token={TOKEN}");
        let authed = req.header("authorization") == Some(bearer.as_str())
            || req.header("cookie") == Some(cookie.as_str());
        if !authed {
            return vec![Step::Write(response(
                401,
                "Unauthorized",
                &[],
                "invalid token",
            ))];
        }
        let host_origin = format!("http://{}", req.header("host").unwrap_or_default());
        match req.header("origin") {
            None => {}
            Some(o) if o == APP_ORIGIN || o == host_origin => {}
            Some(_) => return vec![Step::Write(response(403, "Forbidden", &[], "origin"))],
        }
        vec![Step::Switch(Vec::new()), Step::Session]
    })
}

/// Runs a probe of `server` with the token and the app's Origin, plus `extra`; returns the
/// report, the exit code and every request head the server received.
fn probe(server: &ScriptedServer, extra: &[&str]) -> (Value, i32, Vec<Req>) {
    let url = server.ws_url("/ws");
    let out = wsdoctor()
        .args([
            url.as_str(),
            "--token-env",
            "WSDOCTOR_VARIANTS_TOKEN",
            "--origin",
            APP_ORIGIN,
            "--close-wait",
            "100ms",
            "--format",
            "json",
        ])
        .args(extra)
        .env("WSDOCTOR_VARIANTS_TOKEN", TOKEN)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run wsdoctor");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{extra:?}: not a JSON report ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (report, out.status.code().unwrap_or(-1), server.requests())
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .into_iter()
        .flatten()
        .map(|a| a["variant"]["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The Origins the server saw that are neither the app's nor the site's own.
fn foreign_origins(requests: &[Req], server: &ScriptedServer) -> Vec<String> {
    let own = format!("http://{}", server.addr());
    requests
        .iter()
        .filter_map(|r| r.header("origin"))
        .filter(|o| *o != APP_ORIGIN && *o != own)
        .map(str::to_string)
        .collect()
}

/// Every credential the server saw that is not the user's token where the user's client puts it
/// or in a cookie: a wrong token, or the token moved into the URL.
fn other_credentials(requests: &[Req]) -> Vec<String> {
    let mut out = Vec::new();
    for r in requests {
        if let Some(a) = r.header("authorization") {
            if a != format!("Bearer {TOKEN}") {
                out.push(format!("Authorization: {a}"));
            }
        }
        if let Some(c) = r.header("cookie") {
            if c != format!("token={TOKEN}") {
                out.push(format!("Cookie: {c}"));
            }
        }
        if r.target.contains("token=") {
            out.push(format!("URL {}", r.target));
        }
        if let Some(p) = r.header("sec-websocket-protocol") {
            if p != TOKEN {
                out.push(format!("Sec-WebSocket-Protocol: {p}"));
            }
        }
    }
    out
}

/// Requests a WAF reads as a broken or hostile handshake.
fn malformed(requests: &[Req]) -> Vec<String> {
    requests
        .iter()
        .filter(|r| r.is_upgrade())
        .filter(|r| {
            r.header("sec-websocket-key").is_none()
                || r.header("sec-websocket-version") != Some("13")
        })
        .map(|r| String::from_utf8_lossy(&r.raw).into_owned())
        .collect()
}

#[test]
fn safe_sends_no_foreign_or_null_origin_no_wrong_token_and_no_malformed_handshake() {
    // The default run, for contrast: it does send all of them.
    let server = production_like();
    let (default, code, sent) = probe(&server, &[]);
    assert_eq!(code, 0, "{}", default["diagnosis"]);
    let foreign = foreign_origins(&sent, &server);
    assert!(
        foreign.iter().any(|o| o == "null") && foreign.iter().any(|o| o.contains("foreign")),
        "{foreign:?}"
    );
    // A wrong token, in the header; never the token in a URL unless asked (--try-url-token).
    let others = other_credentials(&sent);
    assert!(!others.is_empty(), "{others:?}");
    assert!(others.iter().all(|o| !o.starts_with("URL")), "{others:?}");
    assert_eq!(malformed(&sent).len(), 2);
    // A default run leaves out only the token moved into the URL, and says why.
    assert_eq!(
        default["skipped_variants"][0]["reason"], "credential_in_url",
        "{}",
        default["skipped_variants"]
    );
    assert_eq!(
        default["skipped_variants"].as_array().map(Vec::len),
        Some(1)
    );
    let default_count = sent.len();

    let server = production_like();
    let (safe, code, sent) = probe(&server, &["--safe"]);
    assert_eq!(code, 0, "{}", safe["diagnosis"]);
    assert_eq!(foreign_origins(&sent, &server), Vec::<String>::new());
    assert_eq!(other_credentials(&sent), Vec::<String>::new());
    assert_eq!(malformed(&sent), Vec::<String>::new());
    // The upgrades that stay carry the real token where the client puts it.
    let with_token = sent
        .iter()
        .filter(|r| r.header("authorization") == Some(&format!("Bearer {TOKEN}")))
        .count();
    assert!(with_token >= 2, "{sent:?}");
    eprintln!(
        "requests received: default run {default_count}, --safe {}",
        sent.len()
    );
    assert!(sent.len() < default_count);

    // The report says what was left out, why, and what that leaves undecided.
    let skipped: Vec<(String, String)> = safe["skipped_variants"]
        .as_array()
        .expect("skipped_variants")
        .iter()
        .map(|s| {
            (
                s["variant"]["id"].as_str().unwrap_or_default().to_string(),
                s["reason"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    for id in [
        "credential.query",
        "credential.wrong",
        "origin.foreign",
        "origin.null",
        "control.missing_key",
        "control.version_8",
    ] {
        assert!(
            skipped.contains(&(id.to_string(), "safe".to_string())),
            "{id}: {skipped:?}"
        );
    }
    for (id, _) in &skipped {
        assert!(!ids(&safe["attempts"]).contains(id), "{id} ran");
    }
    let spots = safe["cannot_tell_apart"]
        .as_array()
        .expect("cannot_tell_apart");
    let origin = spots
        .iter()
        .find(|s| {
            s["variants"]
                .as_array()
                .is_some_and(|v| v.contains(&"origin.foreign".into()))
        })
        .expect("a blind spot for the foreign Origins");
    assert!(
        origin["summary"]
            .as_str()
            .is_some_and(|s| s.contains("does not check Origin")),
        "{origin}"
    );
    assert!(origin["causes"]
        .as_array()
        .is_some_and(|c| c.contains(&"origin.not_enforced".into())));
    assert!(spots.iter().any(|s| s["summary"]
        .as_str()
        .is_some_and(|t| t.contains("the token is checked"))));
    // The secret stays redacted everywhere, the skipped list included.
    assert!(!safe.to_string().contains(TOKEN));
}

#[test]
fn safe_in_the_human_report_names_what_was_not_run() {
    let server = production_like();
    let url = server.ws_url("/ws");
    let out = wsdoctor()
        .args([&url, "--token", TOKEN, "--safe", "--close-wait", "100ms"])
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run wsdoctor");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("not run"), "{text}");
    assert!(text.contains("skipped by --safe: credential.query, credential.wrong"));
    assert!(text.contains("cannot tell apart"));
    assert!(!text.contains(TOKEN));
}

#[test]
fn skip_origin_sends_no_origin_but_the_users_own() {
    let server = production_like();
    let (report, code, sent) = probe(&server, &["--skip", "origin"]);
    assert_eq!(code, 0);
    let origins: Vec<&str> = sent.iter().filter_map(|r| r.header("origin")).collect();
    assert!(
        origins.iter().all(|o| *o == APP_ORIGIN),
        "only the user's Origin: {origins:?}"
    );
    assert!(ids(&report["attempts"])
        .iter()
        .all(|id| !id.starts_with("origin.")));
    let skipped = ids(&report["skipped_variants"]);
    assert_eq!(
        skipped,
        [
            "credential.query",
            "origin.none",
            "origin.same",
            "origin.foreign",
            "origin.null"
        ]
    );
    assert!(report["skipped_variants"]
        .as_array()
        .into_iter()
        .flatten()
        .all(|s| s["reason"] == "skip" || s["variant"]["id"] == "credential.query"));
    // Every other variant still ran, the wrong token included.
    assert!(ids(&report["attempts"]).contains(&"credential.wrong".to_string()));
}

#[test]
fn variants_credential_none_sends_exactly_the_baseline_and_the_attempt_without_it() {
    let server = production_like();
    let (report, code, sent) = probe(&server, &["--variants", "credential.none"]);
    assert_eq!(code, 0, "{}", report["diagnosis"]);
    assert_eq!(ids(&report["attempts"]), ["baseline", "credential.none"]);
    assert!(report.get("http_controls").is_none());
    assert_eq!(sent.len(), 2, "{sent:?}");
    let with: Vec<Option<&str>> = sent.iter().map(|r| r.header("authorization")).collect();
    let bearer = format!("Bearer {TOKEN}");
    assert!(
        with.contains(&Some(bearer.as_str())) && with.contains(&None),
        "{with:?}"
    );
    assert!(sent.iter().all(|r| r.header("origin") == Some(APP_ORIGIN)));
    let skipped = report["skipped_variants"].as_array().expect("skipped");
    assert!(skipped.iter().all(|s| s["reason"] == "not_selected"));
    assert!(ids(&report["skipped_variants"]).contains(&"http.root".to_string()));
    // A group and a skip together: the credential placements minus the wrong token.
    let server = production_like();
    let (report, _, sent) = probe(
        &server,
        &["--variants", "credentials", "--skip", "credential.wrong"],
    );
    assert_eq!(
        ids(&report["attempts"]),
        [
            "baseline",
            "credential.none",
            "credential.query",
            "credential.cookie",
            "credential.subprotocol"
        ]
    );
    assert_eq!(sent.len(), 5);
    assert!(other_credentials(&sent)
        .iter()
        .all(|c| !c.contains("Authorization")));
}

/// Asserts a usage error: exit 2, one line on stderr, each of `needles` in it, nothing probed.
fn assert_usage(args: &[&str], needles: &[&str]) {
    let server = production_like();
    let url = server.ws_url("/ws");
    let out = wsdoctor()
        .arg(&url)
        .args(args)
        .timeout(Duration::from_secs(30))
        .output()
        .expect("run wsdoctor");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{args:?}: {stderr}");
    for n in needles {
        assert!(lines[0].contains(n), "{args:?}: '{n}' not in {}", lines[0]);
    }
    assert!(out.stdout.is_empty());
    assert!(
        server.requests().is_empty(),
        "{args:?}: a usage error probes nothing"
    );
}

#[test]
fn unknown_variant_ids_and_groups_are_usage_errors_that_list_the_valid_ones() {
    assert_usage(
        &["--variants", "credential.none,orign"],
        &[
            "--variants",
            "'orign' is not a variant id or group",
            "did you mean 'origin'?",
            "groups credential, ticket, origin, control, browser",
            "origin.foreign",
        ],
    );
    assert_usage(
        &["--skip", "origin.forein"],
        &["--skip", "did you mean 'origin.foreign'?"],
    );
    assert_usage(
        &["--skip", "everything"],
        &["'everything' is not a variant id"],
    );
    assert_usage(&["--skip", "baseline"], &["the baseline always runs"]);
    assert_usage(&["--quick", "--variants", "origin"], &["--quick"]);
    assert_usage(
        &["--safe", "--expect-origin-rejected", "https://evil.test"],
        &["--safe"],
    );
}

/// Writes a check file for `server` with `keys` added to its one target.
fn check_file(dir: &tempfile::TempDir, server: &ScriptedServer, keys: &str) -> String {
    let path = dir.path().join("check.toml");
    let text = format!(
        "[[target]]\nname = \"chat\"\nurl = \"{}\"\ntoken_env = \"WSDOCTOR_VARIANTS_TOKEN\"\norigin = \"{APP_ORIGIN}\"\nclose_wait = \"100ms\"\n{keys}",
        server.ws_url("/ws")
    );
    std::fs::write(&path, text).expect("write the check file");
    path.to_string_lossy().into_owned()
}

fn check(file: &str, extra: &[&str]) -> (Value, i32) {
    let out = wsdoctor()
        .args(["check", file, "--format", "json"])
        .args(extra)
        .env("WSDOCTOR_VARIANTS_TOKEN", TOKEN)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run wsdoctor check");
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    (v, out.status.code().unwrap_or(-1))
}

#[test]
fn check_file_keys_choose_the_variants_like_the_flags() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = production_like();
    let file = check_file(
        &dir,
        &server,
        "skip = [\"origin\", \"browsers\"]\nsafe = true\n",
    );
    let (result, code) = check(&file, &[]);
    assert_eq!(code, 0, "{result}");
    let sent = server.requests();
    assert_eq!(foreign_origins(&sent, &server), Vec::<String>::new());
    assert_eq!(other_credentials(&sent), Vec::<String>::new());
    let report = &result["targets"][0]["report"];
    let attempts = ids(&report["attempts"]);
    assert!(
        attempts
            .iter()
            .all(|id| !id.starts_with("origin.") && !id.starts_with("browser.")),
        "{attempts:?}"
    );
    let reasons: Vec<(String, String)> = report["skipped_variants"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            (
                s["variant"]["id"].as_str().unwrap_or_default().into(),
                s["reason"].as_str().unwrap_or_default().into(),
            )
        })
        .collect();
    assert!(
        reasons.contains(&("origin.foreign".into(), "skip".into())),
        "{reasons:?}"
    );
    assert!(
        reasons.contains(&("credential.wrong".into(), "safe".into())),
        "{reasons:?}"
    );
    // An unknown entry is the check file's configuration error, with the same words.
    let server = production_like();
    let bad = check_file(&dir, &server, "variants = [\"controls\", \"brwsers\"]\n");
    let out = wsdoctor()
        .args(["check", &bad])
        .env("WSDOCTOR_VARIANTS_TOKEN", TOKEN)
        .output()
        .expect("run wsdoctor check");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("target 1 'chat'") && stderr.contains("did you mean 'browsers'?"),
        "{stderr}"
    );
}

#[test]
fn check_safe_and_quick_flags_override_every_target() {
    let dir = tempfile::tempdir().expect("temp dir");
    // The file asks for everything, unsafe on purpose; `check --safe` wins.
    let server = production_like();
    let file = check_file(&dir, &server, "safe = false\n");
    let (result, code) = check(&file, &["--safe"]);
    assert_eq!(code, 0, "{result}");
    let sent = server.requests();
    assert_eq!(foreign_origins(&sent, &server), Vec::<String>::new());
    assert_eq!(other_credentials(&sent), Vec::<String>::new());
    assert_eq!(malformed(&sent), Vec::<String>::new());
    // `check --quick` over a target that names its variants: the baseline alone goes out.
    let server = production_like();
    let file = check_file(&dir, &server, "variants = [\"origin\"]\n");
    let (result, code) = check(&file, &["--quick", "--timeout", "5s"]);
    assert_eq!(code, 0, "{result}");
    assert_eq!(server.requests().len(), 1, "{:?}", server.requests());
    assert_eq!(
        ids(&result["targets"][0]["report"]["attempts"]),
        ["baseline"]
    );
}
