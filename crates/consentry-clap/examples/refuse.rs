//! A tool whose own `FromArgMatches` refuses what clap accepted, as fd's `--exec-batch`
//! checks do (`refuse echo {} {}`: one placeholder only). `tests/refused.rs` runs it:
//! the refusal must be recorded as a usage error and printed as clap prints it.

use clap::error::ErrorKind;
use clap::{Arg, ArgMatches, Command, CommandFactory, FromArgMatches, Parser};

struct Cli {
    placeholders: usize,
}

impl FromArgMatches for Cli {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        let placeholders = m
            .get_many::<String>("cmd")
            .map_or(0, |args| args.filter(|a| *a == "{}").count());
        if placeholders > 1 {
            return Err(clap::Error::raw(
                ErrorKind::InvalidValue,
                "Only one placeholder allowed\n",
            ));
        }
        Ok(Cli { placeholders })
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

impl CommandFactory for Cli {
    fn command() -> Command {
        Command::new("refuse").arg(Arg::new("cmd").num_args(0..))
    }

    fn command_for_update() -> Command {
        Self::command()
    }
}

impl Parser for Cli {}

fn main() {
    // Its test runs a debug build and checks what it records.
    let config = consentry::Telemetry::builder("refuse").with_debug_builds(true);
    let (cli, telemetry) = consentry_clap::init::<Cli>(config).expect("valid configuration");
    let run = telemetry.run();
    run.finish(i32::from(cli.placeholders > 1));
}
