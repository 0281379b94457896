//! Issue 15 with a second RFC 8441 implementation: Apache httpd 2.4 with mod_http2 (Debian's
//! 2.4.6x build has `H2WebSockets`). With `H2WebSockets on` Apache advertises extended CONNECT
//! and carries the stream to the app through the same `ProxyPass … upgrade=websocket` the
//! HTTP/1.1 path uses: healthy on both paths, and the access log shows the stream arrived over
//! HTTP/2. With it `off` (the default), Apache speaks h2 but advertises nothing: healthy, and
//! browsers use HTTP/1.1 here.

use crate::support::certs;
use crate::support::cli::wsdoctor;
use crate::support::stack::{self, App, Scene, Tool, APACHE_MODULES};

const HOST: &str = "localhost";

fn start(scene: &mut Scene, certs: &certs::LabCerts, h2_websockets: &str) -> u16 {
    scene.apache(
        "h2-ws.conf",
        &[
            ("UPSTREAM", stack::app(App::PyWebsockets).addr()),
            ("CERT", certs.trusted.cert.display().to_string()),
            ("KEY", certs.trusted.key.display().to_string()),
            ("H2_WEBSOCKETS", h2_websockets.to_string()),
            ("APACHE_MODULES", APACHE_MODULES.to_string()),
        ],
    )
}

fn probe(port: u16, ca: &std::path::Path) -> crate::support::cli::Probe {
    let url = format!("wss://{HOST}:{port}/ws");
    let resolve = format!("{HOST}:{port}:127.0.0.1");
    let ca = ca.display().to_string();
    wsdoctor(&[
        url.as_str(),
        "--resolve",
        resolve.as_str(),
        "--cacert",
        ca.as_str(),
        "--token",
        stack::VALID_TOKEN,
        "--origin",
        stack::ALLOWED_ORIGIN,
    ])
}

#[test]
fn apache_mod_http2_with_h2websockets_carries_the_stream_and_without_it_browsers_use_http1() {
    let test = require!("http2_apache", Tool::Apache, Tool::Python);
    let mut scene = Scene::new(test);
    let certs = certs::make(scene.path(), HOST);

    let on = start(&mut scene, &certs, "on");
    let run = probe(on, &certs.ca);
    run.expect("ok", "ok.healthy", 0);
    crate::support::assert_report_schema(&run.json);
    let h2 = &run.json["http2"];
    assert_eq!(h2["alpn"], "h2", "{}", run.describe());
    assert_eq!(h2["extended_connect"], true, "{}", run.describe());
    let a = &h2["attempt"];
    assert_eq!(a["outcome"]["kind"], "upgraded", "{}", run.describe());
    assert_eq!(a["response"]["version"], "HTTP/2");
    assert_eq!(a["response"]["status"], 200, "{}", run.describe());
    // The server side saw the stream: Apache logs the CONNECT over HTTP/2 (its request line
    // for an extended CONNECT names the protocol version), beside the HTTP/1.1 upgrades.
    let log = std::fs::read_dir(scene.path())
        .expect("scene dir")
        .flatten()
        .map(|e| e.path().join("apache-access.log"))
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect::<String>();
    assert!(
        log.contains("HTTP/2.0"),
        "no HTTP/2 request in the access log:\n{log}"
    );
    assert!(
        log.contains("HTTP/1.1\" 101"),
        "no HTTP/1.1 upgrade in the access log:\n{log}"
    );

    let off = start(&mut scene, &certs, "off");
    let run = probe(off, &certs.ca);
    run.expect("ok", "ok.healthy", 0);
    let h2 = &run.json["http2"];
    assert_eq!(h2["alpn"], "h2", "{}", run.describe());
    assert_eq!(h2["extended_connect"], false, "{}", run.describe());
    assert!(h2.get("attempt").is_none(), "{}", run.describe());
}
