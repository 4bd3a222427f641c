//! The process environment consentry reads, and the one rule for opt-out values.
//!
//! Everything consentry learns from outside the code the author wrote (variables,
//! arguments, the working directory, the OS directories, the CI system, whether a
//! person is at the terminal) comes through one [`Env`]. [`OsEnv`], the default, is
//! the only place that reads the real process; [`FixedEnv`] is a made-up environment
//! for tests, so an in-process test decides consent, resolves the endpoint and picks
//! directories the same way every time, whatever the machine running it has set.
//! A tool's own tests can give one to
//! [`TelemetryBuilder::with_env`](crate::TelemetryBuilder::with_env) too.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::path::PathBuf;

mod ci;
mod fixed;
mod os;

pub use fixed::FixedEnv;
pub use os::OsEnv;

impl sealed::Sealed for FixedEnv {}
impl sealed::Sealed for OsEnv {}

/// Keeps [`Env`] closed: consentry may read more of the environment in a later
/// version without breaking anyone's implementation.
mod sealed {
    pub trait Sealed {}
}

/// Where consentry reads the environment from. Modelled on cargo's `home::env::Env`.
/// Sealed: [`OsEnv`] and [`FixedEnv`] are its implementations.
pub trait Env: sealed::Sealed + fmt::Debug + Send + Sync {
    /// A variable's value, `None` when unset.
    fn var_os(&self, key: &str) -> Option<OsString>;

    /// The arguments, the program name first.
    fn args_os(&self) -> Vec<OsString>;

    /// The working directory, `None` when it cannot be known (deleted, no permission).
    fn current_dir(&self) -> Option<PathBuf>;

    /// The tool's OS directories, `None` when no home directory is known.
    fn tool_dirs(&self, tool: &str) -> Option<ToolDirs>;

    /// The current user's home directory, when known.
    fn home_dir(&self) -> Option<PathBuf>;

    /// `Some` when this process runs in CI, with the vendor's name when it is known.
    fn ci(&self) -> Option<Option<String>>;

    /// Whether stdin is a terminal (`consentry.stdin.terminal`).
    fn stdin_is_terminal(&self) -> bool;

    /// Whether stderr is a terminal (where the opt-in question would be asked).
    fn stderr_is_terminal(&self) -> bool;

    /// Whether stdout is a terminal (`consentry.stdout.terminal`: output read by a
    /// person, or piped to another program).
    fn stdout_is_terminal(&self) -> bool;
}

/// A tool's directories in the OS convention.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ToolDirs {
    /// Settings, install id and hashing key: `$XDG_CONFIG_HOME/<tool>` or
    /// `~/.config/<tool>` on Linux.
    pub config: PathBuf,
    /// The spool and run markers: `$XDG_STATE_HOME/<tool>` or `~/.local/state/<tool>`
    /// on Linux, the cache dir where the OS has no state dir.
    pub state: PathBuf,
}

/// The cross-tool opt-out (<https://consoledonottrack.com>). Any value but a false
/// word opts out of every tool built with consentry.
pub const DO_NOT_TRACK: &str = "DO_NOT_TRACK";

/// Suffix of the tool's own opt-out variable: tool `taskr` reads `TASKR_TELEMETRY_OPTOUT`.
/// Authors can add aliases with [`TelemetryBuilder::with_opt_out_var`](crate::TelemetryBuilder::with_opt_out_var).
pub(crate) const OPT_OUT_SUFFIX: &str = "_TELEMETRY_OPTOUT";

/// Suffix of the variable that overrides the collector endpoint the author compiled in:
/// `TASKR_TELEMETRY_ENDPOINT=https://collector.example.com:4318`. consentry never reads
/// the generic `OTEL_EXPORTER_OTLP_*` variables, which belong to the user's own work.
pub(crate) const ENDPOINT_SUFFIX: &str = "_TELEMETRY_ENDPOINT";

/// Suffix of the variable that overrides the transport: `grpc` or `http/protobuf`
/// (the values of `OTEL_EXPORTER_OTLP_PROTOCOL`).
pub(crate) const PROTOCOL_SUFFIX: &str = "_TELEMETRY_PROTOCOL";

/// Suffix of the print-mode variable: `TASKR_TELEMETRY_DEBUG=1` writes to stderr exactly
/// what would be sent (OTLP JSON) and sends nothing. Same rule as the opt-out variables.
pub(crate) const DEBUG_SUFFIX: &str = "_TELEMETRY_DEBUG";

/// Suffix of the variable naming how the tool was invoked (`consentry.source`), e.g. an
/// IDE extension sets `TASKR_TELEMETRY_SOURCE=vscode`. Values the author did not
/// declare are sent as `other`.
pub(crate) const SOURCE_SUFFIX: &str = "_TELEMETRY_SOURCE";

/// Suffix of the variable naming one more machine policy file, for managed
/// environments that cannot write the system location. It can only add a policy.
pub(crate) const POLICY_SUFFIX: &str = "_TELEMETRY_POLICY_FILE";

/// Suffix of the variable naming a PEM file of CA certificates that, when set, are the
/// only roots trusted for an `https://` collector (instead of the built-in web PKI
/// roots). Meant for tests and benchmarks against a collector with a self-signed
/// certificate, and for a private CA; read through the same capped, no-symlink reader
/// as every other file.
pub(crate) const CA_FILE_SUFFIX: &str = "_TELEMETRY_CA_FILE";

/// Words that mean "not set" in an opt-out variable, compared case-insensitively after
/// trimming white space. Everything else, including an empty value, opts out: when a
/// user sets the variable at all, the strict reading is the safe one.
pub const FALSE_WORDS: [&str; 4] = ["0", "false", "no", "off"];

/// Whether an opt-out variable's value opts out, by the documented rule: unset or a
/// false word means "not set"; any other value (an empty one, `1`, `true`, `yes`,
/// a value that is not UTF-8) opts out.
pub fn opts_out(value: Option<&OsStr>) -> bool {
    match value {
        None => false,
        Some(v) => match v.to_str() {
            None => true,
            Some(s) => {
                let s = s.trim();
                !FALSE_WORDS.iter().any(|w| s.eq_ignore_ascii_case(w))
            }
        },
    }
}

/// `taskr` -> `TASKR`, `my-tool` -> `MY_TOOL`: the prefix of a tool's variables.
pub(crate) fn env_prefix(tool: &str) -> String {
    tool.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
