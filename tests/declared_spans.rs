//! taskr's declared phase (`rewrite`, a child of the `done` command span) arrives at a
//! real collector with its duration and its declared field only; through the ingest
//! gateway it is kept (it carries `consentry.command`), and its tool-specific key is
//! removed unless the operator allowed it.

use crate::support;

use std::time::Duration;

use support::gateway::{Gateway, GatewayOptions};
use support::{Collector, CollectorKind, Span, Taskr, Transport, attr_i64, attr_str};

/// Two tasks, then one completed: three command spans and one `rewrite` phase.
fn runs(user: &Taskr) {
    for args in [
        &["add", "water the plants"][..],
        &["add", "pay rent"],
        &["done", "1"],
    ] {
        let r = user.run(args);
        assert_eq!(r.code, Some(0), "{args:?}: {r:?}");
    }
}

fn split(spans: &[Span]) -> (Vec<&Span>, Vec<&Span>) {
    spans.iter().partition(|s| s.name == "taskr")
}

#[test]
fn a_declared_phase_arrives_as_a_child_of_its_command_span() {
    let collector = Collector::start(CollectorKind::Otelcol);
    let mut user = Taskr::sending_to(&collector.http_endpoint(), Transport::Http);
    // taskr's own logs are on: the phase's path is there and must not leave.
    user.env("TASKR_LOG", "info");
    runs(&user);
    collector.wait_for("3 runs and 1 phase", Duration::from_secs(20), |s| {
        s.len() >= 4
    });
    // A copy (none is expected) would come with the same uploader pass.
    std::thread::sleep(Duration::from_millis(300));
    let spans = collector.spans();
    let (commands, phases) = split(&spans);
    assert_eq!((commands.len(), phases.len()), (3, 1), "{spans:#?}");
    let phase = phases[0];
    let done = commands
        .iter()
        .find(|s| attr_str(&s.attrs, "consentry.command").as_deref() == Some("done"))
        .expect("the done run");
    assert_eq!(phase.name, "rewrite");
    assert_eq!(phase.scope, "consentry");
    assert_eq!(phase.trace_id, done.trace_id);
    assert_eq!(phase.parent_span_id, done.span_id);
    assert!(done.start_ns <= phase.start_ns && phase.end_ns <= done.end_ns);
    assert!(phase.end_ns >= phase.start_ns);
    let keys: Vec<&str> = phase.attrs.keys().map(String::as_str).collect();
    assert_eq!(keys, ["consentry.command", "taskr.tasks"], "{phase:#?}");
    assert_eq!(attr_i64(&phase.attrs, "taskr.tasks"), Some(2));
    assert_eq!(
        attr_str(&phase.attrs, "consentry.command").as_deref(),
        Some("done")
    );
    // The same resource as the run's: one install, one session.
    assert_eq!(phase.resource, done.resource);
    let raw = String::from_utf8_lossy(&collector.raw()).into_owned();
    for secret in [
        user.home().to_str().unwrap(),
        "water the plants",
        "taskr.execute",
    ] {
        assert!(!raw.contains(secret), "{secret:?} reached the collector");
    }
}

#[test]
fn the_gateway_keeps_a_declared_phase_and_its_allowlist_decides_the_keys() {
    let backend = Collector::start(CollectorKind::Otelcol);
    let gw = Gateway::start(GatewayOptions::forwarding_to(backend.grpc_port));
    // The user (its home holds the spool) lives until the uploader has delivered.
    let user = Taskr::sending_to(&gw.http_endpoint(), Transport::Http);
    runs(&user);
    let got = backend.wait_for("3 runs and 1 phase", Duration::from_secs(30), |s| {
        s.len() >= 4
    });
    let (commands, phases) = split(&got);
    assert_eq!(
        (commands.len(), phases.len()),
        (3, 1),
        "{got:#?}\ngateway log:\n{}",
        gw.log()
    );
    let phase = phases[0];
    assert_eq!(
        attr_str(&phase.attrs, "consentry.command").as_deref(),
        Some("done")
    );
    // Not in this gateway's allowlist (the operator adds a tool's declared keys with
    // `gen-gateway-allowlist.sh --extra-keys`): removed, the span kept.
    assert_eq!(attr_i64(&phase.attrs, "taskr.tasks"), None, "{phase:#?}");
    let done = commands
        .iter()
        .find(|s| attr_str(&s.attrs, "consentry.command").as_deref() == Some("done"))
        .unwrap();
    assert_eq!(phase.parent_span_id, done.span_id);
}
