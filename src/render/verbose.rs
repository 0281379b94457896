//! render::verbose: what `-v` adds on stderr, as `curl -v` does: the exchange on the wire (`>`
//! sent, `<` received, `*` what happened around it), redacted like every other output, whatever
//! the verdict. `-v` shows the baseline; `-vv` every attempt. Like the other renderers it formats
//! a finished report onto a writer and reads nothing else.

use std::io::{self, Write};

use super::{all_attempts, fmt_ms, result_text, wire_lines};
use crate::model::{AttemptRecord, Report, StageStatus};

/// The body lines an exchange shows (curl shows the body on stdout; here it is only a hint).
const MAX_BODY_LINES: usize = 5;

/// Writes the exchanges `level` asks for (0: nothing, 1: the baseline, 2 or more: every attempt
/// and plain-HTTP control), each line prefixed as curl does.
pub fn render(report: &Report, level: u8, out: &mut dyn Write) -> io::Result<()> {
    if level == 0 {
        return Ok(());
    }
    let baseline = report.baseline();
    if let Some(b) = baseline {
        attempt(b, out)?;
    }
    if level >= 2 {
        for a in all_attempts(report).filter(|a| baseline.is_none_or(|b| !std::ptr::eq(*a, b))) {
            attempt(a, out)?;
        }
    }
    Ok(())
}

/// One attempt: a `*` line naming it, a `*` line per stage reached, its exchange and its result.
fn attempt(a: &AttemptRecord, out: &mut dyn Write) -> io::Result<()> {
    if a.variant.label == a.variant.id {
        writeln!(out, "* {}: {}", a.variant.id, a.url)?;
    } else {
        writeln!(out, "* {} ({}): {}", a.variant.id, a.variant.label, a.url)?;
    }
    for s in a.stages.iter().filter(|s| s.status != StageStatus::Skipped) {
        let ms = s.ms.map(fmt_ms).unwrap_or_default();
        let text = match (&s.error, s.status) {
            (Some(e), StageStatus::Failed) if !s.summary.starts_with(e.as_str()) => {
                format!("✗ {e}: {}", s.summary)
            }
            (_, StageStatus::Failed) => format!("✗ {}", s.summary),
            _ => s.summary.clone(),
        };
        writeln!(out, "* {} {ms}: {text}", s.stage.as_str())?;
    }
    let lines = wire_lines(a, None, MAX_BODY_LINES);
    if lines.is_empty() {
        writeln!(out, "* no request sent")?;
    }
    for l in lines {
        writeln!(out, "{l}")?;
    }
    writeln!(out, "* result: {} ({})", result_text(a), fmt_ms(a.ms))
}
