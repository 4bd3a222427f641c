//! taskr's end-to-end tests and the collector-config checks, gathered in one test binary:
//! one link instead of fourteen, and one process whose tests cargo runs in parallel
//! threads. Each file next to this one is a module; a test keeps its name under its
//! module path (`cargo test -p taskr --test integration gateway_e2e::`).
//!
//! Adding a test file: create `tests/<name>.rs`, add `mod <name>;` below (sorted), and
//! reach the harness with `use crate::support;` (not `mod support;`). Because every test
//! shares this process:
//! - never change process-wide state: no `std::env::set_var` (give the child its
//!   environment with `Taskr::env`), no `set_current_dir`, no panic hook of your own;
//!   in-process `Telemetry` builds use `.with_panic_hook(false)` unless a test is about
//!   the hook;
//! - ports come from `support::ports` (never pick a free port and bind it later);
//! - a test that needs a process of its own (`harness = false`, like `gateway_load`, or
//!   global state it must change) gets its own `[[test]]` in `examples/taskr/Cargo.toml`.

mod support;

mod agents_and_pipes;
mod bad_input;
mod consent_paths;
mod declared_spans;
mod delivery_faults;
mod e2e_grpc;
mod e2e_http;
mod e2e_rotel;
mod erasure;
mod exit_path;
mod gateway_allowlist;
mod gateway_bad_input;
mod gateway_defence;
mod gateway_destinations;
mod gateway_e2e;
mod gateway_hostile;
mod gateway_operator;
mod hardening;
mod harness_ports;
mod identity_choices;
mod opt_out_leaves_nothing;
mod real_cli;
mod sample_weight;
mod sampling;
mod transcripts;
mod transparency;
