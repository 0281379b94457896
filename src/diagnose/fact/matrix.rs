//! The facts of how the matrix's attempts compare (credential, Origin, controls): `rules::matrix`, and their words.

use crate::diagnose::evidence::Facts;

/// A fact of how the matrix's attempts compare (credential, Origin, controls): `rules::matrix`.
#[derive(Debug, Clone, PartialEq)]
pub enum MatrixFact {}

impl MatrixFact {
    /// The evidence line.
    pub fn words(&self, _f: &Facts) -> String {
        match *self {}
    }
}
