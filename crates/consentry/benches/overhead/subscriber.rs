//! The subscribers a benchmark runs under, and the timing loop around them.

use std::time::{Duration, Instant};

use consentry::TelemetryGuard;
use tracing_subscriber::prelude::*;

use crate::fixture::Users;

/// A copy of consentry's gate (crate-private): its own spans pass, decided once per
/// callsite. (A `filter_fn` would be asked on every span, and since `tracing` caches a
/// callsite's interest across subscribers, it would slow the benchmarks after it.)
struct Gate;

impl<S> tracing_subscriber::layer::Filter<S> for Gate {
    fn enabled(
        &self,
        meta: &tracing::Metadata<'_>,
        _: &tracing_subscriber::layer::Context<'_, S>,
    ) -> bool {
        meta.target() == "consentry"
    }

    fn callsite_enabled(
        &self,
        meta: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        if meta.target() == "consentry" {
            tracing::subscriber::Interest::always()
        } else {
            tracing::subscriber::Interest::never()
        }
    }
}

/// The subscriber a benchmark runs under.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Setup {
    /// The registry alone: the tool without consentry (every span is created).
    Without,
    /// The registry with a no-op layer behind a gate like consentry's: the floor for
    /// consentry's spans, and, for the tool's spans, a log layer whose per-layer filter
    /// does not want them.
    NoopLayer,
    /// The same with consentry's layer, opted out, beside it.
    NoopLayerOptedOut,
    /// The registry with consentry's layer, opted in.
    OptedIn,
    /// The registry with consentry's layer, opted out (an absent layer, `None`).
    OptedOut,
}

/// Times `iters` calls of `f` under a fresh guard and subscriber, so that what the
/// guard keeps in memory does not pile up across samples. Setup and the guard's drop
/// (which encodes and, with no endpoint, discards) are not timed.
pub(crate) fn timed<F: FnMut(&TelemetryGuard)>(
    users: &Users,
    setup: Setup,
    iters: u64,
    f: F,
) -> Duration {
    // Without consentry the closure still gets a guard (opted out), and ignores it.
    let guard = users.guard(matches!(setup, Setup::OptedIn));
    let noop = || tracing_subscriber::layer::Identity::new().with_filter(Gate);
    let registry = tracing_subscriber::registry;
    let took = match setup {
        Setup::Without => run(registry(), iters, &guard, f),
        Setup::NoopLayer => run(registry().with(noop()), iters, &guard, f),
        Setup::NoopLayerOptedOut => run(
            registry().with(noop()).with(guard.layer()),
            iters,
            &guard,
            f,
        ),
        Setup::OptedIn | Setup::OptedOut => run(registry().with(guard.layer()), iters, &guard, f),
    };
    drop(guard);
    took
}

fn run<S, F>(subscriber: S, iters: u64, guard: &TelemetryGuard, mut f: F) -> Duration
where
    S: tracing::Subscriber + Send + Sync + 'static,
    F: FnMut(&TelemetryGuard),
{
    tracing::subscriber::with_default(subscriber, || {
        let start = Instant::now();
        for _ in 0..iters {
            f(guard);
        }
        start.elapsed()
    })
}
