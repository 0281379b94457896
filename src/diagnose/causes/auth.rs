//! The homes of `auth.*`: the credential is missing, refused, in the wrong place, never issued
//! (a ticket), refused after the upgrade, or not needed at all.

use super::*;

/// Every request without the credential is refused alike, whatever its Origin.
fn missing(c: &Ctx) -> Prediction {
    if let Some(p) = http_shared(c) {
        return p;
    }
    match c.part {
        Part::Origin if c.same_origin_as_base() => p(Expect::Same, 0.3, 0.5),
        Part::Origin => p(Expect::Refused, 0.3, 2.0),
        Part::PlainGet => ANY,
        _ => p(Expect::Refused, 0.2, 1.0),
    }
}

/// A wrong credential of the same shape gets the same refusal; the real one elsewhere too. A
/// server that validates a credential when present may accept none at all, and then a placement
/// it does not read is the same as none.
fn refused_on_its_merits(c: &Ctx) -> Prediction {
    if let Some(p) = http_shared(c) {
        return p;
    }
    let none_accepted = || {
        c.f.get(ids::CREDENTIAL_NONE)
            .is_some_and(|n| n.outcome.is_success())
    };
    match c.part {
        Part::WrongCredential => p(Expect::Same, 0.5, 0.5),
        Part::Placement if none_accepted() => ANY,
        Part::Placement | Part::Origin => p(Expect::Refused, 0.3, 2.0),
        _ => ANY,
    }
}

/// Some other placement works (the variants say which); without a credential, or with a wrong
/// one, it is refused.
fn placement(c: &Ctx) -> Prediction {
    if let Some(p) = http_shared(c) {
        return p;
    }
    match c.part {
        Part::NoCredential => p(Expect::Refused, 0.3, 2.0),
        Part::WrongCredential => p(Expect::Refused, 0.3, 1.0),
        Part::Origin => p(Expect::Refused, 0.2, 1.0),
        _ => ANY,
    }
}

/// The ticket step decides; another Origin changes nothing.
fn ticket(c: &Ctx) -> Prediction {
    if let Some(p) = http_shared(c) {
        return p;
    }
    match c.part {
        Part::Origin => p(Expect::Refused, 0.2, 1.0),
        _ => ANY,
    }
}

/// The homes of this category, in catalogue order.
pub(super) static HOMES: &[&Home] = &[
    &AUTH_MISSING_CREDENTIALS,
    &AUTH_CREDENTIALS_REJECTED,
    &AUTH_PLACEMENT,
    &AUTH_TICKET_FAILED,
    &AUTH_CLOSED_AFTER_UPGRADE,
    &AUTH_NOT_ENFORCED,
    &AUTH_HEADER_ONLY,
];

/// `auth.missing_credentials`
pub(super) static AUTH_MISSING_CREDENTIALS: Home = Home {
    cause: Cause::AuthMissingCredentials,
    prior: 0.12,
    status_shares: &[(401, 401, 0.5), (403, 403, 0.3)],
    status_reading: Some("an auth check: the page may send no credential the server reads (a browser cannot set headers on a WebSocket)"),
    needs_request: true,
    symptom: "No credential was given and the server refuses: 401/407 (or WWW-Authenticate), a 403 that is not Origin- or route-dependent, or 101 then an auth close (4001/4401, a reason naming auth, or a bare 1008 policy close read as auth at 0.6 since the Origin rule ran first).",
    confirm: "`wsdoctor URL --token TOKEN` (add `--auth cookie:NAME` or `--auth query:NAME` for where the page puts it) gets past the refusal the run without a credential got; the refusal's body names the missing token or session.",
    remedies: &[
        "send the credential the endpoint expects (header, query, cookie or subprotocol)",
    ],
    produces: refused_or_closed,
    predicts: missing,
    predicts_direct: backend_refuses_alike,
    reads: &[
        // The plain GET says no route takes the path: what refused the upgrade did not judge
        // what the request carried.
        denies(Sign::PlainGetSaysNoRouteAtAll, Expected::ARouteForThePath, 1.5),
        denies(Sign::CloseAboutOrigin, Expected::CloseAboutOrigin, 1.5),
        denies(Sign::CloseAboutTheCarriedCredential, Expected::NoCredentialSent, 1.5),
        denies(Sign::CloseAboutTheUpstream, Expected::CloseAboutTheServer, 1.5),
        denies(Sign::CloseAboutTheServer, Expected::CloseAboutTheServer, 1.5),
        denies(Sign::FrontsDeniedPage, Expected::AFrontWideRefusal, 0.8),
        denies(Sign::FrontWideRefusal, Expected::AFrontWideRefusal, 1.0),
        supports(Sign::PlainGetSaysCredentialMissing, Expected::ThePlainGetSaysWhy, 1.5).says(
            "the upgrade is accepted and then closed without a reason, and a plain GET of the same URL says why ({observed})",
        ),
        supports(Sign::ExchangeClosedOverAMissingCredential, Expected::CloseAboutCredential, 2.0).says(
            "the server accepts the upgrade and then refuses the credential over the connection ({observed})",
        ),
    ],
    ..DEFAULT
};

/// `auth.credentials_rejected`
pub(super) static AUTH_CREDENTIALS_REJECTED: Home = Home {
    cause: Cause::AuthCredentialsRejected,
    prior: 0.12,
    status_shares: &[(401, 401, 0.35)],
    status_reading: Some("an auth check: the credential the page sends (cookie, query token) may be refused, expired or meant for another audience"),
    needs_request: true,
    symptom: "The credential reaches the server and is refused as invalid.",
    confirm: "the run's `credential.wrong` variant gets the same refusal as yours, and `--auth-check URL` with the same token fails too: the token is expired, revoked or meant for another audience.",
    remedies: &[
        "get a fresh, valid token (expiry, signing key, audience, tenant)",
    ],
    produces: refused_or_closed,
    predicts: refused_on_its_merits,
    predicts_direct: backend_refuses_alike,
    reads: &[
        // The plain GET says no route takes the path: what refused the upgrade did not judge
        // what the request carried.
        denies(Sign::PlainGetSaysNoRouteAtAll, Expected::ARouteForThePath, 1.5),
        denies(Sign::CredentialProvenGood, Expected::AGoodCredential, HARD),
        denies(Sign::CloseAboutOrigin, Expected::CloseAboutOrigin, 1.5),
        denies(Sign::CloseAboutTheUpstream, Expected::CloseAboutTheServer, 1.5),
        denies(Sign::CloseAboutTheServer, Expected::CloseAboutTheServer, 1.5),
        denies(Sign::FrontWideRefusal, Expected::AFrontWideRefusal, 1.0),
        supports(Sign::PlainGetSaysCredentialRefused, Expected::ThePlainGetSaysWhy, 1.5).says(
            "the upgrade is accepted and then closed without a reason, and a plain GET of the same URL says why ({observed})",
        ),
        denies(Sign::CredentialNotRead, Expected::CredentialNotRead, 1.0),
    ],
    ..DEFAULT
};

/// `auth.placement`
pub(super) static AUTH_PLACEMENT: Home = Home {
    cause: Cause::AuthPlacement,
    prior: 0.04,
    needs_request: true,
    symptom: "The credential works in one placement (header/query/cookie/subprotocol) but not the one used — e.g. a proxy strips Authorization (field report 003).",
    confirm: "the report's placement variants show one place accepted (e.g. `credential.query`) and yours refused; move the credential there, or make the server read it where the client puts it.",
    remedies: &[
        "send the credential where the server reads it",
        "browsers cannot set headers on WebSockets: use a cookie, query ticket or subprotocol token for web clients",
    ],
    produces: refused_or_closed,
    predicts: placement,
    reads: &[
        // The plain GET says no route takes the path: what refused the upgrade did not judge
        // what the request carried.
        denies(Sign::PlainGetSaysNoRouteAtAll, Expected::ARouteForThePath, 1.5),
        supports(Sign::CredentialNotRead, Expected::CredentialNotRead, 1.5).says(
            "the request with the credential gets the very refusal of the request without one, and it says the credential is missing ({observed}): the credential does not reach the check where it was put — the server reads it elsewhere, or a proxy strips it",
        ),
    ],
    ..DEFAULT
};

/// `auth.ticket_failed`
pub(super) static AUTH_TICKET_FAILED: Home = Home {
    cause: Cause::AuthTicketFailed,
    prior: 0.04,
    needs_request: true,
    symptom: "The one-time ticket endpoint gave no ticket (field report 004): 401/403 = hard failure (stop retrying, get a new JWT), 5xx/transport = soft (retry with backoff). Also a finding when `ticket.reuse` is accepted (tickets are not one-time).",
    confirm: "`curl -v` the ticket endpoint (`--ticket-url`) with the same credential: its answer is not 2xx or carries no ticket.",
    remedies: &[
        "401/403 from the ticket endpoint: stop retrying and get a new JWT (log in again)",
        "5xx or network errors: retry with exponential backoff",
    ],
    predicts: ticket,
    ..DEFAULT
};

/// `auth.closed_after_upgrade`
pub(super) static AUTH_CLOSED_AFTER_UPGRADE: Home = Home {
    cause: Cause::AuthClosedAfterUpgrade,
    prior: 0.04,
    symptom: "101, then a close over the credential (4001/4401/4403/3000/3003 or a reason naming auth/token/ticket), or a close that changes when only the credential changes.",
    confirm: "the baseline gets `101` then a close with an auth code (4001, 4401, 4403, 3000, 1008 with a reason about the token) while `--token` with a valid credential stays open.",
    remedies: &[
        "send a valid credential; read the close reason for what the server expects",
    ],
    produces: closed_after_upgrade,
    predicts: refused_on_its_merits,
    predicts_direct: backend_refuses_alike,
    reads: &[
        denies(Sign::CredentialProvenGood, Expected::AGoodCredential, HARD),
        denies(Sign::CloseAboutOrigin, Expected::CloseAboutOrigin, 1.5),
        supports(Sign::CloseAboutTheCarriedCredential, Expected::CloseAboutCredential, 1.5).says(
            "the server accepts the upgrade and then closes it over the credential the request carries ({observed})",
        ),
        denies(Sign::CloseAboutTheUpstream, Expected::CloseAboutTheServer, 1.5),
        denies(Sign::CloseAboutTheServer, Expected::CloseAboutTheServer, 1.5),
        supports(Sign::ExchangeClosedOverTheCarriedCredential, Expected::CloseAboutCredential, 2.0).says(
            "the server accepts the upgrade and then closes it over the credential the request carries ({observed})",
        ),
    ],
    ..DEFAULT
};

/// `auth.not_enforced`
pub(super) static AUTH_NOT_ENFORCED: Home = Home {
    cause: Cause::AuthNotEnforced,
    prior: 0.01,
    symptom: "Finding: `credential.none` upgrades although a credential was given.",
    confirm: "`wsdoctor URL` shows `credential.none` upgraded and stayed open: the endpoint does not check the credential at all.",
    remedies: &[
        "require and check the credential before accepting the socket",
    ],
    predicts: http_silent,
    ..DEFAULT
};

/// `auth.header_only`
pub(super) static AUTH_HEADER_ONLY: Home = Home {
    cause: Cause::AuthHeaderOnly,
    prior: 0.01,
    symptom: "Finding: the credential works only in a header; browser WebSockets cannot send one.",
    confirm: "the `Authorization` header variant upgrades while the query, cookie and subprotocol placements are refused; `new WebSocket()` in a browser cannot send that header.",
    remedies: &[
        "also accept a cookie or a short-lived query ticket, since browser WebSockets cannot send headers",
    ],
    predicts: http_silent,
    ..DEFAULT
};

#[cfg(test)]
mod tests {
    use crate::diagnose::rules::simulate::*;
    use Part::*;

    /// The run `auth.ticket_failed` predicts, built from the real plan, is diagnosed as it.
    #[test]
    fn ticket_failed_wins_the_run_it_predicts() {
        let (cause, run) = (Cause::AuthTicketFailed, ticketed());
        check(cause, &run);
    }

    /// The run `auth.missing_credentials` predicts, built from the real plan, is diagnosed as it.
    #[test]
    fn missing_credentials_wins_the_run_it_predicts() {
        let (cause, run) = (
            Cause::AuthMissingCredentials,
            simulated(&PLAIN, |x, p, _| {
                ok_root(x, p).unwrap_or_else(|| {
                    a(x).rejected_with(
                        401,
                        &[("www-authenticate", "Bearer")],
                        "{\"detail\":\"missing token\"}",
                    )
                })
            }),
        );
        check(cause, &run);
    }

    /// The run `auth.credentials_rejected` predicts, built from the real plan, is diagnosed as it.
    #[test]
    fn credentials_rejected_wins_the_run_it_predicts() {
        let (cause, run) = (
            Cause::AuthCredentialsRejected,
            simulated(&WITH_TOKEN, |x, p, _| {
                ok_root(x, p).unwrap_or_else(|| match p {
                    NoCredential => a(x).rejected(401, "{\"detail\":\"missing token\"}"),
                    _ => a(x).rejected(401, "{\"detail\":\"invalid token\"}"),
                })
            }),
        );
        check(cause, &run);
    }

    /// The run `auth.placement` predicts, built from the real plan, is diagnosed as it.
    #[test]
    fn placement_wins_the_run_it_predicts() {
        let (cause, run) = (
            Cause::AuthPlacement,
            simulated(&WITH_TOKEN, |x, p, r| {
                ok_root(x, p).unwrap_or_else(|| match p {
                    Placement if r.variant.id == "credential.query" => a(x).upgraded(),
                    NoCredential => a(x).rejected(401, "{\"detail\":\"missing token\"}"),
                    _ => a(x).rejected(401, "{\"detail\":\"missing token\"}"),
                })
            }),
        );
        check(cause, &run);
    }

    /// The run `auth.closed_after_upgrade` predicts, built from the real plan, is diagnosed as it.
    #[test]
    fn closed_after_upgrade_wins_the_run_it_predicts() {
        let (cause, run) = (
            Cause::AuthClosedAfterUpgrade,
            simulated(&WITH_TOKEN, |x, p, _| {
                ok_root(x, p).unwrap_or_else(|| match p {
                    NoCredential => a(x).closed(4401, "missing token"),
                    _ => a(x).closed(4401, "invalid token"),
                })
            }),
        );
        check(cause, &run);
    }
}
