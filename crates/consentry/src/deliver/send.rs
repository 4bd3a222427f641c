//! One attempt to hand a request to the collector, over the endpoint's transport.
//!
//! The dispatcher sits outside `transport/` so that `transport/mod.rs`, which both
//! protocol modules import their outcome types from, imports from neither of them.

use std::time::Duration;

use super::endpoint::Endpoint;
#[cfg(any(feature = "http", feature = "grpc"))]
use super::endpoint::Transport;
#[cfg(not(all(feature = "http", feature = "grpc")))]
use super::transport::RejectReason;
use super::transport::{RetryReason, SendError};

/// Sends `body` (an encoded `ExportTraceServiceRequest`) once, giving up after `timeout`.
pub(crate) fn send(endpoint: &Endpoint, body: &[u8], timeout: Duration) -> Result<(), SendError> {
    if timeout.is_zero() {
        return Err(RetryReason::NoTimeLeft.into());
    }
    match endpoint.transport() {
        #[cfg(feature = "http")]
        Transport::HttpProtobuf => super::transport::http::send(endpoint, body, timeout),
        #[cfg(feature = "grpc")]
        Transport::Grpc => super::transport::grpc::send(endpoint, body, timeout),
        // With both compiled in, every transport has its arm.
        #[cfg(not(all(feature = "http", feature = "grpc")))]
        other => {
            // Only the compiled-in transports read it; a build without any has none.
            let _ = body;
            Err(RejectReason::NotCompiledIn(other).into())
        }
    }
}

#[cfg(all(test, feature = "http"))]
mod tests {
    use super::*;

    #[test]
    fn no_time_left_sends_nothing() {
        // Port 1 is never dialled: a zero budget returns before any transport runs.
        let endpoint = Endpoint::new("http://127.0.0.1:1", Transport::HttpProtobuf).unwrap();
        assert_eq!(
            send(&endpoint, b"", Duration::ZERO),
            Err(RetryReason::NoTimeLeft.into())
        );
    }
}
