//! Scenarios run once per transport.

use std::time::Duration;

use super::{Collector, CollectorKind, Span, Taskr, Transport, attr_i64, attr_str};
use crate::support;

const SECRET_TITLE: &str =
    "call alice@example.com about token ghp_9fQ2xLr7Tb1mZ0aK4vW8sE3nH6jC5uY2dP0q";
const SECRET_TAG: &str = "project-nightingale";

/// Keys consentry may send, from its data manifest; anything else arriving is a leak.
fn allowed(scope: consentry::manifest::Scope) -> Vec<&'static str> {
    consentry::manifest::RESOURCE
        .iter()
        .chain(consentry::manifest::COMMAND_SPAN)
        .filter(|a| a.scope == scope)
        .map(|a| a.key)
        .collect()
}

fn endpoint(c: &Collector, t: Transport) -> String {
    match t {
        Transport::Http => c.http_endpoint(),
        Transport::Grpc => c.grpc_endpoint(),
    }
}

fn by_command<'a>(spans: &'a [Span], command: &str) -> Vec<&'a Span> {
    spans
        .iter()
        .filter(|s| attr_str(&s.attrs, "consentry.command").as_deref() == Some(command))
        .collect()
}

pub fn one_span_per_run_with_masked_values(kind: CollectorKind, transport: Transport) {
    let collector = Collector::start(kind);
    let mut user = Taskr::sending_to(&endpoint(&collector, transport), transport);
    // Settings meant for the user's own services must not leak into the tool's telemetry.
    user.env(
        "OTEL_EXPORTER_OTLP_HEADERS",
        "authorization=Bearer users-own-vendor-key",
    )
    .env(
        "OTEL_RESOURCE_ATTRIBUTES",
        "deployment.environment=users-own-attribute",
    )
    .env("OTEL_SERVICE_NAME", "users-own-service")
    .env("OTEL_TRACES_SAMPLER", "always_off")
    .env("TASKR_LOG", "info");

    let add = user.run(&["add", SECRET_TITLE, "--priority", "high", "-t", SECRET_TAG]);
    assert_eq!(
        (add.code, add.stdout.as_str()),
        (Some(0), "added task 1\n"),
        "{add:?}"
    );
    assert!(
        add.stderr.contains("task added"),
        "the tool's own logs still reach its stderr: {add:?}"
    );
    let list = user.run(&["list", "--all"]);
    assert_eq!(list.code, Some(0), "{list:?}");
    assert!(list.stdout.contains(SECRET_TITLE));
    let done = user.run(&["done", "42"]);
    assert_eq!((done.code, done.stdout.as_str()), (Some(3), ""), "{done:?}");

    let spans = collector.wait_for("three command spans", Duration::from_secs(20), |s| {
        s.len() >= 3
    });
    // Each run exits only after the collector acknowledged its request, so anything
    // extra (a retry, a duplicate, the tool's own spans) would already be here.
    std::thread::sleep(Duration::from_millis(300));
    let spans_after = collector.spans();
    assert_eq!(
        spans_after.len(),
        3,
        "exactly one span per run: {spans_after:#?}"
    );
    assert_eq!(spans.len(), 3);

    for s in &spans {
        assert_eq!(s.name, "taskr");
        assert_eq!(s.scope, "consentry");
        for k in s.resource.keys() {
            assert!(
                allowed(consentry::manifest::Scope::Resource).contains(&k.as_str()),
                "unexpected resource attribute {k}"
            );
        }
        for k in s.attrs.keys() {
            assert!(
                allowed(consentry::manifest::Scope::CommandSpan).contains(&k.as_str()),
                "unexpected span attribute {k}"
            );
        }
        assert_eq!(
            attr_str(&s.resource, "service.name").as_deref(),
            Some("taskr")
        );
        assert_eq!(
            attr_str(&s.resource, "service.version").as_deref(),
            Some(env!("CARGO_PKG_VERSION"))
        );
        assert_eq!(attr_str(&s.resource, "os.type").as_deref(), Some("linux"));
        let arch = attr_str(&s.resource, "host.arch").unwrap();
        assert!(["amd64", "arm64"].contains(&arch.as_str()), "{arch}");
        assert!(
            !attr_str(&s.resource, "os.version")
                .unwrap_or_default()
                .is_empty()
        );
        assert_eq!(
            attr_str(&s.attrs, "process.executable.name").as_deref(),
            Some("taskr")
        );
        // The names' semantic conventions release, and who made the span.
        assert_eq!(s.resource_schema_url, consentry::manifest::SCHEMA_URL);
        assert_eq!(s.scope_schema_url, consentry::manifest::SCHEMA_URL);
        for (key, want) in [
            ("telemetry.sdk.name", "opentelemetry"),
            ("telemetry.sdk.language", "rust"),
            ("telemetry.distro.name", "consentry"),
            ("telemetry.distro.version", env!("CARGO_PKG_VERSION")),
        ] {
            assert_eq!(attr_str(&s.resource, key).as_deref(), Some(want), "{key}");
        }
        let sdk = attr_str(&s.resource, "telemetry.sdk.version").unwrap_or_default();
        assert!(
            sdk.split('.').count() == 3 && sdk.split('.').all(|p| p.parse::<u32>().is_ok()),
            "telemetry.sdk.version {sdk:?}"
        );
        let instance = attr_str(&s.resource, "service.instance.id").unwrap_or_default();
        assert!(uuid::Uuid::parse_str(&instance).is_ok(), "{instance:?}");
    }
    let instances: std::collections::HashSet<_> = spans
        .iter()
        .map(|s| attr_str(&s.resource, "service.instance.id"))
        .collect();
    assert_eq!(instances.len(), 3, "one service instance per run");

    // One install id, created on the first run, shared by all and stored in the config dir.
    let stored = std::fs::read_to_string(user.config_dir().join("telemetry-install-id")).unwrap();
    let id = uuid::Uuid::parse_str(stored.trim()).expect("install id is a UUID");
    assert_eq!(id.get_version(), Some(uuid::Version::Random));
    for s in &spans {
        assert_eq!(
            attr_str(&s.resource, "app.installation.id").as_deref(),
            Some(stored.trim())
        );
    }

    let add = by_command(&spans, "add")[0];
    // `--priority` takes one of clap's fixed values, so the derived schema sends it.
    assert_eq!(
        add.args(),
        ["taskr", "add", "*****", "--priority", "high", "-t", "*****"]
    );
    assert_eq!(
        support::attr_strings(&add.attrs, "consentry.command.options"),
        ["--priority", "--tag"]
    );
    assert_eq!(attr_i64(&add.attrs, "process.exit.code"), Some(0));
    assert_eq!(attr_str(&add.attrs, "error.type"), None);
    assert_eq!(add.status_code, 0);

    let list = by_command(&spans, "list")[0];
    assert_eq!(list.args(), ["taskr", "list", "--all"]);

    let done = by_command(&spans, "done")[0];
    assert_eq!(done.args(), ["taskr", "done", "*****"]);
    assert_eq!(attr_i64(&done.attrs, "process.exit.code"), Some(3));
    assert_eq!(
        attr_str(&done.attrs, "error.type").as_deref(),
        Some("NotFound")
    );
    assert_eq!(
        done.status_code, 2,
        "status is Error when the exit code is not a declared success code"
    );

    let raw = String::from_utf8_lossy(&collector.raw()).into_owned();
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let hostname = hostname.trim();
    if hostname.len() >= 4 {
        assert!(
            !raw.contains(hostname),
            "the host name {hostname:?} reached the collector"
        );
    }
    for secret in [
        SECRET_TITLE,
        "alice@example.com",
        "ghp_9fQ2xLr7Tb1mZ0aK4vW8sE3nH6jC5uY2dP0q",
        SECRET_TAG,
        "users-own-vendor-key",
        "users-own-attribute",
        "users-own-service",
        "task added",
        "taskr.execute",
        user.home().to_str().unwrap(),
    ] {
        assert!(
            !raw.contains(secret),
            "{secret:?} reached the collector:\n{raw}"
        );
    }
}

pub fn opted_out_runs_send_nothing(transport: Transport) {
    let collector = Collector::start(CollectorKind::Otelcol);
    let ep = endpoint(&collector, transport);
    let mut cases: Vec<(&str, Taskr)> = Vec::new();
    for (k, v) in [
        ("DO_NOT_TRACK", "1"),
        ("DO_NOT_TRACK", ""),
        ("DO_NOT_TRACK", "yes"),
        ("TASKR_TELEMETRY_OPTOUT", "true"),
    ] {
        let mut u = Taskr::sending_to(&ep, transport);
        u.env(k, v);
        cases.push((k, u));
    }
    let by_file = Taskr::sending_to(&ep, transport);
    let disable = by_file.run(&["telemetry", "disable"]);
    assert_eq!(disable.code, Some(0), "{disable:?}");
    cases.push(("settings file", by_file));

    for (why, user) in &cases {
        let r = user.run(&["add", "opted out", "-p", "low"]);
        assert_eq!(
            (r.code, r.stdout.as_str(), r.stderr.as_str()),
            (Some(0), "added task 1\n", ""),
            "{why}: {r:?}"
        );
        assert!(
            !user.config_dir().join("telemetry-install-id").exists(),
            "{why}: an opted-out run must not create an install id"
        );
    }
    // A run that does send, after all the opted-out ones: once it arrived, anything the
    // opted-out runs had sent would have arrived before it.
    let sentinel = Taskr::sending_to(&ep, transport);
    assert_eq!(sentinel.run(&["list"]).code, Some(0));
    let spans = collector.wait_for("the sentinel run", Duration::from_secs(20), |s| {
        !by_command(s, "list").is_empty()
    });
    std::thread::sleep(Duration::from_millis(300));
    let spans = if collector.spans().len() > spans.len() {
        collector.spans()
    } else {
        spans
    };
    assert_eq!(spans.len(), 1, "only the sentinel arrived: {spans:#?}");
    assert!(by_command(&spans, "add").is_empty());
}
