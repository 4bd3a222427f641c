//! `spans_10k`: 10 000 child spans under one parent, through each subscriber.

use std::hint::black_box;

use consentry::TelemetryGuard;
use criterion::{BenchmarkId, Criterion, Throughput};

use crate::fixture::Users;
use crate::subscriber::{Setup, timed};

/// Child spans per iteration of `spans_10k`.
const SPANS: u64 = 10_000;

/// One benchmark loop: opens child spans under the guard's layer.
type SpanLoop = fn(&TelemetryGuard);

/// One iteration of `spans_10k`: a parent span and 10 000 children of `target`.
macro_rules! children {
    ($target:literal) => {
        |_: &TelemetryGuard| {
            let _parent = tracing::info_span!(target: $target, "parent").entered();
            for i in 0..SPANS {
                let _s = tracing::info_span!(target: $target, "child", n = black_box(i)).entered();
            }
        }
    };
}

pub(crate) fn spans(c: &mut Criterion) {
    let users = Users::new();
    let mut group = c.benchmark_group("spans_10k");
    group.throughput(Throughput::Elements(SPANS));
    group.sample_size(20);
    for (name, setup) in [
        ("without", Setup::Without),
        ("noop_layer", Setup::NoopLayer),
        ("noop_layer_opted_out", Setup::NoopLayerOptedOut),
        ("opted_in", Setup::OptedIn),
        ("opted_out", Setup::OptedOut),
    ] {
        // `tracing` targets are part of a callsite, so each target has its own loop.
        let loops: [(&str, SpanLoop); 2] = [
            ("consentry_target", children!("consentry")),
            ("tool_target", children!("taskr")),
        ];
        for (target, run) in loops {
            group.bench_function(BenchmarkId::new(name, target), |b| {
                b.iter_custom(|iters| timed(&users, setup, iters, run));
            });
        }
    }
    group.finish();
}
