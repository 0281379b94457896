//! A running `wsdoctor exporter` child process on a loopback port the kernel picks, and a small
//! HTTP client (ureq) for its endpoints. The child is killed on Drop; everything it wrote to
//! stderr is kept so a test can search its logs.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use super::WSDOCTOR;

/// A running exporter.
pub struct Exporter {
    child: Child,
    /// `http://127.0.0.1:PORT` (`https://` when it serves TLS).
    pub base: String,
    log: Arc<Mutex<Vec<String>>>,
    /// The CA (PEM) that signed the exporter's certificate, when it serves TLS.
    ca: Option<Vec<u8>>,
}

/// One HTTP answer.
#[derive(Debug)]
pub struct Answer {
    /// Status code.
    pub status: u16,
    /// Content-Type.
    pub content_type: String,
    /// Body text.
    pub body: String,
    /// `WWW-Authenticate`, when the answer has one.
    pub www_authenticate: Option<String>,
}

impl Exporter {
    /// Starts `wsdoctor exporter --listen 127.0.0.1:0 [--config FILE]` with `env` (and nothing
    /// else) in its environment; waits (at most 20 s) for its "listening on" line.
    pub fn start(config: Option<&Path>, env: &[(&str, &str)]) -> Exporter {
        Exporter::start_with(config, env, &[])
    }

    /// As [`Exporter::start`], with `args` added after the exporter's own (`--web.config.file
    /// FILE`); `base` is then `https://…` when the exporter says it serves TLS.
    pub fn start_with(config: Option<&Path>, env: &[(&str, &str)], args: &[&str]) -> Exporter {
        let mut cmd = std::process::Command::new(WSDOCTOR);
        cmd.env_clear()
            .envs(env.iter().copied())
            .args(["-vv", "exporter", "--listen", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some(c) = config {
            cmd.arg("--config").arg(c);
        }
        cmd.args(args);
        let mut child = cmd.spawn().expect("spawn wsdoctor exporter");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        let kept = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("listening on ").nth(1) {
                    let base = rest.split(' ').next().unwrap_or("");
                    let _ = tx.send(base.trim_end_matches('/').to_string());
                }
                kept.lock().unwrap_or_else(|e| e.into_inner()).push(line);
            }
        });
        let base = match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(a) => a,
            Err(_) => {
                let _ = child.kill();
                let lines = log.lock().unwrap_or_else(|e| e.into_inner()).join("\n");
                panic!("the exporter did not say where it listens within 20 s:\n{lines}");
            }
        };
        Exporter {
            child,
            base,
            log,
            ca: None,
        }
    }

    /// Trusts `ca_pem` (the CA of the exporter's TLS certificate) in every later request.
    pub fn trusting(mut self, ca_pem: &[u8]) -> Exporter {
        self.ca = Some(ca_pem.to_vec());
        self
    }

    /// Everything the exporter wrote to stderr so far.
    pub fn log(&self) -> String {
        self.log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .join("\n")
    }

    /// The process id (for signals).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// GET `path` (with `headers`), at most 60 s.
    pub fn get(&self, path: &str, headers: &[(&str, &str)]) -> Answer {
        request(
            &format!("{}{path}", self.base),
            "GET",
            headers,
            self.ca.as_deref(),
        )
    }

    /// POST `path` with an empty body.
    pub fn post(&self, path: &str) -> Answer {
        self.post_with(path, &[])
    }

    /// POST `path` with an empty body and `headers`.
    pub fn post_with(&self, path: &str, headers: &[(&str, &str)]) -> Answer {
        request(
            &format!("{}{path}", self.base),
            "POST",
            headers,
            self.ca.as_deref(),
        )
    }

    /// `/probe?target=…&module=…` with the target percent-encoded.
    pub fn probe(&self, target: &str, module: &str, headers: &[(&str, &str)]) -> Answer {
        self.get(
            &format!("/probe?target={}&module={module}", encode(target)),
            headers,
        )
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn request(url: &str, method: &str, headers: &[(&str, &str)], ca: Option<&[u8]>) -> Answer {
    let mut config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)));
    if let Some(pem) = ca {
        let cert = ureq::tls::Certificate::from_pem(pem).expect("the CA is PEM");
        config = config.tls_config(
            ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::Specific(Arc::new(vec![cert])))
                .build(),
        );
    }
    let agent: ureq::Agent = config.build().into();
    let result = if method == "POST" {
        let mut req = agent.post(url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.send_empty()
    } else {
        let mut req = agent.get(url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.call()
    };
    let mut response = result.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let www_authenticate = response
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    Answer {
        status: response.status().as_u16(),
        content_type,
        www_authenticate,
        body: response
            .body_mut()
            .read_to_string()
            .unwrap_or_else(|e| panic!("{method} {url}: body: {e}")),
    }
}

/// The value of the first sample of `series` (name and labels, exactly as printed).
pub fn sample(metrics: &str, series: &str) -> Option<f64> {
    metrics
        .lines()
        .find(|l| l.starts_with(series) && l[series.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}
