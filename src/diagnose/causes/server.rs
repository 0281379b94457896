//! The homes of `server.*`: the application server itself fails, times out, closes, floods,
//! refuses, speaks another protocol, listens on one address, or answers the handshake wrongly.

use super::*;

/// A 5xx, or a close after the upgrade.
fn error_or_closed(b: &AttemptObs) -> Option<bool> {
    Some(refused_with(b, 500..=u16::MAX) || closed(b))
}

/// Timed out, or no HTTP answer.
fn unanswered(b: &AttemptObs) -> Option<bool> {
    Some(matches!(b.class, O::Timeout | O::NoHttpAnswer))
}

/// Anything that got as far as sending the request.
fn got_a_request_through(b: &AttemptObs) -> Option<bool> {
    Some(b.class != O::BeforeRequest)
}

/// A flood is the server's keepalive, not its answer to one request: every attempt that
/// upgrades (a `--direct` twin too, unless a proxy on the path sends the pings) is flooded.
fn flooded(c: &Ctx) -> Prediction {
    if c.a.outcome.status() == Some(101) && c.part != Part::PlainGet {
        p(Expect::PingFlood, 0.2, 0.5)
    } else {
        ANY
    }
}

/// The homes of this category, in catalogue order.
pub(super) static HOMES: &[&Home] = &[
    &SERVER_ERROR,
    &SERVER_TIMEOUT,
    &SERVER_CLOSED_AFTER_UPGRADE,
    &SERVER_PING_FLOOD,
    &SERVER_REQUEST_TOO_LARGE,
    &SERVER_WEBSOCKET_UNSUPPORTED,
    &SERVER_HTTP2_ONLY,
    &SERVER_LOOPBACK_BIND,
    &SERVER_BAD_HANDSHAKE_RESPONSE,
    &SERVER_NEGOTIATION_MISMATCH,
];

/// `server.error`
pub(super) static SERVER_ERROR: Home = Home {
    cause: Cause::ServerError,
    prior: 0.05,
    status_shares: &[(500, 500, 0.7), (501, 501, 0.55), (502, 502, 0.25), (503, 503, 0.55), (504, 504, 0.25), (505, 599, 0.55)],
    status_reading: Some("the application may fail while accepting the upgrade"),
    symptom: "A 5xx from the application (not 502/504, not a proxy's 503).",
    confirm: "`curl -v` the same upgrade gets the same 5xx from the application (its framework's error page, not a proxy's); the application's log has the exception.",
    remedies: &[
        "read the application log for the exception raised while handling the upgrade",
    ],
    produces: error_or_closed,
    predicts: refuses_everything,
    predicts_direct: backend_refuses_alike,
    reads: &[
        denies(Sign::GatewayPageNoApplicationSigns, Expected::AGatewayErrorPage, 0.8),
        denies(Sign::GatewayPageTheFrontWrote, Expected::AnApplicationAnswer, 0.5),
        supports(Sign::BrowserShapeServerError, Expected::BrowsersGetTheSame, 1.0),
    ],
    ..DEFAULT
};

/// `server.timeout`
pub(super) static SERVER_TIMEOUT: Home = Home {
    cause: Cause::ServerTimeout,
    prior: 0.02,
    before_http: true,
    symptom: "The connection is accepted but the upgrade is never answered.",
    confirm: "`curl -v --max-time 10 -H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' URL` connects and then waits without an answer.",
    remedies: &[
        "find what blocks the handler before accept (slow auth, database); check proxy timeouts",
    ],
    produces: unanswered,
    predicts: upgrades_fail_alike,
    reads: &[
        denies(Sign::NothingAnswersHttp, Expected::NothingAnswersHttp, 0.8),
        denies(Sign::UpgradeUnansweredPlainGetAnswered, Expected::UpgradeUnownedPath, 0.5),
    ],
    other_scheme: Some(OtherScheme::RuledOutBy(PortSpeaks::Tls)),
    ..DEFAULT
};

/// `server.closed_after_upgrade`
pub(super) static SERVER_CLOSED_AFTER_UPGRADE: Home = Home {
    cause: Cause::ServerClosedAfterUpgrade,
    prior: 0.03,
    symptom: "101, then a close that does not depend on the credential or the Origin. A close code says why when there is one: 1011 is the server's internal error (an exception in the handler after accept; Python `websockets` sends it), 1012 a restart, 1013 \"try again later\". None of them is a timeout: a close after a long silence without a close frame is `proxy.idle_timeout`, measured with `--idle`.",
    confirm: "the baseline gets `101` and then a close (1011, 1001, or none) whatever credential or Origin it carries, and `--direct` to the backend closes the same way: the handler ends the connection.",
    remedies: &[
        "read the server log for the close; a handler that returns right after accept ends the socket",
        "a close frame with code 1011 is the server's own internal error (an exception in the handler): its log has the traceback",
        "only a close after a long silence with no close frame is an idle timeout: measure it with --idle before raising a read timeout",
    ],
    produces: closed_after_upgrade,
    predicts: refuses_everything,
    predicts_direct: backend_refuses_alike,
    reads: &[
        denies(Sign::CloseAboutOrigin, Expected::CloseAboutOrigin, 1.5),
        denies(Sign::CloseAboutTheCarriedCredential, Expected::CloseAboutCredential, 1.0),
        denies(Sign::CloseAboutAMissingCredential, Expected::CloseAboutCredential, 1.0),
        denies(Sign::CloseAboutTheUpstream, Expected::CloseAboutTheServer, 0.8),
        supports(Sign::CloseAboutTheServer, Expected::CloseAboutTheServer, 1.0).says(
            "the server accepts the upgrade and then closes it for a reason of its own, not the request's ({observed})",
        ),
        supports(Sign::BrokenAfterThe101, Expected::WebSocketAfterThe101, 1.5).says(
            "the server sends 101 and then bytes that are not WebSocket frames ({observed}): browsers open the socket and then fail it with 1006 — the handler fails after the upgrade",
        ),
        denies(Sign::PlainGetSaysCredentialRefused, Expected::ThePlainGetSaysWhy, 0.8),
        denies(Sign::PlainGetSaysCredentialMissing, Expected::ThePlainGetSaysWhy, 0.8),
        denies(Sign::PlainGetSaysNotFound, Expected::ThePlainGetSaysWhy, 0.8),
        denies(Sign::PlainGetSaysNotWebsocket, Expected::ThePlainGetSaysWhy, 0.8),
    ],
    ..DEFAULT
};

/// `server.ping_flood`
pub(super) static SERVER_PING_FLOOD: Home = Home {
    cause: Cause::ServerPingFlood,
    prior: 0.01,
    symptom: "101, then pings and nothing else, dozens to thousands a second. The frames are legal (RFC 6455 §5.5.2 lets either side ping at any time), so browsers open the socket and answer every ping with a pong: the page \"works\" while each client burns CPU, bandwidth and battery, and behind a proxy every connection costs the fleet the same. It is almost always a keepalive interval in the wrong unit: Node `ws` `setInterval(ping, 30)` meant as 30 s, Python websockets `ping_interval=0.01`, a Socket.IO `pingInterval` in seconds (it takes milliseconds).",
    confirm: "the report's session stage counts pings per second far above a heartbeat (more than a few a second); `websocat -v URL` shows the same flood.",
    remedies: &[
        "fix the server's heartbeat interval: one ping every 20–30 s keeps proxies and NATs awake; an interval given in milliseconds where the setting takes seconds (or 0) sends them back to back",
        "if a proxy or gateway sends the pings (--direct against the app tells), fix its keepalive setting instead",
        "until then every client spends CPU and bandwidth answering pongs, and mobile clients drain their batteries",
    ],
    produces: upgraded,
    predicts: flooded,
    predicts_direct: flooded,
    ..DEFAULT
};

/// `server.request_too_large`
pub(super) static SERVER_REQUEST_TOO_LARGE: Home = Home {
    cause: Cause::ServerRequestTooLarge,
    prior: 0.015,
    symptom: "The application server itself (not a proxy) refuses the request as too large: Node's bare 431 (16 KiB of headers by default), a framework's JSON 431, Go's \"431 Request Header Fields Too Large\", relayed unchanged by whatever proxy is in front — usually a long token in the query string or a pile of cookies.",
    confirm: "the application's own 431/414 (its `Server`, no proxy page) goes away when the long header, cookie or query is dropped.",
    remedies: &[
        "move long tokens out of the URL (header, cookie or a short one-time ticket), or shrink the cookies sent to this host",
        "or raise the application server's header limit: Node --max-http-header-size, gunicorn --limit-request-line/--limit-request-field_size, uvicorn --h11-max-incomplete-event-size",
    ],
    produces: refused_4xx_5xx,
    predicts: too_large,
    ..DEFAULT
};

/// `server.websocket_unsupported`
pub(super) static SERVER_WEBSOCKET_UNSUPPORTED: Home = Home {
    cause: Cause::ServerWebsocketUnsupported,
    prior: 0.02,
    symptom: "The server answers the WebSocket upgrade exactly like a plain GET, with its own `Server` header: WebSocket support is off in the server itself — uvicorn without a WebSocket library (`pip install uvicorn` without `[standard]`, or `--ws none`; it logs \"Unsupported upgrade request\"), or a WSGI server (gunicorn sync workers, Werkzeug, waitress).",
    confirm: "`curl -v` the upgrade and a plain GET get the same ordinary answer: the server ignores `Upgrade: websocket`; enable its WebSocket support (a plugin, an extra package, a route).",
    remedies: &[
        "enable WebSocket support in the server: uvicorn needs a WebSocket library (pip install 'uvicorn[standard]', or websockets/wsproto) and no --ws none",
        "WSGI servers (gunicorn sync workers, Werkzeug, waitress) cannot upgrade: serve the socket from an ASGI server or an async worker",
    ],
    produces: any_http_refusal,
    predicts: refuses_everything_as_plain_http,
    reads: &[
        supports(Sign::NoWebSocketLayerInAServerThatHasOne, Expected::NoWebSocketLayer, 2.0).says(
            "the requests with a broken WebSocket handshake (no key, version 8) get the application's very answer to the upgrade and to a plain GET ({observed}), from a server that checks the handshake itself before the application routes: its WebSocket support is off, so it hands the upgrade to the application as a plain request",
        ),
        supports(Sign::NoWebSocketLayerNoFrontSeen, Expected::NoWebSocketLayer, 0.8).says(
            "the requests with a broken WebSocket handshake (no key, version 8) get the very answer of the upgrade and of a plain GET ({observed}), and no proxy is seen on the path: nothing at this URL checks the handshake — the server's WebSocket support is off, or a router answers before any WebSocket handler",
        ),
        // Another application answers the public URL than the backend `--direct` names: the
        // route is wrong, whatever that application supports.
        denies(Sign::DirectAnotherApplication, Expected::AnApplicationAnswer, 1.5),
        supports(Sign::UpgradeAnsweredUnlikeThePlainGet, Expected::UpgradeSeenNotCompleted, 1.5).says(
            "the upgrade gets a plain 2xx that a plain GET of the same URL does not get ({observed}): the route sees the Upgrade headers but nothing completes the handshake — the WebSocket adapter is registered without being wired into the server",
        ),
    ],
    ..DEFAULT
};

/// `server.http2_only`
pub(super) static SERVER_HTTP2_ONLY: Home = Home {
    cause: Cause::ServerHttp2Only,
    prior: 0.01,
    before_http: true,
    symptom: "The port answers the HTTP/1.1 upgrade with HTTP/2 frames instead of a status line: the server's connection preface (a SETTINGS frame on stream 0, RFC 9113 §3.4), usually followed by a GOAWAY (PROTOCOL_ERROR) for the HTTP/1.1 bytes it could not read. It speaks HTTP/2 with prior knowledge only: a gRPC port, Node's `http2.createServer()`, an h2c-only listener (over TLS: a server that negotiated no ALPN and spoke HTTP/2 anyway). Browsers show \"Error during WebSocket handshake: Invalid status line\" or a 1006.",
    confirm: "`curl -v --http2-prior-knowledge http://HOST:PORT/` gets an answer while `curl -v --http1.1 http://HOST:PORT/` gets HTTP/2 frames or nothing.",
    remedies: &[
        "point the WebSocket client at the service's HTTP/1.1 port or path: this listener serves HTTP/2 only (a gRPC port, an h2c-only server)",
        "or serve HTTP/1.1 on this listener too (Go: h2c.NewHandler on a net/http server; Envoy: codec_type AUTO), or put a proxy that speaks HTTP/1.1 to clients in front",
    ],
    produces: no_upgrade,
    predicts: fails_alike_below_http,
    reads: &[
        supports(Sign::NoAnswerHttp2WorksCleartext, Expected::Http2Works, 2.5).says(
            "HTTP/1.1 gets no answer at all while the same front accepts the WebSocket over HTTP/2 ({observed}): it only serves HTTP/2, so clients that upgrade over HTTP/1.1 fail",
        ),
    ],
    other_scheme: Some(OtherScheme::RuledOutBy(PortSpeaks::Tls)),
    ..DEFAULT
};

/// `server.loopback_bind`
pub(super) static SERVER_LOOPBACK_BIND: Home = Home {
    cause: Cause::ServerLoopbackBind,
    prior: 0.02,
    varies: Varies::PerAddress,
    symptom: "On a developer machine, `ws://localhost:PORT` fails with \"connection refused\" from one client and works from another (the browser works, the Node.js script or the test runner does not). `localhost` resolves to 127.0.0.1 and ::1, the server listens on one of them only, and Node.js 17+ tries ::1 first without falling back, while browsers race both families (Happy Eyeballs).",
    confirm: "`ss -ltn` on the server shows it listening on 127.0.0.1 or on ::1 only; `wsdoctor ws://127.0.0.1:PORT/…` and `ws://[::1]:PORT/…` give different answers.",
    remedies: &[
        "listen on both loopback addresses: '::' (dual-stack: it takes IPv4 too unless IPV6_V6ONLY is set) or 127.0.0.1 and ::1",
        "or point the client at the address the server listens on (ws://127.0.0.1:PORT, not ws://localhost:PORT)",
        "Node.js 17+ resolves localhost to ::1 first and does not fall back (dns.setDefaultResultOrder('ipv4first') restores the old order); browsers race both families and recover, which is why it works in the browser but not in the script",
    ],
    predicts: silent,
    ..DEFAULT
};

/// `server.bad_handshake_response`
pub(super) static SERVER_BAD_HANDSHAKE_RESPONSE: Home = Home {
    cause: Cause::ServerBadHandshakeResponse,
    prior: 0.02,
    status_shares: &[(400, 400, 0.25), (426, 426, 0.25)],
    status_reading: Some("the server may refuse the handshake itself (a header or version it does not accept)"),
    symptom: "The handshake response breaks RFC 6455/HTTP (bad accept key, missing upgrade headers, unrequested subprotocol/extension, malformed or oversized head, closed without answer) — and the fallback for a refused well-formed upgrade no other rule explains.",
    confirm: "`curl -sv --http1.1 -H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' URL` shows the response headers: a wrong `Sec-WebSocket-Accept`, a missing `Upgrade`/`Connection`, or a malformed status line.",
    remedies: &[
        "let the WebSocket library write the 101 (Sec-WebSocket-Accept, Upgrade, Connection); select only offered subprotocols/extensions",
    ],
    produces: got_a_request_through,
    predicts: http_silent,
    reads: &[
        denies(Sign::NoAnswer, Expected::AResponse, 0.5),
        denies(Sign::BrokenAfterThe101, Expected::WebSocketAfterThe101, 1.0),
        supports(Sign::BrowserShapeRefused, Expected::BrowsersGetTheSame, 0.5),
    ],
    ..DEFAULT
};

/// `server.negotiation_mismatch`
pub(super) static SERVER_NEGOTIATION_MISMATCH: Home = Home {
    cause: Cause::ServerNegotiationMismatch,
    prior: 0.01,
    symptom: "Finding: subprotocols offered and none selected, or an unrequested subprotocol/extension on a variant (e.g. the browser shapes' permessage-deflate).",
    confirm: "the report's `negotiation` shows the subprotocol or extension the server chose and what was offered; `wsdoctor URL --subprotocol NAME` with the server's protocol name upgrades cleanly.",
    remedies: &[
        "select one of the offered subprotocols (or offer none), and only extensions the client offered",
    ],
    predicts: http_silent,
    ..DEFAULT
};

#[cfg(test)]
mod tests {
    use crate::diagnose::rules::simulate::*;
    use crate::diagnose::rules::testkit::{attempt, no_cred, run};
    use crate::model::Stage;

    /// A handler that never answers an upgrade while the same server answers the plain GET: the
    /// plain GET's answer is no contradiction of `server.timeout`'s prediction (a handler blocked
    /// before accept hangs upgrades only; the sign that reads the plain GET weighs on its own),
    /// while an upgrade variant that was answered contradicts it.
    #[test]
    fn an_answered_plain_get_does_not_contradict_a_timeout_an_answered_upgrade_does() {
        use crate::diagnose::evidence::Facts;
        use crate::diagnose::hypothesis::{predict, Fit};
        let r = run(no_cred(vec![
            attempt("baseline").timeout(Stage::Upgrade),
            attempt("origin.foreign").rejected(403, "forbidden"),
            attempt("control.plain_get").rejected(200, "ok"),
        ]))
        .build();
        let f = Facts::new(&r);
        let fit = |i: usize| {
            let (base, a) = (&r.attempts[0], &r.attempts[i]);
            predict(Cause::ServerTimeout, &f, base, a)
                .expect
                .fit(base, a)
        };
        assert_eq!(fit(1), Fit::Contradicted);
        assert_eq!(fit(2), Fit::Silent);
    }

    /// The run `server.websocket_unsupported` predicts, built from the real plan, is diagnosed as it.
    #[test]
    fn websocket_unsupported_wins_the_run_it_predicts() {
        let (cause, run) = (
            Cause::ServerWebsocketUnsupported,
            simulated(&WITH_TOKEN, |x, _, _| {
                a(x).rejected_with(
                    404,
                    &[("server", "uvicorn"), ("content-type", "application/json")],
                    "{\"detail\":\"Not Found\"}",
                )
            }),
        );
        check(cause, &run);
    }

    /// The run `server.http2_only` predicts, built from the real plan, is diagnosed as it.
    #[test]
    fn http2_only_wins_the_run_it_predicts() {
        let (cause, run) = fails(Cause::ServerHttp2Only, &WITH_TOKEN, |x| {
            x.violation("http2_response")
        });
        check(cause, &run);
    }

    /// The run `server.error` predicts, built from the real plan, is diagnosed as it.
    #[test]
    fn error_wins_the_run_it_predicts() {
        let (cause, run) = (
            Cause::ServerError,
            simulated(&WITH_TOKEN, |x, p, _| {
                ok_root(x, p).unwrap_or_else(|| {
                    a(x).rejected_with(
                        500,
                        &[
                            ("server", "uvicorn"),
                            ("content-type", "text/plain; charset=utf-8"),
                        ],
                        "Internal Server Error",
                    )
                })
            }),
        );
        check(cause, &run);
    }

    /// The run `server.closed_after_upgrade` predicts, built from the real plan, is diagnosed as it.
    #[test]
    fn closed_after_upgrade_wins_the_run_it_predicts() {
        let (cause, run) = (
            Cause::ServerClosedAfterUpgrade,
            simulated(&WITH_TOKEN, |x, p, _| {
                ok_root(x, p).unwrap_or_else(|| a(x).closed(1011, "internal error"))
            }),
        );
        check(cause, &run);
    }

    /// The run `server.timeout` predicts, built from the real plan, is diagnosed as it.
    #[test]
    fn timeout_wins_the_run_it_predicts() {
        let (cause, run) = (
            Cause::ServerTimeout,
            simulated(&WITH_TOKEN, |x, _, _| a(x).timeout(Stage::Upgrade)),
        );
        check(cause, &run);
    }

    /// The run `server.bad_handshake_response` predicts, built from the real plan, is diagnosed as it.
    #[test]
    fn bad_handshake_response_wins_the_run_it_predicts() {
        let (cause, run) = (
            Cause::ServerBadHandshakeResponse,
            simulated(
                &Input {
                    subprotocol: true,
                    ..WITH_TOKEN
                },
                |x, p, _| ok_root(x, p).unwrap_or_else(|| a(x).upgraded()),
            ),
        );
        check(cause, &run);
    }
}
