//! The sampling weight at the gateway (otelcol and Rotel alike): a weight consentry can
//! send (a double from 1 to 1,000,000, `1 / rate`) is stored as sent; NaN, infinities,
//! a weight below 1 (which would shrink every count it enters) or above a million, and
//! a weight of another type are removed, and the span is kept (it then counts once).

use crate::support;
use crate::support::gateway;

use std::collections::BTreeMap;
use std::time::Duration;

use gateway::{Gateway, GatewayOptions, RawSpan, Val, s, to_protobuf};
use support::{Collector, CollectorKind, attr_str};

const KEY: &str = "consentry.sample.weight";

/// One span per weight, each named by its command; the weight the backend must hold.
fn probes() -> Vec<(RawSpan, &'static str, Option<f64>)> {
    let cases: [(&str, Val, Option<f64>); 9] = [
        ("ten", Val::Double(10.0), Some(10.0)),
        ("one", Val::Double(1.0), Some(1.0)),
        ("million", Val::Double(1e6), Some(1e6)),
        ("nan", Val::Double(f64::NAN), None),
        ("infinity", Val::Double(f64::INFINITY), None),
        ("half", Val::Double(0.5), None),
        ("billion", Val::Double(1e9), None),
        ("text", s("10"), None),
        ("integer", Val::Int(10), None),
    ];
    cases
        .into_iter()
        .enumerate()
        .map(|(i, (name, v, kept))| {
            let mut sp = RawSpan::consentry_like(name, 500 + i as u64);
            sp.resource.push((KEY.into(), v));
            (sp, name, kept)
        })
        .collect()
}

fn check(backend: &Collector) {
    let want = probes();
    let spans = backend.wait_for("every probe", Duration::from_secs(30), |s| {
        s.len() >= want.len()
    });
    let got: BTreeMap<String, Option<f64>> = spans
        .iter()
        .map(|sp| {
            let command = attr_str(&sp.attrs, "consentry.command").unwrap_or_default();
            let weight = sp.resource.get(KEY).map(|v| {
                v.get("doubleValue")
                    .and_then(serde_json::Value::as_f64)
                    .unwrap_or_else(|| panic!("{command}: a weight that is not a double: {v}"))
            });
            (command, weight)
        })
        .collect();
    assert_eq!(got.len(), want.len(), "every span kept: {got:?}");
    for (_, name, kept) in want {
        assert_eq!(got.get(name), Some(&kept), "{name}: {got:?}");
    }
}

#[test]
fn otelcol_gateway_keeps_a_weight_consentry_sends_and_removes_any_other() {
    let backend = Collector::start(CollectorKind::Otelcol);
    let gw = Gateway::start(GatewayOptions::forwarding_to(backend.grpc_port));
    let spans: Vec<RawSpan> = probes().into_iter().map(|p| p.0).collect();
    let r = gw.post_traces("application/x-protobuf", &to_protobuf(&spans));
    assert_eq!(r.status, 200, "{}", r.text());
    check(&backend);
}

#[test]
fn rotel_gateway_keeps_a_weight_consentry_sends_and_removes_any_other() {
    let backend = Collector::start(CollectorKind::Otelcol);
    let gw = Gateway::start_rotel(backend.grpc_port, &[]);
    let spans: Vec<RawSpan> = probes().into_iter().map(|p| p.0).collect();
    let r = gw.post_traces("application/x-protobuf", &to_protobuf(&spans));
    assert_eq!(r.status, 200, "{}", r.text());
    check(&backend);
}
