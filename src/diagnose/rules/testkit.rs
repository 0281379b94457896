//! testkit (tests only): terse builders for the records the probe produces, so each rule is tested
//! from a hand-built `Run`: `attempt("origin.foreign").rejected(403, "")`.

use std::collections::BTreeMap;

use crate::model::{
    AttemptRecord, CredentialPlacement, Outcome, RequestKind, Run, Stage, TicketRecord, Variant,
    WireHeader, WireResponse,
};

/// The foreign Origin the plan uses by default.
pub const FOREIGN: &str = "https://wsdoctor-foreign.invalid";

/// A half-built attempt: the variant is derived from the id as the plan would make it.
#[derive(Clone)]
pub struct A {
    variant: Variant,
}

/// Starts an attempt with the variant the plan gives `id` (the baseline carries a header
/// credential when `with_cred` is set later on the run; ids decide placement/origin/kind).
pub fn attempt(id: &str) -> A {
    let mut v = Variant::baseline();
    v.id = id.to_string();
    v.label = id.to_string();
    let mut core = id;
    if let Some(rest) = id.strip_prefix("direct.") {
        v.direct = true;
        core = rest;
    }
    v.group = core.split('.').next().unwrap_or("baseline").to_string();
    if v.direct {
        v.group = "direct".into();
    }
    v.credential = CredentialPlacement::Header {
        name: "Authorization".into(),
        scheme: "Bearer".into(),
    };
    v.origin = Some("https://app.test".into());
    match core {
        "credential.none" => v.credential = CredentialPlacement::None,
        "credential.query" => {
            v.credential = CredentialPlacement::Query {
                name: "token".into(),
            }
        }
        "credential.cookie" => {
            v.credential = CredentialPlacement::Cookie {
                name: "token".into(),
            }
        }
        "credential.subprotocol" => v.credential = CredentialPlacement::Subprotocol,
        "credential.wrong" => v.wrong_credential = true,
        "origin.none" => v.origin = None,
        "origin.same" => v.origin = Some("https://api.test".into()),
        "origin.foreign" => v.origin = Some(FOREIGN.into()),
        "origin.null" => v.origin = Some("null".into()),
        "control.plain_get" => v.request = RequestKind::PlainGet,
        "control.missing_key" => v.request = RequestKind::MissingKey,
        "control.version_8" => v.request = RequestKind::WrongVersion,
        "http.root" | "http.health" => {
            v.request = RequestKind::PlainGet;
            v.credential = CredentialPlacement::None;
            v.origin = None;
        }
        "http.auth_check" | "http.auth_check.none" => {
            v.group = "auth_check".into();
            v.request = RequestKind::PlainGet;
            v.origin = None;
            if core.ends_with(".none") {
                v.credential = CredentialPlacement::None;
            }
        }
        "browser.chrome" | "browser.firefox" => {
            v.browser = core.strip_prefix("browser.").map(str::to_string)
        }
        _ => {}
    }
    if let Some(n) = core.strip_prefix("repeat.") {
        v.repeat = n.parse().ok();
    }
    A { variant: v }
}

/// Starts an attempt with a variant the real plan made.
pub fn planned(variant: Variant) -> A {
    A { variant }
}

impl A {
    /// The `--auth-check` pair proving the credential good: 200 with it, 401 without.
    pub fn credential_proof() -> Vec<AttemptRecord> {
        vec![
            attempt("http.auth_check").rejected(200, "{\"printers\":[]}"),
            attempt("http.auth_check.none").rejected(401, "{\"detail\":\"missing API key\"}"),
        ]
    }

    /// Sets the Origin sent.
    pub fn origin(mut self, o: Option<&str>) -> A {
        self.variant.origin = o.map(str::to_string);
        self
    }

    /// Sets the credential placement.
    pub fn placement(mut self, p: CredentialPlacement) -> A {
        self.variant.credential = p;
        self
    }

    /// Sets offered subprotocols.
    pub fn subprotocols(mut self, p: &[&str]) -> A {
        self.variant.subprotocols = p.iter().map(|s| s.to_string()).collect();
        self
    }

    fn record(self, outcome: Outcome, response: Option<WireResponse>) -> AttemptRecord {
        AttemptRecord {
            url: "ws://api.test/ws".into(),
            variant: self.variant,
            stages: Vec::new(),
            dns: None,
            tcp: None,
            proxy: None,
            tls: None,
            request: None,
            response,
            session: None,
            outcome,
            ms: 1.0,
        }
    }

    /// 101 and open.
    pub fn upgraded(self) -> AttemptRecord {
        self.record(Outcome::Upgraded { subprotocol: None }, None)
    }

    /// 101 and open with a selected subprotocol.
    pub fn upgraded_with(self, proto: &str) -> AttemptRecord {
        self.record(
            Outcome::Upgraded {
                subprotocol: Some(proto.into()),
            },
            None,
        )
    }

    /// 101, then a close frame.
    pub fn closed(self, code: u16, reason: &str) -> AttemptRecord {
        self.record(
            Outcome::UpgradedThenClosed {
                close_code: Some(code),
                close_reason: Some(reason.into()),
                after_ms: 5.0,
                clean: true,
            },
            None,
        )
    }

    /// 101, then a bare TCP close.
    pub fn dropped(self) -> AttemptRecord {
        self.record(
            Outcome::UpgradedThenClosed {
                close_code: None,
                close_reason: None,
                after_ms: 5.0,
                clean: false,
            },
            None,
        )
    }

    /// A non-101 answer without notable headers.
    pub fn rejected(self, status: u16, body: &str) -> AttemptRecord {
        self.rejected_with(status, &[], body)
    }

    /// A non-101 answer with headers (names as on the wire).
    pub fn rejected_with(self, status: u16, headers: &[(&str, &str)], body: &str) -> AttemptRecord {
        let resp = WireResponse {
            version: "HTTP/1.1".into(),
            status,
            reason: crate::fingerprint::standard_reason(status)
                .unwrap_or("")
                .into(),
            headers: headers
                .iter()
                .map(|(k, v)| WireHeader {
                    name: k.to_string(),
                    value: v.to_string(),
                })
                .collect(),
            body_excerpt: body.into(),
            body_bytes: body.len(),
            body_truncated: false,
        };
        let map: BTreeMap<String, String> = headers
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
            .collect();
        self.record(
            Outcome::Rejected {
                status,
                headers: map,
                body_excerpt: body.into(),
            },
            Some(resp),
        )
    }

    /// A captured fixture response (`fixtures/fingerprints/NAME`) as the answer.
    pub fn fixture(self, name: &str) -> AttemptRecord {
        let path = format!(
            "{}/fixtures/fingerprints/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let raw = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let resp = crate::fingerprint::tests::parse_raw(&raw);
        let headers: Vec<(String, String)> = resp
            .headers
            .iter()
            .map(|h| (h.name.clone(), h.value.clone()))
            .collect();
        let refs: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let mut rec = self.rejected_with(resp.status, &refs, &resp.body_excerpt);
        rec.response = Some(resp);
        rec
    }

    /// A redirect.
    pub fn redirected(self, status: u16, location: &str) -> AttemptRecord {
        self.record(
            Outcome::Redirected {
                status,
                location: Some(location.into()),
                headers: BTreeMap::new(),
            },
            None,
        )
    }

    /// A stage timeout.
    pub fn timeout(self, stage: Stage) -> AttemptRecord {
        self.record(Outcome::Timeout { stage }, None)
    }

    /// A DNS failure.
    pub fn dns(self, error: &str) -> AttemptRecord {
        self.record(
            Outcome::DnsError {
                error: error.into(),
                detail: "lookup failed".into(),
            },
            None,
        )
    }

    /// A TCP failure.
    pub fn tcp(self, error: &str) -> AttemptRecord {
        self.record(
            Outcome::TcpError {
                error: error.into(),
                detail: "connect failed".into(),
            },
            None,
        )
    }

    /// A TLS failure.
    pub fn tls(self, error: &str) -> AttemptRecord {
        self.record(
            Outcome::TlsError {
                error: error.into(),
                detail: "handshake failed".into(),
            },
            None,
        )
    }

    /// A protocol violation.
    pub fn violation(self, error: &str) -> AttemptRecord {
        self.record(
            Outcome::ProtocolViolation {
                error: error.into(),
                detail: "bad response".into(),
            },
            None,
        )
    }
}

/// A run builder.
pub struct R {
    run: Run,
}

/// A run from attempts (the first is the baseline); no credential given.
pub fn run(attempts: Vec<AttemptRecord>) -> R {
    R {
        run: Run {
            target: "ws://api.test/ws".into(),
            credential_given: false,
            user_origin: Some("https://app.test".into()),
            direct: None,
            attempts,
            tickets: Vec::new(),
            http_controls: Vec::new(),
            addresses: Vec::new(),
            http2: None,
            other_scheme: None,
            skipped: Vec::new(),
            request_unknown: false,
        },
    }
}

impl R {
    /// Marks the run as made with a credential.
    pub fn cred(mut self) -> R {
        self.run.credential_given = true;
        self
    }

    /// Adds plain-HTTP controls.
    pub fn http(mut self, controls: Vec<AttemptRecord>) -> R {
        self.run.http_controls = controls;
        self
    }

    /// Adds a ticket fetch record.
    pub fn ticket(mut self, status: Option<u16>, obtained: bool, body: &str) -> R {
        self.run.tickets.push(TicketRecord {
            url: "http://api.test/api/v1/ws-ticket".into(),
            method: "GET".into(),
            status,
            body_excerpt: body.into(),
            obtained,
            error: if status.is_none() {
                Some("tcp refused".into())
            } else {
                None
            },
            ms: 1.0,
        });
        self
    }

    /// Adds the fan-out's attempt pinned to `address` ("127.0.0.1:80", "[::1]:80"): `a` is renamed
    /// `address.<n>` and its row is added to `addresses`, as the probe makes them.
    pub fn address(mut self, address: &str, mut a: AttemptRecord) -> R {
        let addr: std::net::SocketAddr = address.parse().expect("a socket address");
        a.variant.id = format!("address.{}", self.run.addresses.len());
        a.variant.label = format!("address {addr}");
        a.variant.group = "address".into();
        self.run
            .addresses
            .push(crate::probe::address_record(addr, &a));
        self.run.attempts.push(a);
        self
    }

    /// Sets the other-scheme control: `a` renamed `control.other_scheme`, sent to `url`.
    pub fn other_scheme(mut self, url: &str, mut a: AttemptRecord) -> R {
        a.variant.id = crate::model::ids::CONTROL_OTHER_SCHEME.into();
        a.variant.label = "the other scheme on the same port".into();
        a.variant.group = "control".into();
        a.variant.credential = CredentialPlacement::None;
        a.url = url.into();
        self.run.other_scheme = Some(Box::new(a));
        self
    }

    /// The run.
    pub fn build(self) -> Run {
        self.run
    }
}

/// Builds a run with no credential-less baseline placement: every attempt's credential set to
/// `None` (for runs made without `--token`).
pub fn no_cred(mut attempts: Vec<AttemptRecord>) -> Vec<AttemptRecord> {
    for a in &mut attempts {
        a.variant.credential = CredentialPlacement::None;
    }
    attempts
}
