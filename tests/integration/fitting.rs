//! Issue 28 point 7: fixes that fit the case. A snippet (or a fitted fix line) is offered only
//! when the run's evidence makes it the fix: the proxy's `proxy_set_header Authorization` only
//! when a proxy is on the path and the header does not arrive; an access rule fitted to the
//! WebSocket path alone, never widened to the prefix above it; and no outdated note about
//! browsers and http:// URLs.

use crate::support::scripted::{nginx_page, response, Req, ScriptedServer, Step};
use crate::support::{probe_json, refused_port};

const TOKEN: &str = "tok-Fit28-Wq7Lm2";

/// How the scripted front answers.
#[derive(Clone, Copy)]
enum Path {
    /// The application alone: no proxy signature anywhere.
    Direct,
    /// Behind nginx that drops Authorization: the header is answered as no credential is.
    NginxDropsHeader,
    /// Behind nginx that passes Authorization: the app answers the header differently from no
    /// credential (it sees it, and reads only the cookie).
    NginxPassesHeader,
}

/// An application that reads the credential only from `Cookie: token=…`; plain GETs get 200.
fn cookie_app(path: Path) -> ScriptedServer {
    ScriptedServer::http(move |req: &Req| {
        let server: &[(&str, &str)] = match path {
            Path::Direct => &[],
            Path::NginxDropsHeader | Path::NginxPassesHeader => &[("Server", "nginx/1.22.1")],
        };
        if !req.is_upgrade() {
            return vec![Step::Write(response(200, "OK", server, "ok"))];
        }
        let cookie_ok = req
            .header("cookie")
            .is_some_and(|c| c.split(';').any(|p| p.trim() == format!("token={TOKEN}")));
        if cookie_ok {
            return vec![Step::Switch(Vec::new()), Step::Session];
        }
        let header_seen = matches!(path, Path::NginxPassesHeader | Path::Direct)
            && req.header("authorization").is_some();
        let body = if header_seen && matches!(path, Path::NginxPassesHeader) {
            "{\"detail\":\"Authorization is not read here: send the token cookie\"}"
        } else {
            "{\"detail\":\"missing token\"}"
        };
        let mut headers = vec![
            ("WWW-Authenticate", "Bearer"),
            ("Content-Type", "application/json"),
        ];
        headers.extend_from_slice(server);
        vec![Step::Write(response(401, "Unauthorized", &headers, body))]
    })
}

fn run(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--close-wait", "100ms", "--timeout", "8s"];
    all.extend_from_slice(args);
    probe_json(&all).0
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect()
}

fn snippet_codes(report: &serde_json::Value) -> Vec<(String, String)> {
    report["diagnosis"]["snippets"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            (
                s["target"].as_str().unwrap_or_default().to_string(),
                s["code"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn placement_run(path: Path) -> (serde_json::Value, Vec<String>, Vec<(String, String)>) {
    let server = cookie_app(path);
    let report = run(&["--token", TOKEN, &server.ws_url("/ws")]);
    assert_eq!(
        report["diagnosis"]["cause"], "auth.placement",
        "{}",
        report["diagnosis"]
    );
    let remedy = strings(&report["diagnosis"]["remedy"]);
    let snippets = snippet_codes(&report);
    (report, remedy, snippets)
}

fn mentions_a_proxy_fix(remedy: &[String], snippets: &[(String, String)]) -> bool {
    remedy.iter().any(|l| l.contains("proxy"))
        || snippets
            .iter()
            .any(|(_, code)| code.contains("proxy_set_header Authorization"))
}

#[test]
fn a_placement_fault_without_a_proxy_gets_the_working_placement_and_no_proxy_fix() {
    let (report, remedy, snippets) = placement_run(Path::Direct);
    assert!(
        !mentions_a_proxy_fix(&remedy, &snippets),
        "no proxy on the path, yet: {remedy:?} {snippets:?}"
    );
    // The first fix names the placement that worked in this run.
    assert!(
        remedy.first().is_some_and(|l| l.contains("Cookie: token=")),
        "{remedy:?}"
    );
    assert!(!report.to_string().contains(TOKEN));
}

#[test]
fn a_header_dropped_by_nginx_gets_the_proxy_fix_and_its_snippet() {
    let (_, remedy, snippets) = placement_run(Path::NginxDropsHeader);
    assert!(
        remedy
            .iter()
            .any(|l| l.contains("make the proxy forward the header")),
        "{remedy:?}"
    );
    assert!(
        snippets.iter().any(|(target, code)| target == "nginx"
            && code.contains("proxy_set_header Authorization $http_authorization")),
        "{snippets:?}"
    );
}

/// The snippet forwards the header the credential went in, not always `Authorization`.
#[test]
fn the_proxy_snippet_names_the_header_the_credential_went_in() {
    let server = cookie_app(Path::NginxDropsHeader);
    let report = run(&[
        "--token",
        TOKEN,
        "--auth",
        "header:X-API-Key",
        &server.ws_url("/ws"),
    ]);
    assert_eq!(
        report["diagnosis"]["cause"], "auth.placement",
        "{}",
        report["diagnosis"]
    );
    let snippets = snippet_codes(&report);
    assert!(
        snippets.iter().any(|(target, code)| target == "nginx"
            && code.contains("proxy_set_header X-API-Key $http_x_api_key")),
        "{snippets:?}"
    );
    assert!(
        !snippets
            .iter()
            .any(|(_, code)| code.contains("proxy_set_header Authorization")),
        "{snippets:?}"
    );
}

#[test]
fn a_header_that_arrives_through_nginx_gets_no_proxy_fix() {
    let (_, remedy, snippets) = placement_run(Path::NginxPassesHeader);
    assert!(
        !mentions_a_proxy_fix(&remedy, &snippets),
        "the header arrives (the app answers it differently from no credential), yet: {remedy:?} {snippets:?}"
    );
    assert!(
        remedy.first().is_some_and(|l| l.contains("Cookie: token=")),
        "{remedy:?}"
    );
}

/// An nginx `deny` in `location /admin/` refuses `/admin/ws`: the fix lets the clients that need
/// the socket in on that path alone, never `allow all` on the admin prefix.
#[test]
fn a_deny_on_an_admin_path_is_fitted_to_the_websocket_path_and_never_allow_all() {
    let server = ScriptedServer::http(|req: &Req| {
        if req.path().starts_with("/admin/") {
            vec![Step::Write(nginx_page(403, "Forbidden", &[]))]
        } else {
            vec![Step::Write(response(
                200,
                "OK",
                &[("Server", "nginx/1.22.1")],
                "ok",
            ))]
        }
    });
    let report = run(&[&server.ws_url("/admin/ws")]);
    assert_eq!(
        report["diagnosis"]["cause"], "proxy.access_denied",
        "{}",
        report["diagnosis"]
    );
    let snippets = snippet_codes(&report);
    let nginx: Vec<&String> = snippets
        .iter()
        .filter(|(t, _)| t == "nginx")
        .map(|(_, c)| c)
        .collect();
    assert!(!nginx.is_empty(), "{snippets:?}");
    for code in nginx {
        assert!(!code.contains("allow all"), "{code}");
        assert!(!code.contains("location /admin/ "), "{code}");
        assert!(code.contains("location = /admin/ws {"), "{code}");
        assert!(code.contains("deny all;"), "{code}");
    }
    let remedy = strings(&report["diagnosis"]["remedy"]).join("\n");
    assert!(remedy.contains("deliberate"), "{remedy}");
}

/// Current browsers accept http(s):// in `new WebSocket()` and convert it: the note says what
/// wsdoctor did without claiming browsers reject it.
#[test]
fn the_http_url_note_does_not_say_browsers_reject_http_urls() {
    let url = format!("http://127.0.0.1:{}/ws", refused_port());
    let report = run(&[&url]);
    let notes = strings(&report["notes"]).join("\n");
    assert!(notes.contains("mapped to ws://"), "{report}");
    assert!(!notes.contains("reject"), "{notes}");
    assert!(notes.contains("new WebSocket()"), "{notes}");
}
