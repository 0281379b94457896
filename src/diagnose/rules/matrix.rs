//! matrix rules: causes proved by comparing attempts that differ in one thing — the upgrade vs
//! the plain GET of the same URL, one Origin vs another, one credential placement vs another, the
//! right credential vs a wrong one vs none, the public URL vs `--direct`, the baseline vs its
//! repeats — plus the ticket flow and the findings reported beside the verdict.

use crate::model::ids;
use crate::model::FailureClass;

use super::http::refused;
use super::Verdict;
use crate::diagnose::cause::Cause;
use crate::diagnose::evidence::{
    answer, body, identical, intermediaries, mentions_origin, producer, response, same_answer,
    Answer, Facts,
};
use crate::diagnose::fact::matrix::{MatrixFact, Sample, Sender};
use crate::diagnose::fact::Fact;
use crate::model::{AttemptRecord, CredentialPlacement, Finding, Outcome, Severity};

/// Repeats of the baseline disagree: some attempts fail and others succeed (or they fail in
/// different ways) — a bad backend in the pool, or a flapping upstream.
pub fn intermittent(f: &Facts) -> Option<Verdict> {
    let b = f.base()?;
    let samples: Vec<&AttemptRecord> = std::iter::once(b)
        .chain(f.public(ids::REPEAT_PREFIX))
        .collect();
    if samples.len() < 2 {
        return None;
    }
    let failing: Vec<&AttemptRecord> = samples
        .iter()
        .copied()
        .filter(|a| !a.outcome.is_success())
        .collect();
    if failing.is_empty() {
        return None;
    }
    let mut tally: Vec<(Sample, usize)> = Vec::new();
    for a in &samples {
        let key = match answer(a) {
            Answer::Open => Sample::Open,
            Answer::Http { status, .. } => Sample::Status(status),
            Answer::Closed { code, .. } => Sample::Closed(code),
            Answer::Failure { kind, error } => Sample::Failed { kind, error },
        };
        match tally.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += 1,
            None => tally.push((key, 1)),
        }
    }
    let succeeded = samples.len() - failing.len();
    let confidence = if succeeded > 0 {
        if samples.len() >= 4 {
            0.9
        } else {
            0.8
        }
    } else if tally.len() > 1 {
        0.6
    } else {
        return None;
    };
    let mut v = Verdict::new(
        Cause::RoutingIntermittent,
        confidence,
        format!(
            "{} of {} identical attempts failed: the answer depends on which backend (or moment) the request hits",
            failing.len(),
            samples.len()
        ),
    )
    .because(MatrixFact::RepeatsDisagree { tally });
    for a in failing.iter().take(3) {
        v = v.because(Fact::cited(a));
    }
    Some(
        v.decided_by(&failing[0].variant.id)
            .next("check each backend in the pool (health checks, versions, sticky sessions); --repeat 20 gives a failure rate"),
    )
}

/// The one-time ticket could not be obtained for the baseline: 401/403 is a hard failure (stop
/// retrying, get a new JWT), 5xx or a transport error a soft one (retry with backoff) — the
/// classification of field report 004.
pub fn ticket_failed(f: &Facts) -> Option<Verdict> {
    let t = f.run.tickets.first()?;
    if t.obtained {
        return None;
    }
    let b = f.base()?;
    if b.outcome.is_success() {
        return None;
    }
    let (confidence, summary, next) = match t.status {
        Some(401 | 403) => (
            0.9,
            "the ticket endpoint refuses the JWT: a hard failure — stop retrying and get a new JWT".to_string(),
            "refresh or re-issue the JWT (log in again); retrying with the same one will fail the same way",
        ),
        Some(s) if s >= 500 => (
            0.85,
            format!("the ticket endpoint fails ({s}): a soft failure — retry with backoff"),
            "retry with exponential backoff and look at the ticket service's dependencies (e.g. its store)",
        ),
        Some(s) if (200..300).contains(&s) => (
            0.8,
            format!("the ticket endpoint answered {s} but no ticket was found at the configured field"),
            "check --ticket-field (a JSON pointer such as /ticket) against the response body",
        ),
        Some(s) => (
            0.8,
            format!("the ticket endpoint refused the request ({s})"),
            "check --ticket-url and --ticket-method against the API",
        ),
        None => (
            0.8,
            "the ticket endpoint could not be reached".to_string(),
            "check --ticket-url; a transport failure is soft: retry with backoff",
        ),
    };
    let v = Verdict::new(Cause::AuthTicketFailed, confidence, summary)
        .because(MatrixFact::TicketAnswer { ticket: 0 })
        .because(MatrixFact::WithoutTicket {
            attempt: b.variant.id.clone(),
        });
    Some(v.next(next))
}

/// A 400 that depends on the credential's size, not its value: the baseline and a wrong token of
/// the same length get the same 400 while the attempt without a credential does not.
pub fn request_too_large_by_credential(f: &Facts) -> Option<Verdict> {
    let (b, status) = refused(f)?;
    if status != 400 || !f.run.credential_given {
        return None;
    }
    let none = f.get(ids::CREDENTIAL_NONE)?;
    let wrong = f.get(ids::CREDENTIAL_WRONG)?;
    if same_answer(none, b) || !same_answer(wrong, b) {
        return None;
    }
    let proxy =
        producer(b).is_some_and(|r| r.kind.is_intermediary()) || !intermediaries(b).is_empty();
    let mut v = Verdict::new(
        Cause::ProxyRequestTooLarge,
        if proxy { 0.8 } else { 0.65 },
        "the 400 follows the credential's size, not its validity: the token makes the request too large",
    )
    .because(Fact::cited(b))
    .because(MatrixFact::WrongTokenSameRefusal {
        attempt: wrong.variant.id.clone(),
    })
    .because(MatrixFact::RefusalGoneWithoutToken {
        attempt: none.variant.id.clone(),
    });
    for a in f.placements().filter(|a| !same_answer(a, b)) {
        v = v.because(MatrixFact::PassesSizeCheckElsewhere {
            attempt: a.variant.id.clone(),
        });
    }
    Some(
        v.or(
            Cause::AuthCredentialsRejected,
            "a server that answers every malformed token with 400 looks the same",
        )
        .next("raise the proxy's header buffers (nginx large_client_header_buffers) or move the token out of the URL"),
    )
}

/// Body texts with which WebSocket servers say the request they got had no upgrade headers.
const NO_UPGRADE_TEXTS: &[&str] = &[
    // Python websockets (server.py process_request / handshake checks).
    "missing connection header",
    "invalid connection header",
    "missing upgrade header",
    "invalid upgrade header",
    // Spring AbstractHandshakeHandler, Tornado, SockJS.
    "can \"upgrade\" only to \"websocket\"",
    "\"connection\" must be \"upgrade\"",
    // gorilla/websocket error texts echoed by applications, and similar Go handlers.
    "the client is not using the websocket protocol",
    "expected websocket upgrade",
    "not a websocket upgrade",
    "not a websocket request",
];

/// WebSocket servers whose answer to an upgrade that reached them differs from their answer to a
/// plain GET: Starlette/FastAPI answer an unroutable upgrade with 403 (empty body) but a plain GET
/// of a websocket-only route with 404 {"detail":"Not Found"}; Python websockets and Node ws answer
/// a request without Upgrade with 426 and an upgrade with 101 or their own refusal; gorilla's
/// returnError answers a request without the upgrade headers with 400 and an upgrade with 101
/// (or 403 when CheckOrigin fails); engine.io answers `transport=websocket` without an upgrade
/// with `{"code":3,"message":"Bad request"}`.
const UPGRADE_AWARE: &[&str] = &[
    "FastAPI",
    "uvicorn",
    "Python websockets",
    "Node ws",
    "Socket.IO",
    "gorilla/websocket",
    "Spring",
];

/// The proxy does not forward the upgrade: the application answers the WebSocket request exactly as
/// it answers the plain GET control, or says it got no upgrade headers (426 Upgrade Required,
/// "invalid Connection header", `Can "Upgrade" only to "WebSocket"`), or a framework that always
/// answers upgrades differently answers like it saw a plain GET — while wsdoctor sent a valid
/// upgrade. nginx without `proxy_http_version 1.1` and the Upgrade/Connection headers forwards an
/// HTTP/1.0 GET without them (field report 001).
pub fn upgrade_not_forwarded(f: &Facts) -> Option<Verdict> {
    let (b, status) = refused(f)?;
    // 505 HTTP Version Not Supported is the one 5xx that speaks of the request itself: an app that
    // only accepts HTTP/1.1 (Python websockets: "unsupported HTTP version: HTTP/1.0") refusing
    // what the proxy sent upstream — nginx speaks HTTP/1.0 without `proxy_http_version 1.1`.
    let version_refused = status == 505;
    if status >= 500 && !version_refused {
        return None;
    }
    let p = producer(b);
    let via = intermediaries(b);
    let proxy_made =
        p.is_some_and(|r| r.kind.is_intermediary() && r.role == crate::fingerprint::Role::Producer);
    if proxy_made {
        // The proxy's own page: it refused or routed the request itself (other rules).
        return None;
    }
    let via_names: Vec<&str> = via.iter().map(|r| r.name).collect();
    let text = body(b).to_ascii_lowercase();
    let says_no_upgrade = NO_UPGRADE_TEXTS.iter().any(|t| text.contains(t));
    let version_mismatch = response(b)
        .and_then(|r| r.header("sec-websocket-version").map(str::to_string))
        .is_some_and(|v| !v.split(',').any(|x| x.trim() == "13"));
    let is_426 = (status == 426 && !version_mismatch) || version_refused;
    let plain = f.get(ids::CONTROL_PLAIN_GET);
    let same_as_plain = plain.is_some_and(|g| same_answer(g, b));
    let upgrade_aware = p.is_some_and(|r| UPGRADE_AWARE.contains(&r.name));
    let fastapi_json_404 = p.is_some_and(|r| r.name == "FastAPI") && status == 404;
    let direct_ok = f.direct_base().is_some_and(|d| d.outcome.is_success());
    // With --direct, the backend's own answer to a plain GET is the reference: the public upgrade
    // answered exactly like it means the backend saw a plain GET. A front that refuses every
    // request (a custom `return 403`) answers the public upgrade and plain GET alike too, while
    // the backend upgrades: that sameness is the front's, not a dropped upgrade's.
    let direct_confirms = direct_ok
        && f.get(ids::DIRECT_CONTROL_PLAIN_GET)
            .map_or(same_as_plain, |g| same_answer(g, b));
    if direct_ok && !direct_confirms && !(says_no_upgrade || is_426) {
        return None;
    }
    // A refusal (401/403/429…) that the plain GET gets too happens before any routing — an auth
    // gate, an IP allowlist, a framework guard in front of every route — so its sameness says
    // nothing about whether the upgrade arrived. Only the app's own words or --direct can.
    // A size refusal (414, 431, nginx's "Request Header Or Cookie Too Large") is as blanket:
    // the request is refused before anyone looks at its upgrade headers.
    let blanket_refusal =
        matches!(status, 401 | 403 | 407 | 413 | 429) || super::http::is_size_refusal(b, status);
    if blanket_refusal && !(says_no_upgrade || is_426 || direct_confirms) {
        return None;
    }

    let confidence = if direct_ok {
        0.95
    } else if says_no_upgrade || is_426 {
        if via.is_empty() {
            0.85
        } else {
            0.9
        }
    } else if same_as_plain && upgrade_aware {
        // With no proxy on the path and the app's own Server header, nothing is known to stand
        // in between: a server without WebSocket support answers the same way.
        let app_own_header = via.is_empty()
            && p.is_some_and(|r| r.kind == crate::fingerprint::ResponderKind::App)
            && response(b).is_some_and(|r| r.header("server").is_some());
        if app_own_header {
            0.6
        } else {
            0.9
        }
    } else if fastapi_json_404 {
        0.8
    } else if same_as_plain && !via.is_empty() {
        if (200..300).contains(&status) {
            0.6
        } else {
            0.75
        }
    } else {
        return None;
    };
    let front = if via_names.is_empty() {
        "the proxy in front".to_string()
    } else {
        via_names.join(" and ")
    };
    // Who sent the upgrade headers: wsdoctor, or (explain on a browser console line or a saved
    // answer without its request) the client, which for a browser always sends them.
    let sender = if f.run.request_unknown {
        Sender::Client
    } else {
        Sender::Wsdoctor
    };
    let summary = if f.run.request_unknown {
        format!("{front} does not forward the WebSocket upgrade: the server answered as if the request had none")
    } else {
        format!("{front} does not forward the WebSocket upgrade: the application answered it like a plain GET")
    };
    let mut v = Verdict::new(Cause::ProxyUpgradeNotForwarded, confidence, summary).because(
        MatrixFact::Upgrade {
            attempt: b.variant.id.clone(),
        },
    );
    if let Some(g) = plain {
        if same_as_plain {
            v = v.because(MatrixFact::SameAsUpgrade {
                attempt: g.variant.id.clone(),
            });
        } else {
            v = v.because(Fact::cited(g));
        }
    }
    if says_no_upgrade {
        v = v.because(MatrixFact::SaysNoUpgrade { sender });
    } else if version_refused {
        v = v.because(MatrixFact::HttpVersionRefused { sender });
    } else if is_426 {
        v = v.because(MatrixFact::UpgradeRequired { sender });
    }
    if let Some(r) = p {
        if fastapi_json_404 {
            v = v.because(MatrixFact::FastapiJson404);
        } else if upgrade_aware {
            v = v.because(MatrixFact::OnlyWithoutUpgrade {
                situation: r.situation,
            });
        }
    }
    for r in &via {
        v = v.because(MatrixFact::PassedThrough {
            situation: r.situation,
        });
    }
    if let Some(d) = f.direct_base() {
        v = v.because(MatrixFact::BackendDirect {
            attempt: d.variant.id.clone(),
        });
    }
    if (200..300).contains(&status) || status == 404 {
        v = v.or(
            if status == 404 {
                Cause::RoutingNotFound
            } else {
                Cause::RoutingNotWebsocket
            },
            "a path that serves only plain HTTP answers both requests the same way",
        );
    }
    if !direct_ok {
        v = v.next(format!(
            "wsdoctor {} --direct ws://<backend-host:port>{}: if the backend upgrades there, the proxy drops the headers",
            f.run.target,
            f.target_path()
        ));
    }
    Some(v)
}

/// A same-origin check fails because the proxy rewrites Host: the site's own Origin is refused
/// through the proxy while the backend, reached directly, accepts its own origin (and the public
/// URL accepts a request without Origin).
pub fn origin_host_rewritten(f: &Facts) -> Option<Verdict> {
    let b = f.base()?;
    if b.outcome.is_success() {
        return None;
    }
    let same = f.get(ids::ORIGIN_SAME).or_else(|| own_origin_attempt(f))?;
    if same.outcome.is_success() {
        return None;
    }
    let direct_same = f.get(ids::DIRECT_ORIGIN_SAME)?;
    if !direct_same.outcome.is_success() {
        return None;
    }
    let none_ok = f
        .get(ids::ORIGIN_NONE)
        .is_some_and(|a| a.outcome.is_success());
    let mut v = Verdict::new(
        Cause::OriginHostRewritten,
        if none_ok { 0.92 } else { 0.85 },
        "the server compares Origin with the Host it receives, and the proxy rewrites Host: the site's own Origin looks foreign",
    )
    .because(MatrixFact::OwnOriginThroughProxy {
        attempt: same.variant.id.clone(),
    })
    .because(MatrixFact::BackendAcceptsOwnOrigin {
        attempt: direct_same.variant.id.clone(),
    });
    if let Some(n) = f.get(ids::ORIGIN_NONE) {
        v = v.because(Fact::cited(n));
    }
    Some(
        v.or(
            Cause::OriginRejected,
            "an allowlist that holds the backend's origin but not the public one looks the same",
        )
        .next("make the proxy pass the client's Host with its port (nginx: proxy_set_header Host $http_host; $host drops a non-default port) or allow the public origin"),
    )
}

/// The public attempt that sent the target's own origin when the plan skipped `origin.same` as a
/// duplicate: the baseline (or `origin.user`) already carries it — what a browser sends when the
/// page is served from the host of the socket.
fn own_origin_attempt<'a>(f: &Facts<'a>) -> Option<&'a AttemptRecord> {
    let target = url::Url::parse(&f.run.target).ok()?;
    let own = crate::config::same_origin_of(&target);
    [f.base(), f.get(ids::ORIGIN_USER)]
        .into_iter()
        .flatten()
        .find(|a| {
            !a.variant.direct
                && a.variant
                    .origin
                    .as_deref()
                    .is_some_and(|o| o.trim_end_matches('/').eq_ignore_ascii_case(&own))
        })
}

/// The outcome changes with the Origin alone: refused (403/401 before the upgrade, or 101 then
/// close 1008/4003) with one Origin, accepted with another — or the refusal itself names the
/// Origin ("ORIGIN_BLOCKED", "Origin not allowed").
pub fn origin_rejected(f: &Facts) -> Option<Verdict> {
    let b = f.base()?;
    if b.outcome.is_success() || !matches!(answer(b), Answer::Http { .. } | Answer::Closed { .. }) {
        return None;
    }
    let variants: Vec<&AttemptRecord> = f.public("origin.").collect();
    let accepted: Vec<&AttemptRecord> = variants
        .iter()
        .copied()
        .filter(|a| a.outcome.is_success())
        .collect();
    let sent = match &b.variant.origin {
        Some(o) => format!("Origin {o}"),
        None => "requests without an Origin".to_string(),
    };
    let text = match &b.outcome {
        Outcome::UpgradedThenClosed { close_reason, .. } => {
            close_reason.clone().unwrap_or_default()
        }
        _ => body(b).to_string(),
    };
    let mut v = if !accepted.is_empty() {
        let ok: Vec<String> = accepted
            .iter()
            .map(|a| match &a.variant.origin {
                Some(o) => o.clone(),
                None => "no Origin".into(),
            })
            .collect();
        Verdict::new(
            Cause::OriginRejected,
            0.9,
            format!(
                "the server refuses {sent} and accepts {}: the outcome changes with the Origin alone",
                ok.join(", ")
            ),
        )
    } else if mentions_origin(&text) {
        // Nothing was accepted: say so when the matrix tried other Origins, rather than naming
        // only the baseline's (which the evidence below would contradict).
        let tried: Vec<String> = std::iter::once(b)
            .chain(variants.iter().copied())
            .map(|a| match &a.variant.origin {
                Some(o) => o.clone(),
                None => "no Origin".into(),
            })
            .fold(Vec::new(), |mut acc, o| {
                if !acc.contains(&o) {
                    acc.push(o);
                }
                acc
            });
        let summary = if tried.len() > 1 {
            format!(
                "the server refuses every Origin tried ({}), and its answer names the Origin: its allowlist admits none of them",
                tried.join(", ")
            )
        } else {
            format!("the server refuses {sent}, and its answer names the Origin")
        };
        Verdict::new(Cause::OriginRejected, 0.75, summary)
    } else {
        return None;
    };
    v = v.because(MatrixFact::OriginAnswer {
        attempt: b.variant.id.clone(),
        baseline: true,
    });
    for a in &variants {
        v = v.because(MatrixFact::OriginAnswer {
            attempt: a.variant.id.clone(),
            baseline: false,
        });
    }
    let same_refused = f
        .get(ids::ORIGIN_SAME)
        .is_some_and(|a| !a.outcome.is_success());
    if same_refused {
        v = v.or(
            Cause::OriginHostRewritten,
            "the site's own origin is refused too: if the server compares Origin with Host, a proxy that rewrites Host causes this — --direct decides",
        );
    }
    let nothing_accepted = accepted.is_empty() && !variants.is_empty();
    Some(v.next(match &b.variant.origin {
        _ if nothing_accepted => "check the server's Origin allowlist: it refused every Origin tried and none at all, so it is empty, misread or matched against the wrong value; add the page's origin (scheme://host[:port], no path)".to_string(),
        Some(o) => format!(
            "add {o} to the server's allowed origins (or send the Origin the server expects)"
        ),
        None => "send the Origin of the page the client runs on (--origin), or let the server accept requests without one".to_string(),
    }))
}

/// The credential is accepted in one placement and refused in the one used (e.g. a proxy strips
/// Authorization, or the server reads the token only from the query).
pub fn auth_placement(f: &Facts) -> Option<Verdict> {
    if !f.run.credential_given {
        return None;
    }
    let b = f.base()?;
    if b.outcome.is_success() {
        return None;
    }
    // A server that also accepts no credential at all ignores the placement that "worked".
    if f.get(ids::CREDENTIAL_NONE)
        .is_some_and(|a| a.outcome.is_success())
    {
        return None;
    }
    let accepted: Vec<&AttemptRecord> = f.placements().filter(|a| a.outcome.is_success()).collect();
    let first = accepted.first()?;
    let labels: Vec<String> = accepted.iter().map(|a| a.variant.label.clone()).collect();
    let mut v = Verdict::new(
        Cause::AuthPlacement,
        0.9,
        format!(
            "the credential works as {} but not as sent ({})",
            labels.join(", "),
            b.variant.label
        ),
    )
    .because(MatrixFact::AsSent {
        attempt: b.variant.id.clone(),
    });
    for a in &accepted {
        v = v.because(Fact::cited(a));
    }
    if let Some(n) = f.get(ids::CREDENTIAL_NONE) {
        v = v.because(Fact::cited(n));
    }
    // A proxy is named only when the run shows one on the path and the header lost through it
    // (answered as if no credential had been sent); otherwise the server reads another place.
    let ctx = crate::diagnose::remedy::Context::of(f, Some(b));
    let proxy_loses_it = ctx.intermediary && ctx.header_lost;
    if matches!(b.variant.credential, CredentialPlacement::Header { .. }) {
        v = v.because(MatrixFact::HeaderRefused {
            through_proxy: proxy_loses_it,
        });
    }
    let reader = if proxy_loses_it {
        "make the proxy forward the header"
    } else {
        "make the server read it where your client sends it"
    };
    Some(v.decided_by(&first.variant.id).next(format!(
        "send the token as {} (or {reader})",
        first.variant.label
    )))
}

/// The WebSocket path reaches a backend that refuses every upgrade before looking at the
/// credential or the Origin: identical refusals (status, body, producer) whatever the credential
/// and Origin, while `--direct` accepts, or the host serves HTTP normally and a wrong credential
/// gets exactly the refusal the right one gets (field report 000: the API container answers 403
/// before auth).
pub fn wrong_upstream(f: &Facts) -> Option<Verdict> {
    let (b, status) = refused(f)?;
    if status >= 500 {
        return None;
    }
    let compared: Vec<&AttemptRecord> =
        f.public("credential.").chain(f.public("origin.")).collect();
    let identical_all = !compared.is_empty() && compared.iter().all(|a| identical(a, b));
    if let Some(d) = f.direct_base().filter(|d| d.outcome.is_success()) {
        // Which front element refused (a proxy rule or the route's backend) is for the
        // comparison (`direct::front_refuses`) to say; an application's own refusal names the
        // route.
        let app_refused = producer(b).is_some_and(|r| !r.kind.is_intermediary());
        let mut v = Verdict::new(
            Cause::RoutingWrongUpstream,
            if identical_all && app_refused { 0.9 } else { 0.8 },
            "the backend accepts the upgrade when reached directly, but the public route refuses it: the route reaches another backend",
        )
        .because(MatrixFact::Public {
            attempt: b.variant.id.clone(),
        })
        .because(MatrixFact::StraightToBackend {
            attempt: d.variant.id.clone(),
        });
        if identical_all {
            v = v.because(MatrixFact::AlikeRefusals {
                count: compared.len(),
                status,
            });
        }
        return Some(v.next("route the WebSocket path to the backend given with --direct"));
    }
    // A refusal that names authentication is the auth rules' to explain.
    if !identical_all
        || !f.run.credential_given
        || !matches!(status, 400 | 403)
        || crate::diagnose::evidence::mentions_auth(body(b))
    {
        return None;
    }
    let cred_checked: Vec<&AttemptRecord> = compared
        .iter()
        .copied()
        .filter(|a| a.variant.id == ids::CREDENTIAL_NONE || a.variant.id == ids::CREDENTIAL_WRONG)
        .collect();
    if cred_checked.is_empty() {
        return None;
    }
    let plain_differs = f.get(ids::CONTROL_PLAIN_GET).filter(|g| !same_answer(g, b));
    let reach = f.serving_control();
    // When the plain GET gets the same refusal and nothing on the host answers normally, the whole
    // host refuses this client (an auth gate, an IP allowlist): that is no evidence of a WebSocket
    // route reaching the wrong backend. The credential rules explain it.
    if plain_differs.is_none() && reach.is_none() {
        return None;
    }
    // Nothing here proves the credential good: a server that rejects this credential without
    // telling missing from invalid gives the same picture, and is the more common cause. Proof
    // (an --auth-check URL that needs the credential and accepts it) makes the wrong route strong.
    let proof = crate::diagnose::sign::credential_proven(f);
    let confidence = match (proof.is_some(), reach.is_some()) {
        (true, _) => 0.85,
        (false, true) => 0.55,
        (false, false) => 0.5,
    };
    let mut v = Verdict::new(
        Cause::RoutingWrongUpstream,
        confidence,
        "the WebSocket path reaches an application that refuses every upgrade before looking at the credential or the Origin",
    )
    .because(MatrixFact::IdenticalRefusals {
        count: compared.len(),
        status,
        attempt: b.variant.id.clone(),
    })
    .because(MatrixFact::RefusedLikeTheRightOne {
        attempts: cred_checked.iter().map(|a| a.variant.id.clone()).collect(),
    });
    match producer(b) {
        Some(r) if !r.kind.is_intermediary() => {
            v = v.because(MatrixFact::AppsOwnRefusal {
                situation: r.situation,
            })
        }
        _ => {}
    }
    if let Some(g) = plain_differs {
        v = v.because(MatrixFact::AppReachable {
            attempt: g.variant.id.clone(),
        });
    }
    if let Some(h) = reach {
        v = v.because(MatrixFact::HostServesHttp {
            attempt: h.variant.id.clone(),
        });
    }
    if let Some(p) = proof {
        v = v.because(MatrixFact::CredentialProven {
            attempt: p.variant.id.clone(),
        });
    }
    Some(
        v.or(
            Cause::AuthCredentialsRejected,
            "a server that rejects this credential without telling missing from invalid looks the same",
        )
        .next(format!(
            "wsdoctor {} --direct ws://<websocket-backend:port>{} to confirm the backend that should serve WebSockets accepts it",
            f.run.target,
            f.target_path()
        )),
    )
}

/// The credential reaches the server and is refused, and the server shows it: it answers a
/// missing credential differently than ours while a wrong token of the same shape gets our exact
/// answer — or it accepts no credential at all but refuses ours.
pub fn credentials_rejected(f: &Facts) -> Option<Verdict> {
    if !f.run.credential_given {
        return None;
    }
    let (b, status) = refused(f)?;
    let none = f.get(ids::CREDENTIAL_NONE)?;
    let wrong = f.get(ids::CREDENTIAL_WRONG);
    // A proxy's own page for anything but an auth status was written before any credential
    // check (nginx's 400 "Request Header Or Cookie Too Large"): the credential's size, not its
    // value, can make the difference.
    let proxy_page = !matches!(status, 401 | 403 | 407)
        && response(b).is_some_and(|r| crate::fingerprint::proxy_authorship(&r) >= 0.9);
    let (confidence, line) = if proxy_page {
        (0.4, MatrixFact::ProxyPageFirst)
    } else if none.outcome.is_success() {
        (0.75, MatrixFact::AcceptedWithoutCredential)
    } else if !same_answer(none, b) && wrong.is_some_and(|w| same_answer(w, b)) {
        (0.85, MatrixFact::LikeAWrongCredential)
    } else {
        return None;
    };
    let mut v = Verdict::new(
        Cause::AuthCredentialsRejected,
        confidence,
        "the credential reaches the server and is refused as invalid",
    )
    .because(MatrixFact::WithCredential {
        attempt: b.variant.id.clone(),
    })
    .because(Fact::cited(none));
    if let Some(w) = wrong {
        v = v.because(Fact::cited(w));
    }
    Some(
        v.because(line).next(
            "check the token's expiry, signature key and audience; get a fresh one and retry",
        ),
    )
}

/// Findings beside the verdict (also on healthy targets): Origin or auth not enforced, header-only
/// credentials, negotiation mismatches, a reusable one-time ticket.
pub fn findings(f: &Facts, verdict: Cause) -> Vec<Finding> {
    let mut out = Vec::new();
    let open_foreign: Vec<&AttemptRecord> = [ids::ORIGIN_FOREIGN, ids::ORIGIN_NULL]
        .iter()
        .filter_map(|id| f.get(id))
        .filter(|a| a.outcome.is_success())
        .collect();
    if !open_foreign.is_empty() && verdict != Cause::OriginNotEnforced {
        out.push(Finding {
            cause: Cause::OriginNotEnforced,
            severity: Severity::Warning,
            summary: "a foreign or null Origin is accepted: any web page can open this socket with the visitor's cookies (cross-site WebSocket hijacking) if auth rides on cookies".into(),
            evidence: open_foreign
                .iter()
                .map(|a| Fact::cited(a).words(f))
                .collect(),
        });
    }
    if f.run.credential_given {
        if let Some(n) = f
            .get(ids::CREDENTIAL_NONE)
            .filter(|a| a.outcome.is_success())
        {
            out.push(Finding {
                cause: Cause::AuthNotEnforced,
                severity: Severity::Warning,
                summary: "the endpoint upgrades without any credential although one was given"
                    .into(),
                evidence: vec![Fact::cited(n).words(f)],
            });
        }
        let header_ok = f
            .public(ids::CREDENTIAL_HEADER)
            .chain(
                f.base()
                    .filter(|b| matches!(b.variant.credential, CredentialPlacement::Header { .. })),
            )
            .find(|a| a.outcome.is_success());
        let browser_able: Vec<&AttemptRecord> = f
            .placements()
            .filter(|a| !matches!(a.variant.credential, CredentialPlacement::Header { .. }))
            .collect();
        // The query placement a browser can use was not tried (a default run keeps the
        // credential out of URLs): "only in a header" cannot be claimed.
        let query_untried = f.run.skipped.iter().any(|s| {
            s.reason == crate::model::SkipReason::CredentialInUrl
                && matches!(s.variant.credential, CredentialPlacement::Query { .. })
        });
        if let Some(h) = header_ok.filter(|_| !query_untried) {
            if !browser_able.is_empty() && browser_able.iter().all(|a| !a.outcome.is_success()) {
                let mut evidence = vec![Fact::cited(h).words(f)];
                evidence.extend(browser_able.iter().map(|a| Fact::cited(a).words(f)));
                out.push(Finding {
                    cause: Cause::AuthHeaderOnly,
                    severity: Severity::Info,
                    summary: "the credential only works in a header; browser WebSockets cannot set headers, so a web client needs a cookie, query or subprotocol token".into(),
                    evidence,
                });
            }
        }
    }
    let mut negotiation = Vec::new();
    for a in &f.run.attempts {
        match &a.outcome {
            Outcome::Upgraded { subprotocol: None } if !a.variant.subprotocols.is_empty() => {
                negotiation.push(
                    MatrixFact::NoSubprotocolSelected {
                        attempt: a.variant.id.clone(),
                    }
                    .words(f),
                )
            }
            Outcome::ProtocolViolation { .. }
                if matches!(
                    a.outcome.class(),
                    Some(
                        FailureClass::UnrequestedSubprotocol
                            | FailureClass::MissingSubprotocol
                            | FailureClass::UnrequestedExtension
                    )
                ) && a.variant.id != ids::BASELINE =>
            {
                negotiation.push(Fact::cited(a).words(f))
            }
            _ => {}
        }
    }
    if !negotiation.is_empty() && verdict != Cause::ServerBadHandshakeResponse {
        out.push(Finding {
            cause: Cause::ServerNegotiationMismatch,
            severity: Severity::Warning,
            summary: "subprotocol or extension negotiation does not match the offer; strict clients (browsers) fail the connection".into(),
            evidence: negotiation,
        });
    }
    if let Some(r) = f.get(ids::TICKET_REUSE).filter(|a| a.outcome.is_success()) {
        out.push(Finding {
            cause: Cause::AuthTicketFailed,
            severity: Severity::Warning,
            summary: "a ticket that was already used is accepted again: tickets are not one-time, so a leaked URL grants access".into(),
            evidence: vec![Fact::cited(r).words(f)],
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::rules::testkit::*;
    use crate::model::Run;

    fn cause(rule: fn(&Facts) -> Option<Verdict>, r: &Run) -> Option<Cause> {
        rule(&Facts::new(r)).map(|v| v.cause)
    }

    fn m(fact: MatrixFact) -> Fact {
        Fact::Matrix(fact)
    }

    #[test]
    fn repeats_that_disagree_are_intermittent() {
        let r = run(vec![
            attempt("baseline").upgraded(),
            attempt("repeat.0").rejected(502, ""),
            attempt("repeat.1").upgraded(),
            attempt("repeat.2").rejected(502, ""),
        ])
        .build();
        let v = intermittent(&Facts::new(&r));
        assert_eq!(
            v.as_ref().map(|v| v.cause),
            Some(Cause::RoutingIntermittent)
        );
        assert_eq!(
            v.map(|v| v.evidence[0].clone()),
            Some(m(MatrixFact::RepeatsDisagree {
                tally: vec![(Sample::Open, 2), (Sample::Status(502), 2)]
            }))
        );
        let steady = run(vec![
            attempt("baseline").rejected(403, ""),
            attempt("repeat.0").rejected(403, ""),
        ])
        .build();
        assert_eq!(cause(intermittent, &steady), None);
        let single = run(vec![attempt("baseline").rejected(502, "")]).build();
        assert_eq!(cause(intermittent, &single), None);
    }

    #[test]
    fn ticket_401_is_hard_and_503_is_soft() {
        let hard = run(vec![attempt("baseline").rejected(401, "no auth ticket")])
            .cred()
            .ticket(Some(401), false, "{\"code\":\"MISSING_SESSION\"}")
            .build();
        let v = ticket_failed(&Facts::new(&hard));
        assert!(v
            .as_ref()
            .is_some_and(|v| v.cause == Cause::AuthTicketFailed && v.summary.contains("hard")));
        assert_eq!(
            v.map(|v| v.evidence),
            Some(vec![
                m(MatrixFact::TicketAnswer { ticket: 0 }),
                m(MatrixFact::WithoutTicket {
                    attempt: "baseline".into()
                }),
            ])
        );
        let soft = run(vec![attempt("baseline").rejected(401, "no auth ticket")])
            .cred()
            .ticket(Some(503), false, "{\"code\":\"REDIS_UNAVAILABLE\"}")
            .build();
        assert!(ticket_failed(&Facts::new(&soft)).is_some_and(|v| v.summary.contains("soft")));
        let fine = run(vec![attempt("baseline").closed(1008, "ORIGIN_BLOCKED")])
            .cred()
            .ticket(Some(200), true, "")
            .build();
        assert_eq!(cause(ticket_failed, &fine), None);
    }

    #[test]
    fn a_400_that_follows_the_tokens_size_is_request_too_large() {
        let r = run(vec![
            attempt("baseline").rejected(400, "Bad Request"),
            attempt("credential.none").rejected(401, "missing token"),
            attempt("credential.wrong").rejected(400, "Bad Request"),
        ])
        .cred()
        .build();
        let v = request_too_large_by_credential(&Facts::new(&r));
        assert_eq!(
            v.as_ref().map(|v| v.cause),
            Some(Cause::ProxyRequestTooLarge)
        );
        assert_eq!(
            v.map(|v| v.evidence),
            Some(vec![
                Fact::Cited {
                    attempt: "baseline".into()
                },
                m(MatrixFact::WrongTokenSameRefusal {
                    attempt: "credential.wrong".into()
                }),
                m(MatrixFact::RefusalGoneWithoutToken {
                    attempt: "credential.none".into()
                }),
            ])
        );
        // near miss: the wrong token gets another answer, so validity (not size) matters
        let near = run(vec![
            attempt("baseline").rejected(400, "Bad Request"),
            attempt("credential.none").rejected(401, "missing token"),
            attempt("credential.wrong").rejected(401, "invalid token"),
        ])
        .cred()
        .build();
        assert_eq!(cause(request_too_large_by_credential, &near), None);
    }

    #[test]
    fn fastapi_404_through_nginx_equal_to_plain_get_is_upgrade_not_forwarded() {
        // field report 001: nginx without proxy_http_version 1.1 / Upgrade / Connection
        let r = run(no_cred(vec![
            attempt("baseline").fixture("nginx-fastapi_upgrade-not-forwarded_404.http"),
            attempt("control.plain_get").fixture("nginx-fastapi_upgrade-not-forwarded_404.http"),
        ]))
        .http(vec![
            attempt("http.root").rejected(200, "{\"status\":\"ok\"}")
        ])
        .build();
        let v = upgrade_not_forwarded(&Facts::new(&r));
        assert_eq!(
            v.as_ref().map(|v| v.cause),
            Some(Cause::ProxyUpgradeNotForwarded)
        );
        let v = v.unwrap_or_else(|| unreachable!());
        assert!(v.confidence >= 0.9);
        assert!(v.summary.starts_with("nginx"));
        assert!(v.evidence.contains(&m(MatrixFact::SameAsUpgrade {
            attempt: "control.plain_get".into()
        })));
    }

    #[test]
    fn websocket_servers_saying_no_upgrade_arrived_is_upgrade_not_forwarded() {
        for f in [
            "websockets_bad-connection-header_426.http",
            "node-ws_plain-get_426.http",
            "spring_invalid-upgrade-header_400.http",
        ] {
            let r = run(vec![attempt("baseline").fixture(f)]).build();
            assert_eq!(
                cause(upgrade_not_forwarded, &r),
                Some(Cause::ProxyUpgradeNotForwarded),
                "{f}"
            );
        }
    }

    #[test]
    fn app_refusing_http_1_0_behind_a_proxy_is_upgrade_not_forwarded() {
        // Lab capture: nginx without proxy_http_version 1.1 in front of Python websockets (505).
        let f = "nginx-websockets_http10-upstream_505.http";
        let r = run(vec![
            attempt("baseline").fixture(f),
            attempt("control.plain_get").fixture(f),
        ])
        .build();
        let v = upgrade_not_forwarded(&Facts::new(&r))
            .expect("a 505 for HTTP/1.0 is a dropped upgrade");
        assert_eq!(v.cause, Cause::ProxyUpgradeNotForwarded);
        assert!(v.evidence.contains(&m(MatrixFact::HttpVersionRefused {
            sender: Sender::Wsdoctor
        })));
        // Through the whole rule table too: not a server error.
        assert_eq!(
            crate::diagnose::diagnose(&r).0.cause,
            Cause::ProxyUpgradeNotForwarded
        );
    }

    #[test]
    fn near_miss_a_403_for_every_request_is_not_upgrade_not_forwarded() {
        // An auth gate or allowlist refuses the plain GET and the site root the same way: the
        // sameness comes from the refusal, not from a dropped upgrade.
        let body = r#"{"detail":"Forbidden"}"#;
        let hdrs = [("Content-Type", "application/json")];
        let r = run(vec![
            attempt("baseline").rejected_with(403, &hdrs, body),
            attempt("control.plain_get").rejected_with(403, &hdrs, body),
            attempt("http.root").rejected_with(403, &hdrs, body),
        ])
        .build();
        assert_eq!(cause(upgrade_not_forwarded, &r), None);
        assert_ne!(
            crate::diagnose::diagnose(&r).0.cause,
            Cause::ProxyUpgradeNotForwarded
        );
    }

    #[test]
    fn near_miss_a_front_refusing_everything_while_direct_upgrades_is_not_upgrade_not_forwarded() {
        // nginx `return 403 "blocked"` on the location: the public upgrade and plain GET get the
        // same refusal, the backend upgrades, and its own plain GET gets FastAPI's 404.
        let blocked = [("Server", "nginx/1.22.1"), ("Content-Type", "text/plain")];
        let r = run(no_cred(vec![
            attempt("baseline").rejected_with(403, &blocked, "blocked by policy"),
            attempt("control.plain_get").rejected_with(403, &blocked, "blocked by policy"),
            attempt("direct.baseline").upgraded(),
            attempt("direct.control.plain_get").fixture("fastapi_plain-get-ws-route_404.http"),
        ]))
        .build();
        assert_eq!(cause(upgrade_not_forwarded, &r), None);
        // The backend's plain GET answered exactly like the public upgrade: the upgrade was lost.
        let nf = "nginx-fastapi_upgrade-not-forwarded_404.http";
        let r = run(no_cred(vec![
            attempt("baseline").fixture(nf),
            attempt("control.plain_get").fixture(nf),
            attempt("direct.baseline").upgraded(),
            attempt("direct.control.plain_get").fixture("fastapi_plain-get-ws-route_404.http"),
        ]))
        .build();
        let v = upgrade_not_forwarded(&Facts::new(&r)).expect("a dropped upgrade");
        assert!(v.confidence >= 0.95);
    }

    #[test]
    fn socket_io_bad_request_equal_to_plain_get_is_upgrade_not_forwarded() {
        let f = "socketio_plain-get-websocket-transport_400.http";
        let r = run(vec![
            attempt("baseline").fixture(f),
            attempt("control.plain_get").fixture(f),
        ])
        .build();
        assert_eq!(
            cause(upgrade_not_forwarded, &r),
            Some(Cause::ProxyUpgradeNotForwarded)
        );
    }

    /// An answer that differs from the plain GET, a generic 404 with no proxy in sight, the
    /// proxy's own page, a 426 naming other versions: none is a dropped upgrade.
    #[test_case::test_case(
        attempt("baseline").fixture("uvicorn-starlette_upgrade-unrouted-path_403.http"),
        Some(attempt("control.plain_get").fixture("fastapi_plain-get-ws-route_404.http"));
        "a Starlette 403 differing from its plain-GET 404: the upgrade did arrive"
    )]
    #[test_case::test_case(
        attempt("baseline").rejected(404, "Not Found"),
        Some(attempt("control.plain_get").rejected(404, "Not Found"));
        "a generic 404 for both with no proxy in sight is a routing question"
    )]
    #[test_case::test_case(
        attempt("baseline").fixture("nginx_deny_403.http"),
        Some(attempt("control.plain_get").fixture("nginx_deny_403.http"));
        "the proxy's own error page is not the app's answer"
    )]
    #[test_case::test_case(
        attempt("baseline").rejected_with(426, &[("Sec-WebSocket-Version", "8")], ""),
        None;
        "a 426 naming other versions is a version mismatch"
    )]
    fn near_miss_is_not_upgrade_not_forwarded(
        baseline: crate::model::AttemptRecord,
        plain_get: Option<crate::model::AttemptRecord>,
    ) {
        let r = run(std::iter::once(baseline).chain(plain_get).collect()).build();
        assert_eq!(cause(upgrade_not_forwarded, &r), None);
        assert_ne!(
            crate::diagnose::diagnose(&r).0.cause,
            Cause::ProxyUpgradeNotForwarded
        );
    }

    #[test]
    fn an_origin_refusal_of_every_origin_is_not_summarised_as_the_baselines_alone() {
        // issue 12.5: 403 "origin not allowed" for no Origin, same-site, foreign and null alike.
        let refused = || attempt("baseline").rejected(403, "origin not allowed");
        let r = run(vec![
            refused(),
            attempt("origin.same").rejected(403, "origin not allowed"),
            attempt("origin.foreign").rejected(403, "origin not allowed"),
            attempt("origin.null").rejected(403, "origin not allowed"),
        ])
        .build();
        let v = origin_rejected(&Facts::new(&r)).unwrap();
        assert_eq!(v.cause, Cause::OriginRejected);
        assert!(v.summary.contains("every Origin tried"), "{}", v.summary);
        assert!(!v.summary.contains("without an Origin"), "{}", v.summary);
        assert!(
            v.next_step.as_deref().unwrap_or("").contains("allowlist"),
            "{:?}",
            v.next_step
        );
    }

    #[test]
    fn origin_changes_the_outcome_alone() {
        // field report 002: 403 for one Origin, 101 for another
        let r = run(vec![
            attempt("baseline").fixture("uvicorn_close-before-accept_403.http"),
            attempt("origin.none").upgraded(),
            attempt("origin.same").upgraded(),
            attempt("origin.foreign").fixture("uvicorn_close-before-accept_403.http"),
        ])
        .build();
        let v = origin_rejected(&Facts::new(&r));
        assert_eq!(v.as_ref().map(|v| v.cause), Some(Cause::OriginRejected));
        // The foreign Origin's 403 is cited, named by its Origin.
        assert!(
            v.is_some_and(|v| v.evidence.contains(&m(MatrixFact::OriginAnswer {
                attempt: "origin.foreign".into(),
                baseline: false
            })))
        );
        // field report 004: accept, then 1008 ORIGIN_BLOCKED
        let r = run(vec![
            attempt("baseline").closed(1008, "ORIGIN_BLOCKED"),
            attempt("origin.foreign").closed(1008, "ORIGIN_BLOCKED"),
            attempt("origin.null").closed(1008, "ORIGIN_BLOCKED"),
        ])
        .build();
        assert_eq!(cause(origin_rejected, &r), Some(Cause::OriginRejected));
        // near miss: every Origin refused the same way, nothing names the Origin
        let near = run(vec![
            attempt("baseline").rejected(403, ""),
            attempt("origin.none").rejected(403, ""),
            attempt("origin.foreign").rejected(403, ""),
        ])
        .build();
        assert_eq!(cause(origin_rejected, &near), None);
    }

    #[test]
    fn host_rewrite_needs_the_backend_to_accept_its_own_origin() {
        let r = run(vec![
            attempt("baseline").rejected(403, ""),
            attempt("origin.none").upgraded(),
            attempt("origin.same").rejected(403, ""),
            attempt("direct.baseline").rejected(403, ""),
            attempt("direct.origin.same")
                .origin(Some("http://127.0.0.1:8002"))
                .upgraded(),
        ])
        .build();
        assert_eq!(
            cause(origin_host_rewritten, &r),
            Some(Cause::OriginHostRewritten)
        );
        let without_direct = run(vec![
            attempt("baseline").rejected(403, ""),
            attempt("origin.none").upgraded(),
            attempt("origin.same").rejected(403, ""),
        ])
        .build();
        assert_eq!(cause(origin_host_rewritten, &without_direct), None);
        let v = origin_rejected(&Facts::new(&without_direct));
        assert!(v.is_some_and(|v| v
            .alternatives
            .iter()
            .any(|a| a.cause == Cause::OriginHostRewritten)));
    }

    #[test]
    fn host_rewrite_when_the_baseline_already_sends_the_sites_own_origin() {
        // --origin equal to the target's own origin: the plan skips origin.same as a duplicate of
        // the baseline, which then is the site's-own-origin attempt.
        let r = run(vec![
            attempt("baseline")
                .origin(Some("http://API.test/"))
                .rejected(403, ""),
            attempt("origin.none").upgraded(),
            attempt("origin.foreign").rejected(403, ""),
            attempt("direct.baseline")
                .origin(Some("http://api.test"))
                .rejected(403, ""),
            attempt("direct.origin.same")
                .origin(Some("http://127.0.0.1:8002"))
                .upgraded(),
        ])
        .build();
        assert_eq!(
            cause(origin_host_rewritten, &r),
            Some(Cause::OriginHostRewritten)
        );
        // Near miss: the baseline's Origin is another site's, so nothing shows the site's own
        // origin being refused through the proxy.
        let other = run(vec![
            attempt("baseline")
                .origin(Some("http://other.test"))
                .rejected(403, ""),
            attempt("origin.none").upgraded(),
            attempt("direct.origin.same")
                .origin(Some("http://127.0.0.1:8002"))
                .upgraded(),
        ])
        .build();
        assert_eq!(cause(origin_host_rewritten, &other), None);
    }

    #[test]
    fn credential_accepted_elsewhere_is_placement() {
        let r = run(vec![
            attempt("baseline").rejected(401, "Unauthorized"),
            attempt("credential.none").rejected(401, "Unauthorized"),
            attempt("credential.query").upgraded(),
            attempt("credential.cookie").rejected(401, "Unauthorized"),
        ])
        .cred()
        .build();
        let v = auth_placement(&Facts::new(&r));
        assert_eq!(v.as_ref().map(|v| v.cause), Some(Cause::AuthPlacement));
        assert_eq!(v.and_then(|v| v.decisive), Some("credential.query".into()));
        let near = run(vec![
            attempt("baseline").rejected(401, "Unauthorized"),
            attempt("credential.query").rejected(401, "Unauthorized"),
            attempt("credential.none").upgraded(),
        ])
        .cred()
        .build();
        assert_eq!(cause(auth_placement, &near), None);
    }

    /// A proxy is blamed for a lost header only when one is on the path and the header is
    /// answered as if no credential had been sent; without one, the server reads another place.
    #[test]
    fn a_placement_names_a_proxy_only_when_one_is_on_the_path_and_loses_the_header() {
        let refused = |a: A| a.rejected(401, "Unauthorized");
        let direct = run(vec![
            refused(attempt("baseline")),
            refused(attempt("credential.none")),
            attempt("credential.query").upgraded(),
        ])
        .cred()
        .build();
        let v = auth_placement(&Facts::new(&direct)).unwrap();
        assert!(v.evidence.contains(&m(MatrixFact::HeaderRefused {
            through_proxy: false
        })));
        let next = v.next_step.unwrap_or_default();
        assert!(!next.contains("proxy"), "{next}");
        let via_nginx = |a: A| {
            a.rejected_with(
                401,
                &[("server", "nginx/1.22.1"), ("via", "1.1 nginx")],
                "Unauthorized",
            )
        };
        let proxied = run(vec![
            via_nginx(attempt("baseline")),
            via_nginx(attempt("credential.none")),
            attempt("credential.query").upgraded(),
        ])
        .cred()
        .build();
        let v = auth_placement(&Facts::new(&proxied)).unwrap();
        assert!(v.evidence.contains(&m(MatrixFact::HeaderRefused {
            through_proxy: true
        })));
        let next = v.next_step.unwrap_or_default();
        assert!(next.contains("make the proxy forward the header"), "{next}");
    }

    fn report_000(http_ok: bool) -> Run {
        let refusal = "uvicorn-starlette_upgrade-unrouted-path_403.http";
        let mut r = run(vec![
            attempt("baseline").fixture(refusal),
            attempt("credential.none").fixture(refusal),
            attempt("credential.query").fixture(refusal),
            attempt("credential.wrong").fixture(refusal),
            attempt("origin.none").fixture(refusal),
            attempt("origin.foreign").fixture(refusal),
            attempt("origin.null").fixture(refusal),
            attempt("control.plain_get").fixture("fastapi_plain-get-ws-route_404.http"),
        ])
        .cred();
        if http_ok {
            // The field report's key is valid: the API serves it (and refuses requests without).
            let mut controls = vec![attempt("http.health").rejected(200, "{\"status\":\"ok\"}")];
            controls.extend(A::credential_proof());
            r = r.http(controls);
        }
        r.build()
    }

    #[test]
    fn identical_refusals_whatever_the_credential_are_wrong_upstream() {
        // field report 000: the API container refuses every upgrade before auth
        let r = report_000(true);
        let v = wrong_upstream(&Facts::new(&r));
        assert_eq!(
            v.as_ref().map(|v| v.cause),
            Some(Cause::RoutingWrongUpstream)
        );
        assert!(v.as_ref().is_some_and(|v| v.confidence >= 0.85));
        let v = v.unwrap_or_else(|| unreachable!());
        // Six attempts (three credentials, three Origins) refused byte for byte like the
        // baseline; the wrong and the missing credential among them; the app's own refusal.
        assert!(v.evidence.contains(&m(MatrixFact::IdenticalRefusals {
            count: 6,
            status: 403,
            attempt: "baseline".into()
        })));
        assert!(v.evidence.contains(&m(MatrixFact::RefusedLikeTheRightOne {
            attempts: vec!["credential.none".into(), "credential.wrong".into()]
        })));
        assert!(v
            .evidence
            .iter()
            .any(|e| matches!(e, Fact::Matrix(MatrixFact::AppsOwnRefusal { .. }))));
        let less = report_000(false);
        let v = wrong_upstream(&Facts::new(&less));
        assert!(v.is_some_and(|v| v.confidence < 0.85));
        assert_eq!(cause(upgrade_not_forwarded, &r), None);
    }

    #[test]
    fn near_miss_a_host_refusing_every_request_is_not_wrong_upstream() {
        // The plain GET and the site root get the same 403: the whole host refuses this client.
        let r = run(vec![
            attempt("baseline").rejected(403, "Forbidden"),
            attempt("credential.none").rejected(403, "Forbidden"),
            attempt("credential.wrong").rejected(403, "Forbidden"),
            attempt("origin.foreign").rejected(403, "Forbidden"),
            attempt("control.plain_get").rejected(403, "Forbidden"),
            attempt("http.root").rejected(403, "Forbidden"),
        ])
        .cred()
        .build();
        assert_eq!(cause(wrong_upstream, &r), None);
    }

    #[test]
    fn near_miss_a_refusal_that_changes_with_the_credential_is_not_wrong_upstream() {
        let r = run(vec![
            attempt("baseline").rejected(403, "invalid token"),
            attempt("credential.none").rejected(401, "missing token"),
            attempt("credential.wrong").rejected(403, "invalid token"),
        ])
        .cred()
        .build();
        assert_eq!(cause(wrong_upstream, &r), None);
        let v = credentials_rejected(&Facts::new(&r));
        assert_eq!(
            v.as_ref().map(|v| v.cause),
            Some(Cause::AuthCredentialsRejected)
        );
        assert!(v.is_some_and(|v| v.evidence.contains(&m(MatrixFact::LikeAWrongCredential))));
    }

    #[test]
    fn direct_backend_accepting_makes_it_wrong_upstream() {
        let r = run(vec![
            attempt("baseline").rejected(403, ""),
            attempt("credential.none").rejected(401, ""),
            attempt("direct.baseline").upgraded(),
        ])
        .cred()
        .build();
        let v = wrong_upstream(&Facts::new(&r));
        assert!(v.is_some_and(|v| v.cause == Cause::RoutingWrongUpstream && v.confidence >= 0.8));
    }

    #[test]
    fn findings_on_a_healthy_endpoint() {
        let r = run(vec![
            attempt("baseline").subprotocols(&["chat.v1"]).upgraded(),
            attempt("credential.none").upgraded(),
            attempt("credential.query").rejected(401, ""),
            attempt("credential.cookie").rejected(401, ""),
            attempt("credential.subprotocol").rejected(401, ""),
            attempt("origin.foreign").upgraded(),
            attempt("ticket.reuse").upgraded(),
        ])
        .cred()
        .build();
        let got: Vec<Cause> = findings(&Facts::new(&r), Cause::Healthy)
            .iter()
            .map(|f| f.cause)
            .collect();
        assert_eq!(
            got,
            vec![
                Cause::OriginNotEnforced,
                Cause::AuthNotEnforced,
                Cause::AuthHeaderOnly,
                Cause::ServerNegotiationMismatch,
                Cause::AuthTicketFailed
            ]
        );
        let quiet = run(vec![
            attempt("baseline").upgraded_with("chat.v1"),
            attempt("credential.none").rejected(401, ""),
            attempt("credential.query").upgraded(),
            attempt("origin.foreign").rejected(403, ""),
        ])
        .cred()
        .build();
        assert!(findings(&Facts::new(&quiet), Cause::Healthy).is_empty());
    }
}
