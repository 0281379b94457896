//! model: the plain data every other module exchanges — what was planned, what was observed, what was
//! concluded. Serialised directly as the `wsdoctor.report/v1` JSON contract (see `docs/json.md`).
//!
//! Nothing here performs I/O or measures time; probes fill these records, `diagnose` reads them,
//! renderers format them. Fields are only ever added, never renamed: a rename is a schema break.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::cause::{Category, Cause};

pub mod check;
pub mod partial;

/// The variant ids the plan gives attempts and the diagnosis reads, as constants: a misspelt id is
/// a compile error, not a hypothesis that silently never sees its attempt. The JSON carries them as
/// strings (`attempts[].variant.id`); `plan::tests::every_id_constant_is_planned` checks that the
/// plan makes each one.
pub mod ids {
    /// `baseline`.
    pub const BASELINE: &str = "baseline";
    /// `http2`: the baseline's request as an HTTP/2 extended CONNECT (RFC 8441).
    pub const HTTP2: &str = "http2";
    /// `credential.none`.
    pub const CREDENTIAL_NONE: &str = "credential.none";
    /// `credential.header`.
    pub const CREDENTIAL_HEADER: &str = "credential.header";
    /// `credential.query`.
    pub const CREDENTIAL_QUERY: &str = "credential.query";
    /// `credential.cookie`.
    pub const CREDENTIAL_COOKIE: &str = "credential.cookie";
    /// `credential.subprotocol`.
    pub const CREDENTIAL_SUBPROTOCOL: &str = "credential.subprotocol";
    /// `credential.wrong`.
    pub const CREDENTIAL_WRONG: &str = "credential.wrong";
    /// `ticket.fresh`.
    pub const TICKET_FRESH: &str = "ticket.fresh";
    /// `ticket.reuse`.
    pub const TICKET_REUSE: &str = "ticket.reuse";
    /// `origin.none`.
    pub const ORIGIN_NONE: &str = "origin.none";
    /// `origin.same`.
    pub const ORIGIN_SAME: &str = "origin.same";
    /// `origin.user`.
    pub const ORIGIN_USER: &str = "origin.user";
    /// `origin.foreign`.
    pub const ORIGIN_FOREIGN: &str = "origin.foreign";
    /// `origin.null`.
    pub const ORIGIN_NULL: &str = "origin.null";
    /// `control.plain_get`.
    pub const CONTROL_PLAIN_GET: &str = "control.plain_get";
    /// `control.missing_key`.
    pub const CONTROL_MISSING_KEY: &str = "control.missing_key";
    /// `control.version_8`.
    pub const CONTROL_VERSION_8: &str = "control.version_8";
    /// `control.other_scheme`: the same port with the other scheme (`ws://` ↔ `wss://`), tried
    /// once when the baseline's failure says the port may speak the other one.
    pub const CONTROL_OTHER_SCHEME: &str = "control.other_scheme";
    /// `browser.chrome`.
    pub const BROWSER_CHROME: &str = "browser.chrome";
    /// `browser.firefox`.
    pub const BROWSER_FIREFOX: &str = "browser.firefox";
    /// `http.root`.
    pub const HTTP_ROOT: &str = "http.root";
    /// `http.health`.
    pub const HTTP_HEALTH: &str = "http.health";
    /// `http.auth_check`.
    pub const HTTP_AUTH_CHECK: &str = "http.auth_check";
    /// `http.auth_check.none`.
    pub const HTTP_AUTH_CHECK_NONE: &str = "http.auth_check.none";
    /// `direct.baseline`.
    pub const DIRECT_BASELINE: &str = "direct.baseline";
    /// `direct.origin.same`.
    pub const DIRECT_ORIGIN_SAME: &str = "direct.origin.same";
    /// `direct.credential.none`.
    pub const DIRECT_CREDENTIAL_NONE: &str = "direct.credential.none";
    /// `direct.control.plain_get`.
    pub const DIRECT_CONTROL_PLAIN_GET: &str = "direct.control.plain_get";
    /// Prefix of the `--direct` twins (`direct.<id>`).
    pub const DIRECT_PREFIX: &str = "direct.";
    /// Prefix of the `--repeat` attempts (`repeat.<n>`).
    pub const REPEAT_PREFIX: &str = "repeat.";
    /// Prefix of the attempts pinned to one address (`address.<n>`).
    pub const ADDRESS_PREFIX: &str = "address.";
}

macro_rules! failure_classes {
    ($( $(#[$doc:meta])* $variant:ident => $id:literal, )*) => {
        /// Every failure class id an outcome's `error` can carry, typed: the probe records
        /// `as_str()`, the diagnosis compares variants (a misspelt class is a compile error).
        /// The JSON keeps the string, so a class this build does not know stays readable.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum FailureClass {
            $( $(#[$doc])* $variant, )*
        }

        impl FailureClass {
            /// Every class.
            pub const ALL: &'static [FailureClass] = &[ $( FailureClass::$variant, )* ];

            /// The id as in JSON.
            pub fn as_str(self) -> &'static str {
                match self { $( FailureClass::$variant => $id, )* }
            }

            /// The class of an id, when this build knows it.
            pub fn parse(id: &str) -> Option<FailureClass> {
                match id { $( $id => Some(FailureClass::$variant), )* _ => None }
            }
        }
    };
}

failure_classes! {
    /// dns: the name does not exist.
    NotFound => "not_found",
    /// dns: the name exists without addresses.
    NoAddresses => "no_addresses",
    /// dns: the resolver failed.
    Failed => "failed",
    /// dns or tcp: no answer in time.
    Timeout => "timeout",
    /// tcp: connection refused.
    Refused => "refused",
    /// tcp: network or host unreachable.
    Unreachable => "unreachable",
    /// tcp: reset during connect.
    Reset => "reset",
    /// tcp through SOCKS5: the proxy refused for a reason of its own.
    ProxyRefused => "proxy_refused",
    /// tls: the chain leads to no trusted root.
    UntrustedCertificate => "untrusted_certificate",
    /// tls: expired.
    ExpiredCertificate => "expired_certificate",
    /// tls: not yet valid.
    NotYetValid => "not_yet_valid",
    /// tls: the certificate does not name the host.
    HostnameMismatch => "hostname_mismatch",
    /// tls: the port answered in plaintext.
    NotTls => "not_tls",
    /// tls: the server refused the ALPN offer.
    NoApplicationProtocol => "no_application_protocol",
    /// tls: any other handshake failure.
    HandshakeFailed => "handshake_failed",
    /// upgrade: the head is not HTTP/1.1.
    MalformedResponse => "malformed_response",
    /// upgrade: the head is larger than any sane handshake.
    ResponseTooLarge => "response_too_large",
    /// upgrade: closed without any answer.
    ConnectionClosed => "connection_closed",
    /// upgrade: reset without any answer.
    ConnectionReset => "connection_reset",
    /// upgrade: a TLS alert instead of an answer.
    TlsAlert => "tls_alert",
    /// upgrade: HTTP/2 frames.
    Http2Response => "http2_response",
    /// 101: the accept key does not match.
    BadAcceptKey => "bad_accept_key",
    /// 101: no Upgrade/Connection.
    MissingUpgradeHeaders => "missing_upgrade_headers",
    /// 101: a subprotocol that was not offered.
    UnrequestedSubprotocol => "unrequested_subprotocol",
    /// 101: no subprotocol although one was offered.
    MissingSubprotocol => "missing_subprotocol",
    /// 101: an extension that was not offered.
    UnrequestedExtension => "unrequested_extension",
}

/// The schema id carried in every JSON report.
pub const REPORT_SCHEMA: &str = "wsdoctor.report/v1";

/// The connection stages, in the order they run. Names match the JSON exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Name resolution (or the `--resolve` override).
    Dns,
    /// TCP connect to one of the resolved addresses.
    Tcp,
    /// The tunnel through a forward proxy (`--proxy`, `HTTPS_PROXY`…): HTTP CONNECT or SOCKS5;
    /// only when one is used.
    Proxy,
    /// TLS handshake (wss:// only).
    Tls,
    /// The HTTP/1.1 upgrade request and its response head (and body excerpt).
    Upgrade,
    /// The WebSocket session after `101`: close-wait watch and ping round trip.
    Session,
}

impl Stage {
    /// The stages every attempt records, in run order (`proxy` only appears when a proxy is used).
    pub const ALL: [Stage; 5] = [
        Stage::Dns,
        Stage::Tcp,
        Stage::Tls,
        Stage::Upgrade,
        Stage::Session,
    ];

    /// Every stage in run order, the optional `proxy` stage included (as in the JSON schema).
    pub const EVERY: [Stage; 6] = [
        Stage::Dns,
        Stage::Tcp,
        Stage::Proxy,
        Stage::Tls,
        Stage::Upgrade,
        Stage::Session,
    ];

    /// The id used in JSON and in the human waterfall.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Dns => "dns",
            Stage::Tcp => "tcp",
            Stage::Proxy => "proxy",
            Stage::Tls => "tls",
            Stage::Upgrade => "upgrade",
            Stage::Session => "session",
        }
    }
}

/// How a stage ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StageStatus {
    /// The stage completed.
    Ok,
    /// The stage ran and failed; later stages are skipped.
    Failed,
    /// The stage did not run (an earlier one failed, or it does not apply, e.g. TLS for ws://).
    Skipped,
}

/// One stage of one attempt, as observed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageRecord {
    /// Which stage.
    pub stage: Stage,
    /// How it ended.
    pub status: StageStatus,
    /// Wall time spent in the stage, in milliseconds; absent when skipped.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ms: Option<f64>,
    /// One line a person reads in the waterfall ("127.0.0.1:8080", "TLS 1.3 · ALPN http/1.1").
    pub summary: String,
    /// The failure class id when `status` is `failed` ("refused", "expired_certificate", "timeout").
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<String>,
}

/// Which kind of request an attempt sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// A well-formed RFC 6455 upgrade (the default).
    Upgrade,
    /// A plain `GET` of the same URL without any upgrade headers (control).
    PlainGet,
    /// An upgrade without `Sec-WebSocket-Key` (control: who answers protocol errors).
    MissingKey,
    /// An upgrade announcing `Sec-WebSocket-Version: 8` (control).
    WrongVersion,
}

/// Where the credential travels in an attempt.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "placement", rename_all = "snake_case")]
pub enum CredentialPlacement {
    /// No credential sent.
    None,
    /// `Authorization: <scheme> <token>` (default scheme `Bearer`).
    Header {
        /// Header name (usually `Authorization`).
        name: String,
        /// Value prefix such as `Bearer` (empty for raw header values like `X-API-Key`).
        scheme: String,
    },
    /// Query parameter `?NAME=<token>`.
    Query {
        /// Parameter name.
        name: String,
    },
    /// Cookie `NAME=<token>`.
    Cookie {
        /// Cookie name.
        name: String,
    },
    /// `Sec-WebSocket-Protocol` carrying the token as one of the offered protocols.
    Subprotocol,
    /// A one-time ticket fetched from `--ticket-url`, sent as a query parameter.
    Ticket {
        /// Query parameter name carrying the ticket.
        param: String,
    },
}

/// What makes one attempt different from the baseline. Everything here is safe to print: it never
/// holds a secret, only where a secret was placed and whether it was the real one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    /// Stable id ("baseline", "credential.none", "origin.foreign", "control.plain_get", …).
    pub id: String,
    /// Short human label for tables ("no credential", "Origin: https://evil.invalid").
    pub label: String,
    /// The family of the variant ("baseline", "credential", "origin", "control", "browser", "direct", "repeat", "ticket").
    pub group: String,
    /// The request kind sent.
    pub request: RequestKind,
    /// Where the credential travels.
    pub credential: CredentialPlacement,
    /// True when the credential sent is a deliberately wrong one of the same shape.
    #[serde(default)]
    pub wrong_credential: bool,
    /// The `Origin` header sent, if any.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub origin: Option<String>,
    /// Subprotocols offered (besides a token carried as subprotocol, which is redacted).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub subprotocols: Vec<String>,
    /// Browser shape imitated, if any ("chrome", "firefox").
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub browser: Option<String>,
    /// True when this attempt targets the `--direct` backend rather than the public URL.
    #[serde(default)]
    pub direct: bool,
    /// Repeat index for `--repeat` attempts (0 for the first).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub repeat: Option<u32>,
}

impl Variant {
    /// The baseline variant: an upgrade with nothing changed.
    pub fn baseline() -> Self {
        Variant {
            id: "baseline".into(),
            label: "baseline".into(),
            group: "baseline".into(),
            request: RequestKind::Upgrade,
            credential: CredentialPlacement::None,
            wrong_credential: false,
            origin: None,
            subprotocols: Vec::new(),
            browser: None,
            direct: false,
            repeat: None,
        }
    }
}

/// One HTTP header as it was on the wire (value redacted where it carries a secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireHeader {
    /// Header name as sent or received.
    pub name: String,
    /// Header value (redacted where sensitive).
    pub value: String,
}

/// The request exactly as written to the socket, secrets redacted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireRequest {
    /// Method (`GET`).
    pub method: String,
    /// Request target (path and query; query secrets redacted).
    pub path: String,
    /// Headers in the order sent.
    pub headers: Vec<WireHeader>,
}

/// The response head and the start of its body, as received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireResponse {
    /// HTTP version from the status line ("HTTP/1.1").
    pub version: String,
    /// Status code.
    pub status: u16,
    /// Reason phrase as sent.
    pub reason: String,
    /// Headers in the order received.
    pub headers: Vec<WireHeader>,
    /// The first bytes of the body, lossily decoded (at most `limits::BODY_EXCERPT_BYTES`).
    pub body_excerpt: String,
    /// Body bytes read (bounded); `body_truncated` says whether more was announced or sent.
    pub body_bytes: usize,
    /// True when the body was longer than the excerpt.
    pub body_truncated: bool,
}

impl WireResponse {
    /// The first value of a header, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }
}

/// Forward-proxy stage detail: the CONNECT and the proxy's answer. Present from the start of an
/// attempt that goes through a proxy, so a proxy that cannot be reached (dns or tcp failed) is
/// named as such; `status`/`reply` are absent until the proxy answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProxyRecord {
    /// The proxy (`http://host:port`, `socks5://host:port`, `socks5h://host:port`; credentials
    /// never shown).
    pub url: String,
    /// The protocol: `http` (HTTP CONNECT), `socks5` (the client resolves the target's name and
    /// asks for the address) or `socks5h` (the proxy resolves the name).
    #[serde(default = "ProxyRecord::default_kind")]
    pub kind: String,
    /// Where it came from: `--proxy`, `HTTPS_PROXY`, `https_proxy`, `HTTP_PROXY`, … .
    pub source: String,
    /// The CONNECT target (`host:port`).
    pub connect: String,
    /// True when credentials were given: `Proxy-Authorization: Basic` (http), or an RFC 1929
    /// username/password offered to a SOCKS5 proxy (both from the proxy URL's user:pass).
    pub authenticated: bool,
    /// socks5 only: the address the client resolved the target's name to and asked the proxy for
    /// (`127.0.0.1:8080`); absent for http, socks5h, or when the lookup failed.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub resolved: Option<String>,
    /// The proxy's status, when it answered (http).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub status: Option<u16>,
    /// The proxy's response (headers, body excerpt; redacted), when it answered (http).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub response: Option<WireResponse>,
    /// The SOCKS5 proxy's answer by name: `succeeded`, an RFC 1928 reply
    /// (`connection_not_allowed_by_ruleset`, `host_unreachable`, `connection_refused`, …) or an
    /// authentication refusal (`auth_failed`, `no_acceptable_auth_methods`, `auth_required`);
    /// absent for http and when the proxy did not answer.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reply: Option<String>,
}

impl ProxyRecord {
    fn default_kind() -> String {
        "http".to_string()
    }

    /// True when the proxy answered and refused: a non-2xx status, or a SOCKS5 reply other than
    /// `succeeded`.
    pub fn refused(&self) -> bool {
        self.status.is_some_and(|s| !(200..300).contains(&s))
            || self.reply.as_deref().is_some_and(|r| r != "succeeded")
    }
}

/// DNS stage detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsRecord {
    /// Host name looked up.
    pub host: String,
    /// Every address returned, in order.
    pub addresses: Vec<String>,
    /// True when the addresses came from `--resolve` rather than a lookup.
    pub overridden: bool,
}

/// TCP stage detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TcpRecord {
    /// The address connected to (or the last one tried).
    pub peer: String,
    /// Addresses tried before this one failed, with their failure class.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub failed: Vec<AddressFailure>,
}

/// An address that could not be connected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressFailure {
    /// The address.
    pub address: String,
    /// Failure class id ("refused", "timeout", "unreachable", "reset").
    pub error: String,
}

/// One resolved address of the target and what a baseline-shaped attempt pinned to it got (the
/// address fan-out: every address is probed, not only the first that answers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddressRecord {
    /// The socket address ("127.0.0.1:8080", "[::1]:8080").
    pub address: String,
    /// "ipv4" or "ipv6".
    pub family: String,
    /// The variant id of the attempt pinned to this address ("address.0", "address.1", …), in
    /// `attempts`.
    pub attempt: String,
    /// That attempt's outcome kind ("upgraded", "rejected", "tcp_error", …).
    pub kind: String,
    /// The HTTP status it got (101 for upgrades), when it got an HTTP answer.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub status: Option<u16>,
    /// The failure class when it got no HTTP answer ("refused", "timeout", "expired_certificate"…).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<String>,
    /// The stage it ended in when it got no HTTP answer (dns, tcp, proxy, tls, upgrade, session).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub stage: Option<Stage>,
    /// Wall time of the attempt in ms.
    pub ms: f64,
    /// When the addresses disagreed, the same pinned request made once more: what it got. A second
    /// answer unlike the first marks a transient failure, not a property of the address.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub second_try: Option<AddressTry>,
}

/// What a second pinned attempt to one address got (see [`AddressRecord::second_try`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddressTry {
    /// Its outcome kind.
    pub kind: String,
    /// Its HTTP status, when it got an HTTP answer.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub status: Option<u16>,
    /// Its failure class when it got no HTTP answer.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<String>,
    /// Its wall time in ms.
    pub ms: f64,
}

impl AddressRecord {
    /// True when a second try got another kind of answer than the first: the first was transient.
    /// A second try that timed out (the overall deadline may have cut it) decides nothing.
    pub fn flaky(&self) -> bool {
        self.second_try.as_ref().is_some_and(|t| {
            t.kind != "timeout" && (t.kind.as_str(), t.status) != (self.kind.as_str(), self.status)
        })
    }
}

/// One certificate of the peer chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateInfo {
    /// Subject distinguished name.
    pub subject: String,
    /// Issuer distinguished name.
    pub issuer: String,
    /// Subject alternative names (DNS and IP).
    pub sans: Vec<String>,
    /// Validity start, RFC 3339.
    pub not_before: String,
    /// Validity end, RFC 3339.
    pub not_after: String,
    /// Whole days until `not_after` at probe time (negative when expired).
    pub days_left: i64,
    /// True when the certificate is its own issuer and its signature verifies with its own key
    /// (additive to v1; absent when false).
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub self_signed: bool,
}

/// TLS stage detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsRecord {
    /// SNI sent (absent for IP targets).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sni: Option<String>,
    /// ALPN protocols offered.
    pub alpn_offered: Vec<String>,
    /// Negotiated version ("TLSv1.3").
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub version: Option<String>,
    /// Negotiated ALPN protocol.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub alpn: Option<String>,
    /// Peer chain, leaf first.
    #[serde(default)]
    pub chain: Vec<CertificateInfo>,
    /// What certificate verification said: "ok" or a failure class id (also recorded with `--insecure`).
    pub verification: String,
    /// True when `--insecure` let the handshake continue past a failed verification.
    #[serde(default)]
    pub insecure: bool,
    /// The trust anchor that verified the chain (absent unless verification said "ok").
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub anchor: Option<TrustAnchorInfo>,
    /// Client authentication: present when the server asked for a certificate or `--cert` was given.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub client_auth: Option<ClientAuthRecord>,
    /// The fatal TLS alert the server sent, by its RFC 8446 name ("certificate_required",
    /// "no_application_protocol", "unknown_ca", …).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub alert: Option<String>,
    /// True when that alert came on the first read after the handshake had completed (TLS 1.3
    /// servers refuse a client certificate after the client's last handshake flight).
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub alert_after_handshake: bool,
    /// The controlled second handshake offering `h2` after the `http/1.1` offer was refused.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub alpn_retry: Option<AlpnRetryRecord>,
}

/// The trust anchor that verified a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustAnchorInfo {
    /// The anchor's subject distinguished name.
    pub subject: String,
    /// Where the anchor came from: "webpki-roots", "system store", "SSL_CERT_FILE <path>",
    /// "SSL_CERT_DIR <dirs>" or "--cacert <path>".
    pub source: String,
    /// How it was identified: "signature" (its subject is the issuer of the topmost presented
    /// certificate and its key verifies that certificate's signature) or "subject" (names only).
    pub matched_by: String,
}

/// What happened about a client certificate (mTLS).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientAuthRecord {
    /// The server sent a CertificateRequest.
    pub requested: bool,
    /// A client certificate was sent in answer.
    pub sent: bool,
    /// Subject of the certificate given with `--cert` (absent without `--cert`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub certificate: Option<String>,
    /// Issuer of the certificate given with `--cert`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub certificate_issuer: Option<String>,
    /// How many acceptable issuer names the server listed (0: any issuer).
    #[serde(default)]
    pub acceptable_issuer_count: usize,
    /// The first acceptable issuer names, as distinguished names.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub acceptable_issuers: Vec<String>,
}

/// The result of one extra handshake offering other ALPN protocols (a controlled difference).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlpnRetryRecord {
    /// ALPN protocols offered in the retry.
    pub offered: Vec<String>,
    /// The retry's handshake completed.
    pub ok: bool,
    /// The protocol the server selected in the retry.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub alpn: Option<String>,
    /// Why the retry failed (absent when it succeeded).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<String>,
    /// What certificate verification said in the retry ("ok" or a failure class); recorded, but
    /// not allowed to stop the retry.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub verification: Option<String>,
}

/// Session stage detail (after `101`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// Whether `Sec-WebSocket-Accept` matched the key sent.
    pub accept_valid: bool,
    /// Subprotocol the server selected.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub subprotocol: Option<String>,
    /// Extensions the server selected (raw header value).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub extensions: Option<String>,
    /// Ping/pong round trip in ms, when a pong came back.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ping_rtt_ms: Option<f64>,
    /// How long the connection was watched, in ms.
    pub watched_ms: f64,
    /// How the watch ended.
    pub end: SessionEnd,
    /// Data frames received during the watch (count only).
    #[serde(default)]
    pub messages_received: u32,
    /// Pings the server sent during the watch (tungstenite answers each with a pong).
    #[serde(skip_serializing_if = "is_zero", default)]
    pub pings_received: u32,
    /// What `--send` wrote and what came back (`--expect-reply`), on the baseline only.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub exchange: Option<ExchangeRecord>,
    /// The idle watch (`--idle`), on the baseline only.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub idle: Option<IdleRecord>,
}

/// What the idle watch (`--idle`, `--ping-interval`) saw on the upgraded baseline connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdleRecord {
    /// How long wsdoctor meant to hold the connection, in ms (`--idle`).
    pub requested_ms: f64,
    /// Ping interval in ms (`--ping-interval`); absent when the connection was held silent.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ping_interval_ms: Option<f64>,
    /// Pings sent during the watch (the first, RTT-measuring ping included).
    pub pings_sent: u32,
    /// Pongs received during the watch.
    pub pongs_received: u32,
    /// How it ended: `close_frame`, `fin`, `rst`, `protocol_error` or `still_open`.
    pub ended: String,
    /// Milliseconds after the 101 when it ended; absent when still open.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub lifetime_ms: Option<f64>,
    /// Milliseconds of silence (no frame sent or received) before it ended; absent when still open.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub silent_ms: Option<f64>,
}

/// The messages of `--send` and the replies read on the baseline (`--expect-reply`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExchangeRecord {
    /// What was sent, in order, as typed (a `{token}` placeholder stays one).
    pub sent: Vec<MessageRecord>,
    /// The first data messages the server sent (at most `MESSAGES_KEPT`).
    pub received: Vec<MessageRecord>,
    /// How many data messages the server sent during the watch.
    pub received_total: u32,
    /// The reply pattern (`--expect-reply`), when one was given.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub expect_reply: Option<String>,
    /// The first message that matched it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub matched: Option<ReplyMatch>,
    /// How long a reply was waited for after the last message sent, in ms.
    pub reply_timeout_ms: f64,
    /// How the server ended the connection after the messages were sent (a close, a drop, a
    /// framing error), when it did; the session itself stayed open through its close-wait.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ended: Option<SessionEnd>,
}

/// One WebSocket data message, as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageRecord {
    /// `text` or `binary`.
    pub kind: String,
    /// Its length in bytes.
    pub bytes: usize,
    /// The first characters (text, redacted) or bytes (binary, hex).
    pub excerpt: String,
    /// Milliseconds after the 101.
    pub after_ms: f64,
}

/// The reply that matched `--expect-reply`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplyMatch {
    /// Its position among the server's messages (1-based).
    pub index: u32,
    /// The message.
    pub message: MessageRecord,
}

/// Serde helper: leave a zero count out of the JSON.
fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// How the session watch ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SessionEnd {
    /// Still open when the watch ended; wsdoctor closed it (1000).
    StillOpen,
    /// The server sent a close frame.
    CloseFrame {
        /// Close code, if the frame carried one.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        code: Option<u16>,
        /// Close reason (redacted, truncated).
        reason: String,
        /// Milliseconds after the 101 when it arrived.
        after_ms: f64,
    },
    /// The TCP connection ended without a close frame (FIN or RST; RFC 6455 code 1006).
    Dropped {
        /// "eof" or "reset".
        how: String,
        /// Milliseconds after the 101.
        after_ms: f64,
    },
    /// The server broke the framing protocol.
    ProtocolError {
        /// What was wrong.
        detail: String,
        /// Milliseconds after the 101.
        after_ms: f64,
    },
    /// The server flooded the connection with pings (`PING_FLOOD_WINDOW` of them at
    /// `PING_FLOOD_RATE` per second or more): wsdoctor stopped reading and closed it.
    PingFlood {
        /// Pings received before the watch stopped.
        pings: u32,
        /// Pings per second over the last `PING_FLOOD_WINDOW` of them.
        per_second: f64,
        /// Milliseconds after the 101 when the watch stopped.
        after_ms: f64,
    },
}

/// The one result of an attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    /// `101` and the connection stayed open through the close-wait.
    Upgraded {
        /// Selected subprotocol.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        subprotocol: Option<String>,
    },
    /// `101`, then the server closed (close frame or bare TCP close) within the close-wait.
    UpgradedThenClosed {
        /// Close code (absent for a bare TCP close, which browsers report as 1006).
        #[serde(skip_serializing_if = "Option::is_none", default)]
        close_code: Option<u16>,
        /// Close reason.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        close_reason: Option<String>,
        /// Milliseconds after the 101.
        after_ms: f64,
        /// True when a close frame was received (false: bare TCP close).
        clean: bool,
    },
    /// A non-101, non-redirect HTTP answer.
    Rejected {
        /// Status code.
        status: u16,
        /// Response headers (names lowercased, repeated headers joined with ", ").
        headers: BTreeMap<String, String>,
        /// The first bytes of the body.
        body_excerpt: String,
    },
    /// A 3xx answer.
    Redirected {
        /// Status code.
        status: u16,
        /// `Location` (query secrets redacted).
        #[serde(skip_serializing_if = "Option::is_none", default)]
        location: Option<String>,
        /// Response headers.
        headers: BTreeMap<String, String>,
    },
    /// A stage did not finish within its time budget.
    Timeout {
        /// The stage that timed out.
        stage: Stage,
    },
    /// DNS failed.
    DnsError {
        /// Failure class id ("not_found", "no_addresses", "failed").
        error: String,
        /// Detail for people.
        detail: String,
    },
    /// TCP connect failed.
    TcpError {
        /// Failure class id ("refused", "timeout", "unreachable", "reset"; through a SOCKS5 proxy
        /// the first three are the proxy's own connect to the target, and "proxy_refused" is any
        /// other SOCKS5 refusal).
        error: String,
        /// Detail for people.
        detail: String,
    },
    /// TLS handshake failed.
    TlsError {
        /// Failure class id ("untrusted_certificate", "expired_certificate", "not_yet_valid",
        /// "hostname_mismatch", "not_tls", "handshake_failed").
        error: String,
        /// Detail for people.
        detail: String,
    },
    /// The server answered, but not as RFC 6455 / HTTP allows.
    ProtocolViolation {
        /// Violation class id ("malformed_response", "bad_accept_key", "missing_upgrade_headers",
        /// "unrequested_subprotocol", "missing_subprotocol", "unrequested_extension",
        /// "response_too_large", "connection_closed", "connection_reset").
        error: String,
        /// Detail for people.
        detail: String,
    },
}

impl Outcome {
    /// The outcome kind id as in JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            Outcome::Upgraded { .. } => "upgraded",
            Outcome::UpgradedThenClosed { .. } => "upgraded_then_closed",
            Outcome::Rejected { .. } => "rejected",
            Outcome::Redirected { .. } => "redirected",
            Outcome::Timeout { .. } => "timeout",
            Outcome::DnsError { .. } => "dns_error",
            Outcome::TcpError { .. } => "tcp_error",
            Outcome::TlsError { .. } => "tls_error",
            Outcome::ProtocolViolation { .. } => "protocol_violation",
        }
    }

    /// The HTTP status, when the outcome has one (101 for upgrades).
    pub fn status(&self) -> Option<u16> {
        match self {
            Outcome::Upgraded { .. } | Outcome::UpgradedThenClosed { .. } => Some(101),
            Outcome::Rejected { status, .. } | Outcome::Redirected { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The typed failure class of a dns, tcp, tls or protocol failure (`None` for other outcomes
    /// and for a class this build does not know).
    pub fn class(&self) -> Option<FailureClass> {
        match self {
            Outcome::DnsError { error, .. }
            | Outcome::TcpError { error, .. }
            | Outcome::TlsError { error, .. }
            | Outcome::ProtocolViolation { error, .. } => FailureClass::parse(error),
            _ => None,
        }
    }

    /// True when the connection upgraded and stayed open.
    pub fn is_success(&self) -> bool {
        matches!(self, Outcome::Upgraded { .. })
    }
}

/// Everything observed in one attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptRecord {
    /// What this attempt changed.
    pub variant: Variant,
    /// The URL attempted (secrets redacted).
    pub url: String,
    /// Stage-by-stage record.
    pub stages: Vec<StageRecord>,
    /// DNS detail.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub dns: Option<DnsRecord>,
    /// TCP detail.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tcp: Option<TcpRecord>,
    /// Forward-proxy detail, when the attempt went through one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub proxy: Option<ProxyRecord>,
    /// TLS detail.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tls: Option<TlsRecord>,
    /// The request as sent.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub request: Option<WireRequest>,
    /// The response as received.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub response: Option<WireResponse>,
    /// The session after 101.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub session: Option<SessionRecord>,
    /// The one result.
    pub outcome: Outcome,
    /// Total wall time of the attempt in ms.
    pub ms: f64,
}

impl AttemptRecord {
    /// A record of `variant` sent to `url` before anything was measured: no stages, and the
    /// outcome of a run that never got past DNS (the probe overwrites it).
    pub fn unmeasured(variant: Variant, url: String) -> AttemptRecord {
        AttemptRecord {
            variant,
            url,
            stages: Vec::new(),
            dns: None,
            tcp: None,
            proxy: None,
            tls: None,
            request: None,
            response: None,
            session: None,
            outcome: Outcome::Timeout { stage: Stage::Dns },
            ms: 0.0,
        }
    }

    /// The record of one stage, if present.
    pub fn stage(&self, stage: Stage) -> Option<&StageRecord> {
        self.stages.iter().find(|s| s.stage == stage)
    }
}

/// A one-time ticket fetch (`--ticket-url`) as observed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketRecord {
    /// Ticket endpoint URL (secrets redacted).
    pub url: String,
    /// Method used.
    pub method: String,
    /// HTTP status, when the endpoint answered.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub status: Option<u16>,
    /// The first bytes of the response body (ticket redacted).
    #[serde(default)]
    pub body_excerpt: String,
    /// True when a ticket was extracted.
    pub obtained: bool,
    /// Transport or parse error, when the fetch failed before a status.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<String>,
    /// Wall time in ms.
    pub ms: f64,
}

/// Why a planned variant was not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// `--variants` (or a check file's `variants`) does not name it.
    NotSelected,
    /// `--skip` (or `skip`) names it.
    Skip,
    /// `--safe` (or `safe = true`) leaves it out: it sends a wrong credential, a foreign or `null`
    /// Origin, a malformed handshake, the token in the URL, or a used one-time ticket.
    Safe,
    /// Planned and due, but the run's `--timeout` deadline had passed before it could start: it
    /// never connected, so it is evidence of nothing.
    Deadline,
    /// `ticket.reuse` with no used ticket to replay: none was obtained, or it never reached the
    /// server (the attempt that fetched it did not run, or ended before an answer), so a replay
    /// would have been no ticket at all, or its first use.
    TicketUnused,
    /// Not sent by default: it would move the user's credential into the URL (and so into every
    /// access log on the path), where the user did not put it; `--try-url-token` or
    /// `--variants credential.query` sends it (additive to v1).
    CredentialInUrl,
}

impl SkipReason {
    /// The id as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::NotSelected => "not_selected",
            SkipReason::Skip => "skip",
            SkipReason::Safe => "safe",
            SkipReason::Deadline => "deadline",
            SkipReason::TicketUnused => "ticket_unused",
            SkipReason::CredentialInUrl => "credential_in_url",
        }
    }

    /// For people: "skipped by --safe".
    pub fn text(self) -> &'static str {
        match self {
            SkipReason::NotSelected => "not in --variants",
            SkipReason::Skip => "skipped by --skip",
            SkipReason::Safe => "skipped by --safe",
            SkipReason::Deadline => "not run: the --timeout deadline had passed",
            SkipReason::TicketUnused => "not run: no used ticket to replay",
            SkipReason::CredentialInUrl => {
                "not sent by default, it would put the credential in a URL and so in access logs (--try-url-token sends it)"
            }
        }
    }
}

/// A variant a default run would have sent that this run did not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkippedVariant {
    /// The variant as planned (its id, what it would have changed).
    pub variant: Variant,
    /// Why it was not run.
    pub reason: SkipReason,
}

/// What a run that left some variants out cannot tell apart: one family of variants, the
/// sentence saying what its attempts would have shown, and the causes they bear on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlindSpot {
    /// The ids of the family's variants that were not run.
    pub variants: Vec<String>,
    /// What the diagnosis therefore cannot tell apart, in one sentence.
    pub summary: String,
    /// The causes and findings of the catalogue that these attempts are evidence for.
    pub causes: Vec<Cause>,
    /// This run's candidate causes (`diagnosis.considered`, not ruled out) that these attempts
    /// would have tested, by the engine's own predictions: the verdict rests on fewer attempts
    /// when it is among them.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub untested: Vec<Cause>,
}

/// Everything measured in one run: the input to `diagnose`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// The target URL (redacted).
    pub target: String,
    /// Whether the user supplied a credential.
    pub credential_given: bool,
    /// The user's `--origin`, if any.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub user_origin: Option<String>,
    /// The `--direct` URL, if any (redacted).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub direct: Option<String>,
    /// All attempts; the first is the baseline.
    pub attempts: Vec<AttemptRecord>,
    /// Ticket fetches, when a ticket flow ran.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub tickets: Vec<TicketRecord>,
    /// Controls fetched over plain HTTP (site root, `--health-url`).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub http_controls: Vec<AttemptRecord>,
    /// Every resolved address of the target with its own pinned attempt, when it has several.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub addresses: Vec<AddressRecord>,
    /// The HTTP/2 path browsers may take (RFC 8441), for `wss://` targets (and `ws://` ones with
    /// `--h2c`, in cleartext); absent with `--quick` (unless `--http2-only`), `--http1-only`, for
    /// `ws://` without `--h2c`, and in reports made before it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub http2: Option<Http2Record>,
    /// The same port with the other scheme (variant `control.other_scheme`: `wss://` for a
    /// `ws://` target, `ws://` for a `wss://` one), sent without any credential; made only when
    /// the baseline failed the way a scheme mismatch fails (a 400, a close or a malformed answer
    /// to plaintext; a TLS handshake that ended or was answered in plaintext).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub other_scheme: Option<Box<AttemptRecord>>,
    /// The variants the plan left out (`--variants`, `--skip`, `--safe`).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub skipped: Vec<SkippedVariant>,
    /// True when what the baseline's request carried is not known: an explain input that shows
    /// only the answer (a browser console line, a response saved without its request). Then
    /// `credential_given` and `user_origin` say nothing, and the causes that rest on them cannot
    /// be confirmed (`diagnose::hypothesis::needs_request`). False for every probe.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub request_unknown: bool,
}

/// The HTTP/2 path (RFC 8441): a connection of its own offering ALPN `h2, http/1.1` as browsers
/// do, the server's SETTINGS and, when it advertises extended CONNECT, the baseline's request as
/// an extended CONNECT stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Http2Record {
    /// The ALPN protocols offered, in order (`["h2", "http/1.1"]`; empty in cleartext).
    pub alpn_offered: Vec<String>,
    /// True for `--h2c` on a `ws://` target: cleartext HTTP/2 with prior knowledge (the
    /// connection preface sent at once, no TLS, no ALPN), a path no browser takes. Absent (false)
    /// on the TLS path and in reports made before it (additive to v1).
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub prior_knowledge: bool,
    /// With prior knowledge: the status line of the HTTP/1.x answer the server gave the
    /// connection preface (`HTTP/1.1 400 Bad Request`), when it answered in HTTP/1.x: it does
    /// not speak cleartext HTTP/2 (additive to v1).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub http1_answer: Option<String>,
    /// The protocol the server selected (`h2`, `http/1.1`), absent when none was or the connection
    /// failed before.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub alpn: Option<String>,
    /// Whether the server's SETTINGS carried `SETTINGS_ENABLE_CONNECT_PROTOCOL = 1`; absent when no
    /// HTTP/2 connection was made or its SETTINGS were never read.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub extended_connect: Option<bool>,
    /// Why the HTTP/2 connection itself failed (the TLS connect, the preface, a GOAWAY before the
    /// SETTINGS were read).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<String>,
    /// The extended CONNECT stream (variant `http2`), when one was sent: the request with its
    /// pseudo-headers, `:status` and headers as `response`, and the session like any attempt's.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub attempt: Option<Box<AttemptRecord>>,
    /// When that stream failed: the credential and Origin variants as extended CONNECT streams on
    /// the same connection (ids `http2.<variant id>`), which tell a refusal of WebSockets over
    /// HTTP/2 as such from one that depends on what the request carries.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub variants: Vec<AttemptRecord>,
    /// Wall time of the whole path in ms.
    pub ms: f64,
}

impl Http2Record {
    /// True when browsers that implement RFC 8441 would open the WebSocket on this path: the
    /// server chose h2 and advertised extended CONNECT.
    pub fn browsers_take_it(&self) -> bool {
        !self.prior_knowledge
            && self.alpn.as_deref() == Some("h2")
            && self.extended_connect == Some(true)
    }

    /// True when an HTTP/2 connection was made and its SETTINGS advertised extended CONNECT: by
    /// ALPN h2 over TLS, or with prior knowledge in cleartext.
    pub fn extended_connect_offered(&self) -> bool {
        (self.prior_knowledge || self.alpn.as_deref() == Some("h2"))
            && self.extended_connect == Some(true)
    }
}

impl Run {
    /// The baseline attempt (always the first).
    pub fn baseline(&self) -> Option<&AttemptRecord> {
        self.attempts.first()
    }

    /// The attempt with a given variant id.
    pub fn attempt(&self, id: &str) -> Option<&AttemptRecord> {
        self.attempts
            .iter()
            .chain(self.http_controls.iter())
            .find(|a| a.variant.id == id)
    }
}

/// A remedy snippet for a specific component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snippet {
    /// What it is for ("nginx", "Caddy", "HAProxy", "FastAPI", …).
    pub target: String,
    /// Where it goes ("in the location that serves /ws/").
    pub title: String,
    /// Language hint for fenced blocks ("nginx", "caddyfile", "haproxy", "python", "js").
    pub lang: String,
    /// The snippet itself.
    pub code: String,
}

/// A cause that could also explain the data, and what would decide between them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alternative {
    /// The alternative cause id.
    pub cause: Cause,
    /// Why it is still possible.
    pub why: String,
}

/// The verdict: the root cause with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diagnosis {
    /// Category of the cause.
    pub category: Category,
    /// Cause id.
    pub cause: Cause,
    /// Confidence in [0, 1].
    pub confidence: f64,
    /// One-line summary.
    pub summary: String,
    /// Who produced the decisive response ("nginx", "uvicorn", …), when known.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub responder: Option<String>,
    /// Evidence lines, each citing the attempts that prove it.
    pub evidence: Vec<String>,
    /// Remedies, one line each.
    pub remedy: Vec<String>,
    /// Config snippets for the fingerprinted responder.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub snippets: Vec<Snippet>,
    /// Other causes the data does not rule out.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub alternatives: Vec<Alternative>,
    /// The one extra input or command that would decide ("pass --token to tell auth from routing").
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub next_step: Option<String>,
    /// The attempt whose answer decided (its producer is the responder).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub decisive_attempt: Option<String>,
    /// The winner's observations: every attempt it made a prediction about, with what it
    /// expected, what came back and whether that fits.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub observations: Vec<Observation>,
    /// Every hypothesis that was scored, best first: why the winner won.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub considered: Vec<Considered>,
}

/// One attempt as a hypothesis predicted it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// The attempt's variant id (or `http.*` control).
    pub attempt: String,
    /// What the hypothesis expected: `same_as_baseline`, `same_refusal`, `upgrade`,
    /// `no_upgrade`, `different_from_baseline`, `any`.
    pub expected: String,
    /// What came back, in one line.
    pub observed: String,
    /// `explained` or `contradicted`.
    pub fit: String,
    /// The support it gave, or the penalty it cost.
    pub weight: f64,
}

/// One hypothesis as scored against the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Considered {
    /// The cause.
    pub cause: Cause,
    /// The proposer that recognised its signature (`http::bad_gateway`).
    pub proposer: String,
    /// Its score (signature + support − penalty + prior).
    pub score: f64,
    /// Its share of belief among every hypothesis considered (the winner's is its confidence).
    pub share: f64,
    /// How common the cause is in the field (its prior).
    pub prior: f64,
    /// Attempts it explains.
    #[serde(default)]
    pub explained: Vec<String>,
    /// Attempts that contradict it.
    #[serde(default)]
    pub contradicted: Vec<String>,
}

/// Whether a browser's `WebSocket` would open on an attempt's 101.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrowserCheck {
    /// The attempt's variant id (`baseline`, `browser.chrome`, …).
    pub attempt: String,
    /// `chrome` or `firefox`.
    pub browser: String,
    /// True when the browser fires `open`.
    pub opens: bool,
    /// Why it fails the connection: `missing_subprotocol`, `unrequested_subprotocol`,
    /// `unrequested_extension`, `bad_accept_key`, `missing_upgrade_headers`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reason: Option<String>,
    /// The browser's words for it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub detail: Option<String>,
}

/// Severity of a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Something that will bite (a security risk, a near expiry).
    Warning,
    /// Worth knowing.
    Info,
}

/// An observation beyond the verdict (also reported on healthy targets).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Cause id.
    pub cause: Cause,
    /// Severity.
    pub severity: Severity,
    /// One-line summary.
    pub summary: String,
    /// Evidence lines.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub evidence: Vec<String>,
}

/// How one public attempt compares with its `--direct` twin (the same request sent to the backend).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PairClass {
    /// The same answer (status and body, close, or failure class) from the same responder.
    Same,
    /// The backend upgrades the request directly; through the public URL it does not.
    AcceptedDirectOnly,
    /// The public URL upgrades the request; the backend reached directly does not.
    AcceptedPublicOnly,
    /// Both refuse, with a different status (or close code, or outcome kind).
    DifferentStatus,
    /// Both refuse with the same status, but different servers produced the answers.
    DifferentResponder,
    /// Both refuse with the same status from the same (or an unknown) responder, different bodies.
    DifferentBody,
    /// The `--direct` attempt could not reach the backend (DNS or TCP failure, or a timeout there).
    DirectUnreachable,
}

impl PairClass {
    /// The id as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            PairClass::Same => "same",
            PairClass::AcceptedDirectOnly => "accepted_direct_only",
            PairClass::AcceptedPublicOnly => "accepted_public_only",
            PairClass::DifferentStatus => "different_status",
            PairClass::DifferentResponder => "different_responder",
            PairClass::DifferentBody => "different_body",
            PairClass::DirectUnreachable => "direct_unreachable",
        }
    }
}

/// A public attempt and its `--direct` twin, side by side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptPair {
    /// The public attempt's variant id ("baseline", "credential.none"); the twin is `direct.<id>`.
    pub variant: String,
    /// How the two answers compare.
    pub class: PairClass,
    /// The public answer in one line ("403, empty body", "101, stayed open").
    pub public: String,
    /// The direct answer in one line.
    pub direct: String,
    /// The public answer's HTTP status (101 for upgrades), when it had one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub public_status: Option<u16>,
    /// The direct answer's HTTP status, when it had one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub direct_status: Option<u16>,
    /// Who produced the public answer (fingerprint), when known.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub public_responder: Option<String>,
    /// Who produced the direct answer (fingerprint), when known.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub direct_responder: Option<String>,
}

/// What the public-vs-direct comparison says as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComparisonVerdict {
    /// Every pair got the same answer: the front passes the requests through unchanged, and the
    /// backend decides.
    Same,
    /// The backend accepts at least one request that the public URL refuses: the front (proxy or
    /// routing) is at fault.
    FrontRefuses,
    /// The public URL accepts at least one request that the backend refuses (and never the other
    /// way round): the front adds or changes something the backend needs.
    DirectRefuses,
    /// The answers differ, but the same requests are accepted on both sides.
    Differs,
    /// The `--direct` baseline could not reach the backend: nothing can be compared.
    DirectUnreachable,
}

impl ComparisonVerdict {
    /// The id as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ComparisonVerdict::Same => "same",
            ComparisonVerdict::FrontRefuses => "front_refuses",
            ComparisonVerdict::DirectRefuses => "direct_refuses",
            ComparisonVerdict::Differs => "differs",
            ComparisonVerdict::DirectUnreachable => "direct_unreachable",
        }
    }
}

/// The public URL against the `--direct` backend: every attempt paired with its direct twin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// The `--direct` URL (secrets redacted).
    pub direct: String,
    /// The verdict over all pairs.
    pub verdict: ComparisonVerdict,
    /// One line for people.
    pub summary: String,
    /// Every pair, in plan order.
    pub pairs: Vec<AttemptPair>,
}

impl Comparison {
    /// The pairs whose answers differ (everything but `same`).
    pub fn differing(&self) -> impl Iterator<Item = &AttemptPair> {
        self.pairs.iter().filter(|p| p.class != PairClass::Same)
    }

    /// The pair of a public variant id.
    pub fn pair(&self, variant: &str) -> Option<&AttemptPair> {
        self.pairs.iter().find(|p| p.variant == variant)
    }
}

/// Tool identity in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolInfo {
    /// "wsdoctor".
    pub name: String,
    /// Crate version.
    pub version: String,
}

impl Default for ToolInfo {
    fn default() -> Self {
        ToolInfo {
            name: "wsdoctor".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

/// The finished report: the `wsdoctor.report/v1` object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Always `wsdoctor.report/v1`.
    pub schema: String,
    /// Tool name and version.
    pub tool: ToolInfo,
    /// Target URL (secrets redacted).
    pub target: String,
    /// Notes about the input ("http:// mapped to ws://").
    #[serde(default)]
    pub notes: Vec<String>,
    /// The baseline attempt's stages (the waterfall).
    pub stages: Vec<StageRecord>,
    /// Every attempt.
    pub attempts: Vec<AttemptRecord>,
    /// Ticket fetches.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub tickets: Vec<TicketRecord>,
    /// Plain-HTTP controls (site root, health URL).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub http_controls: Vec<AttemptRecord>,
    /// Every resolved address of the target and what its pinned attempt got (when it has several).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub addresses: Vec<AddressRecord>,
    /// The HTTP/2 path browsers may take (RFC 8441), for `wss://` targets, or a `ws://` target's
    /// cleartext HTTP/2 with prior knowledge under `--h2c` (additive to v1).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub http2: Option<Http2Record>,
    /// The same port with the other scheme, when the baseline's failure called for it (additive
    /// to v1; see `Run::other_scheme`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub other_scheme: Option<Box<AttemptRecord>>,
    /// The variants a default run would have sent that this one did not, and why (`--variants`,
    /// `--skip`, `--safe`; additive to v1).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub skipped_variants: Vec<SkippedVariant>,
    /// What the diagnosis cannot tell apart because of them (additive to v1).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub cannot_tell_apart: Vec<BlindSpot>,
    /// The verdict.
    pub diagnosis: Diagnosis,
    /// Further findings.
    pub findings: Vec<Finding>,
    /// The public URL against the `--direct` backend; absent without `--direct`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub comparison: Option<Comparison>,
    /// For every 101 (the baseline and the browser shapes): whether Chrome and Firefox would open it.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub browser_checks: Vec<BrowserCheck>,
    /// What the user gave that the diagnosis reads besides the records (so a saved report can be
    /// diagnosed again offline: `wsdoctor explain report.json`); absent in reports made before it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub input: Option<RunInput>,
    /// When the run started (RFC 3339, UTC); absent in reports made before it and in offline
    /// explanations.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub started_at: Option<String>,
    /// True when the verdict is healthy (exit code 0): the one bit a CI script reads. Reports
    /// made before it load as `false` and are re-diagnosed anyway.
    #[serde(default)]
    pub ok: bool,
    /// Total wall time in ms.
    pub duration_ms: f64,
}

/// The parts of a [`Run`] that are not records: what the user supplied.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunInput {
    /// Whether the user supplied a credential.
    pub credential_given: bool,
    /// The user's `--origin`, if any.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub user_origin: Option<String>,
    /// The `--direct` URL, if any (redacted).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub direct: Option<String>,
}

impl Report {
    /// Sets `ok` from the verdict: true exactly when the category is `ok` (exit code 0).
    pub fn with_ok(mut self) -> Report {
        self.ok = self.diagnosis.category == Category::Ok;
        self
    }

    /// The baseline attempt.
    pub fn baseline(&self) -> Option<&AttemptRecord> {
        self.attempts.first()
    }

    /// The run this report was made from, rebuilt from its records (for re-diagnosis offline).
    /// A report without `input` (older than the field) is read as: no credential unless an
    /// attempt placed one, no `--origin`, `--direct` only when direct twins are present.
    pub fn run(&self) -> Run {
        let input = self.input.clone().unwrap_or_else(|| RunInput {
            credential_given: self
                .attempts
                .iter()
                .any(|a| a.variant.credential != CredentialPlacement::None),
            user_origin: None,
            direct: self.comparison.as_ref().map(|c| c.direct.clone()),
        });
        Run {
            target: self.target.clone(),
            credential_given: input.credential_given,
            user_origin: input.user_origin,
            direct: input.direct,
            attempts: self.attempts.clone(),
            tickets: self.tickets.clone(),
            http_controls: self.http_controls.clone(),
            addresses: self.addresses.clone(),
            http2: self.http2.clone(),
            other_scheme: self.other_scheme.clone(),
            skipped: self.skipped_variants.clone(),
            request_unknown: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_class_ids_round_trip_and_cover_what_the_probe_records() {
        for c in FailureClass::ALL {
            assert_eq!(FailureClass::parse(c.as_str()), Some(*c));
        }
        let probe_ids = [
            crate::probe::tcp::TcpFailure::Refused.class(),
            crate::probe::tcp::TcpFailure::TimedOut.class(),
            crate::probe::tcp::TcpFailure::Unreachable.class(),
            crate::probe::tcp::TcpFailure::Reset.class(),
            crate::probe::dns::DnsFailure::Timeout.class(),
            crate::probe::upgrade::UpgradeFailure::TooLarge.class(),
            crate::probe::upgrade::UpgradeFailure::Deadline.class(),
        ];
        for id in probe_ids {
            assert!(
                FailureClass::parse(id).is_some(),
                "{id} is not a FailureClass"
            );
        }
        assert_eq!(FailureClass::parse("no_such_class"), None);
    }
}
