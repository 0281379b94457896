//! saved: a wsdoctor JSON report saved earlier (`--format json`), diagnosed again with this
//! engine. The records are kept as they are; the diagnosis, findings, browser checks and the
//! `--direct` comparison are made anew, and a note says what changed. A user attaches a report to
//! a ticket; a maintainer replays it. No network.

use crate::model::{Report, REPORT_SCHEMA};

use super::ExplainError;

/// True when the input is a wsdoctor report (a JSON object whose `schema` is ours).
pub fn looks_like(text: &str) -> bool {
    text.starts_with('{')
        && serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .and_then(|v| v.get("schema").and_then(|s| s.as_str()).map(str::to_string))
            .is_some_and(|s| s == REPORT_SCHEMA)
}

/// The target names of a `wsdoctor check` JSON result (`wsdoctor.check/v1`), or None for any
/// other input.
pub fn check_targets(text: &str) -> Option<Vec<String>> {
    if !text.starts_with('{') {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    if v.get("schema")?.as_str()? != crate::model::check::CHECK_SCHEMA {
        return None;
    }
    Some(
        v.get("targets")
            .and_then(serde_json::Value::as_array)
            .map(|t| {
                t.iter()
                    .map(|t| {
                        t.get("name")
                            .and_then(serde_json::Value::as_str)
                            .map(|n| crate::render::shorten(n, 80))
                            .unwrap_or_default()
                    })
                    .collect()
            })
            .unwrap_or_default(),
    )
}

/// Diagnoses a saved report again.
pub fn rediagnose(text: &str) -> Result<Report, ExplainError> {
    let saved: Report = serde_json::from_str(text).map_err(|e| {
        ExplainError::Unrecognised(format!("a wsdoctor report that does not parse: {e}"))
    })?;
    let before = (saved.diagnosis.cause, saved.diagnosis.confidence);
    let mut notes = saved.notes.clone();
    let mut report = crate::report(saved.run(), Vec::new(), saved.duration_ms);
    notes.push(if report.diagnosis.cause == before.0 {
        format!(
            "diagnosed again offline from a saved report: the same verdict ({}, confidence {:.2} then, {:.2} now)",
            before.0, before.1, report.diagnosis.confidence
        )
    } else {
        format!(
            "diagnosed again offline from a saved report: the verdict changed from {} ({:.2}) to {} ({:.2})",
            before.0, before.1, report.diagnosis.cause, report.diagnosis.confidence
        )
    });
    if saved.input.is_none() {
        notes.push(
            "the saved report predates `input`: whether a credential was given is read from the attempts"
                .into(),
        );
    }
    report.notes = notes;
    report.tool = saved.tool.clone();
    report.tool.version = crate::model::ToolInfo::default().version;
    Ok(report)
}
