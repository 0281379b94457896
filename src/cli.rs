//! cli: the command line, declared with clap derive. Typed values only, no I/O: reading files and
//! environment variables happens in `config`.
//!
//! Guidelines: the doc comment of a flag is its help text; show defaults with `default_value`;
//! `value_name` is uppercase; durations are humantime ("2s", "500ms") or bare seconds.

use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::render::Format;

/// wsdoctor: tells you why a WebSocket connection fails.
///
/// `wsdoctor URL` probes the URL in stages (dns, tcp, tls, upgrade, session), runs controlled
/// variants that change one thing at a time, and prints the root cause with evidence and a fix.
#[derive(Debug, Parser)]
#[command(name = "wsdoctor", version, about, long_about = None)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct Cli {
    /// What to do; without one, `wsdoctor URL` probes the URL.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Probe options when no subcommand is given.
    #[command(flatten)]
    pub probe: ProbeArgs,

    /// When to colour the output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,

    /// More logging on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Probe a WebSocket URL and diagnose why it fails (the default).
    Probe(Box<ProbeArgs>),
    /// Start a local lab of broken WebSocket servers on loopback and diagnose each one.
    Demo(DemoArgs),
}

/// Options of `wsdoctor demo`.
#[derive(Debug, Args, Clone)]
pub struct DemoArgs {
    /// Output format (json prints one report per line, JSON Lines; junit is not supported).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Run only the scenarios whose id, report number, title or expected cause contains this text.
    #[arg(long, value_name = "TEXT")]
    pub only: Option<String>,
}

/// When to colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and NO_COLOR is unset.
    Auto,
    /// Always colour (NO_COLOR still wins).
    Always,
    /// Never colour.
    Never,
}

/// Options of a probe.
#[derive(Debug, Args, Clone, Default)]
pub struct ProbeArgs {
    /// The WebSocket URL (ws:// or wss://; http:// and https:// are mapped with a note).
    #[arg(value_name = "URL", required = true)]
    pub url: Option<String>,

    /// The credential, given inline (prefer --token-env or --token-file: shells keep history).
    #[arg(long, value_name = "TOKEN", group = "credential")]
    pub token: Option<String>,
    /// Read the credential from this environment variable.
    #[arg(long, value_name = "VAR", group = "credential")]
    pub token_env: Option<String>,
    /// Read the credential from this file (surrounding whitespace trimmed).
    #[arg(long, value_name = "FILE", group = "credential")]
    pub token_file: Option<std::path::PathBuf>,
    /// Where your client puts the credential: header[:NAME], query[:NAME], cookie[:NAME] or subprotocol.
    /// `header` is `Authorization: Bearer <token>`; `header:X-API-Key` sends the raw token in that header.
    #[arg(long, value_name = "PLACEMENT", default_value = "header")]
    pub auth: String,
    /// Scheme prefixed to the token in the Authorization header.
    #[arg(long, value_name = "SCHEME", default_value = "Bearer")]
    pub auth_scheme: String,
    /// Query parameter used by the query-placement variant.
    #[arg(long, value_name = "NAME", default_value = "token")]
    pub token_param: String,
    /// Cookie name used by the cookie-placement variant.
    #[arg(long, value_name = "NAME", default_value = "token")]
    pub cookie_name: String,

    /// Extra request header, 'Name: value' (repeatable).
    #[arg(short = 'H', long = "header", value_name = "HEADER", value_parser = parse_header)]
    pub headers: Vec<(String, String)>,
    /// The Origin your client sends (a browser page's origin, e.g. https://app.example.com).
    #[arg(long, value_name = "ORIGIN")]
    pub origin: Option<String>,
    /// Subprotocol to offer in Sec-WebSocket-Protocol (repeatable).
    #[arg(long = "subprotocol", value_name = "NAME")]
    pub subprotocols: Vec<String>,

    /// Fetch a one-time ticket here first (with the credential as Bearer), then connect with it.
    #[arg(long, value_name = "URL")]
    pub ticket_url: Option<String>,
    /// Method for the ticket request.
    #[arg(long, value_name = "METHOD", default_value = "GET")]
    pub ticket_method: String,
    /// JSON pointer to the ticket in the ticket response.
    #[arg(long, value_name = "POINTER", default_value = "/ticket")]
    pub ticket_field: String,
    /// Query parameter that carries the ticket on the WebSocket URL.
    #[arg(long, value_name = "NAME", default_value = "ticket")]
    pub ticket_param: String,

    /// A plain-HTTP URL on the same service expected to answer 200 (default: the site root).
    #[arg(long, value_name = "URL")]
    pub health_url: Option<String>,
    /// The backend's own WebSocket URL, bypassing the proxy, to compare against.
    #[arg(long, value_name = "URL")]
    pub direct: Option<String>,
    /// Repeat the baseline this many times to expose intermittent failures.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub repeat: u32,
    /// Origin used as the "foreign" variant.
    #[arg(
        long,
        value_name = "ORIGIN",
        default_value = "https://wsdoctor-foreign.invalid"
    )]
    pub foreign_origin: String,
    /// Only the baseline attempt: no variants, no close-wait.
    #[arg(long)]
    pub quick: bool,

    /// Extra trust anchors (PEM file; repeatable).
    #[arg(long, value_name = "FILE")]
    pub cacert: Vec<std::path::PathBuf>,
    /// Continue past certificate errors (still reporting what verification said).
    #[arg(short = 'k', long)]
    pub insecure: bool,
    /// Use ADDR for HOST:PORT instead of resolving it, like curl (repeatable).
    #[arg(long, value_name = "HOST:PORT:ADDR")]
    pub resolve: Vec<String>,

    /// Overall time limit; every stage is bounded by it.
    #[arg(long, value_name = "DURATION", default_value = "15s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// How long to watch an upgraded connection for a close.
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_duration)]
    pub close_wait: Duration,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Show credentials in the output instead of redacting them.
    #[arg(long)]
    pub show_secrets: bool,
}

/// Parses `Name: value`.
pub fn parse_header(s: &str) -> Result<(String, String), String> {
    let (name, value) = s
        .split_once(':')
        .ok_or_else(|| format!("'{s}' is not 'Name: value'"))?;
    let name = name.trim();
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic() && b != b':') {
        return Err(format!("'{name}' is not a valid header name"));
    }
    Ok((name.to_string(), value.trim().to_string()))
}

/// Parses a humantime duration ("2s", "500ms", "1m") or bare seconds ("2", "0.5").
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    if let Ok(secs) = s.parse::<f64>() {
        if secs.is_finite() && (0.0..1e9).contains(&secs) {
            return Ok(Duration::from_secs_f64(secs));
        }
        return Err(format!("'{s}' is not a valid number of seconds"));
    }
    humantime::parse_duration(s).map_err(|e| format!("'{s}': {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn bare_url_is_a_probe() {
        let cli = Cli::try_parse_from(["wsdoctor", "ws://127.0.0.1:1/ws"]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.probe.url.as_deref(), Some("ws://127.0.0.1:1/ws"));
    }

    #[test]
    fn probe_subcommand_and_demo_parse() {
        let cli =
            Cli::try_parse_from(["wsdoctor", "probe", "ws://h/", "--origin", "https://a"]).unwrap();
        assert!(
            matches!(cli.command, Some(Command::Probe(ref p)) if p.origin.as_deref() == Some("https://a"))
        );
        let cli = Cli::try_parse_from(["wsdoctor", "demo"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Demo(_))));
    }

    #[test]
    fn header_and_duration_parsers() {
        assert_eq!(
            parse_header("X-A: b c").unwrap(),
            ("X-A".into(), "b c".into())
        );
        assert!(parse_header("novalue").is_err());
        assert!(parse_header("bad name: x").is_err());
        assert_eq!(parse_duration("2").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("-1").is_err());
    }

    #[test]
    fn only_one_credential_source() {
        let r = Cli::try_parse_from(["wsdoctor", "ws://h/", "--token", "a", "--token-env", "B"]);
        assert!(r.is_err());
    }
}
