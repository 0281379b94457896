//! SOCKS5 forward proxies (issue 6) against an in-process SOCKS5 server, for what the lab's Dante
//! cannot do without system users: RFC 1929 username/password logins (accepted, refused, required
//! but not given, never shown), plus a proxy that is not listening (named as the proxy, not the
//! target), `socks5h://` handing the name to the proxy, and `socks5://` failing to resolve the
//! name locally. The proxy relays to an in-process WebSocket server; loopback only.

#![expect(
    clippy::expect_used,
    reason = "test helpers: a failed setup must fail the test loudly"
)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::support::ws::{Behaviour, WsServer};
use crate::support::{refused_port, wsdoctor, ServerThread};

const USER: &str = "socksuser";
const PASS: &str = "s0cks-pass-4417";

/// An in-process SOCKS5 proxy: optional RFC 1929 login, CONNECT to an IPv4 address or a name
/// (every name is mapped to 127.0.0.1: the proxy's own resolver), then a relay.
struct SocksProxy {
    thread: ServerThread,
    /// The CONNECT targets it was asked for (`name:port` or `ip:port`).
    asked: Arc<Mutex<Vec<String>>>,
}

impl SocksProxy {
    fn start(login: Option<(&'static str, &'static str)>) -> SocksProxy {
        let asked = Arc::new(Mutex::new(Vec::new()));
        let seen = asked.clone();
        let thread = ServerThread::spawn(move |listener: TcpListener| async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let seen = seen.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, login, seen).await;
                });
            }
        });
        SocksProxy { thread, asked }
    }

    fn url(&self, scheme: &str, login: Option<(&str, &str)>) -> String {
        match login {
            Some((u, p)) => format!("{scheme}://{u}:{p}@127.0.0.1:{}", self.thread.port()),
            None => format!("{scheme}://127.0.0.1:{}", self.thread.port()),
        }
    }

    fn asked(&self) -> Vec<String> {
        self.asked.lock().map(|a| a.clone()).unwrap_or_default()
    }
}

async fn serve(
    mut c: TcpStream,
    login: Option<(&str, &str)>,
    asked: Arc<Mutex<Vec<String>>>,
) -> std::io::Result<()> {
    let mut head = [0u8; 2];
    c.read_exact(&mut head).await?;
    let mut methods = vec![0u8; usize::from(head[1])];
    c.read_exact(&mut methods).await?;
    match login {
        Some((user, pass)) => {
            if !methods.contains(&2) {
                return c.write_all(&[5, 0xff]).await;
            }
            c.write_all(&[5, 2]).await?;
            let mut ver_len = [0u8; 2];
            c.read_exact(&mut ver_len).await?;
            let mut u = vec![0u8; usize::from(ver_len[1])];
            c.read_exact(&mut u).await?;
            let mut plen = [0u8; 1];
            c.read_exact(&mut plen).await?;
            let mut p = vec![0u8; usize::from(plen[0])];
            c.read_exact(&mut p).await?;
            if u != user.as_bytes() || p != pass.as_bytes() {
                return c.write_all(&[1, 1]).await;
            }
            c.write_all(&[1, 0]).await?;
        }
        None => c.write_all(&[5, 0]).await?,
    }
    let mut req = [0u8; 4];
    c.read_exact(&mut req).await?;
    let (shown, ip) = match req[3] {
        1 => {
            let mut a = [0u8; 4];
            c.read_exact(&mut a).await?;
            let ip = std::net::Ipv4Addr::from(a);
            (ip.to_string(), ip)
        }
        3 => {
            let mut len = [0u8; 1];
            c.read_exact(&mut len).await?;
            let mut name = vec![0u8; usize::from(len[0])];
            c.read_exact(&mut name).await?;
            // The proxy's resolver: every name is this machine (loopback only).
            (
                String::from_utf8_lossy(&name).into_owned(),
                std::net::Ipv4Addr::LOCALHOST,
            )
        }
        _ => return c.write_all(&[5, 8, 0, 1, 0, 0, 0, 0, 0, 0]).await,
    };
    let mut port = [0u8; 2];
    c.read_exact(&mut port).await?;
    let port = u16::from_be_bytes(port);
    if let Ok(mut a) = asked.lock() {
        a.push(format!("{shown}:{port}"));
    }
    if !ip.is_loopback() {
        return c.write_all(&[5, 2, 0, 1, 0, 0, 0, 0, 0, 0]).await;
    }
    let Ok(mut upstream) = TcpStream::connect((ip, port)).await else {
        return c.write_all(&[5, 5, 0, 1, 0, 0, 0, 0, 0, 0]).await;
    };
    c.write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 0]).await?;
    tokio::io::copy_bidirectional(&mut c, &mut upstream).await?;
    Ok(())
}

struct Run {
    code: Option<i32>,
    json: Value,
    stdout: String,
    stderr: String,
}

impl Run {
    fn baseline(&self) -> &Value {
        &self.json["attempts"][0]
    }

    fn assert_cause(&self, category: &str, cause: &str, code: i32) {
        let context = format!(
            "diagnosis: {}\nbaseline: {}\nstderr: {}",
            serde_json::to_string_pretty(&self.json["diagnosis"]).unwrap_or_default(),
            self.baseline(),
            self.stderr
        );
        assert_eq!(self.json["diagnosis"]["cause"], cause, "{context}");
        assert_eq!(self.json["diagnosis"]["category"], category, "{context}");
        assert_eq!(self.code, Some(code), "exit code\n{context}");
    }

    fn text(&self) -> String {
        let d = &self.json["diagnosis"];
        let mut t = d["summary"].as_str().unwrap_or_default().to_string();
        for e in d["evidence"].as_array().into_iter().flatten() {
            t.push('\n');
            t.push_str(e.as_str().unwrap_or_default());
        }
        t.push('\n');
        t.push_str(d["next_step"].as_str().unwrap_or_default());
        t
    }
}

fn probe(args: &[&str]) -> Run {
    let out = wsdoctor()
        .args(args)
        .args(["--format", "json", "--quick", "--close-wait", "200ms"])
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run wsdoctor");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!("stdout is not one JSON report ({e}):\n{stdout}\nstderr:\n{stderr}")
    });
    Run {
        code: out.status.code(),
        json,
        stdout,
        stderr,
    }
}

fn assert_pass_hidden(run: &Run) {
    assert!(
        !run.stdout.contains(PASS) && !run.stderr.contains(PASS),
        "the SOCKS5 password leaked"
    );
}

#[test]
fn socks5_login_accepted_by_the_proxy_is_healthy_and_the_password_never_shows() {
    let target = WsServer::start(Behaviour::Echo);
    let proxy = SocksProxy::start(Some((USER, PASS)));
    let run = probe(&[
        &target.url("/ws"),
        "--proxy",
        &proxy.url("socks5", Some((USER, PASS))),
    ]);
    run.assert_cause("ok", "ok.healthy", 0);
    let p = &run.baseline()["proxy"];
    assert_eq!(p["kind"], "socks5");
    assert_eq!(p["authenticated"], true);
    assert_eq!(p["reply"], "succeeded");
    assert_pass_hidden(&run);
    assert_eq!(
        proxy.asked().first().map(String::as_str),
        Some(format!("127.0.0.1:{}", target.port()).as_str())
    );
}

#[test]
fn socks5_wrong_password_is_forward_proxy_refused_auth_failed() {
    let target = WsServer::start(Behaviour::Echo);
    let proxy = SocksProxy::start(Some((USER, "the-right-one")));
    let run = probe(&[
        &target.url("/ws"),
        "--proxy",
        &proxy.url("socks5h", Some((USER, PASS))),
    ]);
    run.assert_cause("proxy", "proxy.forward_proxy_refused", 1);
    assert_eq!(run.baseline()["proxy"]["reply"], "auth_failed");
    let text = run.text();
    assert!(
        text.contains("refused the username and password")
            && text.contains("check the proxy user and password"),
        "{text}"
    );
    assert_pass_hidden(&run);
    assert!(target.requests().is_empty(), "the target was reached");
    // The human matrix names the proxy's reply, not a bare tcp class.
    let human = crate::support::wsdoctor()
        .args([
            target.url("/ws").as_str(),
            "--proxy",
            proxy.url("socks5h", Some((USER, PASS))).as_str(),
            "--color",
            "never",
        ])
        .output()
        .unwrap();
    let human = String::from_utf8_lossy(&human.stdout);
    assert!(human.contains("proxy refused: auth_failed"), "{human}");
    assert!(!human.contains(PASS), "{human}");
}

#[test]
fn socks5_login_required_but_not_given_is_forward_proxy_refused_no_acceptable_auth_methods() {
    let target = WsServer::start(Behaviour::Echo);
    let proxy = SocksProxy::start(Some((USER, PASS)));
    let run = probe(&[&target.url("/ws"), "--proxy", &proxy.url("socks5", None)]);
    run.assert_cause("proxy", "proxy.forward_proxy_refused", 1);
    assert_eq!(
        run.baseline()["proxy"]["reply"],
        "no_acceptable_auth_methods"
    );
    assert_eq!(run.baseline()["proxy"]["authenticated"], false);
    assert!(
        run.text()
            .contains("give the proxy credentials: --proxy socks5://user:pass@"),
        "{}",
        run.text()
    );
}

#[test]
fn socks5h_hands_the_name_to_the_proxy_which_resolves_it() {
    // wsdoctor cannot resolve this name (no --resolve, a .test name); only the proxy can.
    let target = WsServer::start(Behaviour::Echo);
    let proxy = SocksProxy::start(None);
    let url = format!("ws://app.socks.test:{}/ws", target.port());
    let run = probe(&[&url, "--proxy", &proxy.url("socks5h", None)]);
    run.assert_cause("ok", "ok.healthy", 0);
    assert_eq!(
        proxy.asked().first().map(String::as_str),
        Some(format!("app.socks.test:{}", target.port()).as_str())
    );
    assert!(run.baseline()["proxy"].get("resolved").is_none());
}

#[test]
fn socks5_resolves_the_name_here_and_a_name_that_does_not_resolve_is_dns() {
    // A 64-octet label cannot be encoded in a DNS query (RFC 1035 §2.3.4): the lookup fails on
    // this machine without a packet leaving it.
    let proxy = SocksProxy::start(None);
    let url = format!("ws://{}.invalid:8080/ws", "a".repeat(64));
    let run = probe(&[
        &url,
        "--proxy",
        &proxy.url("socks5", None),
        "--timeout",
        "10s",
    ]);
    run.assert_cause("dns", "dns.resolution_failed", 1);
    let text = run.text();
    assert!(
        text.contains("the target's name does not resolve here") && text.contains("socks5h://"),
        "{text}"
    );
    assert!(proxy.asked().is_empty(), "the proxy was asked anyway");
}

#[test]
fn a_socks5_proxy_that_is_not_listening_is_named_as_the_proxy_not_the_target() {
    let target = WsServer::start(Behaviour::Echo);
    let dead = refused_port();
    let proxy = format!("socks5://127.0.0.1:{dead}");
    let run = probe(&[&target.url("/ws"), "--proxy", &proxy]);
    run.assert_cause("tcp", "tcp.refused", 1);
    let summary = run.json["diagnosis"]["summary"]
        .as_str()
        .unwrap_or_default();
    assert!(
        summary.starts_with(&format!(
            "the forward proxy socks5://127.0.0.1:{dead} (from --proxy) cannot be reached"
        )) && summary.contains("was never contacted"),
        "{summary}"
    );
    assert_eq!(run.baseline()["proxy"]["kind"], "socks5");
    assert!(target.requests().is_empty());
}

#[test]
fn socks5_pointed_at_an_http_proxy_is_the_proxys_fault_not_the_targets() {
    // An HTTP proxy answers the SOCKS5 greeting with an HTTP error page.
    let http_proxy = ServerThread::spawn(|listener: TcpListener| async move {
        loop {
            let Ok((mut c, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = [0u8; 64];
                let _ = c.read(&mut buf).await;
                let _ = c
                    .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .await;
            });
        }
    });
    let target = WsServer::start(Behaviour::Echo);
    let proxy = format!("socks5://127.0.0.1:{}", http_proxy.port());
    let run = probe(&[&target.url("/ws"), "--proxy", &proxy]);
    run.assert_cause("proxy", "proxy.forward_proxy_refused", 1);
    assert_eq!(
        run.baseline()["outcome"]["error"],
        "malformed_response",
        "{}",
        run.baseline()
    );
    let text = run.text();
    assert!(
        text.contains("did not open a tunnel") && text.contains("try http://"),
        "{text}"
    );
    assert!(target.requests().is_empty());
}

#[test]
fn a_ticket_fetch_goes_through_the_socks5_proxy_and_its_refusal_names_the_proxy() {
    let tickets = crate::support::raw::RawServer::http(
        200,
        "OK",
        &[("Content-Type", "application/json")],
        r#"{"ticket":"tkt-socks-5151"}"#,
    );
    let target = WsServer::start(Behaviour::Echo);
    let ticket_url = format!("http://127.0.0.1:{}/ticket", tickets.port());
    // Through a proxy that takes the login: the ticket is fetched through it and used.
    let proxy = SocksProxy::start(Some((USER, PASS)));
    let run = probe(&[
        &target.url("/ws"),
        "--token",
        "jwt-socks-123456",
        "--ticket-url",
        &ticket_url,
        "--proxy",
        &proxy.url("socks5", Some((USER, PASS))),
    ]);
    run.assert_cause("ok", "ok.healthy", 0);
    assert_eq!(run.json["tickets"][0]["obtained"], true);
    assert!(
        proxy
            .asked()
            .contains(&format!("127.0.0.1:{}", tickets.port())),
        "the ticket fetch went around the proxy: {:?}",
        proxy.asked()
    );
    // Without the login the proxy refuses the ticket fetch too, and says so.
    let run = probe(&[
        &target.url("/ws"),
        "--token",
        "jwt-socks-123456",
        "--ticket-url",
        &ticket_url,
        "--proxy",
        &proxy.url("socks5", None),
    ]);
    run.assert_cause("proxy", "proxy.forward_proxy_refused", 1);
    let error = run.json["tickets"][0]["error"].as_str().unwrap_or_default();
    assert!(
        error.starts_with(&format!(
            "the forward proxy refused 127.0.0.1:{}",
            tickets.port()
        )),
        "{error}"
    );
}
