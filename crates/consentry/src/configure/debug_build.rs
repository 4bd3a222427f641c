//! Whether a debug build reports: only when the author says so.
//!
//! Rover sent telemetry only from debug builds for eight months without anyone
//! noticing (apollographql/rover#2445): a condition on the build profile, inverted.
//! Here the profile never changes what is recorded or how it is masked; it decides
//! one thing, whether this build reports at all, through an explicit setting with a
//! `Source` of its own, so `telemetry status` says so in plain words.

use crate::consent::{Decision, Source};

/// `cfg!(debug_assertions)` as the crate that calls it was compiled: expand it in the
/// tool's own crate and pass it to
/// [`TelemetryBuilder::with_debug_build`](crate::TelemetryBuilder::with_debug_build).
///
/// ```
/// let telemetry = consentry::Telemetry::builder("mytool")
///     .with_debug_build(consentry::debug_build!())
///     .build()
///     .unwrap();
/// # drop(telemetry);
/// ```
#[macro_export]
macro_rules! debug_build {
    () => {
        cfg!(debug_assertions)
    };
}

impl crate::TelemetryBuilder {
    /// Whether debug builds report. Default: `false`: a build with debug assertions
    /// records and sends nothing (consent [`Source::DebugBuild`]), so the author's own
    /// `cargo run` and `cargo test` runs do not count as users. Set `true` where
    /// debug builds are what is tested end to end (taskr's integration tests do).
    pub fn with_debug_builds(mut self, report: bool) -> Self {
        self.settings.debug_builds = report;
        self
    }

    /// Whether this binary is a debug build: pass [`debug_build!()`](crate::debug_build),
    /// which is `cfg!(debug_assertions)` of the tool's own crate. Default: consentry's
    /// own `cfg!(debug_assertions)`, the same unless a profile overrides
    /// `debug-assertions` for some packages only.
    pub fn with_debug_build(mut self, is_debug: bool) -> Self {
        self.settings.debug_build = is_debug;
        self
    }
}

impl crate::Telemetry {
    /// The decision when this is a debug build that does not report, before anything
    /// else is read: such a build shows no notice, asks nothing and writes nothing.
    pub(crate) fn debug_build_decision(&self) -> Option<Decision> {
        (self.settings.debug_build && !self.settings.debug_builds).then(|| Decision {
            enabled: false,
            source: Source::DebugBuild,
            ignored: Vec::new(),
            local: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::{Source, Telemetry};

    #[test]
    fn a_debug_build_without_the_setting_does_not_report() {
        let dir = tempfile::tempdir().unwrap();
        let t = Telemetry::builder("tool")
            .with_env(crate::tests::support::env(dir.path()))
            .with_debug_build(true)
            .with_config_dir(dir.path().join("config"))
            .with_spool_dir(dir.path().join("spool"))
            .with_endpoint("http://127.0.0.1:9")
            .with_panic_hook(false)
            .build()
            .unwrap();
        let guard = t.init();
        assert!(!guard.is_enabled());
        assert_eq!(guard.decision().source, Source::DebugBuild);
        assert!(!guard.notice_shown());
        let run = guard.command("go", ["x"]);
        assert!(!run.is_recording());
        run.finish(0);
        drop(guard);
        assert!(
            !dir.path().join("config").exists(),
            "a debug build that does not report writes nothing"
        );
    }

    #[test]
    fn without_any_setting_this_test_build_reports_only_if_it_is_a_release_build() {
        let dir = tempfile::tempdir().unwrap();
        let guard = Telemetry::builder("tool")
            .with_env(crate::tests::support::env(dir.path()))
            .with_config_dir(dir.path().join("config"))
            .with_spool_dir(dir.path().join("spool"))
            .with_panic_hook(false)
            .build()
            .unwrap()
            .init();
        // `cargo test` builds with debug assertions: off, and said so; `cargo test
        // --release` does not: the ordinary decision (here the notice on a first run).
        assert_eq!(
            guard.decision().source == Source::DebugBuild,
            cfg!(debug_assertions)
        );
        assert!(!guard.is_enabled());
    }

    #[test]
    fn the_default_is_this_crate_s_profile_and_a_release_build_reports() {
        let t = Telemetry::builder("tool").build().unwrap();
        assert_eq!(t.settings.debug_build, cfg!(debug_assertions));
        assert!(!t.settings.debug_builds);
        let release = Telemetry::builder("tool")
            .with_debug_build(false)
            .build()
            .unwrap();
        assert!(release.debug_build_decision().is_none());
        let opted = Telemetry::builder("tool")
            .with_debug_build(true)
            .with_debug_builds(true)
            .build()
            .unwrap();
        assert!(opted.debug_build_decision().is_none());
    }
}
