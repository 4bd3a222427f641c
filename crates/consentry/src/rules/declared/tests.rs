//! Declared spans and events through a real subscriber and the real SDK: what is
//! declared and valid is sent; nothing else reaches the request.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue};
use proptest::prelude::*;
use tracing_subscriber::prelude::*;

use super::{Field, is_safe_token};
use crate::tests::support::spans;
use crate::{BuildError, Telemetry, TelemetryBuilder, TelemetryGuard};

const TIERS: &[&str] = &["local", "remote"];

fn declared(builder: TelemetryBuilder) -> TelemetryBuilder {
    builder
        .with_span(
            "build",
            &[
                Field::token("port"),
                Field::number("files"),
                Field::bool("cached"),
                Field::one_of("tier", TIERS),
            ],
        )
        .with_event("cache", &[Field::number("hits"), Field::token("port")])
}

fn guard(dir: &std::path::Path, builder: TelemetryBuilder) -> TelemetryGuard {
    let t =
        crate::tests::support::opted_in(dir, builder.with_run_heartbeat(std::time::Duration::ZERO));
    let g = t.init();
    assert!(g.is_enabled(), "telemetry must be on");
    g
}

fn get<'a>(attrs: &'a [KeyValue], key: &str) -> Option<&'a Value> {
    attrs
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
        .and_then(|v: &AnyValue| v.value.as_ref())
}

/// Every name, key and string value of the spans and their events.
fn strings(request: &ExportTraceServiceRequest) -> Vec<String> {
    fn values(attrs: &[KeyValue], out: &mut Vec<String>) {
        for kv in attrs {
            out.push(kv.key.clone());
            match kv.value.as_ref().and_then(|v| v.value.as_ref()) {
                Some(Value::StringValue(v)) => out.push(v.clone()),
                Some(Value::ArrayValue(a)) => {
                    out.extend(a.values.iter().filter_map(|v| match &v.value {
                        Some(Value::StringValue(s)) => Some(s.clone()),
                        _ => None,
                    }))
                }
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    for s in spans(request) {
        out.push(s.name.clone());
        values(&s.attributes, &mut out);
        for e in &s.events {
            out.push(e.name.clone());
            values(&e.attributes, &mut out);
        }
    }
    out
}

#[test]
fn a_declared_phase_is_a_child_of_the_command_span_with_checked_fields() {
    let dir = tempfile::tempdir().unwrap();
    let mut g = guard(dir.path(), declared(Telemetry::builder("tool")));
    let subscriber = tracing_subscriber::registry().with(g.layer());
    tracing::subscriber::with_default(subscriber, || {
        let run = g.command("install", ["zlib"]);
        {
            let _outer = tracing::info_span!("undeclared", secret = "s3cr3t-outer").entered();
            let _build = tracing::info_span!(
                "build",
                port = "zlib",
                files = 12_u64,
                cached = false,
                tier = "remote",
                path = "/home/alice/project"
            )
            .entered();
            tracing::info!(name: "cache", hits = 3, port = "zlib", "message with /home/alice");
            tracing::info!(name: "noise", hits = 4);
        }
        tracing::info!(name: "cache", hits = 5);
        run.finish(0);
    });
    let request = g.take_request().unwrap();
    let all = spans(&request);
    assert_eq!(all.len(), 2, "{all:#?}");
    let command = all.iter().find(|s| s.name == "tool").unwrap();
    let build = all.iter().find(|s| s.name == "build").unwrap();
    assert_eq!(build.parent_span_id, command.span_id);
    assert_eq!(build.trace_id, command.trace_id);
    assert!(build.end_time_unix_nano >= build.start_time_unix_nano);
    let a = &build.attributes;
    assert_eq!(
        get(a, "tool.port"),
        Some(&Value::StringValue("zlib".into()))
    );
    assert_eq!(get(a, "tool.files"), Some(&Value::IntValue(12)));
    assert_eq!(get(a, "tool.cached"), Some(&Value::BoolValue(false)));
    assert_eq!(
        get(a, "tool.tier"),
        Some(&Value::StringValue("remote".into()))
    );
    assert_eq!(
        get(a, "consentry.command"),
        Some(&Value::StringValue("install".into()))
    );
    assert_eq!(a.len(), 5, "only declared fields and the command: {a:?}");
    // The event inside `build` is on `build`; the one outside on the command span.
    assert_eq!(build.events.len(), 1);
    assert_eq!(build.events[0].name, "cache");
    assert_eq!(build.events[0].attributes.len(), 2);
    let on_command: Vec<_> = command
        .events
        .iter()
        .filter(|e| e.name == "cache")
        .collect();
    assert_eq!(on_command.len(), 1);
    assert_eq!(
        get(&on_command[0].attributes, "tool.hits"),
        Some(&Value::IntValue(5))
    );
    let text = strings(&request).join("\n");
    for leak in ["s3cr3t-outer", "alice", "undeclared", "noise", "message"] {
        assert!(!text.contains(leak), "{leak} leaked:\n{text}");
    }
}

#[test]
fn nothing_is_recorded_outside_a_run_or_without_declarations() {
    let dir = tempfile::tempdir().unwrap();
    let mut g = guard(dir.path(), declared(Telemetry::builder("tool")));
    let subscriber = tracing_subscriber::registry().with(g.layer());
    tracing::subscriber::with_default(subscriber, || {
        tracing::info_span!("build", port = "before").in_scope(|| {});
        let run = g.command("go", ["x"]);
        // A host span that claims consentry's target is still the host's: not declared,
        // not sent.
        tracing::info_span!(target: "consentry", "command", secret = "spoofed").in_scope(|| {});
        run.finish(0);
        tracing::info_span!("build", port = "after").in_scope(|| {});
    });
    let request = g.take_request().unwrap();
    let names: Vec<&str> = spans(&request).iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["tool"]);
    let text = strings(&request).join("\n");
    assert!(!text.contains("spoofed") && !text.contains("before") && !text.contains("after"));
}

#[test]
fn bad_declarations_are_refused() {
    let bad = |b: TelemetryBuilder| matches!(b.build(), Err(BuildError::Name(_)));
    assert!(bad(Telemetry::builder("t").with_span("has space", &[])));
    assert!(bad(Telemetry::builder("t").with_span("1st", &[])));
    assert!(bad(
        Telemetry::builder("t").with_event("e", &[Field::number("a/b")])
    ));
    assert!(bad(Telemetry::builder("t")
        .with_span("s", &[])
        .with_span("s", &[])));
    assert!(bad(
        Telemetry::builder("t").with_span("s", &[Field::one_of("f", &["ok", "not ok"])])
    ));
    // `process.pid` is consentry's: a tool named `process` cannot declare `pid`.
    assert!(bad(
        Telemetry::builder("process").with_span("s", &[Field::number("pid")])
    ));
    let t = declared(Telemetry::builder("tool")).build().unwrap();
    assert_eq!(
        t.declared_keys(),
        [
            "tool.cached",
            "tool.files",
            "tool.hits",
            "tool.port",
            "tool.tier"
        ]
    );
    let all = t.attribute_keys();
    assert!(all.iter().any(|k| k == "tool.port") && all.iter().any(|k| k == "process.pid"));
}

#[test]
fn safe_tokens() {
    for ok in ["zlib", "1.2.3", "a_b-c", &"x".repeat(64)] {
        assert!(is_safe_token(ok), "{ok}");
    }
    for no in ["", "a b", "a/b", "ä", "x\n", &"x".repeat(65), "\"zlib\""] {
        assert!(!is_safe_token(no), "{no}");
    }
}

fn one_run(values: &[String]) -> ExportTraceServiceRequest {
    let dir = tempfile::tempdir().unwrap();
    let mut g = guard(dir.path(), declared(Telemetry::builder("tool")));
    let subscriber = tracing_subscriber::registry().with(g.layer());
    tracing::subscriber::with_default(subscriber, || {
        let run = g.command("go", ["x"]);
        for v in values {
            let span = tracing::info_span!("build", port = v.as_str(), tier = %v, files = v.len());
            span.in_scope(|| tracing::info!(name: "cache", port = ?v, hits = 1));
        }
        run.finish(0);
    });
    g.take_request().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Whatever string the tool puts in a declared field, only a value in the safe set
    /// (or the declared set) is exported, and nothing else of it appears anywhere.
    #[test]
    fn only_safe_values_are_exported(values in proptest::collection::vec(
        prop_oneof![
            "[A-Za-z0-9._-]{1,64}",
            "local|remote",
            "\\PC{0,80}",
            "[a-z]{1,8}[ /@:\"\\\\\n][a-z]{1,8}",
            "[A-Za-z0-9]{65,90}",
        ],
        1..5,
    )) {
        let request = one_run(&values);
        for s in spans(&request).iter().filter(|s| s.name == "build") {
            for kv in s.attributes.iter().chain(s.events.iter().flat_map(|e| &e.attributes)) {
                if let Some(Value::StringValue(v)) = kv.value.as_ref().and_then(|v| v.value.as_ref()) {
                    prop_assert!(is_safe_token(v), "{} = {v:?} exported", kv.key);
                    if kv.key == "tool.tier" {
                        prop_assert!(TIERS.contains(&v.as_str()));
                    }
                }
            }
        }
        let builds = spans(&request).iter().filter(|s| s.name == "build").count();
        prop_assert_eq!(builds, values.len());
        // A value outside the safe set can be part of no declared name or safe value,
        // so it may appear only where it also appears in a run without declared spans
        // ("*" is in every mask, "/" in no field of that run).
        static WITHOUT_VALUES: std::sync::LazyLock<String> =
            std::sync::LazyLock::new(|| strings(&one_run(&[])).join("\0"));
        let text = strings(&request).join("\0");
        for v in values.iter().filter(|v| !is_safe_token(v) && !v.is_empty()) {
            let seen = text.matches(v.as_str()).count();
            let expected = WITHOUT_VALUES.matches(v.as_str()).count();
            prop_assert_eq!(seen, expected, "{:?} leaked", v);
        }
    }
}

#[test]
fn the_manifest_lists_what_is_declared_and_a_new_declaration_shows_the_notice_again() {
    let t = declared(Telemetry::builder("tool")).build().unwrap();
    let shown = t.manifest_markdown();
    for must in [
        "| `build` | span | `tool.port` |",
        "| `build` | span | `tool.tier` | one of `local`, `remote` |",
        "| `cache` | event | `tool.hits` | a number |",
    ] {
        assert!(shown.contains(must), "{must} missing:\n{shown}");
    }
    assert!(
        !Telemetry::builder("tool")
            .build()
            .unwrap()
            .manifest_markdown()
            .contains("Spans and events")
    );
    assert_ne!(
        t.notice_version(),
        Telemetry::builder("tool").build().unwrap().notice_version()
    );
}
