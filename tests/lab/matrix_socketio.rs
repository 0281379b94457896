//! Socket.IO (Node, socket.io 4.8, WebSocket transport only) behind each front proxy: the same
//! faults as `matrix_proxy.rs` and `matrix_app.rs` as Socket.IO users meet them. engine.io
//! refuses with 400 and the reason as the body (report 003's "expected status code 101 but was
//! 400"), and serves the WebSocket at `/socket.io/?EIO=4&transport=websocket`, a path a proxy
//! config written for `/ws` does not cover (Apache's `ProxyPass "/ws" … upgrade=websocket` leaves
//! it to the catch-all `ProxyPass "/"`, which does not upgrade). Plumbing: `support/scenario.rs`.

use crate::support::scenario::{self, Front};
use crate::support::stack::{App, Proxy, ALLOWED_ORIGIN, SOCKET_IO_PATH, VALID_TOKEN};

/// Probes Socket.IO behind `proxy` in the situation `front` and asserts the verdict (skipped
/// when a tool is missing outside CI).
fn check(test: &str, proxy: Proxy, front: Front, flags: &[&str], verdict: (&str, &str, i32)) {
    if let Some(run) = scenario::probe(test, proxy, front, App::SocketIo, SOCKET_IO_PATH, flags) {
        run.expect(verdict.0, verdict.1, verdict.2);
    }
}

// Control for /work/shared/seeds/000-004 ("after the fix: 101 Switching Protocols"): nginx's
// correct WebSocket config in front of Socket.IO.
#[test]
fn healthy_nginx_in_front_of_socket_io() {
    check(
        "healthy_nginx_in_front_of_socket_io",
        Proxy::Nginx,
        Front::Healthy,
        &["--token", VALID_TOKEN, "--origin", ALLOWED_ORIGIN],
        ("ok", "ok.healthy", 0),
    );
}

// Control for /work/shared/seeds/000-004 ("after the fix: 101 Switching Protocols"): Caddy in
// front of Socket.IO.
#[test]
fn healthy_caddy_in_front_of_socket_io() {
    check(
        "healthy_caddy_in_front_of_socket_io",
        Proxy::Caddy,
        Front::Healthy,
        &["--token", VALID_TOKEN, "--origin", ALLOWED_ORIGIN],
        ("ok", "ok.healthy", 0),
    );
}

// Control for /work/shared/seeds/000-004 ("after the fix: 101 Switching Protocols"): HAProxy in
// front of Socket.IO, the token in the handshake query (socket.io-client's `query: { token }`).
#[test]
fn healthy_haproxy_in_front_of_socket_io_query_token() {
    check(
        "healthy_haproxy_in_front_of_socket_io_query_token",
        Proxy::Haproxy,
        Front::Healthy,
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
// the upgrade enabled in front of Socket.IO.
#[test]
fn healthy_lighttpd_in_front_of_socket_io() {
    check(
        "healthy_lighttpd_in_front_of_socket_io",
        Proxy::Lighttpd,
        Front::Healthy,
        &["--token", VALID_TOKEN, "--origin", ALLOWED_ORIGIN],
        ("ok", "ok.healthy", 0),
    );
}

// /work/shared/seeds/001: nginx without proxy_http_version 1.1 / Upgrade / Connection in front of
// Socket.IO: engine.io answers the plain GET of its WebSocket transport with 400
// {"code":3,"message":"Bad request"}.
#[test]
fn report_001_nginx_without_upgrade_headers_in_front_of_socket_io() {
    check(
        "report_001_nginx_without_upgrade_headers_in_front_of_socket_io",
        Proxy::Nginx,
        Front::NoUpgrade,
        &["--token", VALID_TOKEN, "--origin", ALLOWED_ORIGIN],
        ("proxy", "proxy.upgrade_not_forwarded", 1),
    );
}

// /work/shared/seeds/001 on Apache: the WebSocket ProxyPass (upgrade=websocket) covers /ws only,
// so /socket.io/ goes through the catch-all `ProxyPass "/"` without the upgrade.
#[test]
fn report_001_apache_upgrades_only_ws_so_socket_io_gets_a_plain_get() {
    check(
        "report_001_apache_upgrades_only_ws_so_socket_io_gets_a_plain_get",
        Proxy::Apache,
        Front::Healthy,
        &["--token", VALID_TOKEN, "--origin", ALLOWED_ORIGIN],
        ("proxy", "proxy.upgrade_not_forwarded", 1),
    );
}

// /work/shared/seeds/001 on lighttpd: mod_proxy without proxy.header = ("upgrade" => "enable") in
// front of Socket.IO.
#[test]
fn report_001_lighttpd_without_upgrade_enable_in_front_of_socket_io() {
    check(
        "report_001_lighttpd_without_upgrade_enable_in_front_of_socket_io",
        Proxy::Lighttpd,
        Front::NoUpgrade,
        &["--token", VALID_TOKEN, "--origin", ALLOWED_ORIGIN],
        ("proxy", "proxy.upgrade_not_forwarded", 1),
    );
}

// /work/shared/seeds/003 cause 1 ("Authentication failure"): no token; behind HAProxy, Socket.IO's
// allowRequest refuses with 400 "missing token".
#[test]
fn report_003_missing_token_through_haproxy_socket_io() {
    check(
        "report_003_missing_token_through_haproxy_socket_io",
        Proxy::Haproxy,
        Front::Healthy,
        &["--origin", ALLOWED_ORIGIN],
        ("auth", "auth.missing_credentials", 1),
    );
}

// /work/shared/seeds/003 cause 1 ("present but invalid/expired"): behind nginx, Socket.IO refuses
// an expired token with 400 "invalid token".
#[test]
fn report_003_invalid_token_through_nginx_socket_io() {
    check(
        "report_003_invalid_token_through_nginx_socket_io",
        Proxy::Nginx,
        Front::Healthy,
        &[
            "--token",
            "lab-expired-token-0000",
            "--origin",
            ALLOWED_ORIGIN,
        ],
        ("auth", "auth.credentials_rejected", 1),
    );
}

// /work/shared/seeds/002: behind Caddy, Socket.IO's allowRequest refuses a page origin outside its
// allowlist with 400 "Origin not allowed".
#[test]
fn report_002_origin_outside_the_allowlist_through_caddy_socket_io() {
    check(
        "report_002_origin_outside_the_allowlist_through_caddy_socket_io",
        Proxy::Caddy,
        Front::Healthy,
        &[
            "--token",
            VALID_TOKEN,
            "--origin",
            "https://staging.lab.test",
        ],
        ("origin", "origin.rejected", 1),
    );
}

// /work/shared/seeds/003 ("which header reached the app"): the token in a cookie, which
// Socket.IO's allowRequest never reads (Bearer or the handshake query), behind nginx.
#[test]
fn report_003_cookie_credential_to_socket_io_through_nginx() {
    check(
        "report_003_cookie_credential_to_socket_io_through_nginx",
        Proxy::Nginx,
        Front::Healthy,
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
