//! Harness for the ingest gateway tests: the gateway (otelcol with
//! collector-config/gateway.yaml and destination files, or Rotel with
//! collector-config/rotel/run.sh gateway) on reserved loopback ports, an HTTP client,
//! its metrics pages, a sink backend, and OTLP payloads (JSON and protobuf) as an old or
//! tampered client would send them.
//!
//! Reached as `crate::support::gateway` from the integration tests.

#![allow(dead_code, unreachable_pub, unused_imports)]

mod http;
mod metrics;
mod payload;
mod sink;

pub use http::{HttpConn, HttpResponse, http_get, http_post};
pub use metrics::Metrics;
pub use payload::{RawLink, RawSpan, Val, base64, now_ns, s, to_json, to_protobuf, to_request};
pub use sink::Sink;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::collector::{listening, otelcol_binary, rotel_binary};
use crate::support::ports::{self, Reserved};
use crate::support::repo_root;

/// Which implementation runs the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GatewayKind {
    Otelcol,
    Rotel,
}

/// A running gateway; killed on drop.
pub struct Gateway {
    pub kind: GatewayKind,
    pub grpc_port: u16,
    pub http_port: u16,
    pub health_port: u16,
    pub prometheus_port: u16,
    pub telemetry_port: u16,
    dir: tempfile::TempDir,
    child: Child,
    /// Held until the child is gone (fields drop after `Drop::drop` killed it).
    _ports: Vec<Reserved>,
}

/// Options for starting a gateway.
pub struct GatewayOptions {
    /// The first file given to --config (otelcol only): collector-config/gateway.yaml.
    pub base: PathBuf,
    /// Destination files after it (otelcol only), e.g. `forward-otlp.yaml`, from
    /// `config_dir`.
    pub destinations: Vec<&'static str>,
    /// Where the destination files are: collector-config/.
    pub config_dir: PathBuf,
    /// Extra environment (CONSENTRY_* settings).
    pub env: Vec<(String, String)>,
}

impl GatewayOptions {
    /// gateway.yaml with these destination files.
    pub fn with_destinations(destinations: Vec<&'static str>) -> GatewayOptions {
        GatewayOptions {
            base: config_path("gateway.yaml"),
            destinations,
            config_dir: config_path(""),
            env: Vec::new(),
        }
    }

    /// Forwarding over OTLP/gRPC to `backend_grpc_port` on loopback.
    pub fn forwarding_to(backend_grpc_port: u16) -> GatewayOptions {
        GatewayOptions {
            base: config_path("gateway.yaml"),
            config_dir: config_path(""),
            destinations: vec!["forward-otlp.yaml"],
            env: vec![
                (
                    "CONSENTRY_FORWARD_OTLP_ENDPOINT".into(),
                    format!("127.0.0.1:{backend_grpc_port}"),
                ),
                ("CONSENTRY_FORWARD_OTLP_INSECURE".into(), "true".into()),
            ],
        }
    }

    pub fn with(mut self, destination: &'static str) -> Self {
        self.destinations.push(destination);
        self
    }

    pub fn env(mut self, k: &str, v: impl Into<String>) -> Self {
        self.env.push((k.to_owned(), v.into()));
        self
    }
}

pub fn config_path(name: &str) -> PathBuf {
    repo_root().join("collector-config").join(name)
}

impl Gateway {
    /// otelcol with gateway.yaml plus the given destination files.
    pub fn start(opts: GatewayOptions) -> Gateway {
        let command = || {
            let mut cmd = Command::new(otelcol_binary());
            cmd.arg("--config").arg(&opts.base);
            for d in &opts.destinations {
                cmd.arg("--config").arg(opts.config_dir.join(d));
            }
            cmd
        };
        Self::spawn(GatewayKind::Otelcol, &command, &opts.env)
    }

    /// Rotel with collector-config/rotel/run.sh gateway, forwarding over OTLP/gRPC to
    /// `backend_grpc_port` (or discarding with `exporter = "blackhole"`).
    pub fn start_rotel(backend_grpc_port: u16, extra_env: &[(&str, &str)]) -> Gateway {
        let command = || {
            let mut cmd = Command::new("bash");
            cmd.arg(config_path("rotel/run.sh")).arg("gateway");
            cmd
        };
        let mut env: Vec<(String, String)> = vec![
            (
                "CONSENTRY_FORWARD_OTLP_ENDPOINT".into(),
                format!("http://127.0.0.1:{backend_grpc_port}"),
            ),
            (
                "CONSENTRY_ROTEL".into(),
                rotel_binary().display().to_string(),
            ),
            ("CONSENTRY_BATCH_TIMEOUT".into(), "100ms".into()),
        ];
        env.extend(
            extra_env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        Self::spawn(GatewayKind::Rotel, &command, &env)
    }

    fn spawn(
        kind: GatewayKind,
        command: &dyn Fn() -> Command,
        env: &[(String, String)],
    ) -> Gateway {
        ports::spawn_with_ports("gateway", 5, |ports| {
            Self::spawn_on(kind, command(), env, ports)
        })
    }

    fn spawn_on(
        kind: GatewayKind,
        mut cmd: Command,
        env: &[(String, String)],
        ports: Vec<Reserved>,
    ) -> Result<Gateway, String> {
        let dir = tempfile::tempdir().expect("tempdir");
        let [
            grpc_port,
            http_port,
            health_port,
            prometheus_port,
            telemetry_port,
        ] = ports::numbers(&ports)[..]
        else {
            unreachable!("five ports reserved")
        };
        let log = std::fs::File::create(dir.path().join("gateway.log")).expect("log file");
        cmd.env("CONSENTRY_OTLP_GRPC", format!("127.0.0.1:{grpc_port}"))
            .env("CONSENTRY_OTLP_HTTP", format!("127.0.0.1:{http_port}"))
            .env(
                "CONSENTRY_HEALTH_ENDPOINT",
                format!("127.0.0.1:{health_port}"),
            )
            .env(
                "CONSENTRY_PROMETHEUS_ENDPOINT",
                format!("127.0.0.1:{prometheus_port}"),
            )
            .env("CONSENTRY_TELEMETRY_HOST", "127.0.0.1")
            .env("CONSENTRY_TELEMETRY_PORT", telemetry_port.to_string())
            .env("CONSENTRY_METRICS_FLUSH_INTERVAL", "500ms")
            .env("CONSENTRY_BATCH_TIMEOUT", "200ms")
            .env(
                "CONSENTRY_FILE_PATH",
                dir.path().join("gateway-spans.jsonl"),
            );
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start gateway");
        let mut g = Gateway {
            kind,
            grpc_port,
            http_port,
            health_port,
            prometheus_port,
            telemetry_port,
            dir,
            child,
            _ports: ports,
        };
        g.wait_ready().map(|()| g)
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().expect("gateway status") {
                return Err(format!(
                    "gateway exited at start ({status}):\n{}",
                    self.log()
                ));
            }
            let ready = match self.kind {
                // The health check answers 200 once every pipeline is up.
                GatewayKind::Otelcol => {
                    matches!(http_get(self.health_port, "/"), Ok((200, _)))
                }
                GatewayKind::Rotel => listening(self.grpc_port) && listening(self.http_port),
            };
            if ready {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("gateway not ready after 30 s:\n{}", self.log()));
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

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Still running?
    pub fn alive(&mut self) -> bool {
        self.child.try_wait().expect("gateway status").is_none()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("gateway.log")).unwrap_or_default()
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// POSTs an OTLP/HTTP traces request.
    pub fn post_traces(&self, content_type: &str, body: &[u8]) -> HttpResponse {
        http_post(
            self.http_port,
            "/v1/traces",
            &[("Content-Type", content_type)],
            body,
        )
        .unwrap_or_else(|e| panic!("POST to the gateway failed: {e}\n{}", self.log()))
    }

    /// The collector's own metrics (Prometheus text), parsed.
    pub fn own_metrics(&self) -> Metrics {
        Metrics::scrape(self.telemetry_port)
    }

    /// The gateway's Prometheus exporter (usage metrics, spanmetrics.yaml), parsed.
    pub fn exported_metrics(&self) -> Metrics {
        Metrics::scrape(self.prometheus_port)
    }

    /// Resident memory of the gateway process, in KiB.
    pub fn rss_kib(&self) -> u64 {
        proc_rss_kib(self.pid())
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// VmRSS of a process, in KiB (0 when it is gone).
pub fn proc_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// User plus system CPU time of a process so far, in seconds.
pub fn proc_cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

/// The lines between `BEGIN GENERATED <name>` and `END GENERATED <name>` (every
/// occurrence, concatenated), trimmed.
pub fn generated_block(text: &str, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        if line.contains(&format!("BEGIN GENERATED {name} "))
            || line
                .trim_end()
                .ends_with(&format!("BEGIN GENERATED {name}"))
        {
            inside = true;
        } else if line.contains(&format!("END GENERATED {name}")) {
            inside = false;
        } else if inside {
            out.push(line.trim().to_owned());
        }
    }
    out
}

/// The patterns of collector-config/secret-patterns.txt.
pub fn secret_patterns() -> Vec<String> {
    std::fs::read_to_string(config_path("secret-patterns.txt"))
        .expect("secret-patterns.txt")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}
