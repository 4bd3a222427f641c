//! OTLP/HTTP answers -> outcome: the status class and `Retry-After`.

use std::time::Duration;

use super::super::{MAX_RETRY_AFTER, RejectReason, RetryReason, SendError, Status};

/// HTTP status classes, per the OTLP/HTTP specification plus 500 and 408: a CLI's
/// collector that fails with a generic error is far more often restarting than
/// permanently broken, and the spool's bounds keep retries finite.
pub(super) fn classify(status: u16, retry_after: Option<&str>) -> Result<(), SendError> {
    match status {
        200..=299 => Ok(()),
        408 | 429 | 500 | 502 | 503 | 504 => Err(SendError::Retryable {
            reason: RetryReason::Answered(Status::Http(status)),
            retry_after: retry_after.and_then(parse_retry_after),
        }),
        _ => Err(RejectReason::Refused(Status::Http(status)).into()),
    }
}

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
    fn success_retry_and_refusal_by_status() {
        for status in [200, 202, 204, 299] {
            assert_eq!(classify(status, Some("5")), Ok(()), "HTTP {status}");
        }
        for status in [408, 429, 500, 502, 503, 504] {
            assert_eq!(
                classify(status, None),
                Err(SendError::Retryable {
                    reason: RetryReason::Answered(Status::Http(status)),
                    retry_after: None
                }),
                "HTTP {status}"
            );
        }
        // Redirects are refused too: the client follows none, a collector sends none.
        for status in [100, 301, 400, 401, 403, 404, 405, 413, 415, 501, 505, 599] {
            assert_eq!(
                classify(status, Some("5")),
                Err(SendError::Rejected(RejectReason::Refused(Status::Http(
                    status
                )))),
                "HTTP {status}"
            );
        }
    }

    #[test]
    fn retry_after_in_seconds_is_kept_and_capped() {
        let wait = |value: &str| match classify(429, Some(value)) {
            Err(SendError::Retryable { retry_after, .. }) => retry_after,
            other => panic!("429 is retryable, got {other:?}"),
        };
        assert_eq!(wait(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(wait("0"), Some(Duration::ZERO));
        assert_eq!(wait("3600"), Some(MAX_RETRY_AFTER));
        assert_eq!(wait("999999"), Some(MAX_RETRY_AFTER));
        assert_eq!(wait(&u64::MAX.to_string()), Some(MAX_RETRY_AFTER));
    }

    #[test]
    fn retry_after_that_is_not_seconds_falls_back_to_the_backoff() {
        for value in ["Wed, 21 Oct 2015 07:28:00 GMT", "", "-1", "1.5", "soon"] {
            assert_eq!(parse_retry_after(value), None, "{value:?}");
        }
        assert!(matches!(
            classify(503, Some("Wed, 21 Oct 2015 07:28:00 GMT")),
            Err(SendError::Retryable {
                retry_after: None,
                ..
            })
        ));
    }
}
