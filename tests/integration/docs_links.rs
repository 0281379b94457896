//! Every relative link in README.md and docs/*.md points at a file that exists, and a `#anchor`
//! into a Markdown file names one of its headings (GitHub's slug rule, simplified).

use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The `(target)` of every `[text](target)` in `text`.
fn links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("](") {
        let after = &rest[at + 2..];
        match after.find(')') {
            Some(end) => {
                out.push(after[..end].to_string());
                rest = &after[end..];
            }
            None => break,
        }
    }
    out
}

/// GitHub's heading anchor: lowercase, spaces to '-', punctuation other than '-' and '_' dropped.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

fn anchors(md: &str) -> Vec<String> {
    md.lines()
        .filter(|l| l.starts_with('#'))
        .map(|l| slug(l.trim_start_matches('#')))
        .collect()
}

#[test]
fn every_relative_link_in_the_readme_and_docs_resolves() {
    let mut files: Vec<PathBuf> = vec![root().join("README.md")];
    for e in std::fs::read_dir(root().join("docs")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "md") {
            files.push(p);
        }
    }
    let mut broken = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for link in links(&text) {
            let link = link.split_whitespace().next().unwrap_or("").to_string();
            if link.is_empty() || link.contains("://") || link.starts_with("mailto:") {
                continue;
            }
            let (path, anchor) = match link.split_once('#') {
                Some((p, a)) => (p.to_string(), Some(a.to_string())),
                None => (link.clone(), None),
            };
            let target = if path.is_empty() {
                file.clone()
            } else {
                file.parent().unwrap().join(&path)
            };
            if !target.exists() {
                broken.push(format!("{}: {link} (no such file)", file.display()));
                continue;
            }
            if let Some(a) = anchor {
                if target.extension().is_some_and(|x| x == "md") {
                    let md = std::fs::read_to_string(&target).unwrap();
                    let known = anchors(&md);
                    // Explicit `<a id="…">` anchors count too (docs/causes.md uses ids).
                    if !known.contains(&a) && !md.contains(&format!("id=\"{a}\"")) {
                        broken.push(format!("{}: {link} (no such heading)", file.display()));
                    }
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn the_link_checker_sees_a_broken_link() {
    assert_eq!(
        links("see [a](causes.md) and [b](x.md#y)"),
        ["causes.md", "x.md#y"]
    );
    assert_eq!(slug("Exit codes"), "exit-codes");
    assert_eq!(
        slug("`auth.missing_credentials`"),
        "authmissing_credentials"
    );
}

// Issue 12 point 16: the README's CI example must not compile wsdoctor in every scheduled job:
// the binary is cached per version and built only on a cache miss.
#[test]
fn the_readme_ci_example_caches_the_binary_and_builds_only_on_a_miss() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap_or_default();
    let start = readme
        .find("# .github/workflows/websocket-smoke.yml")
        .expect("the CI example");
    let block = &readme[start
        ..readme[start..]
            .find("```")
            .map_or(readme.len(), |e| start + e)];
    assert!(block.contains("uses: actions/cache@"), "{block}");
    assert!(block.contains("path: ~/.cargo/bin/wsdoctor"), "{block}");
    let install = block
        .find("cargo install")
        .expect("the example installs wsdoctor");
    let before = &block[..install];
    let step = &before[before.rfind("- name:").unwrap_or(0)..];
    assert!(
        step.contains("if: steps.wsdoctor-bin.outputs.cache-hit != 'true'"),
        "cargo install runs on every job: {step}"
    );
}
