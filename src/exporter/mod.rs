//! exporter: `wsdoctor exporter`, a blackbox_exporter-style HTTP server. Prometheus schedules,
//! stores and alerts; each scrape of `/probe?target=URL&module=NAME` runs one probe (the same
//! `probe_target` as `wsdoctor URL`) and answers its metrics. The last reports are kept in a
//! bounded ring so an alert's link lands on the *why* (`/report?target=…&module=…`).
//!
//! Routes: `/probe`, `/metrics` (the exporter's own health), `/` (recent probes),
//! `/report/{id}` and `/report?target=&module=` (`&format=json|markdown`), `POST /-/reload`
//! (only with `enable_reload = true`), `/-/healthy`. The config is reloaded on SIGHUP or
//! `POST /-/reload`; a bad reload keeps the old config. Every probe is bounded by its deadline
//! and a concurrency limit, and one target holds at most a quarter of the slots, so black-holed
//! targets never hold up another scrape. The listener takes the exporter toolkit's web config
//! (`web`): TLS, and basic auth on every route.

pub mod config;
pub mod metrics;
pub mod web;

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::extract::{Path as UrlPath, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::check::TargetResult;
use crate::cli::Format;
use crate::model::Report;
use config::{normalise_target, ExporterConfig, ExporterConfigError, DEFAULT_MODULE};
use metrics::OwnMetrics;
use web::{WebConfig, WebConfigError, WebState};

/// The header Prometheus sends with its scrape timeout in seconds.
pub const SCRAPE_TIMEOUT_HEADER: &str = "x-prometheus-scrape-timeout-seconds";

/// The shortest probe deadline a scrape timeout can leave (below it the probe could not even
/// connect; the scrape then gets `probe_success 0` quickly rather than nothing).
const MIN_PROBE_DEADLINE: Duration = Duration::from_millis(200);

/// Time past the probe's own deadline before the exporter stops waiting for it.
const HARD_STOP_GRACE: Duration = Duration::from_millis(300);
/// Below this much time left after waiting for a slot, the probe is not started: it could only
/// report a timeout of its own making.
const MIN_PROBE_TIME: Duration = Duration::from_millis(100);

/// A problem starting the exporter (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum ExporterError {
    /// The config is invalid.
    #[error(transparent)]
    Config(#[from] ExporterConfigError),
    /// The web config (`--web.config.file`) is invalid.
    #[error(transparent)]
    Web(#[from] WebConfigError),
    /// The listen address cannot be bound.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The server stopped with an error.
    #[error("the exporter's server failed: {0}")]
    Serve(std::io::Error),
}

/// One kept report.
struct Kept {
    id: u64,
    at: Option<String>,
    module: String,
    /// The target as probed, redacted.
    target: String,
    passed: bool,
    report: Arc<Report>,
}

/// The last reports, oldest first, at most `cap`.
struct Ring {
    next_id: u64,
    cap: usize,
    items: VecDeque<Kept>,
}

impl Ring {
    fn push(&mut self, mut kept: Kept) -> u64 {
        self.next_id += 1;
        kept.id = self.next_id;
        if self.cap == 0 {
            return kept.id;
        }
        while self.items.len() >= self.cap {
            self.items.pop_front();
        }
        self.items.push_back(kept);
        self.next_id
    }
}

/// What every request handler shares.
struct Shared {
    config: RwLock<Arc<ExporterConfig>>,
    path: Option<PathBuf>,
    slots: Slots,
    reports: Mutex<Ring>,
    own: OwnMetrics,
}

impl Shared {
    fn config(&self) -> Arc<ExporterConfig> {
        match self.config.read() {
            Ok(c) => Arc::clone(&c),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Re-reads the config file; a bad file keeps the running config.
    fn reload(&self) -> Result<(), String> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        match ExporterConfig::load(path) {
            Ok(new) => {
                warn_if_open(&new);
                if new.max_concurrent != self.config().max_concurrent {
                    tracing::warn!(
                        "max_concurrent_probes changes take effect at the next start, not on reload"
                    );
                }
                if new.keep_reports != self.config().keep_reports {
                    tracing::warn!(
                        "keep_reports changes take effect at the next start, not on reload"
                    );
                }
                let new = Arc::new(new);
                match self.config.write() {
                    Ok(mut c) => *c = new,
                    Err(poisoned) => *poisoned.into_inner() = new,
                }
                self.own.reloaded(true);
                tracing::info!(path = %path.display(), "exporter config reloaded");
                Ok(())
            }
            Err(e) => {
                self.own.reloaded(false);
                tracing::error!("config reload failed, keeping the running config: {e}");
                Err(e.to_string())
            }
        }
    }

    fn keep(&self, module: &str, target: &str, result: &TargetResult) -> u64 {
        let mut ring = match self.reports.lock() {
            Ok(r) => r,
            Err(poisoned) => poisoned.into_inner(),
        };
        let id = ring.push(Kept {
            id: 0,
            at: result.report.started_at.clone(),
            module: module.to_string(),
            target: target.to_string(),
            passed: result.passed(),
            report: Arc::new(result.report.clone()),
        });
        self.own.reports_kept.set(ring.items.len() as i64);
        id
    }

    fn find(&self, pick: impl Fn(&Kept) -> bool) -> Option<(u64, Arc<Report>)> {
        let ring = match self.reports.lock() {
            Ok(r) => r,
            Err(poisoned) => poisoned.into_inner(),
        };
        ring.items
            .iter()
            .rev()
            .find(|k| pick(k))
            .map(|k| (k.id, Arc::clone(&k.report)))
    }
}

fn warn_if_open(config: &ExporterConfig) {
    if config.allowed_patterns().is_empty() {
        tracing::warn!(
            "no allowed_targets in the config: this exporter probes any URL it is asked to (set allowed_targets to restrict it)"
        );
    }
    for module in config.open_credential_modules() {
        tracing::warn!(
            module,
            "module sends a credential to any target a scraper names: set allowed_targets in it"
        );
    }
}

/// Loads the config (or the built-in one) and the web config, binds `listen` and serves until
/// SIGINT/SIGTERM. Must run on a multi-threaded runtime; `ready` is called with the scheme
/// (`http` or `https`) and the bound address.
pub async fn serve(
    listen: SocketAddr,
    path: Option<PathBuf>,
    web_path: Option<PathBuf>,
    ready: impl FnOnce(&str, SocketAddr),
) -> Result<(), ExporterError> {
    let config = match &path {
        Some(p) => ExporterConfig::load(p)?,
        None => ExporterConfig::builtin(),
    };
    let web = match &web_path {
        Some(p) => WebConfig::load(p)?,
        None => WebConfig::default(),
    };
    warn_if_open(&config);
    if config.enable_reload && web.auth.is_none() {
        tracing::warn!(
            "enable_reload is on without basic_auth_users (--web.config.file): anyone who reaches the port can reload the config"
        );
    }
    raise_open_file_limit(config.max_concurrent);
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|source| ExporterError::Listen {
            addr: listen,
            source,
        })?;
    let bound = listener.local_addr().unwrap_or(listen);
    let shared = Arc::new(Shared {
        slots: Slots::new(config.max_concurrent),
        reports: Mutex::new(Ring {
            next_id: 0,
            cap: config.keep_reports,
            items: VecDeque::new(),
        }),
        config: RwLock::new(Arc::new(config)),
        path,
        own: OwnMetrics::default(),
    });
    spawn_sighup_reload(Arc::clone(&shared));
    let scheme = web.scheme();
    tracing::info!(%bound, scheme, auth = web.auth.is_some(), "wsdoctor exporter listening");
    let tls = web.tls.is_some();
    let web = Arc::new(WebState::new(web, web_path));
    let app = router(shared, &web);
    if tls {
        let listener = web::TlsListener::new(listener, web).map_err(ExporterError::Serve)?;
        ready(scheme, bound);
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await
            .map_err(ExporterError::Serve)
    } else {
        ready(scheme, bound);
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await
            .map_err(ExporterError::Serve)
    }
}

fn router(shared: Arc<Shared>, web: &Arc<WebState>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/probe", get(probe))
        .route("/metrics", get(own_metrics))
        .route("/report", get(latest_report))
        .route("/report/{id}", get(report_by_id))
        .route("/-/reload", post(reload))
        .route("/-/healthy", get(|| async { "OK\n" }))
        .with_state(shared)
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(web),
            apply_web_config,
        ))
}

/// The web config on every route, as the exporter toolkit applies it: the basic-auth gate (401
/// with `WWW-Authenticate: Basic` unless the request carries a user of `basic_auth_users` and
/// its password; bcrypt runs on a blocking thread, a few at a time), then the configured
/// response headers.
async fn apply_web_config(
    State(web): State<Arc<WebState>>,
    request: Request,
    next: Next,
) -> Response {
    let web = web.current();
    let mut response = match &web.auth {
        Some(auth) => require_basic_auth(Arc::clone(auth), request, next).await,
        None => next.run(request).await,
    };
    for (name, value) in &web.headers {
        response.headers_mut().insert(name.clone(), value.clone());
    }
    response
}

async fn require_basic_auth(auth: Arc<web::BasicAuth>, request: Request, next: Next) -> Response {
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.as_bytes().to_vec());
    if auth.remembered(given.as_deref()) {
        return next.run(request).await;
    }
    let accepted = match auth.slots.acquire().await {
        Ok(_slot) => {
            let checker = Arc::clone(&auth);
            tokio::task::spawn_blocking(move || checker.verify(given.as_deref()))
                .await
                .unwrap_or(false)
        }
        Err(_) => false,
    };
    if accepted {
        return next.run(request).await;
    }
    (
        StatusCode::UNAUTHORIZED,
        [
            (header::WWW_AUTHENTICATE, "Basic"),
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
        ],
        "Unauthorized\n",
    )
        .into_response()
}

#[cfg(unix)]
fn spawn_sighup_reload(shared: Arc<Shared>) {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::hangup()) {
        Ok(mut hup) => {
            tokio::spawn(async move {
                while hup.recv().await.is_some() {
                    let _ = shared.reload();
                }
            });
        }
        Err(e) => tracing::warn!("cannot listen for SIGHUP ({e}): reload with POST /-/reload"),
    }
}

#[cfg(not(unix))]
fn spawn_sighup_reload(_shared: Arc<Shared>) {}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("exporter stopping");
}

fn text(status: StatusCode, body: impl Into<String>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body.into(),
    )
        .into_response()
}

/// The probe deadline a scrape leaves: the module's timeout, bounded by Prometheus' scrape
/// timeout minus blackbox's margin.
pub fn probe_deadline(module_timeout: Duration, scrape_timeout: Option<&str>) -> Duration {
    let scrape = scrape_timeout
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map(|s| Duration::from_secs_f64(s.min(86_400.0)));
    match scrape {
        Some(s) => module_timeout
            .min(s.saturating_sub(config::SCRAPE_TIMEOUT_MARGIN))
            .max(MIN_PROBE_DEADLINE),
        None => module_timeout,
    }
}

/// `GET /probe?target=URL&module=NAME[&debug=true]`.
async fn probe(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(params): Query<Vec<(String, String)>>,
) -> Response {
    let mut target = None;
    let mut module_name = DEFAULT_MODULE.to_string();
    let mut debug = false;
    for (k, v) in params {
        match k.as_str() {
            "target" => target = Some(v),
            "module" => module_name = v,
            "debug" => debug = v == "true" || v == "1",
            other => {
                shared.own.probed("(unknown)", "error");
                return text(
                    StatusCode::BAD_REQUEST,
                    format!(
                        "unknown parameter '{other}': /probe takes target, module and debug (credentials come from the module's token_env or token_file, never from the scrape URL)\n"
                    ),
                );
            }
        }
    }
    let Some(raw_target) = target else {
        shared.own.probed("(unknown)", "error");
        return text(
            StatusCode::BAD_REQUEST,
            "missing parameter: target (e.g. /probe?target=wss://chat.example.com/ws&module=default)\n",
        );
    };
    let config = shared.config();
    let Some(module) = config.modules.get(&module_name) else {
        // Not the asked name as a label: a scraper must not be able to mint label values.
        shared.own.probed("(unknown)", "error");
        let known: Vec<&str> = config.modules.keys().map(String::as_str).collect();
        return text(
            StatusCode::BAD_REQUEST,
            format!(
                "unknown module '{module_name}' (known: {})\n",
                known.join(", ")
            ),
        );
    };
    let url = match normalise_target(&raw_target) {
        Ok(u) => u,
        Err(e) => {
            shared.own.probed(&module.name, "error");
            return text(StatusCode::BAD_REQUEST, format!("{e}\n"));
        }
    };
    // The allowlists first: a target outside them reads no token file and no certificate, and
    // a module's credential goes only to that module's targets.
    if !config.allows_for(module, &url) {
        let shown = config::shown_target(url.as_str());
        shared.own.probed(&module.name, "error");
        let whose = if config.allows(&url) {
            format!("module '{}''s", module.name)
        } else {
            "this exporter's".to_string()
        };
        tracing::warn!(target = %shown, module = %module.name, "refused: not in allowed_targets");
        return text(
            StatusCode::FORBIDDEN,
            format!("target {shown} is not in {whose} allowed_targets\n"),
        );
    }
    let built = match config.target(module, &url) {
        Ok(t) => t,
        Err(e) => {
            shared.own.probed(&module.name, "error");
            return text(StatusCode::BAD_REQUEST, format!("target: {e}\n"));
        }
    };
    let shown = built.config.redactor.url(url.as_str());
    let scrape_timeout = headers
        .get(SCRAPE_TIMEOUT_HEADER)
        .and_then(|v| v.to_str().ok());
    let deadline = probe_deadline(module.timeout, scrape_timeout);
    let started = Instant::now();
    let mut target_config = built.config;
    // One budget for the wait for a slot and the probe: the answer is due before Prometheus
    // gives up on the scrape.
    let permit = match tokio::time::timeout(deadline, shared.slots.acquire(url.as_str())).await {
        Ok(Some(p)) if deadline.saturating_sub(started.elapsed()) >= MIN_PROBE_TIME => p,
        _ => {
            shared.own.probed(&module.name, "error");
            tracing::warn!(target = %shown, "no probe slot free within the deadline");
            return exposition(
                &headers,
                metrics::unfinished(started.elapsed().as_secs_f64()),
            );
        }
    };
    let remaining = deadline.saturating_sub(started.elapsed());
    target_config.timeout = remaining;
    shared.own.in_flight.inc();
    let run = tokio::time::timeout(
        remaining + HARD_STOP_GRACE,
        crate::probe_target(&target_config),
    )
    .await;
    shared.own.in_flight.dec();
    drop(permit);
    let report = match run {
        Ok(r) => r,
        Err(_) => {
            shared.own.probed(&module.name, "error");
            tracing::warn!(target = %shown, "probe overran its deadline and was stopped");
            return exposition(
                &headers,
                metrics::unfinished(started.elapsed().as_secs_f64()),
            );
        }
    };
    let result = TargetResult::new(&shown, &built.expectations, report);
    shared.own.probed(
        &module.name,
        if result.passed() {
            "success"
        } else {
            "failure"
        },
    );
    tracing::info!(
        target = %shown,
        module = %module.name,
        cause = %result.report.diagnosis.cause,
        ms = result.report.duration_ms,
        "probed"
    );
    shared.keep(&module.name, &shown, &result);
    if debug {
        return rendered(&result.report, Format::Human);
    }
    exposition(&headers, metrics::probe(&result))
}

/// The probe slots: `max_concurrent_probes` in all, and at most `per_target_limit` of them for
/// one target, so that a target scraped many times at once cannot take every slot.
struct Slots {
    global: Arc<Semaphore>,
    per_target: usize,
    /// Each target with a probe running or waiting: its semaphore and how many hold or wait for
    /// it (the entry goes when that count is back to 0, so the map is bounded by the scrapes in
    /// flight).
    targets: Mutex<TargetSlots>,
}

/// A held probe slot (the target's and the global one); released on drop.
struct Slot<'a> {
    slots: &'a Slots,
    key: String,
    target: Option<OwnedSemaphorePermit>,
    global: Option<OwnedSemaphorePermit>,
}

impl Slots {
    fn new(max_concurrent: usize) -> Slots {
        Slots {
            global: Arc::new(Semaphore::new(max_concurrent)),
            per_target: config::per_target_limit(max_concurrent),
            targets: Mutex::new(HashMap::new()),
        }
    }

    /// Waits for the target's share, then for a global slot. Cancel-safe: dropping the future
    /// gives back whatever it held.
    async fn acquire(&self, target: &str) -> Option<Slot<'_>> {
        let own = {
            let mut targets = lock_targets(&self.targets);
            let entry = targets
                .entry(target.to_string())
                .or_insert_with(|| (Arc::new(Semaphore::new(self.per_target)), 0));
            entry.1 += 1;
            Arc::clone(&entry.0)
        };
        let mut slot = Slot {
            slots: self,
            key: target.to_string(),
            target: None,
            global: None,
        };
        slot.target = Some(own.acquire_owned().await.ok()?);
        slot.global = Some(Arc::clone(&self.global).acquire_owned().await.ok()?);
        Some(slot)
    }

    /// Targets with a probe running or waiting (for tests).
    #[cfg(test)]
    fn targets(&self) -> usize {
        lock_targets(&self.targets).len()
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.global.take();
        self.target.take();
        let mut targets = lock_targets(&self.slots.targets);
        if let Some(entry) = targets.get_mut(&self.key) {
            entry.1 = entry.1.saturating_sub(1);
            if entry.1 == 0 {
                targets.remove(&self.key);
            }
        }
    }
}

type TargetSlots = HashMap<String, (Arc<Semaphore>, usize)>;

fn lock_targets(m: &Mutex<TargetSlots>) -> std::sync::MutexGuard<'_, TargetSlots> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// A 200 with metrics, every `/probe` answer (finished or not) and `/metrics`: OpenMetrics when
/// the scraper asks for it (Prometheus does), else the classic text format (curl, promtool).
fn exposition(headers: &HeaderMap, text: String) -> Response {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    if metrics::wants_openmetrics(accept) {
        return (
            StatusCode::OK,
            [(header::CONTENT_TYPE, metrics::CONTENT_TYPE)],
            text,
        )
            .into_response();
    }
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, metrics::CLASSIC_CONTENT_TYPE)],
        metrics::classic(&text),
    )
        .into_response()
}

/// Raises the soft open-file limit toward what `max_concurrent` probes can hold open (each up
/// to the probe's concurrent attempts plus one), within the hard limit; warns when it cannot.
fn raise_open_file_limit(max_concurrent: usize) {
    const RESERVE: u64 = 256;
    let per_probe = crate::probe::limits::MAX_CONCURRENT_ATTEMPTS as u64 + 1;
    let needed = max_concurrent as u64 * per_probe + RESERVE;
    match rlimit::increase_nofile_limit(needed) {
        Ok(soft) if soft < needed => tracing::warn!(
            soft,
            needed,
            "the open-file limit is below what max_concurrent_probes may need: raise it (LimitNOFILE=) or lower max_concurrent_probes"
        ),
        Ok(_) => {}
        Err(e) => tracing::debug!(error = %e, "cannot read the open-file limit"),
    }
}

/// `GET /metrics`: the exporter's own health.
async fn own_metrics(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    exposition(&headers, shared.own.encode())
}

/// `POST /-/reload`: refused unless the config says `enable_reload = true` (SIGHUP always
/// reloads: whoever can signal the process runs it).
async fn reload(State(shared): State<Arc<Shared>>) -> Response {
    if !shared.config().enable_reload {
        return text(
            StatusCode::FORBIDDEN,
            "POST /-/reload is off: set enable_reload = true in the exporter config (with basic_auth_users in --web.config.file), or send SIGHUP\n",
        );
    }
    if shared.path.is_none() {
        return text(
            StatusCode::OK,
            "no --config file: nothing to reload (the built-in default module is in use)\n",
        );
    }
    match shared.reload() {
        Ok(()) => text(StatusCode::OK, "config reloaded\n"),
        Err(e) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("reload failed, the running config is kept: {e}\n"),
        ),
    }
}

/// The `format` parameter; the error is the message of a 400.
fn format_param(params: &[(String, String)]) -> Result<Format, String> {
    match params
        .iter()
        .find(|(k, _)| k == "format")
        .map(|(_, v)| v.as_str())
    {
        None | Some("human") | Some("text") => Ok(Format::Human),
        Some("json") => Ok(Format::Json),
        Some("markdown") | Some("md") => Ok(Format::Markdown),
        Some(other) => Err(format!("format '{other}' is not human, json or markdown\n")),
    }
}

fn rendered(report: &Report, format: Format) -> Response {
    let mut out = Vec::new();
    if let Err(e) = crate::render::render(report, format, &mut out) {
        return text(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot render: {e}\n"),
        );
    }
    let content_type = match format {
        Format::Json => "application/json",
        Format::Markdown => "text/markdown; charset=utf-8",
        _ => "text/plain; charset=utf-8",
    };
    (StatusCode::OK, [(header::CONTENT_TYPE, content_type)], out).into_response()
}

/// `GET /report/{id}[?format=…]`.
async fn report_by_id(
    State(shared): State<Arc<Shared>>,
    UrlPath(id): UrlPath<u64>,
    Query(params): Query<Vec<(String, String)>>,
) -> Response {
    let format = match format_param(&params) {
        Ok(f) => f,
        Err(message) => return text(StatusCode::BAD_REQUEST, message),
    };
    match shared.find(|k| k.id == id) {
        Some((_, report)) => rendered(&report, format),
        None => text(
            StatusCode::NOT_FOUND,
            format!("no report {id}: only the last reports are kept (see /)\n"),
        ),
    }
}

/// `GET /report?target=URL&module=NAME[&format=…]`: the latest report of that target, the link
/// an alert carries.
async fn latest_report(
    State(shared): State<Arc<Shared>>,
    Query(params): Query<Vec<(String, String)>>,
) -> Response {
    let format = match format_param(&params) {
        Ok(f) => f,
        Err(message) => return text(StatusCode::BAD_REQUEST, message),
    };
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let Some(raw) = get("target") else {
        return text(StatusCode::BAD_REQUEST, "missing parameter: target\n");
    };
    let module = get("module");
    // Kept targets are normalised and redacted: compare the same way.
    let wanted = normalise_target(&raw)
        .map(|u| config::shown_target(u.as_str()))
        .unwrap_or_else(|_| config::shown_target(&raw));
    let found = shared.find(|k| {
        (k.target == wanted || k.report.target == wanted)
            && module.as_ref().is_none_or(|m| *m == k.module)
    });
    match found {
        Some((_, report)) => rendered(&report, format),
        None => text(
            StatusCode::NOT_FOUND,
            format!("no kept report for {wanted}: it has not been probed since the exporter started, or it has aged out\n"),
        ),
    }
}

fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `GET /`: the recent probes, newest first, each linking to its report.
async fn index(State(shared): State<Arc<Shared>>) -> Response {
    let config = shared.config();
    let mut page = String::from(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>wsdoctor exporter</title></head><body>\n<h1>wsdoctor exporter</h1>\n<p><a href=\"/metrics\">/metrics</a> · probe: <code>/probe?target=URL&amp;module=NAME</code> · add <code>&amp;debug=true</code> for the report</p>\n",
    );
    let modules: Vec<&str> = config.modules.keys().map(String::as_str).collect();
    let _ = writeln!(page, "<p>Modules: {}</p>", html_escape(&modules.join(", ")));
    let _ = writeln!(
        page,
        "<h2>Recent probes</h2>\n<table border=\"1\" cellpadding=\"4\">\n<tr><th>#</th><th>started</th><th>module</th><th>target</th><th>result</th><th>cause</th><th>report</th></tr>"
    );
    {
        let ring = match shared.reports.lock() {
            Ok(r) => r,
            Err(poisoned) => poisoned.into_inner(),
        };
        for k in ring.items.iter().rev() {
            let _ = writeln!(
                page,
                "<tr><td>{id}</td><td>{at}</td><td>{module}</td><td>{target}</td><td>{result}</td><td>{cause}</td><td><a href=\"/report/{id}\">human</a> <a href=\"/report/{id}?format=json\">json</a> <a href=\"/report/{id}?format=markdown\">markdown</a></td></tr>",
                id = k.id,
                at = html_escape(k.at.as_deref().unwrap_or("")),
                module = html_escape(&k.module),
                target = html_escape(&k.target),
                result = if k.passed { "success" } else { "failure" },
                cause = html_escape(k.report.diagnosis.cause.id()),
            );
        }
    }
    page.push_str("</table>\n</body></html>\n");
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scrape_timeout_bounds_the_probe_minus_a_margin() {
        let module = Duration::from_secs(15);
        assert_eq!(probe_deadline(module, None), module);
        assert_eq!(
            probe_deadline(module, Some("10")),
            Duration::from_millis(9_500)
        );
        assert_eq!(probe_deadline(module, Some("30")), module);
        // Nonsense is ignored; a tiny timeout still leaves the minimum.
        assert_eq!(probe_deadline(module, Some("soon")), module);
        assert_eq!(probe_deadline(module, Some("-1")), module);
        assert_eq!(probe_deadline(module, Some("0.1")), MIN_PROBE_DEADLINE);
    }

    #[test]
    fn the_ring_keeps_only_the_last_reports() {
        let mut ring = Ring {
            next_id: 0,
            cap: 3,
            items: VecDeque::new(),
        };
        let report: Report = serde_json::from_str(
            &std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/fixtures/reports/tcp_refused.json"
            ))
            .unwrap(),
        )
        .unwrap();
        let report = Arc::new(report);
        for _ in 0..10 {
            ring.push(Kept {
                id: 0,
                at: None,
                module: "m".into(),
                target: "t".into(),
                passed: false,
                report: Arc::clone(&report),
            });
        }
        assert_eq!(ring.items.len(), 3);
        let ids: Vec<u64> = ring.items.iter().map(|k| k.id).collect();
        assert_eq!(ids, [8, 9, 10]);
    }

    #[tokio::test]
    async fn one_target_holds_at_most_its_share_of_the_slots_and_others_still_get_theirs() {
        let slots = Slots::new(8);
        let wait = Duration::from_millis(50);
        let a1 = slots.acquire("ws://a/").await.unwrap();
        let a2 = slots.acquire("ws://a/").await.unwrap();
        // A third probe of the same target waits for its share ...
        assert!(tokio::time::timeout(wait, slots.acquire("ws://a/"))
            .await
            .is_err());
        // ... while every other target still gets a slot at once.
        let mut others = Vec::new();
        for i in 0..6 {
            let key = format!("ws://other{i}/");
            others.push(
                tokio::time::timeout(wait, slots.acquire(&key))
                    .await
                    .unwrap(),
            );
        }
        // The global limit still holds: 8 slots in all.
        assert!(tokio::time::timeout(wait, slots.acquire("ws://z/"))
            .await
            .is_err());
        drop((a1, a2, others));
        // Given back, cancelled waits included: nothing is left behind.
        assert_eq!(slots.targets(), 0);
        assert!(slots.acquire("ws://a/").await.is_some());
    }

    #[test]
    fn the_default_limit_leaves_room_for_forty_silent_targets() {
        let max = config::default_max_concurrent();
        assert!(max >= 128, "{max}");
        assert_eq!(config::per_target_limit(max), max / 4);
        assert_eq!(config::per_target_limit(2), 1);
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            html_escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
