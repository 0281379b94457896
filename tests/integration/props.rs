//! Property tests of the parsers and the redactor, in the normal suite: the response-head parser
//! never panics and round-trips generated valid heads; the redactor never lets a generated secret
//! through in a URL, a header or free text.

use proptest::prelude::*;
use wsdoctor::probe::upgrade::{parse_head, UpgradeFailure};
use wsdoctor::secret::{Redactor, Secret};

/// A header name: an HTTP token.
fn header_name() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]{0,24}"
}

/// A header value: visible ASCII and inner spaces, no leading or trailing whitespace.
fn header_value() -> impl Strategy<Value = String> {
    "[!-~]([ -~]{0,40}[!-~])?"
}

/// A reason phrase (may be empty).
fn reason() -> impl Strategy<Value = String> {
    "([A-Za-z][A-Za-z ]{0,20}[A-Za-z])?"
}

/// A secret as tokens really look: base64url/JWT-ish characters, long enough to be a pattern.
fn secret() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9._~+/=-]{7,40}"
}

fn build_head(
    minor: u8,
    status: u16,
    reason: &str,
    headers: &[(String, String)],
    lf_only: bool,
) -> Vec<u8> {
    let eol = if lf_only { "\n" } else { "\r\n" };
    let mut s = format!("HTTP/1.{minor} {status} {reason}{eol}");
    for (k, v) in headers {
        s.push_str(&format!("{k}: {v}{eol}"));
    }
    s.push_str(eol);
    s.into_bytes()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn the_head_parser_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = parse_head(&bytes);
    }

    #[test]
    fn the_head_parser_never_panics_on_mutated_heads(
        headers in proptest::collection::vec((header_name(), header_value()), 0..8),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
    ) {
        let mut bytes = build_head(1, 101, "Switching Protocols", &headers, false);
        for (i, b) in flips {
            let at = i.index(bytes.len());
            bytes[at] = b;
        }
        if let Ok(Some(head)) = parse_head(&bytes) {
            prop_assert!(head.len <= bytes.len());
        }
    }

    #[test]
    fn a_generated_valid_head_round_trips(
        minor in 0u8..=1,
        status in 100u16..=599,
        reason in reason(),
        headers in proptest::collection::vec((header_name(), header_value()), 0..12),
        lf_only in any::<bool>(),
        body in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let head_bytes = build_head(minor, status, &reason, &headers, lf_only);
        let mut bytes = head_bytes.clone();
        bytes.extend_from_slice(&body);
        let head = parse_head(&bytes)
            .map_err(|e| TestCaseError::fail(format!("{e:?}")))?
            .ok_or_else(|| TestCaseError::fail("complete head reported partial"))?;
        prop_assert_eq!(head.version, format!("HTTP/1.{minor}"));
        prop_assert_eq!(head.status, status);
        prop_assert_eq!(head.reason, reason);
        prop_assert_eq!(head.headers, headers);
        prop_assert_eq!(head.len, head_bytes.len());
        // Every proper prefix of a valid head asks for more bytes; none is an error.
        for cut in [0, 1, 5, 9, head_bytes.len() / 2, head_bytes.len() - 1] {
            let got = parse_head(&head_bytes[..cut]);
            prop_assert!(matches!(got, Ok(None)), "prefix {cut}: {got:?}");
        }
    }

    #[test]
    fn a_reply_that_is_not_http_is_malformed_at_once(
        first in "[^H]",
        rest in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let mut bytes = first.into_bytes();
        bytes.extend_from_slice(&rest);
        prop_assert!(matches!(parse_head(&bytes), Err(UpgradeFailure::Malformed(_))));
    }

    #[test]
    fn the_redactor_hides_a_secret_in_free_text(
        before in "[ -~]{0,30}",
        after in "[ -~]{0,30}",
        secret in secret(),
    ) {
        let r = Redactor::new([&Secret::new(secret.clone())], true);
        let text = format!("{before}{secret}{after}{secret}");
        let out = r.text(&text);
        prop_assert!(!out.contains(&secret), "{out}");
    }

    #[test]
    fn the_redactor_hides_a_secret_in_any_url_encoding(
        param in "[a-z]{1,10}",
        secret in secret(),
        path in "/[a-z/]{0,12}",
    ) {
        let r = Redactor::new([&Secret::new(secret.clone())], true);
        let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        let strict = percent_encode_all(&secret);
        for value in [&secret, &form, &strict] {
            let target = format!("{path}?room=1&{param}={value}#frag");
            let out = r.url(&target);
            prop_assert!(!out.contains(&secret), "{target} -> {out}");
            prop_assert!(!out.contains(value.as_str()), "{target} -> {out}");
        }
        // Built the way the plan builds the query variant (url's query_pairs_mut).
        let mut u = url::Url::parse("ws://127.0.0.1:1/ws").map_err(|e| TestCaseError::fail(e.to_string()))?;
        u.query_pairs_mut().append_pair(&param, &secret);
        let out = r.url(u.as_str());
        prop_assert!(!out.contains(&secret) && !out.contains(&form), "{u} -> {out}");
    }

    #[test]
    fn the_redactor_hides_a_secret_in_any_header(
        name in header_name(),
        scheme in "(Bearer|Basic|Token|)",
        secret in secret(),
    ) {
        let r = Redactor::new([&Secret::new(secret.clone())], true);
        let value = if scheme.is_empty() { secret.clone() } else { format!("{scheme} {secret}") };
        for n in [name.as_str(), "Authorization", "Cookie", "Sec-WebSocket-Protocol", "Location"] {
            let v = if n == "Cookie" { format!("a=b; sid={secret}") } else { value.clone() };
            let out = r.header(n, &v);
            prop_assert!(!out.contains(&secret), "{n}: {v} -> {out}");
        }
    }
}

/// Percent-encodes every byte (the strictest form a client may send).
fn percent_encode_all(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}
