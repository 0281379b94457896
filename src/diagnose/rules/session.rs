//! session rules: the baseline upgraded — it stayed open (healthy), or the server closed it
//! right after the 101, for the credential or for reasons of its own. Origin-dependent closes are
//! decided earlier by `matrix::origin_rejected`.

use super::Verdict;
use crate::diagnose::cause::Cause;
use crate::diagnose::evidence::{answer, auth_close, cite, same_answer, Answer, Facts};
use crate::model::AttemptRecord;

/// The baseline upgraded and stayed open through the close-wait.
pub fn healthy(f: &Facts) -> Option<Verdict> {
    let b = f.base()?;
    if !b.outcome.is_success() {
        return None;
    }
    let mut v = Verdict::new(
        Cause::Healthy,
        0.95,
        "the WebSocket upgrade succeeded and the connection stayed open",
    )
    .because(cite(b));
    if let Some(s) = &b.session {
        if let Some(rtt) = s.ping_rtt_ms {
            v = v.because(format!("ping answered in {rtt:.1} ms"));
        }
        v = v.because(format!("watched {:.0} ms without a close", s.watched_ms));
    }
    Some(v)
}

fn close_of(a: &AttemptRecord) -> Option<(Option<u16>, String)> {
    match answer(a) {
        Answer::Closed { code, reason } => Some((code, reason)),
        _ => None,
    }
}

/// 101, then a close that is about the credential: an auth close code/reason (4001, 4401, 4403,
/// 3000, 3003, or a reason naming auth/token/ticket), or a close that changes when only the
/// credential changes. Without a credential this is `auth.missing_credentials`.
pub fn auth_closed_after_upgrade(f: &Facts) -> Option<Verdict> {
    let b = f.base()?;
    let (code, reason) = close_of(b)?;
    let cred_variants: Vec<&AttemptRecord> = ["credential.none", "credential.wrong"]
        .iter()
        .filter_map(|id| f.get(id))
        .collect();
    let differs: Vec<&AttemptRecord> = cred_variants
        .iter()
        .copied()
        .filter(|a| !same_answer(a, b))
        .collect();
    let says_auth = auth_close(code, &reason);
    // 1008 (policy violation) is what many servers send for both a bad Origin and a missing
    // credential; the Origin rule ran first, so without a credential it is read as auth.
    let policy_without_credential = code == Some(1008) && !f.run.credential_given;
    if !says_auth && differs.is_empty() && !policy_without_credential {
        return None;
    }
    if !f.run.credential_given {
        let conf = if says_auth { 0.8 } else { 0.6 };
        return Some(
            Verdict::new(
                Cause::AuthMissingCredentials,
                conf,
                "the server accepts the upgrade, then closes it because no credential was sent",
            )
            .because(cite(b))
            .because(if says_auth {
                "no credential was given to wsdoctor, and the close names authentication"
            } else {
                "no credential was given to wsdoctor, and the server closes with 1008 (policy violation)"
            })
            .or(
                Cause::ServerClosedAfterUpgrade,
                "a server that closes every connection right after accept looks the same",
            )
            .next("pass --token (with --auth header|query|cookie|subprotocol) to send the credential your client uses"),
        );
    }
    let mut v = Verdict::new(
        Cause::AuthClosedAfterUpgrade,
        if says_auth { 0.8 } else { 0.7 },
        "the server accepts the upgrade, then closes the connection over the credential",
    )
    .because(cite(b));
    for a in &cred_variants {
        v = v.because(cite(a));
    }
    if !differs.is_empty() {
        v = v.because("the close changes when only the credential changes");
    }
    Some(
        v.or(
            Cause::AuthCredentialsRejected,
            "the same verdict as a refusal, delivered after the 101: check the token's validity",
        )
        .next("check the token's expiry and audience, and whether the server expects it in another place (--auth query|cookie|subprotocol)"),
    )
}

/// 101, then a close that does not depend on the credential or the Origin.
pub fn server_closed_after_upgrade(f: &Facts) -> Option<Verdict> {
    let b = f.base()?;
    close_of(b)?;
    let compared: Vec<&AttemptRecord> =
        f.public("credential.").chain(f.public("origin.")).collect();
    let all_same = !compared.is_empty() && compared.iter().all(|a| same_answer(a, b));
    let mut v = Verdict::new(
        Cause::ServerClosedAfterUpgrade,
        if all_same { 0.8 } else { 0.65 },
        "the server accepts the upgrade, then closes the connection whatever the credential or Origin",
    )
    .because(cite(b));
    if all_same {
        v = v.because(format!(
            "{} variants that change only the credential or the Origin close the same way",
            compared.len()
        ));
    }
    if !f.run.credential_given {
        v = v
            .or(
                Cause::AuthMissingCredentials,
                "a server that closes unauthenticated sockets without saying why looks the same",
            )
            .next("pass --token to see whether an authenticated connection stays open");
    } else {
        v = v.next("read the server log for the close; a handler that returns or raises right after accept closes like this");
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::rules::testkit::*;

    #[test]
    fn healthy_only_when_the_baseline_stays_open() {
        let r = run(vec![attempt("baseline").upgraded()]).build();
        assert_eq!(
            healthy(&Facts::new(&r)).map(|v| v.cause),
            Some(Cause::Healthy)
        );
        let closed = run(vec![attempt("baseline").closed(1000, "")]).build();
        assert!(healthy(&Facts::new(&closed)).is_none());
    }

    #[test]
    fn auth_close_with_credential_is_closed_after_upgrade() {
        let r = run(vec![
            attempt("baseline").closed(4401, "invalid token"),
            attempt("credential.none").closed(4401, "missing token"),
            attempt("credential.wrong").closed(4401, "invalid token"),
        ])
        .cred()
        .build();
        let v = auth_closed_after_upgrade(&Facts::new(&r));
        assert_eq!(v.map(|v| v.cause), Some(Cause::AuthClosedAfterUpgrade));
    }

    #[test]
    fn auth_close_without_credential_is_missing_credentials() {
        let r = run(no_cred(vec![
            attempt("baseline").closed(1008, "authentication required")
        ]))
        .build();
        let v = auth_closed_after_upgrade(&Facts::new(&r));
        assert_eq!(v.map(|v| v.cause), Some(Cause::AuthMissingCredentials));
    }

    #[test]
    fn policy_close_without_credential_is_read_as_missing_credentials() {
        let r = run(no_cred(vec![attempt("baseline").closed(1008, "")])).build();
        let v = auth_closed_after_upgrade(&Facts::new(&r));
        assert!(v.is_some_and(|v| v.cause == Cause::AuthMissingCredentials && v.confidence < 0.7));
    }

    #[test]
    fn near_miss_a_plain_close_the_credential_does_not_change_is_the_servers() {
        let r = run(vec![
            attempt("baseline").closed(1011, "internal error"),
            attempt("credential.none").closed(1011, "internal error"),
            attempt("credential.wrong").closed(1011, "internal error"),
            attempt("origin.foreign").closed(1011, "internal error"),
        ])
        .cred()
        .build();
        assert!(auth_closed_after_upgrade(&Facts::new(&r)).is_none());
        let v = server_closed_after_upgrade(&Facts::new(&r));
        assert_eq!(
            v.as_ref().map(|v| v.cause),
            Some(Cause::ServerClosedAfterUpgrade)
        );
        assert!(v.is_some_and(|v| v.confidence >= 0.8));
    }
}
