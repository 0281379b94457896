//! The user's credential wherever they put it (issue 24 point 3, issue 26 points 1 and 7): the
//! URL's userinfo, a token in its query, `-H Authorization` or a session cookie is the run's
//! credential — sent, redacted everywhere, and moved by the placement variants exactly as
//! `--token` is — and by default no credential goes into a URL the user did not put it in.

use crate::support::scripted::{response, Req, ScriptedServer, Step};
use crate::support::{baseline, probe_json, wsdoctor};

const TOKEN: &str = "tok-Vb81mQx4Lz0p";

/// Where an application reads its credential.
#[derive(Clone, Copy)]
enum Reads {
    /// `Authorization: Bearer TOKEN`.
    Bearer,
    /// `Cookie: token=TOKEN`.
    Cookie,
    /// `Authorization: Basic base64(alice:pa55-Wq9rT)`.
    Basic,
}

const BASIC: &str = "YWxpY2U6cGE1NS1XcTlyVA=="; // alice:pa55-Wq9rT
const PASSWORD: &str = "pa55-Wq9rT";

/// An application that upgrades only with the credential where it reads it, and answers 401
/// otherwise; plain GETs get 200.
fn app(reads: Reads) -> ScriptedServer {
    ScriptedServer::http(move |req: &Req| {
        if !req.is_upgrade() {
            return vec![Step::Write(response(200, "OK", &[], "ok"))];
        }
        let ok = match reads {
            Reads::Bearer => req.header("authorization") == Some(&format!("Bearer {TOKEN}")),
            Reads::Cookie => req
                .header("cookie")
                .is_some_and(|c| c.split(';').any(|p| p.trim() == format!("token={TOKEN}"))),
            Reads::Basic => req.header("authorization") == Some(&format!("Basic {BASIC}")),
        };
        if ok {
            vec![Step::Switch(Vec::new()), Step::Session]
        } else {
            vec![Step::Write(response(
                401,
                "Unauthorized",
                &[("WWW-Authenticate", "Bearer")],
                "{\"detail\":\"missing token\"}",
            ))]
        }
    })
}

fn run(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--close-wait", "100ms", "--timeout", "8s"];
    all.extend_from_slice(args);
    probe_json(&all).0
}

fn cause(r: &serde_json::Value) -> String {
    r["diagnosis"]["cause"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn ids(r: &serde_json::Value) -> Vec<String> {
    r["attempts"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| x["variant"]["id"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_token_in_the_url_query_is_diagnosed_as_the_same_token_given_with_token() {
    let server = app(Reads::Bearer);
    let url = server.ws_url("/ws?room=1");
    let by_flag = run(&["--token", TOKEN, "--auth", "query", &url]);
    let in_url = run(&[&server.ws_url(&format!("/ws?room=1&token={TOKEN}"))]);
    assert_eq!(cause(&in_url), cause(&by_flag), "{}", in_url["diagnosis"]);
    assert_eq!(cause(&in_url), "auth.placement", "{}", in_url["diagnosis"]);
    assert_eq!(in_url["input"]["credential_given"], true);
    assert_eq!(ids(&in_url), ids(&by_flag));
    // The user put it in the URL, so the URL keeps it there (redacted in every record).
    assert!(in_url["target"]
        .as_str()
        .unwrap_or_default()
        .contains("token=[redacted]"));
    assert!(!in_url.to_string().contains(TOKEN));
}

#[test]
fn an_authorization_header_is_diagnosed_as_the_same_token_given_with_token() {
    let server = app(Reads::Cookie);
    let url = server.ws_url("/ws");
    let by_flag = run(&["--token", TOKEN, &url]);
    let header = format!("Authorization: Bearer {TOKEN}");
    let by_header = run(&["-H", &header, &url]);
    assert_eq!(
        cause(&by_header),
        cause(&by_flag),
        "{}",
        by_header["diagnosis"]
    );
    assert_eq!(
        cause(&by_header),
        "auth.placement",
        "{}",
        by_header["diagnosis"]
    );
    assert_eq!(by_header["input"]["credential_given"], true);
    assert_eq!(ids(&by_header), ids(&by_flag));
    assert!(!by_header.to_string().contains(TOKEN));
}

#[test]
fn a_session_cookie_header_is_the_credential_too() {
    let server = app(Reads::Bearer);
    let url = server.ws_url("/ws");
    let by_flag = run(&["--token", TOKEN, "--auth", "cookie", &url]);
    let cookie = format!("Cookie: token={TOKEN}");
    let by_header = run(&["-H", &cookie, &url]);
    assert_eq!(
        cause(&by_header),
        cause(&by_flag),
        "{}",
        by_header["diagnosis"]
    );
    assert_eq!(ids(&by_header), ids(&by_flag));
    assert_eq!(by_header["input"]["credential_given"], true);
}

#[test]
fn userinfo_is_sent_as_basic_and_never_printed() {
    let server = app(Reads::Basic);
    let by_flag = run(&["-u", &format!("alice:{PASSWORD}"), &server.ws_url("/ws")]);
    let url = format!("ws://alice:{PASSWORD}@127.0.0.1:{}/ws", server.port());
    let in_url = run(&[&url]);
    assert_eq!(cause(&in_url), "ok.healthy", "{}", in_url["diagnosis"]);
    assert_eq!(cause(&by_flag), cause(&in_url));
    assert_eq!(baseline(&in_url)["outcome"]["kind"], "upgraded");
    assert!(server
        .requests()
        .iter()
        .any(|r| r.header("authorization") == Some(&format!("Basic {BASIC}"))));
    // Every format, every place: the target line, the confirm command, attempt URLs, titles.
    for format in ["human", "json", "markdown", "junit", "github"] {
        let out = wsdoctor()
            .args(["--close-wait", "100ms", "--format", format, "-vv", &url])
            .output()
            .expect("wsdoctor runs");
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        for secret in [PASSWORD, BASIC, "alice:pa55", "cGE1NS1XcTlyVA"] {
            assert!(!all.contains(secret), "{format}: {secret} leaked:\n{all}");
        }
    }
}

#[test]
fn a_default_run_puts_no_credential_in_a_url_and_says_what_it_left_out() {
    let server = app(Reads::Bearer);
    let url = server.ws_url("/ws");
    let out = wsdoctor()
        .args([
            "--format",
            "json",
            "--close-wait",
            "100ms",
            "--token",
            TOKEN,
            &url,
        ])
        .output()
        .expect("wsdoctor runs");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    for r in server.requests() {
        assert!(
            !r.target.contains(TOKEN),
            "the token went in a URL: {}",
            r.target
        );
    }
    let skipped = report["skipped_variants"].to_string();
    assert!(
        skipped.contains("credential.query") && skipped.contains("credential_in_url"),
        "{skipped}"
    );
    // One line on stderr says, before anything is sent, where the credential goes.
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr
        .lines()
        .find(|l| l.starts_with("wsdoctor: sending "))
        .unwrap_or_else(|| panic!("no disclosure line: {stderr}"));
    assert!(
        line.contains("the Authorization header") && line.contains("in no URL"),
        "{line}"
    );
    // -s keeps stderr quiet.
    let quiet = wsdoctor()
        .args([
            "-s",
            "--format",
            "json",
            "--close-wait",
            "100ms",
            "--token",
            TOKEN,
            &url,
        ])
        .output()
        .expect("wsdoctor runs");
    assert!(!String::from_utf8_lossy(&quiet.stderr).contains("sending"));
    // Asked for, it is sent.
    let asked = run(&["--token", TOKEN, "--try-url-token", &url]);
    assert!(ids(&asked).contains(&"credential.query".to_string()));
    assert!(server.requests().iter().any(|r| r.target.contains(TOKEN)));
}
