//! exporter::web: the listener's web config (`--web.config.file`), in the format the Prometheus
//! exporter toolkit defines for every exporter: `tls_server_config` (served with rustls),
//! `basic_auth_users` (bcrypt hashes) and `http_server_config.headers`. Reads and validates the
//! file and checks credentials; the exporter wires the TLS listener and the auth layer. Errors
//! name the file, the key and what is wrong, never a value (a key or a hash is a secret).

use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderName, HeaderValue};
use base64::Engine as _;
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use serde::Deserialize;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Semaphore};

/// The largest web config file read.
pub const MAX_WEB_CONFIG_BYTES: u64 = 64 * 1024;

/// The largest certificate, key or CA file read.
pub const MAX_PEM_BYTES: u64 = 1024 * 1024;

/// How long a client may take over its TLS handshake before the connection is dropped.
pub const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// TLS handshakes in progress at once; more connections wait in the kernel's backlog.
const MAX_HANDSHAKES: usize = 256;

/// bcrypt checks running at once (each costs tens of milliseconds of CPU at cost 10): a flood of
/// wrong passwords queues here instead of taking every core.
const MAX_BCRYPT_CHECKS: usize = 4;

/// Credentials remembered as accepted (hashed); the set is emptied when it reaches this size.
const MAX_REMEMBERED: usize = 1024;

/// The response headers `http_server_config.headers` may set (the exporter toolkit's list).
const SETTABLE_HEADERS: [&str; 5] = [
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "X-XSS-Protection",
    "Strict-Transport-Security",
];

/// A problem with the web config (exit 2 at start-up).
#[derive(Debug, thiserror::Error)]
pub enum WebConfigError {
    /// A file could not be read.
    #[error("cannot read {what} '{}': {source}", path.display())]
    Read {
        /// What the file is ("web config", "tls_server_config.cert_file", …).
        what: String,
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file is larger than its bound.
    #[error("{what} '{}' is larger than {limit} bytes", path.display())]
    TooLarge {
        /// What the file is.
        what: String,
        /// The path.
        path: PathBuf,
        /// The bound.
        limit: u64,
    },
    /// Not YAML of the toolkit's shape (the message has the line and column, not the value).
    #[error("web config '{}': {message}", path.display())]
    Yaml {
        /// The path.
        path: PathBuf,
        /// What is wrong, values left out.
        message: String,
    },
    /// A key with a value that cannot work.
    #[error("web config '{}': {reason}", path.display())]
    Invalid {
        /// The path.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct WebYaml {
    #[serde(default)]
    tls_server_config: Option<TlsYaml>,
    #[serde(default)]
    http_server_config: Option<HttpYaml>,
    #[serde(default)]
    basic_auth_users: Option<BTreeMap<String, String>>,
    #[serde(default)]
    rate_limit: Option<serde_norway::Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TlsYaml {
    cert: Option<String>,
    key: Option<String>,
    client_ca: Option<String>,
    cert_file: Option<PathBuf>,
    key_file: Option<PathBuf>,
    client_auth_type: Option<String>,
    client_ca_file: Option<PathBuf>,
    client_allowed_sans: Option<Vec<String>>,
    min_version: Option<String>,
    max_version: Option<String>,
    cipher_suites: Option<Vec<String>>,
    prefer_server_cipher_suites: Option<bool>,
    curve_preferences: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HttpYaml {
    http2: Option<bool>,
    headers: Option<BTreeMap<String, String>>,
}

/// A validated web config.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// The TLS server config; `None` serves plain HTTP.
    pub tls: Option<Arc<ServerConfig>>,
    /// Whether client certificates are verified (`client_auth_type` `VerifyClientCertIfGiven`
    /// or `RequireAndVerifyClientCert`).
    pub client_auth: Option<ClientAuth>,
    /// Basic auth; `None` when `basic_auth_users` is empty or absent.
    pub auth: Option<Arc<BasicAuth>>,
    /// Headers added to every response (`http_server_config.headers`).
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// The files it was read from (the web config, its certificate, key and CA files): a change
    /// to any of them is picked up by [`WebState`].
    files: Vec<PathBuf>,
}

/// The running web config, re-read when its file or one of the files it names changes (the
/// exporter toolkit reads it at every request, so a renewed certificate or a new user applies
/// without a restart). A changed file that does not load keeps the running config (logged once
/// per change), and so does one that would turn TLS on or off: that needs a restart.
#[derive(Debug)]
pub struct WebState {
    current: std::sync::RwLock<Arc<WebConfig>>,
    /// The modification time and size of each file, when last read.
    stamps: Mutex<Vec<Option<(std::time::SystemTime, u64)>>>,
    path: Option<PathBuf>,
}

impl WebState {
    /// The state of `web`, loaded from `path` (none: the built-in plain listener).
    pub fn new(web: WebConfig, path: Option<PathBuf>) -> WebState {
        let stamps = stamps(&web.files);
        WebState {
            current: std::sync::RwLock::new(Arc::new(web)),
            stamps: Mutex::new(stamps),
            path,
        }
    }

    /// The web config to apply now, re-read first when one of its files changed.
    pub fn current(&self) -> Arc<WebConfig> {
        let running = match self.current.read() {
            Ok(c) => Arc::clone(&c),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        };
        let Some(path) = &self.path else {
            return running;
        };
        let now = stamps(&running.files);
        {
            let mut seen = match self.stamps.lock() {
                Ok(s) => s,
                Err(poisoned) => poisoned.into_inner(),
            };
            if *seen == now {
                return running;
            }
            *seen = now;
        }
        match WebConfig::load(path) {
            Ok(new) if new.tls.is_some() != running.tls.is_some() => {
                tracing::error!(
                    "the web config changed TLS on or off: that needs a restart; the running web config is kept"
                );
                running
            }
            Ok(new) => {
                // The new config may name other files: watch those from now on.
                if let Ok(mut seen) = self.stamps.lock() {
                    *seen = stamps(&new.files);
                }
                let new = Arc::new(new);
                match self.current.write() {
                    Ok(mut c) => *c = Arc::clone(&new),
                    Err(poisoned) => *poisoned.into_inner() = Arc::clone(&new),
                }
                tracing::info!(path = %path.display(), "web config reloaded");
                new
            }
            Err(e) => {
                tracing::error!("web config reload failed, keeping the running one: {e}");
                running
            }
        }
    }
}

fn stamps(files: &[PathBuf]) -> Vec<Option<(std::time::SystemTime, u64)>> {
    files
        .iter()
        .map(|f| {
            let m = std::fs::metadata(f).ok()?;
            Some((m.modified().ok()?, m.len()))
        })
        .collect()
}

/// How client certificates are handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// `VerifyClientCertIfGiven`: a certificate is optional, and verified when given.
    VerifyIfGiven,
    /// `RequireAndVerifyClientCert`: every client shows a certificate the CA signed.
    Require,
}

impl WebConfig {
    /// Reads and validates the web config file; relative paths are relative to its directory
    /// (as the exporter toolkit resolves them).
    pub fn load(path: &Path) -> Result<WebConfig, WebConfigError> {
        let bytes = read_bounded(path, MAX_WEB_CONFIG_BYTES, "web config")?;
        let text = String::from_utf8(bytes).map_err(|_| WebConfigError::Invalid {
            path: path.to_path_buf(),
            reason: "not UTF-8 text".into(),
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let mut web = WebConfig::parse(&text, path, base)?;
        web.files.insert(0, path.to_path_buf());
        Ok(web)
    }

    /// Parses web config text; `path` names the file in errors, `base` resolves relative paths.
    pub fn parse(text: &str, path: &Path, base: &Path) -> Result<WebConfig, WebConfigError> {
        let invalid = |reason: String| WebConfigError::Invalid {
            path: path.to_path_buf(),
            reason,
        };
        // An empty file is the toolkit's "nothing configured".
        let raw: WebYaml = if text.trim().is_empty() {
            WebYaml::default()
        } else {
            serde_norway::from_str(text).map_err(|e| WebConfigError::Yaml {
                path: path.to_path_buf(),
                message: yaml_message(&e),
            })?
        };
        if raw.rate_limit.is_some() {
            return Err(invalid(
                "rate_limit is not supported by wsdoctor: bound the load with max_concurrent_probes in the exporter config".into(),
            ));
        }
        let mut web = WebConfig::default();
        if let Some(users) = raw.basic_auth_users.filter(|u| !u.is_empty()) {
            web.auth = Some(Arc::new(BasicAuth::new(users).map_err(invalid)?));
        }
        if let Some(http) = raw.http_server_config {
            // `http2` is accepted as the toolkit writes it; this listener speaks HTTP/1.1, which
            // every Prometheus scrapes.
            let _ = http.http2;
            for (name, value) in http.headers.unwrap_or_default() {
                let Some(known) = SETTABLE_HEADERS
                    .iter()
                    .find(|h| h.eq_ignore_ascii_case(&name))
                else {
                    return Err(invalid(format!(
                        "http_server_config.headers: '{name}' cannot be set (only {})",
                        SETTABLE_HEADERS.join(", ")
                    )));
                };
                if value.is_empty() {
                    continue;
                }
                let value = HeaderValue::from_str(&value).map_err(|_| {
                    invalid(format!(
                        "http_server_config.headers: the value of {known} is not a valid header value"
                    ))
                })?;
                web.headers
                    .push((HeaderName::from_static(lower(known)), value));
            }
        }
        if let Some(tls) = raw.tls_server_config {
            for file in [&tls.cert_file, &tls.key_file, &tls.client_ca_file]
                .into_iter()
                .flatten()
            {
                web.files.push(base.join(file));
            }
            let (config, client_auth) = tls_config(tls, path, base)?;
            web.tls = config.map(Arc::new);
            web.client_auth = client_auth;
        }
        Ok(web)
    }

    /// `http` or `https`, as the listening line says it.
    pub fn scheme(&self) -> &'static str {
        if self.tls.is_some() {
            "https"
        } else {
            "http"
        }
    }
}

/// The lowercase form of one of [`SETTABLE_HEADERS`] (a `HeaderName` is lowercase).
fn lower(header: &str) -> &'static str {
    match header {
        "Content-Security-Policy" => "content-security-policy",
        "X-Frame-Options" => "x-frame-options",
        "X-Content-Type-Options" => "x-content-type-options",
        "X-XSS-Protection" => "x-xss-protection",
        _ => "strict-transport-security",
    }
}

/// serde_norway's message without the offending value: serde quotes a value it cannot use
/// (`invalid type: string "…"`), and a value here may be a key or a hash.
fn yaml_message(e: &serde_norway::Error) -> String {
    let text = e.to_string();
    let mut out = String::with_capacity(text.len());
    let mut quoted = false;
    for c in text.chars() {
        if c == '"' {
            if !quoted {
                out.push('…');
            }
            quoted = !quoted;
            continue;
        }
        if !quoted {
            out.push(c);
        }
    }
    out
}

/// Builds the rustls server config of `tls_server_config`; `None` when neither a certificate nor
/// a key is given (the toolkit then serves plain HTTP).
fn tls_config(
    tls: TlsYaml,
    path: &Path,
    base: &Path,
) -> Result<(Option<ServerConfig>, Option<ClientAuth>), WebConfigError> {
    let invalid = |reason: String| WebConfigError::Invalid {
        path: path.to_path_buf(),
        reason,
    };
    for (key, set) in [
        ("client_allowed_sans", tls.client_allowed_sans.is_some()),
        ("cipher_suites", tls.cipher_suites.is_some()),
        ("curve_preferences", tls.curve_preferences.is_some()),
    ] {
        if set {
            return Err(invalid(format!(
                "tls_server_config.{key} is not supported by wsdoctor (rustls uses its own safe defaults): remove it"
            )));
        }
    }
    let cert_given = tls.cert.is_some() || tls.cert_file.is_some();
    let key_given = tls.key.is_some() || tls.key_file.is_some();
    let ca_given = tls.client_ca.is_some() || tls.client_ca_file.is_some();
    let auth_type = tls.client_auth_type.as_deref().unwrap_or("");
    if !cert_given && !key_given {
        if ca_given || !auth_type.is_empty() {
            return Err(invalid(
                "tls_server_config: client certificates need TLS: give cert_file and key_file"
                    .into(),
            ));
        }
        return Ok((None, None));
    }
    if tls.cert.is_some() && tls.cert_file.is_some() {
        return Err(invalid(
            "tls_server_config: give cert or cert_file, not both".into(),
        ));
    }
    if tls.key.is_some() && tls.key_file.is_some() {
        return Err(invalid(
            "tls_server_config: give key or key_file, not both".into(),
        ));
    }
    if tls.client_ca.is_some() && tls.client_ca_file.is_some() {
        return Err(invalid(
            "tls_server_config: give client_ca or client_ca_file, not both".into(),
        ));
    }
    if !cert_given {
        return Err(invalid("tls_server_config: missing cert_file".into()));
    }
    if !key_given {
        return Err(invalid("tls_server_config: missing key_file".into()));
    }
    let pem = |inline: Option<String>, file: Option<PathBuf>, key: &str| match (inline, file) {
        (Some(text), _) => Ok(text.into_bytes()),
        (None, Some(f)) => read_bounded(
            &base.join(f),
            MAX_PEM_BYTES,
            &format!("tls_server_config.{key}"),
        ),
        (None, None) => Ok(Vec::new()),
    };
    let cert_bytes = pem(tls.cert, tls.cert_file, "cert_file")?;
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_bytes)
        .filter_map(Result::ok)
        .collect();
    if chain.is_empty() {
        return Err(invalid(
            "tls_server_config: no PEM certificate in cert_file (or cert)".into(),
        ));
    }
    let key_bytes = pem(tls.key, tls.key_file, "key_file")?;
    let key = PrivateKeyDer::from_pem_slice(&key_bytes).map_err(|_| {
        invalid("tls_server_config: no usable PEM private key in key_file (or key)".into())
    })?;
    let provider = crate::certs::provider();
    let versions = protocol_versions(tls.min_version.as_deref(), tls.max_version.as_deref())
        .map_err(invalid)?;
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&versions)
        .map_err(|e| invalid(format!("tls_server_config: {e}")))?;
    let client_auth = match auth_type {
        "" | "NoClientCert" => None,
        "VerifyClientCertIfGiven" => Some(ClientAuth::VerifyIfGiven),
        "RequireAndVerifyClientCert" => Some(ClientAuth::Require),
        "RequestClientCert" | "RequireAnyClientCert" => {
            return Err(invalid(format!(
                "tls_server_config.client_auth_type {auth_type} accepts certificates nobody verified: use RequireAndVerifyClientCert (or VerifyClientCertIfGiven) with client_ca_file"
            )))
        }
        other => {
            return Err(invalid(format!(
                "tls_server_config.client_auth_type '{other}' is not NoClientCert, VerifyClientCertIfGiven or RequireAndVerifyClientCert"
            )))
        }
    };
    let builder = match client_auth {
        None if ca_given => {
            return Err(invalid(
                "tls_server_config: client_ca_file is set but client_auth_type does not verify client certificates: set it to RequireAndVerifyClientCert".into(),
            ))
        }
        None => builder.with_no_client_auth(),
        Some(mode) => {
            if !ca_given {
                return Err(invalid(format!(
                    "tls_server_config: client_auth_type {auth_type} needs client_ca_file"
                )));
            }
            let ca_bytes = pem(tls.client_ca, tls.client_ca_file, "client_ca_file")?;
            let mut roots = RootCertStore::empty();
            for ca in CertificateDer::pem_slice_iter(&ca_bytes).filter_map(Result::ok) {
                roots.add(ca).map_err(|e| {
                    invalid(format!("tls_server_config.client_ca_file: {e}"))
                })?;
            }
            if roots.is_empty() {
                return Err(invalid(
                    "tls_server_config: no PEM certificate in client_ca_file (or client_ca)"
                        .into(),
                ));
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
            let verifier = match mode {
                ClientAuth::VerifyIfGiven => verifier.allow_unauthenticated().build(),
                ClientAuth::Require => verifier.build(),
            }
            .map_err(|e| invalid(format!("tls_server_config.client_ca_file: {e}")))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder.with_single_cert(chain, key).map_err(|e| {
        invalid(format!(
            "tls_server_config: the key does not fit the certificate: {e}"
        ))
    })?;
    // The toolkit's default: the server's cipher suite order wins.
    config.ignore_client_order = tls.prefer_server_cipher_suites.unwrap_or(true);
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok((Some(config), client_auth))
}

/// The TLS versions between `min` (default TLS12) and `max` (default TLS13), named as the
/// toolkit names them. rustls speaks 1.2 and 1.3 only.
fn protocol_versions(
    min: Option<&str>,
    max: Option<&str>,
) -> Result<Vec<&'static rustls::SupportedProtocolVersion>, String> {
    let rank = |v: &str, key: &str| {
        match v {
        "TLS12" => Ok(2),
        "TLS13" => Ok(3),
        "TLS10" | "TLS11" => Err(format!(
            "tls_server_config.{key} {v}: wsdoctor speaks TLS 1.2 and 1.3 only (TLS 1.0 and 1.1 are deprecated by RFC 8996)"
        )),
        other => Err(format!(
            "tls_server_config.{key} '{other}' is not TLS12 or TLS13"
        )),
    }
    };
    let lo = min.map_or(Ok(2), |v| rank(v, "min_version"))?;
    let hi = max.map_or(Ok(3), |v| rank(v, "max_version"))?;
    if lo > hi {
        return Err("tls_server_config: min_version is above max_version".into());
    }
    let mut versions = Vec::new();
    if lo <= 2 {
        versions.push(&rustls::version::TLS12);
    }
    if hi >= 3 {
        versions.push(&rustls::version::TLS13);
    }
    Ok(versions)
}

/// Reads `path` up to `limit` bytes: the bound holds before anything is read (a device such as
/// `/dev/zero` reports size 0 and never ends).
fn read_bounded(path: &Path, limit: u64, what: &str) -> Result<Vec<u8>, WebConfigError> {
    let read_err = |source| WebConfigError::Read {
        what: what.to_string(),
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_err)?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(read_err)?;
    if bytes.len() as u64 > limit {
        return Err(WebConfigError::TooLarge {
            what: what.to_string(),
            path: path.to_path_buf(),
            limit,
        });
    }
    Ok(bytes)
}

/// `basic_auth_users`: user names and bcrypt hashes. Every request must carry one of them.
pub struct BasicAuth {
    users: BTreeMap<String, String>,
    /// SHA-256 of (user, password, hash) of credentials bcrypt already accepted: the next
    /// scrape with them costs a hash, not a bcrypt run (the toolkit caches the same way).
    accepted: Mutex<HashSet<[u8; 32]>>,
    /// Bounds the bcrypt checks running at once.
    pub slots: Semaphore,
}

impl std::fmt::Debug for BasicAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // User names only: a hash is a secret too.
        f.debug_struct("BasicAuth")
            .field("users", &self.users.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl BasicAuth {
    /// Validates every hash (bcrypt, `$2a$`/`$2b$`/`$2y$`); the error names the user, not the
    /// hash.
    pub fn new(users: BTreeMap<String, String>) -> Result<BasicAuth, String> {
        for (user, hash) in &users {
            if user.contains(':') {
                return Err(format!(
                    "basic_auth_users: user name '{user}' contains ':', which basic auth cannot carry"
                ));
            }
            if hash.parse::<bcrypt::HashParts>().is_err() {
                return Err(format!(
                    "basic_auth_users: the password of '{user}' is not a bcrypt hash (make one with `htpasswd -nBC 10 \"\" | tr -d ':\\n'`)"
                ));
            }
        }
        Ok(BasicAuth {
            users,
            accepted: Mutex::new(HashSet::new()),
            slots: Semaphore::new(MAX_BCRYPT_CHECKS),
        })
    }

    /// True when `authorization` carries credentials bcrypt already accepted: a hash, no bcrypt
    /// run, so a scrape with the right password never waits behind a flood of wrong ones.
    pub fn remembered(&self, authorization: Option<&[u8]>) -> bool {
        let Some((user, password)) = authorization.and_then(basic_credentials) else {
            return false;
        };
        let Some(hash) = self.users.get(&user) else {
            return false;
        };
        let key = remembered_key(&user, &password, hash);
        match self.accepted.lock() {
            Ok(a) => a.contains(&key),
            Err(poisoned) => poisoned.into_inner().contains(&key),
        }
    }

    /// True when `authorization` (the request's `Authorization` header) is `Basic` with a user of
    /// the config and its password. Blocking: bcrypt runs here (call from a blocking task).
    pub fn verify(&self, authorization: Option<&[u8]>) -> bool {
        let Some((user, password)) = authorization.and_then(basic_credentials) else {
            return false;
        };
        let Some(hash) = self.users.get(&user) else {
            // An unknown user costs the same bcrypt run as a known one, so the time of a 401
            // does not tell which user names exist.
            if let Some(any) = self.users.values().next() {
                let _ = bcrypt::verify(&password, any);
            }
            return false;
        };
        let key = remembered_key(&user, &password, hash);
        let mut accepted = match self.accepted.lock() {
            Ok(a) => a,
            Err(poisoned) => poisoned.into_inner(),
        };
        if accepted.contains(&key) {
            return true;
        }
        drop(accepted);
        if !bcrypt::verify(&password, hash).unwrap_or(false) {
            return false;
        }
        accepted = match self.accepted.lock() {
            Ok(a) => a,
            Err(poisoned) => poisoned.into_inner(),
        };
        if accepted.len() >= MAX_REMEMBERED {
            accepted.clear();
        }
        accepted.insert(key);
        true
    }
}

/// The user and password of a `Basic` Authorization header (RFC 7617), if it is one.
fn basic_credentials(header: &[u8]) -> Option<(String, Vec<u8>)> {
    let text = std::str::from_utf8(header).ok()?.trim();
    let (scheme, encoded) = text.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let colon = decoded.iter().position(|b| *b == b':')?;
    let user = String::from_utf8(decoded[..colon].to_vec()).ok()?;
    Some((user, decoded[colon + 1..].to_vec()))
}

fn remembered_key(user: &str, password: &[u8], hash: &str) -> [u8; 32] {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for part in [user.as_bytes(), password, hash.as_bytes()] {
        ctx.update(&(part.len() as u64).to_be_bytes());
        ctx.update(part);
    }
    let mut key = [0u8; 32];
    key.copy_from_slice(ctx.finish().as_ref());
    key
}

/// A TLS listener for axum: TCP connections are accepted at once and their handshakes run in
/// their own tasks (bounded in number and time), so a client that stalls its handshake holds up
/// nobody else.
pub struct TlsListener {
    ready: mpsc::Receiver<(tokio_rustls::server::TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl TlsListener {
    /// Wraps `listener`; each connection gets the TLS config `web` has at that moment (a renewed
    /// certificate applies to the next handshake). Must be called on the runtime that serves.
    pub fn new(listener: TcpListener, web: Arc<WebState>) -> std::io::Result<TlsListener> {
        let local = listener.local_addr()?;
        let (tx, ready) = mpsc::channel(64);
        let handshakes = Arc::new(Semaphore::new(MAX_HANDSHAKES));
        tokio::spawn(async move {
            loop {
                let Ok(permit) = Arc::clone(&handshakes).acquire_owned().await else {
                    return;
                };
                let (tcp, peer) = match listener.accept().await {
                    Ok(c) => c,
                    Err(e) => {
                        // Out of descriptors and the like: wait a moment, as axum's own
                        // listener does, rather than spin.
                        tracing::debug!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                if tx.is_closed() {
                    return;
                }
                let Some(config) = web.current().tls.clone() else {
                    continue;
                };
                let acceptor = tokio_rustls::TlsAcceptor::from(config);
                let tx = tx.clone();
                tokio::spawn(async move {
                    let _permit = permit;
                    match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                        Ok(Ok(tls)) => {
                            let _ = tx.send((tls, peer)).await;
                        }
                        Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                });
            }
        });
        Ok(TlsListener { ready, local })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(conn) => conn,
            // The accept task ended (its runtime is shutting down): nothing more will come.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<WebConfig, WebConfigError> {
        WebConfig::parse(text, Path::new("web.yml"), Path::new("."))
    }

    /// A cheap hash for tests (cost 4, the lowest bcrypt allows).
    fn hash(password: &str) -> String {
        bcrypt::hash(password, 4).unwrap()
    }

    fn header(user: &str, password: &str) -> Vec<u8> {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
        )
        .into_bytes()
    }

    #[test]
    fn an_empty_or_absent_config_serves_plain_http_without_auth() {
        for text in [
            "",
            "\n",
            "tls_server_config: {}\n",
            "basic_auth_users: {}\n",
        ] {
            let web = parse(text).unwrap();
            assert!(web.tls.is_none() && web.auth.is_none(), "{text:?}");
            assert_eq!(web.scheme(), "http");
        }
    }

    #[test]
    fn basic_auth_users_accept_the_right_password_only() {
        let text = format!(
            "basic_auth_users:\n  alice: '{}'\n  bob: '{}'\n",
            hash("wonderland"),
            hash("builder")
        );
        let web = parse(&text).unwrap();
        let auth = web.auth.unwrap();
        assert!(!auth.remembered(Some(&header("alice", "wonderland"))));
        assert!(auth.verify(Some(&header("alice", "wonderland"))));
        // Remembered: the second check takes the cached path and still says yes.
        assert!(auth.remembered(Some(&header("alice", "wonderland"))));
        assert!(!auth.remembered(Some(&header("alice", "wonderlan"))));
        assert!(auth.verify(Some(&header("alice", "wonderland"))));
        assert!(auth.verify(Some(&header("bob", "builder"))));
        assert!(!auth.verify(Some(&header("alice", "builder"))));
        assert!(!auth.verify(Some(&header("alice", "wonderlan"))));
        assert!(!auth.verify(Some(&header("carol", "wonderland"))));
        assert!(!auth.verify(None));
        assert!(!auth.verify(Some(b"Bearer wonderland")));
        assert!(!auth.verify(Some(b"Basic !!!not-base64")));
        assert!(auth.verify(Some(
            format!(
                "basic {}",
                base64::engine::general_purpose::STANDARD.encode("bob:builder")
            )
            .as_bytes()
        )));
        // The Debug form has the users, never a hash.
        let debug = format!("{auth:?}");
        assert!(debug.contains("alice") && !debug.contains("$2"), "{debug}");
    }

    #[test]
    fn htpasswd_style_2y_hashes_are_accepted() {
        // `htpasswd -nbBC 4 "" secret`, the form the toolkit's docs show.
        let h = hash("secret").replacen("$2b$", "$2y$", 1);
        let web = parse(&format!("basic_auth_users:\n  u: {h}\n")).unwrap();
        assert!(web.auth.unwrap().verify(Some(&header("u", "secret"))));
    }

    #[test]
    fn a_password_that_is_not_a_bcrypt_hash_is_refused_without_echoing_it() {
        let e = parse("basic_auth_users:\n  alice: plain-text-s3cret\n").unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("'alice'") && text.contains("bcrypt"),
            "{text}"
        );
        assert!(!text.contains("plain-text-s3cret"), "{text}");
    }

    #[test]
    fn yaml_errors_name_the_place_not_the_value() {
        let e = parse("basic_auth_users: \"s3cret-in-the-wrong-place\"\n").unwrap_err();
        let text = e.to_string();
        assert!(!text.contains("s3cret"), "{text}");
        assert!(text.contains("line 1"), "{text}");
        let e = parse("tls_server_config:\n  cert_fle: x\n").unwrap_err();
        assert!(e.to_string().contains("cert_fle"), "{e}");
        let e = parse("rate_limit:\n  burst: 2\n").unwrap_err();
        assert!(e.to_string().contains("rate_limit"), "{e}");
    }

    #[test]
    fn tls_keys_are_checked_as_the_toolkit_checks_them() {
        let e = parse("tls_server_config:\n  cert_file: a.pem\n").unwrap_err();
        assert!(e.to_string().contains("missing key_file"), "{e}");
        let e = parse("tls_server_config:\n  key_file: a.pem\n").unwrap_err();
        assert!(e.to_string().contains("missing cert_file"), "{e}");
        let e = parse("tls_server_config:\n  client_ca_file: ca.pem\n").unwrap_err();
        assert!(e.to_string().contains("need TLS"), "{e}");
        let e = parse("tls_server_config:\n  cert_file: a\n  key_file: b\n  cipher_suites: [x]\n")
            .unwrap_err();
        assert!(e.to_string().contains("cipher_suites"), "{e}");
        assert!(protocol_versions(Some("TLS10"), None).is_err());
        assert!(protocol_versions(Some("TLS13"), Some("TLS12")).is_err());
        assert_eq!(protocol_versions(None, None).unwrap().len(), 2);
        assert_eq!(protocol_versions(Some("TLS13"), None).unwrap().len(), 1);
    }

    #[test]
    fn a_certificate_and_key_make_a_tls_listener_and_client_auth_needs_a_ca() {
        let dir = tempfile::tempdir().unwrap();
        let certified = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        std::fs::write(dir.path().join("server.crt"), certified.cert.pem()).unwrap();
        std::fs::write(
            dir.path().join("server.key"),
            certified.signing_key.serialize_pem(),
        )
        .unwrap();
        let base = "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n";
        let web = WebConfig::parse(base, &dir.path().join("web.yml"), dir.path()).unwrap();
        assert_eq!(web.scheme(), "https");
        assert_eq!(web.client_auth, None);
        let with = |extra: &str| {
            WebConfig::parse(
                &format!("{base}{extra}"),
                &dir.path().join("web.yml"),
                dir.path(),
            )
        };
        let e = with("  client_auth_type: RequireAndVerifyClientCert\n").unwrap_err();
        assert!(e.to_string().contains("needs client_ca_file"), "{e}");
        let e = with("  client_auth_type: RequireAnyClientCert\n").unwrap_err();
        assert!(e.to_string().contains("nobody verified"), "{e}");
        let e = with("  client_ca_file: server.crt\n").unwrap_err();
        assert!(e.to_string().contains("does not verify"), "{e}");
        let web =
            with("  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: server.crt\n")
                .unwrap();
        assert_eq!(web.client_auth, Some(ClientAuth::Require));
        // A key that is not a key is named, not shown.
        std::fs::write(dir.path().join("bad.key"), "not a key").unwrap();
        let e = WebConfig::parse(
            "tls_server_config:\n  cert_file: server.crt\n  key_file: bad.key\n",
            &dir.path().join("web.yml"),
            dir.path(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("no usable PEM private key"), "{e}");
    }

    #[test]
    fn security_headers_are_limited_to_the_toolkit_list() {
        let web = parse(
            "http_server_config:\n  http2: false\n  headers:\n    X-Frame-Options: deny\n    Content-Security-Policy: \"\"\n",
        )
        .unwrap();
        assert_eq!(web.headers.len(), 1);
        assert_eq!(web.headers[0].0.as_str(), "x-frame-options");
        let e = parse("http_server_config:\n  headers:\n    Set-Cookie: a=b\n").unwrap_err();
        assert!(e.to_string().contains("Set-Cookie"), "{e}");
    }

    #[test]
    fn an_endless_file_is_refused_at_its_bound() {
        if Path::new("/dev/zero").exists() {
            let e = WebConfig::load(Path::new("/dev/zero")).unwrap_err();
            assert!(e.to_string().contains("larger than"), "{e}");
        }
    }
}
