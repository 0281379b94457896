//! The homes of `proxy.*`: a reverse proxy, CDN, WAF or forward proxy between the client and the
//! application refuses, redirects, cuts or fails to forward the WebSocket.

use super::*;

/// A 3xx answer.
fn redirected(b: &AttemptObs) -> Option<bool> {
    Some(b.class == O::Http && b.status.is_some_and(|s| (300..400).contains(&s)))
}

/// A 5xx, no HTTP answer at all, or a close about the upstream (1014, or a reason saying so).
fn gateway_failure(b: &AttemptObs) -> Option<bool> {
    use super::super::observe::{CloseClass, Topic};
    Some(
        refused_with(b, 500..=u16::MAX)
            || b.class == O::NoHttpAnswer
            || (closed(b) && b.close_topic == Some(Topic::Upstream))
            || (closed(b) && b.close == Some(CloseClass::BadGateway)),
    )
}

/// A 4xx/5xx refusal; an open upgrade says nothing (a rule may refuse only what browsers send,
/// read from the browser-shaped attempts).
fn refused_or_upgraded(b: &AttemptObs) -> Option<bool> {
    if b.class == O::Open {
        return None;
    }
    Some(refused_with(b, 400..=u16::MAX))
}

/// An HTTP refusal, or no HTTP answer.
fn refused_or_no_answer(b: &AttemptObs) -> Option<bool> {
    Some(http_refusal(b) || b.class == O::NoHttpAnswer)
}

/// The proxy sends the application a plain request: every upgrade variant gets the same refusal
/// and the plain GET of the URL the very same answer.
fn not_forwarded(c: &Ctx) -> Prediction {
    if let Some(p) = http_shared(c) {
        return p;
    }
    match c.part {
        Part::PlainGet => p(Expect::Same, 0.8, 0.3),
        _ => p(Expect::Refused, 0.2, 2.5),
    }
}

/// The backend's own answer to a plain GET is the public upgrade's answer: the upgrade reached
/// it as a plain GET; and the backend upgrades what the front refused.
fn not_forwarded_direct(c: &Ctx) -> Prediction {
    match c.part {
        Part::PlainGet => p(Expect::Same, 1.5, 0.0),
        Part::Baseline => p(Expect::Open, 2.0, 1.0),
        _ => ANY,
    }
}

/// The homes of this category, in catalogue order.
pub(super) static HOMES: &[&Home] = &[
    &PROXY_REDIRECT,
    &PROXY_BAD_GATEWAY,
    &PROXY_UPGRADE_NOT_FORWARDED,
    &PROXY_IDLE_TIMEOUT,
    &PROXY_FORWARD_PROXY_REFUSED,
    &PROXY_ACCESS_DENIED,
    &PROXY_FRONT_REFUSES,
    &PROXY_HTTP2_WEBSOCKET_REFUSED,
    &PROXY_REQUEST_TOO_LARGE,
];

/// `proxy.redirect`
pub(super) static PROXY_REDIRECT: Home = Home {
    cause: Cause::ProxyRedirect,
    prior: 0.03,
    symptom: "3xx to the upgrade; WebSocket clients do not follow redirects.",
    confirm: "`curl -sv -H 'Connection: Upgrade' -H 'Upgrade: websocket' URL` shows a 3xx with a `Location`; connect to that location directly and it upgrades.",
    remedies: &[
        "connect to the final URL directly (wss:// when the site forces HTTPS)",
        "exempt the WebSocket path from trailing-slash and HTTPS redirects",
    ],
    produces: redirected,
    predicts: refuses_everything,
    ..DEFAULT
};

/// `proxy.bad_gateway`
pub(super) static PROXY_BAD_GATEWAY: Home = Home {
    cause: Cause::ProxyBadGateway,
    prior: 0.08,
    status_shares: &[(500, 500, 0.3), (501, 501, 0.45), (502, 502, 0.75), (503, 503, 0.45), (504, 504, 0.75), (505, 599, 0.45)],
    status_reading: Some("a proxy may be unable to reach a healthy upstream"),
    symptom: "502/504, or 503 from a proxy: the proxy cannot reach a healthy upstream.",
    confirm: "`curl -v` the same URL gets the proxy's own 502/503/504 page; from the proxy host, `curl -v` its upstream address is refused or times out, and the proxy's error log names the upstream.",
    remedies: &[
        "point the proxy at the right upstream host:port and make sure the backend runs",
        "raise the upstream timeouts if the backend is slow to answer the upgrade",
    ],
    produces: gateway_failure,
    predicts: the_front_refuses_everything,
    reads: &[
        supports(Sign::NoAnswerFrontsGatewayError, Expected::TheFrontsGatewayError, 2.5).says(
            "the upgrade got no HTTP answer while a plain request to the same host got the front's own gateway error ({observed}): the front cannot reach its upstream and drops the upgrade it would pipe there",
        ),
        supports(Sign::CloseAboutTheUpstream, Expected::CloseAboutTheServer, 2.0).says(
            "the upgrade was accepted and then closed because the server behind could not be reached ({observed}): a WebSocket proxy cannot reach its upstream",
        ),
        supports(Sign::GatewayErrorPage, Expected::AGatewayErrorPage, 1.0).says(
            "the answer is a gateway's error page ({observed}): the front cannot reach a healthy upstream",
        ),
        supports(Sign::NothingAnswersHttp, Expected::NothingAnswersHttp, 2.0).says(
            "no request to this port gets any HTTP answer, not even a plain GET of the site root ({observed}): a TCP relay or balancer in front accepts connections and drops them, its backend is gone",
        ),
    ],
    tells_apart: &[(Cause::ServerError, the_same_5xx_at_the_backend)],
    ..DEFAULT
};

/// `proxy.upgrade_not_forwarded`
pub(super) static PROXY_UPGRADE_NOT_FORWARDED: Home = Home {
    cause: Cause::ProxyUpgradeNotForwarded,
    prior: 0.1,
    status_shares: &[(400, 400, 0.35), (404, 404, 0.3), (426, 426, 0.75)],
    status_reading: Some("a proxy may drop the Upgrade and Connection headers, so the application sees a plain request"),
    symptom: "The upgrade is answered like a plain GET: the app never saw Upgrade/Connection (nginx without `proxy_http_version 1.1` and the two headers — field report 001; Apache httpd with a plain `ProxyPass` and no `upgrade=websocket`, where mod_proxy_http drops the hop-by-hop Upgrade/Connection). Apache keeps the app's own `Server` header on what it relays; `src/fingerprint.rs` still sees it on the path by its spelling (`Date` and `Server` first, then the app's lower-case header names), so the verdict is not `server.websocket_unsupported`.",
    confirm: "`wsdoctor URL --direct BACKEND_URL` upgrades at the backend while the public URL gets the same answer as a plain GET; the proxy config lacks `proxy_http_version 1.1` and the `Upgrade`/`Connection` headers (nginx), or speaks HTTP/1.0 upstream.",
    remedies: &[
        "forward the upgrade: HTTP/1.1 to the upstream plus the Upgrade and Connection headers",
    ],
    produces: any_http_refusal,
    predicts: not_forwarded,
    predicts_direct: not_forwarded_direct,
    reads: &[
        denies(Sign::RefusalAboutTransport, Expected::RefusalAboutTransport, 1.5),
        supports(Sign::ApplicationNotFoundLikeThePlainGet, Expected::AnApplicationAnswer, 0.8),
        denies(Sign::DirectPlainInAnotherFormat, Expected::TheBackendsAnswer, 0.8),
        supports(Sign::NoWebSocketLayerBehindAFront, Expected::NoWebSocketLayer, 1.0),
        // A front that drops the upgrade mostly shows itself (nginx and Caddy put their own
        // `Server`, others a `Via`); an application server that checks the handshake itself, seen
        // alone, more likely has its WebSocket support off. `--direct` decides.
        denies(Sign::NoWebSocketLayerInAServerThatHasOne, Expected::NoWebSocketLayer, 0.8),
    ],
    tells_apart: &[
        (Cause::RoutingNotFound, upgrade_at_the_backend),
        (Cause::RoutingNotWebsocket, upgrade_at_the_backend),
        (Cause::ServerWebsocketUnsupported, upgrade_at_the_backend),
    ],
    ..DEFAULT
};

/// `proxy.idle_timeout`
pub(super) static PROXY_IDLE_TIMEOUT: Home = Home {
    cause: Cause::ProxyIdleTimeout,
    prior: 0.05,
    symptom: "The WebSocket upgrades, works, and dies after a fixed stretch of silence with no close frame (browsers report 1006) — field report 000's 60 s nginx `proxy_read_timeout` against a 30 s client ping.",
    confirm: "`wsdoctor URL --idle 120s` shows the connection cut after the same number of seconds each time, without a close frame; `--direct` to the backend survives the same quiet stretch.",
    remedies: &[
        "raise the idle timeout of the component that cut the connection to at least twice the client's ping interval",
        "or ping more often than the timeout (application pings or WebSocket ping frames)",
    ],
    produces: upgraded,
    predicts: http_silent,
    ..DEFAULT
};

/// `proxy.forward_proxy_refused`
pub(super) static PROXY_FORWARD_PROXY_REFUSED: Home = Home {
    cause: Cause::ProxyForwardProxyRefused,
    prior: 0.01,
    before_http: true,
    symptom: "The client must go through a corporate forward proxy (`--proxy`, `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY`), and the proxy refuses to open the tunnel: HTTP CONNECT answered 407 (credentials needed or wrong) or 403 (the proxy's policy: port allow-list, ACL); or a SOCKS5 proxy (`socks5://`, `socks5h://`) refuses by rule (`connection_not_allowed_by_ruleset`), by login (`auth_failed`, `no_acceptable_auth_methods`, `auth_required`) or with a failure of its own (`general_failure`, `command_not_supported`, `address_type_not_supported`). The target is never reached.",
    confirm: "`curl -v -x PROXY https://HOST/` shows the proxy's `CONNECT` answered with 403/407; the proxy's ACL (Squid `http_access`, tinyproxy `ConnectPort`) or credentials decide.",
    remedies: &[
        "credentials missing or refused (HTTP 407; SOCKS5 auth_failed, no_acceptable_auth_methods): give the proxy's credentials in the proxy URL (http://user:pass@host:port, socks5://user:pass@host:port)",
        "refused by rule (HTTP 403; SOCKS5 connection_not_allowed_by_ruleset): have the proxy allow the target's host and port (tinyproxy ConnectPort, squid SSL_ports, Dante socks pass), or bypass it for this host (NO_PROXY / --noproxy)",
    ],
    predicts: fails_alike_below_http,
    ..DEFAULT
};

/// `proxy.access_denied`
pub(super) static PROXY_ACCESS_DENIED: Home = Home {
    cause: Cause::ProxyAccessDenied,
    prior: 0.05,
    status_shares: &[(401, 401, 0.15), (403, 403, 0.14)],
    status_reading: Some("a proxy, CDN or WAF rule in front of the application may refuse the upgrade itself"),
    symptom: "A 4xx that carries the proxy's, CDN's or WAF's own signature: nginx error page, HAProxy \"Request forbidden by administrative rules\", Apache httpd's error page (`<title>403 Forbidden</title>`, recognised by its layout even with `ServerTokens Prod`/`ServerSignature Off` or no Server header), Cloudflare page + cf-ray, `server: awselb/2.0`, Caddy's empty response.",
    confirm: "the refusal page names the proxy, CDN or WAF (a block id, its `Server` or `Via`), and a plain GET of the site root gets the same page; `--direct` to the backend upgrades.",
    remedies: &[
        "allow the WebSocket path, for the clients that need it, in the proxy/CDN/WAF rule that matched (allow/deny, WAF, bot or rate rules); the rule may be deliberate (an admin area), so do not open it to everyone",
        "on a CDN, enable WebSockets for the zone",
    ],
    produces: refused_or_upgraded,
    predicts: the_front_refuses_everything,
    predicts_direct: backend_accepts,
    reads: &[
        supports(Sign::FrontsDeniedPage, Expected::AFrontWideRefusal, 1.0).says(
            "the same refusal answers the upgrade, a plain GET of the URL and the site root ({observed}): a front's access rule refuses every request, whatever it carries",
        ),
        supports(Sign::FrontWideRefusal, Expected::AFrontWideRefusal, 1.5).says(
            "the same refusal answers the upgrade, a plain GET of the URL and the site root ({observed}): a front's access rule refuses every request, whatever it carries",
        ),
        supports(Sign::BrowserShapeRefusedByTheFront, Expected::BrowsersGetTheSame, 1.5).says(
            "wsdoctor's own upgrade opens, while the same request shaped as a browser sends it is refused by the front itself ({observed}): a rule on the front refuses what browsers send (the permessage-deflate offer, a User-Agent, a header), so every browser fails",
        ),
    ],
    ..DEFAULT
};

/// `proxy.front_refuses`
pub(super) static PROXY_FRONT_REFUSES: Home = Home {
    cause: Cause::ProxyFrontRefuses,
    prior: 0.03,
    symptom: "The backend given with `--direct` upgrades the request; the public URL refuses the very same request, and nothing in the refusal says who wrote it — a proxy rule with a custom answer (nginx `return 403 \"…\"`, HAProxy `http-request return`), a header the front drops on the way, or a route to somewhere else. Field report 003's \"test direct connection (bypass nginx)\" is this comparison.",
    confirm: "`wsdoctor URL --direct BACKEND_URL` shows every pair `accepted_direct_only`; the front's access and routing rules for this path are where to look.",
    remedies: &[
        "compare the proxy's configuration for this path with a path that works: access rules, header rewrites (Authorization, Origin, Host), the upstream it routes to",
        "read the proxy's access and error logs at the time of the probe: the request reached it and never the backend given with --direct",
    ],
    produces: refused_or_no_answer,
    predicts: refuses_everything,
    predicts_direct: another_backend_direct,
    reads: &[
        denies(Sign::DirectAnotherApplication, Expected::AnApplicationAnswer, 0.8),
    ],
    ..DEFAULT
};

/// `proxy.http2_websocket_refused`
pub(super) static PROXY_HTTP2_WEBSOCKET_REFUSED: Home = Home {
    cause: Cause::ProxyHttp2WebsocketRefused,
    prior: 0.02,
    symptom: "\"Works with every CLI tool, fails in the browser\" on a `wss://` origin that speaks HTTP/2: the HTTP/1.1 upgrade gets 101, but the server chose ALPN `h2` and advertised `SETTINGS_ENABLE_CONNECT_PROTOCOL = 1`, so browsers that implement RFC 8441 open the WebSocket as an extended CONNECT stream (`:method CONNECT`, `:protocol websocket`) on their HTTP/2 connection, and that stream is refused (a status other than 200: Node's 405 when nothing handles CONNECT; a 501 from a front that speaks extended CONNECT but implements no WebSockets behind it — the evidence names both, and the lab shows Chromium 156 and Firefox ESR 153 fail on either without retrying over HTTP/1.1), reset (RST_STREAM), ended by a GOAWAY, or closed right after its 200.",
    confirm: "`wsdoctor URL` shows the `http2` stage refused or reset while the HTTP/1.1 baseline upgrades; a browser that uses HTTP/2 to this host fails where `curl --http1.1` works.",
    remedies: &[
        "make the front that terminates TLS handle WebSockets over HTTP/2 end to end (its extended CONNECT streams reach the WebSocket application), or stop advertising SETTINGS_ENABLE_CONNECT_PROTOCOL so browsers use HTTP/1.1",
        "Node http2 with enableConnectProtocol: handle CONNECT streams with :protocol websocket, or drop the setting; HAProxy: option h2-workaround-bogus-websocket-clients stops advertising it; Apache: H2WebSockets off",
    ],
    predicts: silent,
    ..DEFAULT
};

/// `proxy.request_too_large`
pub(super) static PROXY_REQUEST_TOO_LARGE: Home = Home {
    cause: Cause::ProxyRequestTooLarge,
    prior: 0.02,
    status_shares: &[(400, 400, 0.15)],
    status_reading: Some("the request may be too large for the proxy (a browser's cookies count)"),
    symptom: "A proxy's own size refusal: nginx's \"400 Request Header Or Cookie Too Large\" / \"414 Request-URI Too Large\" pages, or a 400 that follows the token's size. (The same statuses written by the application are `server.request_too_large`.)",
    confirm: "the same upgrade without the large header or cookie (`wsdoctor URL` shows `credential.none` or a shorter variant accepted) gets through; the proxy answers 431/414/400 before the application sees it.",
    remedies: &[
        "move long tokens out of the URL (header, cookie or a short one-time ticket)",
        "or raise the proxy's request-line/header buffers",
    ],
    produces: refused_4xx_5xx,
    predicts: too_large,
    ..DEFAULT
};

/// A front that drops the upgrade makes the application answer as to a plain GET: the backend
/// reached directly tells it from the application's own answer.
fn upgrade_at_the_backend(f: &Facts) -> String {
    format!(
        "--direct ws://<backend:port>{}: a backend that upgrades there means the proxy drops the upgrade",
        f.target_path()
    )
}

/// A front's 5xx and the application's look alike when the page names nobody.
fn the_same_5xx_at_the_backend(_: &Facts) -> String {
    "--direct to the backend: the same 5xx there is the application's own".into()
}

#[cfg(test)]
mod tests {
    use crate::diagnose::hypothesis::{Expect, Fit};
    use crate::diagnose::rules::simulate::*;
    use crate::diagnose::rules::testkit::{attempt, run};
    use crate::model::AttemptRecord;
    use Part::*;

    /// A front's own refusal of every request is supported by the same page and contradicted by
    /// every variant the front passed on: one the application answered through it, an answer
    /// more likely an application's than the front's (nothing names it), a 101; a variant that
    /// failed before any answer says nothing.
    #[test]
    fn the_fronts_refusal_is_contradicted_by_a_request_the_front_passed_on() {
        let page = attempt("baseline").fixture("apache_upstream-down_503.http");
        let fit = |a: &AttemptRecord| Expect::TheFrontsRefusal.fit(&page, a);
        let same = attempt("origin.null").fixture("apache_upstream-down_503.http");
        assert_eq!(fit(&same), Fit::Explained);
        let relayed =
            attempt("origin.foreign").fixture("apache-fastapi_upgrade-not-forwarded_404.http");
        assert_eq!(fit(&relayed), Fit::Contradicted);
        assert_eq!(
            fit(&attempt("origin.same").rejected(403, "")),
            Fit::Contradicted
        );
        assert_eq!(fit(&attempt("origin.none").upgraded()), Fit::Contradicted);
        let other_page = attempt("origin.same").fixture("nginx_deny_403.http");
        assert_eq!(fit(&other_page), Fit::Silent);
        assert_eq!(fit(&attempt("origin.same").tcp("refused")), Fit::Silent);
    }

    /// The baseline alone got the front's gateway error while every twin that changed only the
    /// Origin or the browser shape got the application's answer through the same front, and the
    /// backend upgrades directly: no front-wide refusal (a denial, a dead upstream) explains the
    /// twins, so neither is named with confidence.
    #[test]
    fn a_lone_gateway_error_on_the_baseline_is_no_front_wide_refusal() {
        let app = "apache-fastapi_upgrade-not-forwarded_404.http";
        let r = run(vec![
            attempt("baseline").fixture("apache_upstream-down_503.http"),
            attempt("origin.same").fixture(app),
            attempt("origin.foreign").fixture(app),
            attempt("origin.null").fixture(app),
            attempt("control.plain_get").fixture(app),
            attempt("browser.chrome").fixture(app),
            attempt("browser.firefox").fixture(app),
            attempt("direct.baseline").upgraded(),
            attempt("direct.origin.foreign").upgraded(),
        ])
        .build();
        let (d, _) = crate::diagnose::diagnose(&r);
        assert!(
            !matches!(d.cause, Cause::ProxyAccessDenied | Cause::ProxyBadGateway)
                || d.confidence < 0.5,
            "{} {:.2}",
            d.cause.id(),
            d.confidence
        );
    }

    /// The run `proxy.request_too_large` predicts, built from the real plan, is diagnosed as it.
    #[test]
    fn request_too_large_wins_the_run_it_predicts() {
        let (cause, run) = (
            Cause::ProxyRequestTooLarge,
            simulated(&WITH_TOKEN, |x, p, r| match p {
                HttpControl => a(x).rejected(200, "{}"),
                NoCredential | PlainGet => a(x).rejected(401, "{\"detail\":\"missing token\"}"),
                _ if r.variant.credential == crate::model::CredentialPlacement::Subprotocol => {
                    a(x).rejected(401, "{\"detail\":\"missing token\"}")
                }
                _ => a(x).fixture("nginx_header-too-large_400.http"),
            }),
        );
        check(cause, &run);
    }

    /// The run `proxy.front_refuses` predicts, built from the real plan, is diagnosed as it.
    #[test]
    fn front_refuses_wins_the_run_it_predicts() {
        let (cause, run) = (
            Cause::ProxyFrontRefuses,
            simulated(&DIRECT, |x, p, r| match (p, r.variant.direct) {
                (HttpControl, _) => a(x).rejected(200, "{}"),
                (_, true) => a(x).upgraded(),
                _ => a(x).rejected_with(403, &[("content-type", "text/plain")], "blocked"),
            }),
        );
        check(cause, &run);
    }

    /// The run `proxy.upgrade_not_forwarded` predicts, built from the real plan, is diagnosed as it.
    #[test]
    fn upgrade_not_forwarded_wins_the_run_it_predicts() {
        let (cause, run) = (
            Cause::ProxyUpgradeNotForwarded,
            simulated(&WITH_TOKEN, |x, p, _| match p {
                HttpControl => a(x).rejected(200, "{}"),
                _ => a(x).fixture("nginx-fastapi_upgrade-not-forwarded_404.http"),
            }),
        );
        check(cause, &run);
    }

    /// The run `proxy.access_denied` predicts, built from the real plan, is diagnosed as it.
    #[test]
    fn access_denied_wins_the_run_it_predicts() {
        let (cause, run) = (
            Cause::ProxyAccessDenied,
            simulated(&WITH_TOKEN, |x, p, _| match p {
                HttpControl => a(x).rejected(200, "{}"),
                _ => a(x).fixture("nginx_deny_403.http"),
            }),
        );
        check(cause, &run);
    }

    /// The run `proxy.bad_gateway` predicts, built from the real plan, is diagnosed as it.
    #[test]
    fn bad_gateway_wins_the_run_it_predicts() {
        let (cause, run) = (
            Cause::ProxyBadGateway,
            simulated(&WITH_TOKEN, |x, _, _| {
                a(x).fixture("nginx_upstream-down_502.http")
            }),
        );
        check(cause, &run);
    }

    /// The run `proxy.redirect` predicts, built from the real plan, is diagnosed as it.
    #[test]
    fn redirect_wins_the_run_it_predicts() {
        let (cause, run) = (
            Cause::ProxyRedirect,
            simulated(&WITH_TOKEN, |x, _, _| {
                a(x).redirected(301, "https://api.test/ws")
            }),
        );
        check(cause, &run);
    }
}
