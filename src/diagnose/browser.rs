//! browser: would Chrome and Firefox accept this 101? The client requirements of RFC 6455 §4.1
//! as the browsers enforce them, judged from the recorded request and response:
//!
//! - `Upgrade: websocket` and a `Connection` header with the `upgrade` token — both browsers;
//! - `Sec-WebSocket-Accept` matching the key — both;
//! - a selected subprotocol that was offered — both;
//! - no subprotocol selected although one was offered — Chromium fails the connection ("Sent
//!   non-empty 'Sec-WebSocket-Protocol' header but no response was received"); Firefox's
//!   WebSocketChannel logs "subprotocol … not found - none returned" and opens with an empty
//!   `protocol`;
//! - an extension that was not offered — both.
//!
//! The judgement is pinned against the real browsers by the lab (`tests/lab/browser.rs`). Pure.

use crate::model::ids;
use crate::model::{AttemptRecord, BrowserCheck, CredentialPlacement, FailureClass, Outcome, Run};

/// The browsers judged.
pub const BROWSERS: [&str; 2] = ["chrome", "firefox"];

/// Why a browser fails a 101, by id, with the browser's own words where it has them.
fn failure(a: &AttemptRecord, browser: &str) -> Option<(&'static str, String)> {
    if let Outcome::ProtocolViolation { detail, .. } = &a.outcome {
        use FailureClass::*;
        let class = match a.outcome.class() {
            Some(
                c @ (MissingUpgradeHeaders
                | BadAcceptKey
                | UnrequestedSubprotocol
                | UnrequestedExtension
                | MissingSubprotocol),
            ) => c,
            _ => return None,
        };
        if class == MissingSubprotocol && browser == "firefox" {
            return None;
        }
        return Some((class.as_str(), detail.clone()));
    }
    if !matches!(
        a.outcome,
        Outcome::Upgraded { .. } | Outcome::UpgradedThenClosed { .. }
    ) {
        return None;
    }
    let offered = !a.variant.subprotocols.is_empty()
        || a.variant.credential == CredentialPlacement::Subprotocol;
    let selected = match (&a.response, &a.session, &a.outcome) {
        (Some(r), _, _) => r.header("sec-websocket-protocol").is_some(),
        (None, Some(s), _) => s.subprotocol.is_some(),
        (None, None, Outcome::Upgraded { subprotocol }) => subprotocol.is_some(),
        _ => true,
    };
    if offered && !selected && browser == "chrome" {
        return Some((
            FailureClass::MissingSubprotocol.as_str(),
            "Error during WebSocket handshake: Sent non-empty 'Sec-WebSocket-Protocol' header but no response was received".into(),
        ));
    }
    None
}

/// Which browsers judge an attempt: the baseline (what a page with the same request gets) by
/// both, each browser shape by its own browser.
fn judges(a: &AttemptRecord) -> Vec<&'static str> {
    match a.variant.browser.as_deref() {
        Some("chrome") => vec!["chrome"],
        Some("firefox") => vec!["firefox"],
        Some(_) => Vec::new(),
        None if a.variant.id == ids::BASELINE => BROWSERS.to_vec(),
        None => Vec::new(),
    }
}

fn got_101(a: &AttemptRecord) -> bool {
    a.outcome.status() == Some(101) || a.response.as_ref().is_some_and(|r| r.status == 101)
}

/// The browsers' judgement of every 101 the run got (baseline and browser shapes).
pub fn checks(run: &Run) -> Vec<BrowserCheck> {
    let mut out = Vec::new();
    for a in &run.attempts {
        if a.variant.direct || !got_101(a) {
            continue;
        }
        for browser in judges(a) {
            let fail = failure(a, browser);
            out.push(BrowserCheck {
                attempt: a.variant.id.clone(),
                browser: browser.to_string(),
                opens: fail.is_none(),
                reason: fail.as_ref().map(|f| f.0.to_string()),
                detail: fail.map(|f| f.1),
            });
        }
    }
    out
}

/// True when the attempt got a 101 that Chrome or Firefox fails although wsdoctor's own client
/// kept it open.
pub fn refused_by_a_browser(a: &AttemptRecord) -> bool {
    matches!(
        a.outcome,
        Outcome::Upgraded { .. } | Outcome::UpgradedThenClosed { .. }
    ) && BROWSERS.iter().any(|b| failure(a, b).is_some())
}

/// "Chrome fails it (missing_subprotocol); Firefox opens it".
pub fn summary(a: &AttemptRecord) -> String {
    BROWSERS
        .iter()
        .map(|b| {
            let name = if *b == "chrome" { "Chrome" } else { "Firefox" };
            match failure(a, b) {
                Some((id, _)) => format!("{name} fails it ({id})"),
                None => format!("{name} opens it"),
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The reason Chrome or Firefox fails the 101 (first found), with the browser's words.
pub fn refusal(a: &AttemptRecord) -> Option<(&'static str, &'static str, String)> {
    BROWSERS
        .iter()
        .find_map(|b| failure(a, b).map(|(id, d)| (*b, id, d)))
}
