//! Harness for end-to-end tests: a real OpenTelemetry collector on reserved loopback
//! ports, and the example CLI run as a child process in a private home.
//!
//! A collector that cannot be found or started fails the test; nothing is skipped.

#![allow(
    dead_code,
    unreachable_pub,
    unused_imports,
    clippy::type_complexity,
    clippy::let_and_return
)]

pub mod collector;
pub mod fault;
pub mod gateway;
pub mod otlp;
pub mod ports;
pub mod pty;
pub mod taskr;
pub mod toxiproxy;

pub use collector::{Collector, CollectorKind};
pub use otlp::{Span, attr_i64, attr_str, attr_strings};
pub use taskr::{Outcome, Taskr, Transport};

use std::path::PathBuf;

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repo root")
}

pub mod scenarios;
