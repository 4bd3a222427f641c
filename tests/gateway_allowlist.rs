//! The gateway's generated blocks agree with their sources: the allowlist and the
//! required keys with consentry's data manifest (what `manifest --keys` prints), the
//! secret patterns with collector-config/secret-patterns.txt, in gateway.yaml and in
//! the Rotel processor alike. And the generator's --check mode fails on drift.

use crate::support;
use crate::support::gateway;

use std::collections::BTreeSet;
use std::process::Command;

use gateway::{config_path, generated_block, secret_patterns};
use support::repo_root;

fn manifest_keys() -> BTreeSet<String> {
    consentry::manifest::attribute_keys()
        .into_iter()
        .map(str::to_owned)
        .collect()
}

fn read(name: &str) -> String {
    std::fs::read_to_string(config_path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Un-quotes a YAML single-quoted scalar.
fn yaml_unquote(s: &str) -> String {
    s.strip_prefix('\'')
        .and_then(|s| s.strip_suffix('\''))
        .unwrap_or(s)
        .replace("''", "'")
}

/// The keys inside `["..."]` of each line.
fn bracketed_keys(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter_map(|l| {
            l.split_once("[\"")
                .and_then(|(_, r)| r.split_once("\"]"))
                .map(|(k, _)| k.to_owned())
        })
        .collect()
}

/// Python string literals, one a line (`'key',` or `"key",`).
fn py_strings(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter_map(|l| {
            let l = l.trim_end_matches(',');
            let q = l.chars().next()?;
            (q == '\'' || q == '"')
                .then(|| l[1..l.len() - 1].replace("\\'", "'").replace("\\\"", "\""))
        })
        .collect()
}

#[test]
fn gateway_allowlist_is_the_manifest() {
    let yaml = read("gateway.yaml");
    let block = generated_block(&yaml, "consentry-allowed-keys");
    assert_eq!(
        block.first().map(String::as_str),
        Some("allowed_keys:"),
        "{block:?}"
    );
    let keys: BTreeSet<String> = block[1..]
        .iter()
        .map(|l| l.trim_start_matches("- ").to_owned())
        .collect();
    assert_eq!(
        keys,
        manifest_keys(),
        "gateway.yaml's allowlist differs from the manifest; run scripts/gen-gateway-allowlist.sh"
    );
    assert_eq!(block.len() - 1, keys.len(), "duplicate keys: {block:?}");
}

#[test]
fn rotel_allowlist_is_the_manifest() {
    let py = read("rotel/consentry_gateway.py");
    let block = generated_block(&py, "consentry-allowed-keys");
    let keys: BTreeSet<String> = py_strings(&block).into_iter().collect();
    assert_eq!(
        keys,
        manifest_keys(),
        "the Rotel processor's allowlist differs from the manifest; run scripts/gen-gateway-allowlist.sh"
    );
}

#[test]
fn required_keys_are_manifest_keys_and_agree() {
    let manifest = manifest_keys();
    let yaml_required = bracketed_keys(&generated_block(
        &read("gateway.yaml"),
        "consentry-required-keys",
    ));
    let py_required = py_strings(&generated_block(
        &read("rotel/consentry_gateway.py"),
        "consentry-required-keys",
    ));
    assert!(yaml_required.len() >= 2, "{yaml_required:?}");
    for k in &yaml_required {
        assert!(
            manifest.contains(k),
            "required key {k} is not in the manifest"
        );
    }
    assert_eq!(yaml_required, py_required);
}

#[test]
fn secret_patterns_are_the_source_list() {
    let patterns = secret_patterns();
    assert!(patterns.len() >= 10, "{patterns:?}");
    let yaml = read("gateway.yaml");
    let block = generated_block(&yaml, "consentry-secret-patterns");
    assert_eq!(block.first().map(String::as_str), Some("blocked_values:"));
    let yaml_patterns: Vec<String> = block[1..]
        .iter()
        .map(|l| yaml_unquote(l.trim_start_matches("- ")))
        .collect();
    assert_eq!(yaml_patterns, patterns);
    let combined = patterns
        .iter()
        .map(|p| format!("(?:{p})"))
        .collect::<Vec<_>>()
        .join("|");
    let ottl = generated_block(&yaml, "consentry-secret-patterns-ottl");
    assert_eq!(ottl.len(), 2, "span and span-event names: {ottl:?}");
    for l in &ottl {
        assert_eq!(
            yaml_unquote(l.trim_start_matches("- ")),
            format!("replace_pattern(name, \"{combined}\", \"****\")")
        );
    }
    let py = py_strings(&generated_block(
        &read("rotel/consentry_gateway.py"),
        "consentry-secret-patterns",
    ));
    assert_eq!(py, patterns);
}

#[test]
fn generator_check_fails_on_drift_and_passes_when_in_sync() {
    let dir = tempfile::tempdir().unwrap();
    let keys: Vec<String> = manifest_keys().into_iter().collect();
    let run = |keys: &[String]| {
        let f = dir.path().join("keys");
        std::fs::write(&f, keys.join("\n") + "\n").unwrap();
        Command::new("bash")
            .arg(repo_root().join("scripts/gen-gateway-allowlist.sh"))
            .arg("--check")
            .arg("--keys-file")
            .arg(&f)
            .output()
            .expect("run the generator")
    };
    let ok = run(&keys);
    assert!(
        ok.status.success(),
        "in sync, yet --check failed:\n{}{}",
        String::from_utf8_lossy(&ok.stdout),
        String::from_utf8_lossy(&ok.stderr)
    );
    let mut more = keys.clone();
    more.push("consentry.new.key".into());
    let stale = run(&more);
    assert!(
        !stale.status.success(),
        "a new manifest key must make --check fail"
    );
    assert!(String::from_utf8_lossy(&stale.stdout).contains("consentry.new.key"));
    // An operator adds a tool's declared keys: the allowlist would gain them.
    let extra = dir.path().join("declared");
    std::fs::write(&extra, "taskr.tasks\n").unwrap();
    let with_extra = Command::new("bash")
        .arg(repo_root().join("scripts/gen-gateway-allowlist.sh"))
        .args(["--check", "--keys-file"])
        .arg(dir.path().join("keys"))
        .arg("--extra-keys")
        .arg(&extra)
        .output()
        .expect("run the generator");
    assert!(
        !with_extra.status.success(),
        "declared keys must change the allowlist"
    );
    let diff = String::from_utf8_lossy(&with_extra.stdout).into_owned();
    assert!(
        diff.lines()
            .any(|l| l.starts_with('+') && l.trim_end().ends_with("- taskr.tasks")),
        "{diff}"
    );
    let fewer: Vec<String> = keys
        .iter()
        .filter(|k| *k != "consentry.command")
        .cloned()
        .collect();
    let broken = run(&fewer);
    assert!(
        !broken.status.success(),
        "a required key missing from the manifest must fail"
    );
}
