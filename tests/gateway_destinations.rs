//! Every collector-config setup passes `otelcol validate`; the rotated-file destination,
//! the span-metrics usage metrics and the bearer-token overlay work on a running gateway.

use crate::support;
use crate::support::gateway;

use std::process::Command;
use std::time::{Duration, Instant};

use gateway::{Gateway, GatewayOptions, RawSpan, Val, config_path, to_protobuf};
use support::collector::otelcol_binary;
use support::otlp;

const PB: &str = "application/x-protobuf";

/// Each setup an operator can start, as the list of files given to --config.
const SETUPS: &[&[&str]] = &[
    &["local.yaml"],
    &["gateway.yaml", "forward-otlp.yaml"],
    &["gateway.yaml", "forward-clickhouse.yaml"],
    &["gateway.yaml", "forward-kafka.yaml"],
    &["gateway.yaml", "forward-file.yaml"],
    &["gateway.yaml", "forward-otlp.yaml", "spanmetrics.yaml"],
    &[
        "gateway.yaml",
        "forward-otlp.yaml",
        "forward-clickhouse.yaml",
        "forward-kafka.yaml",
        "forward-file.yaml",
        "spanmetrics.yaml",
    ],
    &[
        "gateway.yaml",
        "internal-auth.yaml",
        "internal-tls.yaml",
        "forward-otlp.yaml",
    ],
    &["store-from-kafka.yaml"],
];

fn validate(files: &[&str]) -> std::process::Output {
    let mut c = Command::new(otelcol_binary());
    c.arg("validate");
    for f in files {
        c.arg("--config").arg(config_path(f));
    }
    c.env("CONSENTRY_INGEST_TOKEN", "test-token")
        .env("CONSENTRY_TLS_CERT", "/nonexistent/cert.pem")
        .env("CONSENTRY_TLS_KEY", "/nonexistent/key.pem")
        .output()
        .expect("otelcol validate")
}

#[test]
fn every_setup_validates() {
    for files in SETUPS {
        let out = validate(files);
        assert!(
            out.status.success(),
            "{files:?} does not validate:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The gateway alone ends in a connector nobody reads: it needs a destination.
    let out = validate(&["gateway.yaml"]);
    assert!(
        !out.status.success(),
        "gateway.yaml alone should not validate"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("exporter"));
}

fn wait(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn file_destination_and_usage_metrics() {
    let gw = Gateway::start(GatewayOptions::with_destinations(vec![
        "forward-file.yaml",
        "spanmetrics.yaml",
    ]));
    let mut spans = Vec::new();
    for n in 0..3 {
        spans.push(RawSpan::consentry_like("add", n));
    }
    for n in 3..5 {
        let mut sp = RawSpan::consentry_like("done", n);
        sp.attrs[3] = ("process.exit.code".into(), Val::Int(3));
        sp.attrs
            .push(("error.type".into(), Val::Str("NotFound".into())));
        sp.status_message = " ".into(); // status Error; the message itself is cleared
        spans.push(sp);
    }
    let r = gw.post_traces(PB, &to_protobuf(&spans));
    assert_eq!(r.status, 200, "{}", r.text());

    let file = gw.dir().join("gateway-spans.jsonl");
    wait("5 spans in the rotated file", 20, || {
        otlp::parse_lines(&std::fs::read(&file).unwrap_or_default()).len() == 5
    });

    wait("usage metrics", 20, || {
        let m = gw.exported_metrics();
        m.sum(
            "consentry_usage_calls_total",
            &[
                ("consentry_command", "add"),
                ("status_code", "STATUS_CODE_UNSET"),
            ],
        ) == 3.0
            && m.sum(
                "consentry_usage_calls_total",
                &[
                    ("consentry_command", "done"),
                    ("status_code", "STATUS_CODE_ERROR"),
                    ("error_type", "NotFound"),
                ],
            ) == 2.0
            && m.sum(
                "consentry_usage_duration_seconds_count",
                &[("consentry_command", "add"), ("service_version", "0.1.0")],
            ) == 3.0
    });
    let m = gw.exported_metrics();
    assert!(
        !m.text.contains("app_installation_id") && !m.text.contains("0b6c2a4e"),
        "the install id must stay out of the metrics:\n{}",
        m.text
    );
    // Durations are 250 ms: in the 0.25 s bucket, not below.
    assert_eq!(
        m.sum(
            "consentry_usage_duration_seconds_bucket",
            &[("consentry_command", "add"), ("le", "0.1")]
        ),
        0.0
    );
    assert_eq!(
        m.sum(
            "consentry_usage_duration_seconds_bucket",
            &[("consentry_command", "add"), ("le", "0.25")]
        ),
        3.0
    );
}

#[test]
fn bearer_token_overlay_rejects_requests_without_the_token() {
    let gw = Gateway::start(
        GatewayOptions::with_destinations(vec!["internal-auth.yaml", "forward-file.yaml"])
            .env("CONSENTRY_INGEST_TOKEN", "s3cret-relay-token"),
    );
    let body = to_protobuf(&[RawSpan::consentry_like("add", 1)]);
    let post = |auth: Option<&str>| {
        let mut h = vec![("Content-Type", PB)];
        if let Some(a) = auth {
            h.push(("Authorization", a));
        }
        gateway::http_post(gw.http_port, "/v1/traces", &h, &body)
            .unwrap()
            .status
    };
    assert_eq!(post(None), 401);
    assert_eq!(post(Some("Bearer wrong-token")), 401);
    assert_eq!(post(Some("Bearer s3cret-relay-token")), 200);
    let file = gw.dir().join("gateway-spans.jsonl");
    wait("the authorised span", 20, || {
        otlp::parse_lines(&std::fs::read(&file).unwrap_or_default()).len() == 1
    });
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        otlp::parse_lines(&std::fs::read(&file).unwrap()).len(),
        1,
        "only the authorised request arrived"
    );
}
