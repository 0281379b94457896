//! transport rules: the baseline never got an HTTP answer — name resolution, TCP connect, or a
//! connection that ended (or stalled) before the response head.

use super::Verdict;
use crate::diagnose::cause::Cause;
use crate::diagnose::evidence::{cite, Facts};
use crate::model::{Outcome, Stage};

/// The host name does not resolve (or resolution timed out).
pub fn dns_failed(f: &Facts) -> Option<Verdict> {
    let b = f.base()?;
    let detail = match &b.outcome {
        Outcome::DnsError { error, detail } => format!("{error}: {detail}"),
        Outcome::Timeout { stage: Stage::Dns } => "the lookup did not finish in time".into(),
        _ => return None,
    };
    Some(
        Verdict::new(
            Cause::DnsResolutionFailed,
            0.95,
            "the host name does not resolve, so no connection was attempted",
        )
        .because(cite(b))
        .because(detail)
        .next("check the host name for typos, or pass --resolve HOST:PORT:ADDR to test a known address"),
    )
}

/// TCP connect failed: refused, timed out, unreachable, or reset.
pub fn tcp_failed(f: &Facts) -> Option<Verdict> {
    let b = f.base()?;
    let (cause, summary, next) = match &b.outcome {
        Outcome::TcpError { error, .. } => match error.as_str() {
            "refused" => (
                Cause::TcpRefused,
                "the host answers but nothing listens on that port",
                "check the port in the URL and that the server (or the proxy's listener) is running",
            ),
            "timeout" => (
                Cause::TcpTimeout,
                "the TCP connect got no answer (a firewall drops it, or the host is down)",
                "check security groups/firewall rules for the port, then retry with a longer --timeout",
            ),
            "unreachable" => (
                Cause::TcpUnreachable,
                "the network or host is unreachable from here",
                "check routing/VPN to the host; try from a machine in the same network",
            ),
            "reset" => (
                Cause::TcpReset,
                "the connection was reset during connect",
                "look for a firewall or a listener that rejects this client",
            ),
            _ => return None,
        },
        Outcome::Timeout { stage: Stage::Tcp } => (
            Cause::TcpTimeout,
            "the TCP connect did not finish within the time budget",
            "check firewall rules for the port, then retry with a longer --timeout",
        ),
        _ => return None,
    };
    let mut v = Verdict::new(cause, 0.95, summary)
        .because(cite(b))
        .next(next);
    if let Some(tcp) = &b.tcp {
        for failed in &tcp.failed {
            v = v.because(format!("{}: {}", failed.address, failed.error));
        }
    }
    Some(v)
}

/// The connection ended or stalled before an HTTP response head: a reset without answer is
/// `tcp.reset`; a server that accepts the connection but never answers is `server.timeout`.
pub fn no_http_answer(f: &Facts) -> Option<Verdict> {
    let b = f.base()?;
    match &b.outcome {
        Outcome::ProtocolViolation { error, .. } if error == "connection_reset" => Some(
            Verdict::new(
                Cause::TcpReset,
                0.85,
                "the connection was reset after the upgrade request was sent, before any HTTP answer",
            )
            .because(cite(b))
            .or(
                Cause::ProxyAccessDenied,
                "a WAF or firewall that resets requests it dislikes looks the same",
            )
            .next("retry with --direct to the backend to see whether the reset comes from the path in front of it"),
        ),
        Outcome::Timeout {
            stage: Stage::Upgrade,
        } => Some(
            Verdict::new(
                Cause::ServerTimeout,
                0.85,
                "the server accepted the connection but never answered the upgrade request",
            )
            .because(cite(b))
            .or(
                Cause::ProxyBadGateway,
                "a proxy waiting on a hung upstream also stays silent until its own timeout",
            )
            .next("retry with a longer --timeout; if it still hangs, probe the backend with --direct"),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::rules::testkit::*;

    #[test]
    fn dns_failure_is_resolution_failed() {
        let r = run(vec![attempt("baseline").dns("not_found")]).build();
        let v = dns_failed(&Facts::new(&r)).map(|v| v.cause);
        assert_eq!(v, Some(Cause::DnsResolutionFailed));
        let ok = run(vec![attempt("baseline").tcp("refused")]).build();
        assert!(dns_failed(&Facts::new(&ok)).is_none());
    }

    #[test]
    fn tcp_failures_map_to_their_causes() {
        for (err, cause) in [
            ("refused", Cause::TcpRefused),
            ("timeout", Cause::TcpTimeout),
            ("unreachable", Cause::TcpUnreachable),
            ("reset", Cause::TcpReset),
        ] {
            let r = run(vec![attempt("baseline").tcp(err)]).build();
            assert_eq!(
                tcp_failed(&Facts::new(&r)).map(|v| v.cause),
                Some(cause),
                "{err}"
            );
        }
        let t = run(vec![attempt("baseline").timeout(Stage::Tcp)]).build();
        assert_eq!(
            tcp_failed(&Facts::new(&t)).map(|v| v.cause),
            Some(Cause::TcpTimeout)
        );
        let http = run(vec![attempt("baseline").rejected(403, "")]).build();
        assert!(tcp_failed(&Facts::new(&http)).is_none());
    }

    #[test]
    fn silence_after_connect_is_server_timeout_and_reset_is_tcp_reset() {
        let t = run(vec![attempt("baseline").timeout(Stage::Upgrade)]).build();
        assert_eq!(
            no_http_answer(&Facts::new(&t)).map(|v| v.cause),
            Some(Cause::ServerTimeout)
        );
        let r = run(vec![attempt("baseline").violation("connection_reset")]).build();
        assert_eq!(
            no_http_answer(&Facts::new(&r)).map(|v| v.cause),
            Some(Cause::TcpReset)
        );
        let m = run(vec![attempt("baseline").violation("malformed_response")]).build();
        assert!(no_http_answer(&Facts::new(&m)).is_none());
    }
}
