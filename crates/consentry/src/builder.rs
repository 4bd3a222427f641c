//! Configuration the author writes once in `main`.

use std::path::PathBuf;
use std::time::Duration;

use crate::env;
use crate::export::{
    DEFAULT_BACKOFF_BASE, DEFAULT_BACKOFF_MAX, Endpoint, EndpointError, SpoolLimits, Transport,
};

mod consent;
mod data;
mod delivery;

/// How long exit may wait for the collector by default. Long enough for a collector on
/// the same network (a TLS handshake plus one round trip), short enough that nobody
/// notices it on a CLI that is offline or behind a firewall that drops packets.
pub const DEFAULT_EXIT_BUDGET: Duration = Duration::from_millis(300);

/// The per-invocation opt-out flag consentry looks for by default.
pub const DEFAULT_DISABLE_FLAG: &str = "--disable-telemetry";

/// The longest exit budget an author may set.
pub const MAX_EXIT_BUDGET: Duration = Duration::from_secs(5);

/// Builds a [`Telemetry`]. Start with [`Telemetry::builder`].
#[derive(Debug, Clone)]
pub struct TelemetryBuilder {
    tool: String,
    version: String,
    endpoint: Option<String>,
    transport: Option<Transport>,
    opt_out_vars: Vec<String>,
    exit_budget: Duration,
    config_dir: Option<PathBuf>,
    spool_dir: Option<PathBuf>,
    spool_limits: SpoolLimits,
    uploader: bool,
    backoff: (Duration, Duration),
    default_enabled: bool,
    disable_flag: Option<String>,
    project_file: bool,
    policy_file: Option<PathBuf>,
    disabled_in_ci: bool,
    notice: Notice,
    channel: &'static str,
    sources: Vec<&'static str>,
    features: Vec<&'static str>,
    counts: Vec<&'static str>,
    print_mode: bool,
    panic_hook: bool,
    schema: Option<crate::run_setup::SchemaSource>,
    success_exit_codes: Vec<i32>,
    heartbeat: Duration,
    pub(crate) declared: Vec<crate::declared::Declaration>,
    pub(crate) debug_build: bool,
    pub(crate) debug_builds: bool,
}

/// The notice shown once before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Notice {
    pub(crate) version: u32,
    pub(crate) text: Option<String>,
    pub(crate) docs_url: Option<String>,
}

/// Why [`TelemetryBuilder::build`] refused the configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The tool name must be 1-64 characters of ASCII letters, digits, `-` and `_`,
    /// starting with a letter: it names files, env vars and `service.name`.
    #[error("invalid tool name {0:?}")]
    ToolName(String),
    /// The endpoint given to [`TelemetryBuilder::with_endpoint`] is not usable.
    #[error("invalid telemetry endpoint")]
    Endpoint(#[source] EndpointError),
    /// An opt-out variable name is empty or contains `=` or NUL.
    #[error("invalid opt-out variable name {0:?}")]
    VarName(String),
    /// A feature, count, source or channel name is not 1-64 characters of ASCII
    /// letters, digits, `-` and `_` starting with a letter.
    #[error("invalid declared name {0:?}")]
    Name(String),
    /// The exit budget is zero or above [`MAX_EXIT_BUDGET`].
    #[error("exit budget must be between 1 ms and {MAX_EXIT_BUDGET:?}")]
    ExitBudget,
}

/// A validated telemetry configuration. [`init`](Telemetry::init) decides consent and,
/// only when telemetry is on, prepares recording.
#[derive(Debug, Clone)]
pub struct Telemetry {
    pub(crate) tool: String,
    pub(crate) version: String,
    pub(crate) endpoint: Option<Endpoint>,
    pub(crate) endpoint_var: String,
    pub(crate) protocol_var: String,
    pub(crate) ca_var: String,
    pub(crate) opt_out_vars: Vec<String>,
    pub(crate) exit_budget: Duration,
    pub(crate) config_dir: Option<PathBuf>,
    pub(crate) spool_dir: Option<PathBuf>,
    pub(crate) spool_limits: SpoolLimits,
    pub(crate) uploader: bool,
    pub(crate) backoff: (Duration, Duration),
    pub(crate) default_enabled: bool,
    pub(crate) disable_flag: Option<String>,
    pub(crate) project_file: bool,
    pub(crate) policy_file: Option<PathBuf>,
    pub(crate) policy_var: String,
    pub(crate) debug_var: String,
    pub(crate) source_var: String,
    pub(crate) disabled_in_ci: bool,
    pub(crate) notice: Notice,
    pub(crate) channel: &'static str,
    pub(crate) sources: Vec<&'static str>,
    pub(crate) features: Vec<&'static str>,
    pub(crate) counts: Vec<&'static str>,
    pub(crate) print_mode: bool,
    pub(crate) panic_hook: bool,
    pub(crate) schema: Option<crate::run_setup::SchemaSource>,
    pub(crate) success_exit_codes: Vec<i32>,
    pub(crate) heartbeat: Duration,
    pub(crate) declared: Vec<crate::declared::Declaration>,
    /// Whether this binary is a debug build, and whether a debug build reports.
    pub(crate) debug_build: bool,
    pub(crate) debug_builds: bool,
    /// The disable flag as the tool's own parser read it; `None`: scan the raw args.
    pub(crate) disable_flag_given: Option<bool>,
    /// How the notice names the telemetry commands: `telemetry` or `--telemetry`.
    pub(crate) manage_command: String,
}

impl Telemetry {
    /// Starts a configuration for the tool named `tool` (`service.name`, the prefix
    /// of its environment variables, and the name of its config dir).
    pub fn builder(tool: impl Into<String>) -> TelemetryBuilder {
        TelemetryBuilder {
            tool: tool.into(),
            version: "unknown".into(),
            endpoint: None,
            transport: None,
            opt_out_vars: Vec::new(),
            exit_budget: DEFAULT_EXIT_BUDGET,
            config_dir: None,
            spool_dir: None,
            spool_limits: SpoolLimits::default(),
            uploader: true,
            backoff: (DEFAULT_BACKOFF_BASE, DEFAULT_BACKOFF_MAX),
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
            channel: "unknown",
            sources: vec!["cli"],
            features: Vec::new(),
            counts: Vec::new(),
            print_mode: false,
            panic_hook: true,
            schema: None,
            success_exit_codes: vec![0],
            heartbeat: crate::accounting::DEFAULT_HEARTBEAT,
            declared: Vec::new(),
            debug_build: cfg!(debug_assertions),
            debug_builds: false,
        }
    }

    /// The tool's name.
    pub fn tool(&self) -> &str {
        &self.tool
    }

    /// Opt-out variables read, in order: `DO_NOT_TRACK`, `<TOOL>_TELEMETRY_OPTOUT`,
    /// then the author's aliases.
    pub fn opt_out_vars(&self) -> impl Iterator<Item = &str> {
        std::iter::once(env::DO_NOT_TRACK).chain(self.opt_out_vars.iter().map(String::as_str))
    }

    /// The variable that overrides the endpoint: `<TOOL>_TELEMETRY_ENDPOINT`.
    pub fn endpoint_var(&self) -> &str {
        &self.endpoint_var
    }

    /// The variable that overrides the transport: `<TOOL>_TELEMETRY_PROTOCOL`.
    pub fn protocol_var(&self) -> &str {
        &self.protocol_var
    }

    /// The print-mode variable: `<TOOL>_TELEMETRY_DEBUG`.
    pub fn debug_var(&self) -> &str {
        &self.debug_var
    }

    /// The per-invocation opt-out flag, if any.
    pub fn disable_flag(&self) -> Option<&str> {
        self.disable_flag.as_deref()
    }

    /// Sets print mode after `build`, for a `--print-telemetry` flag parsed by the tool.
    pub fn set_print_mode(&mut self, on: bool) {
        self.print_mode = on;
    }

    /// Declared feature names.
    pub fn features(&self) -> &[&'static str] {
        &self.features
    }

    /// Declared count names.
    pub fn counts(&self) -> &[&'static str] {
        &self.counts
    }

    /// Machine policy files read, in order: the system one, then the one named by
    /// `<TOOL>_TELEMETRY_POLICY_FILE`.
    pub fn policy_files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = self
            .policy_file
            .clone()
            .or_else(|| crate::config::default_policy_file(&self.tool))
            .into_iter()
            .collect();
        if let Some(extra) = std::env::var_os(&self.policy_var).filter(|v| !v.is_empty()) {
            files.push(PathBuf::from(extra));
        }
        files
    }
}

impl TelemetryBuilder {
    /// Validates the configuration. Reads no environment variable and touches no file.
    pub fn build(self) -> Result<Telemetry, BuildError> {
        if !valid_tool_name(&self.tool) {
            return Err(BuildError::ToolName(self.tool));
        }
        if self.exit_budget.is_zero() || self.exit_budget > MAX_EXIT_BUDGET {
            return Err(BuildError::ExitBudget);
        }
        for v in &self.opt_out_vars {
            if v.is_empty() || v.contains(['=', '\0']) {
                return Err(BuildError::VarName(v.clone()));
            }
        }
        let transport = self.transport.unwrap_or_else(Transport::default_compiled);
        let endpoint = self
            .endpoint
            .as_deref()
            .map(|url| Endpoint::new(url, transport))
            .transpose()
            .map_err(BuildError::Endpoint)?;
        let prefix = env::env_prefix(&self.tool);
        let mut opt_out_vars = vec![format!("{prefix}{}", env::OPT_OUT_SUFFIX)];
        opt_out_vars.extend(self.opt_out_vars);
        for name in self
            .features
            .iter()
            .chain(&self.counts)
            .chain(&self.sources)
            .chain([&self.channel])
        {
            if !valid_tool_name(name) {
                return Err(BuildError::Name((*name).to_owned()));
            }
        }
        crate::declared::validate(&self.tool, &self.declared)?;
        Ok(Telemetry {
            declared: self.declared,
            debug_build: self.debug_build,
            debug_builds: self.debug_builds,
            policy_var: format!("{prefix}{}", env::POLICY_SUFFIX),
            debug_var: format!("{prefix}{}", env::DEBUG_SUFFIX),
            source_var: format!("{prefix}{}", env::SOURCE_SUFFIX),
            disable_flag: self.disable_flag,
            project_file: self.project_file,
            policy_file: self.policy_file,
            disabled_in_ci: self.disabled_in_ci,
            notice: self.notice,
            channel: self.channel,
            sources: self.sources,
            features: self.features,
            counts: self.counts,
            print_mode: self.print_mode,
            panic_hook: self.panic_hook,
            schema: self.schema,
            success_exit_codes: self.success_exit_codes,
            heartbeat: self.heartbeat,
            disable_flag_given: None,
            manage_command: "telemetry".into(),
            endpoint_var: format!("{prefix}{}", env::ENDPOINT_SUFFIX),
            protocol_var: format!("{prefix}{}", env::PROTOCOL_SUFFIX),
            ca_var: format!("{prefix}{}", env::CA_FILE_SUFFIX),
            tool: self.tool,
            version: self.version,
            endpoint,
            opt_out_vars,
            exit_budget: self.exit_budget,
            config_dir: self.config_dir,
            spool_dir: self.spool_dir,
            spool_limits: self.spool_limits,
            uploader: self.uploader,
            backoff: self.backoff,
            default_enabled: self.default_enabled,
        })
    }
}

fn valid_tool_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests;
