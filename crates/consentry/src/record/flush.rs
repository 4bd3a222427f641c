//! Handing the finished spans to delivery before the guard is dropped (from a
//! `std::process::exit` path, or from another thread), and the one exit sequence the
//! guard's drop shares with it.

use std::time::Instant;

use opentelemetry_sdk::Resource;

use crate::deliver::{self, Collected, Delivery, Outcome};
use crate::record::guard::TelemetryGuard;

/// Hands the spans of the runs that finished so far to delivery (spooled for the
/// detached uploader: never waiting on the network), from any thread. Get one with [`TelemetryGuard::flush_handle`]; it is cheap to clone and can
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
        crate::record::guard::print_request(tool, &request);
        return Outcome::Printed { spans: count };
    }
    let body = prost::Message::encode_to_vec(&request);
    delivery.at_exit(body, count, started)
}

impl TelemetryGuard {
    /// Starts the span of this process's command run: [`command`](Self::command) with
    /// the command path the schema finds and this process's arguments.
    pub fn run(&self) -> crate::CommandRun<'_> {
        let args = self
            .active
            .as_ref()
            .map(|a| a.context.env.args_os())
            .unwrap_or_default();
        self.command("", args.into_iter().skip(1))
    }

    /// Passes this run's opt-out to a child process the tool starts (itself, or a
    /// companion program that uses consentry too): when the user opted out (by the flag, for
    /// example, which the child would not see), sets `<TOOL>_TELEMETRY_OPTOUT=1` on
    /// `cmd`. Does nothing when telemetry is on.
    ///
    /// ```
    /// let guard = consentry::Telemetry::builder("mytool").build().unwrap().init();
    /// let mut child = std::process::Command::new("mytool");
    /// guard.apply_opt_out(&mut child);
    /// ```
    pub fn apply_opt_out<'c>(
        &self,
        cmd: &'c mut std::process::Command,
    ) -> &'c mut std::process::Command {
        if !self.decision().enabled {
            cmd.env(&self.opt_out_var, "1");
        }
        cmd
    }

    /// Hands what was recorded to delivery (as dropping the guard does) and exits the
    /// process with `code`: the `std::process::exit` that does not lose the run. Finish the run
    /// first; the borrow checker makes sure of it.
    pub fn exit(self, code: i32) -> ! {
        drop(self);
        std::process::exit(code)
    }
}
