//! template: renders a fixture config (`fixtures/nginx/*.conf`, `*.Caddyfile`, `*.cfg`) into a
//! test's directory, replacing `{{NAME}}` placeholders. `{{TMP}}` is always the test directory.
//! A placeholder left unfilled is a test bug and fails loudly.

use std::path::{Path, PathBuf};

/// Renders `fixtures/<fixture>` with `vars` into `<dir>/<file name>` and returns that path.
pub fn render(fixture: &str, vars: &[(&str, String)], dir: &Path) -> PathBuf {
    let source = super::repo_root().join("fixtures").join(fixture);
    let mut text = std::fs::read_to_string(&source)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", source.display()));
    text = text.replace("{{TMP}}", &dir.display().to_string());
    for (name, value) in vars {
        text = text.replace(&format!("{{{{{name}}}}}"), value);
    }
    if let Some(at) = text.find("{{") {
        let rest: String = text[at..].chars().take(40).collect();
        panic!("{fixture}: placeholder left unfilled at '{rest}'");
    }
    let name = Path::new(fixture)
        .file_name()
        .expect("fixture has a file name");
    let out = dir.join(name);
    std::fs::write(&out, text).expect("write the rendered config");
    out
}

#[test]
fn render_fills_every_placeholder_and_refuses_leftovers() {
    let dir = super::test_dir("template");
    let out = render(
        "haproxy/ws-proxy.cfg",
        &[
            ("LISTEN", "127.0.0.1:1".into()),
            ("UPSTREAM", "127.0.0.1:2".into()),
        ],
        dir.path(),
    );
    let text = std::fs::read_to_string(out).unwrap();
    assert!(text.contains("bind 127.0.0.1:1"));
    assert!(text.contains("server app1 127.0.0.1:2"));
    let missing = std::panic::catch_unwind(|| {
        render(
            "haproxy/ws-proxy.cfg",
            &[("LISTEN", "127.0.0.1:1".into())],
            dir.path(),
        )
    });
    assert!(missing.is_err(), "an unfilled {{UPSTREAM}} must fail");
}
