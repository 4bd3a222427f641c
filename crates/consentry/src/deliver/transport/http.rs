//! OTLP/HTTP: one `POST` of the protobuf body, HTTP/1.1 over `std::net` (and rustls
//! with the `tls` feature), one connection per attempt.
//!
//! A client of its own instead of an HTTP library: consentry sends one kind of
//! request to one URL and reads one status, and a library's URL types, connection
//! pool, redirects and body machinery were weight in every tool that links consentry
//! (ureq and its crates: about 0.26 MiB and six crates). What a collector may answer
//! is read with every part bounded: the head in [`wire::MAX_HEAD`] bytes, the body in
//! [`wire::MAX_BODY`], all of it within the attempt's timeout, each read and write of
//! the socket given only the time left. Redirects are answers like any other status
//! (refused, never followed); a proxy named by `HTTPS_PROXY` and its kin is used as
//! [`proxy`] says.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use super::super::endpoint::Endpoint;
use super::{RejectReason, RetryReason, SendError};

mod classify;
mod proxy;
#[cfg(feature = "tls")]
mod tls;
mod url;
mod wire;

#[cfg(test)]
mod tests;

const USER_AGENT: &str = concat!("consentry/", env!("CARGO_PKG_VERSION"));

/// One `POST` of an OTLP protobuf body; no retries here, the spool is the retry.
pub(crate) fn send(endpoint: &Endpoint, body: &[u8], timeout: Duration) -> Result<(), SendError> {
    let deadline = Instant::now() + timeout;
    let target = url::Target::parse(endpoint.url())
        .ok_or_else(|| RejectReason::InvalidEndpoint(endpoint.url().to_owned()))?;
    #[cfg(feature = "tls")]
    let tls = match target.tls {
        true => Some(tls::config(endpoint.roots())?),
        false => None,
    };
    #[cfg(not(feature = "tls"))]
    if target.tls {
        return Err(RejectReason::InvalidEndpoint(endpoint.url().to_owned()).into());
    }
    let via = proxy::pick(endpoint.proxy(), &target).map_err(RetryReason::RequestFailed)?;
    let tcp = match &via {
        Some(proxy) => {
            let mut stream = Timed {
                tcp: connect(&proxy.host, proxy.port, deadline)?,
                deadline,
            };
            proxy::tunnel(&mut stream, proxy, &target, USER_AGENT).map_err(failed)?;
            stream.tcp
        }
        None => connect(target.host, target.port, deadline)?,
    };
    let stream = Timed { tcp, deadline };
    let head = wire::request_head(&target, body.len(), USER_AGENT);
    #[cfg(feature = "tls")]
    let answer = match tls {
        Some(config) => {
            let tls = tls::client(config, target.host)?;
            wire::exchange(rustls::StreamOwned::new(tls, stream), &head, body)
        }
        None => wire::exchange(stream, &head, body),
    };
    #[cfg(not(feature = "tls"))]
    let answer = wire::exchange(stream, &head, body);
    let answer = answer.map_err(failed)?;
    classify::classify(answer.status, answer.retry_after.as_deref())
}

/// A TCP connection to the first of the host's addresses that answers in time.
fn connect(host: &str, port: u16, deadline: Instant) -> Result<TcpStream, SendError> {
    let addrs = lookup(host, port, deadline)?;
    let mut last = None;
    for addr in addrs {
        let left = time_left(deadline)?;
        match TcpStream::connect_timeout(&addr, left) {
            Ok(tcp) => {
                // One write for the head and body: Nagle would only delay the answer.
                let _ = tcp.set_nodelay(true);
                return Ok(tcp);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        Some(e) => failed(e),
        None => RetryReason::RequestFailed(format!("{host} has no address")).into(),
    })
}

/// The host's addresses: an IP address as it is, a name looked up by the system's
/// resolver on a thread of its own, waited for only until the deadline. The lookup
/// cannot be interrupted, so a resolver that hangs keeps its thread until it gives
/// up; an inline send at exit (`with_uploader(false)`) still returns on time.
fn lookup(host: &str, port: u16, deadline: Instant) -> Result<Vec<SocketAddr>, SendError> {
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let name = host.to_owned();
    std::thread::Builder::new()
        .name("consentry-lookup".into())
        .spawn(move || {
            let _ = tx.send(
                (name.as_str(), port)
                    .to_socket_addrs()
                    .map(Iterator::collect),
            );
        })
        .map_err(|e| RetryReason::RequestFailed(format!("lookup of {host}: {e}")))?;
    match rx.recv_timeout(time_left(deadline)?) {
        Ok(Ok(addrs)) => Ok(addrs),
        Ok(Err(e)) => {
            Err(RetryReason::RequestFailed(format!("lookup of {host} failed: {e}")).into())
        }
        Err(_) => Err(RetryReason::TimedOut.into()),
    }
}

fn time_left(deadline: Instant) -> Result<Duration, SendError> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(RetryReason::TimedOut.into());
    }
    Ok(left)
}

/// A request that got no usable HTTP answer: retryable whatever the cause, since the
/// collector never saw it or never answered in a way that says it kept it.
fn failed(error: io::Error) -> SendError {
    match error.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => RetryReason::TimedOut,
        _ => RetryReason::RequestFailed(error.to_string()),
    }
    .into()
}

/// The socket, every read and write of which may take only the time left before
/// the attempt's deadline: a collector that trickles its answer a byte at a time
/// still ends the attempt on time.
struct Timed {
    tcp: TcpStream,
    deadline: Instant,
}

impl Timed {
    fn left(&self) -> io::Result<Duration> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        Ok(left)
    }
}

impl Read for Timed {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.tcp.set_read_timeout(Some(self.left()?))?;
        self.tcp.read(buf)
    }
}

impl Write for Timed {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.tcp.set_write_timeout(Some(self.left()?))?;
        self.tcp.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.tcp.flush()
    }
}
