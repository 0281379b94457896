//! plan: turns a `Config` into the ordered list of attempts to make. The baseline (the request as
//! the user's client sends it) comes first; every other attempt changes one thing. Each
//! `AttemptSpec` holds the exact header list to write, so the probe adds nothing of its own.
//! Pure: no I/O, no clock (the only randomness is the Sec-WebSocket-Key).

use crate::model::ids;
use url::Url;

use crate::config::{Config, TicketConfig};
use crate::model::{CredentialPlacement, RequestKind, SkipReason, SkippedVariant, Variant};
use crate::secret::Secret;

pub use crate::secret::HeaderValue;

/// One planned attempt: what goes on the wire. Nothing in it prints a secret: credentials stay
/// `Secret`s (`HeaderValue::Secret`, `secret_query`) until the probe writes the request.
#[derive(Debug, Clone)]
pub struct AttemptSpec {
    /// What this attempt changes (safe to print).
    pub variant: Variant,
    /// The URL to connect to (ws, wss, http or https), without the secret query parameters.
    pub url: Url,
    /// Query parameters that carry a secret (`?token=`, `?ticket=`), appended on the wire after
    /// the URL's own query.
    pub secret_query: Vec<(String, Secret)>,
    /// Request headers in the order written, after the request line.
    pub headers: Vec<(String, HeaderValue)>,
    /// When set, the runner fetches a one-time ticket first and appends `?PARAM=<ticket>`.
    pub ticket_param: Option<String>,
}

impl AttemptSpec {
    /// The URL as written on the wire: the secret query parameters appended. Only for the bytes
    /// sent and for the redactor to record (it knows every secret value).
    pub fn wire_url(&self) -> Url {
        let mut url = self.url.clone();
        if !self.secret_query.is_empty() {
            let mut q = url.query_pairs_mut();
            for (k, v) in &self.secret_query {
                q.append_pair(k, v.expose());
            }
        }
        url
    }
}

/// The whole run: attempts, plain-HTTP controls and the ticket flow.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Attempts; the first is the baseline.
    pub attempts: Vec<AttemptSpec>,
    /// Plain-HTTP controls (site root, `--health-url`).
    pub http_controls: Vec<AttemptSpec>,
    /// The ticket flow, when `--ticket-url` is given.
    pub ticket: Option<TicketConfig>,
    /// The credential used to fetch tickets (Bearer), when a ticket flow runs.
    pub ticket_credential: Option<Secret>,
    /// The HTTP/2 path's request (RFC 8441), when it runs.
    pub http2: Option<AttemptSpec>,
    /// The credential and Origin variants run on the HTTP/2 path when its request fails.
    pub http2_variants: Vec<AttemptSpec>,
    /// The same port with the other scheme, run only when the baseline's failure calls for it.
    pub other_scheme: Option<AttemptSpec>,
    /// Whether the baseline is also pinned to each resolved address (`address.<n>`): not with
    /// `--quick`, nor when `--variants`/`--skip` leave the `address` group out.
    pub address_fan_out: bool,
    /// What a default run would have sent and this one does not (`--variants`, `--skip`,
    /// `--safe`, and the credential moved into a URL, which is sent only when asked), in plan
    /// order.
    pub skipped: Vec<SkippedVariant>,
    /// The run's inputs the diagnosis reads (credential given, the user's Origin, `--direct`),
    /// carried into the `Run` by the probe.
    pub input: crate::model::RunInput,
}

/// Builds the plan for a config.
pub fn build(config: &Config) -> Plan {
    let base = baseline(config);
    let base_variant = base.variant.clone();
    let mut skipped = Vec::new();
    let mut attempts = vec![base];
    let planned = if config.quick {
        // --quick still compares the baseline with the backend when --direct names one.
        direct_twins(config, &base_variant, Vec::new())
    } else {
        variants(config)
    };
    attempts.extend(select(config, planned, &mut skipped));
    let http_controls = if config.quick {
        Vec::new()
    } else {
        select(config, http_controls(config), &mut skipped)
    };
    let (h2, http2_variants) = select_http2(config, &mut skipped);
    let mut pinned = Variant::baseline();
    pinned.id = format!("{}0", ids::ADDRESS_PREFIX);
    pinned.group = "address".into();
    Plan {
        attempts,
        http_controls,
        ticket: config.ticket.clone(),
        ticket_credential: config.credential.as_ref().map(|c| c.secret.clone()),
        http2_variants,
        http2: h2,
        other_scheme: other_scheme(config).filter(|s| skip_reason(config, &s.variant).is_none()),
        address_fan_out: !config.quick && config.selection.keeps(&pinned),
        skipped,
        input: crate::model::RunInput {
            // Wherever the user put it: a flag, the URL's userinfo or query, a -H header.
            credential_given: config.credential.is_some(),
            user_origin: config.origin.clone(),
            direct: config
                .direct
                .as_ref()
                .map(|d| config.redactor.url(d.as_str())),
        },
    }
}

/// One line for stderr before anything is sent: how many requests go to which host, where the
/// credential travels (and that it goes in a URL only where the user put it), and what in the run
/// a production service could hold against the caller. Pure.
pub fn disclosure(config: &Config, plan: &Plan) -> String {
    let host = host_header(&config.target);
    let h2 = plan.http2.iter().count() + plan.http2_variants.len();
    let count = plan.attempts.len() + plan.http_controls.len() + h2;
    let mut line = format!(
        "sending {count} request{} to {host}",
        if count == 1 { "" } else { "s" }
    );
    let all = || {
        plan.attempts
            .iter()
            .chain(&plan.http_controls)
            .chain(&plan.http2)
            .chain(&plan.http2_variants)
    };
    let mut places: Vec<String> = Vec::new();
    let mut in_url = false;
    for a in all().filter(|a| !a.variant.wrong_credential) {
        let place = match &a.variant.credential {
            CredentialPlacement::None => continue,
            CredentialPlacement::Header { name, .. } => format!("the {name} header"),
            CredentialPlacement::Cookie { .. } => "a cookie".into(),
            CredentialPlacement::Subprotocol => "Sec-WebSocket-Protocol".into(),
            CredentialPlacement::Query { name } => {
                in_url = true;
                format!("the URL's ?{name}=")
            }
            CredentialPlacement::Ticket { param } => {
                in_url = true;
                format!("a one-time ticket in the URL's ?{param}=")
            }
        };
        if !places.contains(&place) {
            places.push(place);
        }
    }
    match (config.credential.is_some(), places.as_slice()) {
        (false, _) => line.push_str("; no credential given"),
        (true, []) => line.push_str("; the credential is not sent"),
        (true, [one]) => line.push_str(&format!("; the credential goes in {one}")),
        (true, [init @ .., last]) => line.push_str(&format!(
            "; the credential goes in {} and {last}",
            init.join(", ")
        )),
    }
    if config.credential.is_some() && !in_url {
        line.push_str(" (in no URL)");
    }
    let mut also: Vec<&str> = Vec::new();
    let any = |f: &dyn Fn(&AttemptSpec) -> bool| all().any(f);
    if any(&|a| a.variant.wrong_credential) {
        also.push("a wrong credential");
    }
    if any(&|a| {
        a.variant
            .origin
            .as_deref()
            .is_some_and(|o| o == config.foreign_origin || o == "null")
    }) {
        also.push("a foreign and a null Origin");
    }
    if any(&|a| {
        matches!(
            a.variant.request,
            RequestKind::MissingKey | RequestKind::WrongVersion
        )
    }) {
        also.push("malformed handshakes");
    }
    if !also.is_empty() {
        line.push_str(&format!(
            "; also {} (--safe leaves these out)",
            also.join(", ")
        ));
    }
    line
}

/// The baseline's URL with the other scheme on the same port (`wss://` for `ws://`, `ws://` for
/// `wss://`), variant `control.other_scheme`, without any credential: the user's token never
/// travels in plaintext because wsdoctor guessed the port might be plain, and a TLS guess does
/// not need it. The probe sends it only when the baseline failed the way a scheme mismatch fails.
pub fn other_scheme(config: &Config) -> Option<AttemptSpec> {
    let (scheme, label) = match config.target.scheme() {
        "ws" => ("wss", "wss:// on the same port"),
        "wss" => ("ws", "ws:// on the same port"),
        _ => return None,
    };
    let mut url = config.target.clone();
    let port = url.port_or_known_default()?;
    url.set_scheme(scheme).ok()?;
    url.set_port(Some(port)).ok()?;
    let mut variant = Variant::baseline();
    variant.id = ids::CONTROL_OTHER_SCHEME.into();
    variant.label = label.into();
    variant.group = "control".into();
    variant.origin = config.origin.clone();
    variant.subprotocols = config.subprotocols.clone();
    let mut spec = spec_for(config, &url, variant);
    spec.headers
        .retain(|(_, v)| !matches!(v, HeaderValue::Secret(_)));
    spec.secret_query.clear();
    spec.ticket_param = None;
    Some(spec)
}

/// Why `v` is not run under this config's selection, if it is not.
pub fn skip_reason(config: &Config, v: &Variant) -> Option<SkipReason> {
    config
        .selection
        .reason(
            v,
            config.selection.safe && unsafe_to_send(config, v).is_some(),
        )
        .or_else(|| {
            (moves_credential_into_url(config, v)
                && !config.try_url_token
                && !config.selection.names(v))
            .then_some(SkipReason::CredentialInUrl)
        })
}

/// True when `v` puts the user's credential in the URL's query where the user did not put it
/// (`credential.query` and its twins, when the baseline sends it elsewhere).
pub fn moves_credential_into_url(config: &Config, v: &Variant) -> bool {
    let base_in_query = config
        .credential
        .as_ref()
        .is_some_and(|c| matches!(c.placement, CredentialPlacement::Query { .. }));
    matches!(v.credential, CredentialPlacement::Query { .. }) && !base_in_query
}

/// Keeps the specs the selection runs; the others go to `skipped`.
fn select(
    config: &Config,
    specs: Vec<AttemptSpec>,
    skipped: &mut Vec<SkippedVariant>,
) -> Vec<AttemptSpec> {
    let mut kept = Vec::with_capacity(specs.len());
    for s in specs {
        match skip_reason(config, &s.variant) {
            Some(reason) => skipped.push(SkippedVariant {
                variant: s.variant,
                reason,
            }),
            None => kept.push(s),
        }
    }
    kept
}

/// The HTTP/2 path and its variants, as the selection has them. The path's own request (`http2`)
/// runs when it is selected or when one of its variants is (they ride on its connection).
fn select_http2(
    config: &Config,
    skipped: &mut Vec<SkippedVariant>,
) -> (Option<AttemptSpec>, Vec<AttemptSpec>) {
    let Some(h2) = http2(config) else {
        return (None, Vec::new());
    };
    // The cap applies to what the selection keeps; what a default run would send and this one
    // does not is listed.
    let candidates = http2_candidates(config);
    let default: Vec<Variant> = candidates
        .iter()
        .filter(|_| !config.quick)
        .take(HTTP2_VARIANTS)
        .map(|s| s.variant.clone())
        .collect();
    // --quick --http2-only runs the path's own request and none of its variants.
    let twins: Vec<AttemptSpec> = candidates
        .into_iter()
        .filter(|s| !config.quick && skip_reason(config, &s.variant).is_none())
        .take(HTTP2_VARIANTS)
        .collect();
    let twins_skipped: Vec<SkippedVariant> = default
        .into_iter()
        .filter(|v| twins.iter().all(|t| t.variant.id != v.id))
        .map(|v| SkippedVariant {
            reason: skip_reason(config, &v).unwrap_or(SkipReason::NotSelected),
            variant: v,
        })
        .collect();
    // --http2-only: the path is what the run is about, whatever --variants/--skip select.
    let reason = skip_reason(config, &h2.variant).filter(|_| !config.http2_only);
    match reason {
        Some(reason) if twins.is_empty() => {
            skipped.push(SkippedVariant {
                variant: h2.variant,
                reason,
            });
            (None, Vec::new())
        }
        _ => {
            skipped.extend(twins_skipped);
            (Some(h2), twins)
        }
    }
}

/// Why `--safe` leaves `v` out: what in it a production service would hold against the caller.
/// `None` for a request that carries nothing the user's own client would not (the baseline's
/// credential where the client puts it or in a header or cookie, no credential, the user's or
/// the site's own Origin or none, a plain GET, a browser's shape of the same request). The README
/// lists the same choices.
pub fn unsafe_to_send(config: &Config, v: &Variant) -> Option<&'static str> {
    if v.wrong_credential {
        return Some("a wrong credential counts as a failed login: lockouts, alerts");
    }
    if matches!(
        v.request,
        RequestKind::MissingKey | RequestKind::WrongVersion
    ) {
        return Some("a malformed handshake is what a WAF flags as an attack");
    }
    if let Some(origin) = &v.origin {
        let own = config.origin.as_deref() == Some(origin.as_str())
            || *origin == config.same_origin()
            || (v.direct
                && config
                    .direct
                    .as_ref()
                    .is_some_and(|d| *origin == crate::config::same_origin_of(d)));
        if !own {
            return Some("a foreign or null Origin is what a cross-site attack sends");
        }
    }
    if moves_credential_into_url(config, v) {
        return Some("a token in the URL is written to every access log on the path");
    }
    let core = v.id.strip_prefix(ids::DIRECT_PREFIX).unwrap_or(&v.id);
    if core == ids::TICKET_REUSE {
        return Some("replaying a one-time ticket is what a security monitor flags");
    }
    None
}

/// The baseline: the user's placement, Origin, headers and subprotocols.
pub fn baseline(config: &Config) -> AttemptSpec {
    let mut variant = Variant::baseline();
    variant.origin = config.origin.clone();
    variant.subprotocols = config.subprotocols.clone();
    let placement = config
        .credential
        .as_ref()
        .map(|c| c.placement.clone())
        .unwrap_or(CredentialPlacement::None);
    variant.credential = placement;
    if config.ticket.is_some() {
        variant.credential = CredentialPlacement::Ticket {
            param: config
                .ticket
                .as_ref()
                .map(|t| t.param.clone())
                .unwrap_or_default(),
        };
    }
    spec_for(config, &config.target, variant)
}

/// The HTTP/2 path's request: the baseline's, under the `http2` variant, for `wss://` targets
/// and for `ws://` ones with `--h2c` (cleartext, prior knowledge). Not with `--http1-only` or a
/// ticket flow (a ticket is good for one connection, the baseline's), nor with `--quick` (the
/// baseline only) unless `--http2-only` makes the path what the run is about.
pub fn http2(config: &Config) -> Option<AttemptSpec> {
    let scheme_has_it = match config.target.scheme() {
        "wss" | "https" => true,
        "ws" | "http" => config.h2c,
        _ => false,
    };
    if (config.quick && !config.http2_only)
        || config.http1_only
        || config.ticket.is_some()
        || !scheme_has_it
    {
        return None;
    }
    let mut spec = baseline(config);
    spec.variant.id = ids::HTTP2.into();
    spec.variant.label = if matches!(config.target.scheme(), "ws" | "http") {
        "HTTP/2 extended CONNECT (RFC 8441) in cleartext with prior knowledge (h2c)".into()
    } else {
        "HTTP/2 extended CONNECT (RFC 8441)".into()
    };
    spec.variant.group = "http2".into();
    Some(spec)
}

/// How many variants the HTTP/2 path repeats when its request fails.
pub const HTTP2_VARIANTS: usize = 6;

/// The credential and Origin variants (at most [`HTTP2_VARIANTS`]), as HTTP/2 requests: ids
/// `http2.<id>`, group `http2`. A deliberately wrong credential is not repeated: the HTTP/1.1
/// matrix has said what it gets.
pub fn http2_variants(config: &Config) -> Vec<AttemptSpec> {
    http2_candidates(config)
        .into_iter()
        .take(HTTP2_VARIANTS)
        .collect()
}

/// Every variant the HTTP/2 path could repeat, in order, before the [`HTTP2_VARIANTS`] cap.
fn http2_candidates(config: &Config) -> Vec<AttemptSpec> {
    variants(config)
        .into_iter()
        .filter(|s| {
            matches!(s.variant.group.as_str(), "credential" | "origin")
                && !s.variant.wrong_credential
                && s.ticket_param.is_none()
                && !s.variant.direct
        })
        .map(|mut s| {
            s.variant.id = format!("{}.{}", ids::HTTP2, s.variant.id);
            s.variant.label = format!("HTTP/2: {}", s.variant.label);
            s.variant.group = "http2".into();
            s
        })
        .collect()
}

/// The variants that change one thing each (credential placement, Origin, controls, browsers,
/// tickets, direct, repeats), in the order they are run and shown. Two variants that would put
/// the same effective request on the wire are planned once (the first id wins); repeats are the
/// exception, since repeating the baseline is their point.
pub fn variants(config: &Config) -> Vec<AttemptSpec> {
    let base = baseline(config).variant;
    let mut planned: Vec<Variant> = vec![base.clone()];
    let mut out = Vec::new();
    for v in matrix(config, &base) {
        push_unique(&mut planned, &mut out, v);
    }
    let mut specs: Vec<AttemptSpec> = out
        .into_iter()
        .map(|v| spec_for_variant(config, &config.target, v))
        .collect();
    specs.extend(direct_twins(config, &base, matrix(config, &base)));
    for n in 0..config.repeat {
        let mut r = base.clone();
        r.id = format!("repeat.{n}");
        r.label = format!("repeat {}", n + 1);
        r.group = "repeat".into();
        r.repeat = Some(n);
        specs.push(spec_for(config, &config.target, r));
    }
    specs
}

/// The twins `direct.<id>` of the baseline and of `matrix` against the `--direct` URL (none
/// without it): the same requests sent to the backend itself, so `diagnose::compare` can pair each
/// public attempt with its twin. Browser shapes and protocol controls are left out (they test the
/// public edge, not the backend); the plain GET stays, as the backend's own answer to a request
/// without upgrade. `direct.origin.same` carries the backend's own origin instead of the site's.
fn direct_twins(config: &Config, base: &Variant, matrix: Vec<Variant>) -> Vec<AttemptSpec> {
    let Some(direct) = &config.direct else {
        return Vec::new();
    };
    let mut planned: Vec<Variant> = Vec::new();
    let mut specs = Vec::new();
    for v in std::iter::once(base.clone()).chain(matrix) {
        if v.browser.is_some()
            || matches!(
                v.request,
                RequestKind::MissingKey | RequestKind::WrongVersion
            )
        {
            continue;
        }
        let mut d = v;
        d.id = format!("direct.{}", d.id);
        d.label = format!("direct: {}", d.label);
        d.group = "direct".into();
        d.direct = true;
        if d.id == ids::DIRECT_ORIGIN_SAME {
            // The backend's own origin: a same-origin check compares Origin with the Host it
            // sees, so this tells a Host-rewriting proxy from an Origin allowlist.
            d.origin = Some(crate::config::same_origin_of(direct));
        }
        if planned.iter().any(|p| same_request(p, &d)) {
            continue;
        }
        planned.push(d.clone());
        specs.push(spec_for_variant(config, direct, d));
    }
    specs
}

/// The one-change variants against one URL (before de-duplication).
fn matrix(config: &Config, base: &Variant) -> Vec<Variant> {
    let mut vs = Vec::new();
    let one = |id: &str, label: String, group: &str| {
        let mut v = base.clone();
        v.id = id.into();
        v.label = label;
        v.group = group.into();
        v
    };
    let ticket_flow = config.ticket.is_some();
    if let Some(cred) = &config.credential {
        let mut none = one(ids::CREDENTIAL_NONE, "no credential".into(), "credential");
        none.credential = CredentialPlacement::None;
        vs.push(none);
        if !ticket_flow {
            let placements = [
                (
                    ids::CREDENTIAL_HEADER,
                    CredentialPlacement::Header {
                        name: "Authorization".into(),
                        scheme: config.auth_scheme.clone(),
                    },
                    format!("Authorization: {} <token>", config.auth_scheme),
                ),
                (
                    ids::CREDENTIAL_QUERY,
                    CredentialPlacement::Query {
                        name: config.token_param.clone(),
                    },
                    format!("?{}=<token>", config.token_param),
                ),
                (
                    ids::CREDENTIAL_COOKIE,
                    CredentialPlacement::Cookie {
                        name: config.cookie_name.clone(),
                    },
                    format!("Cookie: {}=<token>", config.cookie_name),
                ),
                (
                    ids::CREDENTIAL_SUBPROTOCOL,
                    CredentialPlacement::Subprotocol,
                    "token as Sec-WebSocket-Protocol".into(),
                ),
            ];
            for (id, placement, label) in placements {
                let mut v = one(id, label, "credential");
                v.credential = placement;
                vs.push(v);
            }
            if cred.placement != CredentialPlacement::None {
                let mut wrong = one(
                    ids::CREDENTIAL_WRONG,
                    "wrong token, same place".into(),
                    "credential",
                );
                wrong.wrong_credential = true;
                vs.push(wrong);
            }
        }
    }
    if ticket_flow {
        vs.push(one(
            ids::TICKET_FRESH,
            "a second fresh ticket".into(),
            "ticket",
        ));
        // Planned right after ticket.fresh: the runner reuses the previous ticket attempt's ticket.
        vs.push(one(
            ids::TICKET_REUSE,
            "the same ticket again".into(),
            "ticket",
        ));
    }
    let foreign = config.foreign_origin.clone();
    let origins: [(&str, Option<String>); 5] = [
        (ids::ORIGIN_NONE, None),
        (ids::ORIGIN_SAME, Some(config.same_origin())),
        (ids::ORIGIN_USER, config.origin.clone()),
        (ids::ORIGIN_FOREIGN, Some(foreign)),
        (ids::ORIGIN_NULL, Some("null".into())),
    ];
    for (id, origin) in origins {
        if id == ids::ORIGIN_USER && config.origin.is_none() {
            continue;
        }
        let label = match &origin {
            Some(o) => format!("Origin: {o}"),
            None => "no Origin".into(),
        };
        let mut v = one(id, label, "origin");
        v.origin = origin;
        vs.push(v);
    }
    // Origins an expectation names (`expect_origin_rejected`); de-duplication drops the ones the
    // matrix already sends.
    for (n, origin) in config.extra_origins.iter().enumerate() {
        let mut v = one(
            &format!("origin.extra.{n}"),
            format!("Origin: {origin}"),
            "origin",
        );
        v.origin = Some(origin.clone());
        vs.push(v);
    }
    let controls = [
        (
            ids::CONTROL_PLAIN_GET,
            RequestKind::PlainGet,
            "plain GET, same URL",
        ),
        (
            ids::CONTROL_MISSING_KEY,
            RequestKind::MissingKey,
            "upgrade without Sec-WebSocket-Key",
        ),
        (
            ids::CONTROL_VERSION_8,
            RequestKind::WrongVersion,
            "Sec-WebSocket-Version: 8",
        ),
    ];
    for (id, kind, label) in controls {
        let mut v = one(id, label.into(), "control");
        v.request = kind;
        if kind == RequestKind::PlainGet {
            v.subprotocols.clear();
        }
        vs.push(v);
    }
    for (id, name, label) in [
        (ids::BROWSER_CHROME, "chrome", "as Chrome sends it"),
        (ids::BROWSER_FIREFOX, "firefox", "as Firefox sends it"),
    ] {
        let mut v = one(id, label.into(), "browser");
        v.browser = Some(name.into());
        // Browsers always send Origin: the user's, or the page's own when none was given.
        if v.origin.is_none() {
            v.origin = Some(config.same_origin());
        }
        vs.push(v);
    }
    vs
}

/// Adds `v` unless an already planned variant puts the same request on the wire.
fn push_unique(planned: &mut Vec<Variant>, out: &mut Vec<Variant>, v: Variant) {
    // Ticket attempts always differ (each carries its own ticket, or deliberately a used one).
    let is_ticket = v.group == "ticket";
    if !is_ticket && planned.iter().any(|p| same_request(p, &v)) {
        return;
    }
    planned.push(v.clone());
    out.push(v);
}

/// True when two variants produce the same effective request (the random key aside).
fn same_request(a: &Variant, b: &Variant) -> bool {
    a.request == b.request
        && a.credential == b.credential
        && a.wrong_credential == b.wrong_credential
        && a.origin == b.origin
        && a.subprotocols == b.subprotocols
        && a.browser == b.browser
        && a.direct == b.direct
}

/// `spec_for`, then the header order and extras of the imitated browser, if any.
fn spec_for_variant(config: &Config, url: &Url, variant: Variant) -> AttemptSpec {
    let browser = variant.browser.clone();
    let mut spec = spec_for(config, url, variant);
    if let Some(b) = browser.as_deref() {
        spec.headers = browser_headers(b, std::mem::take(&mut spec.headers));
    }
    spec
}

/// Chrome 131 on Linux.
const CHROME_UA: &str =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
/// Firefox 133 on Linux.
const FIREFOX_UA: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

/// Reorders a planned header list into the order the browser writes its handshake, adding the
/// headers it always sends. Chrome offers `permessage-deflate; client_max_window_bits`; Firefox
/// offers bare `permessage-deflate` and sends `Connection: keep-alive, Upgrade` (as captured from
/// both browsers' devtools "raw headers" views).
fn browser_headers(
    browser: &str,
    planned: Vec<(String, HeaderValue)>,
) -> Vec<(String, HeaderValue)> {
    let take = |name: &str| -> Option<(String, HeaderValue)> {
        planned
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .cloned()
    };
    let fixed = |k: &str, v: &str| Some((k.to_string(), HeaderValue::from(v)));
    let order: Vec<Option<(String, HeaderValue)>> = if browser == "firefox" {
        vec![
            take("Host"),
            fixed("User-Agent", FIREFOX_UA),
            fixed("Accept", "*/*"),
            fixed("Accept-Language", "en-US,en;q=0.5"),
            fixed("Accept-Encoding", "gzip, deflate, br, zstd"),
            take("Sec-WebSocket-Version"),
            take("Origin"),
            take("Sec-WebSocket-Protocol"),
            fixed("Sec-WebSocket-Extensions", "permessage-deflate"),
            take("Sec-WebSocket-Key"),
            take("Connection"),
            take("Cookie"),
            fixed("Sec-Fetch-Dest", "empty"),
            fixed("Sec-Fetch-Mode", "websocket"),
            fixed("Sec-Fetch-Site", "same-origin"),
            fixed("Pragma", "no-cache"),
            fixed("Cache-Control", "no-cache"),
            take("Upgrade"),
        ]
    } else {
        vec![
            take("Host"),
            take("Connection"),
            fixed("Pragma", "no-cache"),
            fixed("Cache-Control", "no-cache"),
            fixed("User-Agent", CHROME_UA),
            take("Upgrade"),
            take("Origin"),
            take("Sec-WebSocket-Version"),
            fixed("Accept-Encoding", "gzip, deflate, br, zstd"),
            fixed("Accept-Language", "en-US,en;q=0.9"),
            take("Cookie"),
            take("Sec-WebSocket-Key"),
            fixed(
                "Sec-WebSocket-Extensions",
                "permessage-deflate; client_max_window_bits",
            ),
            take("Sec-WebSocket-Protocol"),
        ]
    };
    let mut out: Vec<(String, HeaderValue)> = order.into_iter().flatten().collect();
    // Anything else the plan carried (an Authorization header, -H extras) goes last, as a page
    // cannot set it anyway; wsdoctor's own User-Agent is replaced by the browser's.
    for (k, v) in planned {
        if k.eq_ignore_ascii_case("User-Agent")
            || out.iter().any(|(o, _)| o.eq_ignore_ascii_case(&k))
        {
            continue;
        }
        out.push((k, v));
    }
    out
}

/// Plain-HTTP controls: the target's site root as http(s) (`http.root`) and `--health-url`
/// (`http.health`) when given and different.
pub fn http_controls(config: &Config) -> Vec<AttemptSpec> {
    let mut out = Vec::new();
    let mut root = config.target.clone();
    let scheme = if root.scheme() == "wss" {
        "https"
    } else {
        "http"
    };
    // ws -> http is a special-to-special scheme change, which `Url::set_scheme` allows.
    if root.set_scheme(scheme).is_ok() {
        root.set_path("/");
        root.set_query(None);
        root.set_fragment(None);
        out.push(plain_http(
            config,
            &root,
            ids::HTTP_ROOT,
            "GET / (site root)",
        ));
    }
    if let Some(h) = &config.health_url {
        if out.iter().all(|s| &s.url != h) {
            out.push(plain_http(config, h, ids::HTTP_HEALTH, "GET --health-url"));
        }
    }
    if let (Some(url), Some(cred)) = (&config.auth_check, &config.credential) {
        // The credential where an HTTP API reads it: as placed for the socket, except that a
        // subprotocol token (which HTTP has no place for) goes as a bearer token.
        let placement = match &cred.placement {
            CredentialPlacement::Subprotocol | CredentialPlacement::Ticket { .. } => {
                CredentialPlacement::Header {
                    name: "Authorization".into(),
                    scheme: "Bearer".into(),
                }
            }
            p => p.clone(),
        };
        for (id, label, placement) in [
            (
                ids::HTTP_AUTH_CHECK,
                "GET --auth-check with the credential",
                placement,
            ),
            (
                ids::HTTP_AUTH_CHECK_NONE,
                "GET --auth-check without a credential",
                CredentialPlacement::None,
            ),
        ] {
            let mut v = Variant::baseline();
            v.id = id.into();
            v.label = label.into();
            v.group = "auth_check".into();
            v.request = RequestKind::PlainGet;
            v.credential = placement;
            out.push(spec_for(config, url, v));
        }
    }
    out
}

fn plain_http(config: &Config, url: &Url, id: &str, label: &str) -> AttemptSpec {
    let mut v = Variant::baseline();
    v.id = id.into();
    v.label = label.into();
    v.group = "http".into();
    v.request = RequestKind::PlainGet;
    spec_for(config, url, v)
}

/// Builds the exact request for a variant against `url`.
pub fn spec_for(config: &Config, url: &Url, variant: Variant) -> AttemptSpec {
    let url = url.clone();
    let secret = config.credential.as_ref().map(|c| &c.secret);
    let wrong;
    let token: Option<&str> = if variant.wrong_credential {
        let basic = matches!(&variant.credential, CredentialPlacement::Header { scheme, .. } if scheme.eq_ignore_ascii_case("basic"));
        wrong = secret.map(|s| {
            if basic {
                wrong_basic_like(s.expose())
            } else {
                wrong_token_like(s.expose())
            }
        });
        wrong.as_deref()
    } else {
        secret.map(|s| s.expose())
    };
    let mut headers: Vec<(String, HeaderValue)> = Vec::new();
    let mut secret_query: Vec<(String, Secret)> = Vec::new();
    headers.push(("Host".into(), host_header(&url).into()));
    match variant.request {
        RequestKind::PlainGet => {
            headers.push(("Accept".into(), "*/*".into()));
        }
        kind => {
            let connection = match variant.browser.as_deref() {
                Some("firefox") => "keep-alive, Upgrade",
                _ => "Upgrade",
            };
            headers.push(("Connection".into(), connection.into()));
            headers.push(("Upgrade".into(), "websocket".into()));
            let version = if kind == RequestKind::WrongVersion {
                "8"
            } else {
                "13"
            };
            headers.push(("Sec-WebSocket-Version".into(), version.into()));
            if kind != RequestKind::MissingKey {
                headers.push((
                    "Sec-WebSocket-Key".into(),
                    tokio_tungstenite::tungstenite::handshake::client::generate_key().into(),
                ));
            }
        }
    }
    let mut protocols = variant.subprotocols.clone();
    let mut protocol_secret = false;
    if let Some(t) = token {
        match &variant.credential {
            CredentialPlacement::None | CredentialPlacement::Ticket { .. } => {}
            CredentialPlacement::Header { name, scheme } => {
                let value = if scheme.is_empty() {
                    t.to_string()
                } else {
                    format!("{scheme} {t}")
                };
                headers.push((name.clone(), HeaderValue::Secret(Secret::new(value))));
            }
            CredentialPlacement::Query { name } => {
                secret_query.push((name.clone(), Secret::new(t)));
            }
            CredentialPlacement::Cookie { name } => {
                headers.push((
                    "Cookie".into(),
                    HeaderValue::Secret(Secret::new(format!("{name}={t}"))),
                ));
            }
            CredentialPlacement::Subprotocol => {
                protocols.push(t.to_string());
                protocol_secret = true;
            }
        }
    }
    if let Some(origin) = &variant.origin {
        headers.push(("Origin".into(), origin.clone().into()));
    }
    if !protocols.is_empty() && variant.request != RequestKind::PlainGet {
        let value = protocols.join(", ");
        headers.push((
            "Sec-WebSocket-Protocol".into(),
            if protocol_secret {
                HeaderValue::Secret(Secret::new(value))
            } else {
                HeaderValue::Plain(value)
            },
        ));
    }
    headers.push((
        "User-Agent".into(),
        concat!("wsdoctor/", env!("CARGO_PKG_VERSION")).into(),
    ));
    merge_user_headers(config, &variant, &url, &mut headers);
    AttemptSpec {
        variant: variant.clone(),
        url,
        secret_query,
        headers,
        ticket_param: match &variant.credential {
            CredentialPlacement::Ticket { param } => Some(param.clone()),
            _ => None,
        },
    }
}

/// Applies `-H` the way curl does: a user header replaces wsdoctor's own header of the same name
/// (in place, so the order stays), `-H 'Name:'` removes it, anything else is appended. The
/// headers a variant exists to change stay the variant's (the upgrade headers of the plain GET,
/// the key of `control.missing_key`, the credential header of a placement), so every variant
/// still changes exactly one thing. A user Cookie and a cookie-placed token are sent as one
/// Cookie header (RFC 6265 §5.4: a client sends one).
fn merge_user_headers(
    config: &Config,
    variant: &Variant,
    url: &Url,
    headers: &mut Vec<(String, HeaderValue)>,
) {
    let owned = variant_owned_headers(config, variant);
    let is_owned = |name: &str| owned.iter().any(|o| o.eq_ignore_ascii_case(name));
    for name in &config.removed_headers {
        if !is_owned(name) {
            headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        }
    }
    // A credential given as a raw header (-H 'Cookie: …') never goes to another host that a
    // plain-HTTP control (--health-url) names: only the target (and --direct) receive it.
    let foreign_control = matches!(variant.group.as_str(), "http" | "auth_check")
        && url.host_str() != config.target.host_str();
    let built_in = headers.len();
    let mut replaced: Vec<String> = Vec::new();
    for (k, v) in &config.headers {
        if foreign_control && matches!(v, HeaderValue::Secret(_)) {
            continue;
        }
        if is_owned(k) {
            continue;
        }
        let lower = k.to_ascii_lowercase();
        let existing = headers[..built_in]
            .iter()
            .position(|(name, _)| name.eq_ignore_ascii_case(k));
        match existing {
            Some(pos) if lower == "cookie" => {
                let placed = headers[pos].1.expose().to_string();
                headers[pos].1 =
                    HeaderValue::Secret(Secret::new(format!("{}; {placed}", v.expose())));
            }
            Some(pos) if !replaced.contains(&lower) => {
                headers[pos] = (k.clone(), v.clone());
                replaced.push(lower);
            }
            _ => headers.push((k.clone(), v.clone())),
        }
    }
}

/// The header names a variant exists to change (lower-case), which `-H` does not override.
fn variant_owned_headers(config: &Config, variant: &Variant) -> Vec<String> {
    let mut owned: Vec<String> = match variant.request {
        RequestKind::PlainGet => vec![
            "connection".into(),
            "upgrade".into(),
            "sec-websocket-key".into(),
            "sec-websocket-version".into(),
            "sec-websocket-protocol".into(),
            "sec-websocket-extensions".into(),
        ],
        RequestKind::MissingKey => vec!["sec-websocket-key".into()],
        RequestKind::WrongVersion => vec!["sec-websocket-version".into()],
        _ => Vec::new(),
    };
    // The header the credential goes in: the variant's placement decides whether it is sent.
    let configured = config.credential.as_ref().map(|c| &c.placement);
    for placement in [Some(&variant.credential), configured]
        .into_iter()
        .flatten()
    {
        if let CredentialPlacement::Header { name, .. } = placement {
            owned.push(name.to_ascii_lowercase());
        }
    }
    owned
}

/// `Host` header value: host plus port when not the scheme default.
pub fn host_header(url: &Url) -> String {
    let host = match url.host() {
        Some(url::Host::Ipv6(a)) => format!("[{a}]"),
        Some(h) => h.to_string(),
        None => String::new(),
    };
    match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host,
    }
}

/// A wrong token of the same shape: same length and character classes, different content,
/// so a server that checks format but not validity still sees a plausible value.
pub fn wrong_token_like(token: &str) -> String {
    token
        .chars()
        .map(|c| match c {
            'a'..='y' | 'A'..='Y' | '0'..='8' => char::from(c as u8 + 1),
            'z' => 'a',
            'Z' => 'A',
            '9' => '0',
            other => other,
        })
        .collect()
}

/// A wrong HTTP Basic credential of the same shape: the same user with a wrong password of the
/// same shape, encoded again, so the server reads a login that fails (not a malformed header it
/// would take for no credential at all). Not base64 of `user:password`: a wrong token of its shape.
pub fn wrong_basic_like(token: &str) -> String {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::STANDARD;
    let decoded = engine
        .decode(token.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok());
    match decoded.as_deref().and_then(|d| d.split_once(':')) {
        Some((user, password)) => {
            let password = if password.is_empty() {
                "x".to_string()
            } else {
                wrong_token_like(password)
            };
            engine.encode(format!("{user}:{password}"))
        }
        None => wrong_token_like(token),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::ProbeArgs;

    #[test]
    fn the_wrong_twin_of_a_basic_login_keeps_the_user_and_changes_the_password() {
        use base64::Engine as _;
        let engine = base64::engine::general_purpose::STANDARD;
        let good = engine.encode("alice:pa55-word");
        let wrong = wrong_basic_like(&good);
        let decoded = String::from_utf8(engine.decode(&wrong).unwrap()).unwrap();
        assert_eq!(decoded, "alice:qb66-xpse");
        assert_ne!(wrong, good);
        // Not a login at all: the token's own shape.
        assert_eq!(wrong_basic_like("abc"), wrong_token_like("abc"));
    }

    fn h(name: &str, value: &str) -> crate::cli::HeaderArg {
        crate::cli::HeaderArg::Line(name.into(), value.into())
    }

    fn count(spec: &AttemptSpec, name: &str) -> usize {
        spec.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .count()
    }

    #[test]
    fn a_user_header_replaces_the_built_in_one_as_curl_does() {
        let c = config("ws://127.0.0.1:9/ws", |a| {
            a.headers = vec![
                h("host", "example.com"),
                h("User-Agent", "my-client/2"),
                h("X-Trace", "1"),
            ];
        });
        let plan = build(&c);
        for s in plan.attempts.iter().filter(|s| s.variant.browser.is_none()) {
            let id = &s.variant.id;
            assert_eq!(count(s, "Host"), 1, "{id}: one Host");
            assert_eq!(header(s, "Host"), Some("example.com"), "{id}");
            assert_eq!(count(s, "User-Agent"), 1, "{id}: one User-Agent");
            assert_eq!(header(s, "User-Agent"), Some("my-client/2"), "{id}");
            assert_eq!(header(s, "X-Trace"), Some("1"), "{id}");
        }
        // The replaced Host keeps its place: first after the request line.
        assert!(plan.attempts[0].headers[0].0.eq_ignore_ascii_case("host"));
        // Browser shapes send the browser's own User-Agent, still only one.
        let chrome = plan
            .attempts
            .iter()
            .find(|s| s.variant.id == ids::BROWSER_CHROME)
            .unwrap();
        assert_eq!(count(chrome, "User-Agent"), 1);
        assert!(header(chrome, "User-Agent").unwrap().contains("Chrome"));
    }

    #[test]
    fn an_empty_user_header_removes_the_built_in_one() {
        let c = config("ws://h/ws", |a| a.headers = vec![h("User-Agent", "")]);
        assert_eq!(count(&baseline(&c), "User-Agent"), 0);
    }

    #[test]
    fn a_header_origin_is_the_users_origin_and_the_origin_variants_still_change_only_it() {
        let c = config("ws://h/ws", |a| {
            a.headers = vec![h("Origin", "https://app.test")];
        });
        assert_eq!(c.origin.as_deref(), Some("https://app.test"));
        let plan = build(&c);
        for s in &plan.attempts {
            assert!(
                count(s, "Origin") <= 1,
                "{}: one Origin at most",
                s.variant.id
            );
        }
        let by_id = |id: &str| plan.attempts.iter().find(|s| s.variant.id == id).unwrap();
        assert_eq!(header(by_id(ids::ORIGIN_NONE), "Origin"), None);
        assert_eq!(header(by_id(ids::ORIGIN_NULL), "Origin"), Some("null"));
        assert_eq!(
            header(&plan.attempts[0], "Origin"),
            Some("https://app.test")
        );
        // -H Origin and a different --origin: refused rather than guessed.
        let mut a = ProbeArgs::with_defaults("ws://h/ws");
        a.origin = Some("https://b.test".into());
        a.headers = vec![h("Origin", "https://a.test")];
        assert!(Config::from_args(&a).is_err());
    }

    #[test]
    fn variants_keep_the_header_they_change_and_cookies_merge() {
        let c = config("ws://h/ws", |a| {
            a.token = Some("tok123".into());
            a.headers = vec![
                h("Authorization", "Bearer other"),
                h("Sec-WebSocket-Version", "13"),
                h("Cookie", "sid=1"),
                h("Sec-WebSocket-Protocol", "chat"),
            ];
        });
        assert_eq!(c.subprotocols, ["chat"]);
        let plan = build(&c);
        let by_id = |id: &str| plan.attempts.iter().find(|s| s.variant.id == id).unwrap();
        // The credential variants decide the Authorization header.
        assert_eq!(
            header(&plan.attempts[0], "Authorization"),
            Some("Bearer tok123")
        );
        assert_eq!(count(&plan.attempts[0], "Authorization"), 1);
        assert_eq!(header(by_id(ids::CREDENTIAL_NONE), "Authorization"), None);
        // The version control still sends version 8, once.
        let v8 = by_id(ids::CONTROL_VERSION_8);
        assert_eq!(header(v8, "Sec-WebSocket-Version"), Some("8"));
        assert_eq!(count(v8, "Sec-WebSocket-Version"), 1);
        // One Cookie header carries both the user's cookie and the placed token.
        let cookie = by_id(ids::CREDENTIAL_COOKIE);
        assert_eq!(count(cookie, "Cookie"), 1);
        assert_eq!(header(cookie, "Cookie"), Some("sid=1; token=tok123"));
        // The plain GET stays a plain GET.
        let get = by_id(ids::CONTROL_PLAIN_GET);
        assert_eq!(count(get, "Sec-WebSocket-Version"), 0);
        assert_eq!(count(get, "Sec-WebSocket-Protocol"), 0);
    }

    #[test]
    fn header_files_are_read_line_by_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.txt");
        std::fs::write(&path, "# from devtools\nX-A: 1\n\nUser-Agent: app/1\n").unwrap();
        let c = config("ws://h/ws", |a| {
            a.headers = vec![crate::cli::HeaderArg::File(path.clone())];
        });
        let b = baseline(&c);
        assert_eq!(header(&b, "X-A"), Some("1"));
        assert_eq!(header(&b, "User-Agent"), Some("app/1"));
        std::fs::write(&path, "not a header\n").unwrap();
        let mut a = ProbeArgs::with_defaults("ws://h/ws");
        a.headers = vec![crate::cli::HeaderArg::File(path.clone())];
        assert!(Config::from_args(&a).is_err());
    }

    fn config(url: &str, extra: impl FnOnce(&mut ProbeArgs)) -> Config {
        // clap's own defaults, exactly as the command line gives them.
        let mut a = ProbeArgs::with_defaults(url);
        extra(&mut a);
        Config::from_args(&a).unwrap()
    }

    fn with_selection(url: &str, only: &[&str], skip: &[&str], safe: bool) -> Config {
        config(url, |a| {
            a.token = Some("tok-0123456789".into());
            a.origin = Some("https://app.test".into());
            a.variants = only.iter().map(|s| s.to_string()).collect();
            a.skip = skip.iter().map(|s| s.to_string()).collect();
            a.safe = safe;
        })
    }

    #[test]
    fn variants_runs_only_the_named_ones_besides_the_baseline() {
        let plan = build(&with_selection(
            "ws://h.test/ws",
            &["credential.none"],
            &[],
            false,
        ));
        assert_eq!(ids(&plan.attempts), ["baseline", "credential.none"]);
        assert!(plan.http_controls.is_empty() && !plan.address_fan_out);
        // Everything else a default run sends is listed, in plan order, as not selected.
        let default = build(&with_selection("ws://h.test/ws", &[], &[], false));
        let sent: Vec<&str> = default
            .attempts
            .iter()
            .chain(&default.http_controls)
            .skip(1)
            .map(|s| s.variant.id.as_str())
            .filter(|id| *id != "credential.none")
            .collect();
        let skipped: Vec<&str> = plan
            .skipped
            .iter()
            .filter(|s| s.variant.id != "credential.query")
            .map(|s| s.variant.id.as_str())
            .collect();
        assert_eq!(skipped, sent);
        assert!(plan
            .skipped
            .iter()
            .all(|s| s.reason == SkipReason::NotSelected));
        // A default run leaves out only the token moved into the URL, and says so.
        let url_token = |p: &Plan| -> Vec<String> {
            p.skipped
                .iter()
                .map(|s| format!("{} {}", s.variant.id, s.reason.as_str()))
                .collect()
        };
        assert_eq!(url_token(&default), ["credential.query credential_in_url"]);
        assert!(default.address_fan_out);
    }

    /// What a plan sends, keys aside: ids, placements and every header but the random key.
    type Shape = (String, String, Vec<(String, String)>);

    fn shape(p: &Plan) -> Vec<Shape> {
        p.attempts
            .iter()
            .map(|s| {
                (
                    s.variant.id.clone(),
                    s.wire_url().to_string(),
                    s.headers
                        .iter()
                        .filter(|(k, _)| k != "Sec-WebSocket-Key")
                        .map(|(k, v)| (k.clone(), v.expose().to_string()))
                        .collect(),
                )
            })
            .collect()
    }

    #[test]
    fn a_credential_wherever_the_user_put_it_plans_as_the_flag_does() {
        let flag = build(&config("ws://h.test/ws", |a| {
            a.token = Some("tok-0123456789".into());
        }));
        let header = build(&config("ws://h.test/ws", |a| {
            a.headers = vec![h("Authorization", "Bearer tok-0123456789")];
        }));
        assert!(flag.input.credential_given && header.input.credential_given);
        assert_eq!(shape(&header), shape(&flag));
        let flag = build(&config("ws://h.test/ws?room=1", |a| {
            a.token = Some("tok-0123456789".into());
            a.auth = "query:access_token".into();
            a.token_param = "access_token".into();
        }));
        let query = build(&config(
            "ws://h.test/ws?access_token=tok-0123456789&room=1",
            |_| {},
        ));
        assert!(query.input.credential_given);
        assert_eq!(shape(&query), shape(&flag));
        assert!(
            query.skipped.is_empty(),
            "the user put it in the URL: {:?}",
            query.skipped
        );
        let flag = build(&config("ws://h.test/ws", |a| {
            a.user = Some(crate::cli::parse_basic_user("alice:pa55-word").unwrap());
        }));
        let userinfo = build(&config("ws://alice:pa55-word@h.test/ws", |_| {}));
        assert!(userinfo.input.credential_given);
        assert_eq!(shape(&userinfo), shape(&flag));
        let cookie = build(&config("ws://h.test/ws", |a| {
            a.headers = vec![h("Cookie", "sessionid=tok-0123456789")];
        }));
        let flag = build(&config("ws://h.test/ws", |a| {
            a.token = Some("tok-0123456789".into());
            a.auth = "cookie:sessionid".into();
        }));
        assert_eq!(shape(&cookie), shape(&flag));
        assert!(
            !build(&config("ws://h.test/ws", |_| {}))
                .input
                .credential_given
        );
    }

    #[test]
    fn the_disclosure_says_where_the_credential_goes_and_what_a_production_service_would_mind() {
        let c = config("wss://h.test/ws", |a| {
            a.token = Some("tok-0123456789".into())
        });
        let line = disclosure(&c, &build(&c));
        assert!(line.starts_with("sending "), "{line}");
        assert!(line.contains("to h.test;"), "{line}");
        assert!(line.contains("the Authorization header"), "{line}");
        assert!(line.contains("(in no URL)"), "{line}");
        assert!(line.contains("a wrong credential"), "{line}");
        assert!(!line.contains('\n') && !line.contains("tok-"), "{line}");
        let c = config("wss://h.test/ws", |a| {
            a.token = Some("tok-0123456789".into());
            a.safe = true;
        });
        let line = disclosure(&c, &build(&c));
        assert!(!line.contains("also"), "{line}");
        let c = config("wss://h.test/ws", |a| {
            a.token = Some("tok-0123456789".into());
            a.try_url_token = true;
        });
        let line = disclosure(&c, &build(&c));
        assert!(
            line.contains("the URL's ?token=") && !line.contains("no URL"),
            "{line}"
        );
        let c = config("wss://h.test/ws", |_| {});
        assert!(disclosure(&c, &build(&c)).contains("no credential given"));
        // Named by --variants, the URL placement is asked for and runs.
        let named = build(&with_selection(
            "ws://h.test/ws",
            &["credential.query"],
            &[],
            false,
        ));
        assert_eq!(ids(&named.attempts), ["baseline", "credential.query"]);
    }

    #[test]
    fn skip_removes_a_group_and_its_twins_after_variants() {
        let c = config("wss://h.test/ws", |a| {
            a.token = Some("tok-0123456789".into());
            a.direct = Some("ws://127.0.0.1:9/ws".into());
            a.skip = vec!["origin".into()];
        });
        let plan = build(&c);
        let all: Vec<&AttemptSpec> = plan.attempts.iter().chain(&plan.http2_variants).collect();
        assert!(
            all.iter().all(|s| !s.variant.id.contains("origin.")),
            "{:?}",
            ids(&plan.attempts)
        );
        assert!(all.iter().any(|s| s.variant.id == "direct.baseline"));
        let skipped: Vec<&str> = plan.skipped.iter().map(|s| s.variant.id.as_str()).collect();
        for id in [
            "origin.same",
            "origin.foreign",
            "direct.origin.same",
            "http2.origin.same",
        ] {
            assert!(skipped.contains(&id), "{id}: {skipped:?}");
        }
        assert!(plan
            .skipped
            .iter()
            .all(|s| s.reason == SkipReason::Skip || s.reason == SkipReason::CredentialInUrl));
        // --variants then --skip: the group minus one id.
        let plan = build(&with_selection(
            "ws://h.test/ws",
            &["origin"],
            &["origin.null"],
            false,
        ));
        assert_eq!(
            ids(&plan.attempts),
            ["baseline", "origin.none", "origin.same", "origin.foreign"]
        );
        // An HTTP/2 variant alone still needs the path's own request, which carries it.
        let plan = build(&with_selection(
            "wss://h.test/ws",
            &["http2.origin.same"],
            &[],
            false,
        ));
        assert!(plan.http2.is_some());
        assert_eq!(ids(&plan.http2_variants), ["http2.origin.same"]);
        let plan = build(&with_selection("wss://h.test/ws", &[], &["http2"], false));
        assert!(plan.http2.is_none() && plan.http2_variants.is_empty());
        assert!(plan
            .skipped
            .iter()
            .any(|s| s.variant.id == "http2" && s.reason == SkipReason::Skip));
    }

    #[test]
    fn h2c_gives_ws_targets_the_http2_path_and_http2_only_keeps_it_under_quick_and_skip() {
        assert!(build(&config("ws://h.test/ws", |_| {})).http2.is_none());
        let plan = build(&config("ws://h.test/ws", |a| a.h2c = true));
        let h2 = plan.http2.as_ref().expect("the cleartext path is planned");
        assert_eq!(h2.variant.id, "http2");
        assert!(h2.variant.label.contains("h2c"), "{}", h2.variant.label);
        assert!(!plan.http2_variants.is_empty());
        // --quick alone leaves the path out; with --http2-only it is the run, without variants.
        assert!(build(&config("wss://h.test/ws", |a| a.quick = true))
            .http2
            .is_none());
        let plan = build(&config("wss://h.test/ws", |a| {
            a.quick = true;
            a.http2_only = true;
        }));
        assert!(plan.http2.is_some() && plan.http2_variants.is_empty());
        assert!(plan.skipped.is_empty(), "{:?}", plan.skipped);
        let plan = build(&config("wss://h.test/ws", |a| {
            a.skip = vec!["http2".into()];
            a.http2_only = true;
        }));
        assert!(plan.http2.is_some());
        assert!(plan.skipped.iter().all(|s| s.variant.id != "http2"));
    }

    #[test]
    fn safe_sends_no_wrong_credential_foreign_origin_malformed_handshake_or_url_token() {
        let c = config("wss://h.test/ws", |a| {
            a.token = Some("tok-0123456789".into());
            a.origin = Some("https://app.test".into());
            a.direct = Some("ws://127.0.0.1:9/ws".into());
            a.safe = true;
        });
        let plan = build(&c);
        let sent: Vec<&AttemptSpec> = plan
            .attempts
            .iter()
            .chain(&plan.http_controls)
            .chain(&plan.http2)
            .chain(&plan.http2_variants)
            .collect();
        let own = ["https://app.test", "https://h.test", "http://127.0.0.1:9"];
        for s in &sent {
            let id = &s.variant.id;
            assert!(!s.variant.wrong_credential, "{id}");
            if let Some(o) = header(s, "Origin") {
                assert!(own.contains(&o), "{id} sends Origin {o}");
            }
            if let Some(a) = header(s, "Authorization") {
                assert_eq!(a, "Bearer tok-0123456789", "{id}");
            }
            assert_eq!(
                header(s, "Sec-WebSocket-Version").unwrap_or("13"),
                "13",
                "{id}"
            );
            if s.variant.request == RequestKind::Upgrade {
                assert!(header(s, "Sec-WebSocket-Key").is_some(), "{id}");
            }
            assert!(s.secret_query.is_empty(), "{id} puts the token in the URL");
        }
        let skipped: Vec<&str> = plan.skipped.iter().map(|s| s.variant.id.as_str()).collect();
        assert_eq!(
            skipped,
            [
                "credential.query",
                "credential.wrong",
                "origin.foreign",
                "origin.null",
                "control.missing_key",
                "control.version_8",
                "direct.credential.query",
                "direct.credential.wrong",
                "direct.origin.foreign",
                "direct.origin.null",
                "http2.credential.query",
            ]
        );
        assert!(plan.skipped.iter().all(|s| s.reason == SkipReason::Safe));
        // What stays: the real credential where it is safe, the own Origins, the browsers.
        for id in [
            "credential.none",
            "credential.cookie",
            "origin.none",
            "origin.same",
            "control.plain_get",
            "browser.chrome",
            "direct.origin.same",
        ] {
            assert!(sent.iter().any(|s| s.variant.id == id), "{id} is not sent");
        }
        // A ticket flow: a second ticket is fine, replaying a used one is not.
        let t = config("ws://h/ws", |a| {
            a.token = Some("jwt".into());
            a.ticket_url = Some("http://h/api/ws-ticket".into());
            a.safe = true;
        });
        let plan = build(&t);
        assert!(ids(&plan.attempts).contains(&"ticket.fresh"));
        assert_eq!(plan.skipped[0].variant.id, "ticket.reuse");
        // A baseline that already carries the token in the URL may move it to a header.
        let q = config("ws://h/ws", |a| {
            a.token = Some("tok".into());
            a.auth = "query".into();
            a.safe = true;
        });
        assert!(ids(&build(&q).attempts).contains(&"credential.header"));
    }

    #[test]
    fn selection_conflicts_are_usage_errors() {
        let err = |f: &dyn Fn(&mut ProbeArgs)| {
            let mut a = ProbeArgs::with_defaults("ws://h/ws");
            f(&mut a);
            Config::from_args(&a).map(|_| ()).unwrap_err().to_string()
        };
        assert!(err(&|a| {
            a.quick = true;
            a.skip = vec!["origin".into()];
        })
        .contains("--quick does not run"));
        assert!(err(&|a| {
            a.safe = true;
            a.expect_origin_rejected = vec!["https://evil.test".into()];
        })
        .contains("which --safe does not send"));
        assert!(err(&|a| {
            a.skip = vec!["origin".into()];
            a.expect_origin_rejected = vec!["https://evil.test".into()];
        })
        .contains("origin.extra"));
        assert!(err(&|a| {
            a.variants = vec!["origin".into()];
            a.expect_status_without_credentials = Some(401);
        })
        .contains("credential.none"));
        // --quick and --safe agree: the baseline alone is safe.
        let mut a = ProbeArgs::with_defaults("ws://h/ws");
        a.quick = true;
        a.safe = true;
        assert!(Config::from_args(&a).is_ok());
    }

    #[test]
    fn every_planned_id_is_a_valid_selector() {
        let c = config("wss://api.test/ws", |a| {
            a.token = Some("tok-0123456789".into());
            a.origin = Some("https://app.test".into());
            a.direct = Some("ws://127.0.0.1:9/ws".into());
            a.auth_check = Some("https://api.test/me".into());
            a.health_url = Some("https://api.test/health".into());
            a.repeat = 2;
            a.expect_origin_rejected = vec!["https://evil.test".into()];
        });
        let p = build(&c);
        for s in p
            .attempts
            .iter()
            .chain(&p.http_controls)
            .chain(&p.http2)
            .chain(&p.http2_variants)
        {
            let id = &s.variant.id;
            let sel = crate::config::variants::parse_entry(id);
            assert!(sel.is_ok(), "{id}: {sel:?}");
            let group = crate::config::variants::parse_entry(&s.variant.group);
            assert!(
                group.is_ok() || s.variant.group == "baseline",
                "{}",
                s.variant.group
            );
        }
    }

    #[test]
    fn every_id_constant_is_planned() {
        // A full plan: credential, Origin, ticket-free, --direct, --auth-check.
        let c = config("ws://api.test/ws", |a| {
            a.token = Some("tok-0123456789".into());
            a.origin = Some("https://app.test".into());
            a.direct = Some("ws://127.0.0.1:9/ws".into());
            a.auth_check = Some("http://api.test/me".into());
            a.health_url = Some("http://api.test/health".into());
            a.try_url_token = true;
        });
        let p = build(&c);
        let planned: Vec<&str> = p
            .attempts
            .iter()
            .chain(p.http_controls.iter())
            .map(|s| s.variant.id.as_str())
            .collect();
        let tickets = build(&config("ws://api.test/ws", |a| {
            a.token = Some("jwt-0123456789".into());
            a.ticket_url = Some("http://api.test/ticket".into());
        }));
        let ticket_ids: Vec<&str> = tickets
            .attempts
            .iter()
            .map(|s| s.variant.id.as_str())
            .collect();
        for id in [
            ids::BASELINE,
            ids::CREDENTIAL_NONE,
            ids::CREDENTIAL_QUERY,
            ids::CREDENTIAL_COOKIE,
            ids::CREDENTIAL_SUBPROTOCOL,
            ids::CREDENTIAL_WRONG,
            ids::ORIGIN_NONE,
            ids::ORIGIN_SAME,
            ids::ORIGIN_FOREIGN,
            ids::ORIGIN_NULL,
            ids::CONTROL_PLAIN_GET,
            ids::CONTROL_MISSING_KEY,
            ids::CONTROL_VERSION_8,
            ids::BROWSER_CHROME,
            ids::BROWSER_FIREFOX,
            ids::HTTP_ROOT,
            ids::HTTP_HEALTH,
            ids::HTTP_AUTH_CHECK,
            ids::HTTP_AUTH_CHECK_NONE,
            ids::DIRECT_BASELINE,
            ids::DIRECT_ORIGIN_SAME,
            ids::DIRECT_CREDENTIAL_NONE,
            ids::DIRECT_CONTROL_PLAIN_GET,
        ] {
            assert!(planned.contains(&id), "{id} is never planned: {planned:?}");
        }
        for id in [ids::TICKET_FRESH, ids::TICKET_REUSE] {
            assert!(ticket_ids.contains(&id), "{id}: {ticket_ids:?}");
        }
        // origin.user is the baseline's own Origin: planned, then dropped as a duplicate of it.
        assert!(matrix(&c, &baseline(&c).variant)
            .iter()
            .any(|v| v.id == ids::ORIGIN_USER));
        // --auth with a header placement plans the header variant when the baseline is elsewhere.
        let q = build(&config("ws://api.test/ws", |a| {
            a.token = Some("tok-0123456789".into());
            a.auth = "query".into();
        }));
        assert!(q
            .attempts
            .iter()
            .any(|s| s.variant.id == ids::CREDENTIAL_HEADER));
    }

    fn header<'a>(spec: &'a AttemptSpec, name: &str) -> Option<&'a str> {
        spec.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.expose())
    }

    #[test]
    fn baseline_carries_the_users_placement_origin_and_headers() {
        let c = config("ws://127.0.0.1:9/ws", |a| {
            a.token = Some("tok123".into());
            a.origin = Some("https://app.test".into());
            a.headers = vec![h("X-Trace", "1")];
        });
        let b = baseline(&c);
        assert_eq!(b.variant.id, "baseline");
        assert_eq!(header(&b, "Host"), Some("127.0.0.1:9"));
        assert_eq!(header(&b, "Authorization"), Some("Bearer tok123"));
        assert_eq!(header(&b, "Origin"), Some("https://app.test"));
        assert_eq!(header(&b, "X-Trace"), Some("1"));
        assert_eq!(header(&b, "Upgrade"), Some("websocket"));
        assert_eq!(header(&b, "Sec-WebSocket-Version"), Some("13"));
        assert_eq!(header(&b, "Sec-WebSocket-Key").map(str::len), Some(24));
    }

    #[test]
    fn query_placement_goes_in_the_url() {
        let c = config("ws://h/ws?room=1", |a| {
            a.token = Some("tok123".into());
            a.auth = "query:access_token".into();
        });
        let b = baseline(&c);
        assert_eq!(
            b.wire_url().as_str(),
            "ws://h/ws?room=1&access_token=tok123"
        );
        // Until the wire, the token is a Secret: the planned URL and `{:?}` never show it.
        assert_eq!(b.url.as_str(), "ws://h/ws?room=1");
        assert!(!format!("{b:?}").contains("tok123"));
        assert_eq!(header(&b, "Authorization"), None);
    }

    #[test]
    fn plain_get_has_no_upgrade_headers_and_firefox_sends_keep_alive() {
        let c = config("wss://h/ws", |_| {});
        let mut v = Variant::baseline();
        v.request = RequestKind::PlainGet;
        let s = spec_for(&c, &c.target, v);
        assert_eq!(header(&s, "Upgrade"), None);
        assert_eq!(header(&s, "Sec-WebSocket-Key"), None);
        let mut v = Variant::baseline();
        v.browser = Some("firefox".into());
        let s = spec_for(&c, &c.target, v);
        assert_eq!(header(&s, "Connection"), Some("keep-alive, Upgrade"));
    }

    #[test]
    fn wrong_token_keeps_shape_but_differs() {
        let w = wrong_token_like("eyJhbGciOi.J9-_z");
        assert_eq!(w.len(), "eyJhbGciOi.J9-_z".len());
        assert_ne!(w, "eyJhbGciOi.J9-_z");
        assert_eq!(w.matches('.').count(), 1);
    }

    fn ids(specs: &[AttemptSpec]) -> Vec<&str> {
        specs.iter().map(|s| s.variant.id.as_str()).collect()
    }

    #[test]
    fn full_matrix_with_a_header_credential_is_modest_and_changes_one_thing_each() {
        let c = config("wss://h.test/ws", |a| {
            a.token = Some("tok123".into());
            a.origin = Some("https://app.test".into());
        });
        let plan = build(&c);
        let got = ids(&plan.attempts);
        assert_eq!(
            got,
            vec![
                "baseline",
                "credential.none",
                "credential.cookie",
                "credential.subprotocol",
                "credential.wrong",
                "origin.none",
                "origin.same",
                "origin.foreign",
                "origin.null",
                "control.plain_get",
                "control.missing_key",
                "control.version_8",
                "browser.chrome",
                "browser.firefox",
            ]
        );
        assert!((12..=20).contains(&plan.attempts.len()));
        let base = &plan.attempts[0].variant;
        for s in &plan.attempts[1..] {
            let v = &s.variant;
            let changed = [
                v.request != base.request,
                v.credential != base.credential || v.wrong_credential != base.wrong_credential,
                v.origin != base.origin,
                v.browser != base.browser,
            ]
            .iter()
            .filter(|c| **c)
            .count();
            assert_eq!(changed, 1, "{} changes {changed} things", v.id);
        }
        let foreign = plan
            .attempts
            .iter()
            .find(|s| s.variant.id == "origin.foreign");
        assert_eq!(
            foreign.and_then(|s| header(s, "Origin")),
            Some("https://wsdoctor-foreign.invalid")
        );
        let same = plan.attempts.iter().find(|s| s.variant.id == "origin.same");
        assert_eq!(
            same.and_then(|s| header(s, "Origin")),
            Some("https://h.test")
        );
        let none = plan
            .attempts
            .iter()
            .find(|s| s.variant.id == "credential.none");
        assert_eq!(none.and_then(|s| header(s, "Authorization")), None);
        // Asked for, the token goes in the URL's query.
        let asked = build(&config("wss://h.test/ws", |a| {
            a.token = Some("tok123".into());
            a.try_url_token = true;
        }));
        let q = asked
            .attempts
            .iter()
            .find(|s| s.variant.id == "credential.query");
        assert_eq!(
            q.map(|s| s.wire_url().to_string()).as_deref(),
            Some("wss://h.test/ws?token=tok123")
        );
        let wrong = plan
            .attempts
            .iter()
            .find(|s| s.variant.id == "credential.wrong");
        let w = wrong
            .and_then(|s| header(s, "Authorization"))
            .unwrap_or_default();
        assert!(w.starts_with("Bearer ") && w != "Bearer tok123");
    }

    #[test]
    fn no_credential_means_no_credential_variants_and_no_duplicates() {
        let c = config("ws://h/ws", |_| {});
        let plan = build(&c);
        let got = ids(&plan.attempts);
        assert!(
            got.iter().all(|id| !id.starts_with("credential.")),
            "{got:?}"
        );
        // the baseline sends no Origin, so origin.none would repeat it
        assert!(!got.contains(&"origin.none"));
        assert!(got.contains(&"origin.same") && got.contains(&"origin.null"));
        for (i, a) in plan.attempts.iter().enumerate() {
            for b in &plan.attempts[i + 1..] {
                assert!(
                    !same_request(&a.variant, &b.variant),
                    "{} duplicates {}",
                    a.variant.id,
                    b.variant.id
                );
            }
        }
    }

    #[test]
    fn query_baseline_skips_credential_query_and_keeps_header() {
        let c = config("ws://h/ws", |a| {
            a.token = Some("tok".into());
            a.auth = "query".into();
        });
        let got_plan = build(&c);
        let got = ids(&got_plan.attempts);
        assert!(!got.contains(&"credential.query"));
        assert!(got.contains(&"credential.header"));
    }

    #[test]
    fn ticket_flow_plans_fresh_then_reuse_and_no_placements() {
        let c = config("ws://h/ws", |a| {
            a.token = Some("jwt".into());
            a.ticket_url = Some("http://h/api/ws-ticket".into());
        });
        let plan = build(&c);
        let got = ids(&plan.attempts);
        let fresh = got.iter().position(|i| *i == "ticket.fresh");
        let reuse = got.iter().position(|i| *i == "ticket.reuse");
        assert!(
            matches!((fresh, reuse), (Some(f), Some(r)) if r == f + 1),
            "{got:?}"
        );
        assert!(!got.contains(&"credential.query") && !got.contains(&"credential.wrong"));
        assert!(got.contains(&"credential.none"));
        for s in &plan.attempts {
            // every attempt except the one without a credential rides on a ticket of its own
            let without = s.variant.id == "credential.none";
            assert_eq!(s.ticket_param.is_some(), !without, "{}", s.variant.id);
        }
    }

    #[test]
    fn direct_and_repeat_variants() {
        let c = config("wss://h.test/ws", |a| {
            a.token = Some("tok".into());
            a.direct = Some("ws://127.0.0.1:8002/ws".into());
            a.repeat = 3;
        });
        let plan = build(&c);
        let direct: Vec<&AttemptSpec> = plan.attempts.iter().filter(|s| s.variant.direct).collect();
        assert!(direct.iter().all(|s| s.variant.id.starts_with("direct.")));
        assert!(direct.iter().any(|s| s.variant.id == "direct.baseline"));
        assert!(direct
            .iter()
            .any(|s| s.variant.id == "direct.credential.none"));
        assert!(direct.iter().all(|s| s.url.host_str() == Some("127.0.0.1")));
        // Every direct attempt is the twin of a public one (diagnose::compare pairs them by id),
        // the plain GET included; browser shapes and protocol controls stay public-only.
        for d in &direct {
            let id = d.variant.id.trim_start_matches("direct.");
            assert!(
                plan.attempts
                    .iter()
                    .any(|p| !p.variant.direct && p.variant.id == id),
                "{id}"
            );
            assert!(d.variant.browser.is_none() && !id.starts_with("control.missing"));
        }
        assert!(direct
            .iter()
            .any(|s| s.variant.id == "direct.control.plain_get"));
        assert!(!direct
            .iter()
            .any(|s| s.variant.id == "direct.control.version_8"));
        assert!(direct
            .iter()
            .all(|s| header(s, "Host") == Some("127.0.0.1:8002")));
        let repeats: Vec<Option<u32>> = plan
            .attempts
            .iter()
            .filter(|s| s.variant.group == "repeat")
            .map(|s| s.variant.repeat)
            .collect();
        assert_eq!(repeats, vec![Some(0), Some(1), Some(2)]);
    }

    #[test]
    fn quick_with_direct_plans_the_baseline_and_its_direct_twin_only() {
        let c = config("wss://h.test/ws", |a| {
            a.token = Some("tok".into());
            a.quick = true;
            a.direct = Some("ws://127.0.0.1:8002/ws".into());
        });
        let plan = build(&c);
        let ids: Vec<&str> = plan
            .attempts
            .iter()
            .map(|s| s.variant.id.as_str())
            .collect();
        assert_eq!(ids, ["baseline", "direct.baseline"]);
        let quick = config("wss://h.test/ws", |a| a.quick = true);
        assert_eq!(build(&quick).attempts.len(), 1);
    }

    #[test]
    fn browser_shapes_offer_deflate_in_their_own_order() {
        let c = config("wss://h.test/ws", |a| {
            a.token = Some("tok".into());
            a.auth = "cookie:sid".into();
        });
        let plan = build(&c);
        let chrome = plan
            .attempts
            .iter()
            .find(|s| s.variant.id == "browser.chrome");
        let chrome = chrome.map(|s| s.headers.clone()).unwrap_or_default();
        let names: Vec<&str> = chrome.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names.first(), Some(&"Host"));
        assert_eq!(names.get(1), Some(&"Connection"));
        assert!(chrome.contains(&(
            "Sec-WebSocket-Extensions".into(),
            "permessage-deflate; client_max_window_bits".into()
        )));
        assert!(chrome
            .iter()
            .any(|(k, v)| k == "Cookie" && v.expose() == "sid=tok"));
        assert!(chrome.contains(&("Origin".into(), "https://h.test".into())));
        assert!(chrome
            .iter()
            .any(|(k, v)| k == "User-Agent" && v.expose().contains("Chrome/")));
        assert_eq!(chrome.iter().filter(|(k, _)| k == "User-Agent").count(), 1);
        let ff = plan
            .attempts
            .iter()
            .find(|s| s.variant.id == "browser.firefox");
        let ff = ff.map(|s| s.headers.clone()).unwrap_or_default();
        assert_eq!(ff.last().map(|(k, _)| k.as_str()), Some("Upgrade"));
        assert!(ff.contains(&("Connection".into(), "keep-alive, Upgrade".into())));
    }

    #[test]
    fn a_raw_credential_header_is_not_sent_to_a_health_url_on_another_host() {
        let c = config("wss://h.test/ws", |a| {
            // Two cookies, neither named as a session: sent as given, not as the credential.
            a.headers = vec![h("Cookie", "a=abc123; b=2"), h("X-Trace", "7")];
            a.health_url = Some("https://other.test/health".into());
        });
        assert!(c.credential.is_none());
        let hc = http_controls(&c);
        assert_eq!(ids(&hc), vec!["http.root", "http.health"]);
        assert_eq!(header(&hc[0], "Cookie"), Some("a=abc123; b=2"));
        assert!(header(&hc[1], "Cookie").is_none());
        assert_eq!(header(&hc[1], "X-Trace"), Some("7"));
    }

    #[test]
    fn http_controls_are_the_site_root_and_the_health_url() {
        let c = config("wss://h.test:8443/ws/chat?room=1", |a| {
            a.health_url = Some("https://h.test:8443/api/v1/health".into());
        });
        let hc = http_controls(&c);
        assert_eq!(ids(&hc), vec!["http.root", "http.health"]);
        assert_eq!(hc[0].url.as_str(), "https://h.test:8443/");
        assert!(hc
            .iter()
            .all(|s| s.variant.request == RequestKind::PlainGet));
        assert!(hc.iter().all(|s| header(s, "Upgrade").is_none()));
        let quick = config("ws://h/ws", |a| a.quick = true);
        assert!(build(&quick).http_controls.is_empty());
        assert_eq!(build(&quick).attempts.len(), 1);
    }
}

#[cfg(test)]
mod secrets_in_debug {
    //! Nothing a user types as a secret shows in a `{:?}` of the config, the plan or any spec:
    //! a token in each placement, a raw Cookie header, a ticket flow's JWT, proxy credentials and
    //! a client key.

    use super::*;
    use crate::cli::ProbeArgs;

    const TOKEN: &str = "tok-SECRET-0123456789";
    const COOKIE: &str = "sid-SECRET-cookie-987";
    const JWT: &str = "jwt-SECRET-abcdefghij";
    const PROXY_PASS: &str = "pw-SECRET-proxy-42";

    /// The config, its plan, and the record each planned attempt starts as (the probe fills the
    /// same record through the same redactor).
    fn debug_of(config: &Config) -> String {
        let plan = build(config);
        let records: Vec<_> = plan
            .attempts
            .iter()
            .chain(plan.http_controls.iter())
            .map(|s| crate::probe::empty_record(s, &config.redactor))
            .collect();
        format!("{config:?}\n{plan:?}\n{records:?}")
    }

    #[test]
    fn no_secret_shows_in_debug_of_config_plan_or_specs() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let key = rcgen::KeyPair::generate().expect("a key");
        let cert = rcgen::CertificateParams::new(vec!["client.test".into()])
            .expect("params")
            .self_signed(&key)
            .expect("a certificate");
        let (cert_path, key_path) = (dir.path().join("c.pem"), dir.path().join("k.pem"));
        std::fs::write(&cert_path, cert.pem()).expect("write cert");
        let key_pem = key.serialize_pem();
        std::fs::write(&key_path, &key_pem).expect("write key");
        // The key material itself, as it would leak (a line of its base64).
        let key_line = key_pem.lines().nth(1).expect("a PEM body line").to_string();
        for auth in [
            "header",
            "query",
            "cookie",
            "subprotocol",
            "header:X-API-Key",
        ] {
            let mut a = ProbeArgs::with_defaults("wss://api.test/ws");
            a.token = Some(TOKEN.into());
            a.auth = auth.into();
            a.headers = vec![crate::cli::HeaderArg::Line(
                "Cookie".into(),
                format!("session={COOKIE}"),
            )];
            a.proxy = Some(format!("http://user:{PROXY_PASS}@127.0.0.1:3128"));
            a.cert = Some(cert_path.clone());
            a.key = Some(key_path.clone());
            a.direct = Some("ws://127.0.0.1:9/ws".into());
            a.auth_check = Some("https://api.test/me".into());
            let c = Config::from_args(&a).expect("a valid config");
            let text = debug_of(&c);
            for secret in [TOKEN, COOKIE, PROXY_PASS, key_line.as_str()] {
                let at = text.find(secret).map(|i| &text[i.saturating_sub(160)..i]);
                assert!(
                    at.is_none(),
                    "{auth}: {secret} shows in Debug after: {at:?}"
                );
            }
        }
        let mut t = ProbeArgs::with_defaults("ws://api.test/ws");
        t.token = Some(JWT.into());
        t.ticket_url = Some("http://api.test/ticket".into());
        let c = Config::from_args(&t).expect("a ticket config");
        assert!(
            !debug_of(&c).contains(JWT),
            "the ticket flow's JWT shows in Debug"
        );
    }
}
