//! runr: a command runner whose positional takes the rest of the command line
//! (`trailing_var_arg`), and whose recipes can run runr again.

use std::time::Duration;

use super::tool::{Tool, printed_spans};
use crate::support::{Collector, CollectorKind, attr_str, attr_strings};

const MASK: &str = "*****";

/// Print-mode requests in one run's stderr (the run's own and its children's).
fn printed_requests(stderr: &[u8]) -> usize {
    String::from_utf8_lossy(stderr)
        .matches("(print mode, nothing sent):\n")
        .count()
}

#[test]
fn a_recipe_s_arguments_are_its_values_not_runr_s_options() {
    let r = Tool::runr();
    let (out, spans) = r.printed(&[
        "deploy",
        "--color",
        "always",
        "-f",
        "/home/alice/secret",
        "--telemetry",
        "status",
    ]);
    // `true` ignores its arguments: runr ran the recipe, not its own options.
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(spans.len(), 1, "{}", String::from_utf8_lossy(&out.stderr));
    let s = &spans[0];
    assert_eq!(s.args(), ["runr", MASK, MASK, MASK, MASK, MASK, MASK, MASK]);
    assert!(attr_strings(&s.attrs, "consentry.command.options").is_empty());
    // runr's own options before the recipe are its own.
    let (_, spans) = r.printed(&["--color", "always", "deploy", "--color", "never"]);
    assert_eq!(
        spans[0].args(),
        ["runr", "--color", "always", MASK, MASK, MASK]
    );
    assert_eq!(
        attr_strings(&spans[0].attrs, "consentry.command.options"),
        ["--color"]
    );
}

#[test]
fn an_opted_out_run_s_children_stay_opted_out() {
    let r = Tool::runr();
    let debug = [("RUNR_TELEMETRY_DEBUG", "1")];
    // Opted in: runr and the runr its recipe starts each record their run.
    let on = r.run_with(&["inner"], &debug);
    assert_eq!(on.status.code(), Some(0), "{on:?}");
    assert_eq!(printed_requests(&on.stderr), 2, "{on:?}");
    // The flag opts out the run and, with no wiring of the recipe's `Command`, the
    // runr it starts.
    let off = r.run_with(&["--disable-telemetry", "inner"], &debug);
    assert_eq!(off.status.code(), Some(0), "{off:?}");
    assert_eq!(printed_requests(&off.stderr), 0, "{off:?}");
    assert!(off.stderr.is_empty(), "{off:?}");
    // The flag after the recipe is the recipe's word, not runr's: recorded.
    let word = r.run_with(&["deploy", "--disable-telemetry"], &debug);
    assert_eq!(
        printed_spans(&String::from_utf8_lossy(&word.stderr)).len(),
        1
    );
}

/// Against a real collector: the masked arguments arrive as printed, an opted-out
/// run's child sends nothing, and an opted-in one's does.
#[test]
fn runr_runs_arrive_at_a_real_collector() {
    let collector = Collector::start(CollectorKind::Otelcol);
    let mut r = Tool::runr();
    r.envs
        .push(("RUNR_TELEMETRY_ENDPOINT".into(), collector.http_endpoint()));
    for args in [
        &["deploy", "-f", "/home/alice/secret", "--color", "always"][..],
        &["--disable-telemetry", "inner"],
        &["inner"],
    ] {
        let out = r.run(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {out:?}");
    }
    collector.wait_for("3 runr spans", Duration::from_secs(20), |s| s.len() >= 3);
    // Room for a span that should not come (the opted-out child) to arrive.
    std::thread::sleep(Duration::from_millis(500));
    let spans: Vec<_> = collector
        .spans()
        .into_iter()
        .filter(|s| s.name == "runr")
        .collect();
    assert_eq!(spans.len(), 3, "{spans:#?}");
    let deploy = spans
        .iter()
        .find(|s| s.args().len() == 6)
        .expect("the deploy run");
    assert_eq!(deploy.args(), ["runr", MASK, MASK, MASK, MASK, MASK]);
    assert!(attr_strings(&deploy.attrs, "consentry.command.options").is_empty());
    assert!(!format!("{spans:?}").contains("alice"));
    assert!(
        spans
            .iter()
            .all(|s| attr_str(&s.attrs, "consentry.command").as_deref() == Some("(root)"))
    );
}
