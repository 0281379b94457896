//! sign: what a run shows, read from its typed observations (`observe`) without naming a cause.
//! Each [`Sign`] is one fact about the run that some causes explain and others cannot: an upgrade
//! that got no HTTP answer while the plain GET of the same URL got the front's own gateway error,
//! a close about the Origin, a refusal the front wrote for every request to the host... Which
//! cause reads which sign, which way and how much is the cause's own business: its `reads` in
//! its home (`diagnose::causes`). Adding a kind of fact means one variant here and rows only in the
//! homes of the causes that care.
//!
//! Pure: no I/O, no clock.

use super::evidence::Facts;
use super::hypothesis::Part;
use super::observe::{AttemptObs, CloseClass, Observations, OutcomeClass, Topic};
use crate::model::{ids, AttemptRecord};

/// One fact a run shows, cause-free. The attempt it was seen on goes beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sign {
    /// The upgrade got no HTTP answer, and a control of the same host got the front's own
    /// gateway error (502/503/504, or a 5xx page about its upstream).
    NoAnswerFrontsGatewayError,
    /// The upgrade got no HTTP answer, and the plain GET of the same URL got 404.
    NoAnswerPlainGetNotFound,
    /// The upgrade over HTTP/1.1 (TLS) got no HTTP answer while the HTTP/2 stream (ALPN h2) works.
    NoAnswerHttp2WorksOverTls,
    /// The same over cleartext (h2c with prior knowledge).
    NoAnswerHttp2WorksCleartext,
    /// The upgrade got no HTTP answer at all (closed without a byte, reset).
    NoAnswer,
    /// No request to the port gets any HTTP answer, controls included, and the port does not
    /// speak TLS or HTTP/2 either.
    NothingAnswersHttp,
    /// A close after the 101 about the Origin.
    CloseAboutOrigin,
    /// A close after the 101 about the credential, which the request carried.
    CloseAboutTheCarriedCredential,
    /// A close after the 101 about a credential, and none was carried.
    CloseAboutAMissingCredential,
    /// A close after the 101 about a server the closer could not reach (a relay's upstream).
    CloseAboutTheUpstream,
    /// A close after the 101 about the server itself: internal error, unavailable, going away,
    /// rate limit.
    CloseAboutTheServer,
    /// A 101 followed by bytes that are not WebSocket frames.
    BrokenAfterThe101,
    /// A refusal about a protocol on top of WebSocket (Engine.IO's "Transport unknown").
    RefusalAboutTransport,
    /// A gateway's error page answers the upgrade.
    GatewayErrorPage,
    /// ...a page about a backend or upstream that no application signs.
    GatewayPageNoApplicationSigns,
    /// ...otherwise, a 5xx page the front wrote itself.
    GatewayPageTheFrontWrote,
    /// A front's own refusal page ("Access Denied", a WAF's block page) with a 4xx.
    FrontsDeniedPage,
    /// A 401/403 not about a credential, identical for the plain GET and the site root.
    FrontWideRefusal,
    /// Every upgrade refused alike (a 4xx, not 401/403/404) while the plain GET of the same URL
    /// gets 404 and the site root is served.
    RefusedAlikePlainGetNotFound,
    /// The application's own 404, identical to the plain GET's, the site root served.
    ApplicationNotFoundLikeThePlainGet,
    /// A browser-shaped request refused while wsdoctor's own upgrade opens (and not for its
    /// Origin).
    BrowserShapeRefused,
    /// ...refused by the front itself with a 4xx.
    BrowserShapeRefusedByTheFront,
    /// ...refused with a 5xx.
    BrowserShapeServerError,
    /// The site's own Origin refused behind a front while no Origin opens (without `--direct`).
    OwnOriginRefusedBehindAFront,
    /// An application's refusal through the front that the `--direct` backend does not give.
    DirectAnotherApplication,
    /// The backend's own plain GET answers in another format (JSON or not) than the public
    /// upgrade got.
    DirectPlainInAnotherFormat,
    /// The baseline was cut (FIN or RST) during the `--idle` hold.
    IdleCut,
    /// The upgrade is never answered while the plain GET of the same URL is.
    UpgradeUnansweredPlainGetAnswered,
    /// A silent close after the 101; the plain GET says the credential carried is refused.
    PlainGetSaysCredentialRefused,
    /// ...the plain GET says a credential is missing (none carried).
    PlainGetSaysCredentialMissing,
    /// ...the plain GET says 404, in words.
    PlainGetSaysNotFound,
    /// ...the plain GET gets a 2xx page.
    PlainGetSaysNotWebsocket,
    /// The `--send` exchange ended in a close about the credential the request carried.
    ExchangeClosedOverTheCarriedCredential,
    /// ...about a credential, none carried.
    ExchangeClosedOverAMissingCredential,
    /// ...about the Origin.
    ExchangeClosedOverOrigin,
    /// The request with the credential gets the very refusal of the request without one, and it
    /// says the credential is missing.
    CredentialNotRead,
    /// The application's refusal of the upgrade is also what the requests with a broken handshake
    /// (no key, version 8) and the plain GET get, and a front is seen on the path: nothing that
    /// answered checked the handshake — the front passes the upgrade on as a plain request.
    NoWebSocketLayerBehindAFront,
    /// ...and no front is seen, and the answer is a server's that checks the handshake itself
    /// before the application routes (an ASGI server): its WebSocket support is off.
    NoWebSocketLayerInAServerThatHasOne,
    /// ...and no front is seen: nothing at this URL checks the handshake — the server has no
    /// WebSocket support, or a router answers before any WebSocket handler (a path it does not
    /// serve: Go's ServeMux, axum, Spring route first and check the handshake in the handler).
    NoWebSocketLayerNoFrontSeen,
    /// The upgrade gets a plain 2xx that the plain GET of the same URL does not get: something
    /// reacted to the Upgrade headers and answered without completing the handshake.
    UpgradeAnsweredUnlikeThePlainGet,
    /// `--auth-check` proves the credential good: 2xx with it, 401/403 without (on the proof).
    CredentialProvenGood,
    /// The baseline's refusal is a front's own error page (its shape says so, near-certainly).
    TheFrontsOwnErrorPage,
    /// The HTTP/2 path browsers take where it is advertised is refused (on the HTTP/2 stream).
    Http2PathRefused,
    /// The upgraded connection is flooded with pings.
    PingFlood,
    /// A browser refuses the baseline's 101 itself (a header Chrome or Firefox does not accept).
    BrowserRefusesThe101,
    /// The upgrade is refused, and the plain GET of the same URL gets the 404 of a framework that
    /// answers a plain GET of a WebSocket route otherwise (405): no route takes the path, so the
    /// refusal is not a check of what the request carried (on the plain GET).
    PlainGetSaysNoRouteAtAll,
}

/// Every sign a run shows, each with the attempt it was seen on.
pub fn read<'a>(f: &Facts<'a>, obs: &Observations<'a>) -> Vec<(Sign, &'a AttemptRecord)> {
    let Some(base) = obs.base() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    no_answer(f, obs, base, &mut out);
    close(f, base, &mut out);
    refusal(obs, base, &mut out);
    after_upgrade(obs, base, &mut out);
    own_origin(f, obs, base, &mut out);
    direct(obs, base, &mut out);
    idle(base, &mut out);
    no_http_at_all(f, obs, base, &mut out);
    credential_not_read(obs, base, &mut out);
    plain_get_says_why(f, obs, base, &mut out);
    exchange(f, base, &mut out);
    handshake_unchecked(obs, base, &mut out);
    no_route_at_all(obs, base, &mut out);
    beside_the_matrix(f, base, &mut out);
    out
}

/// A refused upgrade whose plain GET gets the 404 of a framework that answers a plain GET of a
/// WebSocket route with another status (Falcon's and Litestar's 405, `catalogue`): the path has
/// no route, so whatever refused the upgrade (an ASGI server's bare 403 for a scope no route took)
/// did not judge the credential or the Origin.
fn no_route_at_all<'a>(obs: &Observations<'a>, base: &AttemptObs<'a>, out: &mut Out<'a>) {
    if base.class != OutcomeClass::Http || !base.status.is_some_and(|s| (400..500).contains(&s)) {
        return;
    }
    let Some(plain) = obs
        .public(Part::PlainGet)
        .find(|o| o.class == OutcomeClass::Http && o.status == Some(404))
    else {
        return;
    };
    let elsewise = super::evidence::response(plain.record)
        .and_then(|r| crate::catalogue::websocket_route_plain_get(&r))
        .is_some_and(|s| s != 404);
    if elsewise {
        out.push((Sign::PlainGetSaysNoRouteAtAll, plain.record));
    }
}

/// Records that are not attempts of the matrix: the `--auth-check` pair, who wrote the baseline's
/// refusal by its shape, the HTTP/2 path, the session's pings, the browsers' judgement of the 101.
fn beside_the_matrix<'a>(f: &Facts<'a>, base: &AttemptObs<'a>, out: &mut Out<'a>) {
    if let Some(proof) = credential_proven(f) {
        out.push((Sign::CredentialProvenGood, proof));
    }
    let b = base.record;
    if super::evidence::response(b).is_some_and(|r| crate::fingerprint::proxy_authorship(&r) >= 0.9)
    {
        out.push((Sign::TheFrontsOwnErrorPage, b));
    }
    if let Some((_, h2)) = super::rules::http2::refused_stream(f) {
        out.push((Sign::Http2PathRefused, h2));
    }
    if super::evidence::ping_flood_of(b).is_some() {
        out.push((Sign::PingFlood, b));
    }
    if super::browser::refused_by_a_browser(b) {
        out.push((Sign::BrowserRefusesThe101, b));
    }
}

/// The `--auth-check` pair proves the credential good: its URL answers 2xx with the credential and
/// 401/403 without. The proof (the attempt with the credential), if it does.
pub fn credential_proven<'a>(f: &Facts<'a>) -> Option<&'a AttemptRecord> {
    let with = f
        .run
        .http_controls
        .iter()
        .find(|a| super::hypothesis::part(a) == Part::AuthCheck)?;
    let without = f
        .run
        .http_controls
        .iter()
        .find(|a| super::hypothesis::part(a) == Part::AuthCheckNone)?;
    let ok = with
        .outcome
        .status()
        .is_some_and(|s| (200..300).contains(&s));
    let refused_without = without
        .outcome
        .status()
        .is_some_and(|s| matches!(s, 401 | 403));
    (ok && refused_without).then_some(with)
}

type Out<'a> = Vec<(Sign, &'a AttemptRecord)>;

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
/// the HTTP/2 stream upgrades.
fn no_answer<'a>(f: &Facts<'a>, obs: &Observations<'a>, base: &AttemptObs<'a>, out: &mut Out<'a>) {
    if base.class != OutcomeClass::NoHttpAnswer {
        return;
    }
    if let Some(c) = answered_controls(obs).find(|o| gateway_error(o)) {
        out.push((Sign::NoAnswerFrontsGatewayError, c.record));
    }
    if let Some(c) = obs
        .public(Part::PlainGet)
        .find(|o| o.class == OutcomeClass::Http && o.status == Some(404))
    {
        out.push((Sign::NoAnswerPlainGetNotFound, c.record));
    }
    if let Some(h2) = f.run.http2.as_ref() {
        let works = h2.alpn.as_deref() == Some("h2")
            && h2
                .attempt
                .as_deref()
                .is_some_and(|a| a.outcome.status().is_some_and(|s| s < 300));
        if let (true, Some(a)) = (works, h2.attempt.as_deref()) {
            let sign = if f.run.target.starts_with("wss://") {
                Sign::NoAnswerHttp2WorksOverTls
            } else {
                Sign::NoAnswerHttp2WorksCleartext
            };
            out.push((sign, a));
        }
    }
    out.push((Sign::NoAnswer, base.record));
}

/// What a close after the 101 is about. The reason is the server's own explanation; the code
/// carries meaning of its own (1011 internal, 1013 try again, 1014 bad gateway, 3000/4401
/// unauthorised; 1008 is a policy refusal whose reason says which policy).
fn close<'a>(f: &Facts<'a>, base: &AttemptObs<'a>, out: &mut Out<'a>) {
    if !matches!(
        base.class,
        OutcomeClass::ClosedAfterUpgrade | OutcomeClass::BrokenAfterUpgrade
    ) {
        return;
    }
    // A credential went with the request — unless the ticket it was to be exchanged for was
    // never issued (the ticket step is then what failed).
    let ticket_failed = f.run.tickets.iter().any(|t| !t.obtained);
    let carried = !ticket_failed
        && (super::observe::carries_credential(base) || url_carries_credential(&f.run.target));
    let sign = match base.close_topic {
        Some(Topic::Origin) => Sign::CloseAboutOrigin,
        Some(Topic::Auth) if carried => Sign::CloseAboutTheCarriedCredential,
        Some(Topic::Auth) => Sign::CloseAboutAMissingCredential,
        Some(Topic::Upstream) => Sign::CloseAboutTheUpstream,
        Some(Topic::Internal | Topic::Unavailable | Topic::GoingAway | Topic::RateLimit) => {
            Sign::CloseAboutTheServer
        }
        _ => return,
    };
    out.push((sign, base.record));
}

/// What a refusal body is about and who wrote it. A body about a protocol on top of WebSocket
/// (Engine.IO's "Transport unknown") is the application answering an upgrade it saw. A refusal
/// the front wrote itself for every request to the host, the plain GET and the site root alike, is
/// the front's own rule. A gateway error page is the front's, whatever product it is.
fn refusal<'a>(obs: &Observations<'a>, base: &AttemptObs<'a>, out: &mut Out<'a>) {
    if base.class != OutcomeClass::Http || base.status == Some(101) {
        return;
    }
    let b = base.record;
    if base.body_topic == Some(Topic::Transport) {
        out.push((Sign::RefusalAboutTransport, b));
    }
    if gateway_error(base) {
        out.push((Sign::GatewayErrorPage, b));
        // A page about a backend or upstream that no application signs is a front's.
        let unsigned_upstream_page = base.body_topic == Some(Topic::Upstream)
            && super::evidence::response(b)
                .and_then(|r| crate::catalogue::attribute(&r).product)
                .is_none_or(|e| e.is_front());
        if unsigned_upstream_page {
            out.push((Sign::GatewayPageNoApplicationSigns, b));
        } else if base.front_wrote_it().is_some_and(|p| p >= 0.5) {
            out.push((Sign::GatewayPageTheFrontWrote, b));
        }
    }
    let status = base.status.unwrap_or(0);
    if base.body_topic == Some(Topic::Denied)
        && base.front_wrote_it().is_some_and(|p| p >= 0.5)
        && (400..500).contains(&status)
    {
        out.push((Sign::FrontsDeniedPage, b));
    }
    // The same refusal for the plain GET and for the site root: nothing WebSocket- or
    // path-specific refused it.
    if matches!(status, 401 | 403) && base.body_topic != Some(Topic::Auth) {
        let plain = obs.public(Part::PlainGet).next();
        let root = obs.public(Part::HttpControl).next();
        if plain.is_some_and(|o| o.same_as_baseline) && root.is_some_and(|o| o.same_as_baseline) {
            out.push((Sign::FrontWideRefusal, b));
        }
    }
    let root_ok = || {
        obs.public(Part::HttpControl)
            .any(|o| o.status.is_some_and(|s| (200..400).contains(&s)))
    };
    // Refused alike whatever the request carries, while a plain GET of the same URL gets 404 on a
    // host whose root is served. (401 and 403 are left to the auth causes and the field's order:
    // an auth check that refuses every credential it is shown answers the same way.)
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
        if plain_404 && alike && root_ok() {
            out.push((Sign::RefusedAlikePlainGetNotFound, b));
        }
    }
    // An application's 404, identical to the plain GET's, on a host whose root is served.
    if status == 404
        && base.front_wrote_it().is_some_and(|p| p < 0.5)
        && obs.public(Part::PlainGet).any(|o| o.same_as_baseline)
        && root_ok()
    {
        out.push((Sign::ApplicationNotFoundLikeThePlainGet, b));
    }
}

/// After the 101: bytes that are not WebSocket framing, and browser-shaped requests refused while
/// wsdoctor's own upgrade works.
fn after_upgrade<'a>(obs: &Observations<'a>, base: &AttemptObs<'a>, out: &mut Out<'a>) {
    if base.class == OutcomeClass::BrokenAfterUpgrade {
        out.push((Sign::BrokenAfterThe101, base.record));
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
        out.push((Sign::BrowserShapeRefused, o.record));
        if o.front_wrote_it().is_some_and(|p| p >= 0.5)
            && o.status.is_some_and(|s| (400..500).contains(&s))
        {
            out.push((Sign::BrowserShapeRefusedByTheFront, o.record));
        }
        if o.status.is_some_and(|s| s >= 500) {
            out.push((Sign::BrowserShapeServerError, o.record));
        }
    }
}

/// The URL's own origin (`scheme://host[:port]` with ws→http, wss→https).
pub fn own_origin_of(target: &str) -> Option<String> {
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

/// The site's own Origin refused with a 4xx behind a front while no Origin opens. Without
/// `--direct` only: with it, the backend's own answer to the same Origin decides
/// (`hypothesis` predictions of the direct twins).
fn own_origin<'a>(f: &Facts<'a>, obs: &Observations<'a>, base: &AttemptObs<'a>, out: &mut Out<'a>) {
    if base.class != OutcomeClass::Http || !base.status.is_some_and(|s| (400..500).contains(&s)) {
        return;
    }
    if obs.attempts.iter().any(|o| o.direct) {
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
    let own_refused = std::iter::once(base)
        .chain(obs.public(Part::Origin))
        .find(|o| is_own(o) && o.same_as_baseline);
    let none_open = obs
        .public(Part::Origin)
        .any(|o| o.carried.origin.is_none() && o.class == OutcomeClass::Open);
    if let Some(o) = own_refused {
        if none_open && front_on_the_path(obs) {
            out.push((Sign::OwnOriginRefusedBehindAFront, o.record));
        }
    }
}

/// True when an answer's body is JSON.
fn json_of(a: &AttemptRecord) -> bool {
    super::evidence::response(a).is_some_and(|r| {
        let b = r.body_excerpt.trim_start();
        b.starts_with('{') || b.starts_with('[')
    })
}

/// The public answer against the `--direct` backend's.
fn direct<'a>(obs: &Observations<'a>, base: &AttemptObs<'a>, out: &mut Out<'a>) {
    let Some(twin) = obs
        .attempts
        .iter()
        .find(|o| o.direct && o.id == ids::DIRECT_BASELINE)
    else {
        return;
    };
    // An application's answer by its shape: a JSON body, or a product the catalogue knows as an
    // application (a front's custom plain-text refusal is no proof of another application).
    let app_product = super::evidence::producer(base.record)
        .is_some_and(|r| r.kind == crate::fingerprint::ResponderKind::App);
    let app_answer = base.class == OutcomeClass::Http
        && base.status != Some(101)
        && base.front_wrote_it().is_some_and(|p| p < 0.5)
        && (json_of(base.record) || app_product);
    let differs = !super::evidence::same_answer(base.record, twin.record);
    if !(app_answer && differs && twin.class != OutcomeClass::BeforeRequest) {
        return;
    }
    out.push((Sign::DirectAnotherApplication, base.record));
    // The backend's own plain GET of the same path answers in another format than the public
    // upgrade got (JSON there, not here): a proxy that drops the upgrade would relay this
    // backend's plain answer (its status may change with the HTTP version the proxy speaks,
    // its format does not).
    if let Some(plain) = obs
        .attempts
        .iter()
        .find(|o| o.direct && o.part == Part::PlainGet && o.class == OutcomeClass::Http)
    {
        if json_of(base.record) != json_of(plain.record) {
            out.push((Sign::DirectPlainInAnotherFormat, plain.record));
        }
    }
}

/// The `--idle` hold: a connection cut during it.
fn idle<'a>(base: &AttemptObs<'a>, out: &mut Out<'a>) {
    let cut = base
        .record
        .session
        .as_ref()
        .and_then(|s| s.idle.as_ref())
        .is_some_and(|i| i.ended == "fin" || i.ended == "rst");
    if cut {
        out.push((Sign::IdleCut, base.record));
    }
}

/// Nothing on the port answers HTTP: every request, the plain GET and the site root included,
/// is closed or reset without a byte, and the port does not speak TLS either. An HTTP server with
/// a broken handshake still answers a plain GET; a TCP relay (an L4 balancer, an SNI proxy) whose
/// backend is gone accepts and drops everything.
fn no_http_at_all<'a>(
    f: &Facts<'a>,
    obs: &Observations<'a>,
    base: &AttemptObs<'a>,
    out: &mut Out<'a>,
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
    if controls > 0 && none_answers && !tls_port && !http2_answers {
        out.push((Sign::NothingAnswersHttp, base.record));
    }
}

/// A WebSocket answer that says nothing (a close without a code or reason, an upgrade never
/// answered) is read through the plain GET of the same URL, which often says it in words: a 401
/// about a token, a 404, the route's own JSON. An upgrade never answered while the plain GET is
/// answered at once is an upgrade listener that does not own the path.
fn plain_get_says_why<'a>(
    f: &Facts<'a>,
    obs: &Observations<'a>,
    base: &AttemptObs<'a>,
    out: &mut Out<'a>,
) {
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
    if unanswered {
        out.push((Sign::UpgradeUnansweredPlainGetAnswered, plain.record));
        return;
    }
    let status = plain.status.unwrap_or(0);
    let about_auth = matches!(status, 401 | 403) || plain.body_topic == Some(Topic::Auth);
    let carried = f.run.credential_given || url_carries_credential(&f.run.target);
    let sign = if about_auth && carried {
        Sign::PlainGetSaysCredentialRefused
    } else if about_auth {
        Sign::PlainGetSaysCredentialMissing
    } else if status == 404 {
        Sign::PlainGetSaysNotFound
    } else if (200..300).contains(&status) {
        Sign::PlainGetSaysNotWebsocket
    } else {
        return;
    };
    out.push((sign, plain.record));
}

/// The `--send` exchange: a close the messages provoke about what the request carried (its
/// credential, its Origin) — an application protocol refusing it, such as graphql-ws's 4403 to
/// `connection_init`. A close about the message itself is the exchange's, reported with it
/// (`session.exchange.ended`), and no sign.
fn exchange<'a>(f: &Facts<'a>, base: &AttemptObs<'a>, out: &mut Out<'a>) {
    let Some((code, reason)) = exchange_close(base.record) else {
        return;
    };
    let carried = f.run.credential_given || url_carries_credential(&f.run.target);
    let sign = match super::observe::close_topic(code, reason) {
        Some(Topic::Auth) if carried => Sign::ExchangeClosedOverTheCarriedCredential,
        Some(Topic::Auth) => Sign::ExchangeClosedOverAMissingCredential,
        Some(Topic::Origin) => Sign::ExchangeClosedOverOrigin,
        _ => return,
    };
    out.push((sign, base.record));
}

/// The close (code, reason) the `--send` exchange ended in, unless a normal one.
pub fn exchange_close(a: &AttemptRecord) -> Option<(Option<u16>, &str)> {
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
fn credential_not_read<'a>(obs: &Observations<'a>, base: &AttemptObs<'a>, out: &mut Out<'a>) {
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
    if says_missing && obs.public(Part::NoCredential).any(|o| o.same_as_baseline) {
        out.push((Sign::CredentialNotRead, base.record));
    }
}

/// Whether anything that answered checked the WebSocket handshake. A server with a WebSocket
/// layer answers a request without `Sec-WebSocket-Key`, or with version 8, with its own 400 or 426
/// (or upgrades version 8); a router in front of that layer with nothing at the path refuses them
/// all alike with its own page, but then it wrote the answer itself. An application's answer that
/// the broken handshakes and the plain GET get word for word never met a WebSocket layer: the
/// server has none here, or a front passed the upgrade on as a plain request. And an upgrade
/// answered with a plain 2xx the plain GET does not get met something that saw the Upgrade headers
/// and did not complete the handshake (a WebSocket adapter installed but not wired in).
fn handshake_unchecked<'a>(obs: &Observations<'a>, base: &AttemptObs<'a>, out: &mut Out<'a>) {
    if base.class != OutcomeClass::Http || base.status == Some(101) {
        return;
    }
    let status = base.status.unwrap_or(0);
    let plain = obs
        .public(Part::PlainGet)
        .find(|o| o.class == OutcomeClass::Http);
    if (200..300).contains(&status) {
        if let Some(p) = plain.filter(|p| !p.same_as_baseline && p.status != base.status) {
            out.push((Sign::UpgradeAnsweredUnlikeThePlainGet, p.record));
        }
        return;
    }
    // Only an answer to the request as a plain GET: "not found" (a WebSocket route does not match
    // a GET); a refusal about the credential, the Origin or the method is given before any
    // handshake check by servers that have one (Python websockets' `process_request`).
    let plain_answer =
        status == 404 && !matches!(base.body_topic, Some(Topic::Auth | Topic::Origin));
    let controls: Vec<&AttemptObs> = obs.public(Part::ProtocolControl).collect();
    let unchecked = plain_answer
        && !controls.is_empty()
        && controls.iter().all(|o| o.same_as_baseline)
        && plain.is_some_and(|p| p.same_as_baseline)
        && base.front_wrote_it().is_some_and(|p| p < 0.5);
    if unchecked {
        // `--direct` names a backend behind a front: the user knows there is one.
        let front = front_on_the_path(obs) || obs.attempts.iter().any(|o| o.direct);
        let server_has_one = || {
            super::evidence::response(base.record)
                .and_then(|r| crate::catalogue::handshake_checked_by_the_server(&r))
                .is_some()
        };
        let sign = if front {
            Sign::NoWebSocketLayerBehindAFront
        } else if server_has_one() {
            Sign::NoWebSocketLayerInAServerThatHasOne
        } else {
            Sign::NoWebSocketLayerNoFrontSeen
        };
        out.push((sign, controls[0].record));
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
