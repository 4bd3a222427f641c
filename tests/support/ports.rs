//! Loopback ports without the pick-then-bind race.
//!
//! Binding port 0, closing the socket and handing the number to a child process leaves a
//! window in which anything else on the machine (another test, an outgoing connection)
//! can take the port; a fresh-clone CI run once failed on exactly that. Two tools here
//! close the window:
//!
//! - [`Refused`]: for "nothing listens here" endpoints. A socket bound but never put in
//!   the listening state: connecting to it is refused, and nobody else can bind or be
//!   given the port while the test holds it.
//! - [`reserve`]: for ports a child process (otelcol, rotel) must bind itself. They come
//!   from just below the kernel's ephemeral range, which the kernel never hands out for
//!   port-0 binds or outgoing connections, and each one is made exclusive across the
//!   parallel test processes of a run by an `flock`ed file per port in a shared temp
//!   dir, held until the child is gone. [`spawn_with_ports`] retries with fresh ports if a
//!   child still fails at start (a port taken by something outside this scheme).

use std::fs::File;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

/// How many ports below the ephemeral range the tests may reserve.
const WINDOW: u16 = 8192;

/// Start attempts of a child on fresh ports before the test fails.
pub const START_ATTEMPTS: u32 = 4;

/// A loopback port on which connections are refused, for as long as this lives.
pub struct Refused {
    port: u16,
    _socket: socket2::Socket,
}

impl Refused {
    pub fn new() -> Refused {
        use socket2::{Domain, Socket, Type};
        let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket");
        let any: SocketAddr = (Ipv4Addr::LOCALHOST, 0).into();
        socket.bind(&any.into()).expect("bind 127.0.0.1:0");
        let port = socket
            .local_addr()
            .expect("local addr")
            .as_socket()
            .expect("inet address")
            .port();
        Refused {
            port,
            _socket: socket,
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// A port reserved for a child process to bind; free for others again when dropped.
#[derive(Debug)]
pub struct Reserved {
    port: u16,
    _lock: File,
}

impl Reserved {
    pub fn port(&self) -> u16 {
        self.port
    }
}

/// The numbers of a set of reserved ports.
pub fn numbers(ports: &[Reserved]) -> Vec<u16> {
    ports.iter().map(Reserved::port).collect()
}

/// `n` distinct loopback ports below the ephemeral range, each locked for this process
/// and free to bind right now.
pub fn reserve(n: usize) -> Vec<Reserved> {
    let (low, high) = window();
    let span = u32::from(high - low);
    let dir = lock_dir();
    // Start where other processes are unlikely to: fewer lock collisions to step over.
    let seed = u32::from(std::process::id() as u16)
        ^ SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
    let mut out = Vec::with_capacity(n);
    for i in 0..span {
        if out.len() == n {
            break;
        }
        let port = low + ((seed.wrapping_add(i)) % span) as u16;
        if let Some(r) = try_reserve(&dir, port) {
            out.push(r);
        }
    }
    assert_eq!(
        out.len(),
        n,
        "could not reserve {n} loopback ports in {low}..{high}"
    );
    out
}

fn try_reserve(dir: &std::path::Path, port: u16) -> Option<Reserved> {
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(format!("{port}.lock")))
        .ok()?;
    lock.try_lock().ok()?;
    // Something outside this scheme (a service, another program's fixed port) may hold
    // it; the lock alone does not say the port is free.
    TcpListener::bind((Ipv4Addr::LOCALHOST, port)).ok()?;
    Some(Reserved { port, _lock: lock })
}

/// `[low, high)`: the `WINDOW` ports just below the kernel's ephemeral range.
fn window() -> (u16, u16) {
    let text = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .unwrap_or_else(|_| "32768 60999".into());
    let first: u16 = text
        .split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or(32768);
    assert!(
        first > 2048,
        "the ephemeral port range starts at {first}: no room below it for test ports"
    );
    (first.saturating_sub(WINDOW).max(1024), first)
}

fn lock_dir() -> PathBuf {
    let dir = std::env::temp_dir().join("consentry-test-ports");
    std::fs::create_dir_all(&dir).expect("port lock dir");
    dir
}

/// Starts a child on `n` freshly reserved ports with `start`, which returns the running
/// thing once it is ready or why it is not; a failure at start is retried on new ports
/// a few times (bounded) and then fails the test with the last reason.
pub fn spawn_with_ports<T>(
    what: &str,
    n: usize,
    mut start: impl FnMut(Vec<Reserved>) -> Result<T, String>,
) -> T {
    let mut last = String::new();
    for attempt in 1..=START_ATTEMPTS {
        match start(reserve(n)) {
            Ok(t) => return t,
            Err(why) => {
                eprintln!("{what} start attempt {attempt} failed: {why}");
                last = why;
            }
        }
    }
    panic!("{what} did not start after {START_ATTEMPTS} attempts: {last}");
}
