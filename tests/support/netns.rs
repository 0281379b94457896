//! netns: a private network namespace for faults loopback cannot produce (an unreachable
//! route). The namespace is created by the test, holds only its own `lo` and the routes the test
//! adds, and is deleted on Drop; nothing in it can reach a real network, so an address routed
//! there never leaves the machine. Needs `ip` (iproute2) and root: a missing one fails the test
//! under CI=true and skips it with one loud line otherwise.

use std::path::PathBuf;
use std::process::Command;

/// A network namespace owned by one test, deleted on Drop.
pub struct NetNs {
    ip: PathBuf,
    name: String,
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

fn find_ip() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map(PathBuf::from))
        .map(|dir| dir.join("ip"))
        .find(|p| p.is_file())
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|s| {
        s.lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|ids| ids.split_whitespace().nth(1))
            == Some("0")
    })
}

impl NetNs {
    /// Creates `wsdoctor-<tag>-<pid>` with `lo` up; `None` (after one loud line) when `ip` or
    /// root is missing outside CI.
    pub fn create(tag: &str) -> Option<NetNs> {
        let missing = match (find_ip(), is_root()) {
            (Some(ip), true) => {
                let ns = NetNs {
                    ip,
                    name: format!("wsdoctor-{tag}-{}", std::process::id()),
                };
                ns.run_ip(&["netns", "add", &ns.name]);
                ns.exec_ip(&["link", "set", "lo", "up"]);
                return Some(ns);
            }
            (None, _) => "the `ip` program (apt-get install iproute2)",
            (Some(_), false) => "root (to create a network namespace)",
        };
        let msg = format!("this test needs {missing}");
        if in_ci() {
            panic!("{msg}");
        }
        eprintln!("SKIPPED {msg}");
        None
    }

    fn run_ip(&self, args: &[&str]) {
        let out = Command::new(&self.ip).args(args).output().expect("run ip");
        assert!(
            out.status.success(),
            "ip {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Runs `ip ARGS` inside the namespace (routes, links).
    pub fn exec_ip(&self, args: &[&str]) {
        let ip = self.ip.display().to_string();
        let mut all = vec!["netns", "exec", self.name.as_str(), ip.as_str()];
        all.extend_from_slice(args);
        self.run_ip(&all);
    }

    /// `ip netns exec NAME PROGRAM`, as a command to add arguments to (empty environment but PATH).
    pub fn command(&self, program: &str) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::new(&self.ip);
        cmd.env_clear();
        if let Some(path) = std::env::var_os("PATH") {
            cmd.env("PATH", path);
        }
        cmd.args(["netns", "exec", &self.name, program]);
        cmd
    }
}

impl Drop for NetNs {
    fn drop(&mut self) {
        let _ = Command::new(&self.ip)
            .args(["netns", "del", &self.name])
            .output();
    }
}
