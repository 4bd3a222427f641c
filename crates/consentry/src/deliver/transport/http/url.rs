//! The parts of an endpoint URL a request needs.

/// Where a `POST` goes: validated by [`Endpoint::new`](crate::deliver::Endpoint) before
/// (a scheme, a host, no credentials), split here.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Target<'a> {
    /// `https://`.
    pub(super) tls: bool,
    /// The name or address to connect to; an IPv6 literal without its brackets.
    pub(super) host: &'a str,
    pub(super) port: u16,
    /// The `Host` header: the authority as the URL spells it.
    pub(super) authority: &'a str,
    /// Path and query; never empty, never a fragment.
    pub(super) path: &'a str,
}

impl<'a> Target<'a> {
    pub(super) fn parse(url: &'a str) -> Option<Self> {
        let (scheme, rest) = url.split_once("://")?;
        let tls = match scheme.to_ascii_lowercase().as_str() {
            "http" => false,
            "https" => true,
            _ => return None,
        };
        let rest = rest.split('#').next().unwrap_or_default();
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(split);
        let default_port = if tls { 443 } else { 80 };
        let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
            let (host, after) = bracketed.split_once(']')?;
            let port = match after {
                "" => default_port,
                _ => after.strip_prefix(':')?.parse().ok()?,
            };
            (host, port)
        } else {
            let (host, port) = match authority.rsplit_once(':') {
                Some((host, port)) => (host, port.parse().ok()?),
                None => (authority, default_port),
            };
            // An IPv6 address must be bracketed: `::1:4318` is ambiguous.
            if host.contains(':') {
                return None;
            }
            (host, port)
        };
        let bad = |c: char| c.is_whitespace() || c.is_control() || matches!(c, '@' | '[' | ']');
        if host.is_empty()
            || host.contains(bad)
            || path.contains(|c: char| c.is_control() || c == ' ')
        {
            return None;
        }
        let path = if path.is_empty() { "/" } else { path };
        Some(Target {
            tls,
            host,
            port,
            authority,
            path,
        })
    }
}
