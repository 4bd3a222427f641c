//! A command line that clap matches and the tool's own `FromArgMatches` refuses is a
//! usage error like any other: recorded, and printed with clap's formatting.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// The `refuse` example, built once into this target dir.
fn refuse_bin() -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "-q", "-p", "consentry-clap", "--example", "refuse"])
        .status()
        .expect("run cargo build --example refuse");
    assert!(status.success(), "cargo build --example refuse failed");
    let test = std::env::current_exe().expect("test binary path");
    // target/<profile>/deps/refused-<hash> -> target/<profile>/examples/refuse
    let profile = test.parent().and_then(|d| d.parent()).expect("target dir");
    profile.join(format!("examples/refuse{}", std::env::consts::EXE_SUFFIX))
}

fn run(bin: &PathBuf, home: &tempfile::TempDir, args: &[&str]) -> Output {
    Command::new(bin)
        .args(args)
        .env_clear()
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        // Print mode: the request on stderr, nothing sent.
        .env("REFUSE_TELEMETRY_DEBUG", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run refuse")
}

#[test]
fn a_refusal_by_the_tool_s_from_arg_matches_is_a_recorded_usage_error() {
    let bin = refuse_bin();
    let home = tempfile::tempdir().expect("home");
    // Past the notice: `telemetry enable` shows it (stderr here is a pipe, where a
    // first run would not).
    let enable = run(&bin, &home, &["telemetry", "enable"]);
    assert!(String::from_utf8_lossy(&enable.stderr).starts_with("Telemetry\n"));

    let accepted = run(&bin, &home, &["echo", "{}"]);
    assert_eq!(accepted.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&accepted.stderr);
    assert!(stderr.contains("(print mode, nothing sent)"), "{stderr}");
    assert!(!stderr.contains("\"usage\""), "{stderr}");

    let refused = run(&bin, &home, &["echo", "{}", "{}"]);
    assert_eq!(
        refused.status.code(),
        Some(2),
        "clap's exit code for a usage error"
    );
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("error: Only one placeholder allowed"),
        "{stderr}"
    );
    assert!(
        stderr.contains("(print mode, nothing sent)"),
        "recorded: {stderr}"
    );
    assert!(stderr.contains("\"usage\""), "as a usage error: {stderr}");
    assert_eq!(
        stderr.matches("\"spanId\"").count(),
        1,
        "one run, one span: {stderr}"
    );
}
