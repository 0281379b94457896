//! Every foundation cause id, end to end: the binary with `--format json` against an in-process
//! loopback server that has exactly that fault, asserting diagnosis.category, diagnosis.cause and
//! the exit code. Loopback only: DNS and TCP failures are produced locally (see each test).

#![expect(
    clippy::expect_used,
    reason = "test helpers: a failed setup must fail the test loudly"
)]

use std::time::Duration;

use serde_json::Value;

use crate::support::scripted::{nginx_page, response, ScriptedServer, Step};
use crate::support::tls::{self, TestCa, TlsWsServer};
use crate::support::ws::Behaviour;
use crate::support::wsdoctor;

/// What one run produced.
struct Run {
    code: Option<i32>,
    json: Value,
    stderr: String,
}

impl Run {
    fn diagnosis(&self, field: &str) -> &str {
        self.json["diagnosis"][field]
            .as_str()
            .unwrap_or("<missing>")
    }

    fn baseline(&self) -> &Value {
        &self.json["attempts"][0]
    }

    /// Asserts the verdict, printing what the report said when it differs.
    fn assert_cause(&self, category: &str, cause: &str, code: i32) {
        let context = format!(
            "diagnosis: {}\nbaseline outcome: {}\nstderr: {}",
            serde_json::to_string_pretty(&self.json["diagnosis"]).unwrap_or_default(),
            self.baseline()["outcome"],
            self.stderr
        );
        assert_eq!(self.diagnosis("cause"), cause, "{context}");
        assert_eq!(self.diagnosis("category"), category, "{context}");
        assert_eq!(self.code, Some(code), "exit code\n{context}");
    }
}

/// Runs `wsdoctor ARGS --format json` (bounded) and parses the report.
fn probe(args: &[&str]) -> Run {
    let out = wsdoctor()
        .args(args)
        .args(["--format", "json"])
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run wsdoctor");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!("stdout is not one JSON report ({e}):\n{stdout}\nstderr:\n{stderr}")
    });
    assert_eq!(json["schema"], "wsdoctor.report/v1");
    Run {
        code: out.status.code(),
        json,
        stderr,
    }
}

/// `wss://wsdoctor.test:PORT/ws` and the `--resolve` that maps the name to 127.0.0.1, for a
/// server that is not TLS at all.
fn wss_to(port: u16) -> (String, String) {
    (
        format!("wss://{}:{port}/ws", tls::HOST),
        format!("{}:{port}:127.0.0.1", tls::HOST),
    )
}

/// A well-behaved WebSocket endpoint on /ws; anything else is a plain 404.
fn websocket_app(req: &crate::support::scripted::Req) -> Vec<Step> {
    if req.is_upgrade() && req.path() == "/ws" && req.header("sec-websocket-key").is_some() {
        vec![Step::Switch(vec![]), Step::Session]
    } else if req.is_upgrade() {
        vec![Step::Write(response(
            400,
            "Bad Request",
            &[("Content-Type", "text/plain"), ("Connection", "close")],
            "Bad Request",
        ))]
    } else {
        vec![Step::Write(response(
            404,
            "Not Found",
            &[("Content-Type", "text/plain; charset=utf-8")],
            "404 page not found\n",
        ))]
    }
}

#[test]
fn ok_healthy_is_diagnosed_for_an_endpoint_that_upgrades_and_stays_open() {
    let server = ScriptedServer::http(websocket_app);
    let run = probe(&[&server.ws_url("/ws"), "--close-wait", "300ms"]);
    run.assert_cause("ok", "ok.healthy", 0);
    assert_eq!(run.baseline()["outcome"]["kind"], "upgraded");
}

#[test]
fn dns_resolution_failed_is_diagnosed_for_a_name_that_cannot_resolve() {
    // Not `foo.invalid`: glibc still sends that query to the configured nameserver (checked with
    // strace), which is not loopback. A 64-octet label cannot be encoded in a DNS query
    // (RFC 1035 §2.3.4), so the lookup fails on this machine without any packet leaving it.
    let label = "a".repeat(64);
    let url = format!("ws://{label}.invalid/ws");
    let run = probe(&[&url, "--timeout", "10s"]);
    run.assert_cause("dns", "dns.resolution_failed", 1);
    assert_eq!(run.baseline()["outcome"]["kind"], "dns_error");
}

#[test]
fn tcp_refused_is_diagnosed_for_a_port_nobody_listens_on() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let run = probe(&[&format!("ws://127.0.0.1:{port}/ws")]);
    run.assert_cause("tcp", "tcp.refused", 1);
    assert_eq!(run.baseline()["outcome"]["error"], "refused");
}

#[test]
fn tcp_reset_is_diagnosed_for_a_listener_that_resets_before_any_http_answer() {
    // Fault: a listener (a WAF, a TLS-only port, a crashing accept loop) that takes the
    // connection, reads the upgrade request and aborts with RST (SO_LINGER 0) without answering.
    let server = crate::support::ServerThread::spawn(|listener| async move {
        for _ in 0..64 {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let mut buf = [0u8; 4096];
            let _ = tokio::time::timeout(
                Duration::from_secs(2),
                tokio::io::AsyncReadExt::read(&mut stream, &mut buf),
            )
            .await;
            stream.set_zero_linger().expect("SO_LINGER 0");
            drop(stream);
        }
    });
    let run = probe(&[&format!("ws://127.0.0.1:{}/ws", server.port())]);
    run.assert_cause("tcp", "tcp.reset", 1);
    assert_eq!(run.baseline()["outcome"]["kind"], "protocol_violation");
    assert_eq!(run.baseline()["outcome"]["error"], "connection_reset");
}

#[test]
fn tcp_unreachable_is_diagnosed_for_an_address_without_a_route() {
    // Fault: no route to the host (a VPN down, a missing route). Reproduced in a network
    // namespace this test creates: only `lo` and `unreachable 10.99.0.0/24`, so the kernel refuses
    // the connect with EHOSTUNREACH and no packet leaves the namespace.
    let Some(ns) = crate::support::netns::NetNs::create("unreach") else {
        return;
    };
    ns.exec_ip(&["route", "add", "unreachable", "10.99.0.0/24"]);
    let out = ns
        .command(crate::support::WSDOCTOR)
        .args([
            "ws://10.99.0.1:8080/ws",
            "--format",
            "json",
            "--timeout",
            "3s",
        ])
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run wsdoctor in the namespace");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON report ({e}):\n{stdout}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let run = Run {
        code: out.status.code(),
        json,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    run.assert_cause("tcp", "tcp.unreachable", 1);
    assert_eq!(run.baseline()["outcome"]["kind"], "tcp_error");
    assert_eq!(run.baseline()["outcome"]["error"], "unreachable");
}

#[test]
fn tcp_timeout_is_diagnosed_for_a_listener_whose_backlog_is_full() {
    // A listener that never accepts, with a backlog of 0 filled by our own connections: the
    // kernel then drops further SYNs, so a connect neither succeeds nor is refused.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let listener = rt.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket
            .bind("127.0.0.1:0".parse().expect("addr"))
            .expect("bind");
        socket.listen(0).expect("listen")
    });
    let addr = listener.local_addr().expect("addr");
    let mut fillers = Vec::new();
    let mut full = false;
    for _ in 0..16 {
        match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(300)) {
            Ok(s) => fillers.push(s),
            Err(_) => {
                full = true;
                break;
            }
        }
    }
    assert!(
        full,
        "the backlog never filled: cannot produce a TCP timeout on loopback here"
    );
    let run = probe(&[&format!("ws://{addr}/ws"), "--timeout", "2s"]);
    run.assert_cause("tcp", "tcp.timeout", 1);
    drop(fillers);
    drop(listener);
}

#[test]
fn tls_untrusted_certificate_is_diagnosed_for_a_certificate_from_an_unknown_ca() {
    // Issued by a CA wsdoctor is not told about (no --cacert).
    let ca = TestCa::new("unknown test CA");
    let server = TlsWsServer::start(ca.valid_leaf(&[tls::HOST]), Behaviour::Echo);
    let (url, resolve) = server.url_and_resolve("/ws");
    let run = probe(&[&url, "--resolve", &resolve]);
    run.assert_cause("tls", "tls.untrusted_certificate", 1);
}

#[test]
fn tls_expired_certificate_is_diagnosed_with_not_after_in_evidence() {
    let ca = TestCa::new("wsdoctor test CA");
    let leaf = ca.leaf(&[tls::HOST], (2020, 1, 1), (2021, 1, 1));
    let server = TlsWsServer::start(leaf, Behaviour::Echo);
    let cafile = ca.pem_file();
    let (url, resolve) = server.url_and_resolve("/ws");
    let run = probe(&[
        &url,
        "--resolve",
        &resolve,
        "--cacert",
        cafile.path().to_str().expect("utf-8 path"),
    ]);
    run.assert_cause("tls", "tls.expired_certificate", 1);
    let evidence = run.json["diagnosis"]["evidence"].to_string();
    assert!(
        evidence.contains("2021-01-01"),
        "the evidence should name the not-after date 2021-01-01: {evidence}"
    );
    let not_after = run.baseline()["tls"]["chain"][0]["not_after"].as_str();
    assert!(
        not_after.is_some_and(|d| d.starts_with("2021-01-01")),
        "leaf not_after recorded: {not_after:?}"
    );
}

#[test]
fn tls_hostname_mismatch_is_diagnosed_for_a_certificate_naming_another_host() {
    let ca = TestCa::new("wsdoctor test CA");
    let server = TlsWsServer::start(ca.valid_leaf(&["other.test"]), Behaviour::Echo);
    let cafile = ca.pem_file();
    let (url, resolve) = server.url_and_resolve("/ws");
    let run = probe(&[
        &url,
        "--resolve",
        &resolve,
        "--cacert",
        cafile.path().to_str().expect("utf-8 path"),
    ]);
    run.assert_cause("tls", "tls.hostname_mismatch", 1);
}

#[test]
fn tls_not_tls_is_diagnosed_for_wss_to_a_plain_http_port() {
    // A plain-HTTP nginx port receiving a TLS ClientHello answers 400 and closes.
    let server =
        ScriptedServer::raw(|_hello| vec![Step::Write(nginx_page(400, "Bad Request", &[]))]);
    let (url, resolve) = wss_to(server.port());
    let run = probe(&[&url, "--resolve", &resolve]);
    run.assert_cause("tls", "tls.not_tls", 1);
}

#[test]
fn tls_handshake_failed_is_diagnosed_when_the_server_answers_with_a_fatal_alert() {
    // What a server sharing no cipher suite or version with the client sends: a fatal
    // handshake_failure alert (TLS record 0x15, level 2, description 40).
    let server = ScriptedServer::raw(|_hello| {
        vec![Step::Write(vec![0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28])]
    });
    let (url, resolve) = wss_to(server.port());
    let run = probe(&[&url, "--resolve", &resolve]);
    run.assert_cause("tls", "tls.handshake_failed", 1);
}

#[test]
fn proxy_redirect_is_diagnosed_for_an_http_to_https_redirect() {
    let server = ScriptedServer::http(|req| {
        let location = format!("https://127.0.0.1{}", req.target);
        vec![Step::Write(nginx_page(
            301,
            "Moved Permanently",
            &[("Location", &location)],
        ))]
    });
    let run = probe(&[&server.ws_url("/ws")]);
    run.assert_cause("proxy", "proxy.redirect", 1);
    assert_eq!(run.baseline()["outcome"]["kind"], "redirected");
}

#[test]
fn proxy_bad_gateway_is_diagnosed_for_nginx_502_with_its_upstream_down() {
    let server = ScriptedServer::http(|_| vec![Step::Write(nginx_page(502, "Bad Gateway", &[]))]);
    let run = probe(&[&server.ws_url("/ws")]);
    run.assert_cause("proxy", "proxy.bad_gateway", 1);
}

#[test]
fn routing_not_found_is_diagnosed_for_a_path_the_app_does_not_serve() {
    // A Go net/http mux: 404 "404 page not found" for unknown paths, upgrade or not; / is served.
    let server = ScriptedServer::http(|req| {
        if req.path() == "/" && !req.is_upgrade() {
            vec![Step::Write(response(
                200,
                "OK",
                &[("Content-Type", "text/plain; charset=utf-8")],
                "ok\n",
            ))]
        } else {
            vec![Step::Write(response(
                404,
                "Not Found",
                &[
                    ("Content-Type", "text/plain; charset=utf-8"),
                    ("X-Content-Type-Options", "nosniff"),
                ],
                "404 page not found\n",
            ))]
        }
    });
    let run = probe(&[&server.ws_url("/socket")]);
    run.assert_cause("routing", "routing.not_found", 1);
}

#[test]
fn routing_not_websocket_is_diagnosed_for_a_page_served_with_200() {
    // A single-page app's index.html served for every path.
    let server = ScriptedServer::http(|_| {
        vec![Step::Write(response(
            200,
            "OK",
            &[("Content-Type", "text/html; charset=UTF-8"), ("X-Powered-By", "Express")],
            "<!doctype html><html><head><title>App</title></head><body><div id=\"root\"></div></body></html>",
        ))]
    });
    let run = probe(&[&server.ws_url("/ws")]);
    run.assert_cause("routing", "routing.not_websocket", 1);
}

#[test]
fn routing_method_not_allowed_is_diagnosed_for_a_post_only_route() {
    // Go 1.22's mux with `mux.HandleFunc("POST /events", …)`: GET gets 405 with Allow: POST.
    let server = ScriptedServer::http(|_| {
        vec![Step::Write(response(
            405,
            "Method Not Allowed",
            &[
                ("Allow", "POST"),
                ("Content-Type", "text/plain; charset=utf-8"),
                ("X-Content-Type-Options", "nosniff"),
            ],
            "Method Not Allowed\n",
        ))]
    });
    let run = probe(&[&server.ws_url("/events")]);
    run.assert_cause("routing", "routing.method_not_allowed", 1);
}

#[test]
fn server_error_is_diagnosed_for_an_app_that_fails_with_500() {
    // uvicorn's answer when the ASGI app raises before accepting the WebSocket (written by the
    // protocol layer itself, so without the `server` header).
    let server = ScriptedServer::http(|_| {
        vec![Step::Write(response(
            500,
            "Internal Server Error",
            &[
                ("content-type", "text/plain; charset=utf-8"),
                ("connection", "close"),
            ],
            "Internal Server Error",
        ))]
    });
    let run = probe(&[&server.ws_url("/ws")]);
    run.assert_cause("server", "server.error", 1);
}

#[test]
fn server_timeout_is_diagnosed_for_a_server_that_accepts_but_never_answers() {
    let server = ScriptedServer::http(|_| vec![Step::Hang]);
    let run = probe(&[&server.ws_url("/ws"), "--timeout", "2s"]);
    run.assert_cause("server", "server.timeout", 1);
    assert!(
        !server.requests().is_empty(),
        "the request should have reached the server"
    );
}

#[test]
fn server_closed_after_upgrade_is_diagnosed_for_a_close_whatever_the_request() {
    // The handler crashes right after accept: close 1011 for every connection.
    let server = ScriptedServer::http(|req| {
        if req.is_upgrade() && req.header("sec-websocket-key").is_some() {
            vec![
                Step::Switch(vec![]),
                Step::CloseFrame(1011, "internal error".into()),
                Step::Sleep(Duration::from_millis(100)),
            ]
        } else {
            vec![Step::Write(response(
                426,
                "Upgrade Required",
                &[("Upgrade", "websocket"), ("Content-Type", "text/plain")],
                "Upgrade Required",
            ))]
        }
    });
    let run = probe(&[&server.ws_url("/ws"), "--close-wait", "500ms"]);
    run.assert_cause("server", "server.closed_after_upgrade", 1);
    assert_eq!(run.baseline()["outcome"]["kind"], "upgraded_then_closed");
    assert_eq!(run.baseline()["outcome"]["close_code"], 1011);
}

#[test]
fn server_bad_handshake_response_is_diagnosed_for_a_wrong_accept_key() {
    let server = ScriptedServer::http(|req| {
        if req.is_upgrade() {
            vec![
                Step::SwitchWithWrongAccept,
                Step::Sleep(Duration::from_millis(200)),
            ]
        } else {
            vec![Step::Write(response(404, "Not Found", &[], "not found"))]
        }
    });
    let run = probe(&[&server.ws_url("/ws"), "--close-wait", "300ms"]);
    run.assert_cause("server", "server.bad_handshake_response", 1);
    assert_eq!(run.baseline()["outcome"]["kind"], "protocol_violation");
    assert_eq!(run.baseline()["outcome"]["error"], "bad_accept_key");
}
