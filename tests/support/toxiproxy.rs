//! Toxiproxy (built by `.ci/install-deps.sh`, found through `CONSENTRY_TOXIPROXY`) on
//! loopback, for real network conditions: latency, bandwidth, slow close, reset,
//! timeout. The server binds port 0 and the port is read back from the kernel's socket
//! table, so there is no pick-a-free-port race; each proxy listens on `127.0.0.1:0`
//! and Toxiproxy reports the address it got.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Toxiproxy {
    child: Child,
    api: u16,
}

/// One proxy in front of an upstream port.
pub struct Proxy<'a> {
    server: &'a Toxiproxy,
    pub name: String,
    pub port: u16,
}

pub fn binary() -> PathBuf {
    let path = std::env::var_os("CONSENTRY_TOXIPROXY")
        .map(PathBuf::from)
        .expect("CONSENTRY_TOXIPROXY is not set: run .ci/install-deps.sh and source .ci/env.sh");
    assert!(path.is_file(), "no toxiproxy-server at {}", path.display());
    path
}

impl Toxiproxy {
    pub fn start() -> Toxiproxy {
        let mut server = Toxiproxy {
            child: Command::new(binary())
                .args(["-host", "127.0.0.1", "-port", "0"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start toxiproxy-server"),
            api: 0,
        };
        // Dropping `server` on a failed assertion kills and reaps the child.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(api) = listening_ports(server.child.id()).into_iter().next() {
                server.api = api;
                return server;
            }
            assert!(Instant::now() < deadline, "toxiproxy-server did not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Adds a proxy to `upstream` on a port of its own.
    pub fn proxy(&self, name: &str, upstream: u16) -> Proxy<'_> {
        let body = format!(
            r#"{{"name":"{name}","listen":"127.0.0.1:0","upstream":"127.0.0.1:{upstream}","enabled":true}}"#
        );
        let answer = self.call("POST", "/proxies", &body);
        let listen = answer
            .split("\"listen\":\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or_else(|| panic!("no listen address in {answer}"));
        let port = listen.rsplit(':').next().unwrap().parse().unwrap();
        Proxy {
            server: self,
            name: name.into(),
            port,
        }
    }

    fn call(&self, method: &str, path: &str, body: &str) -> String {
        let mut s = TcpStream::connect(("127.0.0.1", self.api)).expect("toxiproxy api");
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nhost: toxiproxy\r\ncontent-type: application/json\r\n\
             content-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        assert!(
            out.starts_with("HTTP/1.1 2"),
            "toxiproxy {method} {path}: {out}"
        );
        out
    }
}

impl Proxy<'_> {
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Adds a toxic: `kind` is Toxiproxy's type (`latency`, `bandwidth`, `slow_close`,
    /// `reset_peer`, `timeout`, `limit_data`), `attributes` its JSON attributes.
    pub fn toxic(&self, name: &str, kind: &str, stream: &str, attributes: &str) {
        let body = format!(
            r#"{{"name":"{name}","type":"{kind}","stream":"{stream}","toxicity":1.0,"attributes":{attributes}}}"#
        );
        self.server
            .call("POST", &format!("/proxies/{}/toxics", self.name), &body);
    }

    /// A round trip of `rtt`: half of it each way.
    pub fn round_trip(&self, rtt: Duration) {
        let half = rtt.as_millis() / 2;
        for stream in ["upstream", "downstream"] {
            self.toxic(
                &format!("rtt-{stream}"),
                "latency",
                stream,
                &format!(r#"{{"latency":{half},"jitter":0}}"#),
            );
        }
    }

    pub fn remove_toxic(&self, name: &str) {
        self.server.call(
            "DELETE",
            &format!("/proxies/{}/toxics/{name}", self.name),
            "",
        );
    }

    /// Enables or disables the proxy (disabled: connections are refused).
    pub fn set_enabled(&self, enabled: bool) {
        self.server.call(
            "POST",
            &format!("/proxies/{}", self.name),
            &format!(r#"{{"enabled":{enabled}}}"#),
        );
    }
}

impl Drop for Toxiproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// TCP ports `pid` listens on, from its descriptors and the kernel's socket tables.
pub fn listening_ports(pid: u32) -> Vec<u16> {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return Vec::new();
    };
    let inodes: Vec<String> = fds
        .filter_map(Result::ok)
        .filter_map(|e| std::fs::read_link(e.path()).ok())
        .filter_map(|l| {
            let l = l.to_string_lossy().into_owned();
            Some(l.strip_prefix("socket:[")?.strip_suffix(']')?.to_owned())
        })
        .collect();
    let mut ports = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        for line in std::fs::read_to_string(table)
            .unwrap_or_default()
            .lines()
            .skip(1)
        {
            let f: Vec<&str> = line.split_whitespace().collect();
            // local_address is field 1, st field 3 (0A = LISTEN), inode field 9.
            if f.len() > 9
                && f[3] == "0A"
                && inodes.iter().any(|i| i == f[9])
                && let Some(port) = f[1].rsplit(':').next()
            {
                ports.push(u16::from_str_radix(port, 16).unwrap());
            }
        }
    }
    ports
}
