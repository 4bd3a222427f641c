//! Never in the way, nothing lost: for each network fault, taskr's stdout and exit code
//! are unchanged, exit stays within the exit budget, and once the collector is healthy
//! every span arrives (counted by span id; at-least-once, so copies are allowed but no
//! span may be missing or invented).

use crate::support;
use support::otlp::distinct;
use support::taskr::{hold_sender_lock, spool_dir, spool_files};

use std::collections::HashSet;
use std::time::{Duration, Instant};

use support::fault::{FaultProxy, Mode};
use support::{Collector, CollectorKind, Outcome, Taskr, Transport};

/// Exit budget (300 ms) plus generous room for process start on a busy machine; a run
/// slower than this waited on the network.
const EXIT_LIMIT: Duration = Duration::from_millis(1000);

fn backing_off(user: &Taskr) -> bool {
    let text = std::fs::read_to_string(spool_dir(user).join("state.toml")).unwrap_or_default();
    let next: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("next_attempt_ms = "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    next > now
}

fn assert_fast_and_untouched(r: &Outcome, why: &str) {
    assert_eq!(r.code, Some(0), "{why}: {r:?}");
    assert_eq!(r.stdout, "", "{why}: {r:?}");
    assert_eq!(r.stderr, "", "{why}: {r:?}");
    assert!(r.took < EXIT_LIMIT, "{why}: exit took {:?}", r.took);
}

fn run_list(user: &Taskr, why: &str) {
    assert_fast_and_untouched(&user.run(&["list"]), why);
}

/// Runs more invocations (each adds one span) until the spool is empty and every span
/// arrived; returns how many extra runs it took.
fn settle(collector: &Collector, user: &Taskr, expected: usize) -> usize {
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut extra = 0;
    loop {
        let got = distinct(&collector.spans()).len();
        if got >= expected + extra && spool_files(user).is_empty() {
            assert_eq!(got, expected + extra, "spans were invented");
            return extra;
        }
        assert!(
            Instant::now() < deadline,
            "only {got} of {} spans arrived; spool: {:?}\n{}",
            expected + extra,
            spool_files(user),
            collector.log()
        );
        if !spool_files(user).is_empty() && !backing_off(user) {
            run_list(user, "settling run");
            extra += 1;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn fault_then_recover(mode: Mode, transport: Transport, runs: usize) {
    let collector = Collector::start(CollectorKind::Otelcol);
    let upstream = match transport {
        Transport::Http => collector.http_port,
        Transport::Grpc => collector.grpc_port,
    };
    let proxy = FaultProxy::start(upstream, mode.clone());
    let user = Taskr::sending_to(&proxy.url(), transport);
    for i in 0..runs {
        run_list(&user, &format!("{mode:?} run {i}"));
    }
    assert_eq!(
        distinct(&collector.spans()).len(),
        0,
        "{mode:?}: nothing can have arrived yet"
    );
    assert!(
        !spool_files(&user).is_empty(),
        "{mode:?}: undelivered requests are spooled"
    );
    let status = user.run(&["telemetry", "status"]);
    assert!(status.stdout.contains("spooled: "), "{status:?}");
    proxy.set(Mode::Forward);
    settle(&collector, &user, runs);
}

#[test]
fn collector_down_then_up() {
    fault_then_recover(Mode::Refuse, Transport::Http, 5);
    fault_then_recover(Mode::Refuse, Transport::Grpc, 5);
}

#[test]
fn black_hole_then_up() {
    fault_then_recover(Mode::BlackHole, Transport::Http, 3);
    fault_then_recover(Mode::BlackHole, Transport::Grpc, 3);
}

#[test]
fn server_errors_then_up() {
    fault_then_recover(Mode::Status(503, ""), Transport::Http, 4);
    fault_then_recover(Mode::Status(500, ""), Transport::Http, 2);
}

#[test]
fn garbage_answers_then_up() {
    fault_then_recover(Mode::Garbage, Transport::Http, 3);
    fault_then_recover(Mode::Garbage, Transport::Grpc, 3);
}

#[test]
fn slow_collector_past_the_budget_is_delivered_by_the_uploader() {
    let collector = Collector::start(CollectorKind::Otelcol);
    let proxy = FaultProxy::start(collector.http_port, Mode::Slow(Duration::from_millis(1500)));
    let user = Taskr::sending_to(&proxy.url(), Transport::Http);
    for i in 0..3 {
        run_list(&user, &format!("slow run {i}"));
    }
    // No further runs: the detached uploader, which has time, delivers the spool.
    let spans = collector.wait_for("the uploader's delivery", Duration::from_secs(40), |s| {
        distinct(s).len() >= 3
    });
    assert_eq!(distinct(&spans).len(), 3);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !spool_files(&user).is_empty() {
        assert!(
            Instant::now() < deadline,
            "spool not emptied: {:?}",
            spool_files(&user)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn throttling_429_honours_retry_after() {
    let collector = Collector::start(CollectorKind::Otelcol);
    let proxy = FaultProxy::start(collector.http_port, Mode::Status(429, "retry-after: 4\r\n"));
    let user = Taskr::sending_to(&proxy.url(), Transport::Http);
    run_list(&user, "throttled");
    // The uploader the run started meets the 429 (the run itself never connects).
    let deadline = Instant::now() + Duration::from_secs(20);
    while proxy.connections() == 0 {
        assert!(Instant::now() < deadline, "the uploader never connected");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Its backoff is recorded before the next runs start.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !backing_off(&user) {
        assert!(Instant::now() < deadline, "no backoff recorded");
        std::thread::sleep(Duration::from_millis(20));
    }
    let seen = proxy.connections();
    proxy.set(Mode::Forward);
    // Within the collector's Retry-After, runs do not touch the network at all.
    for i in 0..3 {
        run_list(&user, &format!("during retry-after {i}"));
    }
    assert_eq!(
        proxy.connections(),
        seen,
        "a run contacted the collector during its Retry-After"
    );
    let status = user.run(&["telemetry", "status"]);
    assert!(status.stdout.contains("backing off"), "{status:?}");
    std::thread::sleep(Duration::from_secs(4));
    settle(&collector, &user, 4);
}

#[test]
fn malformed_request_answer_is_never_retried() {
    let collector = Collector::start(CollectorKind::Otelcol);
    let proxy = FaultProxy::start(collector.http_port, Mode::Status(400, ""));
    let user = Taskr::sending_to(&proxy.url(), Transport::Http);
    run_list(&user, "rejected");
    // The uploader sends it, meets the 400 and deletes it; it is never retried.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let status = user.run(&["telemetry", "status"]);
        if status.stdout.contains("rejected by collector: 1") {
            break;
        }
        assert!(Instant::now() < deadline, "{status:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        spool_files(&user).is_empty(),
        "a rejected request stays spooled"
    );
    proxy.set(Mode::Forward);
    run_list(&user, "after rejection");
    let spans = collector.wait_for("the next run", Duration::from_secs(20), |s| !s.is_empty());
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        distinct(&collector.spans()).len(),
        1,
        "the rejected request was sent again: {spans:#?}"
    );
}

#[test]
fn collector_restarted_during_200_runs() {
    let mut collector = Collector::start(CollectorKind::Otelcol);
    let user = Taskr::sending_to(&collector.http_endpoint(), Transport::Http);
    for i in 0..200 {
        if i == 80 {
            collector.stop();
        }
        if i == 120 {
            collector.restart();
        }
        run_list(&user, &format!("run {i}"));
    }
    settle(&collector, &user, 200);
}

#[test]
fn unwritable_spool_loses_only_what_could_not_be_sent() {
    let collector = Collector::start(CollectorKind::Otelcol);
    let proxy = FaultProxy::start(collector.http_port, Mode::Refuse);
    let mut user = Taskr::sending_to(&proxy.url(), Transport::Http);
    let blocker = user.home().join("state-is-a-file");
    std::fs::write(&blocker, "").unwrap();
    user.env("XDG_STATE_HOME", &blocker);
    for i in 0..3 {
        run_list(&user, &format!("unwritable spool {i}"));
    }
    proxy.set(Mode::Forward);
    std::thread::sleep(Duration::from_millis(100));
    run_list(&user, "collector back");
    collector.wait_for("the run after recovery", Duration::from_secs(20), |s| {
        !s.is_empty()
    });
}

#[test]
fn sixty_four_concurrent_runs_up_down_up() {
    let collector = Collector::start(CollectorKind::Otelcol);
    let proxy = FaultProxy::start(collector.http_port, Mode::Forward);
    let user = Taskr::sending_to(&proxy.url(), Transport::Http);
    let wave = |why: &str| {
        let children: Vec<_> = (0..64)
            .map(|_| {
                let mut c = user.command(&["list"]);
                c.stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped());
                c.spawn().expect("spawn taskr")
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert_eq!(out.status.code(), Some(0), "{why}");
            assert!(
                out.stdout.is_empty() && out.stderr.is_empty(),
                "{why}: {out:?}"
            );
        }
    };
    wave("collector up");
    proxy.set(Mode::Refuse);
    wave("collector down");
    proxy.set(Mode::Forward);
    wave("collector up again");
    settle(&collector, &user, 192);
    let status = user.run(&["telemetry", "status"]);
    assert!(
        status.stdout.contains("rejected by collector: 0"),
        "a torn spool file was sent: {status:?}"
    );
}

mod uploader;

/// In-process runs through the library, for settings taskr does not expose.
mod in_process;
