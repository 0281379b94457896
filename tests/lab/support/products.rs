//! products: starting the products measured at first contact (`tests/lab/<product>.rs`, issue 25):
//! a Python app of the venv under its own server (uvicorn, granian, twistd-style scripts) or a Node
//! app of fixtures/apps/node, one per test on a fresh loopback port, with the lab's token and
//! Origin allowlist in its environment, stopped when the scene drops.

use std::ffi::OsString;

use super::cli::{wsdoctor, Probe};
use super::process::Spawn;
use super::stack::{Scene, ALLOWED_ORIGIN, VALID_TOKEN};
use super::{free_port, repo_root};

/// A browser Origin outside every lab allowlist: the staging frontend nobody added.
pub const FOREIGN_ORIGIN: &str = "https://staging.lab.test";

/// A Python server from the venv: `python <args…>` in fixtures/apps/python with PORT, LAB_TOKEN,
/// ALLOWED_ORIGINS and MODE set (plus `env`); `{port}` in an argument is the fresh port.
/// Returns the port once it accepts connections.
pub fn python(
    scene: &mut Scene,
    name: &str,
    args: &[&str],
    mode: &str,
    env: &[(&str, &str)],
) -> u16 {
    let port = free_port();
    // The test's `Tool::PyPackage` requirement checked that the venv's python is there.
    let python = repo_root().join(".venv/bin/python");
    let args: Vec<OsString> = args
        .iter()
        .map(|a| OsString::from(a.replace("{port}", &port.to_string())))
        .collect();
    let mut spawn = Spawn::new(name, python)
        .args(args)
        .cwd(repo_root().join("fixtures/apps/python"))
        .env("PORT", port.to_string())
        .env("LAB_TOKEN", VALID_TOKEN)
        .env("ALLOWED_ORIGINS", ALLOWED_ORIGIN)
        .env("MODE", mode)
        .ready_on(port);
    for (k, v) in env {
        spawn = spawn.env(k, *v);
    }
    scene.spawn(spawn);
    port
}

/// An ASGI app of fixtures/apps/python under uvicorn, as its docs run it:
/// `python -m uvicorn <target> --host 127.0.0.1 --port <port>` (then `extra`), with a keep-alive longer than any
/// test (uvicorn's default is 5 s): a front reusing a pooled connection just as uvicorn closes it
/// answers 502 (Apache does not retry), which no test is about.
pub fn uvicorn(scene: &mut Scene, name: &str, target: &str, mode: &str, extra: &[&str]) -> u16 {
    let mut args = vec![
        "-m",
        "uvicorn",
        target,
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        "--timeout-graceful-shutdown",
        "1",
        "--timeout-keep-alive",
        "75",
    ];
    args.extend_from_slice(extra);
    python(scene, name, &args, mode, &[])
}

/// A Node app of fixtures/apps/node (`node <script>`) with PORT, LAB_TOKEN, ALLOWED_ORIGINS and
/// MODE set; returns its port once it listens.
pub fn node(scene: &mut Scene, name: &str, script: &str, mode: &str) -> u16 {
    let port = free_port();
    let dir = repo_root().join("fixtures/apps/node");
    let node =
        super::stack::find_program("node").expect("node is installed (the test required it)");
    scene.spawn(
        Spawn::new(name, node)
            .args([dir.join(script)])
            .cwd(dir)
            .env("PORT", port.to_string())
            .env("LAB_TOKEN", VALID_TOKEN)
            .env("ALLOWED_ORIGINS", ALLOWED_ORIGIN)
            .env("MODE", mode)
            .ready_on(port),
    );
    port
}

/// Runs wsdoctor against `ws://127.0.0.1:<port><path>` with `flags`.
pub fn probe(port: u16, path: &str, flags: &[&str]) -> Probe {
    let mut args = vec![format!("ws://127.0.0.1:{port}{path}")];
    args.extend(flags.iter().map(|f| f.to_string()));
    wsdoctor(&args)
}

/// The flags of a client that does everything right: the valid token as a Bearer header and
/// the frontend's allowed Origin.
pub const GOOD_CLIENT: [&str; 4] = ["--token", VALID_TOKEN, "--origin", ALLOWED_ORIGIN];
