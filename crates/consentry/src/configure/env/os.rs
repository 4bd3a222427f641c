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
        crate::sys::tool_dirs(tool, &|key| std::env::var_os(key))
    }

    fn home_dir(&self) -> Option<PathBuf> {
        crate::sys::home_dir(&|key| std::env::var_os(key))
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
