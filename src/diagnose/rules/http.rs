//! http rules: the baseline got an HTTP answer other than 101 (or a response that breaks the
//! handshake), and the answer alone — status, body, who produced it — names the cause. Rules that
//! need the variant matrix live in `matrix`.

use super::Verdict;
use crate::diagnose::cause::Cause;
use crate::diagnose::evidence::{
    body, intermediaries, mentions_auth, producer, response, same_answer, Facts,
};
use crate::diagnose::fact::http::{Header, HostShows, HttpFact, NonUpgrading, Noun};
use crate::diagnose::fact::Fact;
use crate::model::ids;
use crate::model::FailureClass;
use crate::model::{AttemptRecord, Outcome};

/// The baseline when it was refused with an HTTP status, and that status.
pub(crate) fn refused<'a>(f: &Facts<'a>) -> Option<(&'a AttemptRecord, u16)> {
    let b = f.base()?;
    match &b.outcome {
        Outcome::Rejected { status, .. } => Some((b, *status)),
        _ => None,
    }
}

/// Cites the plain GET of the same URL next to the upgrade, when it ran.
fn plain_get_fact(f: &Facts, b: &AttemptRecord) -> Option<Fact> {
    let p = f.get(ids::CONTROL_PLAIN_GET)?;
    Some(if same_answer(p, b) {
        HttpFact::SameAsUpgrade {
            attempt: p.variant.id.clone(),
        }
        .into()
    } else {
        Fact::cited(p)
    })
}

/// The first HTTP control of the host answered 2xx/3xx (`Facts::serving_control`), as a fact.
fn host_serves_http(f: &Facts, shows: HostShows) -> Option<Fact> {
    let c = f.serving_control()?;
    Some(
        HttpFact::HostServesHttp {
            attempt: c.variant.id.clone(),
            shows,
        }
        .into(),
    )
}

/// The server answers the upgrade exactly as it answers a plain GET, and its own `Server` header
/// (not a proxy's) names a server that does not upgrade in that configuration: the WebSocket
/// support is off in the server itself. Refusals (401/403/429) and 426 are left to other rules.
pub fn websocket_unsupported(f: &Facts) -> Option<Verdict> {
    let (b, status) = refused(f)?;
    // A refusal of the request itself (auth, rate, size) comes before any routing: it says
    // nothing about upgrade support, whatever a plain GET of the same size gets.
    if matches!(status, 401 | 403 | 407 | 413 | 426 | 429)
        || status >= 500
        || is_size_refusal(b, status)
    {
        return None;
    }
    if !intermediaries(b).is_empty() || f.direct_base().is_some_and(|d| d.outcome.is_success()) {
        return None;
    }
    let server = response(b)?.header("server")?.to_ascii_lowercase();
    let product = NonUpgrading::ALL
        .into_iter()
        .find(|p| server.starts_with(p.prefix()))?;
    let name = product.prefix();
    let plain = f
        .get(ids::CONTROL_PLAIN_GET)
        .filter(|g| same_answer(g, b))?;
    Some(
        Verdict::new(
            Cause::ServerWebsocketUnsupported,
            0.9,
            format!("the server ({name}) answers the WebSocket upgrade as a plain HTTP request: WebSocket support is not enabled"),
        )
        .because(HttpFact::Upgrade {
            attempt: b.variant.id.clone(),
        })
        .because(HttpFact::SameAsUpgrade {
            attempt: plain.variant.id.clone(),
        })
        .because(HttpFact::OwnServerHeader { server, product })
        .or(
            Cause::ProxyUpgradeNotForwarded,
            "a proxy that passes the upstream's Server header through (HAProxy, Caddy, Traefik) and drops Upgrade would look the same",
        )
        .next(format!(
            "check the server's log for \"Unsupported upgrade request\"; wsdoctor {} --direct ws://<app-host:port>{} tells a proxy from the server",
            f.run.target,
            f.target_path()
        )),
    )
}

/// The port answered the HTTP/1.1 upgrade with HTTP/2 frames (its SETTINGS preface, a GOAWAY):
/// it speaks HTTP/2 with prior knowledge only, as gRPC ports and h2c-only listeners do.
pub fn http2_only(f: &Facts) -> Option<Verdict> {
    let b = f.base()?;
    let Outcome::ProtocolViolation { error, detail } = &b.outcome else {
        return None;
    };
    if error != "http2_response" {
        return None;
    }
    Some(
        Verdict::new(
            Cause::ServerHttp2Only,
            0.9,
            "the port answers in HTTP/2: it speaks HTTP/2 only (prior knowledge, as gRPC ports do), so a WebSocket over HTTP/1.1 cannot start here",
        )
        .because(Fact::cited(b))
        .because(HttpFact::Http2Answer {
            detail: detail.clone(),
            over_tls: b.url.starts_with("wss:"),
        })
        .next("check which port or path serves WebSocket (HTTP/1.1); this one is an HTTP/2-only listener"),
    )
}

/// The response breaks RFC 6455 or HTTP (bad accept key, missing upgrade headers, unrequested
/// subprotocol/extension, malformed or oversized head, or a close without any answer).
pub fn bad_handshake_response(f: &Facts) -> Option<Verdict> {
    let b = f.base()?;
    let Outcome::ProtocolViolation { error, detail } = &b.outcome else {
        return None;
    };
    // HTTP/2 frames have a cause of their own (`http2_only`), and so has a reset before any
    // answer (`tcp.reset`, from `transport::no_http_answer`).
    let class = FailureClass::parse(error);
    if matches!(
        class,
        Some(FailureClass::Http2Response | FailureClass::ConnectionReset)
    ) {
        return None;
    }
    let summary = match error.as_str() {
        "bad_accept_key" => "the 101 carries a Sec-WebSocket-Accept that does not match the key sent (RFC 6455 §4.2.2)",
        "missing_upgrade_headers" => "the 101 lacks Upgrade: websocket / Connection: Upgrade",
        "unrequested_subprotocol" => "the server selected a subprotocol that was not offered",
        "missing_subprotocol" => "subprotocols were offered and the server selected none, which strict clients refuse",
        "unrequested_extension" => "the server selected an extension that was not offered",
        "response_too_large" => "the response head is larger than any sane handshake",
        "connection_closed" => "the server closed the connection without an HTTP answer",
        _ => "the handshake response is not valid HTTP/1.1",
    };
    // Closed without a byte is the absence of a response, not a malformed one: a weak
    // signature, which the controls of the same URL (`weigh::no_answer`) can outweigh.
    let strength = if error == "connection_closed" {
        0.55
    } else {
        0.9
    };
    Some(
        Verdict::new(Cause::ServerBadHandshakeResponse, strength, summary)
            .because(Fact::cited(b))
            .because(HttpFact::Violation {
                detail: detail.clone(),
            })
            .next("compare with --direct to see whether the server or a proxy in front of it writes this response"),
    )
}

/// The baseline got a 101 that wsdoctor's client kept open but Chrome or Firefox fails (a
/// subprotocol offered and none selected, …): browsers are the clients that matter, so the
/// handshake is broken for them (`diagnose::browser`).
pub fn browsers_refuse_101(f: &Facts) -> Option<Verdict> {
    let b = f.base()?;
    if !crate::diagnose::browser::refused_by_a_browser(b) {
        return None;
    }
    let (browser, id, _) = crate::diagnose::browser::refusal(b)?;
    let name = if browser == "chrome" {
        "Chrome"
    } else {
        "Firefox"
    };
    let summary = match id {
        "missing_subprotocol" => format!(
            "{name} fails this 101: subprotocols were offered ({}) and the server selected none",
            b.variant.subprotocols.join(", ")
        ),
        _ => format!("{name} fails this 101 ({id})"),
    };
    Some(
        Verdict::new(Cause::ServerBadHandshakeResponse, 0.9, summary)
            .because(Fact::cited(b))
            .because(HttpFact::BrowserFails {
                attempt: b.variant.id.clone(),
            })
            .next("make the server select one of the offered subprotocols (or stop offering one the server does not speak)"),
    )
}

/// A 3xx answer to the upgrade: WebSocket clients do not follow redirects.
pub fn redirect(f: &Facts) -> Option<Verdict> {
    let b = f.base()?;
    let Outcome::Redirected { location, .. } = &b.outcome else {
        return None;
    };
    let mut v = Verdict::new(
        Cause::ProxyRedirect,
        0.9,
        "the WebSocket URL is redirected, and WebSocket clients (browsers included) do not follow redirects",
    )
    .because(Fact::cited(b));
    if let Some(l) = location {
        if l.starts_with("https://") && f.run.target.starts_with("ws://") {
            v = v.because(HttpFact::RedirectToHttps);
        }
        v = v.next(format!(
            "point the client at the final URL ({l}) with ws:// or wss://"
        ));
    }
    Some(v)
}

/// 414/431, or a 400 whose body says the request line or a header is too large (nginx:
/// "400 Request Header Or Cookie Too Large").
pub fn request_too_large(f: &Facts) -> Option<Verdict> {
    let (b, status) = refused(f)?;
    if !is_size_refusal(b, status) {
        return None;
    }
    // Who wrote the refusal decides where the limit is: a proxy's own page (nginx's "400 Request
    // Header Or Cookie Too Large") or an application server's answer (a framework's JSON 431,
    // Node's bare 431) relayed by whatever is in front. A Server header alone decides nothing.
    let authorship = response(b).map_or(0.5, |r| crate::fingerprint::proxy_authorship(&r));
    let by_proxy = authorship > 0.5;
    let who = producer(b).map(|r| r.name);
    let (cause, who, limit) = if by_proxy {
        (
            Cause::ProxyRequestTooLarge,
            who.unwrap_or("the proxy"),
            "the proxy's header buffers",
        )
    } else {
        (
            Cause::ServerRequestTooLarge,
            who.unwrap_or("the application server"),
            "the application server's header limit",
        )
    };
    let mut v = Verdict::new(
        cause,
        if (0.3..0.7).contains(&authorship) {
            0.75
        } else {
            0.9
        },
        format!("{who} refuses the request because the URL or a header is too long"),
    )
    .because(Fact::cited(b))
    .because(HttpFact::SizeRefusalReads {
        by_proxy,
        authorship,
    })
    .because(HttpFact::LongTokenOrCookie)
    .next(format!(
        "move the token out of the URL (a header, cookie or one-time ticket) or raise {limit}"
    ));
    if (0.3..0.7).contains(&authorship) {
        let (other, why) = if by_proxy {
            (
                Cause::ServerRequestTooLarge,
                "the application behind the proxy may have written it",
            )
        } else {
            (
                Cause::ProxyRequestTooLarge,
                "a proxy that answers in the application's style may have written it",
            )
        };
        v = v.or(other, why);
    }
    Some(v)
}

/// True when a refusal is about the request's size: 414, 431, or a 400 whose body says so (nginx:
/// "400 Request Header Or Cookie Too Large").
pub(crate) fn is_size_refusal(b: &AttemptRecord, status: u16) -> bool {
    let text = body(b).to_ascii_lowercase();
    let by_body = status == 400
        && (text.contains("too large") || text.contains("too long") || text.contains("exceeds"));
    status == 414 || status == 431 || by_body
}

/// 502/504 from anywhere, or another 5xx that the proxy most likely wrote itself: the proxy
/// cannot reach a healthy upstream. Who wrote the answer is a probability
/// (`fingerprint::proxy_authorship`): a `Server: nginx` header on an application's plain-text
/// `Internal Server Error` is nginx on the path relaying the app's 500, not nginx's own page.
pub fn bad_gateway(f: &Facts) -> Option<Verdict> {
    let (b, status) = refused(f)?;
    let p = producer(b);
    let authorship = response(b).map_or(0.3, |r| crate::fingerprint::proxy_authorship(&r));
    let proxy_made = authorship >= 0.9;
    let text = body(b).to_ascii_lowercase();
    let upstream_words = text.contains("upstream")
        || text.contains("no server is available")
        || text.contains("bad gateway");
    // Any 5xx a proxy or CDN writes itself is about its upstream (Cloudflare's 520–526 included).
    let fits = match status {
        502 | 504 => true,
        500..=599 => authorship >= 0.5 || upstream_words,
        _ => false,
    };
    if !fits {
        return None;
    }
    let conf = match status {
        502 | 504 => 0.7 + 0.2 * authorship,
        _ if upstream_words => 0.6 + 0.3 * authorship,
        _ => 0.45 + 0.45 * authorship,
    };
    let who = p.map(|r| r.name).unwrap_or("a proxy");
    let mut v = Verdict::new(
        Cause::ProxyBadGateway,
        conf,
        format!("{who} answered {status}: it cannot reach a healthy upstream for this path"),
    )
    .because(Fact::cited(b));
    if let Some(r) = p {
        v = v.because(HttpFact::Signature {
            noun: Noun::Answer,
            situation: r.situation,
        });
    }
    if let Some(h) = host_serves_http(f, HostShows::BackendReached) {
        v = v.because(h);
    }
    if !proxy_made {
        v = v.or(
            Cause::ServerError,
            "an application that itself answers 502/503 looks the same without a proxy signature",
        );
    }
    Some(v.next("check the upstream address and port for this path and that the backend is running; probe it with --direct"))
}

/// A refusal that carries the proxy's/CDN's/WAF's own signature (nginx error page, HAProxy
/// "Request forbidden by administrative rules", Cloudflare page with a Ray ID, `server:
/// awselb/2.0`…): the request never reached the application.
pub fn proxy_access_denied(f: &Facts) -> Option<Verdict> {
    let (b, status) = refused(f)?;
    if !(400..500).contains(&status) || matches!(status, 404 | 405) {
        return None;
    }
    let p = producer(b)?;
    if !p.kind.is_intermediary() || p.role != crate::fingerprint::Role::Producer {
        return None;
    }
    // nginx's client-certificate pages are the TLS layer's verdict written as HTTP
    // (`tls::client_cert`), and its size pages a buffer limit (`request_too_large`): neither is an
    // access rule.
    if crate::diagnose::rules::tls::is_client_cert_page(body(b)) || is_size_refusal(b, status) {
        return None;
    }
    let mut v = Verdict::new(
        Cause::ProxyAccessDenied,
        0.85,
        format!(
            "{} refused the request itself ({status}); it never reached the application",
            p.name
        ),
    )
    .because(Fact::cited(b))
    .because(HttpFact::Signature {
        noun: Noun::Refusal,
        situation: p.situation,
    });
    let count = f
        .public("credential.")
        .chain(f.public("origin."))
        .filter(|a| same_answer(a, b))
        .count();
    if count > 0 {
        v = v.because(HttpFact::AlikeRefusals { count });
    }
    Some(v.next(format!(
        "look for the rule in {} that matches this path (allow/deny, WAF, rate limit) and allow WebSocket upgrades",
        p.name
    )))
}

/// 404 for the upgrade.
pub fn not_found(f: &Facts) -> Option<Verdict> {
    let (b, status) = refused(f)?;
    if status != 404 {
        return None;
    }
    let p = producer(b);
    // Who wrote the 404 is read from its shape (the front's own page or an application's body),
    // never from the Server header alone.
    let front_wrote_it =
        response(b).is_some_and(|r| crate::fingerprint::proxy_authorship(&r) >= 0.5);
    let summary = match p {
        Some(r) if r.kind.is_intermediary() && front_wrote_it => format!(
            "{} has no route for this path and answers 404 itself",
            r.name
        ),
        Some(r) if r.kind.is_intermediary() => format!(
            "the application has no route for this path (its own 404, relayed by {})",
            r.name
        ),
        Some(r) => format!("{} has no route for this path (404)", r.name),
        None => "nothing serves this path (404)".into(),
    };
    // An application's 404 relayed through a front is also what the application answers a plain
    // GET when the front drops the upgrade: the signature is weaker than a front's own page or an
    // application reached without one.
    let relayed = p.is_some_and(|r| r.kind.is_intermediary()) && !front_wrote_it;
    let strength = if relayed { 0.7 } else { 0.8 };
    let mut v = Verdict::new(Cause::RoutingNotFound, strength, summary).because(Fact::cited(b));
    if let Some(l) = plain_get_fact(f, b) {
        v = v.because(l);
    }
    if let Some(h) = host_serves_http(f, HostShows::Up) {
        v = v.because(h);
    }
    if !intermediaries(b).is_empty() {
        v = v.or(
            Cause::ProxyUpgradeNotForwarded,
            "a proxy that drops Upgrade makes the app answer as to a plain GET, which may be 404",
        );
    }
    Some(
        v.or(
            Cause::RoutingWrongUpstream,
            "the path may exist on another backend than the one this route reaches",
        )
        .next("check the path (trailing slash, prefix the proxy strips); --direct to the backend tells a proxy route from an app route"),
    )
}

/// 405 for the upgrade.
pub fn method_not_allowed(f: &Facts) -> Option<Verdict> {
    let (b, status) = refused(f)?;
    if status != 405 {
        return None;
    }
    let mut v = Verdict::new(
        Cause::RoutingMethodNotAllowed,
        0.85,
        "the endpoint does not accept a GET upgrade here (405): the path is routed to an HTTP-only handler",
    )
    .because(Fact::cited(b));
    if let Some(value) = response(b).and_then(|r| r.header("allow").map(str::to_string)) {
        v = v.because(HttpFact::Header {
            header: Header::Allow,
            value,
        });
    }
    Some(v.next("register the WebSocket route for this exact path, or use the path the WebSocket handler serves"))
}

/// A 2xx plain answer to the upgrade: the URL serves ordinary HTTP.
pub fn not_websocket(f: &Facts) -> Option<Verdict> {
    let (b, status) = refused(f)?;
    if !(200..300).contains(&status) {
        return None;
    }
    let mut v = Verdict::new(
        Cause::RoutingNotWebsocket,
        0.85,
        format!(
            "the URL answers the upgrade with a plain {status}: it serves HTTP, not a WebSocket"
        ),
    )
    .because(Fact::cited(b));
    if let Some(value) = response(b).and_then(|r| r.header("content-type").map(str::to_string)) {
        v = v.because(HttpFact::Header {
            header: Header::ContentType,
            value,
        });
    }
    if let Some(l) = plain_get_fact(f, b) {
        v = v.because(l);
    }
    Some(
        v.or(
            Cause::ProxyUpgradeNotForwarded,
            "a proxy that drops Upgrade and an app that answers GET on this path look the same",
        )
        .next("check the WebSocket path (SPA fallbacks answer every path with index.html); --direct to the backend decides"),
    )
}

/// 401/403/407 that no matrix rule explained: the credential is missing (none given) or refused.
pub fn auth_refusal(f: &Facts) -> Option<Verdict> {
    let (b, status) = refused(f)?;
    let text = body(b);
    // A 400 that names authentication ("No authenticated user found", field report 003) is an
    // auth refusal in the wrong status.
    if !(matches!(status, 401 | 403 | 407) || (status == 400 && mentions_auth(text))) {
        return None;
    }
    let challenge = response(b).is_some_and(|r| r.header("www-authenticate").is_some());
    let explicit = status != 403 || challenge || mentions_auth(text);
    if f.run.request_unknown {
        // Whether a credential was sent is not known: the answer says auth, nothing says which.
        let mut v = Verdict::new(
            Cause::AuthMissingCredentials,
            if explicit { 0.65 } else { 0.5 },
            format!("the server wants a credential ({status}); whether the request carried one is not known"),
        )
        .because(Fact::cited(b))
        .because(HttpFact::RequestUnknown);
        if challenge {
            v = v.because(HttpFact::Challenge);
        }
        return Some(v.or(
            Cause::AuthCredentialsRejected,
            "a credential that was sent and refused gets the same answer",
        ));
    }
    if !f.run.credential_given {
        let conf = if status != 403 || challenge {
            0.8
        } else if mentions_auth(text) {
            0.65
        } else {
            0.5
        };
        let mut v = Verdict::new(
            Cause::AuthMissingCredentials,
            conf,
            format!("the server requires a credential and none was sent ({status})"),
        )
        .because(Fact::cited(b))
        .because(HttpFact::NoCredentialGiven);
        if challenge {
            v = v.because(HttpFact::Challenge);
        }
        if !explicit {
            v = v.or(
                Cause::RoutingWrongUpstream,
                "a bare 403 also comes from a backend that refuses every upgrade before auth",
            );
        }
        return Some(v.next(
            "pass --token (and --auth header|query|cookie|subprotocol) to tell auth from routing",
        ));
    }
    Some(
        Verdict::new(
            Cause::AuthCredentialsRejected,
            if explicit { 0.65 } else { 0.5 },
            format!("the credential reaches the server and is refused ({status})"),
        )
        .because(Fact::cited(b))
        .or(
            Cause::AuthPlacement,
            "the server may read the credential from another place than the one used",
        )
        .or(
            Cause::RoutingWrongUpstream,
            "a backend that refuses every upgrade gives the same answer",
        )
        .next("check the token's validity; pass --direct ws://<backend>/… to see whether the backend accepts it"),
    )
}

/// A 5xx from the application (502/504 and proxy 503s are `proxy.bad_gateway`).
pub fn server_error(f: &Facts) -> Option<Verdict> {
    let (b, status) = refused(f)?;
    if !(500..600).contains(&status) {
        return None;
    }
    // The more likely a proxy wrote the page itself, the less likely it is the app's own error.
    let authorship = response(b).map_or(0.3, |r| crate::fingerprint::proxy_authorship(&r));
    let who = producer(b)
        .filter(|r| !r.kind.is_intermediary() || authorship >= 0.5)
        .map(|r| r.name)
        .unwrap_or("the application");
    let mut v = Verdict::new(
        Cause::ServerError,
        0.85 - 0.45 * authorship,
        format!("{who} fails the upgrade with a server error ({status})"),
    )
    .because(Fact::cited(b));
    if authorship < 0.5 {
        if let Some(r) = intermediaries(b)
            .first()
            .or(producer(b).as_ref())
            .filter(|r| r.kind.is_intermediary())
        {
            v = v.because(HttpFact::RelayedBy { product: r.name });
        }
    }
    Some(v.next(
        "read the application log at the time of the probe; the handler raised before accepting",
    ))
}

/// Any other refusal: a 400-class answer no rule above explains. When the server answers our
/// valid handshake exactly as it answers one without Sec-WebSocket-Key, it cannot see the
/// handshake headers (stripped on the way); otherwise it is reported as a refused handshake.
pub fn unexplained_refusal(f: &Facts) -> Option<Verdict> {
    let (b, status) = refused(f)?;
    if let Some(mk) = f.get(ids::CONTROL_MISSING_KEY) {
        if same_answer(mk, b) && status == 400 {
            return Some(
                Verdict::new(
                    Cause::ProxyUpgradeNotForwarded,
                    0.55,
                    "the server answers a valid upgrade exactly like a broken one: the handshake headers do not reach it",
                )
                .because(Fact::cited(b))
                .because(Fact::cited(mk))
                .or(
                    Cause::ServerBadHandshakeResponse,
                    "a server that refuses every upgrade with 400 looks the same",
                )
                .next("probe the backend with --direct; if it upgrades there, the proxy strips the headers"),
            );
        }
    }
    Some(
        Verdict::new(
            Cause::ServerBadHandshakeResponse,
            0.4,
            format!("the server refuses a well-formed RFC 6455 upgrade with {status}"),
        )
        .because(Fact::cited(b))
        .next("read the body and the server log; probe with --direct to see whether a proxy changes the request"),
    )
}

#[cfg(test)]
mod tests {

    #[test]
    fn uvicorn_answering_an_upgrade_like_a_plain_get_is_websocket_unsupported() {
        // Captured from uvicorn 0.54 without a WebSocket library (--ws none): the FastAPI 404
        // with uvicorn's own server header, for the upgrade and the plain GET alike.
        let hdrs = [("server", "uvicorn"), ("content-type", "application/json")];
        let nf = r#"{"detail":"Not Found"}"#;
        let r = run(vec![
            attempt("baseline").rejected_with(404, &hdrs, nf),
            attempt("control.plain_get").rejected_with(404, &hdrs, nf),
        ])
        .build();
        let v = websocket_unsupported(&Facts::new(&r)).expect("uvicorn without WebSockets");
        assert_eq!(v.cause, Cause::ServerWebsocketUnsupported);
        assert_eq!(
            v.evidence,
            vec![
                Fact::Http(HttpFact::Upgrade {
                    attempt: "baseline".into()
                }),
                Fact::Http(HttpFact::SameAsUpgrade {
                    attempt: "control.plain_get".into()
                }),
                Fact::Http(HttpFact::OwnServerHeader {
                    server: "uvicorn".into(),
                    product: NonUpgrading::Uvicorn
                }),
            ]
        );
        assert_eq!(
            crate::diagnose::diagnose(&r).0.cause,
            Cause::ServerWebsocketUnsupported
        );
    }

    #[test]
    fn near_miss_behind_nginx_or_a_different_plain_get_is_not_websocket_unsupported() {
        let nf = r#"{"detail":"Not Found"}"#;
        // nginx replaces the Server header: the proxy is the suspect, not uvicorn.
        let ng = [
            ("Server", "nginx/1.22.1"),
            ("content-type", "application/json"),
        ];
        let r = run(vec![
            attempt("baseline").rejected_with(404, &ng, nf),
            attempt("control.plain_get").rejected_with(404, &ng, nf),
        ])
        .build();
        assert_eq!(cause(websocket_unsupported, &r), None);
        // The upgrade is answered differently from the plain GET: the server did see an upgrade.
        let uv = [("server", "uvicorn"), ("content-type", "application/json")];
        let r = run(vec![
            attempt("baseline").rejected_with(400, &uv, "bad"),
            attempt("control.plain_get").rejected_with(404, &uv, nf),
        ])
        .build();
        assert_eq!(cause(websocket_unsupported, &r), None);
        // A refusal shared with the plain GET is an auth gate, not missing support.
        let r = run(vec![
            attempt("baseline").rejected_with(403, &uv, ""),
            attempt("control.plain_get").rejected_with(403, &uv, ""),
        ])
        .build();
        assert_eq!(cause(websocket_unsupported, &r), None);
    }

    use super::*;
    use crate::diagnose::rules::testkit::*;
    use crate::fingerprint::Role;

    fn cause(rule: fn(&Facts) -> Option<Verdict>, r: &crate::model::Run) -> Option<Cause> {
        rule(&Facts::new(r)).map(|v| v.cause)
    }

    #[test]
    fn http2_frames_are_http2_only_and_other_violations_are_not() {
        let r = run(vec![attempt("baseline").violation("http2_response")]).build();
        assert_eq!(cause(http2_only, &r), Some(Cause::ServerHttp2Only));
        let v = http2_only(&Facts::new(&r)).expect("a verdict");
        assert!(
            v.evidence.iter().any(|e| matches!(
                e,
                Fact::Http(HttpFact::Http2Answer {
                    over_tls: false,
                    ..
                })
            )),
            "{v:?}"
        );
        let near = run(vec![attempt("baseline").violation("malformed_response")]).build();
        assert_eq!(cause(http2_only, &near), None);
        // The order in RULES puts it before the generic bad-handshake rule.
        assert_eq!(
            crate::diagnose::diagnose(&r).0.cause,
            Cause::ServerHttp2Only
        );
    }

    #[test]
    fn protocol_violations_are_bad_handshake_responses() {
        let r = run(vec![attempt("baseline").violation("bad_accept_key")]).build();
        assert_eq!(
            cause(bad_handshake_response, &r),
            Some(Cause::ServerBadHandshakeResponse)
        );
        let near = run(vec![attempt("baseline").rejected(400, "")]).build();
        assert_eq!(cause(bad_handshake_response, &near), None);
    }

    #[test]
    fn redirect_is_proxy_redirect() {
        let r = run(vec![
            attempt("baseline").redirected(301, "https://api.test/ws")
        ])
        .build();
        assert_eq!(cause(redirect, &r), Some(Cause::ProxyRedirect));
        // A ws:// target sent to https://: the site forces TLS.
        let v = redirect(&Facts::new(&r)).expect("a verdict");
        assert!(v.evidence.contains(&Fact::Http(HttpFact::RedirectToHttps)));
        let r = run(vec![
            attempt("baseline").redirected(301, "http://api.test/ws/")
        ])
        .build();
        let v = redirect(&Facts::new(&r)).expect("a verdict");
        assert!(!v.evidence.contains(&Fact::Http(HttpFact::RedirectToHttps)));
    }

    #[test]
    fn too_large_by_status_or_nginx_body() {
        let r = run(vec![
            attempt("baseline").fixture("nginx_header-too-large_400.http")
        ])
        .build();
        assert_eq!(
            cause(request_too_large, &r),
            Some(Cause::ProxyRequestTooLarge)
        );
        let r = run(vec![
            attempt("baseline").fixture("nginx_uri-too-long_414.http")
        ])
        .build();
        assert_eq!(
            cause(request_too_large, &r),
            Some(Cause::ProxyRequestTooLarge)
        );
        let near = run(vec![attempt("baseline").rejected(400, "Bad Request")]).build();
        assert_eq!(cause(request_too_large, &near), None);
    }

    #[test]
    fn an_application_431_is_the_servers_and_a_proxy_page_is_the_proxys() {
        // A framework's JSON 431 behind uvicorn, and Node's bare 431 relayed by nginx (which
        // stamps its Server header on everything it relays and never writes a 431 itself).
        let json = run(vec![
            attempt("baseline").rejected_with(
                431,
                &[("server", "uvicorn"), ("content-type", "application/json")],
                r#"{"detail":"Request Header Fields Too Large"}"#,
            ),
            attempt("control.plain_get").rejected_with(
                431,
                &[("server", "uvicorn"), ("content-type", "application/json")],
                r#"{"detail":"Request Header Fields Too Large"}"#,
            ),
        ])
        .build();
        assert_eq!(
            cause(request_too_large, &json),
            Some(Cause::ServerRequestTooLarge)
        );
        assert_eq!(cause(websocket_unsupported, &json), None);
        assert_eq!(
            crate::diagnose::diagnose(&json).0.cause,
            Cause::ServerRequestTooLarge
        );
        let relayed = run(vec![attempt("baseline").rejected_with(
            431,
            &[("server", "nginx/1.22.1"), ("connection", "close")],
            "",
        )])
        .build();
        let v = request_too_large(&Facts::new(&relayed)).expect("a verdict");
        assert_eq!(v.cause, Cause::ServerRequestTooLarge);
        assert!(
            v.alternatives
                .iter()
                .any(|a| a.cause == Cause::ProxyRequestTooLarge),
            "{v:?}"
        );
        let page = run(vec![
            attempt("baseline").fixture("nginx_header-too-large_400.http")
        ])
        .build();
        let v = request_too_large(&Facts::new(&page)).expect("a verdict");
        assert_eq!(v.cause, Cause::ProxyRequestTooLarge);
        assert!(v.alternatives.is_empty(), "{v:?}");
        assert!(
            v.evidence.iter().any(|e| matches!(
                e,
                Fact::Http(HttpFact::SizeRefusalReads { by_proxy: true, .. })
            )),
            "{v:?}"
        );
    }

    #[test]
    fn bad_gateway_from_502_504_and_proxy_503() {
        for f in [
            "nginx_upstream-down_502.http",
            "caddy_upstream-down_502.http",
            "haproxy_no-server_503.http",
            "envoy_upstream-connect-error_503.http",
            "traefik_upstream-down_502.http",
        ] {
            let r = run(vec![attempt("baseline").fixture(f)]).build();
            assert_eq!(cause(bad_gateway, &r), Some(Cause::ProxyBadGateway), "{f}");
        }
        let cf_521 = run(vec![attempt("baseline").rejected_with(
            521,
            &[("Server", "cloudflare"), ("CF-RAY", "8e6f1a2b3c4d5e6f-AMS")],
            "<title>Web server is down | Cloudflare</title>",
        )])
        .build();
        assert_eq!(cause(bad_gateway, &cf_521), Some(Cause::ProxyBadGateway));
        let app_503 = run(vec![attempt("baseline").rejected(503, "maintenance")]).build();
        assert_eq!(cause(bad_gateway, &app_503), None);
        assert_eq!(cause(server_error, &app_503), Some(Cause::ServerError));
    }

    #[test]
    fn proxy_signature_refusal_is_access_denied_but_an_apps_is_not() {
        for f in [
            "nginx_deny_403.http",
            "haproxy_deny_403.http",
            "cloudflare_waf-block-1020_403.http",
            "aws-alb_waf-block_403.http",
        ] {
            let r = run(vec![attempt("baseline").fixture(f)]).build();
            assert_eq!(
                cause(proxy_access_denied, &r),
                Some(Cause::ProxyAccessDenied),
                "{f}"
            );
        }
        // The producer's signature is cited, and the credential and Origin variants that got the
        // same refusal are counted (one variant that differs is not).
        let r = run(vec![
            attempt("baseline").fixture("nginx_deny_403.http"),
            attempt("credential.query").fixture("nginx_deny_403.http"),
            attempt("origin.none").fixture("nginx_deny_403.http"),
            attempt("origin.other").rejected(400, "bad origin"),
        ])
        .build();
        let v = proxy_access_denied(&Facts::new(&r)).expect("a verdict");
        assert!(
            v.evidence.iter().any(|e| matches!(
                e,
                Fact::Http(HttpFact::Signature {
                    noun: Noun::Refusal,
                    ..
                })
            )),
            "{v:?}"
        );
        assert!(
            v.evidence
                .contains(&Fact::Http(HttpFact::AlikeRefusals { count: 2 })),
            "{v:?}"
        );
        let caddy = run(vec![attempt("baseline").fixture("caddy_respond_403.http")]).build();
        assert_eq!(
            cause(proxy_access_denied, &caddy),
            Some(Cause::ProxyAccessDenied)
        );
        // An app's answer relayed through nginx only shows nginx on the path: not the proxy's.
        let relayed = run(vec![attempt("baseline").rejected_with(
            403,
            &[
                ("Server", "nginx/1.22.1"),
                ("Content-Type", "application/json"),
            ],
            "{\"error\":\"forbidden\"}",
        )])
        .build();
        let p = producer(&relayed.attempts[0]).map(|r| r.role);
        assert_eq!(p, Some(Role::Path));
        assert_eq!(cause(proxy_access_denied, &relayed), None);
        let app = run(vec![
            attempt("baseline").fixture("uvicorn_close-before-accept_403.http")
        ])
        .build();
        assert_eq!(cause(proxy_access_denied, &app), None);
    }

    #[test]
    fn status_rules_match_their_status_only() {
        let r404 = run(vec![attempt("baseline").rejected(404, "Not Found")]).build();
        assert_eq!(cause(not_found, &r404), Some(Cause::RoutingNotFound));
        assert_eq!(cause(method_not_allowed, &r404), None);
        let r405 = run(vec![attempt("baseline").rejected_with(
            405,
            &[("Allow", "GET, HEAD")],
            "",
        )])
        .build();
        let v = method_not_allowed(&Facts::new(&r405)).expect("a verdict");
        assert_eq!(v.cause, Cause::RoutingMethodNotAllowed);
        assert!(
            v.evidence.contains(&Fact::Http(HttpFact::Header {
                header: Header::Allow,
                value: "GET, HEAD".into()
            })),
            "{v:?}"
        );
        let r200 = run(vec![attempt("baseline").rejected(200, "<html>app</html>")]).build();
        assert_eq!(
            cause(not_websocket, &r200),
            Some(Cause::RoutingNotWebsocket)
        );
        assert_eq!(cause(not_websocket, &r404), None);
    }

    #[test]
    fn auth_refusal_tells_missing_from_rejected_by_whether_a_credential_was_given() {
        let none = run(no_cred(vec![attempt("baseline").rejected_with(
            401,
            &[("WWW-Authenticate", "Bearer")],
            "",
        )]))
        .build();
        let v = auth_refusal(&Facts::new(&none));
        assert_eq!(
            v.as_ref().map(|v| v.cause),
            Some(Cause::AuthMissingCredentials)
        );
        assert!(v.as_ref().is_some_and(|v| v.evidence
            == vec![
                Fact::cited(&none.attempts[0]),
                Fact::Http(HttpFact::NoCredentialGiven),
                Fact::Http(HttpFact::Challenge),
            ]));
        assert!(v.is_some_and(|v| v.confidence >= 0.8));
        let bare = run(no_cred(vec![attempt("baseline").rejected(403, "")])).build();
        let v = auth_refusal(&Facts::new(&bare));
        assert!(v
            .as_ref()
            .is_some_and(|v| v.confidence <= 0.5 && !v.alternatives.is_empty()));
        let with = run(vec![attempt("baseline").rejected(401, "invalid token")])
            .cred()
            .build();
        assert_eq!(
            cause(auth_refusal, &with),
            Some(Cause::AuthCredentialsRejected)
        );
        let near = run(vec![attempt("baseline").rejected(400, "")]).build();
        assert_eq!(cause(auth_refusal, &near), None);
    }

    #[test]
    fn a_400_equal_to_the_missing_key_control_means_headers_do_not_arrive() {
        let r = run(vec![
            attempt("baseline").rejected(400, "Bad Request"),
            attempt("control.missing_key").rejected(400, "Bad Request"),
        ])
        .build();
        let v = unexplained_refusal(&Facts::new(&r)).expect("a verdict");
        assert_eq!(v.cause, Cause::ProxyUpgradeNotForwarded);
        assert_eq!(
            v.evidence,
            vec![Fact::cited(&r.attempts[0]), Fact::cited(&r.attempts[1])]
        );
        let near = run(vec![
            attempt("baseline").rejected(400, "room is full"),
            attempt("control.missing_key")
                .rejected(400, "Missing or invalid Sec-WebSocket-Key header"),
        ])
        .build();
        assert_eq!(
            cause(unexplained_refusal, &near),
            Some(Cause::ServerBadHandshakeResponse)
        );
    }
}
