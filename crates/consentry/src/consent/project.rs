//! The project `.telemetry` file (Kedro's format, `consent: false`).
//!
//! A repository can ship this file, so it speaks for whoever cloned the repository, not
//! for the person running the tool. It may therefore only turn telemetry off:
//! `consent: true` is ignored (and `telemetry status` says so). Whatever cannot be
//! read or parsed (a symlink, a FIFO, a directory, an oversized or non-UTF-8 file,
//! invalid YAML, a value that is not a boolean) opts out, and says why.
//!
//! The lookup walks from the working directory upward with `lstat` only, and the read
//! goes through [`files::read_capped`], so a `.telemetry -> /proc/self/pagemap` in a
//! parent directory costs microseconds instead of gigabytes.

use std::path::{Path, PathBuf};

use saphyr_parser::{Event, Parser};

use super::{FileSays, PROJECT_FILE};
use crate::sys::files::{self, ReadError};

/// Most YAML events looked at: a real file has about six; the size cap alone would
/// still allow a deeply nested 64 KiB document.
const MAX_EVENTS: usize = 4096;

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
/// or not, in block or flow style) opts out; `consent: true` is [`FileSays::Ignored`].
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

/// Where the parser is inside the document.
enum Frame {
    /// A mapping; `key_next` when the next node is a key; `top` for the root mapping.
    Map {
        key_next: bool,
        top: bool,
    },
    Seq,
}

/// The top-level `consent` value of every document in `text`; several (duplicate
/// keys, several documents) combine strictest first: any `false` wins.
fn consent_value(text: &str) -> Result<Option<bool>, String> {
    let mut stack: Vec<Frame> = Vec::new();
    let mut key_is_consent = false;
    let mut said: Option<bool> = None;
    for (count, item) in Parser::new_from_str(text).enumerate() {
        if count > MAX_EVENTS {
            return Err("not a consent file: too many YAML nodes".into());
        }
        let (event, _) = item.map_err(|e| format!("not valid YAML: {e}"))?;
        let opens = matches!(event, Event::MappingStart(..) | Event::SequenceStart(..));
        let is_node = opens || matches!(event, Event::Scalar(..) | Event::Alias(_));
        if is_node {
            match stack.last_mut() {
                None => {
                    // The document's root: a mapping, or an empty document.
                    if !matches!(event, Event::MappingStart(..)) && !is_null(&event) {
                        return Err("not `consent: false`: the file is not a YAML mapping".into());
                    }
                }
                Some(Frame::Map { key_next, top }) => {
                    if *key_next {
                        key_is_consent =
                            *top && matches!(&event, Event::Scalar(k, ..) if k == "consent");
                    } else if *top && key_is_consent {
                        let value = boolean(&event)?;
                        said = Some(said.unwrap_or(true) && value);
                    }
                    *key_next = !*key_next;
                }
                Some(Frame::Seq) => {}
            }
        }
        match event {
            Event::MappingStart(..) => stack.push(Frame::Map {
                key_next: true,
                top: stack.is_empty(),
            }),
            Event::SequenceStart(..) => stack.push(Frame::Seq),
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
            }
            _ => {}
        }
    }
    Ok(said)
}

fn is_null(event: &Event<'_>) -> bool {
    matches!(event, Event::Scalar(v, ..) if matches!(v.as_ref(), "" | "~" | "null" | "Null" | "NULL"))
}

/// A consent value: YAML 1.1 booleans as Kedro's PyYAML reads them, in any case,
/// quoted or not (a quoted `"false"` still reads as the person's intent).
fn boolean(event: &Event<'_>) -> Result<bool, String> {
    let Event::Scalar(value, ..) = event else {
        return Err("consent must be true or false, not a collection or alias".into());
    };
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
mod tests {
    use super::*;

    #[test]
    fn every_yaml_spelling_of_false_opts_out() {
        for text in [
            "consent: false",
            "consent: False\n",
            "consent: FALSE",
            "consent: no",
            "consent: off",
            "consent: Off",
            "\"consent\": false",
            "'consent': false",
            "{consent: false}",
            "{\"consent\": \"false\"}",
            "\u{FEFF}consent: false\n",
            "---\nconsent: false\n...\n",
            "# kedro\nconsent: false # no thanks\nother: [1, 2]\n",
            "consent: !!bool false",
            "consent: &a false",
            "consent:   false   ",
            "consent: true\nconsent: false\n",
            "consent: true\n---\nconsent: false\n",
        ] {
            assert_eq!(consent_value(text), Ok(Some(false)), "{text:?}");
        }
    }

    #[test]
    fn true_is_reported_so_that_it_can_be_ignored() {
        for text in [
            "consent: true",
            "consent: yes",
            "'consent': 'On'",
            "{consent: TRUE}",
        ] {
            assert_eq!(consent_value(text), Ok(Some(true)), "{text:?}");
        }
    }

    #[test]
    fn no_consent_key_says_nothing() {
        for text in [
            "",
            "# only a comment\n",
            "---\n",
            "~",
            "other: 1",
            "nested:\n  consent: false\n",
            "[consent, false]: x",
            "list:\n  - consent: false\n",
        ] {
            assert_eq!(consent_value(text), Ok(None), "{text:?}");
        }
    }

    #[test]
    fn anything_else_is_broken() {
        for text in [
            "consent: maybe",
            "consent:",
            "consent: [false]",
            "consent: {x: 1}",
            "a: &x false\nconsent: *x",
            "consent false",
            "just garbage",
            "- consent: false",
            "consent: 'false",
            "{consent: false",
            "\t- : :\n  ]",
        ] {
            assert!(consent_value(text).is_err(), "{text:?}");
        }
        let deep = "[".repeat(20_000);
        assert!(consent_value(&deep).is_err());
        let wide = format!("{{{}}}", "a: 1, ".repeat(5_000));
        assert!(consent_value(&wide).is_err());
    }
}
