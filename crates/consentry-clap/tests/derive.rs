//! A realistic clap derive CLI: its derived schema masks as clap parses.

use std::path::PathBuf;

use clap::{ArgAction, CommandFactory, Parser, Subcommand, ValueEnum};
use consentry::integration::{MASK, Masked, Schema};
use consentry_clap::SchemaBuilder;

/// A secrets vault.
#[derive(Debug, Parser)]
#[command(name = "vault", version)]
struct Cli {
    /// Config file.
    #[arg(short = 'C', long, global = true)]
    config: Option<PathBuf>,
    /// More output (repeatable).
    #[arg(short, long, action = ArgAction::Count, global = true)]
    verbose: u8,
    /// When to use colours.
    #[arg(long, value_enum, global = true, default_value_t = Color::Auto)]
    color: Color,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Store a secret.
    #[command(alias = "put")]
    Set {
        key: String,
        value: String,
        /// Labels (repeatable).
        #[arg(short, long = "tag", visible_alias = "label")]
        tags: Vec<String>,
        #[arg(short, long, value_enum)]
        kind: Option<Kind>,
        /// Lifetime in seconds; negative means never expires.
        #[arg(long, allow_negative_numbers = true)]
        ttl: Option<i64>,
        #[arg(short, long)]
        force: bool,
    },
    /// Print a secret.
    Get {
        key: String,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Manage remotes.
    Remote {
        #[command(subcommand)]
        command: RemoteCmd,
    },
    /// Import files.
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long, num_args = 1..)]
        only: Vec<String>,
        #[arg(long)]
        project: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum RemoteCmd {
    Add {
        name: String,
        url: String,
    },
    #[command(visible_alias = "rm")]
    Remove {
        names: Vec<String>,
    },
}

#[derive(Debug, Clone, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, ValueEnum)]
enum Kind {
    Password,
    #[value(alias = "api-key")]
    Token,
}

#[derive(Debug, Clone, ValueEnum)]
enum Format {
    Text,
    Json,
}

fn schema() -> Schema {
    consentry_clap::schema(Cli::command())
}

fn mask(args: &[&str]) -> Masked {
    schema().mask(args, None)
}

#[test]
fn the_command_parses() {
    Cli::command().debug_assert();
}

#[test]
fn values_masked_enums_allowed_flags_kept() {
    let m = mask(&[
        "set",
        "db/password",
        "hunter2",
        "-t",
        "prod",
        "--label=eu",
        "--kind",
        "api-key",
        "-fvv",
        "--ttl",
        "-5",
    ]);
    assert_eq!(m.command_path, ["set"]);
    assert_eq!(
        m.args,
        [
            "set", MASK, MASK, "-t", MASK, "--label", MASK, "--kind", "api-key", "-fvv", "--ttl",
            MASK
        ]
    );
    assert_eq!(
        m.options_used,
        ["--tag", "--kind", "--force", "--verbose", "--ttl"]
    );
}

#[test]
fn enum_values_outside_the_set_are_masked() {
    assert_eq!(
        mask(&["get", "k", "--format=xml"]).args,
        ["get", MASK, "--format", MASK]
    );
    assert_eq!(
        mask(&["get", "k", "--format=json"]).args,
        ["get", MASK, "--format", "json"]
    );
}

#[test]
fn alias_reports_the_command_name() {
    let m = mask(&["put", "k", "v"]);
    assert_eq!(m.command_path, ["set"]);
    assert_eq!(m.args, ["put", MASK, MASK]);
}

#[test]
fn globals_anywhere_and_nested_subcommands() {
    let m = mask(&[
        "-C",
        "/home/me/.vault",
        "remote",
        "--color",
        "never",
        "rm",
        "origin",
        "-v",
        "--config=x",
    ]);
    assert_eq!(m.command_path, ["remote", "remove"]);
    assert_eq!(
        m.args,
        [
            "-C", MASK, "remote", "--color", "never", "rm", MASK, "-v", "--config", MASK
        ]
    );
}

#[test]
fn multiple_values_and_positionals() {
    let m = mask(&[
        "import",
        "a.txt",
        "b.txt",
        "--only",
        "x",
        "y",
        "--project",
        "acme",
    ]);
    assert_eq!(
        m.args,
        [
            "import",
            MASK,
            MASK,
            "--only",
            MASK,
            MASK,
            "--project",
            MASK
        ]
    );
}

#[test]
fn unknown_subcommands_and_options_are_masked() {
    assert_eq!(mask(&["steal", "--token", "abc"]).args, [MASK, MASK, MASK]);
    assert_eq!(mask(&["get", "--tokn=abc", "k"]).args, ["get", MASK, MASK]);
}

#[test]
fn help_and_version() {
    assert_eq!(
        mask(&["help", "remote", "add"]).command_path,
        ["help", "remote", "add"]
    );
    assert_eq!(mask(&["--version"]).args, ["--version"]);
    assert_eq!(mask(&["set", "-h"]).args, ["set", "-h"]);
}

#[test]
fn overrides_by_id() {
    let schema = SchemaBuilder::new(Cli::command())
        .hash_value("project")
        .allow_value("ttl")
        .name_only("format")
        .allow_value("kind")
        .build();
    let hasher = |v: &str| format!("#{}", v.len());
    let m = schema.mask(["import", "f", "--project", "acme"], Some(&hasher));
    assert_eq!(m.args, ["import", MASK, "--project", "#4"]);
    let m = schema.mask(
        ["set", "k", "v", "--ttl", "-5", "--kind", "nope"],
        Some(&hasher),
    );
    assert_eq!(m.args, ["set", MASK, MASK, "--ttl", "-5", "--kind", MASK]);
    assert_eq!(
        schema.mask(["get", "k", "--format", "json"], None).args,
        ["get", MASK, "--format", MASK]
    );
}

#[test]
fn the_last_override_of_an_id_wins() {
    let schema = SchemaBuilder::new(Cli::command())
        .allow_value("project")
        .name_only("project")
        .build();
    assert_eq!(
        schema.mask(["import", "f", "--project=acme"], None).args,
        ["import", MASK, "--project", MASK]
    );
}
