//! What a tool's own argument parser tells consentry before init: the schema (made
//! lazily, only when telemetry is on) and whether the user gave the disable flag.

use std::sync::Arc;

use crate::configure::builder::Telemetry;
use crate::configure::settings::SchemaSource;
use crate::rules::mask::Schema;

/// `consentry.command` of a run of a tool without subcommands (or of a tool with
/// subcommands run without one, e.g. `tool --version`).
pub(crate) const ROOT_COMMAND: &str = "(root)";

impl Telemetry {
    /// Tells consentry whether the per-invocation disable flag was given, as the tool's
    /// own argument parser read it (`consentry-clap` does this). Without this call
    /// consentry looks for the flag among the raw arguments (before a `--`), which can
    /// mistake an option's value that reads `--disable-telemetry` for the flag: a tool
    /// with a real parser should always pass the parsed answer.
    pub(crate) fn set_disable_flag_given(&mut self, given: bool) {
        self.disable_flag_given = Some(given);
    }

    /// Sets the schema function after `build`, as
    /// [`TelemetryBuilder::with_schema_fn`](crate::TelemetryBuilder::with_schema_fn)
    /// does (for callers that only know the command line's shape after parsing).
    pub(crate) fn set_schema_fn(&mut self, make: impl Fn() -> Schema + Send + Sync + 'static) {
        self.settings.schema = Some(SchemaSource::Lazy(Arc::new(make)));
    }

    /// How the notice names the telemetry commands: `telemetry` (default, for
    /// `<tool> telemetry disable`) or `--telemetry` for a tool that offers them as an
    /// option (`consentry-clap`'s `Shape::Option` sets it).
    pub(crate) fn set_manage_command(&mut self, command: impl Into<String>) {
        self.manage_command = command.into();
    }

    /// What `<tool> telemetry enable` does: records the user's yes, and shows the
    /// notice on stderr and records it as seen, so the next run sends instead of
    /// showing the notice again to someone who just asked for telemetry. Returns the
    /// settings file's path.
    ///
    /// # Errors
    ///
    /// When there is no config dir (home unknown) or the settings file cannot be
    /// written.
    pub fn enable(&self) -> std::io::Result<std::path::PathBuf> {
        let path = self.record_choice(true)?;
        let version = self.notice_version();
        crate::consent::config::update(&path, |cfg| cfg.notice = Some(version))?;
        let _ = std::io::Write::write_fmt(
            &mut std::io::stderr().lock(),
            format_args!("{}\n", self.notice_text()),
        );
        Ok(path)
    }

    /// Where run markers live (see [`RUNS_DIR`](crate::record::accounting::RUNS_DIR)): beside
    /// the spool, in the tool's state dir.
    pub(crate) fn runs_dir(&self) -> Option<std::path::PathBuf> {
        Some(
            self.spool_dir()?
                .parent()?
                .join(crate::record::accounting::RUNS_DIR),
        )
    }

    /// Whether the disable flag `flag` was given: the parsed answer when the tool gave
    /// one, else a scan of the raw arguments.
    pub(crate) fn flag_given(&self, flag: &str) -> bool {
        self.disable_flag_given
            .unwrap_or_else(|| raw_args_contain(self.env(), flag))
    }
}

/// Whether `flag` is among the arguments, before any `--`.
fn raw_args_contain(env: &dyn crate::configure::env::Env, flag: &str) -> bool {
    env.args_os()
        .into_iter()
        .skip(1)
        .take_while(|a| a != "--")
        .any(|a| a == flag)
}

#[cfg(test)]
mod tests {
    use crate::Telemetry;

    #[test]
    fn the_parsed_answer_replaces_the_raw_scan() {
        let mut t = Telemetry::builder("t").build().unwrap();
        t.set_disable_flag_given(true);
        assert!(t.flag_given("--disable-telemetry"));
        t.set_disable_flag_given(false);
        assert!(!t.flag_given("--disable-telemetry"));
    }

    #[test]
    fn a_lazy_schema_is_made_only_when_resolved() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static MADE: AtomicUsize = AtomicUsize::new(0);
        let t = Telemetry::builder("t")
            .with_schema_fn(|| {
                MADE.fetch_add(1, Ordering::SeqCst);
                crate::rules::mask::Schema::new("t")
            })
            .build()
            .unwrap();
        assert_eq!(MADE.load(Ordering::SeqCst), 0);
        let _ = t.settings.schema.as_ref().unwrap().resolve();
        assert_eq!(MADE.load(Ordering::SeqCst), 1);
    }
}
