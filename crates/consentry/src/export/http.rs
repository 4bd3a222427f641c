use std::time::Duration;

use super::send::{SendError, classify_http};

const USER_AGENT: &str = concat!("consentry/", env!("CARGO_PKG_VERSION"));

/// One `POST` of an OTLP protobuf body; no retries here, the spool is the retry.
pub(super) fn send(url: &str, body: &[u8], timeout: Duration) -> Result<(), SendError> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .user_agent(USER_AGENT)
        .build()
        .into();
    let response = agent
        .post(url)
        .content_type("application/x-protobuf")
        .send(body)
        .map_err(|e| SendError::retryable(format!("request failed: {e}")))?;
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok());
    classify_http(response.status().as_u16(), retry_after)
}
