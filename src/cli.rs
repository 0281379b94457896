//! cli: the command line, declared with clap derive. Typed values only, no I/O: reading files and
//! environment variables happens in `config`.
//!
//! Guidelines: the doc comment of a flag is its help text; show defaults with `default_value`;
//! `value_name` is uppercase; durations are humantime ("2s", "500ms") or bare seconds.

use std::time::Duration;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::secret::Secret;

/// The exit status section of `--help` and of the man page (the codes are `exit`'s constants).
pub const EXIT_STATUS: &[(u8, &str)] = &[
    (
        0,
        "healthy: the target upgraded and stayed open (and every --expect* held)",
    ),
    (1, "a fault was diagnosed (or an expectation failed)"),
    (
        2,
        "usage or configuration error: bad URL, flag value or file (nothing was probed)",
    ),
    (
        130,
        "interrupted (Ctrl-C): what was measured so far is printed, marked partial",
    ),
    (
        143,
        "terminated (SIGTERM: timeout, docker stop, a cancelled CI job): as 130",
    ),
];

/// [`EXIT_STATUS`] as the text after `--help`.
fn exit_status_help() -> String {
    let mut text = String::from("Exit status:\n");
    for (code, what) in EXIT_STATUS {
        text.push_str(&format!("  {code:<5}{what}\n"));
    }
    text
}

/// wsdoctor: tells you why a WebSocket connection fails.
///
/// `wsdoctor URL` probes the URL in stages (dns, tcp, tls, upgrade, session), runs controlled
/// variants that change one thing at a time, and prints the root cause with evidence and a fix.
#[derive(Debug, Parser)]
#[command(name = "wsdoctor", version, about, long_about = None)]
#[command(subcommand_negates_reqs = true)]
#[command(override_usage = "wsdoctor [OPTIONS] <URL>\n       wsdoctor <COMMAND> [ARGS]")]
#[command(
    after_help = "Exit status: 0 healthy, 1 fault, 2 usage error, 130 interrupted, 143 terminated (--help for more)."
)]
#[command(after_long_help = exit_status_help())]
pub struct Cli {
    /// What to do; without one, `wsdoctor URL` probes the URL.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Probe options when no subcommand is given.
    #[command(flatten)]
    pub probe: ProbeArgs,

    /// When to colour the output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true, help_heading = "Output")]
    pub color: ColorChoice,

    /// Show more on stderr, as curl -v: -v the baseline's exchange on the wire (headers
    /// redacted), -vv every attempt's, -vvv also the trace log (RUST_LOG overrides the log).
    #[arg(short, long, action = clap::ArgAction::Count, global = true, help_heading = "Output")]
    pub verbose: u8,

    /// No progress display and no notes on stderr (as curl -sS: errors are still printed).
    #[arg(
        short = 's',
        long,
        visible_alias = "quiet",
        short_alias = 'q',
        global = true,
        help_heading = "Output"
    )]
    pub silent: bool,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Probe a WebSocket URL and diagnose why it fails (the default).
    Probe(Box<ProbeArgs>),
    /// Start a local lab of broken WebSocket servers on loopback and diagnose each one.
    Demo(DemoArgs),
    /// Probe every target of a TOML check file and assert expectations (CI smoke checks).
    Check(CheckArgs),
    /// Diagnose offline from a saved observation: a raw HTTP response, a `curl -v` transcript,
    /// a browser console line or devtools Headers pane, a WebSocket client's error line or a HAR
    /// file (`--list-products`: the products it recognises).
    Explain(ExplainArgs),
    /// Serve probes to Prometheus, blackbox_exporter-style: `/probe?target=URL&module=NAME`
    /// answers one probe's metrics with the diagnosed cause as a label (docs/exporter.md).
    Exporter(ExporterArgs),
    /// Print a shell completion script to stdout.
    Completions(CompletionsArgs),
    /// Print the man page (roff) to stdout: wsdoctor(1), or a subcommand's (`wsdoctor man check`
    /// is the wsdoctor-check(1) the main page refers to).
    Man(ManArgs),
}

/// Options of `wsdoctor check`.
#[derive(Debug, Args, Clone)]
pub struct CheckArgs {
    /// The check file (TOML): `[[target]]` tables with options and expectations (docs/check.md).
    #[arg(value_name = "FILE")]
    pub file: std::path::PathBuf,
    /// How many targets to probe at the same time [default: 128, fewer if the open-file limit
    /// is lower]. Each target opens up to 16 connections at once.
    #[arg(long, short = 'j', value_name = "N",
          value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub jobs: Option<u16>,
    /// Output format.
    #[arg(long, value_name = "FORMAT", default_value = "human", value_parser = check_formats())]
    pub format: Format,
    /// Validate the file and list the targets and their expectations, without probing. A
    /// `token_env` that is not set here is listed as needed (a real run stops on it).
    #[arg(long)]
    pub dry_run: bool,
    /// Print tokens, cookies and tickets in full in every target's report (never in CI logs).
    #[arg(long)]
    pub show_secrets: bool,
    /// Baseline only for every target: overrides each target's `quick`, `variants` and `skip`.
    #[arg(long)]
    pub quick: bool,
    /// Production-safe for every target (no wrong credential, no foreign or `null` Origin, no
    /// malformed handshake; see `wsdoctor --help`): overrides each target's `safe`.
    #[arg(long)]
    pub safe: bool,
    /// Overall time limit of every target's probe: overrides each target's `timeout`
    /// (-m/--max-time as curl).
    #[arg(long, short = 'm', visible_alias = "max-time", value_name = "DURATION",
          value_parser = parse_duration)]
    pub timeout: Option<Duration>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Where the report goes (probe and check).
#[derive(Debug, Args, Clone, Default, PartialEq)]
pub struct OutputArgs {
    /// Write the report to FILE instead of stdout; stdout then gets a one-line verdict (`-`
    /// means stdout).
    #[arg(long, short = 'o', value_name = "FILE", help_heading = "Output")]
    pub output: Option<std::path::PathBuf>,
    /// Overwrite the --output file if it exists (without it wsdoctor refuses to clobber).
    #[arg(long, requires = "output", help_heading = "Output")]
    pub force: bool,
}

/// Options of `wsdoctor explain`.
#[derive(Debug, Args, Clone)]
pub struct ExplainArgs {
    /// The observation to read: a file, or `-` for stdin (at most 4 MiB).
    #[arg(value_name = "FILE", default_value = "-")]
    pub input: String,
    /// Print the products wsdoctor recognises (proxies, CDNs, load balancers, gateways,
    /// platform routers, server frameworks, libraries, brokers), what it recognises each by, and
    /// exit; every fact's source is in docs/products.md.
    #[arg(long)]
    pub list_products: bool,
    /// Output format.
    #[arg(long, value_name = "FORMAT", default_value = "human", value_parser = report_formats())]
    pub format: Format,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Options of `wsdoctor exporter`.
#[derive(Debug, Args, Clone)]
pub struct ExporterArgs {
    /// Address to serve on (`0.0.0.0:9469` for every interface; the default is loopback because
    /// the exporter probes what it is asked to).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9469")]
    pub listen: std::net::SocketAddr,
    /// The modules file (TOML): `allowed_targets` and `[module.NAME]` tables with a check file's
    /// target keys minus `url`. Without it only the built-in `default` module exists.
    #[arg(long, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
    /// The listener's web config (YAML, the Prometheus exporter toolkit's format):
    /// `tls_server_config` (cert_file, key_file, client_ca_file, client_auth_type) and
    /// `basic_auth_users` (bcrypt hashes) for every route. See docs/exporter.md.
    #[arg(long = "web.config.file", value_name = "FILE")]
    pub web_config_file: Option<std::path::PathBuf>,
    /// Validate the config file (and the web config), print its modules and exit (0 when
    /// valid, 2 when not).
    #[arg(long, requires = "config")]
    pub check_config: bool,
}

/// Options of `wsdoctor man`.
#[derive(Debug, Args, Clone)]
pub struct ManArgs {
    /// A subcommand whose page to print (probe, demo, check, explain, exporter, completions,
    /// man, help); without one, wsdoctor(1).
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

/// Options of `wsdoctor completions`.
#[derive(Debug, Args, Clone)]
pub struct CompletionsArgs {
    /// The shell to generate completions for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// Options of `wsdoctor demo`.
#[derive(Debug, Args, Clone)]
pub struct DemoArgs {
    /// Output format.
    #[arg(long, value_name = "FORMAT", default_value = "human", value_parser = demo_formats())]
    pub format: Format,
    /// Run only the scenarios whose id, report number, title or expected cause contains this text.
    #[arg(long, value_name = "TEXT")]
    pub only: Option<String>,
}

/// When to colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when the stream is a terminal and NO_COLOR is unset.
    Auto,
    /// Always colour (this explicit choice beats NO_COLOR, as no-color.org asks).
    Always,
    /// Never colour.
    Never,
}

/// Options of a probe.
#[derive(Debug, Args, Clone, Default, PartialEq)]
pub struct ProbeArgs {
    /// The WebSocket URL (ws:// or wss://; http:// and https:// are mapped with a note).
    #[arg(value_name = "URL", required = true)]
    pub url: Option<String>,

    /// The credential, given inline (prefer --token-env or --token-file: shells keep history).
    #[arg(
        long,
        value_name = "TOKEN",
        group = "credential",
        value_parser = |s: &str| Ok::<Secret, std::convert::Infallible>(Secret::new(s)),
        help_heading = "Credentials"
    )]
    pub token: Option<Secret>,
    /// Read the credential from this environment variable.
    #[arg(
        long,
        value_name = "VAR",
        group = "credential",
        help_heading = "Credentials"
    )]
    pub token_env: Option<String>,
    /// Read the credential from this file (surrounding whitespace trimmed).
    #[arg(
        long,
        value_name = "FILE",
        group = "credential",
        help_heading = "Credentials"
    )]
    pub token_file: Option<std::path::PathBuf>,
    /// HTTP Basic credential 'user:password', as curl -u: sent as `Authorization: Basic …` and
    /// redacted everywhere like --token (the password may be empty: 'user:').
    #[arg(short = 'u', long = "user", value_name = "USER:PASSWORD", group = "credential",
          value_parser = parse_basic_user, help_heading = "Credentials")]
    pub user: Option<BasicUser>,
    /// Where your client puts the credential: header[:NAME], query[:NAME], cookie[:NAME] or subprotocol.
    /// `header` is `Authorization: Bearer <token>`; `header:X-API-Key` sends the raw token in that header.
    #[arg(
        long,
        value_name = "PLACEMENT",
        default_value = "header",
        help_heading = "Credentials"
    )]
    pub auth: String,
    /// Scheme prefixed to the token in the Authorization header.
    #[arg(
        long,
        value_name = "SCHEME",
        default_value = "Bearer",
        help_heading = "Credentials"
    )]
    pub auth_scheme: String,
    /// Query parameter used by the query-placement variant.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "token",
        help_heading = "Credentials"
    )]
    pub token_param: String,
    /// Cookie name used by the cookie-placement variant.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "token",
        help_heading = "Credentials"
    )]
    pub cookie_name: String,

    /// Extra request header, 'Name: value' (repeatable), as curl: it replaces wsdoctor's own
    /// header of that name (Host, User-Agent, …), 'Name:' removes it, '@FILE' reads one header
    /// per line; 'Origin: X' means --origin X.
    #[arg(short = 'H', long = "header", value_name = "HEADER", value_parser = parse_header_arg, help_heading = "Target")]
    pub headers: Vec<HeaderArg>,
    /// The User-Agent to send, as curl -A (the same as -H 'User-Agent: AGENT'; '' removes it).
    #[arg(short = 'A', long, value_name = "AGENT", help_heading = "Target")]
    pub user_agent: Option<String>,
    /// The Origin your client sends (a browser page's origin, e.g. https://app.example.com).
    #[arg(long, value_name = "ORIGIN", help_heading = "Origin")]
    pub origin: Option<String>,
    /// Subprotocol to offer in Sec-WebSocket-Protocol (repeatable).
    #[arg(long = "subprotocol", value_name = "NAME", help_heading = "Target")]
    pub subprotocols: Vec<String>,

    /// Fetch a one-time ticket here first (with the credential as Bearer), then connect with it.
    #[arg(long, value_name = "URL", help_heading = "Credentials")]
    pub ticket_url: Option<String>,
    /// Method for the ticket request.
    #[arg(
        long,
        value_name = "METHOD",
        default_value = "GET",
        help_heading = "Credentials"
    )]
    pub ticket_method: String,
    /// JSON pointer to the ticket in the ticket response.
    #[arg(
        long,
        value_name = "POINTER",
        default_value = "/ticket",
        help_heading = "Credentials"
    )]
    pub ticket_field: String,
    /// Query parameter that carries the ticket on the WebSocket URL.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "ticket",
        help_heading = "Credentials"
    )]
    pub ticket_param: String,

    /// A plain-HTTP URL on the same service expected to answer 200 (default: the site root).
    #[arg(long, value_name = "URL", help_heading = "Target")]
    pub health_url: Option<String>,
    /// An HTTP URL of the same API that needs the same credential: fetched with it and without
    /// it. 2xx with and 401/403 without proves the credential good, which tells a refused
    /// credential from a WebSocket route that refuses everything.
    #[arg(long, value_name = "URL", help_heading = "Credentials")]
    pub auth_check: Option<String>,
    /// The backend's own WebSocket URL, bypassing the proxy, to compare against.
    #[arg(long, value_name = "URL", help_heading = "Target")]
    pub direct: Option<String>,
    /// Repeat the baseline this many times to expose intermittent failures.
    #[arg(long, value_name = "N", default_value_t = 0, help_heading = "Variants")]
    pub repeat: u32,
    /// Origin used as the "foreign" variant.
    #[arg(
        long,
        value_name = "ORIGIN",
        default_value = "https://wsdoctor-foreign.invalid",
        help_heading = "Origin"
    )]
    pub foreign_origin: String,
    /// Only the baseline attempt: no variants, no close-wait.
    #[arg(long, help_heading = "Variants")]
    pub quick: bool,
    /// Run only these variants besides the baseline: ids as in the JSON (`credential.none`,
    /// `origin.foreign`) or groups (`credential`, `origin`, `controls`, `browsers`, `http2`, …),
    /// comma-separated (repeatable).
    #[arg(long, value_name = "LIST", help_heading = "Variants")]
    pub variants: Vec<String>,
    /// Also try the credential as a URL query parameter (variant credential.query), which puts
    /// it in the access log of every server and proxy on the path. A default run moves the
    /// credential into a URL only when you put it there; `--variants credential.query` asks too.
    #[arg(long, help_heading = "Variants")]
    pub try_url_token: bool,
    /// Do not run these variants (ids or groups, comma-separated, repeatable); applied after
    /// --variants.
    #[arg(long, value_name = "LIST", help_heading = "Variants")]
    pub skip: Vec<String>,
    /// Production-safe: no wrong credential, no foreign or `null` Origin, no malformed handshake,
    /// no token moved into the URL, no replayed ticket; the report says what that leaves
    /// undecided.
    #[arg(long, help_heading = "Variants")]
    pub safe: bool,
    /// Skip the HTTP/2 path (RFC 8441 extended CONNECT) that browsers may take to a wss:// origin.
    #[arg(long, help_heading = "Variants")]
    pub http1_only: bool,
    /// Test the HTTP/2 path browsers take (RFC 8441 extended CONNECT): the run passes only when
    /// the server negotiates h2, advertises extended CONNECT and the stream opens (the HTTP/1.1
    /// baseline still runs as the reference; with any --expect* it is one more assertion).
    #[arg(long, conflicts_with = "http1_only", help_heading = "Variants")]
    pub http2_only: bool,
    /// For ws:// targets, also try the HTTP/2 path in cleartext with prior knowledge (h2c: the
    /// connection preface at once, no TLS, no ALPN), as a front speaking h2c to this server
    /// would; browsers never do. Ignored, with a note, for wss:// (ALPN decides there).
    #[arg(long, conflicts_with = "http1_only", help_heading = "Variants")]
    pub h2c: bool,

    /// Extra trust anchors (PEM file; repeatable).
    #[arg(long, value_name = "FILE", help_heading = "TLS")]
    pub cacert: Vec<std::path::PathBuf>,
    /// Extra trust anchors: every PEM certificate file in this directory (as curl --capath;
    /// files that hold no certificate are skipped; repeatable).
    #[arg(long, value_name = "DIR", help_heading = "TLS")]
    pub capath: Vec<std::path::PathBuf>,
    /// Continue past certificate errors (still reporting what verification said).
    #[arg(short = 'k', long, help_heading = "TLS")]
    pub insecure: bool,
    /// Client certificate for mTLS (PEM; the chain, leaf first; may also hold the key).
    #[arg(long, value_name = "FILE", help_heading = "TLS")]
    pub cert: Option<std::path::PathBuf>,
    /// Private key for --cert (PEM: PKCS#8, PKCS#1 or SEC1; default: the key in the --cert file).
    #[arg(long, value_name = "FILE", requires = "cert", help_heading = "TLS")]
    pub key: Option<std::path::PathBuf>,
    /// Tunnel through this forward proxy: http://[user:pass@]host:port (HTTP CONNECT),
    /// socks5://… (SOCKS5, the name resolved here) or socks5h://… (the proxy resolves it); port
    /// 1080 when none (default: https_proxy/HTTPS_PROXY for wss://, http_proxy/HTTP_PROXY for
    /// ws://, then ALL_PROXY).
    #[arg(short = 'x', long, value_name = "URL", help_heading = "Network")]
    pub proxy: Option<String>,
    /// Hosts that bypass the proxy, comma-separated ("*" for all); replaces NO_PROXY.
    #[arg(long, value_name = "HOSTS", help_heading = "Network")]
    pub noproxy: Option<String>,
    /// Use these addresses for HOST:PORT instead of resolving it, like curl: several
    /// comma-separated, IPv6 in brackets, HOST "*" for any host (repeatable).
    #[arg(
        long,
        value_name = "HOST:PORT:ADDR[,ADDR...]",
        help_heading = "Network"
    )]
    pub resolve: Vec<String>,
    /// Connect to HOST2:PORT2 instead of HOST:PORT, like curl: Host header and TLS SNI stay the
    /// URL's; an empty HOST or PORT matches any, an empty HOST2 or PORT2 keeps the URL's
    /// (repeatable; the first match wins).
    #[arg(long, value_name = "HOST:PORT:HOST2:PORT2", help_heading = "Network")]
    pub connect_to: Vec<String>,
    /// Resolve names to IPv4 addresses only (as curl -4).
    #[arg(short = '4', long, conflicts_with = "ipv6", help_heading = "Network")]
    pub ipv4: bool,
    /// Resolve names to IPv6 addresses only (as curl -6).
    #[arg(short = '6', long, help_heading = "Network")]
    pub ipv6: bool,

    /// Overall time limit; every stage is bounded by it (-m/--max-time as curl; bare numbers
    /// are seconds).
    #[arg(long, short = 'm', visible_alias = "max-time", value_name = "DURATION",
          default_value = "15s", value_parser = parse_duration, help_heading = "Network")]
    pub timeout: Duration,
    /// Time limit of each attempt's connection phase, as curl: dns, tcp, the proxy tunnel and
    /// the TLS handshake (default: only the overall --timeout).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, help_heading = "Network")]
    pub connect_timeout: Option<Duration>,
    /// How long to watch an upgraded connection for a close.
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_duration, help_heading = "Network")]
    pub close_wait: Duration,
    /// Hold the upgraded baseline connection open this long, silent (or pinging with
    /// --ping-interval), and report when and how it ends; raises --timeout to fit when needed.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, help_heading = "Network")]
    pub idle: Option<Duration>,
    /// With --idle: send a ping at this interval while holding the connection.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, requires = "idle", help_heading = "Network")]
    pub ping_interval: Option<Duration>,

    /// After the upgrade, send this message on the baseline connection (repeatable, in order):
    /// text, or `@FILE` for a file's bytes (sent as text when they are UTF-8, binary otherwise).
    #[arg(long, value_name = "TEXT|@FILE", help_heading = "Assertions")]
    pub send: Vec<String>,
    /// Assert that the server answers with a data message matching this regular expression
    /// (every message until the first match is read; binary ones as lossy UTF-8).
    #[arg(long, value_name = "REGEX", help_heading = "Assertions")]
    pub expect_reply: Option<String>,
    /// How long to wait for a reply after the messages were sent (never past --timeout).
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration,
          help_heading = "Assertions")]
    pub reply_timeout: Duration,

    /// Output format (with an --expect* flag the run is a one-target check and writes check's
    /// formats: `wsdoctor check --help`).
    #[arg(long, value_name = "FORMAT", default_value = "human", value_parser = report_formats(),
          help_heading = "Output")]
    pub format: Format,
    /// Show credentials in the output instead of redacting them.
    #[arg(long, help_heading = "Output")]
    pub show_secrets: bool,

    /// Assert the verdict: `ok`, `fault` or a cause id such as `auth.missing_credentials`
    /// (with any --expect* flag the run is a one-target check: exit 1 when one fails).
    #[arg(long, value_name = "VERDICT", help_heading = "Assertions")]
    pub expect: Option<String>,
    /// Assert that an upgrade sent with this Origin is refused (repeatable; adds the Origin to the matrix).
    #[arg(long, value_name = "ORIGIN", help_heading = "Assertions")]
    pub expect_origin_rejected: Vec<String>,
    /// Assert the HTTP status of the attempt without any credential (e.g. 401).
    #[arg(long, value_name = "STATUS", help_heading = "Assertions")]
    pub expect_status_without_credentials: Option<u16>,
    /// Assert that the baseline handshake (dns to the upgrade answer) takes at most N ms.
    #[arg(long, value_name = "N", help_heading = "Assertions")]
    pub max_handshake_ms: Option<u64>,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// `ProbeArgs` alone, to get clap's defaults for a target described elsewhere (a check file).
#[derive(Debug, Parser)]
#[command(name = "wsdoctor")]
struct ProbeOnly {
    #[command(flatten)]
    probe: ProbeArgs,
}

impl ProbeArgs {
    /// The probe options for `url` with every other option at its command-line default, so a
    /// check-file target starts from exactly what `wsdoctor URL` would use.
    pub fn with_defaults(url: &str) -> ProbeArgs {
        match ProbeOnly::try_parse_from(["wsdoctor", "--", url]) {
            Ok(p) => p.probe,
            // Unreachable with a single positional after `--`; keep the URL anyway.
            Err(_) => ProbeArgs {
                url: Some(url.to_string()),
                ..ProbeArgs::default()
            },
        }
    }

    /// True when probe options were given alongside a subcommand (`wsdoctor --origin X check F`):
    /// they would apply to nothing, so main refuses them. Global flags (`-v`, `--color`) may come
    /// before a subcommand.
    pub fn set_beside_subcommand(&self) -> bool {
        let mut unset = ProbeArgs::with_defaults("");
        unset.url = None;
        *self != unset
    }

    /// True when any assertion flag was given (the run is then a one-target check).
    pub fn has_expectations(&self) -> bool {
        self.expect.is_some()
            || self.expect_reply.is_some()
            || !self.expect_origin_rejected.is_empty()
            || self.expect_status_without_credentials.is_some()
            || self.max_handshake_ms.is_some()
            || self.http2_only
    }
}

/// One `-H` argument: a header line, or `@FILE` with one header line per line.
#[derive(Clone, PartialEq, Eq)]
pub enum HeaderArg {
    /// `Name: value` (an empty value removes wsdoctor's own header of that name).
    Line(String, String),
    /// `@FILE`: read by `config` (blank lines and `#` comments skipped).
    File(std::path::PathBuf),
}

/// `{:?}` of a credential header (`Authorization`, `Cookie`, `X-API-Key`…) shows no value: a
/// `-H` argument is typed by the user and must not reach a log in full by accident.
impl std::fmt::Debug for HeaderArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HeaderArg::Line(name, value) => {
                let shown = if crate::secret::header_secrets(name, value).is_empty() {
                    value.as_str()
                } else {
                    crate::secret::REDACTED
                };
                f.debug_tuple("Line").field(name).field(&shown).finish()
            }
            HeaderArg::File(path) => f.debug_tuple("File").field(path).finish(),
        }
    }
}

/// Parses a `-H` argument: `@FILE` or `Name: value`.
pub fn parse_header_arg(s: &str) -> Result<HeaderArg, String> {
    match s.strip_prefix('@') {
        Some(path) if !path.is_empty() => Ok(HeaderArg::File(path.into())),
        Some(_) => Err("'@' needs a file name: -H @headers.txt".into()),
        None => parse_header(s).map(|(k, v)| HeaderArg::Line(k, v)),
    }
}

/// Parses `Name: value` (`Name:` with nothing after it is an empty value).
pub fn parse_header(s: &str) -> Result<(String, String), String> {
    // Neither message shows the text: a header given wrongly is often a credential.
    let (name, value) = s
        .split_once(':')
        .ok_or_else(|| "a header is 'Name: value' and this one has no ':'".to_string())?;
    let name = name.trim();
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic() && b != b':') {
        return Err(
            "the header name before ':' is empty or has a space or control character".into(),
        );
    }
    Ok((name.to_string(), value.trim().to_string()))
}

/// An HTTP Basic credential (`-u user:password`): the password stays a [`Secret`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasicUser {
    /// The user name.
    pub user: String,
    /// The password (possibly empty).
    pub password: Secret,
}

impl BasicUser {
    /// The `Authorization: Basic` token: base64 of `user:password`, a secret too.
    pub fn token(&self) -> Secret {
        use base64::Engine as _;
        Secret::new(base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            self.user,
            self.password.expose()
        )))
    }
}

/// Parses `-u user:password` (curl prompts for a missing password; wsdoctor cannot, so the
/// colon is required).
pub fn parse_basic_user(s: &str) -> Result<BasicUser, String> {
    match s.split_once(':') {
        Some(("", _)) => Err("-u needs a user name: 'user:password'".into()),
        Some((user, password)) => Ok(BasicUser {
            user: user.to_string(),
            password: Secret::new(password),
        }),
        // The value may be a password typed without its user: never echo it.
        None => Err("-u needs 'user:password' (wsdoctor does not prompt for a password; 'user:' sends an empty one)".into()),
    }
}

/// The `--format` values a command writes, each with what it writes there; `--help` lists
/// exactly these and any other value is refused.
fn formats(list: &'static [(Format, &'static str)]) -> impl TypedValueParser<Value = Format> {
    PossibleValuesParser::new(
        list.iter()
            .filter_map(|(f, help)| f.to_possible_value().map(|v| v.help(*help))),
    )
    .map(|name| Format::from_str(&name, true).unwrap_or_default())
}

/// A probe's (and explain's) formats: one `wsdoctor.report/v1` report.
fn report_formats() -> impl TypedValueParser<Value = Format> {
    formats(&[
        (
            Format::Human,
            "verdict, stage waterfall, attempt matrix, wire exchange, for people",
        ),
        (
            Format::Json,
            "the wsdoctor.report/v1 JSON object (docs/json.md)",
        ),
        (Format::Markdown, "a Markdown incident note"),
        (Format::Junit, "JUnit XML with one test case for the probe"),
        (
            Format::Github,
            "GitHub Actions workflow commands (::error, ::warning, ::notice)",
        ),
    ])
}

/// `check`'s formats: one result for every target.
fn check_formats() -> impl TypedValueParser<Value = Format> {
    formats(&[
        (
            Format::Human,
            "a summary row per target, then the failed targets' reports",
        ),
        (
            Format::Json,
            "the wsdoctor.check/v1 JSON object, each target's full report inside",
        ),
        (
            Format::Markdown,
            "a Markdown note: the summary table, then the failed targets",
        ),
        (
            Format::Junit,
            "JUnit XML: a testsuite per target, a testcase per expectation",
        ),
        (
            Format::Github,
            "GitHub Actions workflow commands: ::error per failed expectation, ::warning per warning finding, ::notice per passing target",
        ),
    ])
}

/// `demo`'s formats: one report per scenario (a JUnit document holds one probe, so no junit).
fn demo_formats() -> impl TypedValueParser<Value = Format> {
    formats(&[
        (Format::Human, "each scenario's report, for people"),
        (
            Format::Json,
            "JSON Lines: one wsdoctor.report/v1 object per scenario",
        ),
        (Format::Markdown, "one Markdown note with every scenario"),
        (
            Format::Github,
            "GitHub Actions workflow commands for every scenario",
        ),
    ])
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

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// The verdict and its first fix, then the stage waterfall, the attempt matrix, the wire
    /// exchange and the evidence, for people.
    #[default]
    Human,
    /// The `wsdoctor.report/v1` JSON object (see docs/json.md).
    Json,
    /// A Markdown incident note: verdict, timings, matrix, evidence, fixes, the wire exchange.
    Markdown,
    /// A JUnit XML document with one test case for the probe (CI test reporters).
    Junit,
    /// GitHub Actions workflow commands (`::error`, `::warning`, `::notice`) for annotations.
    Github,
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
    fn global_flags_may_precede_a_subcommand_but_probe_options_may_not() {
        let cli = Cli::try_parse_from(["wsdoctor", "-vv", "--color", "never", "check", "c.toml"])
            .unwrap();
        assert!(matches!(cli.command, Some(Command::Check(_))));
        assert_eq!(cli.verbose, 2);
        assert!(!cli.probe.set_beside_subcommand());
        let cli =
            Cli::try_parse_from(["wsdoctor", "--origin", "https://a", "check", "c.toml"]).unwrap();
        assert!(cli.probe.set_beside_subcommand());
    }

    #[test]
    fn check_explain_completions_and_man_parse() {
        let cli =
            Cli::try_parse_from(["wsdoctor", "check", "c.toml", "-j", "8", "-o", "x.xml"]).unwrap();
        assert!(
            matches!(cli.command, Some(Command::Check(ref c)) if c.jobs == Some(8) && c.output.output.is_some())
        );
        assert!(Cli::try_parse_from(["wsdoctor", "check", "c.toml", "-j", "0"]).is_err());
        assert!(Cli::try_parse_from(["wsdoctor", "check", "c.toml", "--force"]).is_err());
        let cli = Cli::try_parse_from(["wsdoctor", "explain"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Explain(ref e)) if e.input == "-"));
        assert!(Cli::try_parse_from(["wsdoctor", "completions", "fish"]).is_ok());
        assert!(Cli::try_parse_from(["wsdoctor", "man"]).is_ok());
        let cli = Cli::try_parse_from([
            "wsdoctor",
            "ws://h/",
            "--expect",
            "ok",
            "--expect-origin-rejected",
            "https://a",
            "--expect-origin-rejected",
            "null",
        ])
        .unwrap();
        assert!(cli.probe.has_expectations());
        assert_eq!(cli.probe.expect_origin_rejected.len(), 2);
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
    fn debug_of_the_parsed_arguments_shows_no_credential() {
        let cli = Cli::try_parse_from([
            "wsdoctor",
            "ws://h.test/ws",
            "--token",
            "tok-debug-4711",
            "-H",
            "Authorization: Bearer hdr-debug-4712",
            "-H",
            "Cookie: sid=cookie-debug-4713",
            "-H",
            "X-Trace: visible-4714",
        ])
        .unwrap();
        let shown = format!("{cli:?}");
        for secret in ["tok-debug-4711", "hdr-debug-4712", "cookie-debug-4713"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("visible-4714"), "{shown}");
    }

    #[test]
    fn curl_spellings_parse_as_curl_means_them() {
        let cli = Cli::try_parse_from([
            "wsdoctor",
            "-x",
            "http://proxy.test:3128",
            "-m",
            "7",
            "--connect-timeout",
            "2s",
            "-A",
            "agent/1",
            "-4",
            "--capath",
            "/etc/ssl/certs",
            "-u",
            "alice:s3cret",
            "-s",
            "ws://h/",
        ])
        .unwrap();
        let p = &cli.probe;
        assert_eq!(p.proxy.as_deref(), Some("http://proxy.test:3128"));
        assert_eq!(p.timeout, Duration::from_secs(7));
        assert_eq!(p.connect_timeout, Some(Duration::from_secs(2)));
        assert_eq!(p.user_agent.as_deref(), Some("agent/1"));
        assert!(p.ipv4 && !p.ipv6);
        assert_eq!(p.capath.len(), 1);
        let user = p.user.as_ref().unwrap();
        assert_eq!(user.user, "alice");
        assert_eq!(user.token().expose(), "YWxpY2U6czNjcmV0");
        assert!(
            !format!("{user:?}").contains("s3cret"),
            "the password is a Secret"
        );
        assert!(cli.silent);
        let cli = Cli::try_parse_from(["wsdoctor", "--max-time", "3", "ws://h/"]).unwrap();
        assert_eq!(cli.probe.timeout, Duration::from_secs(3));
        assert!(Cli::try_parse_from(["wsdoctor", "-4", "-6", "ws://h/"]).is_err());
        let cli = Cli::try_parse_from(["wsdoctor", "check", "c.toml", "-m", "4"]).unwrap();
        assert!(
            matches!(cli.command, Some(Command::Check(ref c)) if c.timeout == Some(Duration::from_secs(4)))
        );
        assert!(Cli::try_parse_from(["wsdoctor", "check", "c.toml", "-q"]).is_ok_and(|c| c.silent));
    }

    #[test]
    fn basic_user_needs_a_colon_and_a_name_and_never_echoes_the_value() {
        assert_eq!(
            parse_basic_user("bob:").unwrap().password.expose(),
            "",
            "an empty password is allowed"
        );
        let e = parse_basic_user("hunter2").unwrap_err();
        assert!(!e.contains("hunter2"), "{e}");
        assert!(parse_basic_user(":pw").is_err());
    }

    #[test]
    fn each_command_accepts_only_its_formats() {
        assert!(Cli::try_parse_from(["wsdoctor", "demo", "--format", "junit"]).is_err());
        assert!(Cli::try_parse_from(["wsdoctor", "demo", "--format", "github"]).is_ok());
        let cli =
            Cli::try_parse_from(["wsdoctor", "check", "c.toml", "--format", "junit"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Check(ref c)) if c.format == Format::Junit));
        let cli = Cli::try_parse_from(["wsdoctor", "ws://h/"]).unwrap();
        assert_eq!(cli.probe.format, Format::Human, "the default");
    }

    #[test]
    fn only_one_credential_source() {
        let r = Cli::try_parse_from(["wsdoctor", "ws://h/", "--token", "a", "--token-env", "B"]);
        assert!(r.is_err());
    }
}
