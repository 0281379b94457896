//! The homes of `tcp.*`: the TCP connection fails before any byte of HTTP.

use super::*;

/// Failed before the request, or timed out.
fn before_request_or_timeout(b: &AttemptObs) -> Option<bool> {
    Some(matches!(b.class, O::BeforeRequest | O::Timeout))
}

/// The homes of this category, in catalogue order.
pub(super) static HOMES: &[&Home] = &[&TCP_REFUSED, &TCP_TIMEOUT, &TCP_UNREACHABLE, &TCP_RESET];

/// `tcp.refused`
pub(super) static TCP_REFUSED: Home = Home {
    cause: Cause::TcpRefused,
    prior: 0.08,
    before_http: true,
    symptom: "Connection refused: the host answers, nothing listens.",
    confirm: "`nc -vz HOST PORT` says refused; on the server, `ss -ltnp` shows nothing listening on that port (or only on 127.0.0.1).",
    remedies: &[
        "start the server, or point the URL at the port it listens on",
        "a server bound to 127.0.0.1 is unreachable from other hosts: bind 0.0.0.0 or the right interface",
    ],
    produces: before_request,
    predicts: fails_alike_below_http,
    ..DEFAULT
};

/// `tcp.timeout`
pub(super) static TCP_TIMEOUT: Home = Home {
    cause: Cause::TcpTimeout,
    prior: 0.04,
    before_http: true,
    symptom: "The TCP connect gets no answer within the budget.",
    confirm: "`nc -vz -w 5 HOST PORT` times out; from a host inside the network it connects, so a firewall or security group drops the packets.",
    remedies: &[
        "open the port in the firewall/security group, or fix the host address",
    ],
    produces: before_request_or_timeout,
    predicts: fails_alike_below_http,
    ..DEFAULT
};

/// `tcp.unreachable`
pub(super) static TCP_UNREACHABLE: Home = Home {
    cause: Cause::TcpUnreachable,
    prior: 0.02,
    before_http: true,
    symptom: "Network or host unreachable.",
    confirm: "`ip route get ADDR` shows no route (or `ping ADDR` says unreachable); from another network, or over IPv4 instead of IPv6, it connects.",
    remedies: &[
        "fix routing (VPN, subnet, IPv6 reachability) to the host",
    ],
    produces: before_request,
    predicts: fails_alike_below_http,
    ..DEFAULT
};

/// `tcp.reset`
pub(super) static TCP_RESET: Home = Home {
    cause: Cause::TcpReset,
    prior: 0.02,
    before_http: true,
    symptom: "The connection is reset before any HTTP answer.",
    confirm: "`curl -v http://HOST:PORT/` is reset too (`Connection reset by peer`); `openssl s_client -connect HOST:PORT` tells a TLS-only port apart.",
    remedies: &[
        "find the middlebox or listener resetting connections (firewall, WAF, TLS-only port)",
    ],
    produces: no_answer_or_before_request,
    predicts: fails_alike_below_http,
    other_scheme: Some(OtherScheme::RuledOutBy(PortSpeaks::Tls)),
    ..DEFAULT
};

#[cfg(test)]
mod tests {
    use crate::diagnose::rules::simulate::*;
    use crate::diagnose::rules::testkit::{attempt, no_cred, run};

    /// A reset on the baseline alone, while every variant to the same address got an HTTP
    /// answer: the connection works, so nothing on the path resets connections (a transient, or
    /// a rule on what the baseline carried) and `tcp.reset` is not said with confidence.
    #[test]
    fn a_reset_baseline_whose_variants_were_answered_is_no_reset_path() {
        let app = "apache_require-all-denied_403.http";
        let r = run(no_cred(vec![
            attempt("baseline").violation("connection_reset"),
            attempt("origin.same").fixture(app),
            attempt("origin.foreign").fixture(app),
            attempt("origin.null").fixture(app),
            attempt("control.plain_get").fixture(app),
            attempt("browser.chrome").fixture(app),
        ]))
        .build();
        let (d, _) = crate::diagnose::diagnose(&r);
        assert!(
            d.cause != Cause::TcpReset || d.confidence < 0.5,
            "{} {:.2}",
            d.cause.id(),
            d.confidence
        );
    }

    /// The run `tcp.timeout` predicts, built from the real plan, is diagnosed as it.
    #[test]
    fn timeout_wins_the_run_it_predicts() {
        let (cause, run) = fails(Cause::TcpTimeout, &WITH_TOKEN, |x| x.tcp("timeout"));
        check(cause, &run);
    }

    /// The run `tcp.unreachable` predicts, built from the real plan, is diagnosed as it.
    #[test]
    fn unreachable_wins_the_run_it_predicts() {
        let (cause, run) = fails(Cause::TcpUnreachable, &WITH_TOKEN, |x| x.tcp("unreachable"));
        check(cause, &run);
    }

    /// The run `tcp.reset` predicts, built from the real plan, is diagnosed as it.
    #[test]
    fn reset_wins_the_run_it_predicts() {
        let (cause, run) = fails(Cause::TcpReset, &WITH_TOKEN, |x| x.tcp("reset"));
        check(cause, &run);
    }

    /// The run `tcp.refused` predicts, built from the real plan, is diagnosed as it.
    #[test]
    fn refused_wins_the_run_it_predicts() {
        let (cause, run) = (
            Cause::TcpRefused,
            simulated(&WITH_TOKEN, |x, _, _| a(x).tcp("refused")),
        );
        check(cause, &run);
    }
}
