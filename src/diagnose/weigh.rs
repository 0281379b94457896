//! weigh: how a cause weighs the typed observations of a run. Two readings, both the cause's
//! home's (`causes`): whether the baseline's outcome class is one the cause produces (a cause that
//! needs an HTTP answer cannot explain a connection that never got one, a 404 cause cannot explain
//! a 403), and how it reads each [`Sign`](super::sign::Sign) the run shows (`sign` finds them,
//! cause-free: an upgrade without an HTTP answer while the plain GET got the front's gateway error,
//! a close about the Origin, a refusal the front wrote for every request...). The engine adds
//! these to the cause's score for every cause in the catalogue, whether or not a signature
//! proposer put it forward. The facts are typed ([`Weighed`], [`Expected`]); the sentences are
//! made at the edge ([`sentence`], `engine::observation`).
//!
//! Pure: no I/O, no clock.

use super::cause::Cause;
use super::causes::home;
use super::hypothesis::{Fit, HARD};
use super::observe::Observations;
use crate::model::AttemptRecord;

/// What a cause expected of one observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// The baseline's outcome class this cause produces (an HTTP refusal, a failure before the
    /// request, an upgrade...).
    ItsKindOfOutcome,
    /// A control of the same URL answered by the front itself with a 5xx (its upstream is down).
    TheFrontsGatewayError,
    /// A plain GET of the same URL answered 404: nothing serves this path.
    NotFoundForThePath,
    /// The HTTP/2 path (ALPN h2) works where HTTP/1.1 gets no answer.
    Http2Works,
    /// A response to judge (a bad handshake response needs one).
    AResponse,
    /// A close about the Origin.
    CloseAboutOrigin,
    /// A close about the credential.
    CloseAboutCredential,
    /// A close about something else than the request (internal error, unavailability, the
    /// upstream, going away).
    CloseAboutTheServer,
    /// A refusal about a protocol on top of WebSocket (Engine.IO, SockJS).
    RefusalAboutTransport,
    /// A refusal written by the application, not by the front.
    AnApplicationAnswer,
    /// The front's own refusal, the same for every request to the host.
    AFrontWideRefusal,
    /// A gateway error page (bad gateway, backend down).
    AGatewayErrorPage,
    /// WebSocket framing after the 101.
    WebSocketAfterThe101,
    /// Browser-shaped requests get what wsdoctor's own upgrade got.
    BrowsersGetTheSame,
    /// A same-origin check refusing the site's own Origin behind a front: the Host was rewritten.
    OwnOriginRefusedBehindAFront,
    /// The `--direct` backend's answer is the public answer's.
    TheBackendsAnswer,
    /// The credential the URL carries is refused, not missing.
    NoCredentialSent,
    /// The connection stays open through the `--idle` hold.
    OpenThroughTheHold,
    /// No request to the port gets any HTTP answer (a TCP relay whose backend is gone).
    NothingAnswersHttp,
    /// The plain GET of the same URL says in words what the silent WebSocket answer did not.
    ThePlainGetSaysWhy,
    /// The upgrade is never answered while the plain GET of the same URL is: the upgrade
    /// listener does not own the path.
    UpgradeUnownedPath,
    /// The `--send` exchange ended in a close.
    TheExchangeStaysOpen,
    /// Every upgrade refused alike while the plain GET of the same URL gets 404.
    RefusedAlikePlainGetNotFound,
    /// The request with the credential gets the refusal of the request without one, and it says
    /// the credential is missing: the credential never reached the check.
    CredentialNotRead,
    /// Nothing checked the WebSocket handshake: requests with a broken one (no key, version 8)
    /// get the upgrade's own answer, as does the plain GET.
    NoWebSocketLayer,
    /// The upgrade is answered with a plain 2xx that the plain GET of the same URL does not get:
    /// something reacted to the Upgrade headers and did not complete the handshake.
    UpgradeSeenNotCompleted,
    /// The credential proven good by `--auth-check` (2xx with it, 401/403 without).
    AGoodCredential,
    /// A refusal an application wrote, not a front's own error page.
    AnApplicationRefusal,
    /// What browsers get too: the HTTP/2 path they take where it is advertised, a 101 they
    /// accept, a session they can keep (not a ping flood).
    OpenForBrowsersToo,
    /// A route that takes the path (the framework's plain GET of a WebSocket route is not 404).
    ARouteForThePath,
}

/// Every expectation, for the schema check.
pub const ALL_EXPECTED: &[Expected] = &[
    Expected::ItsKindOfOutcome,
    Expected::TheFrontsGatewayError,
    Expected::NotFoundForThePath,
    Expected::Http2Works,
    Expected::AResponse,
    Expected::CloseAboutOrigin,
    Expected::CloseAboutCredential,
    Expected::CloseAboutTheServer,
    Expected::RefusalAboutTransport,
    Expected::AnApplicationAnswer,
    Expected::AFrontWideRefusal,
    Expected::AGatewayErrorPage,
    Expected::WebSocketAfterThe101,
    Expected::BrowsersGetTheSame,
    Expected::OwnOriginRefusedBehindAFront,
    Expected::TheBackendsAnswer,
    Expected::NoCredentialSent,
    Expected::OpenThroughTheHold,
    Expected::NothingAnswersHttp,
    Expected::ThePlainGetSaysWhy,
    Expected::UpgradeUnownedPath,
    Expected::TheExchangeStaysOpen,
    Expected::RefusedAlikePlainGetNotFound,
    Expected::CredentialNotRead,
    Expected::NoWebSocketLayer,
    Expected::UpgradeSeenNotCompleted,
    Expected::AGoodCredential,
    Expected::AnApplicationRefusal,
    Expected::OpenForBrowsersToo,
    Expected::ARouteForThePath,
];

impl Expected {
    /// The id as in JSON (`diagnosis.observations[].expected`).
    pub fn as_str(self) -> &'static str {
        match self {
            Expected::ItsKindOfOutcome => "its_kind_of_outcome",
            Expected::TheFrontsGatewayError => "the_fronts_gateway_error",
            Expected::NotFoundForThePath => "not_found_for_the_path",
            Expected::Http2Works => "http2_works",
            Expected::AResponse => "a_response",
            Expected::CloseAboutOrigin => "close_about_origin",
            Expected::CloseAboutCredential => "close_about_credential",
            Expected::CloseAboutTheServer => "close_about_the_server",
            Expected::RefusalAboutTransport => "refusal_about_transport",
            Expected::AnApplicationAnswer => "an_application_answer",
            Expected::AFrontWideRefusal => "a_front_wide_refusal",
            Expected::AGatewayErrorPage => "a_gateway_error_page",
            Expected::WebSocketAfterThe101 => "websocket_after_the_101",
            Expected::BrowsersGetTheSame => "browsers_get_the_same",
            Expected::OwnOriginRefusedBehindAFront => "own_origin_refused_behind_a_front",
            Expected::TheBackendsAnswer => "the_backends_answer",
            Expected::NoCredentialSent => "no_credential_sent",
            Expected::OpenThroughTheHold => "open_through_the_hold",
            Expected::NothingAnswersHttp => "nothing_answers_http",
            Expected::ThePlainGetSaysWhy => "the_plain_get_says_why",
            Expected::UpgradeUnownedPath => "upgrade_unowned_path",
            Expected::TheExchangeStaysOpen => "the_exchange_stays_open",
            Expected::RefusedAlikePlainGetNotFound => "refused_alike_plain_get_not_found",
            Expected::CredentialNotRead => "credential_not_read",
            Expected::NoWebSocketLayer => "no_websocket_layer",
            Expected::UpgradeSeenNotCompleted => "upgrade_seen_not_completed",
            Expected::AGoodCredential => "a_good_credential",
            Expected::AnApplicationRefusal => "an_application_refusal",
            Expected::OpenForBrowsersToo => "open_for_browsers_too",
            Expected::ARouteForThePath => "a_route_for_the_path",
        }
    }
}

/// One weighed observation: the attempt, what the cause expected, how it fit, how much.
#[derive(Debug, Clone)]
pub struct Weighed<'a> {
    /// The attempt observed.
    pub attempt: &'a AttemptRecord,
    /// What the cause expected.
    pub expected: Expected,
    /// Explained (support) or contradicted (penalty).
    pub fit: Fit,
    /// How much.
    pub weight: f64,
}

/// Every reading of `cause` against the run: whether the baseline's outcome is one it produces
/// (`causes::Home::produces`), then each sign the run shows (`sign::read`, in
/// `Observations::signs`) as the cause's home reads it (`causes::Home::reads`).
pub fn weigh<'a>(cause: Cause, obs: &Observations<'a>) -> Vec<Weighed<'a>> {
    let Some(base) = obs.base() else {
        return Vec::new();
    };
    let h = home(cause);
    let mut out = Vec::new();
    if (h.produces)(base) == Some(false) {
        out.push(Weighed {
            attempt: base.record,
            expected: Expected::ItsKindOfOutcome,
            fit: Fit::Contradicted,
            weight: HARD,
        });
    }
    for (sign, attempt) in &obs.signs {
        for r in h.reads.iter().filter(|r| r.sign == *sign) {
            out.push(Weighed {
                attempt,
                expected: r.expected,
                fit: r.fit,
                weight: r.weight,
            });
        }
    }
    out
}

/// The summary of a cause that won on one typed observation: what that observation showed and
/// what it means (the cause's home words it). `observed` is the attempt's one-line description.
pub fn sentence(cause: Cause, expected: Expected, observed: &str) -> Option<String> {
    home(cause)
        .reads
        .iter()
        .filter(|r| r.expected == expected)
        .find_map(|r| r.says)
        .map(|t| t.replace("{observed}", observed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_expectation_id_is_in_the_report_schema() {
        let schema = include_str!("../../docs/report.v1.schema.json");
        for e in ALL_EXPECTED {
            assert!(
                schema.contains(&format!("\"{}\"", e.as_str())),
                "{} is missing from docs/report.v1.schema.json",
                e.as_str()
            );
        }
    }
}
