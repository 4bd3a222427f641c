//! taskr's telemetry: what it declares, and what it says about each run.

use consentry::declared::Field;
use consentry::{CommandRun, Telemetry, TelemetryBuilder};

use crate::cli::{Cli, Command};

/// Where taskr sends telemetry unless `TASKR_TELEMETRY_ENDPOINT` says otherwise: the
/// local collector from `collector-config/local.yaml`.
const ENDPOINT: &str = "http://127.0.0.1:4318";

pub(crate) fn config() -> TelemetryBuilder {
    Telemetry::builder("taskr")
        .with_version(env!("CARGO_PKG_VERSION"))
        .with_endpoint(ENDPOINT)
        .with_docs_url("https://example.invalid/taskr/telemetry")
        .with_channel("cargo")
        .with_sources(&["vscode"])
        .with_features(&["tags"])
        .with_counts(&["tasks"])
        // A phase of `done`: how long rewriting the list takes, and how many tasks it holds.
        .with_span("rewrite", &[Field::number("tasks")])
        // The integration tests run debug builds of taskr and check what it sends; a
        // tool's own debug builds would normally stay quiet (the default).
        .with_debug_builds(true)
}

/// The project (keyed hash of the task file's path), the features used and the size
/// of the list: what taskr adds to its command span.
pub(crate) fn describe(run: &CommandRun<'_>, cli: &Cli) {
    let file = std::path::absolute(&cli.file).unwrap_or_else(|_| cli.file.clone());
    run.project_id(&file.to_string_lossy());
    if let Command::Add { tags, .. } = &cli.command
        && !tags.is_empty()
    {
        run.feature("tags");
    }
    if let Ok(n) = crate::store::count(&cli.file) {
        run.count("tasks", n);
    }
}
