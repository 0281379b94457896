//! The TLS detail through the binary against in-process rustls servers with rcgen certificates:
//! client certificates (required, rejected, accepted; TLS 1.3 refusing after the handshake and
//! TLS 1.2 inside it), an `h2`-only ALPN server with the controlled `h2` retry, and which trust
//! anchor verified the chain (`--cacert`, `SSL_CERT_FILE`).

use crate::support::tls::{TestCa, TlsOptions, TlsWsServer, HOST};
use crate::support::ws::Behaviour;
use crate::support::{baseline, probe_json, stage, wsdoctor};

/// Runs `--quick --format json` against `server` with `extra` args.
fn probe(server: &TlsWsServer, extra: &[&str]) -> serde_json::Value {
    let (url, resolve) = server.url_and_resolve("/ws");
    let mut args = vec!["--quick", "--resolve", resolve.as_str()];
    args.extend_from_slice(extra);
    args.push(url.as_str());
    probe_json(&args).0
}

/// A server whose certificate is issued by `server_ca` and that requires a client certificate
/// from `client_ca`.
fn mtls_server(server_ca: &TestCa, client_ca: &TestCa, tls12_only: bool) -> TlsWsServer {
    TlsWsServer::start_with(
        server_ca.valid_leaf(&[HOST]),
        Behaviour::Echo,
        TlsOptions {
            client_ca: Some(client_ca.der()),
            tls12_only,
            ..TlsOptions::default()
        },
    )
}

fn cause(report: &serde_json::Value) -> &str {
    report["diagnosis"]["cause"].as_str().unwrap_or_default()
}

#[test]
fn tls_client_cert_required_when_tls13_server_refuses_after_the_handshake() {
    let server_ca = TestCa::new("wsdoctor server CA");
    let client_ca = TestCa::new("wsdoctor client CA");
    let server = mtls_server(&server_ca, &client_ca, false);
    let pem = server_ca.pem_file();
    let report = probe(&server, &["--cacert", pem.path().to_str().unwrap()]);
    let a = baseline(&report);
    assert_eq!(cause(&report), "tls.client_cert_required", "{report}");
    assert_eq!(a["outcome"]["kind"], "tls_error");
    let tls = &a["tls"];
    assert_eq!(tls["client_auth"]["requested"], true);
    assert_eq!(tls["client_auth"]["sent"], false);
    assert_eq!(tls["client_auth"]["acceptable_issuer_count"], 1);
    assert!(tls["client_auth"]["acceptable_issuers"][0]
        .as_str()
        .unwrap()
        .contains("wsdoctor client CA"));
    assert_eq!(tls["alert"], "certificate_required");
    // TLS 1.3: the handshake "succeeded"; the refusal came on the first read.
    assert_eq!(tls["alert_after_handshake"], true);
    assert_eq!(stage(a, "tls")["status"], "ok");
    assert_eq!(stage(a, "upgrade")["error"], "tls_alert");
}

#[test]
fn tls_client_cert_required_when_tls12_server_refuses_inside_the_handshake() {
    let server_ca = TestCa::new("wsdoctor server CA");
    let client_ca = TestCa::new("wsdoctor client CA");
    let server = mtls_server(&server_ca, &client_ca, true);
    let pem = server_ca.pem_file();
    let report = probe(&server, &["--cacert", pem.path().to_str().unwrap()]);
    let a = baseline(&report);
    assert_eq!(cause(&report), "tls.client_cert_required", "{report}");
    assert_eq!(a["tls"]["client_auth"]["requested"], true);
    assert_eq!(a["tls"]["client_auth"]["sent"], false);
    // The refusal ends the handshake itself; depending on timing the alert is read or the
    // client's next write fails first (broken pipe), so only its absence after the handshake is
    // fixed.
    assert!(a["tls"].get("alert_after_handshake").is_none());
    assert_eq!(stage(a, "tls")["status"], "failed");
}

#[test]
fn tls_client_cert_rejected_when_the_certificate_is_from_another_ca() {
    let server_ca = TestCa::new("wsdoctor server CA");
    let client_ca = TestCa::new("wsdoctor client CA");
    let stranger = TestCa::new("some other CA");
    let server = mtls_server(&server_ca, &client_ca, false);
    let pem = server_ca.pem_file();
    let (cert, key) = stranger.client_leaf("alice").pem_files();
    let report = probe(
        &server,
        &[
            "--cacert",
            pem.path().to_str().unwrap(),
            "--cert",
            cert.path().to_str().unwrap(),
            "--key",
            key.path().to_str().unwrap(),
        ],
    );
    let a = baseline(&report);
    assert_eq!(cause(&report), "tls.client_cert_rejected", "{report}");
    let auth = &a["tls"]["client_auth"];
    assert_eq!(auth["sent"], true);
    assert_eq!(auth["certificate"], "CN=alice");
    assert!(auth["certificate_issuer"]
        .as_str()
        .unwrap()
        .contains("some other CA"));
    assert_eq!(a["tls"]["alert"], "unknown_ca");
    let evidence = report["diagnosis"]["evidence"].to_string();
    assert!(
        evidence.contains("not among the acceptable issuers"),
        "{evidence}"
    );
}

#[test]
fn a_client_certificate_from_the_right_ca_is_accepted_and_healthy() {
    let server_ca = TestCa::new("wsdoctor server CA");
    let client_ca = TestCa::new("wsdoctor client CA");
    let server = mtls_server(&server_ca, &client_ca, false);
    let pem = server_ca.pem_file();
    let (cert, key) = client_ca.client_leaf("alice").pem_files();
    let report = probe(
        &server,
        &[
            "--cacert",
            pem.path().to_str().unwrap(),
            "--cert",
            cert.path().to_str().unwrap(),
            "--key",
            key.path().to_str().unwrap(),
        ],
    );
    let a = baseline(&report);
    assert_eq!(cause(&report), "ok.healthy", "{report}");
    assert_eq!(a["tls"]["client_auth"]["requested"], true);
    assert_eq!(a["tls"]["client_auth"]["sent"], true);
    assert!(a["tls"].get("alert").is_none());
}

#[test]
fn a_key_that_does_not_fit_the_certificate_is_a_usage_error() {
    let ca = TestCa::new("wsdoctor client CA");
    let (cert, _) = ca.client_leaf("alice").pem_files();
    let (_, other_key) = ca.client_leaf("bob").pem_files();
    let out = wsdoctor()
        .args([
            "--cert",
            cert.path().to_str().unwrap(),
            "--key",
            other_key.path().to_str().unwrap(),
            "wss://127.0.0.1:9/",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--key"), "{stderr}");
}

#[test]
fn tls_alpn_h2_only_when_offering_h2_succeeds_and_http11_fails() {
    let ca = TestCa::new("wsdoctor server CA");
    let server = TlsWsServer::start_with(
        ca.valid_leaf(&[HOST]),
        Behaviour::Echo,
        TlsOptions {
            alpn: vec!["h2"],
            ..TlsOptions::default()
        },
    );
    let pem = ca.pem_file();
    let report = probe(&server, &["--cacert", pem.path().to_str().unwrap()]);
    let a = baseline(&report);
    assert_eq!(cause(&report), "tls.alpn_h2_only", "{report}");
    assert_eq!(a["outcome"]["error"], "no_application_protocol");
    assert_eq!(a["tls"]["alert"], "no_application_protocol");
    let retry = &a["tls"]["alpn_retry"];
    assert_eq!(retry["offered"], serde_json::json!(["h2"]));
    assert_eq!(retry["ok"], true);
    assert_eq!(retry["alpn"], "h2");
}

#[test]
fn near_miss_a_server_offering_h2_and_http11_is_healthy() {
    let ca = TestCa::new("wsdoctor server CA");
    let server = TlsWsServer::start_with(
        ca.valid_leaf(&[HOST]),
        Behaviour::Echo,
        TlsOptions {
            alpn: vec!["h2", "http/1.1"],
            ..TlsOptions::default()
        },
    );
    let pem = ca.pem_file();
    let report = probe(&server, &["--cacert", pem.path().to_str().unwrap()]);
    assert_eq!(cause(&report), "ok.healthy", "{report}");
    assert_eq!(baseline(&report)["tls"]["alpn"], "http/1.1");
    assert!(baseline(&report)["tls"].get("alpn_retry").is_none());
}

#[test]
fn the_anchor_from_cacert_is_named_with_its_source() {
    let ca = TestCa::new("wsdoctor anchor CA");
    let server = TlsWsServer::start(ca.valid_leaf(&[HOST]), Behaviour::Echo);
    let pem = ca.pem_file();
    let path = pem.path().to_str().unwrap();
    let report = probe(&server, &["--cacert", path]);
    let anchor = &baseline(&report)["tls"]["anchor"];
    assert_eq!(anchor["subject"], "CN=wsdoctor anchor CA", "{report}");
    assert_eq!(anchor["source"], format!("--cacert {path}"));
    assert_eq!(anchor["matched_by"], "signature");
}

#[test]
fn ssl_cert_file_is_honoured_and_named_as_the_anchor_source() {
    let ca = TestCa::new("wsdoctor env CA");
    let server = TlsWsServer::start(ca.valid_leaf(&[HOST]), Behaviour::Echo);
    let pem = ca.pem_file();
    let path = pem.path().to_str().unwrap();
    let (url, resolve) = server.url_and_resolve("/ws");
    let out = wsdoctor()
        .env("SSL_CERT_FILE", path)
        .args(["--format", "json", "--quick", "--resolve", &resolve, &url])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let a = baseline(&report);
    assert_eq!(a["outcome"]["kind"], "upgraded", "{report}");
    assert_eq!(
        a["tls"]["anchor"]["source"],
        format!("SSL_CERT_FILE {path}")
    );
    assert_eq!(a["tls"]["anchor"]["subject"], "CN=wsdoctor env CA");
}

#[test]
fn near_miss_without_ssl_cert_file_the_same_ca_is_untrusted() {
    let ca = TestCa::new("wsdoctor env CA");
    let server = TlsWsServer::start(ca.valid_leaf(&[HOST]), Behaviour::Echo);
    let report = probe(&server, &[]);
    assert_eq!(cause(&report), "tls.untrusted_certificate", "{report}");
    assert!(baseline(&report)["tls"].get("anchor").is_none());
}

#[test]
fn a_check_file_passes_cert_and_key_relative_to_itself() {
    let server_ca = TestCa::new("wsdoctor server CA");
    let client_ca = TestCa::new("wsdoctor client CA");
    let server = mtls_server(&server_ca, &client_ca, false);
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = client_ca.client_leaf("alice").pem_files();
    std::fs::copy(cert.path(), dir.path().join("client.pem")).unwrap();
    std::fs::copy(key.path(), dir.path().join("client.key")).unwrap();
    std::fs::copy(server_ca.pem_file().path(), dir.path().join("ca.pem")).unwrap();
    let (url, resolve) = server.url_and_resolve("/ws");
    let file = dir.path().join("check.toml");
    let target = |name: &str, extra: &str, cause: &str| {
        format!(
            "[[target]]\nname = \"{name}\"\nurl = \"{url}\"\nresolve = [\"{resolve}\"]\nquick = true\ncacert = [\"ca.pem\"]\n{extra}expect_cause = \"{cause}\"\n\n"
        )
    };
    let text = target(
        "with",
        "cert = \"client.pem\"\nkey = \"client.key\"\n",
        "ok.healthy",
    ) + &target("without", "", "tls.client_cert_required");
    std::fs::write(&file, text).unwrap();
    let out = wsdoctor()
        .args(["check", file.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    let check: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(check["passed"], true, "{check}");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn a_cert_file_holding_the_key_too_needs_no_key_flag() {
    let server_ca = TestCa::new("wsdoctor server CA");
    let client_ca = TestCa::new("wsdoctor client CA");
    let server = mtls_server(&server_ca, &client_ca, false);
    let pem = server_ca.pem_file();
    let (cert, key) = client_ca.client_leaf("alice").pem_files();
    let both = tempfile::NamedTempFile::new().unwrap();
    let text = std::fs::read_to_string(cert.path()).unwrap()
        + &std::fs::read_to_string(key.path()).unwrap();
    std::fs::write(both.path(), text).unwrap();
    let report = probe(
        &server,
        &[
            "--cacert",
            pem.path().to_str().unwrap(),
            "--cert",
            both.path().to_str().unwrap(),
        ],
    );
    assert_eq!(cause(&report), "ok.healthy", "{report}");
    assert_eq!(baseline(&report)["tls"]["client_auth"]["sent"], true);
}

#[test]
fn ssl_cert_dir_is_honoured_and_named_as_the_anchor_source() {
    let ca = TestCa::new("wsdoctor dir CA");
    let server = TlsWsServer::start(ca.valid_leaf(&[HOST]), Behaviour::Echo);
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(ca.pem_file().path(), dir.path().join("lab-ca.pem")).unwrap();
    let shown = dir.path().to_str().unwrap();
    let (url, resolve) = server.url_and_resolve("/ws");
    let out = wsdoctor()
        .env("SSL_CERT_DIR", shown)
        .args(["--format", "json", "--quick", "--resolve", &resolve, &url])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let a = baseline(&report);
    assert_eq!(a["outcome"]["kind"], "upgraded", "{report}");
    assert_eq!(
        a["tls"]["anchor"]["source"],
        format!("SSL_CERT_DIR {shown}")
    );
}

#[test]
fn a_chain_anchored_by_cacert_never_reads_the_certificate_directory() {
    let ca = TestCa::new("wsdoctor lazy CA");
    let server = TlsWsServer::start(ca.valid_leaf(&[HOST]), Behaviour::Echo);
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(ca.pem_file().path(), dir.path().join("lab-ca.pem")).unwrap();
    // An entry that says so in the debug log whenever the directory is read.
    std::fs::write(
        dir.path().join("broken.pem"),
        "-----BEGIN CERTIFICATE-----\n!!not base64!!\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let pem = ca.pem_file();
    let (url, resolve) = server.url_and_resolve("/ws");
    let run = |extra: &[&str]| {
        let out = wsdoctor()
            .env("SSL_CERT_DIR", dir.path())
            .args(["-vvv", "--format", "json", "--quick", "--resolve", &resolve])
            .args(extra)
            .arg(&url)
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (report, String::from_utf8_lossy(&out.stderr).into_owned())
    };
    // --cacert anchors the chain: the directory is not read, and the anchor is --cacert's.
    let (report, log) = run(&["--cacert", pem.path().to_str().unwrap()]);
    let a = baseline(&report);
    assert_eq!(a["outcome"]["kind"], "upgraded", "{report}");
    assert!(a["tls"]["anchor"]["source"]
        .as_str()
        .unwrap()
        .starts_with("--cacert "));
    assert!(!log.contains("skipped an entry"), "{log}");
    // Near miss: without --cacert the chain needs the directory, which is read, and trusted.
    let (report, log) = run(&[]);
    let a = baseline(&report);
    assert_eq!(a["outcome"]["kind"], "upgraded", "{report}");
    assert!(log.contains("skipped an entry"), "{log}");
}
