//! `wsdoctor explain` judged on public field captures (`fixtures/explain/field/`): failed WebSocket
//! handshakes people pasted into public issue threads and pages, each with the cause its thread
//! settled (`index.toml`). Every capture is replayed through `explain` (the library function the
//! binary calls); the test prints the accuracy, the confusion table (settled → diagnosed) and the
//! calibration (confidence bucket → share right), and holds `explain` to the count it gets right
//! today. A second test keeps the fixtures honest: an https source, a settled sentence, cause ids
//! that exist, and no credential left in a capture; a third feeds truncated and mutated captures
//! to `explain` (never a panic).

#![expect(
    clippy::expect_used,
    reason = "integration tests: an unreadable fixture is the test's failure"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use regex::Regex;
use serde::Deserialize;
use wsdoctor::cause::Cause;
use wsdoctor::explain::{self, InputKind};

/// The captures `explain` must diagnose as their threads settled them (right = the settled cause
/// or one of its `accepted` alternates). The floor is the count measured when the captures were
/// collected; a better diagnosis raises it.
const MIN_RIGHT: usize = 35;
/// The fewest captures the set may hold (it only grows).
const MIN_CAPTURES: usize = 45;

#[derive(Deserialize)]
struct Index {
    capture: Vec<Capture>,
}

#[derive(Deserialize)]
struct Capture {
    file: String,
    source: String,
    established: String,
    cause: String,
    #[serde(default)]
    accepted: Vec<String>,
    products: Vec<String>,
    input: String,
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/explain/field")
}

fn index() -> Vec<Capture> {
    let text = std::fs::read_to_string(dir().join("index.toml")).expect("field/index.toml");
    toml::from_str::<Index>(&text)
        .expect("field/index.toml parses")
        .capture
}

fn read(c: &Capture) -> String {
    std::fs::read_to_string(dir().join(&c.file)).expect("every indexed capture exists")
}

fn kind_name(kind: InputKind) -> &'static str {
    match kind {
        InputKind::Console => "console",
        InputKind::ClientError => "client",
        InputKind::HttpResponse => "http",
        InputKind::Curl => "curl",
        InputKind::Har => "har",
        InputKind::DevTools => "devtools",
    }
}

/// Text in a capture that looks like a credential left in: a JWT, a bearer token, a cookie or
/// authorization header with a value, a credential-named query parameter whose value is not a
/// placeholder, or a long mixed-case opaque string outside the handshake's key and accept lines.
fn credential_like(text: &str) -> Vec<String> {
    const PLACEHOLDERS: &[&str] = &["REDACTED", "USER", "00000000-0000-0000-0000-000000000000"];
    let jwt = Regex::new(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}").expect("regex");
    let bearer = Regex::new(r"(?i)\bbearer\s+([A-Za-z0-9._~+/=-]{8,})").expect("regex");
    let header = Regex::new(
        r"(?im)^[>< ]*(cookie|set-cookie|authorization|proxy-authorization|x-api-key)\s*:\s*(\S.*)$",
    )
    .expect("regex");
    let param = Regex::new(
        r"(?i)[?&](access_token|token|sid|secret|password|passwd|api_key|apikey|key|auth|session|connectiontoken|id|username|user)=([^&'\x22\s]+)",
    )
    .expect("regex");
    let opaque = Regex::new(r"[A-Za-z0-9+/_=-]{24,}").expect("regex");
    let mut found = Vec::new();
    found.extend(jwt.find_iter(text).map(|m| m.as_str().to_string()));
    for c in bearer.captures_iter(text) {
        if !PLACEHOLDERS.contains(&&c[1]) {
            found.push(c[0].to_string());
        }
    }
    for c in header.captures_iter(text) {
        if !PLACEHOLDERS.iter().any(|p| c[2].contains(p)) {
            found.push(c[0].to_string());
        }
    }
    for c in param.captures_iter(text) {
        if !PLACEHOLDERS.contains(&&c[2]) {
            found.push(c[0].to_string());
        }
    }
    for line in text.lines() {
        let lower = line.to_ascii_lowercase();
        if lower.contains("sec-websocket-key") || lower.contains("sec-websocket-accept") {
            continue;
        }
        for m in opaque.find_iter(line) {
            let s = m.as_str();
            let mixed = s.chars().any(|c| c.is_ascii_uppercase())
                && s.chars().any(|c| c.is_ascii_lowercase())
                && s.chars().any(|c| c.is_ascii_digit());
            if mixed {
                found.push(s.to_string());
            }
        }
    }
    found
}

#[test]
fn the_credential_check_finds_what_a_paste_can_leak() {
    for leak in [
        "WebSocket connection to 'wss://h/ws?token=SFMyNTY.g3QAAAACZAAE' failed",
        "> Authorization: Bearer abcdef123456",
        "Cookie: sid=1234",
        "wss://h/socket.io/?EIO=3&transport=websocket&sid=yw4Kb2mBvLer0fULAAAL",
        "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.x",
        "ws://h/signalr/connect?transport=webSockets&connectionToken=N9oCnsCNtLXb3fvTNou86sSEG6Eb312p",
    ] {
        assert!(!credential_like(leak).is_empty(), "not caught: {leak}");
    }
    for clean in [
        "WebSocket connection to 'wss://h/ws?token=REDACTED&vsn=2.0.0' failed",
        "Sec-WebSocket-Key: bQ9sSe0fp7G9YP/2lpjCDA==",
        "ws://sokaj-explorer-sokol-elb-1723354604.us-east-1.elb.amazonaws.com/socket/websocket?locale=en",
    ] {
        assert!(credential_like(clean).is_empty(), "false alarm: {clean}");
    }
}

#[test]
fn every_field_capture_is_cited_settled_and_free_of_credentials() {
    let captures = index();
    assert!(
        captures.len() >= MIN_CAPTURES,
        "{} captures; the set only grows",
        captures.len()
    );
    let listed: BTreeSet<&str> = captures.iter().map(|c| c.file.as_str()).collect();
    assert_eq!(listed.len(), captures.len(), "a file is indexed twice");
    let on_disk: BTreeSet<String> = std::fs::read_dir(dir())
        .expect("field/")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n != "index.toml" && n != "README.md")
        .collect();
    let listed_owned: BTreeSet<String> = listed.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        on_disk, listed_owned,
        "every capture is indexed, every entry has its file"
    );
    let mut sources = BTreeSet::new();
    for c in &captures {
        assert!(
            c.source.starts_with("https://") && c.source.len() > "https://".len() + 4,
            "{}: source must be an https address, got {:?}",
            c.file,
            c.source
        );
        assert!(
            sources.insert(c.source.as_str()),
            "{}: a thread used twice",
            c.file
        );
        assert!(
            c.established.len() >= 20,
            "{}: quote the sentence that settled the cause",
            c.file
        );
        for id in std::iter::once(&c.cause).chain(&c.accepted) {
            assert!(Cause::from_id(id).is_some(), "{}: no cause id {id}", c.file);
        }
        assert!(
            !c.accepted.contains(&c.cause),
            "{}: cause repeated in accepted",
            c.file
        );
        assert!(!c.products.is_empty(), "{}: name the products", c.file);
        assert!(
            ["console", "client", "http", "curl", "har", "devtools"].contains(&c.input.as_str()),
            "{}: unknown input kind {}",
            c.file,
            c.input
        );
        let leaks = credential_like(&read(c));
        assert!(
            leaks.is_empty(),
            "{}: credential-looking text {leaks:?}",
            c.file
        );
    }
}

struct Replayed<'a> {
    capture: &'a Capture,
    got: String,
    confidence: f64,
    right: bool,
}

fn confusion(runs: &[Replayed]) -> String {
    let mut table: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
    for r in runs {
        let got = if r.right {
            r.capture.cause.as_str()
        } else {
            r.got.as_str()
        };
        *table
            .entry(&r.capture.cause)
            .or_default()
            .entry(got)
            .or_default() += 1;
    }
    let mut out =
        String::from("settled cause                     captures  right  diagnosed otherwise\n");
    for (settled, got) in &table {
        let total: usize = got.values().sum();
        let right = got.get(settled).copied().unwrap_or(0);
        let wrong: Vec<String> = got
            .iter()
            .filter(|(c, _)| *c != settled)
            .map(|(c, n)| format!("{c} ×{n}"))
            .collect();
        out.push_str(&format!(
            "{settled:<33} {total:>8} {right:>6}  {}\n",
            wrong.join(", ")
        ));
    }
    out
}

fn calibration(runs: &[Replayed]) -> String {
    let edges = [0.0, 0.2, 0.4, 0.5, 0.6, 0.7, 1.0001];
    let mut out = String::from("confidence      captures  right  share  mean confidence\n");
    for w in edges.windows(2) {
        let inside: Vec<&Replayed> = runs
            .iter()
            .filter(|r| r.confidence >= w[0] && r.confidence < w[1])
            .collect();
        if inside.is_empty() {
            continue;
        }
        let right = inside.iter().filter(|r| r.right).count();
        let mean = inside.iter().map(|r| r.confidence).sum::<f64>() / inside.len() as f64;
        out.push_str(&format!(
            "[{:.2}, {:.2})    {:>8} {right:>6}  {:>5.1}%  {mean:.3}\n",
            w[0],
            w[1].min(1.0),
            inside.len(),
            right as f64 / inside.len() as f64 * 100.0
        ));
    }
    let brier = runs
        .iter()
        .map(|r| (r.confidence - if r.right { 1.0 } else { 0.0 }).powi(2))
        .sum::<f64>()
        / runs.len().max(1) as f64;
    out.push_str(&format!("Brier score {brier:.4}\n"));
    out
}

#[test]
fn explain_on_public_field_captures_is_as_right_as_measured() {
    let captures = index();
    let mut runs = Vec::new();
    for c in &captures {
        let text = read(c);
        let obs = explain::parse(&text)
            .unwrap_or_else(|e| panic!("{}: explain cannot read it: {e}", c.file));
        assert_eq!(
            kind_name(obs.kind),
            c.input,
            "{}: read as {} ({})",
            c.file,
            kind_name(obs.kind),
            obs.said
        );
        let report =
            explain::explain(&text).unwrap_or_else(|e| panic!("{}: explain failed: {e}", c.file));
        let got = report.diagnosis.cause.id().to_string();
        let right = got == c.cause || c.accepted.contains(&got);
        runs.push(Replayed {
            capture: c,
            got,
            confidence: report.diagnosis.confidence,
            right,
        });
    }
    let right = runs.iter().filter(|r| r.right).count();
    let mut report = format!(
        "explain on {} public field captures: {right} right ({:.1}%)\n\n{}\n{}",
        runs.len(),
        right as f64 / runs.len() as f64 * 100.0,
        confusion(&runs),
        calibration(&runs)
    );
    let wrong: Vec<String> = runs
        .iter()
        .filter(|r| !r.right)
        .map(|r| {
            format!(
                "  {}: settled {}, diagnosed {} ({:.2})",
                r.capture.file, r.capture.cause, r.got, r.confidence
            )
        })
        .collect();
    report.push_str(&format!("\nwrong:\n{}\n", wrong.join("\n")));
    println!("{report}");
    assert!(right >= MIN_RIGHT, "{report}");
}

/// A fixed-seed xorshift, so the mutation run is the same on every machine.
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
fn explain_never_panics_on_truncated_or_mutated_field_captures() {
    let mut rng = XorShift(0x2545_f491_4f6c_dd1d);
    // Pieces of the formats the field captures taught the parsers.
    let noise: &[&str] = &[
        "\n",
        "\\r\\n",
        "\\\"",
        "\"",
        "'",
        ":",
        "$ curl -i ",
        "\\\n",
        "HTTP/1.1 403 ",
        "HTTP/1.",
        "Unexpected server response: ",
        "server rejected WebSocket connection: HTTP ",
        "failed:\n",
        "net :: ",
        "Sec-WebSocket-Protocol: x\n",
        "é",
        "\u{0}",
    ];
    for c in index() {
        let text = read(&c);
        let boundaries: Vec<usize> = (0..=text.len())
            .filter(|i| text.is_char_boundary(*i))
            .collect();
        for &cut in boundaries.iter().step_by((boundaries.len() / 40).max(1)) {
            let _ = explain::explain(&text[..cut]);
            let _ = explain::explain(&text[cut..]);
        }
        for _ in 0..60 {
            let mut mutated = text.clone();
            for _ in 0..(rng.next() % 4 + 1) {
                let at = (rng.next() as usize) % (mutated.len() + 1);
                let at = (0..=at)
                    .rev()
                    .find(|i| mutated.is_char_boundary(*i))
                    .unwrap_or(0);
                let piece = noise[(rng.next() as usize) % noise.len()];
                if rng.next() % 3 == 0 {
                    let end = (at + piece.len()).min(mutated.len());
                    let end = (end..=mutated.len())
                        .find(|i| mutated.is_char_boundary(*i))
                        .unwrap_or(mutated.len());
                    mutated.replace_range(at..end, "");
                } else {
                    mutated.insert_str(at, piece);
                }
            }
            let _ = explain::explain(&mutated);
        }
    }
}
