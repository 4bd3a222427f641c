//! Only declared text leaves: text the user never typed (a pattern read from a file, a
//! config value, an environment value) reaches an error message the tool records, and
//! by default no message leaves at all, only the error's class. With the author's
//! opt-in (`with_error_messages(true)`) the message is sent, masked and scrubbed.

use std::ffi::OsString;
use std::fmt;

use proptest::prelude::*;

use crate::{Outcome, Telemetry};

/// Text a tool reads from somewhere other than its command line.
fn planted() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{4,8}-secret-[a-z]{4,8}\\[",
        "[A-Z][a-z]{3,7} [A-Z][a-z]{3,7} [a-z]{4,8}",
        "sk_[A-Za-z0-9]{12,20}",
    ]
}

#[derive(Debug)]
struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

/// The three sources: a pattern file (`rg -f patterns.txt`), a config value, an
/// environment variable; each read as a real tool reads it.
fn messages(dir: &std::path::Path, t: &Telemetry, text: &str) -> Vec<Error> {
    let file = dir.join("patterns.txt");
    std::fs::write(&file, format!("{text}\n")).unwrap();
    let from_file = std::fs::read_to_string(&file).unwrap();
    let config: String = format!("theme = \"{text}\"\n")
        .lines()
        .find_map(|l| l.strip_prefix("theme = "))
        .unwrap()
        .trim_matches('"')
        .to_owned();
    let from_env = t
        .env()
        .var_os("TOOL_THEME")
        .and_then(|v| v.into_string().ok())
        .unwrap();
    vec![
        Error(format!("regex parse error: {}", from_file.trim_end())),
        Error(format!("unknown theme {config:?} in config")),
        Error(format!("TOOL_THEME: invalid value '{from_env}'")),
    ]
}

fn telemetry(dir: &std::path::Path, text: &str, opt_in: bool) -> Telemetry {
    let env = crate::tests::support::env(dir).var("TOOL_THEME", text);
    crate::tests::support::opted_in(
        dir,
        Telemetry::builder("tool")
            .with_env(env)
            .with_error_messages(opt_in),
    )
}

fn record(t: &Telemetry, errors: &[Error]) -> crate::TelemetryGuard {
    let guard = t.clone().init();
    assert!(guard.is_enabled(), "telemetry must be on");
    let run = guard.command("search", [OsString::from("-f"), "patterns.txt".into()]);
    for e in errors {
        run.error("Config", e);
    }
    run.finish(2);
    guard
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn by_default_only_the_class_of_an_error_leaves(text in planted()) {
        let dir = tempfile::tempdir().unwrap();
        let t = telemetry(dir.path(), &text, false);
        let errors = messages(dir.path(), &t, &text);
        let mut guard = record(&t, &errors);
        let request = guard.take_request().unwrap();
        let bytes = prost::Message::encode_to_vec(&request);
        let json = serde_json::to_string(&request).unwrap();
        prop_assert_eq!(json.matches("\"Config\"").count(), 3, "{}", json);
        prop_assert!(!json.contains("exception.message"), "{}", json);
        prop_assert!(!contains(&bytes, &text) && !json.contains(&text), "{}", json);
        // Nor in the spool.
        let outcome = record(&t, &errors).shutdown();
        prop_assert!(matches!(outcome, Outcome::Spooled { .. }), "{:?}", outcome);
        for f in std::fs::read_dir(dir.path().join("state/spool")).unwrap() {
            let path = f.unwrap().path();
            if path.extension().is_some_and(|e| e == "otlp") {
                prop_assert!(!contains(&std::fs::read(path).unwrap(), &text));
            }
        }
    }
}

#[test]
fn with_the_author_s_opt_in_messages_are_sent_scrubbed() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let text = format!("{}/notes for bob@example.org", home.display());
    let t = telemetry(dir.path(), &text, true);
    let errors = messages(dir.path(), &t, &text);
    let mut guard = record(&t, &errors);
    let json = serde_json::to_string(&guard.take_request().unwrap()).unwrap();
    assert_eq!(json.matches("exception.message").count(), 3, "{json}");
    assert!(json.contains("regex parse error"), "{json}");
    assert!(!json.contains("bob@example.org"), "scrubbed: {json}");
    assert!(
        !json.contains(&home.display().to_string()),
        "scrubbed: {json}"
    );
}
