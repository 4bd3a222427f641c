//! Configuration the author writes once in `main`.

use std::path::PathBuf;
use std::sync::Arc;

use crate::configure::env::{self, Env, OsEnv};
use crate::configure::settings::Settings;
use crate::deliver::{Endpoint, EndpointError};

mod consent;
mod data;
mod delivery;

/// Builds a [`Telemetry`]. Start with [`Telemetry::builder`]. A setter replaces what
/// an earlier call of it gave (lists included: `with_features(&["a"])` then
/// `with_features(&["b"])` declares `b` only), except the three that declare one
/// thing each time: [`with_span`](Self::with_span), [`with_event`](Self::with_event)
/// and [`with_opt_out_var`](Self::with_opt_out_var).
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct TelemetryBuilder {
    pub(crate) settings: Settings,
    /// The compiled-in endpoint as written; `build` parses it.
    endpoint: Option<String>,
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
    /// The rate given to [`TelemetryBuilder::with_sampling`] is not in [1e-6, 1].
    #[error("invalid sampling rate {0}")]
    SamplingRate(f64),
}

/// A validated telemetry configuration. [`init`](Telemetry::init) decides consent and,
/// only when telemetry is on, prepares recording.
#[derive(Debug, Clone)]
pub struct Telemetry {
    /// What the author chose, as the builder had it.
    pub(crate) settings: Settings,
    pub(crate) endpoint: Option<Endpoint>,
    pub(crate) vars: Vars,
    /// The disable flag as the tool's own parser read it; `None`: scan the raw args.
    pub(crate) disable_flag_given: Option<bool>,
    /// How the notice names the telemetry commands: `telemetry` or `--telemetry`.
    pub(crate) manage_command: String,
}

/// The names of the tool's own variables (`<TOOL>_TELEMETRY_*`).
#[derive(Debug, Clone)]
pub(crate) struct Vars {
    /// `<TOOL>_TELEMETRY_OPTOUT`, then the author's aliases.
    pub(crate) opt_out: Vec<String>,
    pub(crate) endpoint: String,
    pub(crate) protocol: String,
    pub(crate) ca: String,
    pub(crate) policy: String,
    pub(crate) debug: String,
    pub(crate) source: String,
}

impl Vars {
    fn new(tool: &str, aliases: &[String]) -> Self {
        let prefix = env::env_prefix(tool);
        let var = |suffix: &str| format!("{prefix}{suffix}");
        let mut opt_out = vec![var(env::OPT_OUT_SUFFIX)];
        opt_out.extend_from_slice(aliases);
        Vars {
            opt_out,
            endpoint: var(env::ENDPOINT_SUFFIX),
            protocol: var(env::PROTOCOL_SUFFIX),
            ca: var(env::CA_FILE_SUFFIX),
            policy: var(env::POLICY_SUFFIX),
            debug: var(env::DEBUG_SUFFIX),
            source: var(env::SOURCE_SUFFIX),
        }
    }
}

impl Telemetry {
    /// Starts a configuration for the tool named `tool` (`service.name`, the prefix
    /// of its environment variables, and the name of its config dir).
    pub fn builder(tool: impl Into<String>) -> TelemetryBuilder {
        TelemetryBuilder {
            settings: Settings::new(tool.into()),
            endpoint: None,
        }
    }

    /// Where this configuration reads the environment (see [`env`](crate::configure::env)).
    pub fn env(&self) -> &dyn Env {
        self.settings.env.as_deref().unwrap_or(&OsEnv)
    }

    /// The tool's name.
    pub fn tool(&self) -> &str {
        &self.settings.tool
    }

    /// Opt-out variables read, in order: `DO_NOT_TRACK`, `<TOOL>_TELEMETRY_OPTOUT`,
    /// then the author's aliases.
    #[cfg(test)]
    pub(crate) fn opt_out_vars(&self) -> impl Iterator<Item = &str> {
        std::iter::once(env::DO_NOT_TRACK).chain(self.vars.opt_out.iter().map(String::as_str))
    }

    /// The variable that overrides the endpoint: `<TOOL>_TELEMETRY_ENDPOINT`.
    #[cfg(test)]
    pub(crate) fn endpoint_var(&self) -> &str {
        &self.vars.endpoint
    }

    /// The spool directory: the author's, else `telemetry-spool` in the OS state dir.
    /// Run markers live beside it.
    pub(crate) fn spool_dir(&self) -> Option<PathBuf> {
        self.settings
            .spool_dir
            .clone()
            .or_else(|| crate::consent::config::default_spool_dir(&self.settings.tool, self.env()))
    }

    /// The retry backoff every run and the uploader share.
    pub(crate) fn backoff(&self) -> crate::deliver::Backoff {
        crate::deliver::Backoff {
            base: self.settings.backoff.0,
            max: self.settings.backoff.1,
        }
    }

    /// Machine policy files read, in order: the system one, then the one named by
    /// `<TOOL>_TELEMETRY_POLICY_FILE`.
    pub(crate) fn policy_files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = self
            .settings
            .policy_file
            .clone()
            .or_else(|| {
                crate::consent::config::default_policy_file(&self.settings.tool, self.env())
            })
            .into_iter()
            .collect();
        if let Some(extra) = self
            .env()
            .var_os(&self.vars.policy)
            .filter(|v| !v.is_empty())
        {
            files.push(PathBuf::from(extra));
        }
        files
    }
}

impl TelemetryBuilder {
    /// Where the environment is read from. Default: [`OsEnv`](crate::configure::env::OsEnv), this
    /// process. Tests give a [`FixedEnv`](crate::configure::env::FixedEnv) so that nothing the
    /// machine running them has set (`DO_NOT_TRACK`, `CI`, `HOME`) changes what they see.
    pub fn with_env(mut self, env: impl Env + 'static) -> Self {
        self.settings.env = Some(Arc::new(env));
        self
    }

    /// Validates the configuration.
    ///
    /// In the detached uploader (this tool's executable, started by an earlier run
    /// with consentry's marker argument and variable) `build` never returns: it sends
    /// the spool and exits the process. So build the configuration first thing in
    /// `main`, before the tool does any work of its own; there is nothing else to call
    /// for delivery. Anywhere else it reads one argument and touches no file.
    ///
    /// # Errors
    ///
    /// [`BuildError`] names the setting that is not valid: the tool name, the endpoint,
    /// an opt-out variable name, a declared name or the sampling rate.
    pub fn build(self) -> Result<Telemetry, BuildError> {
        let settings = self.settings;
        if !valid_tool_name(&settings.tool) {
            return Err(BuildError::ToolName(settings.tool));
        }
        for v in &settings.opt_out_aliases {
            if v.is_empty() || v.contains(['=', '\0']) {
                return Err(BuildError::VarName(v.clone()));
            }
        }
        let transport = settings
            .transport
            .unwrap_or_else(crate::deliver::Transport::default_compiled);
        let endpoint = self
            .endpoint
            .as_deref()
            .map(|url| Endpoint::new(url, transport))
            .transpose()
            .map_err(BuildError::Endpoint)?;
        for name in settings
            .features
            .iter()
            .chain(&settings.counts)
            .chain(&settings.sources)
            .chain([&settings.channel])
        {
            if !valid_tool_name(name) {
                return Err(BuildError::Name((*name).to_owned()));
            }
        }
        crate::rules::declared::validate(&settings.tool, &settings.declared)
            .map_err(|bad| BuildError::Name(bad.0))?;
        if !crate::identity::sample::valid_rate(settings.sampling) {
            return Err(BuildError::SamplingRate(settings.sampling));
        }
        let telemetry = Telemetry {
            vars: Vars::new(&settings.tool, &settings.opt_out_aliases),
            settings,
            endpoint,
            disable_flag_given: None,
            manage_command: "telemetry".into(),
        };
        telemetry.enter_uploader_if_started();
        Ok(telemetry)
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
