//! The JSON contract (`wsdoctor.report/v1`), checked twice (oha `test_json_schema`, ripgrep
//! `tests/json.rs`): every canned report validates against `docs/report.v1.schema.json` and
//! round-trips through `model::Report` unchanged, and the JSON renderer's output deserialises into
//! the mirror structs below, which are written separately from `model` so a renamed field fails.

#![expect(
    dead_code,
    reason = "mirror fields exist to pin the names; deny_unknown_fields and serde do the checking"
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use wsdoctor::diagnose::cause::Cause;
use wsdoctor::model::{Report, Stage};
use wsdoctor::render::{self, Format};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[expect(
    clippy::unwrap_used,
    reason = "test helper: a failure here is the calling test's failure"
)]
fn schema() -> Value {
    let text = std::fs::read_to_string(root().join("docs/report.v1.schema.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[expect(
    clippy::unwrap_used,
    reason = "test helper: a failure here is the calling test's failure"
)]
fn validator() -> jsonschema::Validator {
    let schema = schema();
    assert!(
        jsonschema::meta::is_valid(&schema),
        "the schema is not a valid JSON Schema"
    );
    jsonschema::validator_for(&schema).unwrap()
}

#[expect(
    clippy::unwrap_used,
    reason = "test helper: a failure here is the calling test's failure"
)]
fn fixtures() -> Vec<(String, Value)> {
    let dir = root().join("fixtures/reports");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 6, "expected the canned reports in {dir:?}");
    paths
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            (name, value)
        })
        .collect()
}

fn errors(validator: &jsonschema::Validator, value: &Value) -> Vec<String> {
    validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[expect(
    clippy::unwrap_used,
    reason = "test helper: a failure here is the calling test's failure"
)]
fn json_output(report: &Report) -> Value {
    let mut out = Vec::new();
    render::render(report, Format::Json, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.ends_with("}\n"), "one object and a newline");
    serde_json::from_str(&text).unwrap()
}

#[test]
fn every_fixture_report_validates_and_round_trips_through_the_model() {
    let validator = validator();
    for (name, value) in fixtures() {
        let errs = errors(&validator, &value);
        assert!(
            errs.is_empty(),
            "{name} breaks the schema:\n{}",
            errs.join("\n")
        );
        let report: Report = serde_json::from_value(value.clone())
            .unwrap_or_else(|e| panic!("{name} is not a model::Report: {e}"));
        // A fixture is exactly what the model writes: no missing defaults, no stray fields.
        assert_eq!(json_output(&report), value, "{name} is not canonical");
    }
}

#[test]
fn the_schema_rejects_drift() {
    let validator = validator();
    let (_, good) = fixtures().remove(0);
    let mut renamed = good.clone();
    let obj = renamed.as_object_mut().unwrap();
    let d = obj.remove("duration_ms").unwrap();
    obj.insert("duration".into(), d);
    assert!(!validator.is_valid(&renamed), "a renamed field must fail");

    let mut unknown_cause = good.clone();
    unknown_cause["diagnosis"]["cause"] = "routing.made_up".into();
    assert!(!validator.is_valid(&unknown_cause));

    let mut bad_kind = good.clone();
    bad_kind["attempts"][0]["outcome"]["kind"] = "exploded".into();
    assert!(!validator.is_valid(&bad_kind));

    let mut wrong_schema = good;
    wrong_schema["schema"] = "wsdoctor.report/v2".into();
    assert!(!validator.is_valid(&wrong_schema));
}

#[test]
fn the_schema_enums_match_the_code() {
    let schema = schema();
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    };
    let causes = strings(&schema["$defs"]["cause"]["enum"]);
    let ids: Vec<String> = Cause::ALL.iter().map(|c| c.id().to_string()).collect();
    assert_eq!(
        causes, ids,
        "docs/report.v1.schema.json causes vs Cause::ALL"
    );
    let stages = strings(&schema["$defs"]["stage"]["enum"]);
    let names: Vec<String> = Stage::EVERY
        .iter()
        .map(|s| s.as_str().to_string())
        .collect();
    assert_eq!(stages, names);
    let categories = strings(&schema["$defs"]["category"]["enum"]);
    for c in Cause::ALL {
        assert!(categories.contains(&c.category().as_str().to_string()));
    }
    let kinds: Vec<&str> = schema["$defs"]["outcome"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["properties"]["kind"]["const"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "upgraded",
            "upgraded_then_closed",
            "rejected",
            "redirected",
            "timeout",
            "dns_error",
            "tcp_error",
            "tls_error",
            "protocol_violation"
        ]
    );
}

#[test]
fn docs_json_md_documents_every_schema_field() {
    fn names(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                if let Some(Value::Object(props)) = map.get("properties") {
                    out.extend(props.keys().cloned());
                }
                map.values().for_each(|x| names(x, out));
            }
            Value::Array(items) => items.iter().for_each(|x| names(x, out)),
            _ => {}
        }
    }
    let mut fields = Vec::new();
    names(&schema(), &mut fields);
    fields.sort();
    fields.dedup();
    let doc = std::fs::read_to_string(root().join("docs/json.md")).unwrap();
    let missing: Vec<&String> = fields
        .iter()
        .filter(|f| !doc.contains(&format!("`{f}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/json.md does not document {missing:?}"
    );
}

// ---- mirror structs: written from docs/json.md, not from src/model.rs ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MReport {
    schema: String,
    tool: MTool,
    target: String,
    notes: Vec<String>,
    stages: Vec<MStage>,
    attempts: Vec<MAttempt>,
    #[serde(default)]
    tickets: Vec<MTicket>,
    #[serde(default)]
    http_controls: Vec<MAttempt>,
    #[serde(default)]
    addresses: Vec<MAddress>,
    #[serde(default)]
    skipped_variants: Vec<MSkipped>,
    #[serde(default)]
    cannot_tell_apart: Vec<MBlindSpot>,
    diagnosis: MDiagnosis,
    findings: Vec<MFinding>,
    comparison: Option<MComparison>,
    started_at: Option<String>,
    ok: bool,
    duration_ms: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MSkipped {
    variant: MVariant,
    reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MBlindSpot {
    variants: Vec<String>,
    summary: String,
    causes: Vec<String>,
    #[serde(default)]
    untested: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MComparison {
    direct: String,
    verdict: String,
    summary: String,
    pairs: Vec<MPair>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MPair {
    variant: String,
    class: String,
    public: String,
    direct: String,
    public_status: Option<u16>,
    direct_status: Option<u16>,
    public_responder: Option<String>,
    direct_responder: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MTool {
    name: String,
    version: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MStage {
    stage: String,
    status: String,
    ms: Option<f64>,
    summary: String,
    error: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MAttempt {
    variant: MVariant,
    url: String,
    stages: Vec<MStage>,
    dns: Option<MDns>,
    tcp: Option<MTcp>,
    tls: Option<MTls>,
    request: Option<MRequest>,
    response: Option<MResponse>,
    session: Option<MSession>,
    outcome: MOutcome,
    ms: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MVariant {
    id: String,
    label: String,
    group: String,
    request: String,
    credential: MPlacement,
    wrong_credential: bool,
    origin: Option<String>,
    #[serde(default)]
    subprotocols: Vec<String>,
    browser: Option<String>,
    direct: bool,
    repeat: Option<u32>,
}

#[derive(Deserialize)]
#[serde(tag = "placement", rename_all = "snake_case", deny_unknown_fields)]
enum MPlacement {
    None,
    Header { name: String, scheme: String },
    Query { name: String },
    Cookie { name: String },
    Subprotocol,
    Ticket { param: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MHeader {
    name: String,
    value: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MRequest {
    method: String,
    path: String,
    headers: Vec<MHeader>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MResponse {
    version: String,
    status: u16,
    reason: String,
    headers: Vec<MHeader>,
    body_excerpt: String,
    body_bytes: usize,
    body_truncated: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MDns {
    host: String,
    addresses: Vec<String>,
    overridden: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MTcp {
    peer: String,
    #[serde(default)]
    failed: Vec<MAddressFailure>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MAddress {
    address: String,
    family: String,
    attempt: String,
    kind: String,
    status: Option<u16>,
    error: Option<String>,
    stage: Option<Stage>,
    ms: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MAddressFailure {
    address: String,
    error: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MTls {
    sni: Option<String>,
    alpn_offered: Vec<String>,
    version: Option<String>,
    alpn: Option<String>,
    chain: Vec<MCert>,
    verification: String,
    insecure: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MCert {
    subject: String,
    issuer: String,
    sans: Vec<String>,
    not_before: String,
    not_after: String,
    days_left: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MSession {
    accept_valid: bool,
    subprotocol: Option<String>,
    extensions: Option<String>,
    ping_rtt_ms: Option<f64>,
    watched_ms: f64,
    end: MSessionEnd,
    messages_received: u32,
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum MSessionEnd {
    StillOpen,
    CloseFrame {
        code: Option<u16>,
        reason: String,
        after_ms: f64,
    },
    Dropped {
        how: String,
        after_ms: f64,
    },
    ProtocolError {
        detail: String,
        after_ms: f64,
    },
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum MOutcome {
    Upgraded {
        subprotocol: Option<String>,
    },
    UpgradedThenClosed {
        close_code: Option<u16>,
        close_reason: Option<String>,
        after_ms: f64,
        clean: bool,
    },
    Rejected {
        status: u16,
        headers: BTreeMap<String, String>,
        body_excerpt: String,
    },
    Redirected {
        status: u16,
        location: Option<String>,
        headers: BTreeMap<String, String>,
    },
    Timeout {
        stage: String,
    },
    DnsError {
        error: String,
        detail: String,
    },
    TcpError {
        error: String,
        detail: String,
    },
    TlsError {
        error: String,
        detail: String,
    },
    ProtocolViolation {
        error: String,
        detail: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MTicket {
    url: String,
    method: String,
    status: Option<u16>,
    body_excerpt: String,
    obtained: bool,
    error: Option<String>,
    ms: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MDiagnosis {
    category: String,
    cause: String,
    confidence: f64,
    summary: String,
    responder: Option<String>,
    evidence: Vec<String>,
    remedy: Vec<String>,
    #[serde(default)]
    snippets: Vec<MSnippet>,
    #[serde(default)]
    alternatives: Vec<MAlternative>,
    next_step: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MSnippet {
    target: String,
    title: String,
    lang: String,
    code: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MAlternative {
    cause: String,
    why: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MFinding {
    cause: String,
    severity: String,
    summary: String,
    #[serde(default)]
    evidence: Vec<String>,
}

#[test]
fn json_output_deserialises_into_the_mirror_structs() {
    for (name, value) in fixtures() {
        let report: Report = serde_json::from_value(value).unwrap();
        let out = json_output(&report);
        let m: MReport = serde_json::from_value(out)
            .unwrap_or_else(|e| panic!("{name}: the JSON output drifted from docs/json.md: {e}"));
        assert_eq!(m.schema, "wsdoctor.report/v1");
        assert_eq!(m.tool.name, "wsdoctor");
        assert!(!m.tool.version.is_empty());
        assert_eq!(m.target, report.target);
        assert_eq!(m.notes, report.notes);
        assert_eq!(m.diagnosis.cause, report.diagnosis.cause.id());
        assert_eq!(m.diagnosis.category, report.diagnosis.category.as_str());
        assert!((0.0..=1.0).contains(&m.diagnosis.confidence));
        assert!(m.duration_ms >= 0.0);
        let baseline = m.attempts.first().expect("a baseline attempt");
        assert_eq!(baseline.variant.id, "baseline", "{name}");
        // A skipped variant is not an attempt, and every blind spot names skipped variants.
        for s in &m.skipped_variants {
            assert!(["not_selected", "skip", "safe"].contains(&s.reason.as_str()));
            assert!(
                m.attempts.iter().all(|a| a.variant.id != s.variant.id),
                "{name}"
            );
        }
        for b in &m.cannot_tell_apart {
            for id in &b.variants {
                assert!(
                    m.skipped_variants.iter().any(|s| &s.variant.id == id),
                    "{name}: {id}"
                );
            }
        }
        // The waterfall is the baseline's stages.
        let waterfall: Vec<(&str, &str)> = m
            .stages
            .iter()
            .map(|s| (s.stage.as_str(), s.status.as_str()))
            .collect();
        let base: Vec<(&str, &str)> = baseline
            .stages
            .iter()
            .map(|s| (s.stage.as_str(), s.status.as_str()))
            .collect();
        assert_eq!(waterfall, base, "{name}");
        for a in m.attempts.iter().chain(&m.http_controls) {
            for s in &a.stages {
                assert_eq!(s.ms.is_none(), s.status == "skipped", "{name} {}", s.stage);
                assert_eq!(
                    s.error.is_some(),
                    s.status == "failed",
                    "{name} {}",
                    s.stage
                );
            }
            if let Some(req) = &a.request {
                assert_eq!(req.method, "GET");
            }
        }
    }
}

#[test]
fn secrets_stay_redacted_in_every_canned_report() {
    for (name, value) in fixtures() {
        let text = value.to_string();
        for needle in ["Bearer ey", "token=ey", "ticket=ab"] {
            assert!(!text.contains(needle), "{name} leaks {needle}");
        }
        let m: MReport = serde_json::from_value(value).unwrap();
        for a in m.attempts.iter().chain(&m.http_controls) {
            let Some(req) = &a.request else { continue };
            for h in &req.headers {
                let lower = h.name.to_ascii_lowercase();
                if ["authorization", "cookie", "x-api-key"].contains(&lower.as_str()) {
                    assert!(h.value.ends_with("[redacted]"), "{name}: {}", h.name);
                }
            }
        }
    }
}
