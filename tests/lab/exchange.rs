//! `--send` / `--expect-reply` against real applications (issue 12 point 7): a smoke check that
//! proves the application answers, not only that the handshake works. Socket.IO's connect packet
//! `40` (engine.io sends its `0{"sid":…}` open packet first, so every message until the match is
//! read), directly and through nginx; Python websockets echoing a message that carries the
//! credential through the `{token}` placeholder.

use crate::support::cli::wsdoctor;
use crate::support::stack::{self, App, Tool, ALLOWED_ORIGIN, SOCKET_IO_PATH, VALID_TOKEN};

fn exchange(run: &crate::support::cli::Probe) -> &serde_json::Value {
    &run.json["targets"][0]["report"]["attempts"][0]["session"]["exchange"]
}

#[test]
fn socket_io_answers_its_connect_packet_directly_and_through_nginx() {
    let test = require!("exchange_socket_io", Tool::Node, Tool::Nginx);
    let mut scene = stack::Scene::new(test);
    let app = stack::app(App::SocketIo).addr();
    let nginx = stack::Proxy::Nginx.start_healthy(&mut scene, &app);
    for host in [app, format!("127.0.0.1:{nginx}")] {
        let url = format!("ws://{host}{SOCKET_IO_PATH}");
        let connect = |reply: &str, extra: &[&str]| {
            let mut args = vec![
                url.as_str(),
                "--token",
                VALID_TOKEN,
                "--origin",
                ALLOWED_ORIGIN,
                "--send",
                "40",
                "--expect-reply",
                reply,
            ];
            args.extend_from_slice(extra);
            wsdoctor(&args)
        };
        let run = connect(r#"^40\{"sid":"#, &[]);
        assert_eq!(run.code, Some(0), "{url}: {}", run.stdout);
        let x = exchange(&run);
        let first = x["received"][0]["excerpt"].as_str().unwrap_or("");
        assert!(
            first.starts_with(r#"0{"sid":"#),
            "{url}: the open packet first: {x}"
        );
        assert_eq!(x["matched"]["index"], 2, "{url}: {x}");
        assert_eq!(x["sent"][0]["excerpt"], "40");

        // The same check expecting an event the server never sends fails, with what came.
        let run = connect(r#"^42\["welcome""#, &["--reply-timeout", "1s"]);
        assert_eq!(run.code, Some(1), "{url}: {}", run.stdout);
        let e = &run.json["targets"][0]["expectations"][0];
        assert_eq!(e["passed"], false, "{e}");
        let detail = e["detail"].as_str().unwrap_or("");
        assert!(
            detail.contains("no message matched within 1000 ms"),
            "{detail}"
        );
        assert!(detail.contains(r#"0{"sid":"#), "names what came: {detail}");
    }
}

#[test]
fn python_websockets_echoes_a_message_carrying_the_credential_which_stays_redacted() {
    require!("exchange_websockets", Tool::Python);
    let url = format!("ws://{}/ws", stack::app(App::PyWebsockets).addr());
    let run = wsdoctor(&[
        url.as_str(),
        "--token",
        VALID_TOKEN,
        "--origin",
        ALLOWED_ORIGIN,
        "--send",
        r#"{"type":"auth","token":"{token}"}"#,
        "--expect-reply",
        r#""type":"auth""#,
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(
        !run.stdout.contains(VALID_TOKEN) && !run.stderr.contains(VALID_TOKEN),
        "the token leaked: {}",
        run.stdout
    );
    let x = exchange(&run);
    // `{"type":"connected"}` first, then the echo with the real token, shown redacted.
    assert_eq!(
        x["received"][0]["excerpt"], r#"{"type":"connected"}"#,
        "{x}"
    );
    assert_eq!(x["matched"]["index"], 2, "{x}");
    assert_eq!(
        x["matched"]["message"]["excerpt"], r#"{"type":"auth","token":"[redacted]"}"#,
        "{x}"
    );
}
