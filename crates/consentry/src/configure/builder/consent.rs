//! Builder settings for consent: the opt-out inputs, the default and the notice.

use std::path::PathBuf;

use super::TelemetryBuilder;
#[cfg(doc)]
use crate::Telemetry;

impl TelemetryBuilder {
    /// Adds an opt-out variable read after `DO_NOT_TRACK` and `<TOOL>_TELEMETRY_OPTOUT`,
    /// e.g. an older name the tool already documented. Default: none.
    pub fn with_opt_out_var(mut self, name: impl Into<String>) -> Self {
        self.settings.opt_out_aliases.push(name.into());
        self
    }

    /// Where the settings file and install id live. Default: the OS config dir of the
    /// tool (`telemetry.toml`).
    pub fn with_config_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.settings.config_dir = Some(dir.into());
        self
    }

    /// Whether telemetry is on when no setting speaks. Default: `true` (opt-out
    /// policy, as the .NET CLI, Kedro and vcpkg do). With `false` (opt-in), telemetry
    /// is off until the user agrees: `<tool> telemetry enable`, or a yes/no prompt on
    /// stderr that is shown only when stdin and stderr are terminals and not in CI.
    pub fn with_default_enabled(mut self, enabled: bool) -> Self {
        self.settings.default_enabled = enabled;
        self
    }

    /// The per-invocation opt-out flag consentry looks for among the arguments (before
    /// a `--`), or `None` for no flag. Default: `--disable-telemetry`. The tool's own
    /// argument parser must accept it (`consentry-clap` adds it).
    pub fn with_disable_flag(mut self, flag: Option<&str>) -> Self {
        self.settings.disable_flag = flag.map(str::to_owned);
        self
    }

    /// Whether a project `.telemetry` file (`consent: false`) found from the working
    /// directory upward is honoured. Default: `true`.
    pub fn with_project_file(mut self, honoured: bool) -> Self {
        self.settings.project_file = honoured;
        self
    }

    /// The machine-wide policy file. Default: `/etc/<tool>/telemetry.toml` (on
    /// macOS `/Library/Application Support/<tool>/telemetry.toml`, on Windows
    /// `%ProgramData%\<tool>\telemetry.toml`). `<TOOL>_TELEMETRY_POLICY_FILE` can add one more.
    pub fn with_policy_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.settings.policy_file = Some(path.into());
        self
    }

    /// Turns telemetry off in CI systems (detected by the variables each CI vendor
    /// sets: `CI`, `GITHUB_ACTIONS`...). Default: `false`:
    /// CI runs are sent, with `consentry.ci` and `consentry.ci.vendor`.
    pub fn with_disabled_in_ci(mut self, disabled: bool) -> Self {
        self.settings.disabled_in_ci = disabled;
        self
    }

    /// The notice text and its version. Raise the version whenever the text or the data
    /// collected changes; users see it again (the data manifest is part of the stored
    /// fingerprint, so a new data point alone also shows it again). Default: version 1
    /// and a text naming the opt-out variable, the `telemetry` command and `docs_url`.
    pub fn with_notice(mut self, version: u32, text: Option<String>) -> Self {
        self.settings.notice.version = version;
        self.settings.notice.text = text;
        self
    }

    /// The page that explains the tool's telemetry, named in the default notice.
    pub fn with_docs_url(mut self, url: impl Into<String>) -> Self {
        self.settings.notice.docs_url = Some(url.into());
        self
    }
}
