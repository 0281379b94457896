//! Every address of a name (issue 6, "Every address"): the fan-out probes each resolved address
//! with its own pinned attempt, reports them in `addresses`, and diagnoses
//! `dns.address_inconsistent` when one fails or answers differently while another works. Names are
//! given addresses with `--resolve` (no DNS traffic); `--connect-to` reroutes the connection.
//! Servers listen on 127.0.0.1 and 127.0.0.2 (both loopback) and, where the test says so, [::1].

#![expect(
    clippy::expect_used,
    reason = "test helpers: a failed setup must fail the test loudly"
)]

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::Value;

use crate::support::scripted::{nginx_page, response, ScriptedServer, Step};
use crate::support::tls::{self, TestCa, TlsWsServer};
use crate::support::ws::Behaviour;
use crate::support::{probe_json, require_ipv6_loopback, wsdoctor};

/// A healthy WebSocket endpoint on exactly `addr` (101, then a live session).
fn healthy_at(addr: SocketAddr) -> ScriptedServer {
    ScriptedServer::http_at(addr, |req| {
        if req.is_upgrade() {
            vec![Step::Switch(vec![]), Step::Session]
        } else {
            vec![Step::Write(response(200, "OK", &[], "ok"))]
        }
    })
}

fn at(ip: &str, port: u16) -> SocketAddr {
    SocketAddr::new(ip.parse().expect("an IP"), port)
}

fn rows(report: &Value) -> Vec<Value> {
    report["addresses"].as_array().cloned().unwrap_or_default()
}

fn cause(report: &Value) -> &str {
    report["diagnosis"]["cause"].as_str().unwrap_or("<missing>")
}

#[test]
fn dns_address_inconsistent_when_ipv6_is_refused_and_ipv4_upgrades() {
    // The server listens on 127.0.0.1 only; the name also has ::1 (a stale AAAA). Where ::1
    // exists the connect is refused, where it does not it is unreachable: the same verdict.
    let server = healthy_at(at("127.0.0.1", 0));
    let port = server.port();
    let resolve = format!("stale-aaaa.test:{port}:127.0.0.1,[::1]");
    let url = format!("ws://stale-aaaa.test:{port}/ws");
    let (report, code) = probe_json(&[&url, "--resolve", &resolve]);
    assert_eq!(cause(&report), "dns.address_inconsistent", "{report:#}");
    assert_eq!(report["diagnosis"]["category"], "dns");
    assert_eq!(code, 1);
    let rows = rows(&report);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0]["address"], format!("127.0.0.1:{port}"));
    assert_eq!(rows[0]["family"], "ipv4");
    assert_eq!(rows[0]["kind"], "upgraded");
    assert_eq!(rows[0]["status"], 101);
    assert_eq!(rows[1]["address"], format!("[::1]:{port}"));
    assert_eq!(rows[1]["family"], "ipv6");
    assert_eq!(rows[1]["kind"], "tcp_error");
    assert_eq!(rows[1]["stage"], "tcp");
    let error = rows[1]["error"].as_str().unwrap_or_default();
    assert!(matches!(error, "refused" | "unreachable"), "{error}");
    // Each row's attempt is in `attempts`, pinned to its address.
    let pinned = report["attempts"]
        .as_array()
        .expect("attempts")
        .iter()
        .find(|a| a["variant"]["id"] == "address.1")
        .expect("the attempt pinned to ::1");
    assert_eq!(pinned["dns"]["addresses"], serde_json::json!(["::1"]));
    let evidence = report["diagnosis"]["evidence"].to_string();
    assert!(
        evidence.contains(&format!("[::1]:{port} (ipv6")),
        "{evidence}"
    );
    assert!(evidence.contains("101, stayed open"), "{evidence}");
    let summary = report["diagnosis"]["summary"].as_str().unwrap_or_default();
    assert!(summary.contains("AAAA"), "{summary}");
    let remedy = report["diagnosis"]["remedy"].to_string();
    assert!(remedy.contains("Happy Eyeballs"), "{remedy}");
}

#[test]
fn dns_address_inconsistent_when_one_round_robin_member_answers_403() {
    // Two members of one name on the same port: 127.0.0.1 upgrades, 127.0.0.2 is an nginx that
    // refuses (a backend left with an old config).
    let good = healthy_at(at("127.0.0.1", 0));
    let port = good.port();
    let _stale = ScriptedServer::http_at(at("127.0.0.2", port), |_| {
        vec![Step::Write(nginx_page(403, "Forbidden", &[]))]
    });
    let resolve = format!("rr.test:{port}:127.0.0.1,127.0.0.2");
    let url = format!("ws://rr.test:{port}/ws");
    let (report, code) = probe_json(&[&url, "--resolve", &resolve]);
    assert_eq!(cause(&report), "dns.address_inconsistent", "{report:#}");
    assert_eq!(code, 1);
    let rows = rows(&report);
    assert_eq!(rows[0]["status"], 101);
    assert_eq!(rows[1]["status"], 403);
    assert_eq!(rows[1]["kind"], "rejected");
    // The addresses disagreed, so each was asked once more, and answered the same again.
    assert_eq!(rows[0]["second_try"]["status"], 101, "{report:#}");
    assert_eq!(rows[1]["second_try"]["status"], 403, "{report:#}");
    let summary = report["diagnosis"]["summary"].as_str().unwrap_or_default();
    assert!(summary.contains("answer differently"), "{summary}");
    assert_eq!(report["diagnosis"]["responder"], "nginx");
    // The human report lists every address in its own block.
    let out = wsdoctor()
        .args([url.as_str(), "--resolve", resolve.as_str(), "--quick"])
        .output()
        .expect("wsdoctor runs");
    let quick = String::from_utf8_lossy(&out.stdout);
    assert!(
        !quick.contains("addresses"),
        "--quick makes no fan-out:\n{quick}"
    );
    let out = wsdoctor()
        .args([url.as_str(), "--resolve", resolve.as_str()])
        .output()
        .expect("wsdoctor runs");
    let human = String::from_utf8_lossy(&out.stdout);
    assert!(human.contains("addresses of rr.test"), "{human}");
    assert!(
        human.contains(&format!("127.0.0.2:{port}")) && human.contains("403"),
        "{human}"
    );
}

#[test]
fn a_black_holed_address_times_out_at_the_pinned_wait_while_the_other_upgrades() {
    let good = healthy_at(at("127.0.0.1", 0));
    let port = good.port();
    // A listener on 127.0.0.2 that never accepts, its backlog of 0 filled by our own connections:
    // the kernel then drops further SYNs, as a firewall does for a stale address.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let hole = at("127.0.0.2", port);
    let listener = rt.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket.bind(hole).expect("bind 127.0.0.2");
        socket.listen(0).expect("listen")
    });
    let mut fillers = Vec::new();
    let mut full = false;
    for _ in 0..16 {
        match std::net::TcpStream::connect_timeout(&hole, Duration::from_millis(300)) {
            Ok(s) => fillers.push(s),
            Err(_) => {
                full = true;
                break;
            }
        }
    }
    assert!(
        full,
        "the backlog never filled: cannot black-hole {hole} here"
    );
    let resolve = format!("hole.test:{port}:127.0.0.1,127.0.0.2");
    let (report, code) = probe_json(&[
        &format!("ws://hole.test:{port}/ws"),
        "--resolve",
        &resolve,
        "--timeout",
        "9s",
    ]);
    assert_eq!(cause(&report), "dns.address_inconsistent", "{report:#}");
    assert_eq!(code, 1);
    let rows = rows(&report);
    assert_eq!(rows[1]["kind"], "timeout", "{rows:?}");
    assert_eq!(rows[1]["stage"], "tcp");
    // PINNED_CONNECT_WAIT (5 s) ended it, not the 9 s deadline.
    let ms = rows[1]["ms"].as_f64().unwrap_or(f64::MAX);
    assert!(ms < 8000.0, "the pinned connect waited {ms} ms");
    let pinned = report["attempts"]
        .as_array()
        .expect("attempts")
        .iter()
        .find(|a| a["variant"]["id"] == "address.1")
        .expect("the attempt pinned to 127.0.0.2");
    let tcp = pinned["stages"][1]["summary"].as_str().unwrap_or_default();
    assert!(tcp.contains("the wait for one pinned address"), "{tcp}");
    drop(fillers);
    drop(listener);
}

#[test]
fn addresses_that_agree_are_healthy_and_each_is_listed() {
    let a = healthy_at(at("127.0.0.1", 0));
    let port = a.port();
    let _b = healthy_at(at("127.0.0.2", port));
    let resolve = format!("pair.test:{port}:127.0.0.1,127.0.0.2");
    let (report, code) = probe_json(&[&format!("ws://pair.test:{port}/ws"), "--resolve", &resolve]);
    assert_eq!(cause(&report), "ok.healthy", "{report:#}");
    assert_eq!(code, 0);
    let rows = rows(&report);
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r["kind"] == "upgraded"), "{rows:?}");
}

#[test]
fn a_dual_stack_name_with_both_families_healthy_is_healthy() {
    if !require_ipv6_loopback("a_dual_stack_name_with_both_families_healthy_is_healthy") {
        return;
    }
    let v4 = healthy_at(at("127.0.0.1", 0));
    let port = v4.port();
    let _v6 = healthy_at(at("::1", port));
    let resolve = format!("dual.test:{port}:[::1],127.0.0.1");
    let (report, _) = probe_json(&[&format!("ws://dual.test:{port}/ws"), "--resolve", &resolve]);
    assert_eq!(cause(&report), "ok.healthy", "{report:#}");
    let families: Vec<String> = rows(&report)
        .iter()
        .map(|r| r["family"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(families, ["ipv6", "ipv4"]);
}

#[test]
fn connect_to_reroutes_the_connection_and_keeps_the_host_header() {
    let server = healthy_at(at("127.0.0.1", 0));
    let port = server.port();
    // Port 9 on app.test is never dialled: --connect-to sends the connection to the server.
    let rule = format!("app.test:9:127.0.0.1:{port}");
    let (report, code) = probe_json(&["--quick", "ws://app.test:9/ws", "--connect-to", &rule]);
    assert_eq!(cause(&report), "ok.healthy", "{report:#}");
    assert_eq!(code, 0);
    let base = &report["attempts"][0];
    assert_eq!(base["tcp"]["peer"], format!("127.0.0.1:{port}"));
    let dns = base["stages"][0]["summary"].as_str().unwrap_or_default();
    assert!(dns.contains("--connect-to"), "{dns}");
    let hosts: Vec<String> = server
        .requests()
        .iter()
        .filter_map(|r| r.header("host").map(str::to_string))
        .collect();
    assert_eq!(hosts, ["app.test:9"]);
}

#[test]
fn connect_to_keeps_the_tls_name_of_the_url() {
    // The certificate names only wsdoctor.test: it verifies because SNI and the name checked stay
    // the URL's host, while the connection goes to 127.0.0.1:PORT.
    let ca = TestCa::new("wsdoctor test CA");
    let server = TlsWsServer::start(ca.valid_leaf(&[tls::HOST]), Behaviour::Echo);
    let cafile = ca.pem_file();
    let rule = format!("{}:443:127.0.0.1:{}", tls::HOST, server.port());
    let (report, code) = probe_json(&[
        "--quick",
        &format!("wss://{}/ws", tls::HOST),
        "--connect-to",
        &rule,
        "--cacert",
        cafile.path().to_str().expect("utf-8 path"),
    ]);
    assert_eq!(cause(&report), "ok.healthy", "{report:#}");
    assert_eq!(code, 0);
    let base = &report["attempts"][0];
    assert_eq!(base["tls"]["sni"], tls::HOST);
    assert_eq!(base["tls"]["verification"], "ok");
    assert_eq!(base["tcp"]["peer"], format!("127.0.0.1:{}", server.port()));
}

#[test]
fn connect_to_with_an_empty_host_matches_any_host_and_resolve_applies_to_the_new_host() {
    let server = healthy_at(at("127.0.0.1", 0));
    let port = server.port();
    // Any host on port 9 goes to backend.test:PORT, which --resolve maps to 127.0.0.1.
    let rule = format!(":9:backend.test:{port}");
    let resolve = format!("backend.test:{port}:127.0.0.1");
    let (report, _) = probe_json(&[
        "--quick",
        "ws://whatever.test:9/ws",
        "--connect-to",
        &rule,
        "--resolve",
        &resolve,
    ]);
    assert_eq!(cause(&report), "ok.healthy", "{report:#}");
    assert_eq!(report["attempts"][0]["dns"]["host"], "backend.test");
    assert_eq!(report["attempts"][0]["dns"]["overridden"], true);
}

#[test]
fn malformed_resolve_and_connect_to_values_are_usage_errors_that_say_why() {
    for (flag, value, says) in [
        ("--resolve", "api.test:443:not-an-ip", "not an IP address"),
        ("--resolve", "api.test:443:[::1", "without its ']'"),
        ("--connect-to", "api.test:443:backend.test", "has no PORT2"),
        ("--connect-to", "a:1:b:http", "'http' as port"),
    ] {
        let out = wsdoctor()
            .args(["ws://127.0.0.1:9/ws", flag, value])
            .output()
            .expect("wsdoctor runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flag} {value}: {stderr}");
        assert!(stderr.contains(flag) && stderr.contains(says), "{stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    }
}

/// A member that fails once (a 503 while it restarts) and upgrades when asked again is a
/// transient failure, not a stale record: the second try is kept as data, the address is set
/// aside, and the verdict is the healthy one the other evidence supports.
#[test]
fn an_address_that_fails_once_and_upgrades_on_its_second_try_is_not_inconsistent() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let good = healthy_at(at("127.0.0.1", 0));
    let port = good.port();
    let seen = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    let _restarting = ScriptedServer::http_at(at("127.0.0.2", port), move |req| {
        if !req.is_upgrade() {
            return vec![Step::Write(response(200, "OK", &[], "ok"))];
        }
        if counter.fetch_add(1, Ordering::SeqCst) == 0 {
            vec![Step::Write(nginx_page(
                503,
                "Service Temporarily Unavailable",
                &[],
            ))]
        } else {
            vec![Step::Switch(vec![]), Step::Session]
        }
    });
    let resolve = format!("rr.test:{port}:127.0.0.1,127.0.0.2");
    let url = format!("ws://rr.test:{port}/ws");
    let (report, code) = probe_json(&[&url, "--resolve", &resolve, "--close-wait", "200ms"]);
    assert_eq!(cause(&report), "ok.healthy", "{report:#}");
    assert_eq!(code, 0);
    let rows = rows(&report);
    assert_eq!(rows[1]["status"], 503, "{report:#}");
    assert_eq!(rows[1]["second_try"]["status"], 101, "{report:#}");
    assert_eq!(seen.load(Ordering::SeqCst), 2, "asked exactly twice");
    // The human addresses block says the first answer was transient (the server restarts again).
    seen.store(0, Ordering::SeqCst);
    let out = wsdoctor()
        .args([
            url.as_str(),
            "--resolve",
            resolve.as_str(),
            "--close-wait",
            "200ms",
        ])
        .output()
        .expect("wsdoctor runs");
    let human = String::from_utf8_lossy(&out.stdout);
    assert!(human.contains("then 101: transient"), "{human}");
}
