//! runr: runs a recipe from a `Runfile`, passing it the rest of the command line.
//!
//! A `Runfile` line is `name: program words...`; `runr <recipe> [args]...` runs the
//! program with the recipe's words, then `args`, and exits with its exit code. A
//! recipe whose program is `runr` runs this same executable again (as `just` does with
//! `just_executable()`).
//!
//! It shows consentry in a tool whose positional takes the rest of the command line
//! (`trailing_var_arg`): `runr deploy --color always` passes `--color always` to the
//! recipe, so consentry masks them as the recipe's arguments, never as runr's options.
//! And a run opted out with `--disable-telemetry` opts out the runr runs its recipes
//! start, with no wiring of the `Command` it builds.

use std::path::PathBuf;
use std::process::Command;

use clap::Parser;
use consentry_clap::{Setup, Shape};

/// Run a recipe from a Runfile.
#[derive(Debug, Parser)]
#[command(name = "runr", version)]
struct Cli {
    /// The Runfile to read.
    #[arg(short = 'f', long, default_value = "Runfile")]
    runfile: PathBuf,
    /// Print what runs, on stderr: never or always.
    #[arg(long, value_enum, env = "RUNR_COLOR", default_value = "never")]
    color: When,
    /// The recipe, then its own arguments: every word after the recipe is the recipe's.
    #[arg(required = true, num_args = 1.., trailing_var_arg = true, allow_hyphen_values = true)]
    recipe: Vec<String>,
}

/// When to echo the command (`--color`, or `RUNR_COLOR` in the environment).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum When {
    Never,
    Always,
}

fn main() {
    let config = consentry::Telemetry::builder("runr")
        .with_version(env!("CARGO_PKG_VERSION"))
        .with_endpoint("http://127.0.0.1:4318")
        // The end-to-end tests run debug builds of runr and check what it sends.
        .with_debug_builds(true);
    // The option shape: `runr telemetry` would be a recipe.
    let (cli, telemetry) = Setup::new(config)
        .shape(Shape::Option)
        .init::<Cli>()
        .expect("runr's telemetry configuration is valid");
    let run = telemetry.run();
    let code = match recipe_command(&cli) {
        Ok(mut command) => {
            if cli.color == When::Always {
                eprintln!("runr: {command:?}");
            }
            match command.status() {
                Ok(status) => status.code().unwrap_or(1),
                Err(e) => {
                    eprintln!("runr: {e}");
                    run.error_class("Spawn");
                    127
                }
            }
        }
        Err(message) => {
            eprintln!("runr: {message}");
            run.error_class("Recipe");
            2
        }
    };
    run.finish(code);
    telemetry.exit(code);
}

/// The command a recipe runs, with the recipe's arguments after its own words.
fn recipe_command(cli: &Cli) -> Result<Command, String> {
    let (name, args) = cli.recipe.split_first().ok_or("no recipe given")?;
    let text = std::fs::read_to_string(&cli.runfile)
        .map_err(|e| format!("{}: {e}", cli.runfile.display()))?;
    let words: Vec<&str> = text
        .lines()
        .find_map(|line| {
            let (recipe, body) = line.split_once(':')?;
            (recipe.trim() == name).then(|| body.split_whitespace().collect())
        })
        .ok_or_else(|| format!("no recipe named {name}"))?;
    let (program, own) = words.split_first().ok_or("an empty recipe")?;
    let mut command = if *program == "runr" {
        Command::new(std::env::current_exe().map_err(|e| e.to_string())?)
    } else {
        Command::new(program)
    };
    command.args(own).args(args);
    Ok(command)
}
