use super::*;

fn spool(limits: SpoolLimits) -> (tempfile::TempDir, Spool) {
    let dir = tempfile::tempdir().unwrap();
    let s = Spool::new(dir.path().join("spool"), limits);
    (dir, s)
}

fn bodies(s: &Spool) -> Vec<Vec<u8>> {
    s.entries()
        .iter()
        .map(|e| read_capped(&e.path, MAX_REQUEST).unwrap())
        .collect()
}

#[test]
fn put_lists_oldest_first_with_length_in_the_name() {
    let (_d, s) = spool(SpoolLimits::default());
    s.put(b"one").unwrap();
    std::thread::sleep(Duration::from_millis(2));
    s.put(b"three").unwrap();
    assert_eq!(bodies(&s), [b"one".to_vec(), b"three".to_vec()]);
    assert_eq!(s.usage(), (2, 8));
    let lens: Vec<u64> = s
        .entries()
        .iter()
        .map(|e| e.name.as_ref().unwrap().len)
        .collect();
    assert_eq!(lens, [3, 5]);
}

#[test]
fn sender_lock_is_exclusive_and_released_on_drop() {
    let (_d, s) = spool(SpoolLimits::default());
    assert!(!s.sender_running());
    let lock = s.try_lock().expect("free");
    assert!(s.try_lock().is_none());
    assert!(s.sender_running());
    drop(lock);
    assert!(!s.sender_running());
    assert!(s.try_lock().is_some());
}

#[test]
fn status_checks_create_nothing() {
    let (d, s) = spool(SpoolLimits::default());
    assert!(!s.sender_running());
    assert_eq!(s.usage(), (0, 0));
    assert_eq!(s.state(), State::default());
    assert!(
        !d.path().join("spool").exists(),
        "a read-only check created the spool"
    );
}

#[test]
fn bounds_hold_when_each_request_is_written() {
    let (_d, s) = spool(SpoolLimits {
        max_bytes: 10,
        max_files: 3,
        max_age: Duration::from_secs(60),
    });
    let mut dropped = 0;
    for i in 0..5 {
        std::thread::sleep(Duration::from_millis(2));
        dropped += s.put(format!("req{i}").as_bytes()).unwrap();
        let (count, bytes) = s.usage();
        assert!(count <= 3 && bytes <= 10, "{count} files, {bytes} bytes");
    }
    assert_eq!(dropped, 3, "4 bytes each: only 2 fit in 10 bytes");
    assert_eq!(bodies(&s), [b"req3".to_vec(), b"req4".to_vec()]);
    assert_eq!(s.state().dropped_by_limits, 3);
}

#[test]
fn old_requests_are_dropped_by_the_next_writer() {
    let (_d, s) = spool(SpoolLimits {
        max_age: Duration::from_millis(1),
        ..SpoolLimits::default()
    });
    s.put(b"old").unwrap();
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(s.put(b"new").unwrap(), 1);
    assert_eq!(bodies(&s), [b"new".to_vec()]);
}

#[test]
fn an_oversized_request_is_refused() {
    let (_d, s) = spool(SpoolLimits {
        max_bytes: 4,
        ..SpoolLimits::default()
    });
    assert!(s.put(b"12345").is_err());
    assert_eq!(s.usage(), (0, 0));
}

#[test]
fn state_round_trip_and_corrupt_state_is_default() {
    let (_d, s) = spool(SpoolLimits::default());
    s.put(b"x").unwrap();
    s.update_state(|st| {
        st.failures = 2;
        st.rejected = 1;
    });
    assert_eq!((s.state().failures, s.state().rejected), (2, 1));
    fs::write(s.dir().join(STATE), "garbage = [").unwrap();
    assert_eq!(s.state(), State::default());
    fs::remove_file(s.dir().join(STATE)).unwrap();
    #[cfg(unix)]
    {
        let secret = s.dir().join("secret");
        fs::write(&secret, "failures = 7").unwrap();
        std::os::unix::fs::symlink(&secret, s.dir().join(STATE)).unwrap();
        assert_eq!(s.state(), State::default(), "state read through a symlink");
    }
}

#[test]
fn concurrent_writers_lose_nothing_within_bounds() {
    let (_d, s) = spool(SpoolLimits::default());
    std::thread::scope(|sc| {
        for t in 0..8 {
            let s = &s;
            sc.spawn(move || {
                for i in 0..25 {
                    // A busy writer lock may refuse a request; retry it here, as the
                    // count below is what this test checks.
                    let body = format!("{t}-{i}");
                    while s.put(body.as_bytes()).is_err() {}
                }
            });
        }
    });
    let mut all = bodies(&s);
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 200);
}

#[test]
fn concurrent_writers_never_pass_the_count_bound() {
    let (_d, s) = spool(SpoolLimits {
        max_files: 20,
        ..SpoolLimits::default()
    });
    let stop = std::sync::atomic::AtomicBool::new(false);
    let written = std::sync::atomic::AtomicU64::new(0);
    std::thread::scope(|sc| {
        let watcher = sc.spawn(|| {
            let mut most = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                most = most.max(s.entries().len());
            }
            most
        });
        let writers: Vec<_> = (0..6)
            .map(|_| {
                sc.spawn(|| {
                    for _ in 0..30 {
                        if s.put(b"request").is_ok() {
                            written.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        }
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let most = watcher.join().unwrap();
        assert!(most <= 20, "the spool held {most} requests at one moment");
    });
    // Every request written is kept or counted as dropped; at the bound a tenth goes
    // at once.
    let kept = s.usage().0;
    assert!((18..=20).contains(&kept), "{kept}");
    assert_eq!(
        kept as u64 + s.state().dropped_by_limits,
        written.into_inner()
    );
}

#[test]
fn a_spool_at_its_bound_drops_a_tenth_at_once() {
    let (_d, s) = spool(SpoolLimits {
        max_files: 100,
        ..SpoolLimits::default()
    });
    let mut dropped_per_put = Vec::new();
    for _ in 0..111 {
        dropped_per_put.push(s.put(b"request").unwrap());
    }
    // The 101st request makes room down to 90; the next ten fit without a delete.
    assert_eq!(dropped_per_put[100], 11);
    assert!(dropped_per_put[..100].iter().all(|d| *d == 0));
    assert!(dropped_per_put[101..].iter().all(|d| *d == 0));
    assert_eq!(s.usage().0, 100);
    assert_eq!(s.state().dropped_by_limits, 11);
}

/// An uploader that starts after `telemetry disable` deleted the spool must not bring
/// the directory back.
#[test]
fn the_sender_lock_of_a_deleted_spool_creates_nothing() {
    let (_dir, s) = spool(SpoolLimits::default());
    s.put(b"request").unwrap();
    s.delete().unwrap();
    assert!(s.try_lock_existing().is_none());
    assert!(!s.dir().exists(), "the deleted spool came back");
    std::fs::create_dir_all(s.dir()).unwrap();
    let held = s.try_lock_existing().expect("free lock");
    assert!(s.try_lock_existing().is_none(), "held by the first");
    drop(held);
}
