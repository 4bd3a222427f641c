//! The docs are checked against the code, both ways: each table of data points or
//! variables lists exactly what the code has, in the right place, no more, no less.

use std::collections::BTreeSet;

use crate::manifest::{Attribute, COMMAND_SPAN, ERASURE, EVENTS, RESOURCE};

const CRATE_DOCS: &str = include_str!("../lib.rs");
const README: &str = include_str!("../../README.md");

/// The rows of the Markdown table that follows the first line containing `heading`
/// (in crate docs the `//! ` prefix is dropped): each row's cells, trimmed.
fn table_after(text: &str, heading: &str) -> Vec<Vec<String>> {
    let lines: Vec<&str> = text
        .lines()
        .map(|l| {
            l.strip_prefix("//!")
                .map_or(l, |l| l.strip_prefix(' ').unwrap_or(l))
        })
        .collect();
    let start = lines
        .iter()
        .position(|l| l.contains(heading))
        .unwrap_or_else(|| panic!("no {heading:?}"));
    lines[start + 1..]
        .iter()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2) // the header and its separator
        .map(|l| {
            l.trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_owned())
                .collect()
        })
        .collect()
}

/// Every backticked name in a cell.
fn names(cell: &str) -> BTreeSet<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

fn keys(table: &[Attribute]) -> BTreeSet<String> {
    table.iter().map(|a| a.key.to_owned()).collect()
}

#[test]
fn the_crate_docs_tables_list_exactly_the_attributes_of_each_place() {
    for (heading, table) in [
        ("Resource (every span of a run):", RESOURCE),
        ("Command span (name: the tool's name", COMMAND_SPAN),
        ("Events on the command span:", EVENTS),
        ("The erase request (`<tool> telemetry delete`", ERASURE),
    ] {
        let documented: BTreeSet<String> = table_after(CRATE_DOCS, heading)
            .iter()
            .flat_map(|row| names(&row[0]))
            .collect();
        assert_eq!(documented, keys(table), "crate docs, {heading}");
    }
}

#[test]
fn the_readme_table_lists_every_attribute_once_with_where_it_is_sent() {
    let rows = table_after(README, "## What is sent");
    let mut by_place: [BTreeSet<String>; 4] = Default::default();
    for row in &rows {
        let place = match row[1].as_str() {
            "resource" => 0,
            "span" => 1,
            "event" => 2,
            "erase request" => 3,
            // Declared fields are per tool: `<tool>.<field>`, not in the manifest.
            other => {
                assert!(row[0].contains("<tool>.<field>"), "{other}: {row:?}");
                continue;
            }
        };
        for key in names(&row[0]) {
            assert!(by_place[place].insert(key.clone()), "{key} twice");
        }
    }
    assert_eq!(by_place[0], keys(RESOURCE), "README, resource rows");
    assert_eq!(by_place[1], keys(COMMAND_SPAN), "README, span rows");
    assert_eq!(by_place[2], keys(EVENTS), "README, event rows");
    assert_eq!(by_place[3], keys(ERASURE), "README, erase request rows");
}

#[test]
fn both_variable_tables_list_exactly_the_variables_the_code_reads() {
    use crate::configure::env::*;
    let code: BTreeSet<String> = [
        OPT_OUT_SUFFIX,
        DEBUG_SUFFIX,
        ENDPOINT_SUFFIX,
        PROTOCOL_SUFFIX,
        SOURCE_SUFFIX,
        POLICY_SUFFIX,
        CA_FILE_SUFFIX,
    ]
    .iter()
    .map(|s| format!("<TOOL>{s}"))
    .chain([
        DO_NOT_TRACK.to_owned(),
        crate::uploader::UPLOADER_ENV.to_owned(),
    ])
    .collect();
    for (what, text, heading) in [
        ("crate docs", CRATE_DOCS, "# Environment variables"),
        ("README", README, "## Environment variables"),
    ] {
        let documented: BTreeSet<String> = table_after(text, heading)
            .iter()
            .flat_map(|row| names(&row[0]))
            .collect();
        assert_eq!(documented, code, "{what}");
    }
}

#[test]
fn readme_and_crate_docs_state_the_debug_build_rule_with_its_reason() {
    for text in [README, CRATE_DOCS] {
        let i = text
            .find("with_debug_builds")
            .expect("the opt-in for debug builds is documented");
        // The reason stands beside the rule, not somewhere else in the file.
        let near = &text[i.saturating_sub(1500)..(i + 1500).min(text.len())];
        assert!(near.contains("apollographql/rover#2445"), "{near}");
    }
}
