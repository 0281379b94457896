//! `wsdoctor explain` through the binary on every input kind in `fixtures/explain/` (cause ids,
//! capped confidence, the settling command), stdin input, the input bound, unrecognised input,
//! and a bounded deterministic mutation run over the parsers (never a panic).

#![expect(
    clippy::unwrap_used,
    reason = "integration tests: a failed setup or parse is the test's failure"
)]

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::wsdoctor;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/explain")
        .join(name)
}

fn explain_json(name: &str) -> (Value, Option<i32>) {
    let out = wsdoctor()
        .args([
            "explain",
            &fixture(name).to_string_lossy(),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{name}: not JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (value, out.status.code())
}

/// (fixture, cause id, confidence cap, URL in the settling command).
const CASES: &[(&str, &str, f64, &str)] = &[
    (
        "http_nginx_404.http",
        "proxy.upgrade_not_forwarded",
        0.6,
        "wss://HOST/PATH",
    ),
    (
        "http_nginx_502.http",
        "proxy.bad_gateway",
        0.6,
        "wss://HOST/PATH",
    ),
    (
        "http_websockets_426.http",
        "proxy.upgrade_not_forwarded",
        0.6,
        "wss://HOST/PATH",
    ),
    (
        "curl_uvicorn_403.txt",
        "auth.missing_credentials",
        0.6,
        "wss://api.example.test/api/v1/print/servers/42/ws",
    ),
    (
        "curl_refused.txt",
        "tcp.refused",
        0.7,
        "ws://127.0.0.1:9/ws",
    ),
    (
        "console_chrome_404.txt",
        "routing.not_found",
        0.45,
        "wss://chat.example.test/ws",
    ),
    (
        "console_chrome_502.txt",
        "proxy.bad_gateway",
        0.45,
        "wss://chat.example.test/ws",
    ),
    (
        "console_chrome_cert_date_invalid.txt",
        "tls.expired_certificate",
        0.7,
        "wss://chat.example.test/ws",
    ),
    (
        "console_chrome_closed_before_established.txt",
        "server.bad_handshake_response",
        0.2,
        "wss://chat.example.test/ws",
    ),
    (
        "console_firefox_cannot_establish.txt",
        "server.bad_handshake_response",
        0.2,
        "wss://chat.example.test/ws",
    ),
    (
        "console_close_1006.txt",
        "server.closed_after_upgrade",
        0.4,
        "wss://HOST/PATH",
    ),
    (
        "har_gorilla_403.har",
        "auth.missing_credentials",
        0.6,
        "wss://chat.example.test/ws",
    ),
    ("har_refused.har", "tcp.refused", 0.7, "ws://127.0.0.1:9/ws"),
    (
        "curl_nginx_403.txt",
        "proxy.access_denied",
        0.6,
        "ws://127.0.0.1:18767/ws/chat",
    ),
    (
        "curl_nginx_403_silent.txt",
        "proxy.access_denied",
        0.6,
        "ws://127.0.0.1:18767/ws/chat",
    ),
    (
        "http_nginx_403.http",
        "proxy.access_denied",
        0.6,
        "ws://127.0.0.1:18767/ws/chat",
    ),
    (
        "curl_app_403_nobuffer.txt",
        "origin.rejected",
        0.6,
        "ws://127.0.0.1:18766/ws",
    ),
    (
        "curl_app_403_no_i.txt",
        "origin.rejected",
        0.6,
        "ws://127.0.0.1:18766/ws",
    ),
    (
        "http_app_403.http",
        "origin.rejected",
        0.6,
        "ws://127.0.0.1:18766/ws",
    ),
];

/// What a diagnosis of one answer rests on: the cause, the confidence and the response as read.
fn verdict_and_body(report: &Value) -> (Value, Value, Value, Value, Value) {
    let d = &report["diagnosis"];
    let r = &report["attempts"][0]["response"];
    (
        d["cause"].clone(),
        d["confidence"].clone(),
        r["status"].clone(),
        r["body_excerpt"].clone(),
        r["body_bytes"].clone(),
    )
}

/// Issue 12 point 4: real `curl -v -i … > t 2>&1` transcripts (with the progress meter, with `-s`,
/// with `-N` so the meter is glued to a body without a final newline, and `-v` without `-i`) of
/// the same exchange give the body the server sent (bounded by its Content-Length) and the
/// diagnosis the raw bytes give. nginx's own 403 page starts with `<html>`, which was read as a
/// `<` response line and lost (`(0-byte body)` with `Content-Length: 153`, and
/// `auth.missing_credentials` instead of `proxy.access_denied`).
#[test]
fn a_curl_transcript_explains_as_the_raw_bytes_of_the_same_exchange() {
    for (raw, transcripts) in [
        (
            "http_nginx_403.http",
            &["curl_nginx_403.txt", "curl_nginx_403_silent.txt"][..],
        ),
        (
            "http_app_403.http",
            &["curl_app_403_nobuffer.txt", "curl_app_403_no_i.txt"][..],
        ),
    ] {
        let (want, _) = explain_json(raw);
        let length: u64 = std::fs::read_to_string(fixture(raw))
            .unwrap()
            .lines()
            .find_map(|l| l.strip_prefix("Content-Length: "))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert_eq!(
            want["attempts"][0]["response"]["body_bytes"], length,
            "{raw}: the raw body is its Content-Length"
        );
        for t in transcripts {
            let (got, _) = explain_json(t);
            assert_eq!(
                verdict_and_body(&got),
                verdict_and_body(&want),
                "{t} against {raw}"
            );
            let body = got["attempts"][0]["response"]["body_excerpt"]
                .as_str()
                .unwrap();
            assert!(!body.contains("--:--:--"), "{t}: the meter is no body");
        }
    }
}

#[test]
fn every_input_kind_gives_the_cause_id_a_capped_confidence_and_the_settling_command() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/explain");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap())
        // The public field captures in field/ have their own test (explain_field.rs).
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "README.md")
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = CASES.iter().map(|c| c.0.to_string()).collect();
    listed.sort();
    assert_eq!(
        on_disk, listed,
        "every fixture has a case and every case a fixture"
    );

    for (name, cause, cap, url) in CASES {
        let (report, code) = explain_json(name);
        let d = &report["diagnosis"];
        assert_eq!(d["cause"], *cause, "{name}: {d:#}");
        assert_eq!(code, Some(1), "{name}: a fault exits 1");
        let confidence = d["confidence"].as_f64().unwrap();
        assert!(confidence <= *cap + 1e-9, "{name}: {confidence} > {cap}");
        let evidence: Vec<&str> = d["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(
            evidence
                .iter()
                .any(|e| e.contains("confidence is capped at")),
            "{name}: {evidence:?}"
        );
        let next = d["next_step"].as_str().unwrap();
        assert!(
            next.starts_with(&format!("run `wsdoctor {url}")),
            "{name}: {next}"
        );
        assert_eq!(report["attempts"][0]["variant"]["id"], "baseline");
        assert!(report["notes"][0]
            .as_str()
            .unwrap()
            .starts_with("explained offline from"));
    }
}

/// Issue 12 point 4: a Chrome console line carries the status and nothing of the request. The
/// report claims nothing about a credential or the Origin, ties the causes of a browser's 403 in
/// the field's order (Origin, auth, routing, proxy) at a low confidence, and names the command
/// whose variants tell them apart.
#[test]
fn a_console_403_lists_the_causes_of_a_browser_403_and_the_command_that_tells_them_apart() {
    let line = "main.js:12 WebSocket connection to 'wss://chat.example.test/ws' failed: Error during WebSocket handshake: Unexpected response code: 403";
    let out = wsdoctor()
        .args(["explain", "-", "--format", "json"])
        .write_stdin(line)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &report["diagnosis"];
    assert_eq!(d["cause"], "origin.rejected", "{d:#}");
    assert!(d["confidence"].as_f64().unwrap() < 0.3, "{d:#}");
    let alternatives: Vec<&str> = d["alternatives"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["cause"].as_str().unwrap())
        .collect();
    assert_eq!(
        alternatives,
        [
            "auth.missing_credentials",
            "routing.wrong_upstream",
            "proxy.access_denied"
        ]
    );
    let summary = d["summary"].as_str().unwrap();
    assert!(summary.contains("cannot be told apart"), "{summary}");
    let text = d.to_string();
    for claim in [
        "no credential was given",
        "none was sent",
        "refuses requests without an Origin",
    ] {
        assert!(!text.contains(claim), "{claim}: {text}");
    }
    let next = d["next_step"].as_str().unwrap();
    assert!(
        next.starts_with("run `wsdoctor wss://chat.example.test/ws --origin '<page origin>' --token-env WS_TOKEN`"),
        "{next}"
    );
    assert!(
        next.contains("Origin variants") && next.contains("credential variants"),
        "{next}"
    );
    // The human report says the same in words.
    let out = wsdoctor()
        .args(["explain", "-", "--color", "never"])
        .write_stdin(line)
        .output()
        .unwrap();
    let human = String::from_utf8(out.stdout).unwrap();
    assert!(
        human.contains("most common first: origin.rejected, auth.missing_credentials,"),
        "{human}"
    );
}

#[test]
fn a_console_426_claims_nothing_wsdoctor_did_not_send() {
    // From a console line wsdoctor sent nothing: the upgrade headers were the browser's.
    let line = "WebSocket connection to 'wss://chat.example.test/ws' failed: Error during WebSocket handshake: Unexpected response code: 426";
    let out = wsdoctor()
        .args(["explain", "-", "--format", "json"])
        .write_stdin(line)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = report["diagnosis"].to_string();
    assert!(!text.contains("wsdoctor sent"), "{text}");
    assert!(!text.contains("like a plain GET"), "{text}");
    assert!(text.contains("a browser always does"), "{text}");
}

#[test]
fn explain_reads_stdin_and_every_format_renders() {
    let line = "WebSocket connection to 'wss://chat.example.test/ws?access_token=abc.def.ghi' failed: Error during WebSocket handshake: Unexpected response code: 401";
    for format in ["human", "json", "markdown", "junit", "github"] {
        let out = wsdoctor()
            .args(["explain", "-", "--format", format, "--color", "never"])
            .write_stdin(line)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{format}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            !text.contains("abc.def.ghi"),
            "{format} leaks the query token:\n{text}"
        );
        assert!(text.contains("auth."), "{format}:\n{text}");
    }
    let out = wsdoctor()
        .arg("explain")
        .write_stdin(line)
        .output()
        .unwrap();
    let human = String::from_utf8(out.stdout).unwrap();
    // The command may wrap across lines of the report.
    let words = human.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("--token-env WS_TOKEN --auth query:access_token"),
        "{human}"
    );
}

/// Credentials in the input (an Authorization header, a cookie, a token echoed in the body, a
/// HAR's cookie header) appear in no format; the settling command names an env var instead.
#[test]
fn credentials_in_the_input_never_reach_the_output() {
    let secret = "sekrit-4c1d-abc-123";
    let curl = format!(
        "> GET /ws HTTP/1.1\n> Host: api.example.test\n> Authorization: Bearer {secret}\n> Cookie: sid={secret}x\n>\n< HTTP/1.1 403 Forbidden\n< Content-Length: 40\n<\ntoken {secret} is not valid for this\n"
    );
    let har = format!(
        r#"{{"log":{{"entries":[{{"_resourceType":"websocket","request":{{"method":"GET","url":"wss://h.example.test/ws?access_token={secret}","headers":[{{"name":"Cookie","value":"session={secret}"}}]}},"response":{{"status":401,"statusText":"Unauthorized","headers":[{{"name":"Set-Cookie","value":"session={secret}; Path=/"}}],"content":{{"text":"bad {secret}"}}}}}}]}}}}"#
    );
    for input in [curl.as_str(), har.as_str()] {
        for format in ["human", "json", "markdown", "junit", "github"] {
            let out = wsdoctor()
                .args(["explain", "--format", format, "--color", "never"])
                .write_stdin(input)
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(1), "{format}");
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(
                !text.contains(secret),
                "{format} leaks the credential:\n{text}"
            );
            assert!(!String::from_utf8_lossy(&out.stderr).contains(secret));
        }
    }
    let out = wsdoctor()
        .arg("explain")
        .write_stdin(curl.as_str())
        .output()
        .unwrap();
    let human = String::from_utf8(out.stdout).unwrap();
    assert!(human.contains("--token-env WS_TOKEN"), "{human}");
}

#[test]
fn empty_oversized_and_unrecognised_inputs_are_usage_errors() {
    let big = "x".repeat(4 * 1024 * 1024 + 1);
    for (input, needle) in [
        ("", "empty"),
        ("just some words\n", "not recognised"),
        (big.as_str(), "larger than"),
        ("{\"log\":{\"entries\":[]}}", "HAR"),
    ] {
        let out = wsdoctor()
            .arg("explain")
            .write_stdin(input)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(needle), "{needle}: {stderr}");
    }
    let out = wsdoctor()
        .args(["explain", "/nonexistent/input.txt"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// A deterministic xorshift, so the mutation run is the same on every machine.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn the_parsers_never_panic_on_truncated_or_mutated_fixtures() {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let noise: &[&str] = &[
        "\r",
        "\n",
        ":",
        "'",
        "\"",
        "{",
        "}",
        "< ",
        "> ",
        "* ",
        "HTTP/1.1 ",
        "é",
        "\u{0}",
        "code: 1006",
        "[",
        "]",
    ];
    for (name, _, _, _) in CASES {
        let text = std::fs::read_to_string(fixture(name)).unwrap();
        let boundaries: Vec<usize> = (0..=text.len())
            .filter(|i| text.is_char_boundary(*i))
            .collect();
        for &cut in boundaries.iter().step_by((boundaries.len() / 200).max(1)) {
            let _ = wsdoctor::explain::explain(&text[..cut]);
            let _ = wsdoctor::explain::explain(&text[cut..]);
        }
        for _ in 0..300 {
            let mut mutated = text.clone();
            for _ in 0..(rng.next() % 4 + 1) {
                let at = boundaries[(rng.next() as usize) % boundaries.len()].min(mutated.len());
                let at = (0..=at)
                    .rev()
                    .find(|i| mutated.is_char_boundary(*i))
                    .unwrap_or(0);
                let piece = noise[(rng.next() as usize) % noise.len()];
                if rng.next() % 2 == 0 {
                    mutated.insert_str(at, piece);
                } else {
                    let end = (at + piece.len()).min(mutated.len());
                    let end = (end..=mutated.len())
                        .find(|i| mutated.is_char_boundary(*i))
                        .unwrap_or(mutated.len());
                    mutated.replace_range(at..end, "");
                }
            }
            let _ = wsdoctor::explain::explain(&mutated);
        }
    }
}

/// `explain --output FILE` writes the report to a new file, prints one verdict line, and refuses
/// to overwrite without `--force`, as probe and check do.
#[test]
fn explain_output_writes_a_new_file_and_never_clobbers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("explained.md");
    let path_s = path.to_string_lossy().into_owned();
    let input = fixture("curl_refused.txt");
    let input = input.to_string_lossy();
    let out = wsdoctor()
        .args(["explain", &input, "--format", "markdown", "-o", &path_s])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(
        stdout.contains("tcp.refused") && stdout.contains(&path_s),
        "{stdout}"
    );
    let md = std::fs::read_to_string(&path).unwrap();
    assert!(md.starts_with("# WebSocket diagnosis"), "{md}");
    std::fs::write(&path, "keep me").unwrap();
    let again = wsdoctor()
        .args(["explain", &input, "-o", &path_s])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "keep me");
    let forced = wsdoctor()
        .args([
            "explain", &input, "--format", "json", "-o", &path_s, "--force",
        ])
        .output()
        .unwrap();
    assert_eq!(forced.status.code(), out.status.code());
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(report["diagnosis"]["cause"], "tcp.refused");
}

#[test]
fn a_saved_json_report_is_diagnosed_again_and_says_what_changed() {
    use crate::support::ws::{Behaviour, WsServer};
    let echo = WsServer::start(Behaviour::Echo);
    let out = wsdoctor()
        .args([
            &echo.url("/ws"),
            "--close-wait",
            "100ms",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let mut saved: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(saved["diagnosis"]["cause"], "ok.healthy");
    let dir = tempfile::tempdir().unwrap();
    // As saved: the same verdict again, from the records alone (no connection is made: the
    // server is gone).
    drop(echo);
    let same = dir.path().join("same.json");
    std::fs::write(&same, serde_json::to_vec(&saved).unwrap()).unwrap();
    let out = wsdoctor()
        .args(["explain", &same.to_string_lossy(), "--format", "json"])
        .output()
        .unwrap();
    let again: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(again["diagnosis"]["cause"], "ok.healthy");
    assert_eq!(again["attempts"], saved["attempts"]);
    assert!(again["notes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n.as_str().unwrap().contains("the same verdict")));
    // A report an older engine diagnosed otherwise: the note names both verdicts.
    saved["diagnosis"]["cause"] = Value::from("routing.not_found");
    saved["diagnosis"]["category"] = Value::from("routing");
    let old = dir.path().join("old.json");
    std::fs::write(&old, serde_json::to_vec(&saved).unwrap()).unwrap();
    let out = wsdoctor()
        .args(["explain", &old.to_string_lossy(), "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let again: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(again["notes"].as_array().unwrap().iter().any(|n| {
        let n = n.as_str().unwrap();
        n.contains("changed from routing.not_found") && n.contains("to ok.healthy")
    }));
}

#[test]
fn list_products_prints_every_catalogued_product_once_stably_and_exits_0() {
    let run = || {
        wsdoctor()
            .args(["explain", "--list-products"])
            .output()
            .unwrap()
    };
    let out = run();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let docs =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/products.md"))
            .unwrap();
    // docs/products.md's table rows name the same products, in the same order.
    let documented: Vec<String> = docs
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| product "))
        .map(|l| l[2..].split(" | ").next().unwrap().replace("\\|", "|"))
        .collect();
    let listed: Vec<&str> = text.lines().skip(2).collect();
    assert!(
        documented.len() >= 60,
        "{} products documented",
        documented.len()
    );
    assert_eq!(listed.len(), documented.len());
    for (line, name) in listed.iter().zip(&documented) {
        assert!(line.starts_with(name.as_str()), "{line} / {name}");
    }
    for product in [
        "Cloudflare",
        "AWS ALB",
        "Envoy",
        "Phoenix",
        "Spring",
        "Node ws",
    ] {
        assert!(
            listed.iter().any(|l| l.starts_with(product)),
            "{product} is not listed"
        );
    }
    // Stable: the same bytes every run.
    assert_eq!(run().stdout, text.as_bytes());
    // It reads no input: the flag alone is the whole command.
    assert!(out.stderr.is_empty());
}
