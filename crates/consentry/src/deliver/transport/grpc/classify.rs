//! OTLP/gRPC answers -> outcome: the status code and a throttling `RetryInfo`.

use tonic::Code;
use tonic_types::StatusExt;

use super::super::{MAX_RETRY_AFTER, RejectReason, RetryReason, SendError, Status};

/// The OTLP/gRPC retryable codes, plus UNKNOWN and INTERNAL (a collector failing
/// generically is more often restarting than broken; the spool's bounds keep retries
/// finite); a `RetryInfo` detail sets the delay, capped at [`MAX_RETRY_AFTER`].
pub(super) fn classify(status: &tonic::Status) -> SendError {
    let code = status.code();
    match code {
        Code::Cancelled
        | Code::DeadlineExceeded
        | Code::Aborted
        | Code::OutOfRange
        | Code::Unavailable
        | Code::DataLoss
        | Code::ResourceExhausted
        | Code::Unknown
        | Code::Internal => SendError::Retryable {
            reason: RetryReason::Answered(Status::Grpc(code)),
            retry_after: status
                .get_details_retry_info()
                .and_then(|info| info.retry_delay)
                .map(|d| d.min(MAX_RETRY_AFTER)),
        },
        _ => RejectReason::Refused(Status::Grpc(code)).into(),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tonic_types::ErrorDetails;

    use super::*;

    const RETRYABLE: [Code; 9] = [
        Code::Cancelled,
        Code::DeadlineExceeded,
        Code::Aborted,
        Code::OutOfRange,
        Code::Unavailable,
        Code::DataLoss,
        Code::ResourceExhausted,
        Code::Unknown,
        Code::Internal,
    ];

    const REJECTED: [Code; 8] = [
        Code::Ok,
        Code::InvalidArgument,
        Code::NotFound,
        Code::AlreadyExists,
        Code::PermissionDenied,
        Code::FailedPrecondition,
        Code::Unimplemented,
        Code::Unauthenticated,
    ];

    fn with_retry_info(code: Code, delay: Option<Duration>) -> tonic::Status {
        tonic::Status::with_error_details(code, "busy", ErrorDetails::with_retry_info(delay))
    }

    #[test]
    fn every_code_is_retryable_or_rejected() {
        // The 17 codes of the gRPC specification, each in exactly one list.
        assert_eq!(RETRYABLE.len() + REJECTED.len(), 17);
        for code in (0..17).map(Code::from_i32) {
            assert!(
                RETRYABLE.contains(&code) != REJECTED.contains(&code),
                "{code:?}"
            );
        }
        for code in RETRYABLE {
            assert_eq!(
                classify(&tonic::Status::new(code, "x")),
                SendError::Retryable {
                    reason: RetryReason::Answered(Status::Grpc(code)),
                    retry_after: None
                },
                "{code:?}"
            );
        }
        for code in REJECTED {
            assert_eq!(
                classify(&tonic::Status::new(code, "x")),
                SendError::Rejected(RejectReason::Refused(Status::Grpc(code))),
                "{code:?}"
            );
        }
    }

    #[test]
    fn retry_info_sets_the_delay_capped() {
        let wait = |status: &tonic::Status| match classify(status) {
            SendError::Retryable { retry_after, .. } => retry_after,
            other => panic!("expected retryable, got {other:?}"),
        };
        let five = Duration::from_secs(5);
        assert_eq!(
            wait(&with_retry_info(Code::ResourceExhausted, Some(five))),
            Some(five)
        );
        assert_eq!(
            wait(&with_retry_info(
                Code::Unavailable,
                Some(Duration::from_secs(86_400))
            )),
            Some(MAX_RETRY_AFTER)
        );
        assert_eq!(wait(&with_retry_info(Code::Unavailable, None)), None);
    }

    #[test]
    fn retry_info_does_not_make_a_refusal_retryable() {
        let status = with_retry_info(Code::InvalidArgument, Some(Duration::from_secs(5)));
        assert_eq!(
            classify(&status),
            SendError::Rejected(RejectReason::Refused(Status::Grpc(Code::InvalidArgument)))
        );
    }
}
