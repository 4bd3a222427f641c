//! Which endpoint a configured tool sends to: the compiled one, overridden by the
//! endpoint, protocol and CA-file variables.

use crate::builder::Telemetry;
use crate::export::{Endpoint, Transport};

impl Telemetry {
    pub(crate) fn resolve_endpoint(&self) -> Result<Endpoint, String> {
        let endpoint = self.resolve_endpoint_url()?;
        match std::env::var_os(&self.ca_var).filter(|v| !v.is_empty()) {
            None => Ok(endpoint),
            Some(path) => crate::files::read_capped(std::path::Path::new(&path), 256 * 1024)
                .map(|pem| endpoint.with_roots(pem))
                .map_err(|e| format!("{}: {e}; nothing is sent", self.ca_var)),
        }
    }

    fn resolve_endpoint_url(&self) -> Result<Endpoint, String> {
        let transport = match std::env::var(&self.protocol_var) {
            Ok(p) if !p.trim().is_empty() => Transport::from_protocol(&p).ok_or_else(|| {
                format!(
                    "{} is not grpc or http/protobuf; nothing is sent",
                    self.protocol_var
                )
            })?,
            _ => self
                .endpoint
                .as_ref()
                .map_or_else(Transport::default_compiled, Endpoint::transport),
        };
        match std::env::var_os(&self.endpoint_var) {
            Some(url) if !url.is_empty() => {
                let url = url
                    .to_str()
                    .ok_or_else(|| format!("{} is not UTF-8", self.endpoint_var))?;
                Endpoint::new(url, transport)
                    .map_err(|e| format!("{}: {e}; nothing is sent", self.endpoint_var))
            }
            _ => match &self.endpoint {
                Some(e) if e.transport() == transport => Ok(e.clone()),
                Some(e) => Endpoint::new(e.url(), transport).map_err(|e| e.to_string()),
                None => Err(format!(
                    "no endpoint configured (set {}); nothing is sent",
                    self.endpoint_var
                )),
            },
        }
    }
}
