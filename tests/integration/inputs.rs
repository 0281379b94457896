//! Hostile input (issue 26 points 3, 4 and 5): control characters in anything bound for a header
//! are refused before a byte is sent; files are read with a bound, `/dev/zero` included; config
//! errors name the file, line and column and never echo the offending text.

#![expect(
    clippy::expect_used,
    reason = "integration tests: a failed setup or parse is the test's failure"
)]

use std::time::{Duration, Instant};

use crate::support::hostile::{Hostile, HostileServer};
use crate::support::wsdoctor;

/// A credential-looking value that must never be echoed.
const SECRET: &str = "sk-Rq7vN3bX9mWd";

/// Runs wsdoctor, expecting a usage error: exit 2, one stderr line naming `flag`, no secret,
/// no injected header name, quickly.
fn refused(args: &[&str], flag: &str) {
    let start = Instant::now();
    let out = wsdoctor()
        .args(["--timeout", "3s", "--close-wait", "100ms"])
        .args(args)
        .output()
        .expect("wsdoctor runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
    assert!(
        stderr.contains(flag),
        "{args:?}: {flag} not named: {stderr}"
    );
    for leak in [SECRET, "X-Injected", "Rq7vN"] {
        assert!(!stderr.contains(leak), "{args:?}: {leak} echoed: {stderr}");
    }
    assert!(out.stdout.is_empty(), "{args:?}: a report was written");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{args:?} took {:?}",
        start.elapsed()
    );
}

#[test]
fn cr_lf_in_any_header_bound_input_is_refused_before_anything_is_sent() {
    let server = HostileServer::start(Hostile::EchoRequest { status: 403 });
    let url = server.ws_url("/ws");
    let inject = format!("{SECRET}\r\nX-Injected: 1");
    let header = format!("X-A: {SECRET}\r\nX-Injected: 1");
    let auth_header = format!("Authorization: Bearer {SECRET}\nX-Injected: 1");
    let dir = tempfile::tempdir().expect("tempdir");
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, format!("{SECRET}\nX-Injected: 1\n")).expect("write");
    let token_file = token_file.to_string_lossy().into_owned();
    let header_file = dir.path().join("headers");
    std::fs::write(
        &header_file,
        format!("X-Ok: 1\nX-A: {SECRET}\rX-Injected: 1\n"),
    )
    .expect("write");
    let header_file = format!("@{}", header_file.display());
    let query = format!("{url}?token={SECRET}%0D%0AX-Injected:%201");
    for (args, flag) in [
        (vec!["-H", header.as_str(), url.as_str()], "-H"),
        (vec!["-H", auth_header.as_str(), url.as_str()], "-H"),
        (vec!["--token", inject.as_str(), url.as_str()], "--token"),
        (
            vec![
                "--token",
                SECRET,
                "--auth-scheme",
                "Bearer\r\nX-Injected:",
                url.as_str(),
            ],
            "--auth-scheme",
        ),
        (
            vec![
                "--token",
                SECRET,
                "--auth",
                "header:X-Key\r\nX-Injected",
                url.as_str(),
            ],
            "--auth",
        ),
        (
            vec!["--token", inject.as_str(), "--auth", "cookie", url.as_str()],
            "--token",
        ),
        (
            vec![
                "--token",
                SECRET,
                "--cookie-name",
                "a\r\nX-Injected: 1",
                url.as_str(),
            ],
            "--cookie-name",
        ),
        (
            vec!["--token-file", token_file.as_str(), url.as_str()],
            "--token-file",
        ),
        (vec!["-H", header_file.as_str(), url.as_str()], "line 2"),
        (
            vec!["--origin", "https://a.test\r\nX-Injected: 1", url.as_str()],
            "--origin",
        ),
        (
            vec!["--subprotocol", "chat\r\nX-Injected: 1", url.as_str()],
            "--subprotocol",
        ),
        (vec![query.as_str()], "credential parameter"),
    ] {
        refused(&args, flag);
    }
    assert_eq!(server.connections(), 0, "a request was sent");
    // A token file's trailing newline is trimmed as before.
    let good = dir.path().join("good");
    std::fs::write(&good, format!("{SECRET}\n")).expect("write");
    let out = wsdoctor()
        .args([
            "--format",
            "json",
            "--close-wait",
            "100ms",
            "--timeout",
            "3s",
        ])
        .args(["--token-file", &good.to_string_lossy(), &url])
        .output()
        .expect("wsdoctor runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(server
        .requests()
        .iter()
        .any(|r| r.contains(&format!("Authorization: Bearer {SECRET}\r\n"))));
}

/// Runs wsdoctor with `args` under a 20 s hard limit; returns (exit code, stderr, elapsed).
fn bounded_run(args: &[&str]) -> (Option<i32>, String, Duration) {
    let start = Instant::now();
    let out = wsdoctor()
        .timeout(Duration::from_secs(20))
        .args(args)
        .output()
        .expect("wsdoctor runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        start.elapsed(),
    )
}

#[test]
fn endless_and_huge_files_are_refused_quickly_with_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 100 MB, sparse: costs nothing on disk, its metadata tells the truth.
    let big = dir.path().join("big");
    std::fs::File::create(&big)
        .and_then(|f| f.set_len(100 * 1024 * 1024))
        .expect("sparse file");
    let big = big.to_string_lossy().into_owned();
    let url = format!("ws://127.0.0.1:{}/ws", crate::support::refused_port());
    for file in ["/dev/zero", big.as_str()] {
        let at = format!("@{file}");
        let cases: Vec<(Vec<&str>, &str)> = vec![
            (vec!["--token-file", file, &url], "--token-file"),
            (vec!["--cacert", file, &url], "--cacert"),
            (vec!["--cert", file, &url], "--cert"),
            (vec!["--send", &at, &url], "--send"),
            (vec!["-H", &at, &url], "-H @FILE"),
            (vec!["check", file], file),
        ];
        for (args, named) in cases {
            let (code, stderr, elapsed) = bounded_run(&args);
            assert_eq!(code, Some(2), "{args:?}: {stderr}");
            assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
            assert!(stderr.contains(named), "{args:?}: {stderr}");
            assert!(
                stderr.contains("larger than") || stderr.contains("more than"),
                "{args:?}: {stderr}"
            );
            assert!(
                elapsed < Duration::from_secs(5),
                "{args:?} took {elapsed:?}"
            );
        }
    }
}

#[test]
fn config_errors_name_file_line_and_column_and_never_the_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A value of the wrong type, a broken line, a header file line without a colon.
    let wrong_type = dir.path().join("wrong.toml");
    std::fs::write(
        &wrong_type,
        format!("[[target]]\nurl = \"ws://127.0.0.1:9/ws\"\nheaders = \"Authorization: Bearer {SECRET}\"\n"),
    )
    .expect("write");
    let broken = dir.path().join("broken.toml");
    std::fs::write(
        &broken,
        format!("[[target]]\nurl = \"ws://127.0.0.1:9/ws\"\nheaders = {{ Authorization = \"Bearer {SECRET}\"\n"),
    )
    .expect("write");
    for (file, line) in [(&wrong_type, "line 3"), (&broken, "line 3")] {
        let f = file.to_string_lossy().into_owned();
        let (code, stderr, _) = bounded_run(&["check", &f]);
        assert_eq!(code, Some(2), "{stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains(&f) && stderr.contains(line) && stderr.contains("column"),
            "{stderr}"
        );
        assert!(
            !stderr.contains("Rq7vN") && !stderr.contains("Bearer"),
            "{stderr}"
        );
    }
    let headers = dir.path().join("headers.txt");
    std::fs::write(
        &headers,
        format!("# credentials\nX-Ok: 1\nBearer {SECRET}\n"),
    )
    .expect("write");
    let at = format!("@{}", headers.display());
    refused(&["-H", &at, "ws://127.0.0.1:9/ws"], "line 3");

    // The exporter's reload answers whoever asked with the same redacted line.
    let path = dir.path().join("exporter.toml");
    std::fs::write(&path, "enable_reload = true\n[module.one]\nquick = true\n").expect("write");
    let exporter = crate::support::exporter::Exporter::start(Some(&path), &[]);
    std::fs::write(
        &path,
        format!("enable_reload = true\n[module.one]\nquick = true\nheaders = [\"Authorization: Bearer {SECRET}\"\n"),
    )
    .expect("write");
    let a = exporter.post("/-/reload");
    assert_eq!(a.status, 500, "{}", a.body);
    assert!(a.body.contains("line 4"), "{}", a.body);
    assert!(
        !a.body.contains("Rq7vN") && !a.body.contains("Bearer"),
        "{}",
        a.body
    );
    assert!(!exporter.log().contains("Rq7vN"), "{}", exporter.log());
}
