//! Every file consentry reads is hostile, and consent belongs to the person: a
//! `.telemetry` in a parent directory that is a symlink to `/proc/self/pagemap`, a
//! 100 MB file, a FIFO, a directory, garbage or invalid YAML makes a run exactly an
//! opted-out run (exit code and stdout byte-identical, nothing recorded, no delay) and
//! `taskr telemetry status` names the problem; every YAML spelling of `consent: false`
//! opts out; `consent: true` in a project file is ignored and said to be; under
//! `ulimit -f 0` consentry's refused writes do not get the tool killed by `SIGXFSZ`.
//!
//! Whether anything would be sent is seen through print mode
//! (`TASKR_TELEMETRY_DEBUG=1`): a run that records prints its request on stderr.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use support::Taskr;
use support::taskr::{Outcome, run_command};

/// Far above a run's start-up and exit budget, far below the 10 s a hostile file cost.
const HANG: Duration = Duration::from_secs(2);

/// A user past the notice, with a task list, and a project dir `project/sub` whose
/// parent `project` is where the hostile `.telemetry` goes.
struct Setup {
    user: Taskr,
    tasks: PathBuf,
}

impl Setup {
    fn new() -> Setup {
        let mut user = Taskr::new();
        let tasks = user.home().join("tasks.txt");
        user.env("TASKR_FILE", &tasks);
        // Print mode throughout: nothing is sent anywhere, and a recording run shows.
        user.env("TASKR_TELEMETRY_DEBUG", "1");
        let added = user.run(&["add", "buy milk"]);
        assert_eq!(added.code, Some(0), "{added:?}");
        std::fs::create_dir_all(user.work_dir().join("project/sub")).unwrap();
        Setup { user, tasks }
    }

    fn project_file(&self) -> PathBuf {
        self.user.work_dir().join("project").join(".telemetry")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = self.user.command(args);
        c.current_dir(self.user.work_dir().join("project/sub"))
            .env("TASKR_FILE", &self.tasks);
        c
    }

    /// A run in the project dir, in print mode.
    fn run(&self, args: &[&str]) -> Outcome {
        run_command(self.command(args))
    }

    /// The same run opted out by `DO_NOT_TRACK`.
    fn opted_out(&self, args: &[&str]) -> Outcome {
        let mut c = self.command(args);
        c.env("DO_NOT_TRACK", "1");
        run_command(c)
    }

    fn status(&self) -> String {
        let r = run_command(self.command(&["telemetry", "status"]));
        assert_eq!(r.code, Some(0), "{r:?}");
        assert!(r.took < HANG, "status took {:?}", r.took);
        r.stdout
    }

    /// A `list` run here is an opted-out run: same exit code and stdout, nothing
    /// recorded, no slower than the budget allows.
    fn assert_opted_out(&self, why: &str) {
        let want = self.opted_out(&["list"]);
        assert_eq!(want.code, Some(0), "{want:?}");
        assert!(want.stdout.contains("buy milk"), "{want:?}");
        let got = self.run(&["list"]);
        assert_eq!(
            (got.code, got.stdout.as_str(), got.stderr.as_str()),
            (want.code, want.stdout.as_str(), ""),
            "{why}: {got:?}"
        );
        assert!(got.took < HANG, "{why}: took {:?}", got.took);
    }
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn a_recording_run_is_visible_in_print_mode() {
    // The check every other test relies on: without a project file the run records.
    let s = Setup::new();
    let r = s.run(&["list"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(r.stderr.contains("resourceSpans"), "{r:?}");
    assert!(s.status().starts_with("telemetry: enabled"));
}

#[cfg(unix)]
#[test]
fn hostile_project_files_opt_out_fast_and_status_names_them() {
    use std::os::unix::fs::symlink;
    type Make = fn(&Path);
    let cases: &[(&str, Make, &str)] = &[
        (
            "symlink to /proc/self/pagemap",
            |p| symlink("/proc/self/pagemap", p).unwrap(),
            "symlink",
        ),
        (
            "symlink to a file saying consent: false",
            |p| {
                let target = p.with_file_name("elsewhere.yml");
                write(&target, b"consent: false\n");
                symlink(target, p).unwrap();
            },
            "symlink",
        ),
        (
            "dangling symlink",
            |p| symlink(p.with_file_name("nowhere"), p).unwrap(),
            "symlink",
        ),
        (
            "symlink loop",
            |p| {
                let other = p.with_file_name("loop");
                symlink(p, &other).unwrap();
                symlink(&other, p).unwrap();
            },
            "symlink",
        ),
        (
            "100 MB file",
            |p| {
                let mut text = b"consent: true\n".to_vec();
                text.resize(100 << 20, b'#');
                write(p, &text);
            },
            "larger than",
        ),
        (
            "FIFO",
            |p| {
                let status = Command::new("mkfifo").arg(p).status().unwrap();
                assert!(status.success());
            },
            "not a regular file",
        ),
        (
            "directory",
            |p| std::fs::create_dir(p).unwrap(),
            "not a regular file",
        ),
        (
            "garbage bytes",
            |p| write(p, b"\x00\xff\xfe\x01garbage"),
            "UTF-8",
        ),
        (
            "unclosed quote",
            |p| write(p, b"consent: 'false\n"),
            "not a plain or quoted word",
        ),
        (
            "not a mapping",
            |p| write(p, b"just some words\n"),
            "not `key: value`",
        ),
        // Flow style is YAML, but not what the strict reader reads: it opts out.
        (
            "flow style",
            |p| write(p, b"{consent: true}\n"),
            "only the block style is read",
        ),
        (
            "not a boolean",
            |p| write(p, b"consent: maybe\n"),
            "true or false",
        ),
    ];
    for (why, make, reason) in cases {
        let s = Setup::new();
        make(&s.project_file());
        s.assert_opted_out(why);
        let status = s.status();
        assert!(
            status.starts_with("telemetry: disabled (decided by ")
                && status.contains(".telemetry")
                && status.contains(reason)
                && status.contains("counts as opted out"),
            "{why}: {status}"
        );
    }
}

#[test]
fn every_block_style_spelling_of_consent_false_opts_out() {
    for text in [
        "consent: false\n",
        "\"consent\": false\n",
        "'consent': false\n",
        "consent: 'false'\n",
        "\u{FEFF}consent: false\n",
        "consent: no\n",
        "consent: off\n",
        "consent: False\n",
        "---\n# kedro\nconsent: false  # thanks\n",
    ] {
        let s = Setup::new();
        write(&s.project_file(), text.as_bytes());
        s.assert_opted_out(text);
        let status = s.status();
        assert!(
            status.starts_with("telemetry: disabled (decided by project file "),
            "{text:?}: {status}"
        );
    }
}

#[test]
fn project_consent_true_is_ignored_and_status_says_so() {
    const SAID: &str = "says consent: true: ignored, a repository cannot consent for you";
    let s = Setup::new();
    write(&s.project_file(), b"consent: true\n");
    let status = s.status();
    assert!(
        status.starts_with("telemetry: enabled (decided by the tool's default"),
        "{status}"
    );
    assert!(status.contains(SAID), "{status}");

    // The person said no: a repository's yes changes nothing.
    assert_eq!(
        run_command(s.command(&["telemetry", "disable"])).code,
        Some(0)
    );
    s.assert_opted_out("user disabled, project says yes");
    let status = s.status();
    assert!(
        status.starts_with("telemetry: disabled (decided by user settings file"),
        "{status}"
    );
    assert!(status.contains(SAID), "{status}");
}

/// `cmd` run as `sh -c 'ulimit -f 0; exec taskr ...'`.
#[cfg(unix)]
fn under_ulimit_f0(cmd: Command) -> Outcome {
    let mut sh = Command::new("sh");
    sh.arg("-c")
        .arg("ulimit -f 0 && exec \"$0\" \"$@\"")
        .arg(cmd.get_program())
        .args(cmd.get_args());
    sh.env_clear();
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            sh.env(k, v);
        }
    }
    if let Some(dir) = cmd.get_current_dir() {
        sh.current_dir(dir);
    }
    run_command(sh)
}

#[cfg(unix)]
#[test]
fn ulimit_f_0_refuses_consentry_writes_instead_of_killing_the_tool() {
    // A user who never ran taskr: the notice cannot be recorded, so it is not shown
    // and nothing is recorded; the run is the opted-out run.
    let mut fresh = Taskr::fresh();
    let tasks = fresh.home().join("tasks.txt");
    write(&tasks, b"");
    fresh.env("TASKR_FILE", &tasks);
    let mut opted_out = fresh.command(&["list"]);
    opted_out.env("DO_NOT_TRACK", "1");
    let want = run_command(opted_out);
    let mut cmd = fresh.command(&["list"]);
    cmd.env("TASKR_TELEMETRY_DEBUG", "1");
    let got = under_ulimit_f0(cmd);
    assert_eq!(
        (got.code, got.stdout.as_str(), got.stderr.as_str()),
        (want.code, want.stdout.as_str(), ""),
        "{got:?}"
    );
    assert!(
        !fresh.config_dir().join("telemetry.toml").exists(),
        "nothing written"
    );

    // A user past the notice: the install id and key cannot be written; the run
    // records without them and keeps its exit code and stdout.
    let s = Setup::new();
    std::fs::remove_file(s.user.config_dir().join("telemetry-install-id")).ok();
    std::fs::remove_file(s.user.config_dir().join("telemetry-key")).ok();
    let want = s.opted_out(&["list"]);
    let got = under_ulimit_f0(s.command(&["list"]));
    assert_eq!(
        (got.code, &got.stdout),
        (want.code, &want.stdout),
        "{got:?}"
    );
    assert!(got.stderr.contains("resourceSpans"), "{got:?}");
    assert!(!s.user.config_dir().join("telemetry-install-id").exists());

    // A run that really sends (print mode off): its run marker and its spool write are
    // refused as well, and it still keeps its exit code and stdout.
    let refused = support::ports::Refused::new();
    let mut cmd = s.command(&["list"]);
    cmd.env_remove("TASKR_TELEMETRY_DEBUG")
        .env("TASKR_TELEMETRY_ENDPOINT", refused.url());
    let got = under_ulimit_f0(cmd);
    assert_eq!(
        (got.code, &got.stdout, got.stderr.as_str()),
        (want.code, &want.stdout, ""),
        "{got:?}"
    );

    // Writing the settings file is refused with an error, not a signal.
    let got = under_ulimit_f0(s.command(&["telemetry", "disable"]));
    assert!(matches!(got.code, Some(c) if c != 0 && c != 153), "{got:?}");
    assert!(s.status().starts_with("telemetry: enabled"));
    assert!(!s.status().contains("file size limit"), "no limit, no line");

    // `telemetry status` under the same limit says why nothing is written.
    let got = under_ulimit_f0(s.command(&["telemetry", "status"]));
    assert!(
        got.stdout
            .contains("file size limit (ulimit -f): 0 bytes; settings, ids and requests"),
        "{got:?}"
    );
}
