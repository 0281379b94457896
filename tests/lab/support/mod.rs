//! support: the lab harness. Starts real servers (uvicorn, websockets, node ws, nginx, Caddy,
//! HAProxy) from `fixtures/` on loopback ports found by binding 127.0.0.1:0, waits for them by
//! polling TCP connect with a deadline, kills them on Drop, and runs the real `wsdoctor` binary.
//! It never asserts on wsdoctor's internals, only on what the binary prints and its exit code.

pub mod certs;
pub mod cli;
pub mod process;
pub mod stack;
pub mod template;

use std::net::TcpListener;
use std::path::PathBuf;

/// The repository root (where Cargo.toml and fixtures/ live).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A loopback port nobody listens on right now (bind :0, read the port, release it).
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local addr").port()
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
