//! exit: the documented exit codes and the mapping from a finished report to one.
//! Documented in the README ("Exit codes"); scripts depend on them, so they never change.

use crate::diagnose::cause::Category;
use crate::model::Report;

/// The target is healthy (and every expectation held).
pub const OK: u8 = 0;
/// A fault was diagnosed (or an expectation failed).
pub const FAULT: u8 = 1;
/// Usage or configuration error: bad URL, unreadable file, bad flag value.
pub const USAGE: u8 = 2;

/// The exit code for a finished probe report.
pub fn code_for(report: &Report) -> u8 {
    if report.diagnosis.category == Category::Ok {
        OK
    } else {
        FAULT
    }
}

/// The exit code for a finished check (or a probe with `--expect*`): OK only when every
/// expectation of every target held.
pub fn code_for_check(check: &crate::model::check::CheckReport) -> u8 {
    if check.passed {
        OK
    } else {
        FAULT
    }
}

/// Interrupted (Ctrl-C, SIGINT): 128 + 2, the shell convention. What was measured is printed,
/// marked partial.
pub const INTERRUPTED: u8 = 130;

/// Terminated (SIGTERM: `timeout`, `docker stop`, Kubernetes, a cancelled CI job): 128 + 15.
/// Handled as Ctrl-C is: what was measured is printed, marked partial.
pub const TERMINATED: u8 = 143;
