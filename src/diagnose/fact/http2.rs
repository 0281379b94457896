//! The facts of the HTTP/2 path browsers may take (RFC 8441): `rules::http2`, and their words.

use crate::diagnose::evidence::Facts;

/// A fact of the HTTP/2 path browsers may take (RFC 8441): `rules::http2`.
#[derive(Debug, Clone, PartialEq)]
pub enum Http2Fact {}

impl Http2Fact {
    /// The evidence line.
    pub fn words(&self, _f: &Facts) -> String {
        match *self {}
    }
}
