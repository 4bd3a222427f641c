//! The schema-less fallback, for tools that declare no [`Schema`](super::Schema).
//!
//! Without a schema nothing tells a value from an option name, so a token is kept in
//! clear only when it is certainly not a value: a word of the command path the author
//! named, a long option name of plain characters, or a single-letter short option.
//! Everything else, including anything that is not UTF-8, becomes [`MASK`].

use std::ffi::OsStr;

use super::MASK;

const MAX_OPTION_NAME: usize = 40;

/// Masks `args` (without the program name) with no schema. Leading positionals that spell
/// `command_path` in order are kept, so `taskr remote add NAME` shows `remote add *****`.
pub fn mask_args<I, T>(command_path: &[&str], args: I) -> Vec<String>
where
    I: IntoIterator<Item = T>,
    T: AsRef<OsStr>,
{
    let mut out = Vec::new();
    let mut path = command_path.iter().peekable();
    let mut after_double_dash = false;
    for arg in args {
        let Some(arg) = arg.as_ref().to_str() else {
            out.push(MASK.to_owned());
            continue;
        };
        if after_double_dash {
            out.push(MASK.to_owned());
            continue;
        }
        if path.peek().is_some_and(|w| **w == arg) {
            path.next();
            out.push(arg.to_owned());
            continue;
        }
        if arg == "--" {
            after_double_dash = true;
            out.push(arg.to_owned());
        } else if let Some(long) = arg.strip_prefix("--") {
            let (name, value) = match long.split_once('=') {
                Some((n, _)) => (n, true),
                None => (long, false),
            };
            out.push(if plain_name(name) {
                format!("--{name}")
            } else {
                format!("--{MASK}")
            });
            if value {
                out.push(MASK.to_owned());
            }
        } else if let Some(short) = arg.strip_prefix('-').filter(|s| !s.is_empty()) {
            let mut chars = short.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) if c.is_ascii_alphabetic() => out.push(arg.to_owned()),
                // `-ovalue` and `-abc` cannot be told apart without a declared schema.
                (Some(c), Some(_)) if c.is_ascii_alphabetic() => {
                    out.push(format!("-{c}"));
                    out.push(MASK.to_owned());
                }
                _ => out.push(MASK.to_owned()),
            }
        } else {
            out.push(MASK.to_owned());
        }
    }
    out
}

fn plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_OPTION_NAME
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(path: &[&str], args: &[&str]) -> Vec<String> {
        mask_args(path, args)
    }

    #[test]
    fn kedro_example() {
        assert_eq!(
            m(&["run"], &["run", "--pipeline=ds", "--env", "test"]),
            ["run", "--pipeline", MASK, "--env", MASK]
        );
    }

    #[test]
    fn positionals_and_short_forms() {
        assert_eq!(
            m(
                &["add"],
                &["add", "buy milk", "-p", "high", "-phigh", "-5", "-"]
            ),
            ["add", MASK, "-p", MASK, "-p", MASK, MASK, MASK]
        );
    }

    #[test]
    fn command_words_only_in_leading_order() {
        assert_eq!(
            m(&["remote", "add"], &["remote", "add", "add"]),
            ["remote", "add", MASK]
        );
        assert_eq!(m(&["add"], &["--x", "add"]), ["--x", "add"]);
    }

    #[test]
    fn odd_option_names_are_masked() {
        assert_eq!(
            m(
                &[],
                &[
                    "--token=abc",
                    "--sk-live-7f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a"
                ]
            ),
            ["--token", MASK, "--*****"]
        );
        assert_eq!(m(&[], &["--me@x.org", "--/home/u"]), ["--*****", "--*****"]);
    }

    #[test]
    fn everything_after_double_dash_is_masked() {
        assert_eq!(
            m(&["exec"], &["exec", "--", "--flag", "exec"]),
            ["exec", "--", MASK, MASK]
        );
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_is_masked() {
        use std::os::unix::ffi::OsStrExt;
        let args = [OsStr::from_bytes(b"--na\xffme"), OsStr::from_bytes(b"\xff")];
        assert_eq!(mask_args(&[], args), [MASK, MASK]);
    }
}
