//! OTLP/gRPC: one `TraceService/Export` call with `tonic`.

use std::time::Duration;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;

use super::super::Endpoint;
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
