//! Builder settings for where spans go and how exit delivers them.

use std::path::PathBuf;
use std::time::Duration;

use super::TelemetryBuilder;
#[cfg(doc)]
use crate::Telemetry;
use crate::deliver::{SpoolLimits, Transport};

impl TelemetryBuilder {
    /// The collector endpoint compiled into the tool, e.g.
    /// `https://telemetry.example.com:4318`. `<TOOL>_TELEMETRY_ENDPOINT` overrides it
    /// at run time (operators and tests point the tool elsewhere without a rebuild).
    /// Default: none, in which case spans are recorded but never sent.
    pub fn with_endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// The transport. Default: HTTP/protobuf when the `http` feature is on, else gRPC.
    /// `<TOOL>_TELEMETRY_PROTOCOL` (`grpc` or `http/protobuf`) overrides it.
    pub fn with_transport(mut self, transport: Transport) -> Self {
        self.settings.transport = Some(transport);
        self
    }

    /// Where requests that could not be delivered wait. Default: `telemetry-spool` in
    /// the tool's OS state dir (`$XDG_STATE_HOME/<tool>` or `~/.local/state/<tool>` on
    /// Linux), or its cache dir where the OS has no state dir.
    pub fn with_spool_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.settings.spool_dir = Some(dir.into());
        self
    }

    /// Bounds on the spool. Default: [`SpoolLimits::default`] (4 MiB, 1000 requests,
    /// 7 days).
    pub fn with_spool_limits(mut self, limits: SpoolLimits) -> Self {
        self.settings.spool_limits = limits;
        self
    }

    /// Whether a detached uploader (the tool's own executable, see "Files" in the crate docs) may
    /// deliver the spool after a run that could not. Default: `true`. The uploader is the
    /// tool's own executable, entering through [`build`](TelemetryBuilder::build), so
    /// the tool should build its configuration before it does any work of its own.
    pub fn with_uploader(mut self, enabled: bool) -> Self {
        self.settings.uploader = enabled;
        self
    }

    /// After a failed attempt, runs wait `base`, doubling per consecutive failure up to
    /// `max`, before they use the network again (a collector's `Retry-After` can make
    /// it longer). Default: 1 s to 15 min. Both are capped at one hour: a wait longer
    /// than any consentry sets is read back as a corrupt state file and ignored.
    pub fn with_retry_backoff(mut self, base: Duration, max: Duration) -> Self {
        let cap = crate::deliver::LONGEST_BACKOFF;
        let base = base.min(cap);
        self.settings.backoff = (base, max.clamp(base, cap));
        self
    }

    /// Print mode for this run (what a `--print-telemetry` flag would set): write the
    /// OTLP JSON that would be sent to stderr and send nothing. `<TOOL>_TELEMETRY_DEBUG`
    /// turns it on too. Default: `false`.
    pub fn with_print_mode(mut self, on: bool) -> Self {
        self.settings.print_mode = on;
        self
    }
}
