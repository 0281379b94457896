//! render::json: the `wsdoctor.report/v1` object, pretty-printed, one per run, newline-terminated.

use std::io::Write;

use crate::model::Report;

/// Writes the report as JSON.
pub fn render(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}
