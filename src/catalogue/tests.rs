//! The catalogue's own checks: every documented answer identifies as its product with its topic,
//! every fact has an https source, every cause id exists, the counts the issue asks for, and
//! `docs/products.md` equals the data.

use super::*;
use crate::cause::Cause;
use crate::fingerprint::tests::parse_raw;

/// A documented example as wire bytes: the head's lines end in CRLF, the body is kept as written.
fn example_response(raw: &str) -> WireResponse {
    let (head, body) = raw.split_once("\n\n").unwrap_or((raw, ""));
    let head = head.trim_end_matches('\r').replace("\r\n", "\n");
    let wire = format!("{}\r\n\r\n{body}", head.replace('\n', "\r\n"));
    parse_raw(wire.as_bytes())
}

fn cause_exists(id: &str) -> bool {
    Cause::ALL.iter().any(|c| c.id() == id)
}

#[test]
fn every_documented_answer_identifies_as_its_product_with_its_topic() {
    let mut checked = 0;
    for a in ANSWERS {
        let Some(raw) = a.example else { continue };
        let resp = example_response(raw);
        assert!(
            matches(a, &resp),
            "{}: the example does not match its own conditions",
            a.situation
        );
        let at = attribute(&resp);
        match a.role {
            Role::Producer => {
                assert_eq!(
                    at.product.map(|e| e.name),
                    Some(a.name),
                    "{}: identified as another product",
                    a.situation
                );
                let front = a.entry().is_front();
                assert_eq!(
                    at.front_wrote_it >= 0.5,
                    front,
                    "{}: front_wrote_it {} for a {}",
                    a.situation,
                    at.front_wrote_it,
                    a.entry().kind
                );
            }
            Role::Path => {
                let on_path = at.product.map(|e| e.name) == Some(a.name)
                    || at.fronts.iter().any(|e| e.name == a.name);
                assert!(on_path, "{}: not seen on the path", a.situation);
            }
        }
        if let Some(t) = a.example_topic {
            assert_eq!(at.body_topic, Some(t), "{}: topic", a.situation);
        }
        checked += 1;
    }
    assert!(checked >= 50, "only {checked} documented examples");
}

#[test]
fn every_fact_has_an_https_source() {
    let https = |s: &str| s.starts_with("https://") && !s.contains(char::is_whitespace);
    for e in ENTRIES {
        assert!(https(e.source), "{}: {}", e.name, e.source);
        assert_eq!(
            e.idle_timeout_s.is_some(),
            e.idle_source.is_some(),
            "{}",
            e.name
        );
        assert!(e.idle_source.is_none_or(https), "{}", e.name);
        assert_eq!(
            e.upgrade.is_some(),
            e.upgrade_source.is_some(),
            "{}",
            e.name
        );
        assert!(e.upgrade_source.is_none_or(https), "{}", e.name);
    }
    for a in ANSWERS {
        assert!(https(a.source), "{}: {}", a.situation, a.source);
    }
    for c in CLOSE_REASONS {
        assert!(
            https(c.source),
            "{} {}: {}",
            c.entry().name,
            c.code,
            c.source
        );
    }
}

#[test]
fn every_cause_id_the_catalogue_names_exists() {
    for a in ANSWERS {
        for id in a.supports.iter().chain(a.rules_out) {
            assert!(cause_exists(id), "{}: unknown cause id {id}", a.situation);
        }
    }
    let topics = Topic::ALL.iter().copied();
    for t in topics {
        for front in [true, false] {
            let (s, r) = topic_causes(t, front);
            for id in s.iter().chain(r) {
                assert!(
                    cause_exists(id),
                    "{t} (front {front}): unknown cause id {id}"
                );
            }
        }
    }
}

#[test]
fn the_catalogue_is_as_broad_as_the_issue_asks() {
    assert!(ENTRIES.len() >= 60, "{} products", ENTRIES.len());
    let frameworks: Vec<&Entry> = ENTRIES.iter().filter(|e| !e.is_front()).collect();
    assert!(frameworks.len() >= 25, "{} applications", frameworks.len());
    let languages: std::collections::BTreeSet<&str> =
        frameworks.iter().filter_map(|e| e.language).collect();
    assert!(languages.len() >= 6, "languages: {languages:?}");
    for front in [
        "Cloudflare",
        "AWS ALB",
        "AWS API Gateway",
        "Amazon CloudFront",
        "Google Cloud load balancer",
        "Azure Front Door",
        "Azure Application Gateway",
        "Envoy",
        "Istio",
        "Traefik",
        "Kong",
        "ingress-nginx",
        "Fastly",
        "Akamai",
        "Vercel",
        "Heroku router",
        "Fly.io proxy",
        "Render",
        "nginx",
        "Caddy",
        "HAProxy",
        "Apache httpd",
        "lighttpd",
        "Varnish",
        "Squid",
        "stunnel",
        "nghttpx",
        "tinyproxy",
        "Dante",
    ] {
        assert!(
            entry(front).is_some_and(|e| e.is_front()),
            "{front} missing"
        );
    }
}

#[test]
fn reserved_products_stay_out_of_the_catalogue() {
    let reserved = [
        "traffic server",
        "h2o",
        "hitch",
        "http-proxy-middleware",
        "jupyter",
        "websockify",
        "quart",
        "hypercorn",
        "flask",
        "engineio",
        "simple-websocket",
        "action cable",
        "actioncable",
        "tomcat",
        "sanic",
    ];
    for e in ENTRIES {
        let name = format!("{} {}", e.name, e.family).to_ascii_lowercase();
        for r in reserved {
            assert!(
                !name.contains(r),
                "{} is reserved for the evaluation",
                e.name
            );
        }
    }
}

#[test]
fn close_reasons_read_as_their_products_document_them() {
    for c in CLOSE_REASONS {
        if let Some(reason) = c.reason {
            assert_eq!(
                close_reason_topic(c.code, reason),
                Some(c.topic),
                "{} {} {reason}",
                c.entry().name,
                c.code
            );
        }
    }
    // Standard codes mean what RFC 6455 and the IANA registry say, whoever sends them.
    assert_eq!(close_reason_topic(1008, ""), Some(Topic::Policy));
    assert_eq!(close_reason_topic(1011, ""), Some(Topic::Internal));
    assert_eq!(close_reason_topic(1013, ""), Some(Topic::Unavailable));
    assert_eq!(close_reason_topic(1014, ""), Some(Topic::Upstream));
    // A reason's words decide over the code: a 1008 about a token is about the credential.
    assert_eq!(close_reason_topic(1008, "Invalid token"), Some(Topic::Auth));
    assert_eq!(
        close_reason_topic(1008, "origin not allowed"),
        Some(Topic::Origin)
    );
    // A private code alone means something only when every product using it agrees.
    assert_eq!(close_reason_topic(4100, ""), Some(Topic::Unavailable));
    assert_eq!(close_reason_topic(4999, ""), None);
    assert_eq!(close_reason_topic(1000, ""), None);
}

#[test]
fn a_server_header_alone_does_not_decide_who_wrote_the_answer() {
    // nginx's own page: nginx wrote it.
    let own = parse_raw(b"HTTP/1.1 502 Bad Gateway\r\nServer: nginx/1.22.1\r\nContent-Type: text/html\r\n\r\n<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n");
    let at = attribute(&own);
    assert!(at.front_wrote_it >= 0.9, "{}", at.front_wrote_it);
    assert_eq!(at.body_topic, Some(Topic::Upstream));
    assert_eq!(at.supports, &["proxy.bad_gateway"]);
    // The same Server header on an application's JSON: relayed, the app wrote it.
    let relayed = parse_raw(b"HTTP/1.1 403 Forbidden\r\nServer: nginx/1.22.1\r\nContent-Type: application/json\r\n\r\n{\"error\":\"not allowed\"}");
    let at = attribute(&relayed);
    assert!(at.front_wrote_it <= 0.1, "{}", at.front_wrote_it);
    assert_eq!(at.supports, &["auth.credentials_rejected"]);
    // Its words say what it is about, in the one vocabulary the diagnosis reads too.
    let about_origin = parse_raw(b"HTTP/1.1 403 Forbidden\r\nServer: nginx/1.22.1\r\nContent-Type: application/json\r\n\r\n{\"error\":\"bad origin\"}");
    assert_eq!(attribute(&about_origin).body_topic, Some(Topic::Origin));
    assert_eq!(attribute(&about_origin).supports[0], "origin.rejected");
    // An empty body under a Server header: undecided.
    let empty = parse_raw(b"HTTP/1.1 403 Forbidden\r\nServer: nginx\r\nContent-Length: 0\r\n\r\n");
    assert!((attribute(&empty).front_wrote_it - 0.5).abs() < 1e-9);
}

#[test]
fn an_unknown_fronts_access_denied_page_is_a_refusal_not_a_credential_request() {
    let page = parse_raw(b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/html\r\n\r\n<html><head><title>Access Denied</title></head><body><h1>Access Denied</h1>Request blocked.</body></html>");
    let at = attribute(&page);
    assert!(at.product.is_none());
    assert_eq!(at.body_topic, Some(Topic::Denied));
    assert!(!at.supports.contains(&"auth.missing_credentials"));
    let bad_gateway = parse_raw(b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\n\r\n<h1>Bad Gateway</h1><p>The upstream server could not be reached.</p>");
    assert_eq!(attribute(&bad_gateway).body_topic, Some(Topic::Upstream));
}

#[test]
fn the_shortest_documented_idle_timeout_on_the_path_is_reported() {
    let behind_cloudflare =
        parse_raw(b"HTTP/1.1 404 Not Found\r\ncf-ray: 8a1b2c3d4e5f6789-FRA\r\nServer: cloudflare\r\nContent-Type: application/json\r\n\r\n{\"error\":\"nope\"}");
    let at = attribute(&behind_cloudflare);
    assert_eq!(at.idle_timeout_s(), Some(100));
    assert_eq!(at.idle_timeout.map(|t| t.product), Some("Cloudflare"));
    let both = parse_raw(b"HTTP/1.1 404 Not Found\r\ncf-ray: 8a1b2c3d4e5f6789-FRA\r\nServer: nginx\r\nContent-Type: application/json\r\n\r\n{\"error\":\"nope\"}");
    assert_eq!(attribute(&both).idle_timeout_s(), Some(60));
    let nothing = parse_raw(b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n\r\n{}");
    assert_eq!(attribute(&nothing).idle_timeout_s(), None);
}

#[test]
fn the_listing_names_every_product_once_fronts_first() {
    let mut out = Vec::new();
    render::listing(&mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().skip(2).collect();
    assert_eq!(lines.len(), ENTRIES.len());
    let sorted = render::sorted();
    for (line, e) in lines.iter().zip(&sorted) {
        assert!(line.starts_with(e.name), "{line} / {}", e.name);
    }
    let first_app = sorted.iter().position(|e| !e.is_front()).unwrap();
    assert!(sorted[..first_app].iter().all(|e| e.is_front()));
    assert!(sorted[first_app..].iter().all(|e| !e.is_front()));
}

#[test]
fn products_doc_matches_the_data() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/products.md");
    let want = render::markdown();
    if std::env::var_os("WSDOCTOR_BLESS").is_some() {
        std::fs::write(path, &want).unwrap();
    }
    let have = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        have == want,
        "docs/products.md is out of date: WSDOCTOR_BLESS=1 cargo test --lib catalogue::tests::products_doc_matches_the_data"
    );
}

#[test]
fn an_unknown_answer_is_attributed_by_its_shape() {
    // An error template naming its status, with a front's Via: most likely the front's own page.
    let page = parse_raw(b"HTTP/1.1 502 Bad Gateway\r\nVia: 1.1 edge-7\r\nContent-Type: text/html\r\n\r\n<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>");
    let at = attribute(&page);
    assert!(at.product.is_none());
    assert!(at.front_wrote_it >= 0.7, "{}", at.front_wrote_it);
    assert_eq!(at.supports, &["proxy.bad_gateway"]);
    // An application's JSON 404 through an unknown front: the application's answer.
    let json = parse_raw(b"HTTP/1.1 404 Not Found\r\nVia: 1.1 edge-7\r\nContent-Type: application/json\r\n\r\n{\"error\":\"no such room\"}");
    let at = attribute(&json);
    assert!(at.front_wrote_it <= 0.15, "{}", at.front_wrote_it);
    assert_eq!(at.supports, &["routing.not_found"]);
    // The old API keeps its even-handed 0.3 for both, so the engine reading it is unchanged.
    assert!((crate::fingerprint::proxy_authorship(&page) - 0.3).abs() < 1e-9);
    assert!((crate::fingerprint::proxy_authorship(&json) - 0.3).abs() < 1e-9);
}
