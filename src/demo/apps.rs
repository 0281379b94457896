//! demo::apps: imitations of the servers behind the field reports — a FastAPI app under uvicorn,
//! nginx proxying without the upgrade headers, an Express app with the node `ws` library, a Ktor
//! app with JWT authentication. Each answers the way the real stack does (status habits, header
//! names and order, bodies), and decides from the request it receives, never from what wsdoctor is
//! testing: a fault appears only because the imitated configuration has it.

use std::collections::hash_map::RandomState;
use std::collections::HashSet;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine;

use super::server::{http_date_now, App, Reply, Request, Response, Session};

/// The nginx version the demo's proxy announces (Debian 12's package).
pub const NGINX_VERSION: &str = "nginx/1.22.1";

/// What a FastAPI WebSocket handler does with a connection that reached it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WsDecision {
    /// `await websocket.accept()` and keep the connection.
    Accept,
    /// `await websocket.close(...)` before `accept()`: uvicorn answers the upgrade with 403.
    CloseBeforeAccept,
}

type WsHandler = Box<dyn Fn(&Request) -> WsDecision + Send + Sync>;
/// Starlette's path pattern for the route, and its handler.
type WsRoute = (fn(&str) -> bool, WsHandler);

/// A FastAPI application served by uvicorn (websockets protocol implementation).
pub struct FastApi {
    http_routes: Vec<(String, String)>,
    /// Routes behind an API-key dependency: (path, header, key, JSON).
    keyed_routes: Vec<(String, &'static str, &'static str, String)>,
    ws_route: Option<WsRoute>,
}

impl FastApi {
    /// An app with no routes.
    pub fn new() -> FastApi {
        FastApi {
            http_routes: Vec::new(),
            keyed_routes: Vec::new(),
            ws_route: None,
        }
    }

    /// `@app.get(path)` returning this JSON with 200.
    pub fn get(mut self, path: &str, json: &str) -> FastApi {
        self.http_routes.push((path.to_string(), json.to_string()));
        self
    }

    /// `@app.get(path)` behind an API-key header dependency: 200 with the key, 401 without.
    pub fn get_with_key(
        mut self,
        path: &str,
        header: &'static str,
        key: &'static str,
        json: &str,
    ) -> FastApi {
        self.keyed_routes
            .push((path.to_string(), header, key, json.to_string()));
        self
    }

    /// `@app.websocket(path)`; `matches` stands for Starlette's path pattern.
    pub fn websocket(
        mut self,
        matches: fn(&str) -> bool,
        handler: impl Fn(&Request) -> WsDecision + Send + Sync + 'static,
    ) -> FastApi {
        self.ws_route = Some((matches, Box::new(handler)));
        self
    }

    fn json(status: u16, reason: &str, body: &str) -> Reply {
        // uvicorn puts its default headers (date, server) before the app's.
        Reply::Http(
            Response::new(status, reason)
                .header("date", http_date_now())
                .header("server", "uvicorn")
                .header("content-length", body.len().to_string())
                .header("content-type", "application/json")
                .body(body),
        )
    }

    /// The websockets library's answer to a handshake it cannot accept (before the app runs), as
    /// captured from uvicorn 0.54 / websockets 17: no `server` header on these.
    fn bad_handshake(detail: &str) -> Reply {
        let body = format!("Failed to open a WebSocket connection: {detail}.\n");
        Reply::Http(
            Response::new(400, "Bad Request")
                .header("Date", http_date_now())
                .header("Connection", "close")
                .header("Content-Length", body.len().to_string())
                .header("Content-Type", "text/plain; charset=utf-8")
                .body(body)
                .closing(),
        )
    }

    /// A refused upgrade: the ASGI app sent `websocket.close` before `websocket.accept`, and
    /// uvicorn answers 403 with an empty body and no `server` header (Starlette does the same for
    /// an unrouted path). Captured from uvicorn 0.54.
    fn refused() -> Reply {
        Reply::Http(
            Response::new(403, "Forbidden")
                .header("Date", http_date_now())
                .header("Connection", "close")
                .header("Content-Length", "0")
                .header("Content-Type", "text/plain; charset=utf-8")
                .closing(),
        )
    }
}

impl Default for FastApi {
    fn default() -> Self {
        FastApi::new()
    }
}

impl App for FastApi {
    fn handle(&self, req: &Request) -> Reply {
        if req.is_websocket_upgrade() {
            match req.header("sec-websocket-key") {
                Some(k) if valid_key(k) => {}
                Some(_) => return FastApi::bad_handshake("invalid Sec-WebSocket-Key header"),
                None => return FastApi::bad_handshake("missing Sec-WebSocket-Key header"),
            }
            match req.header("sec-websocket-version") {
                Some("13") => {}
                Some(v) => {
                    return FastApi::bad_handshake(&format!(
                        "invalid Sec-WebSocket-Version header: {v}"
                    ))
                }
                None => return FastApi::bad_handshake("missing Sec-WebSocket-Version header"),
            }
            return match &self.ws_route {
                Some((matches, handler)) if matches(req.path()) => match handler(req) {
                    WsDecision::Accept => {
                        let mut headers = Vec::new();
                        // uvicorn enables permessage-deflate by default (--ws-per-message-deflate)
                        // and accepts a client's offer without window-size parameters.
                        let offered = req
                            .header("sec-websocket-extensions")
                            .is_some_and(|e| e.contains("permessage-deflate"));
                        if offered {
                            headers.push((
                                "Sec-WebSocket-Extensions".to_string(),
                                "permessage-deflate".to_string(),
                            ));
                        }
                        headers.push(("date".into(), http_date_now()));
                        headers.push(("server".into(), "uvicorn".into()));
                        Reply::Accept {
                            headers,
                            session: Session::Open,
                        }
                    }
                    WsDecision::CloseBeforeAccept => FastApi::refused(),
                },
                _ => FastApi::refused(),
            };
        }
        if let Some((_, header, key, json)) =
            self.keyed_routes.iter().find(|(p, ..)| p == req.path())
        {
            return if req.header(header) == Some(*key) {
                FastApi::json(200, "OK", json)
            } else {
                FastApi::json(
                    401,
                    "Unauthorized",
                    r#"{"detail":"Invalid or missing API key"}"#,
                )
            };
        }
        let reply = match self.http_routes.iter().find(|(p, _)| p == req.path()) {
            Some((_, json)) if req.method == "GET" || req.method == "HEAD" => {
                FastApi::json(200, "OK", json)
            }
            Some(_) => FastApi::json(
                405,
                "Method Not Allowed",
                r#"{"detail":"Method Not Allowed"}"#,
            ),
            // A WebSocket route does not match an HTTP request either: FastAPI's JSON 404.
            None => FastApi::json(404, "Not Found", r#"{"detail":"Not Found"}"#),
        };
        match reply {
            // uvicorn honours the client's `Connection: close` and says so.
            Reply::Http(resp) if req.connection_has("close") => {
                Reply::Http(resp.header("Connection", "close").closing())
            }
            other => other,
        }
    }
}

/// True for a Sec-WebSocket-Key that is base64 of 16 bytes (RFC 6455 §4.2.1 item 5).
fn valid_key(key: &str) -> bool {
    base64::engine::general_purpose::STANDARD
        .decode(key.trim())
        .is_ok_and(|k| k.len() == 16)
}

/// nginx in front of an app, with a `location` that lacks `proxy_http_version 1.1` and the
/// `Upgrade`/`Connection` headers: it proxies with HTTP/1.0 and `Connection: close`, so the app
/// sees a plain GET (the hop-by-hop `Upgrade` and `Connection` are never forwarded).
pub struct NginxWithoutUpgrade {
    upstream: Arc<dyn App>,
}

impl NginxWithoutUpgrade {
    /// Proxies to `upstream`.
    pub fn new(upstream: Arc<dyn App>) -> NginxWithoutUpgrade {
        NginxWithoutUpgrade { upstream }
    }
}

impl App for NginxWithoutUpgrade {
    fn handle(&self, req: &Request) -> Reply {
        // nginx's defaults: `proxy_set_header Connection close`, HTTP/1.0, hop-by-hop dropped.
        let mut forwarded = req.without_headers(&["connection", "upgrade", "keep-alive"]);
        forwarded
            .headers
            .push(("Connection".to_string(), "close".to_string()));
        match self.upstream.handle(&forwarded) {
            Reply::Http(resp) => Reply::Http(nginx_relay(resp)),
            // A 101 to an HTTP/1.0 request is an invalid upstream answer for nginx.
            Reply::Accept { .. } => Reply::Http(nginx_error_page(502, "Bad Gateway")),
        }
    }
}

/// The upstream response as nginx relays it: its own Server and Date (upstream ones are hidden by
/// default), Content-Type and Content-Length first, `Connection: keep-alive` to the client.
fn nginx_relay(resp: Response) -> Response {
    let find = |name: &str| {
        resp.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let mut out = Response::new(resp.status, &resp.reason)
        .header("Server", NGINX_VERSION)
        .header("Date", http_date_now());
    if let Some(ct) = find("content-type") {
        out = out.header("Content-Type", ct);
    }
    out = out
        .header("Content-Length", resp.body.len().to_string())
        .header("Connection", "keep-alive");
    for (k, v) in &resp.headers {
        let hidden = [
            "server",
            "date",
            "content-type",
            "content-length",
            "connection",
            "keep-alive",
        ];
        if !hidden.iter().any(|h| k.eq_ignore_ascii_case(h)) {
            out = out.header(k, v.clone());
        }
    }
    out.body(resp.body)
}

/// nginx's built-in error page for a status, byte for byte (CRLF line ends, version in the footer).
pub fn nginx_error_page(status: u16, reason: &str) -> Response {
    let body = format!(
        "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}</h1></center>\r\n<hr><center>{NGINX_VERSION}</center>\r\n</body>\r\n</html>\r\n"
    );
    Response::new(status, reason)
        .header("Server", NGINX_VERSION)
        .header("Date", http_date_now())
        .header("Content-Type", "text/html")
        .header("Content-Length", body.len().to_string())
        .header("Connection", "keep-alive")
        .body(body)
}

/// An Express app with a node `ws` server on one path, issuing one-time tickets from a
/// JWT-protected endpoint, and checking `Origin` after the upgrade (`ws.close(1008, …)`), as the
/// server of field report 004 does.
pub struct ExpressTicketWs {
    ws_path: String,
    ticket_path: String,
    jwt: String,
    allowed_origins: Vec<String>,
    tickets: Mutex<HashSet<String>>,
    issued: AtomicU64,
    random: RandomState,
}

impl ExpressTicketWs {
    /// A server accepting `jwt` on the ticket endpoint and the given origins on the socket.
    pub fn new(ws_path: &str, ticket_path: &str, jwt: &str, allowed_origins: &[&str]) -> Self {
        ExpressTicketWs {
            ws_path: ws_path.to_string(),
            ticket_path: ticket_path.to_string(),
            jwt: jwt.to_string(),
            allowed_origins: allowed_origins.iter().map(|o| o.to_string()).collect(),
            tickets: Mutex::new(HashSet::new()),
            issued: AtomicU64::new(0),
            random: RandomState::new(),
        }
    }

    fn json(status: u16, reason: &str, body: &str) -> Reply {
        Reply::Http(
            Response::new(status, reason)
                .header("X-Powered-By", "Express")
                .header("Content-Type", "application/json; charset=utf-8")
                .header("Content-Length", body.len().to_string())
                .header("Date", http_date_now())
                .header("Connection", "keep-alive")
                .header("Keep-Alive", "timeout=5")
                .body(body),
        )
    }

    /// Express's default 404 (finalhandler).
    fn cannot(method: &str, path: &str) -> Reply {
        let body = format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot {method} {path}</pre>\n</body>\n</html>\n"
        );
        Reply::Http(
            Response::new(404, "Not Found")
                .header("X-Powered-By", "Express")
                .header("Content-Security-Policy", "default-src 'none'")
                .header("X-Content-Type-Options", "nosniff")
                .header("Content-Type", "text/html; charset=utf-8")
                .header("Content-Length", body.len().to_string())
                .header("Date", http_date_now())
                .header("Connection", "keep-alive")
                .header("Keep-Alive", "timeout=5")
                .body(body),
        )
    }

    /// `ws`'s abortHandshake: a bare HTML error and a closed socket.
    fn abort(status: u16, reason: &str, message: &str) -> Reply {
        Reply::Http(
            Response::new(status, reason)
                .header("Connection", "close")
                .header("Content-Type", "text/html")
                .header("Content-Length", message.len().to_string())
                .body(message)
                .closing(),
        )
    }

    fn issue_ticket(&self) -> String {
        let n = self.issued.fetch_add(1, Ordering::Relaxed);
        let a = self.random.hash_one((n, "ticket-a"));
        let b = self.random.hash_one((n, "ticket-b"));
        let ticket = format!("{a:016x}{b:016x}");
        if let Ok(mut t) = self.tickets.lock() {
            t.insert(ticket.clone());
        }
        ticket
    }

    /// Consumes a ticket: true the first time only.
    fn redeem(&self, ticket: &str) -> bool {
        self.tickets.lock().is_ok_and(|mut t| t.remove(ticket))
    }
}

impl App for ExpressTicketWs {
    fn handle(&self, req: &Request) -> Reply {
        if req.is_websocket_upgrade() {
            if req.path() != self.ws_path {
                // `new WebSocketServer({ server, path })` refuses other paths this way.
                return ExpressTicketWs::abort(400, "Bad Request", "Bad Request");
            }
            if !req.header("sec-websocket-key").is_some_and(valid_key) {
                return ExpressTicketWs::abort(
                    400,
                    "Bad Request",
                    "Missing or invalid Sec-WebSocket-Key header",
                );
            }
            if !matches!(req.header("sec-websocket-version"), Some("8" | "13")) {
                return ExpressTicketWs::abort(
                    400,
                    "Bad Request",
                    "Missing or invalid Sec-WebSocket-Version header",
                );
            }
            // The 'connection' handler: the upgrade is already accepted when these checks run.
            let origin = req.header("origin");
            let session = if origin.is_some_and(|o| !self.allowed_origins.iter().any(|a| a == o)) {
                Session::Close {
                    code: 1008,
                    reason: "ORIGIN_BLOCKED".into(),
                }
            } else if !req.query("ticket").is_some_and(|t| self.redeem(t)) {
                Session::Close {
                    code: 1008,
                    reason: "NO_AUTH_TICKET".into(),
                }
            } else {
                Session::Open
            };
            return Reply::Accept {
                headers: Vec::new(),
                session,
            };
        }
        match req.path() {
            p if p == self.ticket_path => {
                let bearer = req
                    .header("authorization")
                    .and_then(|a| a.strip_prefix("Bearer "));
                match bearer {
                    None => ExpressTicketWs::json(
                        401,
                        "Unauthorized",
                        r#"{"error":{"code":"MISSING_TOKEN"}}"#,
                    ),
                    Some(t) if t != self.jwt => ExpressTicketWs::json(
                        401,
                        "Unauthorized",
                        r#"{"error":{"code":"INVALID_TOKEN"}}"#,
                    ),
                    Some(_) => {
                        let ticket = self.issue_ticket();
                        ExpressTicketWs::json(
                            200,
                            "OK",
                            &format!(r#"{{"ticket":"{ticket}","expiresInSeconds":30}}"#),
                        )
                    }
                }
            }
            "/api/v1/health" => ExpressTicketWs::json(200, "OK", r#"{"status":"ok"}"#),
            p => ExpressTicketWs::cannot(&req.method, p),
        }
    }
}

/// A Ktor application: `authenticate("auth-jwt") { webSocket(path) { … } }` with the
/// DefaultHeaders plugin. The route only matches upgrade requests; authentication runs before the
/// WebSocket plugin, so a missing or bad token is a 401 with a Bearer challenge.
pub struct KtorJwtWs {
    path: String,
    token: String,
}

impl KtorJwtWs {
    /// A server accepting `Authorization: Bearer <token>` on `path`.
    pub fn new(path: &str, token: &str) -> KtorJwtWs {
        KtorJwtWs {
            path: path.to_string(),
            token: token.to_string(),
        }
    }
}

impl App for KtorJwtWs {
    fn handle(&self, req: &Request) -> Reply {
        let base = |status: u16, reason: &str| {
            Response::new(status, reason)
                .header("Date", http_date_now())
                .header("Server", "Ktor/2.3.12")
        };
        let upgrade_route = req.path() == self.path
            && req
                .header("upgrade")
                .is_some_and(|u| u.eq_ignore_ascii_case("websocket"));
        if !upgrade_route {
            return Reply::Http(base(404, "Not Found").header("Content-Length", "0"));
        }
        let authorised = req
            .header("authorization")
            .and_then(|a| a.strip_prefix("Bearer "))
            .is_some_and(|t| t == self.token);
        if !authorised {
            return Reply::Http(
                base(401, "Unauthorized")
                    .header("WWW-Authenticate", "Bearer realm=\"timers\"")
                    .header("Content-Length", "0"),
            );
        }
        if !req.header("sec-websocket-key").is_some_and(valid_key) {
            return Reply::Http(base(400, "Bad Request").header("Content-Length", "0"));
        }
        Reply::Accept {
            headers: vec![("Date".into(), http_date_now())],
            session: Session::Open,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upgrade(path: &str, extra: &[(&str, &str)]) -> Request {
        let mut headers = vec![
            ("Host".to_string(), "127.0.0.1:1".to_string()),
            ("Connection".to_string(), "Upgrade".to_string()),
            ("Upgrade".to_string(), "websocket".to_string()),
            ("Sec-WebSocket-Version".to_string(), "13".to_string()),
            (
                "Sec-WebSocket-Key".to_string(),
                "dGhlIHNhbXBsZSBub25jZQ==".to_string(),
            ),
        ];
        headers.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        Request {
            method: "GET".into(),
            target: path.into(),
            headers,
        }
    }

    fn status(reply: &Reply) -> u16 {
        match reply {
            Reply::Http(r) => r.status,
            Reply::Accept { .. } => 101,
        }
    }

    #[test]
    fn uvicorn_refuses_unrouted_upgrades_with_an_empty_403_and_plain_gets_with_json_404() {
        let app = FastApi::new().get("/health", r#"{"ok":true}"#);
        let reply = app.handle(&upgrade("/nowhere", &[]));
        let Reply::Http(r) = reply else {
            panic!("expected a refusal")
        };
        assert_eq!((r.status, r.body.len()), (403, 0));
        let plain = upgrade("/nowhere", &[]).without_headers(&["connection", "upgrade"]);
        let Reply::Http(r) = app.handle(&plain) else {
            panic!("expected 404")
        };
        assert_eq!(r.status, 404);
        assert_eq!(r.body, br#"{"detail":"Not Found"}"#);
        assert_eq!(
            status(&app.handle(&Request {
                method: "GET".into(),
                target: "/health".into(),
                headers: vec![],
            })),
            200
        );
    }

    #[test]
    fn nginx_without_upgrade_relays_the_apps_plain_get_answer() {
        let app = Arc::new(FastApi::new().websocket(|p| p == "/ws", |_| WsDecision::Accept));
        let nginx = NginxWithoutUpgrade::new(app.clone());
        assert_eq!(status(&app.handle(&upgrade("/ws", &[]))), 101);
        let Reply::Http(r) = nginx.handle(&upgrade("/ws", &[])) else {
            panic!("nginx must not upgrade")
        };
        assert_eq!(r.status, 404);
        assert_eq!(
            r.headers.first().map(|(k, v)| (k.as_str(), v.as_str())),
            Some(("Server", NGINX_VERSION))
        );
        assert!(!r.headers.iter().any(|(_, v)| v == "uvicorn"));
    }

    #[test]
    fn nginx_error_pages_have_nginx_lengths() {
        // nginx's 502 page is 157 bytes with a six-character version.
        assert_eq!(nginx_error_page(502, "Bad Gateway").body.len(), 157);
    }

    #[test]
    fn express_tickets_are_one_time_and_origin_is_checked_after_the_upgrade() {
        let app = ExpressTicketWs::new("/ws", "/ticket", "jwt", &["https://ok.test"]);
        let Reply::Http(r) = app.handle(&Request {
            method: "GET".into(),
            target: "/ticket".into(),
            headers: vec![("Authorization".into(), "Bearer jwt".into())],
        }) else {
            panic!("expected a ticket")
        };
        let body = String::from_utf8(r.body).unwrap();
        let ticket = body.split('"').nth(3).unwrap().to_string();
        let url = format!("/ws?ticket={ticket}");
        let blocked = app.handle(&upgrade(&url, &[("Origin", "https://evil.test")]));
        assert!(matches!(
            blocked,
            Reply::Accept { session: Session::Close { code: 1008, ref reason }, .. } if reason == "ORIGIN_BLOCKED"
        ));
        let ok = app.handle(&upgrade(&url, &[("Origin", "https://ok.test")]));
        assert!(matches!(
            ok,
            Reply::Accept {
                session: Session::Open,
                ..
            }
        ));
        let reused = app.handle(&upgrade(&url, &[("Origin", "https://ok.test")]));
        assert!(matches!(
            reused,
            Reply::Accept {
                session: Session::Close { .. },
                ..
            }
        ));
    }

    #[test]
    fn ktor_challenges_a_missing_token_and_accepts_a_good_one() {
        let app = KtorJwtWs::new("/ws", "tok");
        let Reply::Http(r) = app.handle(&upgrade("/ws", &[])) else {
            panic!("expected 401")
        };
        assert_eq!(r.status, 401);
        assert!(r.headers.iter().any(|(k, _)| k == "WWW-Authenticate"));
        assert_eq!(
            status(&app.handle(&upgrade("/ws", &[("Authorization", "Bearer tok")]))),
            101
        );
    }
}
