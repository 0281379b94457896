//! Products × faults, the application's side (issue: corpus of recorded real runs): behind each
//! front proxy's correct WebSocket config (nginx, Caddy, HAProxy, Apache httpd, lighttpd), each
//! app kind (FastAPI/uvicorn, Python websockets, Node ws, aiohttp, Tornado) healthy, refusing a
//! foreign Origin (report 002; after accept, report 004), refusing a missing or invalid credential
//! or one in the wrong place (report 003), answering a wrong path (404) and failing with an
//! exception in its WebSocket handler (500). Credentials: FastAPI reads Bearer, X-API-Key and
//! ?token=; websockets and ws read Bearer and ?token=; aiohttp also the `token` cookie; Tornado
//! only ?token= (see fixtures/apps/). The ticket flow of report 004 (JWT -> ticket endpoint ->
//! `?ticket=`) runs through each proxy too. Scenario plumbing: `support/scenario.rs`.

use crate::support::scenario::{check, Front};
use crate::support::stack::{
    App, Proxy, ALLOWED_ORIGIN, JWT_WITHOUT_SESSION, JWT_WITH_SESSION, TICKET_ORIGIN, VALID_TOKEN,
};

/// A token of the right shape that no app accepts (expired, revoked).
const WRONG_TOKEN: &str = "lab-expired-token-0000";
/// A page origin outside every lab app's allowlist (a staging frontend nobody added).
const FOREIGN_ORIGIN: &str = "https://staging.lab.test";

// Control for /work/shared/seeds/000-004 ("after the fix: 101 Switching Protocols"): nginx's
// correct WebSocket config in front of aiohttp.
#[test]
fn healthy_nginx_in_front_of_aiohttp() {
    check(
        "healthy_nginx_in_front_of_aiohttp",
        Proxy::Nginx,
        Front::Healthy,
        App::Aiohttp,
        "/ws",
        &["--token", VALID_TOKEN, "--origin", ALLOWED_ORIGIN],
        ("ok", "ok.healthy", 0),
    );
}

// Control for /work/shared/seeds/000-004 ("after the fix: 101 Switching Protocols"): nginx's
// correct WebSocket config in front of Tornado, the credential in ?token= (where Tornado reads
// it).
#[test]
fn healthy_nginx_in_front_of_tornado() {
    check(
        "healthy_nginx_in_front_of_tornado",
        Proxy::Nginx,
        Front::Healthy,
        App::Tornado,
        "/ws",
        &[
            "--token",
            VALID_TOKEN,
            "--auth",
            "query",
            "--origin",
            ALLOWED_ORIGIN,
        ],
        ("ok", "ok.healthy", 0),
    );
}

// Control for /work/shared/seeds/000-004 ("after the fix: 101 Switching Protocols"): Caddy's
// correct WebSocket config in front of aiohttp.
#[test]
fn healthy_caddy_in_front_of_aiohttp() {
    check(
        "healthy_caddy_in_front_of_aiohttp",
        Proxy::Caddy,
        Front::Healthy,
        App::Aiohttp,
        "/ws",
        &["--token", VALID_TOKEN, "--origin", ALLOWED_ORIGIN],
        ("ok", "ok.healthy", 0),
    );
}

// Control for /work/shared/seeds/000-004 ("after the fix: 101 Switching Protocols"): Caddy's
// correct WebSocket config in front of Tornado, the credential in ?token= (where Tornado reads
// it).
#[test]
fn healthy_caddy_in_front_of_tornado() {
    check(
        "healthy_caddy_in_front_of_tornado",
        Proxy::Caddy,
        Front::Healthy,
        App::Tornado,
        "/ws",
        &[
            "--token",
            VALID_TOKEN,
            "--auth",
            "query",
            "--origin",
            ALLOWED_ORIGIN,
        ],
        ("ok", "ok.healthy", 0),
    );
}

// Control for /work/shared/seeds/000-004 ("after the fix: 101 Switching Protocols"): HAProxy's
// correct WebSocket config in front of aiohttp.
#[test]
fn healthy_haproxy_in_front_of_aiohttp() {
    check(
        "healthy_haproxy_in_front_of_aiohttp",
        Proxy::Haproxy,
        Front::Healthy,
        App::Aiohttp,
        "/ws",
        &["--token", VALID_TOKEN, "--origin", ALLOWED_ORIGIN],
        ("ok", "ok.healthy", 0),
    );
}

// Control for /work/shared/seeds/000-004 ("after the fix: 101 Switching Protocols"): HAProxy's
// correct WebSocket config in front of Tornado, the credential in ?token= (where Tornado reads
// it).
#[test]
fn healthy_haproxy_in_front_of_tornado() {
    check(
        "healthy_haproxy_in_front_of_tornado",
        Proxy::Haproxy,
        Front::Healthy,
        App::Tornado,
        "/ws",
        &[
            "--token",
            VALID_TOKEN,
            "--auth",
            "query",
            "--origin",
            ALLOWED_ORIGIN,
        ],
        ("ok", "ok.healthy", 0),
    );
}

// Control for /work/shared/seeds/000-004 ("after the fix: 101 Switching Protocols"): Apache
// httpd's correct WebSocket config in front of aiohttp.
#[test]
fn healthy_apache_in_front_of_aiohttp() {
    check(
        "healthy_apache_in_front_of_aiohttp",
        Proxy::Apache,
        Front::Healthy,
        App::Aiohttp,
        "/ws",
        &["--token", VALID_TOKEN, "--origin", ALLOWED_ORIGIN],
        ("ok", "ok.healthy", 0),
    );
}

// Control for /work/shared/seeds/000-004 ("after the fix: 101 Switching Protocols"): Apache
// httpd's correct WebSocket config in front of Tornado, the credential in ?token= (where Tornado
// reads it).
#[test]
fn healthy_apache_in_front_of_tornado() {
    check(
        "healthy_apache_in_front_of_tornado",
        Proxy::Apache,
        Front::Healthy,
        App::Tornado,
        "/ws",
        &[
            "--token",
            VALID_TOKEN,
            "--auth",
            "query",
            "--origin",
            ALLOWED_ORIGIN,
        ],
        ("ok", "ok.healthy", 0),
    );
}

// Control for /work/shared/seeds/000-004 ("after the fix: 101 Switching Protocols"): lighttpd's
// correct WebSocket config in front of aiohttp.
#[test]
fn healthy_lighttpd_in_front_of_aiohttp() {
    check(
        "healthy_lighttpd_in_front_of_aiohttp",
        Proxy::Lighttpd,
        Front::Healthy,
        App::Aiohttp,
        "/ws",
        &["--token", VALID_TOKEN, "--origin", ALLOWED_ORIGIN],
        ("ok", "ok.healthy", 0),
    );
}

// Control for /work/shared/seeds/000-004 ("after the fix: 101 Switching Protocols"): lighttpd's
// correct WebSocket config in front of Tornado, the credential in ?token= (where Tornado reads
// it).
#[test]
fn healthy_lighttpd_in_front_of_tornado() {
    check(
        "healthy_lighttpd_in_front_of_tornado",
        Proxy::Lighttpd,
        Front::Healthy,
        App::Tornado,
        "/ws",
        &[
            "--token",
            VALID_TOKEN,
            "--auth",
            "query",
            "--origin",
            ALLOWED_ORIGIN,
        ],
        ("ok", "ok.healthy", 0),
    );
}

// Control for /work/shared/seeds/000-004 ("after the fix: 101 Switching Protocols"): lighttpd with
// proxy.header = ("upgrade" => "enable") in front of FastAPI.
#[test]
fn healthy_lighttpd_in_front_of_fastapi() {
    check(
        "healthy_lighttpd_in_front_of_fastapi",
        Proxy::Lighttpd,
        Front::Healthy,
        App::FastApi,
        "/ws",
        &["--token", VALID_TOKEN, "--origin", ALLOWED_ORIGIN],
        ("ok", "ok.healthy", 0),
    );
}

// Control for /work/shared/seeds/000-004 ("after the fix: 101 Switching Protocols"): lighttpd with
// proxy.header = ("upgrade" => "enable") in front of Python websockets.
#[test]
fn healthy_lighttpd_in_front_of_python_websockets() {
    check(
        "healthy_lighttpd_in_front_of_python_websockets",
        Proxy::Lighttpd,
        Front::Healthy,
        App::PyWebsockets,
        "/ws",
        &["--token", VALID_TOKEN, "--origin", ALLOWED_ORIGIN],
        ("ok", "ok.healthy", 0),
    );
}

// Control for /work/shared/seeds/000-004 ("after the fix: 101 Switching Protocols"): lighttpd with
// proxy.header = ("upgrade" => "enable") in front of Node ws.
#[test]
fn healthy_lighttpd_in_front_of_node_ws() {
    check(
        "healthy_lighttpd_in_front_of_node_ws",
        Proxy::Lighttpd,
        Front::Healthy,
        App::NodeWs,
        "/ws",
        &["--token", VALID_TOKEN, "--origin", ALLOWED_ORIGIN],
        ("ok", "ok.healthy", 0),
    );
}

// Control for /work/shared/seeds/000-004 ("after the fix: 101 Switching Protocols"): Apache's
// `upgrade=websocket` in front of Python websockets.
#[test]
fn healthy_apache_in_front_of_python_websockets() {
    check(
        "healthy_apache_in_front_of_python_websockets",
        Proxy::Apache,
        Front::Healthy,
        App::PyWebsockets,
        "/ws",
        &["--token", VALID_TOKEN, "--origin", ALLOWED_ORIGIN],
        ("ok", "ok.healthy", 0),
    );
}

// Control for /work/shared/seeds/000-004 ("after the fix: 101 Switching Protocols"): Apache's
// `upgrade=websocket` in front of Node ws.
#[test]
fn healthy_apache_in_front_of_node_ws() {
    check(
        "healthy_apache_in_front_of_node_ws",
        Proxy::Apache,
        Front::Healthy,
        App::NodeWs,
        "/ws",
        &["--token", VALID_TOKEN, "--origin", ALLOWED_ORIGIN],
        ("ok", "ok.healthy", 0),
    );
}

// Control for /work/shared/seeds/000-004 ("after the fix: 101 Switching Protocols"): nginx in
// front of aiohttp, the credential in the `token` cookie (a browser client on the same site).
#[test]
fn healthy_nginx_in_front_of_aiohttp_with_a_cookie_credential() {
    check(
        "healthy_nginx_in_front_of_aiohttp_with_a_cookie_credential",
        Proxy::Nginx,
        Front::Healthy,
        App::Aiohttp,
        "/ws",
        &[
            "--token",
            VALID_TOKEN,
            "--auth",
            "cookie",
            "--origin",
            ALLOWED_ORIGIN,
        ],
        ("ok", "ok.healthy", 0),
    );
}

// Control for /work/shared/seeds/000-004 ("after the fix: 101 Switching Protocols"): Caddy in
// front of FastAPI with --quick (the baseline only).
#[test]
fn healthy_caddy_in_front_of_fastapi_quick() {
    check(
        "healthy_caddy_in_front_of_fastapi_quick",
        Proxy::Caddy,
        Front::Healthy,
        App::FastApi,
        "/ws",
        &[
            "--token",
            VALID_TOKEN,
            "--origin",
            ALLOWED_ORIGIN,
            "--quick",
        ],
        ("ok", "ok.healthy", 0),
    );
}

// Control for /work/shared/seeds/000-004 ("after the fix: 101 Switching Protocols"): HAProxy in
// front of Node ws, the credential in the query and no --origin (a native client).
#[test]
fn healthy_haproxy_in_front_of_node_ws_query_token_without_origin() {
    check(
        "healthy_haproxy_in_front_of_node_ws_query_token_without_origin",
        Proxy::Haproxy,
        Front::Healthy,
        App::NodeWs,
        "/ws",
        &["--token", VALID_TOKEN, "--auth", "query"],
        ("ok", "ok.healthy", 0),
    );
}

// Control for /work/shared/seeds/000-004 ("after the fix: 101 Switching Protocols"): Apache in
// front of aiohttp with --direct to the app: every pair agrees.
#[test]
fn healthy_apache_in_front_of_aiohttp_with_direct() {
    check(
        "healthy_apache_in_front_of_aiohttp_with_direct",
        Proxy::Apache,
        Front::Healthy,
        App::Aiohttp,
        "/ws",
        &[
            "--token",
            VALID_TOKEN,
            "--auth",
            "query",
            "--origin",
            ALLOWED_ORIGIN,
            "--direct",
            "ws://{app}/ws",
        ],
        ("ok", "ok.healthy", 0),
    );
}

// /work/shared/seeds/002: the app checks Origin against an allowlist before accepting; behind
// nginx, Python websockets answers a page origin outside it with 403 "Origin not allowed".
#[test]
fn report_002_origin_outside_the_allowlist_through_nginx_python_websockets() {
    check(
        "report_002_origin_outside_the_allowlist_through_nginx_python_websockets",
        Proxy::Nginx,
        Front::Healthy,
        App::PyWebsockets,
        "/ws",
        &["--token", VALID_TOKEN, "--origin", FOREIGN_ORIGIN],
        ("origin", "origin.rejected", 1),
    );
}

// /work/shared/seeds/002: behind Caddy, Node ws's verifyClient refuses the foreign Origin with
// 403.
#[test]
fn report_002_origin_outside_the_allowlist_through_caddy_node_ws() {
    check(
        "report_002_origin_outside_the_allowlist_through_caddy_node_ws",
        Proxy::Caddy,
        Front::Healthy,
        App::NodeWs,
        "/ws",
        &["--token", VALID_TOKEN, "--origin", FOREIGN_ORIGIN],
        ("origin", "origin.rejected", 1),
    );
}

// /work/shared/seeds/002: behind HAProxy, aiohttp refuses the foreign Origin with 403 before
// ws.prepare().
#[test]
fn report_002_origin_outside_the_allowlist_through_haproxy_aiohttp() {
    check(
        "report_002_origin_outside_the_allowlist_through_haproxy_aiohttp",
        Proxy::Haproxy,
        Front::Healthy,
        App::Aiohttp,
        "/ws",
        &["--token", VALID_TOKEN, "--origin", FOREIGN_ORIGIN],
        ("origin", "origin.rejected", 1),
    );
}

// /work/shared/seeds/002: behind Apache, Tornado's check_origin refuses it (403 "Cross origin
// websockets not allowed"); the credential in ?token=.
#[test]
fn report_002_origin_outside_the_allowlist_through_apache_tornado() {
    check(
        "report_002_origin_outside_the_allowlist_through_apache_tornado",
        Proxy::Apache,
        Front::Healthy,
        App::Tornado,
        "/ws",
        &[
            "--token",
            VALID_TOKEN,
            "--auth",
            "query",
            "--origin",
            FOREIGN_ORIGIN,
        ],
        ("origin", "origin.rejected", 1),
    );
}

// /work/shared/seeds/002: behind lighttpd, FastAPI closes with 1008 before accept (uvicorn's 403).
#[test]
fn report_002_origin_outside_the_allowlist_through_lighttpd_fastapi() {
    check(
        "report_002_origin_outside_the_allowlist_through_lighttpd_fastapi",
        Proxy::Lighttpd,
        Front::Healthy,
        App::FastApi,
        "/ws",
        &["--token", VALID_TOKEN, "--origin", FOREIGN_ORIGIN],
        ("origin", "origin.rejected", 1),
    );
}

// /work/shared/seeds/002: behind nginx, aiohttp with the credential in a cookie refuses the
// foreign Origin.
#[test]
fn report_002_origin_outside_the_allowlist_through_nginx_aiohttp_cookie_token() {
    check(
        "report_002_origin_outside_the_allowlist_through_nginx_aiohttp_cookie_token",
        Proxy::Nginx,
        Front::Healthy,
        App::Aiohttp,
        "/ws",
        &[
            "--token",
            VALID_TOKEN,
            "--auth",
            "cookie",
            "--origin",
            FOREIGN_ORIGIN,
        ],
        ("origin", "origin.rejected", 1),
    );
}

// /work/shared/seeds/002: the report's own app (localhost allowlist, no auth) behind HAProxy, the
// page on a dev port missing from the list.
#[test]
fn report_002_localhost_allowlist_through_haproxy_refuses_a_dev_port() {
    check(
        "report_002_localhost_allowlist_through_haproxy_refuses_a_dev_port",
        Proxy::Haproxy,
        Front::Healthy,
        App::FastApiOriginAllowlist,
        "/ws/chat",
        &["--origin", "http://localhost:4000"],
        ("origin", "origin.rejected", 1),
    );
}

// /work/shared/seeds/002: behind lighttpd, Tornado refuses the foreign Origin; the credential in
// ?token=.
#[test]
fn report_002_origin_outside_the_allowlist_through_lighttpd_tornado() {
    check(
        "report_002_origin_outside_the_allowlist_through_lighttpd_tornado",
        Proxy::Lighttpd,
        Front::Healthy,
        App::Tornado,
        "/ws",
        &[
            "--token",
            VALID_TOKEN,
            "--auth",
            "query",
            "--origin",
            FOREIGN_ORIGIN,
        ],
        ("origin", "origin.rejected", 1),
    );
}

// /work/shared/seeds/002: behind Apache, Node ws refuses the foreign Origin; --quick (the baseline
// only: 403 "Origin not allowed").
#[test]
fn report_002_origin_outside_the_allowlist_through_apache_node_ws_quick() {
    check(
        "report_002_origin_outside_the_allowlist_through_apache_node_ws_quick",
        Proxy::Apache,
        Front::Healthy,
        App::NodeWs,
        "/ws",
        &[
            "--token",
            VALID_TOKEN,
            "--origin",
            FOREIGN_ORIGIN,
            "--quick",
        ],
        ("origin", "origin.rejected", 1),
    );
}

// /work/shared/seeds/003 cause 1 ("Authentication failure"): no credential sent; behind nginx,
// aiohttp answers 401 "missing token".
#[test]
fn report_003_missing_token_through_nginx_aiohttp() {
    check(
        "report_003_missing_token_through_nginx_aiohttp",
        Proxy::Nginx,
        Front::Healthy,
        App::Aiohttp,
        "/ws",
        &["--origin", ALLOWED_ORIGIN],
        ("auth", "auth.missing_credentials", 1),
    );
}

// /work/shared/seeds/003 cause 1 ("Authentication failure"): no credential; behind HAProxy,
// Tornado answers 401 {"error": "missing token"}.
#[test]
fn report_003_missing_token_through_haproxy_tornado() {
    check(
        "report_003_missing_token_through_haproxy_tornado",
        Proxy::Haproxy,
        Front::Healthy,
        App::Tornado,
        "/ws",
        &["--origin", ALLOWED_ORIGIN],
        ("auth", "auth.missing_credentials", 1),
    );
}

// /work/shared/seeds/003 cause 1 ("Authentication failure"): no credential; behind Apache, Python
// websockets answers 401 "Missing token".
#[test]
fn report_003_missing_token_through_apache_python_websockets() {
    check(
        "report_003_missing_token_through_apache_python_websockets",
        Proxy::Apache,
        Front::Healthy,
        App::PyWebsockets,
        "/ws",
        &["--origin", ALLOWED_ORIGIN],
        ("auth", "auth.missing_credentials", 1),
    );
}

// /work/shared/seeds/003 cause 1 ("Authentication failure"): no credential and no --origin; behind
// lighttpd, Node ws answers 401.
#[test]
fn report_003_missing_token_through_lighttpd_node_ws_without_origin() {
    check(
        "report_003_missing_token_through_lighttpd_node_ws_without_origin",
        Proxy::Lighttpd,
        Front::Healthy,
        App::NodeWs,
        "/ws",
        &[],
        ("auth", "auth.missing_credentials", 1),
    );
}

// /work/shared/seeds/003 cause 1 ("Authentication failure"): no credential; behind Caddy,
// FastAPI's 401 JSON, probed with --quick.
#[test]
fn report_003_missing_token_through_caddy_fastapi_quick() {
    check(
        "report_003_missing_token_through_caddy_fastapi_quick",
        Proxy::Caddy,
        Front::Healthy,
        App::FastApi,
        "/ws",
        &["--origin", ALLOWED_ORIGIN, "--quick"],
        ("auth", "auth.missing_credentials", 1),
    );
}

// /work/shared/seeds/003 cause 1 ("Authorization header is present but invalid/expired"): behind
// Caddy, aiohttp answers 401 "invalid token" (and "missing token" without one).
#[test]
fn report_003_invalid_token_through_caddy_aiohttp() {
    check(
        "report_003_invalid_token_through_caddy_aiohttp",
        Proxy::Caddy,
        Front::Healthy,
        App::Aiohttp,
        "/ws",
        &["--token", WRONG_TOKEN, "--origin", ALLOWED_ORIGIN],
        ("auth", "auth.credentials_rejected", 1),
    );
}

// /work/shared/seeds/003 cause 1 ("Authorization header is present but invalid/expired"): an
// expired token in ?token=; behind Apache, Tornado answers 401 {"error": "invalid token"}.
#[test]
fn report_003_invalid_query_token_through_apache_tornado() {
    check(
        "report_003_invalid_query_token_through_apache_tornado",
        Proxy::Apache,
        Front::Healthy,
        App::Tornado,
        "/ws",
        &[
            "--token",
            WRONG_TOKEN,
            "--auth",
            "query",
            "--origin",
            ALLOWED_ORIGIN,
        ],
        ("auth", "auth.credentials_rejected", 1),
    );
}

// /work/shared/seeds/003 cause 1 ("Authorization header is present but invalid/expired"): behind
// lighttpd, Python websockets answers 401 "Invalid token".
#[test]
fn report_003_invalid_token_through_lighttpd_python_websockets() {
    check(
        "report_003_invalid_token_through_lighttpd_python_websockets",
        Proxy::Lighttpd,
        Front::Healthy,
        App::PyWebsockets,
        "/ws",
        &["--token", WRONG_TOKEN, "--origin", ALLOWED_ORIGIN],
        ("auth", "auth.credentials_rejected", 1),
    );
}

// /work/shared/seeds/003 cause 1 ("Authorization header is present but invalid/expired"): in
// ?token=; behind nginx, Node ws answers 401 "Invalid token".
#[test]
fn report_003_invalid_query_token_through_nginx_node_ws() {
    check(
        "report_003_invalid_query_token_through_nginx_node_ws",
        Proxy::Nginx,
        Front::Healthy,
        App::NodeWs,
        "/ws",
        &[
            "--token",
            WRONG_TOKEN,
            "--auth",
            "query",
            "--origin",
            ALLOWED_ORIGIN,
        ],
        ("auth", "auth.credentials_rejected", 1),
    );
}

// /work/shared/seeds/003 cause 1 ("Authorization header is present but invalid/expired"): in
// X-API-Key (report 000's header); behind HAProxy, FastAPI answers 401 "invalid credentials".
#[test]
fn report_003_invalid_api_key_through_haproxy_fastapi() {
    check(
        "report_003_invalid_api_key_through_haproxy_fastapi",
        Proxy::Haproxy,
        Front::Healthy,
        App::FastApi,
        "/ws",
        &[
            "--token",
            WRONG_TOKEN,
            "--auth",
            "header:X-API-Key",
            "--origin",
            ALLOWED_ORIGIN,
        ],
        ("auth", "auth.credentials_rejected", 1),
    );
}

// /work/shared/seeds/003 ("which header reached the app"): the client sends a valid Bearer header,
// but Tornado reads the credential only from ?token=: behind nginx the header is refused as
// missing while the query placement upgrades.
#[test]
fn report_003_bearer_header_to_tornado_that_reads_only_the_query_through_nginx() {
    check(
        "report_003_bearer_header_to_tornado_that_reads_only_the_query_through_nginx",
        Proxy::Nginx,
        Front::Healthy,
        App::Tornado,
        "/ws",
        // The app reads only the query: found when the query is tried, which a default run
        // does not do (it would put the token in the access log).
        &[
            "--token",
            VALID_TOKEN,
            "--try-url-token",
            "--origin",
            ALLOWED_ORIGIN,
        ],
        ("auth", "auth.placement", 1),
    );
}

// /work/shared/seeds/003 ("which header reached the app"): the credential in a cookie, Tornado
// behind Caddy reads only ?token=.
#[test]
fn report_003_cookie_credential_to_tornado_that_reads_only_the_query_through_caddy() {
    check(
        "report_003_cookie_credential_to_tornado_that_reads_only_the_query_through_caddy",
        Proxy::Caddy,
        Front::Healthy,
        App::Tornado,
        "/ws",
        &[
            "--token",
            VALID_TOKEN,
            "--try-url-token",
            "--auth",
            "cookie",
            "--origin",
            ALLOWED_ORIGIN,
        ],
        ("auth", "auth.placement", 1),
    );
}

// /work/shared/seeds/003 ("which header reached the app"): the credential in a cookie, Python
// websockets behind HAProxy reads only Bearer and ?token=.
#[test]
fn report_003_cookie_credential_to_python_websockets_through_haproxy() {
    check(
        "report_003_cookie_credential_to_python_websockets_through_haproxy",
        Proxy::Haproxy,
        Front::Healthy,
        App::PyWebsockets,
        "/ws",
        &[
            "--token",
            VALID_TOKEN,
            "--auth",
            "cookie",
            "--origin",
            ALLOWED_ORIGIN,
        ],
        ("auth", "auth.placement", 1),
    );
}

// /work/shared/seeds/003 ("which header reached the app"): the credential as a Sec-WebSocket-
// Protocol value (a browser trick), FastAPI behind lighttpd never reads it.
#[test]
fn report_003_subprotocol_credential_to_fastapi_through_lighttpd() {
    check(
        "report_003_subprotocol_credential_to_fastapi_through_lighttpd",
        Proxy::Lighttpd,
        Front::Healthy,
        App::FastApi,
        "/ws",
        &[
            "--token",
            VALID_TOKEN,
            "--auth",
            "subprotocol",
            "--origin",
            ALLOWED_ORIGIN,
        ],
        ("auth", "auth.placement", 1),
    );
}

// /work/shared/seeds/003 ("which header reached the app"): the credential in a cookie, Node ws
// behind Apache reads only Bearer and ?token=.
#[test]
fn report_003_cookie_credential_to_node_ws_through_apache() {
    check(
        "report_003_cookie_credential_to_node_ws_through_apache",
        Proxy::Apache,
        Front::Healthy,
        App::NodeWs,
        "/ws",
        &[
            "--token",
            VALID_TOKEN,
            "--auth",
            "cookie",
            "--origin",
            ALLOWED_ORIGIN,
        ],
        ("auth", "auth.placement", 1),
    );
}

// /work/shared/seeds/003 cause 4 ("wrong path"): the client connects to /socket, a path aiohttp
// has no route for, behind nginx (404 "404: Not Found" to the upgrade and the plain GET alike).
#[test]
fn report_003_wrong_path_through_nginx_aiohttp_is_not_found() {
    check(
        "report_003_wrong_path_through_nginx_aiohttp_is_not_found",
        Proxy::Nginx,
        Front::Healthy,
        App::Aiohttp,
        "/socket",
        &["--token", VALID_TOKEN, "--origin", ALLOWED_ORIGIN],
        ("routing", "routing.not_found", 1),
    );
}

// /work/shared/seeds/003 cause 4 ("wrong path"): /ws/v2 on Tornado behind Caddy (Tornado's HTML
// 404 page), the credential in ?token=.
#[test]
fn report_003_wrong_path_through_caddy_tornado_is_not_found() {
    check(
        "report_003_wrong_path_through_caddy_tornado_is_not_found",
        Proxy::Caddy,
        Front::Healthy,
        App::Tornado,
        "/ws/v2",
        &[
            "--token",
            VALID_TOKEN,
            "--auth",
            "query",
            "--origin",
            ALLOWED_ORIGIN,
        ],
        ("routing", "routing.not_found", 1),
    );
}

// /work/shared/seeds/003 cause 4 ("wrong path"): /socket on aiohttp behind HAProxy, no --origin.
#[test]
fn report_003_wrong_path_through_haproxy_aiohttp_is_not_found() {
    check(
        "report_003_wrong_path_through_haproxy_aiohttp_is_not_found",
        Proxy::Haproxy,
        Front::Healthy,
        App::Aiohttp,
        "/socket",
        &["--token", VALID_TOKEN],
        ("routing", "routing.not_found", 1),
    );
}

// /work/shared/seeds/003 cause 4 ("wrong path"): /wss on Tornado behind lighttpd.
#[test]
fn report_003_wrong_path_through_lighttpd_tornado_is_not_found() {
    check(
        "report_003_wrong_path_through_lighttpd_tornado_is_not_found",
        Proxy::Lighttpd,
        Front::Healthy,
        App::Tornado,
        "/wss",
        &[
            "--token",
            VALID_TOKEN,
            "--auth",
            "query",
            "--origin",
            ALLOWED_ORIGIN,
        ],
        ("routing", "routing.not_found", 1),
    );
}

// /work/shared/seeds/003 cause 4 ("wrong path"): /ws/v2 on aiohttp behind Apache (ProxyPass "/ws"
// matches it and tunnels the upgrade; aiohttp has no such route).
#[test]
fn report_003_wrong_path_through_apache_aiohttp_is_not_found() {
    check(
        "report_003_wrong_path_through_apache_aiohttp_is_not_found",
        Proxy::Apache,
        Front::Healthy,
        App::Aiohttp,
        "/ws/v2",
        &["--token", VALID_TOKEN, "--origin", ALLOWED_ORIGIN],
        ("routing", "routing.not_found", 1),
    );
}

// server.error: aiohttp's WebSocket handler raises before ws.prepare() (a bug at startup: the
// database pool is missing); aiohttp answers its own 500 page, relayed by nginx.
#[test]
fn aiohttp_handler_raising_behind_nginx_is_server_error() {
    check(
        "aiohttp_handler_raising_behind_nginx_is_server_error",
        Proxy::Nginx,
        Front::Healthy,
        App::AiohttpError,
        "/ws",
        &["--token", VALID_TOKEN, "--origin", ALLOWED_ORIGIN],
        ("server", "server.error", 1),
    );
}

// server.error: the same aiohttp exception behind HAProxy.
#[test]
fn aiohttp_handler_raising_behind_haproxy_is_server_error() {
    check(
        "aiohttp_handler_raising_behind_haproxy_is_server_error",
        Proxy::Haproxy,
        Front::Healthy,
        App::AiohttpError,
        "/ws",
        &["--token", VALID_TOKEN, "--origin", ALLOWED_ORIGIN],
        ("server", "server.error", 1),
    );
}

// server.error: FastAPI's WebSocket route raises before accept; uvicorn answers 500 "Internal
// Server Error" (plain text), relayed by Caddy.
#[test]
fn fastapi_route_raising_before_accept_behind_caddy_is_server_error() {
    check(
        "fastapi_route_raising_before_accept_behind_caddy_is_server_error",
        Proxy::Caddy,
        Front::Healthy,
        App::FastApiWsError,
        "/ws",
        &["--token", VALID_TOKEN, "--origin", ALLOWED_ORIGIN],
        ("server", "server.error", 1),
    );
}

// /work/shared/seeds/004 "Happy Path" through nginx: JWT -> GET /api/v1/ws-ticket -> ?ticket=, the
// socket stays open.
#[test]
fn report_004_ticket_flow_through_nginx_is_healthy() {
    check(
        "report_004_ticket_flow_through_nginx_is_healthy",
        Proxy::Nginx,
        Front::Healthy,
        App::FastApiTickets,
        "/ws",
        &[
            "--token",
            JWT_WITH_SESSION,
            "--ticket-url",
            "{front}/api/v1/ws-ticket",
            "--origin",
            TICKET_ORIGIN,
        ],
        ("ok", "ok.healthy", 0),
    );
}

// /work/shared/seeds/004 "Happy Path" through HAProxy.
#[test]
fn report_004_ticket_flow_through_haproxy_is_healthy() {
    check(
        "report_004_ticket_flow_through_haproxy_is_healthy",
        Proxy::Haproxy,
        Front::Healthy,
        App::FastApiTickets,
        "/ws",
        &[
            "--token",
            JWT_WITH_SESSION,
            "--ticket-url",
            "{front}/api/v1/ws-ticket",
            "--origin",
            TICKET_ORIGIN,
        ],
        ("ok", "ok.healthy", 0),
    );
}

// /work/shared/seeds/004 Scenario 3 "Missing sessionId in JWT" through Caddy: the ticket endpoint
// answers 401 MISSING_SESSION (a hard failure).
#[test]
fn report_004_ticket_endpoint_401_through_caddy() {
    check(
        "report_004_ticket_endpoint_401_through_caddy",
        Proxy::Caddy,
        Front::Healthy,
        App::FastApiTickets,
        "/ws",
        &[
            "--token",
            JWT_WITHOUT_SESSION,
            "--ticket-url",
            "{front}/api/v1/ws-ticket",
            "--origin",
            TICKET_ORIGIN,
        ],
        ("auth", "auth.ticket_failed", 1),
    );
}

// /work/shared/seeds/004 Scenario 3 through lighttpd.
#[test]
fn report_004_ticket_endpoint_401_through_lighttpd() {
    check(
        "report_004_ticket_endpoint_401_through_lighttpd",
        Proxy::Lighttpd,
        Front::Healthy,
        App::FastApiTickets,
        "/ws",
        &[
            "--token",
            JWT_WITHOUT_SESSION,
            "--ticket-url",
            "{front}/api/v1/ws-ticket",
            "--origin",
            TICKET_ORIGIN,
        ],
        ("auth", "auth.ticket_failed", 1),
    );
}

// /work/shared/seeds/004 Scenario 4 "Redis Down" through Apache: the ticket endpoint answers 503
// REDIS_UNAVAILABLE (a soft failure), relayed by Apache.
#[test]
fn report_004_ticket_endpoint_503_through_apache() {
    check(
        "report_004_ticket_endpoint_503_through_apache",
        Proxy::Apache,
        Front::Healthy,
        App::FastApiTicketsStoreDown,
        "/ws",
        &[
            "--token",
            JWT_WITH_SESSION,
            "--ticket-url",
            "{front}/api/v1/ws-ticket",
            "--origin",
            TICKET_ORIGIN,
        ],
        ("auth", "auth.ticket_failed", 1),
    );
}

// /work/shared/seeds/004 Scenario 4 through nginx: the app's own 503 for the ticket, not a gateway
// fault of nginx.
#[test]
fn report_004_ticket_endpoint_503_through_nginx() {
    check(
        "report_004_ticket_endpoint_503_through_nginx",
        Proxy::Nginx,
        Front::Healthy,
        App::FastApiTicketsStoreDown,
        "/ws",
        &[
            "--token",
            JWT_WITH_SESSION,
            "--ticket-url",
            "{front}/api/v1/ws-ticket",
            "--origin",
            TICKET_ORIGIN,
        ],
        ("auth", "auth.ticket_failed", 1),
    );
}

// /work/shared/seeds/004 Scenario 5 "Origin Blocked" through HAProxy: a valid ticket, the socket
// is accepted, then closed with 1008 ORIGIN_BLOCKED for a page origin outside the allowlist.
#[test]
fn report_004_origin_blocked_after_accept_through_haproxy() {
    check(
        "report_004_origin_blocked_after_accept_through_haproxy",
        Proxy::Haproxy,
        Front::Healthy,
        App::FastApiTickets,
        "/ws",
        &[
            "--token",
            JWT_WITH_SESSION,
            "--ticket-url",
            "{front}/api/v1/ws-ticket",
            "--origin",
            "https://app.other.test",
        ],
        ("origin", "origin.rejected", 1),
    );
}

// /work/shared/seeds/004 Scenario 5 through Apache (the close frame tunnelled by mod_proxy_http's
// upgrade=websocket).
#[test]
fn report_004_origin_blocked_after_accept_through_apache() {
    check(
        "report_004_origin_blocked_after_accept_through_apache",
        Proxy::Apache,
        Front::Healthy,
        App::FastApiTickets,
        "/ws",
        &[
            "--token",
            JWT_WITH_SESSION,
            "--ticket-url",
            "{front}/api/v1/ws-ticket",
            "--origin",
            "https://app.other.test",
        ],
        ("origin", "origin.rejected", 1),
    );
}
