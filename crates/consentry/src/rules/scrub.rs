//! Scrubbing free text, such as error and panic messages, before it is sent.
//!
//! | Found | Becomes |
//! |---|---|
//! | the home directory (as given, `/` and `\` alike, any case) | `<home>` |
//! | a path under it | `<home>/<path>` |
//! | the user name (as a whole word, any case) | `<user>` |
//! | other absolute paths: Unix, `~/`, `C:\`, `\\server\share`, `file:` URLs | `<path>` |
//! | email addresses | `<email>` |
//! | IPv4 and IPv6 addresses | `<ip>` |
//! | credentials in URLs, `https://user:pass@host` | `https://<credentials>@host` |
//! | `token=`, `password=`, `client_secret=`, ... values; `Bearer` tokens | `<token>` |
//! | tokens with a known prefix (`ghp_`, `sk-`, `AKIA`, `xoxb-`, ...), JWTs | `<token>` |
//! | runs of 20 or more of `A-Za-z0-9+/=_-` mixing cases or digits, with high entropy | `<token>` |
//! | values given to [`Scrubber::with_secret`] | `<token>` |
//!
//! Scrubbing is idempotent: scrubbing scrubbed text changes nothing.
//!
//! ```
//! let s = consentry::integration::Scrubber::new().with_home("/home/alice").with_user("alice");
//! assert_eq!(
//!     s.scrub("cannot read /home/alice/notes.txt for alice@example.com"),
//!     "cannot read <home>/<path> for <email>"
//! );
//! ```

mod known;
mod patterns;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use std::error::Error;
use std::path::Path;
use std::sync::{LazyLock, OnceLock};

use known::Known;

/// The most bytes [`scrub_error`] returns.
pub(crate) const MAX_ERROR_LEN: usize = 1024;

/// How much of one message (a panic's, or one error of a chain) is read at most. The
/// result keeps only [`MAX_ERROR_LEN`] bytes, and the patterns cost about a
/// millisecond per KiB: a tool whose error quotes a whole file must not spend seconds
/// on the way out.
const MAX_READ: usize = 2 * MAX_ERROR_LEN;

/// How many times [`Scrubber::scrub`] passes over a text at most.
const MAX_PASSES: usize = 4;

/// How many errors of a `source()` chain [`scrub_error`] reads at most.
const MAX_CHAIN: usize = 16;

/// Scrubs `text` with the [default scrubber](Scrubber::from_env).
pub fn scrub(text: &str) -> String {
    DEFAULT.scrub(text)
}

/// Scrubs an error and its `source()` chain with the [default scrubber](Scrubber::from_env).
/// See [`Scrubber::scrub_error`].
pub fn scrub_error(error: &dyn Error) -> String {
    DEFAULT.scrub_error(error)
}

/// Like [`scrub_error`], replacing the run's hidden values in each part first.
pub(crate) fn scrub_error_hiding(error: &dyn Error, hidden: &crate::rules::mask::Hidden) -> String {
    DEFAULT.scrub_error_with(error, &|text| hidden.apply(text))
}

/// Like [`scrub`], replacing the run's hidden values first, reading at most
/// [`MAX_READ`] bytes and keeping at most [`MAX_ERROR_LEN`].
pub(crate) fn scrub_hiding(text: &str, hidden: &crate::rules::mask::Hidden) -> String {
    truncate(DEFAULT.scrub(&window(&hidden.apply(text))), MAX_ERROR_LEN)
}

static DEFAULT: LazyLock<Scrubber> = LazyLock::new(Scrubber::from_env);

/// Replaces what identifies a person or a machine in free text by placeholders.
///
/// It knows the patterns in the module docs and, on top of them, the values it
/// is given: home directories, user names, and other secrets. Its regexes are built on
/// first use and kept.
#[derive(Debug, Clone, Default)]
pub struct Scrubber {
    known: Known,
    compiled: OnceLock<Option<regex_lite::Regex>>,
}

impl Scrubber {
    /// A scrubber with the patterns only, knowing no home directory or user name.
    pub fn new() -> Self {
        Scrubber::default()
    }

    /// A scrubber that knows the current user's home directory (from the OS) and user
    /// name (`USER`, `USERNAME` or `LOGNAME`, and the home directory's last component).
    /// This is what [`scrub`] uses, read once per process.
    pub fn from_env() -> Self {
        Scrubber::from(&crate::configure::env::OsEnv)
    }

    /// [`from_env`](Self::from_env) for the environment `env` gives.
    pub fn from(env: &dyn crate::configure::env::Env) -> Self {
        let mut scrubber = Scrubber::new();
        if let Some(home) = env.home_dir() {
            if let Some(last) = home.file_name().and_then(|n| n.to_str()) {
                scrubber = scrubber.with_user(last);
            }
            scrubber = scrubber.with_home(home);
        }
        for var in ["USER", "USERNAME", "LOGNAME"] {
            if let Some(name) = env.var_os(var).and_then(|v| v.into_string().ok()) {
                scrubber = scrubber.with_user(&name);
            }
        }
        scrubber
    }

    /// Adds a home directory, replaced by `<home>` (and what is under it by
    /// `<home>/<path>`). A root directory or one that is not UTF-8 is ignored.
    #[must_use]
    pub fn with_home(mut self, home: impl AsRef<Path>) -> Self {
        self.known.add_home(home.as_ref());
        self.compiled = OnceLock::new();
        self
    }

    /// Adds a user name, replaced by `<user>` where it stands as a whole word. Names of
    /// fewer than two characters are ignored.
    #[must_use]
    pub fn with_user(mut self, name: &str) -> Self {
        self.known.add_user(name);
        self.compiled = OnceLock::new();
        self
    }

    /// Adds a value the tool knows is secret (an API key it read, a project name),
    /// replaced by `<token>` wherever it appears. Values of fewer than four characters
    /// are ignored.
    #[must_use]
    pub fn with_secret(mut self, value: &str) -> Self {
        self.known.add_secret(value);
        self.compiled = OnceLock::new();
        self
    }

    /// Scrubs `text`.
    pub fn scrub(&self, text: &str) -> String {
        // A rule can turn the context of an earlier rule's match into a placeholder; a
        // second pass then sees what the first could not. Passes only ever turn text into
        // placeholders, so they settle; passing until nothing changes (with a bound, for
        // time) keeps `scrub(scrub(x)) == scrub(x)`.
        let mut text = self.pass(text);
        for _ in 1..MAX_PASSES {
            let next = self.pass(&text);
            if next == text {
                break;
            }
            text = next;
        }
        text
    }

    fn pass(&self, text: &str) -> String {
        match self.compiled.get_or_init(|| self.known.compile()) {
            Some(known) => patterns::apply(&known::apply(known, text)),
            None => patterns::apply(text),
        }
    }

    /// Scrubs an error and its `source()` chain, joined with `": "`, each part scrubbed
    /// on its own. A part whose text the part before already contains is left out (many
    /// errors repeat their source). The result is at most 1 KiB, cut
    /// on a character boundary and ended with `...` when cut.
    pub fn scrub_error(&self, error: &dyn Error) -> String {
        self.scrub_error_with(error, &str::to_owned)
    }

    /// [`scrub_error`](Self::scrub_error) with `first` applied to each part before it
    /// is scrubbed.
    fn scrub_error_with(&self, error: &dyn Error, first: &dyn Fn(&str) -> String) -> String {
        let mut out = String::new();
        let mut previous = String::new();
        let mut next = Some(error);
        for _ in 0..MAX_CHAIN {
            let Some(error) = next else { break };
            let text = error.to_string();
            if !text.is_empty() && !previous.contains(&text) {
                if !out.is_empty() {
                    out.push_str(": ");
                }
                out.push_str(&self.scrub(&window(&first(&text))));
            }
            if out.len() > MAX_ERROR_LEN {
                break;
            }
            previous = text;
            next = error.source();
        }
        truncate(out, MAX_ERROR_LEN)
    }
}

/// `text` cut to what the patterns read: at most [`MAX_READ`] bytes, ending before the
/// word the cut would split (a secret cut in two no longer matches its pattern, so its
/// first half must not be kept), then `...`.
fn window(text: &str) -> std::borrow::Cow<'_, str> {
    if text.len() <= MAX_READ {
        return text.into();
    }
    let cut = (0..=MAX_READ)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    let head = &text[..cut];
    let word_start = head
        .char_indices()
        .rev()
        .find(|&(_, c)| c.is_whitespace() || "\"'(),;<>[]{}".contains(c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    format!("{}...", &head[..word_start]).into()
}

/// Cuts `text` to at most `max` bytes on a character boundary, ending it with `...`.
fn truncate(mut text: String, max: usize) -> String {
    const MORE: &str = "...";
    if text.len() > max {
        let cut = (0..=max - MORE.len())
            .rev()
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(0);
        text.truncate(cut);
        text.push_str(MORE);
    }
    text
}
