//! The facts of the transport layer (DNS, TCP, forward proxies, addresses): `rules::transport`, and their words.

use crate::diagnose::evidence::Facts;

/// A fact of the transport layer (DNS, TCP, forward proxies, addresses): `rules::transport`.
#[derive(Debug, Clone, PartialEq)]
pub enum TransportFact {}

impl TransportFact {
    /// The evidence line.
    pub fn words(&self, _f: &Facts) -> String {
        match *self {}
    }
}
