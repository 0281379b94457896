//! check::expect: the assertions a smoke check makes about one finished `Report`, and their pure
//! evaluation. Nothing here measures: `evaluate` reads the report's verdict and attempt records.

use crate::model::ids;

use crate::diagnose::cause::{Category, Cause};
use crate::model::{AttemptRecord, CredentialPlacement, Outcome, Report, RequestKind, Stage};

/// What the verdict must be (`expect = "…"`, `--expect …`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerdictExpectation {
    /// `ok`: healthy (the upgrade succeeded and stayed open through the close-wait).
    Ok,
    /// `fault`: any diagnosed fault.
    Fault,
    /// A cause id: the diagnosis names exactly this cause.
    Cause(Cause),
}

impl VerdictExpectation {
    /// Parses `ok`, `fault` or a cause id; the error lists what is accepted.
    pub fn parse(s: &str) -> Result<VerdictExpectation, String> {
        match s.trim() {
            "ok" => Ok(VerdictExpectation::Ok),
            "fault" => Ok(VerdictExpectation::Fault),
            id => Cause::from_id(id).map(VerdictExpectation::Cause).ok_or_else(|| {
                format!("'{id}' is not ok, fault or a cause id from docs/causes.md (e.g. auth.missing_credentials)")
            }),
        }
    }

    fn text(self) -> String {
        match self {
            VerdictExpectation::Ok => "ok".into(),
            VerdictExpectation::Fault => "fault".into(),
            VerdictExpectation::Cause(c) => c.id().into(),
        }
    }
}

/// Every assertion about one target. An empty set means `expect = "ok"` (see `effective`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Expectations {
    /// `expect`: the verdict.
    pub verdict: Option<VerdictExpectation>,
    /// `expect_cause`: the cause id.
    pub cause: Option<Cause>,
    /// `expect_origin_rejected`: Origins whose upgrade must be refused.
    pub origin_rejected: Vec<String>,
    /// `expect_status_without_credentials`: the status of the attempt without any credential.
    pub status_without_credentials: Option<u16>,
    /// `max_handshake_ms`: the baseline's handshake budget.
    pub max_handshake_ms: Option<u64>,
    /// `expect_reply`: a pattern some data message on the baseline must match after `send`.
    pub reply: Option<String>,
    /// `http2_only` (`--http2-only`): the HTTP/2 path must be there and open — h2 negotiated (or
    /// spoken with prior knowledge under `--h2c`), extended CONNECT advertised, the stream
    /// upgraded and still open after the close-wait.
    pub http2_path_open: bool,
}

impl Expectations {
    /// True when no assertion was written.
    pub fn is_empty(&self) -> bool {
        *self == Expectations::default()
    }

    /// The assertions to evaluate: a target without any asserts it is healthy.
    pub fn effective(&self) -> Expectations {
        if self.is_empty() {
            Expectations {
                verdict: Some(VerdictExpectation::Ok),
                ..Expectations::default()
            }
        } else {
            self.clone()
        }
    }

    /// True when an assertion reads the variants, which `quick` does not run.
    pub fn needs_variants(&self) -> bool {
        !self.origin_rejected.is_empty() || self.status_without_credentials.is_some()
    }
}

/// The result of one assertion: plain data in `model::check`, re-exported under its old path.
pub use crate::model::check::ExpectationResult;

/// The names of the assertions `evaluate` will check, in its order (for `--dry-run`).
pub fn evaluate_names(expectations: &Expectations) -> Vec<String> {
    let e = expectations.effective();
    let mut out = Vec::new();
    if let Some(v) = e.verdict {
        out.push(format!("expect = {}", v.text()));
    }
    if let Some(c) = e.cause {
        out.push(format!("expect_cause = {}", c.id()));
    }
    out.extend(
        e.origin_rejected
            .iter()
            .map(|o| format!("expect_origin_rejected = {o}")),
    );
    if let Some(s) = e.status_without_credentials {
        out.push(format!("expect_status_without_credentials = {s}"));
    }
    if let Some(m) = e.max_handshake_ms {
        out.push(format!("max_handshake_ms = {m}"));
    }
    if let Some(r) = &e.reply {
        out.push(format!("expect_reply = {r}"));
    }
    if e.http2_path_open {
        out.push(HTTP2_ONLY.to_string());
    }
    out
}

/// The name of the `--http2-only` assertion, as a check file writes it.
const HTTP2_ONLY: &str = "http2_only = true";

/// Evaluates every assertion against a finished report, in a fixed order (that of
/// `evaluate_names`).
pub fn evaluate(expectations: &Expectations, report: &Report) -> Vec<ExpectationResult> {
    let e = expectations.effective();
    let mut out = Vec::new();
    if let Some(v) = e.verdict {
        out.push(verdict(&format!("expect = {}", v.text()), v, report));
    }
    if let Some(c) = e.cause {
        out.push(verdict(
            &format!("expect_cause = {}", c.id()),
            VerdictExpectation::Cause(c),
            report,
        ));
    }
    for origin in &e.origin_rejected {
        out.push(origin_rejected(origin, report));
    }
    if let Some(status) = e.status_without_credentials {
        out.push(status_without_credentials(status, report));
    }
    if let Some(max) = e.max_handshake_ms {
        out.push(handshake_budget(max, report));
    }
    if let Some(pattern) = &e.reply {
        out.push(reply(pattern, report));
    }
    if e.http2_path_open {
        out.push(http2_path_open(report));
    }
    out
}

/// `--http2-only`: whether the report's HTTP/2 path is one a WebSocket opens on. Read from the
/// `http2` record alone, so the diagnosis (which weighs it against HTTP/1.1) stays as it is.
fn http2_path_open(report: &Report) -> ExpectationResult {
    let (passed, detail) = match &report.http2 {
        None => (
            false,
            "the HTTP/2 path was not probed (wss://, or ws:// with --h2c, and no ticket flow)"
                .to_string(),
        ),
        Some(h2) => http2_verdict(h2),
    };
    ExpectationResult {
        name: HTTP2_ONLY.to_string(),
        passed,
        detail,
    }
}

fn http2_verdict(h2: &crate::model::Http2Record) -> (bool, String) {
    let path = if h2.prior_knowledge {
        "cleartext HTTP/2 (h2c, prior knowledge)"
    } else {
        "HTTP/2"
    };
    // Over TLS, what browsers do instead; h2c is no browser's path.
    let instead = if h2.prior_knowledge {
        ""
    } else {
        ": browsers use HTTP/1.1 here"
    };
    if let Some(e) = &h2.error {
        return (
            false,
            format!("no {path} WebSocket path here{instead}: {e}"),
        );
    }
    if !h2.prior_knowledge && h2.alpn.as_deref() != Some("h2") {
        let chose = match h2.alpn.as_deref() {
            Some(p) => format!("chose ALPN {p}"),
            None => "chose no ALPN protocol".to_string(),
        };
        return (
            false,
            format!(
                "no HTTP/2 WebSocket path here{instead}: offered ALPN {}, the server {chose}, not h2",
                h2.alpn_offered.join(", ")
            ),
        );
    }
    match (h2.extended_connect, h2.attempt.as_deref()) {
        (Some(false), _) => (
            false,
            format!("no {path} WebSocket path here{instead}: the server speaks HTTP/2 but its SETTINGS do not advertise SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441)"),
        ),
        (Some(true), Some(a)) => {
            let result = crate::wording::result_text(a);
            if a.outcome.is_success() {
                (true, format!("the extended CONNECT stream over {path} upgraded: {result}"))
            } else {
                (false, format!("the extended CONNECT stream over {path} failed: {result}"))
            }
        }
        _ => (
            false,
            format!("no {path} WebSocket path here{instead}: the server's SETTINGS were never read"),
        ),
    }
}

fn reply(pattern: &str, report: &Report) -> ExpectationResult {
    let name = format!("expect_reply = {pattern}");
    let base = report.baseline();
    let exchange = base.and_then(|b| b.session.as_ref()?.exchange.as_ref());
    let (passed, detail) = match (base, exchange) {
        (None, _) => (false, "no baseline attempt was made".to_string()),
        (Some(b), None) => (
            false,
            format!(
                "the baseline did not upgrade, so nothing was sent: {}",
                crate::wording::result_text(b)
            ),
        ),
        (Some(_), Some(x)) => match &x.matched {
            Some(m) => (
                true,
                format!(
                    "message {} of {} matched after {:.0} ms: {}",
                    m.index, x.received_total, m.message.after_ms, m.message.excerpt
                ),
            ),
            None => {
                let mut got = match x.received.first() {
                    Some(first) => format!(
                        "{} received, the first: {}",
                        x.received_total, first.excerpt
                    ),
                    None => "nothing received".to_string(),
                };
                if let Some(e) = &x.ended {
                    got.push_str(&format!("; then {}", crate::wording::conversation_end(e)));
                }
                (
                    false,
                    format!(
                        "no message matched within {:.0} ms of sending {}: {got}",
                        x.reply_timeout_ms,
                        x.sent.len()
                    ),
                )
            }
        },
    };
    ExpectationResult {
        name,
        passed,
        detail,
    }
}

fn verdict(name: &str, want: VerdictExpectation, report: &Report) -> ExpectationResult {
    let d = &report.diagnosis;
    let passed = match want {
        VerdictExpectation::Ok => d.category == Category::Ok,
        VerdictExpectation::Fault => d.category != Category::Ok,
        VerdictExpectation::Cause(c) => d.cause == c,
    };
    let detail = format!(
        "diagnosed {} (confidence {:.2}): {}",
        d.cause,
        d.confidence,
        crate::wording::plain(&d.summary)
    );
    ExpectationResult {
        name: name.to_string(),
        passed,
        detail,
    }
}

/// The attempt that changed only the Origin to `origin` (an origin variant, or the baseline when
/// it already sends that Origin).
fn attempt_with_origin<'a>(report: &'a Report, origin: &str) -> Option<&'a AttemptRecord> {
    let base = report.baseline()?;
    let only_origin = |a: &&AttemptRecord| {
        a.variant.origin.as_deref() == Some(origin)
            && a.variant.request == RequestKind::Upgrade
            && !a.variant.direct
            && a.variant.browser.is_none()
            && !a.variant.wrong_credential
            && a.variant.credential == base.variant.credential
    };
    report
        .attempts
        .iter()
        .filter(only_origin)
        .find(|a| a.variant.group == "origin")
        .or_else(|| Some(base).filter(only_origin))
}

fn origin_rejected(origin: &str, report: &Report) -> ExpectationResult {
    let name = format!("expect_origin_rejected = {origin}");
    let (passed, detail) = match attempt_with_origin(report, origin) {
        None => (
            false,
            format!("no upgrade with Origin {origin} was made (quick runs skip the variants)"),
        ),
        Some(a) => {
            let id = &a.variant.id;
            let result = crate::wording::result_text(a);
            match &a.outcome {
                Outcome::Upgraded { .. } => (
                    false,
                    format!("`{id}` was accepted: {result}, so a page on {origin} can open it"),
                ),
                Outcome::Rejected { .. } | Outcome::Redirected { .. } => {
                    (true, format!("`{id}` was refused: {result}"))
                }
                Outcome::UpgradedThenClosed { .. } => (
                    true,
                    format!("`{id}` was closed right after the upgrade: {result}"),
                ),
                _ => (
                    false,
                    format!("could not tell: `{id}` never got an answer ({result})"),
                ),
            }
        }
    };
    ExpectationResult {
        name,
        passed,
        detail,
    }
}

/// The attempt without any credential: `credential.none`, or the baseline when no credential was
/// given at all.
fn attempt_without_credentials(report: &Report) -> Option<&AttemptRecord> {
    report
        .attempts
        .iter()
        .find(|a| a.variant.id == ids::CREDENTIAL_NONE)
        .or_else(|| {
            report
                .baseline()
                .filter(|b| b.variant.credential == CredentialPlacement::None)
        })
}

fn status_without_credentials(want: u16, report: &Report) -> ExpectationResult {
    let name = format!("expect_status_without_credentials = {want}");
    let (passed, detail) = match attempt_without_credentials(report) {
        None => (
            false,
            "no attempt without any credential was made: quick runs only the baseline, and a ticket flow without token_env always sends a ticket".to_string(),
        ),
        Some(a) => {
            let id = &a.variant.id;
            let result = crate::wording::result_text(a);
            match a.outcome.status() {
                Some(got) if got == want => (true, format!("`{id}` got {result}")),
                Some(101) => (
                    false,
                    format!("`{id}` was accepted without any credential: {result}"),
                ),
                Some(_) => (false, format!("`{id}` got {result}")),
                None => (false, format!("`{id}` got no HTTP answer: {result}")),
            }
        }
    };
    ExpectationResult {
        name,
        passed,
        detail,
    }
}

/// The baseline's handshake time: dns, tcp, proxy, tls and the upgrade exchange, when an answer came.
pub fn handshake_ms(report: &Report) -> Option<f64> {
    let base = report.baseline()?;
    base.response.as_ref()?;
    let upgrade = base.stage(Stage::Upgrade)?.ms?;
    let before: f64 = [Stage::Dns, Stage::Tcp, Stage::Proxy, Stage::Tls]
        .iter()
        .filter_map(|s| base.stage(*s).and_then(|r| r.ms))
        .sum();
    Some(before + upgrade)
}

fn handshake_budget(max: u64, report: &Report) -> ExpectationResult {
    let name = format!("max_handshake_ms = {max}");
    let (passed, detail) = match handshake_ms(report) {
        Some(ms) if ms <= max as f64 => (true, format!("the handshake took {ms:.1} ms")),
        Some(ms) => (
            false,
            format!("the handshake took {ms:.1} ms, over the {max} ms budget"),
        ),
        None => (
            false,
            match report.baseline() {
                Some(b) => format!(
                    "the baseline got no handshake answer ({})",
                    crate::wording::result_text(b)
                ),
                None => "no attempt was recorded".to_string(),
            },
        ),
    };
    ExpectationResult {
        name,
        passed,
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::tests::fixture;

    fn names_and_verdicts(r: &[ExpectationResult]) -> Vec<(String, bool)> {
        r.iter().map(|e| (e.name.clone(), e.passed)).collect()
    }

    #[test]
    fn no_expectation_means_expect_ok() {
        let healthy = fixture("ok_healthy_origin_not_enforced");
        let r = evaluate(&Expectations::default(), &healthy);
        assert_eq!(names_and_verdicts(&r), [("expect = ok".to_string(), true)]);
        let r = evaluate(&Expectations::default(), &fixture("tcp_refused"));
        assert!(!r[0].passed);
        assert!(
            r[0].detail.starts_with("diagnosed tcp.refused"),
            "{}",
            r[0].detail
        );
    }

    #[test]
    fn dry_run_names_match_the_evaluated_names() {
        let e = Expectations {
            verdict: Some(VerdictExpectation::Fault),
            cause: Some(Cause::TcpRefused),
            origin_rejected: vec!["https://a.example".into()],
            status_without_credentials: Some(401),
            max_handshake_ms: Some(5),
            reply: Some("^ok$".into()),
            http2_path_open: true,
        };
        let evaluated: Vec<String> = evaluate(&e, &fixture("tcp_refused"))
            .into_iter()
            .map(|r| r.name)
            .collect();
        assert_eq!(evaluate_names(&e), evaluated);
    }

    #[test]
    fn verdict_and_cause_expectations() {
        let report = fixture("000_routing_wrong_upstream");
        let e = Expectations {
            verdict: Some(VerdictExpectation::parse("fault").unwrap()),
            cause: Some(Cause::RoutingWrongUpstream),
            ..Default::default()
        };
        assert!(evaluate(&e, &report).iter().all(|r| r.passed));
        let e = Expectations {
            verdict: Some(VerdictExpectation::parse("auth.missing_credentials").unwrap()),
            ..Default::default()
        };
        assert!(!evaluate(&e, &report)[0].passed);
        assert!(VerdictExpectation::parse("auth.nope").is_err());
    }

    #[test]
    fn a_foreign_origin_accepted_fails_the_origin_expectation() {
        let report = fixture("ok_healthy_origin_not_enforced");
        let foreign = report
            .attempts
            .iter()
            .find(|a| a.variant.id == "origin.foreign")
            .and_then(|a| a.variant.origin.clone())
            .unwrap();
        let e = Expectations {
            origin_rejected: vec![foreign, "https://never.sent".into()],
            ..Default::default()
        };
        let r = evaluate(&e, &report);
        assert!(
            !r[0].passed && r[0].detail.contains("was accepted"),
            "{:?}",
            r[0]
        );
        assert!(!r[1].passed && r[1].detail.starts_with("no upgrade with Origin"));
    }

    #[test]
    fn a_policy_close_counts_as_a_rejected_origin() {
        let report = fixture("004_origin_rejected_after_upgrade");
        let base_origin = report.attempts[0].variant.origin.clone().unwrap();
        let e = Expectations {
            origin_rejected: vec![base_origin],
            ..Default::default()
        };
        let r = evaluate(&e, &report);
        assert!(r[0].passed, "{:?}", r[0]);
        assert!(r[0].detail.contains("closed right after the upgrade"));
    }

    fn h2(alpn: Option<&str>, extended: Option<bool>) -> crate::model::Http2Record {
        crate::model::Http2Record {
            alpn_offered: vec!["h2".into(), "http/1.1".into()],
            prior_knowledge: false,
            http1_answer: None,
            alpn: alpn.map(str::to_string),
            extended_connect: extended,
            error: None,
            attempt: None,
            variants: Vec::new(),
            ms: 1.0,
        }
    }

    #[test]
    fn http2_only_holds_only_when_the_extended_connect_stream_opens() {
        let e = Expectations {
            http2_path_open: true,
            ..Default::default()
        };
        let mut report = fixture("ok_healthy_origin_not_enforced");
        let base = report.attempts[0].clone();
        let check = |report: &Report| {
            let r = evaluate(&e, report);
            assert_eq!(r.len(), 1, "no implicit expect = ok: {r:?}");
            assert_eq!(r[0].name, "http2_only = true");
            (r[0].passed, r[0].detail.clone())
        };
        report.http2 = None;
        assert!(!check(&report).0);
        report.http2 = Some(h2(Some("http/1.1"), None));
        let (passed, detail) = check(&report);
        assert!(!passed);
        assert!(
            detail.starts_with("no HTTP/2 WebSocket path here: browsers use HTTP/1.1 here")
                && detail.contains("chose ALPN http/1.1"),
            "{detail}"
        );
        report.http2 = Some(h2(Some("h2"), Some(false)));
        let (passed, detail) = check(&report);
        assert!(
            !passed && detail.contains("SETTINGS_ENABLE_CONNECT_PROTOCOL"),
            "{detail}"
        );
        let mut open = h2(Some("h2"), Some(true));
        open.attempt = Some(Box::new(base.clone()));
        report.http2 = Some(open.clone());
        let (passed, detail) = check(&report);
        assert!(passed, "{detail}");
        let mut refused = fixture("tcp_refused").attempts[0].clone();
        refused.variant.id = "http2".into();
        open.attempt = Some(Box::new(refused));
        report.http2 = Some(open);
        let (passed, detail) = check(&report);
        assert!(!passed && detail.contains("failed"), "{detail}");
        // Cleartext: no claim about browsers, which never take it.
        let mut h2c = h2(None, None);
        h2c.prior_knowledge = true;
        h2c.error = Some("the server answered the HTTP/2 connection preface in HTTP/1.x".into());
        report.http2 = Some(h2c);
        let (passed, detail) = check(&report);
        assert!(!passed && !detail.contains("browsers"), "{detail}");
        assert!(detail.contains("h2c"), "{detail}");
    }

    #[test]
    fn status_without_credentials_and_handshake_budget() {
        let report = fixture("000_routing_wrong_upstream");
        let none_status = report
            .attempts
            .iter()
            .find(|a| a.variant.id == "credential.none")
            .and_then(|a| a.outcome.status());
        let e = Expectations {
            status_without_credentials: none_status,
            max_handshake_ms: Some(1_000_000),
            ..Default::default()
        };
        let r = evaluate(&e, &report);
        assert!(r.iter().all(|x| x.passed), "{r:?}");
        let e = Expectations {
            status_without_credentials: Some(418),
            max_handshake_ms: Some(0),
            ..Default::default()
        };
        let r = evaluate(&e, &report);
        assert!(r.iter().all(|x| !x.passed), "{r:?}");
        assert!(r[1].detail.contains("over the 0 ms budget"));
        let refused = fixture("tcp_refused");
        let r = evaluate(&e, &refused);
        assert!(r[1]
            .detail
            .starts_with("the baseline got no handshake answer"));
    }
}
