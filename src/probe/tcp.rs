//! probe::tcp: connects to the resolved addresses in order until one answers. Each failure is
//! classified from `io::ErrorKind` at this boundary (refused, timeout, unreachable, reset), never
//! from message text. Must not read or write application bytes.

use std::io;
use std::net::SocketAddr;

use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::model::AddressFailure;

/// Why a connect failed (class ids as in the JSON `error` fields).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TcpFailure {
    /// The peer answered with RST: nothing listens on that port.
    Refused,
    /// The operating system gave up waiting (SYN unanswered).
    TimedOut,
    /// No route to the host or network.
    Unreachable,
    /// The connection was reset or aborted while being set up.
    Reset,
}

impl TcpFailure {
    /// The class id.
    pub fn class(self) -> &'static str {
        match self {
            TcpFailure::Refused => crate::model::FailureClass::Refused.as_str(),
            TcpFailure::TimedOut => crate::model::FailureClass::Timeout.as_str(),
            TcpFailure::Unreachable => crate::model::FailureClass::Unreachable.as_str(),
            TcpFailure::Reset => crate::model::FailureClass::Reset.as_str(),
        }
    }

    /// Classifies a connect error by its kind.
    pub fn from_kind(kind: io::ErrorKind) -> Self {
        match kind {
            io::ErrorKind::ConnectionRefused => TcpFailure::Refused,
            io::ErrorKind::TimedOut => TcpFailure::TimedOut,
            io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted => TcpFailure::Reset,
            // HostUnreachable, NetworkUnreachable, NetworkDown, AddrNotAvailable and anything the
            // OS reports otherwise: the address could not be reached.
            _ => TcpFailure::Unreachable,
        }
    }
}

/// The result of the tcp stage.
#[derive(Debug)]
pub struct Connected {
    /// The stream, when an address answered.
    pub stream: Result<TcpStream, TcpEnd>,
    /// The address connected to, or the last one tried.
    pub peer: Option<SocketAddr>,
    /// Addresses that failed before, with their class.
    pub failed: Vec<AddressFailure>,
}

/// How the tcp stage ended without a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TcpEnd {
    /// Every address failed; the last failure and its detail.
    Failed(TcpFailure, String),
    /// The overall deadline passed while connecting.
    Deadline,
}

/// Connects to `addrs` in order. Each address gets an equal share of the time left, except the
/// last, which may use all of it.
pub async fn connect(addrs: &[SocketAddr], deadline: Instant) -> Connected {
    let mut failed = Vec::new();
    let mut last: Option<(TcpFailure, String)> = None;
    let mut peer = None;
    for (i, addr) in addrs.iter().enumerate() {
        peer = Some(*addr);
        let now = Instant::now();
        if now >= deadline {
            return Connected {
                stream: Err(TcpEnd::Deadline),
                peer,
                failed,
            };
        }
        let left = addrs.len() - i;
        let share = (deadline - now) / u32::try_from(left).unwrap_or(u32::MAX);
        let until = if left == 1 { deadline } else { now + share };
        let failure = match tokio::time::timeout_at(until, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => {
                let _ = stream.set_nodelay(true);
                return Connected {
                    stream: Ok(stream),
                    peer,
                    failed,
                };
            }
            Ok(Err(e)) => (TcpFailure::from_kind(e.kind()), format!("{addr}: {e}")),
            Err(_) if left == 1 => {
                return Connected {
                    stream: Err(TcpEnd::Deadline),
                    peer,
                    failed,
                };
            }
            Err(_) => (
                TcpFailure::TimedOut,
                format!("{addr}: no answer within its share of the deadline"),
            ),
        };
        if left > 1 {
            failed.push(AddressFailure {
                address: addr.to_string(),
                error: failure.0.class().to_string(),
            });
        }
        last = Some(failure);
    }
    let (f, detail) = last.unwrap_or((TcpFailure::Unreachable, "no address to connect to".into()));
    Connected {
        stream: Err(TcpEnd::Failed(f, detail)),
        peer,
        failed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn error_kinds_map_to_classes() {
        use io::ErrorKind as K;
        assert_eq!(
            TcpFailure::from_kind(K::ConnectionRefused).class(),
            "refused"
        );
        assert_eq!(TcpFailure::from_kind(K::TimedOut).class(), "timeout");
        assert_eq!(
            TcpFailure::from_kind(K::HostUnreachable).class(),
            "unreachable"
        );
        assert_eq!(
            TcpFailure::from_kind(K::NetworkUnreachable).class(),
            "unreachable"
        );
        assert_eq!(TcpFailure::from_kind(K::ConnectionReset).class(), "reset");
    }

    #[tokio::test]
    async fn refused_addresses_are_recorded_and_the_next_one_is_tried() {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let closed_addr = closed.local_addr().unwrap();
        drop(closed);
        let open = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let open_addr = open.local_addr().unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        let c = connect(&[closed_addr, open_addr], deadline).await;
        assert!(c.stream.is_ok());
        assert_eq!(c.peer, Some(open_addr));
        assert_eq!(c.failed.len(), 1);
        assert_eq!(c.failed[0].error, "refused");

        let c = connect(&[closed_addr], deadline).await;
        assert!(matches!(
            c.stream,
            Err(TcpEnd::Failed(TcpFailure::Refused, _))
        ));
        assert!(c.failed.is_empty());
    }
}
