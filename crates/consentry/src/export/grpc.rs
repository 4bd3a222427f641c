use std::time::Duration;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;

/// One `TraceService/Export` call on a current-thread runtime that lives only for it.
pub(super) fn send(url: &str, request: ExportTraceServiceRequest, timeout: Duration) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start runtime: {e}"))?;
    runtime.block_on(async move {
        let endpoint = tonic::transport::Endpoint::from_shared(url.to_owned())
            .map_err(|e| format!("invalid endpoint: {e}"))?
            .connect_timeout(timeout)
            .timeout(timeout)
            .tcp_nodelay(true);
        #[cfg(feature = "tls")]
        let endpoint = if url.starts_with("https://") {
            endpoint
                .tls_config(tonic::transport::ClientTlsConfig::new().with_webpki_roots())
                .map_err(|e| format!("tls setup failed: {e}"))?
        } else {
            endpoint
        };
        let call = async {
            let channel = endpoint.connect().await.map_err(|e| format!("cannot connect: {e}"))?;
            TraceServiceClient::new(channel)
                .export(request)
                .await
                .map(|_| ())
                .map_err(|s| format!("collector answered {:?}", s.code()))
        };
        tokio::time::timeout(timeout, call).await.map_err(|_| "timed out".to_owned())?
    })
}
