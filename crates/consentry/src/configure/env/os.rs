//! The real process environment: the only code in consentry that reads it.

use std::ffi::OsString;
use std::io::IsTerminal as _;
use std::path::PathBuf;

use super::{Env, ToolDirs};

/// The environment of this process (the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct OsEnv;

impl Env for OsEnv {
    fn var_os(&self, key: &str) -> Option<OsString> {
        std::env::var_os(key)
    }

    fn args_os(&self) -> Vec<OsString> {
        std::env::args_os().collect()
    }

    fn current_dir(&self) -> Option<PathBuf> {
        std::env::current_dir().ok()
    }

    fn tool_dirs(&self, tool: &str) -> Option<ToolDirs> {
        let dirs = directories::ProjectDirs::from("", "", tool)?;
        Some(ToolDirs {
            // The local profile on Windows, never the roaming one: the install id and
            // key must not follow a user to another machine (elsewhere the same dir).
            config: dirs.config_local_dir().to_path_buf(),
            state: dirs
                .state_dir()
                .unwrap_or_else(|| dirs.cache_dir())
                .to_path_buf(),
        })
    }

    fn home_dir(&self) -> Option<PathBuf> {
        directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf())
    }

    fn ci(&self) -> Option<Option<String>> {
        super::ci::detect(|key| std::env::var_os(key))
    }

    fn stdin_is_terminal(&self) -> bool {
        std::io::stdin().is_terminal()
    }

    fn stderr_is_terminal(&self) -> bool {
        std::io::stderr().is_terminal()
    }

    fn stdout_is_terminal(&self) -> bool {
        std::io::stdout().is_terminal()
    }
}
