//! Getting finished spans off the machine: collected in memory during the run,
//! encoded once as an OTLP `ExportTraceServiceRequest`, sent at exit on a short-lived
//! thread that the host never waits on for longer than the exit budget, and spooled
//! when that is not enough.
//!
//! consentry encodes and sends the request itself (with `opentelemetry-proto`'s types)
//! instead of using `opentelemetry-otlp`'s exporters: those always merge the user's
//! `OTEL_EXPORTER_OTLP_HEADERS` and `OTEL_EXPORTER_OTLP_TRACES_*` settings into the
//! request, which would hand the user's own vendor credentials to the tool's collector.

mod backoff;
mod collect;
mod deliver;
mod encode;
mod endpoint;
#[cfg(feature = "grpc")]
mod grpc;
#[cfg(feature = "http")]
mod http;
mod send;
mod spool;
pub(crate) mod uploader;

pub(crate) use backoff::Backoff;
pub use backoff::{DEFAULT_BACKOFF_BASE, DEFAULT_BACKOFF_MAX};
pub(crate) use collect::Collected;
pub use deliver::Outcome;
pub(crate) use deliver::{Background, Delivery, drain};
pub(crate) use encode::encode;
pub use endpoint::{Endpoint, EndpointError, Transport};
pub use spool::SpoolLimits;
pub(crate) use spool::{Spool, now_ms};
pub use uploader::{UPLOADER_ARG, UPLOADER_LIFETIME};
