//! Issue 15: a front that speaks extended CONNECT but not WebSockets answers the stream 501
//! (Not Implemented). Does a browser fall back to HTTP/1.1 then? Real browsers decide: headless
//! Chromium and Firefox ESR against Node's http2 server answering every CONNECT stream 501
//! (`CONNECT_STATUS=501`) while its `ws` app upgrades HTTP/1.1; the front logs which path each
//! took. Neither falls back (Chromium 156, Firefox ESR 153): the WebSocket fails, and the report
//! says so.

use crate::support::certs;
use crate::support::cli::wsdoctor;
use crate::support::stack::{Scene, Tool};

const HOST: &str = "localhost";

#[test]
fn browsers_do_not_fall_back_after_a_501_to_the_extended_connect_and_the_report_says_so() {
    use crate::support::browser::Options;
    let test = require!("http2_501", Tool::Node, Tool::Chromium, Tool::Firefox);
    let scene = Scene::new(test);
    let certs = certs::make(scene.path(), HOST);
    let (node, port) =
        crate::http2::start_node_h2_connect(&scene, &certs, &[("CONNECT_STATUS", "501")]);
    let url = format!("wss://{HOST}:{port}/ws");
    let resolve = format!("{HOST}:{port}:127.0.0.1");
    let ca = certs.ca.display().to_string();
    let run = wsdoctor(&[
        url.as_str(),
        "--resolve",
        resolve.as_str(),
        "--cacert",
        ca.as_str(),
    ]);
    let h2 = &run.json["http2"]["attempt"];
    assert_eq!(h2["response"]["status"], 501, "{}", run.describe());

    let options = Options {
        ca: Some(certs.ca.clone()),
        warm: Some(format!("https://{HOST}:{port}/warm")),
    };
    let outcomes = crate::http2::browser_paths(&node, &scene, &url, &options);
    assert_eq!(outcomes.len(), 2, "Chromium and Firefox: {outcomes:?}");
    // What the browsers did: both took the HTTP/2 path, met the 501, did not retry over HTTP/1.1
    // and failed. The report must say exactly that.
    for p in &outcomes {
        assert!(
            p.http2,
            "{} did not try the HTTP/2 path: {outcomes:?}",
            p.id
        );
        assert!(
            !p.http1 && !p.opened,
            "{} fell back or opened: {outcomes:?}",
            p.id
        );
    }
    run.expect("proxy", "proxy.http2_websocket_refused", 1);
    let text = run.diagnosis_text();
    assert!(text.contains("501 Not Implemented"), "{text}");
    assert!(text.contains("do not fall back"), "{text}");
}
