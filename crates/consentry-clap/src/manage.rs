//! What the telemetry commands do: consentry's [`run_action`](consentry::cli::run_action),
//! shared with tools that parse their own command line.

use consentry::Telemetry;
use consentry::cli::Action;

use crate::TelemetryAction;

/// Carries out `action` and returns the exit code. Managing telemetry records
/// nothing: disabling must not send a beacon.
///
/// Output goes to stdout; a reader that went away (`<tool> telemetry status | head
/// -0`) is not an error, as with any well-behaved CLI: the exit code stays 0.
pub fn run_action(telemetry: &Telemetry, action: TelemetryAction) -> i32 {
    let action = match action {
        TelemetryAction::Status => Action::Status,
        TelemetryAction::Enable => Action::Enable,
        TelemetryAction::Disable => Action::Disable,
        TelemetryAction::Show => Action::Show,
        TelemetryAction::Local => Action::Local,
        TelemetryAction::Log { json } => Action::Log { json },
        TelemetryAction::View { json } => Action::View { json },
    };
    consentry::cli::run_action(telemetry, action)
}
