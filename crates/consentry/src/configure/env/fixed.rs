//! A made-up environment for tests.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;

use super::{Env, ToolDirs};

/// An environment that holds exactly what it was given: no variable, no argument, no
/// working directory, not CI and no terminal unless set. Directories follow the XDG
/// rules from the variables it holds (`XDG_CONFIG_HOME`, `XDG_STATE_HOME` when
/// absolute, else under `HOME`, which must be absolute here), whatever the OS.
///
/// ```
/// use consentry::env::{Env, FixedEnv};
/// let env = FixedEnv::new().var("HOME", "/home/ada").args(["mytool", "add"]);
/// assert_eq!(env.tool_dirs("mytool").unwrap().config, std::path::Path::new("/home/ada/.config/mytool"));
/// assert_eq!(env.args_os().len(), 2);
/// ```
#[derive(Debug, Clone, Default)]
pub struct FixedEnv {
    vars: BTreeMap<String, OsString>,
    args: Vec<OsString>,
    cwd: Option<PathBuf>,
    ci: Option<Option<String>>,
    terminal: bool,
    stdout_terminal: bool,
}

impl FixedEnv {
    /// An empty environment.
    pub fn new() -> Self {
        FixedEnv::default()
    }

    /// Sets a variable.
    #[must_use]
    pub fn var(mut self, key: impl Into<String>, value: impl Into<OsString>) -> Self {
        self.vars.insert(key.into(), value.into());
        self
    }

    /// Sets the arguments, the program name first.
    #[must_use]
    pub fn args<I: IntoIterator<Item = T>, T: Into<OsString>>(mut self, args: I) -> Self {
        self.args = args.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the working directory.
    #[must_use]
    pub fn current_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cwd = Some(dir.into());
        self
    }

    /// Runs "in CI", of the named vendor or an unknown one.
    #[must_use]
    pub fn ci(mut self, vendor: Option<&str>) -> Self {
        self.ci = Some(vendor.map(str::to_owned));
        self
    }

    /// Makes stdout a terminal (by default it is not: output to a pipe).
    #[must_use]
    pub fn stdout_terminal(mut self, on: bool) -> Self {
        self.stdout_terminal = on;
        self
    }

    /// Makes stdin and stderr terminals.
    #[must_use]
    pub fn terminal(mut self, on: bool) -> Self {
        self.terminal = on;
        self
    }

    fn dir_var(&self, key: &str) -> Option<PathBuf> {
        self.vars
            .get(key)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    }
}

impl Env for FixedEnv {
    fn var_os(&self, key: &str) -> Option<OsString> {
        self.vars.get(key).cloned()
    }

    fn args_os(&self) -> Vec<OsString> {
        self.args.clone()
    }

    fn current_dir(&self) -> Option<PathBuf> {
        self.cwd.clone()
    }

    fn tool_dirs(&self, tool: &str) -> Option<ToolDirs> {
        crate::sys::dirs::xdg(tool, &|key| self.var_os(key), self.home_dir())
    }

    fn home_dir(&self) -> Option<PathBuf> {
        self.dir_var("HOME")
    }

    fn ci(&self) -> Option<Option<String>> {
        self.ci.clone()
    }

    fn stdin_is_terminal(&self) -> bool {
        self.terminal
    }

    fn stderr_is_terminal(&self) -> bool {
        self.terminal
    }

    fn stdout_is_terminal(&self) -> bool {
        self.stdout_terminal
    }
}
