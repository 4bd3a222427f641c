//! Declared instrumentation: the tool's own `tracing` spans and events that its author
//! marked as telemetry up front, with the fields they may carry and what each field may
//! hold.
//!
//! ```
//! use consentry::declared::Field;
//! let telemetry = consentry::Telemetry::builder("vcpkgish")
//!     // A phase: a child span of the command span, with its duration.
//!     .with_span("build", &[Field::token("port"), Field::number("files")])
//!     // A metric: an event on the nearest declared span (or the command span).
//!     .with_event("cache", &[Field::number("hits"), Field::one_of("tier", &["local", "remote"])])
//!     .build()
//!     .unwrap();
//! assert_eq!(telemetry.declared_keys(), ["vcpkgish.files", "vcpkgish.hits", "vcpkgish.port", "vcpkgish.tier"]);
//! ```
//!
//! In the tool's code, plain macros: `tracing::info_span!("build", port = "zlib")` and
//! `tracing::info!(name: "cache", hits = 3)`. The host adds
//! [`TelemetryGuard::layer`](crate::TelemetryGuard::layer) to its subscriber; that
//! layer sees nothing but declared names (its per-layer filter refuses every other
//! callsite), and of those it keeps only declared fields whose values are of the
//! declared kind. Everything else is dropped there, before the OpenTelemetry SDK sees
//! it: undeclared spans and events, undeclared fields, the event message, and any
//! string outside its declared set or that is not a token (1 to 64 characters `[A-Za-z0-9._-]`).
//!
//! A field `f` of the tool `t` is sent as the attribute `t.f` (the tool's own
//! namespace, so it cannot collide with consentry's keys). A declared span carries
//! `consentry.command` too, the command it ran under. Declared spans and events are
//! recorded only while a command run is open.

mod layer;
#[cfg(test)]
mod tests;

pub(crate) use layer::{CurrentRun, layer};

/// The longest string value a [`Kind::Token`] field may send.
pub(crate) const MAX_TOKEN_LEN: usize = 64;

/// What a declared field may hold. A value of another type is dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kind {
    /// A number (integer or finite float): a metric such as a count or a duration.
    Number,
    /// `true` or `false`.
    Bool,
    /// A string from this set, exactly.
    OneOf(&'static [&'static str]),
    /// A string of 1 to 64 characters `[A-Za-z0-9._-]` (as Codex
    /// validates its telemetry values): a package name, a version, an extension.
    Token,
}

/// One declared field: its name in the `tracing` macro, and its [`Kind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The field's name as written in the macro (`files` in `files = 3`).
    pub(crate) name: &'static str,
    /// What it may hold.
    pub(crate) kind: Kind,
}

impl Field {
    /// A numeric field (a metric).
    pub const fn number(name: &'static str) -> Field {
        Field {
            name,
            kind: Kind::Number,
        }
    }

    /// A boolean field.
    pub const fn bool(name: &'static str) -> Field {
        Field {
            name,
            kind: Kind::Bool,
        }
    }

    /// A string field that may take only these values.
    pub const fn one_of(name: &'static str, values: &'static [&'static str]) -> Field {
        Field {
            name,
            kind: Kind::OneOf(values),
        }
    }

    /// A string field validated against the safe character set (1 to 64 characters `[A-Za-z0-9._-]`).
    pub const fn token(name: &'static str) -> Field {
        Field {
            name,
            kind: Kind::Token,
        }
    }
}

/// Whether a declaration is a span or an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum What {
    /// A span: sent as a child span of the command span (or of the nearest declared
    /// span above it), with its start, end and fields.
    Span,
    /// An event (`tracing::info!(name: "...", ...)`): sent as a span event on the
    /// nearest declared span above it, else on the command span.
    Event,
}

/// A declared span or event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Declaration {
    /// Its name: the span's name, or the event's `name:`.
    pub(crate) name: &'static str,
    /// Span or event.
    pub(crate) what: What,
    /// The fields it may carry.
    pub(crate) fields: Vec<Field>,
}

/// Whether `value` may be sent by a [`Kind::Token`] field: 1 to [`MAX_TOKEN_LEN`]
/// characters, each an ASCII letter or digit, `.`, `_` or `-`.
pub(crate) fn is_safe_token(value: &str) -> bool {
    (1..=MAX_TOKEN_LEN).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The attribute key a declared field is sent under: `<tool>.<field>`.
pub(crate) fn key(tool: &str, field: &str) -> String {
    format!("{tool}.{field}")
}

/// Refuses names that are not tokens starting with a letter, duplicate declarations,
/// and keys that would collide with consentry's own.
/// A declared name `build` refuses.
#[derive(Debug)]
pub(crate) struct InvalidName(pub(crate) String);

pub(crate) fn validate(tool: &str, declared: &[Declaration]) -> Result<(), InvalidName> {
    let name_ok = |n: &str| is_safe_token(n) && n.starts_with(|c: char| c.is_ascii_alphabetic());
    let own = crate::rules::manifest::attribute_keys();
    for (i, d) in declared.iter().enumerate() {
        let duplicate = declared[..i]
            .iter()
            .any(|e| e.name == d.name && e.what == d.what);
        if !name_ok(d.name) || duplicate {
            return Err(InvalidName(d.name.to_owned()));
        }
        for f in &d.fields {
            if !name_ok(f.name) || own.contains(&key(tool, f.name).as_str()) {
                return Err(InvalidName(f.name.to_owned()));
            }
            if let Kind::OneOf(values) = f.kind
                && !values.iter().all(|v| is_safe_token(v))
            {
                return Err(InvalidName(f.name.to_owned()));
            }
        }
    }
    Ok(())
}

impl crate::TelemetryBuilder {
    /// Declares one of the tool's own `tracing` spans as telemetry: a span named
    /// `name` becomes a child span of the command span, with its duration and the
    /// declared `fields` that hold a value of their kind (see [`declared`](crate::rules::declared)).
    /// The host must add [`TelemetryGuard::layer`](crate::TelemetryGuard::layer) to
    /// its subscriber. Default: nothing declared. `build` refuses a name that is not
    /// 1-64 characters `[A-Za-z0-9._-]` starting with a letter.
    pub fn with_span(mut self, name: &'static str, fields: &[Field]) -> Self {
        self.settings.declared.push(Declaration {
            name,
            what: What::Span,
            fields: fields.to_vec(),
        });
        self
    }

    /// Declares one of the tool's own `tracing` events as telemetry: an event with
    /// `name: "<name>"` becomes a span event with the declared `fields` (the message
    /// is never sent). Default: nothing declared.
    pub fn with_event(mut self, name: &'static str, fields: &[Field]) -> Self {
        self.settings.declared.push(Declaration {
            name,
            what: What::Event,
            fields: fields.to_vec(),
        });
        self
    }
}

impl crate::Telemetry {
    /// The declared spans and events as a Markdown section of the tool's manifest
    /// (empty when nothing is declared).
    pub(crate) fn declared_markdown(&self) -> String {
        use std::fmt::Write as _;
        if self.settings.declared.is_empty() {
            return String::new();
        }
        let mut out = String::from(
            "\nSpans and events of its own it may send (with `consentry.command`; a span also \
             with its start and duration):\n\n| Name | Kind | Attribute | Holds |\n|---|---|---|---|\n",
        );
        for d in &self.settings.declared {
            let what = match d.what {
                What::Span => "span",
                What::Event => "event",
            };
            if d.fields.is_empty() {
                let _ = writeln!(out, "| `{}` | {what} | | |", d.name);
            }
            for f in &d.fields {
                let holds = match f.kind {
                    Kind::Number => "a number".to_owned(),
                    Kind::Bool => "`true` or `false`".to_owned(),
                    Kind::OneOf(values) => format!("one of `{}`", values.join("`, `")),
                    Kind::Token => {
                        format!("a name of up to {MAX_TOKEN_LEN} characters `A-Za-z0-9._-`")
                    }
                };
                let key = key(&self.settings.tool, f.name);
                let _ = writeln!(out, "| `{}` | {what} | `{key}` | {holds} |", d.name);
            }
        }
        out
    }

    /// The attribute keys the declared fields are sent under (`<tool>.<field>`),
    /// sorted, without duplicates. Empty when nothing is declared.
    pub fn declared_keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self
            .settings
            .declared
            .iter()
            .flat_map(|d| &d.fields)
            .map(|f| key(&self.settings.tool, f.name))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }

    /// Every attribute key this tool can send: consentry's manifest
    /// ([`manifest::attribute_keys`](crate::rules::manifest::attribute_keys)) and the
    /// declared keys ([`declared_keys`](Self::declared_keys)), sorted. What a check of
    /// a request against this tool's manifest should allow.
    pub fn attribute_keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = crate::rules::manifest::attribute_keys()
            .into_iter()
            .map(str::to_owned)
            .chain(self.declared_keys())
            .collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }
}
