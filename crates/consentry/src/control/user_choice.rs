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

    /// What `<tool> telemetry disable` does: records "off" in the settings file and
    /// deletes the install id and key (a later opt-in starts as a new, unlinkable
    /// install) and every request kept on this machine (the spool, the local records,
    /// the log of what was sent). Sends nothing. Returns the settings file's path.
    ///
    /// # Errors
    ///
    /// When no config dir is known (no home dir) or the settings file cannot be
    /// written (a read-only dir, a full disk, the file size limit), or the id, key,
    /// spool, local records or sent log cannot be deleted.
    pub fn disable(&self) -> std::io::Result<PathBuf> {
        self.record_choice(false)
    }

    /// Records the user's choice in the settings file; see [`disable`](Self::disable)
    /// and [`enable`](Self::enable). Enabling after local mode sets the as-of date of
    /// uploads to now: what was recorded before is never sent.
    pub(crate) fn record_choice(&self, enabled: bool) -> std::io::Result<PathBuf> {
        let (dir, path) = self.settings_path()?;
        config::update(&path, |cfg| {
            cfg.enabled = Some(enabled);
            if cfg.local.take() == Some(true) && enabled {
                cfg.upload_since_ms = Some(crate::deliver::now_ms());
            }
        })?;
        if !enabled {
            identity::delete(&dir)?;
            for store in [self.spool(), self.local_store(), self.sent_store()]
                .into_iter()
                .flatten()
            {
                store.delete()?;
            }
        }
        Ok(path)
    }

    /// What `<tool> telemetry local` does: telemetry stays on but runs are recorded on
    /// this machine only (bounded like the spool) and never uploaded; `telemetry log`
    /// and `view` read them. Requests waiting in the spool are deleted unsent, and a
    /// later `telemetry enable` uploads only what is recorded after it. The opt-outs
    /// keep precedence: a variable, flag, project file or policy that says off still
    /// turns telemetry off. Returns the settings file's path.
    ///
    /// # Errors
    ///
    /// When there is no config dir (home unknown) or a file cannot be written or
    /// deleted.
    pub fn keep_local(&self) -> std::io::Result<PathBuf> {
        let (_, path) = self.settings_path()?;
        config::update(&path, |cfg| {
            cfg.enabled = Some(true);
            cfg.local = Some(true);
        })?;
        if let Some(spool) = self.spool() {
            spool.delete()?;
        }
        Ok(path)
    }

    fn settings_path(&self) -> std::io::Result<(PathBuf, PathBuf)> {
        let dir = self.config_dir().ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no config dir: home dir unknown",
            )
        })?;
        let path = dir.join(USER_CONFIG_FILE);
        Ok((dir, path))
    }

    /// Decides consent without preparing anything: what `<tool> telemetry status`
    /// shows. Reads the environment and the settings file only.
    pub fn decide(&self) -> Decision {
        self.decide_into(&mut SettingsRead::default())
    }
}

#[cfg(test)]
mod tests {
    use crate::env::FixedEnv;
    use crate::{Source, Telemetry};

    fn tool(dir: &std::path::Path) -> Telemetry {
        Telemetry::builder("t")
            .with_env(FixedEnv::new())
            .with_config_dir(dir.join("config"))
            .with_spool_dir(dir.join("state").join("telemetry-spool"))
            .with_policy_file(dir.join("policy.toml"))
            .with_debug_builds(true)
            .build()
            .unwrap()
    }

    #[test]
    fn local_mode_narrows_on_and_never_overrides_an_off() {
        let dir = tempfile::tempdir().unwrap();
        let t = tool(dir.path());
        t.keep_local().unwrap();
        let d = t.decide();
        assert!(d.enabled && d.local, "{d:?}");
        assert!(
            d.to_string()
                .starts_with("local (recorded on this machine only")
        );
        std::fs::write(dir.path().join("policy.toml"), "enabled = false\n").unwrap();
        let d = t.decide();
        assert!(!d.enabled && !d.local, "{d:?}");
        assert!(matches!(d.source, Source::Policy(_)), "{d:?}");
        std::fs::remove_file(dir.path().join("policy.toml")).unwrap();
        // Enabling ends local mode with an as-of date; disabling clears local too.
        let before = crate::deliver::now_ms();
        let path = t.record_choice(true).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let cfg = crate::consent::config::UserConfig::parse(&text).unwrap();
        assert!(
            cfg.local.is_none() && cfg.upload_since_ms >= Some(before),
            "{text}"
        );
        assert!(!t.decide().local);
        // Enabling again does not move the as-of date.
        t.record_choice(true).unwrap();
        let again =
            crate::consent::config::UserConfig::parse(&std::fs::read_to_string(&path).unwrap())
                .unwrap();
        assert_eq!(again.upload_since_ms, cfg.upload_since_ms);
    }
}
