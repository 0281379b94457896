//! Field report 004 (/work/shared/seeds/004_d089f0d4d7634b0c.txt): JWT -> GET /api/v1/ws-ticket ->
//! one-time `?ticket=`. The ticket endpoint fails hard (401 MISSING_SESSION: stop reconnecting)
//! or soft (503 REDIS_UNAVAILABLE: retry with backoff); both are `auth.ticket_failed`, and the
//! report must tell them apart. The healthy flow is the control.

use crate::support::cli::{wsdoctor, Probe};
use crate::support::stack::{
    self, App, Tool, JWT_WITHOUT_SESSION, JWT_WITH_SESSION, TICKET_ORIGIN,
};

fn ticket_run(app: App, jwt: &str) -> Probe {
    let app = stack::app(app);
    let url = format!("ws://{}/ws", app.addr());
    let ticket_url = format!("http://{}/api/v1/ws-ticket", app.addr());
    wsdoctor(&[
        url.as_str(),
        "--token",
        jwt,
        "--ticket-url",
        ticket_url.as_str(),
        "--origin",
        TICKET_ORIGIN,
    ])
}

fn mentions_any(text: &str, words: &[&str]) -> bool {
    let text = text.to_lowercase();
    words.iter().any(|w| text.contains(w))
}

// /work/shared/seeds/004 "Happy Path": JWT with a sessionId, ticket obtained, socket stays open.
#[test]
fn report_004_ticket_flow_healthy() {
    require!("report_004_ticket_flow_healthy", Tool::Python);
    let run = ticket_run(App::FastApiTickets, JWT_WITH_SESSION);
    run.expect("ok", "ok.healthy", 0);
}

// /work/shared/seeds/004 Scenario 3 "Missing sessionId in JWT": 401 MISSING_SESSION, a hard failure.
#[test]
fn report_004_ticket_endpoint_401_missing_session_is_a_hard_failure() {
    require!("report_004_ticket_401", Tool::Python);
    let run = ticket_run(App::FastApiTickets, JWT_WITHOUT_SESSION);
    run.expect("auth", "auth.ticket_failed", 1);
    let text = run.diagnosis_text();
    assert!(
        text.contains("401")
            && mentions_any(&text, &["hard", "credential", "jwt", "session", "token"]),
        "the 401 diagnosis must name the status and the credential problem\n{}",
        run.describe()
    );
}

// /work/shared/seeds/004 Scenario 4 "Redis Down": 503 REDIS_UNAVAILABLE, a soft failure to retry.
#[test]
fn report_004_ticket_endpoint_503_redis_unavailable_is_a_soft_failure() {
    require!("report_004_ticket_503", Tool::Python);
    let run = ticket_run(App::FastApiTicketsStoreDown, JWT_WITH_SESSION);
    run.expect("auth", "auth.ticket_failed", 1);
    let text = run.diagnosis_text();
    assert!(
        text.contains("503")
            && mentions_any(
                &text,
                &["soft", "retry", "temporar", "transient", "unavailable"]
            ),
        "the 503 diagnosis must name the status and say it is temporary\n{}",
        run.describe()
    );
}
