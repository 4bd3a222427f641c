//! Load test of the ingest gateway with its full processor chain (memory limiter and
//! consentrygate with the generated manifest rules and secret patterns).
//!
//! First the cost of the privacy checks: the gateway and the minimal pipeline (the same
//! binary, the same OTLP receiver, nothing in between: bench/gateway-minimal.yaml), both
//! writing to collector-config/forward-file.yaml, take the same load in alternating
//! trials at 1 and at 50 spans per request; the table gives each one's CPU time per
//! span, and the ratio (median over the trials) against the target of 1.5.
//!
//! Then capacity: the gateway forwarding to a sink (Rotel's blackhole exporter) on
//! loopback. Open-loop: 32 keep-alive connections send consentry-shaped OTLP/HTTP
//! protobuf at a rising target rate, a bounded time per step; a step whose accepted
//! rate falls under 80 % of the target ends the series. Prints a table: accepted
//! spans/s, refused and failed requests, latency, gateway CPU (cores) and peak RSS,
//! spans/s per core.
//!
//!   cargo test -p taskr --test gateway_load              short run (CI: counts, not timings)
//!   bench/gateway-load.sh                                full run, release build (longer
//!                                                        steps, 5 trials, Rotel too);
//!                                                        fails when a ratio is over 1.5
//!   bench/gateway-load.sh --ratio                        the privacy checks' cost only
//!
//! It fails when the gateway dies, accepts nothing, or forwards a different number of
//! spans than it accepted.

mod support;

use support::gateway;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gateway::{
    Gateway, GatewayKind, GatewayOptions, HttpConn, RawSpan, Sink, proc_cpu_seconds, to_protobuf,
};

const WORKERS: u64 = 32;
const PB: &str = "application/x-protobuf";

struct Step {
    target_spans: f64,
    spans_per_req: u64,
    ok: u64,
    refused: u64,
    failed: u64,
    secs: f64,
    p50_ms: f64,
    p99_ms: f64,
    cores: f64,
    rss_mib: f64,
}

impl Step {
    fn achieved(&self) -> f64 {
        (self.ok * self.spans_per_req) as f64 / self.secs
    }
}

fn run_step(port: u16, pid: u32, req_rate: f64, spans_per_req: u64, secs: f64) -> Step {
    let spans: Vec<RawSpan> = (0..spans_per_req)
        .map(|n| RawSpan::consentry_like("load", n))
        .collect();
    let body = Arc::new(to_protobuf(&spans));
    let stop = Arc::new(AtomicBool::new(false));
    let results = Arc::new(Mutex::new((0u64, 0u64, 0u64, Vec::<u32>::new())));
    let interval = Duration::from_secs_f64(WORKERS as f64 / req_rate);
    let cpu0 = proc_cpu_seconds(pid);
    let started = Instant::now();
    let workers: Vec<_> = (0..WORKERS)
        .map(|w| {
            let (body, stop, results) = (body.clone(), stop.clone(), results.clone());
            std::thread::spawn(move || {
                let (mut ok, mut refused, mut failed, mut lat) = (0, 0, 0, Vec::new());
                // Spread the workers' first sends over one interval.
                let mut next = Instant::now() + interval.mul_f64(w as f64 / WORKERS as f64);
                // One keep-alive client per worker, as a real sender holds its connection.
                let mut conn = HttpConn::new(port, Duration::from_secs(10));
                while !stop.load(Ordering::Relaxed) {
                    let now = Instant::now();
                    if now < next {
                        std::thread::sleep((next - now).min(Duration::from_millis(50)));
                        continue;
                    }
                    next += interval;
                    let t = Instant::now();
                    match conn.post("/v1/traces", &[("Content-Type", PB)], &body) {
                        Ok(r) if r.status == 200 => {
                            ok += 1;
                            lat.push(t.elapsed().as_micros() as u32);
                        }
                        Ok(_) => refused += 1,
                        Err(_) => failed += 1,
                    }
                }
                let mut r = results.lock().unwrap();
                r.0 += ok;
                r.1 += refused;
                r.2 += failed;
                r.3.extend(lat);
            })
        })
        .collect();
    let mut rss = 0;
    while started.elapsed().as_secs_f64() < secs {
        rss = rss.max(gateway::proc_rss_kib(pid));
        std::thread::sleep(Duration::from_millis(100));
    }
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cores = (proc_cpu_seconds(pid) - cpu0) / elapsed;
    let mut r = results.lock().unwrap();
    r.3.sort_unstable();
    let pct = |p: f64| {
        r.3.get(((r.3.len() as f64 * p) as usize).min(r.3.len().saturating_sub(1)))
            .map_or(0.0, |v| *v as f64 / 1000.0)
    };
    Step {
        target_spans: req_rate * spans_per_req as f64,
        spans_per_req,
        ok: r.0,
        refused: r.1,
        failed: r.2,
        secs: elapsed,
        p50_ms: pct(0.5),
        p99_ms: pct(0.99),
        cores,
        rss_mib: rss as f64 / 1024.0,
    }
}

fn series(
    label: &str,
    gw: &Gateway,
    spans_per_req: u64,
    req_rates: &[f64],
    secs: f64,
) -> Vec<Step> {
    let mut out = Vec::new();
    for &rate in req_rates {
        let step = run_step(gw.http_port, gw.pid(), rate, spans_per_req, secs);
        let saturated = step.achieved() < 0.8 * step.target_spans;
        println!(
            "| {label:<22} | {:>9.0} | {:>9.0} | {:>8} | {:>6} | {:>7.1} | {:>7.1} | {:>5.2} | {:>10.0} | {:>7.0} |",
            step.target_spans,
            step.achieved(),
            step.refused,
            step.failed,
            step.p50_ms,
            step.p99_ms,
            step.cores,
            if step.cores > 0.0 {
                step.achieved() / step.cores
            } else {
                0.0
            },
            step.rss_mib,
        );
        out.push(step);
        if saturated {
            break;
        }
    }
    out
}

fn header() {
    println!(
        "| gateway, spans/request  | target/s  | spans/s   | refused  | failed | p50 ms  | p99 ms  | cores | spans/core | RSS MiB |"
    );
    println!(
        "|------------------------|-----------|-----------|----------|--------|---------|---------|-------|------------|---------|"
    );
}

/// The privacy checks' target: at most this times the minimal pipeline's CPU per span.
const MAX_RATIO: f64 = 1.5;

/// CPU microseconds per accepted span in one step.
fn us_per_span(step: &Step) -> f64 {
    let spans = (step.ok * step.spans_per_req) as f64;
    if spans == 0.0 {
        return f64::INFINITY;
    }
    step.cores * step.secs * 1e6 / spans
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The gateway and the minimal pipeline side by side, both writing the file
/// destination; prints one line per trial and the median ratio. Returns the ratios.
/// The gateway's options with `destinations`; CONSENTRY_BENCH_CONFIG_DIR points at
/// another collector-config/ (an older release's, for a before/after comparison).
fn gateway_options(destinations: Vec<&'static str>) -> GatewayOptions {
    let mut opts = GatewayOptions::with_destinations(destinations);
    if let Some(dir) = std::env::var_os("CONSENTRY_BENCH_CONFIG_DIR") {
        let dir = std::path::PathBuf::from(dir);
        opts.base = dir.join("gateway.yaml");
        opts.config_dir = dir;
    }
    opts.env("CONSENTRY_COLLECTOR_LOG_LEVEL", "warn")
}

fn privacy_cost(full: bool) -> Vec<(u64, f64)> {
    let trials = if full { 5 } else { 1 };
    let secs = if full { 6.0 } else { 1.5 };
    let minimal = gateway::Gateway::start(GatewayOptions {
        base: support::repo_root().join("bench/gateway-minimal.yaml"),
        ..gateway_options(vec!["forward-file.yaml"])
    });
    let gateway = gateway::Gateway::start(gateway_options(vec!["forward-file.yaml"]));
    println!(
        "privacy checks: CPU per span, gateway vs minimal pipeline (both -> forward-file.yaml), {trials} trial(s) of {secs} s"
    );
    println!("| spans/request | spans/s | trial | minimal us/span | gateway us/span | ratio |");
    println!("|---------------|---------|-------|-----------------|-----------------|-------|");
    let mut out = Vec::new();
    for (spans_per_req, spans_per_s) in [(1u64, 2000.0), (50, 10000.0)] {
        let req_rate = spans_per_s / spans_per_req as f64;
        let mut ratios = Vec::new();
        for trial in 1..=trials {
            let m = run_step(
                minimal.http_port,
                minimal.pid(),
                req_rate,
                spans_per_req,
                secs,
            );
            let g = run_step(
                gateway.http_port,
                gateway.pid(),
                req_rate,
                spans_per_req,
                secs,
            );
            let (mu, gu) = (us_per_span(&m), us_per_span(&g));
            ratios.push(gu / mu);
            println!(
                "| {spans_per_req:>13} | {spans_per_s:>7.0} | {trial:>5} | {mu:>15.1} | {gu:>15.1} | {:>5.2} |",
                gu / mu
            );
        }
        let r = median(ratios);
        println!(
            "ratio at {spans_per_req} span(s)/request: {r:.2} (median of {trials}; target <= {MAX_RATIO}: {})",
            if r <= MAX_RATIO { "PASS" } else { "OVER" }
        );
        out.push((spans_per_req, r));
    }
    out
}

fn main() {
    let full = std::env::args().any(|a| a == "--full")
        || std::env::var_os("CONSENTRY_LOAD_FULL").is_some();
    let ratios = privacy_cost(full || std::env::args().any(|a| a == "--ratio"));
    if std::env::args().any(|a| a == "--ratio") {
        // The privacy checks' cost only (bench/gateway-load.sh --ratio).
        return;
    }
    let secs = if full { 5.0 } else { 1.5 };
    let single: Vec<f64> = if full {
        vec![250., 500., 1000., 2000., 4000., 8000., 16000.]
    } else {
        vec![200., 800.]
    };
    let batched: Vec<f64> = if full {
        vec![20., 50., 100., 200., 400., 800., 1600.]
    } else {
        vec![20., 80.]
    };
    let machine = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "gateway load test ({} run, {secs} s a step, {WORKERS} connections, {machine} CPUs shared by generator, gateway and sink)",
        if full { "full" } else { "short" }
    );
    header();

    let sink = Sink::start();
    let mut gw = Gateway::start(
        gateway_options(vec!["forward-otlp.yaml"])
            .env(
                "CONSENTRY_FORWARD_OTLP_ENDPOINT",
                format!("127.0.0.1:{}", sink.grpc_port),
            )
            .env("CONSENTRY_FORWARD_OTLP_INSECURE", "true"),
    );
    let mut steps = series("otelcol, 1", &gw, 1, &single, secs);
    steps.extend(series("otelcol, 50", &gw, 50, &batched, secs));
    assert!(gw.alive(), "the gateway died under load:\n{}", gw.log());

    // Every accepted span was forwarded: nothing lost or duplicated inside the gateway.
    let accepted: u64 = steps.iter().map(|s| s.ok * s.spans_per_req).sum();
    assert!(accepted > 0, "the gateway accepted nothing");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let m = gw.own_metrics();
        let received = m.sum("otelcol_receiver_accepted_spans", &[("transport", "http")]);
        let sent = m.sum(
            "otelcol_exporter_sent_spans",
            &[("exporter", "otlp_grpc/vendor")],
        );
        if sent == received && received >= accepted as f64 {
            println!("forwarded {sent} of {received} accepted spans");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "forwarded {sent} of {received} accepted spans ({accepted} acknowledged)"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    drop(gw);

    if full {
        let rotel = Gateway::start_rotel(sink.grpc_port, &[]);
        assert_eq!(rotel.kind, GatewayKind::Rotel);
        series("rotel, 1", &rotel, 1, &single, secs);
        series("rotel, 50", &rotel, 50, &batched, secs);
    }
    if full {
        let over: Vec<_> = ratios.iter().filter(|(_, r)| *r > MAX_RATIO).collect();
        assert!(
            over.is_empty(),
            "privacy checks over {MAX_RATIO}x: {over:?}"
        );
    }
    println!("1 passed, 0 failed");
}
