//! clap as the oracle: for any command line clap accepts, the derived schema finds the
//! same subcommands, and a planted secret never comes out unless its argument allows it.

use clap::{Arg, ArgAction, Command};
use proptest::prelude::*;

fn tool() -> Command {
    Command::new("tool")
        .arg(Arg::new("config").short('C').long("config").global(true))
        .arg(
            Arg::new("verbose")
                .short('v')
                .long("verbose")
                .action(ArgAction::Count)
                .global(true),
        )
        .subcommand(
            Command::new("add")
                .visible_alias("a")
                .arg(Arg::new("title"))
                .arg(
                    Arg::new("priority")
                        .short('p')
                        .long("priority")
                        .value_parser(["low", "high"]),
                )
                .arg(
                    Arg::new("tag")
                        .short('t')
                        .long("tag")
                        .action(ArgAction::Append),
                )
                .arg(
                    Arg::new("all")
                        .short('a')
                        .long("all")
                        .action(ArgAction::SetTrue),
                ),
        )
        .subcommand(
            Command::new("remote")
                .subcommand(
                    Command::new("add")
                        .arg(Arg::new("name"))
                        .arg(Arg::new("url")),
                )
                .subcommand(Command::new("rm").arg(Arg::new("names").num_args(1..))),
        )
        .subcommand(
            Command::new("cp")
                .arg(Arg::new("files").long("files").num_args(1..))
                .arg(Arg::new("to")),
        )
}

const WORDS: &[&str] = &[
    "add",
    "a",
    "remote",
    "rm",
    "cp",
    "help",
    "--",
    "-",
    "-C",
    "--config",
    "-v",
    "-vv",
    "--verbose",
    "-p",
    "--priority",
    "low",
    "high",
    "-t",
    "--tag",
    "-a",
    "--all",
    "-at",
    "--files",
    "-vC",
];

fn token(secret: String) -> impl Strategy<Value = String> {
    let word = proptest::sample::select(WORDS).prop_map(str::to_owned);
    let forms: &[&str] = &[
        "{}",
        "--{}",
        "-{}",
        "--tag={}",
        "-t{}",
        "-p{}",
        "--config={}",
        "-C{}",
        "-at{}",
        "--files={}",
    ];
    let planted = proptest::sample::select(forms).prop_map(move |f| f.replace("{}", &secret));
    prop_oneof![3 => word, 1 => planted]
}

fn command_line() -> impl Strategy<Value = (String, Vec<String>)> {
    "S3C[a-z0-9]{6,12}"
        .prop_flat_map(|s| (Just(s.clone()), proptest::collection::vec(token(s), 0..8)))
}

/// The subcommands clap chose, by name.
fn clap_path(m: &clap::ArgMatches) -> Vec<String> {
    let mut path = Vec::new();
    let mut level = m;
    while let Some((name, sub)) = level.subcommand() {
        path.push(name.to_owned());
        level = sub;
    }
    path
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn agrees_with_clap((secret, args) in command_line()) {
        let schema = consentry_clap::schema(tool());
        let masked = schema.mask(&args, None);
        prop_assert!(!masked.args.iter().any(|a| a.contains(&secret)), "{args:?} -> {masked:?}");
        if let Ok(matches) = tool().try_get_matches_from(std::iter::once("tool".to_owned()).chain(args.clone())) {
            prop_assert_eq!(&masked.command_path, &clap_path(&matches), "{:?}", args);
        }
    }
}
