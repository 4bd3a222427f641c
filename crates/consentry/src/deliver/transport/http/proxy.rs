//! An HTTP proxy named by `HTTPS_PROXY` and its kin, used as the `ureq` client
//! consentry used before did: a `CONNECT` tunnel to the collector (for `http://` and
//! `https://` endpoints alike), `NO_PROXY` entries skipping it, credentials in the
//! proxy URL sent as `Proxy-Authorization: Basic`. Only `http://` proxies (or a bare
//! `host:port`): a SOCKS or `https://` proxy fails the attempt and says why, rather
//! than sending around a proxy the machine was set up to use.

use std::io::{self, Read, Write};

use super::super::super::endpoint::ProxyVars;
use super::url::Target;
use super::wire::{self, MAX_HEAD};

/// Where to connect instead of the collector.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Proxy {
    pub(super) host: String,
    pub(super) port: u16,
    /// `user:password`, base64, as `Proxy-Authorization: Basic` wants it.
    basic: Option<String>,
}

/// The proxy for `target`, if the variables name one, the target is not this machine
/// and `NO_PROXY` does not skip the target's host; `Err` names a proxy that cannot be
/// used.
pub(super) fn pick(vars: &ProxyVars, target: &Target<'_>) -> Result<Option<Proxy>, String> {
    let Some((name, value)) = &vars.proxy else {
        return Ok(None);
    };
    // A proxy asked to CONNECT to a loopback address reaches its own machine, never
    // this one: a local collector is always reached directly (as Go's
    // `ProxyFromEnvironment` does), whatever `NO_PROXY` forgot to list.
    if is_this_machine(target.host) {
        return Ok(None);
    }
    if vars
        .no_proxy
        .as_deref()
        .is_some_and(|list| skips(list, target.host))
    {
        return Ok(None);
    }
    parse(value)
        .map(Some)
        .map_err(|why| format!("proxy from {name}: {why}"))
}

/// `localhost` (and its subdomains, RFC 6761), `127.0.0.0/8` and `::1`.
fn is_this_machine(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == "localhost"
        || host.ends_with(".localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Whether a `NO_PROXY` list names `host`: `*`, an exact name, a `.suffix` or
/// `*suffix`, a `prefix.` or `prefix*`, any case.
fn skips(list: &str, host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    list.split(',')
        .map(|e| e.trim().to_ascii_lowercase())
        .any(|entry| {
            if entry.is_empty() {
                false
            } else if entry == "*" {
                true
            } else if let Some(suffix) = entry.strip_prefix('*') {
                host.ends_with(suffix)
            } else if entry.starts_with('.') {
                host.ends_with(&entry)
            } else if let Some(prefix) = entry.strip_suffix('*') {
                host.starts_with(prefix)
            } else if entry.ends_with('.') {
                host.starts_with(&entry)
            } else {
                host == entry
            }
        })
}

fn parse(value: &str) -> Result<Proxy, String> {
    let value = value.trim();
    let rest = match value.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
        Some((scheme, _)) => {
            return Err(format!(
                "{scheme}:// proxies are not supported, only http://"
            ));
        }
        None => value,
    };
    let authority = rest.split('/').next().unwrap_or_default();
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((userinfo, hostport)) => (Some(userinfo), hostport),
        None => (None, authority),
    };
    let url = format!("http://{hostport}/");
    let target = Target::parse(&url).ok_or("not a host and port")?;
    let basic = userinfo.map(|u| base64(&percent_decoded(u)));
    Ok(Proxy {
        host: target.host.to_owned(),
        port: target.port,
        basic,
    })
}

/// Opens the tunnel: `CONNECT host:port` on a connection to the proxy; a 2xx answer
/// leaves `tcp` talking to the collector.
pub(super) fn tunnel(
    tcp: &mut (impl Read + Write),
    proxy: &Proxy,
    target: &Target<'_>,
    user_agent: &str,
) -> io::Result<()> {
    let to = match target.host.contains(':') {
        true => format!("[{}]:{}", target.host, target.port),
        false => format!("{}:{}", target.host, target.port),
    };
    let auth = match &proxy.basic {
        Some(basic) => format!("Proxy-Authorization: Basic {basic}\r\n"),
        None => String::new(),
    };
    let request =
        format!("CONNECT {to} HTTP/1.1\r\nHost: {to}\r\nUser-Agent: {user_agent}\r\n{auth}\r\n");
    tcp.write_all(request.as_bytes())?;
    // A byte at a time, so that nothing the collector sends after the proxy's head is
    // taken from the tunnel; a proxy's answer is a few dozen bytes.
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > MAX_HEAD {
            return Err(wire::invalid("the proxy's head is too long"));
        }
        if tcp.read(&mut byte)? == 0 {
            return Err(wire::invalid("the proxy closed the connection"));
        }
        head.push(byte[0]);
    }
    let status = wire::status_of(&head[..head.len() - 4])?;
    if !(200..=299).contains(&status) {
        return Err(io::Error::other(format!(
            "proxy answered {status} to CONNECT {to}"
        )));
    }
    Ok(())
}

fn percent_decoded(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(value)) => {
                out.push(value);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// Standard base64 with padding, from the crate opentelemetry-proto already brings in.
fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_as_rfc_4648_spells_it() {
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
            ("user:pa ss", "dXNlcjpwYSBzcw=="),
        ] {
            assert_eq!(base64(plain.as_bytes()), coded, "{plain:?}");
        }
    }

    #[test]
    fn proxy_urls_as_the_variables_hold_them() {
        let p = parse("http://user:p%40ss@proxy.corp:3128/").unwrap();
        assert_eq!((p.host.as_str(), p.port), ("proxy.corp", 3128));
        assert_eq!(p.basic.as_deref(), Some(base64(b"user:p@ss").as_str()));
        let p = parse("proxy.corp:8080").unwrap();
        assert_eq!(
            (p.host.as_str(), p.port, p.basic),
            ("proxy.corp", 8080, None)
        );
        assert_eq!(parse("HTTP://[::1]").unwrap().port, 80);
        for bad in ["socks5://p:1080", "https://p:443", "http://", "http://p:x"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_collector_on_this_machine_is_never_reached_through_a_proxy() {
        let vars = ProxyVars {
            proxy: Some(("HTTPS_PROXY".into(), "http://proxy.corp:3128".into())),
            no_proxy: None,
        };
        for url in [
            "http://127.0.0.1:4318/v1/traces",
            "http://127.9.9.9:4318/",
            "http://[::1]:4318/",
            "http://localhost:4318/",
            "https://LocalHost.:4318/",
            "http://collector.localhost:4318/",
        ] {
            let target = Target::parse(url).unwrap();
            assert_eq!(pick(&vars, &target), Ok(None), "{url}");
        }
        for url in [
            "http://128.0.0.1:4318/",
            "http://localhost.example.com/",
            "http://[::2]:4318/",
            "http://collector.example.com/",
        ] {
            let target = Target::parse(url).unwrap();
            assert!(matches!(pick(&vars, &target), Ok(Some(_))), "{url}");
        }
        let listed = ProxyVars {
            no_proxy: Some("other, .example.com".into()),
            ..vars
        };
        let target = Target::parse("http://collector.example.com/").unwrap();
        assert_eq!(pick(&listed, &target), Ok(None));
    }

    #[test]
    fn no_proxy_entries_skip_their_hosts() {
        for (list, host) in [
            ("*", "anything"),
            ("localhost,127.0.0.1", "127.0.0.1"),
            ("a, .example.com", "collector.example.com"),
            ("*.example.com", "c.EXAMPLE.com"),
            ("10.*", "10.0.0.1"),
            ("Collector", "collector"),
        ] {
            assert!(skips(list, host), "{list} skips {host}");
        }
        for (list, host) in [
            ("", "h"),
            ("example.com", "collector.example.com"),
            (".example.com", "example.org"),
            ("10.*", "110.0.0.1"),
        ] {
            assert!(!skips(list, host), "{list} does not skip {host}");
        }
    }
}
