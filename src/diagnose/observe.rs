//! observe: the typed facts the causes weigh, read from the records in one place. Every attempt,
//! control and HTTP control becomes an [`AttemptObs`] carrying its attempt id: what class of
//! outcome it got, its status, what its close code and reason are about, what its body is about,
//! how likely it is that a front (proxy, CDN, gateway) wrote the answer rather than the
//! application, how long it was watched, what the request carried, and how it relates to the
//! baseline over the window both were watched. Adding a kind of observation means one field or
//! variant here and readings in the homes of the causes that care (`sign`, `causes`). What a text
//! is about comes from the catalogue's one vocabulary ([`Topic`], [`topic_of`]).
//!
//! Pure: no I/O, no clock.

use std::borrow::Cow;

use super::evidence::{self, same_answer, Facts};
use super::hypothesis::{part, Part};
use crate::model::{AttemptRecord, CredentialPlacement, Outcome, Run};

pub use crate::catalogue::{topic_of, Topic};

/// The class of a close code (RFC 6455 §7.4, the IANA registry, the application range).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseClass {
    /// 1000: a normal close.
    Normal,
    /// 1001: the endpoint is going away.
    GoingAway,
    /// 1002, 1003, 1007, 1009, 1010: the peer broke the protocol or sent what it cannot take.
    Protocol,
    /// 1008: a policy violation (the generic refusal of a request the server will not serve).
    Policy,
    /// 1011: an internal error.
    Internal,
    /// 1012, 1013: service restart, try again later.
    TryAgain,
    /// 1014: a gateway got a bad response from its upstream.
    BadGateway,
    /// 3000 (Unauthorized), 3003 (Forbidden): IANA-registered HTTP-like refusals.
    Unauthorized,
    /// Another IANA-registered code (3000-3999).
    Registered,
    /// 4000-4999: defined by the application.
    Application,
    /// No close frame: the TCP connection ended (browsers report 1006).
    Dropped,
    /// Anything else (1005, reserved codes).
    Other,
}

impl CloseClass {
    /// The class of a close code; `None` for a bare TCP close.
    pub fn of(code: Option<u16>) -> CloseClass {
        match code {
            None => CloseClass::Dropped,
            Some(1000) => CloseClass::Normal,
            Some(1001) => CloseClass::GoingAway,
            Some(1002 | 1003 | 1007 | 1009 | 1010) => CloseClass::Protocol,
            Some(1008) => CloseClass::Policy,
            Some(1011) => CloseClass::Internal,
            Some(1012 | 1013) => CloseClass::TryAgain,
            Some(1014) => CloseClass::BadGateway,
            Some(3000 | 3003) => CloseClass::Unauthorized,
            Some(3000..=3999) => CloseClass::Registered,
            Some(4000..=4999) => CloseClass::Application,
            Some(_) => CloseClass::Other,
        }
    }

    /// The id as in JSON and docs.
    pub fn as_str(self) -> &'static str {
        match self {
            CloseClass::Normal => "normal",
            CloseClass::GoingAway => "going_away",
            CloseClass::Protocol => "protocol",
            CloseClass::Policy => "policy",
            CloseClass::Internal => "internal",
            CloseClass::TryAgain => "try_again",
            CloseClass::BadGateway => "bad_gateway",
            CloseClass::Unauthorized => "unauthorized",
            CloseClass::Registered => "registered",
            CloseClass::Application => "application",
            CloseClass::Dropped => "dropped",
            CloseClass::Other => "other",
        }
    }

    /// The topic the code itself carries, when it carries one: 1011 an internal error, 1012/1013
    /// unavailability, 1014 the upstream, 3000/3003 a credential. 1008 is a policy refusal of no
    /// particular topic (the reason says which), 4xxx is the application's own.
    pub fn topic(self) -> Option<Topic> {
        match self {
            CloseClass::Internal => Some(Topic::Internal),
            CloseClass::TryAgain => Some(Topic::Unavailable),
            CloseClass::BadGateway => Some(Topic::Upstream),
            CloseClass::Unauthorized => Some(Topic::Auth),
            CloseClass::GoingAway => Some(Topic::GoingAway),
            _ => None,
        }
    }
}

/// The HTTP-like close codes many servers use for refusals (4001, 4401, 4403; Falcon's 3403): a
/// code from 3000 to 4999 whose last three digits are an HTTP status reads as that status.
pub fn application_status(code: Option<u16>) -> Option<u16> {
    let code = code?;
    if !(3000..=4999).contains(&code) {
        return None;
    }
    match code % 1000 {
        401 => Some(401),
        403 => Some(403),
        1 | 3 if code >= 4000 => Some(if code % 1000 == 1 { 401 } else { 403 }),
        404 => Some(404),
        429 => Some(429),
        500 => Some(500),
        503 => Some(503),
        _ => None,
    }
}

/// The topic of a close: the reason's words first (they are the server's own explanation), then
/// what the code itself carries, then an HTTP-like application code.
pub fn close_topic(code: Option<u16>, reason: &str) -> Option<Topic> {
    // A close a catalogued product documents, word for word, means what its documentation says.
    if let Some(t) = code.and_then(|c| crate::catalogue::documented_close(c, reason)) {
        return Some(t);
    }
    let from_reason = topic_of(reason);
    // "Forbidden" with an HTTP-like 401/403 code (Falcon's 3403, 4403): the code says what was
    // refused.
    if from_reason == Some(Topic::Denied) && matches!(application_status(code), Some(401 | 403)) {
        return Some(Topic::Auth);
    }
    from_reason
        .or_else(|| CloseClass::of(code).topic())
        .or_else(|| match application_status(code) {
            Some(401 | 403) => Some(Topic::Auth),
            Some(404) => Some(Topic::NotFound),
            Some(429) => Some(Topic::RateLimit),
            Some(500) => Some(Topic::Internal),
            Some(503) => Some(Topic::Unavailable),
            _ => None,
        })
}

/// The class of outcome one attempt got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutcomeClass {
    /// 101 and open through its watch.
    Open,
    /// 101, then a close or a drop.
    ClosedAfterUpgrade,
    /// 101, then bytes that are not WebSocket framing (an HTTP response written onto the
    /// upgraded socket, a broken frame): browsers open it, then fail with 1006.
    BrokenAfterUpgrade,
    /// An HTTP answer other than 101 (redirects included).
    Http,
    /// The upgrade stage ended without any HTTP answer: closed without a byte, reset, or bytes
    /// that are not HTTP.
    NoHttpAnswer,
    /// Failed before the request was sent (DNS, TCP, proxy tunnel, TLS).
    BeforeRequest,
    /// Nothing came back within the budget.
    Timeout,
}

/// What the request carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Carried {
    /// Where the credential went (`None` when none did).
    pub credential: CredentialPlacement,
    /// A deliberately wrong credential of the same shape.
    pub wrong_credential: bool,
    /// The Origin header (`None` when absent).
    pub origin: Option<String>,
}

/// One attempt, as the causes weigh it.
#[derive(Debug, Clone)]
pub struct AttemptObs<'a> {
    /// The attempt id.
    pub id: &'a str,
    /// The part it plays in the matrix.
    pub part: Part,
    /// True for a `--direct` twin.
    pub direct: bool,
    /// Its outcome class.
    pub class: OutcomeClass,
    /// The HTTP status (101 for upgrades).
    pub status: Option<u16>,
    /// The close code's class, after a 101.
    pub close: Option<CloseClass>,
    /// What the close is about (reason words, then the code).
    pub close_topic: Option<Topic>,
    /// What a refusal body (or a redirect's) is about.
    pub body_topic: Option<Topic>,
    /// How likely it is that a front (proxy, gateway, CDN) wrote this answer itself rather than
    /// relaying the application's (`catalogue::attribute`: the product's own page, vendor
    /// headers, `Via`, the body's shape — never a `Server` header alone); `None` without an HTTP
    /// answer.
    front_wrote_it: std::cell::OnceCell<Option<f64>>,
    /// How long the connection was watched after a 101, in ms.
    pub watched_ms: Option<f64>,
    /// When it closed after the 101, in ms.
    pub closed_after_ms: Option<f64>,
    /// What the request carried.
    pub carried: Carried,
    /// The same answer as the baseline's, over the window both were watched.
    pub same_as_baseline: bool,
    /// The record itself (for citations only; weighing reads the fields above).
    pub record: &'a AttemptRecord,
}

impl AttemptObs<'_> {
    /// How likely it is that a front wrote this answer (see the field's doc); read from the
    /// catalogue on first use, since only some arms ask.
    pub fn front_wrote_it(&self) -> Option<f64> {
        *self.front_wrote_it.get_or_init(|| {
            evidence::response(self.record)
                .filter(|r| r.status != 101)
                .map(|r| crate::catalogue::attribute(&r).front_wrote_it)
        })
    }
}

/// The typed observations of a run.
#[derive(Debug, Clone)]
pub struct Observations<'a> {
    /// Every attempt, HTTP control and other-scheme try, the baseline first.
    pub attempts: Vec<AttemptObs<'a>>,
    /// What the run shows, cause-free (`sign::read`), each with the attempt it was seen on.
    pub signs: Vec<(super::sign::Sign, &'a AttemptRecord)>,
}

impl<'a> Observations<'a> {
    /// The baseline's observation.
    pub fn base(&self) -> Option<&AttemptObs<'a>> {
        self.attempts
            .iter()
            .find(|o| o.part == Part::Baseline && !o.direct)
    }

    /// The public attempts that play `part`.
    pub fn public(&self, part: Part) -> impl Iterator<Item = &AttemptObs<'a>> + '_ {
        self.attempts
            .iter()
            .filter(move |o| o.part == part && !o.direct)
    }
}

/// The class of an attempt's outcome.
pub fn outcome_class(a: &AttemptRecord) -> OutcomeClass {
    match &a.outcome {
        Outcome::Upgraded { .. } => OutcomeClass::Open,
        Outcome::UpgradedThenClosed { .. } => {
            let broken = a
                .session
                .as_ref()
                .is_some_and(|s| matches!(s.end, crate::model::SessionEnd::ProtocolError { .. }));
            if broken {
                OutcomeClass::BrokenAfterUpgrade
            } else {
                OutcomeClass::ClosedAfterUpgrade
            }
        }
        Outcome::Rejected { .. } | Outcome::Redirected { .. } => OutcomeClass::Http,
        Outcome::Timeout { .. } => OutcomeClass::Timeout,
        // Invalid frames after a 101 (the probe records them as a malformed response whose
        // session ended in a protocol error): the handshake passed, what followed is no WebSocket.
        Outcome::ProtocolViolation { error, .. }
            if error == "malformed_response"
                && a.response.as_ref().is_some_and(|r| r.status == 101)
                && a.session.as_ref().is_some_and(|s| {
                    matches!(s.end, crate::model::SessionEnd::ProtocolError { .. })
                })
                && !super::browser::refused_by_a_browser(a) =>
        {
            OutcomeClass::BrokenAfterUpgrade
        }
        Outcome::ProtocolViolation { .. } => {
            if a.outcome.status().is_some() || a.response.is_some() {
                OutcomeClass::Http
            } else {
                OutcomeClass::NoHttpAnswer
            }
        }
        Outcome::DnsError { .. } | Outcome::TlsError { .. } => OutcomeClass::BeforeRequest,
        // A reset after the request was sent is the upgrade's (lack of) answer; refused,
        // unreachable or a reset in the TCP stage is the connection's.
        Outcome::TcpError { error, .. } => {
            let reset = error.contains("reset");
            if super::hypothesis::failed_before_upgrade(a).is_some() || !reset {
                OutcomeClass::BeforeRequest
            } else {
                OutcomeClass::NoHttpAnswer
            }
        }
    }
}

/// Reads one record.
fn observe_one<'a>(a: &'a AttemptRecord, base: Option<&AttemptRecord>) -> AttemptObs<'a> {
    let (close, close_topic) = match &a.outcome {
        Outcome::UpgradedThenClosed {
            close_code,
            close_reason,
            ..
        } => (
            Some(CloseClass::of(*close_code)),
            close_topic(*close_code, close_reason.as_deref().unwrap_or_default()),
        ),
        _ => (None, None),
    };
    let response = evidence::response(a);
    let body_topic = response.as_ref().and_then(|r| topic_of(&r.body_excerpt));
    AttemptObs {
        id: &a.variant.id,
        part: part(a),
        direct: a.variant.direct,
        class: outcome_class(a),
        status: a
            .outcome
            .status()
            .or_else(|| a.response.as_ref().map(|r| r.status)),
        close,
        close_topic,
        body_topic,
        front_wrote_it: std::cell::OnceCell::new(),
        watched_ms: a.session.as_ref().map(|s| s.watched_ms),
        closed_after_ms: evidence::closed_after(a),
        carried: Carried {
            credential: a.variant.credential.clone(),
            wrong_credential: a.variant.wrong_credential,
            origin: a.variant.origin.clone(),
        },
        same_as_baseline: base.is_some_and(|b| same_answer(b, a)),
        record: a,
    }
}

/// Every observation of a run.
pub fn observe<'a>(f: &Facts<'a>) -> Observations<'a> {
    let base = f.base();
    let mut attempts: Vec<AttemptObs<'a>> = f
        .run
        .attempts
        .iter()
        .chain(f.run.http_controls.iter())
        .map(|a| observe_one(a, base))
        .collect();
    if let Some(other) = f.run.other_scheme.as_deref() {
        let mut o = observe_one(other, None);
        o.part = Part::HttpControl;
        attempts.push(o);
    }
    let mut obs = Observations {
        attempts,
        signs: Vec::new(),
    };
    obs.signs = super::sign::read(f, &obs);
    obs
}

/// The run as its attempts can be compared: every variant is watched for the close-wait only,
/// while an `--idle` hold watches the baseline much longer. A baseline that upgraded, stayed
/// open through the window the other attempts were watched, and was cut later in the hold is an
/// open baseline for the comparisons; the hold's own record (`session.idle`) keeps what happened
/// after, for the causes that read it (`proxy.idle_timeout`). Borrowed unchanged otherwise.
pub fn over_common_window(run: &Run) -> Cow<'_, Run> {
    let run = with_the_credential_in_the_url(run);
    match window(&run) {
        Some(w) => Cow::Owned(w),
        None => run,
    }
}

/// A credential the user put into the URL itself (a sensitive query parameter such as `?token=`,
/// or userinfo) is a credential given, wherever the run's inputs forgot to say so: the redactor
/// already treats it as one.
fn with_the_credential_in_the_url(run: &Run) -> Cow<'_, Run> {
    if run.credential_given
        || run.request_unknown
        || !super::sign::url_carries_credential(&run.target)
    {
        return Cow::Borrowed(run);
    }
    let mut run = run.clone();
    run.credential_given = true;
    Cow::Owned(run)
}

/// The run with its baseline compared over the common window, when that changes it.
fn window(run: &Run) -> Option<Run> {
    let bi = run
        .attempts
        .iter()
        .position(|a| part(a) == Part::Baseline && !a.variant.direct)?;
    let base = &run.attempts[bi];
    let held = base.session.as_ref().is_some_and(|s| s.idle.is_some());
    let closed_at = evidence::closed_after(base).filter(|_| held)?;
    // The window the other attempts were watched: the longest watch of one that stayed open.
    let window = run
        .attempts
        .iter()
        .enumerate()
        .filter(|(i, a)| *i != bi && a.outcome.is_success())
        .filter_map(|(_, a)| a.session.as_ref().map(|s| s.watched_ms))
        .fold(0.0_f64, f64::max);
    if window <= 0.0 || closed_at < window {
        return None;
    }
    let mut run = run.clone();
    let b = &mut run.attempts[bi];
    let subprotocol = b.session.as_ref().and_then(|s| s.subprotocol.clone());
    b.outcome = Outcome::Upgraded { subprotocol };
    Some(run)
}

/// True when the credential went anywhere in this request.
pub fn carries_credential(o: &AttemptObs) -> bool {
    o.carried.credential != CredentialPlacement::None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_follow_the_most_specific_words() {
        assert_eq!(
            topic_of("session store unavailable"),
            Some(Topic::Unavailable)
        );
        assert_eq!(
            topic_of("Failed to connect to downstream server"),
            Some(Topic::Upstream)
        );
        assert_eq!(topic_of("ORIGIN_BLOCKED"), Some(Topic::Origin));
        assert_eq!(topic_of("invalid token"), Some(Topic::Auth));
        assert_eq!(topic_of("Missing token"), Some(Topic::Auth));
        assert_eq!(topic_of("login required"), Some(Topic::Auth));
        assert_eq!(
            topic_of(r#"{"code":0,"message":"Transport unknown"}"#),
            Some(Topic::Transport)
        );
        assert_eq!(
            topic_of("Can \"Upgrade\" only to \"WebSocket\"."),
            Some(Topic::Handshake)
        );
        assert_eq!(
            topic_of("unsupported HTTP version: HTTP/1.0"),
            Some(Topic::Handshake)
        );
        assert_eq!(
            topic_of("Cross origin websockets not allowed"),
            Some(Topic::Origin)
        );
        assert_eq!(topic_of("<h1>Access Denied</h1>"), Some(Topic::Denied));
        assert_eq!(topic_of("Backend fetch failed"), Some(Topic::Upstream));
        assert_eq!(
            topic_of("No server is available to handle this request."),
            Some(Topic::Upstream)
        );
        assert_eq!(topic_of("Cannot GET /ws"), Some(Topic::NotFound));
        assert_eq!(topic_of("Internal Server Error"), Some(Topic::Internal));
        assert_eq!(topic_of(""), None);
        assert_eq!(topic_of("hello"), None);
    }

    #[test]
    fn close_codes_carry_their_own_topic_when_the_reason_says_nothing() {
        assert_eq!(close_topic(Some(1011), ""), Some(Topic::Internal));
        assert_eq!(close_topic(Some(1013), ""), Some(Topic::Unavailable));
        assert_eq!(close_topic(Some(4401), ""), Some(Topic::Auth));
        assert_eq!(close_topic(Some(3000), ""), Some(Topic::Auth));
        assert_eq!(close_topic(Some(1008), ""), None);
        assert_eq!(
            close_topic(Some(1008), "ORIGIN_BLOCKED"),
            Some(Topic::Origin)
        );
        // The reason is the server's own explanation: it outranks the code.
        assert_eq!(
            close_topic(Some(1011), "session store unavailable"),
            Some(Topic::Unavailable)
        );
        assert_eq!(close_topic(Some(3403), "Forbidden"), Some(Topic::Auth));
        assert_eq!(close_topic(Some(1008), "Forbidden"), Some(Topic::Denied));
        assert_eq!(CloseClass::of(None), CloseClass::Dropped);
        assert_eq!(CloseClass::of(Some(4321)), CloseClass::Application);
    }
}
