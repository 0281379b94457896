//! Lab tests: the real stacks (nginx, Caddy, HAProxy, Apache httpd, lighttpd in front of
//! FastAPI/uvicorn, Python websockets, Node ws, Socket.IO, aiohttp and Tornado), built from
//! `fixtures/`, each probed by the real `wsdoctor` binary. One test per scenario of the field
//! reports in /work/shared/seeds/ (see each test's comment). The products measured at first
//! contact (issue 25, `docs/accuracy.md`) have a module each (`litestar`, `falcon`, `granian`,
//! `fastify`, `hono`, `graphql_ws`, `express_ws`, `autobahn`, `mosquitto`, `sniproxy`, `pen`, `sockjs`);
//! a test whose cause the diagnosis missed at first contact is `#[ignore = "first contact: …"]`.
//! `generalise` holds issue 24's failure kinds, one or more tests each on real servers; a run the
//! diagnosis still misreads is `#[ignore = "issue 24: …"]` with what it says instead.
//!
//! Everything listens on 127.0.0.1 ports found by binding :0. Apps are shared per test binary;
//! proxies are started per test. Under CI=true a missing server is a failure; locally the test
//! is skipped with one line naming what to install (`scripts/setup` installs everything).

// The harness sets up servers, files and certificates: a failed step must fail the test loudly,
// with what failed, rather than be handled.
#![expect(
    clippy::expect_used,
    reason = "lab harness: a failed setup step fails the test with its message"
)]

/// The preamble of every lab test: names the test and the tools it needs, and returns from the
/// test when one is missing outside CI (`stack::require` fails the test under CI=true).
/// `let test = require!("report_000_…", Tool::Nginx, Tool::Python);`
macro_rules! require {
    ($test:expr, $($tool:expr),+ $(,)?) => {{
        let test: &str = $test;
        if !$crate::support::stack::require(test, &[$($tool),+]) {
            return;
        }
        test
    }};
}

mod support;

mod addresses;
mod apache;
mod auth;
mod autobahn;
mod browser;
mod capture;
mod direct;
mod engine_cases;
mod exchange;
mod exporter;
mod express_ws;
mod falcon;
mod fastify;
mod findings;
mod forward_proxy;
mod generalise;
mod granian;
mod graphql_ws;
mod headers;
mod healthy;
mod hono;
mod http2;
mod http2_501;
mod http2_apache;
mod idle;
mod litestar;
mod matrix_app;
mod matrix_proxy;
mod matrix_socketio;
mod mosquitto;
mod origin;
mod pen;
mod proxy;
mod routing;
mod scheme;
mod server;
mod sniproxy;
mod sockjs;
mod ticket;
mod tls;
mod variants;
