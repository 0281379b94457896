//! support: the lab harness. Starts real servers (uvicorn, websockets, node ws, nginx, Caddy,
//! HAProxy) from `fixtures/` on loopback ports found by binding 127.0.0.1:0, waits for them by
//! polling TCP connect with a deadline, kills them on Drop, and runs the real `wsdoctor` binary.
//! `browser` runs headless Chromium and Firefox ESR against them the same way.
//! It never asserts on wsdoctor's internals, only on what the binary prints and its exit code.

pub mod browser;
pub mod certs;
pub mod cli;
pub mod corpus;
pub mod process;
pub mod products;
pub mod scenario;
pub mod stack;
pub mod template;

use std::net::TcpListener;
use std::path::PathBuf;

/// The repository root (where Cargo.toml and fixtures/ live).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Ports handed out in this test binary: never handed out twice, so two tests starting servers
/// at the same moment cannot be given the same port.
static HANDED_OUT: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());

/// A loopback port for a server this test starts (nginx and the other servers take a port
/// number, not a socket). The kernel picks a free one (bind :0); a port already handed out in
/// this binary is never handed out again, so concurrent tests cannot collide. Bounded: at most
/// 64 tries.
pub fn free_port() -> u16 {
    let mut handed = HANDED_OUT.lock().unwrap_or_else(|e| e.into_inner());
    for _ in 0..64 {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local addr").port();
        if !handed.contains(&port) {
            handed.push(port);
            return port;
        }
    }
    panic!("no fresh loopback port after 64 tries");
}

/// A loopback port that refuses connections for as long as the value lives: a socket bound to it
/// without `listen`, so no other process can take the port (a "closed upstream" that stays
/// closed). Linux answers a connect to it with RST (connection refused).
pub struct ClosedPort {
    socket: tokio::net::TcpSocket,
    port: u16,
}

impl ClosedPort {
    /// Binds 127.0.0.1:0 without listening.
    pub fn new() -> ClosedPort {
        let socket = tokio::net::TcpSocket::new_v4().expect("a TCP socket");
        let any: std::net::SocketAddr = "127.0.0.1:0".parse().expect("an address");
        socket.bind(any).expect("bind 127.0.0.1:0");
        let port = socket.local_addr().expect("a bound port").port();
        ClosedPort { socket, port }
    }

    /// The port.
    pub fn port(&self) -> u16 {
        let _ = &self.socket;
        self.port
    }
}

/// True under CI (`CI=true`): a missing tool is then a failure, never a skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// A fresh directory for one test's configs, certificates and logs (removed on Drop).
pub fn test_dir(name: &str) -> tempfile::TempDir {
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("lab");
    std::fs::create_dir_all(&base).expect("create target/tmp/lab");
    tempfile::Builder::new()
        .prefix(&format!("{name}-"))
        .tempdir_in(base)
        .expect("create a test directory")
}

/// Asserts that a report validates against `docs/report.v1.schema.json` (new fields are additive
/// and must be described there).
pub fn assert_report_schema(report: &serde_json::Value) {
    let path = repo_root().join("docs/report.v1.schema.json");
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&path).expect("read docs/report.v1.schema.json"),
    )
    .expect("the schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "the report breaks the schema:\n{}",
        errors.join("\n")
    );
}
