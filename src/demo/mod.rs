//! demo: `wsdoctor demo` — a built-in lab of broken WebSocket servers on loopback, each reproducing
//! a field report's fault, probed and reported one after another.

use std::io::Write;

use crate::cli::DemoArgs;

/// Runs the demo lab and writes every report; returns the exit code (0 when every scenario was
/// diagnosed as expected).
pub async fn run(_args: &DemoArgs, out: &mut dyn Write) -> u8 {
    let _ = writeln!(out, "wsdoctor demo: not built yet");
    crate::exit::OK
}
