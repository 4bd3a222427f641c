//! Bad input at the gateway: oversized requests, malformed protobuf and JSON, a wrong
//! content type, a decompression bomb, other signals, and a flood beyond the memory
//! limit. The gateway answers each with an error, stays up, and serves well-formed
//! requests afterwards.

use crate::support;
use crate::support::gateway;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use gateway::{Gateway, GatewayOptions, HttpConn, RawSpan, Sink, to_protobuf};
use support::{Collector, CollectorKind};

const PB: &str = "application/x-protobuf";

fn good(n: u64) -> Vec<u8> {
    to_protobuf(&[RawSpan::consentry_like("sentinel", n)])
}

/// Spans the gateway forwarded so far (its exporter's own counter).
fn sent(gw: &Gateway) -> f64 {
    gw.own_metrics().sum(
        "otelcol_exporter_sent_spans",
        &[("exporter", "otlp_grpc/vendor")],
    )
}

fn wait_sent(gw: &Gateway, at_least: f64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while sent(gw) < at_least {
        assert!(
            Instant::now() < deadline,
            "gateway forwarded {} spans, expected {at_least}:\n{}",
            sent(gw),
            gw.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn malformed_oversized_and_mistyped_requests_get_errors_and_the_gateway_keeps_serving() {
    let backend = Collector::start(CollectorKind::Otelcol);
    let mut gw = Gateway::start(GatewayOptions::forwarding_to(backend.grpc_port));
    let post = |ct: &str, body: &[u8], extra: &[(&str, &str)]| {
        let mut h = vec![("Content-Type", ct)];
        h.extend_from_slice(extra);
        gateway::http_post(gw.http_port, "/v1/traces", &h, body).map(|r| r.status)
    };

    // Oversized: 2 MiB of valid spans, over the 1 MiB limit.
    let many: Vec<RawSpan> = (0..8000)
        .map(|n| RawSpan::consentry_like("big", n))
        .collect();
    let big = to_protobuf(&many);
    assert!(big.len() > 1_100_000, "{}", big.len());
    let status = post(PB, &big, &[]);
    assert!(
        matches!(status, Ok(400 | 413)) || status.is_err(),
        "oversized request: {status:?}"
    );

    // Malformed protobuf: a length prefix pointing past the end, and random bytes.
    assert_eq!(
        post(PB, &[0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01], &[]).unwrap(),
        400
    );
    let noise: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    assert_eq!(post(PB, &noise, &[]).unwrap(), 400);
    // Malformed JSON.
    assert_eq!(
        post("application/json", br#"{"resourceSpans":[{"#, &[]).unwrap(),
        400
    );
    // Wrong content type.
    assert_eq!(post("text/plain", b"hello", &[]).unwrap(), 415);
    assert_eq!(post("application/xml", b"<spans/>", &[]).unwrap(), 415);
    // A decompression bomb: 48 KiB of gzip that inflates to 50 MB.
    let bomb = gzip_zeros(50_000_000);
    assert!(bomb.len() < 200_000);
    let status = post(PB, &bomb, &[("Content-Encoding", "gzip")]);
    assert!(
        matches!(status, Ok(400 | 413)) || status.is_err(),
        "decompression bomb: {status:?}"
    );
    // Signals the gateway does not take.
    let r = gateway::http_post(gw.http_port, "/v1/metrics", &[("Content-Type", PB)], b"").unwrap();
    assert_eq!(r.status, 404);
    let r = gateway::http_post(gw.http_port, "/v1/logs", &[("Content-Type", PB)], b"").unwrap();
    assert_eq!(r.status, 404);

    assert!(gw.alive(), "the gateway died:\n{}", gw.log());
    let r = gw.post_traces(PB, &good(1));
    assert_eq!(r.status, 200, "{}", r.text());
    backend.wait_for(
        "the well-formed span after the bad ones",
        Duration::from_secs(30),
        |s| s.len() == 1,
    );
    assert_eq!(
        backend.spans().len(),
        1,
        "nothing from the bad requests arrived"
    );
}

/// gzip of `n` zero bytes, written by hand (stored header + fixed-Huffman run-length
/// blocks would need a compressor; a zero run compresses to almost nothing with the
/// system's gzip).
fn gzip_zeros(n: usize) -> Vec<u8> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("gzip")
        .arg("-c")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("gzip");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let zeros = vec![0u8; 1 << 20];
        let mut left = n;
        while left > 0 {
            let k = left.min(zeros.len());
            stdin.write_all(&zeros[..k]).unwrap();
            left -= k;
        }
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out.stdout
}

#[test]
fn a_flood_beyond_the_memory_limit_is_refused_and_the_gateway_recovers() {
    let sink = Sink::start();
    let mut gw = Gateway::start(
        GatewayOptions::forwarding_to(sink.grpc_port)
            .env("CONSENTRY_MEMORY_LIMIT_MIB", "48")
            .env("CONSENTRY_MEMORY_SPIKE_MIB", "16"),
    );
    wait_sent(&gw, 0.0);
    // ~900 KB requests of valid spans, from 16 connections at once, for 8 s.
    let spans: Vec<RawSpan> = (0..1800)
        .map(|n| RawSpan::consentry_like("flood", n))
        .collect();
    let body = Arc::new(to_protobuf(&spans));
    assert!(body.len() < 1_000_000, "{}", body.len());
    let stop = Arc::new(AtomicBool::new(false));
    let (ok, refused, failed) = (
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
    );
    let refused_status = Arc::new(AtomicU64::new(0));
    let mut peak_rss = 0;
    let workers: Vec<_> = (0..16)
        .map(|_| {
            let (body, stop, ok, refused, failed) = (
                body.clone(),
                stop.clone(),
                ok.clone(),
                refused.clone(),
                failed.clone(),
            );
            let refused_status = refused_status.clone();
            let port = gw.http_port;
            std::thread::spawn(move || {
                // One keep-alive client per worker, as a real sender holds its connection.
                let mut conn = HttpConn::new(port, Duration::from_secs(10));
                while !stop.load(Ordering::Relaxed) {
                    match conn.post("/v1/traces", &[("Content-Type", PB)], &body) {
                        Ok(r) if r.status == 200 => {
                            ok.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(r) => {
                            refused.fetch_add(1, Ordering::Relaxed);
                            refused_status.store(u64::from(r.status), Ordering::Relaxed);
                        }
                        Err(_) => {
                            failed.fetch_add(1, Ordering::Relaxed);
                            std::thread::sleep(Duration::from_millis(20));
                        }
                    }
                }
            })
        })
        .collect();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(8) {
        peak_rss = peak_rss.max(gw.rss_kib());
        std::thread::sleep(Duration::from_millis(100));
    }
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }
    let (ok, refused, failed) = (
        ok.load(Ordering::Relaxed),
        refused.load(Ordering::Relaxed),
        failed.load(Ordering::Relaxed),
    );
    let m = gw.own_metrics();
    let refused_spans = m.sum("otelcol_receiver_refused_spans", &[("transport", "http")]);
    eprintln!(
        "flood: {ok} accepted, {refused} refused (HTTP {}), {failed} failed requests; {refused_spans} spans refused; peak RSS {} MiB",
        refused_status.load(Ordering::Relaxed),
        peak_rss / 1024
    );
    assert!(
        gw.alive(),
        "the gateway died under the flood:\n{}",
        gw.log()
    );
    assert!(
        refused > 0 && refused_spans > 0.0,
        "the flood was never refused ({ok} accepted):\n{}",
        gw.log()
    );
    assert!(ok > 0, "nothing was accepted during the flood");

    // Afterwards: well-formed requests are served again (bounded wait for the memory
    // limiter to let go).
    let before = sent(&gw);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut n = 0;
    loop {
        n += 1;
        let r = gw.post_traces(PB, &good(1_000_000 + n));
        if r.status == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still refusing 30 s after the flood: {} {}",
            r.status,
            r.text()
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    wait_sent(&gw, before + 1.0);
    assert!(gw.alive());
}
