//! An opted-out run makes no socket, no connection, no thread, and writes nothing in
//! the config dir: checked by tracing every system call of the process with strace.

use crate::support;

use std::path::Path;
use std::process::Command;

use support::taskr::run_command;
use support::{Taskr, Transport};

struct Trace {
    lines: Vec<String>,
}

impl Trace {
    fn run(user: &Taskr, args: &[&str]) -> Trace {
        let log = user.home().join("strace.log");
        let inner = user.command(args);
        let mut c = Command::new("strace");
        c.args(["-f", "-qq", "-e", "trace=%network,%file,%process", "-o"])
            .arg(&log)
            .arg(inner.get_program());
        c.args(inner.get_args());
        c.env_clear();
        for (k, v) in inner.get_envs() {
            if let Some(v) = v {
                c.env(k, v);
            }
        }
        if let Some(d) = inner.get_current_dir() {
            c.current_dir(d);
        }
        let out = run_command(c);
        assert_eq!(
            out.code,
            Some(0),
            "strace is required (Debian package strace): {out:?}"
        );
        assert_eq!(out.stdout, "added task 1\n", "{out:?}");
        assert!(!out.stderr.contains("strace:"), "{out:?}");
        let text = std::fs::read_to_string(&log).expect("strace log");
        Trace {
            lines: text.lines().map(str::to_owned).collect(),
        }
    }

    fn calls(&self, names: &[&str]) -> Vec<&String> {
        self.lines
            .iter()
            .filter(|l| {
                let call = l
                    .split_once(' ')
                    .map_or(l.as_str(), |(_, rest)| rest)
                    .trim_start();
                names.iter().any(|n| call.starts_with(&format!("{n}(")))
            })
            .collect()
    }

    fn touching(&self, dir: &Path) -> Vec<&String> {
        let dir = dir.to_str().unwrap();
        self.lines.iter().filter(|l| l.contains(dir)).collect()
    }

    fn writes_under(&self, dir: &Path) -> Vec<&String> {
        self.touching(dir)
            .into_iter()
            .filter(|l| {
                [
                    "O_WRONLY", "O_RDWR", "O_CREAT", "mkdir", "rename", "link", "unlink",
                ]
                .iter()
                .any(|w| l.contains(w))
            })
            .collect()
    }
}

/// A user who never ran taskr, pointed at a port where a connect would show (nothing
/// listens there), with `var=value`.
fn opted_out_user(var: &str, value: &str) -> Taskr {
    let mut u = Taskr::fresh();
    u.send_nowhere().env(var, value);
    u
}

fn assert_no_network_or_thread(t: &Trace, why: &str) {
    let net = t.calls(&["socket", "connect", "sendto", "sendmsg"]);
    assert!(
        net.is_empty(),
        "{why}: network calls when opted out: {net:#?}"
    );
    let threads = t.calls(&["clone", "clone3", "fork", "vfork"]);
    assert!(
        threads.is_empty(),
        "{why}: threads or processes when opted out: {threads:#?}"
    );
}

#[test]
fn env_opt_out_touches_no_network_thread_or_config_dir() {
    for (var, value) in [
        ("DO_NOT_TRACK", "1"),
        ("TASKR_TELEMETRY_OPTOUT", "true"),
        ("DO_NOT_TRACK", ""),
    ] {
        let user = opted_out_user(var, value);
        let t = Trace::run(&user, &["add", "x"]);
        let why = format!("{var}={value:?}");
        assert_no_network_or_thread(&t, &why);
        let touched = t.touching(&user.config_home());
        assert!(
            touched.is_empty(),
            "{why}: config dir looked at: {touched:#?}"
        );
        assert!(!user.config_home().exists(), "{why}: config dir created");
    }
}

#[test]
fn flag_and_project_file_opt_out_touch_no_network_or_config_dir() {
    let user = opted_out_user("UNRELATED", "1");
    let t = Trace::run(&user, &["--disable-telemetry", "add", "x"]);
    assert_no_network_or_thread(&t, "--disable-telemetry");
    assert!(
        t.touching(&user.config_home()).is_empty(),
        "the flag decides before any file is read"
    );

    let user = opted_out_user("UNRELATED", "1");
    std::fs::write(user.work_dir().join(".telemetry"), "consent: false\n").unwrap();
    let t = Trace::run(&user, &["add", "x"]);
    assert_no_network_or_thread(&t, "project .telemetry");
    assert!(
        t.writes_under(&user.config_home()).is_empty(),
        "writes in the config dir"
    );
    assert!(!user.config_home().exists());
}

#[test]
fn settings_file_opt_out_only_reads_the_settings_file() {
    let user = opted_out_user("UNRELATED", "1");
    assert_eq!(user.run(&["telemetry", "disable"]).code, Some(0));
    let t = Trace::run(&user, &["add", "x"]);
    assert_no_network_or_thread(&t, "settings file");
    let writes = t.writes_under(&user.config_home());
    assert!(writes.is_empty(), "writes in the config dir: {writes:#?}");
    let files: Vec<_> = std::fs::read_dir(user.config_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(files, ["telemetry.toml"], "only the settings file exists");
}

#[test]
fn positive_control_an_opted_in_run_is_seen_connecting() {
    // Proves the trace would catch a breach: the same run, opted in, connects.
    let user = Taskr::sending_nowhere(Transport::Http);
    let t = Trace::run(&user, &["add", "x"]);
    assert!(
        !t.calls(&["connect"]).is_empty(),
        "strace did not see the connect of an opted-in run: {:#?}",
        t.lines
    );
    assert!(
        !t.calls(&["clone", "clone3"]).is_empty(),
        "strace did not see the export thread"
    );
    assert!(
        !t.writes_under(&user.config_home()).is_empty(),
        "install id write not seen"
    );
}

#[test]
fn a_run_before_the_notice_sends_nothing_writes_nothing_and_opens_no_socket() {
    // stderr is a pipe here: the notice is not shown, so this run is not past it.
    let user = opted_out_user("UNRELATED", "1");
    let t = Trace::run(&user, &["add", "x"]);
    assert_no_network_or_thread(&t, "run before the notice");
    assert!(
        !user.config_dir().exists(),
        "a run before the notice records nothing and makes no id"
    );
}

#[test]
fn a_run_outside_the_sample_touches_no_network_thread_or_state() {
    // Machines whose policy lowers taskr's rate to 1/2: the first install outside the
    // sample (each first run makes the key the draw derives from; 40 tries miss with
    // probability 2^-40).
    let policy_dir = tempfile::tempdir().unwrap();
    let policy = policy_dir.path().join("policy.toml");
    std::fs::write(&policy, "sample_rate = 0.5\n").unwrap();
    let user = (0..40)
        .map(|_| {
            let mut u = Taskr::sending_nowhere(Transport::Http);
            u.env("TASKR_TELEMETRY_POLICY_FILE", &policy);
            assert_eq!(u.run(&["list"]).code, Some(0));
            u
        })
        .find(|u| {
            u.run(&["telemetry", "status"])
                .stdout
                .contains("not in the sample")
        })
        .expect("an install outside the sample");
    let t = Trace::run(&user, &["add", "x"]);
    assert_no_network_or_thread(&t, "outside the sample");
    // The task file is the tool's own; telemetry writes nothing: no id, no spool, no
    // run marker.
    for dir in [user.config_home(), user.home().join(".local")] {
        let writes = t.writes_under(&dir);
        assert!(writes.is_empty(), "writes outside the sample: {writes:#?}");
    }
    assert!(!user.home().join(".local/state/taskr").exists());
}
