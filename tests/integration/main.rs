//! Integration tests: the CLI contract and every outcome kind against in-process loopback servers.

#[path = "../support/mod.rs"]
mod support;

mod addresses;
mod causes;
mod check;
mod cli;
mod corpus;
mod credentials;
mod demo;
mod docs_links;
mod exchange;
mod explain;
mod explain_field;
mod exporter;
mod exporter_fairness;
mod fitting;
mod forward_proxy_socks;
mod habits;
mod help;
mod hostile;
mod http2;
mod inputs;
mod interrupt;
mod layout;
mod polish;
mod probe_http;
mod probe_session;
mod probe_ticket;
mod probe_tls;
mod probe_tls_mtls;
mod probe_transport;
mod progress;
mod props;
mod render_formats;
mod render_json;
mod scheme;
mod variants;
