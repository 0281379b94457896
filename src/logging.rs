//! logging: tracing to stderr, driven by `-vvv` or `RUST_LOG`. Never writes to stdout,
//! which belongs to the report. Log lines go through the same redaction as records: probes only
//! log redacted values.

use tracing_subscriber::EnvFilter;

/// Installs the stderr subscriber. `verbose` is the `-v` count. For commands that print
/// exchanges on the wire (`exchanges`: probe, check), `-v` and `-vv` show those
/// (`render::verbose`), not log lines, and `-vvv` adds the trace log; for the exporter `-v` is
/// info, `-vv` debug, `-vvv` trace. `RUST_LOG` wins when set.
pub fn init(verbose: u8, exchanges: bool, color: bool) {
    let level = if exchanges {
        if verbose >= 3 {
            3
        } else {
            0
        }
    } else {
        verbose
    };
    let default = match level {
        0 => "warn",
        1 => "wsdoctor=info",
        2 => "wsdoctor=debug",
        _ => "wsdoctor=trace,tokio_tungstenite=debug,rustls=debug",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(color)
        .with_target(false)
        .try_init();
}
