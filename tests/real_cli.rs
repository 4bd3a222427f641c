//! Real CLIs wired with consentry-clap's one call: taskr (subcommands) and greppy (a
//! grep with positional arguments), run as child processes in private homes.
//!
//! Print mode (`<TOOL>_TELEMETRY_DEBUG=1`) shows the exact request a run makes, so
//! these tests read what would be sent without a collector; the last one sends to a
//! real collector and counts spans against runs.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use support::{Collector, CollectorKind, Span, attr_i64, attr_str};

/// greppy is another package: built once here, into the same target dir.
fn greppy_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let taskr = PathBuf::from(env!("CARGO_BIN_EXE_taskr"));
        let dir = taskr.parent().expect("target dir");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut build = Command::new(cargo);
        build.args(["build", "-q", "-p", "greppy"]);
        if dir.ends_with("release") {
            build.arg("--release");
        }
        let status = build.status().expect("run cargo build -p greppy");
        assert!(status.success(), "cargo build -p greppy failed");
        dir.join(format!("greppy{}", std::env::consts::EXE_SUFFIX))
    })
}

/// One tool in a private home, past its first run (which shows the notice and sends
/// nothing), sending to a port nothing listens on unless told otherwise.
struct Tool {
    bin: PathBuf,
    prefix: &'static str,
    home: tempfile::TempDir,
    envs: Vec<(String, String)>,
}

impl Tool {
    fn taskr() -> Tool {
        Tool::fresh(PathBuf::from(env!("CARGO_BIN_EXE_taskr")), "TASKR").primed(&["list"])
    }

    fn greppy() -> Tool {
        let t = Tool::fresh(greppy_bin().to_owned(), "GREPPY");
        std::fs::write(t.work().join("notes"), "alpha\n").unwrap();
        t.primed(&["alpha", "notes"])
    }

    fn fresh(bin: PathBuf, prefix: &'static str) -> Tool {
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

    fn primed(self, args: &[&str]) -> Tool {
        let first = self.run(args);
        let stderr = String::from_utf8_lossy(&first.stderr);
        assert!(stderr.starts_with("Telemetry\n---------\n"), "{stderr}");
        self
    }

    fn work(&self) -> PathBuf {
        let d = self.home.path().join("work");
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn runs_dir(&self) -> PathBuf {
        let tool = self.prefix.to_lowercase();
        self.home
            .path()
            .join(format!("state/{tool}/telemetry-runs"))
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(&self.bin);
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

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run the tool")
    }

    fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut c = self.command(args);
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().expect("run the tool")
    }

    /// A run in print mode and the spans it would have sent.
    fn printed(&self, args: &[&str]) -> (Output, Vec<Span>) {
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
fn printed_spans(stderr: &str) -> Vec<Span> {
    let Some(start) = stderr.find("(print mode, nothing sent):\n") else {
        return Vec::new();
    };
    let json = &stderr[start..];
    let json = &json[json.find('\n').unwrap() + 1..];
    let mut stream = serde_json::Deserializer::from_str(json).into_iter::<serde_json::Value>();
    let value = stream.next().expect("a request").expect("valid JSON");
    support::otlp::parse_lines(value.to_string().as_bytes())
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn greppy_keeps_every_word_of_its_command_line() {
    let g = Tool::greppy();
    for (name, text) in [
        ("status", "telemetry status\n"),
        ("telemetry", "help me\n"),
        ("show", "show telemetry\n"),
    ] {
        std::fs::write(g.work().join(name), text).unwrap();
    }
    for args in [
        &["telemetry", "status"][..],
        &["help", "telemetry"],
        &["telemetry", "show", "status"],
        &["status", "telemetry"],
        &["-i", "SHOW", "show"],
    ] {
        let on = g.run(args);
        let off = g.run_with(args, &[("DO_NOT_TRACK", "1")]);
        assert_eq!(on.status.code(), off.status.code(), "{args:?}");
        assert_eq!(stdout(&on), stdout(&off), "{args:?}");
        assert!(!stdout(&on).contains("telemetry: "), "{args:?} was taken");
    }
    assert_eq!(
        stdout(&g.run(&["telemetry", "status"])),
        "telemetry status\n"
    );
    assert_eq!(stdout(&g.run(&["help", "telemetry"])), "help me\n");
}

#[test]
fn greppy_offers_the_telemetry_commands_as_an_option() {
    let g = Tool::greppy();
    let status = g.run(&["--telemetry", "status"]);
    assert_eq!(status.status.code(), Some(0));
    assert!(
        stdout(&status).starts_with("telemetry: enabled"),
        "{status:?}"
    );
    let show = g.run(&["--telemetry", "show"]);
    assert!(stdout(&show).starts_with("# What greppy sends"));
    assert!(!stdout(&show).contains("taskr"), "another tool's examples");
    // Alone only: with other arguments it is a usage error, not a search.
    assert_eq!(
        g.run(&["--telemetry", "status", "x"]).status.code(),
        Some(2)
    );
    // The notice names the option form.
    let fresh = Tool::fresh(greppy_bin().to_owned(), "GREPPY");
    let first = fresh.run(&["x"]);
    assert!(String::from_utf8_lossy(&first.stderr).contains("`greppy --telemetry disable`"));
}

#[test]
fn no_match_is_a_declared_success_and_the_root_command_has_a_name() {
    let g = Tool::greppy();
    let (out, spans) = g.printed(&["zzz", "notes"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(spans.len(), 1, "{spans:#?}");
    let s = &spans[0];
    assert_eq!(attr_i64(&s.attrs, "process.exit.code"), Some(1));
    assert_eq!(attr_str(&s.attrs, "error.type"), None);
    assert_ne!(s.status_code, 2, "no match is not an error");
    assert_eq!(
        attr_str(&s.attrs, "consentry.command").as_deref(),
        Some("(root)")
    );
    assert_eq!(attr_i64(&s.attrs, "process.args_count"), Some(3));
    assert!(attr_i64(&s.attrs, "process.pid").is_some_and(|p| p > 0));
    assert_eq!(s.args(), ["greppy", "*****", "*****"]);
    // A real error (a missing file) is one.
    let (out, spans) = g.printed(&["zzz", "missing"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        attr_str(&spans[0].attrs, "error.type").as_deref(),
        Some("2")
    );
}

#[test]
fn the_disable_flag_is_what_clap_parsed() {
    let g = Tool::greppy();
    std::fs::write(g.work().join("flags"), "--disable-telemetry\n").unwrap();
    // A pattern that reads like the flag is a pattern: the run is recorded.
    let (out, spans) = g.printed(&["-e", "--disable-telemetry", "flags"]);
    assert_eq!(stdout(&out), "--disable-telemetry\n");
    assert_eq!(spans.len(), 1, "{}", String::from_utf8_lossy(&out.stderr));
    // The flag itself, anywhere clap accepts it, opts this run out.
    let (out, spans) = g.printed(&["alpha", "notes", "--disable-telemetry"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(spans.is_empty());
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn usage_errors_are_recorded_and_keep_clap_s_message() {
    let t = Tool::taskr();
    let (out, spans) = t.printed(&["add"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("error: the following required arguments were not provided"));
    assert!(stderr.contains("Usage: taskr add"), "{stderr}");
    assert_eq!(spans.len(), 1, "{stderr}");
    assert_eq!(
        attr_str(&spans[0].attrs, "error.type").as_deref(),
        Some("usage")
    );
    assert_eq!(attr_i64(&spans[0].attrs, "process.exit.code"), Some(2));
    assert_eq!(
        attr_str(&spans[0].attrs, "consentry.command").as_deref(),
        Some("add")
    );
    // An unknown command is masked like any value.
    let (out, spans) = t.printed(&["acme-merger-plans"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(spans.len(), 1);
    assert_eq!(spans[0].args(), ["taskr", "*****"]);
    let sent = format!("{:?}", spans[0]);
    assert!(!sent.contains("acme-merger-plans"), "{sent}");
}

#[test]
fn a_closed_stdout_is_not_a_crash() {
    let t = Tool::taskr();
    let g = Tool::greppy();
    for (tool, args) in [
        (&t, &["telemetry", "status"][..]),
        (&t, &["telemetry", "show"]),
        (&g, &["--telemetry", "show"]),
    ] {
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let out = tool
            .command(args)
            .stdout(writer)
            .output()
            .expect("run the tool");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn a_killed_run_is_reported_abandoned_by_the_next() {
    let g = Tool::greppy();
    // No paths: greppy reads stdin, which stays open until it is killed.
    let mut child = g
        .command(&["alpha"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn greppy");
    let markers = || {
        std::fs::read_dir(g.runs_dir())
            .map(|d| d.count())
            .unwrap_or(0)
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while markers() == 0 {
        assert!(Instant::now() < deadline, "greppy never wrote its marker");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("kill");
    child.wait().expect("reap");
    let (out, spans) = g.printed(&["alpha", "notes"]);
    assert_eq!(out.status.code(), Some(0));
    let abandoned: Vec<&Span> = spans
        .iter()
        .filter(|s| attr_str(&s.attrs, "error.type").as_deref() == Some("abandoned"))
        .collect();
    assert_eq!(abandoned.len(), 1, "{spans:#?}");
    assert_eq!(attr_i64(&abandoned[0].attrs, "process.exit.code"), Some(-1));
    assert_eq!(abandoned[0].args(), ["greppy", "*****"]);
    assert_eq!(spans.len(), 2);
    assert_eq!(
        markers(),
        0,
        "reported markers are deleted, finished runs leave none"
    );
}

/// Against a real collector: every run made arrives as exactly one span, usage errors
/// and a killed run included.
#[test]
fn every_run_arrives_at_a_real_collector() {
    let collector = Collector::start(CollectorKind::Otelcol);
    let mut t = Tool::taskr();
    t.envs
        .push(("TASKR_TELEMETRY_ENDPOINT".into(), collector.http_endpoint()));
    let runs: [&[&str]; 5] = [
        &["add", "x"],
        &["list"],
        &["done", "9"],
        &["add"],
        &["nope"],
    ];
    for args in runs {
        t.run(args);
    }
    collector.wait_for("5 taskr runs", Duration::from_secs(20), |s| s.len() >= 5);
    // Room for a duplicate to arrive, were there one.
    std::thread::sleep(Duration::from_millis(300));
    let spans = collector.spans();
    assert_eq!(
        spans.iter().filter(|s| s.name == "taskr").count(),
        runs.len()
    );
    let usage = spans
        .iter()
        .filter(|s| attr_str(&s.attrs, "error.type").as_deref() == Some("usage"))
        .count();
    assert_eq!(usage, 2);
}
