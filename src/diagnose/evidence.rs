//! evidence: the vocabulary rules use to compare attempts and cite them — what an attempt's answer
//! was (`Answer`), whether two answers are the same, who produced it, and the one-line citation
//! ("origin.foreign (Origin: https://x.invalid): 403, empty body"). Pure; no decisions here.

use crate::fingerprint::{self, Responder};
use crate::model::ids;
use crate::model::{AttemptRecord, Outcome, Run, WireHeader, WireResponse};

/// The answer an attempt got, reduced to what comparisons need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// 101 and the connection stayed open.
    Open,
    /// 101, then a close (code absent for a bare TCP close).
    Closed {
        /// Close code.
        code: Option<u16>,
        /// Close reason.
        reason: String,
    },
    /// An HTTP answer other than 101.
    Http {
        /// Status.
        status: u16,
        /// Body, normalised (digits masked, whitespace collapsed) so request ids and dates do
        /// not make two identical refusals differ.
        body: String,
    },
    /// No HTTP answer: the outcome kind and its error class.
    Failure {
        /// Outcome kind id.
        kind: &'static str,
        /// Error class.
        error: String,
    },
}

impl Answer {
    /// True for 101-then-open.
    pub fn is_open(&self) -> bool {
        matches!(self, Answer::Open)
    }
}

/// The answer of an attempt.
pub fn answer(a: &AttemptRecord) -> Answer {
    match &a.outcome {
        Outcome::Upgraded { .. } => Answer::Open,
        Outcome::UpgradedThenClosed {
            close_code,
            close_reason,
            ..
        } => Answer::Closed {
            code: *close_code,
            reason: close_reason.clone().unwrap_or_default(),
        },
        Outcome::Rejected { status, .. } | Outcome::Redirected { status, .. } => Answer::Http {
            status: *status,
            body: normalise(body(a)),
        },
        Outcome::Timeout { stage } => Answer::Failure {
            kind: "timeout",
            error: stage.as_str().to_string(),
        },
        Outcome::DnsError { error, .. }
        | Outcome::TcpError { error, .. }
        | Outcome::TlsError { error, .. }
        | Outcome::ProtocolViolation { error, .. } => Answer::Failure {
            kind: a.outcome.kind(),
            error: error.clone(),
        },
    }
}

/// The ping flood that ended an attempt's watch: (pings, per second, ms after the 101).
pub fn ping_flood_of(a: &AttemptRecord) -> Option<(u32, f64, f64)> {
    match a.session.as_ref()?.end {
        crate::model::SessionEnd::PingFlood {
            pings,
            per_second,
            after_ms,
        } => Some((pings, per_second, after_ms)),
        _ => None,
    }
}

/// True when two attempts got the same answer (same status and same normalised body, or the same
/// close, or the same failure class). Two upgrades are compared only over the window both were
/// watched: one that stayed open for its whole watch and one that closed only after that much
/// time had passed were both open over the stretch both saw (an `--idle` hold watches the
/// baseline far longer than the variants' close-wait; a difference is evidence only over the
/// same window).
pub fn same_answer(a: &AttemptRecord, b: &AttemptRecord) -> bool {
    let (x, y) = (answer(a), answer(b));
    x == y || open_over_the_overlap(a, b) || open_over_the_overlap(b, a)
}

/// True when `open` stayed open through its whole watch and `closed` closed without a close
/// frame or with a normal close only after `open`'s watch had ended.
fn open_over_the_overlap(open: &AttemptRecord, closed: &AttemptRecord) -> bool {
    if !matches!(open.outcome, Outcome::Upgraded { .. }) {
        return false;
    }
    let Some(window) = open.session.as_ref().map(|s| s.watched_ms) else {
        return false;
    };
    closed_after(closed).is_some_and(|at| at >= window)
}

/// When an upgraded attempt ended, in ms after its 101 (None when it did not upgrade or stayed
/// open).
pub fn closed_after(a: &AttemptRecord) -> Option<f64> {
    if !matches!(a.outcome, Outcome::UpgradedThenClosed { .. }) {
        return None;
    }
    match a.session.as_ref()?.end {
        crate::model::SessionEnd::CloseFrame { after_ms, .. }
        | crate::model::SessionEnd::Dropped { after_ms, .. }
        | crate::model::SessionEnd::ProtocolError { after_ms, .. }
        | crate::model::SessionEnd::PingFlood { after_ms, .. } => Some(after_ms),
        crate::model::SessionEnd::StillOpen => None,
    }
}

/// True when two attempts got the same answer from the same producer (byte-for-byte refusals).
pub fn identical(a: &AttemptRecord, b: &AttemptRecord) -> bool {
    same_answer(a, b) && producer(a).map(|r| r.name) == producer(b).map(|r| r.name)
}

/// A body as compared: HTML comments dropped (nginx pads its error pages with comments for
/// user agents it thinks are MSIE or Chrome, `msie_padding`, so the same refusal is longer for a
/// browser's User-Agent), whitespace runs collapsed, digits masked (dates, request ids).
fn normalise(body: &str) -> String {
    let mut rest = body;
    let mut uncommented = String::new();
    while let Some(start) = rest.find("<!--") {
        uncommented.push_str(&rest[..start]);
        rest = match rest[start..].find("-->") {
            Some(end) => &rest[start + end + 3..],
            None => "",
        };
    }
    uncommented.push_str(rest);
    let mut out = String::new();
    let mut last_space = false;
    for c in uncommented.trim().chars().take(2048) {
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
            continue;
        }
        last_space = false;
        out.push(if c.is_ascii_digit() { '#' } else { c });
    }
    out
}

/// The HTTP status of an attempt's answer (101 for upgrades).
pub fn status(a: &AttemptRecord) -> Option<u16> {
    a.outcome.status()
}

/// The response head of an attempt: the recorded one (borrowed: the diagnosis reads it many
/// times), or one rebuilt from a `Rejected` or `Redirected` outcome (whose headers are lowercased
/// and joined).
pub fn response(a: &AttemptRecord) -> Option<std::borrow::Cow<'_, WireResponse>> {
    if let Some(r) = &a.response {
        return Some(std::borrow::Cow::Borrowed(r));
    }
    let (status, headers, body) = match &a.outcome {
        Outcome::Rejected {
            status,
            headers,
            body_excerpt,
        } => (*status, headers, body_excerpt.clone()),
        Outcome::Redirected {
            status, headers, ..
        } => (*status, headers, String::new()),
        _ => return None,
    };
    Some(std::borrow::Cow::Owned(WireResponse {
        version: "HTTP/1.1".into(),
        status,
        reason: fingerprint::standard_reason(status)
            .unwrap_or_default()
            .to_string(),
        headers: headers
            .iter()
            .map(|(k, v)| WireHeader {
                name: k.clone(),
                value: v.clone(),
            })
            .collect(),
        body_bytes: body.len(),
        body_excerpt: body,
        body_truncated: false,
    }))
}

/// Who produced an attempt's answer, when fingerprinted.
pub fn producer(a: &AttemptRecord) -> Option<Responder> {
    response(a).and_then(|r| fingerprint::identify(&r))
}

/// Proxies and CDNs seen on the path of an attempt's answer (besides the producer).
pub fn intermediaries(a: &AttemptRecord) -> Vec<Responder> {
    response(a)
        .map(|r| fingerprint::intermediaries(&r))
        .unwrap_or_default()
}

/// "FastAPI via nginx", "nginx", "uvicorn" — for `Diagnosis.responder`.
pub fn responder_label(a: &AttemptRecord) -> Option<String> {
    let p = producer(a)?;
    let via: Vec<&str> = intermediaries(a).iter().map(|r| r.name).collect();
    if via.is_empty() {
        Some(p.name.to_string())
    } else {
        Some(format!("{} via {}", p.name, via.join(", ")))
    }
}

/// Every responder name in an attempt's answer (producer first), for remedy selection.
pub fn responder_names(a: &AttemptRecord) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = producer(a).map(|r| r.name).into_iter().collect();
    for r in intermediaries(a) {
        if !names.contains(&r.name) {
            names.push(r.name);
        }
    }
    names
}

pub use crate::wording::{body, body_summary, cite, describe};

/// Read access to a run for rules.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// The run.
    pub run: &'a Run,
}

impl<'a> Facts<'a> {
    /// Wraps a run.
    pub fn new(run: &'a Run) -> Self {
        Facts { run }
    }

    /// The baseline attempt.
    pub fn base(&self) -> Option<&'a AttemptRecord> {
        self.run.baseline()
    }

    /// The attempt (or http control) with this variant id.
    pub fn get(&self, id: &str) -> Option<&'a AttemptRecord> {
        self.run.attempt(id)
    }

    /// Attempts against the public URL whose id starts with `prefix` (not direct, not repeats).
    pub fn public(&self, prefix: &'a str) -> impl Iterator<Item = &'a AttemptRecord> + 'a {
        self.run
            .attempts
            .iter()
            .filter(move |a| !a.variant.direct && a.variant.id.starts_with(prefix))
    }

    /// The credential variants that carry the real credential in another placement.
    pub fn placements(&self) -> impl Iterator<Item = &'a AttemptRecord> + 'a {
        self.public("credential.").filter(|a| {
            !a.variant.wrong_credential
                && a.variant.id != ids::CREDENTIAL_NONE
                && a.variant.group == "credential"
        })
    }

    /// The plain-HTTP control the site answered with a 2xx/3xx, when one did: the host is up and
    /// routed.
    pub fn serving_control(&self) -> Option<&'a AttemptRecord> {
        self.run
            .http_controls
            .iter()
            .find(|c| status(c).is_some_and(|s| (200..400).contains(&s)))
    }

    /// The path (and query, secrets already redacted) of the target, for suggested commands.
    pub fn target_path(&self) -> String {
        match url::Url::parse(&self.run.target) {
            Ok(u) => match u.query() {
                Some(q) => format!("{}?{q}", u.path()),
                None => u.path().to_string(),
            },
            Err(_) => "/<path>".into(),
        }
    }

    /// The direct baseline, when `--direct` ran.
    pub fn direct_base(&self) -> Option<&'a AttemptRecord> {
        self.get(ids::DIRECT_BASELINE)
    }
}

/// True when a close code or reason says "authentication".
pub fn auth_close(code: Option<u16>, reason: &str) -> bool {
    let r = reason.to_ascii_lowercase();
    let words = [
        "auth",
        "token",
        "unauthor",
        "credential",
        "ticket",
        "login",
        "jwt",
        "session",
        "api key",
        "apikey",
    ];
    // 4001/4401/4403: the application range used by many servers for HTTP-like auth refusals;
    // 3000/3003: IANA-registered "Unauthorized"/"Forbidden" close codes.
    matches!(code, Some(4001 | 4401 | 4403 | 3000 | 3003)) || words.iter().any(|w| r.contains(w))
}

/// True when a close reason or body names the Origin.
pub fn mentions_origin(text: &str) -> bool {
    text.to_ascii_lowercase().contains("origin")
}

/// True when a refusal body says it is about authentication.
pub fn mentions_auth(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    [
        "auth",
        "token",
        "unauthor",
        "credential",
        "login",
        "jwt",
        "api key",
        "apikey",
        "api-key",
        "expired",
        "signature",
    ]
    .iter()
    .any(|w| t.contains(w))
}
