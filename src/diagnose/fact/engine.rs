//! The facts the engine adds to the winner (`engine`), and their words: a near-tie and how it
//! was broken, what only a status shows, the observation a weighed cause won on, and the attempts
//! the winner does not fit.

use super::record;
use crate::diagnose::cause::Cause;
use crate::diagnose::causes;
use crate::diagnose::evidence::{cite, describe, Facts};

/// A fact the engine adds.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineFact {
    /// Another cause explains the attempts about as well as the winner.
    Tie {
        /// The runner-up.
        other: Cause,
        /// The winner.
        winner: Cause,
        /// What chose the winner.
        by: TieBreak,
        /// True when a step that tells them apart is named.
        step: bool,
    },
    /// Only a status is known, so the winner is only the most common reading of it.
    OnlyTheStatus {
        /// The winner.
        winner: Cause,
    },
    /// The observation a cause that no proposer put forward won on: `<id>: <answer>`.
    Observed {
        /// The attempt's variant id.
        attempt: String,
    },
    /// An attempt the winner does not fit, with what it expected there.
    DoesNotFit {
        /// The attempt's variant id.
        attempt: String,
        /// The expectation's id (`diagnosis.observations[].expected`).
        expected: String,
    },
}

/// What broke a near-tie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TieBreak {
    /// The winner is the more common cause in the field.
    MoreCommon,
    /// The winner's signature fits the answers a little better.
    FitsBetter,
}

impl EngineFact {
    /// The attempt ids this fact cites.
    pub fn attempts(&self) -> Vec<&str> {
        match self {
            EngineFact::Observed { attempt } | EngineFact::DoesNotFit { attempt, .. } => {
                vec![attempt.as_str()]
            }
            _ => Vec::new(),
        }
    }

    /// The evidence line.
    pub fn words(&self, f: &Facts) -> String {
        match self {
            EngineFact::Tie {
                other,
                winner,
                by,
                step,
            } => {
                let winner = winner.id();
                let why = match by {
                    TieBreak::MoreCommon => format!("{winner} is the more common cause in the field"),
                    TieBreak::FitsBetter => {
                        format!("{winner}'s signature fits the answers a little better")
                    }
                };
                format!(
                    "{} explains these attempts about as well; {why}{}",
                    other.id(),
                    if *step {
                        ", and the step below tells them apart"
                    } else {
                        ""
                    }
                )
            }
            EngineFact::OnlyTheStatus { winner } => format!(
                "nothing in the input shows what the request carried: no cause that rests on it can be confirmed or ruled out, so {} is only the most common reading: {}",
                winner.id(),
                causes::reading_of_status(*winner)
            ),
            EngineFact::Observed { attempt } => match record(f, attempt) {
                Some(a) => format!("{attempt}: {}", describe(a)),
                None => attempt.clone(),
            },
            EngineFact::DoesNotFit { attempt, expected } => format!(
                "but: {} does not fit ({} expected)",
                f.get(attempt).map_or_else(|| attempt.clone(), cite),
                expected.replace('_', " ")
            ),
        }
    }
}
