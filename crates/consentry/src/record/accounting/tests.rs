//! Markers: names, writing, heartbeat, what is read.

use super::*;

#[test]
fn marker_names_say_how_a_run_is_reported() {
    let hex = "0123456789abcdef0123456789abcdef";
    let named = |n: &str| marker_name(Path::new(&format!("/x/{n}")));
    assert_eq!(named(&format!("42-{hex}.run")), Some(ABANDONED));
    assert_eq!(named(&format!("42-{hex}.canceled")), Some(CANCELED));
    assert_eq!(named(&format!("x-{hex}.run")), None);
    assert_eq!(named("42-zz.run"), None);
    assert_eq!(named(&format!("42-{hex}.otlp")), None);
}

#[test]
fn a_marker_is_written_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let m = Marker::create(
        dir.path(),
        "add",
        &["*****".into()],
        DEFAULT_HEARTBEAT,
        None,
    )
    .unwrap();
    let (record, _) = read_marker(&std::fs::File::open(&m.path).unwrap()).unwrap();
    assert_eq!(record.command, "add");
    assert_eq!(record.pid, std::process::id());
    m.remove();
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn a_running_command_s_marker_is_touched() {
    let dir = tempfile::tempdir().unwrap();
    let m = Marker::create(dir.path(), "watch", &[], Duration::from_millis(20), None).unwrap();
    let first = std::fs::metadata(&m.path).unwrap().modified().unwrap();
    // Bounded: 500 polls of 10 ms; the beat is every 20 ms.
    let touched = (0..500).any(|_| {
        std::thread::sleep(Duration::from_millis(10));
        std::fs::metadata(&m.path).unwrap().modified().unwrap() > first
    });
    assert!(touched, "the marker was never touched");
    m.remove();
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[cfg(unix)]
#[test]
fn a_symlinked_marker_is_not_read_and_its_target_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("secret");
    std::fs::write(&target, r#"{"pid":1,"start_ms":1,"command":"x","args":[]}"#).unwrap();
    let link = dir.path().join("1-0123456789abcdef0123456789abcdef.run");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    assert!(crate::sys::files::claim_unlocked(&link).is_none());
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().build();
    use opentelemetry::trace::TracerProvider as _;
    assert_eq!(
        report_leftovers(dir.path(), &provider.tracer("t"), "tool"),
        0
    );
    assert!(target.exists());
}

/// A marker as another process left it: `pid` in its name and record.
fn foreign_marker(dir: &Path, pid: u32) -> PathBuf {
    let start_ms = crate::deliver::now_ms() - 1_000;
    let body = format!("pid = {pid}\nstart_ms = {start_ms}\ncommand = \"x\"\nargs = []\n");
    let path = dir.join(format!(
        "{pid}-{}.run",
        crate::sys::random::uuid_v4().simple()
    ));
    std::fs::write(&path, body).unwrap();
    path
}

fn leftovers(dir: &Path) -> usize {
    use opentelemetry::trace::TracerProvider as _;
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().build();
    report_leftovers(dir, &provider.tracer("t"), "tool")
}

#[test]
fn a_live_run_s_marker_is_left_alone_whatever_its_pid_says() {
    let dir = tempfile::tempdir().unwrap();
    // No process has this pid (above any pid_max), but the run holds its lock: alive,
    // as a run in another PID namespace would look.
    let live = foreign_marker(dir.path(), 4_000_000_000);
    let held = std::fs::File::open(&live).unwrap();
    held.try_lock().unwrap();
    assert_eq!(leftovers(dir.path()), 0);
    assert!(live.exists(), "a live run's marker was deleted");
    // Its process ends: the lock goes with it and the next run reports it.
    drop(held);
    assert_eq!(leftovers(dir.path()), 1);
    assert!(!live.exists());
}

#[test]
fn a_dead_run_s_marker_is_reported_even_when_its_pid_was_reused() {
    let dir = tempfile::tempdir().unwrap();
    // This very process has the pid now (reused), but nothing holds the lock.
    let dead = foreign_marker(dir.path(), std::process::id());
    assert_eq!(leftovers(dir.path()), 1);
    assert!(!dead.exists());
}

#[test]
fn this_process_s_own_running_marker_is_not_reported() {
    let dir = tempfile::tempdir().unwrap();
    let m = Marker::create(dir.path(), "add", &[], Duration::ZERO, None).unwrap();
    assert_eq!(leftovers(dir.path()), 0);
    assert!(m.path.exists());
    m.remove();
}

#[test]
fn two_runs_never_report_the_same_marker() {
    let dir = tempfile::tempdir().unwrap();
    for _ in 0..20 {
        foreign_marker(dir.path(), 4_000_000_001);
    }
    let dir = dir.path().to_owned();
    let counts: Vec<usize> = std::thread::scope(|s| {
        let runs: Vec<_> = (0..4).map(|_| s.spawn(|| leftovers(&dir))).collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    assert_eq!(counts.iter().sum::<usize>(), 20, "{counts:?}");
}

#[test]
fn a_run_that_goes_on_after_ctrl_c_gets_its_marker_back_and_leaves_none() {
    let dir = tempfile::tempdir().unwrap();
    let m = Marker::create(dir.path(), "watch", &[], Duration::from_millis(20), None).unwrap();
    // What the SIGINT handler does when a host's own handler keeps the process alive.
    std::fs::rename(&m.path, &m.canceled).unwrap();
    // Bounded: 500 polls of 10 ms; the name comes back on the second beat.
    let back = (0..500).any(|_| {
        std::thread::sleep(Duration::from_millis(10));
        m.path.is_file()
    });
    assert!(back, "the running name never came back");
    assert!(!m.canceled.exists());
    // Finished while renamed: neither name is left to report.
    std::fs::rename(&m.path, &m.canceled).unwrap();
    m.remove();
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn temp_files_of_dead_writers_are_removed_and_fresh_ones_kept() {
    use opentelemetry::trace::TracerProvider as _;
    let dir = tempfile::tempdir().unwrap();
    let stale = dir.path().join(".tmp-dead");
    let fresh = dir.path().join(".tmp-live");
    let other = dir.path().join("notes.txt");
    for p in [&stale, &fresh, &other] {
        std::fs::write(p, b"{").unwrap();
    }
    let hours_ago = SystemTime::now() - Duration::from_secs(2 * 3600);
    for p in [&stale, &other] {
        std::fs::File::options()
            .write(true)
            .open(p)
            .unwrap()
            .set_modified(hours_ago)
            .unwrap();
    }
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().build();
    let reported = report_leftovers(dir.path(), &provider.tracer("t"), "tool");
    assert_eq!(reported, 0);
    assert!(
        !stale.exists(),
        "a temp file an hour old is a dead writer's"
    );
    assert!(fresh.exists(), "a fresh one may be a live writer's");
    assert!(other.exists(), "only consentry's temp files are removed");
}

#[test]
fn a_marker_reads_back_and_anything_else_is_garbage() {
    let record = Record {
        pid: 42,
        start_ms: 1_700_000_000_000,
        command: "add \"x\"".into(),
        args: vec!["--tag".into(), "<masked>".into(), "a\nb".into()],
    };
    assert_eq!(Record::parse(&record.to_text()), Some(record));
    for garbage in [
        // An earlier build's JSON marker.
        r#"{"pid":42,"start_ms":1,"command":"x","args":[]}"#,
        "pid = 42\nstart_ms = 1\ncommand = \"x\"\n",
        "pid = -1\nstart_ms = 1\ncommand = \"x\"\nargs = []\n",
        "pid = 1\nstart_ms = 1\ncommand = 3\nargs = []\n",
        "",
    ] {
        assert_eq!(Record::parse(garbage), None, "{garbage:?}");
    }
}
