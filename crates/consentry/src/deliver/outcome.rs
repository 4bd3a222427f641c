//! What became of a run's spans at exit, and why, as values a caller can match on.

use std::fmt;
use std::io;
use std::time::Duration;

use super::transport::SendError;

/// What became of a run's spans at exit. Kept on the guard for status and debug
/// output; never printed over the host's output and never returned as an error.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// No span was recorded, so nothing was sent: no thread, no socket.
    NothingToSend,
    /// Telemetry is on but no usable endpoint is configured; the spans were dropped.
    NoEndpoint {
        /// Spans dropped.
        spans: usize,
        /// Why there is no endpoint.
        reason: crate::EndpointProblem,
    },
    /// The collector acknowledged the request.
    Delivered {
        /// Spans in the request.
        spans: usize,
        /// How long the send took.
        took: Duration,
    },
    /// In the spool: handed to the uploader (the default path, which never waits on
    /// the network), or not acknowledged within the budget without it; the reason says
    /// which. The uploader or a later run sends it.
    Spooled {
        /// Spans in the request.
        spans: usize,
        /// Why it was not sent now.
        reason: SpoolReason,
    },
    /// The collector refused the request as malformed; it is not retried.
    Rejected {
        /// Spans in the request.
        spans: usize,
        /// The collector's answer.
        reason: AttemptError,
    },
    /// Neither sent nor spooled (no spool dir, or writing it failed): lost.
    Lost {
        /// Spans in the request.
        spans: usize,
        /// What went wrong.
        reason: LostReason,
    },
    /// Local mode (`<tool> telemetry local`): the request was kept in the local
    /// records on this machine and will never be uploaded.
    KeptLocal {
        /// Spans in the request.
        spans: usize,
    },
    /// Print mode: the request was written to stderr and nothing was sent.
    Printed {
        /// Spans in the request.
        spans: usize,
    },
}

/// Why a request is in the spool instead of delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SpoolReason {
    /// The default path: this run started the uploader, which sends it.
    HandedToUploader,
    /// An uploader already runs for this spool; it sends it too.
    UploaderRunning,
    /// A run started the uploader less than a minute ago and it has exited: the first
    /// run after that minute starts the next one, which sends it.
    UploaderStartedRecently,
    /// The collector failed recently: no run uses the network until the backoff ends.
    BackingOff,
    /// Sent inline (no uploader) and not acknowledged.
    Failed(AttemptError),
    /// Local mode: kept on this machine, never uploaded.
    LocalMode,
}

impl fmt::Display for SpoolReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpoolReason::HandedToUploader => f.write_str("handed to the uploader"),
            SpoolReason::UploaderRunning => f.write_str("the running uploader sends it"),
            SpoolReason::UploaderStartedRecently => {
                f.write_str("an uploader started less than a minute ago; the next one sends it")
            }
            SpoolReason::BackingOff => f.write_str("the collector failed recently; backing off"),
            SpoolReason::Failed(e) => e.fmt(f),
            SpoolReason::LocalMode => f.write_str("local mode: kept on this machine"),
        }
    }
}

/// Why a request that was to be spooled was lost.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LostReason {
    /// Writing the spool failed (read-only, full disk, `ulimit -f`).
    SpoolNotWritable {
        /// Why it was being spooled.
        spooling: SpoolReason,
        /// The write's error.
        kind: io::ErrorKind,
    },
    /// There is no spool dir (no home dir known).
    NoSpoolDir {
        /// Why it was being spooled.
        spooling: SpoolReason,
    },
}

impl fmt::Display for LostReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LostReason::SpoolNotWritable { spooling, kind } => {
                write!(f, "{spooling}; spool not writable ({kind})")
            }
            LostReason::NoSpoolDir { spooling } => write!(f, "{spooling}; no spool dir"),
        }
    }
}

/// Why one inline attempt did not deliver. Its `Display` says what the transport saw
/// (the collector's status, a timeout, a refused connection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptError(pub(crate) Attempt);

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Attempt {
    /// The transport's own answer.
    Send(SendError),
    /// Nothing came back within the inline send's budget (`with_uploader(false)`).
    NoAnswer(Duration),
}

impl AttemptError {
    /// Whether sending the same request later may succeed (a collector that was down
    /// or throttling), as opposed to one it refused as malformed.
    pub fn is_retryable(&self) -> bool {
        !matches!(self.0, Attempt::Send(SendError::Rejected(_)))
    }
}

impl fmt::Display for AttemptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Attempt::Send(SendError::Retryable { reason, .. }) => reason.fmt(f),
            Attempt::Send(SendError::Rejected(reason)) => reason.fmt(f),
            Attempt::NoAnswer(budget) => write!(f, "no answer within {budget:?}"),
        }
    }
}

impl std::error::Error for AttemptError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deliver::transport::{RetryReason, SendError};

    #[test]
    fn reasons_say_what_happened() {
        let unanswered = AttemptError(Attempt::NoAnswer(Duration::from_millis(300)));
        assert!(unanswered.is_retryable());
        assert_eq!(unanswered.to_string(), "no answer within 300ms");
        let lost = LostReason::SpoolNotWritable {
            spooling: SpoolReason::Failed(AttemptError(Attempt::Send(SendError::from(
                RetryReason::NoTimeLeft,
            )))),
            kind: io::ErrorKind::StorageFull,
        };
        assert_eq!(
            lost.to_string(),
            "no time left to send; spool not writable (no storage space)"
        );
        assert_eq!(
            LostReason::NoSpoolDir {
                spooling: SpoolReason::BackingOff
            }
            .to_string(),
            "the collector failed recently; backing off; no spool dir"
        );
    }
}
