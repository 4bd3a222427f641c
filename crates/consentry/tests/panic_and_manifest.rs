//! A panic and an error recorded on a command span: scrubbed, located relative to the
//! crate, exit code 101; and every key the exporter emits is in the data manifest.
//! Its own test binary, because the panic hook and the current run are process-wide.

use consentry::Telemetry;
use consentry::integration::{CommandSpec, Opt, Param, Policy, Schema};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use tracing_subscriber::prelude::*;

mod support;

fn schema() -> Schema {
    Schema::new("tool").subcommand(
        CommandSpec::new("add")
            .positional(Param::new("title"))
            .option(Opt::long("priority").value(Policy::allow(["low", "high"]))),
    )
}

fn keys_of(request: &ExportTraceServiceRequest) -> Vec<String> {
    let mut keys = Vec::new();
    for rs in &request.resource_spans {
        keys.extend(
            rs.resource
                .iter()
                .flat_map(|r| r.attributes.iter().map(|kv| kv.key.clone())),
        );
        for ss in &rs.scope_spans {
            for span in &ss.spans {
                keys.extend(span.attributes.iter().map(|kv| kv.key.clone()));
                for e in &span.events {
                    keys.extend(e.attributes.iter().map(|kv| kv.key.clone()));
                }
            }
        }
    }
    keys
}

#[test]
fn every_key_the_exporter_emits_is_in_the_manifest_and_panics_are_scrubbed() {
    let dir = tempfile::tempdir().unwrap();
    let t = Telemetry::builder("tool")
        .with_debug_builds(true)
        .with_config_dir(dir.path().join("config"))
        .with_spool_dir(dir.path().join("spool"))
        .with_schema(schema())
        .with_features(&["export"])
        .with_counts(&["items"])
        // Nothing listens on loopback's discard port: the request is spooled.
        .with_endpoint("http://127.0.0.1:9")
        .with_uploader(false)
        // Messages opted in: they are sent, masked and scrubbed (`panic_default.rs`:
        // without the opt-in none is sent).
        .with_error_messages(true)
        .build()
        .unwrap();
    // Past the notice (shown by `telemetry enable`, whatever stderr is here).
    t.enable().expect("record the notice");
    let guard = t.init();
    assert!(
        guard.is_enabled(),
        "telemetry must be on (is DO_NOT_TRACK set?)"
    );
    let subscriber = tracing_subscriber::registry().with(guard.layer());
    let home = std::env::var("HOME").unwrap_or_else(|_| "/home/alice".into());
    tracing::subscriber::with_default(subscriber, || {
        let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let run = guard.command("", ["add", "--priority", "high", "title"]);
            run.feature("export");
            run.feature("undeclared-is-dropped");
            run.count("items", 3);
            run.project_id("/srv/projects/secret-project");
            let io =
                std::io::Error::other(format!("cannot read {home}/notes.txt for bob@example.org"));
            run.error("Io", &io);
            panic!(
                "failed at {home}/project/data.csv with token ghp_abcdefghijklmnopqrstuvwxyz0123456789"
            );
        }));
        assert!(unwound.is_err());
    });
    assert!(matches!(
        guard.shutdown(),
        consentry::Outcome::Spooled { .. }
    ));
    let (_, request) = support::spooled_request(&dir.path().join("spool"));
    let manifest = consentry::manifest::attribute_keys();
    for key in keys_of(&request) {
        assert!(
            manifest.contains(&key.as_str()),
            "{key} is emitted but not in the manifest"
        );
    }
    let json = serde_json::to_string(&request).unwrap();
    for secret in [
        home.as_str(),
        "bob@example.org",
        "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
        "secret-project",
        "undeclared",
    ] {
        assert!(!json.contains(secret), "{secret} leaked: {json}");
    }
    for expected in [
        "\"panic\"",
        "\"101\"",
        "consentry.feature",
        "\"export\"",
        "consentry.count",
        "\"Io\"",
        // From the crate's directory on: `consentry/tests/...` in the workspace, where
        // rustc is given the path from there; `tests/...` in the published crate.
        "tests/panic_and_manifest.rs\"",
        "exception.message",
    ] {
        assert!(json.contains(expected), "{expected} missing: {json}");
    }
    assert!(
        !json.contains(env!("CARGO_MANIFEST_DIR")),
        "a build-machine path was sent"
    );
}
