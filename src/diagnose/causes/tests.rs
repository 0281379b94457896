//! The homes' own guards: every cause has exactly one home, in catalogue order; the field's
//! status tables; every home speaks to a user (symptom, how to confirm, fix); and docs/causes.md
//! leads each section with its home.

use super::*;

#[test]
fn every_cause_has_one_home_in_catalogue_order() {
    let all = homes();
    assert_eq!(
        all.len(),
        Cause::ALL.len(),
        "a cause lacks a home, or has two"
    );
    for (c, h) in Cause::ALL.iter().zip(all) {
        assert_eq!(*c, h.cause, "{c} is not at its catalogue place");
        assert!(std::ptr::eq(home(*c), *h));
    }
}

#[test]
fn every_home_tells_a_user_what_is_seen_how_to_confirm_it_and_what_to_change() {
    for c in Cause::ALL {
        let h = home(*c);
        assert!(!h.symptom.trim().is_empty(), "{c}: no symptom");
        assert!(!h.confirm.trim().is_empty(), "{c}: no way to confirm it");
        assert!(!h.remedies.is_empty(), "{c}: no remedy");
        assert!(h.prior > 0.0 && h.prior < 1.0, "{c}: prior {}", h.prior);
        for r in h.reads {
            assert!(
                r.weight > 0.0,
                "{c}: a reading of {:?} weighs nothing",
                r.sign
            );
            if let Some(t) = r.says {
                assert!(
                    t.contains("{observed}"),
                    "{c}: the sentence for {:?} never cites the attempt",
                    r.sign
                );
                assert_eq!(r.fit, Fit::Explained, "{c}: only a support says why");
            }
        }
    }
}

#[test]
fn a_bare_status_lists_its_field_causes_most_common_first() {
    let ids = |s: u16| -> Vec<&str> { status_causes(s).iter().map(|(c, _)| c.id()).collect() };
    assert_eq!(
        ids(403),
        [
            "origin.rejected",
            "auth.missing_credentials",
            "routing.wrong_upstream",
            "proxy.access_denied"
        ]
    );
    assert_eq!(
        ids(404),
        [
            "routing.not_found",
            "proxy.upgrade_not_forwarded",
            "routing.wrong_upstream"
        ]
    );
    assert_eq!(ids(502), ["proxy.bad_gateway", "server.error"]);
    assert_eq!(ids(503), ["server.error", "proxy.bad_gateway"]);
    assert_eq!(ids(599), ["server.error", "proxy.bad_gateway"]);
    assert!(status_causes(418).is_empty());
    for s in [400, 401, 403, 404, 426, 500, 502, 503] {
        let sum: f64 = status_causes(s).iter().map(|(_, x)| x).sum();
        assert!(
            sum > 0.9 && sum <= 1.0 + 1e-9,
            "{s}: the shares sum to {sum}"
        );
    }
}

/// The block each `docs/causes.md` section starts with, made from the home.
fn docs_block(h: &Home) -> String {
    let mut out = format!(
        "- **Symptom:** {}\n- **How to confirm:** {}\n- **Fix:**\n",
        h.symptom, h.confirm
    );
    for r in h.remedies {
        out.push_str(&format!("  - {r}\n"));
    }
    out
}

/// `docs/causes.md` leads every section with its home's symptom, confirmation and fix, word for
/// word. `WSDOCTOR_BLESS=1 cargo test --lib docs_lead` rewrites those blocks from the homes.
#[test]
fn docs_lead_each_section_with_its_home() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/causes.md");
    let doc = std::fs::read_to_string(path).unwrap_or_default();
    let mut out = String::new();
    let mut stale = Vec::new();
    let mut sections = doc.split("\n## ");
    out.push_str(sections.next().unwrap_or_default());
    for section in sections {
        let (title, rest) = section.split_once('\n').unwrap_or((section, ""));
        let Some(cause) = Cause::from_id(title.trim()) else {
            out.push_str(&format!("\n## {section}"));
            continue;
        };
        let want = docs_block(home(cause));
        let body = rest.strip_prefix('\n').unwrap_or(rest);
        // The generated block runs up to the first maintainer's bullet after the fix.
        let end = body.find("- **Proof:**").unwrap_or(0);
        if body[..end] != want {
            stale.push(cause.id());
        }
        out.push_str(&format!("\n## {}\n\n{}{}", title, want, &body[end..]));
    }
    if std::env::var_os("WSDOCTOR_BLESS").is_some() {
        std::fs::write(path, &out).unwrap_or_else(|e| panic!("{path}: {e}"));
        return;
    }
    assert!(
        stale.is_empty(),
        "docs/causes.md: these sections do not lead with their home (WSDOCTOR_BLESS=1 rewrites them): {stale:?}"
    );
}

/// The same port tried with the other scheme: exactly one cause is explained by each protocol it
/// may speak, a cause decided before any HTTP answer says nothing unless its home says otherwise,
/// and a cause that needs an HTTP answer is ruled out by a TLS port.
#[test]
fn the_other_scheme_explains_one_cause_per_protocol_and_rules_out_the_http_readings() {
    for speaks in [PortSpeaks::Tls, PortSpeaks::Plaintext] {
        let explained: Vec<Cause> = Cause::ALL
            .iter()
            .copied()
            .filter(|c| other_scheme(*c) == OtherScheme::Explains(speaks))
            .collect();
        assert_eq!(explained.len(), 1, "{speaks:?}: {explained:?}");
    }
    assert_eq!(
        other_scheme(Cause::TlsPlaintextToTlsPort),
        OtherScheme::Explains(PortSpeaks::Tls)
    );
    assert_eq!(
        other_scheme(Cause::RoutingNotFound),
        OtherScheme::RuledOutBy(PortSpeaks::Tls)
    );
    assert_eq!(
        other_scheme(Cause::DnsResolutionFailed),
        OtherScheme::Silent
    );
    assert_eq!(
        other_scheme(Cause::TcpReset),
        OtherScheme::RuledOutBy(PortSpeaks::Tls)
    );
}
