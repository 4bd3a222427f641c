//! A burst of 1,000 runs against a real collector starts at most one uploader per
//! minute, and still every span reaches the collector within 60 s of its run while the
//! tool keeps being used; a run after the uploader is gone waits for the next run after
//! that minute, which starts the next uploader.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::*;
use crate::support::{Collector, CollectorKind, Transport};

const BURST: usize = 1000;
const WORKERS: usize = 4;

/// The uploader starts and the last start recorded in the user's spool state.
fn starts(user: &Taskr) -> (u64, u64) {
    let text = std::fs::read_to_string(spool_dir(user).join("state.toml")).unwrap_or_default();
    let field = |name: &str| {
        text.lines()
            .find_map(|l| {
                l.strip_prefix(name)?
                    .trim()
                    .strip_prefix('=')?
                    .trim()
                    .parse()
                    .ok()
            })
            .unwrap_or(0)
    };
    (field("uploader_starts"), field("uploader_started_ms"))
}

fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

/// When each span was first seen at the collector (Unix ns), polled every 200 ms.
#[derive(Default)]
struct Arrivals {
    seen: HashMap<String, (u64, u64)>,
}

impl Arrivals {
    /// Looks at the collector once; how many distinct spans it has.
    fn poll(&mut self, collector: &Collector) -> usize {
        let now = now_ns();
        for s in collector.spans() {
            self.seen.entry(s.span_id).or_insert((s.end_ns, now));
        }
        self.seen.len()
    }

    /// The longest wait from a run's end to its span at the collector.
    fn worst(&self) -> Duration {
        let ns = self
            .seen
            .values()
            .map(|(end, seen)| seen.saturating_sub(*end))
            .max()
            .unwrap_or(0);
        Duration::from_nanos(ns)
    }
}

#[test]
fn a_burst_starts_one_uploader_a_minute_and_every_span_arrives_within_a_minute() {
    let collector = Collector::start(CollectorKind::Otelcol);
    let user = Taskr::sending_to(&collector.http_endpoint(), Transport::Http);
    let mut arrivals = Arrivals::default();

    // The burst, on four threads; the collector is watched meanwhile.
    let started = Instant::now();
    let burst_runs = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..WORKERS)
            .map(|_| {
                scope.spawn(|| {
                    for _ in 0..BURST / WORKERS {
                        let r = user.run(&["list"]);
                        assert_eq!((r.code, r.stderr.as_str()), (Some(0), ""), "{r:?}");
                    }
                })
            })
            .collect();
        while !workers.iter().all(|w| w.is_finished()) {
            arrivals.poll(&collector);
            std::thread::sleep(Duration::from_millis(200));
        }
        workers.into_iter().for_each(|w| w.join().unwrap());
        BURST
    });
    let burst_took = started.elapsed();
    let (burst_starts, first_start_ms) = starts(&user);
    let minutes = 1 + burst_took.as_secs() / 60;
    assert!(
        (1..=minutes).contains(&burst_starts),
        "{burst_starts} uploaders started by {BURST} runs in {burst_took:?}"
    );

    // The tool keeps being used (a run every second) until every span arrived.
    let mut runs = burst_runs;
    let deadline = Instant::now() + Duration::from_secs(90);
    while arrivals.poll(&collector) < runs {
        assert!(
            Instant::now() < deadline,
            "{} of {runs} spans arrived",
            arrivals.seen.len()
        );
        std::thread::sleep(Duration::from_millis(200));
        if arrivals.poll(&collector) < runs {
            std::thread::sleep(Duration::from_millis(800));
            assert_eq!(user.run(&["list"]).code, Some(0));
            runs += 1;
        }
    }
    assert!(
        arrivals.worst() <= Duration::from_secs(60),
        "a span arrived {:?} after its run",
        arrivals.worst()
    );
    let spans = collector.spans();
    assert_eq!(distinct(&spans).len(), runs, "spans invented or lost");
    eprintln!(
        "burst: {BURST} runs in {burst_took:?}, {burst_starts} uploader start(s), \
         {runs} spans, worst delay {:?}",
        arrivals.worst()
    );

    // Then the tool is left alone: the uploader exits after it found nothing to send.
    wait_status_gone(&user, "uploader: sending", Duration::from_secs(40));
    let (before, last_start_ms) = starts(&user);
    // A run within the minute of the last start spools and starts none...
    let last_start = UNIX_EPOCH + Duration::from_millis(last_start_ms);
    if SystemTime::now() + Duration::from_secs(5) < last_start + Duration::from_secs(60) {
        assert_eq!(user.run(&["list"]).code, Some(0));
        runs += 1;
        assert_eq!(
            starts(&user).0,
            before,
            "a run within the minute started one"
        );
        // ... and its span waits (no process is left to send it) ...
        let until = last_start + Duration::from_secs(61);
        while SystemTime::now() < until {
            std::thread::sleep(Duration::from_millis(500));
        }
        assert_eq!(spool_files(&user).len(), 1, "the lone run's request waits");
        assert_eq!(distinct(&collector.spans()).len(), runs - 1);
    } else {
        panic!(
            "the burst took {burst_took:?} (first start at {first_start_ms}): too slow to \
             see a run inside the minute"
        );
    }
    // ... for the next run, after the minute, which starts the next uploader.
    assert_eq!(user.run(&["list"]).code, Some(0));
    runs += 1;
    assert_eq!(
        starts(&user).0,
        before + 1,
        "the run after the minute starts one"
    );
    collector.wait_for("the waiting spans", Duration::from_secs(20), |s| {
        distinct(s).len() >= runs
    });
}

/// Waits (bounded) until `telemetry status` no longer shows `needle`.
fn wait_status_gone(user: &Taskr, needle: &str, within: Duration) {
    let deadline = Instant::now() + within;
    while status(user).contains(needle) {
        assert!(Instant::now() < deadline, "status kept showing {needle:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Steady use for over a minute (a run every half second): the first uploader's
/// lifetime ends within the minute, the runs after it spool and wait, and the first run
/// after the minute starts the second; no span waits more than a minute.
#[test]
fn steady_use_for_over_a_minute_starts_two_uploaders_and_no_span_waits_a_minute() {
    let collector = Collector::start(CollectorKind::Otelcol);
    let user = Taskr::sending_to(&collector.http_endpoint(), Transport::Http);
    let mut arrivals = Arrivals::default();
    let started = Instant::now();
    let mut runs = 0;
    while started.elapsed() < Duration::from_secs(75) || arrivals.poll(&collector) < runs {
        assert!(
            started.elapsed() < Duration::from_secs(150),
            "{} of {runs} spans arrived",
            arrivals.seen.len()
        );
        let r = user.run(&["list"]);
        assert_eq!((r.code, r.stderr.as_str()), (Some(0), ""), "{r:?}");
        runs += 1;
        arrivals.poll(&collector);
        std::thread::sleep(Duration::from_millis(500));
    }
    let took = started.elapsed();
    let (starts, _) = starts(&user);
    let allowed = 1 + took.as_secs() / 60;
    assert!(
        (2..=allowed).contains(&starts),
        "{starts} uploaders started by {runs} runs in {took:?}"
    );
    assert!(
        arrivals.worst() <= Duration::from_secs(60),
        "a span arrived {:?} after its run",
        arrivals.worst()
    );
    assert_eq!(
        distinct(&collector.spans()).len(),
        runs,
        "spans invented or lost"
    );
    eprintln!(
        "steady: {runs} runs in {took:?}, {starts} uploader starts, worst delay {:?}",
        arrivals.worst()
    );
}
