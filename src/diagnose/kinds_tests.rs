//! The failure kinds of issue 24, each as the run a real stack produced, through the whole
//! engine: what wins, and what may not win with confidence. (The lab reproduces them on real
//! servers in `tests/lab/generalise.rs`; the field runs in `../shared/field-runs/`.)

use super::cause::Cause;
use super::rules::testkit::*;
use crate::model::{Outcome, SessionEnd, SessionRecord, WireResponse};

fn session(end: SessionEnd, watched_ms: f64) -> SessionRecord {
    SessionRecord {
        accept_valid: true,
        subprotocol: None,
        extensions: None,
        ping_rtt_ms: None,
        watched_ms,
        end,
        messages_received: 0,
        pings_received: 0,
        exchange: None,
        idle: None,
    }
}

fn share(d: &crate::model::Diagnosis, c: Cause) -> f64 {
    d.considered
        .iter()
        .find(|x| x.cause == c)
        .map(|x| x.share)
        .unwrap_or(0.0)
}

/// Kind 4: a close's code and reason carry meaning: 1011 "session store unavailable" is the
/// server's trouble, not a missing credential (the word "session" is no credential).
#[test]
fn a_1011_about_an_unavailable_store_is_the_server_not_auth() {
    let r = run(vec![
        attempt("baseline").closed(1011, "session store unavailable"),
        attempt("credential.none").closed(1011, "session store unavailable"),
        attempt("credential.wrong").closed(1011, "session store unavailable"),
        attempt("origin.none").closed(1011, "session store unavailable"),
        attempt("origin.foreign").closed(1011, "session store unavailable"),
    ])
    .cred()
    .build();
    let (d, _) = super::diagnose(&r);
    assert_eq!(d.cause, Cause::ServerClosedAfterUpgrade, "{d:#?}");
    for auth in [
        Cause::AuthMissingCredentials,
        Cause::AuthCredentialsRejected,
        Cause::AuthClosedAfterUpgrade,
    ] {
        assert_eq!(share(&d, auth), 0.0, "{}", auth.id());
    }
}

/// Kind 4: 1008 "ORIGIN_BLOCKED" on every variant (the allowlist admits none of the Origins tried)
/// is the Origin check, not a generic server close.
#[test]
fn a_policy_close_naming_the_origin_on_every_variant_is_the_origin_check() {
    let r = run(vec![
        attempt("baseline").closed(1008, "ORIGIN_BLOCKED"),
        attempt("credential.none").closed(1008, "ORIGIN_BLOCKED"),
        attempt("origin.none").closed(1008, "ORIGIN_BLOCKED"),
        attempt("origin.same").closed(1008, "ORIGIN_BLOCKED"),
        attempt("origin.foreign").closed(1008, "ORIGIN_BLOCKED"),
    ])
    .cred()
    .build();
    let (d, _) = super::diagnose(&r);
    assert_eq!(d.cause, Cause::OriginRejected, "{d:#?}");
}

/// Kind 4: an upstream the WebSocket proxy cannot reach, said in the close reason.
#[test]
fn a_1011_saying_the_downstream_is_unreachable_is_the_proxy_s_upstream() {
    let r = run(no_cred(vec![
        attempt("baseline").closed(1011, "Failed to connect to downstream server"),
        attempt("origin.none").closed(1011, "Failed to connect to downstream server"),
        attempt("origin.foreign").closed(1011, "Failed to connect to downstream server"),
    ]))
    .build();
    let (d, _) = super::diagnose(&r);
    assert_eq!(d.cause, Cause::ProxyBadGateway, "{d:#?}");
}

/// Kind 6: a 101 followed by bytes that are not WebSocket (a framework writing its HTTP 500 onto
/// the upgraded socket): browsers open it and then fail with 1006 — never healthy, and not a bad
/// handshake.
#[test]
fn a_101_followed_by_an_http_error_is_a_failure_after_the_upgrade() {
    let broken = |id: &str| {
        let mut a = attempt(id).violation("malformed_response");
        a.response = Some(WireResponse {
            version: "HTTP/1.1".into(),
            status: 101,
            reason: "Switching Protocols".into(),
            headers: Vec::new(),
            body_excerpt: String::new(),
            body_bytes: 0,
            body_truncated: false,
        });
        a.session = Some(session(
            SessionEnd::ProtocolError {
                detail: "invalid opcode".into(),
                after_ms: 3.0,
            },
            3.0,
        ));
        a
    };
    let r = run(no_cred(vec![
        broken("baseline"),
        broken("origin.none"),
        broken("origin.foreign"),
    ]))
    .build();
    let (d, _) = super::diagnose(&r);
    assert_eq!(d.cause, Cause::ServerClosedAfterUpgrade, "{d:#?}");
    assert_eq!(share(&d, Cause::Healthy), 0.0);
    assert!(share(&d, Cause::ServerBadHandshakeResponse) < d.confidence);
}

/// Kind 7: browser-shaped requests refused (not for their Origin) while wsdoctor's own upgrade
/// works: a browser would fail, so the run is not healthy.
#[test]
fn browsers_refused_for_their_shape_is_never_healthy() {
    let r = run(no_cred(vec![
        attempt("baseline").upgraded(),
        attempt("origin.none").upgraded(),
        attempt("origin.same").upgraded(),
        attempt("browser.chrome").rejected(400, "Unsupported extension"),
        attempt("browser.firefox").rejected(400, "Unsupported extension"),
    ]))
    .build();
    let (d, _) = super::diagnose(&r);
    assert_ne!(d.cause, Cause::Healthy, "{d:#?}");
    assert_eq!(share(&d, Cause::Healthy), 0.0);
}

/// Kind 2: an `--idle` baseline cut by a proxy after the variants' window is compared as open over
/// that window: the Origin variants do not turn it into an Origin refusal.
#[test]
fn an_idle_cut_after_the_variants_window_is_not_an_origin_refusal() {
    let mut base = attempt("baseline").dropped();
    if let Outcome::UpgradedThenClosed { after_ms, .. } = &mut base.outcome {
        *after_ms = 3500.0;
    }
    let mut s = session(
        SessionEnd::Dropped {
            how: "eof".into(),
            after_ms: 3500.0,
        },
        3500.0,
    );
    s.idle = Some(crate::model::IdleRecord {
        requested_ms: 8000.0,
        ping_interval_ms: None,
        pings_sent: 1,
        pongs_received: 1,
        ended: "fin".into(),
        lifetime_ms: Some(3500.0),
        silent_ms: Some(3500.0),
    });
    base.session = Some(s);
    let mut none = attempt("origin.none").upgraded();
    none.session = Some(session(SessionEnd::StillOpen, 2000.0));
    let r = run(no_cred(vec![
        base,
        none,
        attempt("origin.foreign").rejected(403, ""),
        attempt("origin.null").rejected(403, ""),
    ]))
    .build();
    let (d, _) = super::diagnose(&r);
    assert_eq!(d.cause, Cause::ProxyIdleTimeout, "{d:#?}");
    assert_eq!(share(&d, Cause::OriginRejected), 0.0);
}

/// Kind 3: a token the user put into the URL's query is a credential given: a close about the
/// token is the credential refused after the upgrade, never "no credential was sent".
#[test]
fn a_token_in_the_url_is_a_credential_given() {
    let mut r = run(no_cred(vec![
        attempt("baseline").closed(4401, "invalid token"),
        attempt("origin.none").closed(4401, "invalid token"),
        attempt("origin.foreign").closed(4401, "invalid token"),
    ]))
    .build();
    r.target = "ws://api.test/ws?token=[redacted]".into();
    let (d, _) = super::diagnose(&r);
    assert!(
        matches!(
            d.cause,
            Cause::AuthClosedAfterUpgrade | Cause::AuthCredentialsRejected
        ),
        "{d:#?}"
    );
    let text = format!("{} {:?}", d.summary, d.evidence);
    assert!(!text.contains("no credential was"), "{text}");
}

/// Kind 5: a front's own "Access Denied" page for the upgrade, the plain GET and the site root
/// alike is its access rule, not an application asking for a credential.
#[test]
fn one_access_denied_page_for_every_request_is_the_front_s_rule() {
    let page = "<html><head><title>Access Denied</title></head><body><h1>Access Denied</h1>You don't have permission to access this server.</body></html>";
    let r = run(vec![
        attempt("baseline").rejected(403, page),
        attempt("credential.none").rejected(403, page),
        attempt("credential.wrong").rejected(403, page),
        attempt("origin.none").rejected(403, page),
        attempt("origin.foreign").rejected(403, page),
        attempt("control.plain_get").rejected(403, page),
    ])
    .cred()
    .http(vec![attempt("http.root").rejected(403, page)])
    .build();
    let (d, _) = super::diagnose(&r);
    assert_eq!(d.cause, Cause::ProxyAccessDenied, "{d:#?}");
}

/// Kind 5: an application's plain-text 404 behind nginx, identical to the plain GET's, on a host
/// whose root is served: nginx did not write it (its own 404 is its HTML page), and a proxy that
/// drops the upgrade explains it as well as a missing route — never "nginx answers 404 itself"
/// with confidence.
#[test]
fn an_application_404_behind_nginx_is_not_credited_to_nginx() {
    let h = [("Server", "nginx/1.22.1"), ("Content-Type", "text/plain")];
    let r = run(no_cred(vec![
        attempt("baseline").rejected_with(404, &h, "Not Found"),
        attempt("origin.none").rejected_with(404, &h, "Not Found"),
        attempt("origin.foreign").rejected_with(404, &h, "Not Found"),
        attempt("control.plain_get").rejected_with(404, &h, "Not Found"),
        attempt("control.missing_key").rejected_with(404, &h, "Not Found"),
    ]))
    .http(vec![attempt("http.root").rejected_with(
        200,
        &[
            ("Server", "nginx/1.22.1"),
            ("Content-Type", "application/json"),
        ],
        "{\"ok\":true}",
    )])
    .build();
    let (d, _) = super::diagnose(&r);
    let text = format!("{} {:?}", d.summary, d.evidence);
    assert!(!text.contains("answers 404 itself"), "{text}");
    assert!(d.confidence < 0.8, "{d:#?}");
    let both = [Cause::RoutingNotFound, Cause::ProxyUpgradeNotForwarded];
    assert!(both.contains(&d.cause), "{d:#?}");
    assert!(
        d.alternatives.iter().any(|a| both.contains(&a.cause)),
        "the other reading is named: {d:#?}"
    );
}

/// Kind 9: two applications behind the public URL and `--direct`: the public URL gets a REST
/// service's JSON 404, the WebSocket worker upgrades directly: the route reaches the wrong
/// upstream, not a front refusing.
#[test]
fn another_application_behind_the_public_url_is_the_wrong_upstream() {
    let h = [
        ("Server", "nginx/1.22.1"),
        ("Content-Type", "application/json"),
    ];
    let body = "{\"error\":\"not_found\",\"path\":\"/ws\"}";
    let r = run(no_cred(vec![
        attempt("baseline").rejected_with(404, &h, body),
        attempt("origin.none").rejected_with(404, &h, body),
        attempt("origin.foreign").rejected_with(404, &h, body),
        attempt("control.plain_get").rejected_with(404, &h, body),
        attempt("direct.baseline").upgraded(),
        attempt("direct.control.plain_get").rejected(400, "Can \"Upgrade\" only to \"WebSocket\"."),
    ]))
    .build();
    let (d, _) = super::diagnose(&r);
    assert_eq!(d.cause, Cause::RoutingWrongUpstream, "{d:#?}");
    assert!(
        share(&d, Cause::ProxyFrontRefuses) < d.confidence / 2.0,
        "{d:#?}"
    );
}

/// A port that resets every request, the site root's plain GET included, and speaks no TLS: a TCP
/// relay whose backend is gone and a port that resets everything (a non-HTTP listener, a filter)
/// look the same from outside. The verdict is one of the two, names the other, and is not sure.
#[test]
fn a_port_that_resets_everything_is_a_relay_or_a_reset_and_says_both() {
    let reset = |id: &str| attempt(id).violation("connection_reset");
    let r = run(no_cred(vec![
        reset("baseline"),
        reset("origin.none"),
        reset("origin.foreign"),
        reset("control.plain_get"),
        reset("control.missing_key"),
    ]))
    .http(vec![reset("http.root")])
    .build();
    let (d, _) = super::diagnose(&r);
    let both = [Cause::ProxyBadGateway, Cause::TcpReset];
    assert!(both.contains(&d.cause), "{d:#?}");
    assert!(
        d.alternatives
            .iter()
            .any(|a| both.contains(&a.cause) && a.cause != d.cause),
        "the other reading is named: {d:#?}"
    );
    assert!(d.confidence < 0.8, "{}", d.confidence);
}

/// Every request of the matrix, the malformed upgrades and the plain GET included, gets the same
/// answer `answer`; the site root is served.
fn answered_alike(answer: impl Fn(A) -> crate::model::AttemptRecord) -> R {
    let ids = [
        "baseline",
        "credential.none",
        "credential.wrong",
        "origin.none",
        "origin.foreign",
        "control.plain_get",
        "control.missing_key",
        "control.version_8",
    ];
    run(ids.iter().map(|id| answer(attempt(id))).collect())
        .cred()
        .http(vec![
            attempt("http.root").rejected(200, "{\"service\":\"up\"}")
        ])
}

/// The application's 404 for the upgrade, the malformed upgrades and the plain GET alike, from a
/// server that checks the handshake itself before the application routes (granian, uvicorn): its
/// WebSocket support is off — not a path nothing serves. Behind a front (`--direct` given) the
/// same picture is the front passing the upgrade on as a plain request.
#[test]
fn an_asgi_servers_application_answering_every_upgrade_like_a_plain_get_has_websocket_off() {
    let fastapi_404 = |a: A| {
        a.rejected_with(
            404,
            &[("server", "granian"), ("content-type", "application/json")],
            "{\"detail\":\"Not Found\"}",
        )
    };
    let (d, _) = super::diagnose(&answered_alike(fastapi_404).build());
    assert_eq!(d.cause, Cause::ServerWebsocketUnsupported, "{d:#?}");
    assert!(
        share(&d, Cause::RoutingNotFound) < 0.1,
        "the server's own WebSocket layer would have answered the malformed upgrades: {d:#?}"
    );
    // A router that routes before any WebSocket handler (Go's ServeMux) answers a path it does
    // not serve the same way: nothing separates the two readings there, and the commoner wins.
    let go_404 = |a: A| {
        a.rejected_with(
            404,
            &[("content-type", "text/plain; charset=utf-8")],
            "404 page not found",
        )
    };
    let (d, _) = super::diagnose(&answered_alike(go_404).build());
    assert_eq!(d.cause, Cause::RoutingNotFound, "{d:#?}");
    assert!(
        share(&d, Cause::ServerWebsocketUnsupported) > 0.05,
        "{d:#?}"
    );
}

/// An upgrade answered with a plain 2xx that the plain GET of the same URL does not get met a
/// route that saw the Upgrade headers and completed nothing (Hono without `injectWebSocket`):
/// WebSocket support is not wired in, the URL is no plain page.
#[test]
fn an_upgrade_answered_200_where_the_plain_get_gets_404_is_websocket_support_not_wired() {
    let empty_200 = |a: A| a.rejected_with(200, &[("content-type", "text/plain")], "");
    let r = run(vec![
        empty_200(attempt("baseline")),
        empty_200(attempt("origin.none")),
        empty_200(attempt("control.missing_key")),
        attempt("control.plain_get").rejected_with(
            404,
            &[("content-type", "text/plain")],
            "404 Not Found",
        ),
    ])
    .http(vec![attempt("http.root").rejected(200, "{}")])
    .build();
    let (d, _) = super::diagnose(&r);
    assert_eq!(d.cause, Cause::ServerWebsocketUnsupported, "{d:#?}");
    assert!(
        d.observations
            .iter()
            .any(|o| o.expected == "upgrade_seen_not_completed"),
        "{:#?}",
        d.observations
    );
}

/// An ASGI server's bare 403 to every upgrade says nothing of why; the plain GET of the same URL
/// gets the framework's 404, and Litestar answers a plain GET of a WebSocket route 405 (the
/// catalogue): no route takes the path, so no credential was judged. With Starlette, which
/// answers 404 either way, the plain GET cannot tell, and the credential is not ruled out.
#[test]
fn a_frameworks_404_to_the_plain_get_where_its_websocket_routes_answer_405_is_no_route() {
    let bare_403 = |a: A| {
        a.rejected_with(
            403,
            &[
                ("content-type", "text/plain; charset=utf-8"),
                ("content-length", "0"),
            ],
            "",
        )
    };
    let matrix = |plain_get: crate::model::AttemptRecord| {
        run(vec![
            bare_403(attempt("baseline")),
            bare_403(attempt("credential.none")),
            bare_403(attempt("credential.wrong")),
            bare_403(attempt("origin.none")),
            bare_403(attempt("origin.foreign")),
            plain_get,
        ])
        .cred()
        .http(vec![attempt("http.root").rejected(200, "{\"ok\":true}")])
        .build()
    };
    let litestar = matrix(attempt("control.plain_get").rejected_with(
        404,
        &[("content-type", "application/json")],
        "{\"status_code\":404,\"detail\":\"Not Found\"}",
    ));
    let (d, _) = super::diagnose(&litestar);
    assert_eq!(d.cause, Cause::RoutingNotFound, "{d:#?}");
    assert!(
        share(&d, Cause::AuthCredentialsRejected) < 0.1,
        "no route took the path, so no credential was judged: {d:#?}"
    );
    let starlette = matrix(attempt("control.plain_get").rejected_with(
        404,
        &[("server", "uvicorn"), ("content-type", "application/json")],
        "{\"detail\":\"Not Found\"}",
    ));
    let (d, _) = super::diagnose(&starlette);
    assert!(
        share(&d, Cause::AuthCredentialsRejected) > 0.2,
        "Starlette's 404 says nothing of the route: {d:#?}"
    );
}
