//! The wire: one attempt per call, and what the collector's answer means for retrying.
//!
//! Each protocol classifies its own answers (`http`: status and `Retry-After`,
//! `grpc`: status code and `RetryInfo`, per the OTLP specification's rules, adapted
//! to a CLI that has one shot) into the transport-neutral [`SendError`] defined here.
//! This file imports nothing from the protocol modules, and the dispatcher that picks
//! one by `Transport` lives outside this folder (`export/send.rs`), so no module here
//! imports from a module that imports from it.

use std::fmt;
use std::time::Duration;

#[cfg(not(all(feature = "http", feature = "grpc")))]
use super::endpoint::Transport;

#[cfg(feature = "grpc")]
pub(super) mod grpc;
#[cfg(feature = "http")]
pub(super) mod http;

/// Longest wait a collector's `Retry-After` (or gRPC `RetryInfo`) may impose.
pub(crate) const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// Why an attempt did not deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SendError {
    /// Worth trying again later: unreachable, timed out, throttled (429,
    /// RESOURCE_EXHAUSTED), unavailable (502-504, UNAVAILABLE) or a server error.
    Retryable {
        reason: RetryReason,
        /// The collector's own wait, capped at [`MAX_RETRY_AFTER`].
        retry_after: Option<Duration>,
    },
    /// The request itself is refused (400, 413, INVALID_ARGUMENT...) or cannot be
    /// sent by this build or configuration: the same bytes can only fail again.
    Rejected(RejectReason),
}

impl From<RetryReason> for SendError {
    fn from(reason: RetryReason) -> Self {
        SendError::Retryable {
            reason,
            retry_after: None,
        }
    }
}

impl From<RejectReason> for SendError {
    fn from(reason: RejectReason) -> Self {
        SendError::Rejected(reason)
    }
}

/// What went wrong in an attempt worth repeating. The `String`s are the transport
/// library's own description, kept for status and debug output only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RetryReason {
    /// The deadline had passed before the attempt began.
    NoTimeLeft,
    /// No answer within the attempt's timeout.
    #[cfg(any(feature = "http", feature = "grpc"))]
    TimedOut,
    /// The collector answered with a status the specification calls retryable.
    #[cfg(any(feature = "http", feature = "grpc"))]
    Answered(Status),
    /// The HTTP request did not complete: no connection, DNS, TLS handshake, reset,
    /// an answer that is not HTTP.
    #[cfg(feature = "http")]
    RequestFailed(String),
    /// The gRPC channel could not connect.
    #[cfg(feature = "grpc")]
    ConnectFailed(String),
    /// The runtime the gRPC call runs on could not start.
    #[cfg(feature = "grpc")]
    RuntimeFailed(String),
}

/// Why the same request can never be delivered by this build and configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RejectReason {
    /// The collector refused the request with a non-retryable status.
    #[cfg(any(feature = "http", feature = "grpc"))]
    Refused(Status),
    /// The endpoint's transport is not compiled into this build.
    #[cfg(not(all(feature = "http", feature = "grpc")))]
    NotCompiledIn(Transport),
    /// The bytes to send do not decode as an OTLP request (gRPC re-encodes them).
    #[cfg(feature = "grpc")]
    NotOtlp(String),
    /// The endpoint URL is not one the client accepts.
    #[cfg(any(feature = "http", feature = "grpc"))]
    InvalidEndpoint(String),
    /// The gRPC client's TLS configuration could not be built.
    #[cfg(all(feature = "grpc", feature = "tls"))]
    TlsSetup(String),
    /// The endpoint's CA file holds no PEM certificate.
    #[cfg(all(feature = "http", feature = "tls"))]
    NoCertificate,
}

/// A collector's answer other than success, in its protocol's terms.
#[cfg(any(feature = "http", feature = "grpc"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// An HTTP status code outside 2xx.
    #[cfg(feature = "http")]
    Http(u16),
    /// A gRPC status code other than OK.
    #[cfg(feature = "grpc")]
    Grpc(tonic::Code),
}

#[cfg(any(feature = "http", feature = "grpc"))]
impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            #[cfg(feature = "http")]
            Status::Http(code) => write!(f, "HTTP {code}"),
            // The code's name (`Unavailable`), as the specification and logs spell it.
            #[cfg(feature = "grpc")]
            Status::Grpc(code) => write!(f, "gRPC {code:?}"),
        }
    }
}

impl fmt::Display for RetryReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RetryReason::NoTimeLeft => f.write_str("no time left to send"),
            #[cfg(any(feature = "http", feature = "grpc"))]
            RetryReason::TimedOut => f.write_str("timed out"),
            #[cfg(any(feature = "http", feature = "grpc"))]
            RetryReason::Answered(status) => write!(f, "collector answered {status}"),
            #[cfg(feature = "http")]
            RetryReason::RequestFailed(detail) => write!(f, "request failed: {detail}"),
            #[cfg(feature = "grpc")]
            RetryReason::ConnectFailed(detail) => write!(f, "cannot connect: {detail}"),
            #[cfg(feature = "grpc")]
            RetryReason::RuntimeFailed(detail) => write!(f, "cannot start runtime: {detail}"),
        }
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            #[cfg(any(feature = "http", feature = "grpc"))]
            RejectReason::Refused(status) => write!(f, "collector refused the request: {status}"),
            #[cfg(not(all(feature = "http", feature = "grpc")))]
            RejectReason::NotCompiledIn(transport) => {
                write!(f, "transport {transport} is not compiled in")
            }
            #[cfg(feature = "grpc")]
            RejectReason::NotOtlp(detail) => write!(f, "spooled request is not OTLP: {detail}"),
            #[cfg(any(feature = "http", feature = "grpc"))]
            RejectReason::InvalidEndpoint(detail) => write!(f, "invalid endpoint: {detail}"),
            #[cfg(all(feature = "grpc", feature = "tls"))]
            RejectReason::TlsSetup(detail) => write!(f, "tls setup failed: {detail}"),
            #[cfg(all(feature = "http", feature = "tls"))]
            RejectReason::NoCertificate => f.write_str("CA file holds no certificate"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_read_like_sentences() {
        assert_eq!(RetryReason::NoTimeLeft.to_string(), "no time left to send");
        #[cfg(feature = "http")]
        {
            let throttled = RetryReason::Answered(Status::Http(429));
            assert_eq!(throttled.to_string(), "collector answered HTTP 429");
            let refused = RejectReason::Refused(Status::Http(400));
            assert_eq!(
                refused.to_string(),
                "collector refused the request: HTTP 400"
            );
        }
        #[cfg(feature = "grpc")]
        {
            let down = RetryReason::Answered(Status::Grpc(tonic::Code::Unavailable));
            assert_eq!(down.to_string(), "collector answered gRPC Unavailable");
        }
    }

    #[test]
    fn a_reason_becomes_its_class_of_error() {
        assert_eq!(
            SendError::from(RetryReason::NoTimeLeft),
            SendError::Retryable {
                reason: RetryReason::NoTimeLeft,
                retry_after: None
            }
        );
    }
}
