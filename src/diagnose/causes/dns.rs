//! The homes of `dns.*`: the host name does not resolve, or its addresses disagree.

use super::*;

/// The homes of this category, in catalogue order.
pub(super) static HOMES: &[&Home] = &[&DNS_RESOLUTION_FAILED, &DNS_ADDRESS_INCONSISTENT];

/// `dns.resolution_failed`
pub(super) static DNS_RESOLUTION_FAILED: Home = Home {
    cause: Cause::DnsResolutionFailed,
    prior: 0.04,
    before_http: true,
    symptom: "The host name does not resolve; no TCP connect is attempted.",
    confirm: "`getent hosts HOST` (or `dig +short HOST A HOST AAAA`) from the same machine prints nothing; `wsdoctor URL --resolve HOST:PORT:ADDR` then gets past the dns stage.",
    remedies: &[
        "fix the host name, or publish the DNS record (A/AAAA) for it",
        "inside containers, use the service name the network resolves",
    ],
    produces: before_request,
    predicts: fails_alike_below_http,
    ..DEFAULT
};

/// `dns.address_inconsistent`
pub(super) static DNS_ADDRESS_INCONSISTENT: Home = Home {
    cause: Cause::DnsAddressInconsistent,
    prior: 0.02,
    before_http: true,
    varies: Varies::PerAddress,
    symptom: "The host name has several addresses (A and AAAA, or a DNS round robin) and they do not behave alike: one upgrades while another is refused, unreachable, times out, fails TLS, or answers with another status, body or server. Browsers race IPv6 against IPv4 (Happy Eyeballs, RFC 8305) and resolvers rotate round-robin answers, so users see intermittent failures or slow connects, never a clear error.",
    confirm: "the report's `addresses` table lists each address with its own answer; `curl -v --resolve HOST:PORT:ADDR` for each address reproduces the one that differs.",
    remedies: &[
        "fix or remove the stale record: an AAAA (or A) that points where the service no longer runs",
        "check that every address runs the same service and configuration (same proxy, same certificate, same upstream)",
        "browsers race IPv6 and IPv4 (Happy Eyeballs, RFC 8305) and resolvers rotate round-robin answers, so users see intermittent failures or slow connects rather than a clear error",
    ],
    predicts: silent,
    ..DEFAULT
};

#[cfg(test)]
mod tests {
    use crate::diagnose::rules::simulate::*;

    /// The run `dns.resolution_failed` predicts, built from the real plan, is diagnosed as it.
    #[test]
    fn resolution_failed_wins_the_run_it_predicts() {
        let (cause, run) = fails(Cause::DnsResolutionFailed, &WITH_TOKEN, |x| {
            x.dns("not_found")
        });
        check(cause, &run);
    }
}
