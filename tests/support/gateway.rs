//! Harness for the ingest gateway tests: the gateway (otelcol with
//! collector-config/gateway.yaml and destination files, or Rotel with
//! collector-config/rotel/run.sh gateway) on free loopback ports, a raw HTTP/1.1
//! client, and OTLP payloads built by hand (JSON and protobuf), as an old or tampered
//! client would send them.
//!
//! Included by the gateway test files with `#[path = "support/gateway.rs"] mod gateway;`
//! next to `mod support;`.

#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::collector::{listening, otelcol_binary, rotel_binary, spawn_rotel};
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
    /// Destination files after gateway.yaml (otelcol only), e.g. `forward-otlp.yaml`.
    pub destinations: Vec<&'static str>,
    /// Extra environment (CONSENTRY_* settings).
    pub env: Vec<(String, String)>,
}

impl GatewayOptions {
    /// Forwarding over OTLP/gRPC to `backend_grpc_port` on loopback.
    pub fn forwarding_to(backend_grpc_port: u16) -> GatewayOptions {
        GatewayOptions {
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
            cmd.arg("--config").arg(config_path("gateway.yaml"));
            for d in &opts.destinations {
                cmd.arg("--config").arg(config_path(d));
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

    /// The gateway's Prometheus exporter (audit counters, usage metrics), parsed.
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

// ---------------------------------------------------------------------------------
// Prometheus text

/// Samples of a Prometheus text page: (name, labels, value).
#[derive(Debug, Default)]
pub struct Metrics {
    pub samples: Vec<(String, BTreeMap<String, String>, f64)>,
    pub text: String,
}

impl Metrics {
    pub fn scrape(port: u16) -> Metrics {
        let text = match http_get(port, "/metrics") {
            Ok((200, body)) => String::from_utf8_lossy(&body).into_owned(),
            other => panic!("scraping 127.0.0.1:{port}/metrics: {other:?}"),
        };
        Metrics::parse(&text)
    }

    pub fn parse(text: &str) -> Metrics {
        let mut samples = Vec::new();
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            let (head, value) = match line.rsplit_once(' ') {
                Some(x) => x,
                None => continue,
            };
            let Ok(value) = value.parse::<f64>() else {
                continue;
            };
            let (name, labels) = match head.split_once('{') {
                Some((n, l)) => (n, l.trim_end_matches('}')),
                None => (head, ""),
            };
            let mut map = BTreeMap::new();
            // Label values here never hold `",`; a simple split is enough.
            for pair in labels.split("\",").filter(|p| !p.is_empty()) {
                if let Some((k, v)) = pair.split_once("=\"") {
                    map.insert(
                        k.trim_matches(',').to_owned(),
                        v.trim_end_matches('"').to_owned(),
                    );
                }
            }
            samples.push((name.to_owned(), map, value));
        }
        Metrics {
            samples,
            text: text.to_owned(),
        }
    }

    /// Sum of the samples of `name` whose labels include every pair in `labels` (a
    /// missing label counts as empty).
    pub fn sum(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.samples
            .iter()
            .filter(|(n, l, _)| {
                n == name
                    && labels
                        .iter()
                        .all(|(k, v)| l.get(*k).map_or("", String::as_str) == *v)
            })
            .map(|(_, _, v)| v)
            .sum()
    }
}

// ---------------------------------------------------------------------------------
// A minimal HTTP/1.1 client over one TCP connection, loopback only.

#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A keep-alive connection to 127.0.0.1:port.
pub struct HttpConn {
    port: u16,
    reader: BufReader<TcpStream>,
}

impl HttpConn {
    pub fn connect(port: u16, timeout: Duration) -> std::io::Result<HttpConn> {
        let s = TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), timeout)?;
        s.set_read_timeout(Some(timeout))?;
        s.set_write_timeout(Some(timeout))?;
        s.set_nodelay(true)?;
        Ok(HttpConn {
            port,
            reader: BufReader::new(s),
        })
    }

    pub fn post(
        &mut self,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> std::io::Result<HttpResponse> {
        let mut req = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: {}\r\n",
            self.port,
            body.len()
        );
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        let s = self.reader.get_mut();
        s.write_all(req.as_bytes())?;
        s.write_all(body)?;
        self.read_response()
    }

    pub fn get(&mut self, path: &str) -> std::io::Result<HttpResponse> {
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\r\n",
            self.port
        );
        self.reader.get_mut().write_all(req.as_bytes())?;
        self.read_response()
    }

    fn read_response(&mut self) -> std::io::Result<HttpResponse> {
        let bad = |m: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, m.to_owned());
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "connection closed",
            ));
        }
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad(&line))?;
        let (mut len, mut chunked) = (None, false);
        loop {
            line.clear();
            self.reader.read_line(&mut line)?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            let lower = l.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-length:") {
                len = v.trim().parse::<usize>().ok();
            } else if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
                chunked = true;
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                line.clear();
                self.reader.read_line(&mut line)?;
                let n = usize::from_str_radix(line.trim().split(';').next().unwrap_or("0"), 16)
                    .map_err(|_| bad("chunk"))?;
                let mut chunk = vec![0; n + 2];
                self.reader.read_exact(&mut chunk)?;
                if n == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..n]);
            }
        } else if let Some(n) = len {
            body.resize(n, 0);
            self.reader.read_exact(&mut body)?;
        }
        Ok(HttpResponse { status, body })
    }
}

pub fn http_post(
    port: u16,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<HttpResponse> {
    HttpConn::connect(port, Duration::from_secs(15))?.post(path, headers, body)
}

pub fn http_get(port: u16, path: &str) -> std::io::Result<(u16, Vec<u8>)> {
    let r = HttpConn::connect(port, Duration::from_secs(5))?.get(path)?;
    Ok((r.status, r.body))
}

// ---------------------------------------------------------------------------------
// OTLP payloads built by hand.

/// An attribute value.
#[derive(Debug, Clone)]
pub enum Val {
    Str(String),
    Int(i64),
    Strs(Vec<String>),
}

pub fn s(v: &str) -> Val {
    Val::Str(v.to_owned())
}

/// One span with its resource and scope, as a client posts it.
#[derive(Debug, Clone)]
pub struct RawSpan {
    pub resource: Vec<(String, Val)>,
    pub scope: String,
    pub name: String,
    pub trace_id: [u8; 16],
    pub span_id: [u8; 8],
    pub trace_state: String,
    pub status_message: String,
    pub attrs: Vec<(String, Val)>,
    pub events: Vec<(String, Vec<(String, Val)>)>,
}

impl RawSpan {
    /// A span shaped like consentry's for `command`, with the keys the manifest lists
    /// (values made up), and ids derived from `n`.
    pub fn consentry_like(command: &str, n: u64) -> RawSpan {
        let mut trace_id = [0u8; 16];
        trace_id[..8].copy_from_slice(&(n + 1).to_be_bytes());
        trace_id[8..].copy_from_slice(&0x5eed_u64.to_be_bytes());
        RawSpan {
            resource: vec![
                ("service.name".into(), s("taskr")),
                ("service.version".into(), s("0.1.0")),
                ("os.type".into(), s("linux")),
                ("os.version".into(), s("6.1.0-18-amd64")),
                ("host.arch".into(), s("amd64")),
                (
                    "consentry.install.id".into(),
                    s("0b6c2a4e-5f0d-4b8e-9a57-3d1e2f9c7a10"),
                ),
            ],
            scope: "consentry".into(),
            name: "taskr".into(),
            trace_id,
            span_id: (n + 1).to_be_bytes(),
            trace_state: String::new(),
            status_message: String::new(),
            attrs: vec![
                ("process.executable.name".into(), s("taskr")),
                ("consentry.command".into(), s(command)),
                (
                    "process.command_args".into(),
                    Val::Strs(vec!["taskr".into(), command.into(), "*****".into()]),
                ),
                ("process.exit.code".into(), Val::Int(0)),
            ],
            events: Vec::new(),
        }
    }

    pub fn trace_id_hex(&self) -> String {
        self.trace_id.iter().map(|b| format!("{b:02x}")).collect()
    }
}

fn json_val(v: &Val) -> serde_json::Value {
    match v {
        Val::Str(s) => serde_json::json!({ "stringValue": s }),
        Val::Int(i) => serde_json::json!({ "intValue": i.to_string() }),
        Val::Strs(a) => {
            serde_json::json!({ "arrayValue": { "values": a.iter().map(|s| serde_json::json!({ "stringValue": s })).collect::<Vec<_>>() } })
        }
    }
}

fn json_attrs(a: &[(String, Val)]) -> serde_json::Value {
    a.iter()
        .map(|(k, v)| serde_json::json!({ "key": k, "value": json_val(v) }))
        .collect::<Vec<_>>()
        .into()
}

/// OTLP/JSON ExportTraceServiceRequest, one resource per span.
pub fn to_json(spans: &[RawSpan]) -> Vec<u8> {
    let hex = |b: &[u8]| b.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let rs: Vec<serde_json::Value> = spans
        .iter()
        .map(|sp| {
            serde_json::json!({
                "resource": { "attributes": json_attrs(&sp.resource) },
                "scopeSpans": [{
                    "scope": { "name": sp.scope, "version": "0.1.0" },
                    "spans": [{
                        "traceId": hex(&sp.trace_id),
                        "spanId": hex(&sp.span_id),
                        "traceState": sp.trace_state,
                        "name": sp.name,
                        "kind": 1,
                        "startTimeUnixNano": "1700000000000000000",
                        "endTimeUnixNano": "1700000000250000000",
                        "attributes": json_attrs(&sp.attrs),
                        "events": sp.events.iter().map(|(n, a)| serde_json::json!({
                            "name": n, "timeUnixNano": "1700000000100000000", "attributes": json_attrs(a)
                        })).collect::<Vec<_>>(),
                        "status": { "code": if sp.status_message.is_empty() { 0 } else { 2 }, "message": sp.status_message },
                    }]
                }]
            })
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({ "resourceSpans": rs })).unwrap()
}

// Protobuf wire format, just what OTLP traces need.
fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn field_bytes(out: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    varint(out, u64::from(field << 3 | 2));
    varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn field_varint(out: &mut Vec<u8>, field: u32, v: u64) {
    varint(out, u64::from(field << 3));
    varint(out, v);
}

fn field_fixed64(out: &mut Vec<u8>, field: u32, v: u64) {
    varint(out, u64::from(field << 3 | 1));
    out.extend_from_slice(&v.to_le_bytes());
}

fn pb_any(v: &Val) -> Vec<u8> {
    let mut o = Vec::new();
    match v {
        Val::Str(s) => field_bytes(&mut o, 1, s.as_bytes()),
        Val::Int(i) => field_varint(&mut o, 3, *i as u64),
        Val::Strs(a) => {
            let mut arr = Vec::new();
            for s in a {
                let mut e = Vec::new();
                field_bytes(&mut e, 1, s.as_bytes());
                field_bytes(&mut arr, 1, &e);
            }
            field_bytes(&mut o, 5, &arr);
        }
    }
    o
}

fn pb_kv(out: &mut Vec<u8>, field: u32, attrs: &[(String, Val)]) {
    for (k, v) in attrs {
        let mut kv = Vec::new();
        field_bytes(&mut kv, 1, k.as_bytes());
        field_bytes(&mut kv, 2, &pb_any(v));
        field_bytes(out, field, &kv);
    }
}

/// OTLP/protobuf ExportTraceServiceRequest, one resource per span.
pub fn to_protobuf(spans: &[RawSpan]) -> Vec<u8> {
    let mut req = Vec::new();
    for sp in spans {
        let mut resource = Vec::new();
        pb_kv(&mut resource, 1, &sp.resource);
        let mut scope = Vec::new();
        field_bytes(&mut scope, 1, sp.scope.as_bytes());
        field_bytes(&mut scope, 2, b"0.1.0");
        let mut span = Vec::new();
        field_bytes(&mut span, 1, &sp.trace_id);
        field_bytes(&mut span, 2, &sp.span_id);
        if !sp.trace_state.is_empty() {
            field_bytes(&mut span, 3, sp.trace_state.as_bytes());
        }
        field_bytes(&mut span, 5, sp.name.as_bytes());
        field_varint(&mut span, 6, 1);
        field_fixed64(&mut span, 7, 1_700_000_000_000_000_000);
        field_fixed64(&mut span, 8, 1_700_000_000_250_000_000);
        pb_kv(&mut span, 9, &sp.attrs);
        for (name, attrs) in &sp.events {
            let mut ev = Vec::new();
            field_fixed64(&mut ev, 1, 1_700_000_000_100_000_000);
            field_bytes(&mut ev, 2, name.as_bytes());
            pb_kv(&mut ev, 3, attrs);
            field_bytes(&mut span, 11, &ev);
        }
        if !sp.status_message.is_empty() {
            let mut st = Vec::new();
            field_bytes(&mut st, 2, sp.status_message.as_bytes());
            field_varint(&mut st, 3, 2);
            field_bytes(&mut span, 15, &st);
        }
        let mut scope_spans = Vec::new();
        field_bytes(&mut scope_spans, 1, &scope);
        field_bytes(&mut scope_spans, 2, &span);
        let mut rs = Vec::new();
        field_bytes(&mut rs, 1, &resource);
        field_bytes(&mut rs, 2, &scope_spans);
        field_bytes(&mut req, 1, &rs);
    }
    req
}

// ---------------------------------------------------------------------------------
// The generated blocks of the gateway's files.

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

// ---------------------------------------------------------------------------------
// A sink backend that accepts OTLP and discards it (Rotel's blackhole exporter).

pub struct Sink {
    pub grpc_port: u16,
    pub http_port: u16,
    child: Child,
    dir: tempfile::TempDir,
    /// Held until the child is gone (fields drop after `Drop::drop` killed it).
    _ports: Vec<Reserved>,
}

impl Sink {
    pub fn start() -> Sink {
        ports::spawn_with_ports("sink", 2, |ports| {
            let dir = tempfile::tempdir().expect("tempdir");
            let (grpc_port, http_port) = (ports[0].port(), ports[1].port());
            let child = spawn_rotel(
                &dir.path().join("sink.log"),
                grpc_port,
                http_port,
                &[
                    "--exporter",
                    "blackhole",
                    "--otlp-grpc-max-recv-msg-size-mib",
                    "64",
                ],
            );
            let mut sink = Sink {
                grpc_port,
                http_port,
                child,
                dir,
                _ports: ports,
            };
            let deadline = Instant::now() + Duration::from_secs(30);
            while !listening(grpc_port) {
                if let Some(status) = sink.child.try_wait().expect("sink status") {
                    return Err(format!("sink exited at start ({status}):\n{}", sink.log()));
                }
                if Instant::now() > deadline {
                    return Err(format!("sink not listening after 30 s:\n{}", sink.log()));
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            Ok(sink)
        })
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sink.log")).unwrap_or_default()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
