//! simulate (tests only): what a cause's home needs to build the run the cause predicts and check
//! that the cause wins it (each home's `tests::<cause>_wins_the_run_it_predicts`, in
//! `diagnose::causes`). The attempts come from the real plan (`plan::build` on a real `Config`),
//! not a hand-picked subset, so a cause that another one masks fails there instead of in a user's
//! terminal. Each scenario says what every part of the matrix gets when that cause is the fault,
//! the way the lab's real servers answer.

use crate::cli::ProbeArgs;
use crate::config::Config;
pub use crate::diagnose::cause::Cause;
use crate::diagnose::diagnose;
pub use crate::diagnose::hypothesis::{part, Part};
pub use crate::diagnose::rules::testkit::{planned, A};
pub use crate::model::{AttemptRecord, Run, Stage};

/// What the user typed.
pub struct Input {
    pub url: &'static str,
    pub token: bool,
    pub origin: bool,
    pub subprotocol: bool,
    pub repeat: u32,
    pub auth_check: bool,
    pub direct: bool,
    pub ticket: bool,
}

pub const PLAIN: Input = Input {
    url: "ws://api.test/ws",
    token: false,
    origin: true,
    subprotocol: false,
    repeat: 0,
    auth_check: false,
    direct: false,
    ticket: false,
};
pub const WITH_TOKEN: Input = Input {
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
pub fn simulated(input: &Input, answer: impl Fn(&A, Part, &AttemptRecord) -> AttemptRecord) -> Run {
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
pub fn a(x: &A) -> A {
    x.clone()
}

pub fn check(cause: Cause, run: &Run) {
    assert!(
        run.attempts.len() >= 10 || matches!(cause, Cause::AuthMissingCredentials),
        "{}: the real plan's matrix ({} attempts)",
        cause.id(),
        run.attempts.len()
    );
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

pub const HTML: &str = "<html><body>app</body></html>";

/// The user gave a token and `--direct`.
pub const DIRECT: Input = Input {
    direct: true,
    ..WITH_TOKEN
};

/// The user gave a token to a `wss://` URL.
pub const WSS: Input = Input {
    url: "wss://api.test/ws",
    ..WITH_TOKEN
};

/// Every attempt meets the same failure.
pub fn fails(cause: Cause, input: &Input, f: fn(A) -> AttemptRecord) -> (Cause, Run) {
    (cause, simulated(input, |x, _, _| f(a(x))))
}

/// A ticket flow whose ticket endpoint refuses to issue one.
pub fn ticketed() -> Run {
    let mut run = simulated(
        &Input {
            ticket: true,
            ..WITH_TOKEN
        },
        |x, _, _| a(x).rejected(401, "{\"detail\":\"missing ticket\"}"),
    );
    run.tickets.push(crate::model::TicketRecord {
        url: "http://api.test/api/v1/ws-ticket".into(),
        method: "GET".into(),
        status: Some(401),
        body_excerpt: "{\"code\":\"MISSING_SESSION\"}".into(),
        obtained: false,
        error: None,
        ms: 1.0,
    });
    run
}

/// The plain-HTTP controls of a healthy host: the site root is served, `--auth-check` accepts the
/// credential and refuses its absence, and the plain GET of a WebSocket route gets FastAPI's 404.
pub fn ok_root(x: &A, p: Part) -> Option<AttemptRecord> {
    match p {
        Part::HttpControl => Some(a(x).rejected(200, "{\"status\":\"ok\"}")),
        Part::AuthCheck => Some(a(x).rejected(200, "{\"id\":42}")),
        Part::AuthCheckNone => Some(a(x).rejected(401, "{\"detail\":\"missing token\"}")),
        Part::PlainGet => Some(a(x).fixture("fastapi_plain-get-ws-route_404.http")),
        _ => None,
    }
}

/// Every cause the catalogue can decide has its home's simulated run.
#[test]
fn every_decidable_cause_has_a_simulated_run_in_its_home() {
    let homes = [
        include_str!("../causes/ok.rs"),
        include_str!("../causes/dns.rs"),
        include_str!("../causes/tcp.rs"),
        include_str!("../causes/tls.rs"),
        include_str!("../causes/proxy.rs"),
        include_str!("../causes/origin.rs"),
        include_str!("../causes/auth.rs"),
        include_str!("../causes/routing.rs"),
        include_str!("../causes/server.rs"),
    ]
    .concat();
    let simulated = Cause::ALL
        .iter()
        .filter(|c| {
            let name = c.id().split_once('.').map_or("", |(_, n)| n);
            homes.contains(&format!("fn {name}_wins_the_run_it_predicts()"))
        })
        .count();
    assert!(simulated >= 35, "only {simulated} causes win their own run");
}
