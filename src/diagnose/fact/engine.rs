//! The facts of the engine's own lines (ties, what only a status shows): `engine`, and their words.

use crate::diagnose::evidence::Facts;

/// A fact of the engine's own lines (ties, what only a status shows): `engine`.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineFact {}

impl EngineFact {
    /// The evidence line.
    pub fn words(&self, _f: &Facts) -> String {
        match *self {}
    }
}
