//! Markers: names, writing, heartbeat, what is read.

use super::*;

#[test]
fn marker_names_carry_the_pid() {
    let hex = "0123456789abcdef0123456789abcdef";
    let named = |n: &str| marker_name(Path::new(&format!("/x/{n}")));
    assert_eq!(named(&format!("42-{hex}.run")), Some((42, ABANDONED)));
    assert_eq!(named(&format!("42-{hex}.canceled")), Some((42, CANCELED)));
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
    let (record, _) = read_marker(&m.path).unwrap();
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

#[test]
fn a_symlinked_marker_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("secret");
    std::fs::write(&target, r#"{"pid":1,"start_ms":1,"command":"x","args":[]}"#).unwrap();
    let link = dir.path().join("1-0123456789abcdef0123456789abcdef.run");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&target, &link).unwrap();
    #[cfg(unix)]
    assert!(read_marker(&link).is_none());
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
