//! The consent decision: made once at init, from the strictest source that speaks.

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;

use crate::config::{self, Loaded};
use crate::env;

/// Which setting decided whether telemetry is on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// An opt-out environment variable (`DO_NOT_TRACK` or one of the tool's) is set.
    EnvVar(String),
    /// The user settings file says `enabled = false` or `true`.
    UserConfig(PathBuf),
    /// The user settings file exists but cannot be read or parsed; telemetry stays
    /// off until it is fixed or rewritten by `telemetry enable|disable`.
    UserConfigUnreadable {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Nothing was set; the author's default policy applies.
    Default,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::EnvVar(name) => write!(f, "environment variable {name}"),
            Source::UserConfig(p) => write!(f, "user settings file {}", p.display()),
            Source::UserConfigUnreadable { path, reason } => {
                write!(f, "user settings file {} ({reason})", path.display())
            }
            Source::Default => f.write_str("the tool's default"),
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

/// The opt-out variables in precedence order with their values in this process.
pub(crate) fn env_inputs(opt_out_vars: &[String]) -> Vec<(String, Option<OsString>)> {
    let mut env = vec![(env::DO_NOT_TRACK.to_owned(), std::env::var_os(env::DO_NOT_TRACK))];
    env.extend(opt_out_vars.iter().map(|v| (v.clone(), std::env::var_os(v))));
    env
}

/// Strictest wins: an opt-out variable, then the user settings file, then the default.
/// Variables are read first, and the settings file is located only when none opted
/// out, so that an opted-out run touches no file.
pub(crate) fn decide(
    env: &[(String, Option<OsString>)],
    user_config: impl FnOnce() -> Option<PathBuf>,
    default_enabled: bool,
) -> Decision {
    for (name, value) in env {
        if env::opts_out(value.as_deref()) {
            return Decision { enabled: false, source: Source::EnvVar(name.clone()) };
        }
    }
    if let Some(path) = &user_config() {
        match config::load(path) {
            Loaded::Missing | Loaded::Found(config::UserConfig { enabled: None }) => {}
            Loaded::Found(config::UserConfig { enabled: Some(enabled) }) => {
                return Decision { enabled, source: Source::UserConfig(path.clone()) };
            }
            Loaded::Broken(reason) => {
                return Decision {
                    enabled: false,
                    source: Source::UserConfigUnreadable { path: path.clone(), reason },
                };
            }
        }
    }
    Decision { enabled: default_enabled, source: Source::Default }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(env: &[(&str, Option<&str>)], cfg: Option<PathBuf>, default_enabled: bool) -> Decision {
        let env: Vec<_> = env.iter().map(|(k, v)| (k.to_string(), v.map(OsString::from))).collect();
        decide(&env, || cfg, default_enabled)
    }

    #[test]
    fn nothing_set_follows_default() {
        let d = run(&[("DO_NOT_TRACK", None)], None, true);
        assert_eq!(d, Decision { enabled: true, source: Source::Default });
        assert!(!run(&[], None, false).enabled);
    }

    #[test]
    fn first_opting_out_variable_decides() {
        let d = run(&[("DO_NOT_TRACK", Some("0")), ("T_OPT", Some("1"))], None, true);
        assert_eq!(d.source, Source::EnvVar("T_OPT".into()));
        assert!(!d.enabled);
        let d = run(&[("DO_NOT_TRACK", Some("yes")), ("T_OPT", Some("1"))], None, true);
        assert_eq!(d.source, Source::EnvVar("DO_NOT_TRACK".into()));
    }

    #[test]
    fn env_beats_user_config_that_enables() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("telemetry.toml");
        std::fs::write(&path, "enabled = true").unwrap();
        let d = run(&[("DO_NOT_TRACK", Some("1"))], Some(path.clone()), true);
        assert!(!d.enabled);
        let d = run(&[("DO_NOT_TRACK", None)], Some(path.clone()), false);
        assert_eq!(d, Decision { enabled: true, source: Source::UserConfig(path) });
    }

    #[test]
    fn user_config_disable_and_broken_file_opt_out() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("telemetry.toml");
        std::fs::write(&path, "enabled = false").unwrap();
        assert!(!run(&[], Some(path.clone()), true).enabled);
        std::fs::write(&path, "enabled = ???").unwrap();
        let d = run(&[], Some(path), true);
        assert!(!d.enabled);
        assert!(matches!(d.source, Source::UserConfigUnreadable { .. }));
    }
}
