use std::io::Read;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::otlp::{self, Span};
use super::ports::{self, Reserved};
use super::repo_root;

/// Which collector implementation receives the spans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CollectorKind {
    /// The upstream OpenTelemetry Collector built by ocb from collector-config/.
    Otelcol,
    /// Rotel (`rotel-agent` from the `rotel` wheel), forwarding to an otelcol that
    /// writes the file the test reads.
    Rotel,
}

/// A collector running on reserved loopback ports, writing what it receives to a file.
pub struct Collector {
    pub grpc_port: u16,
    pub http_port: u16,
    dir: tempfile::TempDir,
    child: Child,
    /// For Rotel: the otelcol it forwards to (which owns the output file).
    downstream: Option<Box<Collector>>,
    /// Held until the child is gone (fields drop after `Drop::drop` killed it), so a
    /// restart gets the same ports and nobody else takes them meanwhile.
    _ports: Vec<Reserved>,
}

impl Collector {
    pub fn start(kind: CollectorKind) -> Collector {
        match kind {
            CollectorKind::Otelcol => Self::start_otelcol(),
            CollectorKind::Rotel => Self::start_rotel(),
        }
    }

    fn start_otelcol() -> Collector {
        ports::spawn_with_ports("collector", 2, |ports| Self::ready_on(ports, spawn_otelcol))
    }

    /// The collector `spawn(dir, grpc_port, http_port)` starts on `ports`, once ready.
    fn ready_on(
        ports: Vec<Reserved>,
        spawn: impl FnOnce(&Path, u16, u16) -> Child,
    ) -> Result<Collector, String> {
        let dir = tempfile::tempdir().expect("tempdir");
        let (grpc_port, http_port) = (ports[0].port(), ports[1].port());
        let child = spawn(dir.path(), grpc_port, http_port);
        let mut c = Collector {
            grpc_port,
            http_port,
            dir,
            child,
            downstream: None,
            _ports: ports,
        };
        c.ready().map(|()| c)
    }

    /// Stops the collector as an operator's restart does (SIGTERM, so it writes what it
    /// acknowledged), falling back to SIGKILL after 10 s.
    pub fn stop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts it again on the same ports, appending to the same file.
    pub fn restart(&mut self) {
        self.stop();
        self.child = spawn_otelcol(self.dir.path(), self.grpc_port, self.http_port);
        self.wait_ready();
    }

    fn start_rotel() -> Collector {
        let mut downstream = Some(Box::new(Self::start_otelcol()));
        ports::spawn_with_ports("rotel", 2, |ports| {
            let forward_to = downstream.as_ref().expect("downstream").grpc_endpoint();
            let spawn = |dir: &Path, grpc_port, http_port| {
                spawn_rotel(
                    &dir.join("collector.log"),
                    grpc_port,
                    http_port,
                    &[
                        "--exporter",
                        "otlp",
                        "--otlp-exporter-protocol",
                        "grpc",
                        "--otlp-exporter-endpoint",
                        &forward_to,
                    ],
                )
            };
            let mut c = Self::ready_on(ports, spawn)?;
            c.downstream = downstream.take();
            Ok(c)
        })
    }

    fn wait_ready(&mut self) {
        if let Err(why) = self.ready() {
            panic!("{why}");
        }
    }

    fn ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().expect("collector status") {
                return Err(format!(
                    "collector exited at start ({status}):\n{}",
                    self.log()
                ));
            }
            if listening(self.grpc_port) && listening(self.http_port) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "collector not listening after 30 s:\n{}",
                    self.log()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn http_endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.http_port)
    }

    pub fn grpc_endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.grpc_port)
    }

    fn spans_file(&self) -> PathBuf {
        match &self.downstream {
            Some(d) => d.spans_file(),
            None => self.dir.path().join("spans.jsonl"),
        }
    }

    /// Everything the collector wrote, as raw bytes.
    pub fn raw(&self) -> Vec<u8> {
        std::fs::read(self.spans_file()).unwrap_or_default()
    }

    /// Every span received so far.
    pub fn spans(&self) -> Vec<Span> {
        otlp::parse_lines(&self.raw())
    }

    /// Waits (bounded) until `pred` holds for the received spans, then returns them.
    pub fn wait_for(
        &self,
        what: &str,
        timeout: Duration,
        pred: impl Fn(&[Span]) -> bool,
    ) -> Vec<Span> {
        let deadline = Instant::now() + timeout;
        loop {
            let spans = self.spans();
            if pred(&spans) {
                return spans;
            }
            if Instant::now() > deadline {
                panic!(
                    "timed out waiting for {what}; have {} spans:\n{spans:#?}\ncollector log:\n{}",
                    spans.len(),
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Waits until a span whose `process.command_args` contains `marker` arrived.
    pub fn wait_for_marker(&self, marker: &str) -> Vec<Span> {
        self.wait_for(
            &format!("span with {marker}"),
            Duration::from_secs(20),
            |s| s.iter().any(|s| s.args().iter().any(|a| a == marker)),
        )
    }

    pub fn log(&self) -> String {
        let mut s = String::new();
        if let Ok(mut f) = std::fs::File::open(self.dir.path().join("collector.log")) {
            let _ = f.read_to_string(&mut s);
        }
        if let Some(d) = &self.downstream {
            s.push_str("\n--- downstream otelcol ---\n");
            s.push_str(&d.log());
        }
        s
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_otelcol(dir: &Path, grpc_port: u16, http_port: u16) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("collector.log"))
        .expect("log");
    Command::new(otelcol_binary())
        .arg("--config")
        .arg(repo_root().join("collector-config/local.yaml"))
        .env("CONSENTRY_OTLP_GRPC", format!("127.0.0.1:{grpc_port}"))
        .env("CONSENTRY_OTLP_HTTP", format!("127.0.0.1:{http_port}"))
        .env("CONSENTRY_SPANS_FILE", dir.join("spans.jsonl"))
        .env("CONSENTRY_COLLECTOR_LOG_LEVEL", "info")
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("start otelcol")
}

/// Starts `rotel-agent start` listening on loopback `grpc_port`/`http_port` with
/// `args` (exporter settings), in a clean environment, logging to `log`.
pub fn spawn_rotel(log: &Path, grpc_port: u16, http_port: u16, args: &[&str]) -> Child {
    let log = std::fs::File::create(log).expect("log file");
    Command::new(rotel_binary())
        .arg("start")
        .arg("--otlp-grpc-endpoint")
        .arg(format!("127.0.0.1:{grpc_port}"))
        .arg("--otlp-http-endpoint")
        .arg(format!("127.0.0.1:{http_port}"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("start rotel-agent")
}

/// Whether something accepts connections on 127.0.0.1:`port`.
pub fn listening(port: u16) -> bool {
    TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(200)).is_ok()
}

/// The ocb-built collector: `CONSENTRY_OTELCOL`, else `scripts/build-collector.sh`
/// (which builds once and then answers from its cache).
pub fn otelcol_binary() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(p) = std::env::var_os("CONSENTRY_OTELCOL") {
            return PathBuf::from(p);
        }
        let out = Command::new("bash")
            .arg(repo_root().join("scripts/build-collector.sh"))
            .stderr(Stdio::inherit())
            .output()
            .expect("run scripts/build-collector.sh");
        assert!(
            out.status.success(),
            "building the collector failed; see stderr"
        );
        PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
    })
    .clone()
}

/// `rotel-agent` from the `rotel` Python wheel: `CONSENTRY_ROTEL`, else found through
/// the `rotel` package of `python3`.
pub fn rotel_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("CONSENTRY_ROTEL") {
        return PathBuf::from(p);
    }
    let out = Command::new("python3")
        .args([
            "-c",
            "import os, rotel; print(os.path.join(os.path.dirname(rotel.__file__), 'rotel-agent'))",
        ])
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "the rotel package is not installed (pip install rotel==0.0.1a15)"
    );
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}
