//! The facts of the TLS layer: `rules::tls`, and their words.

use crate::diagnose::evidence::Facts;

/// A fact of the TLS layer: `rules::tls`.
#[derive(Debug, Clone, PartialEq)]
pub enum TlsFact {}

impl TlsFact {
    /// The evidence line.
    pub fn words(&self, _f: &Facts) -> String {
        match *self {}
    }
}
