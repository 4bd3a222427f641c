use std::time::Duration;

use super::Endpoint;
use super::send::{SendError, classify_http};

const USER_AGENT: &str = concat!("consentry/", env!("CARGO_PKG_VERSION"));

/// One `POST` of an OTLP protobuf body; no retries here, the spool is the retry.
pub(super) fn send(endpoint: &Endpoint, body: &[u8], timeout: Duration) -> Result<(), SendError> {
    let config = ureq::Agent::config_builder();
    #[cfg(feature = "tls")]
    let config = match endpoint.roots() {
        Some(pem) => config.tls_config(tls_with_roots(pem)?),
        None => config,
    };
    let agent: ureq::Agent = config
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .user_agent(USER_AGENT)
        .build()
        .into();
    let response = agent
        .post(endpoint.url())
        .content_type("application/x-protobuf")
        .send(body)
        .map_err(|e| SendError::retryable(format!("request failed: {e}")))?;
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok());
    classify_http(response.status().as_u16(), retry_after)
}

#[cfg(feature = "tls")]
fn tls_with_roots(pem: &[u8]) -> Result<ureq::tls::TlsConfig, SendError> {
    use ureq::tls::{PemItem, RootCerts, TlsConfig, parse_pem};
    let certs: Vec<_> = parse_pem(pem)
        .filter_map(|item| match item {
            Ok(PemItem::Certificate(c)) => Some(c),
            _ => None,
        })
        .collect();
    if certs.is_empty() {
        return Err(SendError::Rejected("CA file holds no certificate".into()));
    }
    Ok(TlsConfig::builder()
        .root_certs(RootCerts::new_with_certs(&certs))
        .build())
}
