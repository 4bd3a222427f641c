//! The `telemetry` commands a user types (`status`, `enable`, `disable`, `local`,
//! `log`, `view`, `show`, `delete`), how a tool offers them, and what each prints.

use std::io::{self, Write};

use crate::configure::builder::Telemetry;

/// How the telemetry commands appear on the tool's command line.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Manage {
    /// `<tool> telemetry [status|enable|disable|show|local|log|view|delete]` (`log --json`,
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
    /// Delete everything kept on this machine and ask the operator to erase this
    /// install's data, with a proof only this install can make.
    Delete,
}

impl Action {
    /// Every action with its name and a one-line help, for a tool's own `--help`.
    pub const ALL: [(&'static str, Action, &'static str); 8] = [
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
        (
            "delete",
            Action::Delete,
            "Delete what is kept here and ask the operator to erase this install's data",
        ),
    ];

    /// The action named `name` (`status`, `enable`, `disable`, `show`, `local`, `log`,
    /// `view`, `delete`; `log-json` and `view-json` for the JSON forms).
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
        Action::Delete => match telemetry.delete() {
            Ok(erasure) => erasure.to_string(),
            Err(e) => {
                let _ = writeln!(
                    io::stderr().lock(),
                    "{}: telemetry delete: {e}; the install id and key are kept so that \
                     `telemetry delete` can be tried again",
                    telemetry.tool()
                );
                return 1;
            }
        },
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
