//! Masking with a schema, by topic; the fixture tool is shared with the property tests.

use super::*;

mod commands;
mod options;

/// A tool with the shapes that matter: globals, a flag bundle, an allowlisted enum,
/// a hashed value, multi-value options, aliases, and a nested subcommand.
pub(super) fn schema() -> Schema {
    Schema::new("taskr")
        .option(
            Opt::long("file")
                .short('f')
                .value(Policy::NameOnly)
                .global(),
        )
        .option(Opt::long("verbose").short('v').global())
        .option(
            Opt::long("color")
                .value(Policy::allow(["auto", "never"]))
                .require_equals(),
        )
        .subcommand(
            CommandSpec::new("add")
                .positional(Param::new("title"))
                .option(
                    Opt::long("priority")
                        .short('p')
                        .value(Policy::allow(["low", "normal", "high"])),
                )
                .option(
                    Opt::long("tag")
                        .short('t')
                        .alias("label")
                        .value(Policy::NameOnly),
                )
                .option(Opt::long("offset").value(Policy::AllowAny))
                .option(Opt::long("project").value(Policy::Hashed))
                .option(Opt::long("all").short('a'))
                .option(Opt::short_only('b')),
        )
        .subcommand(
            CommandSpec::new("remote")
                .alias("r")
                .option(Opt::long("dry-run").short('n').global())
                .subcommand(
                    CommandSpec::new("add")
                        .positional(Param::new("name"))
                        .positional(Param::new("url")),
                )
                .subcommand(
                    CommandSpec::new("remove").alias("rm").positional(
                        Param::new("names")
                            .policy(Policy::allow(["origin"]))
                            .multiple(),
                    ),
                ),
        )
        .subcommand(
            CommandSpec::new("cp")
                .option(
                    Opt::long("files")
                        .value(Policy::allow(["a"]))
                        .max_values(usize::MAX),
                )
                // `--pair NAME VALUE`: both words taken whatever they look like.
                .option(Opt::long("pair").value(Policy::NameOnly).min_values(2))
                .positional(Param::new("from"))
                .positional(Param::new("to")),
        )
}

fn hash(value: &str) -> String {
    format!("h{}", value.len())
}

fn m(args: &[&str]) -> Masked {
    schema().mask(args, Some(&hash))
}

fn args(args: &[&str]) -> Vec<String> {
    m(args).args
}
