use std::time::Duration;

const USER_AGENT: &str = concat!("consentry/", env!("CARGO_PKG_VERSION"));

/// One `POST` of an OTLP protobuf body, no retries: at exit there is no time for them.
pub(super) fn send(url: &str, body: Vec<u8>, timeout: Duration) -> Result<(), String> {
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
        .send(&body[..])
        .map_err(|e| format!("request failed: {e}"))?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("collector answered HTTP {}", status.as_u16()))
    }
}
