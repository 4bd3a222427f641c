//! Which endpoint a configured tool sends to: the compiled one, overridden by the
//! endpoint, protocol and CA-file variables.

use crate::configure::builder::Telemetry;
use crate::configure::note::EndpointProblem;
use crate::deliver::{Endpoint, Transport};

/// Largest CA file read (a bundle of a few hundred certificates).
const CA_FILE_CAP: u64 = 256 * 1024;

impl Telemetry {
    pub(crate) fn resolve_endpoint(&self) -> Result<Endpoint, EndpointProblem> {
        let endpoint = self.resolve_endpoint_url()?;
        match self.env().var_os(&self.vars.ca).filter(|v| !v.is_empty()) {
            None => Ok(endpoint),
            Some(path) => crate::sys::files::read_capped(std::path::Path::new(&path), CA_FILE_CAP)
                .map(|pem| endpoint.with_roots(pem))
                .map_err(|reason| EndpointProblem::CaFile {
                    var: self.vars.ca.clone(),
                    reason,
                }),
        }
    }

    fn resolve_endpoint_url(&self) -> Result<Endpoint, EndpointProblem> {
        let protocol = self.env().var_os(&self.vars.protocol);
        let transport = match protocol.as_deref().map(|p| p.to_str()) {
            Some(Some(p)) if p.trim().is_empty() => self.compiled_transport(),
            Some(p) => p.and_then(Transport::from_protocol).ok_or_else(|| {
                EndpointProblem::UnknownProtocol {
                    var: self.vars.protocol.clone(),
                }
            })?,
            None => self.compiled_transport(),
        };
        let invalid = |var: &str| {
            let var = var.to_owned();
            move |source| EndpointProblem::Invalid { var, source }
        };
        match self.env().var_os(&self.vars.endpoint) {
            Some(url) if !url.is_empty() => {
                let url = url.to_str().ok_or_else(|| EndpointProblem::NotUtf8 {
                    var: self.vars.endpoint.clone(),
                })?;
                Endpoint::new(url, transport).map_err(invalid(&self.vars.endpoint))
            }
            _ => match &self.endpoint {
                Some(e) if e.transport() == transport => Ok(e.clone()),
                Some(e) => Endpoint::new(e.url(), transport).map_err(invalid("endpoint")),
                None => Err(EndpointProblem::NotConfigured {
                    var: self.vars.endpoint.clone(),
                }),
            },
        }
    }

    fn compiled_transport(&self) -> Transport {
        self.endpoint
            .as_ref()
            .map_or_else(Transport::default_compiled, Endpoint::transport)
    }
}
