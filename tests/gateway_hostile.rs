//! A hostile client against a real gateway (otelcol and Rotel alike): every class of
//! forged request the operator's attack found stored, each sent as its own OTLP/HTTP
//! request, then the stored output read back. The gateway keeps only shapes consentry
//! can emit (its data manifest: keys, where they appear, types, value shapes), bounds
//! events, links, array elements and times, and counts each correction.
//!
//! Each probe carries its own span id; what must not be stored is checked in the
//! backend's raw output, so a value cannot slip through under another key. Over gRPC,
//! the probes go through a pass-through collector (bench/gateway-minimal.yaml with
//! forward-otlp.yaml: no checks), which delivers them to the gateway's gRPC port as
//! it received them.

use crate::support;
use crate::support::gateway;

use std::time::{Duration, Instant};

use gateway::{Gateway, GatewayKind, GatewayOptions, RawLink, RawSpan, Val, base64, s};
use serde_json::Value;
use support::{Collector, CollectorKind};

const EMAIL: &str = "alice@example.com";
const IP: &str = "203.0.113.77";
const HOST: &str = "alice-macbook-pro.local";
const CLEAR: &str = "call the oncology clinic re: biopsy";
const TOKEN: &str = "8c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f";
const NS_PER_YEAR: u64 = 365 * 24 * 3600 * 1_000_000_000;
const FORGED_SCHEMA: &str = "https://forged.example/schemas/1.0.0";

/// One forged request: what it is, the span, and whether its span must be stored.
struct Probe {
    what: &'static str,
    span: RawSpan,
    stored: bool,
}

fn probe(what: &'static str, n: u64, stored: bool, edit: impl FnOnce(&mut RawSpan)) -> Probe {
    let mut span = RawSpan::consentry_like("add", 1000 + n);
    edit(&mut span);
    Probe { what, span, stored }
}

fn set(span: &mut RawSpan, key: &str, v: Val) {
    if let Some(kv) = span
        .attrs
        .iter_mut()
        .chain(span.resource.iter_mut())
        .find(|(k, _)| k == key)
    {
        kv.1 = v;
    } else {
        span.attrs.push((key.into(), v));
    }
}

fn probes(kind: GatewayKind) -> Vec<Probe> {
    let big = "x".repeat(500_000);
    vec![
        // Values the masking did not look at.
        probe("e-mail in the scope version", 1, true, |sp| {
            sp.scope_version = format!("0.1.0+{EMAIL}");
        }),
        probe("e-mail as a bytes value", 2, true, |sp| {
            set(sp, "os.version", Val::Bytes(EMAIL.as_bytes().to_vec()));
            sp.attrs
                .push(("error.type".into(), Val::Bytes(EMAIL.as_bytes().to_vec())));
        }),
        probe("IP address in the command", 3, true, |sp| {
            set(sp, "consentry.command", s(&format!("connect {IP}")));
        }),
        probe("host name in os.version", 4, true, |sp| {
            set(sp, "os.version", s(HOST));
        }),
        probe("attributes and trace state on a link", 5, true, |sp| {
            sp.links.push(RawLink {
                trace_id: [7; 16],
                span_id: [7; 8],
                trace_state: format!("vendor={EMAIL}"),
                attrs: vec![("note".into(), s(HOST))],
            });
        }),
        // Shapes consentry never sends.
        probe("clear-text positional", 6, true, |sp| {
            set(
                sp,
                "process.command_args",
                Val::Strs(vec!["taskr".into(), "add".into(), CLEAR.into()]),
            );
        }),
        probe("10,000 events", 7, true, |sp| {
            for _ in 0..10_000 {
                sp.events.push((
                    "consentry.feature".into(),
                    vec![("consentry.feature.name".into(), s("export"))],
                ));
            }
        }),
        probe("500,000-character array element", 8, true, |sp| {
            set(
                sp,
                "process.command_args",
                Val::Strs(vec!["taskr".into(), big.clone()]),
            );
        }),
        probe("500,000-character free text", 9, true, |sp| {
            sp.events.push((
                "exception".into(),
                vec![
                    ("exception.type".into(), s("Io")),
                    ("exception.message".into(), s(&big)),
                ],
            ));
        }),
        probe("a span in 2230", 10, false, |sp| {
            sp.start_ns += 204 * NS_PER_YEAR;
            sp.end_ns += 204 * NS_PER_YEAR;
        }),
        probe("a span in 1970", 11, false, |sp| {
            sp.start_ns = 1_000_000_000;
            sp.end_ns = 2_000_000_000;
        }),
        probe("a span ending before it starts", 12, false, |sp| {
            sp.end_ns = sp.start_ns - 1_000_000_000;
        }),
        probe("a command span without an exit code", 13, false, |sp| {
            sp.attrs.retain(|(k, _)| k != "process.exit.code");
        }),
        // Out of range: the exit code is removed, and a command span without one is not
        // consentry's.
        probe("an exit code out of range, a string pid", 14, false, |sp| {
            set(sp, "process.exit.code", Val::Int(1 << 40));
            set(sp, "process.pid", s(EMAIL));
        }),
        probe("a key in the wrong place", 15, true, |sp| {
            // A span key on the resource, a resource key on an event.
            sp.resource
                .push(("consentry.command".into(), s("resource-side")));
            sp.events.push((
                "consentry.count".into(),
                vec![("service.name".into(), s("event-side"))],
            ));
        }),
        // Still stored: a declared phase (a child span, no exit code of its own).
        probe("a declared phase", 16, true, |sp| {
            sp.parent_span_id = Some(1001u64.to_be_bytes());
            sp.name = "build".into();
            sp.attrs.retain(|(k, _)| k != "process.exit.code");
        }),
        // A client from before the rename, with a schema URL that is not a release's.
        probe(
            "old key names and a foreign scope schema URL",
            17,
            true,
            |sp| {
                for (key, v) in [
                    (
                        "consentry.install.id",
                        s("0b6c2a4e-5f0d-4b8e-9a57-3d1e2f9c7a10"),
                    ),
                    (
                        "consentry.session.id",
                        s("5d1c7b0e-2f3a-4c6d-8e9f-0a1b2c3d4e5f"),
                    ),
                ] {
                    sp.resource.push((key.into(), v));
                }
                sp.attrs
                    .push(("process.interactive".into(), Val::Bool(true)));
                sp.scope_schema_url = format!("https://opentelemetry.io/schemas/{EMAIL}");
            },
        ),
        // Rotel's processor cannot write a resource's schema URL back: it drops the span
        // (the empty resource still goes on with its URL: a gap its README states).
        probe(
            "a foreign resource schema URL",
            18,
            kind == GatewayKind::Otelcol,
            |sp| sp.resource_schema_url = FORGED_SCHEMA.into(),
        ),
        // The erase request (`telemetry delete`): only its proof passes, only on it.
        probe("an erase request with its token and more", 19, true, |sp| {
            sp.name = "consentry.erase".into();
            sp.attrs = vec![
                ("consentry.erasure.token".into(), s(TOKEN)),
                ("consentry.command".into(), s("add")),
                ("error.type".into(), s(EMAIL)),
            ];
            sp.events.push((
                "consentry.feature".into(),
                vec![("consentry.feature.name".into(), s("export"))],
            ));
        }),
        probe(
            "an erase request whose token is not of its shape",
            20,
            false,
            |sp| {
                sp.name = "consentry.erase".into();
                sp.attrs = vec![("consentry.erasure.token".into(), s(EMAIL))];
            },
        ),
        probe("an erase token on a command span", 21, true, |sp| {
            sp.attrs.push(("consentry.erasure.token".into(), s(TOKEN)));
        }),
        probe("the sentinel", 22, true, |sp| {
            set(sp, "consentry.command", s("remote add"));
        }),
    ]
}

/// Every stored span as OTLP/JSON, with its resource and scope, keyed by span id.
fn stored(raw: &[u8]) -> Vec<(Value, Value, Value)> {
    let mut out = Vec::new();
    for line in String::from_utf8_lossy(raw).lines() {
        let Ok(req) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        for rs in req["resourceSpans"].as_array().into_iter().flatten() {
            for ss in rs["scopeSpans"].as_array().into_iter().flatten() {
                for sp in ss["spans"].as_array().into_iter().flatten() {
                    out.push((rs["resource"].clone(), ss["scope"].clone(), sp.clone()));
                }
            }
        }
    }
    out
}

fn span_id(n: u64) -> String {
    (1000 + n + 1)
        .to_be_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn attr<'a>(list: &'a Value, key: &str) -> Option<&'a Value> {
    list.as_array()?
        .iter()
        .find(|kv| kv["key"] == key)
        .map(|kv| &kv["value"])
}

fn hostile(kind: GatewayKind, grpc: bool) {
    let backend = Collector::start(CollectorKind::Otelcol);
    // The pass-through forwarder may batch several probes into one gRPC message.
    let big = [("CONSENTRY_MAX_REQUEST_MIB", "16")];
    let gw = match kind {
        GatewayKind::Otelcol => {
            Gateway::start(GatewayOptions::forwarding_to(backend.grpc_port).env(big[0].0, big[0].1))
        }
        GatewayKind::Rotel => Gateway::start_rotel(backend.grpc_port, &big),
    };
    let forwarder = grpc.then(|| {
        Gateway::start(GatewayOptions {
            base: support::repo_root().join("bench/gateway-minimal.yaml"),
            ..GatewayOptions::forwarding_to(gw.grpc_port)
        })
    });
    let entry = forwarder.as_ref().unwrap_or(&gw);
    let probes = probes(kind);
    for p in &probes {
        let r = entry.post_traces(
            "application/x-protobuf",
            &gateway::to_protobuf(std::slice::from_ref(&p.span)),
        );
        assert_eq!(r.status, 200, "{}: {}", p.what, r.text());
    }
    let want = probes.iter().filter(|p| p.stored).count();
    let sentinel = span_id(22);
    let deadline = Instant::now() + Duration::from_secs(30);
    let spans = loop {
        let spans = stored(&backend.raw());
        if spans
            .iter()
            .any(|(_, _, sp)| sp["spanId"] == sentinel.as_str())
            && spans.len() >= want
        {
            // Whatever else was going to arrive has had its batch.
            std::thread::sleep(Duration::from_millis(500));
            break stored(&backend.raw());
        }
        assert!(
            Instant::now() < deadline,
            "{} of {want} spans stored after 30 s\ngateway log:\n{}",
            spans.len(),
            gw.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let raw = String::from_utf8_lossy(&backend.raw()).into_owned();
    let by_id = |n: u64| {
        spans
            .iter()
            .find(|(_, _, sp)| sp["spanId"] == span_id(n).as_str())
    };
    for (n, p) in probes.iter().enumerate() {
        assert_eq!(
            by_id(n as u64 + 1).is_some(),
            p.stored,
            "{}: stored is not {}\ngateway log:\n{}",
            p.what,
            p.stored,
            gw.log()
        );
    }
    assert_eq!(spans.len(), want, "one stored span per probe kept");

    // Nothing planted reaches storage, under any key, in any encoding.
    for secret in [
        EMAIL,
        &base64(EMAIL.as_bytes()),
        IP,
        HOST,
        "oncology",
        "resource-side",
        "event-side",
        &"x".repeat(1025),
    ] {
        assert!(
            !raw.contains(secret),
            "{:?} reached storage",
            &secret[..secret.len().min(40)]
        );
    }
    let (_, scope, _) = by_id(1).unwrap();
    assert_eq!(scope["version"].as_str().unwrap_or(""), "", "{scope}");
    let (res2, _, sp2) = by_id(2).unwrap();
    assert_eq!(
        attr(&res2["attributes"], "os.version"),
        None,
        "bytes removed"
    );
    assert_eq!(
        attr(&sp2["attributes"], "error.type"),
        None,
        "bytes removed"
    );
    let (_, _, sp3) = by_id(3).unwrap();
    assert_eq!(
        attr(&sp3["attributes"], "consentry.command"),
        Some(&serde_json::json!({"stringValue": "*****"}))
    );
    let (res4, _, _) = by_id(4).unwrap();
    assert_eq!(
        attr(&res4["attributes"], "os.version"),
        Some(&serde_json::json!({"stringValue": "*****"}))
    );
    let (_, _, sp5) = by_id(5).unwrap();
    for link in sp5["links"].as_array().into_iter().flatten() {
        assert!(
            link["attributes"].as_array().is_none_or(Vec::is_empty),
            "{link}"
        );
        assert_eq!(link["traceState"].as_str().unwrap_or(""), "", "{link}");
    }
    let (_, _, sp6) = by_id(6).unwrap();
    let args = &attr(&sp6["attributes"], "process.command_args").unwrap()["arrayValue"]["values"];
    assert_eq!(
        args,
        &serde_json::json!([{"stringValue": "taskr"}, {"stringValue": "add"}, {"stringValue": "*****"}]),
        "the positional is masked, the words consentry sends in clear kept (and in order)"
    );
    let (_, _, erase) = by_id(19).unwrap();
    assert_eq!(
        erase["attributes"],
        serde_json::json!([{"key": "consentry.erasure.token", "value": {"stringValue": TOKEN}}]),
        "the erase request keeps its proof and nothing else"
    );
    assert!(
        erase["events"].as_array().is_none_or(Vec::is_empty),
        "{erase}"
    );
    let (_, _, sp21) = by_id(21).unwrap();
    assert_eq!(
        attr(&sp21["attributes"], "consentry.erasure.token"),
        None,
        "only on the erase request"
    );
    let (_, _, sp7) = by_id(7).unwrap();
    let events = sp7["events"].as_array().map_or(0, Vec::len);
    assert!((1..=128).contains(&events), "{events} events stored");
    // Old names removed, foreign schema URLs cleared; the sentinel keeps consentry's.
    let (res17, _, sp17) = by_id(17).unwrap();
    for old in ["consentry.install.id", "consentry.session.id"] {
        assert_eq!(attr(&res17["attributes"], old), None, "{old}");
    }
    assert_eq!(attr(&sp17["attributes"], "process.interactive"), None);
    assert!(attr(&res17["attributes"], "app.installation.id").is_some());
    let schema_urls = |n: u64| {
        let line = String::from_utf8_lossy(&backend.raw()).into_owned();
        let sid = span_id(n);
        line.lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .flat_map(|req| req["resourceSpans"].as_array().cloned().unwrap_or_default())
            .flat_map(|rs| {
                let res_url = rs["schemaUrl"].as_str().unwrap_or("").to_owned();
                rs["scopeSpans"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .map(move |ss| (res_url.clone(), ss))
            })
            .find(|(_, ss)| {
                ss["spans"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|sp| sp["spanId"] == sid.as_str()))
            })
            .map(|(r, ss)| (r, ss["schemaUrl"].as_str().unwrap_or("").to_owned()))
            .unwrap()
    };
    let release = consentry::manifest::SCHEMA_URL.to_owned();
    assert_eq!(schema_urls(17), (release.clone(), String::new()));
    if kind == GatewayKind::Otelcol {
        assert_eq!(schema_urls(18), (String::new(), release.clone()));
        assert!(
            !raw.contains(FORGED_SCHEMA),
            "a forged schema URL was stored"
        );
    }
    assert_eq!(schema_urls(19), (release.clone(), release));
    let (_, _, sp9) = by_id(9).unwrap();
    let message = sp9["events"][0]["attributes"]
        .as_array()
        .and_then(|a| a.iter().find(|kv| kv["key"] == "exception.message"))
        .and_then(|kv| kv["value"]["stringValue"].as_str())
        .unwrap_or_default();
    assert!(
        (1..=1024).contains(&message.len()),
        "free text cut to 1024 bytes: {}",
        message.len()
    );

    // The attack shows in the gateway's counters.
    match kind {
        GatewayKind::Otelcol => {
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                let m = gw.own_metrics();
                let dropped = |what: &str, reason: &str| {
                    m.sum(
                        "consentry_gateway_dropped",
                        &[("what", what), ("reason", reason)],
                    )
                };
                let masked = |key: &str| m.sum("consentry_gateway_masked", &[("key", key)]);
                let ok = dropped("span", "time") == 3.0
                    && dropped("span", "required_key") == 2.0
                    && dropped("span", "erase_proof") == 1.0
                    && dropped("event", "over_limit") == 9872.0
                    && dropped("key", "wrong_type") >= 3.0
                    && dropped("key", "not_in_manifest") >= 2.0
                    && dropped("key", "on_link") >= 1.0
                    && dropped("key", "out_of_range") == 1.0
                    && masked("consentry.command") >= 1.0
                    && masked("os.version") >= 1.0
                    && masked("scope.version") >= 1.0
                    && masked("resource.schema_url") >= 1.0
                    && masked("scope.schema_url") >= 1.0
                    && masked("process.command_args") >= 2.0
                    && masked("link.trace_state") >= 1.0;
                if ok {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "the counters do not show the attack:\n{}",
                    m.text
                );
                std::thread::sleep(Duration::from_millis(200));
            }
        }
        GatewayKind::Rotel => {
            // 9,872 events over the limit and the erase request's one event.
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                let log = gw.log();
                let last = log
                    .lines()
                    .rfind(|l| l.starts_with("consentry-gateway: "))
                    .unwrap_or_default()
                    .to_owned();
                if last.contains("dropped_spans=7 ") && last.contains("dropped_events=9873 ") {
                    assert!(!last.contains(EMAIL) && !last.contains(IP), "{last}");
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "no complete drop report in Rotel's log:\n{log}"
                );
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

#[test]
fn otelcol_gateway_stores_only_what_consentry_can_send() {
    hostile(GatewayKind::Otelcol, false);
}

#[test]
fn otelcol_gateway_stores_only_what_consentry_can_send_over_grpc() {
    hostile(GatewayKind::Otelcol, true);
}

#[test]
fn rotel_gateway_stores_only_what_consentry_can_send() {
    hostile(GatewayKind::Rotel, false);
}

#[test]
fn rotel_gateway_stores_only_what_consentry_can_send_over_grpc() {
    hostile(GatewayKind::Rotel, true);
}

/// The usage metrics keep at most CONSENTRY_USAGE_MAX_SERIES series in total, whatever
/// tool names, versions and commands a client invents (each would otherwise open a
/// budget of its own); every span is still counted, the excess in the overflow series.
#[test]
fn usage_metrics_are_capped_in_total() {
    const CAP: usize = 40;
    const SPANS: u64 = 300;
    let gw = Gateway::start(
        GatewayOptions::with_destinations(vec!["forward-file.yaml", "spanmetrics.yaml"])
            .env("CONSENTRY_USAGE_MAX_SERIES", CAP.to_string()),
    );
    let spans: Vec<RawSpan> = (0..SPANS)
        .map(|n| {
            let mut sp = RawSpan::consentry_like(&format!("cmd{n}"), n);
            set(&mut sp, "service.name", s(&format!("tool{n}")));
            set(&mut sp, "service.version", s(&format!("1.0.{n}")));
            sp
        })
        .collect();
    for chunk in spans.chunks(50) {
        let r = gw.post_traces("application/x-protobuf", &gateway::to_protobuf(chunk));
        assert_eq!(r.status, 200, "{}", r.text());
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let m = gw.exported_metrics();
        let calls: Vec<_> = m
            .samples
            .iter()
            .filter(|(n, _, _)| n == "consentry_usage_calls_total")
            .collect();
        let total: f64 = calls.iter().map(|(_, _, v)| v).sum();
        if total == SPANS as f64 {
            assert!(
                calls.len() <= CAP + 1,
                "{} series for a cap of {CAP}:\n{}",
                calls.len(),
                m.text
            );
            assert!(
                calls.iter().any(
                    |(_, l, _)| l.get("otel_metric_overflow").map(String::as_str) == Some("true")
                ),
                "the excess is counted in the overflow series:\n{}",
                m.text
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{total} of {SPANS} spans counted:\n{}",
            m.text
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}
