//! What a command run needs from init, shared by init and the command span.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use opentelemetry_sdk::trace::SdkTracer;

/// What a command run needs from init.
#[derive(Debug)]
pub(crate) struct RunContext {
    pub(crate) tool: String,
    pub(crate) features: Vec<&'static str>,
    pub(crate) counts: Vec<&'static str>,
    pub(crate) key: Option<[u8; 32]>,
    pub(crate) schema: Option<Arc<crate::rules::mask::Schema>>,
    pub(crate) success_exit_codes: Vec<i32>,
    /// Whether error and panic messages are sent (the author opted in).
    pub(crate) error_messages: bool,
    /// Records the command span without any subscriber the host may have set.
    pub(crate) dispatch: tracing::Dispatch,
    pub(crate) tracer: SdkTracer,
    pub(crate) runs_dir: Option<PathBuf>,
    pub(crate) heartbeat: Duration,
    pub(crate) declared: Vec<crate::rules::declared::Declaration>,
    /// The open run declared spans attach to.
    pub(crate) current: Arc<crate::rules::declared::CurrentRun>,
    /// Spools finished spans on each heartbeat; `None` in print mode or without a spool.
    pub(crate) periodic: Option<crate::record::periodic::PeriodicFlush>,
    /// Where the run's arguments and terminal come from.
    pub(crate) env: Arc<dyn crate::configure::env::Env>,
}
