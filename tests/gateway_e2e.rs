//! End to end through the ingest gateway: taskr -> gateway -> a second collector acting
//! as the backend -> file. What arrives is exactly what consentry sent (the same keys
//! and values as taskr sends to a collector directly), and every key is one consentry's
//! data manifest lists. Runs for the otelcol gateway over HTTP and gRPC, and for the
//! Rotel gateway.

#![allow(clippy::type_complexity)]

use crate::support;
use crate::support::gateway;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use gateway::{Gateway, GatewayOptions};
use support::{Collector, CollectorKind, Span, Taskr, Transport, attr_str};

const RUNS: [&[&str]; 3] = [
    &[
        "add",
        "call alice@example.com about ghp_9fQ2xLr7Tb1mZ0aK4vW8sE3nH6jC5uY2dP0q",
        "--priority",
        "high",
    ],
    &["list", "--all"],
    &["done", "42"],
];

fn manifest_keys() -> BTreeSet<String> {
    consentry::manifest::attribute_keys()
        .into_iter()
        .map(str::to_owned)
        .collect()
}

/// Everything about a span that the gateway must leave alone, keyed by command.
fn by_command(spans: &[Span]) -> BTreeMap<String, (String, String, i64, Vec<(String, String)>)> {
    spans
        .iter()
        .map(|s| {
            let cmd = attr_str(&s.attrs, "consentry.command").unwrap_or_default();
            let mut kv: Vec<(String, String)> = s
                .resource
                .iter()
                .map(|(k, v)| (format!("resource {k}"), v.to_string()))
                .chain(
                    s.attrs
                        .iter()
                        .map(|(k, v)| (format!("span {k}"), v.to_string())),
                )
                .collect();
            kv.sort();
            (cmd, (s.name.clone(), s.scope.clone(), s.status_code, kv))
        })
        .collect()
}

fn run_all(user: &Taskr) {
    for args in RUNS {
        let r = user.run(args);
        assert!(r.code == Some(0) || r.code == Some(3), "{args:?}: {r:?}");
    }
}

fn through_gateway(gateway: &Gateway, backend: &Collector, transport: Transport) {
    let endpoint = match transport {
        Transport::Http => gateway.http_endpoint(),
        Transport::Grpc => gateway.grpc_endpoint(),
    };
    // The same runs, once straight to a collector and once through the gateway.
    let direct = Collector::start(CollectorKind::Otelcol);
    let direct_ep = match transport {
        Transport::Http => direct.http_endpoint(),
        Transport::Grpc => direct.grpc_endpoint(),
    };
    // The users (their homes, with the spool the uploader sends from) live until the
    // spans arrived: delivery happens after the runs exit.
    let (direct_user, gateway_user) = (
        Taskr::sending_to(&direct_ep, transport),
        Taskr::sending_to(&endpoint, transport),
    );
    run_all(&direct_user);
    run_all(&gateway_user);

    let want = direct.wait_for("3 spans sent directly", Duration::from_secs(20), |s| {
        s.len() >= 3
    });
    let got = backend.wait_for(
        "3 spans through the gateway",
        Duration::from_secs(30),
        |s| s.len() >= 3,
    );
    std::thread::sleep(Duration::from_millis(500));
    let got_now = backend.spans();
    assert_eq!(
        got_now.len(),
        3,
        "one span per run, nothing else: {got_now:#?}\ngateway log:\n{}",
        gateway.log()
    );

    let allowed = manifest_keys();
    for s in &got {
        for k in s.resource.keys().chain(s.attrs.keys()) {
            assert!(
                allowed.contains(k),
                "{k} is not in consentry's manifest: {s:#?}"
            );
        }
        assert_eq!(s.scope, "consentry");
    }
    // Per-user and per-run values differ between the two users (install id and its
    // erasure commitment, instance id, process id, and the project id keyed by each
    // install's secret); everything else is identical.
    const VARYING: [&str; 5] = [
        "resource app.installation.id",
        "resource consentry.erasure.commitment",
        "resource service.instance.id",
        "span consentry.project.id",
        "span process.pid",
    ];
    let strip = |m: BTreeMap<String, (String, String, i64, Vec<(String, String)>)>| {
        m.into_iter()
            .map(|(c, (n, sc, st, kv))| {
                (
                    c,
                    (
                        n,
                        sc,
                        st,
                        kv.into_iter()
                            .filter(|(k, _)| !VARYING.contains(&k.as_str()))
                            .collect::<Vec<_>>(),
                    ),
                )
            })
            .collect::<BTreeMap<_, _>>()
    };
    assert_eq!(
        strip(by_command(&got)),
        strip(by_command(&want)),
        "the gateway changed a legitimate span"
    );
    for s in &got {
        assert!(s.resource.contains_key("app.installation.id"), "{s:#?}");
        assert!(s.resource.contains_key("service.instance.id"), "{s:#?}");
        assert_eq!(s.resource_schema_url, consentry::manifest::SCHEMA_URL);
        assert_eq!(s.scope_schema_url, consentry::manifest::SCHEMA_URL);
        assert!(s.attrs.contains_key("consentry.project.id"), "{s:#?}");
    }
    let raw = String::from_utf8_lossy(&backend.raw()).into_owned();
    for secret in [
        "alice@example.com",
        "ghp_9fQ2xLr7Tb1mZ0aK4vW8sE3nH6jC5uY2dP0q",
        "redaction.",
    ] {
        assert!(
            !raw.contains(secret),
            "{secret:?} reached the backend:\n{raw}"
        );
    }
}

#[test]
fn otelcol_gateway_over_http_forwards_exactly_what_consentry_sent() {
    let backend = Collector::start(CollectorKind::Otelcol);
    let gw = Gateway::start(GatewayOptions::forwarding_to(backend.grpc_port));
    through_gateway(&gw, &backend, Transport::Http);
}

#[test]
fn otelcol_gateway_over_grpc_forwards_exactly_what_consentry_sent() {
    let backend = Collector::start(CollectorKind::Otelcol);
    let gw = Gateway::start(GatewayOptions::forwarding_to(backend.grpc_port));
    through_gateway(&gw, &backend, Transport::Grpc);
}

#[test]
fn rotel_gateway_forwards_exactly_what_consentry_sent() {
    let backend = Collector::start(CollectorKind::Otelcol);
    let gw = Gateway::start_rotel(backend.grpc_port, &[]);
    through_gateway(&gw, &backend, Transport::Http);
}
