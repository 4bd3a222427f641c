//! OTLP/HTTP: one blocking `POST` of the protobuf body with `ureq`.

use std::time::Duration;

use super::super::endpoint::Endpoint;
use super::{RetryReason, SendError};

mod classify;

const USER_AGENT: &str = concat!("consentry/", env!("CARGO_PKG_VERSION"));

/// One `POST` of an OTLP protobuf body; no retries here, the spool is the retry.
pub(crate) fn send(endpoint: &Endpoint, body: &[u8], timeout: Duration) -> Result<(), SendError> {
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
        .map_err(failed)?;
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok());
    classify::classify(response.status().as_u16(), retry_after)
}

/// A request that got no HTTP answer: retryable whatever the cause, since the
/// collector never saw it or never answered.
fn failed(error: ureq::Error) -> SendError {
    match error {
        ureq::Error::Timeout(_) => RetryReason::TimedOut,
        other => RetryReason::RequestFailed(other.to_string()),
    }
    .into()
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
        return Err(super::RejectReason::NoCertificate.into());
    }
    Ok(TlsConfig::builder()
        .root_certs(RootCerts::new_with_certs(&certs))
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deliver::Transport;

    #[test]
    fn no_answer_within_the_timeout_is_timed_out() {
        // Bound and kept: the kernel completes the handshake, nobody ever answers.
        let hole = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", hole.local_addr().unwrap());
        let endpoint = Endpoint::new(&url, Transport::HttpProtobuf).unwrap();
        assert_eq!(
            send(&endpoint, b"", Duration::from_millis(200)),
            Err(RetryReason::TimedOut.into())
        );
    }

    #[cfg(feature = "tls")]
    #[test]
    fn a_ca_file_without_a_certificate_is_rejected() {
        use super::super::RejectReason;
        let endpoint = Endpoint::new("https://127.0.0.1:1", Transport::HttpProtobuf)
            .unwrap()
            .with_roots(b"not a certificate".to_vec());
        assert_eq!(
            send(&endpoint, b"", Duration::from_secs(1)),
            Err(RejectReason::NoCertificate.into())
        );
    }
}
