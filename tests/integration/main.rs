//! Integration tests: the CLI contract and every outcome kind against in-process loopback servers.

#[path = "../support/mod.rs"]
mod support;

mod causes;
mod cli;
mod demo;
