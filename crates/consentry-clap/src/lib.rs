//! consentry-clap: consentry for clap CLIs in one call ([`init`], or [`Setup`] for the
//! author's choices), which derives consentry's masking
//! [`Schema`](consentry::integration::Schema) from the [`clap::Command`] and adds the telemetry
//! flag and commands users expect.
//!
//! The telemetry commands come in two [`Shape`]s: a `telemetry` subcommand for tools
//! with subcommands, or an option `--telemetry <status|enable|disable|show|local|log|view|delete>`
//! (`log-json`, `view-json` for JSON) for tools with positional arguments, whose every word must stay theirs. Both add the global
//! `--disable-telemetry` flag; consentry is told whether it was given as clap parsed it.
//!
//! A clap user declares nothing twice: commands, aliases, options, flags, positionals
//! and possible values come from the `Command`. Values of arguments with possible
//! values (value enums) are sent in clear when they are one of those values; every
//! other value is masked unless the author says otherwise, by argument id.
//!
//! ```
//! use clap::{CommandFactory, Parser, ValueEnum};
//!
//! #[derive(Parser)]
//! #[command(name = "taskr")]
//! struct Cli {
//!     /// What to do.
//!     title: String,
//!     #[arg(short, long, value_enum)]
//!     priority: Option<Priority>,
//!     #[arg(long)]
//!     project: Option<String>,
//! }
//!
//! #[derive(Clone, ValueEnum)]
//! enum Priority { Low, High }
//!
//! let schema = consentry_clap::SchemaBuilder::new(Cli::command()).hash_value("project").build();
//! let hasher = |v: &str| format!("#{}", v.len()); // the owner's keyed hash in real use
//! let masked = schema.mask(["call alice", "-p", "high", "--project", "acme"], Some(&hasher));
//! assert_eq!(masked.args, ["*****", "-p", "high", "--project", "#4"]);
//! ```
//!
//! A positional that takes the rest of the command line (`trailing_var_arg`, `last`,
//! `allow_hyphen_values` with many values) keeps what clap gives it: `runner deploy
//! --color always` reports no option used and masks the three words as the recipe's
//! arguments; so do an option's values with `allow_hyphen_values` (`--set k --color`
//! gives `--set` the word `--color`, as clap does). What the schema reports as options used is what clap parsed as options
//! (`tests/trailing.rs` checks this against clap).
//!
//! clap features that the schema does not model are masked, never sent: inferred
//! (abbreviated) subcommands and long options, subcommands called as flags
//! (`long_flag`/`short_flag`), external subcommands, and values of a different case
//! accepted by `ignore_case`.

mod derive;
mod init;
mod manage;
mod telemetry;

pub use derive::{SchemaBuilder, schema};
pub use init::{Setup, init};
pub use manage::run_action;
pub use telemetry::{
    DISABLE_TELEMETRY, Shape, TELEMETRY, TelemetryAction, augment, augment_with, disable_flag,
    telemetry_action,
};

/// The README's usage, compiled (clap's pattern): the code shown is the code that
/// builds.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
