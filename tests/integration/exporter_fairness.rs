//! `wsdoctor exporter` with its default configuration: black-holed targets (accept, never
//! answer) hold probe slots until their deadline, and must not starve the healthy scrapes
//! (issue 27). The timing of it is measured by `scripts/bench-exporter`; here, the behaviour.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::support::exporter::{sample, Exporter};
use crate::support::hostile::{Hostile, HostileServer};
use crate::support::ws::{Behaviour, WsServer};

/// As many black-holed targets as the measurement: more than the old default of 32 slots.
const HOLES: usize = 40;

#[test]
fn healthy_scrapes_are_answered_while_forty_black_holed_probes_are_in_flight() {
    let hole = HostileServer::start(Hostile::NeverAnswers);
    let healthy = WsServer::start(Behaviour::Echo);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("exporter.toml");
    // No max_concurrent_probes: the default is what is tested.
    std::fs::write(
        &path,
        "[module.slow]\nquick = true\ntimeout = \"8s\"\n[module.fast]\nquick = true\nclose_wait = \"100ms\"\n",
    )
    .expect("write config");
    let exporter = Arc::new(Exporter::start(Some(&path), &[]));
    // Forty distinct black-holed targets (one listener, forty paths), scraped at once.
    let slow: Vec<_> = (0..HOLES)
        .map(|i| {
            let exporter = Arc::clone(&exporter);
            let url = hole.ws_url(&format!("/hole{i}"));
            std::thread::spawn(move || exporter.probe(&url, "slow", &[]))
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(6);
    while hole.connections() < HOLES && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        hole.connections(),
        HOLES,
        "every black-holed probe holds a connection at once (none waits for a slot)"
    );
    for _ in 0..3 {
        let a = exporter.probe(&healthy.url("/ws"), "fast", &[]);
        assert_eq!(
            sample(&a.body, "probe_success"),
            Some(1.0),
            "{}\n{}",
            a.body,
            exporter.log()
        );
    }
    let still_running = slow.iter().filter(|t| !t.is_finished()).count();
    assert_eq!(
        still_running, HOLES,
        "the healthy scrapes were answered while the black-holed ones were in flight"
    );
    for t in slow {
        let a = t.join().expect("black-holed scrape");
        assert_eq!(sample(&a.body, "probe_success"), Some(0.0), "{}", a.body);
    }
}
