//! The one call: telemetry wired into a clap CLI in the order that works.

use std::sync::Arc;

use clap::{ArgMatches, Command, Parser};
use consentry::integration::TelemetryExt as _;
use consentry::{BuildError, Telemetry, TelemetryBuilder, TelemetryGuard};

use crate::{SchemaBuilder, Shape, augment_with, disable_flag, telemetry_action};

/// Parses the command line and starts telemetry: [`Setup`] with its defaults.
///
/// ```no_run
/// use clap::Parser;
///
/// #[derive(Parser)]
/// #[command(name = "mytool")]
/// enum Cli {
///     /// Say hello.
///     Hello,
/// }
///
/// # fn main() -> Result<(), consentry::BuildError> {
/// let (cli, telemetry) = consentry_clap::init::<Cli>(
///     consentry::Telemetry::builder("mytool").with_endpoint("https://t.example.com:4318"),
/// )?;
/// let run = telemetry.run();
/// // ... match cli { Cli::Hello => ... } ...
/// run.finish(0);
/// # Ok(()) }
/// ```
///
/// # Errors
///
/// When `builder` is not a valid configuration ([`TelemetryBuilder::build`]).
pub fn init<C: Parser>(builder: TelemetryBuilder) -> Result<(C, TelemetryGuard), BuildError> {
    Setup::new(builder).init()
}

/// The one call, with the author's choices: the [`Shape`] of the telemetry commands
/// and what may be sent of argument values. [`init`](Self::init) does, in order:
///
/// 1. builds the configuration ([`TelemetryBuilder::build`]), before any parsing: in
///    the detached uploader that call delivers and exits, so the uploader's marker
///    argument never reaches clap;
/// 2. adds `--disable-telemetry` and the telemetry commands ([`augment_with`]);
/// 3. parses with clap. A command line clap refuses (or `--help`, `--version`) is
///    recorded as a run (command path as far as the schema finds it, values masked,
///    exit code clap's, `error.type` `usage`), then clap prints its own message,
///    usage lines included, and exits with its own code;
/// 4. runs `telemetry status|enable|disable|show|local|log|view|delete` and exits
///    (recording nothing). In the option shape `--telemetry <action>` given alone is read before clap parses
///    the line: options the tool fills from the environment (`#[arg(env = ..)]`,
///    which clap counts as given) never make it refuse;
/// 5. tells consentry whether `--disable-telemetry` was given, as clap parsed it (a
///    value that happens to read `--disable-telemetry` is not the flag);
/// 6. [`Telemetry::init`], deriving the masking schema from the clap command only when
///    telemetry is on;
/// 7. converts the matches into the tool's `Cli` (`FromArgMatches`), with clap's error
///    formatting when that fails; that failure is recorded as a usage error too.
#[derive(Debug)]
#[must_use = "a setup does nothing until `init` is called"]
pub struct Setup {
    builder: TelemetryBuilder,
    shape: Shape,
    schema: fn(SchemaBuilder) -> SchemaBuilder,
}

impl Setup {
    /// Starts from the tool's telemetry configuration. Defaults: [`Shape::Subcommand`]
    /// and the schema's default policies.
    pub fn new(builder: TelemetryBuilder) -> Self {
        Setup {
            builder,
            shape: Shape::default(),
            schema: |s| s,
        }
    }

    /// How the telemetry commands appear; [`Shape::Option`] for tools with positional
    /// arguments.
    pub fn shape(mut self, shape: Shape) -> Self {
        self.shape = shape;
        self
    }

    /// Overrides of the masking policies, e.g. `|s| s.hash_value("project")`.
    pub fn schema(mut self, overrides: fn(SchemaBuilder) -> SchemaBuilder) -> Self {
        self.schema = overrides;
        self
    }

    /// Parses the command line (this process's, or the configured
    /// [`Env`](consentry::env::Env)'s) into `C` and starts telemetry (see
    /// [`Setup`]). Exits the process for the telemetry commands and for command lines
    /// clap refuses, as `C::parse()` would.
    ///
    /// # Errors
    ///
    /// When the configuration is not valid ([`TelemetryBuilder::build`]).
    pub fn init<C: Parser>(self) -> Result<(C, TelemetryGuard), BuildError> {
        let (mut matches, cmd, guard) = self.start(C::command())?;
        match C::from_arg_matches_mut(&mut matches) {
            Ok(cli) => Ok((cli, guard)),
            // A value the tool's own `FromArgMatches` refuses (fd's `--exec-batch` with
            // two placeholders) is a usage error like any clap refuses: recorded too.
            Err(e) => {
                let e = e.format(&mut Command::clone(&cmd));
                guard.run().finish_with_error(e.exit_code(), "usage");
                drop(guard);
                e.exit()
            }
        }
    }

    /// [`init`](Self::init) for clap's builder API: the matches of `cmd` (with the
    /// telemetry flag and commands added) instead of a derived `Cli`.
    ///
    /// # Errors
    ///
    /// When the configuration is not valid ([`TelemetryBuilder::build`]).
    pub fn init_command(self, cmd: Command) -> Result<(ArgMatches, TelemetryGuard), BuildError> {
        let (matches, _, guard) = self.start(cmd)?;
        Ok((matches, guard))
    }

    fn start(self, cmd: Command) -> Result<(ArgMatches, Arc<Command>, TelemetryGuard), BuildError> {
        let mut telemetry = self.builder.build()?;
        // The arguments come from the configuration's environment, like everything else
        // consentry reads: a test that gives a `FixedEnv` gives the command line too.
        let args = telemetry.env().args_os();
        if self.shape == Shape::Option {
            telemetry.set_manage_command("--telemetry");
            if let Some(action) = crate::telemetry::alone_action(&args) {
                std::process::exit(crate::run_action(&telemetry, action));
            }
        }
        let mut cmd = augment_with(cmd, self.shape);
        let overrides = self.schema;
        let parsed = cmd.try_get_matches_from_mut(&args);
        // Shared, not copied: only a run with telemetry on derives the schema from it.
        let cmd = Arc::new(cmd);
        let for_schema = cmd.clone();
        telemetry.set_schema_fn(move || {
            overrides(SchemaBuilder::new(Command::clone(&for_schema))).build()
        });
        let matches = match parsed {
            Ok(m) => m,
            Err(e) => record_refused(telemetry, &e),
        };
        if let Some(action) = telemetry_action(&matches) {
            std::process::exit(crate::run_action(&telemetry, action));
        }
        telemetry.set_disable_flag_given(disable_flag(&matches));
        Ok((matches, cmd, telemetry.init()))
    }
}

/// A command line clap refused, or `--help`/`--version`: one run, recorded before
/// clap prints and exits. The disable flag cannot be taken from matches that do not
/// exist, so consentry looks for it among the raw arguments here.
fn record_refused(telemetry: Telemetry, e: &clap::Error) -> ! {
    let code = e.exit_code();
    let guard = telemetry.init();
    guard.run().finish_with_error(code, "usage");
    drop(guard);
    e.exit()
}
