//! The tls stage through the binary, with certificates made by rcgen at test time: trusted via
//! --cacert, unknown CA, expired, wrong name, wss:// to a plaintext port, and --insecure keeping
//! the real verdict.

use crate::support::raw::RawServer;
use crate::support::tls::{openssl_style_self_signed, TestCa, TlsWsServer, HOST};
use crate::support::ws::Behaviour;
use crate::support::{baseline, probe_json, stage};

fn probe_tls(server: &TlsWsServer, extra: &[&str]) -> serde_json::Value {
    let (url, resolve) = server.url_and_resolve("/ws");
    let mut args = vec!["--quick", "--resolve", resolve.as_str()];
    args.extend_from_slice(extra);
    args.push(url.as_str());
    probe_json(&args).0
}

#[test]
fn a_certificate_trusted_via_cacert_upgrades_and_records_the_chain() {
    let ca = TestCa::new("wsdoctor test CA");
    let pem = ca.pem_file();
    let server = TlsWsServer::start(ca.valid_leaf(&[HOST]), Behaviour::Echo);
    let report = probe_tls(&server, &["--cacert", pem.path().to_str().unwrap()]);
    let a = baseline(&report);
    assert_eq!(a["outcome"]["kind"], "upgraded", "{a}");
    assert_eq!(stage(a, "tls")["status"], "ok");
    let tls = &a["tls"];
    assert_eq!(tls["sni"], HOST);
    assert_eq!(tls["alpn_offered"], serde_json::json!(["http/1.1"]));
    assert_eq!(tls["verification"], "ok");
    assert_eq!(tls["insecure"], false);
    assert!(tls["version"].as_str().unwrap().starts_with("TLSv1."));
    let leaf = &tls["chain"][0];
    assert_eq!(leaf["sans"], serde_json::json!([HOST]));
    assert!(leaf["issuer"]
        .as_str()
        .unwrap()
        .contains("wsdoctor test CA"));
    assert!(leaf["not_after"]
        .as_str()
        .unwrap()
        .starts_with("2099-01-01T"));
    assert!(leaf["days_left"].as_i64().unwrap() > 0);
}

#[test]
fn an_unknown_ca_is_an_untrusted_certificate() {
    let ca = TestCa::new("some private CA");
    let server = TlsWsServer::start(ca.valid_leaf(&[HOST]), Behaviour::Echo);
    let report = probe_tls(&server, &[]);
    let a = baseline(&report);
    assert_eq!(a["outcome"]["kind"], "tls_error");
    assert_eq!(a["outcome"]["error"], "untrusted_certificate");
    assert_eq!(stage(a, "tls")["error"], "untrusted_certificate");
    assert_eq!(stage(a, "upgrade")["status"], "skipped");
    // The chain is recorded even though verification failed.
    assert!(a["tls"]["chain"][0]["issuer"]
        .as_str()
        .unwrap()
        .contains("some private CA"));
}

#[test]
fn an_expired_certificate_is_diagnosed_with_not_after_in_the_chain() {
    let ca = TestCa::new("wsdoctor test CA");
    let pem = ca.pem_file();
    let server = TlsWsServer::start(
        ca.leaf(&[HOST], (2020, 1, 1), (2021, 1, 1)),
        Behaviour::Echo,
    );
    let report = probe_tls(&server, &["--cacert", pem.path().to_str().unwrap()]);
    let a = baseline(&report);
    assert_eq!(a["outcome"]["kind"], "tls_error");
    assert_eq!(a["outcome"]["error"], "expired_certificate");
    assert!(a["tls"]["chain"][0]["not_after"]
        .as_str()
        .unwrap()
        .starts_with("2021-01-01"));
    assert!(a["tls"]["chain"][0]["days_left"].as_i64().unwrap() < 0);
}

#[test]
fn a_certificate_for_another_name_is_a_hostname_mismatch() {
    let ca = TestCa::new("wsdoctor test CA");
    let pem = ca.pem_file();
    let server = TlsWsServer::start(ca.valid_leaf(&["other.test"]), Behaviour::Echo);
    let report = probe_tls(&server, &["--cacert", pem.path().to_str().unwrap()]);
    let a = baseline(&report);
    assert_eq!(a["outcome"]["kind"], "tls_error");
    assert_eq!(a["outcome"]["error"], "hostname_mismatch");
}

#[test]
fn insecure_continues_but_records_the_real_verdict() {
    let ca = TestCa::new("wsdoctor test CA");
    let pem = ca.pem_file();
    let server = TlsWsServer::start(
        ca.leaf(&[HOST], (2020, 1, 1), (2021, 1, 1)),
        Behaviour::Echo,
    );
    let report = probe_tls(
        &server,
        &["--insecure", "--cacert", pem.path().to_str().unwrap()],
    );
    let a = baseline(&report);
    assert_eq!(a["outcome"]["kind"], "upgraded", "{a}");
    assert_eq!(a["tls"]["verification"], "expired_certificate");
    assert_eq!(a["tls"]["insecure"], true);
    assert_eq!(stage(a, "tls")["status"], "ok");
}

#[test]
fn an_ip_literal_target_sends_no_sni_and_verifies_the_ip_san() {
    let ca = TestCa::new("wsdoctor test CA");
    let pem = ca.pem_file();
    let server = TlsWsServer::start(ca.valid_leaf(&["127.0.0.1"]), Behaviour::Echo);
    let url = format!("wss://127.0.0.1:{}/", server.port());
    let (report, _) = probe_json(&["--quick", "--cacert", pem.path().to_str().unwrap(), &url]);
    let a = baseline(&report);
    assert_eq!(a["outcome"]["kind"], "upgraded", "{a}");
    assert!(a["tls"].get("sni").is_none());
}

#[test]
fn wss_to_a_plaintext_port_is_not_tls() {
    let server = RawServer::http(
        400,
        "Bad Request",
        &[("Server", "nginx")],
        "plain HTTP port",
    );
    let url = format!("wss://127.0.0.1:{}/ws", server.port());
    let (report, _) = probe_json(&["--quick", &url]);
    let a = baseline(&report);
    assert_eq!(a["outcome"]["kind"], "tls_error", "{a}");
    assert_eq!(a["outcome"]["error"], "not_tls");
    assert_eq!(stage(a, "tls")["error"], "not_tls");
}

// Issue 12 point 2: `openssl req -x509 -subj /CN=<host>` (CA:TRUE, no SAN). Without --cacert it is
// named self-signed, in a sentence; with --cacert holding that very certificate it is trusted as
// itself (as curl does), with the browsers' warning about the CN-only name.
#[test]
fn a_self_signed_ca_leaf_is_named_self_signed_and_pinned_by_cacert() {
    let leaf = openssl_style_self_signed(HOST);
    let (cert, _key) = leaf.pem_files();
    let server = TlsWsServer::start(leaf, Behaviour::Echo);
    let report = probe_tls(&server, &[]);
    assert_eq!(
        report["diagnosis"]["cause"], "tls.self_signed_certificate",
        "{}",
        report["diagnosis"]
    );
    let a = baseline(&report);
    assert_eq!(a["tls"]["chain"][0]["self_signed"], true, "{a}");
    let detail = a["outcome"]["detail"].as_str().unwrap_or("");
    assert!(detail.contains("is self-signed"), "{detail}");
    assert!(
        !detail.contains("OtherError") && !detail.contains("CaUsedAsEndEntity"),
        "{detail}"
    );

    let report = probe_tls(&server, &["--cacert", cert.path().to_str().unwrap()]);
    assert_eq!(
        report["diagnosis"]["cause"], "ok.healthy",
        "{}",
        report["diagnosis"]
    );
    let tls = &baseline(&report)["tls"];
    assert_eq!(tls["verification"], "ok", "{tls}");
    assert_eq!(tls["anchor"]["matched_by"], "pinned", "{tls}");
    let findings: Vec<&str> = report["findings"]
        .as_array()
        .map(|f| f.iter().filter_map(|x| x["cause"].as_str()).collect())
        .unwrap_or_default();
    assert!(findings.contains(&"tls.name_only_in_cn"), "{findings:?}");

    // Pinned is not blind: another host name on the same certificate still fails.
    let (url, _) = server.url_and_resolve("/ws");
    let other = url.replace(HOST, "other.test");
    let resolve = format!("other.test:{}:127.0.0.1", server.port());
    let (report, _) = probe_json(&[
        "--quick",
        "--resolve",
        &resolve,
        "--cacert",
        cert.path().to_str().unwrap(),
        &other,
    ]);
    assert_eq!(
        report["diagnosis"]["cause"], "tls.hostname_mismatch",
        "{}",
        report["diagnosis"]
    );
}
