//! stack: the lab's servers. Apps (FastAPI/uvicorn in several modes, Python websockets, Node ws,
//! aiohttp, Tornado) are started once per test binary and shared (`OnceLock`); proxies (nginx,
//! Caddy, HAProxy, Apache httpd, lighttpd) are started per test in a `Scene` and stopped when it
//! drops. Tools are found
//! here; a missing tool fails the test under CI and skips it with one loud line otherwise.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::process::{Proc, Spawn};
use super::{free_port, in_ci, repo_root, template, test_dir};

/// The credential every lab app accepts.
pub const VALID_TOKEN: &str = "lab-valid-token-6f1c2a9d";
/// The Origin every lab app's allowlist accepts (the apps' "frontend").
pub const ALLOWED_ORIGIN: &str = "http://app.lab.test";
/// Report 002's allowlist: local development origins.
pub const REPORT_002_ORIGINS: &str =
    "http://localhost:3000,http://localhost:3001,http://localhost:5173,http://127.0.0.1:3000";
/// The frontend Origin the ticket app (report 004) allows.
pub const TICKET_ORIGIN: &str = "https://app.lab.test";
/// HS256 JWT (secret in fixtures/apps/python/app.py) with a sessionId: gets a ticket.
pub const JWT_WITH_SESSION: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJsYWItdXNlciIsInNlc3Npb25JZCI6ImxhYi1zZXNzaW9uLTEifQ.2QmoujUDh_ug0G8lh8eWKBOya0ZEUjPCGeWGuYRYu7g";
/// HS256 JWT without a sessionId: the ticket endpoint answers 401 MISSING_SESSION.
pub const JWT_WITHOUT_SESSION: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJsYWItdXNlciJ9.m07sPTXlaA7toG9p3q8f7VmcPVvnIOPmDpHbKsYukZg";

/// Where Debian's apache2 package keeps the modules the lab configs load.
pub const APACHE_MODULES: &str = "/usr/lib/apache2/modules";

/// Where Debian's chromium package keeps the browser binary (/usr/bin/chromium is a wrapper).
pub const CHROMIUM: &str = "/usr/lib/chromium/chromium";

/// A program the lab needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// nginx (Debian: nginx-light).
    Nginx,
    /// Caddy.
    Caddy,
    /// HAProxy.
    Haproxy,
    /// The repo-local venv with uvicorn, FastAPI, websockets, PyJWT, aiohttp, Tornado.
    Python,
    /// node with fixtures/apps/node/node_modules (ws, socket.io).
    Node,
    /// tinyproxy (a forward proxy speaking HTTP CONNECT).
    Tinyproxy,
    /// Apache httpd 2.4 (Debian: apache2) with its modules in /usr/lib/apache2/modules.
    Apache,
    /// Dante's danted (a SOCKS5 forward proxy).
    Dante,
    /// Debian's Chromium (headless), for the browser lab.
    Chromium,
    /// Debian's Firefox ESR (headless), for the browser lab.
    Firefox,
    /// lighttpd 1.4 (Debian: lighttpd) with mod_proxy.
    Lighttpd,
    /// The Prometheus server and promtool (Debian: prometheus), for the exporter lab.
    Prometheus,
    /// A Python package in the venv beyond the core apps' (`litestar`, `falcon`, `granian`,
    /// `autobahn`): the products measured at first contact (`tests/lab/<product>.rs`).
    PyPackage(&'static str),
    /// A Node package in fixtures/apps/node/node_modules beyond ws and socket.io (`fastify`,
    /// `@hono/node-ws`, `graphql-ws`).
    NodePackage(&'static str),
    /// Eclipse Mosquitto (Debian: mosquitto) with its libwebsockets listener.
    Mosquitto,
    /// SNI Proxy (Debian: sniproxy): routes HTTP by Host and TLS by SNI to backends.
    Sniproxy,
    /// pen (Debian: pen), a TCP load balancer.
    Pen,
}

impl Tool {
    fn name(self) -> &'static str {
        match self {
            Tool::Nginx => "nginx",
            Tool::Caddy => "caddy",
            Tool::Haproxy => "haproxy",
            Tool::Python => ".venv (uvicorn, fastapi, websockets, PyJWT, aiohttp, tornado)",
            Tool::Node => "node + fixtures/apps/node/node_modules (ws, socket.io)",
            Tool::Tinyproxy => "tinyproxy",
            Tool::Apache => "apache2 (with mod_proxy_http and mod_proxy_wstunnel)",
            Tool::Dante => "danted (Dante SOCKS server)",
            Tool::Chromium => "chromium (Debian's package)",
            Tool::Firefox => "firefox-esr (Debian's package)",
            Tool::Lighttpd => "lighttpd",
            Tool::Prometheus => "prometheus and promtool",
            Tool::PyPackage(_) => ".venv with fixtures/apps/python/requirements.txt",
            Tool::NodePackage(_) => "node + fixtures/apps/node/node_modules",
            Tool::Mosquitto => "mosquitto",
            Tool::Sniproxy => "sniproxy",
            Tool::Pen => "pen",
        }
    }

    fn hint(self) -> &'static str {
        match self {
            Tool::Nginx => "apt-get install nginx-light",
            Tool::Caddy => "apt-get install caddy",
            Tool::Haproxy => "apt-get install haproxy",
            Tool::Python => "apt-get install python3-venv, then scripts/setup",
            Tool::Node => "apt-get install nodejs npm, then npm ci in fixtures/apps/node",
            Tool::Tinyproxy => "apt-get install tinyproxy",
            Tool::Apache => "apt-get install apache2",
            Tool::Dante => "apt-get install dante-server",
            Tool::Chromium => "apt-get install chromium",
            Tool::Firefox => "apt-get install firefox-esr",
            Tool::Lighttpd => "apt-get install lighttpd",
            Tool::Prometheus => "apt-get install prometheus",
            Tool::PyPackage(_) => {
                "scripts/setup (pip install -r fixtures/apps/python/requirements.txt)"
            }
            Tool::NodePackage(_) => "scripts/setup (npm ci in fixtures/apps/node)",
            Tool::Mosquitto => "apt-get install mosquitto",
            Tool::Sniproxy => "apt-get install sniproxy",
            Tool::Pen => "apt-get install pen",
        }
    }

    /// The program to run, when installed.
    pub fn program(self) -> Option<PathBuf> {
        match self {
            Tool::Nginx => find_program("nginx"),
            Tool::Caddy => find_program("caddy"),
            Tool::Haproxy => find_program("haproxy"),
            Tool::Tinyproxy => find_program("tinyproxy"),
            Tool::Apache => find_program("apache2").filter(|_| {
                Path::new(APACHE_MODULES)
                    .join("mod_proxy_http.so")
                    .is_file()
            }),
            Tool::Dante => find_program("danted"),
            // The browser itself, not Debian's /usr/bin/chromium wrapper: the wrapper adds flags
            // (remote extensions, GPU rasterization) and Debian's Google API keys.
            Tool::Chromium => Some(PathBuf::from(CHROMIUM))
                .filter(|p| p.is_file())
                .or_else(|| find_program("chromium")),
            Tool::Firefox => find_program("firefox-esr"),
            Tool::Lighttpd => find_program("lighttpd"),
            Tool::Prometheus => {
                find_program("prometheus").filter(|_| find_program("promtool").is_some())
            }
            Tool::PyPackage(package) => {
                let venv = repo_root().join(".venv");
                let python = venv.join("bin/python");
                // The package's directory in site-packages (any python3.x of the venv).
                let found = std::fs::read_dir(venv.join("lib"))
                    .into_iter()
                    .flatten()
                    .flatten()
                    .any(|d| d.path().join("site-packages").join(package).is_dir());
                (python.exists() && found).then_some(python)
            }
            Tool::NodePackage(package) => {
                let modules = repo_root().join("fixtures/apps/node/node_modules");
                find_program("node").filter(|_| modules.join(package).join("package.json").exists())
            }
            Tool::Mosquitto => find_program("mosquitto"),
            Tool::Sniproxy => find_program("sniproxy"),
            Tool::Pen => find_program("pen"),
            Tool::Python => {
                let venv = repo_root().join(".venv/bin");
                let python = venv.join("python");
                (python.exists() && venv.join("uvicorn").exists()).then_some(python)
            }
            Tool::Node => {
                let modules = repo_root().join("fixtures/apps/node/node_modules");
                find_program("node").filter(|_| {
                    ["ws", "socket.io"]
                        .iter()
                        .all(|m| modules.join(m).join("package.json").exists())
                })
            }
        }
    }

    fn get(self) -> PathBuf {
        self.program()
            .unwrap_or_else(|| panic!("{} is missing: {}", self.name(), self.hint()))
    }
}

/// Finds a program on PATH or in the sbin directories (nginx and haproxy live in /usr/sbin).
pub fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/local/sbin", "/usr/sbin", "/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// True when every tool is installed. Otherwise: under CI a panic with the install hint; locally
/// one loud line on stderr, and the caller returns (the test is skipped).
pub fn require(test: &str, tools: &[Tool]) -> bool {
    let missing: Vec<Tool> = tools
        .iter()
        .copied()
        .filter(|t| t.program().is_none())
        .collect();
    if missing.is_empty() {
        return true;
    }
    let names: Vec<&str> = missing.iter().map(|t| t.name()).collect();
    let hints: Vec<&str> = missing.iter().map(|t| t.hint()).collect();
    let msg = format!(
        "lab test {test} needs {}: run scripts/setup ({})",
        names.join(", "),
        hints.join("; ")
    );
    if in_ci() {
        panic!("{msg}");
    }
    eprintln!("SKIPPED {msg}");
    // The harness hides a passing test's stderr: the skip is also written where scripts/test
    // counts it, so a green local run with skips never reads as a full one.
    let list = skipped_list();
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&list)
    {
        use std::io::Write;
        let _ = writeln!(f, "{msg}");
    }
    false
}

/// Where skipped lab tests are listed (`target/tmp/lab-skipped.txt`; scripts/test empties it
/// before a run and reports its count after).
pub fn skipped_list() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("lab-skipped.txt")
}

/// The lab's applications, each started at most once per test binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum App {
    /// FastAPI "background worker": token auth (Bearer, ?token=, X-API-Key, 401 JSON), Origin
    /// allowlist [ALLOWED_ORIGIN] before accept.
    FastApi,
    /// FastAPI "API container": ENABLE_BACKGROUND_WORKERS=false, every WebSocket refused with 403
    /// before auth (report 000).
    FastApiApiContainer,
    /// FastAPI with report 002's localhost allowlist checked before accept, no auth.
    FastApiOriginAllowlist,
    /// FastAPI ticket flow (report 004): JWT -> ticket -> ?ticket=, Origin checked after accept.
    FastApiTickets,
    /// The ticket app with its ticket store down: the ticket endpoint answers 503.
    FastApiTicketsStoreDown,
    /// Python `websockets` server with a process_request hook (token + Origin).
    PyWebsockets,
    /// Node `ws` server with verifyClient (token + Origin).
    NodeWs,
    /// The FastAPI worker under uvicorn with WebSocket support off (`--ws none`, what uvicorn does
    /// without a WebSocket library installed): upgrades are answered as plain HTTP.
    FastApiNoWebsocket,
    /// FastAPI with neither auth nor an Origin check: upgrades whatever the credential or Origin.
    FastApiOpen,
    /// The FastAPI worker reading the credential only from the Authorization header (no
    /// ?token=, cookie or subprotocol), Origin allowlist [ALLOWED_ORIGIN].
    FastApiHeaderOnly,
    /// FastAPI with a same-origin check (`ORIGIN_CHECK=same_host`: Origin's host:port must equal
    /// the Host header) before accept, no auth.
    FastApiSameHost,
    /// The FastAPI worker whose WebSocket routes raise before accept (`WS_ERROR=before_accept`):
    /// uvicorn answers 500 with its plain-text "Internal Server Error".
    FastApiWsError,
    /// Python websockets whose handler raises after the handshake (`MODE=error`): websockets
    /// closes with 1011 (internal error).
    PyWebsocketsError,
    /// Python websockets in "API container" mode (`MODE=api`): every handshake refused with 403
    /// before the Origin and the credential are looked at.
    PyWebsocketsApiContainer,
    /// Node ws in "API container" mode (`MODE=api`): verifyClient refuses every handshake with 403.
    NodeWsApiContainer,
    /// Node ws with its keepalive written as `setInterval(ping, 30)` (`HEARTBEAT_MS=30`, meant
    /// as seconds): about 33 pings a second to every client.
    NodeWsPingFlood,
    /// Node ws with a brisk but sane keepalive (`HEARTBEAT_MS=250`, 4 pings a second).
    NodeWsBriskHeartbeat,
    /// Python websockets with `ping_interval=0.01` (`PING_INTERVAL=0.01`): a keepalive ping
    /// every 10 ms, each sent once the last pong is back.
    PyWebsocketsPingFlood,
    /// aiohttp worker (`fixtures/apps/python/aiohttp_app.py`): token from Bearer, X-API-Key,
    /// ?token= or the `token` cookie (401 "missing token" / "invalid token"), Origin allowlist
    /// [ALLOWED_ORIGIN] (403), all before `ws.prepare()`.
    Aiohttp,
    /// aiohttp in "API container" mode (`MODE=api`): aiohttp's own 403 page for every WebSocket.
    AiohttpApiContainer,
    /// aiohttp whose WebSocket handler raises before `ws.prepare()` (`MODE=error`): aiohttp's own
    /// 500 page.
    AiohttpError,
    /// Tornado worker (`fixtures/apps/python/tornado_app.py`): token only from ?token= (401 JSON),
    /// `check_origin` allowlist [ALLOWED_ORIGIN] (403).
    Tornado,
    /// Tornado in "API container" mode (`MODE=api`): `prepare()` raises HTTPError(403).
    TornadoApiContainer,
    /// Socket.IO 4 (`fixtures/apps/node/socketio_server.js`), WebSocket transport only, at
    /// [SOCKET_IO_PATH]: `allowRequest` checks the Origin allowlist [ALLOWED_ORIGIN] and the token
    /// (Bearer or ?token=); engine.io answers a refusal with 400 and the reason as the body.
    SocketIo,
}

/// The Socket.IO WebSocket transport's URL path and query (engine.io protocol 4).
pub const SOCKET_IO_PATH: &str = "/socket.io/?EIO=4&transport=websocket";

impl App {
    const COUNT: usize = 24;

    fn index(self) -> usize {
        self as usize
    }

    /// The tools this app needs.
    pub fn tool(self) -> Tool {
        match self {
            App::NodeWs
            | App::NodeWsApiContainer
            | App::NodeWsPingFlood
            | App::NodeWsBriskHeartbeat
            | App::SocketIo => Tool::Node,
            _ => Tool::Python,
        }
    }

    fn spawn(self, port: u16) -> Spawn {
        let apps = repo_root().join("fixtures/apps");
        let uvicorn = |name: &str| {
            Spawn::new(name, Tool::Python.get())
                .args(["-m", "uvicorn", "app:app", "--host", "127.0.0.1"])
                .args(["--port".to_string(), port.to_string()])
                .args(["--log-level", "info", "--timeout-graceful-shutdown", "1"])
                // Longer than any test: no pooled-connection race with the front (see
                // products::uvicorn).
                .args(["--timeout-keep-alive", "75"])
                .cwd(apps.join("python"))
                .env("LAB_TOKEN", VALID_TOKEN)
        };
        let node_ws = |name: &str| {
            Spawn::new(name, Tool::Node.get())
                .args([apps.join("node/server.js")])
                .cwd(apps.join("node"))
                .env("PORT", port.to_string())
                .env("LAB_TOKEN", VALID_TOKEN)
                .env("ALLOWED_ORIGINS", ALLOWED_ORIGIN)
        };
        let python_app = |name: &str, file: &str, mode: &str| {
            Spawn::new(name, Tool::Python.get())
                .args([apps.join("python").join(file)])
                .env("PORT", port.to_string())
                .env("LAB_TOKEN", VALID_TOKEN)
                .env("ALLOWED_ORIGINS", ALLOWED_ORIGIN)
                .env("MODE", mode)
        };
        let spawn = match self {
            App::FastApi => uvicorn("uvicorn-worker").env("ALLOWED_ORIGINS", ALLOWED_ORIGIN),
            App::FastApiWsError => uvicorn("uvicorn-ws-error")
                .env("ALLOWED_ORIGINS", ALLOWED_ORIGIN)
                .env("WS_ERROR", "before_accept"),
            App::PyWebsocketsError => python_app("websockets-error", "ws_server.py", "error"),
            App::PyWebsocketsApiContainer => python_app("websockets-api", "ws_server.py", "api"),
            App::PyWebsocketsPingFlood => {
                python_app("websockets-ping-flood", "ws_server.py", "worker")
                    .env("PING_INTERVAL", "0.01")
            }
            App::NodeWsApiContainer => Spawn::new("node-ws-api", Tool::Node.get())
                .args([apps.join("node/server.js")])
                .cwd(apps.join("node"))
                .env("PORT", port.to_string())
                .env("LAB_TOKEN", VALID_TOKEN)
                .env("ALLOWED_ORIGINS", ALLOWED_ORIGIN)
                .env("MODE", "api"),
            App::SocketIo => Spawn::new("socketio", Tool::Node.get())
                .args([apps.join("node/socketio_server.js")])
                .cwd(apps.join("node"))
                .env("PORT", port.to_string())
                .env("LAB_TOKEN", VALID_TOKEN)
                .env("ALLOWED_ORIGINS", ALLOWED_ORIGIN),
            App::Aiohttp => python_app("aiohttp-worker", "aiohttp_app.py", "worker"),
            App::AiohttpApiContainer => python_app("aiohttp-api", "aiohttp_app.py", "api"),
            App::AiohttpError => python_app("aiohttp-error", "aiohttp_app.py", "error"),
            App::Tornado => python_app("tornado-worker", "tornado_app.py", "worker"),
            App::TornadoApiContainer => python_app("tornado-api", "tornado_app.py", "api"),
            App::FastApiNoWebsocket => uvicorn("uvicorn-no-ws")
                .env("ALLOWED_ORIGINS", ALLOWED_ORIGIN)
                .args(["--ws", "none"]),
            App::FastApiOpen => uvicorn("uvicorn-open").env("AUTH", "off"),
            App::FastApiHeaderOnly => uvicorn("uvicorn-header-only")
                .env("ALLOWED_ORIGINS", ALLOWED_ORIGIN)
                .env("CREDENTIAL_SOURCES", "authorization"),
            App::FastApiSameHost => uvicorn("uvicorn-same-host")
                .env("AUTH", "off")
                .env("ORIGIN_CHECK", "same_host"),
            App::FastApiApiContainer => {
                uvicorn("uvicorn-api").env("ENABLE_BACKGROUND_WORKERS", "false")
            }
            App::FastApiOriginAllowlist => uvicorn("uvicorn-origin")
                .env("AUTH", "off")
                .env("ALLOWED_ORIGINS", REPORT_002_ORIGINS)
                .env("ORIGIN_CHECK", "before_accept"),
            App::FastApiTickets => uvicorn("uvicorn-tickets")
                .env("TICKETS", "on")
                .env("ALLOWED_ORIGINS", TICKET_ORIGIN)
                .env("ORIGIN_CHECK", "after_accept"),
            App::FastApiTicketsStoreDown => uvicorn("uvicorn-tickets-down")
                .env("TICKETS", "on")
                .env("TICKET_STORE", "down")
                .env("ALLOWED_ORIGINS", TICKET_ORIGIN)
                .env("ORIGIN_CHECK", "after_accept"),
            App::PyWebsockets => Spawn::new("websockets", Tool::Python.get())
                .args([apps.join("python/ws_server.py")])
                .env("PORT", port.to_string())
                .env("LAB_TOKEN", VALID_TOKEN)
                .env("ALLOWED_ORIGINS", ALLOWED_ORIGIN),
            App::NodeWs => node_ws("node-ws"),
            App::NodeWsPingFlood => node_ws("node-ws-ping-flood").env("HEARTBEAT_MS", "30"),
            App::NodeWsBriskHeartbeat => node_ws("node-ws-brisk").env("HEARTBEAT_MS", "250"),
        };
        spawn.ready_on(port)
    }
}

/// A shared running app.
#[derive(Debug)]
pub struct RunningApp {
    _proc: Proc,
    /// Its loopback port.
    pub port: u16,
}

impl RunningApp {
    /// `127.0.0.1:PORT`, for proxy configs.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

static APPS: [OnceLock<RunningApp>; App::COUNT] = [const { OnceLock::new() }; App::COUNT];

/// The app, started on first use and shared by every test of this binary. The watchdog in
/// `process` stops it when the test binary exits.
pub fn app(app: App) -> &'static RunningApp {
    APPS[app.index()].get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join("lab")
            .join(format!("shared-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the shared log directory");
        let port = free_port();
        RunningApp {
            _proc: Proc::start(app.spawn(port), &dir),
            port,
        }
    })
}

/// One test's proxies, configs and logs. Proxies stop before the directory is removed.
pub struct Scene {
    procs: Vec<Proc>,
    dir: tempfile::TempDir,
    /// Ports kept closed (bound, not listening) for as long as the scene lives.
    closed: Vec<super::ClosedPort>,
}

impl Scene {
    /// A new scene for the named test.
    pub fn new(name: &str) -> Scene {
        Scene {
            procs: Vec::new(),
            dir: test_dir(name),
            closed: Vec::new(),
        }
    }

    /// A loopback port that refuses connections while the scene lives (a dead upstream): bound
    /// without `listen`, so nothing else can take it in the meantime.
    pub fn closed_port(&mut self) -> u16 {
        let closed = super::ClosedPort::new();
        let port = closed.port();
        self.closed.push(closed);
        port
    }

    /// The scene's directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Starts any server described by `spawn` (it names the ports it must listen on) and keeps it
    /// running for as long as the scene lives.
    pub fn spawn(&mut self, spawn: Spawn) {
        self.procs.push(Proc::start(spawn, self.dir.path()));
    }

    /// Renders `fixtures/<fixture>` with `vars` into the scene's directory; returns its path.
    pub fn render_config(&self, fixture: &str, vars: &[(&str, String)]) -> PathBuf {
        template::render(fixture, vars, self.dir.path())
    }

    /// Starts nginx from `fixtures/nginx/<fixture>` with `{{LISTEN}}` on a fresh port; returns it.
    pub fn nginx(&mut self, fixture: &str, vars: &[(&str, String)]) -> u16 {
        self.nginx_multi(fixture, vars, &["LISTEN"])[0]
    }

    /// Starts nginx with one fresh port per listen placeholder; returns them in order.
    pub fn nginx_multi(
        &mut self,
        fixture: &str,
        vars: &[(&str, String)],
        listens: &[&str],
    ) -> Vec<u16> {
        let (ports, conf) = self.render(&format!("nginx/{fixture}"), vars, listens);
        let prefix = format!("{}/", self.path().display());
        let mut spawn = Spawn::new("nginx", Tool::Nginx.get()).args([
            OsString::from("-p"),
            prefix.into(),
            "-c".into(),
            conf.into(),
            "-g".into(),
            "daemon off;".into(),
        ]);
        for &p in &ports {
            spawn = spawn.ready_on(p);
        }
        self.procs.push(Proc::start(spawn, self.dir.path()));
        ports
    }

    /// Starts Caddy from `fixtures/caddy/<fixture>`; returns its port.
    pub fn caddy(&mut self, fixture: &str, vars: &[(&str, String)]) -> u16 {
        let (ports, conf) = self.render(&format!("caddy/{fixture}"), vars, &["LISTEN"]);
        let home = self.path().join("home");
        std::fs::create_dir_all(&home).expect("create caddy home");
        let spawn = Spawn::new("caddy", Tool::Caddy.get())
            .args([
                OsString::from("run"),
                "--config".into(),
                conf.into(),
                "--adapter".into(),
                "caddyfile".into(),
            ])
            .env("HOME", home.display().to_string())
            .env("XDG_DATA_HOME", home.join("data").display().to_string())
            .env("XDG_CONFIG_HOME", home.join("config").display().to_string())
            .ready_on(ports[0]);
        self.procs.push(Proc::start(spawn, self.dir.path()));
        ports[0]
    }

    /// Starts HAProxy from `fixtures/haproxy/<fixture>`; returns its port.
    pub fn haproxy(&mut self, fixture: &str, vars: &[(&str, String)]) -> u16 {
        let (ports, conf) = self.render(&format!("haproxy/{fixture}"), vars, &["LISTEN"]);
        let spawn = Spawn::new("haproxy", Tool::Haproxy.get())
            .args([OsString::from("-f"), conf.into(), "-db".into()])
            .ready_on(ports[0]);
        self.procs.push(Proc::start(spawn, self.dir.path()));
        ports[0]
    }

    /// Starts Apache httpd from `fixtures/apache/<fixture>` with `{{LISTEN}}` on a fresh port, as
    /// `apache2 -d <dir> -f <conf> -DFOREGROUND`; returns the port. Each instance gets its own
    /// directory `apache-<port>/` in the scene (its `{{TMP}}`): the rendered `base.conf` the
    /// fixture includes (modules, pid file, runtime files, error and access logs) and the config.
    pub fn apache(&mut self, fixture: &str, vars: &[(&str, String)]) -> u16 {
        let port = free_port();
        let dir = self.path().join(format!("apache-{port}"));
        std::fs::create_dir_all(&dir).expect("create the Apache directory");
        template::render(
            "apache/base.conf",
            &[("APACHE_MODULES", APACHE_MODULES.to_string())],
            &dir,
        );
        let mut all: Vec<(&str, String)> = vars.to_vec();
        all.push(("LISTEN", format!("127.0.0.1:{port}")));
        let conf = template::render(&format!("apache/{fixture}"), &all, &dir);
        let spawn = Spawn::new("apache2", Tool::Apache.get())
            .args([
                OsString::from("-d"),
                dir.into(),
                "-f".into(),
                conf.into(),
                "-DFOREGROUND".into(),
            ])
            .ready_on(port);
        self.procs.push(Proc::start(spawn, self.dir.path()));
        port
    }

    /// Starts tinyproxy (foreground) from `fixtures/tinyproxy/<fixture>`; returns its port.
    pub fn tinyproxy(&mut self, fixture: &str) -> u16 {
        let port = free_port();
        let (_, conf) = self.render(
            &format!("tinyproxy/{fixture}"),
            &[("PORT", port.to_string())],
            &[],
        );
        let spawn = Spawn::new("tinyproxy", Tool::Tinyproxy.get())
            .args([OsString::from("-d"), "-c".into(), conf.into()])
            .ready_on(port);
        self.procs.push(Proc::start(spawn, self.dir.path()));
        port
    }

    /// Starts Dante's danted (foreground: `-f` without `-D`) from `fixtures/dante/<fixture>` with
    /// `{{PORT}}` on a fresh port and `vars`; returns its port.
    pub fn dante(&mut self, fixture: &str, vars: &[(&str, String)]) -> u16 {
        let port = free_port();
        let mut all = vars.to_vec();
        all.push(("PORT", port.to_string()));
        let (_, conf) = self.render(&format!("dante/{fixture}"), &all, &[]);
        let spawn = Spawn::new("danted", Tool::Dante.get())
            .args([OsString::from("-f"), conf.into()])
            .ready_on(port);
        self.procs.push(Proc::start(spawn, self.dir.path()));
        port
    }

    /// Starts lighttpd (foreground, `lighttpd -D -f <conf>`) from `fixtures/lighttpd/<fixture>`
    /// with `{{PORT}}` on a fresh port (lighttpd takes the address and the port apart:
    /// `server.bind` and `server.port`); returns the port.
    /// Every `host:port` variable `NAME` also fills `NAME_HOST` and `NAME_PORT` (mod_proxy's
    /// `"host" =>` and `"port" =>`).
    pub fn lighttpd(&mut self, fixture: &str, vars: &[(&str, String)]) -> u16 {
        let port = free_port();
        let mut split: Vec<(String, String)> = Vec::new();
        for (name, value) in vars {
            if let Some((host, p)) = value.rsplit_once(':') {
                split.push((format!("{name}_HOST"), host.to_string()));
                split.push((format!("{name}_PORT"), p.to_string()));
            }
        }
        let mut all = vars.to_vec();
        all.extend(split.iter().map(|(k, v)| (k.as_str(), v.clone())));
        all.push(("PORT", port.to_string()));
        let (_, conf) = self.render(&format!("lighttpd/{fixture}"), &all, &[]);
        let spawn = Spawn::new("lighttpd", Tool::Lighttpd.get())
            .args([OsString::from("-D"), "-f".into(), conf.into()])
            .ready_on(port);
        self.procs.push(Proc::start(spawn, self.dir.path()));
        port
    }

    fn render(
        &self,
        fixture: &str,
        vars: &[(&str, String)],
        listens: &[&str],
    ) -> (Vec<u16>, PathBuf) {
        let ports: Vec<u16> = listens.iter().map(|_| free_port()).collect();
        let mut all: Vec<(&str, String)> = vars.to_vec();
        for (name, port) in listens.iter().zip(&ports) {
            all.push((name, format!("127.0.0.1:{port}")));
        }
        let conf = template::render(fixture, &all, self.dir.path());
        (ports, conf)
    }
}

/// The front proxies, for tests that run the same scenario through each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proxy {
    /// nginx with `fixtures/nginx/ws-proxy.conf`.
    Nginx,
    /// Caddy with `fixtures/caddy/ws-proxy.Caddyfile`.
    Caddy,
    /// HAProxy with `fixtures/haproxy/ws-proxy.cfg`.
    Haproxy,
    /// Apache httpd with `fixtures/apache/ws-proxy.conf` (the WebSocket paths with
    /// `upgrade=websocket`).
    Apache,
    /// lighttpd with `fixtures/lighttpd/ws-proxy.conf` (`proxy.header = ("upgrade" => "enable")`).
    Lighttpd,
}

impl Proxy {
    /// The tool it needs.
    pub fn tool(self) -> Tool {
        match self {
            Proxy::Nginx => Tool::Nginx,
            Proxy::Caddy => Tool::Caddy,
            Proxy::Haproxy => Tool::Haproxy,
            Proxy::Apache => Tool::Apache,
            Proxy::Lighttpd => Tool::Lighttpd,
        }
    }

    /// Starts the correct WebSocket proxy in front of `upstream`; returns its port.
    pub fn start_healthy(self, scene: &mut Scene, upstream: &str) -> u16 {
        let vars = [("UPSTREAM", upstream.to_string())];
        match self {
            Proxy::Nginx => scene.nginx("ws-proxy.conf", &vars),
            Proxy::Caddy => scene.caddy("ws-proxy.Caddyfile", &vars),
            Proxy::Haproxy => scene.haproxy("ws-proxy.cfg", &vars),
            Proxy::Apache => scene.apache("ws-proxy.conf", &vars),
            Proxy::Lighttpd => scene.lighttpd("ws-proxy.conf", &vars),
        }
    }

    /// Starts this proxy from its own config for a situation: `fixtures/<dir>/<stem>.<ext>`
    /// (`deny` is `nginx/deny.conf`, `caddy/deny.Caddyfile`, `haproxy/deny.cfg`,
    /// `apache/deny.conf`, `lighttpd/deny.conf`); returns its port.
    pub fn start(self, scene: &mut Scene, stem: &str, vars: &[(&str, String)]) -> u16 {
        match self {
            Proxy::Nginx => scene.nginx(&format!("{stem}.conf"), vars),
            Proxy::Caddy => scene.caddy(&format!("{stem}.Caddyfile"), vars),
            Proxy::Haproxy => scene.haproxy(&format!("{stem}.cfg"), vars),
            Proxy::Apache => scene.apache(&format!("{stem}.conf"), vars),
            Proxy::Lighttpd => scene.lighttpd(&format!("{stem}.conf"), vars),
        }
    }

    /// The product's name, for test directories and messages.
    pub fn name(self) -> &'static str {
        match self {
            Proxy::Nginx => "nginx",
            Proxy::Caddy => "caddy",
            Proxy::Haproxy => "haproxy",
            Proxy::Apache => "apache",
            Proxy::Lighttpd => "lighttpd",
        }
    }
}
