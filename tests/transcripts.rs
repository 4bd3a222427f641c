//! The transcripts beside the example (`examples/taskr/transcripts/*.md`) are run as
//! tests with trycmd, each in a fresh home, so the documented sessions stay true.

use std::path::Path;

use crate::support::ports::Refused;

fn case(file: &str, env: &[(&str, &str)]) {
    let home = tempfile::tempdir().unwrap();
    let work = home.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    // Nothing listens at the endpoint: the transcripts never depend on a collector. The
    // port is held (bound, never listening) until the cases, which run when `cases` is
    // dropped, are done; declared first, it is dropped last.
    let refused = Refused::new();
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
        .env("TASKR_TELEMETRY_ENDPOINT", refused.url())
        .insert_var("[HOME]", home.path().display().to_string())
        .unwrap()
        .insert_var("[ENDPOINT]", refused.url())
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
