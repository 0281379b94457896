//! Integration tests: the CLI contract and every outcome kind against in-process loopback servers.

mod render_formats;
mod render_json;
