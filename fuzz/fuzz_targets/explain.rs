//! Fuzz target: the `explain` input parsers (browser console text, curl -v output, raw HTTP, HAR)
//! through `explain::explain`, then every renderer on the report it makes. Seeds are the files
//! in fixtures/explain. Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wsdoctor::render::{render, Format};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = wsdoctor::explain::parse(&text);
    if let Ok(report) = wsdoctor::explain::explain(&text) {
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
    }
});
