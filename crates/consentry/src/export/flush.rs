use std::sync::mpsc;
use std::time::{Duration, Instant};

use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SpanData;

use super::{Endpoint, Transport, encode};

/// What became of a run's spans at exit. Recorded on the guard for status and
/// debug output; never printed over the host's output and never returned as an error.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// No span was recorded, so nothing was sent: no thread, no socket.
    NothingToSend,
    /// Telemetry is on but no endpoint is configured (or the configured one is invalid).
    NoEndpoint {
        /// Spans that were dropped.
        spans: usize,
        /// Why there is no endpoint.
        reason: String,
    },
    /// The collector accepted the request.
    Delivered {
        /// Spans in the request.
        spans: usize,
        /// How long the send took.
        took: Duration,
    },
    /// The collector could not be reached or answered with an error.
    Failed {
        /// Spans in the request.
        spans: usize,
        /// What went wrong.
        reason: String,
    },
    /// No answer within the exit budget; the host went on without waiting longer.
    TimedOut {
        /// Spans in the request.
        spans: usize,
        /// The budget that ran out.
        budget: Duration,
    },
}

/// Sends `spans` on a short-lived thread and waits for it at most `budget`.
///
/// The thread runs with no `tracing` subscriber, so neither the HTTP/2 stack's own
/// spans nor any error it logs reach the host's log output or consentry's layer.
pub(crate) fn flush(spans: Vec<SpanData>, resource: &Resource, endpoint: &Endpoint, budget: Duration) -> Outcome {
    let count = spans.len();
    if count == 0 {
        return Outcome::NothingToSend;
    }
    let request = encode(spans, resource);
    let endpoint = endpoint.clone();
    let (tx, rx) = mpsc::sync_channel(1);
    let deadline = Instant::now() + budget;
    let started = Instant::now();
    let spawned = std::thread::Builder::new().name("consentry-export".into()).spawn(move || {
        let _quiet = tracing::subscriber::set_default(tracing::subscriber::NoSubscriber::default());
        let timeout = deadline.saturating_duration_since(Instant::now());
        let result = send(&endpoint, request, timeout);
        let _ = tx.send(result);
    });
    if let Err(e) = spawned {
        return Outcome::Failed { spans: count, reason: format!("cannot start export thread: {e}") };
    }
    match rx.recv_timeout(budget) {
        Ok(Ok(())) => Outcome::Delivered { spans: count, took: started.elapsed() },
        Ok(Err(reason)) => Outcome::Failed { spans: count, reason },
        Err(_) => Outcome::TimedOut { spans: count, budget },
    }
}

fn send(
    endpoint: &Endpoint,
    request: opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest,
    timeout: Duration,
) -> Result<(), String> {
    if timeout.is_zero() {
        return Err("exit budget spent before sending".into());
    }
    match endpoint.transport() {
        #[cfg(feature = "http")]
        Transport::HttpProtobuf => {
            super::http::send(endpoint.url(), prost::Message::encode_to_vec(&request), timeout)
        }
        #[cfg(feature = "grpc")]
        Transport::Grpc => super::grpc::send(endpoint.url(), request, timeout),
        #[allow(unreachable_patterns)]
        other => Err(format!("transport {other} is not compiled in")),
    }
}
