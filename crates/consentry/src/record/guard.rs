//! The guard that keeps telemetry alive for the run and sends at exit.

use std::path::PathBuf;
use std::sync::Arc;

use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};

use tracing::Subscriber;
use tracing_subscriber::Layer;
use tracing_subscriber::registry::LookupSpan;

use crate::consent::Decision;
use crate::deliver::{Collected, Delivery, Endpoint, Outcome};
use crate::identity;
use crate::record::run_context::RunContext;

/// Keeps telemetry alive for the run; dropping it (or [`shutdown`](Self::shutdown))
/// writes the run's spans to the spool and starts the detached uploader when none is
/// running. Dropping never panics and never waits on the network.
#[must_use = "dropping the guard ends recording and spools what was recorded; keep it until main returns"]
#[derive(Debug)]
pub struct TelemetryGuard {
    pub(crate) decision: Decision,
    pub(crate) active: Option<Active>,
    pub(crate) notes: Vec<crate::Note>,
    pub(crate) notice_shown: bool,
    /// `<TOOL>_TELEMETRY_OPTOUT`, for child processes (see `apply_opt_out`).
    pub(crate) opt_out_var: String,
    /// Consent is given but this run is outside the sample
    /// ([`with_sampling`](crate::TelemetryBuilder::with_sampling)).
    pub(crate) sampled_out: bool,
}

impl TelemetryGuard {
    /// The consent decision and the setting that made it.
    pub fn decision(&self) -> &Decision {
        &self.decision
    }

    /// Whether this run records and sends telemetry: consent is given and this is not
    /// the run that showed the notice.
    pub fn is_enabled(&self) -> bool {
        self.active.is_some()
    }

    /// Whether consent is given but this run is outside the sample the tool sends
    /// ([`with_sampling`](crate::TelemetryBuilder::with_sampling)): it records and sends
    /// nothing, like an opted-out run.
    pub fn sampled_out(&self) -> bool {
        self.sampled_out
    }

    /// Whether this run showed the notice (or the opt-in prompt) and so sends nothing.
    pub fn notice_shown(&self) -> bool {
        self.notice_shown
    }

    /// Keyed hash (HMAC-SHA256 under the per-install key, 32 hex characters) of a value
    /// the author wants to correlate without revealing it, e.g. a repository URL.
    /// `None` when telemetry is off or the key is unavailable.
    pub fn hash(&self, value: &str) -> Option<String> {
        let key = self.active.as_ref()?.context.key.as_ref()?;
        Some(identity::keyed_hash(key, value))
    }

    /// Problems found at init that did not stop the tool (an invalid endpoint variable,
    /// an unwritable config dir). Empty when all is well or telemetry is off.
    pub fn notes(&self) -> &[crate::Note] {
        &self.notes
    }

    /// The endpoint spans go to, or why there is none.
    pub fn endpoint(&self) -> Option<Result<&Endpoint, &crate::EndpointProblem>> {
        self.active.as_ref().map(|a| a.delivery.endpoint.as_ref())
    }

    /// The tool's config dir (settings file and install id), when known.
    pub fn config_dir(&self) -> Option<&std::path::Path> {
        self.active.as_ref().and_then(|a| a.config_dir.as_deref())
    }

    /// The layer to add to the tool's subscriber for the spans and events the tool
    /// declared ([`with_span`](crate::TelemetryBuilder::with_span),
    /// [`with_event`](crate::TelemetryBuilder::with_event); see
    /// [`declared`](crate::rules::declared)). Its per-layer filter admits declared names only,
    /// so it composes with any log layers the tool has, and it keeps only declared
    /// fields with valid values. The command span needs no layer. When telemetry is off
    /// it is an empty layer that does nothing.
    ///
    /// ```
    /// use tracing_subscriber::prelude::*;
    /// let guard = consentry::Telemetry::builder("mytool").build().unwrap().init();
    /// let subscriber = tracing_subscriber::registry().with(guard.layer());
    /// # drop(subscriber);
    /// ```
    pub fn layer<S>(&self) -> impl Layer<S> + 'static
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        self.active.as_ref().map(|a| {
            let c = &a.context;
            crate::rules::declared::layer(&c.tool, &c.declared, a.tracer.clone(), c.current.clone())
        })
    }

    /// A handle that sends what finished runs recorded, from any thread, before a
    /// `std::process::exit` (see [`FlushHandle`](crate::FlushHandle)). `None` when
    /// telemetry is off.
    pub fn flush_handle(&self) -> Option<crate::FlushHandle> {
        let a = self.active.as_ref()?;
        Some(crate::FlushHandle::new(
            a.collected.clone(),
            a.resource.clone(),
            a.context.tool.clone(),
            a.print_mode,
            &a.delivery,
        ))
    }

    /// The request this run would send, taken out of the guard (tests only).
    #[cfg(test)]
    pub(crate) fn take_request(
        &mut self,
    ) -> Option<opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest> {
        let active = self.active.as_ref()?;
        Some(crate::deliver::encode(
            active.collected.take(),
            &active.resource,
        ))
    }

    /// Hands what was recorded to delivery (spooled for the uploader) and says what
    /// happened. After this, dropping the guard does nothing.
    pub fn shutdown(mut self) -> Outcome {
        self.flush()
    }

    fn flush(&mut self) -> Outcome {
        let exit_started = std::time::Instant::now();
        let Some(active) = self.active.take() else {
            return Outcome::NothingToSend;
        };
        let spans = active.collected.take();
        let _ = active.provider.shutdown();
        crate::record::flush::hand_off(
            spans,
            &active.resource,
            (&active.context.tool, active.print_mode),
            &active.delivery,
            exit_started,
        )
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

    /// Hands what was recorded to delivery (as dropping the guard does) and exits the
    /// process with `code`: the `std::process::exit` that does not lose the run. Finish the run
    /// first; the borrow checker makes sure of it.
    pub fn exit(self, code: i32) -> ! {
        drop(self);
        std::process::exit(code)
    }
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// What an enabled run holds from init until exit.
#[derive(Debug)]
pub(crate) struct Active {
    pub(crate) context: Arc<RunContext>,
    pub(crate) tracer: SdkTracer,
    pub(crate) provider: SdkTracerProvider,
    pub(crate) collected: Collected,
    pub(crate) resource: Resource,
    pub(crate) delivery: Delivery,
    pub(crate) config_dir: Option<PathBuf>,
    pub(crate) print_mode: bool,
}
