//! The user's settings as the `telemetry` command sees them: where they live, the
//! recorded choice, and the decision they lead to.

use std::path::PathBuf;

use crate::configure::builder::Telemetry;
use crate::consent::config::{self, USER_CONFIG_FILE};
use crate::consent::{Decision, SettingsRead};
use crate::identity;

impl Telemetry {
    /// The tool's config dir: the one given to
    /// [`TelemetryBuilder::with_config_dir`](crate::TelemetryBuilder::with_config_dir),
    /// else the OS config dir, or `None` when no home dir is known.
    pub fn config_dir(&self) -> Option<PathBuf> {
        self.settings
            .config_dir
            .clone()
            .or_else(|| config::default_config_dir(&self.settings.tool, self.env()))
    }

    /// Records the user's choice in the settings file (what `<tool> telemetry enable`
    /// and `disable` do). Disabling also deletes the install id, so a later opt-in
    /// starts as a new, unlinkable install. Returns the settings file's path.
    ///
    /// # Errors
    ///
    /// When no config dir is known (no home dir) or the settings file cannot be
    /// written (a read-only dir, a full disk, the file size limit), or the id, key or
    /// spool cannot be deleted.
    pub fn set_enabled(&self, enabled: bool) -> std::io::Result<PathBuf> {
        let dir = self.config_dir().ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no config dir: home dir unknown",
            )
        })?;
        let path = dir.join(USER_CONFIG_FILE);
        config::update(&path, |cfg| cfg.enabled = Some(enabled))?;
        if !enabled {
            identity::delete(&dir)?;
            if let Some(spool) = self.spool() {
                spool.delete()?;
            }
        }
        Ok(path)
    }

    /// Decides consent without preparing anything: what `<tool> telemetry status`
    /// shows. Reads the environment and the settings file only.
    pub fn decide(&self) -> Decision {
        self.decide_into(&mut SettingsRead::default())
    }
}
