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

// Modules under `overhead/` by path: a plain `benches/*.rs` would become a bench
// target of its own.
#[path = "overhead/command.rs"]
mod command;
#[path = "overhead/fixture.rs"]
mod fixture;
#[path = "overhead/mask.rs"]
mod mask;
#[path = "overhead/scrub.rs"]
mod scrub;
#[path = "overhead/setup.rs"]
mod setup;
#[path = "overhead/spans.rs"]
mod spans;
#[path = "overhead/subscriber.rs"]
mod subscriber;

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = command::command, setup::setup, spans::spans, mask::mask, scrub::scrub
}
criterion_main!(benches);
