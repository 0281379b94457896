//! The facts of the public URL against the `--direct` backend: `rules::direct`, and their words.

use crate::diagnose::evidence::Facts;

/// A fact of the public URL against the `--direct` backend: `rules::direct`.
#[derive(Debug, Clone, PartialEq)]
pub enum DirectFact {}

impl DirectFact {
    /// The evidence line.
    pub fn words(&self, _f: &Facts) -> String {
        match *self {}
    }
}
