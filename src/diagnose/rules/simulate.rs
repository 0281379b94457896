//! simulate (tests only): each hypothesis generates the run it predicts and must win it. The
//! attempts come from the real plan (`plan::build` on a real `Config`), not a hand-picked subset,
//! so a cause that another one masks fails here instead of in a user's terminal. Each scenario
//! says what every part of the matrix gets when that cause is the fault, the way the lab's real
//! servers answer.

use crate::cli::ProbeArgs;
use crate::config::Config;
use crate::diagnose::cause::Cause;
use crate::diagnose::diagnose;
use crate::diagnose::hypothesis::{part, Part};
use crate::diagnose::rules::testkit::{planned, A};
use crate::model::{AttemptRecord, Run, Stage};

/// What the user typed.
struct Input {
    url: &'static str,
    token: bool,
    origin: bool,
    subprotocol: bool,
    repeat: u32,
    auth_check: bool,
    direct: bool,
    ticket: bool,
}

const PLAIN: Input = Input {
    url: "ws://api.test/ws",
    token: false,
    origin: true,
    subprotocol: false,
    repeat: 0,
    auth_check: false,
    direct: false,
    ticket: false,
};
const WITH_TOKEN: Input = Input {
    token: true,
    ..PLAIN
};

fn config(input: &Input) -> Config {
    let mut a = ProbeArgs::with_defaults(input.url);
    if input.token {
        a.token = Some("tok-0123456789abcdef".into());
    }
    if input.origin {
        a.origin = Some("https://app.test".into());
    }
    if input.subprotocol {
        a.subprotocols = vec!["graphql-ws".into()];
    }
    a.repeat = input.repeat;
    if input.auth_check {
        a.auth_check = Some("http://api.test/api/v1/me".into());
    }
    if input.direct {
        a.direct = Some("ws://127.0.0.1:8002/ws".into());
    }
    if input.ticket {
        a.ticket_url = Some("http://api.test/api/v1/ws-ticket".into());
    }
    Config::from_args(&a).unwrap_or_else(|e| panic!("a valid config: {e}"))
}

/// The run a cause predicts: `answer` gives each planned attempt its outcome.
fn simulated(input: &Input, answer: impl Fn(&A, Part, &AttemptRecord) -> AttemptRecord) -> Run {
    let c = config(input);
    let plan = crate::plan::build(&c);
    let shape = |spec: &crate::plan::AttemptSpec| {
        let a = planned(spec.variant.clone());
        let placeholder = planned(spec.variant.clone()).upgraded();
        let p = part(&placeholder);
        answer(&a, p, &placeholder)
    };
    let attempts: Vec<AttemptRecord> = plan.attempts.iter().map(shape).collect();
    Run {
        target: input.url.into(),
        credential_given: input.token,
        user_origin: c.origin.clone(),
        direct: c.direct.as_ref().map(|d| d.to_string()),
        attempts,
        tickets: Vec::new(),
        http_controls: plan.http_controls.iter().map(shape).collect(),
        addresses: Vec::new(),
        http2: None,
        other_scheme: None,
        skipped: plan.skipped.clone(),
        request_unknown: false,
    }
}

/// Clones a half-built attempt so one closure can build several outcomes.
fn a(x: &A) -> A {
    x.clone()
}

fn check(cause: Cause, run: &Run) {
    let (d, _) = diagnose(run);
    assert_eq!(
        d.cause,
        cause,
        "the run {} predicts is diagnosed {} ({:.2}); considered: {:?}",
        cause.id(),
        d.cause.id(),
        d.confidence,
        d.considered
            .iter()
            .map(|c| (c.cause.id(), c.score, c.contradicted.clone()))
            .collect::<Vec<_>>()
    );
}

const HTML: &str = "<html><body>app</body></html>";

/// The causes whose runs need `--direct`, a ticket flow, TLS or a transport failure.
fn more_cases() -> Vec<(Cause, Run)> {
    use Part::*;
    let direct = Input {
        direct: true,
        ..WITH_TOKEN
    };
    let wss = Input {
        url: "wss://api.test/ws",
        ..WITH_TOKEN
    };
    let fails = |cause: Cause, input: &Input, f: fn(A) -> AttemptRecord| {
        (cause, simulated(input, |x, _, _| f(a(x))))
    };
    let mut ticketed = simulated(
        &Input {
            ticket: true,
            ..WITH_TOKEN
        },
        |x, _, _| a(x).rejected(401, "{\"detail\":\"missing ticket\"}"),
    );
    ticketed.tickets.push(crate::model::TicketRecord {
        url: "http://api.test/api/v1/ws-ticket".into(),
        method: "GET".into(),
        status: Some(401),
        body_excerpt: "{\"code\":\"MISSING_SESSION\"}".into(),
        obtained: false,
        error: None,
        ms: 1.0,
    });
    vec![
        (
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
        ),
        (
            Cause::ProxyRequestTooLarge,
            simulated(&WITH_TOKEN, |x, p, r| match p {
                HttpControl => a(x).rejected(200, "{}"),
                NoCredential | PlainGet => a(x).rejected(401, "{\"detail\":\"missing token\"}"),
                _ if r.variant.credential == crate::model::CredentialPlacement::Subprotocol => {
                    a(x).rejected(401, "{\"detail\":\"missing token\"}")
                }
                _ => a(x).fixture("nginx_header-too-large_400.http"),
            }),
        ),
        (
            Cause::ServerWebsocketUnsupported,
            simulated(&WITH_TOKEN, |x, _, _| {
                a(x).rejected_with(
                    404,
                    &[("server", "uvicorn"), ("content-type", "application/json")],
                    "{\"detail\":\"Not Found\"}",
                )
            }),
        ),
        (
            Cause::OriginHostRewritten,
            simulated(&direct, |x, p, r| match (p, r.variant.direct) {
                (HttpControl, _) => a(x).rejected(200, "{}"),
                // The backend checks Origin against the Host it sees: its own origin passes
                // directly, the public one never does through the rewriting proxy.
                (Origin, true) if r.variant.id == "direct.origin.same" => a(x).upgraded(),
                (Origin, _) if r.variant.origin.is_none() => a(x).upgraded(),
                (PlainGet, _) => a(x).fixture("fastapi_plain-get-ws-route_404.http"),
                _ => a(x).fixture("uvicorn_close-before-accept_403.http"),
            }),
        ),
        (
            Cause::ProxyFrontRefuses,
            simulated(&direct, |x, p, r| match (p, r.variant.direct) {
                (HttpControl, _) => a(x).rejected(200, "{}"),
                (_, true) => a(x).upgraded(),
                _ => a(x).rejected_with(403, &[("content-type", "text/plain")], "blocked"),
            }),
        ),
        (Cause::AuthTicketFailed, ticketed),
        fails(Cause::TlsUntrustedCertificate, &wss, |x| {
            x.tls("untrusted_certificate")
        }),
        fails(Cause::TlsHostnameMismatch, &wss, |x| {
            x.tls("hostname_mismatch")
        }),
        fails(Cause::TlsNotTls, &wss, |x| x.tls("not_tls")),
        fails(Cause::TlsHandshakeFailed, &wss, |x| {
            x.tls("handshake_failed")
        }),
        fails(Cause::DnsResolutionFailed, &WITH_TOKEN, |x| {
            x.dns("not_found")
        }),
        fails(Cause::TcpTimeout, &WITH_TOKEN, |x| x.tcp("timeout")),
        fails(Cause::TcpUnreachable, &WITH_TOKEN, |x| x.tcp("unreachable")),
        fails(Cause::TcpReset, &WITH_TOKEN, |x| x.tcp("reset")),
        fails(Cause::ServerHttp2Only, &WITH_TOKEN, |x| {
            x.violation("http2_response")
        }),
    ]
}

#[test]
fn every_hypothesis_wins_the_run_it_predicts() {
    use Part::*;
    let ok_root = |x: &A, p: Part| match p {
        HttpControl => Some(a(x).rejected(200, "{\"status\":\"ok\"}")),
        AuthCheck => Some(a(x).rejected(200, "{\"id\":42}")),
        AuthCheckNone => Some(a(x).rejected(401, "{\"detail\":\"missing token\"}")),
        PlainGet => Some(a(x).fixture("fastapi_plain-get-ws-route_404.http")),
        _ => None,
    };
    let cases: Vec<(Cause, Run)> = vec![
        (
            Cause::Healthy,
            simulated(&WITH_TOKEN, |x, p, _| {
                ok_root(x, p).unwrap_or_else(|| a(x).upgraded())
            }),
        ),
        (
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
        ),
        (
            Cause::AuthCredentialsRejected,
            simulated(&WITH_TOKEN, |x, p, _| {
                ok_root(x, p).unwrap_or_else(|| match p {
                    NoCredential => a(x).rejected(401, "{\"detail\":\"missing token\"}"),
                    _ => a(x).rejected(401, "{\"detail\":\"invalid token\"}"),
                })
            }),
        ),
        (
            Cause::AuthPlacement,
            simulated(&WITH_TOKEN, |x, p, r| {
                ok_root(x, p).unwrap_or_else(|| match p {
                    Placement if r.variant.id == "credential.query" => a(x).upgraded(),
                    NoCredential => a(x).rejected(401, "{\"detail\":\"missing token\"}"),
                    _ => a(x).rejected(401, "{\"detail\":\"missing token\"}"),
                })
            }),
        ),
        (
            Cause::OriginRejected,
            simulated(&WITH_TOKEN, |x, p, r| {
                ok_root(x, p).unwrap_or_else(|| match (p, r.variant.origin.as_deref()) {
                    (Origin, None) => a(x).upgraded(),
                    _ => a(x).fixture("uvicorn_close-before-accept_403.http"),
                })
            }),
        ),
        (
            Cause::ProxyUpgradeNotForwarded,
            simulated(&WITH_TOKEN, |x, p, _| match p {
                HttpControl => a(x).rejected(200, "{}"),
                _ => a(x).fixture("nginx-fastapi_upgrade-not-forwarded_404.http"),
            }),
        ),
        (
            Cause::ProxyAccessDenied,
            simulated(&WITH_TOKEN, |x, p, _| match p {
                HttpControl => a(x).rejected(200, "{}"),
                _ => a(x).fixture("nginx_deny_403.http"),
            }),
        ),
        (
            Cause::ProxyBadGateway,
            simulated(&WITH_TOKEN, |x, _, _| {
                a(x).fixture("nginx_upstream-down_502.http")
            }),
        ),
        (
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
        ),
        (
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
        ),
        (
            Cause::ServerClosedAfterUpgrade,
            simulated(&WITH_TOKEN, |x, p, _| {
                ok_root(x, p).unwrap_or_else(|| a(x).closed(1011, "internal error"))
            }),
        ),
        (
            Cause::AuthClosedAfterUpgrade,
            simulated(&WITH_TOKEN, |x, p, _| {
                ok_root(x, p).unwrap_or_else(|| match p {
                    NoCredential => a(x).closed(4401, "missing token"),
                    _ => a(x).closed(4401, "invalid token"),
                })
            }),
        ),
        (
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
        ),
        (
            Cause::TcpRefused,
            simulated(&WITH_TOKEN, |x, _, _| a(x).tcp("refused")),
        ),
        (
            Cause::TlsExpiredCertificate,
            simulated(
                &Input {
                    url: "wss://api.test/ws",
                    ..WITH_TOKEN
                },
                |x, _, _| a(x).tls("expired_certificate"),
            ),
        ),
        (
            Cause::ProxyRedirect,
            simulated(&WITH_TOKEN, |x, _, _| {
                a(x).redirected(301, "https://api.test/ws")
            }),
        ),
        (
            Cause::RoutingMethodNotAllowed,
            simulated(&WITH_TOKEN, |x, p, _| {
                ok_root(x, p).unwrap_or_else(|| a(x).rejected(405, "Method Not Allowed"))
            }),
        ),
        (
            Cause::RoutingNotWebsocket,
            simulated(&WITH_TOKEN, |x, _, _| {
                a(x).rejected_with(200, &[("content-type", "text/html")], HTML)
            }),
        ),
        (
            Cause::ServerTimeout,
            simulated(&WITH_TOKEN, |x, _, _| a(x).timeout(Stage::Upgrade)),
        ),
        (
            Cause::ServerBadHandshakeResponse,
            simulated(
                &Input {
                    subprotocol: true,
                    ..WITH_TOKEN
                },
                |x, p, _| ok_root(x, p).unwrap_or_else(|| a(x).upgraded()),
            ),
        ),
    ];
    let mut more = more_cases();
    let cases: Vec<(Cause, Run)> = cases.into_iter().chain(more.drain(..)).collect();
    assert!(cases.len() >= 35);
    for (cause, run) in &cases {
        assert!(
            run.attempts.len() >= 10 || matches!(cause, Cause::AuthMissingCredentials),
            "{}: the real plan's matrix ({} attempts)",
            cause.id(),
            run.attempts.len()
        );
        check(*cause, run);
    }
}
