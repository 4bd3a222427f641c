//! Configuration the author writes once in `main`.

use std::path::PathBuf;
use std::time::Duration;

use crate::env;
use crate::export::{
    DEFAULT_BACKOFF_BASE, DEFAULT_BACKOFF_MAX, Endpoint, EndpointError, SpoolLimits, Transport,
};

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
    /// The tool's version (`service.version`). Default: `"unknown"`; pass
    /// `env!("CARGO_PKG_VERSION")`.
    pub fn with_version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

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
        self.transport = Some(transport);
        self
    }

    /// Adds an opt-out variable read after `DO_NOT_TRACK` and `<TOOL>_TELEMETRY_OPTOUT`,
    /// e.g. an older name the tool already documented. Default: none.
    pub fn with_opt_out_var(mut self, name: impl Into<String>) -> Self {
        self.opt_out_vars.push(name.into());
        self
    }

    /// How long exit may wait for the collector. Default: [`DEFAULT_EXIT_BUDGET`].
    pub fn with_exit_budget(mut self, budget: Duration) -> Self {
        self.exit_budget = budget;
        self
    }

    /// Where the settings file and install id live. Default: the OS config dir of the
    /// tool (see [`USER_CONFIG_FILE`](crate::USER_CONFIG_FILE)).
    pub fn with_config_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.config_dir = Some(dir.into());
        self
    }

    /// Where requests that could not be delivered wait. Default: `telemetry-spool` in
    /// the tool's OS state dir (`$XDG_STATE_HOME/<tool>` or `~/.local/state/<tool>` on
    /// Linux), or its cache dir where the OS has no state dir.
    pub fn with_spool_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.spool_dir = Some(dir.into());
        self
    }

    /// Bounds on the spool. Default: [`SpoolLimits::default`] (4 MiB, 1000 requests,
    /// 7 days).
    pub fn with_spool_limits(mut self, limits: SpoolLimits) -> Self {
        self.spool_limits = limits;
        self
    }

    /// Whether a detached uploader (see [`UPLOADER_ARG`](crate::UPLOADER_ARG)) may
    /// deliver the spool after a run that could not. Default: `true`. It needs the
    /// tool to call [`Telemetry::run_uploader_if_requested`] first thing in `main`.
    pub fn with_uploader(mut self, enabled: bool) -> Self {
        self.uploader = enabled;
        self
    }

    /// After a failed attempt, runs wait `base`, doubling per consecutive failure up to
    /// `max`, before they use the network again (a collector's `Retry-After` can make
    /// it longer). Default: 1 s to 15 min.
    pub fn with_retry_backoff(mut self, base: Duration, max: Duration) -> Self {
        self.backoff = (base, max.max(base));
        self
    }

    /// Whether telemetry is on when no setting speaks. Default: `true` (opt-out
    /// policy, as the .NET CLI, Kedro and vcpkg do). With `false` (opt-in), telemetry
    /// is off until the user agrees: `<tool> telemetry enable`, or a yes/no prompt on
    /// stderr that is shown only when stdin and stderr are terminals and not in CI.
    pub fn with_default_enabled(mut self, enabled: bool) -> Self {
        self.default_enabled = enabled;
        self
    }

    /// The per-invocation opt-out flag consentry looks for among the arguments (before
    /// a `--`), or `None` for no flag. Default: `--disable-telemetry`. The tool's own
    /// argument parser must accept it (`consentry-clap` adds it).
    pub fn with_disable_flag(mut self, flag: Option<&str>) -> Self {
        self.disable_flag = flag.map(str::to_owned);
        self
    }

    /// Whether a project `.telemetry` file (`consent: false`) found from the working
    /// directory upward is honoured. Default: `true`.
    pub fn with_project_file(mut self, honoured: bool) -> Self {
        self.project_file = honoured;
        self
    }

    /// The machine-wide policy file. Default: `/etc/<tool>/telemetry.toml` (see
    /// [`Telemetry::policy_files`]). `<TOOL>_TELEMETRY_POLICY_FILE` can add one more.
    pub fn with_policy_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.policy_file = Some(path.into());
        self
    }

    /// Turns telemetry off in CI systems (detected with `ci_info`). Default: `false`:
    /// CI runs are sent, with `consentry.ci` and `consentry.ci.vendor`.
    pub fn with_disabled_in_ci(mut self, disabled: bool) -> Self {
        self.disabled_in_ci = disabled;
        self
    }

    /// The notice text and its version. Raise the version whenever the text or the data
    /// collected changes; users see it again (the data manifest is part of the stored
    /// fingerprint, so a new data point alone also shows it again). Default: version 1
    /// and a text naming the opt-out variable, the `telemetry` command and `docs_url`.
    pub fn with_notice(mut self, version: u32, text: Option<String>) -> Self {
        self.notice.version = version;
        self.notice.text = text;
        self
    }

    /// The page that explains the tool's telemetry, named in the default notice.
    pub fn with_docs_url(mut self, url: impl Into<String>) -> Self {
        self.notice.docs_url = Some(url.into());
        self
    }

    /// How this build was distributed (`consentry.channel`): `cargo`, `brew`,
    /// `binary`... Default: `unknown`.
    pub fn with_channel(mut self, channel: &'static str) -> Self {
        self.channel = channel;
        self
    }

    /// The values `<TOOL>_TELEMETRY_SOURCE` may take (`consentry.source`), besides
    /// `cli` (the default when unset). Any other value is sent as `other`.
    pub fn with_sources(mut self, sources: &[&'static str]) -> Self {
        self.sources.extend_from_slice(sources);
        self
    }

    /// The feature names [`CommandRun::feature`](crate::CommandRun::feature) may record.
    pub fn with_features(mut self, names: &[&'static str]) -> Self {
        self.features.extend_from_slice(names);
        self
    }

    /// The count names [`CommandRun::count`](crate::CommandRun::count) may record.
    pub fn with_counts(mut self, names: &[&'static str]) -> Self {
        self.counts.extend_from_slice(names);
        self
    }

    /// Print mode for this run (what a `--print-telemetry` flag would set): write the
    /// OTLP JSON that would be sent to stderr and send nothing. `<TOOL>_TELEMETRY_DEBUG`
    /// turns it on too. Default: `false`.
    pub fn with_print_mode(mut self, on: bool) -> Self {
        self.print_mode = on;
        self
    }

    /// The tool's commands, options and positionals with what may be sent of each
    /// value (see [`mask::Schema`](crate::mask::Schema); `consentry-clap` derives it
    /// from a `clap::Command`). Default: none, and then every value is masked and
    /// only plain option names are kept.
    pub fn with_schema(mut self, schema: crate::mask::Schema) -> Self {
        self.schema = Some(crate::run_setup::SchemaSource::Ready(std::sync::Arc::new(
            schema,
        )));
        self
    }

    /// Like [`with_schema`](Self::with_schema), but the schema is made by `make` only
    /// when telemetry is on for the run (at [`Telemetry::init`]); an opted-out run
    /// never pays for deriving it. Default: none.
    pub fn with_schema_fn(
        mut self,
        make: impl Fn() -> crate::mask::Schema + Send + Sync + 'static,
    ) -> Self {
        self.schema = Some(crate::run_setup::SchemaSource::Lazy(std::sync::Arc::new(
            make,
        )));
        self
    }

    /// How often a running command's marker is touched, so that a run that never
    /// finishes (killed, crashed) is reported `abandoned` with its duration to within
    /// this period (see [`accounting`](crate::accounting)). Default:
    /// [`DEFAULT_HEARTBEAT`](crate::accounting::DEFAULT_HEARTBEAT) (60 s); at least
    /// 10 ms. `Duration::ZERO` turns it off (no thread; an abandoned run is then
    /// reported with the duration it had when its marker was written, zero).
    pub fn with_run_heartbeat(mut self, period: Duration) -> Self {
        self.heartbeat = if period.is_zero() {
            Duration::ZERO
        } else {
            period.max(Duration::from_millis(10))
        };
        self
    }

    /// The exit codes that are not failures: a run ending with one of them sets no
    /// `error.type` and no error status. Default: `[0]`. A grep-like tool, for which 1
    /// means "no match", declares `&[0, 1]`.
    pub fn with_success_exit_codes(mut self, codes: &[i32]) -> Self {
        self.success_exit_codes = codes.to_vec();
        self
    }

    /// Whether init (when telemetry is on) chains a panic hook that records a panic,
    /// scrubbed, on the running command's span. Default: `true`.
    pub fn with_panic_hook(mut self, on: bool) -> Self {
        self.panic_hook = on;
        self
    }

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
mod tests {
    use super::*;

    #[test]
    fn derived_variable_names() {
        let t = Telemetry::builder("my-tool")
            .with_opt_out_var("MYTOOL_NO_METRICS")
            .build()
            .unwrap();
        assert_eq!(
            t.opt_out_vars().collect::<Vec<_>>(),
            [
                "DO_NOT_TRACK",
                "MY_TOOL_TELEMETRY_OPTOUT",
                "MYTOOL_NO_METRICS"
            ]
        );
        assert_eq!(t.endpoint_var(), "MY_TOOL_TELEMETRY_ENDPOINT");
    }

    #[test]
    fn bad_configuration_is_refused() {
        for name in ["", "1tool", "a b", "a/b", &"x".repeat(65)] {
            assert!(
                matches!(
                    Telemetry::builder(name).build(),
                    Err(BuildError::ToolName(_))
                ),
                "{name:?}"
            );
        }
        assert!(matches!(
            Telemetry::builder("t")
                .with_exit_budget(Duration::ZERO)
                .build(),
            Err(BuildError::ExitBudget)
        ));
        assert!(matches!(
            Telemetry::builder("t").with_opt_out_var("A=B").build(),
            Err(BuildError::VarName(_))
        ));
        #[cfg(feature = "http")]
        assert!(matches!(
            Telemetry::builder("t")
                .with_endpoint("localhost:4318")
                .build(),
            Err(BuildError::Endpoint(EndpointError::NotAUrl))
        ));
    }
}
