//! process: a guard around one server process. Spawns it in its own process group behind a tiny
//! `sh` watchdog (the server dies when this test process goes away, even for servers shared in
//! statics that are never dropped), captures stdout+stderr to a log file, waits for readiness by
//! polling TCP connect with a deadline, and on Drop terminates the whole group and reaps it.

use std::ffi::OsString;
use std::fs::File;
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a server may take to listen.
pub const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a server may take to exit after SIGTERM before it gets SIGKILL.
const STOP_TIMEOUT: Duration = Duration::from_secs(5);
/// Interval between readiness or exit polls (a poll interval, not a synchronisation sleep).
const POLL: Duration = Duration::from_millis(20);

/// The watchdog: runs the server with stdin from /dev/null, and kills it when our pipe to the
/// watchdog's stdin closes (this test process exited, however it exited).
const WATCHDOG: &str = r#"exec 3<&0
"$@" </dev/null &
child=$!
( cat <&3 >/dev/null 2>&1; kill -TERM "$child" 2>/dev/null ) &
wait "$child""#;

/// What to start.
#[derive(Debug, Clone)]
pub struct Spawn {
    /// Short name for messages and the log file ("nginx", "uvicorn-worker").
    pub name: String,
    /// The program.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<OsString>,
    /// Extra environment variables.
    pub env: Vec<(String, String)>,
    /// Working directory.
    pub cwd: Option<PathBuf>,
    /// Loopback ports that must accept connections before the server counts as ready.
    pub ready_ports: Vec<u16>,
}

impl Spawn {
    /// A spawn of `program` named `name`.
    pub fn new(name: &str, program: impl Into<PathBuf>) -> Spawn {
        Spawn {
            name: name.to_string(),
            program: program.into(),
            args: Vec::new(),
            env: Vec::new(),
            cwd: None,
            ready_ports: Vec::new(),
        }
    }

    /// Adds arguments.
    pub fn args<I, S>(mut self, args: I) -> Spawn
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Adds an environment variable.
    pub fn env(mut self, key: &str, value: impl Into<String>) -> Spawn {
        self.env.push((key.to_string(), value.into()));
        self
    }

    /// Sets the working directory.
    pub fn cwd(mut self, dir: impl Into<PathBuf>) -> Spawn {
        self.cwd = Some(dir.into());
        self
    }

    /// Adds a port to wait for.
    pub fn ready_on(mut self, port: u16) -> Spawn {
        self.ready_ports.push(port);
        self
    }
}

/// A running server; terminated and reaped on Drop (also when the test panics).
#[derive(Debug)]
pub struct Proc {
    name: String,
    child: Child,
    stdin: Option<ChildStdin>,
    log: PathBuf,
}

impl Proc {
    /// Starts the server, logging to `<log_dir>/<name>.log`, and waits until every ready port
    /// accepts a connection. Panics with the server's log when it exits or never listens.
    pub fn start(spec: Spawn, log_dir: &Path) -> Proc {
        let log = log_dir.join(format!("{}.log", spec.name));
        let out = File::create(&log).expect("create the server log file");
        let err = out.try_clone().expect("clone the log file handle");
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(WATCHDOG)
            .arg("sh")
            .arg(&spec.program)
            .args(&spec.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .process_group(0);
        for (k, v) in &spec.env {
            cmd.env(k, v);
        }
        if let Some(dir) = &spec.cwd {
            cmd.current_dir(dir);
        }
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {} ({:?}): {e}", spec.name, spec.program));
        let stdin = child.stdin.take();
        let mut proc = Proc {
            name: spec.name.clone(),
            child,
            stdin,
            log,
        };
        proc.wait_ready(&spec.ready_ports);
        proc
    }

    /// The server's captured stdout and stderr so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn wait_ready(&mut self, ports: &[u16]) {
        let deadline = Instant::now() + READY_TIMEOUT;
        for &port in ports {
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            loop {
                if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                    break;
                }
                if let Ok(Some(status)) = self.child.try_wait() {
                    panic!(
                        "{} exited ({status}) before listening on {addr}; its log:\n{}",
                        self.name,
                        self.log_text()
                    );
                }
                if Instant::now() >= deadline {
                    panic!(
                        "{} did not listen on {addr} within {READY_TIMEOUT:?}; its log:\n{}",
                        self.name,
                        self.log_text()
                    );
                }
                std::thread::sleep(POLL);
            }
        }
    }

    fn signal_group(&self, signal: &str) -> bool {
        let pgid = self.child.id().to_string();
        Command::new("sh")
            .args([
                "-c",
                "kill -s \"$1\" -- \"-$2\" 2>/dev/null",
                "sh",
                signal,
                &pgid,
            ])
            .status()
            .is_ok_and(|s| s.success())
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        drop(self.stdin.take());
        self.signal_group("TERM");
        let deadline = Instant::now() + STOP_TIMEOUT;
        loop {
            let reaped = matches!(self.child.try_wait(), Ok(Some(_)));
            // `kill -0` fails once no process of the group is left.
            if reaped && !self.signal_group("0") {
                return;
            }
            if Instant::now() >= deadline {
                break;
            }
            std::thread::sleep(POLL);
        }
        self.signal_group("KILL");
        let _ = self.child.wait();
    }
}

#[test]
fn a_server_that_exits_before_listening_fails_with_its_log() {
    let dir = super::test_dir("process-exit");
    let spec = Spawn::new("exits", "sh")
        .args(["-c", "echo 'bind: address in use' >&2; exit 3"])
        .ready_on(super::free_port());
    let err = std::panic::catch_unwind(|| Proc::start(spec, dir.path()))
        .expect_err("start must fail when the server exits");
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("exited"), "{msg}");
    assert!(msg.contains("bind: address in use"), "{msg}");
}

#[test]
fn drop_stops_the_whole_process_group() {
    let dir = super::test_dir("process-drop");
    // The server forks a grandchild, as nginx forks its workers.
    let pidfile = dir.path().join("grandchild.pid");
    let script = format!("sleep 60 & echo $! > {}; wait", pidfile.display());
    let proc = Proc::start(Spawn::new("forks", "sh").args(["-c", &script]), dir.path());
    let deadline = Instant::now() + READY_TIMEOUT;
    let grandchild = loop {
        if let Ok(pid) = std::fs::read_to_string(&pidfile) {
            if !pid.trim().is_empty() {
                break pid.trim().to_string();
            }
        }
        assert!(Instant::now() < deadline, "the grandchild never started");
        std::thread::sleep(POLL);
    };
    let alive = |pid: &str| {
        Command::new("sh")
            .args(["-c", "kill -0 \"$1\" 2>/dev/null", "sh", pid])
            .status()
            .is_ok_and(|s| s.success())
    };
    assert!(alive(&grandchild));
    drop(proc);
    assert!(!alive(&grandchild), "the grandchild survived Drop");
}
