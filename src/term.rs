//! term: the decisions that depend on where output goes (colour, progress), as pure functions of
//! their inputs so they are tested without a terminal. main gathers the inputs (flags,
//! environment, `is_terminal()`) once and applies the answers; nothing else reads them.

use crate::cli::ColorChoice;

/// Whether to colour a stream: an explicit `--color always`/`never` wins; `auto` colours a
/// terminal unless `NO_COLOR` is set non-empty (no-color.org: an explicit flag beats NO_COLOR).
pub fn color_enabled(choice: ColorChoice, no_color: bool, is_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => is_terminal && !no_color,
    }
}

/// Whether to draw progress on stderr: only for a person watching a terminal, never with
/// `-s/--silent`, never in CI (`CI` set non-empty, as GitHub Actions, GitLab and most runners do).
pub fn progress_enabled(silent: bool, stderr_is_terminal: bool, ci: bool) -> bool {
    !silent && stderr_is_terminal && !ci
}

/// The columns the report may use on stdout: `COLUMNS` when it is a positive number (the user's
/// or the shell's word wins, as for `ls`), else the terminal's width when stdout is one, else
/// None (the renderers' default, 100).
pub fn report_columns(columns_env: Option<&str>, terminal_columns: Option<u16>) -> Option<usize> {
    columns_env
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|c| *c > 0)
        .or_else(|| terminal_columns.filter(|c| *c > 0).map(usize::from))
}

/// True when an environment variable is set to a non-empty value.
pub fn env_flag(value: Option<std::ffi::OsString>) -> bool {
    value.is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use test_case::test_case;

    #[test_case(ColorChoice::Always, true, false => true; "always beats NO_COLOR and a pipe")]
    #[test_case(ColorChoice::Never, false, true => false; "never beats a terminal")]
    #[test_case(ColorChoice::Auto, false, true => true; "auto colours a terminal")]
    #[test_case(ColorChoice::Auto, true, true => false; "auto honours NO_COLOR")]
    #[test_case(ColorChoice::Auto, false, false => false; "auto never colours a pipe")]
    fn color(choice: ColorChoice, no_color: bool, tty: bool) -> bool {
        color_enabled(choice, no_color, tty)
    }

    #[test_case(false, true, false => true; "a terminal outside CI")]
    #[test_case(false, false, false => false; "a pipe")]
    #[test_case(false, true, true => false; "CI even on a terminal")]
    #[test_case(true, true, false => false; "silent")]
    fn progress(silent: bool, tty: bool, ci: bool) -> bool {
        progress_enabled(silent, tty, ci)
    }

    #[test_case(Some("132"), Some(80) => Some(132); "COLUMNS wins")]
    #[test_case(None, Some(80) => Some(80); "the terminal's width")]
    #[test_case(Some("wide"), Some(90) => Some(90); "a COLUMNS that is no number is ignored")]
    #[test_case(Some("0"), None => None; "zero is no width")]
    #[test_case(None, None => None; "a pipe gets the default")]
    fn columns(env: Option<&str>, terminal: Option<u16>) -> Option<usize> {
        report_columns(env, terminal)
    }

    #[test]
    fn empty_env_values_do_not_count() {
        assert!(!env_flag(None));
        assert!(!env_flag(Some("".into())));
        assert!(env_flag(Some("1".into())));
    }
}
