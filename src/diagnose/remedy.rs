//! remedy: what to change, fitted to the run — the cause's own remedy lines (its home's, in
//! `causes`) after the lines the run's evidence makes the fix, and config snippets for the
//! fingerprinted responder (nginx, Caddy, HAProxy, Apache httpd, Traefik, Envoy; FastAPI/Starlette,
//! Python websockets, Node ws, Socket.IO, Spring, ASP.NET Core, gorilla), each shown only when
//! the run shows what it needs. Pure data and selection.

use super::cause::Cause;
use super::evidence::{self, Facts};
use crate::catalogue;
use crate::model::{ids, AttemptRecord, CredentialPlacement, Snippet};

/// What a run's evidence must show before a snippet (or a fitted remedy line) is offered as the
/// fix: a row is shown only when every condition it names holds in `Context` (issue 28 point 7).
/// The responder a snippet configures is the row's target; these are the other conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// A proxy, CDN or other intermediary is on the path: an answer carries its fingerprint, or
    /// the user named the backend behind it with `--direct`.
    Intermediary,
    /// The credential header does not arrive: the header placement is refused exactly as no
    /// credential is, and (with `--direct`) the backend does not refuse the header itself.
    HeaderLost,
    /// Another credential placement than the one used was accepted in this run (`{worked}` in a
    /// line names it).
    PlacementWorked,
}

/// (cause, target, where it goes, lang, code, needs). The first rows of a cause whose needs hold
/// are its defaults when no responder was fingerprinted.
type Row = (
    Cause,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [Needs],
);

/// Remedy lines that hold only when the run shows their conditions; they come before the cause's
/// general lines (the evidence makes them the fix).
const FITTED_LINES: &[(Cause, &[Needs], &str)] = &[
    (
        Cause::AuthPlacement,
        &[Needs::PlacementWorked],
        "send the credential as {worked}: the server accepts it there in this run",
    ),
    (
        Cause::AuthPlacement,
        &[Needs::Intermediary, Needs::HeaderLost],
        "or make the proxy forward the header: through it the header is answered as if no credential had been sent",
    ),
];

/// What the run's evidence shows about its path, for choosing snippets and lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// Fingerprinted responders of the decisive answer, producer first.
    pub responders: Vec<&'static str>,
    /// A proxy, CDN or other intermediary is on the path.
    pub intermediary: bool,
    /// The credential header does not arrive (see `Needs::HeaderLost`).
    pub header_lost: bool,
    /// The label of the first credential placement that was accepted while the baseline was not.
    pub worked: Option<String>,
}

impl Context {
    /// Reads the run: the decisive attempt's responders, every public answer's fingerprints, the
    /// credential variants.
    pub fn of(facts: &Facts, decisive: Option<&AttemptRecord>) -> Context {
        let responders = decisive.map(evidence::responder_names).unwrap_or_default();
        let public = || facts.run.attempts.iter().filter(|a| !a.variant.direct);
        let intermediary = facts.run.direct.is_some()
            || public().any(|a| {
                !evidence::intermediaries(a).is_empty()
                    || evidence::producer(a).is_some_and(|r| r.kind.is_intermediary())
            });
        let is_header = |a: &&AttemptRecord| {
            matches!(a.variant.credential, CredentialPlacement::Header { .. })
                && !a.variant.wrong_credential
                && !a.outcome.is_success()
        };
        let none = facts.get(ids::CREDENTIAL_NONE);
        let refused_like_none = public()
            .filter(is_header)
            .any(|h| none.is_some_and(|n| evidence::same_answer(h, n)));
        let refused_directly = facts
            .run
            .attempts
            .iter()
            .filter(|a| a.variant.direct)
            .any(|a| is_header(&a));
        let base_refused = facts.base().is_some_and(|b| !b.outcome.is_success());
        let worked = facts
            .placements()
            .find(|a| a.outcome.is_success() && base_refused)
            .map(|a| a.variant.label.clone());
        Context {
            responders,
            intermediary,
            header_lost: refused_like_none && !refused_directly,
            worked,
        }
    }

    fn holds(&self, needs: &[Needs]) -> bool {
        needs.iter().all(|n| match n {
            Needs::Intermediary => self.intermediary,
            Needs::HeaderLost => self.header_lost,
            Needs::PlacementWorked => self.worked.is_some(),
        })
    }
}

/// The remedy lines for a cause in this run: the fitted lines whose needs hold, then the general
/// ones.
pub fn lines_for(cause: Cause, ctx: &Context) -> Vec<String> {
    let mut out: Vec<String> = FITTED_LINES
        .iter()
        .filter(|(c, needs, _)| *c == cause && ctx.holds(needs))
        .map(|(_, _, text)| text.replace("{worked}", ctx.worked.as_deref().unwrap_or("")))
        .collect();
    out.extend(
        super::causes::home(cause)
            .remedies
            .iter()
            .map(|l| l.to_string()),
    );
    out
}

const SNIPPETS: &[Row] = &[
    (
        Cause::TlsClientCertRequired,
        "nginx",
        "ask for a client certificate but decide per location",
        "nginx",
        "ssl_client_certificate /etc/nginx/client-ca.pem;  # the CA that issues client certificates\nssl_verify_client optional;                       # ask; let requests without one through\n\nlocation /ws {\n    if ($ssl_client_verify != SUCCESS) { return 403; }\n    # … the usual WebSocket proxying …\n}",
        &[],
    ),
    (
        Cause::TlsClientCertRejected,
        "nginx",
        "trust the CA (and depth) that issued the client certificates",
        "nginx",
        "ssl_client_certificate /etc/nginx/client-ca.pem;  # root + intermediates that issue client certs\nssl_verify_client on;\nssl_verify_depth 2;                               # leaf → intermediate → root",
        &[],
    ),
    (
        Cause::TlsAlpnH2Only,
        "Node.js",
        "let HTTP/1.1 clients (and WebSocket upgrades) in",
        "js",
        "const server = http2.createSecureServer({ key, cert, allowHTTP1: true });\nserver.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)));",
        &[],
    ),
    (
        Cause::ServerLoopbackBind,
        "Node.js",
        "listen on every loopback address, IPv6 and IPv4 alike",
        "js",
        "server.listen(port, '::');          // dual-stack: ::1 and 127.0.0.1 (no host = the same)\n// or keep the client on IPv4: new WebSocket('ws://127.0.0.1:' + port)",
        &[],
    ),
    (
        Cause::ServerLoopbackBind,
        "uvicorn",
        "listen on IPv6 and IPv4 loopback",
        "sh",
        "uvicorn app:app --host '::' --port 8000   # dual-stack on Linux: takes 127.0.0.1 too",
        &[],
    ),
    (
        Cause::ServerHttp2Only,
        "Go",
        "serve HTTP/1.1 (and WebSocket upgrades) and h2c on one port",
        "go",
        "h2s := &http2.Server{}\nsrv := &http.Server{Addr: \":8080\", Handler: h2c.NewHandler(mux, h2s)}  // golang.org/x/net/http2/h2c",
        &[],
    ),
    (
        Cause::ServerWebsocketUnsupported,
        "uvicorn",
        "install a WebSocket implementation next to uvicorn (it logs \"Unsupported upgrade request\" without one)",
        "sh",
        "pip install 'uvicorn[standard]'        # or: pip install websockets\nuvicorn app:app --ws auto               # never --ws none for a WebSocket app",
        &[],
    ),
    (
        Cause::ServerWebsocketUnsupported,
        "gunicorn",
        "run the ASGI app on uvicorn workers (sync WSGI workers cannot upgrade)",
        "sh",
        "gunicorn app:app -k uvicorn.workers.UvicornWorker",
        &[],
    ),
    (
        Cause::ProxyHttp2WebsocketRefused,
        "HAProxy",
        "stop advertising WebSockets over HTTP/2 on the frontend: browsers then upgrade over HTTP/1.1",
        "haproxy",
        "frontend fe_https\n  bind :443 ssl crt /etc/haproxy/site.pem alpn h2,http/1.1\n  option h2-workaround-bogus-websocket-clients",
        &[],
    ),
    (
        Cause::ProxyHttp2WebsocketRefused,
        "Node",
        "an http2 server that advertises extended CONNECT must answer it; without a CONNECT handler, drop the setting",
        "js",
        "http2.createSecureServer({ cert, key, allowHTTP1: true /* no settings: { enableConnectProtocol: true } */ }, app);",
        &[],
    ),
    (
        Cause::ProxyHttp2WebsocketRefused,
        "Apache httpd",
        "mod_http2's WebSockets over HTTP/2 (2.4.58+): off until the proxied route handles them",
        "apache",
        "H2WebSockets off",
        &[],
    ),
    (
        Cause::ProxyUpgradeNotForwarded,
        "nginx",
        "in the location that serves the WebSocket path",
        "nginx",
        "proxy_http_version 1.1;\nproxy_set_header Upgrade $http_upgrade;\nproxy_set_header Connection \"upgrade\";\nproxy_read_timeout 300s;",
        &[],
    ),
    (
        Cause::ProxyUpgradeNotForwarded,
        "HAProxy",
        "HAProxy forwards upgrades by default in HTTP mode; remove anything that rewrites Connection",
        "haproxy",
        "defaults\n  mode http\n  option http-server-close   # not 'httpclose'\n  timeout tunnel 1h",
        &[],
    ),
    (
        Cause::ProxyUpgradeNotForwarded,
        "Caddy",
        "reverse_proxy forwards upgrades by default; drop header_up lines that overwrite Connection/Upgrade",
        "caddyfile",
        "handle /ws* {\n    reverse_proxy backend:8000\n}",
        &[],
    ),
    (
        Cause::ProxyUpgradeNotForwarded,
        "Apache httpd",
        "2.4.47+: let mod_proxy_http tunnel the upgrade on the WebSocket path (before any ProxyPass \"/\")",
        "apache",
        "# LoadModule proxy_module / proxy_http_module\nProxyPass \"/ws\" \"http://backend:8000/ws\" upgrade=websocket timeout=300\nProxyPass \"/\" \"http://backend:8000/\"",
        &[],
    ),
    (
        Cause::ProxyUpgradeNotForwarded,
        "Apache httpd",
        "before 2.4.47: mod_proxy_wstunnel with a ws:// URL, or a RewriteRule for upgrade requests only",
        "apache",
        "# LoadModule proxy_wstunnel_module (and rewrite_module for the RewriteRule form)\nProxyPass \"/ws\" \"ws://backend:8000/ws\"\n# or, when the same paths also serve plain HTTP:\nRewriteEngine on\nRewriteCond %{HTTP:Upgrade} websocket [NC]\nRewriteCond %{HTTP:Connection} upgrade [NC]\nRewriteRule ^/?(.*) \"ws://backend:8000/$1\" [P,L]",
        &[],
    ),
    (
        Cause::ProxyUpgradeNotForwarded,
        "lighttpd",
        "mod_proxy passes the upgrade only when told to (lighttpd 1.4.46+)",
        "lighttpd",
        "server.modules += (\"mod_proxy\")\n$HTTP[\"url\"] =~ \"^/ws\" {\n    proxy.server = (\"\" => ((\"host\" => \"127.0.0.1\", \"port\" => 8000)))\n    proxy.header = (\"upgrade\" => \"enable\")\n}",
        &[],
    ),
    (
        Cause::ProxyUpgradeNotForwarded,
        "Traefik",
        "Traefik forwards upgrades; a middleware that strips headers breaks them",
        "yaml",
        "http:\n  routers:\n    ws:\n      rule: PathPrefix(`/ws`)\n      service: app   # no headers middleware removing Connection/Upgrade",
        &[],
    ),
    (
        Cause::ProxyUpgradeNotForwarded,
        "Envoy",
        "in the HttpConnectionManager",
        "yaml",
        "upgrade_configs:\n  - upgrade_type: websocket",
        &[],
    ),
    (
        Cause::RoutingWrongUpstream,
        "nginx",
        "a location for the WebSocket path that points at the WebSocket backend",
        "nginx",
        "location ~ ^/ws/ {\n    proxy_pass http://websocket-backend:8002;\n    proxy_http_version 1.1;\n    proxy_set_header Upgrade $http_upgrade;\n    proxy_set_header Connection \"upgrade\";\n    proxy_set_header Host $host;\n    proxy_read_timeout 300s;\n}",
        &[],
    ),
    (
        Cause::RoutingWrongUpstream,
        "Caddy",
        "a matcher for the WebSocket path, before the catch-all",
        "caddyfile",
        "@ws path_regexp ^/ws/\nhandle @ws {\n    reverse_proxy websocket-backend:8002\n}",
        &[],
    ),
    (
        Cause::RoutingWrongUpstream,
        "HAProxy",
        "in the frontend",
        "haproxy",
        "acl is_ws path_beg /ws/\nuse_backend websocket_workers if is_ws\n\nbackend websocket_workers\n  timeout tunnel 1h\n  server w1 websocket-backend:8002",
        &[],
    ),
    (
        Cause::RoutingWrongUpstream,
        "Apache httpd",
        "a ProxyPassMatch for the WebSocket path to the WebSocket backend, before the catch-all ProxyPass",
        "apache",
        "ProxyPassMatch \"^/ws/(.*)$\" \"http://websocket-backend:8002/ws/$1\" upgrade=websocket\nProxyPass \"/\" \"http://api-backend:8001/\"   # first match wins: keep the catch-all last",
        &[],
    ),
    (
        Cause::RoutingWrongUpstream,
        "Traefik",
        "a router for the WebSocket path with a higher priority",
        "yaml",
        "http:\n  routers:\n    ws:\n      rule: PathPrefix(`/ws/`)\n      priority: 100\n      service: websocket-backend",
        &[],
    ),
    (
        Cause::ProxyRequestTooLarge,
        "nginx",
        "in the server (or http) block",
        "nginx",
        "large_client_header_buffers 4 32k;",
        &[],
    ),
    (
        Cause::ProxyRequestTooLarge,
        "HAProxy",
        "in the global section (header and URL must fit in one buffer)",
        "haproxy",
        "global\n  tune.bufsize 65536",
        &[],
    ),
    (
        Cause::ProxyBadGateway,
        "lighttpd",
        "mod_proxy's proxy.server host and port must reach the running backend",
        "lighttpd",
        "$HTTP[\"url\"] =~ \"^/ws\" {\n    proxy.server = (\"\" => ((\"host\" => \"127.0.0.1\", \"port\" => 8000)))\n    proxy.header = (\"upgrade\" => \"enable\")\n}",
        &[],
    ),
    (
        Cause::ProxyBadGateway,
        "nginx",
        "check the upstream address and give slow upgrades time",
        "nginx",
        "upstream ws_backend { server 127.0.0.1:8000; }\nlocation /ws/ {\n    proxy_pass http://ws_backend;\n    proxy_connect_timeout 5s;\n    proxy_read_timeout 300s;\n}",
        &[],
    ),
    (
        Cause::ProxyBadGateway,
        "Caddy",
        "check the upstream address",
        "caddyfile",
        "reverse_proxy /ws* 127.0.0.1:8000 {\n    health_uri /health\n}",
        &[],
    ),
    (
        Cause::ProxyBadGateway,
        "Apache httpd",
        "check the backend address; httpd answers 503 while a worker that failed to connect is in error state (retry=)",
        "apache",
        "ProxyPass \"/ws\" \"http://127.0.0.1:8000/ws\" upgrade=websocket connectiontimeout=5 timeout=300 retry=5",
        &[],
    ),
    (
        Cause::ProxyBadGateway,
        "HAProxy",
        "make sure a server is up and checked",
        "haproxy",
        "backend app\n  option httpchk GET /health\n  server a1 127.0.0.1:8000 check",
        &[],
    ),
    (
        Cause::ProxyIdleTimeout,
        "nginx",
        "in the location that proxies the WebSocket path",
        "nginx",
        "location /ws/ {\n    proxy_pass http://ws_backend;\n    proxy_read_timeout 3600s;\n    proxy_send_timeout 3600s;\n}",
        &[],
    ),
    (
        Cause::ProxyIdleTimeout,
        "HAProxy",
        "in the defaults or the backend (governs upgraded connections)",
        "haproxy",
        "defaults\n  timeout tunnel 1h",
        &[],
    ),
    (
        Cause::ProxyIdleTimeout,
        "Apache httpd",
        "the tunnel's idle limit is the worker's timeout= (default ProxyTimeout, then Timeout: 60s)",
        "apache",
        "ProxyTimeout 3600\n# or per path:\nProxyPass \"/ws\" \"http://backend:8000/ws\" upgrade=websocket timeout=3600",
        &[],
    ),
    (
        Cause::ProxyAccessDenied,
        "lighttpd",
        "look for url.access-deny or a $HTTP[\"url\"]/$HTTP[\"remoteip\"] block that matches the WebSocket path; the refusal may be deliberate: lift it for the WebSocket path and the clients that need it only",
        "lighttpd",
        "$HTTP[\"url\"] == \"{ws_path}\" {\n    $HTTP[\"remoteip\"] == \"10.0.0.0/8\" {   # the clients that need the socket\n        url.access-deny = ()\n    }\n}",
        &[],
    ),
    (
        Cause::ProxyAccessDenied,
        "nginx",
        "an exact location for the WebSocket path that lets in the clients that need it; the deny (or auth_request, limit_req) on the broader location may be deliberate, as on an admin area",
        "nginx",
        "location = {ws_path} {  # this path alone: the broader location keeps its rules\n    allow 10.0.0.0/8;   # the clients that need the socket (an address or a network)\n    deny all;\n    proxy_pass http://ws_backend;\n    proxy_http_version 1.1;\n    proxy_set_header Upgrade $http_upgrade;\n    proxy_set_header Connection \"upgrade\";\n}",
        &[],
    ),
    (
        Cause::ProxyAccessDenied,
        "HAProxy",
        "find the http-request deny rule that matches the path",
        "haproxy",
        "http-request deny if !{ path_beg /ws/ } { src -f /etc/haproxy/blocked.lst }",
        &[],
    ),
    (
        Cause::ProxyAccessDenied,
        "Apache httpd",
        "find the Require (or Deny/RewriteRule [F]) that covers the WebSocket path; the rule may be deliberate: grant the WebSocket path to the clients that need it only",
        "apache",
        "<Location \"{ws_path}\">\n    Require ip 10.0.0.0/8   # the clients that need the socket (an address or a network)\n</Location>",
        &[],
    ),
    (
        Cause::ProxyAccessDenied,
        "Cloudflare",
        "dashboard",
        "text",
        "Network → WebSockets: On\nSecurity → Events: look up the Ray ID, then add a skip/exception for the WebSocket path",
        &[],
    ),
    (
        Cause::ProxyAccessDenied,
        "AWS ALB",
        "AWS WAF web ACL attached to the ALB",
        "text",
        "WAF → Web ACL → Sampled requests: find the rule that blocked the path; add a scope-down or allow rule for /ws/",
        &[],
    ),
    (
        Cause::OriginHostRewritten,
        "nginx",
        "in the WebSocket location (nginx sends $proxy_host by default; $host drops a non-default port, $http_host keeps the client's Host as sent)",
        "nginx",
        "proxy_set_header Host $http_host;\nproxy_set_header X-Forwarded-Host $http_host;",
        &[],
    ),
    (
        Cause::OriginHostRewritten,
        "Caddy",
        "only if a header_up overwrote Host (Caddy passes it by default; {host} drops the port, {hostport} keeps it)",
        "caddyfile",
        "reverse_proxy backend:8000 {\n    header_up Host {hostport}\n}",
        &[],
    ),
    (
        Cause::OriginRejected,
        "FastAPI",
        "check Origin before accept (CORSMiddleware does not cover WebSockets)",
        "python",
        "ALLOWED = {\"https://app.example.test\"}\n\n@app.websocket(\"/ws\")\nasync def ws(websocket: WebSocket):\n    if websocket.headers.get(\"origin\") not in ALLOWED:\n        await websocket.close(code=1008)\n        return\n    await websocket.accept()",
        &[],
    ),
    (
        Cause::OriginRejected,
        "Node ws",
        "verifyClient",
        "js",
        "const allowed = new Set(['https://app.example.test']);\nnew WebSocketServer({ server, verifyClient: ({ origin }) => allowed.has(origin) });",
        &[],
    ),
    (
        Cause::OriginRejected,
        "Python websockets",
        "serve()",
        "python",
        "async with serve(handler, host, port, origins=[\"https://app.example.test\"]):\n    ...",
        &[],
    ),
    (
        Cause::OriginRejected,
        "Socket.IO",
        "server options",
        "js",
        "const io = new Server(httpServer, { cors: { origin: ['https://app.example.test'] } });",
        &[],
    ),
    (
        Cause::OriginRejected,
        "Spring",
        "WebSocketConfigurer",
        "java",
        "registry.addHandler(handler, \"/ws\").setAllowedOrigins(\"https://app.example.test\");",
        &[],
    ),
    (
        Cause::OriginRejected,
        "ASP.NET Core",
        "Program.cs",
        "csharp",
        "var ws = new WebSocketOptions();\nws.AllowedOrigins.Add(\"https://app.example.test\");\napp.UseWebSockets(ws);",
        &[],
    ),
    (
        Cause::OriginRejected,
        "gorilla/websocket",
        "Upgrader",
        "go",
        "upgrader := websocket.Upgrader{CheckOrigin: func(r *http.Request) bool {\n    return r.Header.Get(\"Origin\") == \"https://app.example.test\"\n}}",
        &[],
    ),
    (
        Cause::AuthPlacement,
        "nginx",
        "forward the header explicitly where a proxy_set_header {credential_header} \"\", a map or more_clear_headers drops it",
        "nginx",
        "proxy_set_header {credential_header} $http_{credential_header_var};",
        &[Needs::Intermediary, Needs::HeaderLost],
    ),
    (
        Cause::AuthPlacement,
        "FastAPI",
        "read the token from the query or a cookie as well (browsers cannot set headers)",
        "python",
        "@app.websocket(\"/ws\")\nasync def ws(websocket: WebSocket, token: str | None = Query(None)):\n    token = token or websocket.cookies.get(\"token\")",
        &[],
    ),
    (
        Cause::ServerPingFlood,
        "Python websockets",
        "ping_interval is in seconds (default 20); None turns the server's pings off",
        "python",
        "async with websockets.serve(handler, host, port, ping_interval=20, ping_timeout=20):\n    await asyncio.Future()",
        &[],
    ),
    (
        Cause::ServerPingFlood,
        "Node ws",
        "setInterval takes milliseconds: ping each client every 30 s, not in a tight loop",
        "javascript",
        "const interval = setInterval(() => {\n  for (const ws of wss.clients) ws.ping();\n}, 30_000);\nwss.on('close', () => clearInterval(interval));",
        &[],
    ),
    (
        Cause::ServerPingFlood,
        "Socket.IO",
        "pingInterval and pingTimeout are in milliseconds (defaults 25000 and 20000)",
        "javascript",
        "const io = new Server(httpServer, { pingInterval: 25000, pingTimeout: 20000 });",
        &[],
    ),
    (
        Cause::ProxyRedirect,
        "nginx",
        "exempt the WebSocket path from the redirect, or connect with wss://",
        "nginx",
        "location = /ws { proxy_pass http://ws_backend; }   # exact match, no trailing-slash redirect",
        &[],
    ),
];

/// Config snippets for a cause, preferring the responders named (producer first, then proxies on
/// the path); the cause's first two rows when none of them has one. Rows whose needs do not hold
/// in the run are never shown. At most three.
pub fn snippets_for(cause: Cause, ctx: &Context) -> Vec<Snippet> {
    select(cause, &ctx.responders, |needs| ctx.holds(needs))
}

/// `snippets_for` with only the responders known (rows with needs are left out).
pub fn snippets(cause: Cause, responders: &[&str]) -> Vec<Snippet> {
    select(cause, responders, <[Needs]>::is_empty)
}

fn select(cause: Cause, responders: &[&str], holds: impl Fn(&[Needs]) -> bool) -> Vec<Snippet> {
    // uvicorn serves FastAPI/Starlette apps: its answers want the framework's snippets too.
    // A product's family answers for it too (ingress-nginx takes nginx's snippets).
    let wanted: Vec<&str> = responders
        .iter()
        .flat_map(|r| match *r {
            "uvicorn" => vec!["uvicorn", "FastAPI"],
            other => vec![other],
        })
        .flat_map(|r| {
            let family = catalogue::entry(r)
                .and_then(|e| entries_named(e.family))
                .map(|e| e.name);
            std::iter::once(r).chain(family)
        })
        .collect();
    // A default row is an example for an unknown product: never one for another application when
    // the run identified the application, nor another proxy (or CDN) when it identified the
    // proxy (or CDN) on the path.
    let known: Vec<&catalogue::Entry> = wanted.iter().filter_map(|n| catalogue::entry(n)).collect();
    let same_role =
        |a: &catalogue::Entry, b: &catalogue::Entry| a.kind.responder() == b.kind.responder();
    let contradicted = |target: &str| {
        catalogue::entry(target).is_some_and(|t| {
            known
                .iter()
                .any(|k| same_role(k, t) && k.family != t.family)
        })
    };
    let rows: Vec<&Row> = SNIPPETS
        .iter()
        .filter(|r| r.0 == cause && holds(r.5))
        .collect();
    let mut chosen: Vec<&Row> = rows
        .iter()
        .copied()
        .filter(|r| wanted.contains(&r.1))
        .collect();
    if chosen.is_empty() {
        chosen = rows
            .iter()
            .copied()
            .filter(|r| !contradicted(r.1))
            .take(2)
            .collect();
    }
    chosen
        .into_iter()
        .take(3)
        .map(|r| Snippet {
            target: r.1.to_string(),
            title: r.2.to_string(),
            lang: r.3.to_string(),
            code: r.4.to_string(),
        })
        .collect()
}

/// The catalogue product whose family this is and whose name is the family's (`nginx` for
/// `ingress-nginx`), matched case-insensitively.
fn entries_named(family: &str) -> Option<&'static catalogue::Entry> {
    catalogue::entries()
        .iter()
        .find(|e| e.family == family && e.name.eq_ignore_ascii_case(family))
}

/// What a run says about its own deployment, to fit the catalogue's examples to it: the path the
/// snippets route (the catalogue writes `/ws`) and the Origin they allow (the catalogue writes
/// `https://app.example.test`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fit {
    /// The routed prefix: the target path's first segment (`/chat` for `/chat/socket`), with a
    /// trailing slash where the catalogue has one and the path is deeper than one segment.
    first_segment: String,
    deeper: bool,
    /// The target's whole path (`/admin/ws`), for `{ws_path}` in the catalogue: a rule fitted to
    /// the WebSocket path alone, never to the prefix above it.
    path: String,
    /// The Origin a page of this site sends: the user's `--origin`, else the target's own.
    origin: Option<String>,
    /// The header the run's credential went in (`Authorization` unless `--auth header:NAME`), for
    /// `{credential_header}` and nginx's `$http_{credential_header_var}`.
    credential_header: String,
}

/// The catalogue's placeholders.
const EXAMPLE_ORIGIN: &str = "https://app.example.test";
/// The WebSocket path exactly (the catalogue's `/ws` is the routed prefix).
const WS_PATH: &str = "{ws_path}";
/// The credential's header, as the client sends it and as nginx names its variable.
const CREDENTIAL_HEADER: &str = "{credential_header}";
const CREDENTIAL_HEADER_VAR: &str = "{credential_header_var}";

/// A header's nginx variable name (`X-API-Key` → `x_api_key`, for `$http_x_api_key`).
fn nginx_var(header: &str) -> String {
    header.to_ascii_lowercase().replace('-', "_")
}

impl Fit {
    /// From the target URL (redacted) and the user's Origin; `None` when the target does not
    /// parse (an `explain` of a console line has no URL).
    pub fn of(target: &str, user_origin: Option<&str>) -> Option<Fit> {
        let url = url::Url::parse(target).ok()?;
        let mut segments = url.path_segments()?.filter(|s| !s.is_empty());
        let first = segments.next().map(|s| format!("/{s}")).unwrap_or_default();
        let deeper = segments.next().is_some();
        let origin = match user_origin {
            Some(o) => Some(o.to_string()),
            None => {
                let scheme = if url.scheme() == "wss" {
                    "https"
                } else {
                    "http"
                };
                url.host_str().map(|h| match url.port() {
                    Some(p) => format!("{scheme}://{h}:{p}"),
                    None => format!("{scheme}://{h}"),
                })
            }
        };
        Some(Fit {
            first_segment: first,
            deeper,
            path: url.path().to_string(),
            origin,
            credential_header: "Authorization".into(),
        })
    }

    /// The header the run's credential went in.
    pub fn with_credential_header(mut self, name: &str) -> Fit {
        self.credential_header = name.to_string();
        self
    }

    /// The catalogue's text for a run without a target URL: `{ws_path}` is the catalogue's `/ws`.
    pub fn unfitted(text: &str) -> String {
        text.replace(WS_PATH, "/ws")
            .replace(CREDENTIAL_HEADER_VAR, "authorization")
            .replace(CREDENTIAL_HEADER, "Authorization")
    }

    /// The text with the catalogue's `/ws` paths and example Origin replaced by this run's.
    pub fn apply(&self, text: &str) -> String {
        let mut out = text.to_string();
        if let Some(o) = &self.origin {
            out = out.replace(EXAMPLE_ORIGIN, o);
        }
        // After the prefix scan, which would take the `/ws` of a path like `/admin/ws` for one.
        self.routes(&out)
            .replace(WS_PATH, &self.path)
            .replace(CREDENTIAL_HEADER_VAR, &nginx_var(&self.credential_header))
            .replace(CREDENTIAL_HEADER, &self.credential_header)
    }

    /// The catalogue's `/ws` prefix and exact path replaced by this run's.
    fn routes(&self, text: &str) -> String {
        let out = text.to_string();
        if self.first_segment == "/ws" {
            return out;
        }
        // `/ws/` is the catalogue's prefix of a path family; `/ws` its exact path. A one-segment
        // target (`/socket`) has no family below it, so both become the path itself; the root
        // path makes both `/`.
        let family = match (self.first_segment.is_empty(), self.deeper) {
            (true, _) => "/".to_string(),
            (false, true) => format!("{}/", self.first_segment),
            (false, false) => self.first_segment.clone(),
        };
        let exact = if self.first_segment.is_empty() {
            "/".to_string()
        } else {
            self.first_segment.clone()
        };
        let mut fitted = String::with_capacity(out.len());
        let mut rest = out.as_str();
        while let Some(i) = rest.find("/ws") {
            let after = &rest[i + 3..];
            // Only a path token: `/ws` followed by `/`, a quote, space, `*`, backtick, `)` or end,
            // never `/wss…` or `/wsgi`.
            let next = after.chars().next();
            let token = matches!(
                next,
                None | Some(
                    '/' | '"' | '\'' | ' ' | '*' | '`' | ')' | ',' | ';' | '\n' | '{' | '$'
                )
            );
            fitted.push_str(&rest[..i]);
            if !token {
                fitted.push_str("/ws");
                rest = after;
            } else if next == Some('/') {
                fitted.push_str(&family);
                rest = &after[1..];
            } else {
                fitted.push_str(&exact);
                rest = after;
            }
        }
        fitted.push_str(rest);
        fitted
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_header_snippet_names_the_header_the_credential_went_in() {
        let row = "proxy_set_header {credential_header} $http_{credential_header_var};";
        let fit = Fit::of("ws://h/ws", None).unwrap();
        assert_eq!(
            fit.clone().apply(row),
            "proxy_set_header Authorization $http_authorization;"
        );
        assert_eq!(
            fit.with_credential_header("X-API-Key").apply(row),
            "proxy_set_header X-API-Key $http_x_api_key;"
        );
        assert_eq!(
            Fit::unfitted(row),
            "proxy_set_header Authorization $http_authorization;"
        );
    }

    #[test]
    fn snippets_are_fitted_to_the_runs_path_and_origin() {
        let fit = Fit::of("wss://chat.test/chat/socket", Some("https://web.test")).unwrap();
        assert_eq!(
            fit.apply("location ~ ^/ws/ {\n    proxy_pass http://websocket-backend:8002;"),
            "location ~ ^/chat/ {\n    proxy_pass http://websocket-backend:8002;"
        );
        assert_eq!(
            fit.apply("ProxyPass \"/ws\" \"ws://backend:8000/ws\""),
            "ProxyPass \"/chat\" \"ws://backend:8000/chat\""
        );
        assert_eq!(
            fit.apply("ALLOWED = {\"https://app.example.test\"}"),
            "ALLOWED = {\"https://web.test\"}"
        );
        // Without --origin, the site's own origin; a one-segment path is the route itself.
        let fit = Fit::of("ws://127.0.0.1:8080/socket", None).unwrap();
        assert_eq!(
            fit.apply("location /ws/ { allow all; } origins=[\"https://app.example.test\"]"),
            "location /socket { allow all; } origins=[\"http://127.0.0.1:8080\"]"
        );
        // The catalogue's own path stays; words that only start with /ws are not paths.
        let fit = Fit::of("ws://h/ws/notifications", None).unwrap();
        assert_eq!(fit.apply("location /ws/ {"), "location /ws/ {");
        let fit = Fit::of("ws://h/live", None).unwrap();
        assert_eq!(fit.apply("/wsgi /ws*"), "/wsgi /live*");
        assert!(Fit::of("not a url", None).is_none());
    }

    use super::*;

    #[test]
    fn ws_path_is_the_whole_websocket_path_never_its_prefix() {
        let fit = Fit::of("ws://h/admin/ws?room=1", None).unwrap();
        assert_eq!(
            fit.apply("location = {ws_path} {\n    proxy_pass http://b;\n}"),
            "location = /admin/ws {\n    proxy_pass http://b;\n}"
        );
        let fit = Fit::of("ws://h/ws", None).unwrap();
        assert_eq!(fit.apply("<Location \"{ws_path}\">"), "<Location \"/ws\">");
        assert_eq!(Fit::unfitted("location = {ws_path} {"), "location = /ws {");
        // No access snippet opens a rule to everyone.
        for s in snippets(
            Cause::ProxyAccessDenied,
            &["nginx", "Apache httpd", "lighttpd"],
        ) {
            assert!(!s.code.contains("allow all"), "{}", s.code);
            assert!(!s.code.contains("Require all granted"), "{}", s.code);
            assert!(s.code.contains(WS_PATH), "{}", s.code);
        }
    }

    #[test]
    fn rows_and_lines_with_needs_show_only_when_the_run_shows_them() {
        let proxy_fix = |ctx: &Context| {
            snippets_for(Cause::AuthPlacement, ctx)
                .iter()
                .any(|s| s.code.contains("proxy_set_header Authorization"))
                || lines_for(Cause::AuthPlacement, ctx)
                    .iter()
                    .any(|l| l.contains("proxy"))
        };
        let mut ctx = Context {
            responders: vec!["nginx"],
            ..Context::default()
        };
        assert!(!proxy_fix(&ctx), "no intermediary, header not lost");
        ctx.intermediary = true;
        assert!(!proxy_fix(&ctx), "the header arrives");
        ctx.header_lost = true;
        assert!(proxy_fix(&ctx));
        ctx.intermediary = false;
        assert!(!proxy_fix(&ctx), "no proxy on the path");
        // With nothing fingerprinted the defaults are the rows whose needs hold.
        ctx.responders.clear();
        let defaults = snippets_for(Cause::AuthPlacement, &ctx);
        assert!(defaults.iter().all(|s| s.target != "nginx"), "{defaults:?}");
        // The placement that worked leads.
        assert!(lines_for(Cause::AuthPlacement, &ctx)[0].starts_with("send the credential where"));
        ctx.worked = Some("Cookie: token=<token>".into());
        let lines = lines_for(Cause::AuthPlacement, &ctx);
        assert!(lines[0].contains("as Cookie: token=<token>"), "{lines:?}");
        assert!(!lines.iter().any(|l| l.contains("{worked}")));
    }

    #[test]
    fn defaults_are_never_for_another_product_of_the_role_the_run_identified() {
        // An identified application with no row of its own gets no other framework's code.
        assert!(snippets(Cause::OriginRejected, &["Tornado"]).is_empty());
        assert!(snippets(Cause::AuthPlacement, &["Node ws"]).is_empty());
        // An identified reverse proxy without a row gets no other proxy's config…
        assert!(snippets(Cause::ProxyIdleTimeout, &["Traefik"]).is_empty());
        // …while a CDN in front says nothing about the proxy behind it, and nothing identified
        // leaves the examples.
        let behind_cdn = snippets(Cause::ProxyIdleTimeout, &["Cloudflare"]);
        assert_eq!(behind_cdn.len(), 2, "{behind_cdn:?}");
        assert_eq!(snippets(Cause::OriginRejected, &[]).len(), 2);
        // A product's family answers for it: ingress-nginx takes nginx's rows.
        let ingress = snippets(Cause::ProxyIdleTimeout, &["ingress-nginx"]);
        assert!(
            !ingress.is_empty() && ingress.iter().all(|s| s.target == "nginx"),
            "{ingress:?}"
        );
    }

    #[test]
    fn snippets_follow_the_fingerprinted_responder() {
        let s = snippets(Cause::ProxyUpgradeNotForwarded, &["FastAPI", "nginx"]);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].target, "nginx");
        assert!(s[0].code.contains("proxy_http_version 1.1"));
        let haproxy = snippets(Cause::ProxyUpgradeNotForwarded, &["HAProxy"]);
        assert_eq!(haproxy[0].target, "HAProxy");
        let apache = snippets(
            Cause::ProxyUpgradeNotForwarded,
            &["FastAPI", "Apache httpd"],
        );
        assert_eq!(apache.len(), 2);
        assert!(apache.iter().all(|s| s.target == "Apache httpd"));
        assert!(apache[0].code.contains("upgrade=websocket"));
        assert!(apache[1].code.contains("ws://"));
        let unknown = snippets(Cause::RoutingWrongUpstream, &[]);
        assert_eq!(unknown.len(), 2);
        // Apache's rows show only when Apache answered or is on the path.
        for cause in [
            Cause::ProxyUpgradeNotForwarded,
            Cause::ProxyAccessDenied,
            Cause::ProxyBadGateway,
            Cause::ProxyIdleTimeout,
            Cause::RoutingWrongUpstream,
        ] {
            for names in [&[][..], &["nginx"][..], &["FastAPI", "HAProxy"][..]] {
                assert!(
                    snippets(cause, names)
                        .iter()
                        .all(|s| s.target != "Apache httpd"),
                    "{cause} {names:?}"
                );
            }
            assert!(
                snippets(cause, &["Apache httpd"])
                    .iter()
                    .all(|s| s.target == "Apache httpd" && s.lang == "apache"),
                "{cause}"
            );
            assert!(!snippets(cause, &["Apache httpd"]).is_empty(), "{cause}");
        }
        let origin = snippets(Cause::OriginRejected, &["uvicorn"]);
        assert_eq!(origin[0].target, "FastAPI");
        assert!(snippets(Cause::Healthy, &["nginx"]).is_empty());
    }
}
