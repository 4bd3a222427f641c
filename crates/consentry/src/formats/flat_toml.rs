//! Flat TOML: the one reader and writer of consentry's `key = value` files (the user's
//! `telemetry.toml` and a machine policy file, the spool's `state.toml`, a run's
//! marker).
//!
//! These files hold a handful of top-level keys with booleans, integers, floats,
//! strings and one-line arrays of strings, so the reader understands exactly that
//! subset of TOML and nothing more: a line is blank, a comment, or `key = value` with
//! a bare key, an optional comment after it. Anything else (a table header, a dotted
//! or quoted key, a string that goes past its line, a date, an inline table, an
//! escape TOML 1.1 added, a duplicate key, a lone carriage return) is an error, which
//! each caller treats as it treats a file that is not TOML at all. Wherever the reader returns a
//! value, the `toml` crate reads the same (`tests::toml_reads_what_the_reader_accepts`),
//! and what the writer writes `toml` reads back to the same values
//! (`tests::toml_reads_what_the_writer_writes`): the files stay TOML a person can edit,
//! at the cost of one small module instead of a parser crate in every tool's binary.

use std::collections::BTreeMap;
use std::fmt;

/// One value of a `key = value` line.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Bool(bool),
    /// An integer as written; in range for `i64` or `u64` (the `toml` crate reads up
    /// to `u64::MAX` into an unsigned field, so the reader does too).
    Int(i128),
    Float(f64),
    Str(String),
    Strs(Vec<String>),
}

/// Why a file was not read, with the line it happened on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Error {
    line: usize,
    why: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.why)
    }
}

/// A parsed file: each key once, with the line it is on and its value.
#[derive(Debug, Clone, Default)]
pub(crate) struct Doc {
    entries: BTreeMap<String, (usize, Value)>,
}

impl Doc {
    /// Reads `text`; any line outside the subset is an error.
    pub(crate) fn parse(text: &str) -> Result<Doc, Error> {
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
        if text.ends_with('\r') {
            // A carriage return that ends no line (TOML wants `\r\n`).
            let line = text.split('\n').count();
            return Err(Error {
                line,
                why: "a carriage return without a line feed".into(),
            });
        }
        let mut doc = Doc::default();
        for (index, line) in text.split('\n').enumerate() {
            let at = |why: &str| Error {
                line: index + 1,
                why: why.to_owned(),
            };
            let line = line.strip_suffix('\r').unwrap_or(line);
            let mut cur = Cursor(line);
            cur.skip_ws();
            if cur.at_end_of_line().map_err(&at)? {
                continue;
            }
            let key = cur.bare_key().map_err(&at)?;
            cur.skip_ws();
            if !cur.eat('=') {
                return Err(at("expected `=` after the key"));
            }
            cur.skip_ws();
            let value = cur.value().map_err(&at)?;
            cur.skip_ws();
            if !cur.at_end_of_line().map_err(&at)? {
                return Err(at("unexpected text after the value"));
            }
            if doc
                .entries
                .insert(key.to_owned(), (index + 1, value))
                .is_some()
            {
                return Err(at("duplicate key"));
            }
        }
        Ok(doc)
    }

    fn get(&self, key: &str) -> Option<(usize, &Value)> {
        self.entries.get(key).map(|(line, v)| (*line, v))
    }

    fn typed<'a, T>(
        &'a self,
        key: &str,
        what: &str,
        pick: impl FnOnce(&'a Value) -> Option<T>,
    ) -> Result<Option<T>, Error> {
        let Some((line, value)) = self.get(key) else {
            return Ok(None);
        };
        pick(value).map(Some).ok_or_else(|| Error {
            line,
            why: format!("{key} is not {what}"),
        })
    }

    /// `key`'s boolean; an error when it holds anything else.
    pub(crate) fn bool(&self, key: &str) -> Result<Option<bool>, Error> {
        self.typed(key, "a boolean", |v| match v {
            Value::Bool(b) => Some(*b),
            _ => None,
        })
    }

    /// `key`'s integer, when it is one in `0..=u64::MAX`.
    pub(crate) fn u64(&self, key: &str) -> Result<Option<u64>, Error> {
        self.typed(key, "an integer from 0 to 2^64-1", |v| match v {
            Value::Int(n) => u64::try_from(*n).ok(),
            _ => None,
        })
    }

    /// `key`'s integer, when it is one in `0..=u32::MAX`.
    pub(crate) fn u32(&self, key: &str) -> Result<Option<u32>, Error> {
        self.typed(key, "an integer from 0 to 2^32-1", |v| match v {
            Value::Int(n) => u32::try_from(*n).ok(),
            _ => None,
        })
    }

    /// `key`'s number: a float, or an integer read as one (as `toml` does).
    pub(crate) fn f64(&self, key: &str) -> Result<Option<f64>, Error> {
        self.typed(key, "a number", |v| match v {
            Value::Float(f) => Some(*f),
            // Within i64/u64 range: the nearest float, as serde converts one.
            Value::Int(n) => Some(*n as f64),
            _ => None,
        })
    }

    /// `key`'s string.
    pub(crate) fn str(&self, key: &str) -> Result<Option<&str>, Error> {
        self.typed(key, "a string", |v| match v {
            Value::Str(s) => Some(s.as_str()),
            _ => None,
        })
    }

    /// `key`'s array of strings.
    pub(crate) fn strs(&self, key: &str) -> Result<Option<&[String]>, Error> {
        self.typed(key, "an array of strings", |v| match v {
            Value::Strs(s) => Some(s.as_slice()),
            _ => None,
        })
    }
}

/// The rest of one line, read left to right.
struct Cursor<'a>(&'a str);

type Step<T> = Result<T, &'static str>;

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<char> {
        self.0.chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.0 = &self.0[c.len_utf8()..];
        Some(c)
    }

    fn eat(&mut self, c: char) -> bool {
        self.0.strip_prefix(c).map(|rest| self.0 = rest).is_some()
    }

    fn skip_ws(&mut self) {
        self.0 = self.0.trim_start_matches([' ', '\t']);
    }

    /// Whether only a comment (or nothing) is left; a comment may hold no control
    /// character but a tab, as TOML says.
    fn at_end_of_line(&self) -> Step<bool> {
        match self.0.strip_prefix('#') {
            Some(comment) if comment.chars().any(forbidden) => {
                Err("a control character in a comment")
            }
            Some(_) => Ok(true),
            None => Ok(self.0.is_empty()),
        }
    }

    fn bare_key(&mut self) -> Step<&'a str> {
        let len = self
            .0
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
            .count();
        if len == 0 {
            return Err("expected a key (letters, digits, `_`, `-`)");
        }
        let (key, rest) = self.0.split_at(len);
        self.0 = rest;
        Ok(key)
    }

    fn value(&mut self) -> Step<Value> {
        match self.peek() {
            Some('"') => self.basic_string().map(Value::Str),
            Some('\'') => self.literal_string().map(Value::Str),
            Some('[') => self.string_array().map(Value::Strs),
            Some(_) => self.scalar(),
            None => Err("expected a value"),
        }
    }

    /// `"..."` on one line, with TOML 1.0's escapes.
    fn basic_string(&mut self) -> Step<String> {
        if self.0.starts_with("\"\"\"") {
            return self.multi_line('"');
        }
        self.bump();
        let mut out = String::new();
        loop {
            match self.bump().ok_or("a string without its closing quote")? {
                '"' => return Ok(out),
                '\\' => out.push(self.escape()?),
                c if forbidden(c) => return Err("a control character in a string"),
                c => out.push(c),
            }
        }
    }

    fn escape(&mut self) -> Step<char> {
        Ok(
            match self.bump().ok_or("an escape at the end of the line")? {
                '"' => '"',
                '\\' => '\\',
                'b' => '\u{8}',
                't' => '\t',
                'n' => '\n',
                'f' => '\u{c}',
                'r' => '\r',
                'u' => self.unicode(4)?,
                'U' => self.unicode(8)?,
                _ => return Err("an escape TOML 1.0 does not have"),
            },
        )
    }

    fn unicode(&mut self, digits: usize) -> Step<char> {
        let hex = self.0.get(..digits).ok_or("a short \\u escape")?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err("a \\u escape that is not hexadecimal");
        }
        self.0 = &self.0[digits..];
        u32::from_str_radix(hex, 16)
            .ok()
            .and_then(char::from_u32)
            .ok_or("a \\u escape that is not a Unicode scalar value")
    }

    /// `'...'` on one line: no escapes.
    fn literal_string(&mut self) -> Step<String> {
        if self.0.starts_with("'''") {
            return self.multi_line('\'');
        }
        self.bump();
        let end = self
            .0
            .find('\'')
            .ok_or("a string without its closing quote")?;
        let (s, rest) = self.0.split_at(end);
        if s.chars().any(forbidden) {
            return Err("a control character in a string");
        }
        self.0 = &rest[1..];
        Ok(s.to_owned())
    }

    /// A multi-line string (`"""..."""` or `'''...'''`) that starts and ends on this
    /// line: what the `toml` crate writes for a value holding both kinds of quote or a
    /// backslash (`'''C:\Users\O'Brien'''`). One or two quotes may come right before the
    /// closing three, as TOML says; a string that goes on to the next line is not read.
    fn multi_line(&mut self, quote: char) -> Step<String> {
        self.0 = &self.0[3..];
        let mut out = String::new();
        loop {
            let run = self.0.chars().take_while(|&c| c == quote).count();
            if run >= 3 {
                if run > 5 {
                    return Err("too many quotes closing a string");
                }
                out.extend(std::iter::repeat_n(quote, run - 3));
                self.0 = &self.0[run..];
                return Ok(out);
            }
            match self
                .bump()
                .ok_or("a multi-line string goes past its line")?
            {
                '\\' if quote == '"' => out.push(self.escape()?),
                c if forbidden(c) => return Err("a control character in a string"),
                c => out.push(c),
            }
        }
    }

    /// `["a", 'b', ...]` on one line, a trailing comma allowed.
    fn string_array(&mut self) -> Step<Vec<String>> {
        self.bump();
        let mut out = Vec::new();
        loop {
            self.skip_ws();
            if self.eat(']') {
                return Ok(out);
            }
            out.push(match self.peek() {
                Some('"') => self.basic_string()?,
                Some('\'') => self.literal_string()?,
                _ => return Err("only one-line arrays of strings are read"),
            });
            self.skip_ws();
            if !self.eat(',') {
                self.skip_ws();
                return if self.eat(']') {
                    Ok(out)
                } else {
                    Err("expected `,` or `]` in an array")
                };
            }
        }
    }

    /// `true`, `false`, a decimal integer or a float, up to white space or a comment.
    fn scalar(&mut self) -> Step<Value> {
        let len = self.0.find([' ', '\t', '#']).unwrap_or(self.0.len());
        let (word, rest) = self.0.split_at(len);
        self.0 = rest;
        match word {
            "true" => return Ok(Value::Bool(true)),
            "false" => return Ok(Value::Bool(false)),
            "inf" | "+inf" => return Ok(Value::Float(f64::INFINITY)),
            "-inf" => return Ok(Value::Float(f64::NEG_INFINITY)),
            "nan" | "+nan" | "-nan" => return Ok(Value::Float(f64::NAN)),
            _ => {}
        }
        let unsigned = word.strip_prefix(['+', '-']).unwrap_or(word);
        let int_len = unsigned.bytes().take_while(u8::is_ascii_digit).count();
        let (int, tail) = unsigned.split_at(int_len);
        if int.is_empty() || (int.len() > 1 && int.starts_with('0')) {
            return Err("not a boolean, a decimal number or a string");
        }
        if tail.is_empty() {
            // At most 20 digits: u64::MAX has 20, so an i128 cannot overflow.
            if int.len() > 20 {
                return Err("an integer out of range");
            }
            let n: i128 = word.parse().map_err(|_| "an integer out of range")?;
            return if n < i128::from(i64::MIN) || n > i128::from(u64::MAX) {
                Err("an integer out of range")
            } else {
                Ok(Value::Int(n))
            };
        }
        if !float_tail(tail) {
            return Err("not a boolean, a decimal number or a string");
        }
        match word.parse::<f64>() {
            // `1e400`: TOML says a float that overflows is an error, not infinity.
            Ok(f) if f.is_finite() => Ok(Value::Float(f)),
            _ => Err("a float out of range"),
        }
    }
}

/// Whether `tail` (what follows a float's integer part) is `.digits`, an exponent, or
/// both, as TOML writes them (no underscores: the reader is stricter than TOML).
fn float_tail(tail: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let (frac, exp) = match tail.find(['e', 'E']) {
        Some(i) => (&tail[..i], Some(&tail[i + 1..])),
        None => (tail, None),
    };
    let frac_ok = frac.is_empty() || frac.strip_prefix('.').is_some_and(digits);
    let exp_ok = exp.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)));
    frac_ok && exp_ok && !(frac.is_empty() && exp.is_none())
}

/// Characters TOML allows in neither comments nor strings: controls but the tab.
fn forbidden(c: char) -> bool {
    (c.is_ascii_control() && c != '\t') || c == '\u{7f}'
}

/// Builds a file of `key = value` lines the reader (and `toml`) reads back.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    text: String,
}

impl Writer {
    pub(crate) fn new() -> Writer {
        Writer::default()
    }

    fn line(&mut self, key: &str, value: &str) -> &mut Writer {
        debug_assert!(
            Cursor(key).bare_key() == Ok(key),
            "{key:?} is not a bare key"
        );
        self.text.push_str(key);
        self.text.push_str(" = ");
        self.text.push_str(value);
        self.text.push('\n');
        self
    }

    pub(crate) fn bool(&mut self, key: &str, value: bool) -> &mut Writer {
        self.line(key, if value { "true" } else { "false" })
    }

    pub(crate) fn u64(&mut self, key: &str, value: u64) -> &mut Writer {
        self.line(key, &value.to_string())
    }

    /// A float as TOML writes one: Rust's shortest round-trip form always has a `.`
    /// or an exponent; infinities and NaN take TOML's names.
    pub(crate) fn f64(&mut self, key: &str, value: f64) -> &mut Writer {
        let text = if value.is_nan() {
            "nan".to_owned()
        } else {
            format!("{value:?}")
        };
        self.line(key, &text)
    }

    pub(crate) fn str(&mut self, key: &str, value: &str) -> &mut Writer {
        self.line(key, &quoted(value))
    }

    pub(crate) fn strs(&mut self, key: &str, values: &[String]) -> &mut Writer {
        let items: Vec<String> = values.iter().map(|v| quoted(v)).collect();
        self.line(key, &format!("[{}]", items.join(", ")))
    }

    pub(crate) fn finish(&mut self) -> String {
        std::mem::take(&mut self.text)
    }
}

/// `s` as a TOML basic string: quotes, backslashes and control characters escaped.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if forbidden(c) => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests;
