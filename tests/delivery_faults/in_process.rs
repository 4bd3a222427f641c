//! In-process runs through the library, for settings taskr does not expose.

use super::*;
use consentry::{SpoolLimits, Telemetry};
use tracing_subscriber::prelude::*;

fn telemetry(dir: &std::path::Path, endpoint: &str, limits: SpoolLimits) -> Telemetry {
    Telemetry::builder("spooltest")
        // The suite runs debug builds, which report only when the tool says so.
        .with_debug_builds(true)
        .with_endpoint(endpoint)
        .with_config_dir(dir.join("config"))
        .with_spool_dir(dir.join("spool"))
        .with_spool_limits(limits)
        .with_uploader(false)
        // The hook is process-wide and every integration test shares this process.
        .with_panic_hook(false)
        .with_retry_backoff(Duration::from_millis(1), Duration::from_millis(1))
        .build()
        .unwrap()
}

/// Past the notice (recorded by `telemetry enable`: this process's stderr may or may
/// not be a terminal, and the notice is shown only on one); tests start after it.
fn past_notice(t: &Telemetry) {
    t.enable().expect("record the notice");
}

fn one_run(t: &Telemetry) -> consentry::Outcome {
    let guard = t.clone().init();
    assert!(
        guard.is_enabled(),
        "telemetry must be on for this test (is DO_NOT_TRACK set?)"
    );
    let subscriber = tracing_subscriber::registry().with(guard.layer());
    tracing::subscriber::with_default(subscriber, || guard.command("x", ["--n"]).finish(0));
    guard.shutdown()
}

#[test]
fn size_cap_drops_oldest_and_counts_them() {
    let collector = Collector::start(CollectorKind::Otelcol);
    let proxy = FaultProxy::start(collector.http_port, Mode::Refuse);
    let dir = tempfile::tempdir().unwrap();
    let limits = SpoolLimits {
        max_files: 4,
        ..SpoolLimits::default()
    };
    let t = telemetry(dir.path(), &proxy.url(), limits);
    past_notice(&t);
    for _ in 0..10 {
        std::thread::sleep(Duration::from_millis(5));
        assert!(matches!(one_run(&t), consentry::Outcome::Spooled { .. }));
    }
    let status = t.status();
    assert_eq!(
        (status.spooled_requests, status.dropped_by_limits),
        (4, 6),
        "{status}"
    );
    proxy.set(Mode::Forward);
    std::thread::sleep(Duration::from_millis(5));
    assert!(matches!(one_run(&t), consentry::Outcome::Delivered { .. }));
    let spans = collector.wait_for("4 spooled + 1", Duration::from_secs(20), |s| {
        distinct(s).len() >= 5
    });
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(distinct(&collector.spans()).len(), 5, "{spans:#?}");
    assert_eq!(t.status().spooled_requests, 0);
}

#[test]
fn spool_deleted_during_a_run() {
    let collector = Collector::start(CollectorKind::Otelcol);
    let proxy = FaultProxy::start(collector.http_port, Mode::Refuse);
    let dir = tempfile::tempdir().unwrap();
    let t = telemetry(dir.path(), &proxy.url(), SpoolLimits::default());
    past_notice(&t);
    assert!(matches!(one_run(&t), consentry::Outcome::Spooled { .. }));
    let guard = t.clone().init();
    let subscriber = tracing_subscriber::registry().with(guard.layer());
    tracing::subscriber::with_default(subscriber, || {
        let run = guard.command("x", ["--n"]);
        std::fs::remove_dir_all(dir.path().join("spool")).unwrap();
        run.finish(0);
    });
    assert!(matches!(
        guard.shutdown(),
        consentry::Outcome::Spooled { .. }
    ));
    assert_eq!(
        t.status().spooled_requests,
        1,
        "the deleted request is gone, the new one kept"
    );
    proxy.set(Mode::Forward);
    std::thread::sleep(Duration::from_millis(5));
    assert!(matches!(one_run(&t), consentry::Outcome::Delivered { .. }));
    collector.wait_for("spooled + new", Duration::from_secs(20), |s| {
        distinct(s).len() >= 2
    });
}
