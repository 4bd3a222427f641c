//! A panic whose message quotes text read from a file: by default only its class and
//! location leave, never the message. Its own test binary, because the panic hook and
//! the current run are process-wide.

mod support;

#[test]
fn a_panic_sends_its_class_and_location_but_no_message_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let t = consentry::Telemetry::builder("tool")
        .with_debug_builds(true)
        .with_config_dir(dir.path().join("config"))
        .with_spool_dir(dir.path().join("spool"))
        .with_endpoint("http://127.0.0.1:9")
        .with_uploader(false)
        .build()
        .unwrap();
    // Past the notice (shown by `telemetry enable`, whatever stderr is here).
    t.enable().expect("record the notice");
    let guard = t.init();
    assert!(
        guard.is_enabled(),
        "telemetry must be on (is DO_NOT_TRACK set?)"
    );
    let file = dir.path().join("patterns.txt");
    std::fs::write(&file, "carol-secret-project[\n").unwrap();
    let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // The run is open while the tool panics (dropped while unwinding: exit 101).
        let _run = guard.command("search", ["-f", "patterns.txt"]);
        let pattern = std::fs::read_to_string(&file).unwrap();
        panic!("regex parse error: {}", pattern.trim_end());
    }));
    assert!(unwound.is_err());
    assert!(matches!(
        guard.shutdown(),
        consentry::Outcome::Spooled { .. }
    ));
    let (bytes, request) = support::spooled_request(&dir.path().join("spool"));
    assert!(!bytes.windows(13).any(|w| w == b"carol-secret-"));
    let json = serde_json::to_string(&request).unwrap();
    for expected in ["\"panic\"", "\"101\"", "tests/panic_default.rs\""] {
        assert!(json.contains(expected), "{expected} missing: {json}");
    }
    assert!(!json.contains("exception.message"), "{json}");
    assert!(!json.contains("regex parse error"), "{json}");
}
