//! What was masked stays masked everywhere: values planted in a command line flow into
//! the error messages a tool builds from them (as real CLIs do), and never appear in
//! the encoded request, its print-mode JSON or a spool file.

use std::ffi::OsString;
use std::fmt;

use proptest::prelude::*;
use tracing_subscriber::prelude::*;

use super::token;
use crate::Outcome;

/// Values users type that real error messages echo back.
fn planted() -> impl Strategy<Value = String> {
    prop_oneof![
        "acme-[a-z]{4,10}-plans\\[",
        "next [a-z]{4,8} [a-z]{4,8}",
        "clients/[a-z]{3,8}-corp",
        "tok_[A-Za-z0-9]{16,24}",
        "[a-z]{2,8}\\.[a-z]{2,6}@[a-z]{3,8}\\.(com|org)",
    ]
}

/// A command line with the planted value in at least one masked position.
fn line() -> impl Strategy<Value = (String, Vec<String>)> {
    planted().prop_flat_map(|p| {
        let planted_token = token(p.clone()).prop_filter("a planted form", {
            let p = p.clone();
            move |t| t.contains(&p)
        });
        (
            Just(p.clone()),
            proptest::collection::vec(token(p), 0..8),
            planted_token,
            any::<proptest::sample::Index>(),
        )
            .prop_map(|(p, mut args, t, at)| {
                let i = at.index(args.len() + 1);
                args.insert(i, t);
                (p, args)
            })
    })
}

/// Messages built from the value the way real CLIs build them.
const TEMPLATES: &[&str] = &[
    "regex parse error: {}",
    "'{}' is not a valid date or duration",
    "The '--base-directory' path '{}' is not a directory",
    "invalid value '{}' for '--tag <TAG>'",
    "{UPPER}: No such file or directory",
    "cannot open {last}",
];

#[derive(Debug)]
struct Built {
    text: String,
    source: Option<Box<Built>>,
}

impl fmt::Display for Built {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::error::Error for Built {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as _)
    }
}

fn build(template: &str, value: &str) -> String {
    let last = value.rsplit('/').next().unwrap_or(value);
    template
        .replace("{UPPER}", &value.to_ascii_uppercase())
        .replace("{last}", last)
        .replace("{}", value)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn values_masked_in_the_arguments_are_masked_in_messages(
        (value, args) in line(),
        outer in proptest::sample::select(TEMPLATES),
        inner in proptest::sample::select(TEMPLATES),
    ) {
        let error = Built {
            text: format!("add failed: {}", build(outer, &value)),
            source: Some(Box::new(Built { text: build(inner, &value), source: None })),
        };
        let dir = tempfile::tempdir().unwrap();
        // The author opted in to messages: they are sent, masked and scrubbed.
        let t = crate::tests::support::opted_in(
            dir.path(),
            crate::Telemetry::builder("tool")
                .with_schema(super::schema())
                .with_error_messages(true),
        );
        let record = || {
            let guard = t.clone().init();
            prop_assert!(guard.is_enabled(), "telemetry must be on");
            let subscriber = tracing_subscriber::registry().with(guard.layer());
            tracing::subscriber::with_default(subscriber, || {
                let run = guard.command("", args.iter().map(OsString::from));
                run.error("Parse", &error);
                run.error_class("Usage");
                run.finish(2);
            });
            Ok(guard)
        };
        let mut guard = record()?;
        let request = guard.take_request().unwrap();
        let bytes = prost::Message::encode_to_vec(&request);
        let json = serde_json::to_string(&request).unwrap();
        prop_assert!(json.contains("*****"), "{json}");
        prop_assert!(json.contains("Usage"), "{json}");
        prop_assert!(json.contains("exception.message"), "opted in: {json}");
        let needles = [value.clone(), value.to_ascii_uppercase()];
        for needle in &needles {
            let n = needle.as_bytes();
            prop_assert!(!bytes.windows(n.len()).any(|w| w == n), "in the request: {args:?}");
            prop_assert!(!json.contains(needle.as_str()), "in print mode: {args:?}\n{json}");
        }

        let outcome = record()?.shutdown();
        prop_assert!(matches!(outcome, Outcome::Spooled { .. }), "{:?}", outcome);
        for f in std::fs::read_dir(dir.path().join("state/spool")).unwrap() {
            let body = std::fs::read(f.unwrap().path()).unwrap();
            for needle in &needles {
                let n = needle.as_bytes();
                prop_assert!(!body.windows(n.len()).any(|w| w == n), "in the spool: {args:?}");
            }
        }
    }
}
