//! A loopback server whose behaviour a test switches between phases: forward to the
//! real collector (optionally after a delay), refuse, stay silent, or answer with an
//! HTTP status or garbage. Every thread it starts ends within a bounded time.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How the proxy treats the next connections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Pass bytes both ways to the collector on `upstream`.
    Forward,
    /// Forward, but only after holding the request this long.
    Slow(Duration),
    /// Accept and close at once (the client sees a reset or an empty answer).
    Refuse,
    /// Accept, read, never answer.
    BlackHole,
    /// Answer every HTTP request with this status and extra header lines.
    Status(u16, &'static str),
    /// Answer with bytes that are neither HTTP/1 nor HTTP/2.
    Garbage,
}

struct Shared {
    mode: Mutex<Mode>,
    upstream: u16,
    stop: AtomicBool,
    connections: AtomicUsize,
}

pub struct FaultProxy {
    pub port: u16,
    shared: Arc<Shared>,
}

const LIFETIME: Duration = Duration::from_secs(300);

impl FaultProxy {
    pub fn start(upstream: u16, mode: Mode) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared {
            mode: Mutex::new(mode),
            upstream,
            stop: AtomicBool::new(false),
            connections: AtomicUsize::new(0),
        });
        let s = shared.clone();
        std::thread::spawn(move || {
            let deadline = Instant::now() + LIFETIME;
            while !s.stop.load(Ordering::Relaxed) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((conn, _)) => {
                        conn.set_nonblocking(false).unwrap();
                        s.connections.fetch_add(1, Ordering::Relaxed);
                        let mode = s.mode.lock().unwrap().clone();
                        let upstream = s.upstream;
                        std::thread::spawn(move || serve(conn, mode, upstream));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        FaultProxy { port, shared }
    }

    pub fn set(&self, mode: Mode) {
        *self.shared.mode.lock().unwrap() = mode;
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::Relaxed)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
    }
}

fn serve(mut conn: TcpStream, mode: Mode, upstream: u16) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(20)));
    match mode {
        Mode::Forward => forward(conn, upstream),
        Mode::Slow(delay) => {
            std::thread::sleep(delay);
            forward(conn, upstream);
        }
        Mode::Refuse => {
            let _ = conn.shutdown(Shutdown::Both);
        }
        Mode::BlackHole => {
            let mut buf = [0u8; 65536];
            let deadline = Instant::now() + Duration::from_secs(30);
            while Instant::now() < deadline && matches!(conn.read(&mut buf), Ok(n) if n > 0) {}
        }
        Mode::Status(code, headers) => {
            read_http_request(&mut conn);
            let _ = write!(
                conn,
                "HTTP/1.1 {code} Status\r\ncontent-length: 0\r\nconnection: close\r\n{headers}\r\n"
            );
        }
        Mode::Garbage => {
            read_http_request(&mut conn);
            let _ = conn.write_all(b"\x00\x01\x02 definitely not a protocol \xff\xfe\r\n\r\n");
        }
    }
}

fn read_http_request(conn: &mut TcpStream) {
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    let _ = conn.set_read_timeout(Some(Duration::from_secs(2)));
    while let Ok(n) = conn.read(&mut buf) {
        if n == 0 {
            break;
        }
        data.extend_from_slice(&buf[..n]);
        if let Some(end) = find(&data, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if data.len() >= end + 4 + len {
                break;
            }
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn forward(client: TcpStream, upstream: u16) {
    let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
        return;
    };
    let (mut c2, mut s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
    let up = std::thread::spawn(move || {
        let mut client = client;
        let mut server = server;
        let _ = std::io::copy(&mut client, &mut server);
        let _ = server.shutdown(Shutdown::Write);
    });
    let _ = s2.set_read_timeout(Some(Duration::from_secs(30)));
    let _ = std::io::copy(&mut s2, &mut c2);
    let _ = c2.shutdown(Shutdown::Write);
    let _ = up.join();
}
