//! The telemetry flag and subcommand every consentry tool offers, as clap definitions.
//! What they do (consent state, printing the payload) is consentry's; this only adds
//! them to the command line and says which was chosen.

use clap::{Arg, ArgAction, ArgMatches, Command};

/// The id and long name of the global flag that turns telemetry off for one run:
/// `--disable-telemetry`.
pub const DISABLE_TELEMETRY: &str = "disable-telemetry";

/// The name of the telemetry subcommand: `<tool> telemetry status|enable|disable|show|local|log|view|delete`.
pub const TELEMETRY: &str = "telemetry";

/// How the telemetry commands appear on the tool's command line. The author chooses:
/// a word the tool's own arguments could take must not be taken from them.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Shape {
    /// A `telemetry` subcommand: `<tool> telemetry status|enable|disable|show|local|log|view|delete`. For
    /// tools with subcommands (clap adds its `help` subcommand too). In a tool with
    /// positional arguments it would take `<tool> telemetry` and `<tool> <pattern>
    /// telemetry` from them: use [`Shape::Option`] there.
    #[default]
    Subcommand,
    /// An option `--telemetry <status|enable|disable|show|local|log|view|delete>`, given alone. For tools
    /// with positional arguments: every word of their command line stays theirs.
    Option,
}

/// What the user asked of `<tool> telemetry`: consentry's own
/// [`Action`](consentry::cli::Action), which tools with their own parser use too.
pub use consentry::cli::Action as TelemetryAction;

/// Whether the action prints and so has a `--json` form (`log`, `view`).
fn has_json(action: TelemetryAction) -> bool {
    matches!(
        action,
        TelemetryAction::Log { .. } | TelemetryAction::View { .. }
    )
}

/// The same action with its `--json` flag set, for the actions that print.
fn as_json(action: TelemetryAction) -> TelemetryAction {
    match action {
        TelemetryAction::Log { .. } => TelemetryAction::Log { json: true },
        TelemetryAction::View { .. } => TelemetryAction::View { json: true },
        other => other,
    }
}

/// The flag of `telemetry log` and `telemetry view` (`telemetry log --json`).
const JSON: &str = "json";

const ACTIONS: [(&str, TelemetryAction, &str); 8] = TelemetryAction::ALL;

/// The option shape's values for the JSON output of `log` and `view` (the option is
/// given alone, so it cannot take a `--json` beside it).
const JSON_VALUES: [(&str, TelemetryAction, &str); 2] = [
    (
        "log-json",
        TelemetryAction::Log { json: true },
        "`log`, as JSON lines for scripts",
    ),
    (
        "view-json",
        TelemetryAction::View { json: true },
        "`view`, as JSON for scripts",
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
            let actions = ACTIONS.iter().map(|(name, action, about)| {
                let sub = Command::new(*name).about(*about);
                if has_json(*action) {
                    sub.arg(
                        Arg::new(JSON)
                            .long(JSON)
                            .action(ArgAction::SetTrue)
                            .help("Print JSON for scripts"),
                    )
                } else {
                    sub
                }
            });
            cmd.arg(flag)
                .subcommand(Command::new(TELEMETRY).about(about).subcommands(actions))
        }
        Shape::Option => {
            let json_values = JSON_VALUES
                .iter()
                .map(|(name, _, help)| clap::builder::PossibleValue::new(*name).help(*help));
            let values = ACTIONS
                .iter()
                .map(|(name, _, help)| clap::builder::PossibleValue::new(*name).help(*help))
                .chain(json_values);
            cmd.arg(flag).arg(
                Arg::new(TELEMETRY)
                    .long(TELEMETRY)
                    .value_name("ACTION")
                    .value_parser(clap::builder::PossibleValuesParser::new(values))
                    // Alone: the tool's required arguments are not asked for. `Setup`
                    // reads `--telemetry <action>` alone before clap, so an option the
                    // environment fills (`env = ..`) never makes it refuse.
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
        return TelemetryAction::from_name(name);
    }
    let (TELEMETRY, sub) = matches.subcommand()? else {
        return None;
    };
    let Some((name, args)) = sub.subcommand() else {
        return Some(TelemetryAction::Status);
    };
    let json = args
        .try_get_one::<bool>(JSON)
        .ok()
        .flatten()
        .copied()
        .unwrap_or(false);
    TelemetryAction::from_name(name).map(|a| if json { as_json(a) } else { a })
}

/// The action of a command line that is `--telemetry <action>` (or
/// `--telemetry=<action>`) and nothing else, read before clap parses it: clap counts
/// an option filled from the environment (`#[arg(env = ..)]`) as given, so with
/// `<TOOL>_COLOR=always` set the exclusive `--telemetry` would be refused. Only words
/// on the command line make it not alone. Any other command line (a value that is not
/// an action included) is left to clap, whose message and exit code the user then
/// sees.
pub(crate) fn alone_action<T: AsRef<std::ffi::OsStr>>(args: &[T]) -> Option<TelemetryAction> {
    let words: Vec<&str> = args
        .iter()
        .skip(1)
        .map(|a| a.as_ref().to_str())
        .collect::<Option<_>>()?;
    let value = match words.as_slice() {
        [flag, value] if *flag == "--telemetry" => *value,
        [both] => both.strip_prefix("--telemetry=")?,
        _ => return None,
    };
    TelemetryAction::from_name(value)
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
