//! In-process cost of consentry, with criterion (`bench/run.sh` runs it and reads the
//! estimates; `cargo bench -p consentry --bench overhead` runs it alone).
//!
//! - `command`: one command run as taskr does it: the span with schema masking of a
//!   realistic argument vector, the keyed project id, one count, finish. Opted in and
//!   opted out (the same calls on a guard whose user said no).
//! - `spans_10k`: 10 000 child spans under one parent, created, entered and closed,
//!   through five subscribers: the registry alone (the tool without consentry and
//!   without a log layer: every span is created); the registry with a no-op layer
//!   behind a gate like consentry's (the floor for consentry's spans, and a stand-in for
//!   a log layer whose per-layer filter rejects the tool's spans); the same with
//!   consentry's layer opted out beside it; the registry with consentry's layer opted
//!   in; and opted out. Each with spans of target `consentry` (the gate passes them)
//!   and of the tool's own target (the gate drops them). consentry keeps at most 2048 finished spans per run,
//!   so most of the 10 000 are recorded and then dropped at their end, as a long loop
//!   in a real tool would be.
//! - `setup`: what a run pays before the tool's own work, as `consentry-clap` does it:
//!   build the configuration, set the lazy schema function, decide consent, drop the
//!   guard. `opted_out` (settings file says no: the schema is never derived),
//!   `opted_out_eager_schema` (the same with the schema derived up front, the ceiling
//!   of an opted-out setup), `opted_in` (schema derived, install id and key read,
//!   provider built).
//! - `mask` and `scrub`: throughput on long inputs.
//!
//! Nothing here touches the network: the guards have no endpoint, and what they
//! recorded is dropped at the end of each sample.

#![allow(missing_docs)] // criterion_group! makes an undocumented public function

use std::ffi::OsString;
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use consentry::mask::{CommandSpec, Opt, Param, Policy, Schema};
use consentry::{Telemetry, TelemetryGuard};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use tracing_subscriber::prelude::*;

/// Child spans per iteration of `spans_10k`.
const SPANS: u64 = 10_000;

/// One benchmark loop: opens child spans under the guard's layer.
type SpanLoop = fn(&TelemetryGuard);

/// taskr's command tree, declared by hand as `consentry-clap` derives it.
fn taskr_schema() -> Schema {
    Schema::new("taskr")
        .option(Opt::long("file").value(Policy::NameOnly).global())
        .subcommand(
            CommandSpec::new("add")
                .positional(Param::new("title"))
                .option(
                    Opt::long("priority")
                        .short('p')
                        .value(Policy::allow(["low", "normal", "high"])),
                )
                .option(Opt::long("tag").short('t').value(Policy::NameOnly)),
        )
        .subcommand(CommandSpec::new("list").option(Opt::long("all").short('a')))
        .subcommand(CommandSpec::new("done").positional(Param::new("id")))
}

/// A realistic command line: a free-text title, an allowed value, repeated options,
/// `--opt=value`, a path under the home dir.
fn taskr_args() -> Vec<OsString> {
    [
        "--file",
        "/home/alice/projects/acme/tasks.txt",
        "add",
        "call alice@example.com about the contract renewal",
        "--priority",
        "high",
        "-t",
        "work",
        "--tag=customer",
        "-t",
        "q3",
    ]
    .iter()
    .map(OsString::from)
    .collect()
}

fn telemetry(dir: &Path) -> Telemetry {
    builder(dir)
        .with_schema(taskr_schema())
        .build()
        .expect("valid bench configuration")
}

/// The bench configuration without a schema.
fn builder(dir: &Path) -> consentry::TelemetryBuilder {
    Telemetry::builder("consentry-bench")
        .with_version("0.0.0")
        .with_config_dir(dir.join("config"))
        .with_spool_dir(dir.join("spool"))
        .with_counts(&["tasks"])
        .with_project_file(false)
        .with_disabled_in_ci(false)
        .with_uploader(false)
        .with_panic_hook(false)
}

/// Guards for an opted-in and an opted-out user, each in a directory of its own.
struct Users {
    _dir: tempfile::TempDir,
    on: Telemetry,
    off: Telemetry,
    on_dir: std::path::PathBuf,
    off_dir: std::path::PathBuf,
}

impl Users {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let (on_dir, off_dir) = (dir.path().join("on"), dir.path().join("off"));
        let on = telemetry(&on_dir);
        // The first run shows the notice and records nothing; later runs record.
        drop(on.clone().init());
        let off = telemetry(&off_dir);
        off.set_enabled(false).expect("settings file");
        let users = Users {
            _dir: dir,
            on,
            off,
            on_dir,
            off_dir,
        };
        assert!(
            users.guard(true).is_enabled(),
            "opted-in guard is not recording (DO_NOT_TRACK set?)"
        );
        assert!(
            !users.guard(false).is_enabled(),
            "opted-out guard is recording"
        );
        users
    }

    fn guard(&self, opted_in: bool) -> TelemetryGuard {
        if opted_in {
            self.on.clone().init()
        } else {
            self.off.clone().init()
        }
    }
}

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
        meta.target() == consentry::TARGET
    }

    fn callsite_enabled(
        &self,
        meta: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        if meta.target() == consentry::TARGET {
            tracing::subscriber::Interest::always()
        } else {
            tracing::subscriber::Interest::never()
        }
    }
}

/// The subscriber a benchmark runs under.
#[derive(Debug, Clone, Copy)]
enum Setup {
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
fn timed<F: FnMut(&TelemetryGuard)>(users: &Users, setup: Setup, iters: u64, f: F) -> Duration {
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

fn command(c: &mut Criterion) {
    let users = Users::new();
    let args = taskr_args();
    let mut group = c.benchmark_group("command");
    for (name, setup) in [("opted_in", Setup::OptedIn), ("opted_out", Setup::OptedOut)] {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                timed(&users, setup, iters, |g| {
                    let run = g.command("add", black_box(&args));
                    run.project_id(black_box("/home/alice/projects/acme/tasks.txt"));
                    run.count("tasks", 12);
                    run.finish(0);
                })
            });
        });
    }
    group.finish();
}

fn setup(c: &mut Criterion) {
    let users = Users::new();
    let mut group = c.benchmark_group("setup");
    let cases: [(&str, &Path, bool); 3] = [
        ("opted_out", users.off_dir.as_path(), false),
        ("opted_out_eager_schema", users.off_dir.as_path(), true),
        ("opted_in", users.on_dir.as_path(), false),
    ];
    for (name, dir, eager) in cases {
        group.bench_function(name, |b| {
            b.iter(|| {
                let t = if eager {
                    builder(dir).with_schema(taskr_schema())
                } else {
                    builder(dir).with_schema_fn(taskr_schema)
                };
                let guard = t.build().expect("valid bench configuration").init();
                black_box(guard.is_enabled());
            })
        });
    }
    group.finish();
}

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

fn spans(c: &mut Criterion) {
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

fn mask(c: &mut Criterion) {
    let schema = taskr_schema();
    let mut group = c.benchmark_group("mask");
    // 10 000 tokens: tags, free text and unknown options mixed.
    let mut many = vec![OsString::from("add"), OsString::from("a title")];
    for i in 0..3_333 {
        many.push(OsString::from("--tag"));
        many.push(OsString::from(format!("label-{i}")));
        many.push(OsString::from(if i % 2 == 0 {
            "--unknown=secret"
        } else {
            "-p"
        }));
    }
    let bytes: usize = many.iter().map(|a| a.len()).sum();
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("argv_10k_tokens", |b| {
        b.iter(|| schema.mask(black_box(&many), None))
    });
    // One 1 MiB value (a pasted document as a title).
    let long = vec![OsString::from("add"), OsString::from("x".repeat(1 << 20))];
    group.throughput(Throughput::Bytes(1 << 20));
    group.bench_function("one_1MiB_value", |b| {
        b.iter(|| schema.mask(black_box(&long), None))
    });
    group.finish();
}

fn scrub(c: &mut Criterion) {
    let mut group = c.benchmark_group("scrub");
    let line = "error: cannot open /home/alice/projects/acme/tasks.txt for alice@example.com: \
                token=ghp_abcdefghijklmnopqrstuvwxyz0123456789 at https://bob:hunter2@git.example.com/x (10.1.2.3)\n";
    let dirty: String = line.repeat((64 << 10) / line.len());
    let clean: String = "the task list could not be parsed because line seven is not a task \n"
        .repeat((64 << 10) / 69);
    for (name, text) in [("64KiB_secrets", &dirty), ("64KiB_plain", &clean)] {
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| consentry::scrub::scrub(black_box(text)))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = command, setup, spans, mask, scrub
}
criterion_main!(benches);
