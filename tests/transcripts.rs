//! The transcripts beside the example (`examples/taskr/transcripts/*.md`) are run as
//! tests with trycmd, each in a fresh home, so the documented sessions stay true.

use std::path::Path;

fn case(file: &str, env: &[(&str, &str)]) {
    let home = tempfile::tempdir().unwrap();
    let work = home.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let cases = trycmd::TestCases::new();
    cases
        .register_bin(
            "taskr",
            Path::new(env!("CARGO_BIN_EXE_taskr")).to_path_buf(),
        )
        .env("HOME", home.path().display().to_string())
        .env(
            "XDG_CONFIG_HOME",
            home.path().join(".config").display().to_string(),
        )
        .env(
            "XDG_STATE_HOME",
            home.path().join(".local/state").display().to_string(),
        )
        .env("TASKR_FILE", work.join("taskr.tasks").display().to_string())
        // A port nothing listens on: the transcripts never depend on a collector.
        .env("TASKR_TELEMETRY_ENDPOINT", "http://127.0.0.1:9")
        .insert_var("[HOME]", home.path().display().to_string())
        .unwrap();
    // Opt-out variables the developer's shell may carry, set to a false word ("not set").
    for k in [
        "DO_NOT_TRACK",
        "TASKR_TELEMETRY_OPTOUT",
        "TASKR_TELEMETRY_DEBUG",
        "TASKR_TELEMETRY_POLICY_FILE",
    ] {
        cases.env(k, "0");
    }
    for (k, v) in env {
        cases.env(*k, *v);
    }
    cases.case(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("transcripts")
            .join(file),
    );
}

#[test]
fn first_run_status_and_disable() {
    case("first-run.md", &[]);
}

#[test]
fn print_mode() {
    case("print-mode.md", &[("TASKR_TELEMETRY_DEBUG", "1")]);
}

#[test]
fn data_manifest() {
    case("show.md", &[]);
}
