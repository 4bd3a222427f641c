//! The telemetry flag and subcommand added by `augment`.

use clap::{Arg, Command};
use consentry::integration::MASK;
use consentry_clap::{TelemetryAction, augment, disable_flag, telemetry_action};

fn tool() -> Command {
    augment(
        Command::new("tool")
            .subcommand(Command::new("run").arg(Arg::new("target")))
            .subcommand(
                Command::new("remote").subcommand(Command::new("add").arg(Arg::new("name"))),
            ),
    )
}

fn parse(args: &[&str]) -> clap::ArgMatches {
    tool()
        .try_get_matches_from(std::iter::once("tool").chain(args.iter().copied()))
        .expect("valid command line")
}

#[test]
fn augmented_command_is_valid() {
    tool().debug_assert();
}

#[test]
fn each_action() {
    for (word, action) in [
        ("status", TelemetryAction::Status),
        ("enable", TelemetryAction::Enable),
        ("disable", TelemetryAction::Disable),
        ("show", TelemetryAction::Show),
        ("local", TelemetryAction::Local),
        ("log", TelemetryAction::Log { json: false }),
        ("view", TelemetryAction::View { json: false }),
        ("delete", TelemetryAction::Delete),
    ] {
        assert_eq!(
            telemetry_action(&parse(&["telemetry", word])),
            Some(action),
            "{word}"
        );
    }
    for (words, action) in [
        (
            ["telemetry", "log", "--json"],
            TelemetryAction::Log { json: true },
        ),
        (
            ["telemetry", "view", "--json"],
            TelemetryAction::View { json: true },
        ),
    ] {
        assert_eq!(telemetry_action(&parse(&words)), Some(action), "{words:?}");
    }
    for not_json in [
        &["telemetry", "status", "--json"][..],
        &["telemetry", "show", "--json"],
    ] {
        let line = std::iter::once("tool").chain(not_json.iter().copied());
        assert!(tool().try_get_matches_from(line).is_err(), "{not_json:?}");
    }
    assert_eq!(
        telemetry_action(&parse(&["telemetry"])),
        Some(TelemetryAction::Status)
    );
    assert_eq!(telemetry_action(&parse(&["run", "x"])), None);
    assert!(
        tool()
            .try_get_matches_from(["tool", "telemetry", "nope"])
            .is_err()
    );
}

#[test]
fn disable_flag_anywhere() {
    assert!(disable_flag(&parse(&["--disable-telemetry", "run"])));
    assert!(disable_flag(&parse(&["run", "--disable-telemetry", "x"])));
    assert!(disable_flag(&parse(&[
        "remote",
        "add",
        "n",
        "--disable-telemetry"
    ])));
    assert!(!disable_flag(&parse(&["remote", "add", "n"])));
}

#[test]
fn disable_flag_is_false_without_augment() {
    let m = Command::new("plain")
        .try_get_matches_from(["plain"])
        .expect("valid");
    assert!(!disable_flag(&m));
}

#[test]
fn the_derived_schema_knows_them() {
    let schema = consentry_clap::schema(tool());
    let m = schema.mask(["telemetry", "disable", "--disable-telemetry"], None);
    assert_eq!(m.command_path, ["telemetry", "disable"]);
    assert_eq!(m.args, ["telemetry", "disable", "--disable-telemetry"]);
    assert_eq!(
        schema
            .mask(["run", "secret", "--disable-telemetry"], None)
            .args,
        ["run", MASK, "--disable-telemetry"]
    );
}
