//! Walking an argument vector through a [`Schema`], one token at a time.
//!
//! The walker reads tokens as bytes (`OsStr::as_encoded_bytes`) so that an option name
//! in clear can be kept even when its value is not UTF-8; a value is only ever sent
//! after it has been checked to be UTF-8 and allowed.

use std::ffi::OsStr;

use super::MASK;
use super::schema::{CommandSpec, Opt, Policy, Schema};

/// The result of [`Schema::mask`]: what may be sent of one command line.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Masked {
    /// The subcommands that were run, by their declared names (an alias typed by the
    /// user is reported by the name it stands for): `["remote", "add"]`.
    pub command_path: Vec<String>,
    /// The arguments: subcommand and option names as typed, each value as its policy
    /// says, and every unknown or doubtful token as [`MASK`]. `--opt=value` is sent as
    /// two tokens, `--opt` and the value.
    pub args: Vec<String>,
    /// The options that were used, each once, in first-use order, by their main name
    /// (`--long`, or `-c` when the option has no long name).
    pub options_used: Vec<String>,
}

impl Schema {
    /// Masks `args` (without the program name) as this schema says.
    ///
    /// `hasher` makes the value sent for a [`Policy::Hashed`] parameter, for example an
    /// HMAC with a key that never leaves the machine; without one such values are
    /// masked. Unknown options and subcommands, extra positionals, and anything not
    /// UTF-8 are masked. A token after an unknown option is masked too when it could be
    /// that option's value. After an unknown subcommand only the global options of the
    /// commands above it are still understood.
    pub fn mask<I, T>(&self, args: I, hasher: Option<&dyn Fn(&str) -> String>) -> Masked
    where
        I: IntoIterator<Item = T>,
        T: AsRef<OsStr>,
    {
        let mut walker = Walker {
            chain: vec![&self.root],
            lost: false,
            positionals: 0,
            after_dashes: false,
            pending: Pending::Nothing,
            hasher,
            out: Masked::default(),
        };
        for arg in args {
            walker.token(arg.as_ref().as_encoded_bytes());
        }
        walker.out
    }
}

/// What the previous token leaves the next one to be.
#[derive(Clone, Copy)]
enum Pending<'s> {
    Nothing,
    /// The option has taken this many values and needs more: the next token is one,
    /// whatever it looks like.
    Value(&'s Opt, usize),
    /// The option has taken this many values and may take more: the next token is one
    /// unless it looks like an option.
    More(&'s Opt, usize),
    /// An unknown option may take a value: a next token that does not look like an
    /// option is masked rather than read as a positional or subcommand.
    Unknown,
}

struct Walker<'s, 'h> {
    /// The commands entered, root first.
    chain: Vec<&'s CommandSpec>,
    /// An unknown subcommand was entered: the last command's own options and
    /// positionals no longer apply, only its and its ancestors' globals.
    lost: bool,
    /// Positionals seen in the current command.
    positionals: usize,
    after_dashes: bool,
    pending: Pending<'s>,
    hasher: Option<&'h dyn Fn(&str) -> String>,
    out: Masked,
}

impl<'s> Walker<'s, '_> {
    fn token(&mut self, arg: &[u8]) {
        match std::mem::replace(&mut self.pending, Pending::Nothing) {
            Pending::Value(opt, taken) => return self.value(opt, arg, taken),
            Pending::More(opt, taken) if !looks_like_option(arg) => {
                return self.value(opt, arg, taken);
            }
            Pending::Unknown if !looks_like_option(arg) => return self.mask(),
            _ => {}
        }
        if self.after_dashes {
            return self.positional(arg);
        }
        if looks_like_option(arg) && arg != b"--" && self.rest_expected() && !self.known(arg) {
            // clap gives an unknown option-like word where a positional that takes the
            // rest of the line is expected to that positional.
            return self.positional(arg);
        }
        match arg {
            b"--" => {
                self.after_dashes = true;
                self.out.args.push("--".to_owned());
            }
            [b'-', b'-', long @ ..] => self.long(long),
            [b'-', shorts @ ..] if !shorts.is_empty() => self.shorts(shorts),
            _ => self.word(arg),
        }
    }

    /// `--name`, `--name=value`.
    fn long(&mut self, body: &[u8]) {
        let (name, value) = match body.iter().position(|&b| b == b'=') {
            Some(i) => (&body[..i], Some(&body[i + 1..])),
            None => (body, None),
        };
        let known = std::str::from_utf8(name).ok().and_then(|name| {
            Some((
                name,
                self.find_option(|o| o.long.iter().any(|l| l == name))?,
            ))
        });
        // `--no-<long>` of a negatable option: a flag, reported by that name.
        if known.is_none()
            && let Some(base) = std::str::from_utf8(name)
                .ok()
                .and_then(|n| n.strip_prefix("no-"))
            && self
                .find_option(|o| o.negatable && o.long.iter().any(|l| l == base))
                .is_some()
        {
            let name = format!("--no-{base}");
            self.out.args.push(name.clone());
            if !self.out.options_used.contains(&name) {
                self.out.options_used.push(name);
            }
            if value.is_some() {
                // A flag given a value: the value is the user's text.
                self.mask();
            }
            return;
        }
        let Some((name, opt)) = known else {
            self.mask();
            if value.is_none() {
                self.pending = Pending::Unknown;
            }
            return;
        };
        self.out.args.push(format!("--{name}"));
        self.used(opt);
        match (value, opt.value.is_some()) {
            (Some(value), true) => self.value(opt, value, 0),
            // A flag given a value: clap refuses it, and the value is the user's text.
            (Some(_), false) => self.mask(),
            (None, true) if !opt.require_equals => self.pending = Pending::Value(opt, 0),
            (None, _) => {}
        }
    }

    /// `-a`, `-abc` (flags), `-ovalue`, `-o=value`, `-abo value`.
    fn shorts(&mut self, body: &[u8]) {
        let text = match std::str::from_utf8(body) {
            Ok(text) => text,
            Err(e) => std::str::from_utf8(&body[..e.valid_up_to()]).unwrap_or_default(),
        };
        let mut kept = String::from("-");
        for (i, c) in text.char_indices() {
            let Some(opt) = self.find_option(|o| o.short.contains(&c)) else {
                break;
            };
            kept.push(c);
            self.used(opt);
            if opt.value.is_some() {
                self.out.args.push(kept);
                let rest = &body[i + c.len_utf8()..];
                if rest.is_empty() {
                    if !opt.require_equals {
                        self.pending = Pending::Value(opt, 0);
                    }
                } else {
                    self.value(opt, rest.strip_prefix(b"=").unwrap_or(rest), 0);
                }
                return;
            }
        }
        // `kept` holds the bytes of `body` read as known flags, after the `-`.
        let consumed = kept.len() - 1;
        if consumed == 0 {
            self.mask();
            self.pending = Pending::Unknown;
        } else {
            self.out.args.push(kept);
            // An unknown letter or bytes that are not UTF-8 after known flags.
            if consumed < body.len() {
                self.mask();
            }
        }
    }

    /// A token that is not an option: a subcommand, or a positional.
    fn word(&mut self, arg: &[u8]) {
        if !self.lost {
            let cmd = self.current();
            if self.positionals == 0
                && let Ok(word) = std::str::from_utf8(arg)
                && let Some(sub) = cmd.find_subcommand(word)
            {
                self.out.args.push(word.to_owned());
                self.out.command_path.push(sub.name.clone());
                self.chain.push(sub);
                self.positionals = 0;
                return;
            }
            if cmd.positionals.is_empty() && !cmd.subcommands.is_empty() {
                // An unknown subcommand: nothing below it is declared.
                self.lost = true;
                return self.mask();
            }
        }
        self.positional(arg);
    }

    fn positional(&mut self, arg: &[u8]) {
        let param = if self.lost {
            None
        } else {
            let params = &self.current().positionals;
            params
                .get(self.positionals)
                .or_else(|| params.last().filter(|p| p.multiple))
        };
        self.positionals += 1;
        match param {
            Some(param) => {
                if param.rest {
                    // Everything after is this positional's: never re-parsed.
                    self.after_dashes = true;
                }
                self.push_value(&param.policy, arg);
            }
            None => self.mask(),
        }
    }

    /// Whether the next positional of the current command takes the rest of the line.
    fn rest_expected(&self) -> bool {
        !self.lost
            && self
                .current()
                .positionals
                .get(self.positionals)
                .is_some_and(|p| p.rest)
    }

    /// Whether an option-like token names an option in scope (its first letter, for a
    /// bundle of shorts).
    fn known(&self, arg: &[u8]) -> bool {
        let text = String::from_utf8_lossy(arg);
        if let Some(long) = text.strip_prefix("--") {
            let name = long.split_once('=').map_or(long, |(n, _)| n);
            let negated = name.strip_prefix("no-");
            return self
                .find_option(|o| {
                    o.long.iter().any(|l| l == name)
                        || (o.negatable && negated.is_some_and(|n| o.long.iter().any(|l| l == n)))
                })
                .is_some();
        }
        text.chars()
            .nth(1)
            .is_some_and(|c| self.find_option(|o| o.short.contains(&c)).is_some())
    }

    /// The value of `opt`, which had already taken `taken` values in this occurrence.
    fn value(&mut self, opt: &'s Opt, arg: &[u8], taken: usize) {
        self.push_value(opt.value.as_ref().unwrap_or(&Policy::NameOnly), arg);
        let taken = taken + 1;
        if taken < opt.min_values {
            self.pending = Pending::Value(opt, taken);
        } else if taken < opt.max_values {
            self.pending = Pending::More(opt, taken);
        }
    }

    fn push_value(&mut self, policy: &Policy, arg: &[u8]) {
        let clear = std::str::from_utf8(arg)
            .ok()
            .and_then(|value| match policy {
                Policy::NameOnly => None,
                // A value that looks like an option is most likely a mistyped command line
                // (clap refuses it), so "any value" does not cover it.
                Policy::AllowAny if looks_like_option(arg) => None,
                Policy::AllowAny => Some(value.to_owned()),
                Policy::AllowOnly(set) => set.iter().any(|v| v == value).then(|| value.to_owned()),
                Policy::Number => is_number(value).then(|| value.to_owned()),
                Policy::Hashed => self.hasher.map(|hash| hash(value)),
            });
        self.out.args.push(clear.unwrap_or_else(|| MASK.to_owned()));
    }

    fn mask(&mut self) {
        self.out.args.push(MASK.to_owned());
    }

    fn used(&mut self, opt: &Opt) {
        let name = opt.display_name();
        if !self.out.options_used.contains(&name) {
            self.out.options_used.push(name);
        }
    }

    fn current(&self) -> &'s CommandSpec {
        self.chain[self.chain.len() - 1]
    }

    /// The option `matches` picks among those in scope: the current command's own,
    /// then the global ones of the commands it is under, innermost first.
    fn find_option(&self, matches: impl Fn(&Opt) -> bool) -> Option<&'s Opt> {
        let own = self.chain.len() - 1;
        self.chain
            .iter()
            .enumerate()
            .rev()
            .find_map(|(depth, cmd)| {
                let all = depth == own && !self.lost;
                cmd.options.iter().find(|o| (all || o.global) && matches(o))
            })
    }
}

/// A number a value policy may send in clear: short, finite, and nothing but a number.
fn is_number(value: &str) -> bool {
    value.len() <= 24
        && !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'))
        && value.parse::<f64>().is_ok_and(f64::is_finite)
}

/// Whether a token would be read as an option rather than as a further value: it
/// starts with `-`, is not `-` alone, and is not a negative number.
fn looks_like_option(arg: &[u8]) -> bool {
    match arg {
        [b'-', first, ..] => {
            let number = (first.is_ascii_digit() || *first == b'.')
                && std::str::from_utf8(arg).is_ok_and(|s| s.parse::<f64>().is_ok());
            !number
        }
        _ => false,
    }
}
