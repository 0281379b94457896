//! The other-scheme control (`control.other_scheme`, issue 12 point 3) through the binary:
//! `ws://` to a TLS port (here rustls, which closes on plaintext as OpenSSL listeners do) and
//! `wss://` to a port that answers plaintext. The real listeners (nginx, Caddy, HAProxy, Python
//! `websockets`, uvicorn) are in the lab (`tests/lab/scheme.rs`).

use crate::support::raw::RawServer;
use crate::support::tls::{TestCa, TlsWsServer, HOST};
use crate::support::ws::Behaviour;
use crate::support::{baseline, probe_json};

const TOKEN: &str = "scheme-secret-4f2a9c";

#[test]
fn ws_to_a_tls_port_is_plaintext_to_tls_port_and_the_token_is_not_resent() {
    let ca = TestCa::new("wsdoctor test CA");
    let server = TlsWsServer::start(ca.valid_leaf(&[HOST]), Behaviour::Echo);
    let port = server.port();
    let url = format!("ws://{HOST}:{port}/ws");
    let resolve = format!("{HOST}:{port}:127.0.0.1");
    let (report, code) = probe_json(&[&url, "--resolve", &resolve, "--token", TOKEN]);
    assert_eq!(code, 1, "{report}");
    assert_eq!(
        report["diagnosis"]["cause"], "tls.plaintext_to_tls_port",
        "{}",
        report["diagnosis"]
    );
    let other = &report["other_scheme"];
    assert_eq!(other["variant"]["id"], "control.other_scheme", "{other}");
    assert_eq!(other["url"], format!("wss://{HOST}:{port}/ws"), "{other}");
    assert!(
        other["tls"]["chain"][0]["issuer"]
            .as_str()
            .is_some_and(|i| i.contains("wsdoctor test CA")),
        "the handshake reached the certificate: {other}"
    );
    // The user's token went with the baseline only: the guess at TLS never carries it.
    let sent = other["request"]["headers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        sent.iter().all(|h| !h["name"]
            .as_str()
            .unwrap_or("")
            .eq_ignore_ascii_case("authorization")),
        "{other}"
    );
    assert!(
        report["diagnosis"]["next_step"]
            .as_str()
            .is_some_and(|s| s.contains(&format!("wss://{HOST}:{port}/ws"))),
        "{}",
        report["diagnosis"]
    );
    assert!(!report.to_string().contains(TOKEN));
    assert_valid(&report);
}

/// The report validates against the published schema (`other_scheme` is part of it).
fn assert_valid(report: &serde_json::Value) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/report.v1.schema.json");
    let schema: serde_json::Value = std::fs::read_to_string(path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    let validator = jsonschema::validator_for(&schema);
    assert!(validator.is_ok(), "the schema loads");
    if let Ok(v) = validator {
        let errors: Vec<String> = v.iter_errors(report).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:?}");
    }
}

#[test]
fn wss_to_a_port_answering_plaintext_is_not_tls_with_the_plaintext_answer_shown() {
    let server = RawServer::http(101, "Switching Protocols", &[], "");
    let url = format!("wss://127.0.0.1:{}/ws", server.port());
    let (report, code) = probe_json(&["--quick", &url]);
    assert_eq!(code, 1, "{report}");
    assert_eq!(baseline(&report)["outcome"]["error"], "not_tls");
    assert_eq!(report["diagnosis"]["cause"], "tls.not_tls");
    assert_eq!(
        report["other_scheme"]["url"],
        format!("ws://127.0.0.1:{}/ws", server.port())
    );
    assert_valid(&report);
}

#[test]
fn a_refusal_that_no_scheme_mismatch_gives_sends_no_other_scheme() {
    // A 403 is an HTTP server's answer about the request: no second guess at the protocol.
    let server = RawServer::http(403, "Forbidden", &[("Server", "app")], "origin not allowed");
    let (report, _) = probe_json(&["--quick", &server.ws_url("/ws")]);
    assert!(report.get("other_scheme").is_none(), "{report}");
    assert_ne!(report["diagnosis"]["cause"], "tls.plaintext_to_tls_port");
}
