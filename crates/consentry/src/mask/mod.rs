//! Argument masking: option names are kept, values are sent only as the author allows.
//!
//! Sensitive is the default. With a [`Schema`] the author declares the tool's commands,
//! options and positionals once, and a [`Policy`] for each value: its name only (the
//! default), the value in clear (optionally only within a set), or a keyed hash of it.
//! [`Schema::mask`] then walks a command line as a parser would: `--opt=v`, `--opt v`,
//! `-o v`, `-ov`, bundled flags `-abc`, `--`, negative numbers, options before and after
//! subcommands, global options and aliases. Whatever the schema does not explain, an
//! unknown option, an unknown subcommand, an extra positional, a token that is not
//! UTF-8, is sent as [`MASK`], never as typed.
//!
//! Without a schema, [`mask_args`] keeps only what cannot be a value.

mod fallback;
mod parse;
mod schema;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

pub use fallback::mask_args;
pub use parse::Masked;
pub use schema::{CommandSpec, Opt, Param, Policy, Schema};

/// What a masked value is replaced by.
pub const MASK: &str = "*****";
