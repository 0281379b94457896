//! check::file: the check file (TOML). Each `[[target]]` becomes the same `ProbeArgs` the command
//! line would build (clap's defaults, then the target's keys, then `[defaults]`), so a target is
//! validated by `Config::from_args` exactly like `wsdoctor URL`. Secrets are never inline: a
//! credential comes from `token_env` or `token_file`. Reads the file; no network.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::expect::{Expectations, VerdictExpectation};
use crate::cli::{parse_duration, parse_header, HeaderArg, ProbeArgs};
use crate::config::Config;
use crate::diagnose::cause::Cause;
use crate::error::ConfigError;

/// The largest check file read (a check file is a short list of targets).
pub const MAX_CHECK_FILE_BYTES: u64 = 1024 * 1024;

/// The most targets one check file may hold.
pub const MAX_TARGETS: usize = 500;

/// A problem with a check file (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum CheckFileError {
    /// The file could not be read.
    #[error("cannot read check file '{}': {source}", path.display())]
    Read {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is too large.
    #[error("check file '{}' is larger than {MAX_CHECK_FILE_BYTES} bytes", path.display())]
    TooLarge {
        /// The path.
        path: PathBuf,
    },
    /// Not valid TOML, or a key or value of the wrong shape (the message names the line).
    #[error("check file '{}': {}", path.display(), unknown_key_message(message, NOT_TARGET_KEYS))]
    Toml {
        /// The path.
        path: PathBuf,
        /// toml's message, with line and column.
        message: String,
    },
    /// A target whose options or expectations are invalid.
    #[error("check file '{}', target {index} '{name}': {reason}", path.display())]
    Target {
        /// The path.
        path: PathBuf,
        /// 1-based position in the file.
        index: usize,
        /// The target's name.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// The file has no targets, too many, or duplicate names.
    #[error("check file '{}': {reason}", path.display())]
    Invalid {
        /// The path.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// Keys serde knows on a target that are themselves errors there (listed as valid, they mislead):
/// `token` is only accepted to say that secrets never go in a check file.
const NOT_TARGET_KEYS: &[&str] = &["token"];

/// serde's `unknown field `orgin`, expected one of `name`, `url`, …` made useful: the valid keys
/// without those that are errors in this file (`not_keys`), and the closest one as "did you
/// mean" (`orgin` → `origin`). Any other message is returned as it is; text before serde's
/// (a line and column) is kept.
pub fn unknown_key_message(message: &str, not_keys: &[&str]) -> String {
    let Some(at) = message.find("unknown field `") else {
        return message.to_string();
    };
    let (prefix, rest) = message.split_at(at);
    // toml's own Display puts the offending line between its position and serde's message: the
    // position is kept, the quoted line (which may hold a value) is not.
    let prefix = match prefix.lines().next().map(str::trim_end) {
        Some(first) if prefix.contains('\n') => format!("{}: ", first.trim_end_matches(':')),
        _ => prefix.to_string(),
    };
    let rest = &rest["unknown field `".len()..];
    let Some((key, tail)) = rest.split_once('`') else {
        return message.to_string();
    };
    let valid: Vec<&str> = tail
        .split_once("expected")
        .map(|(_, list)| list.split('`').skip(1).step_by(2).collect())
        .unwrap_or_default();
    let valid: Vec<&str> = valid
        .into_iter()
        .filter(|k| !not_keys.contains(k))
        .collect();
    let closest = valid
        .iter()
        .map(|k| (strsim::damerau_levenshtein(key, k), *k))
        .filter(|(d, k)| *d <= (k.len() / 3).max(1))
        .min();
    let mut out = format!("{prefix}unknown key `{key}`");
    if let Some((_, k)) = closest {
        out.push_str(&format!(" (did you mean `{k}`?)"));
    }
    if !valid.is_empty() {
        out.push_str(&format!("; valid keys: {}", valid.join(", ")));
    }
    out
}

/// One target's keys. Every key is optional so `[defaults]` can use the same table; `url` is
/// required of a merged target.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetSpec {
    /// Name in the summary (default: the URL).
    pub name: Option<String>,
    /// The WebSocket URL.
    pub url: Option<String>,
    /// An exporter module's own `allowed_targets` (rejected in a check file).
    pub allowed_targets: Option<Vec<String>>,
    /// Rejected: secrets never go in a check file (kept only to say so clearly).
    pub token: Option<toml::Value>,
    /// Environment variable holding the credential.
    pub token_env: Option<String>,
    /// File holding the credential.
    pub token_file: Option<PathBuf>,
    /// Credential placement (`header`, `query:NAME`, …), as `--auth`.
    pub auth: Option<String>,
    /// As `--auth-scheme`.
    pub auth_scheme: Option<String>,
    /// As `--token-param`.
    pub token_param: Option<String>,
    /// As `--cookie-name`.
    pub cookie_name: Option<String>,
    /// Extra request headers, name to value.
    pub headers: Option<BTreeMap<String, String>>,
    /// As `--origin`.
    pub origin: Option<String>,
    /// As `--subprotocol`.
    pub subprotocols: Option<Vec<String>>,
    /// As `--ticket-url`.
    pub ticket_url: Option<String>,
    /// As `--ticket-method`.
    pub ticket_method: Option<String>,
    /// As `--ticket-field`.
    pub ticket_field: Option<String>,
    /// As `--ticket-param`.
    pub ticket_param: Option<String>,
    /// As `--health-url`.
    pub health_url: Option<String>,
    /// As `--auth-check`.
    pub auth_check: Option<String>,
    /// As `--direct`.
    pub direct: Option<String>,
    /// As `--repeat`.
    pub repeat: Option<u32>,
    /// As `--foreign-origin`.
    pub foreign_origin: Option<String>,
    /// As `--quick`.
    pub quick: Option<bool>,
    /// As `--variants`: ids or groups (each entry may itself be a comma-separated list).
    pub variants: Option<Vec<String>>,
    /// As `--skip`.
    pub skip: Option<Vec<String>>,
    /// As `--safe`.
    pub safe: Option<bool>,
    /// As `--http1-only`.
    pub http1_only: Option<bool>,
    /// As `--http2-only`: the target passes only when its HTTP/2 path opens.
    pub http2_only: Option<bool>,
    /// As `--h2c`.
    pub h2c: Option<bool>,
    /// As `--cacert` (relative paths are relative to the check file).
    pub cacert: Option<Vec<PathBuf>>,
    /// As `--insecure`.
    pub insecure: Option<bool>,
    /// As `--cert` (relative to the check file).
    pub cert: Option<PathBuf>,
    /// As `--key` (relative to the check file).
    pub key: Option<PathBuf>,
    /// As `--resolve`.
    pub resolve: Option<Vec<String>>,
    /// As `--connect-to`.
    pub connect_to: Option<Vec<String>>,
    /// As `--timeout` ("5s", "500ms").
    pub timeout: Option<String>,
    /// As `--close-wait`.
    pub close_wait: Option<String>,
    /// As `--proxy` (`socks5h://…`, `http://…`, or `""` for none).
    pub proxy: Option<String>,
    /// As `--noproxy`.
    pub noproxy: Option<String>,
    /// As `--idle`.
    pub idle: Option<String>,
    /// As `--ping-interval`.
    pub ping_interval: Option<String>,
    /// As `--send`, one entry per message (`@FILE` is relative to the check file).
    pub send: Option<Vec<String>>,
    /// As `--expect-reply`.
    pub expect_reply: Option<String>,
    /// As `--reply-timeout`.
    pub reply_timeout: Option<String>,
    /// As `--connect-timeout`.
    pub connect_timeout: Option<String>,
    /// As `-A/--user-agent`.
    pub user_agent: Option<String>,
    /// As `-4` (`4`) or `-6` (`6`).
    pub ip_version: Option<u8>,
    /// As `--capath` (relative to the check file).
    pub capath: Option<Vec<PathBuf>>,
    /// `ok`, `fault` or a cause id.
    pub expect: Option<String>,
    /// A cause id.
    pub expect_cause: Option<String>,
    /// Origins whose upgrade must be refused.
    pub expect_origin_rejected: Option<Vec<String>>,
    /// Status of the attempt without any credential.
    pub expect_status_without_credentials: Option<u16>,
    /// Handshake budget in ms.
    pub max_handshake_ms: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckFileToml {
    #[serde(default)]
    defaults: TargetSpec,
    #[serde(default)]
    target: Vec<TargetSpec>,
}

/// A validated target, ready to probe.
#[derive(Debug, Clone)]
pub struct Target {
    /// Its name.
    pub name: String,
    /// The validated probe configuration.
    pub config: Config,
    /// What must hold.
    pub expectations: Expectations,
    /// Environment variables it reads that are not set here (`--dry-run` only: a real run stops
    /// on the first).
    pub unset_env: Vec<String>,
}

/// What `wsdoctor check` flags set for every target, over the file's own keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    /// `check --show-secrets`: redaction off for every target.
    pub show_secrets: bool,
    /// `check --quick`: every target baseline-only (its `variants` and `skip` are dropped).
    pub quick: bool,
    /// `check --safe`: every target production-safe.
    pub safe: bool,
    /// `check --timeout`: every target's overall time limit.
    pub timeout: Option<std::time::Duration>,
    /// `check --dry-run`: nothing is sent, so a `token_env` that is not set here is listed as
    /// needed rather than stopping the plan (a stand-in that never leaves the process takes its
    /// place).
    pub plan_only: bool,
}

/// Reads and validates a check file, with the command line's `overrides` over every target.
pub fn load(path: &Path, overrides: &Overrides) -> Result<Vec<Target>, CheckFileError> {
    let read_err = |source| CheckFileError::Read {
        path: path.to_path_buf(),
        source,
    };
    // Bounded by reading, not by metadata (/dev/zero says 0 bytes).
    let text = match crate::config::read_bounded_text(path, MAX_CHECK_FILE_BYTES) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::FileTooLarge => {
            return Err(CheckFileError::TooLarge {
                path: path.to_path_buf(),
            })
        }
        Err(e) => return Err(read_err(e)),
    };
    let base = path.parent().unwrap_or(Path::new("."));
    parse(&text, path, base, overrides)
}

/// Parses check-file text; `path` names the file in errors, `base` resolves relative paths.
pub fn parse(
    text: &str,
    path: &Path,
    base: &Path,
    overrides: &Overrides,
) -> Result<Vec<Target>, CheckFileError> {
    let file: CheckFileToml = toml::from_str(text).map_err(|e| CheckFileError::Toml {
        path: path.to_path_buf(),
        message: crate::config::toml_error(text, &e),
    })?;
    let invalid = |reason: String| CheckFileError::Invalid {
        path: path.to_path_buf(),
        reason,
    };
    if file.target.is_empty() {
        return Err(invalid(
            "no targets: add a [[target]] table with a url".into(),
        ));
    }
    if file.target.len() > MAX_TARGETS {
        return Err(invalid(format!(
            "{} targets is more than the limit of {MAX_TARGETS}",
            file.target.len()
        )));
    }
    let mut targets: Vec<Target> = Vec::with_capacity(file.target.len());
    // The command line's defaults, parsed once: clap costs more than the rest of a target's setup.
    let mut defaults = ProbeArgs::with_defaults("");
    defaults.show_secrets = overrides.show_secrets;
    for (i, spec) in file.target.into_iter().enumerate() {
        let spec = spec.or(&file.defaults);
        let shown_name = spec
            .name
            .clone()
            .or_else(|| {
                // Named by its URL: userinfo and credential parameters hidden.
                let hide = crate::secret::Redactor::new([], true);
                spec.url.as_deref().map(|u| hide.url(u))
            })
            .unwrap_or_else(|| format!("#{}", i + 1));
        let target = build_with(spec, &defaults, base, overrides).map_err(|reason| {
            CheckFileError::Target {
                path: path.to_path_buf(),
                index: i + 1,
                name: shown_name.clone(),
                reason,
            }
        })?;
        if targets.iter().any(|t| t.name == target.name) {
            return Err(invalid(format!(
                "two targets are named '{}': names must be unique",
                target.name
            )));
        }
        targets.push(target);
    }
    Ok(targets)
}

impl TargetSpec {
    /// This target's keys, with `defaults` filling the ones it leaves out.
    fn or(self, d: &TargetSpec) -> TargetSpec {
        macro_rules! merged {
            ($($f:ident),* $(,)?) => {
                TargetSpec { $( $f: self.$f.or_else(|| d.$f.clone()), )* }
            };
        }
        merged!(
            name,
            url,
            allowed_targets,
            token,
            token_env,
            token_file,
            auth,
            auth_scheme,
            token_param,
            cookie_name,
            headers,
            origin,
            subprotocols,
            ticket_url,
            ticket_method,
            ticket_field,
            ticket_param,
            health_url,
            auth_check,
            direct,
            repeat,
            foreign_origin,
            quick,
            variants,
            skip,
            safe,
            http1_only,
            http2_only,
            h2c,
            cacert,
            insecure,
            cert,
            key,
            resolve,
            connect_to,
            timeout,
            close_wait,
            proxy,
            noproxy,
            idle,
            ping_interval,
            send,
            expect_reply,
            reply_timeout,
            connect_timeout,
            user_agent,
            ip_version,
            capath,
            expect,
            expect_cause,
            expect_origin_rejected,
            expect_status_without_credentials,
            max_handshake_ms,
        )
    }
}

/// Turns a merged spec into the command line's `ProbeArgs`, then validates it through
/// `Config::from_args`, the one path every probe takes.
pub fn build(spec: TargetSpec, defaults: &ProbeArgs, base: &Path) -> Result<Target, String> {
    build_with(spec, defaults, base, &Overrides::default())
}

/// [`build`] with `wsdoctor check`'s flags over the spec's keys.
pub fn build_with(
    spec: TargetSpec,
    defaults: &ProbeArgs,
    base: &Path,
    overrides: &Overrides,
) -> Result<Target, String> {
    if spec.token.is_some() {
        return Err(
            "inline secrets are not allowed in a check file: name an environment variable with token_env or a file with token_file"
                .into(),
        );
    }
    if spec.allowed_targets.is_some() {
        return Err(
            "allowed_targets is a key of the exporter's modules, not of a check target".into(),
        );
    }
    let url = spec.url.ok_or("no url")?;
    let mut args = defaults.clone();
    args.url = Some(url.clone());
    args.token_env = spec.token_env;
    if args.token_env.is_some() && spec.token_file.is_some() {
        return Err("token_env and token_file are exclusive: give one".into());
    }
    let mut unset_env = Vec::new();
    if overrides.plan_only {
        if let Some(var) = args.token_env.clone() {
            if std::env::var(&var).map_or(true, |v| v.is_empty()) {
                args.token_env = None;
                args.token = Some(crate::secret::Secret::new("dry-run-stand-in"));
                unset_env.push(var);
            }
        }
    }
    args.token_file = spec.token_file.map(|p| base.join(p));
    macro_rules! set {
        ($($f:ident),*) => { $( if let Some(v) = spec.$f { args.$f = v; } )* };
    }
    set!(
        auth,
        auth_scheme,
        token_param,
        cookie_name,
        ticket_method,
        ticket_field,
        ticket_param,
        repeat,
        foreign_origin
    );
    args.origin = spec.origin;
    args.ticket_url = spec.ticket_url;
    args.health_url = spec.health_url;
    args.auth_check = spec.auth_check;
    args.direct = spec.direct;
    args.quick = spec.quick.unwrap_or(false);
    args.variants = spec.variants.unwrap_or_default();
    args.skip = spec.skip.unwrap_or_default();
    args.safe = spec.safe.unwrap_or(false);
    args.http1_only = spec.http1_only.unwrap_or(false);
    args.http2_only = spec.http2_only.unwrap_or(false);
    args.h2c = spec.h2c.unwrap_or(false);
    if args.http1_only && args.http2_only {
        return Err("http1_only and http2_only cannot both be true".into());
    }
    if args.http1_only && args.h2c {
        return Err("http1_only and h2c cannot both be true".into());
    }
    args.insecure = spec.insecure.unwrap_or(false);
    args.subprotocols = spec.subprotocols.unwrap_or_default();
    args.resolve = spec.resolve.unwrap_or_default();
    args.connect_to = spec.connect_to.unwrap_or_default();
    args.cert = spec.cert.map(|p| base.join(p));
    args.key = spec.key.map(|p| base.join(p));
    args.cacert = spec
        .cacert
        .unwrap_or_default()
        .into_iter()
        .map(|p| base.join(p))
        .collect();
    args.headers = spec
        .headers
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| {
            parse_header(&format!("{k}: {v}"))
                .map(|(k, v)| HeaderArg::Line(k, v))
                .map_err(|e| format!("headers: {e}"))
        })
        .collect::<Result<_, _>>()?;
    if let Some(t) = spec.timeout {
        args.timeout = parse_duration(&t).map_err(|e| format!("timeout: {e}"))?;
    }
    if let Some(t) = spec.close_wait {
        args.close_wait = parse_duration(&t).map_err(|e| format!("close_wait: {e}"))?;
    }
    args.proxy = spec.proxy;
    args.noproxy = spec.noproxy;
    if let Some(t) = spec.idle {
        args.idle = Some(parse_duration(&t).map_err(|e| format!("idle: {e}"))?);
    }
    if let Some(t) = spec.ping_interval {
        args.ping_interval = Some(parse_duration(&t).map_err(|e| format!("ping_interval: {e}"))?);
    }
    args.send = spec
        .send
        .unwrap_or_default()
        .into_iter()
        .map(|m| match m.strip_prefix('@') {
            Some(p) => format!("@{}", base.join(p).display()),
            None => m,
        })
        .collect();
    args.expect_reply = spec.expect_reply;
    if let Some(t) = spec.connect_timeout {
        args.connect_timeout =
            Some(parse_duration(&t).map_err(|e| format!("connect_timeout: {e}"))?);
    }
    args.user_agent = spec.user_agent;
    match spec.ip_version {
        None => {}
        Some(4) => args.ipv4 = true,
        Some(6) => args.ipv6 = true,
        Some(n) => return Err(format!("ip_version: {n} is neither 4 nor 6")),
    }
    args.capath = spec
        .capath
        .unwrap_or_default()
        .into_iter()
        .map(|p| base.join(p))
        .collect();
    if let Some(t) = spec.reply_timeout {
        args.reply_timeout = parse_duration(&t).map_err(|e| format!("reply_timeout: {e}"))?;
    }
    // The command line over the file: `check --quick` makes the target baseline-only, so the
    // file's choice among its variants no longer applies.
    if overrides.quick {
        args.quick = true;
        args.variants.clear();
        args.skip.clear();
    }
    args.safe |= overrides.safe;
    if let Some(t) = overrides.timeout {
        args.timeout = t;
    }
    args.expect = spec.expect;
    args.expect_origin_rejected = spec.expect_origin_rejected.unwrap_or_default();
    args.expect_status_without_credentials = spec.expect_status_without_credentials;
    args.max_handshake_ms = spec.max_handshake_ms;
    if overrides.quick
        && (!args.expect_origin_rejected.is_empty()
            || args.expect_status_without_credentials.is_some())
    {
        return Err("expect_origin_rejected and expect_status_without_credentials read the variants, which check --quick skips".into());
    }
    let mut expectations = expectations_of(&args).map_err(|e| e.to_string())?;
    if let Some(id) = spec.expect_cause {
        expectations.cause = Some(Cause::from_id(&id).ok_or_else(|| {
            format!("expect_cause: '{id}' is not a cause id from docs/causes.md")
        })?);
    }
    if args.quick && expectations.needs_variants() {
        return Err("expect_origin_rejected and expect_status_without_credentials read the variants, which quick = true skips".into());
    }
    let config = Config::from_args(&args).map_err(|e| e.to_string())?;
    Ok(Target {
        name: spec.name.unwrap_or_else(|| config.redactor.url(&url)),
        config,
        expectations,
        unset_env,
    })
}

/// The assertions given as probe flags (`--expect`, …), also used for check-file targets.
pub fn expectations_of(args: &ProbeArgs) -> Result<Expectations, ConfigError> {
    let verdict = match &args.expect {
        Some(s) => {
            Some(
                VerdictExpectation::parse(s).map_err(|reason| ConfigError::InvalidValue {
                    flag: "--expect",
                    reason,
                })?,
            )
        }
        None => None,
    };
    if args.quick
        && (!args.expect_origin_rejected.is_empty()
            || args.expect_status_without_credentials.is_some())
    {
        return Err(ConfigError::InvalidValue {
            flag: "--quick",
            reason: "--expect-origin-rejected and --expect-status-without-credentials read the variants, which --quick skips".into(),
        });
    }
    Ok(Expectations {
        verdict,
        cause: None,
        origin_rejected: args.expect_origin_rejected.clone(),
        status_without_credentials: args.expect_status_without_credentials,
        max_handshake_ms: args.max_handshake_ms,
        reply: args.expect_reply.clone(),
        http2_path_open: args.http2_only,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Vec<Target>, CheckFileError> {
        parse_with(text, &Overrides::default())
    }

    fn parse_with(text: &str, o: &Overrides) -> Result<Vec<Target>, CheckFileError> {
        parse(text, Path::new("check.toml"), Path::new("."), o)
    }

    #[test]
    fn a_target_gets_cli_defaults_then_defaults_then_its_own_keys() {
        let targets = parse_str(
            r#"
[defaults]
timeout = "3s"
close_wait = "100ms"

[[target]]
name = "chat"
url = "ws://127.0.0.1:9/ws"
origin = "https://app.example"
headers = { "X-Trace" = "1" }
expect_origin_rejected = ["https://evil.example"]
expect_status_without_credentials = 401
max_handshake_ms = 500

[[target]]
url = "http://127.0.0.1:9/other"
timeout = "1s"
expect = "auth.missing_credentials"
"#,
        )
        .unwrap();
        assert_eq!(targets.len(), 2);
        let chat = &targets[0];
        assert_eq!(chat.name, "chat");
        assert_eq!(chat.config.timeout, std::time::Duration::from_secs(3));
        assert_eq!(
            chat.config.close_wait,
            std::time::Duration::from_millis(100)
        );
        assert_eq!(chat.config.auth_scheme, "Bearer");
        assert_eq!(chat.config.headers, [("X-Trace".to_string(), "1".into())]);
        assert_eq!(chat.config.extra_origins, ["https://evil.example"]);
        assert_eq!(chat.expectations.status_without_credentials, Some(401));
        let other = &targets[1];
        assert_eq!(other.name, "http://127.0.0.1:9/other");
        assert_eq!(other.config.target.scheme(), "ws");
        assert_eq!(other.config.timeout, std::time::Duration::from_secs(1));
        assert_eq!(
            other.expectations.verdict,
            Some(VerdictExpectation::Cause(Cause::AuthMissingCredentials))
        );
    }

    #[test]
    fn http2_only_and_h2c_keys_are_the_flags_and_http2_only_is_an_assertion() {
        let targets = parse_str(
            r#"
[[target]]
url = "wss://127.0.0.1:9/ws"
http2_only = true

[[target]]
url = "ws://127.0.0.1:9/ws"
h2c = true
http2_only = true
expect = "ok"
"#,
        )
        .unwrap();
        assert!(targets[0].config.http2_only);
        assert!(targets[0].expectations.http2_path_open);
        // The assertion replaces the implicit `expect = ok`: the verdict is about the HTTP/2 path.
        assert_eq!(
            crate::check::expect::evaluate_names(&targets[0].expectations),
            ["http2_only = true"]
        );
        assert!(targets[1].config.h2c && targets[1].config.http2_only);
        assert_eq!(
            crate::check::expect::evaluate_names(&targets[1].expectations),
            ["expect = ok", "http2_only = true"]
        );
        for bad in [
            "http1_only = true\nhttp2_only = true",
            "http1_only = true\nh2c = true",
        ] {
            let text = format!("[[target]]\nurl = \"ws://127.0.0.1:9/ws\"\n{bad}\n");
            let e = parse_str(&text).unwrap_err().to_string();
            assert!(e.contains("cannot both be true"), "{e}");
        }
        let e = parse_str("[[target]]\nurl = \"ws://127.0.0.1:9/ws\"\nhttp2_only = true\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("--h2c"), "{e}");
    }

    #[test]
    fn send_expect_reply_idle_and_proxy_keys_go_through_the_command_lines_validation() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("init.json"),
            r#"{"type":"connection_init"}"#,
        )
        .unwrap();
        let text = r#"
[[target]]
url = "ws://127.0.0.1:9/graphql"
send = ["@init.json", "40"]
expect_reply = '"type":"connection_ack"'
reply_timeout = "3s"
idle = "10s"
ping_interval = "2s"
proxy = "socks5h://127.0.0.1:1080"
noproxy = "internal.test"
"#;
        let targets = parse(
            text,
            Path::new("check.toml"),
            dir.path(),
            &Overrides::default(),
        )
        .expect("valid");
        let t = &targets[0];
        let c = t.config.conversation.as_ref().expect("a conversation");
        assert_eq!(
            c.messages,
            [
                crate::config::conversation::Payload::Text(r#"{"type":"connection_init"}"#.into()),
                crate::config::conversation::Payload::Text("40".into())
            ]
        );
        assert_eq!(c.reply_timeout, std::time::Duration::from_secs(3));
        assert_eq!(
            t.expectations.reply.as_deref(),
            Some(r#""type":"connection_ack""#)
        );
        assert_eq!(t.config.idle, Some(std::time::Duration::from_secs(10)));
        assert_eq!(
            t.config.ping_interval,
            Some(std::time::Duration::from_secs(2))
        );
        assert!(t.config.proxy.is_some());
        let curl_keys = parse_str(
            "[[target]]\nurl = \"ws://h.test/ws\"\nconnect_timeout = \"2s\"\nuser_agent = \"probe/1\"\nip_version = 6\n",
        )
        .expect("valid");
        let c = &curl_keys[0].config;
        assert_eq!(c.connect_timeout, Some(std::time::Duration::from_secs(2)));
        assert_eq!(c.ip_family, Some(crate::config::IpFamily::V6));
        assert!(
            c.headers
                .iter()
                .any(|(k, v)| k.eq_ignore_ascii_case("user-agent") && v.as_ref() == "probe/1"),
            "{:?}",
            c.headers
        );
        let bad = parse_str("[[target]]\nurl = \"ws://h.test/ws\"\nip_version = 5\n")
            .unwrap_err()
            .to_string();
        assert!(bad.contains("neither 4 nor 6"), "{bad}");
        // The same validation as the command line: a bad pattern names the flag.
        let bad = parse_str("[[target]]\nurl = \"ws://h.test/ws\"\nexpect_reply = \"(\"\n")
            .unwrap_err()
            .to_string();
        assert!(bad.contains("--expect-reply"), "{bad}");
    }

    #[test]
    fn bad_toml_names_the_line() {
        let err = parse_str("[[target]]\nurl = \"ws://h/\"\nexpect = \n").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("line 3"), "{text}");
        let err = parse_str("[[target]]\nurl = \"ws://h/\"\nexpct = \"ok\"\n").unwrap_err();
        assert!(err.to_string().contains("expct"), "{err}");
    }

    #[test]
    fn inline_tokens_unknown_causes_and_bad_urls_are_refused() {
        let e = parse_str("[[target]]\nurl = \"ws://h/\"\ntoken = \"x\"\n").unwrap_err();
        assert!(
            e.to_string().contains("inline secrets are not allowed"),
            "{e}"
        );
        let e = parse_str("[[target]]\nurl = \"ws://h/\"\nexpect = \"auth.nope\"\n").unwrap_err();
        assert!(
            e.to_string()
                .contains("'auth.nope' is not ok, fault or a cause id"),
            "{e}"
        );
        let e = parse_str("[[target]]\nname = \"x\"\nurl = \"ftp://h/\"\n").unwrap_err();
        assert!(
            e.to_string().contains("target 1 'x': unsupported scheme"),
            "{e}"
        );
        let e = parse_str("[[target]]\nurl = \"ws://h/\"\nquick = true\nexpect_status_without_credentials = 401\n").unwrap_err();
        assert!(e.to_string().contains("quick"), "{e}");
        let e = parse_str("[[target]]\nname = \"a\"\nurl = \"ws://h/\"\n[[target]]\nname = \"a\"\nurl = \"ws://h/\"\n").unwrap_err();
        assert!(e.to_string().contains("two targets are named 'a'"), "{e}");
        assert!(parse_str("")
            .unwrap_err()
            .to_string()
            .contains("no targets"));
    }

    #[test]
    fn variants_skip_and_safe_keys_go_through_the_command_lines_parser() {
        use crate::config::variants::Selector;
        let targets = parse_str(
            r#"
[defaults]
safe = true

[[target]]
name = "narrow"
url = "ws://127.0.0.1:9/ws"
variants = ["credential.none", "origin,controls"]
skip = ["origin.null"]

[[target]]
name = "unsafe-on-purpose"
url = "ws://127.0.0.1:9/ws"
safe = false
"#,
        )
        .unwrap();
        let narrow = &targets[0].config.selection;
        assert_eq!(
            narrow.only,
            Some(vec![
                Selector::Id("credential.none".into()),
                Selector::Group("origin"),
                Selector::Group("control"),
            ])
        );
        assert_eq!(narrow.skip, vec![Selector::Id("origin.null".into())]);
        assert!(narrow.safe, "[defaults] safe applies");
        assert!(!targets[1].config.selection.safe, "a target's own key wins");
        // The same usage errors as the command line, named for the target.
        let e = parse_str("[[target]]\nname = \"t\"\nurl = \"ws://h/\"\nskip = [\"orign\"]\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("target 1 't': invalid value for --skip: 'orign' is not a variant id or group (did you mean 'origin'?)"),
            "{e}"
        );
        let e = parse_str("[[target]]\nurl = \"ws://h/\"\nquick = true\nvariants = [\"origin\"]\n")
            .unwrap_err();
        assert!(e.to_string().contains("--quick does not run"), "{e}");
        let e = parse_str("[[target]]\nurl = \"ws://h/\"\nsafe = true\nexpect_origin_rejected = [\"https://evil.example\"]\n")
            .unwrap_err();
        assert!(e.to_string().contains("which --safe does not send"), "{e}");
        let e = parse_str("[[target]]\nurl = \"ws://h/\"\nsafe = \"yes\"\n").unwrap_err();
        assert!(e.to_string().contains("safe"), "{e}");
    }

    #[test]
    fn check_flags_override_every_targets_quick_safe_and_timeout() {
        let text = r#"
[defaults]
timeout = "3s"

[[target]]
name = "narrow"
url = "ws://127.0.0.1:9/ws"
variants = ["origin"]
safe = false

[[target]]
name = "own-timeout"
url = "ws://127.0.0.1:9/other"
timeout = "20s"
"#;
        let plain = parse_str(text).unwrap();
        assert!(!plain[0].config.quick && !plain[0].config.selection.safe);
        assert_eq!(plain[1].config.timeout, std::time::Duration::from_secs(20));
        let o = Overrides {
            quick: true,
            safe: true,
            timeout: Some(std::time::Duration::from_millis(1500)),
            ..Overrides::default()
        };
        let over = parse_with(text, &o).unwrap();
        for t in &over {
            assert!(t.config.quick, "{}", t.name);
            assert!(t.config.selection.safe, "{}", t.name);
            assert!(
                !t.config.selection.is_narrowed(),
                "{}: quick drops variants",
                t.name
            );
            assert_eq!(t.config.timeout, std::time::Duration::from_millis(1500));
            assert_eq!(crate::plan::build(&t.config).attempts.len(), 1);
        }
        // --quick cannot keep an assertion that reads the variants: the error says who asked.
        let e = parse_with(
            "[[target]]\nurl = \"ws://h/\"\nexpect_status_without_credentials = 401\n",
            &Overrides {
                quick: true,
                ..Overrides::default()
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains("which check --quick skips"), "{e}");
        let e = parse_with(
            "[[target]]\nurl = \"ws://h/\"\nexpect_origin_rejected = [\"https://evil.example\"]\n",
            &Overrides {
                safe: true,
                ..Overrides::default()
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains("which --safe does not send"), "{e}");
        // A zero --timeout is refused as on the command line.
        let e = parse_with(
            "[[target]]\nurl = \"ws://h/\"\n",
            &Overrides {
                timeout: Some(std::time::Duration::ZERO),
                ..Overrides::default()
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains("--timeout"), "{e}");
    }

    #[test]
    fn a_missing_token_env_is_a_target_error() {
        let e = parse_str(
            "[[target]]\nurl = \"ws://h/\"\ntoken_env = \"WSDOCTOR_TEST_SURELY_UNSET\"\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("WSDOCTOR_TEST_SURELY_UNSET"), "{e}");
    }
}
