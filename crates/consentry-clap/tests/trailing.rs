//! Words after a positional that takes the rest of the command line are that
//! positional's values (clap's `trailing_var_arg`, `allow_hyphen_values`, `last`, `--`):
//! the derived schema masks them as values and never re-reads them as options. clap is
//! the oracle: every option the schema reports used, clap parsed from the command line.

use clap::parser::ValueSource;
use clap::{Arg, ArgAction, Command};
use consentry::integration::MASK;
use consentry_clap::{SchemaBuilder, Shape, augment_with, telemetry_action};
use proptest::prelude::*;

/// A command runner: `runner [--color <when>] [-f <file>] <recipe> [args]...`, the
/// recipe's own arguments taken whole (as `just` does).
fn runner() -> Command {
    Command::new("runner")
        .arg(
            Arg::new("color")
                .long("color")
                .value_parser(["auto", "always", "never"]),
        )
        .arg(Arg::new("justfile").short('f').long("justfile"))
        .arg(
            Arg::new("verbose")
                .short('v')
                .long("verbose")
                .action(ArgAction::Count),
        )
        .arg(
            Arg::new("arguments")
                .num_args(1..)
                .trailing_var_arg(true)
                .allow_hyphen_values(true),
        )
}

/// `exec [--env <k=v>] -- <command>...`, the command after `--` only (`last`).
fn exec() -> Command {
    Command::new("exec")
        .arg(Arg::new("env").long("env").action(ArgAction::Append))
        .arg(Arg::new("command").num_args(1..).last(true))
}

/// `wrap [--quiet] <program> [args]...` with hyphen values allowed (no trailing flag).
fn wrap() -> Command {
    Command::new("wrap")
        .arg(Arg::new("quiet").long("quiet").action(ArgAction::SetTrue))
        .arg(Arg::new("program").required(true))
        .arg(Arg::new("args").num_args(0..).allow_hyphen_values(true))
}

/// `pairs [--set <name> <value>]... [--color <when>] [files]...`: `--set` takes two
/// values with hyphen values allowed, so clap takes the next two words whatever they
/// look like (`--set k --color`, then `always` is a file).
fn pairs() -> Command {
    Command::new("pairs")
        .arg(
            Arg::new("set")
                .long("set")
                .num_args(2)
                .allow_hyphen_values(true)
                .action(ArgAction::Append),
        )
        .arg(
            Arg::new("color")
                .long("color")
                .value_parser(["auto", "always", "never"]),
        )
        .arg(Arg::new("files").num_args(0..))
}

fn mask<T: AsRef<std::ffi::OsStr>>(cmd: Command, line: &[T]) -> consentry::integration::Masked {
    SchemaBuilder::new(cmd).build().mask(line, None)
}

/// The long names of the options clap read from the command line itself.
fn parsed_options(cmd: &Command, m: &clap::ArgMatches) -> Vec<String> {
    cmd.get_arguments()
        .filter(|a| !a.is_positional())
        .filter(|a| m.value_source(a.get_id().as_str()) == Some(ValueSource::CommandLine))
        .map(|a| match a.get_long() {
            Some(long) => format!("--{long}"),
            None => format!("-{}", a.get_short().unwrap_or('?')),
        })
        .collect()
}

#[test]
fn a_recipe_s_own_arguments_are_values_not_options() {
    let m = mask(runner(), &["deploy", "--color", "always"]);
    assert_eq!(m.options_used, Vec::<String>::new());
    assert_eq!(m.args, [MASK, MASK, MASK]);
    let m = mask(runner(), &["deploy", "-f", "/home/alice/secret"]);
    assert_eq!(m.options_used, Vec::<String>::new());
    assert!(!m.args.iter().any(|a| a.contains("alice")), "{m:?}");
    // The runner's own options before the recipe are still its options.
    let m = mask(
        runner(),
        &["--color", "always", "-f", "x", "deploy", "--color"],
    );
    assert_eq!(m.options_used, ["--color", "--justfile"]);
    assert_eq!(m.args, ["--color", "always", "-f", MASK, MASK, MASK]);
}

#[test]
fn the_telemetry_option_after_a_recipe_is_the_recipe_s() {
    let cmd = augment_with(runner(), Shape::Option);
    let line = ["runner", "deploy", "--telemetry", "status"];
    let m = cmd.clone().try_get_matches_from(line).unwrap();
    assert_eq!(
        telemetry_action(&m),
        None,
        "clap gives the words to the recipe"
    );
    let masked = mask(cmd, &line[1..]);
    assert_eq!(masked.options_used, Vec::<String>::new());
    assert_eq!(masked.args, [MASK, MASK, MASK], "never sent in clear");
}

#[test]
fn last_and_hyphen_values_take_the_rest_too() {
    let m = mask(exec(), &["--env", "A=1", "--", "rm", "--env", "-rf", "/x"]);
    assert_eq!(m.options_used, ["--env"]);
    assert_eq!(m.args, ["--env", MASK, "--", MASK, MASK, MASK, MASK]);
    // Its first value may be an unknown option; after it, every word is a value.
    let m = mask(wrap(), &["ls", "-la", "--quiet"]);
    assert_eq!(m.options_used, Vec::<String>::new());
    assert_eq!(m.args, [MASK, MASK, MASK]);
    // A known option where its first value is expected is still an option (clap's
    // order: known options first).
    let m = mask(wrap(), &["ls", "--quiet", "-la"]);
    assert_eq!(m.options_used, ["--quiet"]);
    let m = mask(wrap(), &["--quiet", "ls", "--quiet"]);
    assert_eq!(m.options_used, ["--quiet"]);
}

#[test]
fn an_option_with_hyphen_values_takes_its_values_whatever_they_look_like() {
    let line = ["--set", "k", "--color", "always", "/home/alice/notes"];
    let m = pairs()
        .try_get_matches_from(std::iter::once("pairs").chain(line))
        .unwrap();
    assert_eq!(
        m.get_one::<String>("color"),
        None,
        "clap: `--color` is the value"
    );
    let masked = mask(pairs(), &line);
    assert_eq!(masked.options_used, ["--set"]);
    // `always` is a file here: masked, not sent as the colour chosen.
    assert_eq!(masked.args, ["--set", MASK, MASK, MASK, MASK]);
    let line = ["--set", "k", "--", "--color", "never"];
    let m = pairs()
        .try_get_matches_from(std::iter::once("pairs").chain(line))
        .unwrap();
    assert_eq!(
        m.get_one::<String>("color").map(String::as_str),
        Some("never")
    );
    let masked = mask(pairs(), &line);
    assert_eq!(masked.options_used, ["--set", "--color"]);
    assert_eq!(masked.args, ["--set", MASK, MASK, "--color", "never"]);
}

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("--color".to_owned()),
        Just("always".to_owned()),
        Just("-f".to_owned()),
        Just("--justfile".to_owned()),
        Just("--set".to_owned()),
        Just("-v".to_owned()),
        Just("--".to_owned()),
        Just("--telemetry".to_owned()),
        Just("status".to_owned()),
        Just("--disable-telemetry".to_owned()),
        "[a-z]{1,6}",
        "--[a-z]{1,6}",
        "/home/[a-z]{3,6}/secret",
    ]
}

proptest! {
    /// For any line clap accepts, the options the schema reports used are exactly those
    /// clap read from the command line, and no path leaves.
    #[test]
    fn options_used_are_clap_s(line in prop::collection::vec(word(), 0..8)) {
        for base in [runner(), exec(), wrap(), pairs()] {
            let cmd = augment_with(base, Shape::Option);
            let name = cmd.get_name().to_owned();
            let full: Vec<String> = std::iter::once(name).chain(line.iter().cloned()).collect();
            let Ok(m) = cmd.clone().try_get_matches_from(&full) else { continue };
            let masked = mask(cmd.clone(), &line);
            let mut ours = masked.options_used.clone();
            let mut clap_s = parsed_options(&cmd, &m);
            ours.sort();
            clap_s.sort();
            prop_assert_eq!(ours, clap_s, "{:?}", line);
            prop_assert!(!masked.args.iter().any(|a| a.contains("/home/")), "{:?}", masked);
        }
    }
}
