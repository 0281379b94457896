//! probe::trust: the trust anchors, found lazily and in levels, each a superset of the one before:
//!
//! 0. webpki-roots (compiled in, no I/O) and the `--cacert` certificates;
//! 1. plus the CA bundle file (`SSL_CERT_FILE`, or the platform's `ca-certificates.crt`);
//! 2. plus the certificate directories (`SSL_CERT_DIR`, or the platform's `/etc/ssl/certs`).
//!
//! A chain is verified against level 0 first; a level is read from disk, once per process, only
//! when the chain failed against every level before it (OpenSSL and curl look a CA up in the
//! hashed directory the same way: only when a chain needs it). The anchors are the same as
//! rustls-native-certs 0.8 loads (SSL_CERT_FILE/SSL_CERT_DIR *instead of* the platform store when
//! either is set), so the trust decisions are those of one store holding all of them: adding
//! anchors never turns an accepted chain into a rejected one, and a rejected chain is always
//! tried against the whole store before its verdict stands. Only a wrong name ends the search
//! early, because rustls checks the name after a chain is anchored.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rustls::client::WebPkiServerVerifier;
use rustls::{CertificateError, RootCertStore};
use rustls_pki_types::CertificateDer;

/// How many levels there are.
pub(crate) const LEVELS: usize = 3;

/// A root store with the source of each anchor, index-aligned with `store.roots`.
#[derive(Debug, Clone)]
pub(crate) struct Anchors {
    pub(crate) store: Arc<RootCertStore>,
    pub(crate) sources: Arc<Vec<String>>,
}

/// Where the platform anchors are, found the way rustls-native-certs 0.8 finds them.
#[derive(Debug, Clone, Default)]
pub(crate) struct StorePaths {
    /// The bundle file, with the source its anchors are named by.
    pub(crate) file: Option<(PathBuf, String)>,
    /// The certificate directories, with the source their anchors are named by.
    pub(crate) dirs: Vec<PathBuf>,
    pub(crate) dir_source: String,
}

impl StorePaths {
    /// SSL_CERT_FILE and SSL_CERT_DIR when either is set (rustls-native-certs' rule: those are
    /// read instead of the platform store); else openssl-probe's bundle file and directories.
    pub(crate) fn from_env() -> Self {
        let file = std::env::var_os("SSL_CERT_FILE");
        let dir = std::env::var_os("SSL_CERT_DIR");
        let dirs: Vec<PathBuf> = dir
            .as_ref()
            .map(|d| {
                std::env::split_paths(d)
                    .filter(|p| !p.as_os_str().is_empty())
                    .collect()
            })
            .unwrap_or_default();
        if file.is_some() || !dirs.is_empty() {
            let file_source = match file.as_ref().filter(|f| !f.is_empty()) {
                Some(f) => format!("SSL_CERT_FILE {}", f.to_string_lossy()),
                None => "system store".to_string(),
            };
            let dir_source = match dir.as_ref().filter(|d| !d.is_empty()) {
                Some(d) => format!("SSL_CERT_DIR {}", d.to_string_lossy()),
                None => "system store".to_string(),
            };
            return StorePaths {
                file: file.map(|f| (PathBuf::from(f), file_source)),
                dirs,
                dir_source,
            };
        }
        let probed = openssl_probe::probe();
        StorePaths {
            file: probed.cert_file.map(|f| (f, "system store".to_string())),
            dirs: probed.cert_dir,
            dir_source: "system store".to_string(),
        }
    }
}

/// The anchors of one process (or of one test): its paths and the levels read so far.
#[derive(Debug)]
pub(crate) struct Store {
    paths: StorePaths,
    levels: [OnceLock<Anchors>; LEVELS],
}

impl Store {
    pub(crate) fn new(paths: StorePaths) -> Self {
        Store {
            paths,
            levels: Default::default(),
        }
    }

    /// The process's store: the environment is read on first use only.
    pub(crate) fn system() -> Arc<Store> {
        static SYSTEM: OnceLock<Arc<Store>> = OnceLock::new();
        SYSTEM
            .get_or_init(|| Arc::new(Store::new(StorePaths::from_env())))
            .clone()
    }

    /// The anchors of `level`, read (with the levels below it) on first use.
    pub(crate) fn level(&self, level: usize) -> Anchors {
        let level = level.min(LEVELS - 1);
        if let Some(a) = self.levels[level].get() {
            return a.clone();
        }
        let below = (level > 0).then(|| self.level(level - 1));
        self.levels[level]
            .get_or_init(|| match below {
                None => {
                    let mut store = RootCertStore::empty();
                    store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
                    let sources = vec!["webpki-roots".to_string(); store.roots.len()];
                    Anchors {
                        store: Arc::new(store),
                        sources: Arc::new(sources),
                    }
                }
                Some(below) => self.read(level, below),
            })
            .clone()
    }

    /// Level 1 or 2: `below` plus the bundle file or the directories.
    fn read(&self, level: usize, below: Anchors) -> Anchors {
        let (certs, source) = if level == 1 {
            match &self.paths.file {
                Some((file, source)) => (read_certs(Some(file), None), source.clone()),
                None => (Vec::new(), String::new()),
            }
        } else {
            // rustls-native-certs skips the bundle when a directory holds it too, so an anchor
            // in both is named by the file.
            let in_file = match &self.paths.file {
                Some((file, _)) => read_certs(Some(file), None),
                None => Vec::new(),
            };
            let mut certs: Vec<CertificateDer<'static>> = Vec::new();
            for dir in &self.paths.dirs {
                certs.extend(read_certs(None, Some(dir)));
            }
            certs.sort_unstable_by(|a, b| a.as_ref().cmp(b.as_ref()));
            certs.dedup();
            certs.retain(|c| !in_file.iter().any(|f| f.as_ref() == c.as_ref()));
            (certs, self.paths.dir_source.clone())
        };
        if certs.is_empty() {
            return below;
        }
        let mut store = (*below.store).clone();
        let mut sources = (*below.sources).clone();
        let mut ignored = 0usize;
        for cert in certs {
            let before = store.roots.len();
            store.add_parsable_certificates([cert]);
            if store.roots.len() > before {
                sources.push(source.clone());
            } else {
                ignored += 1;
            }
        }
        tracing::debug!(
            level,
            anchors = store.roots.len(),
            ignored,
            "trust anchors read from {}",
            if level == 1 {
                "the CA bundle file"
            } else {
                "the certificate directory"
            }
        );
        Anchors {
            store: Arc::new(store),
            sources: Arc::new(sources),
        }
    }

    /// How many levels have been read (for tests and logs).
    #[cfg(test)]
    pub(crate) fn levels_read(&self) -> usize {
        self.levels.iter().filter(|l| l.get().is_some()).count()
    }
}

/// The certificates of a file or a directory, sorted and without duplicates; unreadable entries
/// are skipped (and logged), as rustls-native-certs does.
fn read_certs(file: Option<&Path>, dir: Option<&Path>) -> Vec<CertificateDer<'static>> {
    let read = rustls_native_certs::load_certs_from_paths(file, dir);
    for e in &read.errors {
        tracing::debug!(error = %e, "platform trust store: skipped an entry");
    }
    read.certs
}

/// The anchors of one TLS configuration: a store's levels plus the `--cacert` certificates
/// (named last, so that they are preferred when the same anchor is in several sources), each
/// level with its verifier, built on first use.
#[derive(Debug)]
pub(crate) struct LazyTrust {
    store: Arc<Store>,
    extra: Vec<(CertificateDer<'static>, String)>,
    levels: [OnceLock<Result<Level, String>>; LEVELS],
}

/// One level's anchors and the webpki verifier over them.
#[derive(Debug)]
pub(crate) struct Level {
    pub(crate) anchors: Anchors,
    pub(crate) verifier: Arc<WebPkiServerVerifier>,
}

impl LazyTrust {
    /// `extra` are the `--cacert` certificates with their sources. The first level is built now,
    /// so that a verifier that cannot be built is an error before any handshake.
    pub(crate) fn new(
        store: Arc<Store>,
        extra: Vec<(CertificateDer<'static>, String)>,
    ) -> Result<Self, String> {
        let trust = LazyTrust {
            store,
            extra,
            levels: Default::default(),
        };
        trust.level(0)?;
        Ok(trust)
    }

    /// The level `i`, built on first use.
    pub(crate) fn level(&self, i: usize) -> Result<&Level, String> {
        let i = i.min(LEVELS - 1);
        self.levels[i]
            .get_or_init(|| self.build(i))
            .as_ref()
            .map_err(Clone::clone)
    }

    fn build(&self, i: usize) -> Result<Level, String> {
        let base = self.store.level(i);
        let anchors = if self.extra.is_empty() {
            base
        } else {
            let mut store = (*base.store).clone();
            let mut sources = (*base.sources).clone();
            for (cert, source) in &self.extra {
                let before = store.roots.len();
                store.add_parsable_certificates([cert.clone()]);
                if store.roots.len() > before {
                    sources.push(source.clone());
                }
            }
            Anchors {
                store: Arc::new(store),
                sources: Arc::new(sources),
            }
        };
        let verifier = WebPkiServerVerifier::builder_with_provider(
            anchors.store.clone(),
            crate::certs::provider(),
        )
        .build()
        .map_err(|e| format!("cannot build the certificate verifier: {e}"))?;
        Ok(Level { anchors, verifier })
    }

    /// Verifies with `verify` against level 0, then against each further level while the
    /// verdict is a failure that more anchors could change. Returns the verdict and the level
    /// it came from.
    pub(crate) fn verify<T>(
        &self,
        verify: impl Fn(&WebPkiServerVerifier) -> Result<T, rustls::Error>,
    ) -> (Result<T, rustls::Error>, usize) {
        let mut last = 0;
        let mut verdict = match self.level(0) {
            Ok(l) => verify(&l.verifier),
            Err(e) => return (Err(rustls::Error::General(e)), 0),
        };
        for i in 1..LEVELS {
            if !more_anchors_could_help(&verdict) {
                break;
            }
            let level = match self.level(i) {
                Ok(l) => l,
                Err(e) => return (Err(rustls::Error::General(e)), i),
            };
            let grew = self
                .level(last)
                .map(|l| l.anchors.store.roots.len() < level.anchors.store.roots.len())
                .unwrap_or(true);
            if grew {
                verdict = verify(&level.verifier);
                last = i;
            }
        }
        (verdict, last)
    }
}

/// True when a verdict could change with more anchors: any failure but a wrong name (rustls
/// checks the name only once the chain is anchored, and the name does not depend on anchors).
fn more_anchors_could_help<T>(verdict: &Result<T, rustls::Error>) -> bool {
    !matches!(
        verdict,
        Ok(_)
            | Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }
            ))
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::{ServerName, UnixTime};

    /// A CA named `name` and a leaf for `a.test` it signs.
    fn ca_and_leaf(name: &str) -> (rcgen::Certificate, CertificateDer<'static>) {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let key = KeyPair::generate().unwrap();
        let ca = params.self_signed(&key).unwrap();
        let issuer = Issuer::from_params(&params, &key);
        let leaf_key = KeyPair::generate().unwrap();
        let leaf = CertificateParams::new(vec!["a.test".to_string()])
            .unwrap()
            .signed_by(&leaf_key, &issuer)
            .unwrap();
        (ca, leaf.der().clone())
    }

    fn verify(trust: &LazyTrust, leaf: &CertificateDer<'_>, name: &str) -> (bool, usize) {
        let name = ServerName::try_from(name.to_string()).unwrap();
        let (v, level) = trust.verify(|v| {
            use rustls::client::danger::ServerCertVerifier;
            v.verify_server_cert(leaf, &[], &name, &[], UnixTime::now())
        });
        (v.is_ok(), level)
    }

    /// A bundle file holding `file_ca` and a directory holding `dir_ca`.
    fn paths(
        tmp: &tempfile::TempDir,
        file_ca: &rcgen::Certificate,
        dir_ca: &rcgen::Certificate,
    ) -> StorePaths {
        let file = tmp.path().join("bundle.pem");
        std::fs::write(&file, file_ca.pem()).unwrap();
        let dir = tmp.path().join("certs");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("dir-ca.pem"), dir_ca.pem()).unwrap();
        StorePaths {
            file: Some((file, "SSL_CERT_FILE bundle".into())),
            dirs: vec![dir],
            dir_source: "SSL_CERT_DIR certs".into(),
        }
    }

    #[test]
    fn a_chain_anchored_by_cacert_reads_neither_the_bundle_nor_the_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let (cacert, leaf) = ca_and_leaf("cacert CA");
        let (file_ca, _) = ca_and_leaf("file CA");
        let (dir_ca, _) = ca_and_leaf("dir CA");
        let store = Arc::new(Store::new(paths(&tmp, &file_ca, &dir_ca)));
        let trust = LazyTrust::new(
            store.clone(),
            vec![(cacert.der().clone(), "--cacert ca.pem".into())],
        )
        .unwrap();
        assert_eq!(verify(&trust, &leaf, "a.test"), (true, 0));
        assert_eq!(store.levels_read(), 1, "only the compiled-in roots");
        // A wrong name is final at the level that anchored the chain.
        assert_eq!(verify(&trust, &leaf, "b.test"), (false, 0));
        assert_eq!(store.levels_read(), 1);
    }

    #[test]
    fn the_bundle_is_read_before_the_directory_and_the_directory_only_when_needed() {
        let tmp = tempfile::tempdir().unwrap();
        let (file_ca, file_leaf) = ca_and_leaf("file CA");
        let (dir_ca, dir_leaf) = ca_and_leaf("dir CA");
        let store = Arc::new(Store::new(paths(&tmp, &file_ca, &dir_ca)));
        let trust = LazyTrust::new(store.clone(), Vec::new()).unwrap();
        assert_eq!(verify(&trust, &file_leaf, "a.test"), (true, 1));
        assert_eq!(store.levels_read(), 2, "the bundle, not the directory");
        assert_eq!(verify(&trust, &dir_leaf, "a.test"), (true, 2));
        assert_eq!(store.levels_read(), 3);
        let level = trust.level(2).unwrap();
        let sources = &level.anchors.sources;
        assert!(sources.iter().any(|s| s == "SSL_CERT_FILE bundle"));
        assert!(sources.iter().any(|s| s == "SSL_CERT_DIR certs"));
    }

    #[test]
    fn an_unknown_issuer_is_the_verdict_of_the_whole_store() {
        let tmp = tempfile::tempdir().unwrap();
        let (file_ca, _) = ca_and_leaf("file CA");
        let (dir_ca, _) = ca_and_leaf("dir CA");
        let (_, stranger) = ca_and_leaf("nobody's CA");
        let store = Arc::new(Store::new(paths(&tmp, &file_ca, &dir_ca)));
        let trust = LazyTrust::new(store.clone(), Vec::new()).unwrap();
        assert_eq!(verify(&trust, &stranger, "a.test"), (false, 2));
        assert_eq!(store.levels_read(), 3);
    }

    #[test]
    fn an_anchor_in_the_bundle_and_the_directory_is_named_by_the_bundle() {
        let tmp = tempfile::tempdir().unwrap();
        let (ca, _) = ca_and_leaf("both CA");
        let store = Store::new(paths(&tmp, &ca, &ca));
        let level = store.level(2);
        let named: Vec<&String> = level
            .sources
            .iter()
            .filter(|s| s.starts_with("SSL_CERT"))
            .collect();
        assert_eq!(named, vec!["SSL_CERT_FILE bundle"]);
    }
}
