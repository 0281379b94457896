//! render: formats a finished `Report` onto a writer. One file per format. Renderers perform no
//! I/O besides the writer, never read the environment (colour is decided once in main) and never
//! measure or wait.

pub mod json;

use std::io::Write;

use clap::ValueEnum;

use crate::model::Report;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Format {
    /// Stage waterfall, the wire exchange and the diagnosis, for people.
    #[default]
    Human,
    /// The `wsdoctor.report/v1` JSON object (see docs/json.md).
    Json,
}

/// Writes the report in the chosen format.
pub fn render(report: &Report, format: Format, out: &mut dyn Write) -> std::io::Result<()> {
    match format {
        Format::Human | Format::Json => json::render(report, out),
    }
}
