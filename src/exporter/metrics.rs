//! exporter::metrics: a probe's result as Prometheus metrics (pure: a `TargetResult` in, the
//! exposition text out), and the exporter's own counters for `/metrics`. Encoded by
//! `prometheus-client` (OpenMetrics text, which Prometheus reads natively), never by hand.
//!
//! Names follow blackbox_exporter's http prober where wsdoctor measures the same thing
//! (`probe_success`, `probe_duration_seconds`, `probe_dns_lookup_time_seconds`,
//! `probe_http_duration_seconds{phase}`, `probe_http_status_code`, `probe_http_version`,
//! `probe_http_ssl`, `probe_ip_protocol`, `probe_ssl_earliest_cert_expiry`,
//! `probe_tls_version_info`), so dashboards and alerts written for it keep working; wsdoctor's own
//! are prefixed `wsdoctor_` (docs/exporter.md lists them all, with the mapping).

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::check::TargetResult;
use crate::model::{Outcome, Report, StageStatus};

/// The content type of the exposition text `prometheus-client` writes.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
/// The content type of the classic Prometheus text format (0.0.4), for scrapers that do not ask
/// for OpenMetrics (curl, `promtool check metrics`, older Prometheus).
pub const CLASSIC_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// True when an `Accept` header asks for OpenMetrics (Prometheus does; curl's `*/*` does not), as
/// client_golang's exporters negotiate.
pub fn wants_openmetrics(accept: Option<&str>) -> bool {
    accept.is_some_and(|a| {
        a.split(',').any(|range| {
            let mut parts = range.split(';').map(str::trim);
            let media = parts.next().unwrap_or_default();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f64>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            media.eq_ignore_ascii_case("application/openmetrics-text") && !refused
        })
    })
}

/// OpenMetrics text as the classic text format: a counter's HELP and TYPE name its `_total`
/// series, an info metric is a gauge, `_created` series, `# UNIT` and `# EOF` are dropped (they
/// have no place there), and HELP text unescapes `\"`.
pub fn classic(openmetrics: &str) -> String {
    let mut out = String::with_capacity(openmetrics.len());
    let mut help: Option<(String, String)> = None;
    let mut counter: Option<String> = None;
    for line in openmetrics.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, text) = rest.split_once(' ').unwrap_or((rest, ""));
            help = Some((name.to_string(), text.replace("\\\"", "\"")));
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap_or((rest, "unknown"));
            let (shown, kind) = match kind {
                "counter" => (format!("{name}_total"), "counter"),
                "info" => (format!("{name}_info"), "gauge"),
                "gauge" | "histogram" | "summary" => (name.to_string(), kind),
                _ => (name.to_string(), "untyped"),
            };
            counter = (kind == "counter").then(|| name.to_string());
            if let Some((_, text)) = help.take().filter(|(n, _)| n == name) {
                out.push_str(&format!("# HELP {shown} {text}\n"));
            }
            out.push_str(&format!("# TYPE {shown} {kind}\n"));
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let series = line.split(['{', ' ']).next().unwrap_or_default();
        if counter
            .as_deref()
            .is_some_and(|c| series == format!("{c}_created"))
        {
            continue;
        }
        // An exemplar (` # {…} value`) has no place in the classic format either.
        let sample = line.split_once(" # ").map_or(line, |(s, _)| s);
        out.push_str(sample);
        out.push('\n');
    }
    out
}

type FloatGauge = Gauge<f64, AtomicU64>;
type Labels = Vec<(&'static str, String)>;

/// One gauge family per metric name, registered on first use.
struct Builder {
    registry: Registry,
}

impl Builder {
    fn new() -> Builder {
        Builder {
            registry: Registry::default(),
        }
    }

    /// A gauge without labels.
    fn gauge(&mut self, name: &str, help: &str, value: f64) {
        let g = FloatGauge::default();
        g.set(value);
        self.registry.register(name, help, g);
    }

    /// A gauge family with one sample per label set.
    fn family(&mut self, name: &str, help: &str, samples: Vec<(Labels, f64)>) {
        if samples.is_empty() {
            return;
        }
        let family = Family::<Labels, FloatGauge>::default();
        for (labels, value) in samples {
            family.get_or_create(&labels).set(value);
        }
        self.registry.register(name, help, family);
    }

    fn encode(self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail; an error would only mean a broken registry.
        if encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

/// Every attempt, and the HTTP/2 path's extended CONNECT stream (variant `http2`) when one ran.
fn with_http2(report: &crate::model::Report) -> impl Iterator<Item = &crate::model::AttemptRecord> {
    report
        .attempts
        .iter()
        .chain(report.http2.as_ref().and_then(|h| h.attempt.as_deref()))
}

/// In every /probe answer, finished or not: the series that says a scrape is wsdoctor's (alert
/// rules select on it rather than on a job name) and whether the probe finished.
const FINISHED: (&str, &str) = (
    "wsdoctor_probe_finished",
    "Whether the probe finished (0: stopped at the exporter's deadline, nothing diagnosed)",
);

/// Seconds from milliseconds.
fn secs(ms: f64) -> f64 {
    ms / 1000.0
}

/// The metrics of one probe: `result` is the report with its module's expectations evaluated.
pub fn probe(result: &TargetResult) -> String {
    let report = &result.report;
    let mut b = Builder::new();
    b.gauge(
        "probe_success",
        "Whether the probe succeeded: the module's expectations held (without any, the verdict is ok)",
        if result.passed() { 1.0 } else { 0.0 },
    );
    b.gauge(
        "probe_duration_seconds",
        "How long the probe took, all variants and the diagnosis included",
        secs(report.duration_ms),
    );
    b.gauge(FINISHED.0, FINISHED.1, 1.0);
    let stage_ms = |name: &str| {
        report
            .stages
            .iter()
            .find(|s| s.stage.as_str() == name && s.status != StageStatus::Skipped)
            .and_then(|s| s.ms)
    };
    if let Some(ms) = stage_ms("dns") {
        b.gauge(
            "probe_dns_lookup_time_seconds",
            "Duration of the baseline's DNS lookup",
            secs(ms),
        );
    }
    let baseline = report.baseline();
    b.gauge(
        "probe_http_status_code",
        "HTTP status of the baseline upgrade (101 when it upgraded, 0 without an HTTP answer)",
        baseline
            .and_then(|a| a.outcome.status())
            .unwrap_or(0)
            .into(),
    );
    if let Some(version) = baseline
        .and_then(|a| a.response.as_ref())
        .and_then(|r| r.version.strip_prefix("HTTP/"))
        .and_then(|v| v.parse::<f64>().ok())
    {
        b.gauge(
            "probe_http_version",
            "HTTP version of the baseline's answer",
            version,
        );
    }
    // blackbox's phases of the final request: resolve (dns), connect (tcp), tls, processing
    // (request written to the first byte of the answer: the upgrade stage, whose bounded body is
    // read with the head) and transfer (the rest of the body: nothing left to time). Every phase
    // has a series, 0 when it did not run, as blackbox registers them.
    b.family(
        "probe_http_duration_seconds",
        "Duration of the baseline upgrade by phase, as blackbox_exporter's http prober (resolve, connect, tls, processing, transfer)",
        [
            ("resolve", stage_ms("dns")),
            ("connect", stage_ms("tcp")),
            ("tls", stage_ms("tls")),
            ("processing", stage_ms("upgrade")),
            ("transfer", None),
        ]
        .into_iter()
        .map(|(phase, ms)| (vec![("phase", phase.to_string())], ms.map_or(0.0, secs)))
        .collect(),
    );
    b.gauge(
        "probe_http_ssl",
        "Whether the baseline upgrade went over TLS (wss://)",
        if baseline.is_some_and(|a| a.url.starts_with("wss://")) {
            1.0
        } else {
            0.0
        },
    );
    if let Some(family) = baseline
        .and_then(|a| a.tcp.as_ref())
        .and_then(|t| t.peer.parse::<std::net::SocketAddr>().ok())
        .map(|peer| if peer.is_ipv6() { 6.0 } else { 4.0 })
    {
        b.gauge(
            "probe_ip_protocol",
            "Whether the baseline connected over IPv4 (4) or IPv6 (6)",
            family,
        );
    }
    if let Some(version) = baseline
        .and_then(|a| a.tls.as_ref())
        .and_then(|t| t.version.as_deref())
    {
        b.family(
            "probe_tls_version_info",
            "The TLS version the baseline negotiated, as blackbox_exporter names it (\"TLS 1.3\")",
            vec![(vec![("version", tls_version_name(version))], 1.0)],
        );
    }
    if let Some(expiry) = earliest_expiry(report) {
        b.gauge(
            "probe_ssl_earliest_cert_expiry",
            "Earliest expiry of the certificates the server sent, in unixtime",
            expiry,
        );
    }
    b.family(
        "wsdoctor_stage_duration_seconds",
        "Duration of each stage of the baseline attempt that ran",
        report
            .stages
            .iter()
            .filter(|s| s.status != StageStatus::Skipped)
            .filter_map(|s| {
                s.ms.map(|ms| (vec![("stage", s.stage.as_str().into())], secs(ms)))
            })
            .collect(),
    );
    let verdict = || -> Labels {
        vec![
            ("category", report.diagnosis.category.as_str().into()),
            ("cause", report.diagnosis.cause.id().into()),
        ]
    };
    b.family(
        "wsdoctor_diagnosis_info",
        "The diagnosed cause (always 1; the labels carry the verdict, docs/causes.md the meaning)",
        vec![(verdict(), 1.0)],
    );
    b.family(
        "wsdoctor_diagnosis",
        "Deprecated: the same series as wsdoctor_diagnosis_info, which replaces it; removed in the next release",
        vec![(verdict(), 1.0)],
    );
    b.gauge(
        "wsdoctor_diagnosis_confidence",
        "Confidence of the diagnosis, 0 to 1",
        report.diagnosis.confidence,
    );
    let variant_labels = |a: &crate::model::AttemptRecord| -> Labels {
        vec![
            ("variant", a.variant.id.clone()),
            ("group", a.variant.group.clone()),
        ]
    };
    b.family(
        "wsdoctor_variant_status_code",
        "HTTP status each variant got (101 when it upgraded, 0 without an HTTP answer)",
        with_http2(report)
            .map(|a| (variant_labels(a), a.outcome.status().unwrap_or(0).into()))
            .collect(),
    );
    b.family(
        "wsdoctor_variant_upgraded",
        "Whether each variant upgraded and stayed open through the close-wait",
        with_http2(report)
            .map(|a| {
                (
                    variant_labels(a),
                    if a.outcome.is_success() { 1.0 } else { 0.0 },
                )
            })
            .collect(),
    );
    if let Some(enabled) = report.http2.as_ref().and_then(|h| h.extended_connect) {
        b.gauge(
            "wsdoctor_http2_extended_connect",
            "Whether the server advertised WebSockets over HTTP/2 (RFC 8441), the path browsers then take; its stream is the variant \"http2\"",
            if enabled { 1.0 } else { 0.0 },
        );
    }
    if let Some(Outcome::UpgradedThenClosed { close_code, .. }) = baseline.map(|a| &a.outcome) {
        // A bare TCP close is what browsers report as 1006.
        b.gauge(
            "wsdoctor_close_code",
            "Close code the server sent after the baseline's 101 (1006: closed without a close frame)",
            close_code.unwrap_or(1006).into(),
        );
    }
    if let Some(rtt) = baseline
        .and_then(|a| a.session.as_ref())
        .and_then(|s| s.ping_rtt_ms)
    {
        b.gauge(
            "wsdoctor_ping_rtt_seconds",
            "Round trip of a ping on the baseline's open WebSocket",
            secs(rtt),
        );
    }
    b.family(
        "wsdoctor_expectation_passed",
        "Whether each of the module's expectations held",
        result
            .expectations
            .iter()
            .map(|e| {
                // The check-file line `key = value` as two labels: label values without spaces
                // or `=` to quote in a selector.
                let (key, value) = e.name.split_once(" = ").unwrap_or((e.name.as_str(), ""));
                (
                    vec![
                        ("expectation", key.trim().to_string()),
                        ("value", value.trim().to_string()),
                    ],
                    if e.passed { 1.0 } else { 0.0 },
                )
            })
            .collect(),
    );
    b.encode()
}

/// The metrics of a probe that could not finish (the exporter's own deadline): blackbox answers
/// `probe_success 0` then too, so the alert fires instead of the scrape failing.
pub fn unfinished(duration_s: f64) -> String {
    let mut b = Builder::new();
    b.gauge(
        "probe_success",
        "Whether the probe succeeded: the module's expectations held (without any, the verdict is ok)",
        0.0,
    );
    b.gauge(
        "probe_duration_seconds",
        "How long the probe took, all variants and the diagnosis included",
        duration_s,
    );
    b.gauge(FINISHED.0, FINISHED.1, 0.0);
    b.encode()
}

/// A TLS version as blackbox_exporter writes it: rustls' `TLSv1.3` is `TLS 1.3`.
fn tls_version_name(version: &str) -> String {
    match version.strip_prefix("TLSv") {
        Some(number) => format!("TLS {number}"),
        None => version.to_string(),
    }
}

/// The earliest `not_after` of any certificate the baseline saw, as unix seconds.
fn earliest_expiry(report: &Report) -> Option<f64> {
    let tls = report.baseline()?.tls.as_ref()?;
    tls.chain
        .iter()
        .filter_map(|c| {
            time::OffsetDateTime::parse(
                &c.not_after,
                &time::format_description::well_known::Rfc3339,
            )
            .ok()
        })
        .map(|t| t.unix_timestamp() as f64)
        .reduce(f64::min)
}

/// Labels of the exporter's probe counter.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ProbeLabels {
    /// The module name.
    pub module: String,
    /// `success`, `failure` (the probe ran; `probe_success` 0) or `error` (it could not run).
    pub result: String,
}

/// Labels of `wsdoctor_build_info`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct BuildLabels {
    /// The wsdoctor version (Cargo's).
    pub version: String,
    /// The report schema it writes (`wsdoctor.report/v1`).
    pub schema: String,
}

/// Labels of the reload counter.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReloadLabels {
    /// `success` or `failure`.
    pub result: String,
}

/// The exporter's own health, served on `/metrics`.
pub struct OwnMetrics {
    registry: Registry,
    /// Probes by module and result.
    pub probes: Family<ProbeLabels, Counter>,
    /// Probes running now.
    pub in_flight: Gauge,
    /// Config reloads by result.
    pub reloads: Family<ReloadLabels, Counter>,
    /// 1 when the last reload (or the start-up load) succeeded.
    pub last_reload_ok: Gauge,
    /// Reports kept for `/` and `/report`.
    pub reports_kept: Gauge,
}

impl Default for OwnMetrics {
    fn default() -> Self {
        let mut root = Registry::default();
        let build = Family::<BuildLabels, Gauge>::default();
        build
            .get_or_create(&BuildLabels {
                version: env!("CARGO_PKG_VERSION").to_string(),
                schema: crate::model::REPORT_SCHEMA.to_string(),
            })
            .set(1);
        // The build is the tool's, not the exporter's: no `wsdoctor_exporter_` prefix.
        root.register(
            "wsdoctor_build_info",
            "The wsdoctor build serving these metrics (always 1)",
            build,
        );
        let registry = root.sub_registry_with_prefix("wsdoctor_exporter");
        let probes = Family::<ProbeLabels, Counter>::default();
        let in_flight = Gauge::default();
        let reloads = Family::<ReloadLabels, Counter>::default();
        let last_reload_ok = Gauge::default();
        let reports_kept = Gauge::default();
        registry.register(
            "probes",
            "Probes answered, by module and result (success, failure, error)",
            probes.clone(),
        );
        registry.register("probes_in_flight", "Probes running now", in_flight.clone());
        registry.register(
            "config_reloads",
            "Configuration reloads (SIGHUP or POST /-/reload), by result",
            reloads.clone(),
        );
        registry.register(
            "config_last_reload_successful",
            "Whether the last configuration load succeeded",
            last_reload_ok.clone(),
        );
        registry.register(
            "reports_kept",
            "Reports kept in memory for the / page and /report",
            reports_kept.clone(),
        );
        last_reload_ok.set(1);
        OwnMetrics {
            registry: root,
            probes,
            in_flight,
            reloads,
            last_reload_ok,
            reports_kept,
        }
    }
}

impl OwnMetrics {
    /// Counts one probe.
    pub fn probed(&self, module: &str, result: &str) {
        self.probes
            .get_or_create(&ProbeLabels {
                module: module.to_string(),
                result: result.to_string(),
            })
            .inc();
    }

    /// Counts one reload.
    pub fn reloaded(&self, ok: bool) {
        self.reloads
            .get_or_create(&ReloadLabels {
                result: if ok { "success" } else { "failure" }.to_string(),
            })
            .inc();
        self.last_reload_ok.set(i64::from(ok));
    }

    /// The exposition text.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openmetrics_only_for_a_scraper_that_asks_for_it() {
        assert!(wants_openmetrics(Some(
            "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
        )));
        assert!(!wants_openmetrics(None));
        assert!(!wants_openmetrics(Some("*/*")));
        assert!(!wants_openmetrics(Some("text/plain;version=0.0.4")));
        assert!(!wants_openmetrics(Some(
            "application/openmetrics-text;q=0, text/plain"
        )));
    }

    #[test]
    fn the_classic_format_names_a_counters_total_and_drops_what_it_has_no_place_for() {
        let om = "# HELP jobs Jobs \\\"done\\\".\n# TYPE jobs counter\njobs_total{a=\"b\"} 3\njobs_created{a=\"b\"} 1.7e9\n# HELP up Up.\n# TYPE up gauge\n# UNIT up ratio\nup 1.0 # {trace=\"x\"} 1.0\n# TYPE build info\nbuild_info{v=\"1\"} 1\n# EOF\n";
        assert_eq!(
            classic(om),
            "# HELP jobs_total Jobs \"done\".\n# TYPE jobs_total counter\njobs_total{a=\"b\"} 3\n# HELP up Up.\n# TYPE up gauge\nup 1.0\n# TYPE build_info gauge\nbuild_info{v=\"1\"} 1\n"
        );
    }
    use crate::check::expect::Expectations;
    use crate::model::Report;

    fn fixture(name: &str) -> Report {
        let path = format!(
            "{}/fixtures/reports/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(path).unwrap();
        serde_json::from_str(&text).unwrap()
    }

    fn value(text: &str, series: &str) -> Option<f64> {
        text.lines()
            .find(|l| l.starts_with(series) && l[series.len()..].starts_with(' '))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
    }

    #[test]
    fn a_refused_upgrade_is_probe_success_0_with_its_cause_and_status() {
        let report = fixture("001_proxy_upgrade_not_forwarded");
        let cause = report.diagnosis.cause.id();
        let result = TargetResult::new("t", &Expectations::default(), report);
        let text = probe(&result);
        assert_eq!(value(&text, "probe_success"), Some(0.0), "{text}");
        let diag = format!("wsdoctor_diagnosis{{category=\"proxy\",cause=\"{cause}\"}}");
        assert_eq!(value(&text, &diag), Some(1.0), "{text}");
        let status = value(&text, "probe_http_status_code").unwrap();
        assert!(status >= 400.0, "{text}");
        assert!(
            text.contains("wsdoctor_variant_status_code{variant=\"baseline\""),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"), "{text}");
    }

    #[test]
    fn a_healthy_run_is_probe_success_1_and_an_unmet_expectation_is_0() {
        let report = fixture("ok_healthy_origin_not_enforced");
        let ok = TargetResult::new("t", &Expectations::default(), report.clone());
        let text = probe(&ok);
        assert_eq!(value(&text, "probe_success"), Some(1.0), "{text}");
        assert_eq!(
            value(&text, "probe_http_status_code"),
            Some(101.0),
            "{text}"
        );
        let strict = Expectations {
            max_handshake_ms: Some(0),
            ..Expectations::default()
        };
        let failed = TargetResult::new("t", &strict, report);
        let text = probe(&failed);
        assert_eq!(value(&text, "probe_success"), Some(0.0), "{text}");
        assert!(
            text.contains(
                "wsdoctor_expectation_passed{expectation=\"max_handshake_ms\",value=\"0\"} 0"
            ),
            "{text}"
        );
    }

    #[test]
    fn the_http2_path_is_a_variant_and_its_advertisement_a_gauge() {
        let mut report = fixture("ok_healthy_origin_not_enforced");
        let mut stream = report.attempts[0].clone();
        stream.variant.id = "http2".into();
        stream.variant.group = "http2".into();
        stream.outcome = crate::model::Outcome::Rejected {
            status: 405,
            headers: Default::default(),
            body_excerpt: String::new(),
        };
        report.http2 = Some(crate::model::Http2Record {
            alpn_offered: vec!["h2".into(), "http/1.1".into()],
            prior_knowledge: false,
            http1_answer: None,
            alpn: Some("h2".into()),
            extended_connect: Some(true),
            error: None,
            attempt: Some(Box::new(stream)),
            variants: Vec::new(),
            ms: 3.0,
        });
        let text = probe(&TargetResult::new("t", &Expectations::default(), report));
        assert_eq!(
            value(&text, "wsdoctor_http2_extended_connect"),
            Some(1.0),
            "{text}"
        );
        assert!(
            text.contains("wsdoctor_variant_status_code{variant=\"http2\",group=\"http2\"} 405"),
            "{text}"
        );
    }

    #[test]
    fn an_expired_certificate_gives_its_expiry_as_unixtime() {
        let report = fixture("tls_expired_certificate");
        let result = TargetResult::new("t", &Expectations::default(), report);
        let text = probe(&result);
        let expiry = value(&text, "probe_ssl_earliest_cert_expiry");
        let now = time::OffsetDateTime::now_utc().unix_timestamp() as f64;
        assert!(expiry.is_some_and(|e| e > 1.0e9 && e < now), "{text}");
    }

    /// Issue 28 point 5: blackbox_exporter's names where wsdoctor measures the same thing, the
    /// verdict as an `_info` series (the old name kept, deprecated), and the build.
    #[test]
    fn a_wss_probe_carries_the_blackbox_names_and_the_diagnosis_info() {
        let report = fixture("ok_healthy_origin_not_enforced");
        let text = probe(&TargetResult::new("t", &Expectations::default(), report));
        for (series, want) in [
            ("probe_http_duration_seconds{phase=\"resolve\"}", 0.0012),
            ("probe_http_duration_seconds{phase=\"connect\"}", 0.0019),
            ("probe_http_duration_seconds{phase=\"tls\"}", 0.0087),
            ("probe_http_duration_seconds{phase=\"processing\"}", 0.0044),
            ("probe_http_duration_seconds{phase=\"transfer\"}", 0.0),
            ("probe_http_ssl", 1.0),
            ("probe_ip_protocol", 4.0),
            ("probe_tls_version_info{version=\"TLS 1.3\"}", 1.0),
            (
                "wsdoctor_diagnosis_info{category=\"ok\",cause=\"ok.healthy\"}",
                1.0,
            ),
            (
                "wsdoctor_diagnosis{category=\"ok\",cause=\"ok.healthy\"}",
                1.0,
            ),
        ] {
            let got = value(&text, series).unwrap_or_else(|| panic!("no {series} in\n{text}"));
            assert!((got - want).abs() < 1e-9, "{series}: {got}\n{text}");
        }
        assert!(
            text.contains("Deprecated: the same series as wsdoctor_diagnosis_info"),
            "{text}"
        );
        let own = OwnMetrics::default().encode();
        let build = format!(
            "wsdoctor_build_info{{version=\"{}\",schema=\"wsdoctor.report/v1\"}} 1",
            env!("CARGO_PKG_VERSION")
        );
        assert!(own.contains(&build), "{own}");
    }

    #[test]
    fn own_metrics_count_probes_by_module_and_result() {
        let own = OwnMetrics::default();
        own.probed("chat", "success");
        own.probed("chat", "success");
        own.probed("chat", "error");
        own.reloaded(false);
        let text = own.encode();
        assert!(
            text.contains("wsdoctor_exporter_probes_total{module=\"chat\",result=\"success\"} 2"),
            "{text}"
        );
        assert!(
            text.contains("wsdoctor_exporter_config_last_reload_successful 0"),
            "{text}"
        );
        assert!(
            text.contains("wsdoctor_exporter_config_reloads_total{result=\"failure\"} 1"),
            "{text}"
        );
    }
}
