//! demo::scenarios: the demo's table of faults. Each row names the field report it reproduces, the
//! imitated server (from `apps`), the command line a user of that system would type, and the cause
//! wsdoctor is expected to name. Adding a scenario is adding a row here.

use std::sync::Arc;

use crate::diagnose::cause::Cause;

use super::apps::{ExpressTicketWs, FastApi, KtorJwtWs, NginxWithoutUpgrade, WsDecision};
use super::server::App;

/// One argument of a scenario's command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// Typed as is.
    Plain(String),
    /// A credential: shown as `--token-env VAR` (what a careful user types), passed to the probe
    /// as the value itself so the demo needs no environment.
    Secret {
        /// The variable name shown.
        env: &'static str,
        /// The demo credential.
        value: &'static str,
    },
}

/// One demo scenario.
pub struct Scenario {
    /// Short id used by `--only` and in the summary ("report-000", "healthy").
    pub id: &'static str,
    /// The field report reproduced, if any ("000").
    pub report: Option<&'static str>,
    /// What is wrong, in a few words.
    pub title: &'static str,
    /// The cause wsdoctor should name.
    pub expected: Cause,
    /// Builds the imitated server.
    pub app: fn() -> Arc<dyn App>,
    /// The command line after `wsdoctor`, for a server on this port.
    pub args: fn(u16) -> Vec<Arg>,
}

fn plain(s: impl Into<String>) -> Arg {
    Arg::Plain(s.into())
}

/// The print servers' API key (field report 000).
const PRINT_API_KEY: &str = "pk_live_3f9c2a71d04e4b6b9a8e5c1d7f20b6aa";
/// The chat client's JWT (field report 001).
const CHAT_JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIn0.c2lnbmF0dXJlLWRlbW8";
/// The web app's JWT used to fetch tickets (field report 004).
const APP_JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzaWQiOiJzZXNzLTcifQ.ZGVtby1zaWduYXR1cmU";

/// Every scenario, in the order the demo runs them.
pub fn all() -> Vec<Scenario> {
    vec![
        Scenario {
            id: "report-000",
            report: Some("000"),
            title: "a WebSocket path routed to the wrong container",
            expected: Cause::RoutingWrongUpstream,
            // The API container (ENABLE_BACKGROUND_WORKERS=false): its WebSocket handler closes
            // every connection before accept(), before looking at the key; HTTP works.
            app: || {
                Arc::new(
                    FastApi::new()
                        .get("/api/v1/health", r#"{"status":"healthy"}"#)
                        .get_with_key(
                            "/api/v1/print/servers",
                            "x-api-key",
                            PRINT_API_KEY,
                            r#"[{"id":42,"name":"front desk"}]"#,
                        )
                        .websocket(
                            |p| {
                                p.strip_prefix("/api/v1/print/servers/")
                                    .and_then(|rest| rest.strip_suffix("/ws"))
                                    .is_some_and(|id| !id.is_empty() && !id.contains('/'))
                            },
                            |_| WsDecision::CloseBeforeAccept,
                        ),
                )
            },
            args: |port| {
                vec![
                    plain(format!("ws://127.0.0.1:{port}/api/v1/print/servers/42/ws")),
                    plain("--auth"),
                    plain("header:X-API-Key"),
                    Arg::Secret {
                        env: "PRINT_API_KEY",
                        value: PRINT_API_KEY,
                    },
                    plain("--origin"),
                    plain("https://app.example.test"),
                    plain("--health-url"),
                    plain(format!("http://127.0.0.1:{port}/api/v1/health")),
                    // The key is good: the same API serves it over HTTP (field report 000).
                    plain("--auth-check"),
                    plain(format!("http://127.0.0.1:{port}/api/v1/print/servers")),
                ]
            },
        },
        Scenario {
            id: "report-001",
            report: Some("001"),
            title: "nginx does not forward the upgrade headers",
            expected: Cause::ProxyUpgradeNotForwarded,
            // The app accepts /ws/chat with a valid ?token=; nginx's location has no
            // proxy_http_version 1.1 / Upgrade / Connection, so the app never sees an upgrade.
            app: || {
                let app = FastApi::new()
                    .get("/", r#"{"message":"chat API"}"#)
                    .get("/api/v1/health", r#"{"status":"ok"}"#)
                    .websocket(
                        |p| p == "/ws/chat",
                        |req| {
                            if req.query("token") == Some(CHAT_JWT) {
                                WsDecision::Accept
                            } else {
                                WsDecision::CloseBeforeAccept
                            }
                        },
                    );
                Arc::new(NginxWithoutUpgrade::new(Arc::new(app)))
            },
            args: |port| {
                vec![
                    plain(format!("ws://127.0.0.1:{port}/ws/chat")),
                    plain("--auth"),
                    plain("query"),
                    Arg::Secret {
                        env: "CHAT_JWT",
                        value: CHAT_JWT,
                    },
                    plain("--health-url"),
                    plain(format!("http://127.0.0.1:{port}/api/v1/health")),
                ]
            },
        },
        Scenario {
            id: "report-002",
            report: Some("002"),
            title: "an Origin allowlist refuses the page's origin with 403",
            expected: Cause::OriginRejected,
            // The handler checks Origin against the dev allowlist and closes before accept();
            // no Origin at all (same-origin tools, curl) is let through.
            app: || {
                const ALLOWED: [&str; 4] = [
                    "http://localhost:3000",
                    "http://localhost:5173",
                    "http://127.0.0.1:3000",
                    "http://127.0.0.1:5173",
                ];
                Arc::new(
                    FastApi::new()
                        .get("/api/health", r#"{"status":"ok"}"#)
                        .websocket(
                            |p| p.starts_with("/ws/chat/") && p.len() > "/ws/chat/".len(),
                            |req| match req.header("origin") {
                                Some(o) if !o.is_empty() && !ALLOWED.contains(&o) => {
                                    WsDecision::CloseBeforeAccept
                                }
                                _ => WsDecision::Accept,
                            },
                        ),
                )
            },
            args: |port| {
                vec![
                    plain(format!(
                        "ws://127.0.0.1:{port}/ws/chat/session_1759328392842"
                    )),
                    plain("--origin"),
                    plain("https://chat.example.test"),
                ]
            },
        },
        Scenario {
            id: "report-003",
            report: Some("003"),
            title: "the client connects without its token",
            expected: Cause::AuthMissingCredentials,
            app: || {
                Arc::new(KtorJwtWs::new(
                    "/api/v1/timers/notifications",
                    "eyJhbGciOiJIUzI1NiJ9.eyJ1aWQiOjEyM30.dGltZXJz",
                ))
            },
            args: |port| {
                vec![plain(format!(
                    "ws://127.0.0.1:{port}/api/v1/timers/notifications"
                ))]
            },
        },
        Scenario {
            id: "report-004",
            report: Some("004"),
            title: "101, then close 1008 ORIGIN_BLOCKED for the page's origin",
            expected: Cause::OriginRejected,
            // FRONTEND_ORIGINS was not updated for the new front-end domain.
            app: || {
                Arc::new(ExpressTicketWs::new(
                    "/ws",
                    "/api/v1/ws-ticket",
                    APP_JWT,
                    &["https://legacy.example.test"],
                ))
            },
            args: |port| {
                vec![
                    plain(format!("ws://127.0.0.1:{port}/ws")),
                    plain("--ticket-url"),
                    plain(format!("http://127.0.0.1:{port}/api/v1/ws-ticket")),
                    Arg::Secret {
                        env: "APP_JWT",
                        value: APP_JWT,
                    },
                    plain("--origin"),
                    plain("https://app.example.test"),
                ]
            },
        },
        Scenario {
            id: "healthy",
            report: None,
            title: "a WebSocket endpoint that works",
            expected: Cause::Healthy,
            app: || {
                Arc::new(
                    FastApi::new()
                        .get("/", r#"{"status":"ok"}"#)
                        .websocket(|p| p == "/ws/echo", |_| WsDecision::Accept),
                )
            },
            args: |port| vec![plain(format!("ws://127.0.0.1:{port}/ws/echo"))],
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use clap::Parser;

    #[test]
    fn every_scenario_command_line_parses_and_ids_are_unique() {
        let mut ids = std::collections::HashSet::new();
        for s in all() {
            assert!(ids.insert(s.id), "duplicate scenario id {}", s.id);
            let argv = super::super::argv_for_probe(&(s.args)(8080));
            let cli = Cli::try_parse_from(argv).unwrap();
            assert!(cli.probe.url.is_some(), "{}", s.id);
        }
    }
}
