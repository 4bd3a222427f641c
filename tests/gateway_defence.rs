//! Defence in depth: a client that bypasses consentry (an old or tampered CLI posting
//! OTLP/HTTP by hand, JSON or protobuf) with extra attributes, a foreign scope, a span
//! missing required keys, and an e-mail address, tokens and home-directory paths
//! planted in values, names, events and status. None of it reaches the backend; the
//! legitimate span next to it does; and the drop shows in the gateway's own metrics
//! (otelcol: consentry_gateway_dropped / _masked) or log (Rotel).

use crate::support;
use crate::support::gateway;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use gateway::{Gateway, GatewayKind, GatewayOptions, RawSpan, Val, s, to_json, to_protobuf};
use support::{Collector, CollectorKind, attr_str};

const EMAIL: &str = "alice@example.com";
const TOKEN: &str = "ghp_9fQ2xLr7Tb1mZ0aK4vW8sE3nH6jC5uY2dP0q";
const AWS_KEY: &str = "AKIAIOSFODNN7EXAMPLE";
const HOME: &str = "/home/alice/secret-project";
const WIN_HOME: &str = "C:\\Users\\alice\\secret-project";
const URL_CREDS: &str = "https://bob:hunter2@git.example.com/repo";
const HOST: &str = "alices-laptop";
const CLIENT_IP: &str = "203.0.113.7";

/// Strings that must never reach the backend.
const PLANTED: [&str; 10] = [
    EMAIL,
    TOKEN,
    AWS_KEY,
    "/home/alice",
    "Users\\\\alice",
    "hunter2",
    HOST,
    CLIENT_IP,
    "user.email",
    "host.name",
];

fn tampered(n: u64) -> RawSpan {
    let mut sp = RawSpan::consentry_like("add", n);
    sp.resource.push(("host.name".into(), s(HOST)));
    sp.resource.push(("client.address".into(), s(CLIENT_IP)));
    sp.resource[3] = ("os.version".into(), s(HOME)); // os.version is allowed; its value is not
    sp.name = format!("taskr {EMAIL}");
    sp.trace_state = format!("vendor={AWS_KEY}");
    sp.status_message = format!("failed reading {HOME}/notes.txt");
    sp.attrs[1] = ("consentry.command".into(), Val::Str(format!("add {EMAIL}")));
    sp.attrs[2] = (
        "process.command_args".into(),
        Val::Strs(vec![
            "taskr".into(),
            "add".into(),
            format!("{HOME}/notes.txt"),
            "--token".into(),
            TOKEN.into(),
        ]),
    );
    sp.attrs
        .push(("error.type".into(), Val::Str(format!("token={TOKEN}"))));
    sp.attrs.push(("user.email".into(), s(EMAIL)));
    sp.attrs.push(("vcs.url".into(), s(URL_CREDS)));
    sp.attrs
        .push(("process.working_directory".into(), s(WIN_HOME)));
    sp.events.push((
        format!("feature {TOKEN}"),
        vec![
            ("path".into(), s(HOME)),
            ("error.type".into(), s(URL_CREDS)),
        ],
    ));
    sp
}

fn foreign_scope(n: u64) -> RawSpan {
    let mut sp = RawSpan::consentry_like("add", n);
    sp.scope = "some-http-client".into();
    sp.attrs.push(("url.full".into(), s(URL_CREDS)));
    sp
}

fn missing_command(n: u64) -> RawSpan {
    let mut sp = RawSpan::consentry_like("add", n);
    sp.attrs.retain(|(k, _)| k != "consentry.command");
    sp.attrs.push(("user.email".into(), s(EMAIL)));
    sp
}

fn sentinel(n: u64) -> RawSpan {
    RawSpan::consentry_like("sentinel", n)
}

fn manifest_keys() -> BTreeSet<String> {
    consentry::manifest::attribute_keys()
        .into_iter()
        .map(str::to_owned)
        .collect()
}

fn check_backend(backend: &Collector, gw: &Gateway) {
    let spans = backend.wait_for(
        "the tampered and the sentinel span",
        Duration::from_secs(30),
        |s| s.len() >= 2,
    );
    std::thread::sleep(Duration::from_millis(500));
    let spans = if backend.spans().len() > spans.len() {
        backend.spans()
    } else {
        spans
    };
    let commands: BTreeSet<String> = spans
        .iter()
        .map(|s| attr_str(&s.attrs, "consentry.command").unwrap_or_default())
        .collect();
    assert_eq!(
        spans.len(),
        2,
        "only the cleaned span and the sentinel pass: {spans:#?}\ngateway log:\n{}",
        gw.log()
    );
    assert!(commands.contains("sentinel"), "{commands:?}");
    let allowed = manifest_keys();
    for sp in &spans {
        assert_eq!(sp.scope, "consentry");
        for k in sp.resource.keys().chain(sp.attrs.keys()) {
            assert!(allowed.contains(k), "{k} reached the backend: {sp:#?}");
        }
    }
    let raw = String::from_utf8_lossy(&backend.raw()).into_owned();
    for secret in PLANTED.iter().chain(&[
        "vcs.url",
        "client.address",
        "some-http-client",
        "process.working_directory",
        "redaction.",
    ]) {
        assert!(
            !raw.contains(secret),
            "{secret:?} reached the backend:\n{raw}"
        );
    }
    // What was legitimate about the tampered span is kept.
    let cleaned = spans
        .iter()
        .find(|s| attr_str(&s.attrs, "consentry.command").as_deref() != Some("sentinel"))
        .unwrap();
    assert_eq!(
        attr_str(&cleaned.resource, "service.name").as_deref(),
        Some("taskr")
    );
    // Not the shape of a command (words of letters, digits, - and _): masked whole.
    assert_eq!(
        attr_str(&cleaned.attrs, "consentry.command").as_deref(),
        Some("*****")
    );
    assert_eq!(
        support::attr_i64(&cleaned.attrs, "process.exit.code"),
        Some(0)
    );
}

fn wait_metric(gw: &Gateway, what: &str, pred: impl Fn(&Gateway) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !pred(gw) {
        assert!(
            Instant::now() < deadline,
            "{what} never showed:\nown metrics:\n{}",
            gw.own_metrics().text
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn otelcol_drops(body: Vec<u8>, content_type: &str) {
    let backend = Collector::start(CollectorKind::Otelcol);
    let gw = Gateway::start(GatewayOptions::forwarding_to(backend.grpc_port));
    let r = gw.post_traces(content_type, &body);
    assert_eq!(r.status, 200, "{}", r.text());
    check_backend(&backend, &gw);

    // The gateway's counters, on the collector's own metrics: the two spans dropped
    // (foreign scope, required key missing), the keys removed and the values masked.
    wait_metric(&gw, "the drops and corrections in the counters", |g| {
        let m = g.own_metrics();
        let dropped = |what: &str, reason: &str| {
            m.sum(
                "consentry_gateway_dropped",
                &[("what", what), ("reason", reason)],
            )
        };
        dropped("span", "foreign_scope") == 1.0
            && dropped("span", "required_key") == 1.0
            && dropped("key", "not_in_manifest") >= 5.0
            && m.sum("consentry_gateway_masked", &[("key", "consentry.command")]) == 1.0
            && m.sum("consentry_gateway_masked", &[("key", "span.name")]) == 1.0
            && m.sum("consentry_gateway_masked", &[("key", "event.name")]) == 1.0
    });
}

fn all_bad_and_one_good() -> Vec<RawSpan> {
    vec![
        tampered(1),
        foreign_scope(2),
        missing_command(3),
        sentinel(4),
    ]
}

#[test]
fn otelcol_gateway_cleans_a_tampered_json_request() {
    otelcol_drops(to_json(&all_bad_and_one_good()), "application/json");
}

#[test]
fn otelcol_gateway_cleans_a_tampered_protobuf_request() {
    otelcol_drops(
        to_protobuf(&all_bad_and_one_good()),
        "application/x-protobuf",
    );
}

#[test]
fn rotel_gateway_cleans_a_tampered_protobuf_request() {
    let backend = Collector::start(CollectorKind::Otelcol);
    let gw = Gateway::start_rotel(backend.grpc_port, &[]);
    assert_eq!(gw.kind, GatewayKind::Rotel);
    let r = gw.post_traces(
        "application/x-protobuf",
        &to_protobuf(&all_bad_and_one_good()),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    check_backend(&backend, &gw);
    // Rotel has no metrics for this; the processor reports on stderr, counts and key
    // names only.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = gw.log();
        let lines: Vec<&str> = log
            .lines()
            .filter(|l| l.starts_with("consentry-gateway: "))
            .collect();
        // Running totals: the last line counts everything.
        let done = lines.last().is_some_and(|l| {
            l.contains("dropped_spans=2 ")
                && !l.contains("removed_keys=0 ")
                && !l.contains("masked_values=0")
        });
        if done {
            for line in &lines {
                for secret in PLANTED
                    .iter()
                    .filter(|s| !["user.email", "host.name"].contains(s))
                {
                    assert!(
                        !line.contains(secret),
                        "{secret:?} in the gateway's log line: {line}"
                    );
                }
            }
            assert!(lines.iter().any(|l| l.contains("user.email")), "{lines:#?}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no complete drop report in Rotel's log:\n{log}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
