//! Which endpoint a configured tool sends to: the compiled one, replaced by a machine
//! policy's managed `endpoint` and `ca_file`, overridden by the endpoint, protocol and
//! CA-file variables.

use std::path::{Path, PathBuf};

use crate::configure::builder::Telemetry;
use crate::configure::note::EndpointProblem;
use crate::consent::config;
use crate::deliver::endpoint::ProxyVars;
use crate::deliver::{Endpoint, Transport};

/// Largest CA file read (a bundle of a few hundred certificates).
const CA_FILE_CAP: u64 = 256 * 1024;

/// The proxy variables, first set first: the order the `ureq` client consentry used
/// before read them in, so a proxy that worked then works now.
pub(crate) const PROXY_VARS: [&str; 6] = [
    "ALL_PROXY",
    "all_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
];
/// Hosts reached without the proxy.
pub(crate) const NO_PROXY_VARS: [&str; 2] = ["NO_PROXY", "no_proxy"];

impl Telemetry {
    pub(crate) fn resolve_endpoint(&self) -> Result<Endpoint, EndpointProblem> {
        let endpoint = self.resolve_endpoint_and_roots()?;
        Ok(match endpoint.transport() {
            Transport::HttpProtobuf => endpoint.with_proxy(self.proxy_vars()),
            _ => endpoint,
        })
    }

    /// The proxy variables that are set (valid UTF-8, not empty).
    fn proxy_vars(&self) -> ProxyVars {
        let read = |name: &&str| {
            let value = self.env().var_os(name)?.into_string().ok()?;
            (!value.trim().is_empty()).then(|| ((*name).to_owned(), value))
        };
        ProxyVars {
            proxy: PROXY_VARS.iter().find_map(read),
            no_proxy: NO_PROXY_VARS.iter().find_map(read).map(|(_, v)| v),
        }
    }

    fn resolve_endpoint_and_roots(&self) -> Result<Endpoint, EndpointProblem> {
        // Read once for both managed settings.
        let policies = self.policies();
        let endpoint = self.resolve_endpoint_url(&policies)?;
        let (ca, named_by) = match self.env().var_os(&self.vars.ca).filter(|v| !v.is_empty()) {
            Some(path) => (PathBuf::from(path), self.vars.ca.clone()),
            None => match managed(&policies, |cfg| cfg.ca_file.clone()) {
                Some((policy, path)) => (path, policy_name(&policy)),
                None => return Ok(endpoint),
            },
        };
        crate::sys::files::read_capped(&ca, CA_FILE_CAP)
            .map(|pem| endpoint.with_roots(pem))
            .map_err(|reason| EndpointProblem::CaFile {
                var: named_by,
                reason,
            })
    }

    /// The machine policy files that could be read, in
    /// [`policy_files`](Self::policy_files) order.
    fn policies(&self) -> Vec<(PathBuf, config::UserConfig)> {
        self.policy_files()
            .into_iter()
            .filter_map(|p| match config::load(&p) {
                config::Loaded::Found(cfg) => Some((p, cfg)),
                _ => None,
            })
            .collect()
    }

    fn resolve_endpoint_url(
        &self,
        policies: &[(PathBuf, config::UserConfig)],
    ) -> Result<Endpoint, EndpointProblem> {
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
            _ => match (
                &self.endpoint,
                managed(policies, |cfg| cfg.endpoint.clone()),
            ) {
                (_, Some((policy, url))) => {
                    Endpoint::new(&url, transport).map_err(invalid(&policy_name(&policy)))
                }
                (Some(e), None) if e.transport() == transport => Ok(e.clone()),
                (Some(e), None) => Endpoint::new(e.url(), transport).map_err(invalid("endpoint")),
                (None, None) => Err(EndpointProblem::NotConfigured {
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

/// How a policy file is named where a variable's name would be (`telemetry status`).
fn policy_name(path: &Path) -> String {
    format!("machine policy file {}", path.display())
}

/// The first policy whose `pick` gives a value, and that value.
fn managed<T>(
    policies: &[(PathBuf, config::UserConfig)],
    pick: impl Fn(&config::UserConfig) -> Option<T>,
) -> Option<(PathBuf, T)> {
    policies
        .iter()
        .find_map(|(p, cfg)| pick(cfg).map(|v| (p.clone(), v)))
}
