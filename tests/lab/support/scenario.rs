//! scenario: one app behind one front proxy in one configuration, probed once — the unit of the
//! table-driven lab files (`tests/lab/matrix_*.rs`). A `Front` names the proxy's situation
//! (healthy, upgrade not forwarded, deny rule, dead upstream, WebSocket path routed to the API
//! container); each product's config for it lives in `fixtures/<product>/` beside the others.

use super::cli::{wsdoctor, Probe};
use super::stack::{self, App, Proxy, Scene};

/// The field reports' print-server WebSocket path (report 000), routed by the `wrong-upstream`
/// configs.
pub const PRINT_WS: &str = "/api/v1/print/servers/42/ws";

/// The front proxy's situation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Front {
    /// The product's correct WebSocket config (`ws-proxy.*`).
    Healthy,
    /// Upgrade and Connection are not forwarded (nginx `no-upgrade-headers.conf`, Apache and
    /// lighttpd `no-upgrade.conf`; Caddy and HAProxy forward upgrades by default).
    NoUpgrade,
    /// The proxy refuses the WebSocket path itself (`deny.*`).
    Deny,
    /// The upstream port is closed (nginx, Apache, lighttpd: `upstream-down.conf`; Caddy,
    /// HAProxy: their healthy config pointed at the closed port).
    UpstreamDown,
    /// The WebSocket path is routed to the app given (an "API container" that refuses every
    /// upgrade) instead of `worker` (`wrong-upstream.*`).
    WrongUpstream {
        /// The worker the route should have gone to.
        worker: App,
    },
}

/// Starts `proxy` in the situation `front` in front of `app`; returns the proxy's port.
pub fn start(scene: &mut Scene, proxy: Proxy, front: Front, app: App) -> u16 {
    let upstream = || vec![("UPSTREAM", stack::app(app).addr())];
    match front {
        Front::Healthy => proxy.start_healthy(scene, &stack::app(app).addr()),
        Front::NoUpgrade => {
            let stem = match proxy {
                Proxy::Nginx => "no-upgrade-headers",
                Proxy::Apache | Proxy::Lighttpd => "no-upgrade",
                Proxy::Caddy | Proxy::Haproxy => {
                    panic!("{} forwards upgrades by default", proxy.name())
                }
            };
            proxy.start(scene, stem, &upstream())
        }
        Front::Deny => proxy.start(scene, "deny", &upstream()),
        Front::UpstreamDown => {
            let down = format!("127.0.0.1:{}", scene.closed_port());
            match proxy {
                Proxy::Caddy | Proxy::Haproxy => proxy.start_healthy(scene, &down),
                _ => proxy.start(scene, "upstream-down", &[("UPSTREAM_DOWN", down)]),
            }
        }
        Front::WrongUpstream { worker } => proxy.start(
            scene,
            "wrong-upstream",
            &[
                ("UPSTREAM_API", stack::app(app).addr()),
                ("UPSTREAM_WORKER", stack::app(worker).addr()),
            ],
        ),
    }
}

/// The tools a scenario needs: the proxy's, the app's and, for a wrong route, the worker's.
pub fn tools(proxy: Proxy, front: Front, app: App) -> Vec<stack::Tool> {
    let mut tools = vec![proxy.tool()];
    if front != Front::UpstreamDown {
        tools.push(app.tool());
    }
    if let Front::WrongUpstream { worker } = front {
        tools.push(worker.tool());
    }
    tools
}

/// Runs `app` behind `proxy` in the situation `front` and probes `ws://127.0.0.1:<port><path>`
/// with `flags`; `None` when a tool is missing outside CI (the test is skipped with one line).
/// `{front}` in a flag is replaced by `http://127.0.0.1:<port>` (for `--health-url`), `{app}` by
/// the app's own `127.0.0.1:<port>` (for `--direct`), `{worker}` by the wrong route's worker's and
/// `{rest}` by `http://` + the FastAPI app's address: the company's REST API, which serves the same
/// key (`GET /api/v1/print/servers`, for `--auth-check`).
pub fn probe(
    test: &str,
    proxy: Proxy,
    front: Front,
    app: App,
    path: &str,
    flags: &[&str],
) -> Option<Probe> {
    if !stack::require(test, &tools(proxy, front, app)) {
        return None;
    }
    let mut scene = Scene::new(test);
    let port = start(&mut scene, proxy, front, app);
    let front_url = format!("http://127.0.0.1:{port}");
    let app_addr = || stack::app(app).addr();
    let worker_addr = || match front {
        Front::WrongUpstream { worker } => stack::app(worker).addr(),
        _ => app_addr(),
    };
    let mut args = vec![format!("ws://127.0.0.1:{port}{path}")];
    for flag in flags {
        let mut f = flag.replace("{front}", &front_url);
        if f.contains("{app}") {
            f = f.replace("{app}", &app_addr());
        }
        if f.contains("{worker}") {
            f = f.replace("{worker}", &worker_addr());
        }
        if f.contains("{rest}") {
            f = f.replace(
                "{rest}",
                &format!("http://{}", stack::app(App::FastApi).addr()),
            );
        }
        args.push(f);
    }
    Some(wsdoctor(&args))
}

/// Runs one scenario and asserts its verdict (skipped when a tool is missing outside CI): the
/// one line of every table-driven lab test.
pub fn check(
    test: &str,
    proxy: Proxy,
    front: Front,
    app: App,
    path: &str,
    flags: &[&str],
    (category, cause, exit): (&str, &str, i32),
) {
    if let Some(run) = probe(test, proxy, front, app, path, flags) {
        run.expect(category, cause, exit);
    }
}
