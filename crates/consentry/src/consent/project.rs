//! The project `.telemetry` file (Kedro's format, `consent: false`).
//!
//! A repository can ship this file, so it speaks for whoever cloned the repository, not
//! for the person running the tool. It may therefore only turn telemetry off:
//! `consent: true` is ignored (and `telemetry status` says so). Whatever cannot be
//! read or parsed (a symlink, a FIFO, a directory, an oversized or non-UTF-8 file, a
//! line the reader does not understand, a value that is not a boolean) opts out, and
//! says why.
//!
//! The file is YAML, but the reader is not a YAML parser: it reads the one line it
//! needs, a top-level `consent: <boolean>`, line by line, and treats anything outside
//! the plain block style Kedro writes (flow mappings, anchors, tags, an indented root,
//! a sequence) as unreadable, which opts out too. Wherever it does return a value, a
//! YAML parser reads the same (`tests::a_yaml_parser_agrees_wherever_the_reader_answers`),
//! so the stricter reader can only opt out more, never less; and it is one small
//! function instead of a parser crate in every tool's binary.
//!
//! The lookup walks from the working directory upward with `lstat` only, and the read
//! goes through [`files::read_capped`], so a `.telemetry -> /proc/self/pagemap` in a
//! parent directory costs microseconds instead of gigabytes.

use std::path::{Path, PathBuf};

use super::{FileSays, PROJECT_FILE};
use crate::sys::files::{self, ReadError};

/// The nearest `.telemetry` from `start` upward, whatever it is: a symlink, FIFO or
/// directory there is found too (and then read as unreadable), never followed.
pub(crate) fn find_project_file(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .take(64)
        .map(|d| d.join(PROJECT_FILE))
        .find(|p| std::fs::symlink_metadata(p).is_ok())
}

/// What a project file says: `consent: false` (or YAML's `no`, `off`, any case, quoted
/// or not) opts out; `consent: true` is [`FileSays::Ignored`].
pub(crate) fn read_project_file(path: &Path) -> FileSays {
    let bytes = match files::read_capped(path, files::PROJECT_CAP) {
        Ok(bytes) => bytes,
        // Gone between lookup and read: nothing to say.
        Err(ReadError::Missing) => return FileSays::Nothing,
        Err(e) => return FileSays::Broken(e.to_string()),
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return FileSays::Broken("not UTF-8".into());
    };
    match consent_value(text) {
        Ok(None) => FileSays::Nothing,
        Ok(Some(false)) => FileSays::Enabled(false),
        Ok(Some(true)) => FileSays::Ignored,
        Err(why) => FileSays::Broken(why),
    }
}

/// The top-level `consent` values of `text`; several (duplicate keys, several
/// documents) combine strictest first: any `false` wins. Every line is one of: blank,
/// a comment, a document marker (`---`, `...`), a top-level `key: value`, or an
/// indented line under a top-level key (part of that key's value, which is only read
/// for `consent`). Anything else is an error, which opts out.
fn consent_value(text: &str) -> Result<Option<bool>, String> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut said: Option<bool> = None;
    // Where an indented line belongs: under another key (skipped), under `consent`
    // (a value continued on the next line: not read, so an error) or nowhere.
    let mut under_key = false;
    let mut under_consent = false;
    for (index, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let at = |why: &str| format!("line {}: {why}", index + 1);
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if under_consent {
                return Err(at("the consent value goes on past its line"));
            }
            if under_key {
                continue;
            }
            return Err(at("indented, but under no key"));
        }
        if let Some(rest) = line
            .strip_prefix("---")
            .or_else(|| line.strip_prefix("..."))
        {
            if !is_comment_or_nothing(rest) {
                return Err(at("not a document marker"));
            }
            under_key = false;
            under_consent = false;
            continue;
        }
        let Some((key, value)) = key_and_value(line) else {
            return Err(at("not `key: value` (only the block style is read)"));
        };
        under_key = true;
        under_consent = key == "consent";
        if under_consent {
            let value = boolean(
                scalar(value).ok_or_else(|| at("consent value is not a plain or quoted word"))?,
            )?;
            said = Some(said.unwrap_or(true) && value);
        }
    }
    Ok(said)
}

/// A top-level `key: value` line: its key (unquoted) and the text after the colon.
/// `None` for anything that is not plainly a mapping key: a sequence item, a flow
/// collection, an alias, a tag, a complex key.
fn key_and_value(line: &str) -> Option<(&str, &str)> {
    let (key, rest) = if let Some(quote) = line.chars().next().filter(|c| matches!(c, '\'' | '"')) {
        let inner = &line[1..];
        let close = inner.find(quote)?;
        // An escape could spell `consent` in other letters: not read, so an error.
        if quote == '"' && inner[..close].contains('\\') {
            return None;
        }
        (&inner[..close], inner[close + 1..].trim_start())
    } else {
        if line.starts_with(|c: char| "-?:,[]{}#&*!|>'\"%@`".contains(c)) {
            return None;
        }
        let colon = line
            .match_indices(':')
            .find(|&(i, _)| line[i + 1..].is_empty() || line[i + 1..].starts_with([' ', '\t']))?;
        let key = &line[..colon.0];
        // ` #` starts a comment in YAML: `other #x: 1` is no key but a broken line.
        if key.contains(" #") || key.contains("\t#") {
            return None;
        }
        (key.trim_end(), &line[colon.0..])
    };
    let value = rest.strip_prefix(':')?;
    (value.is_empty() || value.starts_with([' ', '\t'])).then_some((key, value))
}

/// The word a value holds: plain (up to a ` #` comment) or in one pair of quotes
/// with only a comment after; `None` for anything else (empty, a collection, an
/// anchor or tag, an unclosed quote).
fn scalar(value: &str) -> Option<&str> {
    let value = value.trim();
    if let Some(quote) = value.chars().next().filter(|c| matches!(c, '\'' | '"')) {
        let inner = &value[1..];
        let close = inner.find(quote)?;
        return is_comment_or_nothing(&inner[close + 1..]).then(|| &inner[..close]);
    }
    let end = value
        .match_indices('#')
        .find(|&(i, _)| value[..i].ends_with([' ', '\t']))
        .map_or(value.len(), |(i, _)| i);
    let word = value[..end].trim_end();
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    plain.then_some(word)
}

/// What may follow a closing quote or a document marker: nothing, or a comment
/// (which YAML starts only after whitespace).
fn is_comment_or_nothing(text: &str) -> bool {
    text.trim().is_empty() || (text.starts_with([' ', '\t']) && text.trim_start().starts_with('#'))
}

/// A consent value: YAML 1.1 booleans as Kedro's PyYAML reads them, in any case,
/// quoted or not (a quoted `"false"` still reads as the person's intent).
fn boolean(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" => Ok(true),
        "false" | "no" | "off" => Ok(false),
        other => {
            let shown: String = other.chars().take(20).collect();
            Err(format!("consent must be true or false, not {shown:?}"))
        }
    }
}

#[cfg(test)]
mod tests;
