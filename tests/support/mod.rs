//! Shared test support: in-process loopback servers (one file per server kind) and the base
//! `wsdoctor` command. Every server binds 127.0.0.1:0, runs on its own thread with a
//! current-thread runtime, and shuts down on Drop (bounded join, panics surfaced).
//!
//! Add a new server kind as a new file here plus one `pub mod` line.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of the support code"
)]
#![expect(
    clippy::expect_used,
    reason = "test support: a failed setup must fail the test loudly"
)]

pub mod exporter;
pub mod hostile;
pub mod netns;
pub mod raw;
pub mod scripted;
pub mod tls;
pub mod ws;

use std::future::Future;
use std::net::SocketAddr;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// The base command: the binary with an environment that cannot change its behaviour.
pub fn wsdoctor() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("wsdoctor").expect("the wsdoctor binary");
    for var in [
        "RUST_LOG",
        "NO_COLOR",
        // The human matrix follows COLUMNS: tests set it when they mean to.
        "COLUMNS",
        "CLICOLOR",
        "CLICOLOR_FORCE",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        // A developer's proxy settings must not route the loopback tests through a proxy.
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
        // A CI runner's step summary is not the tests' to write.
        "GITHUB_STEP_SUMMARY",
    ] {
        cmd.env_remove(var);
    }
    cmd.timeout(Duration::from_secs(60));
    cmd
}

/// Runs wsdoctor with `--format json` plus `args`; returns the parsed report and the exit code.
pub fn probe_json(args: &[&str]) -> (serde_json::Value, i32) {
    let out = wsdoctor()
        .args(["--format", "json"])
        .args(args)
        .output()
        .expect("wsdoctor runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}); stdout:\n{stdout}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (report, out.status.code().unwrap_or(-1))
}

/// The baseline attempt of a report.
pub fn baseline(report: &serde_json::Value) -> &serde_json::Value {
    &report["attempts"][0]
}

/// The status of one stage of an attempt ("ok", "failed", "skipped").
pub fn stage<'a>(attempt: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    attempt["stages"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["stage"] == name))
        .unwrap_or_else(|| panic!("no stage {name} in {attempt}"))
}

/// A server thread: a current-thread runtime running `serve(listener)` until shutdown.
pub struct ServerThread {
    /// Where it listens.
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl ServerThread {
    /// Binds 127.0.0.1:0 and runs `serve` on a new thread.
    pub fn spawn<F, Fut>(serve: F) -> Self
    where
        F: FnOnce(TcpListener) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        Self::spawn_on("127.0.0.1", serve)
    }

    /// Binds `ip`:0 (a loopback address such as 127.0.0.2, to be another host) and runs `serve`.
    pub fn spawn_on<F, Fut>(ip: &str, serve: F) -> Self
    where
        F: FnOnce(TcpListener) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        let ip: std::net::IpAddr = ip.parse().expect("a loopback IP address");
        Self::spawn_at(SocketAddr::new(ip, 0), serve)
    }

    /// Binds exactly `addr` (say 127.0.0.2 or [::1] on a port already serving on 127.0.0.1, to be
    /// a second address of one name) and runs `serve`.
    pub fn spawn_at<F, Fut>(addr: SocketAddr, serve: F) -> Self
    where
        F: FnOnce(TcpListener) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        let std_listener = std::net::TcpListener::bind(addr).expect("bind a loopback address");
        std_listener.set_nonblocking(true).expect("nonblocking");
        let addr = std_listener.local_addr().expect("local addr");
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("test runtime");
            rt.block_on(async move {
                let listener = TcpListener::from_std(std_listener).expect("tokio listener");
                tokio::select! {
                    _ = stopped => {}
                    _ = serve(listener) => {}
                }
            });
            // Dropping the runtime cancels connection tasks still running.
        });
        ServerThread {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }
}

impl Drop for ServerThread {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let deadline = Instant::now() + Duration::from_secs(5);
            while !thread.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            if thread.is_finished() {
                let panicked = thread.join().is_err();
                if panicked && !std::thread::panicking() {
                    panic!("a test server thread panicked");
                }
            }
        }
    }
}

/// A port with nothing listening (bound, then released).
pub fn refused_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    drop(l);
    port
}

/// Path of the built `wsdoctor` binary.
pub const WSDOCTOR: &str = env!("CARGO_BIN_EXE_wsdoctor");

/// The binary as a `std::process::Command` with an empty environment, for tests that manage the
/// child themselves (a closed stdout, a bound on the run time).
pub fn wsdoctor_std() -> std::process::Command {
    let mut cmd = std::process::Command::new(WSDOCTOR);
    cmd.env_clear();
    cmd
}

/// True when the IPv6 loopback `::1` can be bound (containers on Docker before 26 often lack it).
pub fn has_ipv6_loopback() -> bool {
    std::net::TcpListener::bind("[::1]:0").is_ok()
}

/// For tests that need `::1`: true when it is there. Otherwise a panic under CI=true (with the
/// fix), or one loud line on stderr and false (the caller returns) elsewhere.
pub fn require_ipv6_loopback(test: &str) -> bool {
    if has_ipv6_loopback() {
        return true;
    }
    let msg = format!(
        "test {test} needs the IPv6 loopback ::1, which this machine lacks (in Docker: run with --sysctl net.ipv6.conf.lo.disable_ipv6=0, or Docker 26+)"
    );
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!("{msg}");
    }
    eprintln!("SKIPPED {msg}");
    false
}
