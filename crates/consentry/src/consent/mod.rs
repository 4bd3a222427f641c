//! The consent decision: made once at init, strictest setting wins, and the setting
//! that decided is recorded so `telemetry status` can say why.
//!
//! Order of reading (also the order in which a deciding source is named):
//! `DO_NOT_TRACK`, the tool's opt-out variables, the per-invocation flag, the project
//! `.telemetry` file, the user settings file, the machine policy file(s), the author's
//! CI rule, then the author's default. Any of them saying "off" turns telemetry off;
//! otherwise the first saying "on" turns it on; otherwise the default applies.
//! Variables and the flag are checked first so that an opted-out run reads no file.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::configure::env;
use config::Loaded;

pub(crate) mod config;
mod inputs;
pub(crate) mod notice;
mod project;
pub(crate) mod prompt;

pub(crate) use inputs::SettingsRead;
pub(crate) use project::{find_project_file, read_project_file};

/// File name of the project opt-out file, looked up from the working directory upward
/// (Kedro's format: a line `consent: false`). A repository can ship it, so it may only
/// turn telemetry off: `consent: true` there is ignored.
pub(crate) const PROJECT_FILE: &str = ".telemetry";

/// Which setting decided whether telemetry is on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// An opt-out environment variable (`DO_NOT_TRACK` or one of the tool's) is set.
    EnvVar(String),
    /// The per-invocation opt-out flag was given.
    Flag(String),
    /// A project `.telemetry` file.
    ProjectFile(PathBuf),
    /// The user settings file (`telemetry enable|disable`, or the opt-in prompt).
    UserConfig(PathBuf),
    /// A machine-wide policy file set by an administrator.
    Policy(PathBuf),
    /// A settings, project or policy file exists but cannot be read or parsed (or is
    /// a symlink, not a regular file, or too large); telemetry stays off until it is
    /// fixed.
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The run is in CI (named vendor) and the author turns telemetry off there.
    Ci(String),
    /// This is a debug build and the author did not ask debug builds to report
    /// (`TelemetryBuilder::with_debug_builds`).
    DebugBuild,
    /// Nothing was set and the author's default is opt-out: telemetry is on.
    Default,
    /// Nothing was set and the author's default is opt-in: off until the user agrees.
    OptInDefault,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::EnvVar(name) => write!(f, "environment variable {name}"),
            Source::Flag(flag) => write!(f, "the {flag} flag"),
            Source::ProjectFile(p) => write!(f, "project file {}", p.display()),
            Source::UserConfig(p) => write!(f, "user settings file {}", p.display()),
            Source::Policy(p) => write!(f, "machine policy file {}", p.display()),
            Source::Unreadable { path, reason } => {
                write!(f, "{} ({reason}; counts as opted out)", path.display())
            }
            Source::Ci(vendor) => write!(f, "the tool's rule for CI ({vendor})"),
            Source::DebugBuild => {
                f.write_str("this debug build (the tool reports from release builds only)")
            }
            Source::Default => f.write_str("the tool's default (on, with notice)"),
            Source::OptInDefault => f.write_str("the tool's default (off until you agree)"),
        }
    }
}

/// A setting that was read but has no effect, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Ignored {
    /// A project file says `consent: true`: a repository cannot consent for the
    /// person running the tool, so only `consent: false` there has an effect.
    ProjectConsent(PathBuf),
}

impl fmt::Display for Ignored {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ignored::ProjectConsent(p) => write!(
                f,
                "project file {} says consent: true: ignored, a repository cannot consent for you",
                p.display()
            ),
        }
    }
}

/// Whether telemetry is on for this run, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Decision {
    /// `true` when spans may be recorded and sent.
    pub enabled: bool,
    /// The setting that decided.
    pub source: Source,
    /// Settings that were read but had no effect (shown by `telemetry status`).
    pub ignored: Vec<Ignored>,
    /// Local mode (`<tool> telemetry local`): telemetry is on, but runs are recorded
    /// on this machine only and never uploaded. Only ever `true` when `enabled` is.
    pub local: bool,
}

impl fmt::Display for Decision {
    /// `enabled|local|disabled (decided by <source>)`, then one line per ignored
    /// setting.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match (self.enabled, self.local) {
            (true, true) => "local (recorded on this machine only, never uploaded)",
            (true, false) => "enabled",
            (false, _) => "disabled",
        };
        write!(f, "{state} (decided by {})", self.source)?;
        for ignored in &self.ignored {
            write!(f, "\n{ignored}")?;
        }
        Ok(())
    }
}

/// What one settings file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FileSays {
    Nothing,
    Enabled(bool),
    /// A project file's `consent: true`, which has no effect.
    Ignored,
    Broken(String),
}

/// The file-based settings, read only when no variable or flag opted out.
#[derive(Debug, Default)]
pub(crate) struct Files {
    pub(crate) project: Option<(PathBuf, FileSays)>,
    pub(crate) user: Option<(PathBuf, FileSays)>,
    pub(crate) policies: Vec<(PathBuf, FileSays)>,
}

/// The opt-out variables in precedence order with their values in this process.
pub(crate) fn env_inputs(
    from: &dyn env::Env,
    opt_out_vars: &[String],
) -> Vec<(String, Option<OsString>)> {
    std::iter::once(env::DO_NOT_TRACK)
        .chain(opt_out_vars.iter().map(String::as_str))
        .map(|v| (v.to_owned(), from.var_os(v)))
        .collect()
}

/// The decision, from inputs gathered lazily: `files` and `ci` are called only when no
/// variable or flag opted out.
pub(crate) fn decide(
    env: &[(String, Option<OsString>)],
    flag: Option<&str>,
    files: impl FnOnce() -> Files,
    ci_off: impl FnOnce() -> Option<String>,
    default_enabled: bool,
) -> Decision {
    let mut ignored = Vec::new();
    let (enabled, source) = decide_source(env, flag, files, ci_off, default_enabled, &mut ignored);
    Decision {
        enabled,
        source,
        ignored,
        local: false,
    }
}

fn decide_source(
    env: &[(String, Option<OsString>)],
    flag: Option<&str>,
    files: impl FnOnce() -> Files,
    ci_off: impl FnOnce() -> Option<String>,
    default_enabled: bool,
    ignored: &mut Vec<Ignored>,
) -> (bool, Source) {
    for (name, value) in env {
        if env::opts_out(value.as_deref()) {
            return (false, Source::EnvVar(name.clone()));
        }
    }
    if let Some(flag) = flag {
        return (false, Source::Flag(flag.to_owned()));
    }
    let files = files();
    if let Some((path, says)) = &files.project {
        match says {
            FileSays::Nothing => {}
            FileSays::Enabled(false) => return (false, Source::ProjectFile(path.clone())),
            // Only off has an effect in a file a repository can ship.
            FileSays::Enabled(true) | FileSays::Ignored => {
                ignored.push(Ignored::ProjectConsent(path.clone()));
            }
            FileSays::Broken(reason) => return (false, unreadable(path, reason)),
        }
    }
    let personal = files
        .user
        .iter()
        .map(|(p, s)| (Source::UserConfig(p.clone()), p, s))
        .chain(
            files
                .policies
                .iter()
                .map(|(p, s)| (Source::Policy(p.clone()), p, s)),
        );
    let mut first_yes = None;
    for (source, path, says) in personal {
        match says {
            FileSays::Nothing | FileSays::Ignored => {}
            FileSays::Enabled(false) => return (false, source),
            FileSays::Broken(reason) => return (false, unreadable(path, reason)),
            FileSays::Enabled(true) => {
                first_yes.get_or_insert(source);
            }
        }
    }
    if let Some(vendor) = ci_off() {
        return (false, Source::Ci(vendor));
    }
    match (first_yes, default_enabled) {
        (Some(source), _) => (true, source),
        (None, true) => (true, Source::Default),
        (None, false) => (false, Source::OptInDefault),
    }
}

fn unreadable(path: &Path, reason: &str) -> Source {
    Source::Unreadable {
        path: path.to_path_buf(),
        reason: reason.to_owned(),
    }
}

/// What an already loaded settings or policy file says.
pub(crate) fn settings_say(loaded: Loaded) -> FileSays {
    match loaded {
        Loaded::Missing => FileSays::Nothing,
        Loaded::Found(cfg) => match config::mode(&cfg) {
            Err(reason) => FileSays::Broken(reason),
            // `enabled = false` and `mode = "off"` each turn it off: strictest wins.
            Ok(mode) => match (cfg.enabled, mode) {
                (Some(false), _) | (_, Some((false, _))) => FileSays::Enabled(false),
                (Some(true), _) | (_, Some((true, _))) => FileSays::Enabled(true),
                (None, None) => FileSays::Nothing,
            },
        },
        Loaded::Broken(reason) => FileSays::Broken(reason),
    }
}

#[cfg(test)]
mod tests;
