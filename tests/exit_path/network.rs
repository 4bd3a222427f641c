//! Real network conditions (Toxiproxy on loopback, an untrusted TLS server, a name
//! that never resolves): exit never waits on them, and the uploader delivers every
//! span exactly once by span id when the network lets it.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::*;
use crate::support::toxiproxy::{Toxiproxy, listening_ports};
use crate::support::{Collector, CollectorKind, Transport};

fn list_fast(user: &Taskr, why: &str) {
    let r = user.run(&["list"]);
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (Some(0), "", ""),
        "{why}: {r:?}"
    );
    assert!(r.took < EXIT_LIMIT, "{why}: exit took {:?}", r.took);
}

/// Every run's span arrives within 60 s of the run, once.
fn delivered_within_a_minute(collector: &Collector, runs: usize, why: &str) {
    collector.wait_for(why, Duration::from_secs(60), |s| distinct(s).len() >= runs);
    std::thread::sleep(Duration::from_millis(500));
    let spans = collector.spans();
    assert_eq!(distinct(&spans).len(), runs, "{why}: spans invented");
    assert_eq!(spans.len(), runs, "{why}: a span arrived twice");
}

#[test]
fn latency_bandwidth_and_faults_never_reach_exit() {
    let proxy_server = Toxiproxy::start();
    for (transport, name) in [(Transport::Http, "http"), (Transport::Grpc, "grpc")] {
        for rtt in [20u64, 300] {
            let collector = Collector::start(CollectorKind::Otelcol);
            let upstream = match transport {
                Transport::Http => collector.http_port,
                Transport::Grpc => collector.grpc_port,
            };
            let proxy = proxy_server.proxy(&format!("{name}-{rtt}"), upstream);
            proxy.round_trip(Duration::from_millis(rtt));
            let user = Taskr::sending_to(&proxy.url(), transport);
            for i in 0..4 {
                list_fast(&user, &format!("{name} at {rtt} ms, run {i}"));
            }
            delivered_within_a_minute(&collector, 4, &format!("{name} at {rtt} ms"));
        }
    }
    // A trickle (1 KB/s), a peer that resets, a connection that times out, a slow close.
    let toxics = [
        ("bandwidth", "upstream", r#"{"rate":1}"#),
        ("reset_peer", "upstream", r#"{"timeout":10}"#),
        ("timeout", "upstream", r#"{"timeout":0}"#),
        ("slow_close", "downstream", r#"{"delay":5000}"#),
    ];
    for (kind, stream, attrs) in toxics {
        let collector = Collector::start(CollectorKind::Otelcol);
        let proxy = proxy_server.proxy(kind, collector.http_port);
        proxy.toxic(kind, kind, stream, attrs);
        let user = Taskr::sending_to(&proxy.url(), Transport::Http);
        for i in 0..3 {
            list_fast(&user, &format!("{kind} run {i}"));
        }
        proxy.remove_toxic(kind);
        // The uploader retries within its lifetime, else the next run starts one.
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut extra = 0;
        while distinct(&collector.spans()).len() < 3 + extra || !spool_files(&user).is_empty() {
            assert!(
                Instant::now() < deadline,
                "{kind}: not delivered:\n{}",
                status(&user)
            );
            std::thread::sleep(Duration::from_millis(500));
            if !spool_files(&user).is_empty() && !status(&user).contains("uploader: sending") {
                list_fast(&user, &format!("{kind}: a later run"));
                extra += 1;
            }
        }
        assert_eq!(distinct(&collector.spans()).len(), 3 + extra, "{kind}");
    }
}

/// 64 concurrent runs while the collector flips between refusing and accepting.
#[test]
fn sixty_four_runs_with_the_collector_flipping() {
    let proxy_server = Toxiproxy::start();
    let collector = Collector::start(CollectorKind::Otelcol);
    let proxy = proxy_server.proxy("flip", collector.http_port);
    let user = Taskr::sending_to(&proxy.url(), Transport::Http);
    let children: Vec<_> = (0..64)
        .map(|i| {
            if i % 16 == 0 {
                proxy.set_enabled(i % 32 != 0);
            }
            let mut c = user.command(&["list"]);
            c.stdout(Stdio::piped()).stderr(Stdio::piped());
            c.spawn().expect("spawn taskr")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{out:?}");
    }
    proxy.set_enabled(true);
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut extra = 0;
    while distinct(&collector.spans()).len() < 64 + extra || !spool_files(&user).is_empty() {
        assert!(
            Instant::now() < deadline,
            "not delivered:\n{}",
            status(&user)
        );
        std::thread::sleep(Duration::from_millis(500));
        if !spool_files(&user).is_empty() && !status(&user).contains("uploader: sending") {
            list_fast(&user, "a later run");
            extra += 1;
        }
    }
    assert_eq!(distinct(&collector.spans()).len(), 64 + extra);
    assert!(status(&user).contains("invalid spool entries deleted: 0"));
}

/// A collector name that never resolves (`.invalid`, RFC 2606): exit as fast as ever,
/// nothing sent anywhere, the failure counted, the request kept.
#[test]
fn a_name_that_never_resolves() {
    let user = Taskr::sending_to("http://collector.invalid:4318", Transport::Http);
    let out = opted_out(&user, &["list"]);
    let r = user.run(&["list"]);
    assert_like_opted_out(&r, &out, ".invalid");
    let s = wait_status(&user, "attempts failed", Duration::from_secs(30));
    assert!(s.contains("spooled: 1 requests"), "{s}");
    // Status names the reason, not only the count: the name did not resolve.
    assert!(
        s.lines()
            .any(|l| l.starts_with("delivery: last failure:") && l.contains("lookup")),
        "{s}"
    );
}

/// A private CA (the file the tool is told to trust) and a localhost certificate it
/// signed, made by openssl. (A self-signed leaf with `CA:TRUE` is refused by webpki as
/// a CA used as an end entity, so the test signs a proper leaf.)
fn certificate(dir: &std::path::Path) -> (PathBuf, PathBuf, PathBuf) {
    let p = |n: &str| dir.join(n);
    let openssl = |args: &[&str]| {
        let ok = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("openssl (apt package openssl)");
        assert!(ok.success(), "openssl {args:?}");
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    openssl(
        &[
            &["req", "-x509"][..],
            &ec,
            &[
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "2",
                "-subj",
                "/CN=test CA",
            ],
        ]
        .concat(),
    );
    openssl(
        &[
            &["req"][..],
            &ec,
            &[
                "-keyout",
                "key.pem",
                "-out",
                "leaf.csr",
                "-subj",
                "/CN=localhost",
            ],
        ]
        .concat(),
    );
    std::fs::write(
        p("ext.cnf"),
        "basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "cert.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]);
    (p("ca.pem"), p("cert.pem"), p("key.pem"))
}

/// A child process killed and reaped when dropped, also when an assertion fails.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A TLS server (`openssl s_server`) on a port of its own; what clients send after the
/// handshake appears on its stdout.
fn tls_server(
    cert: &std::path::Path,
    key: &std::path::Path,
    out: &std::path::Path,
) -> (Server, u16) {
    // Unbuffered (coreutils stdbuf): a request must show in the file while it runs.
    let child = Server(
        Command::new("stdbuf")
            .args([
                "-o0",
                "openssl",
                "s_server",
                "-accept",
                "127.0.0.1:0",
                "-naccept",
                "50",
            ])
            .arg("-cert")
            .arg(cert)
            .arg("-key")
            .arg(key)
            .stdin(Stdio::piped())
            .stdout(std::fs::File::create(out).unwrap())
            .stderr(Stdio::null())
            .spawn()
            .expect("stdbuf and openssl s_server"),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(port) = listening_ports(child.0.id()).into_iter().next() {
            return (child, port);
        }
        assert!(Instant::now() < deadline, "s_server did not listen");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn an_invalid_certificate_sends_nothing_and_is_counted() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = certificate(dir.path());
    let seen = dir.path().join("seen");
    let (_server, port) = tls_server(&cert, &key, &seen);
    let url = format!("https://localhost:{port}");
    let user = Taskr::sending_to(&url, Transport::Http);
    let out = opted_out(&user, &["list"]);
    let r = user.run(&["list"]);
    assert_like_opted_out(&r, &out, "untrusted certificate");
    let s = wait_status(&user, "attempts failed", Duration::from_secs(30));
    assert!(s.contains("spooled: 1 requests"), "{s}");
    // Status names the reason, not only the count: the certificate was refused.
    assert!(
        s.lines()
            .any(|l| l.starts_with("delivery: last failure:") && l.contains("certificate")),
        "{s}"
    );
    // Positive control: the same server, its certificate trusted through the test-only
    // CA variable, receives the request.
    let mut trusted = Taskr::sending_to(&url, Transport::Http);
    trusted.env("TASKR_TELEMETRY_CA_FILE", &ca);
    list_fast(&trusted, "trusted certificate");
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut text = String::new();
    while !text.contains("POST /v1/traces") {
        assert!(
            Instant::now() < deadline,
            "the trusted run's request never arrived: {text}"
        );
        std::thread::sleep(Duration::from_millis(50));
        // Binary (the protobuf body follows the headers): read lossily.
        text = String::from_utf8_lossy(&std::fs::read(&seen).unwrap()).into_owned();
    }
    assert_eq!(
        text.matches("POST /v1/traces").count(),
        1,
        "the untrusted run's request reached the server"
    );
}

/// The certificate an operator makes the default `openssl req -x509` way is a CA
/// (`CA:TRUE`), which TLS refuses as a server's own certificate even when the CLI is
/// told to trust it. Nothing is delivered, and `telemetry status` says why (the
/// operator's fix is collector-config/make-cert.sh).
#[test]
fn a_self_signed_ca_certificate_is_refused_and_status_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let ok = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "key.pem",
            "-out",
            "cert.pem",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
        ])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl");
    assert!(ok.success());
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let seen = dir.path().join("seen");
    let (_server, port) = tls_server(&cert, &key, &seen);
    let mut user = Taskr::sending_to(&format!("https://localhost:{port}"), Transport::Http);
    user.env("TASKR_TELEMETRY_CA_FILE", &cert);
    let r = user.run(&["list"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let s = wait_status(&user, "attempts failed", Duration::from_secs(30));
    let why = s
        .lines()
        .find(|l| l.starts_with("delivery: last failure:"))
        .unwrap_or_else(|| panic!("no reason in status: {s}"));
    assert!(why.contains("certificate"), "{why}");
    let text = String::from_utf8_lossy(&std::fs::read(&seen).unwrap()).into_owned();
    assert!(
        !text.contains("POST /v1/traces"),
        "the request was sent: {text}"
    );
}
