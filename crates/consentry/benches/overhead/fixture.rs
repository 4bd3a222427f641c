//! The configuration and users every group shares: taskr's schema and command line,
//! and guards for an opted-in and an opted-out user.

use std::ffi::OsString;
use std::path::Path;

use consentry::integration::{CommandSpec, Opt, Param, Policy, Schema};
use consentry::{Telemetry, TelemetryGuard};

/// taskr's command tree, declared by hand as `consentry-clap` derives it.
pub(crate) fn taskr_schema() -> Schema {
    Schema::new("taskr")
        .option(Opt::long("file").value(Policy::NameOnly).global())
        .subcommand(
            CommandSpec::new("add")
                .positional(Param::new("title"))
                .option(
                    Opt::long("priority")
                        .short('p')
                        .value(Policy::allow(["low", "normal", "high"])),
                )
                .option(Opt::long("tag").short('t').value(Policy::NameOnly)),
        )
        .subcommand(CommandSpec::new("list").option(Opt::long("all").short('a')))
        .subcommand(CommandSpec::new("done").positional(Param::new("id")))
}

/// A realistic command line: a free-text title, an allowed value, repeated options,
/// `--opt=value`, a path under the home dir.
pub(crate) fn taskr_args() -> Vec<OsString> {
    [
        "--file",
        "/home/alice/projects/acme/tasks.txt",
        "add",
        "call alice@example.com about the contract renewal",
        "--priority",
        "high",
        "-t",
        "work",
        "--tag=customer",
        "-t",
        "q3",
    ]
    .iter()
    .map(OsString::from)
    .collect()
}

fn telemetry(dir: &Path) -> Telemetry {
    builder(dir)
        .with_schema(taskr_schema())
        .build()
        .expect("valid bench configuration")
}

/// The bench configuration without a schema.
pub(crate) fn builder(dir: &Path) -> consentry::TelemetryBuilder {
    Telemetry::builder("consentry-bench")
        .with_version("0.0.0")
        .with_config_dir(dir.join("config"))
        .with_spool_dir(dir.join("spool"))
        .with_counts(&["tasks"])
        .with_project_file(false)
        .with_disabled_in_ci(false)
        .with_uploader(false)
        .with_panic_hook(false)
}

/// Guards for an opted-in and an opted-out user, each in a directory of its own.
pub(crate) struct Users {
    _dir: tempfile::TempDir,
    on: Telemetry,
    off: Telemetry,
    pub(crate) on_dir: std::path::PathBuf,
    pub(crate) off_dir: std::path::PathBuf,
}

impl Users {
    pub(crate) fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let (on_dir, off_dir) = (dir.path().join("on"), dir.path().join("off"));
        let on = telemetry(&on_dir);
        // Past the notice (shown only on a terminal; `telemetry enable` shows and
        // records it wherever stderr goes): every run records.
        on.enable().expect("settings file");
        let off = telemetry(&off_dir);
        off.disable().expect("settings file");
        let users = Users {
            _dir: dir,
            on,
            off,
            on_dir,
            off_dir,
        };
        assert!(
            users.guard(true).is_enabled(),
            "opted-in guard is not recording (DO_NOT_TRACK set?)"
        );
        assert!(
            !users.guard(false).is_enabled(),
            "opted-out guard is recording"
        );
        users
    }

    pub(crate) fn guard(&self, opted_in: bool) -> TelemetryGuard {
        if opted_in {
            self.on.clone().init()
        } else {
            self.off.clone().init()
        }
    }
}
