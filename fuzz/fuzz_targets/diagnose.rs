//! Fuzz target: the diagnosis rules fed arbitrary Run records (JSON -> serde -> Run; seeds in
//! fuzz/seeds/diagnose are real runs), then every renderer on the resulting report. Must never
//! panic, and the report must always name a cause.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wsdoctor::model::Run;
use wsdoctor::render::{render, Format};

fuzz_target!(|data: &[u8]| {
    let Ok(run) = serde_json::from_slice::<Run>(data) else {
        return;
    };
    let report = wsdoctor::report(run, Vec::new(), 1.0);
    assert!(!report.diagnosis.cause.id().is_empty());
    for format in [
        Format::Human,
        Format::Json,
        Format::Markdown,
        Format::Junit,
        Format::Github,
    ] {
        let mut out = Vec::new();
        let _ = render(&report, format, &mut out);
    }
});
