//! Every address of a name (issue 6, "Every address"), against a real nginx listening on two
//! addresses of one port (`fixtures/nginx/addresses.conf`): a member that routes to another
//! upstream must be `dns.address_inconsistent`; two healthy members must be `ok.healthy` with both
//! addresses listed. The name gets its addresses from `--resolve`, so no DNS traffic leaves the
//! machine. The 127.0.0.1 + 127.0.0.2 cases run everywhere; the dual-stack ones need the IPv6
//! loopback ::1 (a failure under CI=true when it is missing, a loud skip elsewhere).

use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use crate::support::cli::{wsdoctor, Probe};
use crate::support::stack::{self, App, Scene, Tool, ALLOWED_ORIGIN, VALID_TOKEN};
use crate::support::{assert_report_schema, free_port, in_ci};

/// True when ::1 can be bound; otherwise a panic under CI, or one loud line and false.
fn require_ipv6_loopback(test: &str) -> bool {
    if std::net::TcpListener::bind("[::1]:0").is_ok() {
        return true;
    }
    let msg = format!(
        "lab test {test} needs the IPv6 loopback ::1, which this machine lacks (in Docker: run with --sysctl net.ipv6.conf.lo.disable_ipv6=0, or Docker 26+)"
    );
    if in_ci() {
        panic!("{msg}");
    }
    eprintln!("SKIPPED {msg}");
    false
}

/// Starts nginx with server block A on `a_ip:PORT` and B on `b_ip:PORT` (one fresh port), in front
/// of the given apps; waits until both listen; returns the port.
fn two_addresses(scene: &mut Scene, a_ip: &str, b_ip: &str, a: App, b: App) -> u16 {
    let port = free_port();
    let listen = |ip: &str| {
        if ip.contains(':') {
            format!("[{ip}]:{port}")
        } else {
            format!("{ip}:{port}")
        }
    };
    scene.nginx_multi(
        "addresses.conf",
        &[
            ("LISTEN_A", listen(a_ip)),
            ("LISTEN_B", listen(b_ip)),
            ("UPSTREAM_A", stack::app(a).addr()),
            ("UPSTREAM_B", stack::app(b).addr()),
        ],
        &[],
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    for ip in [a_ip, b_ip] {
        let addr = SocketAddr::new(ip.parse().expect("an IP address"), port);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            assert!(
                Instant::now() < deadline,
                "nginx never listened on {addr}; its log is in {}",
                scene.path().display()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    port
}

fn probe(name: &str, port: u16, addrs: &str) -> Probe {
    let url = format!("ws://{name}:{port}/ws");
    let resolve = format!("{name}:{port}:{addrs}");
    wsdoctor(&[
        url.as_str(),
        "--resolve",
        resolve.as_str(),
        "--token",
        VALID_TOKEN,
        "--origin",
        ALLOWED_ORIGIN,
    ])
}

fn rows(run: &Probe) -> Vec<serde_json::Value> {
    run.json["addresses"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

// Issue 6: one member of a two-address round robin proxies to the API container (403 for every
// WebSocket) while the other reaches the worker (101).
#[test]
fn lab_one_address_routed_to_another_upstream_is_address_inconsistent() {
    let test = require!("lab_addresses_round_robin", Tool::Nginx, Tool::Python);
    let mut scene = Scene::new(test);
    let port = two_addresses(
        &mut scene,
        "127.0.0.1",
        "127.0.0.2",
        App::FastApi,
        App::FastApiApiContainer,
    );
    let run = probe("rr.lab.test", port, "127.0.0.1,127.0.0.2");
    run.expect("dns", "dns.address_inconsistent", 1);
    assert_report_schema(&run.json);
    let rows = rows(&run);
    assert_eq!(rows.len(), 2, "{}", run.json);
    assert_eq!(rows[0]["status"], 101, "{}", run.json);
    assert_eq!(rows[1]["status"], 403, "{}", run.json);
    let text = run.diagnosis_text();
    assert!(text.contains("answer differently"), "{text}");
    assert!(text.contains(&format!("127.0.0.2:{port}")), "{text}");
}

// Issue 6, dual stack: nginx's [::1] listener proxies to the API container (a stale AAAA pointing
// at the old deployment) while 127.0.0.1 reaches the worker.
#[test]
fn lab_dual_stack_ipv6_listener_on_another_upstream_is_address_inconsistent() {
    let test = "lab_addresses_dual_stack_broken";
    if !stack::require(test, &[Tool::Nginx, Tool::Python]) || !require_ipv6_loopback(test) {
        return;
    }
    let mut scene = Scene::new(test);
    let port = two_addresses(
        &mut scene,
        "127.0.0.1",
        "::1",
        App::FastApi,
        App::FastApiApiContainer,
    );
    let run = probe("dual.lab.test", port, "127.0.0.1,[::1]");
    run.expect("dns", "dns.address_inconsistent", 1);
    let families: Vec<&str> = run.json["addresses"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["family"].as_str())
        .collect();
    assert_eq!(families, ["ipv4", "ipv6"]);
    assert!(run.diagnosis_text().contains(&format!("[::1]:{port}")));
}

// Issue 6, the control: both families reach the same healthy worker.
#[test]
fn lab_dual_stack_both_healthy_is_healthy_with_two_addresses() {
    let test = "lab_addresses_dual_stack_healthy";
    if !stack::require(test, &[Tool::Nginx, Tool::Python]) || !require_ipv6_loopback(test) {
        return;
    }
    let mut scene = Scene::new(test);
    let port = two_addresses(&mut scene, "127.0.0.1", "::1", App::FastApi, App::FastApi);
    let run = probe("dual.lab.test", port, "[::1],127.0.0.1");
    run.expect("ok", "ok.healthy", 0);
    assert_report_schema(&run.json);
    let rows = rows(&run);
    assert_eq!(rows.len(), 2, "{}", run.json);
    assert!(rows.iter().all(|r| r["kind"] == "upgraded"), "{rows:?}");
    assert_eq!(rows[0]["address"], format!("[::1]:{port}"));
}

// The classic local-development failure: the app listens on 127.0.0.1 only, and `localhost` also
// resolves to ::1 (Node.js 17+ tries ::1 first and does not fall back). A real app (FastAPI on
// uvicorn, bound to 127.0.0.1) refuses ::1: `server.loopback_bind`, not a stale DNS record.
#[test]
fn localhost_with_the_app_on_ipv4_only_is_a_loopback_bind() {
    let test = "localhost_with_the_app_on_ipv4_only_is_a_loopback_bind";
    if !stack::require(test, &[Tool::Python]) || !require_ipv6_loopback(test) {
        return;
    }
    let addr = stack::app(App::FastApi).addr();
    let port = addr.rsplit_once(':').map(|(_, p)| p).unwrap_or_default();
    let url = format!("ws://localhost:{port}/ws");
    let resolve = format!("localhost:{port}:127.0.0.1,[::1]");
    let run = wsdoctor(&[
        url.as_str(),
        "--resolve",
        resolve.as_str(),
        "--token",
        VALID_TOKEN,
        "--origin",
        ALLOWED_ORIGIN,
    ]);
    assert_report_schema(&run.json);
    run.expect("server", "server.loopback_bind", 1);
    let text = run.diagnosis_text();
    assert!(
        text.contains(&format!("listens on 127.0.0.1:{port} only")),
        "{}",
        run.describe()
    );
    let snippets = run.snippets();
    assert!(
        snippets.iter().any(|(_, code)| code.contains("uvicorn")),
        "{snippets:?}"
    );
}
