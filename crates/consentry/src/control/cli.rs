//! The one call for a tool with its own argument parser (lexopt, pico-args, argh, a
//! hand-written loop, or a parser inside the tool's library): what
//! `consentry_clap::init` does for clap users.

use std::ffi::OsString;

use crate::configure::builder::{BuildError, Telemetry, TelemetryBuilder};
use crate::record::guard::TelemetryGuard;

/// The masking schema a tool with its own parser declares: its commands, options (a
/// flag table) and positionals, and what of each value may be sent.
pub use crate::rules::mask::{CommandSpec, Opt, Param, Policy, Schema};

use crate::control::actions::manage_line;
pub use crate::control::actions::{Action, Manage, run_action};

/// Telemetry for a tool that parses its own command line, in one call
/// ([`parse`](Self::parse)): what `consentry_clap::init` does for clap.
///
/// ```no_run
/// use consentry::cli::{Cli, Manage};
/// use consentry::cli::{Opt, Param, Policy, Schema};
///
/// struct Args { count: bool, disable_telemetry: bool, files: Vec<String> }
///
/// fn parse(args: Vec<std::ffi::OsString>) -> Result<Args, String> {
///     let mut parsed = Args { count: false, disable_telemetry: false, files: Vec::new() };
///     for arg in args.into_iter().skip(1) {
///         match arg.to_str() {
///             Some("-c" | "--count") => parsed.count = true,
///             Some("--disable-telemetry") => parsed.disable_telemetry = true,
///             Some(s) if s.starts_with('-') => return Err(format!("unknown option {s}")),
///             _ => parsed.files.push(arg.to_string_lossy().into_owned()),
///         }
///     }
///     Ok(parsed)
/// }
///
/// let schema = Schema::new("wc-lite")
///     .option(Opt::long("count").short('c'))
///     .option(Opt::long("disable-telemetry"))
///     .positional(Param::new("files").multiple());
/// let builder = consentry::Telemetry::builder("wc-lite")
///     .with_endpoint("https://telemetry.example.com:4318")
///     .with_schema(schema);
/// let cli = Cli::new(builder).expect("valid configuration").manage(Manage::Option);
/// let (args, telemetry) = match cli.parse(parse, |a| a.disable_telemetry) {
///     Ok(parsed) => parsed,
///     Err(message) => {
///         eprintln!("wc-lite: {message}"); // recorded as a `usage` run already
///         std::process::exit(2);
///     }
/// };
/// let run = telemetry.run();
/// // ... the tool works with `args` ...
/// run.finish(0);
/// telemetry.exit(0);
/// ```
#[derive(Debug)]
pub struct Cli {
    telemetry: Telemetry,
    manage: Manage,
    usage_exit_code: i32,
}

impl Cli {
    /// Validates the configuration ([`TelemetryBuilder::build`], where the detached
    /// uploader enters and exits, so its marker argument never reaches the tool's
    /// parser). Defaults:
    /// [`Manage::Subcommand`], usage errors recorded with exit code 2.
    ///
    /// # Errors
    ///
    /// When `builder` is not a valid configuration.
    pub fn new(builder: TelemetryBuilder) -> Result<Cli, BuildError> {
        Ok(Cli {
            telemetry: builder.build()?,
            manage: Manage::default(),
            usage_exit_code: 2,
        })
    }

    /// How the telemetry commands appear: [`Manage::Option`] for tools with
    /// positional arguments.
    #[must_use]
    pub fn manage(mut self, manage: Manage) -> Self {
        self.manage = manage;
        self
    }

    /// The exit code the tool exits with when its parser refuses the command line, as
    /// recorded for that run. Default: 2.
    #[must_use]
    pub fn usage_exit_code(mut self, code: i32) -> Self {
        self.usage_exit_code = code;
        self
    }

    /// Parses the command line with the tool's own `parse` (given the arguments of
    /// this process, or of the configured [`Env`](crate::env::Env), program name
    /// first) and starts telemetry. In order:
    ///
    /// 1. a command line that is only a telemetry command (`telemetry status`, or
    ///    `--telemetry status` alone in the option shape) is carried out
    ///    ([`run_action`], output on stdout) and the process exits with its code; the
    ///    tool's parser never sees it, so the tool declares nothing for it;
    /// 2. `parse` runs. When it fails, the run is recorded as a usage error (exit code
    ///    [`usage_exit_code`](Self::usage_exit_code), `error.type` `usage`, values
    ///    masked) and the error is returned for the tool to print and exit with, as it
    ///    did without telemetry;
    /// 3. `disable_flag` says whether the user gave `--disable-telemetry` as the tool's
    ///    parser read it (so a value that reads `--disable-telemetry` is not the flag);
    ///    the tool's parser must accept the flag;
    /// 4. [`Telemetry::init`] decides consent and returns the guard.
    ///
    /// # Errors
    ///
    /// The error of `parse`, after the usage run was recorded.
    pub fn parse<T, E>(
        self,
        parse: impl FnOnce(Vec<OsString>) -> Result<T, E>,
        disable_flag: impl FnOnce(&T) -> bool,
    ) -> Result<(T, TelemetryGuard), E> {
        let mut telemetry = self.telemetry;
        let args = telemetry.env().args_os();
        if self.manage == Manage::Option {
            telemetry.set_manage_command("--telemetry");
        }
        if let Some(action) = manage_line(&args, self.manage) {
            std::process::exit(run_action(&telemetry, action));
        }
        match parse(args) {
            Ok(parsed) => {
                telemetry.set_disable_flag_given(disable_flag(&parsed));
                Ok((parsed, telemetry.init()))
            }
            Err(e) => {
                let guard = telemetry.init();
                guard.run().finish_with_error(self.usage_exit_code, "usage");
                drop(guard);
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::actions::run_action_to;
    use std::io::{self, Write};

    #[test]
    fn only_a_whole_telemetry_line_is_an_action() {
        let line = |words: &[&str], m| {
            let args: Vec<&str> = std::iter::once("tool")
                .chain(words.iter().copied())
                .collect();
            manage_line(&args, m)
        };
        assert_eq!(
            line(&["telemetry"], Manage::Subcommand),
            Some(Action::Status)
        );
        assert_eq!(
            line(&["telemetry", "disable"], Manage::Subcommand),
            Some(Action::Disable)
        );
        assert_eq!(line(&["telemetry"], Manage::Option), None);
        assert_eq!(
            line(&["--telemetry", "show"], Manage::Option),
            Some(Action::Show)
        );
        assert_eq!(
            line(&["--telemetry=enable"], Manage::Option),
            Some(Action::Enable)
        );
        assert_eq!(line(&["--telemetry", "show", "x"], Manage::Option), None);
        assert_eq!(line(&["x", "telemetry"], Manage::Subcommand), None);
        assert_eq!(line(&["telemetry", "nope"], Manage::Subcommand), None);
        assert_eq!(line(&["--telemetry", "show"], Manage::Subcommand), None);
        assert_eq!(
            line(&["telemetry", "log", "--json"], Manage::Subcommand),
            Some(Action::Log { json: true })
        );
        assert_eq!(
            line(&["--telemetry", "view-json"], Manage::Option),
            Some(Action::View { json: true })
        );
    }

    /// A stdout whose reader has gone.
    struct Closed;

    impl Write for Closed {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
    }

    /// A stdout on a full disk.
    struct Full;

    impl Write for Full {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::other("no space left"))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_stdout_is_success_and_other_write_errors_fail() {
        let t = Telemetry::builder("t").build().unwrap();
        assert_eq!(run_action_to(&t, Action::Show, &mut Closed), 0);
        assert_eq!(run_action_to(&t, Action::Show, &mut Full), 1);
        let mut out = Vec::new();
        assert_eq!(run_action_to(&t, Action::Show, &mut out), 0);
        assert!(
            String::from_utf8(out)
                .unwrap()
                .starts_with("# What t sends")
        );
    }
}
