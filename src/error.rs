//! error: the errors that stop wsdoctor before it measures anything. Network faults are never
//! errors here: they are data in the records. A `ConfigError` maps to exit code 2.

use std::path::PathBuf;

use thiserror::Error;

/// A problem with what the user asked for: bad URL, unreadable file, malformed flag value.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The target URL does not parse.
    #[error("invalid URL '{url}': {reason}")]
    InvalidUrl {
        /// The URL as given (redacted).
        url: String,
        /// Why it is invalid.
        reason: String,
    },
    /// A scheme wsdoctor cannot probe.
    #[error("unsupported scheme '{scheme}' in '{url}': use ws:// or wss:// (http:// and https:// are mapped)")]
    UnsupportedScheme {
        /// The scheme found.
        scheme: String,
        /// The URL (redacted).
        url: String,
    },
    /// A file could not be read.
    #[error("cannot read {what} '{}': {source}", path.display())]
    ReadFile {
        /// Which flag the file belongs to.
        what: &'static str,
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// An environment variable named by a flag is not set.
    #[error("environment variable {var} (from {flag}) is not set or not valid UTF-8")]
    MissingEnv {
        /// The variable.
        var: String,
        /// The flag naming it.
        flag: &'static str,
    },
    /// A flag value that does not parse.
    #[error("invalid value for {flag}: {reason}")]
    InvalidValue {
        /// The flag.
        flag: &'static str,
        /// Why.
        reason: String,
    },
    /// A PEM file without usable certificates.
    #[error("no certificates found in {flag} file '{}'", path.display())]
    NoCertificates {
        /// The flag.
        flag: &'static str,
        /// The path.
        path: PathBuf,
    },
}

/// Failure to write the report (a closed pipe is not one: it is handled as done).
#[derive(Debug, Error)]
pub enum OutputError {
    /// Writing failed.
    #[error("cannot write the report: {0}")]
    Io(#[from] std::io::Error),
    /// JSON serialisation failed.
    #[error("cannot serialise the report: {0}")]
    Json(#[from] serde_json::Error),
}
