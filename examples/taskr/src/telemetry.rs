//! taskr's telemetry setup: everything a CLI author writes to adopt consentry.

use std::process::ExitCode;

use consentry::Telemetry;

use crate::cli::TelemetryAction;

/// Where taskr sends telemetry unless `TASKR_TELEMETRY_ENDPOINT` says otherwise: the
/// local collector from `collector-config/local.yaml`.
const ENDPOINT: &str = "http://127.0.0.1:4318";

pub(crate) fn configure() -> Telemetry {
    Telemetry::builder("taskr")
        .with_version(env!("CARGO_PKG_VERSION"))
        .with_endpoint(ENDPOINT)
        .build()
        .expect("taskr's telemetry configuration is valid")
}

pub(crate) fn manage(telemetry: &Telemetry, action: TelemetryAction) -> ExitCode {
    match action {
        TelemetryAction::Status => {
            print!("{}", telemetry.status());
            ExitCode::SUCCESS
        }
        TelemetryAction::Enable | TelemetryAction::Disable => {
            let enable = action == TelemetryAction::Enable;
            match telemetry.set_enabled(enable) {
                Ok(path) => {
                    let state = if enable { "enabled" } else { "disabled" };
                    println!("telemetry {state} in {}", path.display());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("taskr: cannot save the telemetry setting: {e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}
