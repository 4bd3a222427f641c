//! The JSON consentry writes for the user to read: print mode's request (pretty),
//! `telemetry log --json` (a compact line per request) and `telemetry view --json`.
//!
//! A writer of its own instead of serde_json: three outputs of known shape do not need
//! a serialization framework in every tool's build. It writes byte for byte what
//! serde_json wrote before it (which stays a dev-dependency, the oracle of the tests):
//! the same escapes, the same numbers, the same pretty layout.

mod otlp;
#[cfg(test)]
pub(crate) mod strategies;
#[cfg(test)]
mod tests;

pub(crate) use otlp::request;

/// Compact (`{"a":1}`) or pretty (two-space indent, `"a": 1`), as serde_json's
/// `to_string` and `to_string_pretty`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    Compact,
    Pretty,
}

/// The order of an object's members: as written, or sorted by key (byte order), as
/// serde_json's map (`serde_json::Value`, `json!`) keeps them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keys {
    AsWritten,
    Sorted,
}

/// A JSON text being written; values go in through [`Writer::object`],
/// [`Writer::array`] and the scalar methods, one value per writer or per slot.
#[derive(Debug)]
pub(crate) struct Writer {
    out: String,
    style: Style,
    keys: Keys,
    depth: usize,
}

impl Writer {
    pub(crate) fn new(style: Style, keys: Keys) -> Self {
        Writer {
            out: String::new(),
            style,
            keys,
            depth: 0,
        }
    }

    pub(crate) fn finish(self) -> String {
        self.out
    }

    /// An object; `fill` adds its members with [`Object::field`].
    pub(crate) fn object(&mut self, fill: impl FnOnce(&mut Object<'_>)) {
        // Generic code stays this thin: every closure makes a copy of it, and a print
        // mode request has some sixty.
        let mut object = Object::open(self);
        fill(&mut object);
        object.close();
    }

    /// An array of `items`, each written by `each`.
    pub(crate) fn array<T>(
        &mut self,
        items: impl IntoIterator<Item = T>,
        mut each: impl FnMut(&mut Writer, T),
    ) {
        self.open('[');
        let mut empty = true;
        for item in items {
            self.separate(empty);
            empty = false;
            each(self, item);
        }
        self.close(']', empty);
    }

    /// A string: `"` and `\` escaped, control characters as `\n`-style escapes where
    /// JSON has one and `\u00XX` (lower-case hex) otherwise, everything else as is.
    pub(crate) fn string(&mut self, s: &str) {
        self.out.push('"');
        let mut rest = s;
        while let Some(at) = rest.find(|c: char| c < ' ' || c == '"' || c == '\\') {
            self.out.push_str(&rest[..at]);
            let c = rest.as_bytes()[at];
            match c {
                b'"' => self.out.push_str("\\\""),
                b'\\' => self.out.push_str("\\\\"),
                b'\n' => self.out.push_str("\\n"),
                b'\r' => self.out.push_str("\\r"),
                b'\t' => self.out.push_str("\\t"),
                0x08 => self.out.push_str("\\b"),
                0x0c => self.out.push_str("\\f"),
                _ => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    self.out.push_str("\\u00");
                    self.out.push(char::from(HEX[usize::from(c >> 4)]));
                    self.out.push(char::from(HEX[usize::from(c & 0xf)]));
                }
            }
            rest = &rest[at + 1..];
        }
        self.out.push_str(rest);
        self.out.push('"');
    }

    pub(crate) fn uint(&mut self, n: u64) {
        self.push_display(n);
    }

    pub(crate) fn int(&mut self, n: i64) {
        self.push_display(n);
    }

    pub(crate) fn bool(&mut self, b: bool) {
        self.out.push_str(if b { "true" } else { "false" });
    }

    pub(crate) fn null(&mut self) {
        self.out.push_str("null");
    }

    /// A double as serde_json writes one: `null` when not finite, else the shortest
    /// digits that read back as the same double, laid out by [`float_layout`].
    pub(crate) fn float(&mut self, f: f64) {
        if f.is_finite() {
            float_layout(&mut self.out, f);
        } else {
            self.null();
        }
    }

    fn push_display(&mut self, n: impl std::fmt::Display) {
        use std::fmt::Write as _;
        let _ = write!(self.out, "{n}");
    }

    fn open(&mut self, bracket: char) {
        self.out.push(bracket);
        self.depth += 1;
    }

    /// What goes before a member or element: in pretty style each starts a line.
    fn separate(&mut self, first: bool) {
        if !first {
            self.out.push(',');
        }
        if self.style == Style::Pretty {
            self.newline();
        }
    }

    /// An empty container closes on its line (`[]`, `{}`), a full one on a new line.
    fn close(&mut self, bracket: char, empty: bool) {
        self.depth -= 1;
        if !empty && self.style == Style::Pretty {
            self.newline();
        }
        self.out.push(bracket);
    }

    /// A member's key and what follows it, up to its value.
    fn member(&mut self, first: bool, key: &str) {
        self.separate(first);
        self.string(key);
        self.out.push(':');
        if self.style == Style::Pretty {
            self.out.push(' ');
        }
    }

    fn newline(&mut self) {
        self.out.push('\n');
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }
}

/// The members of an object being written.
#[derive(Debug)]
pub(crate) struct Object<'w> {
    writer: &'w mut Writer,
    empty: bool,
    /// With [`Keys::Sorted`]: each member's key and its value written apart, in key
    /// order, until the object closes.
    held: Vec<(String, Writer)>,
}

impl<'w> Object<'w> {
    fn open(writer: &'w mut Writer) -> Self {
        writer.open('{');
        Object {
            writer,
            empty: true,
            held: Vec::new(),
        }
    }

    /// The member `key`, its value written by `value`.
    pub(crate) fn field(&mut self, key: &str, value: impl FnOnce(&mut Writer)) -> &mut Self {
        value(self.slot(key));
        self
    }

    /// Where the value of member `key` goes: after its key, or with [`Keys::Sorted`]
    /// into a writer of its own (at its depth) kept in key order.
    fn slot(&mut self, key: &str) -> &mut Writer {
        let w = &mut *self.writer;
        match w.keys {
            Keys::AsWritten => {
                w.member(self.empty, key);
                self.empty = false;
                w
            }
            Keys::Sorted => {
                let apart = Writer {
                    out: String::new(),
                    depth: w.depth,
                    ..*w
                };
                let at = self.held.partition_point(|(k, _)| k.as_str() <= key);
                self.held.insert(at, (key.to_owned(), apart));
                &mut self.held[at].1
            }
        }
    }

    fn close(self) {
        let Object {
            writer,
            mut empty,
            held,
        } = self;
        for (key, value) in held {
            writer.member(empty, &key);
            writer.out.push_str(&value.out);
            empty = false;
        }
        writer.close('}', empty);
    }
}

/// A finite double as serde_json (through zmij) writes it: `0.0` and `-0.0`; the
/// shortest digits that read back as the same double, and of those the closest, an
/// exact tie going to the even digit; laid out in plain decimal with at least one
/// fractional digit (`1.0`, `0.001`) when the decimal exponent of the first digit is in
/// `-5..=15`, else in scientific notation with an explicit sign (`1e+16`, `1.5e-7`).
///
/// std's `{:e}` gives the shortest length but breaks a tie upwards
/// (`662936471232937.25` as `...937.3`, zmij `...937.2`), so the digits are rounded
/// again to that length with `{:.N$e}`, which rounds exactly, ties to even. That
/// rounding can miss the double just above a power of two, whose lower neighbour is
/// nearer than its upper, and there the shortest digits are zmij's too. The tests check
/// this against serde_json over random bit patterns, every power of two and ten and
/// their neighbours.
fn float_layout(out: &mut String, f: f64) {
    if f.is_sign_negative() {
        out.push('-');
    }
    let f = f.abs();
    let shortest = format!("{f:e}");
    let (digits, _) = split_exp(&shortest);
    let even = format!("{f:.*e}", digits.len().saturating_sub(1));
    let sci = if even.parse() == Ok(f) {
        even
    } else {
        shortest
    };
    let (digits, exp) = split_exp(&sci);
    let digits = digits.trim_end_matches('0');
    if digits.is_empty() {
        out.push_str("0.0");
        return;
    }
    let len = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    // The decimal point falls after `point` digits: 10^(point-1) <= f < 10^point.
    let point = exp + 1;
    if (1..=16).contains(&point) {
        if len <= point {
            out.push_str(digits);
            out.extend(std::iter::repeat_n('0', (point - len) as usize));
            out.push_str(".0");
        } else {
            let (int, frac) = digits.split_at(point as usize);
            out.push_str(int);
            out.push('.');
            out.push_str(frac);
        }
    } else if (-4..=0).contains(&point) {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', point.unsigned_abs() as usize));
        out.push_str(digits);
    } else {
        let (first, rest) = digits.split_at(1);
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&exp.unsigned_abs().to_string());
    }
}

/// The digits (without the point) and the exponent of `{:e}`'s `d.ddde-x`.
fn split_exp(sci: &str) -> (String, i32) {
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci, "0"));
    let digits = mantissa.chars().filter(char::is_ascii_digit).collect();
    (digits, exp.parse().unwrap_or(0))
}
