//! fingerprint: names the server that produced an HTTP response (nginx, Caddy, HAProxy, Apache
//! httpd, Traefik, Envoy, Cloudflare, AWS ALB, uvicorn/FastAPI, Python websockets, Node `ws`,
//! Socket.IO, gorilla/websocket, Spring, ASP.NET Core, and every other product of the responder
//! catalogue) from its headers, body and status habits.
//!
//! The table is the catalogue's (`catalogue/*.toml`, compiled in by `build.rs`, see
//! `crate::catalogue`): each answer is backed by a documented response (its `source` and
//! `example`) or a captured one in `fixtures/fingerprints/` (see the README there for versions and
//! provenance). Pure: no I/O. It must not decide causes; `diagnose` asks it who answered and
//! decides.

use crate::catalogue;
use crate::model::WireResponse;

pub use crate::catalogue::{standard_reason, Cond, ResponderKind, Role};

/// One row of the table: a catalogued answer (`name`, `kind`, `role`, `situation`, `conds`,
/// `fixtures`, and what it means for the diagnosis).
pub type Signature = catalogue::Answer;

/// Who answered, as identified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Responder {
    /// Server name ("nginx", "uvicorn", "Node ws", …).
    pub name: &'static str,
    /// Proxy, CDN or app.
    pub kind: ResponderKind,
    /// Producer or path evidence.
    pub role: Role,
    /// What matched ("nginx's built-in error page").
    pub situation: &'static str,
}

/// The signature table, in identification order: producer answers first (most specific first),
/// then path answers.
pub static SIGNATURES: &[Signature] = catalogue::ANSWERS;

/// The producer of a response: the first producer signature that matches, else the first path
/// signature (only header evidence, so it may have relayed the response).
pub fn identify(resp: &WireResponse) -> Option<Responder> {
    catalogue::identify(resp).map(responder)
}

/// Intermediaries seen on the path of a response (proxies and CDNs from path signatures), other
/// than the producer.
pub fn intermediaries(resp: &WireResponse) -> Vec<Responder> {
    catalogue::fronts_on_path(resp)
        .into_iter()
        .map(responder)
        .collect()
}

fn responder(s: &Signature) -> Responder {
    Responder {
        name: s.name,
        kind: s.kind,
        role: s.role,
        situation: s.situation,
    }
}

/// How likely it is that an intermediary (proxy, CDN, load balancer) wrote this response itself
/// rather than relaying the application's answer: a probability, not a yes/no
/// (`catalogue::attribute(..).front_wrote_it`). A proxy's own page (its template, its header
/// habit) is near-certain; a `Server` header alone proves only that the proxy is on the path
/// (nginx, HAProxy and Caddy stamp or keep it on everything they relay), so then the body decides:
/// an application-shaped body (JSON, plain text, a framework's words) was relayed, an empty one
/// could be either.
pub fn proxy_authorship(resp: &WireResponse) -> f64 {
    let at = catalogue::attribute(resp);
    if at.answer.is_none() {
        // Nothing names anyone: an unknown front and an unknown app are equally likely (the
        // catalogue's shape-based reading is `attribute(..).front_wrote_it`).
        return 0.3;
    }
    at.front_wrote_it
}

/// True when every condition of `sig` holds for `resp`.
pub fn matches(sig: &Signature, resp: &WireResponse) -> bool {
    catalogue::matches(sig, resp)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::WireHeader;

    /// Parses a raw HTTP response (as captured on the wire) into a `WireResponse`.
    pub(crate) fn parse_raw(raw: &[u8]) -> WireResponse {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut r = httparse::Response::new(&mut headers);
        let n = match r.parse(raw) {
            Ok(httparse::Status::Complete(n)) => n,
            other => panic!("fixture does not parse: {other:?}"),
        };
        let body = String::from_utf8_lossy(&raw[n..]).to_string();
        WireResponse {
            version: format!("HTTP/1.{}", r.version.unwrap_or(1)),
            status: r.code.unwrap_or(0),
            reason: r.reason.unwrap_or("").to_string(),
            headers: r
                .headers
                .iter()
                .map(|h| WireHeader {
                    name: h.name.to_string(),
                    value: String::from_utf8_lossy(h.value).to_string(),
                })
                .collect(),
            body_bytes: body.len(),
            body_truncated: false,
            body_excerpt: body,
        }
    }

    fn fixture(name: &str) -> WireResponse {
        let path = format!(
            "{}/fixtures/fingerprints/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let raw = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        parse_raw(&raw)
    }

    #[test]
    fn every_fixture_named_by_a_signature_matches_it_and_identifies_as_its_server() {
        for sig in SIGNATURES {
            assert!(
                !sig.fixtures.is_empty() || sig.example.is_some(),
                "{} has neither a captured fixture nor a documented example",
                sig.situation
            );
            for f in sig.fixtures {
                let resp = fixture(f);
                assert!(matches(sig, &resp), "{f} does not match {}", sig.situation);
                if sig.role == Role::Producer {
                    assert_eq!(identify(&resp).map(|r| r.name), Some(sig.name), "{f}");
                }
            }
        }
    }

    #[test]
    fn every_fixture_file_is_named_by_some_signature_and_identifies_as_its_file_prefix() {
        let dir = format!("{}/fixtures/fingerprints", env!("CARGO_MANIFEST_DIR"));
        let prefixes = [
            ("nginx-fastapi", "FastAPI"),
            ("nginx-websockets", "Python websockets"),
            ("nginx", "nginx"),
            ("apache-fastapi", "FastAPI"),
            ("apache-uvicorn", "uvicorn"),
            ("apache", "Apache httpd"),
            ("caddy", "Caddy"),
            ("haproxy", "HAProxy"),
            ("traefik", "Traefik"),
            ("envoy", "Envoy"),
            ("cloudflare", "Cloudflare"),
            ("aws-alb", "AWS ALB"),
            ("uvicorn", "uvicorn"),
            ("uvicorn-starlette", "uvicorn"),
            ("uvicorn-sansio", "uvicorn"),
            ("uvicorn-wsproto", "uvicorn"),
            ("fastapi", "FastAPI"),
            ("websockets", "Python websockets"),
            ("node-ws", "Node ws"),
            ("socketio", "Socket.IO"),
            ("gorilla", "gorilla/websocket"),
            ("spring", "Spring"),
            ("spring-boot", "Spring"),
            ("aspnet-core", "ASP.NET Core"),
            ("lighttpd-node-ws", "Node ws"),
            ("lighttpd", "lighttpd"),
            ("aiohttp", "aiohttp"),
            ("tornado", "Tornado"),
        ];
        let mut count = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().to_string();
            if !name.ends_with(".http") {
                continue;
            }
            count += 1;
            assert!(
                SIGNATURES
                    .iter()
                    .any(|s| s.fixtures.contains(&name.as_str())),
                "{name} backs no signature"
            );
            let want = prefixes
                .iter()
                .find(|(p, _)| name.starts_with(&format!("{p}_")))
                .map(|(_, n)| *n)
                .unwrap_or_else(|| panic!("{name}: unknown prefix"));
            assert_eq!(
                identify(&fixture(&name)).map(|r| r.name),
                Some(want),
                "{name}"
            );
        }
        assert!(count >= 30);
    }

    #[test]
    fn relayed_app_answer_names_the_app_and_the_proxy_on_the_path() {
        let resp = fixture("nginx-fastapi_upgrade-not-forwarded_404.http");
        assert_eq!(identify(&resp).map(|r| r.name), Some("FastAPI"));
        let via: Vec<&str> = intermediaries(&resp).iter().map(|r| r.name).collect();
        assert_eq!(via, vec!["nginx"]);
        let own = fixture("nginx_deny_403.http");
        assert_eq!(identify(&own).map(|r| r.kind), Some(ResponderKind::Proxy));
        assert!(intermediaries(&own).is_empty());
    }

    #[test]
    fn apache_error_pages_are_its_own_with_or_without_the_server_header() {
        for f in [
            "apache_require-all-denied_403.http",
            "apache_servertokens-prod_403.http",
            "apache_upstream-down_503.http",
        ] {
            let mut resp = fixture(f);
            let who = identify(&resp).expect(f);
            assert_eq!(
                (who.name, who.kind, who.role),
                ("Apache httpd", ResponderKind::Proxy, Role::Producer),
                "{f}"
            );
            // A CDN or a header filter in front that removes Server leaves the page layout.
            resp.headers
                .retain(|h| !h.name.eq_ignore_ascii_case("server"));
            assert_eq!(
                identify(&resp).map(|r| (r.name, r.role)),
                Some(("Apache httpd", Role::Producer)),
                "{f} without Server"
            );
        }
        // Older 2.4 releases write the HTML 2.0 DOCTYPE; the layout after it is the same.
        let mut old = fixture("apache_require-all-denied_403.http");
        old.body_excerpt = old.body_excerpt.replacen(
            "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\" \"http://www.w3.org/TR/html4/strict.dtd\">",
            "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">",
            1,
        );
        assert!(old
            .body_excerpt
            .starts_with("<!DOCTYPE HTML PUBLIC \"-//IETF"));
        assert_eq!(identify(&old).map(|r| r.name), Some("Apache httpd"));
        // The same DOCTYPE without httpd's layout is somebody else's page.
        let other = parse_raw(b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/html\r\n\r\n<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\">\n<html><body>denied</body></html>");
        assert_eq!(identify(&other), None);
    }

    #[test]
    fn apache_relaying_an_app_answer_is_on_the_path_not_the_producer() {
        // mod_proxy keeps uvicorn's `Server: uvicorn`; httpd's Date/Server spelling gives it away.
        let relayed = fixture("apache-fastapi_upgrade-not-forwarded_404.http");
        assert_eq!(identify(&relayed).map(|r| r.name), Some("FastAPI"));
        let via: Vec<&str> = intermediaries(&relayed).iter().map(|r| r.name).collect();
        assert_eq!(via, vec!["Apache httpd"]);
        // uvicorn sent no Server header: httpd adds its own.
        let refusal = fixture("apache-uvicorn_relayed-close-before-accept_403.http");
        assert_eq!(identify(&refusal).map(|r| r.name), Some("uvicorn"));
        let via: Vec<&str> = intermediaries(&refusal).iter().map(|r| r.name).collect();
        assert_eq!(via, vec!["Apache httpd"]);
        // The same app answers without Apache: lower-case date/server (uvicorn itself), Server
        // before Date (nginx), every name lower-case (HAProxy) — no Apache.
        for raw in [
            "HTTP/1.1 404 Not Found\r\ndate: Mon, 23 Nov 2026 09:56:58 GMT\r\nserver: uvicorn\r\ncontent-length: 22\r\ncontent-type: application/json\r\n\r\n{\"detail\":\"Not Found\"}",
            "HTTP/1.1 404 Not Found\r\nServer: nginx/1.22.1\r\nDate: Mon, 23 Nov 2026 09:57:04 GMT\r\nContent-Type: application/json\r\nContent-Length: 22\r\n\r\n{\"detail\":\"Not Found\"}",
            "HTTP/1.1 404 Not Found\r\nDate: Mon, 23 Nov 2026 09:57:04 GMT\r\nServer: Apache-Coyote/1.1\r\nContent-Type: text/html\r\n\r\n",
        ] {
            let resp = parse_raw(raw.as_bytes());
            assert!(
                !intermediaries(&resp).iter().any(|r| r.name == "Apache httpd")
                    && identify(&resp).map(|r| r.name) != Some("Apache httpd"),
                "{raw}"
            );
        }
    }

    #[test]
    fn generic_responses_identify_as_nothing() {
        for raw in [
            "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 18\r\n\r\n<html>hello</html>",
            "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n\r\n{\"error\":\"not found\"}",
            "HTTP/1.1 401 Unauthorized\r\nContent-Type: text/plain\r\nWWW-Authenticate: Bearer\r\n\r\nUnauthorized",
            "HTTP/1.1 502 Bad Gateway\r\nServer: something\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBad Gateway",
        ] {
            let resp = parse_raw(raw.as_bytes());
            assert_eq!(identify(&resp), None, "{raw}");
        }
    }
}
