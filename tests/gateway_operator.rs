//! The operator's path, as collector-config/README.md gives it: a certificate made by
//! make-cert.sh is one the CLI accepts (taskr -> TLS gateway -> backend), and a relay
//! holds the bearer token the CLIs cannot (taskr -> public gateway -> relay with the
//! token over TLS -> internal gateway with internal-auth.yaml and internal-tls.yaml).

use crate::support;
use crate::support::gateway;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use gateway::{Gateway, GatewayOptions};
use support::{Collector, CollectorKind, Taskr, Transport, attr_str, otlp};

fn make_cert(dir: &Path) {
    let out = Command::new("bash")
        .arg(gateway::config_path("make-cert.sh"))
        .arg(dir)
        .args(["127.0.0.1", "localhost"])
        .output()
        .expect("make-cert.sh");
    assert!(
        out.status.success(),
        "make-cert.sh failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn tls_env(opts: GatewayOptions, certs: &Path) -> GatewayOptions {
    opts.env(
        "CONSENTRY_TLS_CERT",
        certs.join("gateway.pem").display().to_string(),
    )
    .env(
        "CONSENTRY_TLS_KEY",
        certs.join("gateway.key").display().to_string(),
    )
}

#[test]
fn a_certificate_from_make_cert_is_accepted_by_the_cli() {
    let certs = tempfile::tempdir().unwrap();
    make_cert(certs.path());
    let backend = Collector::start(CollectorKind::Otelcol);
    let mut opts = GatewayOptions::forwarding_to(backend.grpc_port);
    opts.destinations.insert(0, "internal-tls.yaml");
    let gw = Gateway::start(tls_env(opts, certs.path()));
    for transport in [Transport::Http, Transport::Grpc] {
        let port = match transport {
            Transport::Http => gw.http_port,
            Transport::Grpc => gw.grpc_port,
        };
        let mut user = Taskr::sending_to(&format!("https://127.0.0.1:{port}"), transport);
        user.env("TASKR_TELEMETRY_CA_FILE", certs.path().join("ca.pem"));
        let r = user.run(&["list", "--all"]);
        assert_eq!(r.code, Some(0), "{r:?}");
        let want = match transport {
            Transport::Http => 1,
            Transport::Grpc => 2,
        };
        backend.wait_for("the run over TLS", Duration::from_secs(30), |s| {
            s.len() >= want
        });
    }
    for s in backend.spans() {
        assert_eq!(
            attr_str(&s.attrs, "consentry.command").as_deref(),
            Some("list")
        );
    }
}

#[test]
fn a_relay_holds_the_token_and_the_cli_holds_none() {
    let certs = tempfile::tempdir().unwrap();
    make_cert(certs.path());
    // The internal gateway: token and TLS required, writing the rotated file.
    let internal = Gateway::start(tls_env(
        GatewayOptions::with_destinations(vec![
            "internal-auth.yaml",
            "internal-tls.yaml",
            "forward-file.yaml",
        ])
        .env("CONSENTRY_INGEST_TOKEN", "relay-secret-7f3a"),
        certs.path(),
    ));
    // The public gateway the CLIs reach, relaying with the token (README, "A relay").
    let relay = Gateway::start(
        GatewayOptions::with_destinations(vec!["forward-otlp.yaml"])
            .env(
                "CONSENTRY_FORWARD_OTLP_ENDPOINT",
                format!("127.0.0.1:{}", internal.grpc_port),
            )
            .env(
                "CONSENTRY_FORWARD_OTLP_CA_FILE",
                certs.path().join("ca.pem").display().to_string(),
            )
            .env(
                "CONSENTRY_FORWARD_OTLP_HEADERS",
                "{authorization: Bearer relay-secret-7f3a}",
            ),
    );
    let user = Taskr::sending_to(&relay.http_endpoint(), Transport::Http);
    let r = user.run(&["list", "--all"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let file = internal.dir().join("gateway-spans.jsonl");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let spans = otlp::parse_lines(&std::fs::read(&file).unwrap_or_default());
        if spans.len() == 1 {
            assert_eq!(
                attr_str(&spans[0].attrs, "consentry.command").as_deref(),
                Some("list")
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{} spans at the internal gateway\nrelay log:\n{}\ninternal log:\n{}",
            spans.len(),
            relay.log(),
            internal.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
