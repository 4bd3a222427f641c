//! Getting finished spans off the machine without the user waiting for it.
//!
//! # The exit path
//!
//! Spans are collected in memory during the run (no socket while the command works;
//! the one open file is the run's locked marker, see [`accounting`](crate::accounting)).
//! At exit the run encodes them once as an OTLP
//! `ExportTraceServiceRequest` and **never waits on the network**:
//!
//! 1. The request is written to the spool: one file, temp file + rename, named with its
//!    creation time and length. Under a short writer lock (`.write.lock`, waited for at
//!    most 25 ms) the writer lists the names, drops the oldest past the age bound and,
//!    at the count or size bound, the oldest tenth, and renames its file in: the bounds hold at every moment, and a run
//!    never reads, stats or sends another run's file, so its cost does not depend on
//!    how full the spool is.
//! 2. Unless a sender already holds the sender lock (`.lock`) or a run started one
//!    less than a minute ago (`uploader_started_ms` in `state.toml`), the run takes
//!    the lock and starts the **uploader** (the tool's own executable with a marker, see
//!    [`UPLOADER_ARG`] and [`UPLOADER_ENV`]) with the locked file as its stdin, then
//!    exits. The lock passes to the child with the open file: there is never more
//!    than one uploader per user and spool.
//! 3. The uploader validates each spooled file, merges up to 256 requests into one,
//!    sends, deletes what the collector acknowledged, and repeats until the spool is
//!    empty. It then watches the spool for 5 s more (a listing every 0.5 s), again
//!    after each request that arrives, so the runs of a burst are sent by the one
//!    uploader. Then it releases the lock and lists once more: a run that spooled while
//!    the lock was held started no uploader, and its request is found here. It waits
//!    out a backoff that ends within its lifetime ([`UPLOADER_LIFETIME`], enforced by
//!    a watchdog), else it exits and the first run after the backoff and the minute
//!    starts a new one.
//!
//! **When a span reaches the collector.** While the tool keeps being used: within a
//! minute of its run (the running uploader sends it, or the first run after the minute
//! starts the next uploader). When it is not used again: at its next run after that
//! minute. A run that spools within a minute of the last start, after that uploader
//! exited, leaves its request in the spool: no process stays behind to send it.
//!
//! Delivery is exactly once by span id except when the uploader is killed between the
//! collector's acknowledgement and the delete; that request is sent again, with the
//! same span ids, for the backend to de-duplicate.
//!
//! ## Trade-offs
//!
//! | | |
//! |---|---|
//! | Files written per run | one request file (temp + rename); `state.toml` only when a counter changes; `.lock`/`.write.lock` created once; by the uploader, after the acknowledgement, one copy per delivered batch in the sent log |
//! | Processes started | at most one a minute per user, only when no uploader is running and no long backoff is on; it lives until the spool has been empty for 5 s, at most [`UPLOADER_LIFETIME`] |
//! | Delivery delay | one round trip (plus the TLS handshake) after the run on a healthy network when an uploader starts or is running; up to a minute (at the next run after it) when the last one started less than a minute ago and has exited; a collector that fails delays it by the backoff |
//! | Exit cost | encoding, one small file write, one lock try and, when it starts the uploader, a `fork` and `exec`: about a millisecond, whatever the network |
//! | What a security tool sees | the tool re-running itself with `__consentry-upload`, in a session of its own, in `/`, with no descriptor of its caller, stdout/stderr on `/dev/null`, making one outbound connection to the tool's collector |
//! | Containers | an uploader outlives the run; when the run is the container's PID 1 the container stops with it, the uploader is killed and the request stays spooled (on a volume: sent by the next run; else lost with the container) |
//!
//! The uploader enters through
//! [`TelemetryBuilder::build`](crate::TelemetryBuilder::build), which every tool calls
//! before it can record anything: there is no separate entry to forget. A tool that
//! cannot be re-run as its own uploader (one that must do work before it can build its
//! configuration) turns it off with
//! [`with_uploader(false)`](crate::TelemetryBuilder::with_uploader): then the run sends
//! inline, waiting up to the exit budget, then drains the spool with what is left of
//! the budget, and spools what was not acknowledged. That path waits on the network
//! and is kept only for such tools.
//!
//! # Why not `opentelemetry-otlp`
//!
//! consentry encodes and sends the request itself (with `opentelemetry-proto`'s types)
//! instead of using `opentelemetry-otlp`'s exporters: those always merge the user's
//! `OTEL_EXPORTER_OTLP_HEADERS` and `OTEL_EXPORTER_OTLP_TRACES_*` settings into the
//! request, which would hand the user's own vendor credentials to the tool's collector.

pub(crate) mod backoff;
mod collect;
pub(crate) mod drain;
mod encode;
mod endpoint;
pub(crate) mod kept;
mod outcome;
mod policy;
mod resolve;
mod send;
pub(crate) mod spool;
mod transport;
pub(crate) mod validate;

pub(crate) use backoff::Backoff;
/// The longest backoff an author may set (the longest wait the spool state keeps).
pub(crate) const LONGEST_BACKOFF: std::time::Duration = spool::LONGEST_WAIT;
pub(crate) use backoff::{DEFAULT_BACKOFF_BASE, DEFAULT_BACKOFF_MAX};
pub(crate) use collect::Collected;
pub(crate) use encode::encode;
pub use endpoint::{Endpoint, EndpointError, Transport};
pub use outcome::{AttemptError, LostReason, Outcome, SpoolReason};
pub(crate) use policy::Delivery;
pub use spool::SpoolLimits;
pub(crate) use spool::{Spool, now_ms};
