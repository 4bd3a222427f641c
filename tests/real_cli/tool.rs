//! The two real CLIs as child processes in private homes, and what print mode shows.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use crate::support::{self, Span};

/// greppy is another package: built once here, into the same target dir.
pub(crate) fn greppy_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| cargo_build(&["-p", "greppy"], "greppy"))
}

/// runr (a command runner whose recipes take the rest of the line): built once here.
pub(crate) fn runr_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| cargo_build(&["-p", "runr"], "runr"))
}

/// tally (its own lexopt parser, no clap): built once here.
pub(crate) fn tally_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| cargo_build(&["-p", "tally"], "tally"))
}

/// consentry's `sighost` example (a tool that handles Ctrl-C itself), built once here.
pub(crate) fn sighost_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        cargo_build(
            &["-p", "consentry", "--example", "sighost"],
            "examples/sighost",
        )
    })
}

/// Builds `what` in the profile and target dir of this test binary; returns `file`
/// (plus the platform's executable suffix) in that dir.
fn cargo_build(what: &[&str], file: &str) -> PathBuf {
    let taskr = PathBuf::from(env!("CARGO_BIN_EXE_taskr"));
    let dir = taskr.parent().expect("target dir");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut build = Command::new(cargo);
    build.args(["build", "-q"]).args(what);
    if dir.ends_with("release") {
        build.arg("--release");
    }
    let status = build.status().expect("run cargo build");
    assert!(status.success(), "cargo build {what:?} failed");
    dir.join(format!("{file}{}", std::env::consts::EXE_SUFFIX))
}

/// One tool in a private home, past its first run on a terminal (which shows the
/// notice and sends nothing), sending to a port nothing listens on unless told otherwise.
pub(crate) struct Tool {
    bin: PathBuf,
    prefix: &'static str,
    home: tempfile::TempDir,
    pub(crate) envs: Vec<(String, String)>,
}

impl Tool {
    pub(crate) fn taskr() -> Tool {
        Tool::fresh(PathBuf::from(env!("CARGO_BIN_EXE_taskr")), "TASKR").primed(&["list"])
    }

    pub(crate) fn greppy() -> Tool {
        let t = Tool::fresh(greppy_bin().to_owned(), "GREPPY");
        std::fs::write(t.work().join("notes"), "alpha\n").unwrap();
        t.primed(&["alpha", "notes"])
    }

    /// runr with a Runfile: `deploy` runs `true`, `inner` runs runr's `leaf`.
    pub(crate) fn runr() -> Tool {
        let t = Tool::fresh(runr_bin().to_owned(), "RUNR");
        std::fs::write(
            t.work().join("Runfile"),
            "deploy: true\ninner: runr leaf\nleaf: true\n",
        )
        .unwrap();
        t.primed(&["deploy"])
    }

    /// tally with a file `notes` (2 lines, 5 words).
    pub(crate) fn tally() -> Tool {
        let t = Tool::fresh(tally_bin().to_owned(), "TALLY");
        std::fs::write(t.work().join("notes"), "a b c\nd e\n").unwrap();
        t.primed(&["notes"])
    }

    pub(crate) fn fresh(bin: PathBuf, prefix: &'static str) -> Tool {
        Tool {
            bin,
            prefix,
            home: tempfile::tempdir().expect("home"),
            envs: vec![(
                format!("{prefix}_TELEMETRY_ENDPOINT"),
                "http://127.0.0.1:9".into(),
            )],
        }
    }

    /// Past the notice: a first run on a terminal showed it.
    pub(crate) fn primed(self, args: &[&str]) -> Tool {
        let (_, shown) = support::pty::on_terminal(&self.command(args));
        assert!(shown.starts_with("Telemetry\n---------\n"), "{shown}");
        self
    }

    pub(crate) fn work(&self) -> PathBuf {
        let d = self.home.path().join("work");
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    pub(crate) fn runs_dir(&self) -> PathBuf {
        let tool = self.prefix.to_lowercase();
        self.home
            .path()
            .join(format!("state/{tool}/telemetry-runs"))
    }

    pub(crate) fn command(&self, args: &[&str]) -> Command {
        self.through(&[], args)
    }

    /// The tool started by `launcher` (a program and its first arguments, e.g. `env
    /// --default-signal=INT`), which gets the tool's path and `args` after its own.
    pub(crate) fn through(&self, launcher: &[&str], args: &[&str]) -> Command {
        let mut c = match launcher.split_first() {
            Some((program, first)) => {
                let mut c = Command::new(program);
                c.args(first).arg(&self.bin);
                c
            }
            None => Command::new(&self.bin),
        };
        c.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("XDG_CONFIG_HOME", self.home.path().join("config"))
            .env("XDG_STATE_HOME", self.home.path().join("state"))
            .env("TASKR_FILE", self.work().join("tasks"))
            .current_dir(self.work())
            .stdin(Stdio::null());
        for (k, v) in &self.envs {
            c.env(k, v);
        }
        c
    }

    pub(crate) fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run the tool")
    }

    pub(crate) fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut c = self.command(args);
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().expect("run the tool")
    }

    /// A run in print mode and the spans it would have sent.
    pub(crate) fn printed(&self, args: &[&str]) -> (Output, Vec<Span>) {
        let debug = format!("{}_TELEMETRY_DEBUG", self.prefix);
        let out = self.run_with(args, &[(&debug, "1")]);
        (
            out.clone(),
            printed_spans(&String::from_utf8_lossy(&out.stderr)),
        )
    }
}

/// The spans in print mode's stderr (`<tool> telemetry (print mode, nothing sent):`
/// followed by the request as pretty JSON).
pub(crate) fn printed_spans(stderr: &str) -> Vec<Span> {
    let Some(start) = stderr.find("(print mode, nothing sent):\n") else {
        return Vec::new();
    };
    let json = &stderr[start..];
    let json = &json[json.find('\n').unwrap() + 1..];
    let mut stream = serde_json::Deserializer::from_str(json).into_iter::<serde_json::Value>();
    let value = stream.next().expect("a request").expect("valid JSON");
    support::otlp::parse_lines(value.to_string().as_bytes())
}
