//! Long-running commands spool what finished while they run.
//!
//! The run's heartbeat thread (see [`accounting`](crate::record::accounting)) already wakes
//! every period ([`DEFAULT_HEARTBEAT`](crate::record::accounting::DEFAULT_HEARTBEAT), 60 s, or
//! the author's `with_run_heartbeat`). On each beat it also takes the spans that
//! finished since the last one (declared phases, reports of abandoned runs) and writes
//! them to the spool as one request: a run that is then killed loses at most one
//! period of them, and a later run (or the uploader) delivers them. The command span
//! itself is still open and goes out at exit as before. Only the local disk is used on
//! a beat, never the network, so a beat never waits on a collector.

use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SpanData;

use crate::deliver::{self, Collected, Spool};

/// What a beat needs to spool finished spans.
#[derive(Debug, Clone)]
pub(crate) struct PeriodicFlush {
    pub(crate) collected: Collected,
    pub(crate) resource: Resource,
    pub(crate) spool: Spool,
}

impl PeriodicFlush {
    /// Takes out the spans finished so far. In memory only, so the beat does it while
    /// it holds the run's stop lock: a run that is ending waits for this, never for the
    /// disk, and its command span (which ends after the stop) is never among them.
    pub(crate) fn take_finished(&self) -> Vec<SpanData> {
        self.collected.take()
    }

    /// Spools `spans` as one request; returns how many. Best effort: a spool that
    /// cannot be written loses them, as it would at exit.
    pub(crate) fn spool(&self, spans: Vec<SpanData>) -> usize {
        let count = spans.len();
        if count > 0 {
            let request = deliver::encode(spans, &self.resource);
            let _ = self.spool.put(&prost::Message::encode_to_vec(&request));
        }
        count
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tracing_subscriber::prelude::*;

    use crate::Telemetry;
    use crate::rules::declared::Field;
    use crate::tests::support::spans;

    #[test]
    fn a_long_run_spools_its_finished_phases_on_the_heartbeat() {
        let dir = tempfile::tempdir().unwrap();
        let spool_dir = dir.path().join("state/spool");
        let t = crate::tests::support::opted_in(
            dir.path(),
            Telemetry::builder("tool")
                .with_span("phase", &[Field::number("n")])
                .with_run_heartbeat(Duration::from_millis(20)),
        );
        let mut guard = t.init();
        assert!(
            guard.is_enabled(),
            "telemetry must be on (is DO_NOT_TRACK set?)"
        );
        let spooled = |d: &std::path::Path| -> Vec<std::path::PathBuf> {
            std::fs::read_dir(d)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "otlp"))
                .collect()
        };
        let subscriber = tracing_subscriber::registry().with(guard.layer());
        tracing::subscriber::with_default(subscriber, || {
            let run = guard.command("watch", ["x"]);
            tracing::info_span!("phase", n = 1).in_scope(|| {});
            // Bounded: 500 polls of 10 ms; the beat is every 20 ms.
            let found = (0..500).find_map(|_| {
                std::thread::sleep(Duration::from_millis(10));
                spooled(&spool_dir).pop()
            });
            let file = found.expect("the finished phase was never spooled");
            let body = std::fs::read(file).unwrap();
            let request: opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest =
                prost::Message::decode(body.as_slice()).unwrap();
            let names: Vec<&str> = spans(&request).iter().map(|s| s.name.as_str()).collect();
            assert_eq!(
                names,
                ["phase"],
                "only the finished phase, not the open run"
            );
            run.finish(0);
        });
        // The phase is not sent a second time at exit.
        let left = guard.take_request().unwrap();
        let names: Vec<&str> = spans(&left).iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["tool"]);
    }

    #[test]
    fn runs_that_end_as_a_beat_lands_keep_their_span_for_the_exit() {
        let dir = tempfile::tempdir().unwrap();
        let t = crate::tests::support::opted_in(
            dir.path(),
            Telemetry::builder("tool").with_run_heartbeat(Duration::from_millis(10)),
        );
        let mut guard = t.init();
        // Bounded: 100 runs of about one beat each, so that beats land as runs end.
        for i in 0..100 {
            let run = guard.command("go", ["x"]);
            std::thread::sleep(Duration::from_micros(9_900 + (i % 5) * 50));
            run.finish(0);
            let request = guard.take_request().unwrap();
            let commands = spans(&request).iter().filter(|s| s.name == "tool").count();
            assert_eq!(commands, 1, "run {i}: a beat took the command span");
        }
    }
}
