//! probe::exchange: the upgrade stage: the request written as planned, the answer read
//! (bounded), and what it makes of the attempt's outcome.

use super::*;

/// Writes the request and reads the response, recording the upgrade stage.
pub(crate) async fn exchange_stage<V: AsRef<str>>(
    io: &mut BoxedIo,
    request: &upgrade::Request<'_, V>,
    deadline: Instant,
    redactor: &Redactor,
    rec: &mut AttemptRecord,
) -> Result<upgrade::Exchange, Outcome> {
    let t = Instant::now();
    rec.request = Some(request.record(redactor));
    match upgrade::exchange(io, request, redactor, deadline)
        .instrument(tracing::debug_span!("upgrade"))
        .await
    {
        Ok(ex) => {
            let r = &ex.response;
            let mut summary = format!(
                "{} {} -> {} {}",
                request.method,
                redactor.url(request.target),
                r.status,
                r.reason
            );
            if r.body_bytes > 0 {
                summary.push_str(&format!(" · body {} bytes", r.body_bytes));
            }
            push_stage(rec, Stage::Upgrade, t, summary, None);
            rec.response = Some(ex.response.clone());
            Ok(ex)
        }
        Err(upgrade::UpgradeFailure::Deadline) => {
            push_stage(
                rec,
                Stage::Upgrade,
                t,
                "no response before the deadline".into(),
                Some("timeout"),
            );
            Err(Outcome::Timeout {
                stage: Stage::Upgrade,
            })
        }
        Err(upgrade::UpgradeFailure::TlsAlert(alert)) => {
            // A TLS failure that only shows on the first read (TLS 1.3 client authentication):
            // recorded on the TLS record, and the attempt ends as a TLS error.
            let detail = format!(
                "the server sent the fatal TLS alert {alert} on the first read after the handshake"
            );
            push_stage(rec, Stage::Upgrade, t, detail.clone(), Some("tls_alert"));
            if let Some(tls) = rec.tls.as_mut() {
                tls.alert = Some(alert);
                tls.alert_after_handshake = true;
            }
            Err(Outcome::TlsError {
                error: tls::TlsFailure::HandshakeFailed.class().to_string(),
                detail,
            })
        }
        Err(f) => {
            let detail = redactor.text(&f.detail());
            push_stage(rec, Stage::Upgrade, t, detail.clone(), Some(f.class()));
            Err(Outcome::ProtocolViolation {
                error: f.class().to_string(),
                detail,
            })
        }
    }
}

pub(crate) fn header_map(r: &crate::model::WireResponse) -> BTreeMap<String, String> {
    let mut map: BTreeMap<String, String> = BTreeMap::new();
    for h in &r.headers {
        map.entry(h.name.to_ascii_lowercase())
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(&h.value);
            })
            .or_insert_with(|| h.value.clone());
    }
    map
}
