//! The facts of one HTTP answer (its status, its page, who wrote it): `rules::http`, and their words.

use crate::diagnose::evidence::Facts;

/// A fact of one HTTP answer (its status, its page, who wrote it): `rules::http`.
#[derive(Debug, Clone, PartialEq)]
pub enum HttpFact {}

impl HttpFact {
    /// The evidence line.
    pub fn words(&self, _f: &Facts) -> String {
        match *self {}
    }
}
