//! Products × faults, the proxy's side (issue: corpus of recorded real runs): the same fault
//! through each front proxy that can produce it with a realistic config (nginx, Caddy, HAProxy,
//! Apache httpd, lighttpd) in front of each app kind (FastAPI/uvicorn, Python websockets, Node ws,
//! aiohttp, Tornado), with the credential in different places and with or without `--origin`,
//! `--quick` and `--direct`. Upgrade not forwarded (report 001), the proxy's own deny rule and a
//! dead upstream (report 003), the WebSocket path routed to an app that refuses every upgrade
//! (report 000). Caddy and HAProxy forward upgrades by default, so they have no
//! upgrade-not-forwarded case. Scenario plumbing: `support/scenario.rs`.

use crate::support::scenario::{check, Front, PRINT_WS};
use crate::support::stack::{App, Proxy, ALLOWED_ORIGIN, VALID_TOKEN};

// /work/shared/seeds/001: nginx location without proxy_http_version 1.1 / Upgrade / Connection in
// front of aiohttp, whose ws.prepare() refuses the de-upgraded request with its own 400 "No
// WebSocket UPGRADE hdr".
#[test]
fn report_001_nginx_without_upgrade_headers_in_front_of_aiohttp() {
    check(
        "report_001_nginx_without_upgrade_headers_in_front_of_aiohttp",
        Proxy::Nginx,
        Front::NoUpgrade,
        App::Aiohttp,
        "/ws",
        &["--token", VALID_TOKEN, "--origin", ALLOWED_ORIGIN],
        ("proxy", "proxy.upgrade_not_forwarded", 1),
    );
}

// /work/shared/seeds/001: the same nginx location in front of Tornado (credential in ?token=, as
// Tornado reads it): Tornado answers the plain GET with 400 'Can "Upgrade" only to "WebSocket".'
#[test]
fn report_001_nginx_without_upgrade_headers_in_front_of_tornado() {
    check(
        "report_001_nginx_without_upgrade_headers_in_front_of_tornado",
        Proxy::Nginx,
        Front::NoUpgrade,
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
        ("proxy", "proxy.upgrade_not_forwarded", 1),
    );
}

// /work/shared/seeds/001: the nginx fault in front of Node ws, the credential in the query and no
// --origin (a mobile client, as in the report).
#[test]
fn report_001_nginx_without_upgrade_headers_node_ws_query_token_without_origin() {
    check(
        "report_001_nginx_without_upgrade_headers_node_ws_query_token_without_origin",
        Proxy::Nginx,
        Front::NoUpgrade,
        App::NodeWs,
        "/ws",
        &["--token", VALID_TOKEN, "--auth", "query"],
        ("proxy", "proxy.upgrade_not_forwarded", 1),
    );
}

// /work/shared/seeds/001: the nginx fault in front of FastAPI with --quick: the baseline alone
// (FastAPI's JSON 404 for its own WebSocket route) must still name the dropped upgrade.
#[test]
fn report_001_nginx_without_upgrade_headers_fastapi_quick() {
    check(
        "report_001_nginx_without_upgrade_headers_fastapi_quick",
        Proxy::Nginx,
        Front::NoUpgrade,
        App::FastApi,
        "/ws",
        &[
            "--token",
            VALID_TOKEN,
            "--origin",
            ALLOWED_ORIGIN,
            "--quick",
        ],
        ("proxy", "proxy.upgrade_not_forwarded", 1),
    );
}

// /work/shared/seeds/001: the nginx fault in front of Python websockets (505 for nginx's
// HTTP/1.0), with --direct to the app itself, which upgrades.
#[test]
fn report_001_nginx_without_upgrade_headers_websockets_with_direct() {
    check(
        "report_001_nginx_without_upgrade_headers_websockets_with_direct",
        Proxy::Nginx,
        Front::NoUpgrade,
        App::PyWebsockets,
        "/ws",
        &[
            "--token",
            VALID_TOKEN,
            "--origin",
            ALLOWED_ORIGIN,
            "--direct",
            "ws://{app}/ws",
        ],
        ("proxy", "proxy.upgrade_not_forwarded", 1),
    );
}

// /work/shared/seeds/001: on Apache: `ProxyPass "/ws" "http://…/ws"` without upgrade=websocket in
// front of Python websockets (its 426 for a request without Upgrade).
#[test]
fn report_001_apache_proxypass_without_upgrade_in_front_of_python_websockets() {
    check(
        "report_001_apache_proxypass_without_upgrade_in_front_of_python_websockets",
        Proxy::Apache,
        Front::NoUpgrade,
        App::PyWebsockets,
        "/ws",
        &["--token", VALID_TOKEN, "--origin", ALLOWED_ORIGIN],
        ("proxy", "proxy.upgrade_not_forwarded", 1),
    );
}

// /work/shared/seeds/001: on Apache in front of Node ws (the http.Server's 426).
#[test]
fn report_001_apache_proxypass_without_upgrade_in_front_of_node_ws() {
    check(
        "report_001_apache_proxypass_without_upgrade_in_front_of_node_ws",
        Proxy::Apache,
        Front::NoUpgrade,
        App::NodeWs,
        "/ws",
        &["--token", VALID_TOKEN, "--origin", ALLOWED_ORIGIN],
        ("proxy", "proxy.upgrade_not_forwarded", 1),
    );
}

// /work/shared/seeds/001: on Apache in front of aiohttp (400 "No WebSocket UPGRADE hdr").
#[test]
fn report_001_apache_proxypass_without_upgrade_in_front_of_aiohttp() {
    check(
        "report_001_apache_proxypass_without_upgrade_in_front_of_aiohttp",
        Proxy::Apache,
        Front::NoUpgrade,
        App::Aiohttp,
        "/ws",
        &["--token", VALID_TOKEN, "--origin", ALLOWED_ORIGIN],
        ("proxy", "proxy.upgrade_not_forwarded", 1),
    );
}

// /work/shared/seeds/001: on Apache in front of Tornado, the credential in ?token= (400 'Can
// "Upgrade" only to "WebSocket".').
#[test]
fn report_001_apache_proxypass_without_upgrade_in_front_of_tornado() {
    check(
        "report_001_apache_proxypass_without_upgrade_in_front_of_tornado",
        Proxy::Apache,
        Front::NoUpgrade,
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
        ("proxy", "proxy.upgrade_not_forwarded", 1),
    );
}

// /work/shared/seeds/001: on lighttpd: mod_proxy without proxy.header = ("upgrade" => "enable") in
// front of FastAPI (its JSON 404 for the plain GET of a WebSocket route). lighttpd relays the
// answer with uvicorn's own headers and adds none, so alone it reads like uvicorn without a
// WebSocket library; the user gives the app's own URL (--direct), which upgrades.
#[test]
fn report_001_lighttpd_without_upgrade_enable_in_front_of_fastapi_with_direct() {
    check(
        "report_001_lighttpd_without_upgrade_enable_in_front_of_fastapi_with_direct",
        Proxy::Lighttpd,
        Front::NoUpgrade,
        App::FastApi,
        "/ws",
        &[
            "--token",
            VALID_TOKEN,
            "--origin",
            ALLOWED_ORIGIN,
            "--direct",
            "ws://{app}/ws",
        ],
        ("proxy", "proxy.upgrade_not_forwarded", 1),
    );
}

// /work/shared/seeds/001: on lighttpd in front of Python websockets (lighttpd speaks HTTP/1.0
// upstream).
#[test]
fn report_001_lighttpd_without_upgrade_enable_in_front_of_python_websockets() {
    check(
        "report_001_lighttpd_without_upgrade_enable_in_front_of_python_websockets",
        Proxy::Lighttpd,
        Front::NoUpgrade,
        App::PyWebsockets,
        "/ws",
        &["--token", VALID_TOKEN, "--origin", ALLOWED_ORIGIN],
        ("proxy", "proxy.upgrade_not_forwarded", 1),
    );
}

// /work/shared/seeds/001: on lighttpd in front of Node ws.
#[test]
fn report_001_lighttpd_without_upgrade_enable_in_front_of_node_ws() {
    check(
        "report_001_lighttpd_without_upgrade_enable_in_front_of_node_ws",
        Proxy::Lighttpd,
        Front::NoUpgrade,
        App::NodeWs,
        "/ws",
        &["--token", VALID_TOKEN, "--origin", ALLOWED_ORIGIN],
        ("proxy", "proxy.upgrade_not_forwarded", 1),
    );
}

// /work/shared/seeds/001: on lighttpd in front of aiohttp, the credential in a cookie.
#[test]
fn report_001_lighttpd_without_upgrade_enable_in_front_of_aiohttp_cookie_token() {
    check(
        "report_001_lighttpd_without_upgrade_enable_in_front_of_aiohttp_cookie_token",
        Proxy::Lighttpd,
        Front::NoUpgrade,
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
        ("proxy", "proxy.upgrade_not_forwarded", 1),
    );
}

// /work/shared/seeds/001: on lighttpd in front of Tornado, the credential in ?token=, without
// --origin.
#[test]
fn report_001_lighttpd_without_upgrade_enable_in_front_of_tornado() {
    check(
        "report_001_lighttpd_without_upgrade_enable_in_front_of_tornado",
        Proxy::Lighttpd,
        Front::NoUpgrade,
        App::Tornado,
        "/ws",
        &["--token", VALID_TOKEN, "--auth", "query"],
        ("proxy", "proxy.upgrade_not_forwarded", 1),
    );
}

// /work/shared/seeds/003 cause 3 ("nginx rejecting request: no server logs appear"): `deny all;`
// on the WebSocket location in front of Node ws.
#[test]
fn report_003_nginx_deny_all_in_front_of_node_ws() {
    check(
        "report_003_nginx_deny_all_in_front_of_node_ws",
        Proxy::Nginx,
        Front::Deny,
        App::NodeWs,
        "/ws",
        &["--token", VALID_TOKEN, "--origin", ALLOWED_ORIGIN],
        ("proxy", "proxy.access_denied", 1),
    );
}

// /work/shared/seeds/003 cause 3: nginx `deny all;` in front of aiohttp, the credential in the
// query.
#[test]
fn report_003_nginx_deny_all_in_front_of_aiohttp_query_token() {
    check(
        "report_003_nginx_deny_all_in_front_of_aiohttp_query_token",
        Proxy::Nginx,
        Front::Deny,
        App::Aiohttp,
        "/ws",
        &[
            "--token",
            VALID_TOKEN,
            "--auth",
            "query",
            "--origin",
            ALLOWED_ORIGIN,
        ],
        ("proxy", "proxy.access_denied", 1),
    );
}

// /work/shared/seeds/003 cause 3 on Caddy: `respond @ws 403` ahead of reverse_proxy (empty body,
// Server: Caddy) in front of FastAPI.
#[test]
fn report_003_caddy_respond_403_in_front_of_fastapi() {
    check(
        "report_003_caddy_respond_403_in_front_of_fastapi",
        Proxy::Caddy,
        Front::Deny,
        App::FastApi,
        "/ws",
        &["--token", VALID_TOKEN, "--origin", ALLOWED_ORIGIN],
        ("proxy", "proxy.access_denied", 1),
    );
}

// /work/shared/seeds/003 cause 3 on Caddy in front of Python websockets, no --origin.
#[test]
fn report_003_caddy_respond_403_in_front_of_python_websockets() {
    check(
        "report_003_caddy_respond_403_in_front_of_python_websockets",
        Proxy::Caddy,
        Front::Deny,
        App::PyWebsockets,
        "/ws",
        &["--token", VALID_TOKEN],
        ("proxy", "proxy.access_denied", 1),
    );
}

// /work/shared/seeds/003 cause 3 on Caddy in front of aiohttp with --quick (the baseline only).
#[test]
fn report_003_caddy_respond_403_in_front_of_aiohttp_quick() {
    check(
        "report_003_caddy_respond_403_in_front_of_aiohttp_quick",
        Proxy::Caddy,
        Front::Deny,
        App::Aiohttp,
        "/ws",
        &[
            "--token",
            VALID_TOKEN,
            "--origin",
            ALLOWED_ORIGIN,
            "--quick",
        ],
        ("proxy", "proxy.access_denied", 1),
    );
}

// /work/shared/seeds/003 cause 3 on HAProxy: `http-request deny if { path_beg /ws }` in front of
// Node ws.
#[test]
fn report_003_haproxy_http_request_deny_in_front_of_node_ws() {
    check(
        "report_003_haproxy_http_request_deny_in_front_of_node_ws",
        Proxy::Haproxy,
        Front::Deny,
        App::NodeWs,
        "/ws",
        &["--token", VALID_TOKEN, "--origin", ALLOWED_ORIGIN],
        ("proxy", "proxy.access_denied", 1),
    );
}

// /work/shared/seeds/003 cause 3 on HAProxy in front of Tornado, the credential in ?token=.
#[test]
fn report_003_haproxy_http_request_deny_in_front_of_tornado() {
    check(
        "report_003_haproxy_http_request_deny_in_front_of_tornado",
        Proxy::Haproxy,
        Front::Deny,
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
        ("proxy", "proxy.access_denied", 1),
    );
}

// /work/shared/seeds/003 cause 3 on Apache: `Require all denied` on /ws in front of Python
// websockets.
#[test]
fn report_003_apache_require_all_denied_in_front_of_python_websockets() {
    check(
        "report_003_apache_require_all_denied_in_front_of_python_websockets",
        Proxy::Apache,
        Front::Deny,
        App::PyWebsockets,
        "/ws",
        &["--token", VALID_TOKEN, "--origin", ALLOWED_ORIGIN],
        ("proxy", "proxy.access_denied", 1),
    );
}

// /work/shared/seeds/003 cause 3 on lighttpd: `url.access-deny` on ^/ws in front of FastAPI.
#[test]
fn report_003_lighttpd_access_deny_in_front_of_fastapi() {
    check(
        "report_003_lighttpd_access_deny_in_front_of_fastapi",
        Proxy::Lighttpd,
        Front::Deny,
        App::FastApi,
        "/ws",
        &["--token", VALID_TOKEN, "--origin", ALLOWED_ORIGIN],
        ("proxy", "proxy.access_denied", 1),
    );
}

// /work/shared/seeds/003 cause 3 on lighttpd in front of Node ws with --quick.
#[test]
fn report_003_lighttpd_access_deny_in_front_of_node_ws_quick() {
    check(
        "report_003_lighttpd_access_deny_in_front_of_node_ws_quick",
        Proxy::Lighttpd,
        Front::Deny,
        App::NodeWs,
        "/ws",
        &[
            "--token",
            VALID_TOKEN,
            "--origin",
            ALLOWED_ORIGIN,
            "--quick",
        ],
        ("proxy", "proxy.access_denied", 1),
    );
}

// /work/shared/seeds/003 cause 4 ("wrong path or port"): nginx proxies to a closed port (502),
// probed with --quick.
#[test]
fn report_003_nginx_upstream_down_quick() {
    check(
        "report_003_nginx_upstream_down_quick",
        Proxy::Nginx,
        Front::UpstreamDown,
        App::FastApi,
        "/ws",
        &[
            "--token",
            VALID_TOKEN,
            "--origin",
            ALLOWED_ORIGIN,
            "--quick",
        ],
        ("proxy", "proxy.bad_gateway", 1),
    );
}

// /work/shared/seeds/003 cause 4 through Caddy (502, empty body), the credential in the query and
// no --origin.
#[test]
fn report_003_caddy_upstream_down_query_token_without_origin() {
    check(
        "report_003_caddy_upstream_down_query_token_without_origin",
        Proxy::Caddy,
        Front::UpstreamDown,
        App::FastApi,
        "/ws",
        &["--token", VALID_TOKEN, "--auth", "query"],
        ("proxy", "proxy.bad_gateway", 1),
    );
}

// /work/shared/seeds/003 cause 4 through HAProxy (its own 503 page), probed without any
// credential.
#[test]
fn report_003_haproxy_upstream_down_without_credential() {
    check(
        "report_003_haproxy_upstream_down_without_credential",
        Proxy::Haproxy,
        Front::UpstreamDown,
        App::FastApi,
        "/ws",
        &["--origin", ALLOWED_ORIGIN],
        ("proxy", "proxy.bad_gateway", 1),
    );
}

// /work/shared/seeds/003 cause 4 through Apache (503 and its proxy error page) with --quick.
#[test]
fn report_003_apache_upstream_down_quick() {
    check(
        "report_003_apache_upstream_down_quick",
        Proxy::Apache,
        Front::UpstreamDown,
        App::FastApi,
        "/ws",
        &[
            "--token",
            VALID_TOKEN,
            "--origin",
            ALLOWED_ORIGIN,
            "--quick",
        ],
        ("proxy", "proxy.bad_gateway", 1),
    );
}

// /work/shared/seeds/003 cause 4 through lighttpd: mod_proxy to a closed port answers 503 with
// lighttpd's page.
#[test]
fn report_003_lighttpd_upstream_down() {
    check(
        "report_003_lighttpd_upstream_down",
        Proxy::Lighttpd,
        Front::UpstreamDown,
        App::FastApi,
        "/ws",
        &["--token", VALID_TOKEN, "--origin", ALLOWED_ORIGIN],
        ("proxy", "proxy.bad_gateway", 1),
    );
}

// /work/shared/seeds/003 cause 4 through lighttpd, the credential in a cookie, with --quick.
#[test]
fn report_003_lighttpd_upstream_down_cookie_token_quick() {
    check(
        "report_003_lighttpd_upstream_down_cookie_token_quick",
        Proxy::Lighttpd,
        Front::UpstreamDown,
        App::FastApi,
        "/ws",
        &[
            "--token",
            VALID_TOKEN,
            "--auth",
            "cookie",
            "--origin",
            ALLOWED_ORIGIN,
            "--quick",
        ],
        ("proxy", "proxy.bad_gateway", 1),
    );
}

// /work/shared/seeds/000 on HAProxy: `use_backend api if print_ws` sends the print-server
// WebSocket path to the FastAPI API container (403 before auth for every WebSocket); the API key
// is valid.
#[test]
fn report_000_haproxy_routes_the_websocket_path_to_the_fastapi_api_container() {
    check(
        "report_000_haproxy_routes_the_websocket_path_to_the_fastapi_api_container",
        Proxy::Haproxy,
        Front::WrongUpstream {
            worker: App::FastApi,
        },
        App::FastApiApiContainer,
        PRINT_WS,
        &[
            "--token",
            VALID_TOKEN,
            "--auth",
            "header:X-API-Key",
            "--origin",
            ALLOWED_ORIGIN,
            // The key is good on the REST API: proof that decides the route (issue 14).
            "--auth-check",
            "{rest}/api/v1/print/servers",
        ],
        ("routing", "routing.wrong_upstream", 1),
    );
}

// /work/shared/seeds/000 on HAProxy with the API container written in aiohttp (its own "403:
// Forbidden" page), and the worker's own URL given with --direct.
#[test]
fn report_000_haproxy_routes_to_the_aiohttp_api_container_with_direct_worker() {
    check(
        "report_000_haproxy_routes_to_the_aiohttp_api_container_with_direct_worker",
        Proxy::Haproxy,
        Front::WrongUpstream {
            worker: App::Aiohttp,
        },
        App::AiohttpApiContainer,
        PRINT_WS,
        &[
            "--token",
            VALID_TOKEN,
            "--origin",
            ALLOWED_ORIGIN,
            "--direct",
            "ws://{worker}/api/v1/print/servers/42/ws",
        ],
        ("routing", "routing.wrong_upstream", 1),
    );
}

// /work/shared/seeds/000 on lighttpd: `$HTTP["url"] =~ "^/api/v1/print/servers/.+/ws"` proxied to
// the FastAPI API container.
#[test]
fn report_000_lighttpd_routes_the_websocket_path_to_the_fastapi_api_container() {
    check(
        "report_000_lighttpd_routes_the_websocket_path_to_the_fastapi_api_container",
        Proxy::Lighttpd,
        Front::WrongUpstream {
            worker: App::FastApi,
        },
        App::FastApiApiContainer,
        PRINT_WS,
        &[
            "--token",
            VALID_TOKEN,
            "--auth",
            "header:X-API-Key",
            "--origin",
            ALLOWED_ORIGIN,
            // The key is good on the REST API: proof that decides the route (issue 14).
            "--auth-check",
            "{rest}/api/v1/print/servers",
        ],
        ("routing", "routing.wrong_upstream", 1),
    );
}

// /work/shared/seeds/000 on lighttpd with a Tornado API container (HTTPError(403) in prepare()),
// the credential in ?token=.
#[test]
fn report_000_lighttpd_routes_to_the_tornado_api_container() {
    check(
        "report_000_lighttpd_routes_to_the_tornado_api_container",
        Proxy::Lighttpd,
        Front::WrongUpstream {
            worker: App::Tornado,
        },
        App::TornadoApiContainer,
        PRINT_WS,
        &[
            "--token",
            VALID_TOKEN,
            "--auth",
            "query",
            "--origin",
            ALLOWED_ORIGIN,
        ],
        // Nothing proves the key good: a refused key explains the run as well and is the more
        // common cause, so it comes first with the wrong route beside it (issue 14, situation 4).
        ("auth", "auth.credentials_rejected", 1),
    );
}

// /work/shared/seeds/000 on nginx with a Python websockets API container (403 "WebSocket
// connections are not served here"); websockets answers the site root with 426, so the user points
// --health-url at the health endpoint.
#[test]
fn report_000_nginx_routes_to_the_python_websockets_api_container() {
    check(
        "report_000_nginx_routes_to_the_python_websockets_api_container",
        Proxy::Nginx,
        Front::WrongUpstream {
            worker: App::PyWebsockets,
        },
        App::PyWebsocketsApiContainer,
        PRINT_WS,
        &[
            "--token",
            VALID_TOKEN,
            "--origin",
            ALLOWED_ORIGIN,
            "--health-url",
            "{front}/api/v1/health",
        ],
        // Nothing proves the key good: a refused key explains the run as well and is the more
        // common cause, so it comes first with the wrong route beside it (issue 14, situation 4).
        ("auth", "auth.credentials_rejected", 1),
    );
}

// /work/shared/seeds/000 on nginx with a Node ws API container (verifyClient refuses every
// handshake with 403).
#[test]
fn report_000_nginx_routes_to_the_node_ws_api_container() {
    check(
        "report_000_nginx_routes_to_the_node_ws_api_container",
        Proxy::Nginx,
        Front::WrongUpstream {
            worker: App::NodeWs,
        },
        App::NodeWsApiContainer,
        PRINT_WS,
        &[
            "--token",
            VALID_TOKEN,
            "--origin",
            ALLOWED_ORIGIN,
            // The bearer token is good on the REST API (issue 14: proof decides the route).
            "--auth-check",
            "{rest}/api/v1/print/servers",
        ],
        ("routing", "routing.wrong_upstream", 1),
    );
}

// /work/shared/seeds/000 on nginx with an aiohttp API container, the credential in the query.
#[test]
fn report_000_nginx_routes_to_the_aiohttp_api_container_query_token() {
    check(
        "report_000_nginx_routes_to_the_aiohttp_api_container_query_token",
        Proxy::Nginx,
        Front::WrongUpstream {
            worker: App::Aiohttp,
        },
        App::AiohttpApiContainer,
        PRINT_WS,
        &[
            "--token",
            VALID_TOKEN,
            "--auth",
            "query",
            "--origin",
            ALLOWED_ORIGIN,
            // The key is good on the REST API: proof that decides the route (issue 14).
            "--auth-check",
            "{rest}/api/v1/print/servers",
        ],
        ("routing", "routing.wrong_upstream", 1),
    );
}

// /work/shared/seeds/000 on nginx, the FastAPI API container, the API key in ?token= instead of
// X-API-Key.
#[test]
fn report_000_nginx_routes_to_the_fastapi_api_container_query_token() {
    check(
        "report_000_nginx_routes_to_the_fastapi_api_container_query_token",
        Proxy::Nginx,
        Front::WrongUpstream {
            worker: App::FastApi,
        },
        App::FastApiApiContainer,
        PRINT_WS,
        &[
            "--token",
            VALID_TOKEN,
            "--auth",
            "query",
            "--origin",
            ALLOWED_ORIGIN,
        ],
        // Nothing proves the key good: a refused key explains the run as well and is the more
        // common cause, so it comes first with the wrong route beside it (issue 14, situation 4).
        ("auth", "auth.credentials_rejected", 1),
    );
}

// /work/shared/seeds/000 on Caddy (`@print_ws path_regexp` handled by the API container) with a
// Tornado API container.
#[test]
fn report_000_caddy_routes_to_the_tornado_api_container() {
    check(
        "report_000_caddy_routes_to_the_tornado_api_container",
        Proxy::Caddy,
        Front::WrongUpstream {
            worker: App::Tornado,
        },
        App::TornadoApiContainer,
        PRINT_WS,
        &[
            "--token",
            VALID_TOKEN,
            "--auth",
            "query",
            "--origin",
            ALLOWED_ORIGIN,
            // The key is good on the REST API: proof that decides the route (issue 14).
            "--auth-check",
            "{rest}/api/v1/print/servers",
        ],
        ("routing", "routing.wrong_upstream", 1),
    );
}

// /work/shared/seeds/000 on Caddy with a Node ws API container and the worker's own URL given with
// --direct.
#[test]
fn report_000_caddy_routes_to_the_node_ws_api_container_with_direct_worker() {
    check(
        "report_000_caddy_routes_to_the_node_ws_api_container_with_direct_worker",
        Proxy::Caddy,
        Front::WrongUpstream {
            worker: App::NodeWs,
        },
        App::NodeWsApiContainer,
        PRINT_WS,
        &[
            "--token",
            VALID_TOKEN,
            "--origin",
            ALLOWED_ORIGIN,
            "--direct",
            "ws://{worker}/api/v1/print/servers/42/ws",
        ],
        ("routing", "routing.wrong_upstream", 1),
    );
}

// /work/shared/seeds/000 on Apache (`ProxyPassMatch` to the API container) with an aiohttp API
// container.
#[test]
fn report_000_apache_routes_to_the_aiohttp_api_container() {
    check(
        "report_000_apache_routes_to_the_aiohttp_api_container",
        Proxy::Apache,
        Front::WrongUpstream {
            worker: App::Aiohttp,
        },
        App::AiohttpApiContainer,
        PRINT_WS,
        &["--token", VALID_TOKEN, "--origin", ALLOWED_ORIGIN],
        // Nothing proves the token good: a refused token explains the run as well and is the
        // more common cause, so it comes first with the wrong route beside it (issue 14).
        ("auth", "auth.credentials_rejected", 1),
    );
}

// /work/shared/seeds/000 on Apache with a Python websockets API container and the worker's own URL
// given with --direct (and --health-url, since websockets answers / with 426).
#[test]
fn report_000_apache_routes_to_the_python_websockets_api_container_with_direct_worker() {
    check(
        "report_000_apache_routes_to_the_python_websockets_api_container_with_direct_worker",
        Proxy::Apache,
        Front::WrongUpstream {
            worker: App::PyWebsockets,
        },
        App::PyWebsocketsApiContainer,
        PRINT_WS,
        &[
            "--token",
            VALID_TOKEN,
            "--origin",
            ALLOWED_ORIGIN,
            "--direct",
            "ws://{worker}/api/v1/print/servers/42/ws",
            "--health-url",
            "{front}/api/v1/health",
        ],
        ("routing", "routing.wrong_upstream", 1),
    );
}
