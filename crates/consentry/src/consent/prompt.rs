//! The opt-in question, asked only of a person at a terminal.

use std::io::{BufRead, Write};

/// A person can answer: stdin and stderr are terminals and this is not CI. Pipes,
/// redirections and CI never see the prompt (they get the opt-in default: off).
pub(crate) fn interactive(env: &dyn crate::configure::env::Env) -> bool {
    env.stdin_is_terminal() && env.stderr_is_terminal() && env.ci().is_none()
}

/// Asks on `out` (stderr), reads one line from `input`: `y` or `yes` (any case) is yes;
/// anything else, an empty line or end of input, is no.
pub(crate) fn ask(question: &str, mut input: impl BufRead, mut out: impl Write) -> bool {
    let _ = out.write_all(question.as_bytes());
    let _ = out.flush();
    let mut line = String::new();
    if input.read_line(&mut line).is_err() {
        return false;
    }
    let yes = matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes");
    let _ = writeln!(
        out,
        "{}",
        if yes {
            "Thank you. Telemetry is on."
        } else {
            "Telemetry stays off."
        }
    );
    yes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_yes_is_yes() {
        for (input, want) in [
            ("y\n", true),
            ("YES\n", true),
            (" yes \n", true),
            ("\n", false),
            ("no\n", false),
            ("", false),
            ("yep\n", false),
        ] {
            let mut out = Vec::new();
            assert_eq!(ask("Q? ", input.as_bytes(), &mut out), want, "{input:?}");
            assert!(String::from_utf8(out).unwrap().starts_with("Q? "));
        }
    }
}
