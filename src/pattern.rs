//! pattern: the regular expressions wsdoctor matches (`--expect-reply`, the exporter's
//! `allowed_targets` globs), compiled with regex-automata's lazy DFA and PikeVM.
//!
//! The syntax and the answers are the `regex` crate's: the same parser (`regex-syntax`, the same
//! configuration), the same NFA compiler and the same size limit, and a match is a match wherever
//! it is. What is left out is the `regex` crate's meta engine (its literal prefilters, Aho-Corasick,
//! one-pass DFA and backtracker): about 0.3 MB of the binary for speed that a handful of messages
//! or one URL per scrape never needs (docs/performance.md, issue 27). The lazy DFA still answers
//! in linear time; where it cannot (a Unicode `\b` meeting non-ASCII text, a cache that keeps
//! filling up) the PikeVM answers instead, as the meta engine itself falls back.

use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::nfa::thompson::{self, pikevm::PikeVM, WhichCaptures, NFA};
use regex_automata::util::syntax;
use regex_automata::Input;

/// A compiled pattern and the text it was compiled from.
#[derive(Clone)]
pub struct Pattern {
    text: String,
    /// None when the lazy DFA cannot be built for this NFA (the PikeVM answers alone).
    dfa: Option<DFA>,
    vm: PikeVM,
}

impl std::fmt::Debug for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Pattern").field(&self.text).finish()
    }
}

/// The lazy DFA's cache, as `regex` sizes it (2 MiB; globset: 10 MiB).
const REGEX_CACHE: usize = 2 << 20;
const GLOB_CACHE: usize = 10 << 20;

impl Pattern {
    /// A `regex::Regex` as `regex::RegexBuilder::new(text).size_limit(size_limit).build()` makes
    /// it: Unicode, matching UTF-8 text. The error reads as that crate's (its `Display`).
    pub fn regex(text: &str, size_limit: usize) -> Result<Pattern, String> {
        let hir = syntax::parse_with(text, &syntax::Config::new().utf8(true))
            .map_err(|e| e.to_string())?;
        Pattern::compile(text, &hir, true, Some(size_limit), REGEX_CACHE)
    }

    /// The regular expression globset translates a glob into (`Glob::regex`), compiled as
    /// `GlobMatcher` compiles it: bytes, `.` matching a newline, a 10 MiB size limit.
    pub fn glob(glob: &globset::Glob) -> Result<Pattern, String> {
        let text = glob.regex();
        let config = syntax::Config::new().utf8(false).dot_matches_new_line(true);
        let hir = syntax::parse_with(text, &config).map_err(|e| e.to_string())?;
        Pattern::compile(text, &hir, false, Some(10 << 20), GLOB_CACHE)
    }

    fn compile(
        text: &str,
        hir: &regex_syntax::hir::Hir,
        utf8: bool,
        size_limit: Option<usize>,
        cache: usize,
    ) -> Result<Pattern, String> {
        let config = thompson::Config::new()
            .utf8(utf8)
            .nfa_size_limit(size_limit)
            .shrink(false)
            .which_captures(WhichCaptures::All);
        let too_big = |e: thompson::BuildError| match e.size_limit() {
            Some(limit) => format!("Compiled regex exceeds size limit of {limit} bytes."),
            None => e.to_string(),
        };
        let nfa: NFA = thompson::Compiler::new()
            .configure(config.clone())
            .build_from_hir(hir)
            .map_err(too_big)?;
        // The meta engine also compiles the reverse NFA under the same limit (its DFAs search
        // backwards for the start), so a pattern is refused as too big exactly when it refuses
        // it. Only that answer is kept.
        thompson::Compiler::new()
            .configure(config.which_captures(WhichCaptures::None).reverse(true))
            .build_from_hir(hir)
            .map_err(too_big)?;
        // The lazy DFA as the meta engine configures it; a pattern it cannot take is left to
        // the PikeVM.
        let dfa = DFA::builder()
            .configure(
                DFA::config()
                    .unicode_word_boundary(true)
                    .cache_capacity(cache)
                    .minimum_cache_clear_count(Some(3))
                    .minimum_bytes_per_state(Some(10)),
            )
            .build_from_nfa(nfa.clone())
            .ok();
        let vm = PikeVM::new_from_nfa(nfa).map_err(|e| e.to_string())?;
        Ok(Pattern {
            text: text.to_string(),
            dfa,
            vm,
        })
    }

    /// The pattern as written (for a glob, the regular expression it became).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// True when the pattern matches anywhere in `haystack`.
    pub fn is_match(&self, haystack: impl AsRef<[u8]>) -> bool {
        let input = Input::new(haystack.as_ref()).earliest(true);
        if let Some(dfa) = &self.dfa {
            let mut cache = Cache::new(dfa);
            if let Ok(found) = dfa.try_search_fwd(&mut cache, &input) {
                return found.is_some();
            }
        }
        self.vm.is_match(&mut self.vm.create_cache(), input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same answers as the `regex` crate (a dev-dependency) on the patterns the docs show,
    /// Unicode classes, word boundaries on non-ASCII text (where the lazy DFA gives up) and
    /// anchors.
    #[test]
    fn matches_as_the_regex_crate_does() {
        let cases: &[(&str, &[&str])] = &[
            (
                r#""type":"connection_ack""#,
                &[r#"{"type":"connection_ack"}"#, "{}", ""],
            ),
            (
                r#"^40\{"sid":"#,
                &[r#"40{"sid":"x"}"#, r#"0{"sid":"x"}"#, "40"],
            ),
            (r"\p{Greek}+", &["abc", "αβγ", "x λ y"]),
            (r"\bwort\b", &["ein wort hier", "wörter", "éwort", "worté"]),
            (r"(?i)ПРИВЕТ", &["привет", "hello"]),
            (r"\w{3}\d$", &["abc1", "ab1", "日本語1", "abc1\n"]),
            (r"a|b*", &["", "zzz"]),
            (r"(?m)^ok$", &["line\nok\nmore", "not ok"]),
            (r"[^\x00-\x7F]", &["ascii", "ä"]),
            ("", &["", "anything"]),
        ];
        for (p, texts) in cases {
            let ours = Pattern::regex(p, 1 << 20).unwrap();
            let theirs = regex::RegexBuilder::new(p)
                .size_limit(1 << 20)
                .build()
                .unwrap();
            assert_eq!(ours.as_str(), *p);
            for t in *texts {
                assert_eq!(ours.is_match(t), theirs.is_match(t), "/{p}/ on {t:?}");
            }
        }
    }

    /// A bad pattern and one over the size limit are refused with the `regex` crate's words.
    #[test]
    fn errors_read_as_the_regex_crates() {
        for (p, limit) in [
            ("(", 1 << 20),
            ("a{5", 1 << 20),
            (r"\p{Nope}", 1 << 20),
            (r"(?-u:\xFF)", 1 << 20),
            ("a{1000}{1000}", 1 << 20),
        ] {
            let theirs = regex::RegexBuilder::new(p)
                .size_limit(limit)
                .build()
                .unwrap_err();
            assert_eq!(Pattern::regex(p, limit).unwrap_err(), theirs.to_string());
        }
        let big = r"\w{50}";
        let theirs = regex::RegexBuilder::new(big)
            .size_limit(1 << 20)
            .build()
            .unwrap_err();
        let ours = Pattern::regex(big, 1 << 20).unwrap_err();
        assert_eq!(ours, theirs.to_string());
        assert!(
            ours.starts_with("Compiled regex exceeds size limit"),
            "{ours}"
        );
    }

    /// A long text that fills the lazy DFA's cache still gets the PikeVM's answer.
    #[test]
    fn long_unicode_text_is_answered() {
        let p = Pattern::regex(r"\bend\b", 1 << 20).unwrap();
        let mut text = "é ".repeat(200_000);
        assert!(!p.is_match(&text));
        text.push_str(" end");
        assert!(p.is_match(&text));
    }

    /// Globs match as globset's own matcher does.
    #[test]
    fn globs_match_as_globset_does() {
        let urls = [
            "wss://chat.example.com/",
            "wss://chat.example.com/a/b?room=1",
            "wss://evil.test/.example.com/ws",
            "wss://chat.example.com.evil.test/ws",
            "ws://10.0.0.5/",
            "wss://a.example.com:8443/x",
            "wss://chat.example.com/ws\n",
        ];
        for g in [
            "wss://*.example.com/**",
            "wss://*.example.com:*/**",
            "ws://10.0.0.?/",
            "wss://{chat,a}.example.com/[w]s",
            "wss://chat.example.com/ws[?]*",
            "wss://**/ws",
        ] {
            let glob = globset::GlobBuilder::new(g)
                .literal_separator(true)
                .build()
                .unwrap();
            let ours = Pattern::glob(&glob).unwrap();
            let theirs = glob.compile_matcher();
            for u in urls {
                assert_eq!(ours.is_match(u), theirs.is_match(u), "{g} on {u}");
            }
        }
    }
}
