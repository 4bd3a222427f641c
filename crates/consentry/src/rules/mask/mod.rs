//! Argument masking: option names are kept, values are sent only as the author allows.
//!
//! Sensitive is the default. With a [`Schema`] the author declares the tool's commands,
//! options and positionals once, and a [`Policy`] for each value: its name only (the
//! default), the value in clear (optionally only within a set), or a keyed hash of it.
//! [`Schema::mask`] then walks a command line as a parser would: `--opt=v`, `--opt v`,
//! `-o v`, `-ov`, bundled flags `-abc`, `--`, negative numbers, options before and after
//! subcommands, global options and aliases, and positionals that take the rest of the
//! line ([`Param::rest`]: once they have a value, every later word is theirs, masked,
//! never re-read as an option). Whatever the schema does not explain, an
//! unknown option, an unknown subcommand, an extra positional, a token that is not
//! UTF-8, is sent as [`MASK`], never as typed.
//!
//! Without a schema, [`mask_args`] keeps only what cannot be a value.
//!
//! # What was masked stays masked
//!
//! A command run keeps the raw values its arguments did not send in clear (in memory,
//! for the run only, never sent) and replaces them by [`MASK`] in every message it
//! records before scrubbing: [`CommandRun::error`](crate::CommandRun::error) and its
//! `source()` chain, and panic messages. A value of three or more characters is
//! replaced wherever it occurs, ignoring ASCII case; a value of one or two characters
//! only where it stands as a whole word (`-n 5` masks `'5'`, not the 5 in `2025`):
//! replacing every `5` or `a` would leave messages unreadable. Each component of
//! three or more characters of a path-like value is hidden on its own too. A message
//! part over 64 KiB, or a command line with over 1024 hidden values, is sent as
//! [`MASK`] whole. Messages are sent at all only where the author opted in
//! ([`with_error_messages`](crate::TelemetryBuilder::with_error_messages)); by default
//! an error or panic sends its class alone.

mod fallback;
mod hidden;
mod parse;
mod schema;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

pub use fallback::mask_args;
pub(crate) use hidden::Hidden;
pub use parse::Masked;
pub use schema::{CommandSpec, Opt, Param, Policy, Schema};

/// What a masked value is replaced by.
pub const MASK: &str = "*****";
