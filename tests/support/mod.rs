//! Test support shared by the integration tests: in-process loopback servers and the base
//! `wsdoctor` command with a clean environment.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of the support code"
)]
#![expect(
    clippy::expect_used,
    reason = "test support: a failed setup must fail the test loudly"
)]

pub mod scripted;

/// Path of the built `wsdoctor` binary.
pub const WSDOCTOR: &str = env!("CARGO_BIN_EXE_wsdoctor");

/// The binary with an empty environment (no RUST_LOG, NO_COLOR, token variables or terminal
/// settings leaking in from the developer's shell), like xh's `get_base_command`.
pub fn wsdoctor() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(WSDOCTOR);
    cmd.env_clear();
    cmd
}

/// The same as a `std::process::Command`, for tests that manage the child themselves.
pub fn wsdoctor_std() -> std::process::Command {
    let mut cmd = std::process::Command::new(WSDOCTOR);
    cmd.env_clear();
    cmd
}
