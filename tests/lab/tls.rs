//! TLS through nginx (field report 001 "Issue 3: SSL/TLS Certificate Issues"), with certificates
//! made at test time: a CA-signed leaf trusted via --cacert, a self-signed leaf, an expired leaf
//! and a leaf for another name. One nginx serves all four on four ports.

use std::path::PathBuf;

use crate::support::certs::{self, LabCerts};
use crate::support::cli::{wsdoctor, Probe};
use crate::support::stack::{self, App, Scene, Tool, ALLOWED_ORIGIN, VALID_TOKEN};

const HOST: &str = "localhost";

/// Which of the four nginx listeners to probe.
#[derive(Clone, Copy)]
enum Leaf {
    Trusted = 0,
    SelfSigned = 1,
    Expired = 2,
    WrongName = 3,
}

fn probe_tls(test: &str, leaf: Leaf) -> Option<Probe> {
    if !stack::require(test, &[Tool::Nginx, Tool::Python]) {
        return None;
    }
    let mut scene = Scene::new(test);
    let LabCerts {
        ca,
        trusted,
        self_signed,
        expired,
        wrong_name,
    } = certs::make(scene.path(), HOST);
    let path = |p: &PathBuf| p.display().to_string();
    let vars = [
        ("UPSTREAM", stack::app(App::FastApi).addr()),
        ("CERT_TRUSTED", path(&trusted.cert)),
        ("KEY_TRUSTED", path(&trusted.key)),
        ("CERT_SELF_SIGNED", path(&self_signed.cert)),
        ("KEY_SELF_SIGNED", path(&self_signed.key)),
        ("CERT_EXPIRED", path(&expired.cert)),
        ("KEY_EXPIRED", path(&expired.key)),
        ("CERT_WRONG_NAME", path(&wrong_name.cert)),
        ("KEY_WRONG_NAME", path(&wrong_name.key)),
    ];
    let ports = scene.nginx_multi(
        "tls.conf",
        &vars,
        &[
            "LISTEN_TRUSTED",
            "LISTEN_SELF_SIGNED",
            "LISTEN_EXPIRED",
            "LISTEN_WRONG_NAME",
        ],
    );
    let port = ports[leaf as usize];
    let url = format!("wss://{HOST}:{port}/ws");
    let resolve = format!("{HOST}:{port}:127.0.0.1");
    let ca = path(&ca);
    Some(wsdoctor(&[
        url.as_str(),
        "--resolve",
        resolve.as_str(),
        "--cacert",
        ca.as_str(),
        "--token",
        VALID_TOKEN,
        "--origin",
        ALLOWED_ORIGIN,
    ]))
}

// /work/shared/seeds/001 Issue 3, the control: a certificate from a CA the client trusts.
#[test]
fn report_001_tls_trusted_via_cacert_is_healthy() {
    if let Some(run) = probe_tls("report_001_tls_trusted", Leaf::Trusted) {
        run.expect("ok", "ok.healthy", 0);
    }
}

// /work/shared/seeds/001 Issue 3: a self-signed certificate.
#[test]
fn report_001_tls_self_signed_is_untrusted() {
    if let Some(run) = probe_tls("report_001_tls_self_signed", Leaf::SelfSigned) {
        run.expect("tls", "tls.untrusted_certificate", 1);
    }
}

// /work/shared/seeds/001 Issue 3 "Renew if expired": the certificate expired in 2021.
#[test]
fn report_001_tls_expired_certificate() {
    if let Some(run) = probe_tls("report_001_tls_expired", Leaf::Expired) {
        run.expect("tls", "tls.expired_certificate", 1);
    }
}

// /work/shared/seeds/001 Issue 3: the certificate names another host.
#[test]
fn report_001_tls_wrong_name_is_a_hostname_mismatch() {
    if let Some(run) = probe_tls("report_001_tls_wrong_name", Leaf::WrongName) {
        run.expect("tls", "tls.hostname_mismatch", 1);
    }
}
