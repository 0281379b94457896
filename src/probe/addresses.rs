//! probe::addresses: the address fan-out: the baseline pinned to every resolved address of the
//! target (a second try where the addresses disagree), and the row each pinned attempt becomes.

use super::*;

/// The address fan-out: when the target's name has several addresses, one baseline-shaped attempt
/// pinned to each (at most [`limits::MAX_ADDRESSES`]), run beside the matrix. Every address gets
/// its own attempt, the baseline's included: round-robin DNS may answer the baseline's lookup in
/// another order, so which address the baseline used is only known after it ran. Off for
/// `--quick`, for ticket flows (a one-time ticket cannot be shared) and through a forward proxy
/// (the proxy resolves the name; with socks5:// one address is asked for). Returns the attempts
/// (`address.<n>`) and one row per address.
pub(crate) async fn address_fan_out(
    plan: &Plan,
    ctx: &ProbeContext,
    slots: &Semaphore,
) -> (Vec<AttemptRecord>, Vec<AddressRecord>) {
    let none = (Vec::new(), Vec::new());
    let Some(base) = plan.attempts.first() else {
        return none;
    };
    if !ctx.fan_out || ctx.pin.is_some() || base.ticket_param.is_some() {
        return none;
    }
    let target_host = base.url.host_str().unwrap_or_default();
    let target_port = base.url.port_or_known_default().unwrap_or(80);
    if ctx
        .proxy
        .as_ref()
        .is_some_and(|p| p.applies_to(target_host))
    {
        return none;
    }
    let (host, port) = crate::config::connect_route(&ctx.connect_to, target_host, target_port);
    let addrs = match dns::resolve(&host, port, &ctx.resolve, ctx.deadline).await {
        Ok((addrs, _)) if addrs.len() > 1 => addrs,
        _ => return none,
    };
    let of = addrs.len();
    let records = futures_util::future::join_all(
        addrs
            .into_iter()
            .take(limits::MAX_ADDRESSES)
            .enumerate()
            .map(|(index, addr)| async move {
                let mut spec = base.clone();
                spec.variant.id = format!("address.{index}");
                spec.variant.label = format!("address {addr}");
                spec.variant.group = "address".into();
                let pinned = ProbeContext {
                    pin: Some(Pin { addr, index, of }),
                    ..ctx.clone()
                };
                let _slot = slots.acquire().await.ok();
                let rec = run_attempt(&spec, &pinned).await;
                (address_record(addr, &rec), rec)
            }),
    )
    .await;
    let (mut rows, attempts): (Vec<AddressRecord>, Vec<AttemptRecord>) =
        records.into_iter().unzip();
    // Addresses that disagree are the evidence of a stale record or a mixed round robin; one
    // lost packet must not pass for that. Each address is asked once more, and the second answer
    // is kept beside the first (the diagnosis sets aside addresses whose answers differ).
    let key = |r: &AddressRecord| (r.kind.clone(), r.status);
    if rows.iter().any(|r| key(r) != key(&rows[0])) {
        let again = futures_util::future::join_all(rows.iter().enumerate().map(|(index, row)| {
            let spec = attempts.get(index).map(|a| {
                let mut spec = base.clone();
                spec.variant = a.variant.clone();
                spec
            });
            let addr: Option<SocketAddr> = row.address.parse().ok();
            async move {
                let (Some(spec), Some(addr)) = (spec, addr) else {
                    return None;
                };
                let pinned = ProbeContext {
                    pin: Some(Pin { addr, index, of }),
                    ..ctx.clone()
                };
                let _slot = slots.acquire().await.ok();
                let rec = run_attempt(&spec, &pinned).await;
                let row = address_record(addr, &rec);
                Some(AddressTry {
                    kind: row.kind,
                    status: row.status,
                    error: row.error,
                    ms: row.ms,
                })
            }
        }))
        .await;
        for (row, second) in rows.iter_mut().zip(again) {
            row.second_try = second;
        }
    }
    (attempts, rows)
}

/// The row of one address: what its pinned attempt got.
pub fn address_record(addr: SocketAddr, rec: &AttemptRecord) -> AddressRecord {
    let (error, stage) = match &rec.outcome {
        Outcome::Timeout { stage } => (Some("timeout".to_string()), Some(*stage)),
        Outcome::DnsError { error, .. } => (Some(error.clone()), Some(Stage::Dns)),
        Outcome::TcpError { error, .. } => (Some(error.clone()), Some(Stage::Tcp)),
        Outcome::TlsError { error, .. } => (Some(error.clone()), Some(Stage::Tls)),
        Outcome::ProtocolViolation { error, .. } => (
            Some(error.clone()),
            rec.stages
                .iter()
                .find(|s| s.status == StageStatus::Failed)
                .map(|s| s.stage),
        ),
        _ => (None, None),
    };
    AddressRecord {
        address: addr.to_string(),
        family: if addr.is_ipv4() { "ipv4" } else { "ipv6" }.to_string(),
        attempt: rec.variant.id.clone(),
        kind: rec.outcome.kind().to_string(),
        status: rec.outcome.status(),
        error,
        stage,
        ms: rec.ms,
        second_try: None,
    }
}
