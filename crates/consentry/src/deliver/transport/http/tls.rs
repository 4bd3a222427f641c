//! TLS for `https://` endpoints: rustls with ring, verifying against the bundled web
//! PKI roots (`webpki-roots`), or only against the CA certificates of the endpoint's
//! CA file (`<TOOL>_TELEMETRY_CA_FILE` or a machine policy's `ca_file`).

use std::sync::Arc;

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore};

use super::super::{RejectReason, RetryReason, SendError};

/// The client configuration: TLS 1.2 and 1.3, no client certificate.
pub(super) fn config(ca_pem: Option<&[u8]>) -> Result<Arc<ClientConfig>, SendError> {
    let roots = match ca_pem {
        Some(pem) => {
            let mut roots = RootCertStore::empty();
            let certs = CertificateDer::pem_slice_iter(pem).filter_map(Result::ok);
            let (added, _) = roots.add_parsable_certificates(certs);
            if added == 0 {
                return Err(RejectReason::NoCertificate.into());
            }
            roots
        }
        None => RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        },
    };
    // rustls 0.23.48 deprecates its ring provider (no post-quantum key exchange); a
    // tool whose lock file resolves that rustls would see the warning. ring stays:
    // every build has it already for the hashes, it needs only a C compiler (aws-lc-rs
    // wants CMake too), and a usage span is not worth a quantum adversary's keep.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| RetryReason::RequestFailed(format!("tls setup: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// A client session for `host` (a name, checked against the certificate's names, or
/// an IP address, checked against its addresses).
pub(super) fn client(config: Arc<ClientConfig>, host: &str) -> Result<ClientConnection, SendError> {
    let name = ServerName::try_from(host.to_owned())
        .map_err(|e| RetryReason::RequestFailed(format!("{host} is not a TLS server name: {e}")))?;
    ClientConnection::new(config, name)
        .map_err(|e| RetryReason::RequestFailed(format!("tls setup: {e}")).into())
}
