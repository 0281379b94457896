//! The homes of `origin.*`: the server's Origin check refuses the page's origin, a proxy's Host
//! rewrite makes a same-origin check fail, or nothing checks the Origin at all.

use super::*;

/// Every request with the baseline's Origin is refused, whatever its credential; another Origin
/// may pass.
fn rejected(c: &Ctx) -> Prediction {
    if let Some(p) = http_shared(c) {
        return p;
    }
    match c.part {
        Part::Origin if c.same_origin_as_base() => p(Expect::Same, 0.3, 1.0),
        Part::NoCredential | Part::WrongCredential | Part::Placement | Part::Ticket => {
            p(Expect::Refused, 0.2, 2.0)
        }
        _ => ANY,
    }
}

/// As [`rejected`], with the Origin variants left to the `--direct` comparison.
fn host_rewritten(c: &Ctx) -> Prediction {
    if let Some(p) = http_shared(c) {
        return p;
    }
    match c.part {
        Part::NoCredential | Part::WrongCredential | Part::Placement => {
            p(Expect::Refused, 0.2, 2.0)
        }
        _ => ANY,
    }
}

/// The backend accepts, without any Origin, what the front refused: an Origin check cannot
/// explain the difference.
fn accepted_without_origin(c: &Ctx) -> bool {
    c.accepted_here_only() && c.twin().is_some_and(|t| t.variant.origin.is_none())
}

/// The backend refuses the baseline's Origin the same way (its own check); an allowlist refusing
/// the site's own origin through the front while the backend accepts its own is a misfit.
fn rejected_direct(c: &Ctx) -> Prediction {
    if accepted_without_origin(c) {
        return p(Expect::NotOpen, 0.0, HARD);
    }
    match c.part {
        Part::Origin if c.accepted_here_only() => p(Expect::NotOpen, 0.0, 0.8),
        Part::Baseline if c.same_as_base() => p(Expect::Same, 1.0, 0.0),
        _ => ANY,
    }
}

/// The backend accepts its own origin, which the front's rewritten Host made foreign.
fn host_rewritten_direct(c: &Ctx) -> Prediction {
    if accepted_without_origin(c) {
        return p(Expect::NotOpen, 0.0, HARD);
    }
    match c.part {
        Part::Origin if c.accepted_here_only() => p(Expect::Open, 2.5, 0.0),
        _ => ANY,
    }
}

/// The homes of this category, in catalogue order.
pub(super) static HOMES: &[&Home] = &[
    &ORIGIN_REJECTED,
    &ORIGIN_HOST_REWRITTEN,
    &ORIGIN_NOT_ENFORCED,
];

/// `origin.rejected`
pub(super) static ORIGIN_REJECTED: Home = Home {
    cause: Cause::OriginRejected,
    prior: 0.1,
    status_shares: &[(400, 400, 0.1), (403, 403, 0.4)],
    status_reading: Some("an Origin check: the server's allowlist may not include the page's origin"),
    symptom: "The outcome changes with the Origin alone (field reports 002, 004): 403 before the upgrade, or 101 then close 1008/4003 (ORIGIN_BLOCKED).",
    confirm: "`wsdoctor URL --origin https://your.page` is refused while the `origin.none` variant (or the allowed origin) upgrades; the server's allowed-origins setting lacks the page's origin.",
    remedies: &[
        "add the page's origin (scheme://host[:port]) to the server's allowed origins",
    ],
    produces: refused_or_closed,
    predicts: rejected,
    predicts_direct: rejected_direct,
    reads: &[
        // The plain GET says no route takes the path: what refused the upgrade did not judge
        // what the request carried.
        denies(Sign::PlainGetSaysNoRouteAtAll, Expected::ARouteForThePath, 1.5),
        supports(Sign::CloseAboutOrigin, Expected::CloseAboutOrigin, 2.0).says(
            "the server accepts the upgrade and then closes it over the Origin ({observed}): its Origin check refuses the origin sent",
        ),
        denies(Sign::CloseAboutTheCarriedCredential, Expected::CloseAboutCredential, 1.0),
        denies(Sign::CloseAboutAMissingCredential, Expected::CloseAboutCredential, 1.0),
        denies(Sign::CloseAboutTheUpstream, Expected::CloseAboutTheServer, 1.5),
        denies(Sign::CloseAboutTheServer, Expected::CloseAboutTheServer, 1.5),
        denies(Sign::OwnOriginRefusedBehindAFront, Expected::OwnOriginRefusedBehindAFront, 0.5),
        supports(Sign::ExchangeClosedOverOrigin, Expected::CloseAboutOrigin, 2.0).says(
            "the server accepts the upgrade and then closes it over the Origin ({observed}): its Origin check refuses the origin sent",
        ),
    ],
    ..DEFAULT
};

/// `origin.host_rewritten`
pub(super) static ORIGIN_HOST_REWRITTEN: Home = Home {
    cause: Cause::OriginHostRewritten,
    prior: 0.03,
    needs_request: true,
    symptom: "The site's own Origin is refused through the proxy, while the backend accepts an Origin matching its own Host: a same-origin check sees the Host the proxy rewrote.",
    confirm: "`wsdoctor URL --direct BACKEND_URL` shows the site's own Origin accepted directly and refused through the proxy; the proxy sends its upstream's name as `Host` (nginx `proxy_set_header Host $host` missing).",
    remedies: &[
        "make the proxy pass the client's Host header to the app (or set the app's allowed hosts to the public name)",
    ],
    produces: refused_or_closed,
    predicts: host_rewritten,
    predicts_direct: host_rewritten_direct,
    reads: &[
        supports(Sign::OwnOriginRefusedBehindAFront, Expected::OwnOriginRefusedBehindAFront, 1.5).says(
            "the site's own Origin is refused behind a front while no Origin is accepted ({observed}): a same-origin check sees another Host than the URL's, so the front rewrites Host",
        ),
    ],
    tells_apart: &[(Cause::OriginRejected, the_backends_own_origin)],
    ..DEFAULT
};

/// `origin.not_enforced`
pub(super) static ORIGIN_NOT_ENFORCED: Home = Home {
    cause: Cause::OriginNotEnforced,
    prior: 0.01,
    symptom: "Finding: a foreign or `null` Origin is accepted — cross-site WebSocket hijacking if auth rides on cookies.",
    confirm: "`wsdoctor URL --origin https://evil.example` upgrades: any web page can open this socket with the user's cookies.",
    remedies: &[
        "check Origin against an allowlist before accepting, at least when auth rides on cookies",
    ],
    predicts: http_silent,
    ..DEFAULT
};

/// An allowlist without the site's own origin and a Host rewrite look alike from the front.
fn the_backends_own_origin(_: &Facts) -> String {
    "--direct ws://<backend:port>/… : a backend that accepts its own origin directly points at a Host rewrite".into()
}

#[cfg(test)]
mod tests {
    use crate::diagnose::rules::simulate::*;
    use Part::*;

    /// The run `origin.host_rewritten` predicts, built from the real plan, is diagnosed as it.
    #[test]
    fn host_rewritten_wins_the_run_it_predicts() {
        let (cause, run) = (
            Cause::OriginHostRewritten,
            simulated(&DIRECT, |x, p, r| match (p, r.variant.direct) {
                (HttpControl, _) => a(x).rejected(200, "{}"),
                // The backend checks Origin against the Host it sees: its own origin passes
                // directly, the public one never does through the rewriting proxy.
                (Origin, true) if r.variant.id == "direct.origin.same" => a(x).upgraded(),
                (Origin, _) if r.variant.origin.is_none() => a(x).upgraded(),
                (PlainGet, _) => a(x).fixture("fastapi_plain-get-ws-route_404.http"),
                _ => a(x).fixture("uvicorn_close-before-accept_403.http"),
            }),
        );
        check(cause, &run);
    }

    /// The run `origin.rejected` predicts, built from the real plan, is diagnosed as it.
    #[test]
    fn rejected_wins_the_run_it_predicts() {
        let (cause, run) = (
            Cause::OriginRejected,
            simulated(&WITH_TOKEN, |x, p, r| {
                ok_root(x, p).unwrap_or_else(|| match (p, r.variant.origin.as_deref()) {
                    (Origin, None) => a(x).upgraded(),
                    _ => a(x).fixture("uvicorn_close-before-accept_403.http"),
                })
            }),
        );
        check(cause, &run);
    }
}
