//! capture: re-captures, from the real servers, the raw bytes each one answers in every lab
//! situation (101s with their first frames, close frames of accept-then-close, refusals, error
//! pages, plain GETs) into `fixtures/captures/<server>/<situation>.http`, and the server versions
//! into `fixtures/captures/VERSIONS.md`. Run by `scripts/capture-fixtures` (ignored otherwise,
//! since it rewrites committed files).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::repo_root;
use crate::support::stack::{
    self, App, Proxy, Scene, Tool, ALLOWED_ORIGIN, JWT_WITHOUT_SESSION, JWT_WITH_SESSION,
    TICKET_ORIGIN, VALID_TOKEN,
};

/// Most bytes kept from one response.
const MAX_CAPTURE: usize = 64 * 1024;
/// How long to keep reading once nothing more arrives (catches a close frame after a 101).
const IDLE: Duration = Duration::from_millis(700);
/// Hard limit on one exchange.
const EXCHANGE_LIMIT: Duration = Duration::from_secs(8);

/// Writes `request` to 127.0.0.1:port and returns every byte read until EOF, idle or a limit.
fn exchange(port: u16, request: &str) -> Vec<u8> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.write_all(request.as_bytes()).expect("write request");
    let started = Instant::now();
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    while out.len() < MAX_CAPTURE && started.elapsed() < EXCHANGE_LIMIT {
        // Wait up to the limit for the first byte (HAProxy retries a dead upstream for seconds),
        // then only IDLE for more.
        let wait = if out.is_empty() {
            EXCHANGE_LIMIT.saturating_sub(started.elapsed())
        } else {
            IDLE
        };
        if wait.is_zero() || stream.set_read_timeout(Some(wait)).is_err() {
            break;
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    out.truncate(MAX_CAPTURE);
    out
}

/// An RFC 6455 upgrade request with a fixed key, plus `extra` header lines.
fn upgrade(port: u16, path: &str, extra: &[String]) -> String {
    let mut req = format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: Upgrade\r\n\
         Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    );
    for line in extra {
        req.push_str(line);
        req.push_str("\r\n");
    }
    req.push_str("\r\n");
    req
}

/// A plain GET (no upgrade headers), with `extra` header lines.
fn plain_get(port: u16, path: &str, extra: &[String]) -> String {
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for line in extra {
        req.push_str(line);
        req.push_str("\r\n");
    }
    req.push_str("\r\n");
    req
}

fn bearer(token: &str) -> String {
    format!("Authorization: Bearer {token}")
}

fn origin(o: &str) -> String {
    format!("Origin: {o}")
}

/// Writes captures and lists them for the index.
struct Captures {
    index: Vec<String>,
}

impl Captures {
    fn save(&mut self, server: &str, situation: &str, port: u16, request: &str) {
        let bytes = exchange(port, request);
        assert!(
            !bytes.is_empty(),
            "{server}/{situation}: no response at all"
        );
        let dir = repo_root().join("fixtures/captures").join(server);
        std::fs::create_dir_all(&dir).expect("create captures dir");
        std::fs::write(dir.join(format!("{situation}.http")), &bytes).expect("write capture");
        let status = String::from_utf8_lossy(&bytes)
            .lines()
            .next()
            .unwrap_or("")
            .to_string();
        // One-time tickets are random per capture: keep the index stable and secret-free.
        let request_line = match request.lines().next().unwrap_or("").split_once("ticket=") {
            Some((head, tail)) => format!(
                "{head}ticket=<ticket>{}",
                tail.find(' ').map_or("", |i| &tail[i..])
            ),
            None => request.lines().next().unwrap_or("").to_string(),
        };
        let shown = if request_line.len() > 70 {
            format!("{}…", &request_line[..70])
        } else {
            request_line
        };
        self.index.push(format!(
            "| `{server}/{situation}.http` | `{shown}` | `{status}` |"
        ));
    }
}

fn version_of(program: &Path, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .map(|o| {
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            );
            text.lines().next().unwrap_or("").trim().to_string()
        })
        .unwrap_or_default()
}

fn fetch_ticket(port: u16) -> String {
    let raw = exchange(
        port,
        &plain_get(port, "/api/v1/ws-ticket", &[bearer(JWT_WITH_SESSION)]),
    );
    let text = String::from_utf8_lossy(&raw);
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("");
    let v: serde_json::Value = serde_json::from_str(body).expect("ticket JSON");
    v["ticket"].as_str().expect("ticket field").to_string()
}

#[test]
#[ignore = "rewrites fixtures/captures; run scripts/capture-fixtures"]
fn capture_fixtures() {
    let all = [
        Tool::Nginx,
        Tool::Caddy,
        Tool::Haproxy,
        Tool::Apache,
        Tool::Python,
        Tool::Node,
    ];
    assert!(
        all.iter().all(|t| t.program().is_some()),
        "capture needs every lab server: run scripts/setup"
    );
    let mut c = Captures { index: Vec::new() };
    let ok = [bearer(VALID_TOKEN), origin(ALLOWED_ORIGIN)];

    // Apps, direct.
    let apps = [
        ("uvicorn", App::FastApi, "/ws"),
        ("websockets", App::PyWebsockets, "/ws"),
        ("node-ws", App::NodeWs, "/ws"),
    ];
    for (server, app, path) in apps {
        let p = stack::app(app).port;
        c.save(server, "upgrade-101", p, &upgrade(p, path, &ok));
        c.save(
            server,
            "auth-missing",
            p,
            &upgrade(p, path, &[origin(ALLOWED_ORIGIN)]),
        );
        c.save(
            server,
            "auth-invalid",
            p,
            &upgrade(
                p,
                path,
                &[bearer("lab-expired-token-0000"), origin(ALLOWED_ORIGIN)],
            ),
        );
        c.save(
            server,
            "origin-foreign",
            p,
            &upgrade(
                p,
                path,
                &[bearer(VALID_TOKEN), origin("http://evil.lab.test")],
            ),
        );
        c.save(server, "plain-get", p, &plain_get(p, path, &[]));
        c.save(server, "health", p, &plain_get(p, "/api/v1/health", &[]));
        c.save(
            server,
            "upgrade-missing-key",
            p,
            &upgrade(p, path, &ok).replace("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", ""),
        );
    }
    let api = stack::app(App::FastApiApiContainer).port;
    c.save(
        "uvicorn",
        "background-workers-disabled",
        api,
        &upgrade(
            api,
            "/api/v1/print/servers/42/ws",
            &[format!("X-API-Key: {VALID_TOKEN}"), origin(ALLOWED_ORIGIN)],
        ),
    );
    let o = stack::app(App::FastApiOriginAllowlist).port;
    c.save(
        "uvicorn",
        "origin-allowlist-before-accept",
        o,
        &upgrade(o, "/ws/chat", &[origin("http://localhost:4000")]),
    );
    let t = stack::app(App::FastApiTickets).port;
    c.save(
        "uvicorn",
        "ticket-issued",
        t,
        &plain_get(t, "/api/v1/ws-ticket", &[bearer(JWT_WITH_SESSION)]),
    );
    c.save(
        "uvicorn",
        "ticket-missing-session",
        t,
        &plain_get(t, "/api/v1/ws-ticket", &[bearer(JWT_WITHOUT_SESSION)]),
    );
    let down = stack::app(App::FastApiTicketsStoreDown).port;
    c.save(
        "uvicorn",
        "ticket-redis-unavailable",
        down,
        &plain_get(down, "/api/v1/ws-ticket", &[bearer(JWT_WITH_SESSION)]),
    );
    c.save(
        "uvicorn",
        "no-ticket",
        t,
        &upgrade(t, "/ws", &[origin(TICKET_ORIGIN)]),
    );
    let ticket = fetch_ticket(t);
    c.save(
        "uvicorn",
        "accept-then-close-origin-blocked",
        t,
        &upgrade(
            t,
            &format!("/ws?ticket={ticket}"),
            &[origin("https://app.other.test")],
        ),
    );

    // Proxies.
    let fastapi = stack::app(App::FastApi).addr();
    let mut scene = Scene::new("capture");
    for (server, proxy) in [
        ("nginx", Proxy::Nginx),
        ("caddy", Proxy::Caddy),
        ("haproxy", Proxy::Haproxy),
    ] {
        let p = proxy.start_healthy(&mut scene, &fastapi);
        c.save(server, "upgrade-101", p, &upgrade(p, "/ws", &ok));
        c.save(server, "plain-get", p, &plain_get(p, "/ws", &[]));
        let closed = format!("127.0.0.1:{}", scene.closed_port());
        let p = proxy.start_healthy(&mut scene, &closed);
        c.save(server, "upstream-down", p, &upgrade(p, "/ws", &ok));
    }
    for (label, app) in [
        ("fastapi", App::FastApi),
        ("websockets", App::PyWebsockets),
        ("node-ws", App::NodeWs),
    ] {
        let p = scene.nginx(
            "no-upgrade-headers.conf",
            &[("UPSTREAM", stack::app(app).addr())],
        );
        c.save(
            "nginx",
            &format!("no-upgrade-headers-{label}"),
            p,
            &upgrade(p, "/ws", &ok),
        );
    }
    let p = scene.nginx("deny.conf", &[("UPSTREAM", fastapi.clone())]);
    c.save("nginx", "deny-all", p, &upgrade(p, "/ws", &ok));
    c.save("nginx", "return-403", p, &upgrade(p, "/blocked", &ok));
    let p = scene.haproxy("deny.cfg", &[("UPSTREAM", fastapi.clone())]);
    c.save("haproxy", "http-request-deny", p, &upgrade(p, "/ws", &ok));
    let p = scene.nginx("redirect.conf", &[]);
    c.save("nginx", "redirect-to-https", p, &upgrade(p, "/ws", &ok));
    let p = scene.nginx("small-buffers.conf", &[("UPSTREAM", fastapi.clone())]);
    let long = format!("eyJhbGciOiJIUzI1NiJ9.{}.sig", "x".repeat(2048));
    c.save(
        "nginx",
        "long-query-token",
        p,
        &upgrade(p, &format!("/ws?token={long}"), &[origin(ALLOWED_ORIGIN)]),
    );
    c.save(
        "nginx",
        "long-header-token",
        p,
        &upgrade(p, "/ws", &[bearer(&long), origin(ALLOWED_ORIGIN)]),
    );
    let p = scene.nginx("strip-authorization.conf", &[("UPSTREAM", fastapi.clone())]);
    c.save(
        "nginx",
        "strip-authorization-header",
        p,
        &upgrade(p, "/ws", &ok),
    );
    c.save(
        "nginx",
        "strip-authorization-query",
        p,
        &upgrade(
            p,
            &format!("/ws?token={VALID_TOKEN}"),
            &[origin(ALLOWED_ORIGIN)],
        ),
    );
    let upstreams = [
        ("UPSTREAM_API", stack::app(App::FastApiApiContainer).addr()),
        ("UPSTREAM_WORKER", fastapi.clone()),
    ];
    let print = [format!("X-API-Key: {VALID_TOKEN}"), origin(ALLOWED_ORIGIN)];
    let p = scene.nginx("wrong-upstream.conf", &upstreams);
    c.save(
        "nginx",
        "wrong-upstream",
        p,
        &upgrade(p, "/api/v1/print/servers/42/ws", &print),
    );
    let p = scene.caddy("wrong-upstream.Caddyfile", &upstreams);
    c.save(
        "caddy",
        "wrong-upstream",
        p,
        &upgrade(p, "/api/v1/print/servers/42/ws", &print),
    );

    capture_apache(&mut c, &mut scene, &ok, &upstreams, &print);

    // Versions and the index.
    let python = Tool::Python.program().expect("venv python");
    let py_versions = version_of(
        &python,
        &[
            "-c",
            "import sys, fastapi, starlette, uvicorn, websockets, jwt; \
             print(f'Python {sys.version.split()[0]}, fastapi {fastapi.__version__}, \
             starlette {starlette.__version__}, uvicorn {uvicorn.__version__}, \
             websockets {websockets.__version__}, PyJWT {jwt.__version__}')",
        ],
    );
    let node = Tool::Node.program().expect("node");
    let ws_pkg = repo_root().join("fixtures/apps/node/node_modules/ws/package.json");
    let ws_version: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ws_pkg).expect("ws package.json"))
            .expect("ws package.json is JSON");
    let mut md = String::from(
        "# Captured server versions and index\n\n\
         Written by `scripts/capture-fixtures` (tests/lab/capture.rs); do not edit by hand.\n\n",
    );
    md.push_str(&format!(
        "- nginx: `{}`\n- Caddy: `{}`\n- HAProxy: `{}`\n- Apache httpd: `{}`\n- Python apps: `{py_versions}`\n- Node: `{}`, ws `{}`\n\n",
        version_of(&Tool::Nginx.program().expect("nginx"), &["-v"]),
        version_of(&Tool::Caddy.program().expect("caddy"), &["version"]),
        version_of(&Tool::Haproxy.program().expect("haproxy"), &["-v"]),
        version_of(&Tool::Apache.program().expect("apache2"), &["-v"]),
        version_of(&node, &["--version"]),
        ws_version["version"].as_str().unwrap_or("?"),
    ));
    md.push_str("| capture | request line | status line |\n|---|---|---|\n");
    for line in &c.index {
        md.push_str(line);
        md.push('\n');
    }
    std::fs::write(repo_root().join("fixtures/captures/VERSIONS.md"), md).expect("write index");
}

/// Apache httpd (fixtures/apache/): its own pages (Require all denied, with and without
/// ServerTokens/ServerSignature, a dead backend) and what it relays from FastAPI.
fn capture_apache(
    c: &mut Captures,
    scene: &mut Scene,
    ok: &[String],
    upstreams: &[(&str, String)],
    print: &[String],
) {
    let fastapi = [("UPSTREAM", stack::app(App::FastApi).addr())];
    let p = scene.apache("ws-proxy.conf", &fastapi);
    c.save("apache", "upgrade-101", p, &upgrade(p, "/ws", ok));
    c.save("apache", "plain-get", p, &plain_get(p, "/ws", &[]));
    c.save(
        "apache",
        "auth-missing",
        p,
        &upgrade(p, "/ws", &[origin(ALLOWED_ORIGIN)]),
    );
    c.save(
        "apache",
        "origin-foreign",
        p,
        &upgrade(
            p,
            "/ws",
            &[bearer(VALID_TOKEN), origin("http://evil.lab.test")],
        ),
    );
    let p = scene.apache("no-upgrade.conf", &fastapi);
    c.save("apache", "no-upgrade-fastapi", p, &upgrade(p, "/ws", ok));
    let p = scene.apache("deny.conf", &fastapi);
    c.save("apache", "require-all-denied", p, &upgrade(p, "/ws", ok));
    let p = scene.apache("deny-quiet.conf", &fastapi);
    c.save(
        "apache",
        "require-all-denied-servertokens-prod",
        p,
        &upgrade(p, "/ws", ok),
    );
    let closed = format!("127.0.0.1:{}", scene.closed_port());
    let p = scene.apache("upstream-down.conf", &[("UPSTREAM_DOWN", closed)]);
    c.save("apache", "upstream-down", p, &upgrade(p, "/ws", ok));
    let p = scene.apache("wrong-upstream.conf", upstreams);
    c.save(
        "apache",
        "wrong-upstream",
        p,
        &upgrade(p, "/api/v1/print/servers/42/ws", print),
    );
}
