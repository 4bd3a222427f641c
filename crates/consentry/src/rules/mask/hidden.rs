//! What was masked stays masked everywhere.
//!
//! A value the user typed and [`process.command_args`](crate::rules::attributes::COMMAND_ARGS)
//! sends as [`MASK`] (or as a keyed hash) often comes back in an error message: `'next
//! tuesday alice' is not a valid date`, `regex parse error: acme-merger-plans[`. The
//! run keeps those raw values in memory (never sent, dropped with the run) and every
//! message it records, error chains and panic messages alike, has them replaced by
//! [`MASK`] before it is scrubbed.
//!
//! Matching: a value of three or more characters is replaced wherever it occurs,
//! ignoring ASCII case; a value of one or two characters only where it stands as a
//! whole word (not next to a letter or digit), so that `-n 5` masks `'5'` and `line 5`
//! but not the 5 in `2025`. A path-like value also hides each of its components of three
//! or more characters (`clients/acme-corp` hides `acme-corp` on its own). A message
//! longer than [`MAX_TEXT`], or a command line with more than [`MAX_VALUES`] hidden
//! values, is replaced by [`MASK`] whole: bounded time, and nothing left to chance.

use std::collections::BTreeSet;
use std::ffi::OsStr;

use super::MASK;

/// Most hidden values a run keeps; a longer command line has its messages dropped.
pub(crate) const MAX_VALUES: usize = 1024;
/// Longest message part masked value by value; a longer one is replaced whole.
pub(crate) const MAX_TEXT: usize = 64 * 1024;

/// The raw values of one command line that were not sent in clear.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Hidden {
    /// ASCII-lowercased values of 3 or more bytes, longest first.
    anywhere: Vec<String>,
    /// Values of 1 or 2 characters, matched as whole words only.
    words: Vec<String>,
    /// More values than [`MAX_VALUES`]: every message is dropped.
    overflow: bool,
}

impl Hidden {
    /// The values among `raw` (the command line as typed, without the program name)
    /// that `sent` (what `process.command_args` carries) does not contain verbatim:
    /// whole tokens, the value of `--opt=value` and of `-ovalue`.
    pub(crate) fn new<T: AsRef<OsStr>>(raw: &[T], sent: &[String]) -> Self {
        let sent: BTreeSet<&str> = sent.iter().map(String::as_str).collect();
        let mut values = BTreeSet::new();
        for token in raw {
            let token = token.as_ref().to_string_lossy();
            if sent.contains(token.as_ref()) {
                continue;
            }
            // The token, and what an option token may carry: `--opt=value`,
            // `-ovalue`, or a value that merely starts with a dash.
            let mut parts = vec![token.to_string()];
            let bare = token.trim_start_matches('-');
            if bare.len() < token.len() {
                parts.push(bare.to_owned());
                if let Some((_, value)) = bare.split_once('=') {
                    parts.push(value.to_owned());
                }
                if !token.starts_with("--") {
                    parts.push(bare.chars().skip(1).collect());
                }
            }
            for part in parts {
                if part.is_empty() || part == MASK || sent.contains(part.as_str()) {
                    continue;
                }
                for piece in part.split(['/', '\\']).filter(|p| p.len() >= 3) {
                    values.insert(piece.to_owned());
                }
                values.insert(part);
            }
        }
        let mut hidden = Hidden {
            overflow: values.len() > MAX_VALUES,
            ..Hidden::default()
        };
        for v in values {
            if v.chars().count() <= 2 {
                hidden.words.push(v);
            } else {
                hidden.anywhere.push(v.to_ascii_lowercase());
            }
        }
        // Longest first: a value containing another is replaced as a whole.
        hidden.anywhere.sort_by_key(|v| std::cmp::Reverse(v.len()));
        hidden
    }

    /// Whether nothing is hidden.
    pub(crate) fn is_empty(&self) -> bool {
        self.anywhere.is_empty() && self.words.is_empty() && !self.overflow
    }

    /// `text` with every hidden value replaced by [`MASK`].
    pub(crate) fn apply(&self, text: &str) -> String {
        if self.is_empty() {
            return text.to_owned();
        }
        if self.overflow || text.len() > MAX_TEXT {
            return MASK.to_owned();
        }
        // ASCII lowercasing keeps every byte offset, so ranges found in `lower` are
        // ranges of `text`, on character boundaries.
        let lower = text.to_ascii_lowercase();
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        for v in &self.anywhere {
            ranges.extend(
                lower
                    .match_indices(v.as_str())
                    .map(|(i, m)| (i, i + m.len())),
            );
        }
        for w in &self.words {
            ranges.extend(
                text.match_indices(w.as_str())
                    .map(|(i, m)| (i, i + m.len()))
                    .filter(|&(s, e)| stands_alone(text, s, e)),
            );
        }
        if ranges.is_empty() {
            return text.to_owned();
        }
        ranges.sort_unstable();
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        let mut current: Option<(usize, usize)> = None;
        for (start, end) in ranges {
            match &mut current {
                // Overlapping or adjacent: one mask for both.
                Some((_, e)) if start <= *e => *e = (*e).max(end),
                _ => {
                    if let Some((s, e)) = current.replace((start, end)) {
                        out.push_str(&text[at..s]);
                        out.push_str(MASK);
                        at = e;
                    }
                }
            }
        }
        if let Some((s, e)) = current {
            out.push_str(&text[at..s]);
            out.push_str(MASK);
            at = e;
        }
        out.push_str(&text[at..]);
        out
    }
}

fn stands_alone(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hidden(raw: &[&str], sent: &[&str]) -> Hidden {
        let sent: Vec<String> = sent.iter().map(|s| (*s).to_owned()).collect();
        Hidden::new(raw, &sent)
    }

    #[test]
    fn masked_values_are_masked_in_messages() {
        let h = hidden(
            &[
                "grep",
                "acme-merger-plans[",
                "--since=next tuesday alice",
                "-dclients/acme-corp",
            ],
            &["grep", MASK, "--since", MASK, "-d", MASK],
        );
        assert_eq!(
            h.apply("regex parse error: acme-merger-plans["),
            "regex parse error: *****"
        );
        assert_eq!(
            h.apply("'Next Tuesday ALICE' is not a valid date or duration"),
            "'*****' is not a valid date or duration"
        );
        assert_eq!(
            h.apply("The '--base-directory' path 'clients/acme-corp' is not a directory"),
            "The '--base-directory' path '*****' is not a directory"
        );
        assert_eq!(h.apply("acme-corp: not found"), "*****: not found");
        assert_eq!(h.apply("grep failed"), "grep failed", "sent words stay");
    }

    #[test]
    fn short_values_mask_whole_words_only() {
        let h = hidden(&["-n", "5", "--x=ab"], &["-n", MASK, "--x", MASK]);
        assert_eq!(
            h.apply("invalid value '5' for -n"),
            "invalid value '*****' for -n"
        );
        assert_eq!(h.apply("in 2025, at 5"), "in 2025, at *****");
        assert_eq!(h.apply("ab: tab"), "*****: tab");
    }

    #[test]
    fn overlapping_and_adjacent_values_leave_nothing() {
        let h = hidden(&["abcdef", "defghi", "xyz"], &[]);
        let out = h.apply("abcdefghi xyzxyz");
        assert_eq!(out, "***** *****");
        for v in ["abc", "def", "ghi", "xyz"] {
            assert!(!out.contains(v), "{out}");
        }
    }

    #[test]
    fn bounds_drop_the_message_rather_than_leak() {
        let h = hidden(&["secret-value"], &[]);
        let long = format!("{} secret-value", "x".repeat(MAX_TEXT));
        assert_eq!(h.apply(&long), MASK);
        let many: Vec<String> = (0..=MAX_VALUES).map(|i| format!("value{i}")).collect();
        let h = Hidden::new(&many, &[]);
        assert_eq!(h.apply("anything"), MASK);
        assert_eq!(Hidden::default().apply("kept as is"), "kept as is");
    }

    #[cfg(unix)]
    #[test]
    fn not_utf8_values_are_hidden_in_their_lossy_form() {
        use std::os::unix::ffi::OsStrExt;
        let raw = [OsStr::from_bytes(b"caf\xe9-plans")];
        let h = Hidden::new(&raw, &[MASK.to_owned()]);
        assert_eq!(h.apply("no file caf\u{FFFD}-plans"), "no file *****");
    }
}
