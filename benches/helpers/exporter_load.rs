//! Exporter load generator (used by `scripts/bench-exporter`, not a test): CONCURRENCY threads
//! scrape `BASE/probe?target=TARGET&module=MODULE` as Prometheus does (with
//! `X-Prometheus-Scrape-Timeout-Seconds`) until COUNT scrapes are done, and print one JSON line:
//! scrapes, non-200 answers, probe_success 0 answers, wall seconds, scrapes per second and the
//! latency percentiles.
//!
//! `--blackhole N` also starts a loopback listener that accepts TCP connections and never
//! answers, and N more threads scraping it for as long as the run lasts (their own latencies
//! are printed apart): what a black-holed target costs the other scrapes.
//!
//! Loopback only: BASE and TARGET are the caller's, the black hole is bound to 127.0.0.1.

use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The scrape timeout Prometheus would announce.
const SCRAPE_TIMEOUT: &str = "10";
/// The black hole's scrapes announce a short one, as a fleet config with a tight timeout does.
const BLACKHOLE_SCRAPE_TIMEOUT: &str = "3";

struct Scrapes {
    latencies_ms: Vec<f64>,
    non_200: usize,
    failed_probes: usize,
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(30)))
        .http_status_as_error(false)
        .build()
        .into()
}

/// One scrape: (latency, status, probe_success).
fn scrape(agent: &ureq::Agent, url: &str, timeout: &str) -> Result<(f64, u16, bool), BoxError> {
    let started = Instant::now();
    let mut answer = agent
        .get(url)
        .header("X-Prometheus-Scrape-Timeout-Seconds", timeout)
        .call()?;
    let status = answer.status().as_u16();
    let body = answer.body_mut().read_to_string()?;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let success = body.lines().any(|l| {
        l.strip_prefix("probe_success ")
            .and_then(|v| v.trim().parse::<f64>().ok())
            == Some(1.0)
    });
    Ok((ms, status, success))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn summary(name: &str, s: &Scrapes, seconds: f64) -> String {
    let mut sorted = s.latencies_ms.clone();
    sorted.sort_by(|a, b| a.total_cmp(b));
    format!(
        "\"{name}\":{{\"scrapes\":{},\"non_200\":{},\"probe_failures\":{},\"per_second\":{:.1},\"p50_ms\":{:.1},\"p95_ms\":{:.1},\"p99_ms\":{:.1},\"max_ms\":{:.1}}}",
        sorted.len(),
        s.non_200,
        s.failed_probes,
        sorted.len() as f64 / seconds.max(1e-9),
        percentile(&sorted, 50.0),
        percentile(&sorted, 95.0),
        percentile(&sorted, 99.0),
        sorted.last().copied().unwrap_or(0.0),
    )
}

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: bench-exporter-load BASE MODULE TARGET CONCURRENCY COUNT [--blackhole N]";
    if args.len() < 5 {
        return Err(usage.into());
    }
    let base = args[0].trim_end_matches('/').to_string();
    let module = args[1].clone();
    let target = args[2].clone();
    let concurrency: usize = args[3].parse()?;
    let count: usize = args[4].parse()?;
    let blackholes: usize = match args.get(5).map(String::as_str) {
        Some("--blackhole") => args.get(6).ok_or(usage)?.parse()?,
        Some(_) => return Err(usage.into()),
        None => 0,
    };

    let url = format!(
        "{base}/probe?target={}&module={}",
        encode(&target),
        encode(&module)
    );
    let next = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let main_results = Arc::new(Mutex::new(Scrapes {
        latencies_ms: Vec::with_capacity(count),
        non_200: 0,
        failed_probes: 0,
    }));
    let hole_results = Arc::new(Mutex::new(Scrapes {
        latencies_ms: Vec::new(),
        non_200: 0,
        failed_probes: 0,
    }));

    // The black hole: accepted connections are kept open and never read or answered.
    let mut hole_threads = Vec::new();
    let hole_open = Arc::new(AtomicBool::new(false));
    let mut acceptor = None;
    if blackholes > 0 {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let hole_port = listener.local_addr()?.port();
        listener.set_nonblocking(true)?;
        // The hole stays open until its scrapes are over (`hole_open`), not only the load.
        let stop = Arc::clone(&hole_open);
        acceptor = Some(std::thread::spawn(move || {
            let mut held = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((s, _)) => held.push(s),
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        }));
        // Each scrape its own black-holed target (one listener, a path each), as a fleet with
        // that many dead endpoints has.
        for i in 0..blackholes {
            let stop = Arc::clone(&done);
            let results = Arc::clone(&hole_results);
            let hole_url = format!(
                "{base}/probe?target={}&module={}",
                encode(&format!("ws://127.0.0.1:{hole_port}/ws{i}")),
                encode(&module)
            );
            hole_threads.push(std::thread::spawn(move || {
                let agent = agent();
                while !stop.load(Ordering::Relaxed) {
                    if let Ok((ms, status, ok)) =
                        scrape(&agent, &hole_url, BLACKHOLE_SCRAPE_TIMEOUT)
                    {
                        let mut r = results.lock().unwrap_or_else(|e| e.into_inner());
                        r.latencies_ms.push(ms);
                        r.non_200 += usize::from(status != 200);
                        r.failed_probes += usize::from(!ok);
                    }
                }
            }));
        }
        // Let the black hole's scrapes take their slots before the measured load starts.
        std::thread::sleep(Duration::from_millis(300));
    }

    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let next = Arc::clone(&next);
            let results = Arc::clone(&main_results);
            let url = url.clone();
            std::thread::spawn(move || {
                let agent = agent();
                while next.fetch_add(1, Ordering::Relaxed) < count {
                    let outcome = scrape(&agent, &url, SCRAPE_TIMEOUT);
                    let mut r = results.lock().unwrap_or_else(|e| e.into_inner());
                    match outcome {
                        Ok((ms, status, ok)) => {
                            r.latencies_ms.push(ms);
                            r.non_200 += usize::from(status != 200);
                            r.failed_probes += usize::from(!ok);
                        }
                        Err(_) => r.non_200 += 1,
                    }
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
    let seconds = started.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    for t in hole_threads {
        let _ = t.join();
    }
    hole_open.store(true, Ordering::Relaxed);
    if let Some(t) = acceptor {
        let _ = t.join();
    }
    let main = main_results.lock().unwrap_or_else(|e| e.into_inner());
    let hole = hole_results.lock().unwrap_or_else(|e| e.into_inner());
    let mut line = format!(
        "{{\"module\":\"{module}\",\"concurrency\":{concurrency},\"blackholes\":{blackholes},\"seconds\":{seconds:.2},{}",
        summary("target", &main, seconds)
    );
    if blackholes > 0 {
        line.push(',');
        line.push_str(&summary("blackhole", &hole, seconds));
    }
    line.push('}');
    println!("{line}");
    Ok(())
}
