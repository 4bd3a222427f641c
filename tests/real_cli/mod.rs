//! Real CLIs wired with consentry-clap's one call: taskr (subcommands) and greppy (a
//! grep with positional arguments), run as child processes in private homes.
//!
//! Print mode (`<TOOL>_TELEMETRY_DEBUG=1`) shows the exact request a run makes, so
//! these tests read what would be sent without a collector; the last one sends to a
//! real collector and counts spans against runs.

use crate::support;
#[cfg(unix)]
mod ctrl_c;
mod runr;
mod tally;
mod tool;
mod uploader_entry;

use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use support::{Collector, CollectorKind, Span, attr_i64, attr_str};
use tool::{Tool, greppy_bin};

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
    // The transparency commands, in the option form.
    let view = g.run(&["--telemetry", "view-json"]);
    assert_eq!(view.status.code(), Some(0), "{view:?}");
    let v: serde_json::Value = serde_json::from_str(&stdout(&view)).expect("JSON");
    assert!(v["runs"].is_u64(), "{v}");
    let log = g.run(&["--telemetry", "log"]);
    assert!(stdout(&log).starts_with("# What greppy sent"), "{log:?}");
    assert!(
        g.run(&["--telemetry", "view", "--json"]).status.code() == Some(2),
        "the option is given alone: JSON is `view-json`"
    );
    // The notice names the option form.
    let fresh = Tool::fresh(greppy_bin().to_owned(), "GREPPY");
    let (_, shown) = support::pty::on_terminal(&fresh.command(&["x"]));
    assert!(shown.contains("`greppy --telemetry disable`"), "{shown}");
}

#[test]
fn an_option_the_environment_fills_never_refuses_the_telemetry_option() {
    let g = Tool::greppy();
    // greppy's `--color` is env-backed (`#[arg(env = "GREPPY_COLOR")]`): clap counts
    // it as given, and `--telemetry` is given alone.
    let color = [("GREPPY_COLOR", "always")];
    for args in [&["--telemetry", "status"][..], &["--telemetry=status"]] {
        let out = g.run_with(args, &color);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {out:?}");
        assert!(stdout(&out).starts_with("telemetry: enabled"), "{out:?}");
    }
    let disable = g.run_with(&["--telemetry", "disable"], &color);
    assert_eq!(disable.status.code(), Some(0), "{disable:?}");
    assert!(
        stdout(&disable).starts_with("telemetry disabled"),
        "{disable:?}"
    );
    let status = g.run_with(&["--telemetry", "status"], &color);
    assert!(
        stdout(&status).starts_with("telemetry: disabled"),
        "{status:?}"
    );
    // The variable still works for a search, and words on the command line still
    // make the option not alone.
    let search = g.run_with(&["alpha", "notes"], &color);
    assert_eq!(stdout(&search), "\x1b[1malpha\x1b[0m\n");
    let mixed = g.run_with(&["--telemetry", "status", "--color", "never"], &color);
    assert_eq!(mixed.status.code(), Some(2), "{mixed:?}");
    // A value that is not an action gets clap's own message.
    let bad = g.run_with(&["--telemetry", "stat"], &color);
    assert_eq!(bad.status.code(), Some(2), "{bad:?}");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("invalid value 'stat'"));
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
        (&t, &["telemetry", "log"]),
        (&t, &["telemetry", "view", "--json"]),
        (&g, &["--telemetry", "log-json"]),
        (&g, &["--telemetry", "view"]),
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
    // The marker's final name, not the temporary file it is written as: a kill between
    // the two leaves no marker.
    let written = || {
        std::fs::read_dir(g.runs_dir()).is_ok_and(|d| {
            d.flatten()
                .any(|e| e.path().extension().is_some_and(|x| x == "run"))
        })
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while !written() {
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

#[test]
fn after_telemetry_enable_the_next_run_sends() {
    let g = Tool::fresh(greppy_bin().to_owned(), "GREPPY");
    std::fs::write(g.work().join("notes"), "alpha\n").unwrap();
    let enable = g.run(&["--telemetry", "enable"]);
    assert_eq!(enable.status.code(), Some(0));
    assert!(stdout(&enable).starts_with("telemetry enabled"));
    // The notice is shown by the enable command itself...
    assert!(String::from_utf8_lossy(&enable.stderr).starts_with("Telemetry\n---------\n"));
    // ...so the next run records instead of showing it again.
    let (out, spans) = g.printed(&["alpha", "notes"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(spans.len(), 1, "{}", String::from_utf8_lossy(&out.stderr));
}
