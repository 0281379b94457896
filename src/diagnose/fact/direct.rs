//! The facts of the public URL against the `--direct` backend (`rules::direct`), and their
//! words. The pairs themselves are the comparison's (`compare`): a fact names which pairs and how
//! many, and its words read them from the run.

use super::cited;
use crate::diagnose::compare::{pair_line, pair_tail, pairs_line};
use crate::diagnose::evidence::Facts;
use crate::model::AttemptPair;

/// A fact of the public-vs-`--direct` comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum DirectFact {
    /// The public attempt that was refused: `public: <cite>`.
    Public {
        /// Its variant id.
        attempt: String,
    },
    /// The same request sent straight to the backend.
    StraightToTheBackend {
        /// The direct attempt's variant id.
        attempt: String,
    },
    /// The public refusal is the front's own page.
    TheFrontsOwnRefusal {
        /// How the catalogue describes that page.
        situation: &'static str,
    },
    /// The backend's answer to a request without any credential equals the public answer.
    TheBackendWithoutTheCredential {
        /// The direct attempt without a credential.
        attempt: String,
    },
    /// The public refusal is an application's own answer.
    AnApplicationsOwnRefusal {
        /// How the catalogue describes that answer.
        situation: &'static str,
    },
    /// The same requests answered by two different servers (pairs that read alike, grouped).
    TwoServers {
        /// The pairs, in the order the comparison lists them.
        pairs: Vec<AttemptPair>,
    },
    /// Every public credential and Origin variant got the baseline's answer.
    AlikeRefusals {
        /// How many variants.
        count: usize,
        /// The baseline's status (its outcome kind when it got none).
        answer: Answered,
    },
    /// Nothing in the public refusal names who wrote it.
    UnsignedRefusal,
    /// `--direct` could not be reached, so nothing was compared.
    NotCompared {
        /// The direct baseline, when it was made.
        attempt: Option<String>,
        /// The `--direct` URL (secrets redacted).
        direct: String,
    },
    /// The backend reached directly answers the baseline as the public URL does.
    SameDirectly {
        /// The baseline's pair.
        pair: Option<AttemptPair>,
        /// What that means for the verdict.
        reading: SameDirectly,
    },
    /// The backend accepts the request the public URL refuses (an Origin or auth verdict is
    /// enforced in front).
    AcceptedDirectly,
    /// The comparison's pairs, the differing ones first, at most `cited` groups spelled out.
    Pairs {
        /// Every pair, in plan order.
        pairs: Vec<AttemptPair>,
        /// How many groups are cited before the rest are counted.
        cited: usize,
    },
}

/// What an attempt was answered with, for a count of alike answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answered {
    /// An HTTP status.
    Status(u16),
    /// No HTTP answer: the outcome kind.
    Kind(&'static str),
}

/// What the same answer from both sides means for the verdict it dresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SameDirectly {
    /// An Origin or auth verdict: the backend decides.
    TheBackendDecides,
    /// A verdict that blames the front: the `--direct` URL may pass the same front.
    TheFrontOrTheBackend,
    /// Any other verdict: the backend answers so.
    TheBackendAnswersSo,
}

/// The prefix of the pairs line.
pub const PAIRS_PREFIX: &str = "public vs --direct:";

impl DirectFact {
    /// The attempt ids this fact cites.
    pub fn attempts(&self) -> Vec<&str> {
        match self {
            DirectFact::Public { attempt }
            | DirectFact::StraightToTheBackend { attempt }
            | DirectFact::TheBackendWithoutTheCredential { attempt } => vec![attempt.as_str()],
            DirectFact::NotCompared { attempt, .. } => attempt.iter().map(String::as_str).collect(),
            DirectFact::TwoServers { pairs } => pairs.iter().map(|p| p.variant.as_str()).collect(),
            _ => Vec::new(),
        }
    }

    /// The evidence line.
    pub fn words(&self, f: &Facts) -> String {
        match self {
            DirectFact::Public { attempt } => format!("public: {}", cited(f, attempt)),
            DirectFact::StraightToTheBackend { attempt } => format!(
                "{} — the same request, straight to the backend",
                cited(f, attempt)
            ),
            DirectFact::TheFrontsOwnRefusal { situation } => format!("the refusal is {situation}"),
            DirectFact::TheBackendWithoutTheCredential { attempt } => format!(
                "{} — the backend's answer to a request without any credential, the same as the public answer",
                cited(f, attempt)
            ),
            DirectFact::AnApplicationsOwnRefusal { situation } => format!(
                "the public refusal is an application's own answer ({situation}), not the proxy's"
            ),
            DirectFact::TwoServers { pairs } => {
                let tail = pairs.first().map(pair_tail).unwrap_or_default();
                let ids: Vec<&str> = pairs.iter().map(|p| p.variant.as_str()).collect();
                format!(
                    "{}: {tail} — the same request is answered by two different servers",
                    ids.join(", ")
                )
            }
            DirectFact::AlikeRefusals { count, answer } => {
                let status = match answer {
                    Answered::Status(s) => s.to_string(),
                    Answered::Kind(k) => (*k).to_string(),
                };
                format!(
                    "{count} public attempts that differ only in credential and Origin get the same {status}: the application behind the public route refuses every upgrade"
                )
            }
            DirectFact::UnsignedRefusal => {
                "the public refusal carries no signature that names who wrote it".to_string()
            }
            DirectFact::NotCompared { attempt, direct } => {
                let what = match attempt {
                    Some(id) => cited(f, id),
                    None => direct.clone(),
                };
                format!(
                    "{what} — the comparison with --direct could not be made, so it decides nothing here; the --direct address must be reachable from where wsdoctor runs"
                )
            }
            DirectFact::SameDirectly { pair, reading } => {
                let pair = pair.as_ref().map(pair_line).unwrap_or_default();
                let meaning = match reading {
                    SameDirectly::TheBackendDecides => "the backend reached directly refuses it the same way: the backend itself decides, not the proxy",
                    SameDirectly::TheFrontOrTheBackend => "the backend reached directly gives the same answer: either the --direct URL passes through the same front, or the backend itself answers so",
                    SameDirectly::TheBackendAnswersSo => "the backend reached directly gives the same answer: the backend itself answers so (or the --direct URL passes through the same front)",
                };
                format!("{pair} — {meaning}")
            }
            DirectFact::AcceptedDirectly => "the backend accepts the same request when reached directly: the refusal happens in front of it (the proxy refuses or changes the request), not in the application".to_string(),
            DirectFact::Pairs { pairs, cited } => pairs_line(pairs, *cited),
        }
    }
}
