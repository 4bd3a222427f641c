//! The telemetry flag and subcommand every consentry tool offers, as clap definitions.
//! What they do (consent state, printing the payload) is consentry's; this only adds
//! them to the command line and says which was chosen.

use clap::{Arg, ArgAction, ArgMatches, Command};

/// The id and long name of the global flag that turns telemetry off for one run:
/// `--disable-telemetry`.
pub const DISABLE_TELEMETRY: &str = "disable-telemetry";

/// The name of the telemetry subcommand: `<tool> telemetry status|enable|disable|show`.
pub const TELEMETRY: &str = "telemetry";

/// How the telemetry commands appear on the tool's command line. The author chooses:
/// a word the tool's own arguments could take must not be taken from them.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Shape {
    /// A `telemetry` subcommand: `<tool> telemetry status|enable|disable|show`. For
    /// tools with subcommands (clap adds its `help` subcommand too). In a tool with
    /// positional arguments it would take `<tool> telemetry` and `<tool> <pattern>
    /// telemetry` from them: use [`Shape::Option`] there.
    #[default]
    Subcommand,
    /// An option `--telemetry <status|enable|disable|show>`, given alone. For tools
    /// with positional arguments: every word of their command line stays theirs.
    Option,
}

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
    /// `telemetry local`: record runs on this machine only, never upload them.
    Local,
}

const ACTIONS: [(&str, TelemetryAction, &str); 5] = [
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
    (
        "local",
        TelemetryAction::Local,
        "Record runs on this machine only and never upload them",
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
    augment_with(cmd, Shape::Subcommand)
}

/// Adds the global `--disable-telemetry` flag and the telemetry commands in the
/// [`Shape`] the author chose.
pub fn augment_with(cmd: Command, shape: Shape) -> Command {
    let flag = Arg::new(DISABLE_TELEMETRY)
        .long(DISABLE_TELEMETRY)
        .global(true)
        .action(ArgAction::SetTrue)
        .help("Send no telemetry for this run");
    let about = "See or change what is sent about the use of this tool";
    match shape {
        Shape::Subcommand => {
            let actions = ACTIONS
                .iter()
                .map(|(name, _, about)| Command::new(*name).about(*about));
            cmd.arg(flag)
                .subcommand(Command::new(TELEMETRY).about(about).subcommands(actions))
        }
        Shape::Option => {
            let values = ACTIONS
                .iter()
                .map(|(name, _, help)| clap::builder::PossibleValue::new(*name).help(*help));
            cmd.arg(flag).arg(
                Arg::new(TELEMETRY)
                    .long(TELEMETRY)
                    .value_name("ACTION")
                    .value_parser(clap::builder::PossibleValuesParser::new(values))
                    // Alone: the tool's required arguments are not asked for.
                    .exclusive(true)
                    .help(about),
            )
        }
    }
}

/// The telemetry action chosen, when the command line was `<tool> telemetry ...` or
/// `<tool> --telemetry <action>`.
pub fn telemetry_action(matches: &ArgMatches) -> Option<TelemetryAction> {
    if let Ok(Some(name)) = matches.try_get_one::<String>(TELEMETRY) {
        return ACTIONS
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, action, _)| *action);
    }
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
