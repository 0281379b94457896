//! Fuzz target: the fingerprint matcher (`fingerprint::identify`, `intermediaries`) on responses
//! built from arbitrary bytes: a status, header lines and a body. Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wsdoctor::model::{WireHeader, WireResponse};

fuzz_target!(|data: &[u8]| {
    let Some((status, rest)) = data.split_first_chunk::<2>() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    let mut lines = head.split('\n');
    let reason = lines.next().unwrap_or_default().to_string();
    let headers = lines
        .map(|l| {
            let (name, value) = l.split_once(':').unwrap_or((l, ""));
            WireHeader {
                name: name.to_string(),
                value: value.trim().to_string(),
            }
        })
        .collect();
    let resp = WireResponse {
        version: "HTTP/1.1".into(),
        status: u16::from_be_bytes(*status) % 1000,
        reason,
        headers,
        body_excerpt: body.to_string(),
        body_bytes: body.len(),
        body_truncated: false,
    };
    let _ = wsdoctor::fingerprint::identify(&resp);
    let _ = wsdoctor::fingerprint::intermediaries(&resp);
});
