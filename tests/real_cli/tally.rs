//! tally: a tool with its own parser (lexopt), wired with `consentry::cli::Cli` and a
//! flag-table schema.

use std::process::Output;
use std::time::Duration;

use super::tool::Tool;
use crate::support::{Collector, CollectorKind, attr_str, attr_strings};

const MASK: &str = "*****";

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn the_flag_table_masks_as_tally_parses() {
    let t = Tool::tally();
    let (out, spans) = t.printed(&[
        "-l",
        "--no-ignore-case",
        "--max-line-length",
        "80",
        "--color=never",
        "notes",
    ]);
    assert_eq!(stdout(&out), "2\n");
    assert_eq!(spans.len(), 1, "{}", String::from_utf8_lossy(&out.stderr));
    let s = &spans[0];
    assert_eq!(
        s.args(),
        [
            "tally",
            "-l",
            "--no-ignore-case",
            "--max-line-length",
            "80",
            "--color",
            "never",
            MASK
        ]
    );
    assert_eq!(
        attr_strings(&s.attrs, "consentry.command.options"),
        [
            "--lines",
            "--no-ignore-case",
            "--max-line-length",
            "--color"
        ]
    );
    // A value that is not a number is masked even where numbers are sent.
    let (out, spans) = t.printed(&["--max-line-length", "/home/alice", "notes"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(spans[0].args(), ["tally", "--max-line-length", MASK, MASK]);
}

#[test]
fn telemetry_commands_usage_errors_and_the_disable_flag_without_clap() {
    let t = Tool::tally();
    std::fs::write(t.work().join("telemetry"), "one two\n").unwrap();
    let status = t.run(&["--telemetry", "status"]);
    assert_eq!(status.status.code(), Some(0));
    assert!(
        stdout(&status).starts_with("telemetry: enabled"),
        "{status:?}"
    );
    // The word is tally's: it counts the file `telemetry`.
    assert_eq!(stdout(&t.run(&["telemetry"])), "1 2\n");
    // A command line tally's parser refuses: its own message and exit code, recorded.
    let (out, spans) = t.printed(&["--bogus", "notes"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("tally: invalid option '--bogus'"));
    assert_eq!(spans.len(), 1);
    assert_eq!(
        attr_str(&spans[0].attrs, "error.type").as_deref(),
        Some("usage")
    );
    assert_eq!(spans[0].args(), ["tally", MASK, MASK]);
    // The flag, as lexopt read it, opts the run out; as a file name after `--` it does not.
    let (out, spans) = t.printed(&["--disable-telemetry", "notes"]);
    assert_eq!((stdout(&out).as_str(), spans.len()), ("2 5\n", 0));
    assert!(out.stderr.is_empty());
    let (_, spans) = t.printed(&["notes", "--", "--disable-telemetry"]);
    assert_eq!(spans.len(), 1);
}

#[test]
fn text_read_from_a_file_never_leaves_in_an_error() {
    let t = Tool::tally();
    std::fs::write(t.work().join("exclude"), "carol secret project\n").unwrap();
    let (out, spans) = t.printed(&["--exclude-file", "exclude", "notes"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("invalid exclude word 'carol secret project'"));
    assert_eq!(spans.len(), 1);
    let json = stderr[stderr.find("(print mode").unwrap()..].to_owned();
    assert!(json.contains("\"Io\""), "the class is sent: {json}");
    assert!(!json.contains("carol"), "{json}");
    assert!(!json.contains("exception.message"), "{json}");
}

#[test]
fn tally_runs_arrive_at_a_real_collector() {
    let collector = Collector::start(CollectorKind::Otelcol);
    let mut t = Tool::tally();
    t.envs
        .push(("TALLY_TELEMETRY_ENDPOINT".into(), collector.http_endpoint()));
    let runs: [&[&str]; 4] = [
        &["notes"],
        &["-w", "--max-line-length", "3", "notes"],
        &["--bogus"],
        &["missing"],
    ];
    for args in runs {
        t.run(args);
    }
    assert_eq!(
        t.run(&["--disable-telemetry", "notes"]).status.code(),
        Some(0)
    );
    collector.wait_for("4 tally runs", Duration::from_secs(20), |s| s.len() >= 4);
    std::thread::sleep(Duration::from_millis(500));
    let spans = collector.spans();
    assert_eq!(
        spans.iter().filter(|s| s.name == "tally").count(),
        4,
        "{spans:#?}"
    );
    let types: Vec<_> = spans
        .iter()
        .filter_map(|s| attr_str(&s.attrs, "error.type"))
        .collect();
    assert!(types.contains(&"usage".to_owned()) && types.contains(&"2".to_owned()));
    assert!(
        spans
            .iter()
            .any(|s| s.args() == ["tally", "-w", "--max-line-length", "3", MASK])
    );
}
