//! Fuzz target: the response-head parser (`probe::upgrade::parse_head`) and the handshake checks
//! on whatever head it accepts. Must never panic; a complete head never claims more bytes than
//! it was given.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wsdoctor::probe::session::check_handshake;
use wsdoctor::probe::upgrade::parse_head;

fuzz_target!(|data: &[u8]| {
    if let Ok(Some(head)) = parse_head(data) {
        assert!(head.len <= data.len());
        let request = vec![
            (
                "Sec-WebSocket-Key".to_string(),
                "dGhlIHNhbXBsZSBub25jZQ==".to_string(),
            ),
            ("Sec-WebSocket-Protocol".to_string(), "chat, v2".to_string()),
            (
                "Sec-WebSocket-Extensions".to_string(),
                "permessage-deflate".to_string(),
            ),
        ];
        let _ = check_handshake(&request, &head);
    }
});
