//! probe::conversation: `--send` and `--expect-reply` on the upgraded baseline. The messages to
//! write (a `{token}` placeholder stays a placeholder, and the credential a `Secret`, until the
//! frame is built for the socket), the reply pattern, and the record of what went each way.
//! `session::watch` drives it; nothing here touches the network.

use tokio_tungstenite::tungstenite::Message;

pub use crate::config::conversation::{Conversation, Payload, TOKEN_PLACEHOLDER};
use crate::model::{ExchangeRecord, MessageRecord};
use crate::probe::limits::{MESSAGES_KEPT, MESSAGE_EXCERPT_CHARS};
use crate::secret::Redactor;

/// The frames to write, with the placeholder filled in: the only place the credential leaves
/// its `Secret`.
pub fn frames(plan: &Conversation) -> Vec<Message> {
    plan.messages
        .iter()
        .map(|p| match p {
            Payload::Text(t) => {
                let t = match &plan.token {
                    Some(s) if t.contains(TOKEN_PLACEHOLDER) => {
                        t.replace(TOKEN_PLACEHOLDER, s.expose())
                    }
                    _ => t.clone(),
                };
                Message::Text(t.into())
            }
            Payload::Binary(b) => Message::Binary(b.clone().into()),
        })
        .collect()
}

/// The conversation under way: the plan and its record.
#[derive(Debug)]
pub struct Talk<'a> {
    plan: &'a Conversation,
    /// What has been seen so far.
    pub record: ExchangeRecord,
}

impl<'a> Talk<'a> {
    /// A conversation about to start.
    pub fn new(plan: &'a Conversation, redactor: &Redactor) -> Talk<'a> {
        Talk {
            plan,
            record: ExchangeRecord {
                sent: Vec::new(),
                received: Vec::new(),
                received_total: 0,
                expect_reply: plan
                    .expect_reply
                    .as_ref()
                    .map(|r| redactor.text(r.as_str())),
                matched: None,
                reply_timeout_ms: plan.reply_timeout.as_secs_f64() * 1000.0,
                ended: None,
            },
        }
    }

    /// The plan.
    pub fn plan(&self) -> &'a Conversation {
        self.plan
    }

    /// Records message `index` of the plan as written at `after_ms` (as typed: the placeholder,
    /// never the credential).
    pub fn sent(&mut self, index: usize, after_ms: f64, redactor: &Redactor) {
        if let Some(p) = self.plan.messages.get(index) {
            let (kind, bytes, excerpt) = match p {
                Payload::Text(t) => ("text", t.len(), text_excerpt(t, redactor)),
                Payload::Binary(b) => ("binary", b.len(), binary_excerpt(b, redactor)),
            };
            self.record.sent.push(MessageRecord {
                kind: kind.into(),
                bytes,
                excerpt,
                after_ms,
            });
        }
    }

    /// Records a data message from the server; true when it is the first to match the pattern
    /// (only a message that `may_match`: one that came after the messages were sent, or any with
    /// nothing to send).
    pub fn received(
        &mut self,
        msg: &Message,
        after_ms: f64,
        may_match: bool,
        redactor: &Redactor,
    ) -> bool {
        let (kind, bytes, text, excerpt) = match msg {
            Message::Text(t) => ("text", t.len(), t.as_str().to_string(), None),
            Message::Binary(b) => (
                "binary",
                b.len(),
                String::from_utf8_lossy(b).into_owned(),
                Some(binary_excerpt(b, redactor)),
            ),
            _ => return false,
        };
        self.record.received_total = self.record.received_total.saturating_add(1);
        let record = MessageRecord {
            kind: kind.into(),
            bytes,
            excerpt: excerpt.unwrap_or_else(|| text_excerpt(&text, redactor)),
            after_ms,
        };
        let matches = may_match
            && self.record.matched.is_none()
            && self
                .plan
                .expect_reply
                .as_ref()
                .is_some_and(|r| r.is_match(&text));
        if matches {
            self.record.matched = Some(crate::model::ReplyMatch {
                index: self.record.received_total,
                message: record.clone(),
            });
        }
        if self.record.received.len() < MESSAGES_KEPT {
            self.record.received.push(record);
        }
        matches
    }

    /// True while a reply is expected and none has matched yet.
    pub fn waiting(&self) -> bool {
        self.plan.expect_reply.is_some() && self.record.matched.is_none()
    }
}

fn text_excerpt(t: &str, redactor: &Redactor) -> String {
    let shown = redactor.text(t);
    let mut out: String = shown.chars().take(MESSAGE_EXCERPT_CHARS).collect();
    if shown.chars().count() > MESSAGE_EXCERPT_CHARS {
        out.push('…');
    }
    out
}

/// A binary message as text when it is printable UTF-8 (JSON sent as binary, an echo), as hex
/// otherwise — unless it holds a secret, which hex would not hide: then as redacted lossy text.
fn binary_excerpt(b: &[u8], redactor: &Redactor) -> String {
    let lossy = String::from_utf8_lossy(b);
    let printable = std::str::from_utf8(b).is_ok_and(|t| {
        !t.chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    });
    if printable || redactor.text(&lossy) != lossy {
        return text_excerpt(&lossy, redactor);
    }
    let n = b.len().min(MESSAGE_EXCERPT_CHARS / 2);
    let mut out: String = b[..n].iter().map(|x| format!("{x:02x}")).collect();
    if b.len() > n {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;
    use std::time::Duration;

    fn plan(messages: Vec<Payload>, reply: Option<&str>) -> Conversation {
        Conversation {
            messages,
            token: Some(Secret::new("s3cr3t-token")),
            expect_reply: reply.map(|r| crate::pattern::Pattern::regex(r, 1 << 20).unwrap()),
            reply_timeout: Duration::from_secs(1),
        }
    }

    #[test]
    fn the_placeholder_is_filled_on_the_wire_only() {
        let r = Redactor::new([&Secret::new("s3cr3t-token")], true);
        let p = plan(
            vec![Payload::Text(
                r#"{"type":"connection_init","payload":{"token":"{token}"}}"#.into(),
            )],
            None,
        );
        let frames = frames(&p);
        assert_eq!(
            frames[0],
            Message::Text(
                r#"{"type":"connection_init","payload":{"token":"s3cr3t-token"}}"#.into()
            )
        );
        let mut talk = Talk::new(&p, &r);
        talk.sent(0, 1.0, &r);
        assert_eq!(
            talk.record.sent[0].excerpt,
            r#"{"type":"connection_init","payload":{"token":"{token}"}}"#
        );
        assert!(!format!("{p:?}").contains("s3cr3t"), "{p:?}");
    }

    #[test]
    fn every_message_until_the_first_match_is_read_and_later_ones_do_not_move_it() {
        let r = Redactor::new([&Secret::new("s3cr3t-token")], true);
        let p = plan(vec![Payload::Text("40".into())], Some("^40"));
        let mut talk = Talk::new(&p, &r);
        assert!(talk.waiting());
        assert!(!talk.received(&Message::Text(r#"0{"sid":"x"}"#.into()), 2.0, true, &r));
        assert!(talk.received(&Message::Text(r#"40{"sid":"y"}"#.into()), 3.0, true, &r));
        assert!(!talk.received(&Message::Text("40 again".into()), 4.0, true, &r));
        assert!(!talk.waiting());
        // A message before the ones sent is recorded but never matches.
        let mut early = Talk::new(&p, &r);
        assert!(!early.received(&Message::Text("40 early".into()), 1.0, false, &r));
        assert!(early.waiting());
        assert_eq!(early.record.received_total, 1);
        let m = talk.record.matched.as_ref().unwrap();
        assert_eq!(m.index, 2);
        assert_eq!(m.message.excerpt, r#"40{"sid":"y"}"#);
        assert_eq!(talk.record.received_total, 3);
        // A server echoing the credential back is redacted in the record.
        talk.received(&Message::Text("hello s3cr3t-token".into()), 5.0, true, &r);
        assert!(!format!("{:?}", talk.record).contains("s3cr3t"));
        // Binary is matched as lossy UTF-8 and shown as hex.
        let p = plan(vec![], Some("pong"));
        let mut talk = Talk::new(&p, &r);
        assert!(talk.received(&Message::Binary(b"\x00pong".to_vec().into()), 1.0, true, &r));
        assert_eq!(talk.record.received[0].excerpt, "00706f6e67");
        // Printable UTF-8 sent as binary (Node ws echoes Buffers) reads as text, redacted; so
        // does a binary message holding the credential, which hex would not hide.
        talk.received(
            &Message::Binary(b"echo s3cr3t-token".to_vec().into()),
            2.0,
            true,
            &r,
        );
        assert_eq!(talk.record.received[1].excerpt, "echo [redacted]");
        talk.received(
            &Message::Binary(b"\x01s3cr3t-token".to_vec().into()),
            3.0,
            true,
            &r,
        );
        assert!(
            talk.record.received[2].excerpt.contains("[redacted]"),
            "{:?}",
            talk.record.received[2]
        );
    }

    #[test]
    fn records_are_bounded() {
        let r = Redactor::disabled();
        let p = plan(vec![], Some("never"));
        let mut talk = Talk::new(&p, &r);
        let long = "x".repeat(10_000);
        for _ in 0..100 {
            talk.received(&Message::Text(long.clone().into()), 1.0, true, &r);
        }
        assert_eq!(talk.record.received.len(), MESSAGES_KEPT);
        assert_eq!(talk.record.received_total, 100);
        assert!(talk.record.received[0].excerpt.chars().count() <= MESSAGE_EXCERPT_CHARS + 1);
        assert!(talk.waiting());
    }
}
