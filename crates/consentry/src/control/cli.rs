//! The one call for a tool with its own argument parser (lexopt, pico-args, argh, a
//! hand-written loop, or a parser inside the tool's library): what
//! `consentry_clap::init` does for clap users.

use std::ffi::OsString;
use std::io::{self, Write};

use crate::configure::builder::{BuildError, Telemetry, TelemetryBuilder};
use crate::record::guard::TelemetryGuard;

/// The masking schema a tool with its own parser declares: its commands, options (a
/// flag table) and positionals, and what of each value may be sent.
pub use crate::rules::mask::{CommandSpec, Opt, Param, Policy, Schema};

/// How the telemetry commands appear on the tool's command line.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Manage {
    /// `<tool> telemetry [status|enable|disable|show|local|log|view]` (`log --json`,
    /// `view --json`), for tools with subcommands.
    #[default]
    Subcommand,
    /// `<tool> --telemetry <action>` (`log-json`, `view-json` for JSON), given alone: for tools with
    /// positional arguments, where a `telemetry` word must stay theirs.
    Option,
}

/// What the user asked of the telemetry commands.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Whether telemetry is on, which setting decided it, and the delivery state.
    Status,
    /// Turn telemetry on in the user settings file (and show the notice).
    Enable,
    /// Turn it off, deleting the install id, the key and the spool.
    Disable,
    /// Print what is sent (the data manifest) and send nothing.
    Show,
    /// Record runs on this machine only, never upload them.
    Local,
    /// Print what the collector acknowledged, exactly as it was sent.
    Log {
        /// One JSON line per request (OTLP JSON) instead of text.
        json: bool,
    },
    /// Summarise this machine's own runs (commands, errors, durations, days).
    View {
        /// One JSON object instead of text.
        json: bool,
    },
}

impl Action {
    /// Every action with its name and a one-line help, for a tool's own `--help`.
    pub const ALL: [(&'static str, Action, &'static str); 7] = [
        (
            "status",
            Action::Status,
            "Show whether telemetry is on and which setting decided it",
        ),
        (
            "enable",
            Action::Enable,
            "Turn telemetry on in the user settings file",
        ),
        (
            "disable",
            Action::Disable,
            "Turn telemetry off in the user settings file and delete the install id",
        ),
        (
            "show",
            Action::Show,
            "Print what would be sent about this run, and send nothing",
        ),
        (
            "local",
            Action::Local,
            "Record runs on this machine only and never upload them",
        ),
        (
            "log",
            Action::Log { json: false },
            "Print what the collector acknowledged, exactly as it was sent",
        ),
        (
            "view",
            Action::View { json: false },
            "Summarise this machine's own runs",
        ),
    ];

    /// The action named `name` (`status`, `enable`, `disable`, `show`, `local`, `log`,
    /// `view`; `log-json` and `view-json` for the JSON forms).
    pub fn from_name(name: &str) -> Option<Action> {
        match name {
            "log-json" => Some(Action::Log { json: true }),
            "view-json" => Some(Action::View { json: true }),
            _ => Action::ALL
                .iter()
                .find(|(n, _, _)| *n == name)
                .map(|(_, a, _)| *a),
        }
    }

    /// The same action with its `--json` flag set, for the actions that print.
    fn as_json(self) -> Option<Action> {
        match self {
            Action::Log { .. } => Some(Action::Log { json: true }),
            Action::View { .. } => Some(Action::View { json: true }),
            _ => None,
        }
    }
}

/// The action of a command line that is only a telemetry command in `manage`'s shape
/// (`args` with the program name first).
pub(crate) fn manage_line<T: AsRef<std::ffi::OsStr>>(args: &[T], manage: Manage) -> Option<Action> {
    let words: Vec<&str> = args
        .iter()
        .skip(1)
        .map(|a| a.as_ref().to_str())
        .collect::<Option<_>>()?;
    match (manage, words.as_slice()) {
        (Manage::Subcommand, ["telemetry"]) => Some(Action::Status),
        (Manage::Subcommand, ["telemetry", name]) | (Manage::Option, ["--telemetry", name]) => {
            Action::from_name(name)
        }
        (Manage::Subcommand, ["telemetry", name, "--json"]) => {
            Action::from_name(name).and_then(Action::as_json)
        }
        (Manage::Option, [both]) => Action::from_name(both.strip_prefix("--telemetry=")?),
        _ => None,
    }
}

/// Carries out `action`, printing its answer on stdout, and returns the exit code.
/// Managing telemetry records nothing: disabling must not send a beacon. A reader that
/// went away (`<tool> telemetry status | head -0`) is not an error.
pub fn run_action(telemetry: &Telemetry, action: Action) -> i32 {
    run_action_to(telemetry, action, &mut io::stdout().lock())
}

pub(crate) fn run_action_to(telemetry: &Telemetry, action: Action, out: &mut dyn Write) -> i32 {
    let text = match action {
        Action::Status => telemetry.status().to_string(),
        Action::Show => telemetry.manifest_markdown(),
        Action::Log { json } => telemetry.sent_log(json),
        Action::View { json } => telemetry.usage_view(json),
        Action::Local => match telemetry.keep_local() {
            Ok(path) => format!(
                "telemetry local: runs are recorded on this machine and never uploaded; \
                 spool deleted ({})\n",
                path.display()
            ),
            Err(e) => return cannot_save(telemetry, &e),
        },
        Action::Enable | Action::Disable => {
            let enable = action == Action::Enable;
            let saved = if enable {
                telemetry.enable()
            } else {
                telemetry.disable()
            };
            match saved {
                Ok(path) => {
                    let state = if enable {
                        "enabled"
                    } else {
                        "disabled; install id, key, spool, local records and log of what was sent deleted"
                    };
                    format!("telemetry {state} ({})\n", path.display())
                }
                Err(e) => return cannot_save(telemetry, &e),
            }
        }
    };
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => 0,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            let _ = writeln!(io::stderr().lock(), "{}: {e}", telemetry.tool());
            1
        }
    }
}

fn cannot_save(telemetry: &Telemetry, e: &io::Error) -> i32 {
    let _ = writeln!(
        io::stderr().lock(),
        "{}: cannot save the telemetry setting: {e}",
        telemetry.tool()
    );
    1
}

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
