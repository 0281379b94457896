//! The homes of `routing.*`: the request reaches nothing, a plain HTTP route, a route without
//! GET, the wrong backend, or a pool with a bad member.

use super::*;

/// A 4xx, no HTTP answer (a server that drops upgrades it cannot route), or a close.
fn not_found(b: &AttemptObs) -> Option<bool> {
    Some(refused_with(b, 400..=499) || matches!(b.class, O::NoHttpAnswer | O::Timeout) || closed(b))
}

/// A 405.
fn method_not_allowed(b: &AttemptObs) -> Option<bool> {
    Some(http_refusal(b) && b.status == Some(405))
}

/// The backend `--direct` names is the intended one, and the route reaches another: the backend
/// answers the same request otherwise than the public URL (it may upgrade, or refuse for reasons
/// of its own — a credential it asks for), and its own plain GET differs too.
fn wrong_upstream_direct(c: &Ctx) -> Prediction {
    match c.part {
        Part::PlainGet => p(Expect::Different, 0.0, 1.5),
        Part::Baseline if c.a.outcome.is_success() => p(Expect::Open, 2.0, 0.0),
        Part::Baseline => p(Expect::Different, 0.5, 1.0),
        _ => ANY,
    }
}

/// An application's own "no such route" while the same application upgrades the same path
/// directly: the path exists (a proxy's own 404 page would still fit: its route is missing).
fn no_route_direct(c: &Ctx) -> Prediction {
    let app_wrote_it = || {
        super::super::evidence::response(c.base)
            .is_some_and(|r| crate::fingerprint::proxy_authorship(&r) < 0.5)
    };
    if c.part == Part::Baseline && c.a.outcome.is_success() && app_wrote_it() {
        p(Expect::NotOpen, 0.0, 1.0)
    } else {
        ANY
    }
}

/// The homes of this category, in catalogue order.
pub(super) static HOMES: &[&Home] = &[
    &ROUTING_NOT_FOUND,
    &ROUTING_NOT_WEBSOCKET,
    &ROUTING_METHOD_NOT_ALLOWED,
    &ROUTING_WRONG_UPSTREAM,
    &ROUTING_INTERMITTENT,
];

/// `routing.not_found`
pub(super) static ROUTING_NOT_FOUND: Home = Home {
    cause: Cause::RoutingNotFound,
    prior: 0.08,
    status_shares: &[(404, 404, 0.55)],
    status_reading: Some("nothing may serve this path (a prefix the proxy strips, a trailing slash)"),
    symptom: "404 for the upgrade.",
    confirm: "`curl -v` the same URL gets the same 404; `curl -v` the path one level up or with a trailing slash, and the proxy's `location`/route list, show where the path is served.",
    remedies: &[
        "use the path the WebSocket handler is registered on (mind prefixes the proxy strips)",
    ],
    produces: not_found,
    predicts: refuses_everything,
    predicts_direct: no_route_direct,
    reads: &[
        supports(Sign::PlainGetSaysNoRouteAtAll, Expected::ARouteForThePath, 2.0).says(
            "a plain GET of the same URL gets the framework's 404 ({observed}), and this framework answers a plain GET of a WebSocket route otherwise (405): no route takes this path, and the refusal of the upgrade is the server's answer to a WebSocket no route took",
        ),
        denies(Sign::NoWebSocketLayerInAServerThatHasOne, Expected::NoWebSocketLayer, 1.0),
        // The backend `--direct` names answers this path as another application: the path is
        // served there, and the public route reaches something else.
        denies(Sign::DirectAnotherApplication, Expected::AnApplicationAnswer, 1.0),
        supports(Sign::NoAnswerPlainGetNotFound, Expected::NotFoundForThePath, 2.5).says(
            "the upgrade got no HTTP answer while a plain GET of the same URL got 404 ({observed}): nothing serves this path, and the server drops upgrades it cannot route",
        ),
        denies(Sign::NothingAnswersHttp, Expected::NothingAnswersHttp, 0.8),
        supports(Sign::RefusedAlikePlainGetNotFound, Expected::RefusedAlikePlainGetNotFound, 0.8).says(
            "every upgrade is refused alike whatever it carries, while a plain GET of the same URL gets 404 ({observed}): nothing at this path serves HTTP and no WebSocket handler owns it",
        ),
        supports(Sign::UpgradeUnansweredPlainGetAnswered, Expected::UpgradeUnownedPath, 1.5).says(
            "the upgrade is never answered while a plain GET of the same URL is answered at once ({observed}): the server's WebSocket listener does not own this path",
        ),
        supports(Sign::PlainGetSaysNotFound, Expected::ThePlainGetSaysWhy, 1.5).says(
            "the upgrade is accepted and then closed without a reason, and a plain GET of the same URL says why ({observed})",
        ),
    ],
    ..DEFAULT
};

/// `routing.not_websocket`
pub(super) static ROUTING_NOT_WEBSOCKET: Home = Home {
    cause: Cause::RoutingNotWebsocket,
    prior: 0.03,
    symptom: "A 2xx plain answer to the upgrade (e.g. an SPA fallback serving index.html).",
    confirm: "`curl -v` the URL returns a normal page (HTML, JSON) with 200: the URL is a page or API route, not the WebSocket endpoint (for Socket.IO or SockJS use their client or their `/socket.io/?EIO=4&transport=websocket` URL).",
    remedies: &[
        "point the client at the WebSocket route, not a page or REST endpoint",
    ],
    produces: refused_or_closed_any,
    predicts: refuses_everything_as_plain_http,
    predicts_direct: no_route_direct,
    reads: &[
        supports(Sign::RefusalAboutTransport, Expected::RefusalAboutTransport, 2.0).says(
            "the endpoint answers a plain WebSocket upgrade with a refusal about its own transport ({observed}): it speaks a protocol on top of WebSocket (Engine.IO/Socket.IO, SockJS) and needs that protocol's client or URL",
        ),
        supports(Sign::PlainGetSaysNotWebsocket, Expected::ThePlainGetSaysWhy, 1.5).says(
            "the upgrade is accepted and then closed without a reason, and a plain GET of the same URL says why ({observed})",
        ),
        denies(Sign::UpgradeAnsweredUnlikeThePlainGet, Expected::UpgradeSeenNotCompleted, 1.0),
    ],
    ..DEFAULT
};

/// `routing.method_not_allowed`
pub(super) static ROUTING_METHOD_NOT_ALLOWED: Home = Home {
    cause: Cause::RoutingMethodNotAllowed,
    prior: 0.02,
    symptom: "405 for the upgrade: an HTTP-only handler owns the path.",
    confirm: "`curl -v -X GET` the URL gets 405 with an `Allow` header that lacks GET: the route exists for other methods only.",
    remedies: &[
        "register the WebSocket route for this path; an HTTP-only route answers 405",
    ],
    produces: method_not_allowed,
    predicts: refuses_everything,
    predicts_direct: no_route_direct,
    ..DEFAULT
};

/// `routing.wrong_upstream`
pub(super) static ROUTING_WRONG_UPSTREAM: Home = Home {
    cause: Cause::RoutingWrongUpstream,
    prior: 0.03,
    status_shares: &[(403, 403, 0.16), (404, 404, 0.15)],
    status_reading: Some("a routing fault: the path may reach a backend that refuses every upgrade, whatever it carries"),
    symptom: "The same refusal — status, body, producer — whatever the credential and Origin (field report 000: the API container answers 403 before auth).",
    confirm: "`wsdoctor URL --direct BACKEND_URL` upgrades at the intended backend while the public URL gets another application's answer (its own 404 JSON, another `Server`); the proxy's route for this path points elsewhere.",
    remedies: &[
        "route the WebSocket path to the backend that serves WebSockets (e.g. the worker, not the API container)",
    ],
    produces: refused_or_closed_any,
    predicts: refuses_everything,
    predicts_direct: wrong_upstream_direct,
    reads: &[
        // A credential proven good elsewhere, refused here like none: the route reaches a backend
        // that refuses every upgrade; and a wrong route answers with an application's refusal,
        // never with the front's own error page.
        supports(Sign::CredentialProvenGood, Expected::AGoodCredential, 1.5),
        denies(Sign::TheFrontsOwnErrorPage, Expected::AnApplicationRefusal, 1.0),
        supports(Sign::DirectAnotherApplication, Expected::AnApplicationAnswer, 1.0).says(
            "the public URL gets an application's refusal the --direct backend does not give ({observed}): the path reaches another application",
        ),
        supports(Sign::DirectPlainInAnotherFormat, Expected::TheBackendsAnswer, 0.5),
    ],
    tells_apart: &[
        (Cause::AuthCredentialsRejected, prove_the_credential_elsewhere),
        (Cause::AuthMissingCredentials, prove_the_credential_elsewhere),
    ],
    ..DEFAULT
};

/// `routing.intermittent`
pub(super) static ROUTING_INTERMITTENT: Home = Home {
    cause: Cause::RoutingIntermittent,
    prior: 0.02,
    varies: Varies::PerRequest,
    symptom: "Repeats of the same request disagree: a bad backend in the pool or a flapping upstream.",
    confirm: "`wsdoctor URL --repeat 10` shows some repeats refused and others upgraded; `--direct` each backend of the pool to find the one that differs.",
    remedies: &[
        "find the bad member of the backend pool (health checks, versions, config drift) and take it out",
    ],
    predicts: http_silent,
    ..DEFAULT
};

/// A credential check that refuses every credential and a route to a backend that refuses every
/// upgrade look alike: the credential proven good on another endpoint, or the backend reached
/// directly, tells them apart.
fn prove_the_credential_elsewhere(f: &Facts) -> String {
    format!(
        "prove the credential good outside this path: `wsdoctor {} --auth-check <an HTTP URL of the same API that needs it>` (2xx with it, 401/403 without), or --direct ws://<websocket-backend:port>{}",
        f.run.target,
        f.target_path()
    )
}

#[cfg(test)]
mod tests {
    use crate::diagnose::rules::simulate::*;
    use Part::*;

    /// The run `routing.not_found` predicts, built from the real plan, is diagnosed as it.
    #[test]
    fn not_found_wins_the_run_it_predicts() {
        let (cause, run) = (
            Cause::RoutingNotFound,
            simulated(&WITH_TOKEN, |x, p, _| {
                match p {
                        HttpControl => a(x).rejected(200, "{}"),
                        _ => a(x).rejected_with(
                            404,
                            &[("server", "nginx/1.22.1"), ("content-type", "text/html")],
                            "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>",
                        ),
                    }
            }),
        );
        check(cause, &run);
    }

    /// The run `routing.wrong_upstream` predicts, built from the real plan, is diagnosed as it.
    #[test]
    fn wrong_upstream_wins_the_run_it_predicts() {
        let (cause, run) = (
            Cause::RoutingWrongUpstream,
            simulated(
                &Input {
                    auth_check: true,
                    ..WITH_TOKEN
                },
                |x, p, _| {
                    ok_root(x, p).unwrap_or_else(|| {
                        a(x).fixture("uvicorn-starlette_upgrade-unrouted-path_403.http")
                    })
                },
            ),
        );
        check(cause, &run);
    }

    /// The run `routing.intermittent` predicts, built from the real plan, is diagnosed as it.
    #[test]
    fn intermittent_wins_the_run_it_predicts() {
        let (cause, run) = (
            Cause::RoutingIntermittent,
            simulated(
                &Input {
                    repeat: 3,
                    ..WITH_TOKEN
                },
                |x, p, r| {
                    ok_root(x, p).unwrap_or_else(|| match r.variant.repeat {
                        Some(0) | Some(2) => a(x).fixture("nginx_upstream-down_502.http"),
                        _ => a(x).upgraded(),
                    })
                },
            ),
        );
        check(cause, &run);
    }

    /// The run `routing.method_not_allowed` predicts, built from the real plan, is diagnosed as it.
    #[test]
    fn method_not_allowed_wins_the_run_it_predicts() {
        let (cause, run) = (
            Cause::RoutingMethodNotAllowed,
            simulated(&WITH_TOKEN, |x, p, _| {
                ok_root(x, p).unwrap_or_else(|| a(x).rejected(405, "Method Not Allowed"))
            }),
        );
        check(cause, &run);
    }

    /// The run `routing.not_websocket` predicts, built from the real plan, is diagnosed as it.
    #[test]
    fn not_websocket_wins_the_run_it_predicts() {
        let (cause, run) = (
            Cause::RoutingNotWebsocket,
            simulated(&WITH_TOKEN, |x, _, _| {
                a(x).rejected_with(200, &[("content-type", "text/html")], HTML)
            }),
        );
        check(cause, &run);
    }
}
