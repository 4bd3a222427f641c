//! The data manifest: every data point consentry can send, generated from the same
//! tables the exporter uses, so the author's "what we collect" page and a collector's
//! allowlist cannot drift from the code.

use std::fmt::Write as _;

use crate::attributes::{self, Attribute, Scope};

/// Every attribute key consentry can emit, resource and span alike, sorted.
pub fn attribute_keys() -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = all().map(|a| a.key).collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

fn all() -> impl Iterator<Item = &'static Attribute> {
    attributes::RESOURCE.iter().chain(attributes::COMMAND_SPAN).chain(attributes::EVENTS)
}

/// The manifest as a Markdown table, for a tool's documentation.
pub fn to_markdown() -> String {
    let mut out = String::from("| Attribute | Where | What | Example |\n|---|---|---|---|\n");
    for a in all() {
        let place = match a.scope {
            Scope::Resource => "every span (resource)",
            Scope::CommandSpan => "command span",
            Scope::Event => "command span event",
        };
        let _ = writeln!(out, "| `{}` | {place} | {} | `{}` |", a.key, a.description, a.example);
    }
    out
}
