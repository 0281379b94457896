//! browser: asks a real headless browser (Debian's Chromium or Firefox ESR) what its `WebSocket`
//! does against a lab server. A loopback HTTP server (a thread here) serves
//! `fixtures/browser/ws-probe.html`, whose script opens `new WebSocket(url, protocols)` and POSTs
//! what happened (open, messages, error, close code and reason, `ws.protocol`, `ws.extensions`)
//! back to /result; the browser runs headless on a fresh profile in the test's directory and is
//! killed (its whole process group) once the result is in, or on Drop when a test fails.
//!
//! Nothing leaves the machine: both browsers are pointed at the page server as their HTTP proxy,
//! which answers every proxied request and CONNECT with 403 and records its target in
//! `BrowserResult::blocked` (loopback addresses bypass a proxy in both browsers, so the page and
//! the WebSocket go direct). Neither sends a DNS query: Chromium resolves no name
//! (`--host-resolver-rules`), Firefox resolves every name to 127.0.0.1 (`fixtures/browser/user.js`).
//! Checked with `strace -f -e trace=connect,sendmmsg`: every connect goes to 127.0.0.1.
//!
//! What the browser says about a failure besides the events is kept in `BrowserResult::console`:
//! Chromium's console entries (read over the DevTools protocol on a loopback port: headless
//! Chromium does not log network console messages to stderr), and Firefox's `nsWebSocket` log
//! lines about the handshake (`MOZ_LOG`; Firefox's console says only "can't establish a
//! connection").

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite;

use super::process::{Proc, Spawn};
use super::stack::Tool;
use super::{repo_root, template};

/// How long a browser may take from launch to the page's result (first start of a fresh profile
/// included; the page itself gives up after 10 s).
pub const RESULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long reading Chromium's console over DevTools may take.
const DEVTOOLS_TIMEOUT: Duration = Duration::from_secs(5);
/// Read timeout on one page-server connection (browsers open speculative idle connections).
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(5);
/// Limit on a request head, and on a posted result.
const HEAD_LIMIT: usize = 16 * 1024;
const BODY_LIMIT: usize = 256 * 1024;
/// Connections one page server handles; later ones are closed unread.
const CONNECTION_LIMIT: usize = 256;
/// Lines of browser log kept as console text.
const CONSOLE_LIMIT: usize = 20;

/// A browser whose WebSocket the lab observes; `id()` is the `browser` of `browser_checks`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Browser {
    /// Chromium (Debian's `chromium`), the engine of Chrome.
    Chrome,
    /// Firefox ESR (Debian's `firefox-esr`).
    Firefox,
}

impl Browser {
    /// Both, in `browser_checks` order.
    pub const ALL: [Browser; 2] = [Browser::Chrome, Browser::Firefox];

    /// The id wsdoctor's report uses ("chrome", "firefox").
    pub fn id(self) -> &'static str {
        match self {
            Browser::Chrome => "chrome",
            Browser::Firefox => "firefox",
        }
    }

    /// The lab tool that runs it.
    pub fn tool(self) -> Tool {
        match self {
            Browser::Chrome => Tool::Chromium,
            Browser::Firefox => Tool::Firefox,
        }
    }
}

/// The close event the page saw.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CloseRecord {
    /// `CloseEvent.code` (1006 when the connection failed without a close frame).
    pub code: u16,
    /// `CloseEvent.reason`.
    pub reason: String,
    /// `CloseEvent.wasClean`.
    pub was_clean: bool,
}

/// What the page posted, plus what the harness saw around it.
#[derive(Debug, Clone, Deserialize)]
pub struct BrowserResult {
    /// Which browser (set by the harness).
    #[serde(skip, default = "default_browser")]
    pub browser: Browser,
    /// `navigator.userAgent`.
    pub user_agent: String,
    /// The WebSocket URL the page opened.
    pub url: String,
    /// The subprotocols passed to `new WebSocket`.
    pub protocols: Vec<String>,
    /// Every event in order, with ms since the page script started (`{"type": "open", ...}`).
    pub events: Vec<Value>,
    /// True when `open` fired.
    pub opened: bool,
    /// True when `error` fired.
    pub errored: bool,
    /// The close event, when one fired.
    pub close: Option<CloseRecord>,
    /// `ws.protocol` at `open`.
    pub protocol: Option<String>,
    /// `ws.extensions` at `open`.
    pub extensions: Option<String>,
    /// Text messages received.
    pub messages: Vec<String>,
    /// The exception `new WebSocket` threw, if it threw.
    pub exception: Option<Value>,
    /// True when the page gave up waiting (10 s) before a close event.
    pub timed_out: bool,
    /// What the browser said about it (Chromium: console entries; Firefox: `nsWebSocket` log).
    #[serde(skip)]
    pub console: Vec<String>,
    /// Requests the browser tried to send off the machine (stopped by the proxy sink).
    #[serde(skip)]
    pub blocked: Vec<String>,
    /// From launch to result.
    #[serde(skip)]
    pub elapsed: Duration,
    /// From launch to the browser's process group gone.
    #[serde(skip)]
    pub total: Duration,
}

fn default_browser() -> Browser {
    Browser::Chrome
}

impl BrowserResult {
    /// The event types in order ("open", "message", "error", "close", "timeout", "exception").
    pub fn event_types(&self) -> Vec<&str> {
        self.events
            .iter()
            .map(|e| e["type"].as_str().unwrap_or("?"))
            .collect()
    }

    /// The close code, when a close event fired.
    pub fn close_code(&self) -> Option<u16> {
        self.close.as_ref().map(|c| c.code)
    }

    /// True when some console line contains `text` (case-insensitive).
    pub fn console_mentions(&self, text: &str) -> bool {
        let text = text.to_ascii_lowercase();
        self.console
            .iter()
            .any(|l| l.to_ascii_lowercase().contains(&text))
    }

    /// Pins a WebSocket that never opened: `error`, then `close` 1006 (not clean), as RFC 6455
    /// 7.1.7 "fail the WebSocket connection" makes every browser report it.
    pub fn assert_failed_handshake(&self) {
        assert!(
            !self.opened
                && self.errored
                && self.event_types() == ["error", "close"]
                && self.close_code() == Some(1006)
                && self.close.as_ref().is_some_and(|c| !c.was_clean),
            "expected {} to fail the WebSocket (error, close 1006), got:\n{}",
            self.browser.id(),
            self.describe()
        );
    }

    /// Pins a WebSocket that opened with this `ws.protocol`, echoed the probe message, and was
    /// closed by the page (1000, clean).
    pub fn assert_opened_and_echoed(&self, protocol: &str) {
        assert!(
            self.opened
                && !self.errored
                && self.protocol.as_deref() == Some(protocol)
                && self.messages == ["wsdoctor-probe"]
                && self.close_code() == Some(1000)
                && self.close.as_ref().is_some_and(|c| c.was_clean),
            "expected {} to open (protocol {protocol:?}), echo and close 1000, got:\n{}",
            self.browser.id(),
            self.describe()
        );
    }

    /// Everything seen, for failure messages.
    pub fn describe(&self) -> String {
        let mut out = format!(
            "  {} ({}) result in {:.1} s, stopped at {:.1} s: new WebSocket({}, {:?})\n    events {}\n",
            self.browser.id(),
            self.user_agent,
            self.elapsed.as_secs_f64(),
            self.total.as_secs_f64(),
            self.url,
            self.protocols,
            Value::Array(self.events.clone())
        );
        out.push_str(&format!(
            "    opened={} errored={} close={:?} protocol={:?} extensions={:?} messages={:?} timed_out={} exception={:?}\n",
            self.opened, self.errored, self.close, self.protocol, self.extensions, self.messages, self.timed_out, self.exception
        ));
        for line in &self.console {
            out.push_str(&format!("    console: {line}\n"));
        }
        if !self.blocked.is_empty() {
            out.push_str(&format!(
                "    blocked off-machine requests: {:?}\n",
                self.blocked
            ));
        }
        out
    }
}

/// Opens `new WebSocket(ws_url, protocols)` in `browser` (headless, fresh profile under `dir`) and
/// returns what its WebSocket did. Panics, with the browser's log, when no result comes within
/// `RESULT_TIMEOUT`.
pub fn observe(browser: Browser, dir: &Path, ws_url: &str, protocols: &[&str]) -> BrowserResult {
    observe_with(browser, dir, ws_url, protocols, &Options::default())
}

/// What a `wss://` observation adds.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// A CA the browser trusts for this run: imported into Firefox's fresh profile with NSS
    /// `certutil`; Chromium is started with `--ignore-certificate-errors` (its TLS and HTTP/2
    /// behaviour are otherwise unchanged).
    pub ca: Option<PathBuf>,
    /// A URL the page fetches (credentialed, `no-cors`) before it opens the WebSocket, so the
    /// browser holds a connection to that origin, as it does for a page loaded from it: the
    /// condition under which browsers reuse an HTTP/2 connection for a WebSocket (RFC 8441).
    pub warm: Option<String>,
}

/// [`observe`] with [`Options`].
pub fn observe_with(
    browser: Browser,
    dir: &Path,
    ws_url: &str,
    protocols: &[&str],
    options: &Options,
) -> BrowserResult {
    let dir = dir.join(browser.id());
    std::fs::create_dir_all(&dir).expect("create the browser directory");
    let server = PageServer::start();
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let run = format!(
        "{}-{}",
        std::process::id(),
        RUNS.fetch_add(1, Ordering::Relaxed)
    );
    let mut page = format!(
        "http://127.0.0.1:{}/ws-probe.html?ws={}&protocols={}&run={run}",
        server.port(),
        utf8_percent_encode(ws_url, NON_ALPHANUMERIC),
        utf8_percent_encode(&protocols.join(","), NON_ALPHANUMERIC),
    );
    if let Some(w) = &options.warm {
        page.push_str(&format!(
            "&warm={}",
            utf8_percent_encode(w, NON_ALPHANUMERIC)
        ));
    }
    let started = Instant::now();
    let spawn = match browser {
        Browser::Chrome => {
            let spawn = chromium(&dir, server.port(), &page);
            if options.ca.is_some() {
                spawn.args(["--ignore-certificate-errors"])
            } else {
                spawn
            }
        }
        Browser::Firefox => {
            let spawn = firefox(&dir, server.port(), &page);
            if let Some(ca) = &options.ca {
                trust_in_firefox_profile(&dir.join("profile"), ca);
            }
            spawn
        }
    };
    let proc = Proc::start(spawn, &dir);
    let posted = server.wait_result(&run, RESULT_TIMEOUT);
    let elapsed = started.elapsed();
    let Some(body) = posted else {
        panic!(
            "{} posted no result within {RESULT_TIMEOUT:?} (page fetched: {}); its log:\n{}",
            browser.id(),
            server.page_fetched(),
            tail(&proc.log_text(), 60)
        );
    };
    let mut result: BrowserResult = serde_json::from_str(&body).unwrap_or_else(|e| {
        panic!(
            "{} posted a result that is not the page's ({e}): {body}",
            browser.id()
        )
    });
    result.browser = browser;
    result.elapsed = elapsed;
    result.console = match browser {
        Browser::Chrome => chromium_console(&proc.log_text(), &run),
        Browser::Firefox => firefox_console(&proc.log_text()),
    };
    drop(proc);
    result.total = started.elapsed();
    result.blocked = server.blocked();
    result
}

/// Chromium headless on a fresh profile, every background service off, the page server as the
/// proxy for anything not on loopback, DevTools on a loopback port chosen by Chromium.
fn chromium(dir: &Path, sink_port: u16, page: &str) -> Spawn {
    let program = Tool::Chromium
        .program()
        .expect("chromium is installed (stack::require checks it)");
    let home = dir.join("home");
    std::fs::create_dir_all(&home).expect("create the chromium home");
    let profile = dir.join("profile");
    Spawn::new("chromium", program)
        .args([
            // Debian 12's chromium (156) has the new headless mode only: `--headless` is it.
            "--headless=new",
            // Running as root: the setuid/namespace sandbox refuses to start.
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--disable-default-apps",
            "--disable-client-side-phishing-detection",
            "--disable-domain-reliability",
            "--disable-breakpad",
            "--metrics-recording-only",
            "--no-pings",
            "--password-store=basic",
            "--disable-features=Translate,MediaRouter,OptimizationHints,NetworkTimeServiceQuerying,AutofillServerCommunication,CertificateTransparencyComponentUpdater",
            // localhost is loopback without a lookup in Chromium (RFC 6761 handling): wss://localhost tests.
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
            "--remote-debugging-port=0",
        ])
        .args([
            format!("--proxy-server=http://127.0.0.1:{sink_port}"),
            format!("--user-data-dir={}", profile.display()),
            page.to_string(),
        ])
        .env("HOME", home.display().to_string())
        .env("XDG_CONFIG_HOME", home.join(".config").display().to_string())
        .env("XDG_CACHE_HOME", home.join(".cache").display().to_string())
}

/// Firefox ESR headless on a fresh profile from `fixtures/browser/user.js`, with the
/// `nsWebSocket` log on stderr.
fn firefox(dir: &Path, sink_port: u16, page: &str) -> Spawn {
    let program = Tool::Firefox
        .program()
        .expect("firefox-esr is installed (stack::require checks it)");
    let home = dir.join("home");
    let profile = dir.join("profile");
    std::fs::create_dir_all(&home).expect("create the firefox home");
    std::fs::create_dir_all(&profile).expect("create the firefox profile");
    template::render(
        "browser/user.js",
        &[("SINK_PORT", sink_port.to_string())],
        &profile,
    );
    Spawn::new("firefox-esr", program)
        .args(["--headless", "--no-remote", "--profile"])
        .args([profile.display().to_string(), page.to_string()])
        .env("HOME", home.display().to_string())
        .env("MOZ_HEADLESS", "1")
        .env("MOZ_CRASHREPORTER_DISABLE", "1")
        .env("MOZ_LOG", "nsWebSocket:4")
        // Lets user.js point remote settings at the page server (release builds ignore
        // services.settings.server otherwise).
        .env("MOZ_REMOTE_SETTINGS_DEVTOOLS", "1")
}

/// Imports `ca` as a trusted CA into the fresh Firefox profile's NSS database (`certutil` from
/// libnss3-tools). Panics with certutil's output when it fails.
fn trust_in_firefox_profile(profile: &Path, ca: &Path) {
    let db = format!("sql:{}", profile.display());
    let certutil = super::stack::find_program("certutil")
        .expect("certutil is installed (apt-get install libnss3-tools)");
    for args in [
        vec!["-N", "-d", db.as_str(), "--empty-password"],
        vec![
            "-A",
            "-d",
            db.as_str(),
            "-n",
            "wsdoctor-lab-ca",
            "-t",
            "C,,",
            "-i",
            ca.to_str().expect("utf-8 path"),
        ],
    ] {
        let out = std::process::Command::new(&certutil)
            .args(&args)
            .output()
            .expect("run certutil");
        assert!(
            out.status.success(),
            "certutil {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Firefox's own account of the handshake: the `nsWebSocket` lines of its parent process about
/// the response (OnStartRequest, HandleExtensions) and any abort, object addresses removed.
fn firefox_console(log: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for line in log.lines().filter(|l| l.contains("/nsWebSocket ")) {
        let lower = line.to_ascii_lowercase();
        let wanted = ["onstartrequest:", "handleextensions", "aborting", "failed"]
            .iter()
            .any(|w| lower.contains(w));
        if !wanted {
            continue;
        }
        let text = line
            .split_once("/nsWebSocket ")
            .map_or(line, |(_, t)| t)
            .split(' ')
            .filter(|w| !is_address(w))
            .collect::<Vec<_>>()
            .join(" ");
        if !lines.contains(&text) && lines.len() < CONSOLE_LIMIT {
            lines.push(text);
        }
    }
    lines
}

/// An object address in a log line: `7f41cd103a00`, `[this=7f41cd103a00]`, `(7f41…)`.
fn is_address(word: &str) -> bool {
    let w = word.trim_matches(|c| "[](),".contains(c));
    let w = w.rsplit('=').next().unwrap_or(w);
    w.len() >= 12 && w.chars().all(|c| c.is_ascii_hexdigit())
}

/// Chromium's console entries for the page (`Log.enable` replays what was logged so far), as
/// "level source: text"; the favicon request is not served so none is logged for it.
fn chromium_console(log: &str, run: &str) -> Vec<String> {
    let deadline = Instant::now() + DEVTOOLS_TIMEOUT;
    let Some(port) = devtools_port(log) else {
        return vec![format!(
            "(no DevTools port in chromium's log: {})",
            tail(log, 5)
        )];
    };
    match read_console(port, run, deadline) {
        Ok(lines) => lines,
        Err(e) => vec![format!("(DevTools console not read: {e})")],
    }
}

/// The port of "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/…".
fn devtools_port(log: &str) -> Option<u16> {
    let at = log.find("DevTools listening on ws://127.0.0.1:")?;
    let rest = &log[at + "DevTools listening on ws://127.0.0.1:".len()..];
    rest.split('/').next()?.parse().ok()
}

fn read_console(port: u16, run: &str, deadline: Instant) -> Result<Vec<String>, String> {
    let targets = http_get_json(port, "/json/list", deadline)?;
    let page = targets
        .as_array()
        .into_iter()
        .flatten()
        .find(|t| t["type"] == "page" && t["url"].as_str().is_some_and(|u| u.contains(run)))
        .ok_or("the probe page is not among the DevTools targets")?;
    let ws_url = page["webSocketDebuggerUrl"]
        .as_str()
        .ok_or("the page target has no webSocketDebuggerUrl")?;
    let stream = connect(port, deadline)?;
    let (mut socket, _) = tungstenite::client::client(ws_url, stream)
        .map_err(|e| format!("DevTools upgrade: {e}"))?;
    let enable = json!({"id": 1, "method": "Log.enable"}).to_string();
    socket
        .send(tungstenite::Message::text(enable))
        .map_err(|e| format!("send Log.enable: {e}"))?;
    let mut lines = Vec::new();
    // Log.enable replays the entries logged so far, then answers id 1.
    while Instant::now() < deadline {
        let message = socket.read().map_err(|e| format!("read: {e}"))?;
        let Ok(text) = message.to_text() else {
            continue;
        };
        let value: Value = serde_json::from_str(text).map_err(|e| format!("DevTools JSON: {e}"))?;
        if value["id"] == 1 {
            let _ = socket.close(None);
            return Ok(lines);
        }
        if value["method"] == "Log.entryAdded" && lines.len() < CONSOLE_LIMIT {
            let e = &value["params"]["entry"];
            lines.push(format!(
                "{} {}: {}",
                e["level"].as_str().unwrap_or("?"),
                e["source"].as_str().unwrap_or("?"),
                e["text"].as_str().unwrap_or("")
            ));
        }
    }
    Err(format!(
        "no answer to Log.enable within {DEVTOOLS_TIMEOUT:?}"
    ))
}

fn connect(port: u16, deadline: Instant) -> Result<TcpStream, String> {
    let left = deadline.saturating_duration_since(Instant::now());
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let stream = TcpStream::connect_timeout(&addr, left.max(Duration::from_millis(1)))
        .map_err(|e| format!("connect {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(left.max(Duration::from_millis(1))))
        .map_err(|e| e.to_string())?;
    Ok(stream)
}

/// GET `path` from Chromium's DevTools HTTP endpoint (it keeps the connection open after the
/// answer, so the body is read by its Content-Length).
fn http_get_json(port: u16, path: &str, deadline: Instant) -> Result<Value, String> {
    let mut stream = connect(port, deadline)?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    let mut chunk = [0u8; 8192];
    let mut body_range = None;
    while raw.len() < BODY_LIMIT * 16 {
        if let Some(at) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..at]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .ok_or("no Content-Length in the DevTools answer")?;
            if raw.len() >= at + 4 + length {
                body_range = Some(at + 4..at + 4 + length);
                break;
            }
        }
        let n = stream
            .read(&mut chunk)
            .map_err(|e| format!("read {path}: {e}"))?;
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&chunk[..n]);
    }
    let range = body_range.ok_or_else(|| format!("{path}: incomplete answer"))?;
    serde_json::from_slice(&raw[range]).map_err(|e| format!("{path} is not JSON: {e}"))
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// The loopback server the browser loads the page from, posts the result to, and uses as its
/// proxy for everything else (answered 403, recorded). One thread accepts; one thread per
/// connection, each bounded by `CONNECTION_TIMEOUT`. Drop stops and joins them.
struct PageServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    shared: Arc<Shared>,
    results: Receiver<(String, String)>,
    acceptor: Option<JoinHandle<()>>,
}

struct Shared {
    page: Vec<u8>,
    blocked: Mutex<Vec<String>>,
    page_fetched: AtomicBool,
    workers: Mutex<Vec<JoinHandle<()>>>,
}

impl PageServer {
    fn start() -> PageServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the page server");
        let addr = listener.local_addr().expect("page server address");
        let page_path: PathBuf = repo_root().join("fixtures/browser/ws-probe.html");
        let shared = Arc::new(Shared {
            page: std::fs::read(&page_path).expect("read fixtures/browser/ws-probe.html"),
            blocked: Mutex::new(Vec::new()),
            page_fetched: AtomicBool::new(false),
            workers: Mutex::new(Vec::new()),
        });
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, results) = mpsc::channel();
        let acceptor = {
            let stop = Arc::clone(&stop);
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || accept_loop(listener, &stop, &shared, &tx))
        };
        PageServer {
            addr,
            stop,
            shared,
            results,
            acceptor: Some(acceptor),
        }
    }

    fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The body posted to /result?run=`run`, waiting at most `limit`.
    fn wait_result(&self, run: &str, limit: Duration) -> Option<String> {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            match self.results.recv_timeout(left) {
                Ok((posted_run, body)) if posted_run == run => return Some(body),
                Ok(_) => continue,
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return None,
            }
        }
    }

    fn page_fetched(&self) -> bool {
        self.shared.page_fetched.load(Ordering::Relaxed)
    }

    fn blocked(&self) -> Vec<String> {
        let mut list = self
            .shared
            .blocked
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        list.sort();
        list.dedup();
        list
    }
}

impl Drop for PageServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the blocking accept.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        let workers = std::mem::take(
            &mut *self
                .shared
                .workers
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        );
        for w in workers {
            let _ = w.join();
        }
    }
}

fn accept_loop(
    listener: TcpListener,
    stop: &AtomicBool,
    shared: &Arc<Shared>,
    results: &Sender<(String, String)>,
) {
    for (n, conn) in listener.incoming().enumerate() {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        let Ok(stream) = conn else { continue };
        if n >= CONNECTION_LIMIT {
            continue;
        }
        let shared_for_worker = Arc::clone(shared);
        let tx = results.clone();
        let worker = std::thread::spawn(move || {
            let _ = serve(stream, &shared_for_worker, &tx);
        });
        shared
            .workers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(worker);
    }
}

/// One request per connection (every answer says `Connection: close`).
fn serve(
    mut stream: TcpStream,
    shared: &Shared,
    results: &Sender<(String, String)>,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(CONNECTION_TIMEOUT))?;
    stream.set_write_timeout(Some(CONNECTION_TIMEOUT))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        if buf.len() > HEAD_LIMIT {
            return respond(&mut stream, "431 Request Header Fields Too Large", "", b"");
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut request_line = head.lines().next().unwrap_or("").split(' ');
    let method = request_line.next().unwrap_or("");
    let target = request_line.next().unwrap_or("");
    if method == "CONNECT" || !target.starts_with('/') {
        // A request meant for somewhere else, sent to us as its proxy: stopped here.
        let shown = target.split('?').next().unwrap_or(target);
        shared
            .blocked
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(format!("{method} {shown}"));
        return respond(&mut stream, "403 Forbidden", "", b"");
    }
    let path = target.split('?').next().unwrap_or("");
    match (method, path) {
        ("GET", "/ws-probe.html") => {
            shared.page_fetched.store(true, Ordering::Relaxed);
            respond(
                &mut stream,
                "200 OK",
                "text/html; charset=utf-8",
                &shared.page,
            )
        }
        ("POST", "/result") => {
            let length = head
                .lines()
                .filter_map(|l| l.split_once(':'))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| v.trim().parse::<usize>().ok())
                .unwrap_or(0)
                .min(BODY_LIMIT);
            let mut body = buf[head_end..].to_vec();
            while body.len() < length {
                let n = stream.read(&mut chunk)?;
                if n == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..n]);
            }
            body.truncate(length);
            let run = target
                .split_once("run=")
                .map(|(_, r)| r.split('&').next().unwrap_or(""))
                .unwrap_or("")
                .to_string();
            let _ = results.send((run, String::from_utf8_lossy(&body).into_owned()));
            respond(&mut stream, "204 No Content", "", b"")
        }
        // No icon: a 204 keeps a "404 favicon.ico" line out of the console text.
        ("GET", "/favicon.ico") => respond(&mut stream, "204 No Content", "", b""),
        _ => respond(&mut stream, "404 Not Found", "", b""),
    }
}

fn respond(
    stream: &mut TcpStream,
    status: &str,
    content_type: &str,
    body: &[u8],
) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n",
        body.len()
    );
    if !content_type.is_empty() {
        head.push_str(&format!("Content-Type: {content_type}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()?;
    let _ = stream.shutdown(Shutdown::Write);
    Ok(())
}
