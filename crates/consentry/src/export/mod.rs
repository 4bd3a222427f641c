//! Getting finished spans off the machine: collected in memory during the run,
//! encoded once as an OTLP `ExportTraceServiceRequest`, sent at exit on a short-lived
//! thread that the host never waits on for longer than the exit budget.
//!
//! consentry encodes and sends the request itself (with `opentelemetry-proto`'s types)
//! instead of using `opentelemetry-otlp`'s exporters: those always merge the user's
//! `OTEL_EXPORTER_OTLP_HEADERS` and `OTEL_EXPORTER_OTLP_TRACES_*` settings into the
//! request, which would hand the user's own vendor credentials to the tool's collector.

mod collect;
mod encode;
mod endpoint;
mod flush;
#[cfg(feature = "grpc")]
mod grpc;
#[cfg(feature = "http")]
mod http;

pub(crate) use collect::Collected;
pub(crate) use encode::encode;
pub use endpoint::{Endpoint, EndpointError, Transport};
pub(crate) use flush::flush;
pub use flush::Outcome;
