//! The facts of the transport layer (DNS, TCP, forward proxies, addresses): `rules::transport`, and their words.

use crate::diagnose::evidence::{describe, Facts};
use crate::model::{Stage, StageStatus};

/// What one address of the fan-out answered on one try: a status, or the kind of failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressAnswer {
    /// An HTTP status.
    Status(u16),
    /// No HTTP answer: the outcome kind ("tcp_error", "timeout", …).
    Failed(String),
}

impl AddressAnswer {
    fn words(&self) -> String {
        match self {
            AddressAnswer::Status(s) => s.to_string(),
            AddressAnswer::Failed(kind) => kind.replace('_', " "),
        }
    }
}

/// What a SOCKS5 CONNECT asked the proxy for, and who resolved the name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SocksTarget {
    /// socks5://: the name was resolved here, and the proxy asked for this address.
    ResolvedHere {
        /// The address (`ip:port`).
        address: String,
    },
    /// socks5h://: the proxy resolves the name.
    ProxyResolves,
    /// The authority as given (an address literal).
    AsGiven,
}

/// Which kind of forward proxy was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyProtocol {
    /// An HTTP proxy (CONNECT, Proxy-Authorization: Basic).
    Http,
    /// A SOCKS5 proxy (RFC 1929 username/password).
    Socks5,
}

/// A fact of the transport layer (DNS, TCP, forward proxies, addresses): `rules::transport`.
#[derive(Debug, Clone, PartialEq)]
pub enum TransportFact {
    /// One row of the address fan-out, as its attempt was answered (the row's kind when the run
    /// has no such attempt).
    AddressRow {
        /// The address (`ip:port`).
        address: String,
        /// "ipv4" or "ipv6".
        family: String,
        /// The attempt id of the row.
        attempt: String,
        /// The row's outcome kind.
        kind: String,
        /// Who produced the answer, when fingerprinted.
        producer: Option<&'static str>,
        /// True when a second try answered the same.
        second_try: bool,
    },
    /// One loopback address of `localhost`, as its attempt was answered.
    LoopbackRow {
        /// The address (`ip:port`).
        address: String,
        /// "ipv4" or "ipv6".
        family: String,
        /// The attempt id of the row.
        attempt: String,
        /// The row's outcome kind.
        kind: String,
    },
    /// An address whose second try answered unlike its first: set aside as transient.
    FlakyAddress {
        /// The address (`ip:port`).
        address: String,
        /// The first answer.
        first: AddressAnswer,
        /// The second answer (none recorded: empty).
        second: Option<AddressAnswer>,
    },
    /// The peer the baseline connected to, and how the baseline was answered there.
    BaselinePeer {
        /// The peer address.
        peer: String,
    },
    /// An HTTP proxy's CONNECT and its non-2xx answer.
    ConnectRefused {
        /// The authority asked for (`host:port`).
        connect: String,
        /// The proxy URL.
        proxy: String,
        /// Where the proxy came from (`--proxy`, `HTTPS_PROXY`, …).
        source: String,
        /// The status.
        status: u16,
        /// The reason phrase (empty when none).
        reason: String,
    },
    /// A header of the proxy's refusal (Proxy-Authenticate, Server, Via).
    ProxyHeader {
        /// The header name, as sent.
        name: String,
        /// Its value.
        value: String,
    },
    /// The proxy's body: whitespace collapsed, its first 160 characters.
    ProxyBody {
        /// The excerpt.
        excerpt: String,
    },
    /// Whether proxy credentials went with the request.
    ProxyCredentials {
        /// Which kind of proxy.
        protocol: ProxyProtocol,
        /// True when they were sent (offered).
        sent: bool,
    },
    /// A SOCKS5 CONNECT and the proxy's reply.
    SocksConnect {
        /// The authority asked for (`host:port`).
        connect: String,
        /// What the proxy was asked for.
        target: SocksTarget,
        /// The proxy URL.
        proxy: String,
        /// Where the proxy came from.
        source: String,
        /// The reply's name ("connection_refused", …).
        reply: String,
    },
    /// The failed proxy stage of an attempt, as the probe summed it up.
    ProxyStage {
        /// The attempt id.
        attempt: String,
    },
    /// The name lookup failed.
    DnsFailed {
        /// The failure class ("not_found", …).
        error: String,
        /// The resolver's detail.
        detail: String,
    },
    /// The name lookup did not finish in time.
    DnsTimedOut,
    /// One address the TCP connect tried and failed on.
    ConnectFailed {
        /// The address.
        address: String,
        /// The error class.
        error: String,
    },
}

impl From<TransportFact> for super::Fact {
    fn from(x: TransportFact) -> super::Fact {
        super::Fact::Transport(x)
    }
}

/// The host part of `host:port` (brackets kept for IPv6).
fn host_of(authority: &str) -> &str {
    authority.rsplit_once(':').map_or(authority, |(h, _)| h)
}

impl TransportFact {
    /// The attempt id this fact cites, when it cites one.
    pub fn attempt(&self) -> Option<&str> {
        match self {
            TransportFact::AddressRow { attempt, .. }
            | TransportFact::LoopbackRow { attempt, .. }
            | TransportFact::ProxyStage { attempt } => Some(attempt),
            _ => None,
        }
    }

    /// The evidence line.
    pub fn words(&self, f: &Facts) -> String {
        match self {
            TransportFact::AddressRow {
                address,
                family,
                attempt,
                kind,
                producer,
                second_try,
            } => {
                let what = match f.get(attempt) {
                    Some(a) => {
                        let by = producer
                            .map(|p| format!(" (answered by {p})"))
                            .unwrap_or_default();
                        format!("{}{by}", describe(a))
                    }
                    None => kind.clone(),
                };
                let again = if *second_try {
                    ", the same on a second try"
                } else {
                    ""
                };
                format!("{address} ({family}, attempt {attempt}): {what}{again}")
            }
            TransportFact::LoopbackRow {
                address,
                family,
                attempt,
                kind,
            } => {
                let what = f.get(attempt).map_or_else(|| kind.clone(), describe);
                format!("{address} ({family}, attempt {attempt}): {what}")
            }
            TransportFact::FlakyAddress {
                address,
                first,
                second,
            } => format!(
                "{address} answered {}, then {} on a second try: set aside as transient",
                first.words(),
                second.as_ref().map_or_else(String::new, AddressAnswer::words)
            ),
            TransportFact::BaselinePeer { peer } => format!(
                "the baseline connected to {peer}: {}; a client that picks another address gets another answer",
                f.base().map(describe).unwrap_or_default()
            ),
            TransportFact::ConnectRefused {
                connect,
                proxy,
                source,
                status,
                reason,
            } => format!("CONNECT {connect} via {proxy} (from {source}) -> {status} {reason}"),
            TransportFact::ProxyHeader { name, value } => {
                format!("the proxy answered {name}: {value}")
            }
            TransportFact::ProxyBody { excerpt } => format!("the proxy's body: {excerpt}"),
            TransportFact::ProxyCredentials { protocol, sent } => match (protocol, sent) {
                (ProxyProtocol::Http, true) => {
                    "credentials were sent (Proxy-Authorization: Basic) and refused"
                }
                (ProxyProtocol::Http, false) => "no proxy credentials were sent",
                (ProxyProtocol::Socks5, true) => {
                    "credentials were offered (RFC 1929 username/password from the proxy URL)"
                }
                (ProxyProtocol::Socks5, false) => "no proxy credentials were given",
            }
            .to_string(),
            TransportFact::SocksConnect {
                connect,
                target,
                proxy,
                source,
                reply,
            } => {
                let asked = match target {
                    SocksTarget::ResolvedHere { address } => {
                        format!("{address} ({} resolved here, socks5://)", host_of(connect))
                    }
                    SocksTarget::ProxyResolves => {
                        format!("{connect} (the proxy resolves the name, socks5h://)")
                    }
                    SocksTarget::AsGiven => connect.clone(),
                };
                format!("SOCKS5 CONNECT {asked} via {proxy} (from {source}) -> {reply}")
            }
            TransportFact::ProxyStage { attempt } => f
                .get(attempt)
                .and_then(|a| {
                    a.stages
                        .iter()
                        .find(|s| s.stage == Stage::Proxy && s.status == StageStatus::Failed)
                })
                .map(|s| s.summary.clone())
                .unwrap_or_default(),
            TransportFact::DnsFailed { error, detail } => format!("{error}: {detail}"),
            TransportFact::DnsTimedOut => "the lookup did not finish in time".to_string(),
            TransportFact::ConnectFailed { address, error } => format!("{address}: {error}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::rules::testkit::*;

    #[test]
    fn a_transient_address_names_both_answers_a_failure_by_its_kind_in_words() {
        // Wording test: no replayed run has a transient address.
        let r = run(vec![attempt("baseline").upgraded()]).build();
        let f = Facts::new(&r);
        let line = |first, second| {
            TransportFact::FlakyAddress {
                address: "127.0.0.3:8080".into(),
                first,
                second,
            }
            .words(&f)
        };
        assert_eq!(
            line(
                AddressAnswer::Failed("tcp_error".into()),
                Some(AddressAnswer::Status(101))
            ),
            "127.0.0.3:8080 answered tcp error, then 101 on a second try: set aside as transient"
        );
        assert_eq!(
            line(AddressAnswer::Status(502), None),
            "127.0.0.3:8080 answered 502, then  on a second try: set aside as transient"
        );
    }

    #[test]
    fn a_socks_connect_says_who_resolved_the_name() {
        // Wording test: which side resolved the name is the line's point.
        let r = run(vec![attempt("baseline").upgraded()]).build();
        let f = Facts::new(&r);
        let line = |target| {
            TransportFact::SocksConnect {
                connect: "app.test:8080".into(),
                target,
                proxy: "socks5h://127.0.0.1:1080".into(),
                source: "ALL_PROXY".into(),
                reply: "host_unreachable".into(),
            }
            .words(&f)
        };
        assert_eq!(
            line(SocksTarget::ProxyResolves),
            "SOCKS5 CONNECT app.test:8080 (the proxy resolves the name, socks5h://) via socks5h://127.0.0.1:1080 (from ALL_PROXY) -> host_unreachable"
        );
        assert_eq!(
            line(SocksTarget::ResolvedHere {
                address: "10.0.0.7:8080".into()
            }),
            "SOCKS5 CONNECT 10.0.0.7:8080 (app.test resolved here, socks5://) via socks5h://127.0.0.1:1080 (from ALL_PROXY) -> host_unreachable"
        );
        assert!(line(SocksTarget::AsGiven).starts_with("SOCKS5 CONNECT app.test:8080 via "));
    }
}
