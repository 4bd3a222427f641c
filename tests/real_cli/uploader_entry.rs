//! The uploader enters inside `build`, the call every tool makes: a tool that calls
//! nothing else for delivery (sighost) still delivers, and its uploader runs none of
//! the tool's own code.

use std::time::Duration;

use super::tool::{Tool, sighost_bin};
use crate::support::{Collector, CollectorKind, attr_str};

#[test]
fn a_tool_that_only_builds_delivers_and_its_uploader_runs_none_of_its_code() {
    let collector = Collector::start(CollectorKind::Otelcol);
    let mut h = Tool::fresh(sighost_bin().to_owned(), "SIGHOST");
    h.envs.push((
        "SIGHOST_TELEMETRY_ENDPOINT".into(),
        collector.http_endpoint(),
    ));
    let h = h.primed(&[]);
    let trace = h.work().join("main-trace");
    let out = h.run_with(&[], &[("SIGHOST_MAIN_TRACE", trace.to_str().unwrap())]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let spans = collector.wait_for("sighost's span", Duration::from_secs(20), |s| {
        s.iter()
            .any(|s| attr_str(&s.attrs, "consentry.command").as_deref() == Some("wait"))
    });
    assert_eq!(spans.len(), 1, "{spans:#?}");
    // The uploader, had it returned from `build`, would have written its line before it
    // sent anything: the span's arrival means it is too late for one now.
    let lines = std::fs::read_to_string(&trace).expect("the run wrote its line");
    assert_eq!(lines, "main\n", "the uploader ran the tool's main");
}
