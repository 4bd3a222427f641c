use std::time::Duration;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
use tonic::Code;
use tonic_types::StatusExt;

use super::Endpoint;
use super::send::{MAX_RETRY_AFTER, SendError};

/// One `TraceService/Export` call on a current-thread runtime that lives only for it.
pub(super) fn send(endpoint: &Endpoint, body: &[u8], timeout: Duration) -> Result<(), SendError> {
    let url = endpoint.url();
    let request: ExportTraceServiceRequest = prost::Message::decode(body)
        .map_err(|e| SendError::Rejected(format!("spooled request is not OTLP: {e}")))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| SendError::retryable(format!("cannot start runtime: {e}")))?;
    #[cfg(feature = "tls")]
    let roots = endpoint.roots().map(<[u8]>::to_vec);
    runtime.block_on(async move {
        let endpoint = tonic::transport::Endpoint::from_shared(url.to_owned())
            .map_err(|e| SendError::Rejected(format!("invalid endpoint: {e}")))?
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
                .map_err(|e| SendError::Rejected(format!("tls setup failed: {e}")))?
        } else {
            endpoint
        };
        let call = async {
            let channel = endpoint
                .connect()
                .await
                .map_err(|e| SendError::retryable(format!("cannot connect: {e}")))?;
            TraceServiceClient::new(channel)
                .export(request)
                .await
                .map(|_| ())
                .map_err(classify)
        };
        tokio::time::timeout(timeout, call)
            .await
            .map_err(|_| SendError::retryable("timed out"))?
    })
}

/// The OTLP/gRPC retryable codes; a throttling `RetryInfo` detail sets the delay.
fn classify(status: tonic::Status) -> SendError {
    let reason = format!("collector answered {:?}", status.code());
    match status.code() {
        Code::Cancelled
        | Code::DeadlineExceeded
        | Code::Aborted
        | Code::OutOfRange
        | Code::Unavailable
        | Code::DataLoss
        | Code::ResourceExhausted
        | Code::Unknown
        | Code::Internal => {
            let retry_after = status
                .get_details_retry_info()
                .and_then(|info| info.retry_delay)
                .map(|d| d.min(MAX_RETRY_AFTER));
            SendError::Retryable {
                reason,
                retry_after,
            }
        }
        _ => SendError::Rejected(reason),
    }
}
