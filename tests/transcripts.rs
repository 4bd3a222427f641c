//! The transcripts beside the example (`examples/taskr/transcripts/*.md`) are run as
//! tests with trycmd, each in a fresh home, so the documented sessions stay true.
//!
//! trycmd passes its own environment on to the commands it runs, and a transcript
//! shows what a user at a terminal sees: a CI system's variables (`CI`,
//! `GITHUB_ACTIONS`...) or a coding agent's would change what taskr sends (a shared CI
//! id, no erasure commitment, `consentry.agent`). So each case runs in a copy of this
//! test binary started with an empty environment, where the only variables are the
//! ones set here.

use std::path::Path;
use std::process::Command;

use crate::support::ports::Refused;

/// Set in the copy of the test binary that runs the cases.
const INNER: &str = "CONSENTRY_TRANSCRIPT_INNER";

/// Variables the copy keeps: trycmd's own switches (`TRYCMD=overwrite` to update a
/// transcript, `TRYCMD=dump`) and what a failure report needs.
const KEPT: &[&str] = &["TRYCMD", "RUST_BACKTRACE", "PATH"];

/// Runs `test` (this module's test of that name) in a copy of the test binary with an
/// empty environment; true when this is that copy, and the case should run here.
fn in_clean_environment(test: &str) -> bool {
    if std::env::var_os(INNER).is_some() {
        return true;
    }
    let mut copy = Command::new(std::env::current_exe().expect("the test binary"));
    copy.args([&format!("transcripts::{test}"), "--exact", "--nocapture"])
        .env_clear()
        .env(INNER, "1");
    for k in KEPT {
        if let Some(v) = std::env::var_os(k) {
            copy.env(k, v);
        }
    }
    let out = copy.output().expect("start the test binary");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "transcript {test} failed:\n{text}");
    // `--exact` with a name that matched nothing would pass with no test run.
    assert!(
        text.contains("1 passed"),
        "transcript {test} did not run:\n{text}"
    );
    false
}

fn case(test: &str, file: &str, env: &[(&str, &str)]) {
    if !in_clean_environment(test) {
        return;
    }
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
    case("first_run_status_and_disable", "first-run.md", &[]);
}

#[test]
fn print_mode() {
    case(
        "print_mode",
        "print-mode.md",
        &[("TASKR_TELEMETRY_DEBUG", "1")],
    );
}

#[test]
fn data_manifest() {
    case("data_manifest", "show.md", &[]);
}
