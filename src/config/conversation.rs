//! config::conversation: `--send` and `--expect-reply` checked and loaded: the messages (a file's
//! bytes for `@FILE`, bounded), the compiled reply pattern and its wait. The probe
//! (`probe::conversation`) writes and reads them.

use std::time::Duration;

use crate::cli::ProbeArgs;
use crate::error::ConfigError;
use crate::secret::Secret;

/// The largest `--send` message (and `@FILE` read): the 1 MiB frame limit of the watch
/// (`probe::limits::MAX_FRAME_BYTES`).
pub const MAX_SEND_BYTES: u64 = 1024 * 1024;

/// Where `--send` puts the credential: `--send '{"type":"connection_init","payload":{"token":"{token}"}}'`.
pub const TOKEN_PLACEHOLDER: &str = "{token}";

/// One message to send, as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    /// A text message (may hold [`TOKEN_PLACEHOLDER`]).
    Text(String),
    /// A binary message (a file's bytes that are not UTF-8), sent as they are.
    Binary(Vec<u8>),
}

/// What to say after the upgrade and what to wait for.
#[derive(Debug, Clone)]
pub struct Conversation {
    /// The messages, in order.
    pub messages: Vec<Payload>,
    /// The credential, for [`TOKEN_PLACEHOLDER`].
    pub token: Option<Secret>,
    /// The reply pattern (`--expect-reply`).
    pub expect_reply: Option<crate::pattern::Pattern>,
    /// How long to wait for it after the last message was sent.
    pub reply_timeout: Duration,
}

/// `--send` and `--expect-reply`: the messages (a file's bytes for `@FILE`, bounded), the compiled
/// pattern and its wait. `None` when neither was given.
pub fn from_args(
    args: &ProbeArgs,
    token: Option<&Secret>,
) -> Result<Option<Conversation>, ConfigError> {
    if args.send.is_empty() && args.expect_reply.is_none() {
        return Ok(None);
    }
    let invalid = |flag: &'static str, reason: String| ConfigError::InvalidValue { flag, reason };
    let mut messages = Vec::with_capacity(args.send.len());
    for m in &args.send {
        let payload = match m.strip_prefix('@') {
            Some(path) => {
                let read_err =
                    |e: std::io::Error| invalid("--send", format!("cannot read '{path}': {e}"));
                // Bounded by reading, not by metadata (/dev/zero says 0 bytes).
                let bytes = super::read_bounded(std::path::Path::new(path), MAX_SEND_BYTES)
                    .map_err(read_err)?;
                match String::from_utf8(bytes) {
                    Ok(text) => Payload::Text(text),
                    Err(e) => Payload::Binary(e.into_bytes()),
                }
            }
            None if m.len() as u64 > MAX_SEND_BYTES => {
                return Err(invalid("--send", "the message is larger than 1 MiB".into()))
            }
            None => Payload::Text(m.clone()),
        };
        messages.push(payload);
    }
    let expect_reply = match &args.expect_reply {
        Some(p) => Some(crate::pattern::Pattern::regex(p, 1 << 20).map_err(|e| {
            invalid(
                "--expect-reply",
                format!("not a valid regular expression: {e}"),
            )
        })?),
        None => None,
    };
    if args.reply_timeout.is_zero() && expect_reply.is_some() {
        return Err(invalid(
            "--reply-timeout",
            "must be greater than zero".into(),
        ));
    }
    Ok(Some(Conversation {
        messages,
        token: token.cloned(),
        expect_reply,
        reply_timeout: args.reply_timeout,
    }))
}
