//! The inputs of the consent decision as a configured tool reads them: the
//! variables, the disable flag and the settings files.

use std::path::PathBuf;

use crate::configure::builder::Telemetry;
use crate::consent::config::{self, USER_CONFIG_FILE};
use crate::consent::{self, Decision, Files};

impl Telemetry {
    /// The fraction of installs that send: the author's rate, or a machine policy's
    /// lower one (strictest wins).
    pub(crate) fn sample_rate(&self, read: &SettingsRead) -> f64 {
        read.sample_rate
            .map_or(self.settings.sampling, |r| r.min(self.settings.sampling))
    }

    /// Decides, remembering what init needs from the files when they were read.
    pub(crate) fn decide_into(&self, read: &mut SettingsRead) -> Decision {
        if let Some(decision) = self.debug_build_decision() {
            return decision;
        }
        let env = consent::env_inputs(self.env(), &self.vars.opt_out);
        let flag = self
            .settings
            .disable_flag
            .as_deref()
            .filter(|f| self.flag_given(f));
        let mut decision = consent::decide(
            &env,
            flag,
            || {
                read.config_dir = self.config_dir();
                self.files(read)
            },
            || {
                if self.settings.disabled_in_ci {
                    self.env()
                        .ci()
                        .map(|v| v.unwrap_or_else(|| "unknown".into()))
                } else {
                    None
                }
            },
            self.settings.default_enabled,
        );
        // Local mode narrows an "on" whichever setting turned it on; it never turns
        // telemetry on by itself (the file's `enabled` does that).
        decision.local = decision.enabled && read.local;
        decision
    }

    fn files(&self, read: &mut SettingsRead) -> Files {
        let project = if self.settings.project_file {
            self.env()
                .current_dir()
                .and_then(|cwd| consent::find_project_file(&cwd))
                .map(|p| {
                    let says = consent::read_project_file(&p);
                    (p, says)
                })
        } else {
            None
        };
        // Read once: the notice check after the decision uses the same load.
        let user = read.config_dir.as_deref().map(|d| {
            let p = d.join(USER_CONFIG_FILE);
            let loaded = config::load(&p);
            if let config::Loaded::Found(cfg) = &loaded {
                read.seen_notice = cfg.notice.clone();
                read.local |=
                    cfg.local == Some(true) || config::mode(cfg) == Ok(Some((true, true)));
                read.upload_since_ms = cfg.upload_since_ms;
            }
            (p, consent::settings_say(loaded))
        });
        let policies = self
            .policy_files()
            .into_iter()
            .map(|p| {
                let loaded = config::load(&p);
                let mut broken = None;
                if let config::Loaded::Found(cfg) = &loaded {
                    read.local |= config::mode(cfg) == Ok(Some((true, true)));
                    match config::sample_rate(cfg) {
                        Ok(Some(r)) => {
                            read.sample_rate = Some(read.sample_rate.map_or(r, |s| s.min(r)));
                        }
                        Ok(None) => {}
                        Err(reason) => broken = Some(reason),
                    }
                }
                let says = match broken {
                    Some(reason) => consent::FileSays::Broken(reason),
                    None => consent::settings_say(loaded),
                };
                (p, says)
            })
            .collect();
        Files {
            project,
            user,
            policies,
        }
    }
}

/// What deciding consent read from the settings, kept for the rest of init.
#[derive(Debug, Default)]
pub(crate) struct SettingsRead {
    /// The tool's config dir, once the files were looked at.
    pub(crate) config_dir: Option<PathBuf>,
    /// The notice version the user settings file records as seen.
    pub(crate) seen_notice: Option<String>,
    /// Whether the user settings file chose local mode (`telemetry local`).
    pub(crate) local: bool,
    /// The as-of date of uploads the user settings file records, in ms.
    pub(crate) upload_since_ms: Option<u64>,
    /// The lowest `sample_rate` the machine policy files set, if any.
    pub(crate) sample_rate: Option<f64>,
}
