//! Issue 12 point 14 through the binary: the human report opens with the verdict, the matrix
//! fits the terminal's width (`COLUMNS`, read once in main and passed to the renderer), and a
//! report written to a file keeps the 100-column layout.

#![expect(
    clippy::unwrap_used,
    reason = "integration tests: a failed setup or parse is the test's failure"
)]

use crate::support::ws::{Behaviour, WsServer};
use crate::support::wsdoctor;

fn human(url: &str, columns: Option<&str>) -> String {
    let mut cmd = wsdoctor();
    cmd.args([url, "--close-wait", "100ms", "--color", "never"]);
    if let Some(c) = columns {
        cmd.env("COLUMNS", c);
    }
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn matrix(text: &str) -> Vec<&str> {
    text.lines()
        .skip_while(|l| !l.starts_with("  attempt "))
        .take_while(|l| !l.is_empty())
        .collect()
}

#[test]
fn the_verdict_opens_the_report_and_the_matrix_fits_the_terminal_width() {
    let server = WsServer::start(Behaviour::Echo);
    let url = server.url("/ws");
    let text = human(&url, None);
    let verdict = text.find("✓ ok · ok.healthy").unwrap();
    let dns = text.find("\n  dns ").unwrap();
    assert!(verdict < dns, "{text}");
    let session = text.lines().find(|l| l.starts_with("  session ")).unwrap();
    assert!(
        session.contains("opened (connect + handshake) · watched "),
        "{session}"
    );
    let wide = matrix(&text);
    assert!(wide.iter().any(|l| l.chars().count() > 60), "{text}");
    let narrow_text = human(&url, Some("60"));
    let narrow = matrix(&narrow_text);
    // Rows whose label or result does not fit wrap within their column (issue 28 point 2).
    assert!(narrow.len() >= wide.len(), "{narrow_text}");
    for l in narrow {
        assert!(
            l.chars().count() <= 60,
            "{} columns: {l}",
            l.chars().count()
        );
    }
}
