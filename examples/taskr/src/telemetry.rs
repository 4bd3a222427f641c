//! taskr's telemetry setup: everything a CLI author writes to adopt consentry.

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};
use consentry::Telemetry;
use consentry_clap::TelemetryAction;

use crate::cli::Cli;

/// Where taskr sends telemetry unless `TASKR_TELEMETRY_ENDPOINT` says otherwise: the
/// local collector from `collector-config/local.yaml`.
const ENDPOINT: &str = "http://127.0.0.1:4318";

pub(crate) fn configure() -> Telemetry {
    Telemetry::builder("taskr")
        .with_version(env!("CARGO_PKG_VERSION"))
        .with_endpoint(ENDPOINT)
        .with_docs_url("https://example.invalid/taskr/telemetry")
        .with_channel("cargo")
        .with_sources(&["vscode"])
        .with_features(&["tags"])
        .with_counts(&["tasks"])
        // Every value is masked except `--priority`, whose values clap already limits
        // to low, normal and high.
        .with_schema(consentry_clap::schema(Cli::command()))
        .build()
        .expect("taskr's telemetry configuration is valid")
}

/// Parses the command line with the `telemetry` subcommand and `--disable-telemetry`
/// flag added. `Err` carries the exit code when the run was a `telemetry` command.
pub(crate) fn parse(telemetry: &Telemetry) -> Result<Cli, ExitCode> {
    let matches = consentry_clap::augment(Cli::command()).get_matches();
    if let Some(action) = consentry_clap::telemetry_action(&matches) {
        // Managing telemetry records nothing: disabling must not send a beacon.
        return Err(manage(telemetry, action));
    }
    Cli::from_arg_matches(&matches).map_err(|e| e.exit())
}

fn manage(telemetry: &Telemetry, action: TelemetryAction) -> ExitCode {
    match action {
        TelemetryAction::Status => {
            print!("{}", telemetry.status());
            ExitCode::SUCCESS
        }
        TelemetryAction::Show => {
            print!("{}", telemetry.manifest_markdown());
            ExitCode::SUCCESS
        }
        TelemetryAction::Enable | TelemetryAction::Disable => {
            let enable = action == TelemetryAction::Enable;
            match telemetry.set_enabled(enable) {
                Ok(path) => {
                    let state = if enable {
                        "enabled"
                    } else {
                        "disabled; install id, key and spool deleted"
                    };
                    println!("telemetry {state} ({})", path.display());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("taskr: cannot save the telemetry setting: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        _ => ExitCode::FAILURE,
    }
}
