//! The gateway's generated blocks agree with their sources: the keys with consentry's
//! data manifest (every key, where it appears), their shapes with value-shapes.txt, the
//! required keys, and the secret patterns with collector-config/secret-patterns.txt, in
//! gateway.yaml and in the Rotel processor alike. Each shape accepts the manifest's own
//! example value. And the generator's --check mode fails on drift.

use crate::support;
use crate::support::gateway;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use gateway::{config_path, generated_block, secret_patterns};
use support::repo_root;

fn manifest_keys() -> BTreeSet<String> {
    consentry::manifest::attribute_keys()
        .into_iter()
        .map(str::to_owned)
        .collect()
}

/// Where the manifest puts each key: resource, span, event or erase (the erase request).
fn manifest_places() -> BTreeMap<String, &'static str> {
    let place = |a: &consentry::manifest::Attribute| match a.scope {
        consentry::manifest::Scope::Resource => "resource",
        consentry::manifest::Scope::CommandSpan => "span",
        consentry::manifest::Scope::Event => "event",
        consentry::manifest::Scope::EraseRequest => "erase",
    };
    consentry::manifest::RESOURCE
        .iter()
        .chain(consentry::manifest::COMMAND_SPAN)
        .chain(consentry::manifest::EVENTS)
        .chain(consentry::manifest::ERASURE)
        .map(|a| (a.key.to_owned(), place(a)))
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

/// gateway.yaml's generated rules: key -> (where, type, shape).
fn yaml_rules() -> BTreeMap<String, (String, String, String)> {
    let block = generated_block(&read("gateway.yaml"), "consentry-manifest");
    assert_eq!(
        block.first().map(String::as_str),
        Some("keys:"),
        "{block:?}"
    );
    let field = |line: &str, name: &str| -> String {
        let Some((_, rest)) = line.split_once(&format!("{name}: ")) else {
            return String::new();
        };
        if let Some(quoted) = rest.strip_prefix('\'') {
            // A quoted shape runs to the next `'` not doubled.
            let mut out = String::from("'");
            let mut chars = quoted.chars().peekable();
            while let Some(c) = chars.next() {
                out.push(c);
                if c == '\'' {
                    if chars.peek() == Some(&'\'') {
                        out.push(chars.next().unwrap());
                    } else {
                        break;
                    }
                }
            }
            yaml_unquote(&out)
        } else {
            rest.split([',', '}'])
                .next()
                .unwrap_or("")
                .trim()
                .to_owned()
        }
    };
    let rules: BTreeMap<_, _> = block[1..]
        .iter()
        .map(|l| {
            (
                field(l, "key"),
                (field(l, "where"), field(l, "type"), field(l, "shape")),
            )
        })
        .collect();
    assert_eq!(rules.len(), block.len() - 1, "duplicate keys: {block:?}");
    rules
}

#[test]
fn gateway_keys_are_the_manifest_each_in_its_place() {
    let rules = yaml_rules();
    let keys: BTreeSet<String> = rules.keys().cloned().collect();
    assert_eq!(
        keys,
        manifest_keys(),
        "gateway.yaml's keys differ from the manifest; run scripts/gen-gateway-allowlist.sh"
    );
    for (key, place) in manifest_places() {
        assert_eq!(rules[&key].0, place, "{key} is allowed in the wrong place");
    }
}

/// Every shape accepts what the manifest documents as a typical value (so a shape
/// cannot silently mask real data), and refuses free text, an address and an e-mail.
/// Checked with Python's `re` (the Rotel processor's engine; RE2 agrees on these
/// shapes, which use no look-around or back-references).
#[test]
fn every_shape_accepts_the_manifest_example_and_refuses_free_text() {
    let rules = yaml_rules();
    let mut cases = Vec::new();
    for a in consentry::manifest::RESOURCE
        .iter()
        .chain(consentry::manifest::COMMAND_SPAN)
        .chain(consentry::manifest::EVENTS)
    {
        let (_, ty, shape) = &rules[a.key];
        let examples: Vec<String> = match ty.as_str() {
            "str" => vec![a.example.to_owned()],
            "strs" => serde_json::from_str(a.example).expect("array example"),
            _ => continue,
        };
        for e in examples {
            cases.push(serde_json::json!([a.key, shape, e, true]));
        }
        if a.key != "exception.message" {
            for bad in [
                "call the clinic re: biopsy",
                "connect 203.0.113.77/x",
                "a@b.example",
            ] {
                cases.push(serde_json::json!([a.key, shape, bad, false]));
            }
        }
    }
    // The schema URL: the release consentry follows passes, any other text does not.
    let gateway = read("gateway.yaml");
    let schema_url = gateway
        .lines()
        .find_map(|l| l.trim().strip_prefix("schema_url: "))
        .map(yaml_unquote)
        .expect("gateway.yaml has a schema_url shape");
    cases.push(serde_json::json!([
        "@schema_url",
        schema_url,
        consentry::manifest::SCHEMA_URL,
        true
    ]));
    for bad in [
        "https://example.com/schemas/1.44.0",
        "https://opentelemetry.io/schemas/a@b.example",
        "https://opentelemetry.io/schemas/1.44.0/../x",
    ] {
        cases.push(serde_json::json!(["@schema_url", schema_url, bad, false]));
    }
    let script = "import json, re, sys\n\
        bad = [c for c in json.load(sys.stdin) if bool(re.fullmatch(c[1], c[2])) != c[3]]\n\
        print(json.dumps(bad)); sys.exit(1 if bad else 0)";
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    std::io::Write::write_all(
        child.stdin.as_mut().unwrap(),
        serde_json::to_string(&cases).unwrap().as_bytes(),
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "shapes that refuse a manifest example (true) or accept free text (false): {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(cases.len() > 40, "{cases:?}");
}

#[test]
fn rotel_rules_are_gateway_yaml_rules() {
    let py = read("rotel/consentry_gateway.py");
    let block = generated_block(&py, "consentry-manifest");
    let rules = yaml_rules();
    let py_keys: BTreeSet<String> = block
        .iter()
        .filter_map(|l| py_strings(&[l.split(':').next().unwrap_or("").to_owned()]).pop())
        .collect();
    assert_eq!(
        py_keys,
        rules.keys().cloned().collect(),
        "the Rotel processor's keys differ from gateway.yaml; run scripts/gen-gateway-allowlist.sh"
    );
    for (key, (place, ty, _)) in &rules {
        let line = block
            .iter()
            .find(|l| l.starts_with(&format!("'{key}':")))
            .unwrap();
        assert!(
            line.contains(&format!("Rule('{place}', '{ty}',")),
            "{key}: {line}"
        );
    }
}

#[test]
fn required_keys_are_manifest_keys_and_agree() {
    let manifest = manifest_keys();
    let yaml = generated_block(&read("gateway.yaml"), "consentry-required-keys");
    let yaml_required: Vec<String> = yaml
        .iter()
        .flat_map(|l| {
            l.split_once('[')
                .map(|(_, r)| r.trim_end_matches(']').to_owned())
                .unwrap_or_default()
                .split(", ")
                .filter(|k| !k.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    let py_required = py_strings(&generated_block(
        &read("rotel/consentry_gateway.py"),
        "consentry-required-keys",
    ));
    // service.name on the resource, consentry.command on every span, the exit code
    // on a command span; not the install id (a tool may send none).
    for key in ["service.name", "consentry.command", "process.exit.code"] {
        assert!(yaml_required.contains(&key.to_owned()), "{yaml_required:?}");
    }
    assert!(
        !yaml_required.contains(&"app.installation.id".to_owned()),
        "{yaml_required:?}"
    );
    for k in &yaml_required {
        assert!(
            manifest.contains(k),
            "required key {k} is not in the manifest"
        );
    }
    assert_eq!(yaml_required, py_required);
    // The erase request is named as consentry names it, in both gateways.
    let erase = consentry::manifest::ERASE_SPAN;
    assert!(yaml.contains(&format!("erase_name: {erase}")), "{yaml:?}");
    assert!(
        generated_block(
            &read("rotel/consentry_gateway.py"),
            "consentry-required-keys"
        )
        .contains(&format!("ERASE_NAME = '{erase}'")),
        "Rotel's erase name"
    );
}

#[test]
fn secret_patterns_are_the_source_list() {
    let patterns = secret_patterns();
    assert!(patterns.len() >= 10, "{patterns:?}");
    let yaml = read("gateway.yaml");
    let block = generated_block(&yaml, "consentry-secret-patterns");
    assert_eq!(block.first().map(String::as_str), Some("secret_patterns:"));
    let yaml_patterns: Vec<String> = block[1..]
        .iter()
        .map(|l| yaml_unquote(l.trim_start_matches("- ")))
        .collect();
    assert_eq!(yaml_patterns, patterns);
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
    // The operator's way, without cargo: value-shapes.txt's keys are the manifest's.
    let no_cargo = Command::new("bash")
        .arg(repo_root().join("scripts/gen-gateway-allowlist.sh"))
        .args(["--check", "--no-cargo"])
        .output()
        .expect("run the generator");
    assert!(
        no_cargo.status.success(),
        "--no-cargo disagrees with the manifest:\n{}",
        String::from_utf8_lossy(&no_cargo.stdout)
    );
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
    std::fs::write(dir.path().join("keys"), keys.join("\n") + "\n").unwrap();
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
            .any(|l| l.starts_with('+') && l.contains("key: taskr.tasks, where: span+event")),
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
