//! Sending before the guard is dropped: from a `std::process::exit` path, or from
//! another thread.

use std::time::Instant;

use opentelemetry_sdk::Resource;

use crate::deliver::{self, Collected, Delivery, Outcome};
use crate::record::guard::TelemetryGuard;

/// Hands over the spans of the runs that finished so far, from any thread: spools them
/// and starts the detached uploader, never waiting on the network (only
/// `with_uploader(false)` or a spool that cannot be written sends inline, within the
/// exit budget). Get one with [`TelemetryGuard::flush_handle`]; it is cheap to clone and can
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

    /// Spools what finished runs recorded and starts the uploader (sends inline, waiting
    /// at most the exit budget, only without an uploader or a writable spool).
    /// Never panics; safe to call from several threads (each span is sent once).
    pub fn flush(&self) -> Outcome {
        let started = Instant::now();
        let spans = self.collected.take();
        let count = spans.len();
        if count == 0 {
            return Outcome::NothingToSend;
        }
        let request = deliver::encode(spans, &self.resource);
        if self.print_mode {
            crate::record::guard::print_request(&self.tool, &request);
            return Outcome::Printed { spans: count };
        }
        let body = prost::Message::encode_to_vec(&request);
        self.delivery.at_exit(body, count, started)
    }
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

    /// Passes this run's opt-out to one child process explicitly: when the user opted
    /// out, sets `<TOOL>_TELEMETRY_OPTOUT=1` on `cmd`. Does nothing when telemetry is on.
    /// Rarely needed: when the disable flag opted the run out, init has already set that
    /// variable in the process's own environment, which every child inherits.
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

    /// Spools what was recorded, starts the detached uploader and exits the process
    /// with `code`, never waiting on the network: the `std::process::exit` that does not lose the run. Finish the run
    /// first; the borrow checker makes sure of it.
    pub fn exit(self, code: i32) -> ! {
        drop(self);
        std::process::exit(code)
    }
}
