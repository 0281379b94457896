//! weigh: how every cause weighs the typed observations of a run (`observe`). Each arm says what
//! a cause expects of one kind of observation and how much a fit supports it or a miss counts
//! against it; the engine adds these to the cause's score for every cause in the catalogue,
//! whether or not a signature proposer put it forward. The facts are typed ([`Weighed`]); the
//! sentences are made at the edge (`engine::observation`).
//!
//! The arms, by kind of observation:
//! - the baseline's own outcome class: a cause that needs an HTTP answer cannot explain a
//!   connection that never got one, a 404 cause cannot explain a 403 ([`baseline_fits`]);
//! - an upgrade that got no HTTP answer, read through the controls of the same URL: the front's own
//!   5xx page to a plain GET, the application's 404, a working HTTP/2 stream ([`no_answer`]);
//! - what a close code and its reason are about ([`close`]);
//! - what a refusal body is about, and who wrote it ([`refusal`]);
//! - a 101 followed by bytes that are not WebSocket, and browser-shaped requests refused while
//!   wsdoctor's upgrade works ([`after_upgrade`]);
//! - the site's own Origin refused behind a front ([`own_origin`]);
//! - the public answer against the `--direct` backend's ([`direct`]).
//!
//! Pure: no I/O, no clock.

use super::cause::Cause;
use super::evidence::Facts;
use super::hypothesis::{Fit, Part, HARD};
use super::observe::{AttemptObs, CloseClass, Observations, OutcomeClass, Topic};
use crate::model::{ids, AttemptRecord};

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

fn support<'a>(a: &'a AttemptRecord, expected: Expected, weight: f64) -> Weighed<'a> {
    Weighed {
        attempt: a,
        expected,
        fit: Fit::Explained,
        weight,
    }
}

fn against<'a>(a: &'a AttemptRecord, expected: Expected, weight: f64) -> Weighed<'a> {
    Weighed {
        attempt: a,
        expected,
        fit: Fit::Contradicted,
        weight,
    }
}

/// Every arm's weighing of `cause` against the run.
pub fn weigh<'a>(cause: Cause, f: &Facts<'a>, obs: &Observations<'a>) -> Vec<Weighed<'a>> {
    let Some(base) = obs.base() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if baseline_fits(cause, base) == Some(false) {
        out.push(against(base.record, Expected::ItsKindOfOutcome, HARD));
    }
    no_answer(cause, f, obs, base, &mut out);
    close(cause, f, base, &mut out);
    refusal(cause, obs, base, &mut out);
    after_upgrade(cause, obs, base, &mut out);
    own_origin(cause, f, obs, base, &mut out);
    direct(cause, obs, base, &mut out);
    idle(cause, base, &mut out);
    no_http_at_all(cause, f, obs, base, &mut out);
    credential_not_read(cause, obs, base, &mut out);
    plain_get_says_why(cause, f, obs, base, &mut out);
    exchange(cause, f, base, &mut out);
    out
}

/// Whether the baseline's outcome class is one the cause produces; `None` when the cause says
/// nothing about it (findings, causes read from other records).
pub fn baseline_fits(cause: Cause, base: &AttemptObs) -> Option<bool> {
    use Cause::*;
    use OutcomeClass as O;
    let class = base.class;
    let status = base.status.unwrap_or(0);
    let http_refusal = class == O::Http && status != 101;
    // A close the `--send` exchange provoked is a close after the upgrade too.
    let closed = matches!(class, O::ClosedAfterUpgrade | O::BrokenAfterUpgrade)
        || exchange_close(base.record).is_some();
    let fits = match cause {
        Healthy => matches!(class, O::Open),
        DnsResolutionFailed => class == O::BeforeRequest,
        TcpRefused | TcpUnreachable => class == O::BeforeRequest,
        TcpTimeout => matches!(class, O::BeforeRequest | O::Timeout),
        TcpReset => matches!(class, O::NoHttpAnswer | O::BeforeRequest),
        TlsUntrustedCertificate
        | TlsSelfSignedCertificate
        | TlsExpiredCertificate
        | TlsHostnameMismatch
        | TlsHandshakeFailed => matches!(class, O::BeforeRequest | O::NoHttpAnswer | O::Timeout),
        // A TLS-terminating proxy answers a missing or refused client certificate with its own
        // HTTP 400 page (nginx), a bare terminator fails the handshake.
        TlsClientCertRequired | TlsClientCertRejected => !matches!(class, O::Open),
        TlsNotTls => matches!(class, O::BeforeRequest | O::NoHttpAnswer),
        TlsAlpnH2Only | ServerHttp2Only => !matches!(class, O::Open | O::ClosedAfterUpgrade),
        ProxyRedirect => class == O::Http && (300..400).contains(&status),
        ProxyBadGateway => {
            (http_refusal && status >= 500)
                || class == O::NoHttpAnswer
                || (closed && base.close_topic == Some(Topic::Upstream))
                || (closed && base.close == Some(CloseClass::BadGateway))
        }
        ProxyUpgradeNotForwarded => http_refusal,
        ProxyAccessDenied | ProxyRequestTooLarge | ServerRequestTooLarge => {
            http_refusal && status >= 400
        }
        ProxyFrontRefuses => http_refusal || class == O::NoHttpAnswer,
        OriginRejected
        | OriginHostRewritten
        | AuthMissingCredentials
        | AuthCredentialsRejected
        | AuthPlacement => (http_refusal && status >= 400) || closed,
        AuthClosedAfterUpgrade => closed,
        RoutingNotFound => {
            (http_refusal && (400..500).contains(&status))
                || matches!(class, O::NoHttpAnswer | O::Timeout)
                || closed
        }
        RoutingMethodNotAllowed => http_refusal && status == 405,
        RoutingNotWebsocket => http_refusal || closed,
        ServerWebsocketUnsupported => http_refusal,
        RoutingWrongUpstream => http_refusal || closed,
        ServerError => (http_refusal && status >= 500) || closed,
        ServerTimeout => matches!(class, O::Timeout | O::NoHttpAnswer),
        ServerClosedAfterUpgrade => closed,
        ServerPingFlood => matches!(class, O::Open | O::ClosedAfterUpgrade),
        ProxyIdleTimeout => matches!(class, O::Open | O::ClosedAfterUpgrade),
        ServerBadHandshakeResponse => !matches!(class, O::BeforeRequest),
        // Read from other records (the tunnel, the HTTP/2 path, addresses, repeats, tickets) or
        // findings only.
        ProxyForwardProxyRefused
        | ProxyHttp2WebsocketRefused
        | DnsAddressInconsistent
        | RoutingIntermittent
        | ServerLoopbackBind
        | AuthTicketFailed
        | TlsPlaintextToTlsPort
        | TlsExpiringSoon
        | TlsNameOnlyInCn
        | OriginNotEnforced
        | AuthNotEnforced
        | AuthHeaderOnly
        | ServerNegotiationMismatch => return None,
    };
    Some(fits)
}

/// The controls of the same host that got an HTTP answer: the plain GET of the URL, the site root
/// and `--health-url` (the public ones).
fn answered_controls<'o, 'a>(
    obs: &'o Observations<'a>,
) -> impl Iterator<Item = &'o AttemptObs<'a>> {
    obs.attempts.iter().filter(|o| {
        !o.direct
            && matches!(o.part, Part::PlainGet | Part::HttpControl)
            && o.class == OutcomeClass::Http
    })
}

/// True when a 5xx answer is a gateway's error page: the front wrote it, or it says its
/// upstream is down or unavailable.
fn gateway_error(o: &AttemptObs) -> bool {
    matches!(o.status, Some(502..=504))
        || (o.status.is_some_and(|s| s >= 500)
            && (o.front_wrote_it().is_some_and(|p| p >= 0.5)
                || matches!(o.body_topic, Some(Topic::Upstream | Topic::Unavailable))))
}

/// An upgrade that got no HTTP answer at all (closed without a byte, reset): the controls of the
/// same URL tell why. A front that pipes the upgrade to a dead backend just closes it, and its
/// plain GET gets the front's own 5xx page; a server with nothing at this path drops the upgrade
/// and answers its plain GET with 404; a front that only speaks HTTP/2 gives HTTP/1.1 nothing and
/// the HTTP/2 stream upgrades. A "bad handshake response" needs a response.
fn no_answer<'a>(
    cause: Cause,
    f: &Facts<'a>,
    obs: &Observations<'a>,
    base: &AttemptObs<'a>,
    out: &mut Vec<Weighed<'a>>,
) {
    if base.class != OutcomeClass::NoHttpAnswer {
        return;
    }
    match cause {
        Cause::ProxyBadGateway => {
            if let Some(c) = answered_controls(obs).find(|o| gateway_error(o)) {
                out.push(support(c.record, Expected::TheFrontsGatewayError, 2.5));
            }
        }
        Cause::RoutingNotFound => {
            if let Some(c) = obs
                .public(Part::PlainGet)
                .find(|o| o.class == OutcomeClass::Http && o.status == Some(404))
            {
                out.push(support(c.record, Expected::NotFoundForThePath, 2.5));
            }
        }
        Cause::TlsAlpnH2Only | Cause::ServerHttp2Only => {
            let tls = f.run.target.starts_with("wss://");
            let wanted = if tls {
                Cause::TlsAlpnH2Only
            } else {
                Cause::ServerHttp2Only
            };
            if cause != wanted {
                return;
            }
            if let Some(h2) = f.run.http2.as_ref() {
                let works = h2.alpn.as_deref() == Some("h2")
                    && h2
                        .attempt
                        .as_deref()
                        .is_some_and(|a| a.outcome.status().is_some_and(|s| s < 300));
                if works {
                    if let Some(a) = h2.attempt.as_deref() {
                        out.push(support(a, Expected::Http2Works, 2.5));
                    }
                }
            }
        }
        // A server may refuse a handshake by closing without a word (an MQTT broker refusing an
        // unknown subprotocol): the missing response weighs against, without ruling it out.
        Cause::ServerBadHandshakeResponse => {
            out.push(against(base.record, Expected::AResponse, 0.5));
        }
        _ => {}
    }
}

/// What a close after the 101 is about. The reason is the server's own explanation; the code
/// carries meaning of its own (1011 internal, 1013 try again, 1014 bad gateway, 3000/4401
/// unauthorised; 1008 is a policy refusal whose reason says which policy).
fn close<'a>(cause: Cause, f: &Facts<'a>, base: &AttemptObs<'a>, out: &mut Vec<Weighed<'a>>) {
    use Cause::*;
    if !matches!(
        base.class,
        OutcomeClass::ClosedAfterUpgrade | OutcomeClass::BrokenAfterUpgrade
    ) {
        return;
    }
    let b = base.record;
    // A credential went with the request — unless the ticket it was to be exchanged for was
    // never issued (the ticket step is then what failed).
    let ticket_failed = f.run.tickets.iter().any(|t| !t.obtained);
    let carried = !ticket_failed
        && (super::observe::carries_credential(base) || url_carries_credential(&f.run.target));
    match base.close_topic {
        Some(Topic::Origin) => match cause {
            OriginRejected => out.push(support(b, Expected::CloseAboutOrigin, 2.0)),
            ServerClosedAfterUpgrade
            | AuthClosedAfterUpgrade
            | AuthMissingCredentials
            | AuthCredentialsRejected => out.push(against(b, Expected::CloseAboutOrigin, 1.5)),
            _ => {}
        },
        Some(Topic::Auth) => match cause {
            AuthClosedAfterUpgrade if carried => {
                out.push(support(b, Expected::CloseAboutCredential, 1.5))
            }
            AuthMissingCredentials if carried => {
                out.push(against(b, Expected::NoCredentialSent, 1.5))
            }
            ServerClosedAfterUpgrade | OriginRejected => {
                out.push(against(b, Expected::CloseAboutCredential, 1.0))
            }
            _ => {}
        },
        Some(Topic::Upstream) => match cause {
            ProxyBadGateway => out.push(support(b, Expected::CloseAboutTheServer, 2.0)),
            // The one that closed is a relay whose own upstream is gone, not the application.
            ServerClosedAfterUpgrade => out.push(against(b, Expected::CloseAboutTheServer, 0.8)),
            AuthClosedAfterUpgrade
            | AuthMissingCredentials
            | AuthCredentialsRejected
            | OriginRejected => out.push(against(b, Expected::CloseAboutTheServer, 1.5)),
            _ => {}
        },
        Some(Topic::Internal | Topic::Unavailable | Topic::GoingAway | Topic::RateLimit) => {
            match cause {
                ServerClosedAfterUpgrade => {
                    out.push(support(b, Expected::CloseAboutTheServer, 1.0))
                }
                AuthClosedAfterUpgrade
                | AuthMissingCredentials
                | AuthCredentialsRejected
                | OriginRejected => out.push(against(b, Expected::CloseAboutTheServer, 1.5)),
                _ => {}
            }
        }
        _ => {}
    }
}

/// What a refusal body is about and who wrote it. A body about a protocol on top of WebSocket
/// (Engine.IO's "Transport unknown") is the application answering an upgrade it saw: the URL is
/// that protocol's endpoint, not a plain WebSocket one, and the upgrade was forwarded. A refusal
/// the front wrote itself for every request to the host, the plain GET and the site root alike, is
/// the front's own rule, not an application asking for a credential. A gateway error page is the
/// front's, whatever product it is.
fn refusal<'a>(
    cause: Cause,
    obs: &Observations<'a>,
    base: &AttemptObs<'a>,
    out: &mut Vec<Weighed<'a>>,
) {
    use Cause::*;
    if base.class != OutcomeClass::Http || base.status == Some(101) {
        return;
    }
    let b = base.record;
    if base.body_topic == Some(Topic::Transport) {
        match cause {
            RoutingNotWebsocket => out.push(support(b, Expected::RefusalAboutTransport, 2.0)),
            ProxyUpgradeNotForwarded => out.push(against(b, Expected::RefusalAboutTransport, 1.5)),
            _ => {}
        }
    }
    if gateway_error(base) {
        // A page about a backend or upstream that no application signs is a front's.
        let unsigned_upstream_page = || {
            base.body_topic == Some(Topic::Upstream)
                && super::evidence::response(b)
                    .and_then(|r| crate::catalogue::attribute(&r).product)
                    .is_none_or(|e| e.is_front())
        };
        match cause {
            ProxyBadGateway => out.push(support(b, Expected::AGatewayErrorPage, 1.0)),
            ServerError if unsigned_upstream_page() => {
                out.push(against(b, Expected::AGatewayErrorPage, 0.8))
            }
            ServerError if base.front_wrote_it().is_some_and(|p| p >= 0.5) => {
                out.push(against(b, Expected::AnApplicationAnswer, 0.5))
            }
            _ => {}
        }
    }
    // A front's own refusal page ("Access Denied", a WAF's block page) is a policy refusal, not an
    // application asking for a credential.
    let denied_page = base.body_topic == Some(Topic::Denied)
        && base.front_wrote_it().is_some_and(|p| p >= 0.5)
        && base.status.is_some_and(|s| (400..500).contains(&s));
    if denied_page {
        match cause {
            ProxyAccessDenied => out.push(support(b, Expected::AFrontWideRefusal, 1.0)),
            AuthMissingCredentials => out.push(against(b, Expected::AFrontWideRefusal, 0.8)),
            _ => {}
        }
    }
    // The same refusal for the plain GET and for the site root: nothing WebSocket- or
    // path-specific refused it.
    let status = base.status.unwrap_or(0);
    if matches!(status, 401 | 403) && base.body_topic != Some(Topic::Auth) {
        let plain = obs.public(Part::PlainGet).next();
        let root = obs.public(Part::HttpControl).next();
        let front_wide =
            plain.is_some_and(|o| o.same_as_baseline) && root.is_some_and(|o| o.same_as_baseline);
        if front_wide {
            match cause {
                ProxyAccessDenied => out.push(support(b, Expected::AFrontWideRefusal, 1.5)),
                AuthMissingCredentials | AuthCredentialsRejected => {
                    out.push(against(b, Expected::AFrontWideRefusal, 1.0))
                }
                _ => {}
            }
        }
    }
    // Refused alike whatever the request carries, while a plain GET of the same URL gets 404 on a
    // host whose root is served: nothing at this path serves HTTP, and the WebSocket handler
    // (where there is one) does not own it either — or a credential check refuses every
    // credential it is shown; `--auth-check` or the path tells them apart.
    // (401 and 403 are left to the auth causes and the field's order: an auth check that refuses
    // every credential it is shown answers the same way.)
    if status != 404 && (400..500).contains(&status) && !matches!(status, 401 | 403) {
        let plain_404 = obs
            .public(Part::PlainGet)
            .any(|o| o.status == Some(404) && !o.same_as_baseline);
        let alike = obs
            .attempts
            .iter()
            .filter(|o| {
                !o.direct
                    && matches!(
                        o.part,
                        Part::NoCredential | Part::WrongCredential | Part::Placement | Part::Origin
                    )
            })
            .all(|o| o.same_as_baseline);
        let root_ok = obs
            .public(Part::HttpControl)
            .any(|o| o.status.is_some_and(|s| (200..400).contains(&s)));
        if plain_404 && alike && root_ok && cause == RoutingNotFound {
            out.push(support(b, Expected::RefusedAlikePlainGetNotFound, 0.8));
        }
    }
    // An application's 404, identical to the plain GET's, on a host whose root is served: the
    // application has no such route, or never saw the upgrade (a proxy that drops it) — the two
    // explain it alike, and `--direct` tells them apart.
    if status == 404 && base.front_wrote_it().is_some_and(|p| p < 0.5) {
        let plain_same = obs.public(Part::PlainGet).any(|o| o.same_as_baseline);
        let root_ok = obs
            .public(Part::HttpControl)
            .any(|o| o.status.is_some_and(|s| (200..400).contains(&s)));
        if plain_same && root_ok && cause == ProxyUpgradeNotForwarded {
            out.push(support(b, Expected::AnApplicationAnswer, 0.8));
        }
    }
}

/// After the 101: bytes that are not WebSocket framing (an HTTP error written onto the upgraded
/// socket by the framework) open the socket in a browser and then fail it with 1006; browser-
/// shaped requests refused while wsdoctor's own upgrade works mean the browsers fail.
fn after_upgrade<'a>(
    cause: Cause,
    obs: &Observations<'a>,
    base: &AttemptObs<'a>,
    out: &mut Vec<Weighed<'a>>,
) {
    use Cause::*;
    let b = base.record;
    if base.class == OutcomeClass::BrokenAfterUpgrade {
        match cause {
            ServerClosedAfterUpgrade => out.push(support(b, Expected::WebSocketAfterThe101, 1.5)),
            Healthy => out.push(against(b, Expected::WebSocketAfterThe101, HARD)),
            ServerBadHandshakeResponse => out.push(against(b, Expected::WebSocketAfterThe101, 1.0)),
            _ => {}
        }
    }
    if base.class != OutcomeClass::Open {
        return;
    }
    for o in obs.public(Part::Browser) {
        if matches!(
            o.class,
            OutcomeClass::Open | OutcomeClass::ClosedAfterUpgrade
        ) {
            continue;
        }
        // A browser always sends an Origin: a refusal the Origin variant with the same Origin
        // also got is the Origin policy, not the browser's shape.
        let by_origin = obs.public(Part::Origin).any(|x| {
            x.carried.origin == o.carried.origin && super::evidence::same_answer(x.record, o.record)
        });
        if by_origin {
            continue;
        }
        let a = o.record;
        match cause {
            Healthy => out.push(against(a, Expected::BrowsersGetTheSame, HARD)),
            ProxyAccessDenied
                if o.front_wrote_it().is_some_and(|p| p >= 0.5)
                    && o.status.is_some_and(|s| (400..500).contains(&s)) =>
            {
                out.push(support(a, Expected::BrowsersGetTheSame, 1.0))
            }
            ServerError if o.status.is_some_and(|s| s >= 500) => {
                out.push(support(a, Expected::BrowsersGetTheSame, 1.0))
            }
            ServerBadHandshakeResponse => out.push(support(a, Expected::BrowsersGetTheSame, 0.5)),
            _ => {}
        }
    }
}

/// The URL's own origin (`scheme://host[:port]` with ws→http, wss→https).
fn own_origin_of(target: &str) -> Option<String> {
    let url = url::Url::parse(target).ok()?;
    let scheme = match url.scheme() {
        "ws" | "http" => "http",
        "wss" | "https" => "https",
        _ => return None,
    };
    let host = url.host_str()?;
    Some(match url.port() {
        Some(p) => format!("{scheme}://{host}:{p}"),
        None => format!("{scheme}://{host}"),
    })
}

/// True when a front (a proxy, CDN or gateway) is seen on the path: some answer of the run is
/// one a front wrote itself, or names one.
fn front_on_the_path(obs: &Observations) -> bool {
    obs.attempts.iter().filter(|o| !o.direct).any(|o| {
        o.front_wrote_it().is_some_and(|p| p >= 0.8)
            || super::evidence::producer(o.record).is_some_and(|r| r.kind.is_intermediary())
            || !super::evidence::intermediaries(o.record).is_empty()
    })
}

/// A same-origin check (gorilla's, Tornado's and Django's defaults) refuses the site's own Origin
/// only when the Host it sees is not the site's: behind a front, a Host rewrite. An allowlist that
/// leaves out the site's own origin explains it too, less often; `--direct` tells them apart.
fn own_origin<'a>(
    cause: Cause,
    f: &Facts<'a>,
    obs: &Observations<'a>,
    base: &AttemptObs<'a>,
    out: &mut Vec<Weighed<'a>>,
) {
    if !matches!(cause, Cause::OriginHostRewritten | Cause::OriginRejected) {
        return;
    }
    if base.class != OutcomeClass::Http || !base.status.is_some_and(|s| (400..500).contains(&s)) {
        return;
    }
    let Some(own) = own_origin_of(&f.run.target) else {
        return;
    };
    let is_own = |o: &AttemptObs| {
        o.carried
            .origin
            .as_deref()
            .is_some_and(|x| x.eq_ignore_ascii_case(&own))
    };
    // With `--direct`, the backend's own answer to the same Origin decides between the two
    // readings (`hypothesis::direct`); this arm speaks only without it.
    if obs.attempts.iter().any(|o| o.direct) {
        return;
    }
    let own_refused = std::iter::once(base)
        .chain(obs.public(Part::Origin))
        .find(|o| is_own(o) && o.same_as_baseline);
    let none_open = obs
        .public(Part::Origin)
        .any(|o| o.carried.origin.is_none() && o.class == OutcomeClass::Open);
    if let Some(o) = own_refused {
        if none_open && front_on_the_path(obs) {
            match cause {
                Cause::OriginHostRewritten => out.push(support(
                    o.record,
                    Expected::OwnOriginRefusedBehindAFront,
                    1.5,
                )),
                // An allowlist seldom leaves out the site's own origin.
                Cause::OriginRejected => out.push(against(
                    o.record,
                    Expected::OwnOriginRefusedBehindAFront,
                    0.5,
                )),
                _ => {}
            }
        }
    }
}

/// The public answer against the `--direct` backend's: an application's refusal through the
/// front that the backend does not give is another application's — the path reaches the wrong
/// upstream — not the front refusing.
fn direct<'a>(
    cause: Cause,
    obs: &Observations<'a>,
    base: &AttemptObs<'a>,
    out: &mut Vec<Weighed<'a>>,
) {
    let Some(twin) = obs
        .attempts
        .iter()
        .find(|o| o.direct && o.id == ids::DIRECT_BASELINE)
    else {
        return;
    };
    // An application's answer by its shape: a JSON body, or a product the catalogue knows as an
    // application (a front's custom plain-text refusal is no proof of another application).
    let json = super::evidence::response(base.record).is_some_and(|r| {
        let b = r.body_excerpt.trim_start();
        b.starts_with('{') || b.starts_with('[')
    });
    let app_product = super::evidence::producer(base.record)
        .is_some_and(|r| r.kind == crate::fingerprint::ResponderKind::App);
    let app_answer = base.class == OutcomeClass::Http
        && base.status != Some(101)
        && base.front_wrote_it().is_some_and(|p| p < 0.5)
        && (json || app_product);
    let differs = !super::evidence::same_answer(base.record, twin.record);
    if !(app_answer && differs && twin.class != OutcomeClass::BeforeRequest) {
        return;
    }
    match cause {
        Cause::RoutingWrongUpstream => {
            out.push(support(base.record, Expected::AnApplicationAnswer, 1.0))
        }
        Cause::ProxyFrontRefuses => {
            out.push(against(base.record, Expected::AnApplicationAnswer, 0.8))
        }
        _ => {}
    }
    // The backend's own plain GET of the same path answers in another format than the public
    // upgrade got (JSON there, not here): a proxy that drops the upgrade would relay this
    // backend's plain answer (its status may change with the HTTP version the proxy speaks,
    // its format does not).
    let Some(plain) = obs
        .attempts
        .iter()
        .find(|o| o.direct && o.part == Part::PlainGet && o.class == OutcomeClass::Http)
    else {
        return;
    };
    let json_of = |a: &AttemptRecord| {
        super::evidence::response(a).is_some_and(|r| {
            let b = r.body_excerpt.trim_start();
            b.starts_with('{') || b.starts_with('[')
        })
    };
    if json_of(base.record) != json_of(plain.record) {
        match cause {
            Cause::ProxyUpgradeNotForwarded => {
                out.push(against(plain.record, Expected::TheBackendsAnswer, 0.8))
            }
            Cause::RoutingWrongUpstream => {
                out.push(support(plain.record, Expected::TheBackendsAnswer, 0.5))
            }
            _ => {}
        }
    }
}

/// The `--idle` hold: a connection cut during it is not healthy.
fn idle<'a>(cause: Cause, base: &AttemptObs<'a>, out: &mut Vec<Weighed<'a>>) {
    if cause != Cause::Healthy {
        return;
    }
    let cut = base
        .record
        .session
        .as_ref()
        .and_then(|s| s.idle.as_ref())
        .is_some_and(|i| i.ended == "fin" || i.ended == "rst");
    if cut {
        out.push(against(base.record, Expected::OpenThroughTheHold, HARD));
    }
}

/// Nothing on the port answers HTTP: every request, the plain GET and the site root included,
/// is closed or reset without a byte, and the port does not speak TLS either. An HTTP server with
/// a broken handshake still answers a plain GET; a TCP relay (an L4 balancer, an SNI proxy) whose
/// backend is gone accepts and drops everything.
fn no_http_at_all<'a>(
    cause: Cause,
    f: &Facts<'a>,
    obs: &Observations<'a>,
    base: &AttemptObs<'a>,
    out: &mut Vec<Weighed<'a>>,
) {
    if base.class != OutcomeClass::NoHttpAnswer {
        return;
    }
    let public: Vec<&AttemptObs> = obs
        .attempts
        .iter()
        .filter(|o| !o.direct && o.id != ids::CONTROL_OTHER_SCHEME)
        .collect();
    let controls = public
        .iter()
        .filter(|o| matches!(o.part, Part::PlainGet | Part::HttpControl))
        .count();
    let none_answers = public.iter().all(|o| {
        matches!(
            o.class,
            OutcomeClass::NoHttpAnswer | OutcomeClass::BeforeRequest | OutcomeClass::Timeout
        )
    });
    // The other scheme's try tells what the port speaks: TLS, or HTTP to a ClientHello it could
    // not parse (an HTTP server refusing the handshake, not a relay with nothing behind it).
    let tls_port = f.run.other_scheme.as_deref().is_some_and(|o| {
        super::rules::tls::spoke_tls(o)
            || matches!(&o.outcome, crate::model::Outcome::TlsError { error, .. } if error == "not_tls")
    });
    // A front that answers HTTP/2 where HTTP/1.1 gets nothing is an HTTP/2-only front.
    let http2_answers = f.run.http2.as_ref().is_some_and(|h| {
        h.attempt
            .as_deref()
            .is_some_and(|a| a.outcome.status().is_some())
    });
    if controls == 0 || !none_answers || tls_port || http2_answers {
        return;
    }
    match cause {
        Cause::ProxyBadGateway => out.push(support(base.record, Expected::NothingAnswersHttp, 2.0)),
        Cause::RoutingNotFound | Cause::ServerTimeout => {
            out.push(against(base.record, Expected::NothingAnswersHttp, 0.8))
        }
        _ => {}
    }
}

/// A WebSocket answer that says nothing (a close without a code or reason, an upgrade never
/// answered) is read through the plain GET of the same URL, which often says it in words: a 401
/// about a token, a 404, the route's own JSON. An upgrade never answered while the plain GET is
/// answered at once is an upgrade listener that does not own the path.
fn plain_get_says_why<'a>(
    cause: Cause,
    f: &Facts<'a>,
    obs: &Observations<'a>,
    base: &AttemptObs<'a>,
    out: &mut Vec<Weighed<'a>>,
) {
    use Cause::*;
    let silent_close = matches!(base.class, OutcomeClass::ClosedAfterUpgrade)
        && base.close_topic.is_none()
        && matches!(
            base.close,
            Some(CloseClass::Dropped | CloseClass::Other | CloseClass::Normal)
        );
    let unanswered = base.class == OutcomeClass::Timeout
        && base.record.stages.iter().all(|s| {
            !matches!(
                s.stage,
                crate::model::Stage::Dns | crate::model::Stage::Tcp | crate::model::Stage::Tls
            ) || s.status != crate::model::StageStatus::Failed
        });
    if !silent_close && !unanswered {
        return;
    }
    // Only a plain GET that says something: a bare 404 with no body is what a WebSocket-only
    // route answers a plain request (the 101 already showed a handler owns the path).
    let says_something = |o: &&AttemptObs| {
        super::evidence::response(o.record).is_some_and(|r| !r.body_excerpt.trim().is_empty())
    };
    let Some(plain) = obs
        .public(Part::PlainGet)
        .filter(says_something)
        .find(|o| o.class == OutcomeClass::Http && o.status != Some(101))
    else {
        return;
    };
    let p = plain.record;
    if unanswered {
        match cause {
            RoutingNotFound => out.push(support(p, Expected::UpgradeUnownedPath, 1.5)),
            ServerTimeout => out.push(against(p, Expected::UpgradeUnownedPath, 0.5)),
            _ => {}
        }
        return;
    }
    let status = plain.status.unwrap_or(0);
    let about_auth = matches!(status, 401 | 403) || plain.body_topic == Some(Topic::Auth);
    let carried = f.run.credential_given || url_carries_credential(&f.run.target);
    let says = if about_auth {
        Some(if carried {
            AuthCredentialsRejected
        } else {
            AuthMissingCredentials
        })
    } else if status == 404 {
        Some(RoutingNotFound)
    } else if (200..300).contains(&status) {
        Some(RoutingNotWebsocket)
    } else {
        None
    };
    let Some(says) = says else {
        return;
    };
    if cause == says {
        out.push(support(p, Expected::ThePlainGetSaysWhy, 1.5));
    } else if cause == ServerClosedAfterUpgrade {
        out.push(against(p, Expected::ThePlainGetSaysWhy, 0.8));
    }
}

/// The `--send` exchange: a close the messages provoke (an application protocol refusing what was
/// sent, such as graphql-ws's 4403 to `connection_init`) is a failure a healthy reading cannot
/// explain, and its code and reason are weighed like a close after the 101.
fn exchange<'a>(cause: Cause, f: &Facts<'a>, base: &AttemptObs<'a>, out: &mut Vec<Weighed<'a>>) {
    let Some((code, reason)) = exchange_close(base.record) else {
        return;
    };
    let b = base.record;
    let carried = f.run.credential_given || url_carries_credential(&f.run.target);
    let topic = super::observe::close_topic(code, reason);
    // Only a refusal of what the request carried (its credential, its Origin) in the application
    // protocol is the connection's fault; a close about the message itself is the exchange's,
    // reported with it (`session.exchange.ended`), and the handshake stays healthy.
    if !matches!(topic, Some(Topic::Auth | Topic::Origin)) {
        return;
    }
    match (cause, topic) {
        (Cause::Healthy, _) => out.push(against(b, Expected::TheExchangeStaysOpen, HARD)),
        (Cause::AuthClosedAfterUpgrade, Some(Topic::Auth)) if carried => {
            out.push(support(b, Expected::CloseAboutCredential, 2.0))
        }
        (Cause::AuthMissingCredentials, Some(Topic::Auth)) if !carried => {
            out.push(support(b, Expected::CloseAboutCredential, 2.0))
        }
        (Cause::OriginRejected, Some(Topic::Origin)) => {
            out.push(support(b, Expected::CloseAboutOrigin, 2.0))
        }
        _ => {}
    }
}

/// The close (code, reason) the `--send` exchange ended in, unless a normal one.
fn exchange_close(a: &AttemptRecord) -> Option<(Option<u16>, &str)> {
    let ended = a.session.as_ref()?.exchange.as_ref()?.ended.as_ref()?;
    let (code, reason) = match ended {
        crate::model::SessionEnd::CloseFrame { code, reason, .. } => (*code, reason.as_str()),
        crate::model::SessionEnd::Dropped { .. } => (None, ""),
        _ => return None,
    };
    (code != Some(1000)).then_some((code, reason))
}

/// The request with the credential gets exactly the refusal of the request without one, and
/// that refusal says a credential is missing: the credential never reached the check (read from
/// another place, or stripped on the way), so it was not refused on its merits.
fn credential_not_read<'a>(
    cause: Cause,
    obs: &Observations<'a>,
    base: &AttemptObs<'a>,
    out: &mut Vec<Weighed<'a>>,
) {
    if !super::observe::carries_credential(base)
        || base.class != OutcomeClass::Http
        || !base.status.is_some_and(|s| matches!(s, 401 | 403))
    {
        return;
    }
    let says_missing = super::evidence::response(base.record).is_some_and(|r| {
        let t = r.body_excerpt.to_ascii_lowercase();
        [
            "missing",
            "required",
            "no token",
            "not provided",
            "no credential",
            "not authenticated",
        ]
        .iter()
        .any(|w| t.contains(w))
    });
    let like_none = obs.public(Part::NoCredential).any(|o| o.same_as_baseline);
    if !(says_missing && like_none) {
        return;
    }
    match cause {
        Cause::AuthPlacement => out.push(support(base.record, Expected::CredentialNotRead, 1.5)),
        Cause::AuthCredentialsRejected => {
            out.push(against(base.record, Expected::CredentialNotRead, 1.0))
        }
        _ => {}
    }
}

/// True when the target URL itself carries a credential: a sensitive query parameter (as the
/// redactor knows them, redacted or not) or userinfo.
pub fn url_carries_credential(target: &str) -> bool {
    let Ok(url) = url::Url::parse(target) else {
        return target.contains(crate::secret::REDACTED);
    };
    !url.username().is_empty()
        || url.password().is_some()
        || url
            .query_pairs()
            .any(|(k, _)| crate::secret::is_sensitive_param(&k))
}

/// The summary of a cause that won on one typed observation: what that observation showed and
/// what it means. `observed` is the attempt's one-line description.
pub fn sentence(cause: Cause, expected: Expected, observed: &str) -> Option<String> {
    use Cause::*;
    let line = match (cause, expected) {
        (ProxyBadGateway, Expected::TheFrontsGatewayError) => format!(
            "the upgrade got no HTTP answer while a plain request to the same host got the front's own gateway error ({observed}): the front cannot reach its upstream and drops the upgrade it would pipe there"
        ),
        (ProxyBadGateway, Expected::CloseAboutTheServer) => format!(
            "the upgrade was accepted and then closed because the server behind could not be reached ({observed}): a WebSocket proxy cannot reach its upstream"
        ),
        (ProxyBadGateway, Expected::AGatewayErrorPage) => format!(
            "the answer is a gateway's error page ({observed}): the front cannot reach a healthy upstream"
        ),
        (RoutingNotFound, Expected::NotFoundForThePath) => format!(
            "the upgrade got no HTTP answer while a plain GET of the same URL got 404 ({observed}): nothing serves this path, and the server drops upgrades it cannot route"
        ),
        (TlsAlpnH2Only, Expected::Http2Works) | (ServerHttp2Only, Expected::Http2Works) => format!(
            "HTTP/1.1 gets no answer at all while the same front accepts the WebSocket over HTTP/2 ({observed}): it only serves HTTP/2, so clients that upgrade over HTTP/1.1 fail"
        ),
        (OriginRejected, Expected::CloseAboutOrigin) => format!(
            "the server accepts the upgrade and then closes it over the Origin ({observed}): its Origin check refuses the origin sent"
        ),
        (AuthClosedAfterUpgrade, Expected::CloseAboutCredential) => format!(
            "the server accepts the upgrade and then closes it over the credential the request carries ({observed})"
        ),
        (ServerClosedAfterUpgrade, Expected::CloseAboutTheServer) => format!(
            "the server accepts the upgrade and then closes it for a reason of its own, not the request's ({observed})"
        ),
        (ServerClosedAfterUpgrade, Expected::WebSocketAfterThe101) => format!(
            "the server sends 101 and then bytes that are not WebSocket frames ({observed}): browsers open the socket and then fail it with 1006 — the handler fails after the upgrade"
        ),
        (RoutingNotWebsocket, Expected::RefusalAboutTransport) => format!(
            "the endpoint answers a plain WebSocket upgrade with a refusal about its own transport ({observed}): it speaks a protocol on top of WebSocket (Engine.IO/Socket.IO, SockJS) and needs that protocol's client or URL"
        ),
        (ProxyAccessDenied, Expected::AFrontWideRefusal) => format!(
            "the same refusal answers the upgrade, a plain GET of the URL and the site root ({observed}): a front's access rule refuses every request, whatever it carries"
        ),
        (OriginHostRewritten, Expected::OwnOriginRefusedBehindAFront) => format!(
            "the site's own Origin is refused behind a front while no Origin is accepted ({observed}): a same-origin check sees another Host than the URL's, so the front rewrites Host"
        ),
        (RoutingWrongUpstream, Expected::AnApplicationAnswer) => format!(
            "the public URL gets an application's refusal the --direct backend does not give ({observed}): the path reaches another application"
        ),
        (ProxyBadGateway, Expected::NothingAnswersHttp) => format!(
            "no request to this port gets any HTTP answer, not even a plain GET of the site root ({observed}): a TCP relay or balancer in front accepts connections and drops them, its backend is gone"
        ),
        (RoutingNotFound, Expected::RefusedAlikePlainGetNotFound) => format!(
            "every upgrade is refused alike whatever it carries, while a plain GET of the same URL gets 404 ({observed}): nothing at this path serves HTTP and no WebSocket handler owns it"
        ),
        (AuthPlacement, Expected::CredentialNotRead) => format!(
            "the request with the credential gets the very refusal of the request without one, and it says the credential is missing ({observed}): the credential does not reach the check where it was put — the server reads it elsewhere, or a proxy strips it"
        ),
        (RoutingNotFound, Expected::UpgradeUnownedPath) => format!(
            "the upgrade is never answered while a plain GET of the same URL is answered at once ({observed}): the server's WebSocket listener does not own this path"
        ),
        (_, Expected::ThePlainGetSaysWhy) => format!(
            "the upgrade is accepted and then closed without a reason, and a plain GET of the same URL says why ({observed})"
        ),
        (AuthMissingCredentials, Expected::CloseAboutCredential) => format!(
            "the server accepts the upgrade and then refuses the credential over the connection ({observed})"
        ),
        _ => return None,
    };
    Some(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_in_the_query_or_the_userinfo_is_a_credential_the_url_carries() {
        assert!(url_carries_credential("ws://h/ws?token=[redacted]"));
        assert!(url_carries_credential("ws://h/ws?access_token=abc"));
        assert!(url_carries_credential("ws://u:p@h/ws"));
        assert!(!url_carries_credential("ws://h/ws?room=1"));
    }

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

    #[test]
    fn the_own_origin_of_a_websocket_url_is_its_http_origin() {
        assert_eq!(
            own_origin_of("ws://127.0.0.1:20502/ws").as_deref(),
            Some("http://127.0.0.1:20502")
        );
        assert_eq!(
            own_origin_of("wss://api.example.com/ws").as_deref(),
            Some("https://api.example.com")
        );
    }
}
