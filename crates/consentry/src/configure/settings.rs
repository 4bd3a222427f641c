//! What the author chose, as one value: the builder fills it in, `build` validates it
//! and the configured [`Telemetry`](crate::Telemetry) keeps it as it was given.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::configure::env::Env;
#[cfg(doc)]
use crate::configure::env::OsEnv;
use crate::deliver::{DEFAULT_BACKOFF_BASE, DEFAULT_BACKOFF_MAX, SpoolLimits, Transport};
use crate::rules::declared::Declaration;
use crate::rules::mask::Schema;

/// How long exit may wait for the collector when the author turned the uploader off
/// (`with_uploader(false)`; with the uploader exit never waits). Long enough for a
/// collector on the same network (a TLS handshake plus one round trip), short enough
/// that nobody notices it on a CLI that is offline or drops packets.
pub(crate) const EXIT_BUDGET: Duration = Duration::from_millis(300);

/// The per-invocation opt-out flag consentry looks for by default.
pub(crate) const DEFAULT_DISABLE_FLAG: &str = "--disable-telemetry";

/// Every choice the author makes in the builder, grouped by the stage that uses it.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) tool: String,
    pub(crate) version: String,
    /// Where the environment is read from: `None` is [`OsEnv`], this process.
    pub(crate) env: Option<Arc<dyn Env>>,
    // Consent.
    pub(crate) opt_out_aliases: Vec<String>,
    pub(crate) default_enabled: bool,
    pub(crate) disable_flag: Option<String>,
    pub(crate) project_file: bool,
    pub(crate) policy_file: Option<PathBuf>,
    pub(crate) disabled_in_ci: bool,
    pub(crate) notice: Notice,
    pub(crate) config_dir: Option<PathBuf>,
    pub(crate) debug_build: bool,
    pub(crate) debug_builds: bool,
    // Data.
    pub(crate) channel: &'static str,
    pub(crate) sources: Vec<&'static str>,
    pub(crate) features: Vec<&'static str>,
    pub(crate) counts: Vec<&'static str>,
    pub(crate) schema: Option<SchemaSource>,
    pub(crate) success_exit_codes: Vec<i32>,
    pub(crate) declared: Vec<Declaration>,
    pub(crate) panic_hook: bool,
    /// Whether error and panic messages are sent (masked and scrubbed); off: classes only.
    pub(crate) error_messages: bool,
    pub(crate) heartbeat: Duration,
    pub(crate) install_id: crate::identity::choice::InstallId,
    pub(crate) shared_ci_id: bool,
    /// The fraction of installs (or runs) that send, in (0, 1]; 1 sends every run.
    pub(crate) sampling: f64,
    // Delivery.
    pub(crate) transport: Option<Transport>,
    pub(crate) exit_budget: Duration,
    pub(crate) spool_dir: Option<PathBuf>,
    pub(crate) spool_limits: SpoolLimits,
    pub(crate) uploader: bool,
    pub(crate) backoff: (Duration, Duration),
    pub(crate) print_mode: bool,
}

impl Settings {
    /// The defaults for the tool named `tool`.
    pub(crate) fn new(tool: String) -> Self {
        Settings {
            tool,
            version: "unknown".into(),
            env: None,
            opt_out_aliases: Vec::new(),
            default_enabled: true,
            disable_flag: Some(DEFAULT_DISABLE_FLAG.into()),
            project_file: true,
            policy_file: None,
            disabled_in_ci: false,
            notice: Notice {
                version: 1,
                text: None,
                docs_url: None,
            },
            config_dir: None,
            debug_build: cfg!(debug_assertions),
            debug_builds: false,
            channel: "unknown",
            sources: vec!["cli"],
            features: Vec::new(),
            counts: Vec::new(),
            schema: None,
            success_exit_codes: vec![0],
            declared: Vec::new(),
            panic_hook: true,
            error_messages: false,
            heartbeat: crate::record::accounting::DEFAULT_HEARTBEAT,
            install_id: crate::identity::choice::InstallId::Random,
            shared_ci_id: true,
            sampling: 1.0,
            transport: None,
            exit_budget: EXIT_BUDGET,
            spool_dir: None,
            spool_limits: SpoolLimits::default(),
            uploader: true,
            backoff: (DEFAULT_BACKOFF_BASE, DEFAULT_BACKOFF_MAX),
            print_mode: false,
        }
    }
}

/// The notice shown once before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Notice {
    pub(crate) version: u32,
    pub(crate) text: Option<String>,
    pub(crate) docs_url: Option<String>,
}

/// The masking schema, given ready or as a function run at init only when telemetry
/// is on (deriving it from a large clap `Command` costs more than an opted-out run).
#[derive(Clone)]
pub(crate) enum SchemaSource {
    Ready(Arc<Schema>),
    Lazy(Arc<dyn Fn() -> Schema + Send + Sync>),
}

impl SchemaSource {
    pub(crate) fn resolve(&self) -> Arc<Schema> {
        match self {
            SchemaSource::Ready(s) => s.clone(),
            SchemaSource::Lazy(make) => Arc::new(make()),
        }
    }
}

impl fmt::Debug for SchemaSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SchemaSource::Ready(s) => f.debug_tuple("Ready").field(s).finish(),
            SchemaSource::Lazy(_) => f.write_str("Lazy(..)"),
        }
    }
}
