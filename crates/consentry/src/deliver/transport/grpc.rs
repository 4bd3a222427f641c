//! OTLP/gRPC: one `TraceService/Export` call with `tonic`.

use std::time::Duration;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;

use super::super::endpoint::Endpoint;
use super::{RejectReason, RetryReason, SendError};

mod classify;

/// One `TraceService/Export` call on a current-thread runtime that lives only for it.
pub(crate) fn send(endpoint: &Endpoint, body: &[u8], timeout: Duration) -> Result<(), SendError> {
    let url = endpoint.url();
    let request: ExportTraceServiceRequest =
        prost::Message::decode(body).map_err(|e| RejectReason::NotOtlp(e.to_string()))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| RetryReason::RuntimeFailed(e.to_string()))?;
    #[cfg(feature = "tls")]
    let roots = endpoint.roots().map(<[u8]>::to_vec);
    runtime.block_on(async move {
        let endpoint = tonic::transport::Endpoint::from_shared(url.to_owned())
            .map_err(|e| RejectReason::InvalidEndpoint(e.to_string()))?
            .connect_timeout(timeout)
            .timeout(timeout)
            .tcp_nodelay(true);
        #[cfg(feature = "tls")]
        let endpoint = if url.starts_with("https://") {
            let tls = tonic::transport::ClientTlsConfig::new();
            let tls = match roots {
                Some(pem) => tls.ca_certificate(tonic::transport::Certificate::from_pem(pem)),
                None => tls.with_webpki_roots(),
            };
            endpoint
                .tls_config(tls)
                .map_err(|e| RejectReason::TlsSetup(e.to_string()))?
        } else {
            endpoint
        };
        let call = async {
            let channel = endpoint
                .connect()
                .await
                .map_err(|e| RetryReason::ConnectFailed(e.to_string()))?;
            TraceServiceClient::new(channel)
                .export(request)
                .await
                .map(|_| ())
                .map_err(|status| classify::classify(&status))
        };
        tokio::time::timeout(timeout, call)
            .await
            .map_err(|_| RetryReason::TimedOut)?
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deliver::Transport;

    #[test]
    fn bytes_that_are_not_otlp_are_rejected_before_connecting() {
        // Port 1 is never dialled: the body is decoded first.
        let endpoint = Endpoint::new("http://127.0.0.1:1", Transport::Grpc).unwrap();
        let sent = send(&endpoint, b"\xff\xff\xff", Duration::from_secs(1));
        assert!(
            matches!(sent, Err(SendError::Rejected(RejectReason::NotOtlp(_)))),
            "{sent:?}"
        );
    }

    #[test]
    fn a_collector_that_never_answers_is_retryable() {
        // Bound and kept: the kernel completes the handshake, nobody ever answers. Which
        // of the connect, call and overall timers fires first is not fixed, so only the
        // class is asserted.
        let hole = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", hole.local_addr().unwrap());
        let endpoint = Endpoint::new(&url, Transport::Grpc).unwrap();
        let sent = send(&endpoint, b"", Duration::from_millis(200));
        assert!(matches!(sent, Err(SendError::Retryable { .. })), "{sent:?}");
    }
}
