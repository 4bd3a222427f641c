//! The two shapes of the telemetry commands on real clap commands: a tool with
//! subcommands, and a grep-like tool with positional arguments whose every word must
//! stay its own.

use clap::{Arg, ArgAction, Command};
use consentry_clap::{Shape, TelemetryAction, augment_with, disable_flag, telemetry_action};
use proptest::prelude::*;

/// `grep-like [-i] [-e PATTERN] <PATTERN> [PATH]...`
fn greplike() -> Command {
    Command::new("greplike")
        .arg(Arg::new("pattern").required(true))
        .arg(Arg::new("paths").num_args(0..).action(ArgAction::Append))
        .arg(
            Arg::new("regexp")
                .short('e')
                .allow_hyphen_values(true)
                .action(ArgAction::Set),
        )
        .arg(
            Arg::new("ignore-case")
                .short('i')
                .action(ArgAction::SetTrue),
        )
}

fn words(m: &clap::ArgMatches) -> Vec<String> {
    let mut all: Vec<String> = m
        .get_one::<String>("pattern")
        .into_iter()
        .cloned()
        .collect();
    all.extend(m.get_many::<String>("paths").into_iter().flatten().cloned());
    all
}

#[test]
fn the_option_shape_leaves_telemetry_and_help_to_the_tool() {
    let cmd = augment_with(greplike(), Shape::Option);
    for line in [
        &["telemetry"][..],
        &["telemetry", "status"],
        &["x", "telemetry"],
        &["help", "telemetry", "show"],
    ] {
        let m = cmd
            .clone()
            .try_get_matches_from(std::iter::once("greplike").chain(line.iter().copied()))
            .unwrap_or_else(|e| panic!("{line:?}: {e}"));
        assert_eq!(words(&m), *line);
        assert_eq!(telemetry_action(&m), None, "{line:?}");
    }
}

#[test]
fn the_option_shape_needs_no_required_argument() {
    let cmd = augment_with(greplike(), Shape::Option);
    for (value, action) in [
        ("status", TelemetryAction::Status),
        ("enable", TelemetryAction::Enable),
        ("disable", TelemetryAction::Disable),
        ("show", TelemetryAction::Show),
        ("local", TelemetryAction::Local),
        ("log", TelemetryAction::Log { json: false }),
        ("log-json", TelemetryAction::Log { json: true }),
        ("view", TelemetryAction::View { json: false }),
        ("delete", TelemetryAction::Delete),
        ("view-json", TelemetryAction::View { json: true }),
    ] {
        let m = cmd
            .clone()
            .try_get_matches_from(["greplike", "--telemetry", value])
            .unwrap();
        assert_eq!(telemetry_action(&m), Some(action));
    }
    for not_an_action in ["status-json", "json", "show-json"] {
        assert!(
            cmd.clone()
                .try_get_matches_from(["greplike", "--telemetry", not_an_action])
                .is_err(),
            "{not_an_action}"
        );
    }
    let alone = cmd
        .clone()
        .try_get_matches_from(["greplike", "--telemetry", "status", "pat"])
        .unwrap_err();
    assert_eq!(alone.kind(), clap::error::ErrorKind::ArgumentConflict);
}

#[test]
fn the_subcommand_shape_is_for_tools_with_subcommands() {
    let tool = Command::new("tool").subcommand(Command::new("list"));
    let cmd = augment_with(tool, Shape::Subcommand);
    let m = cmd
        .clone()
        .try_get_matches_from(["tool", "telemetry"])
        .unwrap();
    assert_eq!(telemetry_action(&m), Some(TelemetryAction::Status));
    let m = cmd
        .clone()
        .try_get_matches_from(["tool", "telemetry", "disable"])
        .unwrap();
    assert_eq!(telemetry_action(&m), Some(TelemetryAction::Disable));
    let m = cmd.try_get_matches_from(["tool", "list"]).unwrap();
    assert_eq!(telemetry_action(&m), None);
}

#[test]
fn the_disable_flag_is_clap_s_answer_not_a_raw_scan() {
    let cmd = augment_with(greplike(), Shape::Option);
    let value = cmd
        .clone()
        .try_get_matches_from(["greplike", "-e", "--disable-telemetry", "file"])
        .unwrap();
    assert_eq!(
        value.get_one::<String>("regexp").map(String::as_str),
        Some("--disable-telemetry")
    );
    assert!(!disable_flag(&value));
    let flag = cmd
        .clone()
        .try_get_matches_from(["greplike", "pat", "--disable-telemetry"])
        .unwrap();
    assert!(disable_flag(&flag));
    let after_dashes = cmd
        .try_get_matches_from(["greplike", "pat", "--", "--disable-telemetry"])
        .unwrap();
    assert!(!disable_flag(&after_dashes));
    assert_eq!(words(&after_dashes), ["pat", "--disable-telemetry"]);
}

proptest! {
    /// Any words a user types (that clap would not read as options) reach the tool's
    /// positionals unchanged, in order, with the telemetry option added.
    #[test]
    fn every_word_reaches_the_tool(line in prop::collection::vec("[a-z][a-z0-9._/ -]{0,12}", 1..6)) {
        let cmd = augment_with(greplike(), Shape::Option);
        let m = cmd
            .try_get_matches_from(std::iter::once("greplike".to_owned()).chain(line.iter().cloned()))
            .unwrap();
        prop_assert_eq!(words(&m), line);
        prop_assert_eq!(telemetry_action(&m), None);
        prop_assert!(!disable_flag(&m));
    }
}
