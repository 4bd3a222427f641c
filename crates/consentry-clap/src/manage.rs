//! What the telemetry commands do: consentry's [`run_action`](consentry::cli::run_action),
//! shared with tools that parse their own command line.

use consentry::Telemetry;

use crate::TelemetryAction;

/// Carries out `action` and returns the exit code. Managing telemetry records
/// nothing: disabling must not send a beacon.
///
/// Output goes to stdout; a reader that went away (`<tool> telemetry status | head
/// -0`) is not an error, as with any well-behaved CLI: the exit code stays 0.
pub fn run_action(telemetry: &Telemetry, action: TelemetryAction) -> i32 {
    consentry::cli::run_action(telemetry, action)
}
