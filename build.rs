//! Compiles the responder catalogue (`catalogue/*.toml`) into Rust statics, so the binary carries
//! it with no parsing at start-up (`src/catalogue/mod.rs` includes the generated file).
//!
//! The build checks the shape of every entry (known kinds, roles, topics and conditions, an https
//! `source` on every fact) and fails with the file and product named; the meaning checks (cause
//! ids, the documented answers identifying as their product) are tests in `src/catalogue`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    product: Vec<Product>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Product {
    name: String,
    family: String,
    kind: String,
    #[serde(default)]
    language: Option<String>,
    /// What it recognises, in a few words, for the listing.
    recognised_by: String,
    source: String,
    #[serde(default)]
    idle_timeout_s: Option<u32>,
    #[serde(default)]
    idle_setting: Option<String>,
    #[serde(default)]
    idle_source: Option<String>,
    #[serde(default)]
    upgrade: Option<String>,
    #[serde(default)]
    upgrade_source: Option<String>,
    #[serde(default)]
    handshake_in_server: bool,
    #[serde(default)]
    handshake_source: Option<String>,
    #[serde(default)]
    websocket_route_plain_get: Option<u16>,
    #[serde(default)]
    websocket_route_plain_get_source: Option<String>,
    #[serde(default)]
    answer: Vec<Answer>,
    #[serde(default)]
    close: Vec<Close>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Answer {
    situation: String,
    role: String,
    #[serde(default)]
    rank: Option<i64>,
    #[serde(default)]
    front_wrote_it: Option<f64>,
    #[serde(default)]
    topic: Option<String>,
    #[serde(default)]
    supports: Vec<String>,
    #[serde(default)]
    rules_out: Vec<String>,
    when: Vec<toml::Table>,
    source: String,
    #[serde(default)]
    fixtures: Vec<String>,
    #[serde(default)]
    example: Option<String>,
    #[serde(default)]
    example_topic: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Close {
    code: u16,
    #[serde(default)]
    reason: Option<String>,
    topic: String,
    source: String,
}

const KINDS: &[(&str, &str)] = &[
    ("reverse_proxy", "ReverseProxy"),
    ("cdn", "Cdn"),
    ("load_balancer", "LoadBalancer"),
    ("api_gateway", "ApiGateway"),
    ("tls_terminator", "TlsTerminator"),
    ("forward_proxy", "ForwardProxy"),
    ("platform_router", "PlatformRouter"),
    ("server_framework", "ServerFramework"),
    ("library", "Library"),
    ("broker", "Broker"),
];

/// The one vocabulary of what an answer or a close is about (`catalogue::Topic`): answers' `topic`
/// and `example_topic`, and close reasons' `topic`, use these ids.
const TOPICS: &[(&str, &str)] = &[
    ("origin", "Origin"),
    ("auth", "Auth"),
    ("rate_limit", "RateLimit"),
    ("upstream", "Upstream"),
    ("upstream_timeout", "UpstreamTimeout"),
    ("unavailable", "Unavailable"),
    ("internal", "Internal"),
    ("not_found", "NotFound"),
    ("method_not_allowed", "MethodNotAllowed"),
    ("transport", "Transport"),
    ("handshake", "Handshake"),
    ("denied", "Denied"),
    ("policy", "Policy"),
    ("protocol", "Protocol"),
    ("too_large", "TooLarge"),
    ("message_too_big", "MessageTooBig"),
    ("idle", "Idle"),
    ("going_away", "GoingAway"),
    ("bad_request", "BadRequest"),
];

fn lookup<'a>(table: &'a [(&str, &str)], key: &str, what: &str, ctx: &str) -> &'a str {
    table
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| *v)
        .unwrap_or_else(|| panic!("{ctx}: unknown {what} `{key}`"))
}

fn https(url: &str, ctx: &str) {
    assert!(
        url.starts_with("https://") && !url.contains(char::is_whitespace),
        "{ctx}: source `{url}` is not an https URL"
    );
}

fn lit(s: &str) -> String {
    format!("{s:?}")
}

fn str_list(v: &[String]) -> String {
    let items: Vec<String> = v.iter().map(|s| lit(s)).collect();
    format!("&[{}]", items.join(", "))
}

fn opt_str(v: &Option<String>) -> String {
    match v {
        Some(s) => format!("Some({})", lit(s)),
        None => "None".into(),
    }
}

fn as_str<'a>(v: &'a toml::Value, ctx: &str) -> &'a str {
    v.as_str()
        .unwrap_or_else(|| panic!("{ctx}: expected a string, got {v}"))
}

fn as_strs(v: &toml::Value, ctx: &str) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("{ctx}: expected an array, got {v}"))
        .iter()
        .map(|x| as_str(x, ctx).to_string())
        .collect()
}

fn pair(v: &toml::Value, ctx: &str) -> (String, String) {
    let v = as_strs(v, ctx);
    assert!(v.len() == 2, "{ctx}: expected [name, value]");
    (v[0].clone(), v[1].clone())
}

fn flag(v: &toml::Value, ctx: &str) {
    assert!(v.as_bool() == Some(true), "{ctx}: expected `true`");
}

fn cond(t: &toml::Table, ctx: &str) -> String {
    assert!(t.len() == 1, "{ctx}: a condition has exactly one key: {t}");
    let Some((k, v)) = t.iter().next() else {
        panic!("{ctx}: empty condition");
    };
    let ctx = format!("{ctx} `{k}`");
    match k.as_str() {
        "status" => {
            let codes: Vec<String> = v
                .as_array()
                .unwrap_or_else(|| panic!("{ctx}: expected an array of statuses"))
                .iter()
                .map(|c| {
                    let n = c
                        .as_integer()
                        .unwrap_or_else(|| panic!("{ctx}: expected a status"));
                    assert!((100..600).contains(&n), "{ctx}: bad status {n}");
                    n.to_string()
                })
                .collect();
            format!("Cond::Status(&[{}])", codes.join(", "))
        }
        "header_contains" => {
            let (n, v) = pair(v, &ctx);
            format!("Cond::HeaderContains({}, {})", lit(&n), lit(&v))
        }
        "header_is" => {
            let (n, v) = pair(v, &ctx);
            format!("Cond::HeaderIs({}, {})", lit(&n), lit(&v))
        }
        "header_starts_with" => {
            let (n, v) = pair(v, &ctx);
            format!("Cond::HeaderStartsWith({}, {})", lit(&n), lit(&v))
        }
        "header_present" => format!("Cond::HeaderPresent({})", lit(as_str(v, &ctx))),
        "header_absent" => format!("Cond::HeaderAbsent({})", lit(as_str(v, &ctx))),
        "header_name_exact" => format!("Cond::HeaderNameExact({})", lit(as_str(v, &ctx))),
        "body_contains" => format!("Cond::BodyContains({})", lit(as_str(v, &ctx))),
        "body_is_one_of" => format!("Cond::BodyIsOneOf({})", str_list(&as_strs(v, &ctx))),
        "body_starts_with_one_of" => {
            format!("Cond::BodyStartsWithOneOf({})", str_list(&as_strs(v, &ctx)))
        }
        "reason_is" => format!("Cond::ReasonIs({})", lit(as_str(v, &ctx))),
        "body_is_standard_reason" => {
            flag(v, &ctx);
            "Cond::BodyIsStandardReason".into()
        }
        "body_empty" => {
            flag(v, &ctx);
            "Cond::BodyEmpty".into()
        }
        "empty_reason" => {
            flag(v, &ctx);
            "Cond::EmptyReason".into()
        }
        "lowercase_header_name" => {
            flag(v, &ctx);
            "Cond::LowercaseHeaderName".into()
        }
        "header_count" => {
            let n = v
                .as_integer()
                .unwrap_or_else(|| panic!("{ctx}: expected a count"));
            format!("Cond::HeaderCount({n})")
        }
        "leading_header_names" => {
            format!("Cond::LeadingHeaderNames({})", str_list(&as_strs(v, &ctx)))
        }
        other => panic!("{ctx}: unknown condition `{other}`"),
    }
}

fn main() {
    let dir = Path::new("catalogue");
    println!("cargo:rerun-if-changed=catalogue");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("catalogue/: {e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();

    let mut entries = String::new();
    // (role order, rank, sequence) -> answer literal
    let mut answers: BTreeMap<(u8, i64, usize), String> = BTreeMap::new();
    let mut closes = String::new();
    let mut names = std::collections::BTreeSet::new();
    let mut product_index = 0usize;
    let mut seq = 0usize;
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let text =
            std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let file: File =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let family_file = path
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        for p in &file.product {
            let ctx = format!("{}: {}", path.display(), p.name);
            assert!(names.insert(p.name.clone()), "{ctx}: product listed twice");
            let kind = lookup(KINDS, &p.kind, "kind", &ctx);
            let is_app = matches!(p.kind.as_str(), "server_framework" | "library" | "broker");
            assert!(
                !is_app || p.language.is_some(),
                "{ctx}: an application product names its language"
            );
            https(&p.source, &ctx);
            assert!(
                p.idle_timeout_s.is_none() || p.idle_source.is_some(),
                "{ctx}: an idle timeout needs its idle_source"
            );
            if let Some(s) = &p.idle_source {
                https(s, &ctx);
            }
            assert!(
                p.upgrade.is_none() || p.upgrade_source.is_some(),
                "{ctx}: upgrade behaviour needs its upgrade_source"
            );
            if let Some(s) = &p.upgrade_source {
                https(s, &ctx);
            }
            assert!(
                !p.handshake_in_server || p.handshake_source.is_some(),
                "{ctx}: handshake_in_server needs its handshake_source"
            );
            if let Some(s) = &p.handshake_source {
                https(s, &ctx);
            }
            assert!(
                p.websocket_route_plain_get.is_none()
                    || p.websocket_route_plain_get_source.is_some(),
                "{ctx}: websocket_route_plain_get needs its websocket_route_plain_get_source"
            );
            if let Some(s) = &p.websocket_route_plain_get_source {
                https(s, &ctx);
            }
            assert!(
                !p.answer.is_empty() || !p.close.is_empty() || p.upgrade.is_some() || p.idle_timeout_s.is_some(),
                "{ctx}: a product needs an answer, a close reason, an idle timeout or an upgrade behaviour"
            );
            let _ = writeln!(
                entries,
                "    Entry {{ name: {}, family: {}, file: {}, kind: Kind::{kind}, language: {}, \
                 recognised_by: {}, source: {}, idle_timeout_s: {}, idle_setting: {}, \
                 idle_source: {}, upgrade: {}, upgrade_source: {}, handshake_in_server: {}, \
                 handshake_source: {}, websocket_route_plain_get: {}, \
                 websocket_route_plain_get_source: {} }},",
                lit(&p.name),
                lit(&p.family),
                lit(&family_file),
                opt_str(&p.language),
                lit(&p.recognised_by),
                lit(&p.source),
                p.idle_timeout_s
                    .map_or_else(|| "None".to_string(), |s| format!("Some({s})")),
                opt_str(&p.idle_setting),
                opt_str(&p.idle_source),
                opt_str(&p.upgrade),
                opt_str(&p.upgrade_source),
                p.handshake_in_server,
                opt_str(&p.handshake_source),
                p.websocket_route_plain_get
                    .map_or_else(|| "None".to_string(), |s| format!("Some({s})")),
                opt_str(&p.websocket_route_plain_get_source),
            );
            for a in &p.answer {
                let actx = format!("{ctx} ({})", a.situation);
                https(&a.source, &actx);
                let role = match a.role.as_str() {
                    "producer" => "Producer",
                    "path" => "Path",
                    other => panic!("{actx}: unknown role `{other}`"),
                };
                let topic = a
                    .topic
                    .as_deref()
                    .map(|t| format!("Some(Topic::{})", lookup(TOPICS, t, "topic", &actx)))
                    .unwrap_or_else(|| "None".into());
                let example_topic = a
                    .example_topic
                    .as_deref()
                    .map(|t| format!("Some(Topic::{})", lookup(TOPICS, t, "topic", &actx)))
                    .unwrap_or_else(|| "None".into());
                if let Some(f) = a.front_wrote_it {
                    assert!(
                        (0.0..=1.0).contains(&f),
                        "{actx}: front_wrote_it outside 0..1"
                    );
                }
                assert!(!a.when.is_empty(), "{actx}: no condition");
                assert!(
                    a.example.is_some() || !a.fixtures.is_empty(),
                    "{actx}: an answer needs a documented example or a captured fixture"
                );
                let conds: Vec<String> = a.when.iter().map(|c| cond(c, &actx)).collect();
                let lit_answer = format!(
                    "    Answer {{ product: {product_index}, name: {}, kind: Kind::{kind}.responder(), \
                     role: Role::{role}, situation: {}, conds: &[{}], fixtures: {}, \
                     front_wrote_it: {}, topic: {topic}, supports: {}, rules_out: {}, source: {}, \
                     example: {}, example_topic: {example_topic} }},",
                    lit(&p.name),
                    lit(&a.situation),
                    conds.join(", "),
                    str_list(&a.fixtures),
                    a.front_wrote_it
                        .map_or_else(|| "None".to_string(), |f| format!("Some({f:?})")),
                    str_list(&a.supports),
                    str_list(&a.rules_out),
                    lit(&a.source),
                    opt_str(&a.example),
                );
                let role_order = if role == "Producer" { 0 } else { 1 };
                answers.insert((role_order, a.rank.unwrap_or(50), seq), lit_answer);
                seq += 1;
            }
            for c in &p.close {
                let cctx = format!("{ctx} (close {})", c.code);
                https(&c.source, &cctx);
                assert!(
                    (1000..5000).contains(&c.code),
                    "{cctx}: a close code is 1000..4999"
                );
                let topic = lookup(TOPICS, &c.topic, "close topic", &cctx);
                let _ = writeln!(
                    closes,
                    "    CloseReason {{ product: {product_index}, code: {}, reason: {}, topic: Topic::{topic}, source: {} }},",
                    c.code,
                    opt_str(&c.reason),
                    lit(&c.source),
                );
            }
            product_index += 1;
        }
    }
    let mut out = String::new();
    out.push_str(
        "// @generated by build.rs from catalogue/*.toml — edit the data, not this file.\n",
    );
    let _ = writeln!(out, "/// Every catalogued product, in file order.\npub static ENTRIES: &[Entry] = &[\n{entries}];");
    let _ = writeln!(
        out,
        "/// Every answer, in identification order: producers first, then by rank, then file order.\npub static ANSWERS: &[Answer] = &["
    );
    for a in answers.values() {
        out.push_str(a);
        out.push('\n');
    }
    out.push_str("];\n");
    let _ = writeln!(out, "/// Every catalogued close reason.\npub static CLOSE_REASONS: &[CloseReason] = &[\n{closes}];");
    let out_dir = std::env::var("OUT_DIR").unwrap_or_else(|e| panic!("OUT_DIR: {e}"));
    let dest = Path::new(&out_dir).join("catalogue_data.rs");
    std::fs::write(&dest, out).unwrap_or_else(|e| panic!("{}: {e}", dest.display()));
}
