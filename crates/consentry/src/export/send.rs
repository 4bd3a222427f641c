//! One attempt to hand a request to the collector, and what its answer means for
//! retrying (the OTLP specification's rules, adapted to a CLI that has one shot).

use std::time::Duration;

use super::Endpoint;

/// Longest wait a collector's `Retry-After` may impose.
pub(crate) const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// Why an attempt did not deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SendError {
    /// Worth trying again later: unreachable, throttled (429), unavailable (502-504),
    /// a server error, or an answer that was not OTLP at all.
    Retryable {
        reason: String,
        retry_after: Option<Duration>,
    },
    /// The collector refused the request itself (400, 413, INVALID_ARGUMENT...):
    /// sending the same bytes again can only fail again.
    Rejected(String),
}

impl SendError {
    pub(crate) fn retryable(reason: impl Into<String>) -> Self {
        SendError::Retryable {
            reason: reason.into(),
            retry_after: None,
        }
    }
}

/// Sends `body` (an encoded `ExportTraceServiceRequest`) once, giving up after `timeout`.
pub(crate) fn send(endpoint: &Endpoint, body: &[u8], timeout: Duration) -> Result<(), SendError> {
    if timeout.is_zero() {
        return Err(SendError::retryable("no time left to send"));
    }
    match endpoint.transport() {
        #[cfg(feature = "http")]
        super::Transport::HttpProtobuf => super::http::send(endpoint, body, timeout),
        #[cfg(feature = "grpc")]
        super::Transport::Grpc => super::grpc::send(endpoint, body, timeout),
        #[allow(unreachable_patterns)]
        other => {
            // Only the compiled-in transports read it; a build without any has none.
            let _ = body;
            Err(SendError::Rejected(format!(
                "transport {other} is not compiled in"
            )))
        }
    }
}

// Used by the HTTP transport; the gRPC-only build keeps it for its tests.
#[cfg_attr(not(feature = "http"), allow(dead_code))]
/// HTTP status classes, per the OTLP/HTTP specification plus 500 and 408: a CLI's
/// collector that fails with a generic error is far more often restarting than
/// permanently broken, and the spool's bounds keep retries finite.
pub(crate) fn classify_http(status: u16, retry_after: Option<&str>) -> Result<(), SendError> {
    match status {
        200..=299 => Ok(()),
        408 | 429 | 500 | 502 | 503 | 504 => Err(SendError::Retryable {
            reason: format!("collector answered HTTP {status}"),
            retry_after: retry_after.and_then(parse_retry_after),
        }),
        _ => Err(SendError::Rejected(format!(
            "collector refused the request: HTTP {status}"
        ))),
    }
}

#[cfg_attr(not(feature = "http"), allow(dead_code))]
/// `Retry-After` as delay-seconds. An HTTP-date is also valid there, but collectors
/// send seconds; a date falls back to the ordinary backoff.
fn parse_retry_after(value: &str) -> Option<Duration> {
    let secs: u64 = value.trim().parse().ok()?;
    Some(Duration::from_secs(secs).min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_classes() {
        assert_eq!(classify_http(200, None), Ok(()));
        assert!(matches!(
            classify_http(400, None),
            Err(SendError::Rejected(_))
        ));
        assert!(matches!(
            classify_http(413, None),
            Err(SendError::Rejected(_))
        ));
        assert_eq!(
            classify_http(429, Some(" 7 ")),
            Err(SendError::Retryable {
                reason: "collector answered HTTP 429".into(),
                retry_after: Some(Duration::from_secs(7))
            })
        );
        assert!(matches!(
            classify_http(503, Some("Wed, 21 Oct 2015 07:28:00 GMT")),
            Err(SendError::Retryable {
                retry_after: None,
                ..
            })
        ));
        assert!(
            matches!(classify_http(503, Some("999999")), Err(SendError::Retryable { retry_after: Some(d), .. }) if d == MAX_RETRY_AFTER)
        );
    }
}
