//! config: turns the parsed command line into a validated `Config` — URL normalised (with notes),
//! the credential loaded from its source, `--resolve` and `--cacert` read. Every problem here is a
//! `ConfigError` (exit 2). No network I/O.

pub mod conversation;
pub mod credential;
pub mod proxy;
pub mod variants;

use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
use url::Url;

use crate::cli::Format;
use crate::cli::{HeaderArg, ProbeArgs};
use crate::error::ConfigError;
use crate::model::CredentialPlacement;
use crate::secret::{HeaderValue, Redactor, Secret};

/// A `--resolve HOST:PORT:ADDR[,ADDR…]` override.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveOverride {
    /// Host name (lowercase).
    pub host: String,
    /// Port.
    pub port: u16,
    /// Addresses to use instead of a lookup.
    pub addrs: Vec<IpAddr>,
}

/// `-4`/`-6`: the one address family to connect to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpFamily {
    /// `-4`: IPv4 only.
    V4,
    /// `-6`: IPv6 only.
    V6,
}

impl IpFamily {
    /// True for an address of this family.
    pub fn admits(self, ip: IpAddr) -> bool {
        match self {
            IpFamily::V4 => ip.is_ipv4(),
            IpFamily::V6 => ip.is_ipv6(),
        }
    }

    /// "IPv4" or "IPv6".
    pub fn name(self) -> &'static str {
        match self {
            IpFamily::V4 => "IPv4",
            IpFamily::V6 => "IPv6",
        }
    }

    /// The flag that asked for it.
    pub fn flag(self) -> &'static str {
        match self {
            IpFamily::V4 => "-4",
            IpFamily::V6 => "-6",
        }
    }
}

/// Trust settings for TLS.
#[derive(Debug, Clone, Default)]
pub struct TrustConfig {
    /// Extra anchors from `--cacert` (DER).
    pub extra_roots: Vec<CertificateDer<'static>>,
    /// Where each of `extra_roots` came from ("--cacert <path>"), index-aligned.
    pub extra_root_sources: Vec<String>,
    /// `--insecure`: continue past verification failures.
    pub insecure: bool,
    /// The client certificate and key from `--cert`/`--key` (mTLS).
    pub client_identity: Option<ClientIdentity>,
}

/// A client certificate chain with its private key, checked to match when loaded.
#[derive(Debug, Clone)]
pub struct ClientIdentity {
    /// The chain and signing key, as rustls uses them.
    pub key: std::sync::Arc<rustls::sign::CertifiedKey>,
    /// The leaf's subject, for the record.
    pub subject: String,
    /// The leaf's issuer, for the record.
    pub issuer: String,
}

/// The user's credential and where their client puts it.
#[derive(Debug, Clone)]
pub struct Credential {
    /// The value.
    pub secret: Secret,
    /// Where the user's client sends it (the baseline placement).
    pub placement: CredentialPlacement,
}

/// The one-time ticket flow (`--ticket-url`).
#[derive(Debug, Clone)]
pub struct TicketConfig {
    /// The ticket endpoint (http:// or https://).
    pub url: Url,
    /// GET or POST.
    pub method: String,
    /// JSON pointer to the ticket in the response.
    pub field: String,
    /// Query parameter carrying the ticket.
    pub param: String,
}

/// Everything a run needs, validated.
#[derive(Debug, Clone)]
pub struct Config {
    /// The target, ws:// or wss://.
    pub target: Url,
    /// Notes about normalisation ("http:// mapped to ws://").
    pub notes: Vec<String>,
    /// The target for every output: as given, redacted (no userinfo; a query credential shown
    /// as `[redacted]` in its place, even when the run sends it as `credential.query` does).
    pub shown_target: String,
    /// The credential, if any.
    pub credential: Option<Credential>,
    /// Where the credential came from (a flag, the URL, a `-H` header), when there is one.
    pub credential_source: Option<credential::CredentialSource>,
    /// `--try-url-token`: also try the credential in the URL's query (`credential.query`), which
    /// a default run does not send unless the user put it there.
    pub try_url_token: bool,
    /// Query parameter name for the query-placement variant.
    pub token_param: String,
    /// Cookie name for the cookie-placement variant.
    pub cookie_name: String,
    /// Scheme for Authorization header placement.
    pub auth_scheme: String,
    /// Extra headers (`-H`): each replaces wsdoctor's own header of that name, if any.
    pub headers: Vec<(String, HeaderValue)>,
    /// Headers of wsdoctor's own that `-H 'Name:'` removes (lower-case names).
    pub removed_headers: Vec<String>,
    /// The user's Origin.
    pub origin: Option<String>,
    /// The foreign Origin used by the origin variants.
    pub foreign_origin: String,
    /// More Origins to try, one variant each (`origin.extra.<n>`): the ones an expectation names.
    pub extra_origins: Vec<String>,
    /// Subprotocols to offer.
    pub subprotocols: Vec<String>,
    /// Ticket flow.
    pub ticket: Option<TicketConfig>,
    /// A plain-HTTP URL expected to answer 200 (default: the site root of the target).
    pub health_url: Option<Url>,
    /// `--auth-check`: an HTTP URL that needs the credential (fetched with and without it).
    pub auth_check: Option<Url>,
    /// The backend's own URL for comparison.
    pub direct: Option<Url>,
    /// Baseline repeats.
    pub repeat: u32,
    /// Baseline only.
    pub quick: bool,
    /// Which variants run (`--variants`, `--skip`, `--safe`).
    pub selection: variants::Selection,
    /// No HTTP/2 path (`--http1-only`).
    pub http1_only: bool,
    /// `--http2-only`: the run is about the HTTP/2 path, which runs even with `--quick` and
    /// whatever `--variants`/`--skip` say; its assertion lives in `check::expect`.
    pub http2_only: bool,
    /// `--h2c`: a `ws://` target's HTTP/2 path in cleartext with prior knowledge (false for
    /// `wss://`, where it is ignored with a note).
    pub h2c: bool,
    /// TLS trust.
    pub trust: TrustConfig,
    /// Resolve overrides.
    pub resolve: Vec<ResolveOverride>,
    /// `--connect-to` rules, in the order given.
    pub connect_to: Vec<ConnectTo>,
    /// The forward proxy (`--proxy` or the environment), when one is set.
    pub proxy: Option<proxy::ForwardProxy>,
    /// Overall deadline.
    pub timeout: Duration,
    /// Close-wait watch.
    pub close_wait: Duration,
    /// Idle watch on the baseline (`--idle`).
    pub idle: Option<Duration>,
    /// Ping interval during the idle watch (`--ping-interval`).
    pub ping_interval: Option<Duration>,
    /// `--connect-timeout`: each attempt's dns, tcp, tunnel and tls together.
    pub connect_timeout: Option<Duration>,
    /// `-4`/`-6`.
    pub ip_family: Option<IpFamily>,
    /// Output format.
    pub format: Format,
    /// Redaction of every secret the config holds.
    pub redactor: Redactor,
    /// `--send` / `--expect-reply` on the upgraded baseline.
    pub conversation: Option<conversation::Conversation>,
}

impl Config {
    /// Validates probe arguments.
    pub fn from_args(args: &ProbeArgs) -> Result<Config, ConfigError> {
        Config::from_args_env(args, &|k| std::env::var(k).ok())
    }

    /// [`Config::from_args`] with the environment (proxy variables) given explicitly.
    pub fn from_args_env(
        args: &ProbeArgs,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let raw_url = args.url.as_deref().unwrap_or_default();
        let credential_secret = load_credential(args)?;
        let mut user = user_headers(args)?;
        let mut redactor = Redactor::new(credential_secret.iter(), !args.show_secrets);
        // -u: the password and `user:password` are hidden too, wherever a server echoes them.
        if let Some(u) = &args.user {
            redactor.add(&u.password);
            redactor.add(&Secret::new(format!("{}:{}", u.user, u.password.expose())));
        }
        // Credentials given as raw headers (-H 'Cookie: …') are secrets too: a server may
        // reflect them in a body or an error text.
        for (name, value) in &user.headers {
            for secret in crate::secret::header_secrets(name, value) {
                redactor.add(&secret);
            }
        }
        let mut notes = Vec::new();
        let mut target = normalise_ws_url(raw_url, &redactor, &mut notes)?;
        // The URL's userinfo is a credential (curl sends it as HTTP Basic): never on the wire as
        // such, never in a record, hidden wherever a server echoes it.
        let userinfo = credential::take_userinfo(&mut target);
        if let Some(u) = &userinfo {
            redactor.add(&u.password);
            redactor.add(&Secret::new(format!("{}:{}", u.user, u.password.expose())));
            redactor.add(&u.token());
            if u.password.expose().is_empty() {
                redactor.add(&Secret::new(u.user.clone()));
            }
        }

        // The target as the user gave it, for every output: userinfo gone, a query token kept
        // in its place (redacted) even when it becomes the run's credential.
        let shown_target = redactor.url(target.as_str());
        header_safe(&args.auth_scheme, "--auth-scheme")?;
        if args.auth_scheme.contains(' ') {
            return Err(ConfigError::InvalidValue {
                flag: "--auth-scheme",
                reason: "a scheme is one word (Bearer, Token, Basic)".into(),
            });
        }
        header_safe(&args.cookie_name, "--cookie-name")?;
        let mut auth_scheme = basic_scheme(args)?;
        let mut token_param = args.token_param.clone();
        let (credential, credential_source) = match credential_secret {
            Some(secret) => {
                if userinfo.is_some() {
                    notes.push("the URL's user:password is not sent: the credential flag gives the credential".into());
                }
                let placement = parse_placement(
                    &args.auth,
                    &auth_scheme,
                    &args.token_param,
                    &args.cookie_name,
                )?;
                (
                    Some(Credential { secret, placement }),
                    Some(credential::CredentialSource::Flag),
                )
            }
            None => match implicit_credential(&mut user.headers, userinfo, &mut target) {
                Some(found) => {
                    match &found.placement {
                        CredentialPlacement::Header { name, scheme }
                            if name.eq_ignore_ascii_case("authorization") =>
                        {
                            auth_scheme = scheme.clone();
                        }
                        CredentialPlacement::Query { name } => token_param = name.clone(),
                        _ => {}
                    }
                    redactor.add(&found.secret);
                    // A query value is percent-decoded: %0D%0A must not become a header line
                    // when a variant moves it into a header.
                    if let credential::CredentialSource::UrlQuery(_) = &found.source {
                        header_safe(found.secret.expose(), "the URL's credential parameter")?;
                    }
                    notes.push(format!(
                        "{} is used as the credential: the credential variants move it, as with --token",
                        found.source.describe()
                    ));
                    (
                        Some(Credential {
                            secret: found.secret,
                            placement: found.placement,
                        }),
                        Some(found.source),
                    )
                }
                None => (None, None),
            },
        };
        let mut direct_userinfo_dropped = false;
        let ticket = ticket_config(args, &redactor)?;
        let health_url = optional_http_url(args.health_url.as_deref(), "--health-url", &redactor)?;
        let auth_check = optional_http_url(args.auth_check.as_deref(), "--auth-check", &redactor)?;
        let direct = match &args.direct {
            Some(u) => {
                let mut direct_notes = Vec::new();
                let mut d = normalise_ws_url(u, &redactor, &mut direct_notes)?;
                if let Some(info) = credential::take_userinfo(&mut d) {
                    redactor.add(&info.password);
                    redactor.add(&info.token());
                    direct_userinfo_dropped = true;
                }
                Some(d)
            }
            None => None,
        };
        if direct_userinfo_dropped {
            notes.push("--direct's user:password is not sent: the direct twins carry the target's credential".into());
        }
        validate_origins_and_protocols(args)?;
        let trust = trust_config(args)?;
        let resolve = args
            .resolve
            .iter()
            .map(|r| parse_resolve(r))
            .collect::<Result<Vec<_>, _>>()?;
        let connect_to = args
            .connect_to
            .iter()
            .map(|r| parse_connect_to(r))
            .collect::<Result<Vec<_>, _>>()?;
        if args.connect_timeout.is_some_and(|d| d.is_zero()) {
            return Err(ConfigError::InvalidValue {
                flag: "--connect-timeout",
                reason: "must be greater than zero".into(),
            });
        }
        if args.timeout.is_zero() {
            return Err(ConfigError::InvalidValue {
                flag: "--timeout",
                reason: "must be greater than zero".into(),
            });
        }
        let timeout = idle_timeout(args, &mut notes)?;
        let secure = matches!(target.scheme(), "wss" | "https");
        let proxy = proxy::select(
            args.proxy.as_deref(),
            args.noproxy.as_deref(),
            secure,
            env,
            &mut redactor,
        )
        .map_err(|e| ConfigError::InvalidValue {
            flag: "--proxy",
            reason: e.to_string(),
        })?;
        let selection = selection(args)?;
        let h2c = h2c_choice(args, secure, &mut notes);
        if args.http2_only {
            http2_only_valid(args, secure)?;
        }
        if args.repeat > 100 {
            return Err(ConfigError::InvalidValue {
                flag: "--repeat",
                reason: format!("{} is more than the limit of 100", args.repeat),
            });
        }
        let conversation = conversation::from_args(args, credential.as_ref().map(|c| &c.secret))?;
        Ok(Config {
            target,
            notes,
            shown_target: redactor.url(&shown_target),
            credential,
            credential_source,
            try_url_token: args.try_url_token,
            token_param,
            cookie_name: args.cookie_name.clone(),
            auth_scheme,
            headers: raw_headers(&user.headers),
            removed_headers: user.removed,
            origin: user.origin,
            foreign_origin: args.foreign_origin.clone(),
            extra_origins: args.expect_origin_rejected.clone(),
            subprotocols: user.subprotocols,
            ticket,
            health_url,
            auth_check,
            direct,
            repeat: args.repeat,
            quick: args.quick,
            selection,
            http1_only: args.http1_only,
            http2_only: args.http2_only,
            h2c,
            trust,
            resolve,
            connect_to,
            proxy,
            timeout,
            idle: args.idle,
            ping_interval: args.ping_interval,
            connect_timeout: args.connect_timeout,
            ip_family: match (args.ipv4, args.ipv6) {
                (true, _) => Some(IpFamily::V4),
                (_, true) => Some(IpFamily::V6),
                _ => None,
            },
            close_wait: if args.quick {
                Duration::ZERO
            } else {
                args.close_wait
            },
            format: args.format,
            conversation,
            redactor,
        })
    }

    /// The target's own origin (`https://host[:port]` for wss, `http://…` for ws): what a page served
    /// by the same host would send.
    pub fn same_origin(&self) -> String {
        same_origin_of(&self.target)
    }
}

/// `--variants`, `--skip` and `--safe`, checked against `--quick` and the assertions that read
/// variants (which must then run).
fn selection(args: &ProbeArgs) -> Result<variants::Selection, ConfigError> {
    let selection = variants::Selection::parse(&args.variants, &args.skip, args.safe)?;
    if args.quick && selection.is_narrowed() {
        return Err(ConfigError::InvalidValue {
            flag: "--quick",
            reason: "--variants and --skip choose among the variants, which --quick does not run: give one".into(),
        });
    }
    if !args.expect_origin_rejected.is_empty() {
        if args.safe {
            return Err(ConfigError::InvalidValue {
                flag: "--safe",
                reason: "--expect-origin-rejected sends the Origins it names, which --safe does not send: give one".into(),
            });
        }
        let mut extra = crate::model::Variant::baseline();
        extra.id = "origin.extra.0".into();
        extra.group = "origin".into();
        if !selection.keeps(&extra) {
            return Err(ConfigError::InvalidValue {
                flag: "--expect-origin-rejected",
                reason:
                    "it reads the origin.extra.<n> variants, which --variants or --skip leave out"
                        .into(),
            });
        }
    }
    if args.expect_status_without_credentials.is_some() {
        let mut none = crate::model::Variant::baseline();
        none.id = crate::model::ids::CREDENTIAL_NONE.into();
        none.group = "credential".into();
        if !selection.keeps(&none) {
            return Err(ConfigError::InvalidValue {
                flag: "--expect-status-without-credentials",
                reason: "it reads credential.none, which --variants or --skip leave out".into(),
            });
        }
    }
    Ok(selection)
}

/// Longest `--token-file` read.
pub const MAX_TOKEN_FILE: u64 = 64 * 1024;
/// Longest certificate or key file read (`--cacert`, `--capath` files, `--cert`, `--key`).
pub const MAX_PEM_FILE: u64 = 1024 * 1024;

/// Reads at most `limit` bytes of `path`. A longer file — or an endless one such as `/dev/zero`,
/// whose metadata says 0 bytes — is an error of kind `FileTooLarge`, known after reading
/// `limit + 1` bytes, so memory stays bounded whatever the path is.
pub fn read_bounded(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut buf = Vec::new();
    std::fs::File::open(path)?
        .take(limit.saturating_add(1))
        .read_to_end(&mut buf)?;
    if buf.len() as u64 > limit {
        return Err(std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            format!("larger than the {} limit", human_bytes(limit)),
        ));
    }
    Ok(buf)
}

/// [`read_bounded`] as UTF-8 text.
pub fn read_bounded_text(path: &Path, limit: u64) -> std::io::Result<String> {
    String::from_utf8(read_bounded(path, limit)?)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"))
}

/// A TOML error as one line that names where and what, never the text: `line 3, column 11:
/// invalid type: string, expected a sequence`. toml's own `Display` quotes the offending line
/// (`headers = ["Authorization: Bearer …"]`) and serde's messages quote the value; both may be a
/// credential, so the position comes from the span and quoted values are dropped.
pub fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let message = drop_quoted(e.message().trim());
    match e.span() {
        Some(span) => {
            let before = &text.as_bytes()[..span.start.min(text.len())];
            let line = before.iter().filter(|b| **b == b'\n').count() + 1;
            let column = before.iter().rev().take_while(|b| **b != b'\n').count() + 1;
            // The key of a `key = value` line, when the error is in its value: a key is a name
            // the file format gives, not something secret.
            let line_text = text.lines().nth(line - 1).unwrap_or_default();
            let key = line_text
                .split_once('=')
                .map(|(k, _)| k.trim())
                .filter(|k| column > k.len() && !k.is_empty())
                .filter(|k| {
                    k.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
                });
            match key {
                Some(k) => format!("line {line}, column {column} (key {k}): {message}"),
                None => format!("line {line}, column {column}: {message}"),
            }
        }
        None => message,
    }
}

/// Removes every double-quoted part (serde quotes values: `invalid type: string "…"`) and
/// single-line TOML snippets, keeping the words around them.
fn drop_quoted(message: &str) -> String {
    let first_line = message.lines().next().unwrap_or_default();
    let mut out = String::with_capacity(first_line.len());
    let mut in_quote = false;
    let mut escaped = false;
    for c in first_line.chars() {
        match (in_quote, c) {
            (true, '\\') if !escaped => escaped = true,
            (true, '"') if !escaped => in_quote = false,
            (true, _) => escaped = false,
            (false, '"') => {
                in_quote = true;
                // "string \"x\"" -> "string": no dangling space before the dropped value.
                while out.ends_with(' ') {
                    out.pop();
                }
            }
            (false, c) => out.push(c),
        }
    }
    out
}

/// `65536` -> "64 KiB", `1048576` -> "1 MiB".
fn human_bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{} KiB", n >> 10),
        n => format!("{n}-byte"),
    }
}

/// `-H` as curl reads it, `@FILE`s expanded: the headers to send, the built-in ones to remove
/// (`Name:`), and the Origin and subprotocols, which are matrix dimensions rather than extras
/// (`-H 'Origin: X'` is `--origin X`, so the Origin variants still change only the Origin).
struct UserHeaders {
    headers: Vec<(String, String)>,
    removed: Vec<String>,
    origin: Option<String>,
    subprotocols: Vec<String>,
}

/// Longest `-H @FILE` read.
const MAX_HEADER_FILE: u64 = 64 * 1024;

fn user_headers(args: &ProbeArgs) -> Result<UserHeaders, ConfigError> {
    let mut lines: Vec<(String, String)> = Vec::new();
    for arg in &args.headers {
        match arg {
            HeaderArg::Line(k, v) => {
                header_name_safe(k, "-H")?;
                header_safe(v, "-H")?;
                lines.push((k.clone(), v.clone()));
            }
            HeaderArg::File(path) => lines.extend(read_header_file(path)?),
        }
    }
    // -A is -H 'User-Agent: …' (as in curl, an explicit -H User-Agent wins over -A).
    if let Some(agent) = &args.user_agent {
        if !lines
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("user-agent"))
        {
            let agent = agent.trim();
            if agent.bytes().any(|b| b.is_ascii_control()) {
                return Err(ConfigError::InvalidValue {
                    flag: "--user-agent",
                    reason: "control characters cannot go in a header".into(),
                });
            }
            lines.insert(0, ("User-Agent".into(), agent.to_string()));
        }
    }
    let mut out = UserHeaders {
        headers: Vec::new(),
        removed: Vec::new(),
        origin: args.origin.clone(),
        subprotocols: args.subprotocols.clone(),
    };
    let mut header_origin: Option<Option<String>> = None;
    for (name, value) in lines {
        if name.eq_ignore_ascii_case("origin") {
            let origin = (!value.is_empty()).then_some(value);
            if let Some(o) = &origin {
                validate_origin(o, "-H Origin")?;
            }
            header_origin = Some(origin);
        } else if name.eq_ignore_ascii_case("sec-websocket-protocol") {
            for p in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                if !p.bytes().all(|b| b.is_ascii_graphic()) {
                    return Err(ConfigError::InvalidValue {
                        flag: "-H Sec-WebSocket-Protocol",
                        reason: format!("'{p}' is not a valid subprotocol token"),
                    });
                }
                if !out.subprotocols.iter().any(|q| q == p) {
                    out.subprotocols.push(p.to_string());
                }
            }
        } else if value.is_empty() {
            out.removed.push(name.to_ascii_lowercase());
        } else {
            out.headers.push((name, value));
        }
    }
    match (header_origin, &args.origin) {
        (Some(h), Some(o)) if h.as_deref() != Some(o.as_str()) => {
            return Err(ConfigError::InvalidValue {
                flag: "-H Origin",
                reason: format!(
                    "'{}' disagrees with --origin {o}: give the Origin once",
                    h.as_deref().unwrap_or("")
                ),
            })
        }
        (Some(h), _) => out.origin = h,
        (None, _) => {}
    }
    Ok(out)
}

/// Reads `-H @FILE`: one `Name: value` per line, blank lines and `#` comments skipped.
fn read_header_file(path: &Path) -> Result<Vec<(String, String)>, ConfigError> {
    let text =
        read_bounded_text(path, MAX_HEADER_FILE).map_err(|source| ConfigError::ReadFile {
            what: "-H @FILE",
            path: path.to_path_buf(),
            source,
        })?;
    // Errors name the file and line and what is wrong, never the line: it may be a credential.
    let at = |n: usize, what: String| ConfigError::InvalidValue {
        flag: "-H @FILE",
        reason: format!("'{}' line {n}: {what}", path.display()),
    };
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let (name, value) = crate::cli::parse_header(l).map_err(|reason| at(i + 1, reason))?;
        header_name_safe(&name, "-H @FILE").map_err(|_| {
            at(
                i + 1,
                "the header name must be letters, digits and !#$%&'*+-.^_`|~ only".into(),
            )
        })?;
        header_safe(&value, "-H @FILE").map_err(|_| {
            at(
                i + 1,
                "the value contains a control character (CR, NUL …), which cannot go in a header"
                    .into(),
            )
        })?;
        out.push((name, value));
    }
    Ok(out)
}

/// The credential given without a credential flag: a `-H` credential header first (as curl lets
/// `-H Authorization` win over userinfo), then the URL's userinfo, then a token in its query.
fn implicit_credential(
    headers: &mut Vec<(String, String)>,
    userinfo: Option<crate::cli::BasicUser>,
    target: &mut Url,
) -> Option<credential::Found> {
    if let Some(found) = credential::take_header_credential(headers) {
        return Some(found);
    }
    if let Some(u) = userinfo {
        return Some(credential::Found {
            secret: u.token(),
            placement: CredentialPlacement::Header {
                name: "Authorization".into(),
                scheme: "Basic".into(),
            },
            source: credential::CredentialSource::UrlUserinfo,
        });
    }
    credential::take_query_token(target).map(|(name, secret)| credential::Found {
        secret,
        placement: CredentialPlacement::Query { name: name.clone() },
        source: credential::CredentialSource::UrlQuery(name),
    })
}

/// `-H` headers as planned: a value that carries a credential (Authorization, Cookie, an API
/// key) is kept a `Secret`.
fn raw_headers(headers: &[(String, String)]) -> Vec<(String, HeaderValue)> {
    headers
        .iter()
        .map(|(k, v)| {
            let value = if crate::secret::header_secrets(k, v).is_empty() {
                HeaderValue::Plain(v.clone())
            } else {
                HeaderValue::Secret(Secret::new(v.clone()))
            };
            (k.clone(), value)
        })
        .collect()
}

/// `--ticket-url` and its companions.
fn ticket_config(
    args: &ProbeArgs,
    redactor: &Redactor,
) -> Result<Option<TicketConfig>, ConfigError> {
    let Some(u) = &args.ticket_url else {
        return Ok(None);
    };
    Ok(Some(TicketConfig {
        url: parse_http_url(u, "--ticket-url", redactor)?,
        method: match args.ticket_method.to_ascii_uppercase().as_str() {
            m @ ("GET" | "POST") => m.to_string(),
            other => {
                return Err(ConfigError::InvalidValue {
                    flag: "--ticket-method",
                    reason: format!("'{other}' is not GET or POST"),
                })
            }
        },
        field: if args.ticket_field.starts_with('/') || args.ticket_field.is_empty() {
            args.ticket_field.clone()
        } else {
            format!("/{}", args.ticket_field)
        },
        param: args.ticket_param.clone(),
    }))
}

/// An optional plain-HTTP URL flag (`--health-url`, `--auth-check`).
fn optional_http_url(
    url: Option<&str>,
    flag: &'static str,
    redactor: &Redactor,
) -> Result<Option<Url>, ConfigError> {
    url.map(|u| parse_http_url(u, flag, redactor)).transpose()
}

/// True for a byte that must not go in a header value: CR, LF, NUL and the other controls
/// (horizontal tab is allowed, as RFC 9110 allows it).
fn is_forbidden_in_header(b: u8) -> bool {
    (b.is_ascii_control() && b != b'\t') || b == 0x7f
}

/// Refuses a header-bound input holding a control character (a CR/LF would put extra header
/// lines on the wire). The message names the flag, never the value, which may be a credential.
pub fn header_safe(value: &str, flag: &'static str) -> Result<(), ConfigError> {
    if value.bytes().any(is_forbidden_in_header) {
        return Err(ConfigError::InvalidValue {
            flag,
            reason: "it contains a control character (CR, LF, NUL …), which cannot go in a header"
                .into(),
        });
    }
    Ok(())
}

/// A header name as RFC 9110 has them: visible ASCII without `:` (nor the separators a token
/// excludes, which no real header name uses).
fn header_name_safe(name: &str, flag: &'static str) -> Result<(), ConfigError> {
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if name.is_empty() || !name.bytes().all(token) {
        return Err(ConfigError::InvalidValue {
            flag,
            reason: "the header name must be letters, digits and !#$%&'*+-.^_`|~ only".into(),
        });
    }
    Ok(())
}

/// `--origin`, `--foreign-origin`, `--expect-origin-rejected` and `--subprotocol` values.
fn validate_origins_and_protocols(args: &ProbeArgs) -> Result<(), ConfigError> {
    if let Some(o) = &args.origin {
        validate_origin(o, "--origin")?;
    }
    validate_origin(&args.foreign_origin, "--foreign-origin")?;
    for o in &args.expect_origin_rejected {
        validate_origin(o, "--expect-origin-rejected")?;
    }
    for p in &args.subprotocols {
        header_safe(p, "--subprotocol")?;
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_graphic() && b != b',') {
            return Err(ConfigError::InvalidValue {
                flag: "--subprotocol",
                reason: format!("'{p}' is not a valid subprotocol token"),
            });
        }
    }
    Ok(())
}

/// `--cacert`, `--insecure`, `--cert` and `--key`.
fn trust_config(args: &ProbeArgs) -> Result<TrustConfig, ConfigError> {
    let mut extra_roots = Vec::new();
    let mut extra_root_sources = Vec::new();
    for path in &args.cacert {
        let certs = read_pem_certs(path, "--cacert")?;
        extra_root_sources.extend(std::iter::repeat_n(
            format!("--cacert {}", path.display()),
            certs.len(),
        ));
        extra_roots.extend(certs);
    }
    for dir in &args.capath {
        for (path, certs) in read_capath(dir)? {
            extra_root_sources.extend(std::iter::repeat_n(
                format!("--capath {}", path.display()),
                certs.len(),
            ));
            extra_roots.extend(certs);
        }
    }
    let client_identity = match (&args.cert, &args.key) {
        (Some(cert), key) => Some(read_client_identity(cert, key.as_deref())?),
        (None, Some(_)) => {
            return Err(ConfigError::InvalidValue {
                flag: "--key",
                reason: "a key without --cert: give the client certificate with --cert".into(),
            })
        }
        (None, None) => None,
    };
    Ok(TrustConfig {
        extra_roots,
        extra_root_sources,
        insecure: args.insecure,
        client_identity,
    })
}

/// Most files read from one `--capath` directory.
const MAX_CAPATH_FILES: usize = 4096;

/// Reads a `--capath` directory as curl (OpenSSL) uses one: every regular file (or symlink to
/// one) holding PEM certificates; files with none (a README, a CRL) are skipped. Hashed names
/// (`ab12cd34.0`) usually link to a certificate also present under its own name: each
/// certificate is kept once. In name order, so the sources are stable.
fn read_capath(
    dir: &Path,
) -> Result<Vec<(std::path::PathBuf, Vec<CertificateDer<'static>>)>, ConfigError> {
    let read_err = |source| ConfigError::ReadFile {
        what: "--capath",
        path: dir.to_path_buf(),
        source,
    };
    let mut paths: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map_err(read_err)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        // Certificate files are small: a large file is not one (and is not read whole).
        .filter(|p| {
            p.metadata()
                .is_ok_and(|m| m.is_file() && m.len() <= 1024 * 1024)
        })
        .take(MAX_CAPATH_FILES + 1)
        .collect();
    if paths.len() > MAX_CAPATH_FILES {
        return Err(ConfigError::InvalidValue {
            flag: "--capath",
            reason: format!(
                "'{}' holds more than {MAX_CAPATH_FILES} files",
                dir.display()
            ),
        });
    }
    paths.sort();
    let mut seen: Vec<CertificateDer<'static>> = Vec::new();
    let mut out = Vec::new();
    for path in paths {
        // Unreadable or certificate-less files are skipped, as OpenSSL's lookup skips them.
        let Ok(certs) = read_pem_certs(&path, "--capath") else {
            continue;
        };
        let fresh: Vec<_> = certs.into_iter().filter(|c| !seen.contains(c)).collect();
        if fresh.is_empty() {
            continue;
        }
        seen.extend(fresh.iter().cloned());
        out.push((path, fresh));
    }
    if out.is_empty() {
        return Err(ConfigError::InvalidValue {
            flag: "--capath",
            reason: format!("'{}' holds no PEM certificate", dir.display()),
        });
    }
    Ok(out)
}

/// Time left for dns, tcp, tls and the upgrade when `--idle` raises `--timeout`.
pub const IDLE_HANDSHAKE_BUDGET: Duration = Duration::from_secs(5);

/// Validates `--idle`/`--ping-interval` and returns the overall timeout: `--timeout` when it fits
/// the idle watch plus [`IDLE_HANDSHAKE_BUDGET`], else raised to that (with a note).
fn idle_timeout(args: &ProbeArgs, notes: &mut Vec<String>) -> Result<Duration, ConfigError> {
    let Some(idle) = args.idle else {
        return Ok(args.timeout);
    };
    if idle.is_zero() {
        return Err(ConfigError::InvalidValue {
            flag: "--idle",
            reason: "must be greater than zero".into(),
        });
    }
    if args.quick {
        return Err(ConfigError::InvalidValue {
            flag: "--idle",
            reason: "cannot be combined with --quick (which does not watch the connection)".into(),
        });
    }
    if args.ping_interval.is_some_and(|p| p.is_zero()) {
        return Err(ConfigError::InvalidValue {
            flag: "--ping-interval",
            reason: "must be greater than zero".into(),
        });
    }
    let needed = idle + IDLE_HANDSHAKE_BUDGET;
    if args.timeout >= needed {
        return Ok(args.timeout);
    }
    notes.push(format!(
        "--timeout raised from {} to {} to fit --idle {} plus {} for the handshake",
        humantime::format_duration(args.timeout),
        humantime::format_duration(needed),
        humantime::format_duration(idle),
        humantime::format_duration(IDLE_HANDSHAKE_BUDGET),
    ));
    Ok(needed)
}

/// `wss://h:8443/x` -> `https://h:8443`; default ports omitted.
pub fn same_origin_of(url: &Url) -> String {
    let scheme = if url.scheme() == "wss" {
        "https"
    } else {
        "http"
    };
    let host = url.host_str().unwrap_or_default();
    let host = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    match url.port() {
        Some(p) => format!("{scheme}://{host}:{p}"),
        None => format!("{scheme}://{host}"),
    }
}

/// The Authorization scheme: `Basic` with `-u` (which is HTTP Basic in the Authorization header,
/// as curl sends it), else `--auth-scheme`.
fn basic_scheme(args: &ProbeArgs) -> Result<String, ConfigError> {
    if args.user.is_none() {
        return Ok(args.auth_scheme.clone());
    }
    if !args.auth.eq_ignore_ascii_case("header") || args.auth_scheme != "Bearer" {
        return Err(ConfigError::InvalidValue {
            flag: "-u",
            reason: "-u is HTTP Basic in the Authorization header: --auth and --auth-scheme do not apply (use --token for another placement)".into(),
        });
    }
    Ok("Basic".into())
}

fn load_credential(args: &ProbeArgs) -> Result<Option<Secret>, ConfigError> {
    if let Some(u) = &args.user {
        // Basic's base64 cannot carry a CR/LF, but a control character in a password is a
        // paste error worth a word rather than a 401.
        header_safe(&u.user, "-u")?;
        header_safe(u.password.expose(), "-u")?;
        return Ok(Some(u.token()));
    }
    if let Some(t) = &args.token {
        header_safe(t.expose(), "--token")?;
        return Ok(Some(t.clone()));
    }
    if let Some(var) = &args.token_env {
        return match std::env::var(var) {
            Ok(v) if !v.is_empty() => {
                header_safe(&v, "--token-env")?;
                Ok(Some(Secret::new(v)))
            }
            _ => Err(ConfigError::MissingEnv {
                var: var.clone(),
                flag: "--token-env",
            }),
        };
    }
    if let Some(path) = &args.token_file {
        let text =
            read_bounded_text(path, MAX_TOKEN_FILE).map_err(|source| ConfigError::ReadFile {
                what: "--token-file",
                path: path.clone(),
                source,
            })?;
        let t = text.trim();
        if t.is_empty() {
            return Err(ConfigError::InvalidValue {
                flag: "--token-file",
                reason: "the file is empty".into(),
            });
        }
        header_safe(t, "--token-file")?;
        return Ok(Some(Secret::new(t)));
    }
    Ok(None)
}

/// Parses `--auth`.
pub fn parse_placement(
    spec: &str,
    scheme: &str,
    default_param: &str,
    default_cookie: &str,
) -> Result<CredentialPlacement, ConfigError> {
    let (kind, name) = match spec.split_once(':') {
        Some((k, n)) => (k, Some(n.trim())),
        None => (spec, None),
    };
    let bad = |reason: String| ConfigError::InvalidValue {
        flag: "--auth",
        reason,
    };
    if let Some(n) = name {
        if n.is_empty() {
            return Err(bad(format!("'{spec}' names no parameter")));
        }
        header_safe(n, "--auth")?;
    }
    match kind.trim().to_ascii_lowercase().as_str() {
        "header" => Ok(match name {
            Some(n) if !n.eq_ignore_ascii_case("authorization") => {
                header_name_safe(n, "--auth")?;
                CredentialPlacement::Header {
                    name: n.to_string(),
                    scheme: String::new(),
                }
            }
            _ => CredentialPlacement::Header {
                name: "Authorization".into(),
                scheme: scheme.to_string(),
            },
        }),
        "query" => Ok(CredentialPlacement::Query {
            name: name.unwrap_or(default_param).to_string(),
        }),
        "cookie" => Ok(CredentialPlacement::Cookie {
            name: name.unwrap_or(default_cookie).to_string(),
        }),
        "subprotocol" => Ok(CredentialPlacement::Subprotocol),
        other => Err(bad(format!(
            "'{other}' is not one of header[:NAME], query[:NAME], cookie[:NAME], subprotocol"
        ))),
    }
}

/// The URL a scheme-less target means (`example.com/ws` -> `ws://example.com/ws`; port 443 ->
/// `wss://`), when `raw` has no scheme of its own: either it does not parse without a base, or
/// what parses as a scheme is a host followed by a port (`localhost:8080/ws`).
fn missing_scheme(raw: &str) -> Option<String> {
    if raw.is_empty() || raw.contains("://") || raw.chars().any(char::is_whitespace) {
        return None;
    }
    let host_port = raw.split(['/', '?']).next().unwrap_or_default();
    let looks_like_host_port = host_port
        .split_once(':')
        .is_some_and(|(_, port)| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()));
    let no_base = matches!(
        Url::parse(raw),
        Err(url::ParseError::RelativeUrlWithoutBase)
    );
    if !(no_base || looks_like_host_port) {
        return None;
    }
    let scheme = if host_port.ends_with(":443") {
        "wss"
    } else {
        "ws"
    };
    let suggested = format!("{scheme}://{raw}");
    Url::parse(&suggested)
        .ok()
        .filter(|u| u.host_str().is_some_and(|h| !h.is_empty()))
        .map(|_| suggested)
}

/// Parses and normalises a WebSocket URL; http(s) is mapped to ws(s) with a note.
pub fn normalise_ws_url(
    raw: &str,
    redactor: &Redactor,
    notes: &mut Vec<String>,
) -> Result<Url, ConfigError> {
    let shown = redactor.url(raw);
    if let Some(suggested) = missing_scheme(raw.trim()) {
        return Err(ConfigError::InvalidUrl {
            reason: format!("no scheme: did you mean {}?", redactor.url(&suggested)),
            url: shown,
        });
    }
    let mut url = Url::parse(raw.trim()).map_err(|e| ConfigError::InvalidUrl {
        url: shown.clone(),
        reason: e.to_string(),
    })?;
    match url.scheme() {
        "ws" | "wss" => {}
        "http" | "https" => {
            let new = if url.scheme() == "https" { "wss" } else { "ws" };
            notes.push(format!(
                "{}:// mapped to {new}:// (the WebSocket handshake runs on {new}://, as browsers convert it in new WebSocket())",
                url.scheme()
            ));
            let rest = &raw.trim()[url.scheme().len()..];
            url = Url::parse(&format!("{new}{rest}")).map_err(|e| ConfigError::InvalidUrl {
                url: shown.clone(),
                reason: e.to_string(),
            })?;
        }
        other => {
            return Err(ConfigError::UnsupportedScheme {
                scheme: other.to_string(),
                url: shown,
            });
        }
    }
    if url.host_str().unwrap_or_default().is_empty() {
        return Err(ConfigError::InvalidUrl {
            url: shown,
            reason: "no host".into(),
        });
    }
    if url.fragment().is_some() {
        notes.push("the #fragment is not sent: WebSocket URLs cannot carry fragments".into());
        url.set_fragment(None);
    }
    Ok(url)
}

fn parse_http_url(raw: &str, flag: &'static str, redactor: &Redactor) -> Result<Url, ConfigError> {
    let url = Url::parse(raw.trim()).map_err(|e| ConfigError::InvalidUrl {
        url: redactor.url(raw),
        reason: e.to_string(),
    })?;
    match url.scheme() {
        "http" | "https" => Ok(url),
        other => Err(ConfigError::InvalidValue {
            flag,
            reason: format!("scheme '{other}' is not http or https"),
        }),
    }
}

fn validate_origin(origin: &str, flag: &'static str) -> Result<(), ConfigError> {
    // Checked before parsing: the URL parser drops CR, LF and tabs, the header would not.
    header_safe(origin, flag)?;
    if origin == "null" {
        return Ok(());
    }
    match Url::parse(origin) {
        Ok(u) if u.host_str().is_some() => Ok(()),
        _ => Err(ConfigError::InvalidValue {
            flag,
            reason: format!("'{origin}' is not an origin like https://app.example.com"),
        }),
    }
}

/// Parses `--resolve [+]HOST:PORT:ADDR[,ADDR…]` as curl does: several comma-separated addresses,
/// IPv6 addresses (and an IPv6 HOST) in brackets, `*` as HOST for any host. curl's `+` prefix (an
/// entry that times out) is accepted and means nothing here: a run is shorter than curl's minute.
pub fn parse_resolve(spec: &str) -> Result<ResolveOverride, ConfigError> {
    let bad = |why: String| ConfigError::InvalidValue {
        flag: "--resolve",
        reason: format!("'{spec}' {why} (expected HOST:PORT:ADDR[,ADDR...], IPv6 in brackets)"),
    };
    let body = spec.trim();
    if body.starts_with('-') {
        return Err(bad(
            "removes an entry (curl's -HOST:PORT), which wsdoctor does not need".into(),
        ));
    }
    let body = body.strip_prefix('+').unwrap_or(body);
    let (host, rest) = take_host(body).map_err(&bad)?;
    let rest = rest
        .strip_prefix(':')
        .ok_or_else(|| bad("has no port".into()))?;
    let (port, addrs) = rest
        .split_once(':')
        .ok_or_else(|| bad("has no address".into()))?;
    let port = parse_port(port).map_err(&bad)?;
    if host.is_empty() {
        return Err(bad("has no host".into()));
    }
    let addrs = addrs
        .split(',')
        .map(|a| parse_addr(a.trim()).map_err(&bad))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ResolveOverride {
        host: host.to_ascii_lowercase(),
        port,
        addrs,
    })
}

/// A `--connect-to HOST:PORT:HOST2:PORT2` rule (curl semantics).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectTo {
    /// The request host it applies to (lowercase, IPv6 without brackets); `None` matches any.
    pub host: Option<String>,
    /// The request port it applies to; `None` matches any.
    pub port: Option<u16>,
    /// The host to connect to instead; `None` keeps the request's host.
    pub to_host: Option<String>,
    /// The port to connect to instead; `None` keeps the request's port.
    pub to_port: Option<u16>,
}

impl ConnectTo {
    /// Where to connect for a request to `host:port` when this rule matches it.
    pub fn route(&self, host: &str, port: u16) -> Option<(String, u16)> {
        let bare = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        let host_ok = self.host.as_ref().is_none_or(|h| *h == bare);
        let port_ok = self.port.is_none_or(|p| p == port);
        (host_ok && port_ok).then(|| {
            (
                self.to_host.clone().unwrap_or(bare),
                self.to_port.unwrap_or(port),
            )
        })
    }
}

/// The address to connect to for a request to `host:port`: the first `--connect-to` rule that
/// matches, else the request's own host and port (without IPv6 brackets).
pub fn connect_route(rules: &[ConnectTo], host: &str, port: u16) -> (String, u16) {
    rules
        .iter()
        .find_map(|r| r.route(host, port))
        .unwrap_or_else(|| {
            (
                host.trim_start_matches('[')
                    .trim_end_matches(']')
                    .to_string(),
                port,
            )
        })
}

/// Parses `--connect-to HOST:PORT:HOST2:PORT2` as curl does: any of the four may be empty (HOST or
/// PORT empty: matches any; HOST2 or PORT2 empty: the request's own), IPv6 hosts in brackets.
pub fn parse_connect_to(spec: &str) -> Result<ConnectTo, ConfigError> {
    let bad = |why: String| ConfigError::InvalidValue {
        flag: "--connect-to",
        reason: format!("'{spec}' {why} (expected HOST:PORT:HOST2:PORT2, IPv6 in brackets)"),
    };
    let (host, rest) = take_host(spec.trim()).map_err(&bad)?;
    let rest = rest
        .strip_prefix(':')
        .ok_or_else(|| bad("has no port".into()))?;
    let (port, rest) = rest
        .split_once(':')
        .ok_or_else(|| bad("has no HOST2".into()))?;
    let (to_host, rest) = take_host(rest).map_err(&bad)?;
    let to_port = rest
        .strip_prefix(':')
        .ok_or_else(|| bad("has no PORT2".into()))?;
    let opt_port = |p: &str| -> Result<Option<u16>, ConfigError> {
        if p.is_empty() {
            Ok(None)
        } else {
            parse_port(p).map(Some).map_err(&bad)
        }
    };
    let opt_host = |h: &str| (!h.is_empty()).then(|| h.to_ascii_lowercase());
    Ok(ConnectTo {
        host: opt_host(host),
        port: opt_port(port)?,
        to_host: opt_host(to_host),
        to_port: opt_port(to_port)?,
    })
}

/// Splits a leading host off `s`: `[v6]` (returned without brackets, which must hold an IPv6
/// address) or everything up to the next `:`.
fn take_host(s: &str) -> Result<(&str, &str), String> {
    if let Some(inner) = s.strip_prefix('[') {
        let (host, rest) = inner
            .split_once(']')
            .ok_or_else(|| "has a '[' without its ']'".to_string())?;
        if host.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(format!("has '[{host}]', which is not an IPv6 address"));
        }
        return Ok((host, rest));
    }
    Ok(match s.find(':') {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    })
}

fn parse_port(p: &str) -> Result<u16, String> {
    match p.parse::<u16>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!(
            "has '{p}' as port, which is not a port number (1-65535)"
        )),
    }
}

fn parse_addr(a: &str) -> Result<IpAddr, String> {
    let bare = match a.strip_prefix('[') {
        Some(inner) => inner
            .strip_suffix(']')
            .ok_or_else(|| format!("has '{a}', a '[' without its ']'"))?,
        None => a,
    };
    if bare.is_empty() {
        return Err("has an empty address".into());
    }
    bare.parse::<IpAddr>()
        .map_err(|_| format!("has '{a}', which is not an IP address"))
}

impl ResolveOverride {
    /// Socket addresses for this override.
    pub fn socket_addrs(&self) -> Vec<SocketAddr> {
        self.addrs
            .iter()
            .map(|a| SocketAddr::new(*a, self.port))
            .collect()
    }
}

/// Reads every certificate from a PEM file.
pub fn read_pem_certs(
    path: &Path,
    flag: &'static str,
) -> Result<Vec<CertificateDer<'static>>, ConfigError> {
    let bytes = read_bounded(path, MAX_PEM_FILE).map_err(|source| ConfigError::ReadFile {
        what: flag,
        path: path.to_path_buf(),
        source,
    })?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&bytes)
        .filter_map(Result::ok)
        .collect();
    if certs.is_empty() {
        return Err(ConfigError::NoCertificates {
            flag,
            path: path.to_path_buf(),
        });
    }
    Ok(certs)
}

/// Reads `--cert` (a PEM chain, leaf first) and its key (`--key`, or a key in the `--cert` file),
/// and checks that the key belongs to the leaf.
pub fn read_client_identity(
    cert: &Path,
    key: Option<&Path>,
) -> Result<ClientIdentity, ConfigError> {
    use rustls_pki_types::PrivateKeyDer;
    let chain = read_pem_certs(cert, "--cert")?;
    let (key_path, flag) = match key {
        Some(k) => (k, "--key"),
        None => (cert, "--cert"),
    };
    let bytes = read_bounded(key_path, MAX_PEM_FILE).map_err(|source| ConfigError::ReadFile {
        what: flag,
        path: key_path.to_path_buf(),
        source,
    })?;
    let der = PrivateKeyDer::from_pem_slice(&bytes).map_err(|e| ConfigError::InvalidValue {
        flag,
        reason: format!(
            "no usable private key in '{}' ({e}): give the PEM key with --key",
            key_path.display()
        ),
    })?;
    let leaf = chain.first().map(crate::certs::describe_certificate);
    let (subject, issuer) = leaf.map(|l| (l.subject, l.issuer)).unwrap_or_default();
    let certified = rustls::sign::CertifiedKey::from_der(chain, der, &crate::certs::provider())
        .map_err(|e| ConfigError::InvalidValue {
            flag: "--key",
            reason: format!("the key does not fit the --cert certificate: {e}"),
        })?;
    Ok(ClientIdentity {
        key: std::sync::Arc::new(certified),
        subject,
        issuer,
    })
}

/// `--h2c` as the run uses it: for `ws://` only. For `wss://` the HTTP/2 path negotiates h2 by
/// ALPN as browsers do, so the flag changes nothing and a note says so.
fn h2c_choice(args: &ProbeArgs, secure: bool, notes: &mut Vec<String>) -> bool {
    if args.h2c && secure {
        notes.push(
            "--h2c is for ws:// targets and is ignored here: for wss:// the HTTP/2 path offers ALPN h2 as browsers do"
                .into(),
        );
        return false;
    }
    args.h2c
}

/// `--http2-only` needs an HTTP/2 path the plan can run: `wss://` (or `ws://` with `--h2c`), and
/// no ticket flow (a ticket is good for one upgrade, the baseline's).
fn http2_only_valid(args: &ProbeArgs, secure: bool) -> Result<(), ConfigError> {
    if !secure && !args.h2c {
        return Err(ConfigError::InvalidValue {
            flag: "--http2-only",
            reason: "browsers speak HTTP/2 only over TLS, so a ws:// target has no HTTP/2 path they take: use wss://, or add --h2c to try cleartext HTTP/2 with prior knowledge".into(),
        });
    }
    if args.ticket_url.is_some() {
        return Err(ConfigError::InvalidValue {
            flag: "--http2-only",
            reason: "a ticket flow's ticket is good for one upgrade (the baseline's), so the HTTP/2 path cannot be tested with --ticket-url".into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// clap's own defaults, exactly as the command line gives them.
    fn args(url: &str) -> ProbeArgs {
        ProbeArgs::with_defaults(url)
    }

    #[test]
    fn toml_errors_name_line_and_column_and_never_the_text() {
        let text =
            "[defaults]\nurl = \"ws://h/ws\"\nheaders = \"Authorization: Bearer sk-Secret99\"\n";
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct T {
            defaults: D,
        }
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct D {
            url: String,
            headers: Vec<String>,
        }
        let e = toml::from_str::<T>(text).unwrap_err();
        let line = toml_error(text, &e);
        assert!(
            line.starts_with("line 3, column 11 (key headers): invalid type: string,"),
            "{line}"
        );
        assert!(
            !line.contains("Secret99") && !line.contains("Bearer"),
            "{line}"
        );
        let broken = "[defaults]\nheaders = [\"Authorization: Bearer sk-Secret99\"\n";
        let e = toml::from_str::<T>(broken).unwrap_err();
        let line = toml_error(broken, &e);
        assert!(line.starts_with("line "), "{line}");
        assert!(!line.contains("Secret99") && !line.contains('\n'), "{line}");
    }

    #[test]
    fn h2c_is_for_ws_and_http2_only_needs_a_path_browsers_or_h2c_take() {
        let mut a = args("ws://127.0.0.1:9/ws");
        a.h2c = true;
        let c = Config::from_args(&a).unwrap();
        assert!(c.h2c && c.notes.is_empty(), "{:?}", c.notes);
        let mut a = args("wss://127.0.0.1:9/ws");
        a.h2c = true;
        let c = Config::from_args(&a).unwrap();
        assert!(!c.h2c);
        assert!(
            c.notes.iter().any(|n| n.contains("--h2c is for ws://")),
            "{:?}",
            c.notes
        );
        let mut a = args("ws://127.0.0.1:9/ws");
        a.http2_only = true;
        let e = Config::from_args(&a).unwrap_err().to_string();
        assert!(e.contains("--http2-only") && e.contains("--h2c"), "{e}");
        a.h2c = true;
        assert!(Config::from_args(&a).unwrap().http2_only);
        let mut a = args("wss://127.0.0.1:9/ws");
        a.http2_only = true;
        a.ticket_url = Some("https://127.0.0.1:9/ticket".into());
        let e = Config::from_args(&a).unwrap_err().to_string();
        assert!(e.contains("ticket"), "{e}");
    }

    #[test]
    fn dash_u_is_basic_in_the_authorization_header_and_redacted() {
        let mut a = args("ws://127.0.0.1:9/ws");
        a.user = Some(crate::cli::parse_basic_user("alice:pw-secret-1").unwrap());
        let c = Config::from_args(&a).unwrap();
        assert_eq!(c.auth_scheme, "Basic");
        let cred = c.credential.as_ref().unwrap();
        assert_eq!(cred.secret.expose(), "YWxpY2U6cHctc2VjcmV0LTE=");
        assert!(matches!(
            &cred.placement,
            CredentialPlacement::Header { name, scheme } if name == "Authorization" && scheme == "Basic"
        ));
        let shown = c
            .redactor
            .text("echo alice:pw-secret-1 pw-secret-1 YWxpY2U6cHctc2VjcmV0LTE=");
        assert!(
            !shown.contains("pw-secret-1") && !shown.contains("YWxpY2U6"),
            "{shown}"
        );
        a.auth = "query".into();
        assert!(
            Config::from_args(&a).is_err(),
            "-u is the Authorization header"
        );
    }

    #[test]
    fn a_scheme_less_target_is_answered_with_the_url_it_means() {
        assert_eq!(
            missing_scheme("example.com/ws").as_deref(),
            Some("ws://example.com/ws")
        );
        assert_eq!(
            missing_scheme("localhost:8080").as_deref(),
            Some("ws://localhost:8080")
        );
        assert_eq!(
            missing_scheme("api.test:443/ws?x=1").as_deref(),
            Some("wss://api.test:443/ws?x=1")
        );
        assert_eq!(missing_scheme("ws://h/"), None);
        assert_eq!(missing_scheme("ftp://h/"), None);
        assert_eq!(missing_scheme("not a url"), None);
        assert_eq!(missing_scheme("mailto:a@b"), None);
    }

    #[test]
    fn idle_raises_a_short_timeout_with_a_note_and_keeps_a_long_one() {
        let mut a = args("ws://127.0.0.1:9/ws");
        a.idle = Some(Duration::from_secs(60));
        let c = Config::from_args(&a).unwrap();
        assert_eq!(c.timeout, Duration::from_secs(65));
        assert!(c.notes.iter().any(|n| n.contains("--timeout raised")));
        a.timeout = Duration::from_secs(120);
        let c = Config::from_args(&a).unwrap();
        assert_eq!(c.timeout, Duration::from_secs(120));
        assert!(!c.notes.iter().any(|n| n.contains("--timeout raised")));
    }

    #[test]
    fn idle_rejects_zero_values_and_quick() {
        let mut a = args("ws://127.0.0.1:9/ws");
        a.idle = Some(Duration::ZERO);
        assert!(Config::from_args(&a).is_err());
        a.idle = Some(Duration::from_secs(5));
        a.ping_interval = Some(Duration::ZERO);
        assert!(Config::from_args(&a).is_err());
        a.ping_interval = None;
        a.quick = true;
        assert!(Config::from_args(&a).is_err());
    }

    #[test]
    fn http_urls_are_mapped_with_a_note() {
        let c = Config::from_args(&args("https://example.test/ws?x=1")).unwrap();
        assert_eq!(c.target.as_str(), "wss://example.test/ws?x=1");
        assert!(c.notes[0].contains("https:// mapped to wss://"));
        let c = Config::from_args(&args("http://127.0.0.1:8080/ws")).unwrap();
        assert_eq!(c.target.scheme(), "ws");
    }

    #[test]
    fn bad_urls_and_schemes_are_config_errors_without_the_secret() {
        let err = Config::from_args(&args("ftp://h/x?token=abcdef")).unwrap_err();
        assert!(matches!(err, ConfigError::UnsupportedScheme { .. }));
        assert!(!err.to_string().contains("abcdef"));
        assert!(matches!(
            Config::from_args(&args("not a url")),
            Err(ConfigError::InvalidUrl { .. })
        ));
    }

    #[test]
    fn placements_parse() {
        assert_eq!(
            parse_placement("query", "Bearer", "token", "sid").unwrap(),
            CredentialPlacement::Query {
                name: "token".into()
            }
        );
        assert_eq!(
            parse_placement("cookie:session", "Bearer", "token", "sid").unwrap(),
            CredentialPlacement::Cookie {
                name: "session".into()
            }
        );
        assert_eq!(
            parse_placement("header:X-API-Key", "Bearer", "t", "c").unwrap(),
            CredentialPlacement::Header {
                name: "X-API-Key".into(),
                scheme: String::new()
            }
        );
        assert!(parse_placement("carrier-pigeon", "Bearer", "t", "c").is_err());
    }

    #[test]
    fn resolve_overrides_parse_like_curl() {
        let r = parse_resolve("api.test:443:127.0.0.1,[::1]").unwrap();
        assert_eq!(r.host, "api.test");
        assert_eq!(r.port, 443);
        assert_eq!(
            r.addrs,
            [
                "127.0.0.1".parse::<IpAddr>().unwrap(),
                "::1".parse().unwrap()
            ]
        );
        // curl's forms: a '+' prefix, the '*' wildcard, an IPv6 host in brackets, bare IPv6.
        let r = parse_resolve("+API.test:8080:[2001:db8::1], 10.0.0.1").unwrap();
        assert_eq!(
            (r.host.as_str(), r.port, r.addrs.len()),
            ("api.test", 8080, 2)
        );
        assert_eq!(parse_resolve("*:443:127.0.0.1").unwrap().host, "*");
        let r = parse_resolve("[::1]:443:127.0.0.1").unwrap();
        assert_eq!(r.host, "::1");
        assert_eq!(parse_resolve("h:1:::1").unwrap().addrs.len(), 1);
    }

    #[test]
    fn bad_resolve_values_say_what_is_wrong() {
        for (spec, says) in [
            ("api.test:notaport:1.2.3.4", "'notaport' as port"),
            ("api.test:0:1.2.3.4", "'0' as port"),
            ("api.test:443", "has no address"),
            ("api.test", "has no port"),
            (":443:127.0.0.1", "has no host"),
            ("api.test:443:127.0.0.1,", "an empty address"),
            (
                "api.test:443:not-an-ip",
                "'not-an-ip', which is not an IP address",
            ),
            ("api.test:443:[::1", "a '[' without its ']'"),
            ("[api.test]:443:127.0.0.1", "not an IPv6 address"),
            ("-api.test:443", "removes an entry"),
        ] {
            let err = parse_resolve(spec).unwrap_err().to_string();
            assert!(err.starts_with("invalid value for --resolve: "), "{err}");
            assert!(err.contains(says), "{spec}: {err}");
        }
    }

    #[test]
    fn connect_to_parses_like_curl() {
        let c = parse_connect_to("api.test:443:backend.test:8443").unwrap();
        assert_eq!(
            c,
            ConnectTo {
                host: Some("api.test".into()),
                port: Some(443),
                to_host: Some("backend.test".into()),
                to_port: Some(8443),
            }
        );
        let c = parse_connect_to("::[::1]:").unwrap();
        assert_eq!((c.host, c.port), (None, None));
        assert_eq!(c.to_host.as_deref(), Some("::1"));
        assert_eq!(c.to_port, None);
        let c = parse_connect_to("[2001:db8::1]:80:127.0.0.1:8080").unwrap();
        assert_eq!(c.host.as_deref(), Some("2001:db8::1"));
    }

    #[test]
    fn connect_to_matches_empty_fields_as_any_and_keeps_the_request_host() {
        let rules = vec![
            parse_connect_to("api.test:443:127.0.0.2:8443").unwrap(),
            parse_connect_to(":80::8080").unwrap(),
        ];
        assert_eq!(
            connect_route(&rules, "API.test", 443),
            ("127.0.0.2".to_string(), 8443)
        );
        // The first rule needs port 443; the second matches any host on 80 and keeps the host.
        assert_eq!(
            connect_route(&rules, "api.test", 80),
            ("api.test".to_string(), 8080)
        );
        assert_eq!(
            connect_route(&rules, "other.test", 81),
            ("other.test".to_string(), 81)
        );
        assert_eq!(connect_route(&[], "[::1]", 81), ("::1".to_string(), 81));
        let v6 = vec![parse_connect_to("[::1]:81:[::2]:").unwrap()];
        assert_eq!(connect_route(&v6, "[::1]", 81), ("::2".to_string(), 81));
    }

    #[test]
    fn bad_connect_to_values_say_what_is_wrong() {
        for (spec, says) in [
            ("api.test:443:backend.test", "has no PORT2"),
            ("api.test:443", "has no HOST2"),
            ("api.test", "has no port"),
            ("api.test:https:b:1", "'https' as port"),
            ("a:1:b:99999", "'99999' as port"),
            ("a:1:[b]:2", "not an IPv6 address"),
            ("a:1:b:2:3", "'2:3' as port"),
        ] {
            let err = parse_connect_to(spec).unwrap_err().to_string();
            assert!(err.starts_with("invalid value for --connect-to: "), "{err}");
            assert!(err.contains(says), "{spec}: {err}");
        }
    }

    #[test]
    fn same_origin_drops_default_ports() {
        let c = Config::from_args(&args("wss://Example.test/ws")).unwrap();
        assert_eq!(c.same_origin(), "https://example.test");
        let c = Config::from_args(&args("ws://127.0.0.1:8080/ws")).unwrap();
        assert_eq!(c.same_origin(), "http://127.0.0.1:8080");
    }

    #[test]
    fn missing_token_env_is_a_config_error() {
        let mut a = args("ws://h/");
        a.token_env = Some("WSDOCTOR_TEST_SURELY_UNSET_VAR".into());
        assert!(matches!(
            Config::from_args(&a),
            Err(ConfigError::MissingEnv { .. })
        ));
    }
}
