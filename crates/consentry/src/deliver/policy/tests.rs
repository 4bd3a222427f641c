//! The exit policy: spooled and handed over, or sent inline within the budget.

use super::*;
use crate::deliver::{SpoolLimits, Transport};

/// A spool in a temp dir and a delivery with a 300 ms budget to a collector that
/// accepts connections (the kernel's backlog) and never answers.
fn black_hole(uploader: bool) -> (tempfile::TempDir, std::net::TcpListener, Spool, Delivery) {
    let dir = tempfile::tempdir().unwrap();
    let hole = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    hole.set_nonblocking(true).unwrap();
    let url = format!("http://{}", hole.local_addr().unwrap());
    let spool = Spool::new(dir.path().join("spool"), SpoolLimits::default());
    let delivery = Delivery {
        endpoint: Ok(Endpoint::new(&url, Transport::HttpProtobuf).unwrap()),
        spool: Some(spool.clone()),
        budget: Duration::from_millis(300),
        backoff: Backoff::default(),
        uploader,
        local: false,
    };
    (dir, hole, spool, delivery)
}

/// The default branch, step by step: the first run hands its request and the
/// sender lock to the uploader it starts; the next run within the minute starts
/// none and leaves the lock free; a run that finds the lock held starts none; a
/// backoff no uploader could wait out starts none.
#[test]
fn the_first_run_hands_over_the_lock_and_the_next_within_the_minute_starts_none() {
    let (_dir, _hole, spool, _) = black_hole(true);
    spool.put(b"request").unwrap();
    let mut handed = Vec::new();
    let outcome = Delivery::hand_over(&spool, 1, |s, lock| {
        assert_eq!(s.dir(), spool.dir());
        handed.push(lock);
    });
    assert!(
        matches!(
            outcome,
            Outcome::Spooled {
                reason: SpoolReason::HandedToUploader,
                ..
            }
        ),
        "{outcome:?}"
    );
    assert_eq!(handed.len(), 1);
    assert!(
        spool.sender_running(),
        "the lock went to the uploader, held"
    );
    assert_eq!(spool.state().uploader_starts, 1);
    drop(handed);

    let outcome = Delivery::hand_over(&spool, 1, |_, _| panic!("a second start"));
    assert!(
        matches!(
            outcome,
            Outcome::Spooled {
                reason: SpoolReason::UploaderStartedRecently,
                ..
            }
        ),
        "{outcome:?}"
    );
    assert!(
        !spool.sender_running(),
        "a run that starts none keeps no lock"
    );

    let sender = spool.try_lock().unwrap();
    let outcome = Delivery::hand_over(&spool, 1, |_, _| panic!("a start beside a sender"));
    assert!(
        matches!(
            outcome,
            Outcome::Spooled {
                reason: SpoolReason::UploaderRunning,
                ..
            }
        ),
        "{outcome:?}"
    );
    drop(sender);

    spool.update_state(|s| {
        s.uploader_started_ms = 0;
        s.failures = 9;
        s.next_attempt_ms = now_ms() + 10 * 60 * 1000;
    });
    let outcome = Delivery::hand_over(&spool, 1, |_, _| panic!("a start into a backoff"));
    assert!(
        matches!(
            outcome,
            Outcome::Spooled {
                reason: SpoolReason::BackingOff,
                ..
            }
        ),
        "{outcome:?}"
    );
    assert_eq!(spool.state().uploader_starts, 1);
}

/// With the uploader, exit writes the request and never opens a connection; while
/// a sender holds the spool, no second one is started and the request waits for it.
#[test]
fn exit_spools_and_never_touches_the_network() {
    let (_dir, hole, spool, delivery) = black_hole(true);
    let sender = spool.try_lock().unwrap();
    let outcome = delivery.at_exit(b"request".to_vec(), 1, Instant::now());
    assert!(
        matches!(
            &outcome,
            Outcome::Spooled {
                reason: SpoolReason::UploaderRunning,
                ..
            }
        ),
        "{outcome:?}"
    );
    assert_eq!(spool.usage(), (1, 7));
    assert!(
        hole.accept()
            .is_err_and(|e| e.kind() == std::io::ErrorKind::WouldBlock),
        "exit connected to the collector"
    );
    assert!(spool.sender_running());
    drop(sender);
}

/// Without the uploader, a silent collector costs the budget once: the request is
/// spooled and the failure recorded, so the next runs back off.
#[test]
fn inline_timeout_spools_and_backs_off() {
    let (_dir, _hole, spool, delivery) = black_hole(false);
    let outcome = delivery.at_exit(b"request".to_vec(), 1, Instant::now());
    assert!(matches!(outcome, Outcome::Spooled { .. }), "{outcome:?}");
    let state = spool.state();
    assert!(state.failures == 1 && Backoff::waiting(&state), "{state:?}");
    let outcome = delivery.at_exit(b"request".to_vec(), 1, Instant::now());
    assert!(
        matches!(
            &outcome,
            Outcome::Spooled {
                reason: SpoolReason::BackingOff,
                ..
            }
        ),
        "{outcome:?}"
    );
    assert_eq!(spool.usage().0, 2);
}

/// A run within a minute of the last uploader start spools and starts none (the
/// lock stays free: no process took it), and counts no start.
#[test]
fn a_run_within_the_minute_of_a_start_starts_none() {
    let (_dir, _hole, spool, delivery) = black_hole(true);
    std::fs::create_dir_all(spool.dir()).unwrap();
    spool.update_state(|s| {
        s.uploader_started_ms = now_ms() - 59_000;
        s.uploader_starts = 1;
    });
    let outcome = delivery.at_exit(b"request".to_vec(), 1, Instant::now());
    assert!(
        matches!(
            &outcome,
            Outcome::Spooled {
                reason: SpoolReason::UploaderStartedRecently,
                ..
            }
        ),
        "{outcome:?}"
    );
    assert!(!spool.sender_running(), "an uploader was started");
    assert_eq!(spool.state().uploader_starts, 1);
    assert_eq!(spool.usage(), (1, 7));
    assert!(uploader::started_recently(now_ms() - 59_000));
    assert!(!uploader::started_recently(now_ms() - 60_000));
    assert!(!uploader::started_recently(now_ms() + 1_000));
}

#[test]
fn no_spool_dir_is_lost_not_an_error() {
    let (_dir, _hole, _spool, mut delivery) = black_hole(true);
    delivery.spool = None;
    let outcome = delivery.at_exit(b"request".to_vec(), 3, Instant::now());
    assert!(
        matches!(outcome, Outcome::Lost { spans: 3, .. }),
        "{outcome:?}"
    );
}
