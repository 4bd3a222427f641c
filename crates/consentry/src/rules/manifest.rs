//! The data manifest: every data point consentry can send, generated from the same
//! tables the exporter uses, so the author's "what we collect" page and a collector's
//! allowlist cannot drift from the code.

use std::fmt::Write as _;

use crate::rules::attributes;
pub use crate::rules::attributes::{
    Attribute, COMMAND_SPAN, ERASE_SPAN, ERASURE, EVENTS, RESOURCE, Scope,
};

/// The instrumentation scope name of every span consentry sends; a collector can keep
/// only this scope.
pub const SCOPE_NAME: &str = "consentry";

/// The OpenTelemetry semantic conventions release whose names consentry follows, as
/// the schema URL of every resource and of the instrumentation scope. Names of that
/// release are used where one exists with the same meaning; the rest are `consentry.*`.
pub const SCHEMA_URL: &str = "https://opentelemetry.io/schemas/1.44.0";

/// Every attribute key consentry can emit, resource and span alike, sorted.
pub fn attribute_keys() -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = all().map(|a| a.key).collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

fn all() -> impl Iterator<Item = &'static Attribute> {
    attributes::RESOURCE
        .iter()
        .chain(attributes::COMMAND_SPAN)
        .chain(attributes::EVENTS)
        .chain(attributes::ERASURE)
}

/// The manifest as a Markdown table with example values, for consentry's own
/// documentation.
pub fn to_markdown() -> String {
    table(true)
}

fn table(examples: bool) -> String {
    let mut out = if examples {
        String::from("| Attribute | Where | What | Example |\n|---|---|---|---|\n")
    } else {
        String::from("| Attribute | Where | What |\n|---|---|---|\n")
    };
    for a in all() {
        let place = match a.scope {
            Scope::Resource => "every span (resource)",
            Scope::CommandSpan => "command span",
            Scope::Event => "command span event",
            Scope::EraseRequest => "erase request (`telemetry delete`)",
        };
        let _ = write!(out, "| `{}` | {place} | {} |", a.key, a.description);
        if examples {
            let _ = write!(out, " `{}` |", a.example);
        }
        out.push('\n');
    }
    out
}

impl crate::Telemetry {
    /// The manifest for this tool: every attribute, then the features and counts it
    /// declared, so `<tool> telemetry show` lists exactly what can be sent. No example
    /// values: examples from another tool would read as this tool's data.
    pub fn manifest_markdown(&self) -> String {
        let mut out = format!("# What {} sends\n\n", self.settings.tool);
        out.push_str(&table(false));
        let list = |names: &[&str]| {
            if names.is_empty() {
                "none".to_owned()
            } else {
                names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        let _ = writeln!(
            out,
            "\nFeatures it may record: {}.",
            list(&self.settings.features)
        );
        let _ = writeln!(
            out,
            "Counts it may record: {}.",
            list(&self.settings.counts)
        );
        let _ = writeln!(
            out,
            "Argument values are sent as `*****` unless the tool declared a parameter's values safe to send."
        );
        let _ = writeln!(
            out,
            "`{tool} {manage} delete` deletes what is kept on this machine and sends the erase request \
             (the token above), so the operator erases every span carrying this install's commitment; \
             runs without an install id, or with CI's shared one, carry none and cannot be erased.",
            tool = self.settings.tool,
            manage = self.manage_command,
        );
        out.push_str(&self.declared_markdown());
        out
    }
}
