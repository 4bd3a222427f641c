//! Running the example CLI as a user would, in a private home and working dir.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::ports::Refused;

/// Transport the CLI is told to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Http,
    Grpc,
}

/// The result of one run.
#[derive(Debug)]
pub struct Outcome {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub took: Duration,
}

/// A user of taskr: a home dir, a working dir and environment of their own.
pub struct Taskr {
    pub home: tempfile::TempDir,
    envs: Vec<(String, std::ffi::OsString)>,
    /// Refused endpoints this user sends to, held as long as the user lives.
    refused: Vec<Refused>,
}

impl Taskr {
    pub fn bin() -> PathBuf {
        PathBuf::from(env!("CARGO_BIN_EXE_taskr"))
    }

    /// A user who has run taskr once on a terminal: that first run showed the notice
    /// (and sent nothing), so the runs a test makes are the ones that send.
    pub fn new() -> Taskr {
        let t = Taskr::fresh();
        let (code, shown) = super::pty::on_terminal(&t.command(&["list"]));
        assert_eq!(code, Some(0), "{shown}");
        assert!(
            shown.starts_with("Telemetry\n---------\n"),
            "a first run on a terminal shows the notice: {shown}"
        );
        t
    }

    /// A user who has never run taskr.
    pub fn fresh() -> Taskr {
        Taskr {
            home: tempfile::tempdir().expect("home"),
            envs: Vec::new(),
            refused: Vec::new(),
        }
    }

    /// A user (past the notice) whose taskr sends to `endpoint` over `transport`.
    pub fn sending_to(endpoint: &str, transport: Transport) -> Taskr {
        let mut t = Taskr::new();
        t.env("TASKR_TELEMETRY_ENDPOINT", endpoint);
        t.env(
            "TASKR_TELEMETRY_PROTOCOL",
            match transport {
                Transport::Http => "http/protobuf",
                Transport::Grpc => "grpc",
            },
        );
        t
    }

    /// A user (past the notice) whose taskr sends to a loopback port that refuses
    /// connections (held by this user, so nothing else can listen there).
    pub fn sending_nowhere(transport: Transport) -> Taskr {
        let refused = Refused::new();
        let mut t = Taskr::sending_to(&refused.url(), transport);
        t.refused.push(refused);
        t
    }

    /// Points the telemetry endpoint at a refusing port held by this user.
    pub fn send_nowhere(&mut self) -> &mut Self {
        let refused = Refused::new();
        self.env("TASKR_TELEMETRY_ENDPOINT", refused.url());
        self.refused.push(refused);
        self
    }

    pub fn env(&mut self, k: &str, v: impl AsRef<OsStr>) -> &mut Self {
        self.envs.push((k.to_owned(), v.as_ref().to_owned()));
        self
    }

    pub fn config_home(&self) -> PathBuf {
        self.home.path().join(".config")
    }

    /// taskr's config dir (settings file and install id).
    pub fn config_dir(&self) -> PathBuf {
        self.config_home().join("taskr")
    }

    pub fn work_dir(&self) -> PathBuf {
        let d = self.home.path().join("work");
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(Self::bin());
        c.args(args);
        self.user_env(&mut c);
        c
    }

    /// `sh -c script` as this user, with `$TASKR` naming the binary: for what only a
    /// shell does (`9>lockfile`, a pipe on fd 3).
    pub fn shell(&self, script: &str) -> Command {
        let mut c = Command::new("sh");
        c.arg("-c").arg(script);
        self.user_env(&mut c);
        c.env("TASKR", Self::bin());
        c
    }

    fn user_env(&self, c: &mut Command) {
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("XDG_CONFIG_HOME", self.config_home())
            .current_dir(self.work_dir())
            .stdin(Stdio::null());
        for (k, v) in &self.envs {
            c.env(k, v);
        }
    }

    pub fn run(&self, args: &[&str]) -> Outcome {
        run_command(self.command(args))
    }

    pub fn home(&self) -> &Path {
        self.home.path()
    }
}

pub fn run_command(mut c: Command) -> Outcome {
    let started = Instant::now();
    let out = c.output().expect("run taskr");
    Outcome {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        took: started.elapsed(),
    }
}

/// The user's spool dir (taskr's XDG state dir under the private home).
pub fn spool_dir(user: &Taskr) -> PathBuf {
    user.home().join(".local/state/taskr/telemetry-spool")
}

/// The requests waiting in the user's spool.
pub fn spool_files(user: &Taskr) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(spool_dir(user)) else {
        return Vec::new();
    };
    rd.filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "otlp"))
        .collect()
}

/// Holds the sender lock as a running uploader would: runs spool and start no uploader.
pub fn hold_sender_lock(user: &Taskr) -> std::fs::File {
    std::fs::create_dir_all(spool_dir(user)).unwrap();
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(spool_dir(user).join(".lock"))
        .unwrap();
    lock.try_lock().expect("sender lock free");
    lock
}
