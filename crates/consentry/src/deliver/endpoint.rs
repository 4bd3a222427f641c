use std::fmt;

/// How spans travel to the collector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Transport {
    /// OTLP/HTTP with protobuf bodies, `POST {endpoint}/v1/traces` (feature `http`).
    HttpProtobuf,
    /// OTLP/gRPC, `TraceService/Export` (feature `grpc`).
    Grpc,
}

impl Transport {
    /// Parses the values of `OTEL_EXPORTER_OTLP_PROTOCOL`: `http/protobuf` or `grpc`.
    pub(crate) fn from_protocol(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "http/protobuf" | "http" => Some(Transport::HttpProtobuf),
            "grpc" => Some(Transport::Grpc),
            _ => None,
        }
    }

    /// Whether this build of consentry can send over it.
    pub(crate) fn is_compiled_in(self) -> bool {
        match self {
            Transport::HttpProtobuf => cfg!(feature = "http"),
            Transport::Grpc => cfg!(feature = "grpc"),
        }
    }

    /// The transport used when the author names none: HTTP when compiled in.
    pub(crate) fn default_compiled() -> Self {
        if cfg!(feature = "http") {
            Transport::HttpProtobuf
        } else {
            Transport::Grpc
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Transport::HttpProtobuf => "http/protobuf",
            Transport::Grpc => "grpc",
        })
    }
}

/// A validated collector address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    url: String,
    transport: Transport,
    /// PEM CA certificates trusted instead of the web PKI roots (`<TOOL>_TELEMETRY_CA_FILE`).
    roots: Option<Vec<u8>>,
    /// The proxy variables as they were when the endpoint was resolved (HTTP only).
    proxy: ProxyVars,
}

/// `HTTPS_PROXY` and its kin, read where the rest of the environment is read and
/// parsed by the HTTP transport when it connects.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct ProxyVars {
    /// The first proxy variable set: its name and value.
    pub(crate) proxy: Option<(String, String)>,
    /// `NO_PROXY`'s value.
    pub(crate) no_proxy: Option<String>,
}

// The proxy URL may carry a password: only the variable's name is shown.
impl fmt::Debug for ProxyVars {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyVars")
            .field("proxy", &self.proxy.as_ref().map(|(name, _)| name))
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

/// Why an endpoint was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EndpointError {
    /// Not an `http://` or `https://` URL with a host.
    #[error("endpoint must be an http:// or https:// URL with a host")]
    NotAUrl,
    /// The URL carries a user name or password, which would be sent with every run.
    #[error("endpoint must not carry credentials")]
    Credentials,
    /// The transport's cargo feature is not enabled in this build.
    #[error("transport {0} is not compiled in (enable the consentry feature)")]
    TransportNotCompiled(Transport),
    /// `https://` needs the `tls` feature.
    #[error("https endpoints need the consentry `tls` feature")]
    TlsNotCompiled,
}

impl Endpoint {
    /// Validates `url` for `transport`. For HTTP, a base URL (`http://host:4318`) gets
    /// the signal path `/v1/traces`; a URL with a path is used as it is.
    pub(crate) fn new(url: &str, transport: Transport) -> Result<Self, EndpointError> {
        if !transport.is_compiled_in() {
            return Err(EndpointError::TransportNotCompiled(transport));
        }
        let url = url.trim();
        let (scheme, rest) = url.split_once("://").ok_or(EndpointError::NotAUrl)?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(EndpointError::NotAUrl);
        }
        if scheme == "https" && !cfg!(feature = "tls") {
            return Err(EndpointError::TlsNotCompiled);
        }
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        if authority.contains('@') {
            return Err(EndpointError::Credentials);
        }
        if authority.is_empty()
            || authority.starts_with(':')
            || authority
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(EndpointError::NotAUrl);
        }
        let path = &rest[authority.len()..];
        let url = match transport {
            Transport::HttpProtobuf if path.is_empty() || path == "/" => {
                format!("{scheme}://{authority}/v1/traces")
            }
            Transport::HttpProtobuf => format!("{scheme}://{rest}"),
            Transport::Grpc => format!("{scheme}://{authority}"),
        };
        Ok(Endpoint {
            url,
            transport,
            roots: None,
            proxy: ProxyVars::default(),
        })
    }

    /// The URL requests go to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The transport.
    pub fn transport(&self) -> Transport {
        self.transport
    }

    /// Trusts only the CA certificates in `pem` for `https://`.
    pub(crate) fn with_roots(mut self, pem: Vec<u8>) -> Self {
        self.roots = Some(pem);
        self
    }

    /// Sends through the proxy these variables name (HTTP only; gRPC ignores them).
    pub(crate) fn with_proxy(mut self, proxy: ProxyVars) -> Self {
        self.proxy = proxy;
        self
    }

    /// The proxy variables of the environment the endpoint was resolved in.
    #[cfg(feature = "http")]
    pub(crate) fn proxy(&self) -> &ProxyVars {
        &self.proxy
    }

    /// The CA certificates trusted instead of the web PKI roots, as PEM.
    // Only a transport with TLS reads them.
    #[cfg(all(feature = "tls", any(feature = "http", feature = "grpc")))]
    pub(crate) fn roots(&self) -> Option<&[u8]> {
        self.roots.as_deref()
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.url, self.transport)
    }
}

#[cfg(all(test, feature = "http"))]
mod tests {
    use super::*;

    #[test]
    fn http_base_gets_signal_path() {
        let e = Endpoint::new("http://127.0.0.1:4318", Transport::HttpProtobuf).unwrap();
        assert_eq!(e.url(), "http://127.0.0.1:4318/v1/traces");
        let e = Endpoint::new("http://[::1]:4318/", Transport::HttpProtobuf).unwrap();
        assert_eq!(e.url(), "http://[::1]:4318/v1/traces");
        let e = Endpoint::new("http://h/custom/path", Transport::HttpProtobuf).unwrap();
        assert_eq!(e.url(), "http://h/custom/path");
    }

    #[test]
    fn malformed_endpoints_are_refused() {
        for bad in [
            "",
            "127.0.0.1:4318",
            "ftp://h",
            "http://",
            "http://:80",
            "http://a b",
            "http:/x",
        ] {
            assert_eq!(
                Endpoint::new(bad, Transport::HttpProtobuf),
                Err(EndpointError::NotAUrl),
                "{bad:?}"
            );
        }
        assert_eq!(
            Endpoint::new("http://user:pw@h:1", Transport::HttpProtobuf),
            Err(EndpointError::Credentials)
        );
    }

    #[test]
    fn protocol_names() {
        assert_eq!(Transport::from_protocol("grpc"), Some(Transport::Grpc));
        assert_eq!(
            Transport::from_protocol(" HTTP/protobuf "),
            Some(Transport::HttpProtobuf)
        );
        assert_eq!(Transport::from_protocol("http/json"), None);
    }
}
