//! The facts of a session after the 101 (closes, pings, the idle hold): `rules::session`, and their words.

use crate::diagnose::evidence::Facts;

/// A fact of a session after the 101 (closes, pings, the idle hold): `rules::session`.
#[derive(Debug, Clone, PartialEq)]
pub enum SessionFact {}

impl SessionFact {
    /// The evidence line.
    pub fn words(&self, _f: &Facts) -> String {
        match *self {}
    }
}
