//! exporter::config: the exporter's TOML file. `[module.NAME]` tables take the keys of a check
//! file's `[[target]]` minus `url` and `name`, and every module is validated at load time through
//! the same path as a check target and the command line (`check::file::build`), with a placeholder
//! URL; `/probe` later builds the same spec with the scraped target. `allowed_targets` restricts
//! what the exporter will probe. Reads the file; no network.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::pattern::Pattern;
use globset::GlobBuilder;
use serde::Deserialize;

use crate::check::file::{self, Target, TargetSpec};
use crate::cli::ProbeArgs;

/// The largest config file read.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// The module used when a scrape names none.
pub const DEFAULT_MODULE: &str = "default";

/// Probes run at the same time unless `max_concurrent_probes` says otherwise, per core: a probe
/// waiting on a silent target costs a socket, not CPU, so the default leaves room for many of
/// them beside the healthy ones (docs/exporter.md has the measurement).
pub const DEFAULT_PROBES_PER_CORE: usize = 64;

/// The bounds of the default `max_concurrent_probes` (whatever the core count).
pub const DEFAULT_MAX_CONCURRENT_RANGE: (usize, usize) = (128, 1024);

/// The default `max_concurrent_probes`: `DEFAULT_PROBES_PER_CORE` × the cores available, within
/// `DEFAULT_MAX_CONCURRENT_RANGE` (128 on a 1- or 2-core machine).
pub fn default_max_concurrent() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let (low, high) = DEFAULT_MAX_CONCURRENT_RANGE;
    (DEFAULT_PROBES_PER_CORE * cores).clamp(low, high)
}

/// The share of the probe slots one target may hold at once: a quarter (at least one), so that
/// a target scraped many times at once (or black-holed) leaves three quarters to the others.
pub fn per_target_limit(max_concurrent: usize) -> usize {
    (max_concurrent / 4).max(1)
}

/// Reports kept for `/` and `/report` unless `keep_reports` says otherwise.
pub const DEFAULT_KEEP_REPORTS: usize = 100;

/// What blackbox_exporter takes off Prometheus' scrape timeout so the answer arrives in time.
pub const SCRAPE_TIMEOUT_MARGIN: Duration = Duration::from_millis(500);

/// The URL a module is validated with at load time (never probed).
const PLACEHOLDER_URL: &str = "ws://127.0.0.1/";

/// Keys of a check target that are errors in a module (the scrape gives the target; secrets come
/// from token_env or token_file): not offered as valid keys.
const NOT_MODULE_KEYS: &[&str] = &["name", "url", "token"];

/// A problem with the exporter's config (exit 2 at start-up; a reload keeps the old config).
#[derive(Debug, thiserror::Error)]
pub enum ExporterConfigError {
    /// The file could not be read.
    #[error("cannot read exporter config '{}': {source}", path.display())]
    Read {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is too large.
    #[error("exporter config '{}' is larger than {MAX_CONFIG_BYTES} bytes", path.display())]
    TooLarge {
        /// The path.
        path: PathBuf,
    },
    /// Not valid TOML, or a key of the wrong shape (the message names the line).
    #[error("exporter config '{}': {}", path.display(), crate::check::file::unknown_key_message(message, NOT_MODULE_KEYS))]
    Toml {
        /// The path.
        path: PathBuf,
        /// toml's message.
        message: String,
    },
    /// A module whose keys are invalid.
    #[error("exporter config '{}', module '{name}': {reason}", path.display())]
    Module {
        /// The path.
        path: PathBuf,
        /// The module's name.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// Anything else that is wrong (a bad pattern, a zero limit).
    #[error("exporter config '{}': {reason}", path.display())]
    Invalid {
        /// The path.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigToml {
    #[serde(default)]
    allowed_targets: Vec<String>,
    max_concurrent_probes: Option<usize>,
    keep_reports: Option<usize>,
    #[serde(default)]
    enable_reload: bool,
    #[serde(default)]
    module: BTreeMap<String, TargetSpec>,
}

/// A validated module.
#[derive(Debug, Clone)]
pub struct Module {
    /// Its name.
    pub name: String,
    spec: TargetSpec,
    /// The module's own timeout (before the scrape timeout bounds it).
    pub timeout: Duration,
    /// The module's own `allowed_targets`: its targets must match one of them as well as the
    /// exporter-wide list (empty: the exporter-wide list alone decides).
    allowed: Vec<(String, Pattern)>,
    /// Whether the module sends a credential (a token, a cookie, a client certificate…).
    pub sends_credential: bool,
}

/// A validated exporter config.
#[derive(Debug, Clone)]
pub struct ExporterConfig {
    /// Modules by name (`default` always present).
    pub modules: BTreeMap<String, Module>,
    allowed: Vec<(String, Pattern)>,
    /// Probes run at the same time (read at start-up only).
    pub max_concurrent: usize,
    /// Reports kept in memory.
    pub keep_reports: usize,
    /// `POST /-/reload` is served (off unless the config turns it on).
    pub enable_reload: bool,
    defaults: ProbeArgs,
    base: PathBuf,
}

impl ExporterConfig {
    /// The config without a file: the `default` module only, every target allowed.
    pub fn builtin() -> ExporterConfig {
        let defaults = ProbeArgs::with_defaults("");
        ExporterConfig {
            modules: BTreeMap::from([(
                DEFAULT_MODULE.to_string(),
                Module {
                    name: DEFAULT_MODULE.to_string(),
                    spec: TargetSpec::default(),
                    timeout: defaults.timeout,
                    allowed: Vec::new(),
                    sends_credential: false,
                },
            )]),
            allowed: Vec::new(),
            max_concurrent: default_max_concurrent(),
            keep_reports: DEFAULT_KEEP_REPORTS,
            enable_reload: false,
            defaults,
            base: PathBuf::from("."),
        }
    }

    /// Reads and validates the config file.
    pub fn load(path: &Path) -> Result<ExporterConfig, ExporterConfigError> {
        let read_err = |source| ExporterConfigError::Read {
            path: path.to_path_buf(),
            source,
        };
        // Bounded by reading, not by metadata (/dev/zero says 0 bytes).
        let text = match crate::config::read_bounded_text(path, MAX_CONFIG_BYTES) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::FileTooLarge => {
                return Err(ExporterConfigError::TooLarge {
                    path: path.to_path_buf(),
                })
            }
            Err(e) => return Err(read_err(e)),
        };
        let base = path.parent().unwrap_or(Path::new("."));
        ExporterConfig::parse(&text, path, base)
    }

    /// Parses config text; `path` names the file in errors, `base` resolves relative paths.
    pub fn parse(
        text: &str,
        path: &Path,
        base: &Path,
    ) -> Result<ExporterConfig, ExporterConfigError> {
        let raw: ConfigToml = toml::from_str(text).map_err(|e| ExporterConfigError::Toml {
            path: path.to_path_buf(),
            message: crate::config::toml_error(text, &e),
        })?;
        let invalid = |reason: String| ExporterConfigError::Invalid {
            path: path.to_path_buf(),
            reason,
        };
        let mut config = ExporterConfig::builtin();
        config.base = base.to_path_buf();
        match raw.max_concurrent_probes {
            Some(0) => return Err(invalid("max_concurrent_probes must be at least 1".into())),
            Some(n) => config.max_concurrent = n,
            None => {}
        }
        if let Some(n) = raw.keep_reports {
            config.keep_reports = n;
        }
        config.enable_reload = raw.enable_reload;
        config.allowed = patterns(raw.allowed_targets).map_err(invalid)?;
        for (name, mut spec) in raw.module {
            let module_err = |reason: String| ExporterConfigError::Module {
                path: path.to_path_buf(),
                name: name.clone(),
                reason,
            };
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
            {
                return Err(module_err(
                    "a module name is letters, digits, '_', '-' and '.'".into(),
                ));
            }
            if spec.url.is_some() {
                return Err(module_err(
                    "url is not a module key: Prometheus passes the target (?target=URL)".into(),
                ));
            }
            if spec.name.is_some() {
                return Err(module_err(
                    "name is not a module key: the module's name is its table name".into(),
                ));
            }
            let allowed =
                patterns(spec.allowed_targets.take().unwrap_or_default()).map_err(&module_err)?;
            // Validated now, with a placeholder URL, through the path every probe takes.
            let target = config
                .build_spec(&spec, PLACEHOLDER_URL)
                .map_err(module_err)?;
            let c = &target.config;
            let sends_credential = c.credential.is_some()
                || c.trust.client_identity.is_some()
                || spec.headers.as_ref().is_some_and(|h| !h.is_empty());
            config.modules.insert(
                name.clone(),
                Module {
                    name,
                    spec,
                    timeout: target.config.timeout,
                    allowed,
                    sends_credential,
                },
            );
        }
        Ok(config)
    }

    fn build_spec(&self, spec: &TargetSpec, url: &str) -> Result<Target, String> {
        let mut spec = spec.clone();
        spec.url = Some(url.to_string());
        file::build(spec, &self.defaults, &self.base)
    }

    /// Builds the probe of `target` with `module`, validated like any other probe.
    pub fn target(&self, module: &Module, target: &url::Url) -> Result<Target, String> {
        self.build_spec(&module.spec, target.as_str())
    }

    /// The `allowed_targets` patterns as written (empty: everything is allowed).
    pub fn allowed_patterns(&self) -> Vec<&str> {
        self.allowed.iter().map(|(p, _)| p.as_str()).collect()
    }

    /// True when `target` (normalised: `ws`/`wss`, no userinfo) may be probed by some module:
    /// the exporter-wide `allowed_targets` alone.
    pub fn allows(&self, target: &url::Url) -> bool {
        matches_any(&self.allowed, target)
    }

    /// True when `module` may probe `target`: it matches the exporter-wide `allowed_targets`
    /// and the module's own, each when set. A module's credential thus only ever goes to that
    /// module's targets.
    pub fn allows_for(&self, module: &Module, target: &url::Url) -> bool {
        matches_any(&self.allowed, target) && matches_any(&module.allowed, target)
    }

    /// The modules that send a credential to any target a scraper names (no `allowed_targets`,
    /// neither the module's nor the exporter's).
    pub fn open_credential_modules(&self) -> Vec<&str> {
        self.modules
            .values()
            .filter(|m| m.sends_credential && self.allowed.is_empty() && m.allowed.is_empty())
            .map(|m| m.name.as_str())
            .collect()
    }
}

impl Module {
    /// The module's own `allowed_targets` patterns as written.
    pub fn allowed_patterns(&self) -> Vec<&str> {
        self.allowed.iter().map(|(p, _)| p.as_str()).collect()
    }
}

/// True when `patterns` is empty or one of them matches `target`.
fn matches_any(patterns: &[(String, Pattern)], target: &url::Url) -> bool {
    patterns.is_empty() || patterns.iter().any(|(_, g)| g.is_match(target.as_str()))
}

/// Compiles `allowed_targets` patterns (`*` never crosses a `/`).
fn patterns(raw: Vec<String>) -> Result<Vec<(String, Pattern)>, String> {
    raw.into_iter()
        .map(|pattern| {
            let glob = GlobBuilder::new(&pattern)
                .literal_separator(true)
                .build()
                .map_err(|e| format!("allowed_targets: '{pattern}': {e}"))?;
            let matcher =
                Pattern::glob(&glob).map_err(|e| format!("allowed_targets: '{pattern}': {e}"))?;
            Ok((pattern, matcher))
        })
        .collect()
}

/// A target as it may be shown (answers, logs, the report index): sensitive query parameters
/// (`token`, `access_token`, `ticket`, …) replaced, as every wsdoctor output does.
pub fn shown_target(raw: &str) -> String {
    crate::secret::Redactor::new([], true).url(raw)
}

/// The target of a scrape, normalised for the allowlist: `http`/`https` read as `ws`/`wss` (as
/// the probe does), no userinfo (a credential never travels in a scrape URL), no fragment.
pub fn normalise_target(raw: &str) -> Result<url::Url, String> {
    let mut url = url::Url::parse(raw)
        .map_err(|e| format!("target '{}' is not a URL: {e}", shown_target(raw)))?;
    let scheme = match url.scheme() {
        "ws" | "http" => "ws",
        "wss" | "https" => "wss",
        other => {
            return Err(format!(
                "target scheme '{other}' is not ws, wss, http or https"
            ))
        }
    };
    if url.scheme() != scheme {
        // http -> ws and https -> wss are both "special" schemes: set_scheme accepts them.
        let _ = url.set_scheme(scheme);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "a target with user:password is refused: credentials come from the module's token_env or token_file"
                .into(),
        );
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("target '{}' has no host", shown_target(raw)));
    }
    url.set_fragment(None);
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ExporterConfig, ExporterConfigError> {
        ExporterConfig::parse(text, Path::new("exporter.toml"), Path::new("."))
    }

    #[test]
    fn modules_are_validated_like_check_targets() {
        let c = parse(
            "[module.chat]\norigin = \"https://chat.example\"\ntimeout = \"4s\"\nquick = true\n",
        )
        .unwrap();
        assert_eq!(c.modules["chat"].timeout, Duration::from_secs(4));
        assert!(c.modules.contains_key(DEFAULT_MODULE));
        let e = parse("[module.chat]\ntimeout = \"soon\"\n").unwrap_err();
        assert!(e.to_string().contains("module 'chat': timeout"), "{e}");
        let e = parse("[module.chat]\ntoken = \"x\"\n").unwrap_err();
        assert!(e.to_string().contains("inline secrets"), "{e}");
        let e = parse("[module.chat]\nurl = \"ws://h/\"\n").unwrap_err();
        assert!(e.to_string().contains("url is not a module key"), "{e}");
        let e = parse("[module.chat]\norgin = \"x\"\n").unwrap_err();
        assert!(e.to_string().contains("orgin"), "{e}");
        let e =
            parse("[module.chat]\ntoken_env = \"WSDOCTOR_EXPORTER_SURELY_UNSET\"\n").unwrap_err();
        assert!(
            e.to_string().contains("WSDOCTOR_EXPORTER_SURELY_UNSET"),
            "{e}"
        );
        let e = parse("max_concurrent_probes = 0\n").unwrap_err();
        assert!(e.to_string().contains("at least 1"), "{e}");
    }

    #[test]
    fn allowed_targets_match_whole_hosts_and_never_cross_a_slash() {
        let c = parse("allowed_targets = [\"wss://*.example.com/**\", \"ws://127.0.0.1:*/**\"]\n")
            .unwrap();
        let ok = |u: &str| c.allows(&normalise_target(u).unwrap());
        assert!(ok("wss://chat.example.com/ws"));
        assert!(ok("https://chat.example.com/a/b?x=1"));
        assert!(ok("ws://127.0.0.1:8080/ws"));
        // `*` cannot swallow a path or another host.
        assert!(!ok("wss://evil.test/.example.com/ws"));
        assert!(!ok("wss://chat.example.com.evil.test/ws"));
        assert!(!ok("wss://chat.example.com:8443/ws"));
        assert!(!ok("ws://127.0.0.2:80/ws"));
        // Without patterns everything is allowed.
        assert!(ExporterConfig::builtin().allows(&normalise_target("ws://a/").unwrap()));
        assert!(parse("allowed_targets = [\"ws://[\"]\n").is_err());
    }

    #[test]
    fn a_module_s_allowed_targets_narrow_the_exporter_wide_list() {
        let c = parse(
            "allowed_targets = [\"wss://*.example.com/**\"]\nenable_reload = true\n\n[module.chat]\nallowed_targets = [\"wss://chat.example.com/**\"]\n\n[module.wide]\nallowed_targets = [\"wss://**\"]\n",
        )
        .unwrap();
        assert!(c.enable_reload);
        let url = |u: &str| normalise_target(u).unwrap();
        let chat = &c.modules["chat"];
        assert_eq!(chat.allowed_patterns(), ["wss://chat.example.com/**"]);
        assert!(c.allows_for(chat, &url("wss://chat.example.com/ws")));
        assert!(!c.allows_for(chat, &url("wss://api.example.com/ws")));
        // The exporter-wide list still bounds a module whose own list is wider.
        let wide = &c.modules["wide"];
        assert!(c.allows_for(wide, &url("wss://api.example.com/ws")));
        assert!(!c.allows_for(wide, &url("wss://evil.test/ws")));
        // Without a list of its own a module has the exporter-wide one.
        let default = &c.modules[DEFAULT_MODULE];
        assert!(c.allows_for(default, &url("wss://api.example.com/ws")));
        assert!(!ExporterConfig::builtin().enable_reload);
        let e = parse("[module.chat]\nallowed_targets = [\"ws://[\"]\n").unwrap_err();
        assert!(e.to_string().contains("module 'chat'"), "{e}");
    }

    #[test]
    fn a_module_with_a_credential_and_no_allowed_targets_is_named() {
        std::env::set_var("WSDOCTOR_CONFIG_TEST_TOKEN", "t");
        let c = parse(
            "[module.secret]\ntoken_env = \"WSDOCTOR_CONFIG_TEST_TOKEN\"\n[module.scoped]\ntoken_env = \"WSDOCTOR_CONFIG_TEST_TOKEN\"\nallowed_targets = [\"ws://a/**\"]\n[module.plain]\nquick = true\n",
        )
        .unwrap();
        assert_eq!(c.open_credential_modules(), ["secret"]);
    }

    #[test]
    fn scrape_targets_are_normalised_and_userinfo_refused() {
        assert_eq!(
            normalise_target("https://a.example/ws#x").unwrap().as_str(),
            "wss://a.example/ws"
        );
        assert!(normalise_target("wss://u:p@a.example/").is_err());
        assert!(normalise_target("ftp://a.example/").is_err());
        assert!(normalise_target("not a url").is_err());
    }
}
