//! Handing the finished spans to delivery before the guard is dropped (from a
//! `std::process::exit` path, or from another thread), and the one exit sequence the
//! guard's drop shares with it.

use std::io::Write as _;
use std::time::Instant;

use opentelemetry_sdk::Resource;

use crate::deliver::{self, Collected, Delivery, Outcome};
use crate::formats::json::{Keys, Style, Writer};

/// Hands the spans of the runs that finished so far to delivery (spooled for the
/// detached uploader: never waiting on the network), from any thread. Get one with [`TelemetryGuard::flush_handle`](crate::TelemetryGuard::flush_handle); it is cheap to clone and can
/// be kept where a `std::process::exit` deep in the tool can reach it.
///
/// ```no_run
/// let guard = consentry::Telemetry::builder("mytool").build().unwrap().init();
/// let flush = guard.flush_handle();
/// let run = guard.command("sync", std::env::args_os().skip(1));
/// run.finish(4);
/// if let Some(f) = &flush {
///     f.flush();
/// }
/// std::process::exit(4); // the guard's Drop never runs; nothing is lost
/// ```
///
/// A run that is still open is not sent (its span has not ended); if the process then
/// exits, the next run reports it as `abandoned`.
#[derive(Debug, Clone)]
#[must_use = "a flush handle does nothing until `flush` is called"]
pub struct FlushHandle {
    collected: Collected,
    resource: Resource,
    tool: String,
    print_mode: bool,
    delivery: std::sync::Arc<Delivery>,
}

impl FlushHandle {
    pub(crate) fn new(
        collected: Collected,
        resource: Resource,
        tool: String,
        print_mode: bool,
        delivery: &Delivery,
    ) -> Self {
        FlushHandle {
            collected,
            resource,
            tool,
            print_mode,
            delivery: std::sync::Arc::new(delivery.clone()),
        }
    }

    /// Spools what finished runs recorded (print mode: prints it) and says what became
    /// of it; never waits on the network unless the author turned the uploader off.
    /// Never panics; safe to call from several threads (each span is handed over once).
    pub fn flush(&self) -> Outcome {
        let started = Instant::now();
        hand_off(
            self.collected.take(),
            &self.resource,
            (&self.tool, self.print_mode),
            &self.delivery,
            started,
        )
    }
}

/// The one exit sequence, shared by the guard's drop and [`FlushHandle::flush`]: the
/// finished spans encoded once as one OTLP request, printed in print mode, else handed
/// to delivery.
pub(crate) fn hand_off(
    spans: Vec<opentelemetry_sdk::trace::SpanData>,
    resource: &Resource,
    (tool, print_mode): (&str, bool),
    delivery: &Delivery,
    started: Instant,
) -> Outcome {
    let count = spans.len();
    if count == 0 {
        return Outcome::NothingToSend;
    }
    let request = deliver::encode(spans, resource);
    if print_mode {
        print_request(tool, &request);
        return Outcome::Printed { spans: count };
    }
    let body = prost::Message::encode_to_vec(&request);
    delivery.at_exit(body, count, started)
}

/// Print mode: the exact request, as OTLP JSON, on stderr.
fn print_request(
    tool: &str,
    request: &opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest,
) {
    let mut json = Writer::new(Style::Pretty, Keys::AsWritten);
    crate::formats::json::request(&mut json, request);
    let json = json.finish();
    let _ = writeln!(
        std::io::stderr().lock(),
        "{tool} telemetry (print mode, nothing sent):\n{json}"
    );
}
