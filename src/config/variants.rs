//! config::variants: which variants a run sends — `--variants LIST`, `--skip LIST` and `--safe`,
//! and a check file's `variants`, `skip` and `safe`, which go through this same parser. An entry
//! is a variant id exactly as in the JSON (`credential.none`, `origin.foreign`, `direct.baseline`,
//! `http2.origin.same`, `repeat.0`) or a group (`credential`, `origin`, `control`/`controls`,
//! `browser`/`browsers`, …). An entry also names the `direct.` and `http2.` twins of what it
//! names, so `--skip origin` sends no foreign Origin to the backend or over HTTP/2 either. What
//! `--safe` leaves out is decided in `plan`, which knows what each request carries. Pure: no I/O.

use crate::error::ConfigError;
use crate::model::{ids, SkipReason, Variant};

/// The groups, as in the JSON's `variant.group`, with the other spellings accepted for them.
pub const GROUPS: &[(&str, &[&str])] = &[
    ("credential", &["credentials"]),
    ("ticket", &["tickets"]),
    ("origin", &["origins"]),
    ("control", &["controls"]),
    ("browser", &["browsers"]),
    ("http", &[]),
    ("auth_check", &[]),
    ("http2", &[]),
    ("direct", &[]),
    ("repeat", &["repeats"]),
    ("address", &["addresses"]),
];

/// Every fixed variant id besides the baseline, in plan order. `direct.<id>` and `http2.<id>`
/// twins, `repeat.<n>` and `origin.extra.<n>` are accepted besides these.
pub const IDS: &[&str] = &[
    ids::CREDENTIAL_NONE,
    ids::CREDENTIAL_HEADER,
    ids::CREDENTIAL_QUERY,
    ids::CREDENTIAL_COOKIE,
    ids::CREDENTIAL_SUBPROTOCOL,
    ids::CREDENTIAL_WRONG,
    ids::TICKET_FRESH,
    ids::TICKET_REUSE,
    ids::ORIGIN_NONE,
    ids::ORIGIN_SAME,
    ids::ORIGIN_USER,
    ids::ORIGIN_FOREIGN,
    ids::ORIGIN_NULL,
    ids::CONTROL_PLAIN_GET,
    ids::CONTROL_MISSING_KEY,
    ids::CONTROL_VERSION_8,
    ids::CONTROL_OTHER_SCHEME,
    ids::BROWSER_CHROME,
    ids::BROWSER_FIREFOX,
    ids::HTTP_ROOT,
    ids::HTTP_HEALTH,
    ids::HTTP_AUTH_CHECK,
    ids::HTTP_AUTH_CHECK_NONE,
    ids::HTTP2,
];

/// Prefix of the HTTP/2 twins (`http2.<id>`).
const HTTP2_PREFIX: &str = "http2.";

/// One entry of a list: a group or an id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// A group (its JSON name): its variants and the twins of its members.
    Group(&'static str),
    /// A variant id: that variant and, for an id of the public matrix, its twins.
    Id(String),
}

impl Selector {
    /// True when this entry names `v`.
    pub fn names(&self, v: &Variant) -> bool {
        let inner = twin_of(v);
        match self {
            Selector::Group(g) => {
                v.group == *g
                    || inner.is_some_and(|i| i.split('.').next() == Some(*g))
                    // Pinned attempts (`address.<n>`) exist only once the name has resolved.
                    || (*g == "address" && v.id.starts_with(ids::ADDRESS_PREFIX))
            }
            Selector::Id(id) => v.id == *id || inner == Some(id.as_str()),
        }
    }
}

/// The public variant a `direct.` or `http2.` twin repeats, if `v` is one.
fn twin_of(v: &Variant) -> Option<&str> {
    if v.direct {
        return v.id.strip_prefix(ids::DIRECT_PREFIX);
    }
    if v.group == "http2" {
        return v.id.strip_prefix(HTTP2_PREFIX);
    }
    None
}

/// Which variants run, as given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// `--variants`: only these run besides the baseline (`None`: every variant).
    pub only: Option<Vec<Selector>>,
    /// `--skip`: these do not run (applied after `only`).
    pub skip: Vec<Selector>,
    /// `--safe`: nothing that a production service would count against the caller.
    pub safe: bool,
}

impl Selection {
    /// Parses `--variants` and `--skip` (each a list of comma-separated lists; empty = not given).
    pub fn parse(only: &[String], skip: &[String], safe: bool) -> Result<Selection, ConfigError> {
        let only = if only.is_empty() {
            None
        } else {
            Some(parse_list("--variants", only)?)
        };
        let skip = if skip.is_empty() {
            Vec::new()
        } else {
            parse_list("--skip", skip)?
        };
        if skip
            .iter()
            .any(|s| *s == Selector::Id(ids::BASELINE.into()))
        {
            return Err(ConfigError::InvalidValue {
                flag: "--skip",
                reason: "the baseline always runs: every variant is compared with it".into(),
            });
        }
        Ok(Selection { only, skip, safe })
    }

    /// True when `--variants` or `--skip` was given.
    pub fn is_narrowed(&self) -> bool {
        self.only.is_some() || !self.skip.is_empty()
    }

    /// Why `v` does not run, when it does not: not named by `--variants`, named by `--skip`, or,
    /// under `--safe`, `unsafe_to_send`. The baseline's `--direct` twin runs with the baseline
    /// unless `--skip` names it.
    pub fn reason(&self, v: &Variant, unsafe_to_send: bool) -> Option<SkipReason> {
        if let Some(only) = &self.only {
            let base_twin = v.direct && v.id == ids::DIRECT_BASELINE;
            if !base_twin && !only.iter().any(|s| s.names(v)) {
                return Some(SkipReason::NotSelected);
            }
        }
        if self.skip.iter().any(|s| s.names(v)) {
            return Some(SkipReason::Skip);
        }
        if self.safe && unsafe_to_send {
            return Some(SkipReason::Safe);
        }
        None
    }

    /// True when `--variants` names `v` (by id or group): the user asked for it.
    pub fn names(&self, v: &Variant) -> bool {
        self.only
            .as_ref()
            .is_some_and(|only| only.iter().any(|s| s.names(v)))
    }

    /// True when `v` runs, safe or not.
    pub fn keeps(&self, v: &Variant) -> bool {
        self.reason(v, false).is_none()
    }

    /// The selection as given, for listings: `variants credential.none, origin`, `skip control`,
    /// `safe`. Empty for a default run.
    pub fn describe(&self) -> Vec<String> {
        let names = |l: &[Selector]| l.iter().map(Selector::name).collect::<Vec<_>>().join(", ");
        let mut out = Vec::new();
        if let Some(only) = &self.only {
            out.push(format!("variants {}", names(only)));
        }
        if !self.skip.is_empty() {
            out.push(format!("skip {}", names(&self.skip)));
        }
        if self.safe {
            out.push("safe".into());
        }
        out
    }
}

impl Selector {
    /// The entry as the JSON spells it.
    pub fn name(&self) -> &str {
        match self {
            Selector::Group(g) => g,
            Selector::Id(id) => id,
        }
    }
}

/// Parses the entries of one flag: comma-separated, surrounding spaces ignored.
fn parse_list(flag: &'static str, lists: &[String]) -> Result<Vec<Selector>, ConfigError> {
    let mut out: Vec<Selector> = Vec::new();
    for entry in lists.iter().flat_map(|l| l.split(',')).map(str::trim) {
        if entry.is_empty() {
            continue;
        }
        let s = parse_entry(entry).map_err(|reason| ConfigError::InvalidValue { flag, reason })?;
        if !out.contains(&s) {
            out.push(s);
        }
    }
    if out.is_empty() {
        return Err(ConfigError::InvalidValue {
            flag,
            reason: format!("names no variant: give ids or groups ({})", valid_list()),
        });
    }
    Ok(out)
}

/// One entry: a group (any accepted spelling, case-insensitive) or a known id.
pub fn parse_entry(entry: &str) -> Result<Selector, String> {
    let lower = entry.to_ascii_lowercase();
    for (group, aliases) in GROUPS {
        if lower == *group || aliases.contains(&lower.as_str()) {
            return Ok(Selector::Group(group));
        }
    }
    if is_known_id(&lower) {
        return Ok(Selector::Id(lower));
    }
    let hint = match suggestion(&lower) {
        Some(s) => format!(" (did you mean '{s}'?)"),
        None => String::new(),
    };
    Err(format!(
        "'{entry}' is not a variant id or group{hint}; valid: {}",
        valid_list()
    ))
}

/// True for the ids a plan can hold: the fixed ones, their twins and the numbered ones.
fn is_known_id(id: &str) -> bool {
    if id == ids::BASELINE || IDS.contains(&id) {
        return true;
    }
    let numbered = |prefix: &str| {
        id.strip_prefix(prefix)
            .is_some_and(|n| !n.is_empty() && n.len() <= 3 && n.bytes().all(|b| b.is_ascii_digit()))
    };
    if numbered(ids::REPEAT_PREFIX) || numbered("origin.extra.") {
        return true;
    }
    if let Some(inner) = id.strip_prefix(ids::DIRECT_PREFIX) {
        // Browser shapes and protocol controls have no twin (they test the public edge).
        return inner == ids::BASELINE
            || numbered_origin(inner)
            || IDS.contains(&inner)
                && ["credential.", "ticket.", "origin."]
                    .iter()
                    .any(|p| inner.starts_with(p))
            || inner == ids::CONTROL_PLAIN_GET;
    }
    if let Some(inner) = id.strip_prefix(HTTP2_PREFIX) {
        return (inner.starts_with("credential.") || inner.starts_with("origin."))
            && (IDS.contains(&inner) || numbered_origin(inner))
            && inner != ids::CREDENTIAL_WRONG;
    }
    false
}

fn numbered_origin(id: &str) -> bool {
    id.strip_prefix("origin.extra.")
        .is_some_and(|n| !n.is_empty() && n.len() <= 3 && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The closest group or id to a misspelt entry, when one is close enough (Jaro-Winkler, as clap
/// suggests subcommands). A twin prefix is kept: `direct.orgin.same` → `direct.origin.same`.
fn suggestion(entry: &str) -> Option<String> {
    for prefix in [ids::DIRECT_PREFIX, HTTP2_PREFIX] {
        if let Some(inner) = entry.strip_prefix(prefix) {
            let best = closest(inner)?;
            let candidate = format!("{prefix}{best}");
            return is_known_id(&candidate).then_some(candidate);
        }
    }
    closest(entry).map(str::to_string)
}

fn closest(entry: &str) -> Option<&'static str> {
    let candidates = GROUPS
        .iter()
        .flat_map(|(g, aliases)| std::iter::once(*g).chain(aliases.iter().copied()))
        .chain(IDS.iter().copied());
    candidates
        .map(|c| (strsim::jaro_winkler(entry, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// The groups and ids, for error messages.
fn valid_list() -> String {
    let groups: Vec<&str> = GROUPS.iter().map(|(g, _)| *g).collect();
    format!(
        "groups {}; ids {}, direct.<id>, http2.<id>, repeat.<n>, origin.extra.<n>",
        groups.join(", "),
        IDS.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use test_case::test_case;

    fn v(id: &str, group: &str) -> Variant {
        let mut v = Variant::baseline();
        v.id = id.into();
        v.group = group.into();
        v.direct = id.starts_with("direct.");
        v
    }

    fn sel(only: &[&str], skip: &[&str], safe: bool) -> Selection {
        let owned = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        Selection::parse(&owned(only), &owned(skip), safe).unwrap()
    }

    #[test_case("credential", Selector::Group("credential"); "group")]
    #[test_case("controls", Selector::Group("control"); "plural control")]
    #[test_case("Browsers", Selector::Group("browser"); "plural browser any case")]
    #[test_case("origin.foreign", Selector::Id("origin.foreign".into()); "id")]
    #[test_case("direct.credential.none", Selector::Id("direct.credential.none".into()); "direct twin")]
    #[test_case("http2.origin.same", Selector::Id("http2.origin.same".into()); "http2 twin")]
    #[test_case("repeat.3", Selector::Id("repeat.3".into()); "numbered repeat")]
    #[test_case("origin.extra.0", Selector::Id("origin.extra.0".into()); "numbered origin")]
    #[test_case("http.auth_check.none", Selector::Id("http.auth_check.none".into()); "auth check")]
    fn entries_parse(entry: &str, want: Selector) {
        assert_eq!(parse_entry(entry), Ok(want));
    }

    #[test_case("orign", "origin"; "group typo")]
    #[test_case("credential.nnoe", "credential.none"; "id typo")]
    #[test_case("origin.forein", "origin.foreign"; "foreign typo")]
    #[test_case("control.plain-get", "control.plain_get"; "dash for underscore")]
    #[test_case("direct.orgin.same", "direct.origin.same"; "twin typo keeps the prefix")]
    fn a_close_miss_is_suggested(entry: &str, want: &str) {
        let err = parse_entry(entry).unwrap_err();
        assert!(
            err.contains(&format!("did you mean '{want}'")),
            "{entry}: {err}"
        );
        assert!(err.contains("valid: groups credential"), "{err}");
        assert!(err.contains("origin.foreign"), "{err}");
    }

    #[test_case("everything"; "far from anything")]
    #[test_case("direct.browser.chrome"; "a twin that is never planned")]
    #[test_case("http2.credential.wrong"; "an http2 twin that is never planned")]
    #[test_case("repeat.x"; "not a number")]
    fn unknown_entries_are_refused(entry: &str) {
        let err = parse_entry(entry).unwrap_err();
        assert!(err.starts_with(&format!("'{entry}' is not a variant id or group")));
    }

    #[test]
    fn lists_are_comma_separated_and_repeatable_and_never_empty() {
        let s = sel(&["credential.none, origin", "controls"], &[], false);
        assert_eq!(
            s.only,
            Some(vec![
                Selector::Id("credential.none".into()),
                Selector::Group("origin"),
                Selector::Group("control"),
            ])
        );
        let e = Selection::parse(&[" , ".into()], &[], false).unwrap_err();
        assert!(
            e.to_string().contains("--variants: names no variant"),
            "{e}"
        );
        let e = Selection::parse(&[], &["baseline".into()], false).unwrap_err();
        assert!(e.to_string().contains("the baseline always runs"), "{e}");
        let e = Selection::parse(&[], &["origin,orign".into()], false).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("invalid value for --skip: 'orign' is not a variant id or group (did you mean 'origin'?)"),
            "{e}"
        );
    }

    #[test]
    fn skip_applies_after_variants_and_names_the_twins() {
        let s = sel(&["origin"], &["origin.foreign"], false);
        assert_eq!(s.reason(&v("origin.same", "origin"), false), None);
        assert_eq!(
            s.reason(&v("origin.foreign", "origin"), false),
            Some(SkipReason::Skip)
        );
        assert_eq!(
            s.reason(&v("credential.none", "credential"), false),
            Some(SkipReason::NotSelected)
        );
        // The twins of what an entry names go with it.
        assert_eq!(
            s.reason(&v("direct.origin.foreign", "direct"), false),
            Some(SkipReason::Skip)
        );
        assert_eq!(s.reason(&v("http2.origin.null", "http2"), false), None);
        assert_eq!(
            s.reason(&v("http2.credential.none", "http2"), false),
            Some(SkipReason::NotSelected)
        );
        // The baseline's direct twin runs with the baseline, unless skipped by name.
        assert_eq!(s.reason(&v("direct.baseline", "direct"), false), None);
        let s = sel(&[], &["direct"], false);
        assert_eq!(
            s.reason(&v("direct.baseline", "direct"), false),
            Some(SkipReason::Skip)
        );
    }

    #[test]
    fn safe_leaves_out_only_what_plan_calls_unsafe() {
        let s = sel(&[], &[], true);
        assert_eq!(s.reason(&v("origin.same", "origin"), false), None);
        assert_eq!(
            s.reason(&v("origin.foreign", "origin"), true),
            Some(SkipReason::Safe)
        );
        // An explicit --skip is the reason shown when both apply.
        let s = sel(&[], &["origin"], true);
        assert_eq!(
            s.reason(&v("origin.foreign", "origin"), true),
            Some(SkipReason::Skip)
        );
        assert!(!sel(&[], &[], false).is_narrowed());
        assert!(sel(&[], &["address"], false).is_narrowed());
        assert!(!sel(&[], &["addresses"], false).keeps(&v("address.0", "address")));
    }
}
