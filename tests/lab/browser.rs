//! Browser truth: for every 101 answer, wsdoctor's `browser_checks` says whether Chrome and
//! Firefox would open the WebSocket. Here real headless Chromium and Firefox ESR (Debian's
//! packages) open `new WebSocket(url, ["graphql-ws"])` against real servers
//! (`fixtures/apps/python/handshake_server.py`: Python `websockets`, and a raw asyncio server for
//! the 101s websockets never writes), what each browser did is pinned first, and then wsdoctor,
//! probing the same server with `--subprotocol graphql-ws`, must agree browser by browser.
//!
//! The verdict rule: a baseline 101 that some browser refuses is `server.bad_handshake_response`
//! (exit 1); a 101 both open, with the connection staying open, is `ok.healthy` (exit 0).

use serde_json::Value;

use crate::support::browser::{self, Browser, BrowserResult};
use crate::support::cli::{wsdoctor, Probe};
use crate::support::process::{Proc, Spawn};
use crate::support::stack::{self, Scene, Tool};
use crate::support::{free_port, repo_root};

/// The subprotocol every case offers (the one GraphQL-over-WebSocket clients send).
const OFFER: &str = "graphql-ws";

/// The reason ids `browser_checks` may give when `opens` is false.
const REASONS: [&str; 5] = [
    "missing_subprotocol",
    "unrequested_subprotocol",
    "unrequested_extension",
    "bad_accept_key",
    "missing_upgrade_headers",
];

/// One handshake server, the browsers' observations of it, and its URL.
struct Case {
    // Fields drop in order: the server stops before its directory is removed.
    _server: Proc,
    _scene: Scene,
    url: String,
    chrome: BrowserResult,
    firefox: BrowserResult,
}

/// Starts `handshake_server.py MODE PORT`, then opens the WebSocket (offering `OFFER`) in
/// Chromium and then Firefox. None when a tool is missing outside CI (the test is skipped).
fn observe(test: &str, mode: &str) -> Option<Case> {
    let tools = [
        Tool::Python,
        Browser::Chrome.tool(),
        Browser::Firefox.tool(),
    ];
    if !stack::require(test, &tools) {
        return None;
    }
    let scene = Scene::new(test);
    let port = free_port();
    let python = Tool::Python.program().expect("the lab venv is installed");
    let script = repo_root().join("fixtures/apps/python/handshake_server.py");
    let spawn = Spawn::new(&format!("handshake-{mode}"), python)
        .args([
            script.display().to_string(),
            mode.to_string(),
            port.to_string(),
        ])
        .ready_on(port);
    let server = Proc::start(spawn, scene.path());
    let url = format!("ws://127.0.0.1:{port}/ws");
    let [chrome, firefox] = Browser::ALL.map(|b| browser::observe(b, scene.path(), &url, &[OFFER]));
    print_observation(test, &[&chrome, &firefox]);
    Some(Case {
        _server: server,
        _scene: scene,
        url,
        chrome,
        firefox,
    })
}

/// What the browsers did goes to the test's output (`--nocapture` shows it).
fn print_observation(test: &str, results: &[&BrowserResult]) {
    let mut out = format!("{test}:\n");
    for r in results {
        out.push_str(&r.describe());
    }
    println!("{out}");
}

impl Case {
    /// wsdoctor against the same server, offering the same subprotocol.
    fn wsdoctor(&self) -> Probe {
        wsdoctor(&[self.url.as_str(), "--subprotocol", OFFER])
    }

    fn describe(&self) -> String {
        format!("{}{}", self.chrome.describe(), self.firefox.describe())
    }
}

/// The `browser_checks` entry of the baseline attempt for `browser`; exactly one must exist.
fn baseline_check(run: &Probe, browser: Browser) -> &Value {
    let entries: Vec<&Value> = run.json["browser_checks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["attempt"] == "baseline" && c["browser"] == browser.id())
        .collect();
    assert_eq!(
        entries.len(),
        1,
        "expected one browser_checks entry for (baseline, {}), got {:?}\n{}",
        browser.id(),
        run.json.get("browser_checks"),
        run.describe()
    );
    entries[0]
}

/// wsdoctor's `browser_checks` for the baseline agree with what each real browser did: `opens`
/// equals whether `open` fired, and a browser that did not open gets a known reason id.
fn assert_wsdoctor_agrees(run: &Probe, chrome: &BrowserResult, firefox: &BrowserResult) {
    for observed in [chrome, firefox] {
        let check = baseline_check(run, observed.browser);
        assert_eq!(
            check["opens"].as_bool(),
            Some(observed.opened),
            "wsdoctor says {} opens={} for the baseline; the real browser {}\n{}\n{}",
            observed.browser.id(),
            check["opens"],
            if observed.opened {
                "opened it"
            } else {
                "did not open it"
            },
            observed.describe(),
            run.describe()
        );
        if !observed.opened {
            let reason = check["reason"].as_str().unwrap_or("");
            assert!(
                REASONS.contains(&reason),
                "{}: reason {reason:?} is not one of {REASONS:?}\n{}",
                observed.browser.id(),
                run.describe()
            );
        }
    }
}

/// The baseline `browser_checks` reason for `browser` is `reason`.
fn assert_reason(run: &Probe, browser: Browser, reason: &str) {
    let check = baseline_check(run, browser);
    assert_eq!(
        check["reason"].as_str(),
        Some(reason),
        "{}: {check}\n{}",
        browser.id(),
        run.describe()
    );
}

/// Both browsers refused the 101 the same way, and Chromium's console names `header`.
fn assert_both_fail(case: &Case, header: &str) {
    case.chrome.assert_failed_handshake();
    case.firefox.assert_failed_handshake();
    assert!(
        case.chrome.console_mentions(header),
        "Chromium's console does not name {header}:\n{}",
        case.describe()
    );
}

// websockets `serve(subprotocols=["graphql-ws"])`: the 101 selects the offered protocol; both
// browsers open with ws.protocol "graphql-ws" and get the echo.
#[test]
fn browser_selected_subprotocol_opens_in_chrome_and_firefox_and_is_healthy() {
    let test = "browser_selected_subprotocol";
    let Some(case) = observe(test, "graphql-ws") else {
        return;
    };
    case.chrome.assert_opened_and_echoed(OFFER);
    case.firefox.assert_opened_and_echoed(OFFER);

    let run = case.wsdoctor();
    run.expect("ok", "ok.healthy", 0);
    assert_wsdoctor_agrees(&run, &case.chrome, &case.firefox);
}

// websockets `serve()` without subprotocols ignores the offer: the 101 has no
// Sec-WebSocket-Protocol. Chromium fails the connection (RFC 6455 4.1: the client must fail it);
// Firefox ESR does not: it opens with ws.protocol "" (its WebSocketChannel drops the offer when
// the response names none).
#[test]
fn browser_missing_subprotocol_fails_in_chrome_but_opens_in_firefox() {
    let test = "browser_missing_subprotocol";
    let Some(case) = observe(test, "no-subprotocol") else {
        return;
    };
    case.chrome.assert_failed_handshake();
    assert!(
        case.chrome.console_mentions(
            "Sent non-empty 'Sec-WebSocket-Protocol' header but no response was received"
        ),
        "{}",
        case.describe()
    );
    case.firefox.assert_opened_and_echoed("");

    let run = case.wsdoctor();
    run.expect("server", "server.bad_handshake_response", 1);
    assert_wsdoctor_agrees(&run, &case.chrome, &case.firefox);
    assert_reason(&run, Browser::Chrome, "missing_subprotocol");
}

// A crafted 101 selecting `not-offered-proto`, a protocol the client never offered.
#[test]
fn browser_unrequested_subprotocol_fails_in_chrome_and_firefox() {
    let test = "browser_unrequested_subprotocol";
    let Some(case) = observe(test, "unrequested-subprotocol") else {
        return;
    };
    assert_both_fail(&case, "Sec-WebSocket-Protocol");
    assert!(
        case.firefox.console_mentions("non-matching subprotocol"),
        "{}",
        case.describe()
    );

    let run = case.wsdoctor();
    run.expect("server", "server.bad_handshake_response", 1);
    assert_wsdoctor_agrees(&run, &case.chrome, &case.firefox);
    for b in Browser::ALL {
        assert_reason(&run, b, "unrequested_subprotocol");
    }
}

// A crafted 101 with `Sec-WebSocket-Extensions: x-unknown`, an extension never offered.
#[test]
fn browser_unrequested_extension_fails_in_chrome_and_firefox() {
    let test = "browser_unrequested_extension";
    let Some(case) = observe(test, "unrequested-extension") else {
        return;
    };
    assert_both_fail(&case, "Sec-WebSocket-Extensions");

    let run = case.wsdoctor();
    run.expect("server", "server.bad_handshake_response", 1);
    assert_wsdoctor_agrees(&run, &case.chrome, &case.firefox);
    for b in Browser::ALL {
        assert_reason(&run, b, "unrequested_extension");
    }
}

// A crafted 101 whose Sec-WebSocket-Accept is computed from another key (RFC 6455 4.2.2).
#[test]
fn browser_bad_accept_key_fails_in_chrome_and_firefox() {
    let test = "browser_bad_accept_key";
    let Some(case) = observe(test, "bad-accept") else {
        return;
    };
    assert_both_fail(&case, "Sec-WebSocket-Accept");

    let run = case.wsdoctor();
    run.expect("server", "server.bad_handshake_response", 1);
    assert_wsdoctor_agrees(&run, &case.chrome, &case.firefox);
    for b in Browser::ALL {
        assert_reason(&run, b, "bad_accept_key");
    }
}

// A crafted 101 without `Upgrade: websocket` and `Connection: Upgrade`.
#[test]
fn browser_missing_upgrade_headers_fail_in_chrome_and_firefox() {
    let test = "browser_missing_upgrade_headers";
    let Some(case) = observe(test, "no-upgrade-headers") else {
        return;
    };
    assert_both_fail(&case, "Upgrade");

    let run = case.wsdoctor();
    run.expect("server", "server.bad_handshake_response", 1);
    assert_wsdoctor_agrees(&run, &case.chrome, &case.firefox);
    for b in Browser::ALL {
        assert_reason(&run, b, "missing_upgrade_headers");
    }
}

// A correct 101 (selecting graphql-ws) followed at once by a close frame 1008 "policy": both
// browsers open, then see close 1008 with its reason; wsdoctor's baseline sees the same code.
// The handshake is fine, so the verdict is not a handshake fault: wsdoctor reads a 1008 on a
// connection that carried no credential as a missing credential.
#[test]
fn browser_close_1008_after_a_good_101_is_the_close_code_wsdoctor_reports() {
    let test = "browser_close_1008";
    let Some(case) = observe(test, "close-1008") else {
        return;
    };
    for r in [&case.chrome, &case.firefox] {
        let close = r.close.as_ref();
        assert!(
            r.opened
                && !r.errored
                && r.protocol.as_deref() == Some(OFFER)
                && close.is_some_and(|c| c.code == 1008 && c.reason == "policy" && c.was_clean),
            "expected {} to open, then close 1008 \"policy\" cleanly:\n{}",
            r.browser.id(),
            r.describe()
        );
    }

    let run = case.wsdoctor();
    assert_eq!(
        run.json["attempts"][0]["variant"]["id"],
        "baseline",
        "{}",
        run.describe()
    );
    let wsdoctor_code = run.json["attempts"][0]["outcome"]["close_code"].as_u64();
    for r in [&case.chrome, &case.firefox] {
        assert_eq!(
            r.close_code().map(u64::from),
            wsdoctor_code,
            "{} saw close {:?}, wsdoctor's baseline {wsdoctor_code:?}\n{}",
            r.browser.id(),
            r.close_code(),
            run.describe()
        );
    }
    // Every variant (every Origin, no credential anywhere) gets the same 1008 after a good 101:
    // the close does not follow anything wsdoctor changed, so it is the server's own policy close.
    run.expect("server", "server.closed_after_upgrade", 1);
    assert_wsdoctor_agrees(&run, &case.chrome, &case.firefox);
}
