//! Forward proxies (issue 6: "a client that must go through a corporate proxy"): real tinyproxy on
//! loopback between wsdoctor and a healthy nginx + FastAPI stack. An open proxy must be
//! transparent (`ok.healthy`, with a `proxy` stage that says CONNECT … 200); a proxy that wants
//! credentials (407) or restricts CONNECT ports (403) must be `proxy.forward_proxy_refused` with
//! the proxy's own answer — never a fault of the target. The same with a real SOCKS5 proxy, Dante's
//! danted: `socks5://` (wsdoctor resolves the name) and `socks5h://` (the proxy does) are
//! transparent; a `socks block` rule is `proxy.forward_proxy_refused` with the reply
//! `connection_not_allowed_by_ruleset`; a target port the proxy cannot connect to is the target's
//! `tcp.refused`, seen from the proxy, with the proxy named as working.

use crate::support::assert_report_schema;
use crate::support::cli::{wsdoctor, Probe};
use crate::support::stack::{self, App, Proxy, Scene, Tool, ALLOWED_ORIGIN, VALID_TOKEN};

fn through(test: &str, fixture: &str, proxy_user: Option<&str>) -> Option<(Probe, u16)> {
    if !stack::require(test, &[Tool::Tinyproxy, Tool::Nginx, Tool::Python]) {
        return None;
    }
    let mut scene = Scene::new(test);
    let target = Proxy::Nginx.start_healthy(&mut scene, &stack::app(App::FastApi).addr());
    let proxy_port = scene.tinyproxy(fixture);
    let proxy = match proxy_user {
        Some(user) => format!("http://{user}@127.0.0.1:{proxy_port}"),
        None => format!("http://127.0.0.1:{proxy_port}"),
    };
    let url = format!("ws://127.0.0.1:{target}/ws");
    let run = wsdoctor(&[
        url.as_str(),
        "--token",
        VALID_TOKEN,
        "--origin",
        ALLOWED_ORIGIN,
        "--proxy",
        proxy.as_str(),
    ]);
    // Keep the scene (and its processes) alive until the run is over.
    drop(scene);
    Some((run, target))
}

fn proxy_stage(run: &Probe) -> (String, String) {
    assert_report_schema(&run.json);
    let stages = run.json["attempts"][0]["stages"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let s = stages
        .iter()
        .find(|s| s["stage"] == "proxy")
        .unwrap_or_else(|| panic!("no proxy stage\n{}", run.describe()));
    (
        s["status"].as_str().unwrap_or_default().to_string(),
        s["summary"].as_str().unwrap_or_default().to_string(),
    )
}

#[test]
fn healthy_through_tinyproxy() {
    let Some((run, target)) = through("fwd_proxy_open", "open.conf", None) else {
        return;
    };
    run.expect("ok", "ok.healthy", 0);
    let (status, summary) = proxy_stage(&run);
    assert_eq!(status, "ok", "{summary}");
    assert!(
        summary.contains(&format!("CONNECT 127.0.0.1:{target}")) && summary.contains("-> 200"),
        "{summary}"
    );
    assert_eq!(run.json["attempts"][0]["proxy"]["source"], "--proxy");
}

#[test]
fn tinyproxy_without_credentials_is_407() {
    let Some((run, _)) = through("fwd_proxy_auth", "basic-auth.conf", None) else {
        return;
    };
    run.expect("proxy", "proxy.forward_proxy_refused", 1);
    assert_eq!(run.json["attempts"][0]["proxy"]["status"], 407);
    let (status, _) = proxy_stage(&run);
    assert_eq!(status, "failed");
    let text = run.diagnosis_text();
    assert!(
        text.contains("407") && text.contains("no proxy credentials were sent"),
        "{text}"
    );
}

#[test]
fn tinyproxy_with_wrong_credentials_is_407_and_they_never_show() {
    let Some((run, _)) = through(
        "fwd_proxy_wrong_auth",
        "basic-auth.conf",
        Some("labuser:not-the-pass-31"),
    ) else {
        return;
    };
    run.expect("proxy", "proxy.forward_proxy_refused", 1);
    assert_eq!(run.json["attempts"][0]["proxy"]["authenticated"], true);
    // base64("labuser:not-the-pass-31")
    for secret in ["not-the-pass-31", "bGFidXNlcjpub3QtdGhlLXBhc3MtMzE="] {
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "proxy credential leaked"
        );
    }
}

#[test]
fn tinyproxy_with_the_right_credentials_is_healthy() {
    let Some((run, _)) = through(
        "fwd_proxy_good_auth",
        "basic-auth.conf",
        Some("labuser:labpass-9f3c"),
    ) else {
        return;
    };
    run.expect("ok", "ok.healthy", 0);
    assert!(
        !run.stdout.contains("labpass-9f3c"),
        "proxy password leaked"
    );
}

#[test]
fn tinyproxy_connect_port_restriction_is_403() {
    let Some((run, _)) = through("fwd_proxy_port", "connect-port.conf", None) else {
        return;
    };
    run.expect("proxy", "proxy.forward_proxy_refused", 1);
    assert_eq!(run.json["attempts"][0]["proxy"]["status"], 403);
}

/// The field report 004 ticket flow against the lab's ticket app at `app`, through `proxy`.
fn ticket_flow_via(app: &str, proxy: &str) -> Probe {
    let url = format!("ws://{app}/ws");
    let ticket_url = format!("http://{app}/api/v1/ws-ticket");
    wsdoctor(&[
        url.as_str(),
        "--token",
        stack::JWT_WITH_SESSION,
        "--ticket-url",
        ticket_url.as_str(),
        "--origin",
        stack::TICKET_ORIGIN,
        "--proxy",
        proxy,
    ])
}

/// The ticket flow (field report 004) behind a corporate proxy: the ticket fetch goes through the
/// same proxy as the upgrade. With the proxy's credentials the flow is healthy; without them the
/// proxy's 407 stops the ticket fetch too, and the verdict names the proxy, not the ticket
/// endpoint (`auth.ticket_failed` would send the user to the wrong team).
fn ticket_through(test: &str, proxy_user: Option<&str>) -> Option<Probe> {
    if !stack::require(test, &[Tool::Tinyproxy, Tool::Python]) {
        return None;
    }
    let mut scene = Scene::new(test);
    let app = stack::app(App::FastApiTickets);
    let proxy_port = scene.tinyproxy("basic-auth.conf");
    let proxy = match proxy_user {
        Some(user) => format!("http://{user}@127.0.0.1:{proxy_port}"),
        None => format!("http://127.0.0.1:{proxy_port}"),
    };
    let run = ticket_flow_via(&app.addr(), &proxy);
    drop(scene);
    Some(run)
}

#[test]
fn ticket_flow_through_an_authenticating_proxy_is_healthy() {
    let Some(run) = ticket_through("fwd_proxy_ticket_ok", Some("labuser:labpass-9f3c")) else {
        return;
    };
    run.expect("ok", "ok.healthy", 0);
    assert_eq!(
        run.json["tickets"][0]["obtained"],
        true,
        "{}",
        run.describe()
    );
}

#[test]
fn ticket_fetch_refused_by_the_proxy_is_the_proxys_fault() {
    let Some(run) = ticket_through("fwd_proxy_ticket_407", None) else {
        return;
    };
    run.expect("proxy", "proxy.forward_proxy_refused", 1);
    let ticket = &run.json["tickets"][0];
    assert_eq!(ticket["obtained"], false, "{}", run.describe());
    assert!(
        ticket["error"].as_str().unwrap_or("").contains("407"),
        "the ticket fetch went around the proxy: {}",
        run.describe()
    );
}

/// Runs the healthy nginx + FastAPI stack behind Dante (`fixtures/dante/<fixture>`), probing
/// `ws://<host>:<target>/ws` (or `target_override` as the port) with `--proxy <scheme>://…`.
/// `block_target` fills `{{BLOCKED}}` with the target's port.
struct SocksCase<'a> {
    test: &'a str,
    fixture: &'a str,
    scheme: &'a str,
    host: &'a str,
    block_target: bool,
    closed_target: bool,
}

fn socks_through(case: SocksCase<'_>) -> Option<(Probe, u16, u16)> {
    if !stack::require(case.test, &[Tool::Dante, Tool::Nginx, Tool::Python]) {
        return None;
    }
    let mut scene = Scene::new(case.test);
    let healthy = Proxy::Nginx.start_healthy(&mut scene, &stack::app(App::FastApi).addr());
    let target = if case.closed_target {
        scene.closed_port()
    } else {
        healthy
    };
    let vars = if case.block_target {
        vec![("BLOCKED", target.to_string())]
    } else {
        Vec::new()
    };
    let socks_port = scene.dante(case.fixture, &vars);
    let proxy = format!("{}://127.0.0.1:{socks_port}", case.scheme);
    let url = format!("ws://{}:{target}/ws", case.host);
    let resolve = format!("{}:{target}:127.0.0.1", case.host);
    let mut args = vec![
        url.as_str(),
        "--token",
        VALID_TOKEN,
        "--origin",
        ALLOWED_ORIGIN,
        "--proxy",
        proxy.as_str(),
    ];
    if case.host != "127.0.0.1" && case.scheme == "socks5" {
        args.extend(["--resolve", resolve.as_str()]);
    }
    let run = wsdoctor(&args);
    drop(scene);
    Some((run, target, socks_port))
}

#[test]
fn healthy_through_dante_socks5_resolving_here() {
    // socks5://: wsdoctor resolves the name (here through --resolve, a name Dante cannot know)
    // and asks the proxy for the address.
    let Some((run, target, socks)) = socks_through(SocksCase {
        test: "fwd_socks5_open",
        fixture: "open.conf",
        scheme: "socks5",
        host: "app.lab.test",
        block_target: false,
        closed_target: false,
    }) else {
        return;
    };
    run.expect("ok", "ok.healthy", 0);
    let (status, summary) = proxy_stage(&run);
    assert_eq!(status, "ok", "{summary}");
    assert!(
        summary.contains(&format!("SOCKS5 127.0.0.1:{socks}"))
            && summary.contains(&format!(
                "CONNECT 127.0.0.1:{target} (app.lab.test resolved here) granted"
            )),
        "{summary}"
    );
    let p = &run.json["attempts"][0]["proxy"];
    assert_eq!(p["kind"], "socks5");
    assert_eq!(p["reply"], "succeeded");
    assert_eq!(p["resolved"], format!("127.0.0.1:{target}"));
    assert_eq!(p["connect"], format!("app.lab.test:{target}"));
    // Every variant and the plain-HTTP controls went through the same proxy.
    for list in ["attempts", "http_controls"] {
        for a in run.json[list].as_array().into_iter().flatten() {
            assert_eq!(a["proxy"]["reply"], "succeeded", "{list}: {a}");
        }
    }
}

#[test]
fn healthy_through_dante_socks5h_resolving_at_the_proxy() {
    // socks5h://: the name goes to Dante, which resolves it (localhost) itself.
    let Some((run, target, _)) = socks_through(SocksCase {
        test: "fwd_socks5h_open",
        fixture: "open.conf",
        scheme: "socks5h",
        host: "localhost",
        block_target: false,
        closed_target: false,
    }) else {
        return;
    };
    run.expect("ok", "ok.healthy", 0);
    let (status, summary) = proxy_stage(&run);
    assert_eq!(status, "ok", "{summary}");
    assert!(
        summary.contains(&format!(
            "CONNECT localhost:{target} (resolved by the proxy) granted"
        )),
        "{summary}"
    );
    let p = &run.json["attempts"][0]["proxy"];
    assert_eq!(p["kind"], "socks5h");
    assert!(p.get("resolved").is_none(), "{p}");
}

#[test]
fn dante_block_rule_is_forward_proxy_refused_with_the_reply() {
    let Some((run, target, _)) = socks_through(SocksCase {
        test: "fwd_socks5_block",
        fixture: "block-port.conf",
        scheme: "socks5",
        host: "127.0.0.1",
        block_target: true,
        closed_target: false,
    }) else {
        return;
    };
    run.expect("proxy", "proxy.forward_proxy_refused", 1);
    let p = &run.json["attempts"][0]["proxy"];
    assert_eq!(p["reply"], "connection_not_allowed_by_ruleset");
    let (status, summary) = proxy_stage(&run);
    assert_eq!(status, "failed", "{summary}");
    let text = run.diagnosis_text();
    assert!(
        text.contains("connection_not_allowed_by_ruleset")
            && text.contains(&format!("127.0.0.1:{target}")),
        "{text}"
    );
    let next = run.json["diagnosis"]["next_step"].as_str().unwrap_or("");
    assert!(next.contains("socks pass"), "{next}");
}

#[test]
fn dante_cannot_connect_to_a_closed_target_port_is_tcp_refused_seen_from_the_proxy() {
    let Some((run, target, socks)) = socks_through(SocksCase {
        test: "fwd_socks5_closed",
        fixture: "open.conf",
        scheme: "socks5",
        host: "127.0.0.1",
        block_target: false,
        closed_target: true,
    }) else {
        return;
    };
    run.expect("tcp", "tcp.refused", 1);
    assert_eq!(
        run.json["attempts"][0]["proxy"]["reply"],
        "connection_refused"
    );
    let text = run.diagnosis_text();
    assert!(
        text.contains(&format!("SOCKS5 proxy socks5://127.0.0.1:{socks} works"))
            && text.contains(&format!("127.0.0.1:{target}")),
        "{text}"
    );
}

/// The ticket flow (field report 004) through Dante with socks5h://: the ticket fetch uses the same
/// SOCKS5 tunnel as the upgrade, and the flow stays healthy.
#[test]
fn ticket_flow_through_dante_socks5h_is_healthy() {
    let test = require!("fwd_socks5h_ticket", Tool::Dante, Tool::Python);
    let mut scene = Scene::new(test);
    let app = stack::app(App::FastApiTickets);
    let socks = scene.dante("open.conf", &[]);
    let proxy = format!("socks5h://127.0.0.1:{socks}");
    let run = ticket_flow_via(&app.addr(), &proxy);
    drop(scene);
    run.expect("ok", "ok.healthy", 0);
    assert_eq!(
        run.json["tickets"][0]["obtained"],
        true,
        "{}",
        run.describe()
    );
    assert_eq!(run.json["attempts"][0]["proxy"]["kind"], "socks5h");
}
