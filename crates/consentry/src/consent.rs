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

use crate::config::{self, Loaded};
use crate::env;

/// File name of the project opt-out file, looked up from the working directory upward
/// (Kedro's format: a line `consent: false`).
pub const PROJECT_FILE: &str = ".telemetry";

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
    /// A settings, project or policy file exists but cannot be read or parsed;
    /// telemetry stays off until it is fixed.
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The run is in CI (named vendor) and the author turns telemetry off there.
    Ci(String),
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
            Source::Unreadable { path, reason } => write!(f, "{} ({reason})", path.display()),
            Source::Ci(vendor) => write!(f, "the tool's rule for CI ({vendor})"),
            Source::Default => f.write_str("the tool's default (on, with notice)"),
            Source::OptInDefault => f.write_str("the tool's default (off until you agree)"),
        }
    }
}

/// Whether telemetry is on for this run, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// `true` when spans may be recorded and sent.
    pub enabled: bool,
    /// The setting that decided.
    pub source: Source,
}

/// What one settings file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FileSays {
    Nothing,
    Enabled(bool),
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
pub(crate) fn env_inputs(opt_out_vars: &[String]) -> Vec<(String, Option<OsString>)> {
    let mut env = vec![(
        env::DO_NOT_TRACK.to_owned(),
        std::env::var_os(env::DO_NOT_TRACK),
    )];
    env.extend(
        opt_out_vars
            .iter()
            .map(|v| (v.clone(), std::env::var_os(v))),
    );
    env
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
    let off = |source| Decision {
        enabled: false,
        source,
    };
    for (name, value) in env {
        if env::opts_out(value.as_deref()) {
            return off(Source::EnvVar(name.clone()));
        }
    }
    if let Some(flag) = flag {
        return off(Source::Flag(flag.to_owned()));
    }
    let files = files();
    let ordered = files
        .project
        .iter()
        .map(|(p, s)| (Source::ProjectFile(p.clone()), p, s))
        .chain(
            files
                .user
                .iter()
                .map(|(p, s)| (Source::UserConfig(p.clone()), p, s)),
        )
        .chain(
            files
                .policies
                .iter()
                .map(|(p, s)| (Source::Policy(p.clone()), p, s)),
        );
    let mut first_yes = None;
    for (source, path, says) in ordered {
        match says {
            FileSays::Nothing => {}
            FileSays::Enabled(false) => return off(source),
            FileSays::Broken(reason) => {
                return off(Source::Unreadable {
                    path: path.clone(),
                    reason: reason.clone(),
                });
            }
            FileSays::Enabled(true) => {
                first_yes.get_or_insert(source);
            }
        }
    }
    if let Some(vendor) = ci_off() {
        return off(Source::Ci(vendor));
    }
    match (first_yes, default_enabled) {
        (Some(source), _) => Decision {
            enabled: true,
            source,
        },
        (None, true) => Decision {
            enabled: true,
            source: Source::Default,
        },
        (None, false) => off(Source::OptInDefault),
    }
}

/// The nearest `.telemetry` file from `start` upward, if any.
pub(crate) fn find_project_file(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .take(64)
        .map(|d| d.join(PROJECT_FILE))
        .find(|p| p.is_file())
}

/// Reads a project file: `consent: false` (or `no`, `off`) opts out, `consent: true`
/// opts in. Comments and other keys are ignored; anything else unreadable opts out.
pub(crate) fn read_project_file(path: &Path) -> FileSays {
    let text = match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(_) => return FileSays::Broken("not UTF-8".into()),
        },
        Err(e) => return FileSays::Broken(format!("cannot be read: {}", e.kind())),
    };
    let mut said = FileSays::Nothing;
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() || line == "---" {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            return FileSays::Broken(format!("not `key: value`: {line:?}"));
        };
        if key.trim() != "consent" {
            continue;
        }
        let value = value.trim().trim_matches(['"', '\'']).to_ascii_lowercase();
        said = match value.as_str() {
            "true" | "yes" | "on" => FileSays::Enabled(true),
            "false" | "no" | "off" => FileSays::Enabled(false),
            _ => return FileSays::Broken(format!("consent must be true or false, not {value:?}")),
        };
    }
    said
}

/// Reads a TOML settings or policy file (`enabled = true|false`).
pub(crate) fn read_settings_file(path: &Path) -> FileSays {
    settings_say(config::load(path))
}

/// What an already loaded settings or policy file says.
pub(crate) fn settings_say(loaded: Loaded) -> FileSays {
    match loaded {
        Loaded::Missing => FileSays::Nothing,
        Loaded::Found(cfg) => cfg.enabled.map_or(FileSays::Nothing, FileSays::Enabled),
        Loaded::Broken(reason) => FileSays::Broken(reason),
    }
}

#[cfg(test)]
mod tests;
