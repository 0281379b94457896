//! `-H` as curl means it (issue #12, point 1): a user header replaces wsdoctor's own header of
//! that name instead of doubling it, and `-H 'Origin: X'` is `--origin X`. Real nginx answers a
//! request with two Host headers with 400, so before the fix `-H 'Host: …'` turned a healthy
//! stack into a `proxy.access_denied` verdict; a doubled Origin made every Origin variant 400.

use crate::support::cli::wsdoctor;
use crate::support::stack::{self, App, Proxy, Scene, Tool, ALLOWED_ORIGIN, VALID_TOKEN};

#[test]
fn header_host_and_origin_replace_the_built_in_ones_through_real_nginx() {
    let test = require!("header_host_and_origin_nginx", Tool::Nginx, Tool::Python);
    let upstream = stack::app(App::FastApi).addr();
    let mut scene = Scene::new(test);
    let port = Proxy::Nginx.start_healthy(&mut scene, &upstream);
    let url = format!("ws://127.0.0.1:{port}/ws");
    let origin = format!("Origin: {ALLOWED_ORIGIN}");
    let run = wsdoctor(&[
        url.as_str(),
        "--token",
        VALID_TOKEN,
        "-H",
        "Host: app.lab.test",
        "-H",
        origin.as_str(),
        "-H",
        "User-Agent: lab-client/1",
    ]);
    run.expect("ok", "ok.healthy", 0);
    let attempts = run.json["attempts"].as_array().cloned().unwrap_or_default();
    let base = &attempts[0];
    let sent: Vec<(String, String)> = base["request"]["headers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|h| {
            (
                h["name"].as_str().unwrap_or("").to_ascii_lowercase(),
                h["value"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let count = |n: &str| sent.iter().filter(|(k, _)| k == n).count();
    assert_eq!(count("host"), 1, "{sent:?}");
    assert_eq!(count("user-agent"), 1, "{sent:?}");
    assert_eq!(count("origin"), 1, "{sent:?}");
    assert!(
        sent.contains(&("host".into(), "app.lab.test".into())),
        "{sent:?}"
    );
    // The Origin variants change only the Origin: the app's allowlist refuses the foreign one
    // (the baseline carries the user's and upgrades), instead of nginx refusing a doubled header in all of them.
    let kind = |id: &str| {
        attempts
            .iter()
            .find(|a| a["variant"]["id"] == id)
            .map(|a| a["outcome"]["kind"].as_str().unwrap_or("").to_string())
            .unwrap_or_default()
    };
    assert_ne!(kind("origin.foreign"), "upgraded", "{}", run.describe());
    // The protocol controls (no key, version 8) are 400 by design; nothing else is.
    for a in attempts
        .iter()
        .filter(|a| a["variant"]["group"] != "control")
    {
        let status = a["outcome"]["status"].as_u64();
        assert_ne!(
            status,
            Some(400),
            "{}: {}",
            a["variant"]["id"],
            run.describe()
        );
    }
}
