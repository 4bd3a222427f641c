//! Reading a clap `Command` into a masking schema.

use clap::{Arg, Command};
use consentry::integration::{CommandSpec, Opt, Param, Policy, Schema};

/// The schema of `cmd` with the default policies: see [`SchemaBuilder`].
pub fn schema(cmd: Command) -> Schema {
    SchemaBuilder::new(cmd).build()
}

/// Derives a [`Schema`] from a clap [`Command`], with per-argument overrides.
///
/// Default policies: an argument with possible values (a `ValueEnum`, a
/// `PossibleValuesParser`, a `bool` taking `true`/`false`) is
/// [`Policy::AllowOnly`] those values and their aliases; every other value is
/// [`Policy::NameOnly`]. A positional that takes the rest of the command line
/// (`trailing_var_arg`, `last`, or `allow_hyphen_values` with many values, set on the
/// argument or the command) is [`Param::rest`](consentry::integration::Param::rest): the
/// words clap gives it are its values, masked, never read as options. An override names an argument by its clap id (the field name
/// with derive) and applies to every argument with that id, in any subcommand.
#[derive(Debug, Clone)]
pub struct SchemaBuilder {
    cmd: Command,
    overrides: Vec<(String, Override)>,
}

#[derive(Debug, Clone, Copy)]
enum Override {
    Allow,
    Hash,
    NameOnly,
}

impl SchemaBuilder {
    /// Starts from `cmd`, for example `Cli::command()` with clap's derive.
    pub fn new(cmd: Command) -> Self {
        SchemaBuilder {
            cmd,
            overrides: Vec::new(),
        }
    }

    /// Sends the value of argument `id` in clear: restricted to its possible values
    /// when it has some, any value otherwise. Use it only for values that cannot hold
    /// anything personal (counts, sizes, a fixed set of names).
    #[must_use]
    pub fn allow_value(self, id: &str) -> Self {
        self.with(id, Override::Allow)
    }

    /// Sends a keyed hash of the value of argument `id` ([`Policy::Hashed`]).
    #[must_use]
    pub fn hash_value(self, id: &str) -> Self {
        self.with(id, Override::Hash)
    }

    /// Masks the value of argument `id` even when it has possible values.
    #[must_use]
    pub fn name_only(self, id: &str) -> Self {
        self.with(id, Override::NameOnly)
    }

    fn with(mut self, id: &str, policy: Override) -> Self {
        self.overrides.retain(|(other, _)| other != id);
        self.overrides.push((id.to_owned(), policy));
        self
    }

    /// The schema. Builds the command first (`Command::build`), so that global
    /// arguments, help and version flags and the `help` subcommand are there as clap
    /// will parse them.
    pub fn build(mut self) -> Schema {
        self.cmd.build();
        Schema::from(self.spec(&self.cmd))
    }

    fn spec(&self, cmd: &Command) -> CommandSpec {
        let mut spec = cmd
            .get_all_aliases()
            .fold(CommandSpec::new(cmd.get_name()), CommandSpec::alias);
        for arg in cmd.get_arguments().filter(|a| !a.is_positional()) {
            if let Some(opt) = self.option(arg) {
                spec = spec.option(opt);
            }
        }
        let mut positionals: Vec<&Arg> = cmd.get_positionals().collect();
        positionals.sort_by_key(|a| a.get_index());
        for arg in positionals {
            let mut param = Param::new(arg.get_id().as_str()).policy(self.policy(arg));
            let many = arg.get_num_args().is_some_and(|n| n.max_values() > 1);
            if many {
                param = param.multiple();
            }
            // clap reads every later word as this positional's value: never re-parse
            // them as options (`tool run deploy --color always`).
            if arg.is_trailing_var_arg_set()
                || arg.is_last_set()
                || (many && arg.is_allow_hyphen_values_set())
            {
                param = param.rest();
            }
            spec = spec.positional(param);
        }
        cmd.get_subcommands()
            .fold(spec, |spec, sub| spec.subcommand(self.spec(sub)))
    }

    fn option(&self, arg: &Arg) -> Option<Opt> {
        let mut opt = match (arg.get_long(), arg.get_short()) {
            (Some(long), short) => short.into_iter().fold(Opt::long(long), Opt::short),
            (None, Some(short)) => Opt::short_only(short),
            (None, None) => return None,
        };
        opt = arg
            .get_all_aliases()
            .unwrap_or_default()
            .into_iter()
            .fold(opt, Opt::alias);
        opt = arg
            .get_all_short_aliases()
            .unwrap_or_default()
            .into_iter()
            .fold(opt, Opt::short);
        if takes_values(arg) {
            opt = opt.value(self.policy(arg));
            if let Some(range) = arg.get_num_args() {
                opt = opt.max_values(range.max_values());
                if arg.is_allow_hyphen_values_set() {
                    // clap then takes every next token as a value until the most it
                    // takes, `--` and other options' names included.
                    opt = opt.min_values(range.max_values());
                }
            }
            if arg.is_require_equals_set() {
                opt = opt.require_equals();
            }
        }
        if arg.is_global_set() {
            opt = opt.global();
        }
        Some(opt)
    }

    fn policy(&self, arg: &Arg) -> Policy {
        let possible: Vec<String> = arg
            .get_possible_values()
            .iter()
            .flat_map(|v| {
                v.get_name_and_aliases()
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect();
        let chosen = self
            .overrides
            .iter()
            .find(|(id, _)| id == arg.get_id().as_str())
            .map(|(_, o)| *o);
        match (chosen, possible.is_empty()) {
            (Some(Override::Hash), _) => Policy::Hashed,
            (Some(Override::NameOnly), _) | (None, true) => Policy::NameOnly,
            (Some(Override::Allow), true) => Policy::AllowAny,
            (Some(Override::Allow) | None, false) => Policy::AllowOnly(possible),
        }
    }
}

/// Whether clap reads a value for it: its action stores values and it takes at least
/// one (an optional value, `num_args(0..=1)`, counts: the next token may be it).
fn takes_values(arg: &Arg) -> bool {
    arg.get_action().takes_values() && arg.get_num_args().is_none_or(|n| n.max_values() > 0)
}
