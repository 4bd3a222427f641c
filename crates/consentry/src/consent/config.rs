//! The user's telemetry settings file, `telemetry.toml` in the tool's OS config dir.
//!
//! Reading it never fails the host: a file that is missing means "no setting", and a
//! file that cannot be read or parsed is reported as such so that consent can take
//! the safe side (opted out) and `telemetry status` can say why.

use std::io;
use std::path::{Path, PathBuf};

use crate::configure::env::Env;
use crate::formats::flat_toml::{self, Doc};
use crate::sys::files::{self, ReadError};

/// File name of the user settings file inside the tool's config dir.
pub(crate) const USER_CONFIG_FILE: &str = "telemetry.toml";

/// The user's own settings, as written by `<tool> telemetry enable|disable`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct UserConfig {
    /// `false` opts out; `true` is an explicit yes; absent is no setting.
    pub(crate) enabled: Option<bool>,
    /// The version of the notice this user has seen.
    pub(crate) notice: Option<String>,
    /// `true` (written by `<tool> telemetry local`): runs are recorded on this machine
    /// and never uploaded.
    pub(crate) local: Option<bool>,
    /// The as-of date of uploads, in ms since the Unix epoch, written when `<tool>
    /// telemetry enable` ends local mode: a request recorded before it is never sent.
    pub(crate) upload_since_ms: Option<u64>,
    /// Managed settings (a machine policy file): `on`, `local` (recorded on the
    /// machine, never uploaded) or `off`. The strictest setting still wins: a user's
    /// opt-out stands unless the policy turns telemetry off for everyone.
    pub(crate) mode: Option<String>,
    /// Managed settings: the collector endpoint for this organisation, replacing the
    /// one compiled into the tool (`<TOOL>_TELEMETRY_ENDPOINT` still overrides it).
    /// Read from machine policy files only.
    pub(crate) endpoint: Option<String>,
    /// Managed settings: PEM CA certificates to trust for that endpoint
    /// (`<TOOL>_TELEMETRY_CA_FILE` still overrides it). Policy files only.
    pub(crate) ca_file: Option<PathBuf>,
    /// Managed settings: send only this fraction of installs, in [1e-6, 1], when it is
    /// below the author's rate (strictest wins). Policy files only; another value opts
    /// out, as a `mode` that is not one.
    pub(crate) sample_rate: Option<f64>,
}

impl UserConfig {
    /// Reads the file's text (the keys above; others are ignored, as they were when
    /// the `toml` crate read it, so a later version's keys do not break an older one).
    pub(crate) fn parse(text: &str) -> Result<UserConfig, flat_toml::Error> {
        let doc = Doc::parse(text)?;
        Ok(UserConfig {
            enabled: doc.bool("enabled")?,
            notice: doc.str("notice")?.map(str::to_owned),
            local: doc.bool("local")?,
            upload_since_ms: doc.u64("upload_since_ms")?,
            mode: doc.str("mode")?.map(str::to_owned),
            endpoint: doc.str("endpoint")?.map(str::to_owned),
            ca_file: doc.str("ca_file")?.map(PathBuf::from),
            sample_rate: doc.f64("sample_rate")?,
        })
    }

    /// The file's text: the settings that are set, one line each.
    pub(crate) fn to_text(&self) -> io::Result<String> {
        let mut w = flat_toml::Writer::new();
        if let Some(v) = self.enabled {
            w.bool("enabled", v);
        }
        if let Some(v) = &self.notice {
            w.str("notice", v);
        }
        if let Some(v) = self.local {
            w.bool("local", v);
        }
        if let Some(v) = self.upload_since_ms {
            w.u64("upload_since_ms", v);
        }
        if let Some(v) = &self.mode {
            w.str("mode", v);
        }
        if let Some(v) = &self.endpoint {
            w.str("endpoint", v);
        }
        if let Some(v) = &self.ca_file {
            // TOML holds text only: a path that is not UTF-8 cannot be written.
            let v = v
                .to_str()
                .ok_or_else(|| io::Error::other("ca_file is not UTF-8"))?;
            w.str("ca_file", v);
        }
        if let Some(v) = self.sample_rate {
            w.f64("sample_rate", v);
        }
        Ok(w.finish())
    }
}

/// What a policy file's `sample_rate` says: the rate, or an error for a value that is
/// not one consentry takes.
pub(crate) fn sample_rate(cfg: &UserConfig) -> Result<Option<f64>, String> {
    match cfg.sample_rate {
        None => Ok(None),
        Some(r) if crate::identity::sample::valid_rate(r) => Ok(Some(r)),
        Some(r) => Err(format!(
            "not valid settings: sample_rate {r} is not between 0.000001 and 1"
        )),
    }
}

/// What a settings file's `mode` says: `Some((enabled, local))`, or an error for a
/// value that is not `on`, `local` or `off`.
pub(crate) fn mode(cfg: &UserConfig) -> Result<Option<(bool, bool)>, String> {
    match cfg.mode.as_deref() {
        None => Ok(None),
        Some("on") => Ok(Some((true, false))),
        Some("local") => Ok(Some((true, true))),
        Some("off") => Ok(Some((false, false))),
        Some(other) => Err(format!(
            "not valid settings: mode {other:?} is not on, local or off"
        )),
    }
}

/// What reading the settings file found.
#[derive(Debug)]
pub(crate) enum Loaded {
    Missing,
    Found(UserConfig),
    /// Present but unreadable, or not the TOML `flat_toml` reads (a table, a date or a
    /// multi-line string, which the `toml` crate read, are broken here too: stricter,
    /// so a hand edit outside the subset opts out instead of being misread).
    Broken(String),
}

pub(crate) fn load(path: &Path) -> Loaded {
    match files::read_capped(path, files::SETTINGS_CAP) {
        Ok(bytes) => match std::str::from_utf8(&bytes) {
            Ok(text) => match UserConfig::parse(text) {
                Ok(cfg) => Loaded::Found(cfg),
                Err(e) => Loaded::Broken(format!("not valid settings: {e}")),
            },
            Err(_) => Loaded::Broken("not valid settings: not UTF-8".into()),
        },
        // A path that cannot hold a file (a parent is a regular file) holds no setting.
        Err(ReadError::Missing) => Loaded::Missing,
        Err(e) => Loaded::Broken(e.to_string()),
    }
}

/// Changes the settings file, keeping what `change` does not touch. A file that is
/// missing or broken starts from empty settings (rewriting it is how it gets repaired).
pub(crate) fn update(path: &Path, change: impl FnOnce(&mut UserConfig)) -> io::Result<()> {
    let mut cfg = match load(path) {
        Loaded::Found(cfg) => cfg,
        Loaded::Missing | Loaded::Broken(_) => UserConfig::default(),
    };
    change(&mut cfg);
    store(path, &cfg)
}

/// Writes the settings file atomically (temp file then rename, never through a
/// symlink), creating the dir.
pub(crate) fn store(path: &Path, cfg: &UserConfig) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| io::Error::other("settings path has no file name"))?;
    std::fs::create_dir_all(dir)?;
    let text = cfg.to_text()?;
    files::write_atomic(dir, name, text.as_bytes())
}

/// The tool's config dir in the OS convention (`$XDG_CONFIG_HOME/<tool>` or
/// `~/.config/<tool>` on Linux, `~/Library/Application Support/<tool>` on macOS,
/// `%LOCALAPPDATA%\<tool>\config` on Windows, the local profile: the install id and
/// key kept there never roam to another machine), or `None` when no home dir is known.
pub(crate) fn default_config_dir(tool: &str, env: &dyn Env) -> Option<PathBuf> {
    env.tool_dirs(tool).map(|d| d.config)
}

/// The machine-wide policy file an administrator sets: `/etc/<tool>/telemetry.toml`,
/// `/Library/Application Support/<tool>/telemetry.toml` on macOS,
/// `%ProgramData%\<tool>\telemetry.toml` on Windows.
pub(crate) fn default_policy_file(tool: &str, env: &dyn Env) -> Option<PathBuf> {
    if cfg!(windows) {
        env.var_os("ProgramData")
            .map(|d| PathBuf::from(d).join(tool).join(USER_CONFIG_FILE))
    } else if cfg!(target_os = "macos") {
        Some(
            PathBuf::from("/Library/Application Support")
                .join(tool)
                .join(USER_CONFIG_FILE),
        )
    } else {
        Some(PathBuf::from("/etc").join(tool).join(USER_CONFIG_FILE))
    }
}

/// The tool's spool dir in the OS convention: `telemetry-spool` in the state dir
/// (Linux) or the cache dir (elsewhere).
pub(crate) fn default_spool_dir(tool: &str, env: &dyn Env) -> Option<PathBuf> {
    env.tool_dirs(tool).map(|d| d.state.join("telemetry-spool"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_is_no_setting() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            load(&dir.path().join("nope.toml")),
            Loaded::Missing
        ));
    }

    #[test]
    fn round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join(USER_CONFIG_FILE);
        store(
            &path,
            &UserConfig {
                enabled: Some(false),
                ..UserConfig::default()
            },
        )
        .unwrap();
        match load(&path) {
            Loaded::Found(c) => assert_eq!(c.enabled, Some(false)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn corrupt_file_is_broken_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(USER_CONFIG_FILE);
        for bad in [
            &b"enabled = maybe"[..],
            b"\xff\xfe\x00",
            b"enabled = [",
            b"enabled = 1",
        ] {
            std::fs::write(&path, bad).unwrap();
            assert!(matches!(load(&path), Loaded::Broken(_)), "{bad:?}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn hostile_settings_files_are_broken_and_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(USER_CONFIG_FILE);
        let target = dir.path().join("target.toml");
        std::fs::write(&target, "enabled = true\n").unwrap();
        std::os::unix::fs::symlink(&target, &path).unwrap();
        match load(&path) {
            Loaded::Broken(why) => assert!(why.contains("symlink"), "{why}"),
            other => panic!("{other:?}"),
        }
        // Rewriting replaces the link; the file it pointed to is untouched.
        update(&path, |c| c.enabled = Some(false)).unwrap();
        assert_eq!(
            std::fs::read_to_string(&target).unwrap(),
            "enabled = true\n"
        );
        assert!(matches!(
            load(&path),
            Loaded::Found(UserConfig {
                enabled: Some(false),
                ..
            })
        ));
        std::fs::remove_file(&path).unwrap();
        std::fs::create_dir(&path).unwrap();
        match load(&path) {
            Loaded::Broken(why) => assert!(why.contains("not a regular file"), "{why}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn oversized_settings_file_is_broken() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(USER_CONFIG_FILE);
        let mut text = "enabled = true\n".to_owned();
        text.push_str(&"# padding\n".repeat(10_000));
        std::fs::write(&path, text).unwrap();
        match load(&path) {
            Loaded::Broken(why) => assert!(why.contains("larger than"), "{why}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_keys_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(USER_CONFIG_FILE);
        std::fs::write(&path, "enabled = true\nfuture = 3\n").unwrap();
        assert!(matches!(
            load(&path),
            Loaded::Found(UserConfig {
                enabled: Some(true),
                ..
            })
        ));
    }

    /// The settings as the `toml` crate read and wrote them before `flat_toml` did.
    #[derive(Debug, serde::Deserialize, serde::Serialize)]
    struct ByToml {
        enabled: Option<bool>,
        notice: Option<String>,
        local: Option<bool>,
        upload_since_ms: Option<u64>,
        mode: Option<String>,
        endpoint: Option<String>,
        ca_file: Option<PathBuf>,
        sample_rate: Option<f64>,
    }

    fn settings() -> impl proptest::strategy::Strategy<Value = UserConfig> {
        use proptest::prelude::*;
        let text = || proptest::option::of(any::<String>());
        (
            (any::<Option<bool>>(), text(), any::<Option<bool>>()),
            (any::<Option<u64>>(), text(), text()),
            (text(), proptest::option::of(0.0..=1.0f64)),
        )
            .prop_map(
                |((enabled, notice, local), (since, mode, endpoint), (ca, rate))| UserConfig {
                    enabled,
                    notice,
                    local,
                    upload_since_ms: since,
                    mode,
                    endpoint,
                    ca_file: ca.map(PathBuf::from),
                    sample_rate: rate,
                },
            )
    }

    proptest::proptest! {
        /// What `store` writes, consentry and the `toml` crate read back the same.
        #[test]
        fn settings_written_read_back_the_same_by_toml_too(cfg in settings()) {
            let text = cfg.to_text().unwrap();
            let ours = UserConfig::parse(&text);
            proptest::prop_assert_eq!(ours.as_ref(), Ok(&cfg));
            let t: ByToml = toml::from_str(&text).unwrap();
            let by_toml = UserConfig {
                enabled: t.enabled,
                notice: t.notice,
                local: t.local,
                upload_since_ms: t.upload_since_ms,
                mode: t.mode,
                endpoint: t.endpoint,
                ca_file: t.ca_file,
                sample_rate: t.sample_rate,
            };
            proptest::prop_assert_eq!(by_toml, cfg);
        }

        /// A file an earlier build wrote with the `toml` crate reads the same (its
        /// values without line breaks, which `toml` writes as multi-line strings and no
        /// setting holds: those files read as broken).
        #[test]
        fn settings_files_toml_wrote_read_the_same(cfg in settings()) {
            let one_line = |s: &Option<String>| s.as_ref().is_none_or(|s| !s.contains(['\n', '\r']));
            proptest::prop_assume!(one_line(&cfg.notice) && one_line(&cfg.mode) && one_line(&cfg.endpoint));
            proptest::prop_assume!(cfg.ca_file.as_ref().is_none_or(|p| p.to_str().is_some_and(|p| !p.contains(['\n', '\r']))));
            let old = ByToml {
                enabled: cfg.enabled,
                notice: cfg.notice.clone(),
                local: cfg.local,
                upload_since_ms: cfg.upload_since_ms,
                mode: cfg.mode.clone(),
                endpoint: cfg.endpoint.clone(),
                ca_file: cfg.ca_file.clone(),
                sample_rate: cfg.sample_rate,
            };
            let text = toml::to_string(&old).unwrap();
            let ours = UserConfig::parse(&text);
            proptest::prop_assert_eq!(ours.as_ref(), Ok(&cfg), "{}", text);
        }
    }
}
