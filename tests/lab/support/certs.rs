//! certs: certificates made at test time with rcgen for the TLS scenarios: a lab CA, a leaf it
//! signs for the host (trusted with --cacert), a self-signed leaf, an expired leaf and a leaf for
//! another name. Written as PEM files into the test directory for nginx and `--cacert`.

use std::path::{Path, PathBuf};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};

/// A certificate and key on disk.
#[derive(Debug, Clone)]
pub struct CertFiles {
    /// PEM certificate.
    pub cert: PathBuf,
    /// PEM private key.
    pub key: PathBuf,
}

/// Everything the TLS scenarios need.
#[derive(Debug, Clone)]
pub struct LabCerts {
    /// The lab CA certificate (for `--cacert`).
    pub ca: PathBuf,
    /// Leaf for the host, signed by the CA.
    pub trusted: CertFiles,
    /// Self-signed leaf for the host.
    pub self_signed: CertFiles,
    /// Leaf for the host, signed by the CA, expired in 2021.
    pub expired: CertFiles,
    /// Leaf signed by the CA for another name.
    pub wrong_name: CertFiles,
}

fn leaf(names: &[&str]) -> CertificateParams {
    let mut params =
        CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
            .expect("leaf params");
    params
        .distinguished_name
        .push(DnType::CommonName, names[0].to_string());
    params
}

fn write(dir: &Path, name: &str, cert: &rcgen::Certificate, key: &KeyPair) -> CertFiles {
    let files = CertFiles {
        cert: dir.join(format!("{name}.crt")),
        key: dir.join(format!("{name}.key")),
    };
    std::fs::write(&files.cert, cert.pem()).expect("write cert");
    std::fs::write(&files.key, key.serialize_pem()).expect("write key");
    files
}

/// Makes the lab certificates for `host` into `dir`.
pub fn make(dir: &Path, host: &str) -> LabCerts {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "wsdoctor lab CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate().expect("ca key");
    let ca_cert = ca_params.self_signed(&ca_key).expect("ca cert");
    let ca = dir.join("lab-ca.crt");
    std::fs::write(&ca, ca_cert.pem()).expect("write ca");
    let issuer = Issuer::from_params(&ca_params, &ca_key);

    let key = KeyPair::generate().expect("leaf key");
    let cert = leaf(&[host])
        .signed_by(&key, &issuer)
        .expect("trusted leaf");
    let trusted = write(dir, "trusted", &cert, &key);

    let key = KeyPair::generate().expect("self-signed key");
    let cert = leaf(&[host]).self_signed(&key).expect("self-signed leaf");
    let self_signed = write(dir, "self-signed", &cert, &key);

    let key = KeyPair::generate().expect("expired key");
    let mut params = leaf(&[host]);
    params.not_before = rcgen::date_time_ymd(2020, 1, 1);
    params.not_after = rcgen::date_time_ymd(2021, 1, 1);
    let cert = params.signed_by(&key, &issuer).expect("expired leaf");
    let expired = write(dir, "expired", &cert, &key);

    let key = KeyPair::generate().expect("wrong-name key");
    let cert = leaf(&["other.lab.test"])
        .signed_by(&key, &issuer)
        .expect("wrong-name leaf");
    let wrong_name = write(dir, "wrong-name", &cert, &key);

    LabCerts {
        ca,
        trusted,
        self_signed,
        expired,
        wrong_name,
    }
}
