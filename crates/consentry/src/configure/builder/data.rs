//! Builder settings for what a run records: the declared names, the argument
//! schema and how a command run is accounted.

use std::time::Duration;

use super::TelemetryBuilder;
#[cfg(doc)]
use crate::Telemetry;

impl TelemetryBuilder {
    /// The tool's version (`service.version`). Default: `"unknown"`; pass
    /// `env!("CARGO_PKG_VERSION")`.
    pub fn with_version(mut self, version: impl Into<String>) -> Self {
        self.settings.version = version.into();
        self
    }

    /// How this build was distributed (`consentry.channel`): `cargo`, `brew`,
    /// `binary`... Default: `unknown`.
    pub fn with_channel(mut self, channel: &'static str) -> Self {
        self.settings.channel = channel;
        self
    }

    /// The values `<TOOL>_TELEMETRY_SOURCE` may take (`consentry.source`), besides
    /// `cli` (the default when unset). Any other value is sent as `other`.
    pub fn with_sources(mut self, sources: &[&'static str]) -> Self {
        self.settings.sources = sources.to_vec();
        self
    }

    /// Which install id runs carry (`app.installation.id`): [`InstallId::Random`]
    /// (the default, kept in the config dir), [`InstallId::Rotating`] or
    /// [`InstallId::None`]. CI runs follow [`with_shared_ci_id`](Self::with_shared_ci_id).
    ///
    /// [`InstallId::Random`]: crate::InstallId::Random
    /// [`InstallId::Rotating`]: crate::InstallId::Rotating
    /// [`InstallId::None`]: crate::InstallId::None
    pub fn with_install_id(mut self, choice: crate::InstallId) -> Self {
        self.settings.install_id = choice;
        self
    }

    /// The install id of a CI run. `true` (the default): every CI run of a vendor
    /// carries the same id, derived from the vendor's name (`GitHubActions`...), so a
    /// pipeline's fresh containers count as one CI install, never as new users; no id
    /// file is written in CI. `false`: CI runs carry no install id.
    pub fn with_shared_ci_id(mut self, shared: bool) -> Self {
        self.settings.shared_ci_id = shared;
        self
    }

    /// Sends only a fraction `rate` of installs, in [1e-6, 1]. Default: `1.0`, every
    /// run. An install is in the sample or out of it for all its runs: a value derived
    /// from its per-install key (HMAC-SHA256, never sent) is below `rate`. Its spans
    /// carry `consentry.sample.weight` = `1 / rate`, so that the operator's answers
    /// count each sent run, and each sent install, that many times and stay unbiased
    /// estimates of the whole. With [`InstallId::Rotating`] the draw is per install
    /// and period, as the id; with [`InstallId::None`] or without a config dir it is
    /// per run (there is no install to keep together). In CI the draw follows the key
    /// as anywhere: a fresh container's run draws alone, a kept runner's runs together.
    ///
    /// A run outside the sample does what an opted-out run does after reading the key:
    /// it records nothing, writes no file, starts no uploader and sends nothing (so
    /// `telemetry log` and `telemetry view` list only the runs that were sent;
    /// `telemetry status` says whether this install is in the sample). Local mode
    /// records every run (nothing is sent, so there is nothing to save), and print
    /// mode prints every run with its weight (it sends nothing either).
    ///
    /// [`build`](Self::build) refuses a rate outside [1e-6, 1] (NaN included).
    ///
    /// [`InstallId::Rotating`]: crate::InstallId::Rotating
    /// [`InstallId::None`]: crate::InstallId::None
    pub fn with_sampling(mut self, rate: f64) -> Self {
        self.settings.sampling = rate;
        self
    }

    /// The feature names [`CommandRun::feature`](crate::CommandRun::feature) may record.
    pub fn with_features(mut self, names: &[&'static str]) -> Self {
        self.settings.features = names.to_vec();
        self
    }

    /// The count names [`CommandRun::count`](crate::CommandRun::count) may record.
    pub fn with_counts(mut self, names: &[&'static str]) -> Self {
        self.settings.counts = names.to_vec();
        self
    }

    /// The tool's commands, options and positionals with what may be sent of each
    /// value (see [`mask::Schema`](crate::rules::mask::Schema); `consentry-clap` derives it
    /// from a `clap::Command`). Default: none, and then every value is masked and
    /// only plain option names are kept.
    pub fn with_schema(mut self, schema: crate::rules::mask::Schema) -> Self {
        self.settings.schema = Some(crate::configure::settings::SchemaSource::Ready(
            std::sync::Arc::new(schema),
        ));
        self
    }

    /// Like [`with_schema`](Self::with_schema), but the schema is made by `make` only
    /// when telemetry is on for the run (at [`Telemetry::init`]); an opted-out run
    /// never pays for deriving it. Default: none.
    pub fn with_schema_fn(
        mut self,
        make: impl Fn() -> crate::rules::mask::Schema + Send + Sync + 'static,
    ) -> Self {
        self.settings.schema = Some(crate::configure::settings::SchemaSource::Lazy(
            std::sync::Arc::new(make),
        ));
        self
    }

    /// How often a running command's marker is touched, so that a run that never
    /// finishes (killed, crashed) is reported `abandoned` with its duration to within
    /// this period (see "Files" in the crate docs). Default:
    /// 60 s; at least
    /// 10 ms. `Duration::ZERO` turns it off (no thread; an abandoned run is then
    /// reported with the duration it had when its marker was written, zero).
    pub fn with_run_heartbeat(mut self, period: Duration) -> Self {
        self.settings.heartbeat = if period.is_zero() {
            Duration::ZERO
        } else {
            period.max(Duration::from_millis(10))
        };
        self
    }

    /// The exit codes that are not failures: a run ending with one of them sets no
    /// `error.type` and no error status. Default: `[0]`. A grep-like tool, for which 1
    /// means "no match", declares `&[0, 1]`.
    pub fn with_success_exit_codes(mut self, codes: &[i32]) -> Self {
        self.settings.success_exit_codes = codes.to_vec();
        self
    }

    /// Sends the text of errors and panics: the message of
    /// [`CommandRun::error`](crate::CommandRun::error) with its `source()` chain, and
    /// the panic message, as `exception.message`, after masking every value the command
    /// line hid and scrubbing paths, user names, emails, addresses, tokens and URL
    /// credentials. Default: `false`: only the class leaves (`exception.type`, and a
    /// panic's location in the code), because a message can quote text nobody declared
    /// safe, read from a file, a config value or the environment, which no masking of
    /// the command line knows (`rg -f patterns.txt` quoting a pattern from the file).
    /// Turn it on only when the tool's messages are its own words.
    pub fn with_error_messages(mut self, on: bool) -> Self {
        self.settings.error_messages = on;
        self
    }

    /// Whether init (when telemetry is on) chains a panic hook that records a panic
    /// (its class and location; its message only with
    /// [`with_error_messages`](Self::with_error_messages)) on the running command's
    /// span. Default: `true`.
    pub fn with_panic_hook(mut self, on: bool) -> Self {
        self.settings.panic_hook = on;
        self
    }
}
