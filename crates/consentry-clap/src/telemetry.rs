//! The telemetry flag and subcommand every consentry tool offers, as clap definitions.
//! What they do (consent state, printing the payload) is consentry's; this only adds
//! them to the command line and says which was chosen.

use clap::{Arg, ArgAction, ArgMatches, Command};

/// The id and long name of the global flag that turns telemetry off for one run:
/// `--disable-telemetry`.
pub const DISABLE_TELEMETRY: &str = "disable-telemetry";

/// The name of the telemetry subcommand: `<tool> telemetry status|enable|disable|show`.
pub const TELEMETRY: &str = "telemetry";

/// What the user asked of `<tool> telemetry`.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TelemetryAction {
    /// `telemetry status` (or `telemetry` alone): whether telemetry is on, and which
    /// setting decided it.
    Status,
    /// `telemetry enable`: turn it on in the user settings file.
    Enable,
    /// `telemetry disable`: turn it off in the user settings file.
    Disable,
    /// `telemetry show`: print what would be sent, and send nothing.
    Show,
}

const ACTIONS: [(&str, TelemetryAction, &str); 4] = [
    (
        "status",
        TelemetryAction::Status,
        "Show whether telemetry is on and which setting decided it",
    ),
    (
        "enable",
        TelemetryAction::Enable,
        "Turn telemetry on in the user settings file",
    ),
    (
        "disable",
        TelemetryAction::Disable,
        "Turn telemetry off in the user settings file and delete the install id",
    ),
    (
        "show",
        TelemetryAction::Show,
        "Print what would be sent about this run, and send nothing",
    ),
];

/// Adds a global `--disable-telemetry` flag and a `telemetry` subcommand with
/// `status`, `enable`, `disable` and `show`. The tool must not define either itself
/// (clap refuses duplicate names).
///
/// With clap's derive, augment `Cli::command()`, parse with it, and check
/// [`telemetry_action`] before `Cli::from_arg_matches`, which does not know the
/// `telemetry` subcommand.
pub fn augment(cmd: Command) -> Command {
    let flag = Arg::new(DISABLE_TELEMETRY)
        .long(DISABLE_TELEMETRY)
        .global(true)
        .action(ArgAction::SetTrue)
        .help("Send no telemetry for this run");
    let actions = ACTIONS
        .iter()
        .map(|(name, _, about)| Command::new(*name).about(*about));
    cmd.arg(flag).subcommand(
        Command::new(TELEMETRY)
            .about("See or change what is sent about the use of this tool")
            .subcommands(actions),
    )
}

/// The telemetry action chosen, when the command line was `<tool> telemetry ...`.
pub fn telemetry_action(matches: &ArgMatches) -> Option<TelemetryAction> {
    let (TELEMETRY, sub) = matches.subcommand()? else {
        return None;
    };
    let Some(name) = sub.subcommand_name() else {
        return Some(TelemetryAction::Status);
    };
    ACTIONS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, action, _)| *action)
}

/// Whether `--disable-telemetry` was given, before or after any subcommand. False when
/// the command was not [augmented](augment).
pub fn disable_flag(matches: &ArgMatches) -> bool {
    let mut level = Some(matches);
    while let Some(m) = level {
        if m.try_get_one::<bool>(DISABLE_TELEMETRY)
            .ok()
            .flatten()
            .copied()
            .unwrap_or(false)
        {
            return true;
        }
        level = m.subcommand().map(|(_, sub)| sub);
    }
    false
}
