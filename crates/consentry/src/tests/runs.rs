//! The command span without a host subscriber, declared success codes, the root
//! command's name, flushing before the guard is dropped, and run markers.

use tracing_subscriber::prelude::*;

use crate::Telemetry;
use crate::deliver::Outcome;

use crate::tests::support;
use crate::tests::support::opted_in as on;

fn span_attrs(
    request: &opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest,
) -> Vec<Vec<(String, String)>> {
    crate::tests::support::spans(request)
        .into_iter()
        .map(|s| {
            s.attributes
                .iter()
                .map(|kv| (kv.key.clone(), format!("{:?}", kv.value)))
                .collect()
        })
        .collect()
}

fn attr<'a>(span: &'a [(String, String)], key: &str) -> Option<&'a str> {
    span.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

#[test]
fn the_span_is_recorded_without_any_subscriber_and_only_once_with_one() {
    let dir = tempfile::tempdir().unwrap();
    let t = on(dir.path(), Telemetry::builder("tool"));
    // No subscriber at all (the thread default is "none").
    let mut guard = t.clone().init();
    assert!(guard.is_enabled(), "telemetry must be on");
    tracing::subscriber::with_default(tracing::subscriber::NoSubscriber::default(), || {
        let run = guard.command("go", ["x"]);
        assert!(run.is_recording());
        run.finish(0);
    });
    assert_eq!(span_attrs(&guard.take_request().unwrap()).len(), 1);
    // A host that also added the layer (the old wiring) gets no duplicate.
    let mut guard = t.init();
    let host = tracing_subscriber::registry().with(guard.layer());
    tracing::subscriber::with_default(host, || guard.command("go", ["x"]).finish(0));
    assert_eq!(span_attrs(&guard.take_request().unwrap()).len(), 1);
}

#[test]
fn declared_success_codes_are_not_errors_and_the_root_has_a_name() {
    let dir = tempfile::tempdir().unwrap();
    let t = on(
        dir.path(),
        Telemetry::builder("tool").with_success_exit_codes(&[0, 1]),
    );
    let mut guard = t.init();
    guard.command("", ["pattern"]).finish(1);
    guard.command("", ["pattern"]).finish(2);
    let request = guard.take_request().unwrap();
    let spans = span_attrs(&request);
    assert_eq!(spans.len(), 2);
    let codes: Vec<Option<&str>> = spans.iter().map(|s| attr(s, "error.type")).collect();
    assert_eq!(codes.iter().filter(|c| c.is_none()).count(), 1, "{spans:?}");
    assert!(codes.iter().any(|c| c.is_some_and(|v| v.contains("\"2\""))));
    // The status follows error.type (the rule the README states), not "exit code != 0".
    use opentelemetry_proto::tonic::trace::v1::status::StatusCode;
    for (span, attrs) in support::spans(&request).iter().zip(&spans) {
        let status = span.status.as_ref().map_or(0, |s| s.code);
        let expected = if attr(attrs, "error.type").is_some() {
            StatusCode::Error
        } else {
            StatusCode::Unset
        };
        assert_eq!(status, expected as i32, "{attrs:?}");
    }
    for s in &spans {
        assert!(attr(s, "consentry.command").is_some_and(|v| v.contains("(root)")));
        assert!(attr(s, "process.pid").is_some());
        assert!(attr(s, "consentry.stdin.terminal").is_some());
        assert!(attr(s, "process.args_count").is_some_and(|v| v.contains("IntValue(2)")));
    }
}

#[test]
fn a_flush_handle_sends_from_another_thread_and_the_guard_has_nothing_left() {
    let dir = tempfile::tempdir().unwrap();
    let t = on(dir.path(), Telemetry::builder("tool"));
    let guard = t.init();
    let handle = guard.flush_handle().unwrap();
    guard.command("go", ["x"]).finish(0);
    let outcome = std::thread::spawn(move || handle.flush()).join().unwrap();
    // Nothing listens on the discard port: the request is spooled, not lost.
    assert!(matches!(outcome, Outcome::Spooled { .. }), "{outcome:?}");
    assert!(matches!(guard.shutdown(), Outcome::NothingToSend));
}

#[test]
fn a_run_dropped_unfinished_still_ends_its_span() {
    let dir = tempfile::tempdir().unwrap();
    let mut guard = on(dir.path(), Telemetry::builder("tool")).init();
    drop(guard.command("go", ["x"]));
    let spans = span_attrs(&guard.take_request().unwrap());
    assert_eq!(spans.len(), 1, "the span stayed open");
    assert_eq!(attr(&spans[0], "process.exit.code"), None, "{spans:?}");
}

#[test]
fn a_finished_run_leaves_no_marker_and_an_open_one_leaves_one() {
    let dir = tempfile::tempdir().unwrap();
    let t = on(dir.path(), Telemetry::builder("tool"));
    let runs = dir
        .path()
        .join("state")
        .join(crate::record::accounting::RUNS_DIR);
    let guard = t.init();
    let run = guard.command("go", ["x"]);
    assert_eq!(std::fs::read_dir(&runs).unwrap().count(), 1);
    run.finish(0);
    assert_eq!(std::fs::read_dir(&runs).unwrap().count(), 0);
}

#[test]
fn an_opt_out_passes_to_child_processes_and_consent_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = on(dir.path(), Telemetry::builder("tool"));
    let child_env = |guard: &crate::TelemetryGuard| {
        let mut cmd = std::process::Command::new("child");
        guard.apply_opt_out(&mut cmd);
        cmd.get_envs()
            .map(|(k, v)| (k.to_owned(), v.map(std::ffi::OsStr::to_owned)))
            .collect::<Vec<_>>()
    };
    assert!(child_env(&t.clone().init()).is_empty());
    t.set_disable_flag_given(true);
    let guard = t.init();
    assert!(!guard.decision().enabled);
    assert_eq!(
        child_env(&guard),
        [("TOOL_TELEMETRY_OPTOUT".into(), Some("1".into()))]
    );
}

#[test]
fn exit_code_130_is_canceled_unless_declared_a_success() {
    let dir = tempfile::tempdir().unwrap();
    let mut guard = on(dir.path(), Telemetry::builder("tool")).init();
    guard.command("go", ["x"]).finish(130);
    guard
        .command("go", ["x"])
        .finish_with_error(130, "Interrupted");
    let spans = span_attrs(&guard.take_request().unwrap());
    let types: Vec<Option<&str>> = spans.iter().map(|s| attr(s, "error.type")).collect();
    assert!(
        types[0].is_some_and(|v| v.contains("\"canceled\"")),
        "{spans:?}"
    );
    // The author's own class wins, as for any other code.
    assert!(
        types[1].is_some_and(|v| v.contains("\"Interrupted\"")),
        "{spans:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    let t = Telemetry::builder("tool").with_success_exit_codes(&[0, 130]);
    let mut guard = on(dir.path(), t).init();
    guard.command("go", ["x"]).finish(130);
    let spans = span_attrs(&guard.take_request().unwrap());
    assert_eq!(attr(&spans[0], "error.type"), None, "{spans:?}");
}

/// Set in the child role of the test below: the code to exit with.
#[cfg(unix)]
const EXIT_WITH: &str = "CONSENTRY_TEST_EXIT_WITH";

/// What a parent sees is the oracle: this test binary, run again as a child that calls
/// `process::exit(code)`, reports the status that must be recorded (jaq's
/// `halt_error(300)` exits 44; `-1` must not read as an abandoned run's `-1`).
#[cfg(unix)]
#[test]
fn the_exit_code_recorded_is_the_status_the_process_exits_with() {
    use crate::env::Env as _;
    if let Some(code) = crate::env::OsEnv.var_os(EXIT_WITH) {
        std::process::exit(code.to_str().unwrap().parse().unwrap());
    }
    for code in [
        0,
        1,
        2,
        130,
        255,
        256,
        258,
        300,
        386,
        -1,
        -126,
        i32::MAX,
        i32::MIN,
    ] {
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "tests::runs::the_exit_code_recorded_is_the_status_the_process_exits_with",
                "--quiet",
            ])
            .env(EXIT_WITH, code.to_string())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        let seen = status.code().expect("exited, not signalled");
        let dir = tempfile::tempdir().unwrap();
        let t = Telemetry::builder("tool").with_success_exit_codes(&[0, 2]);
        let mut guard = on(dir.path(), t).init();
        guard.command("go", ["x"]).finish(code);
        guard.command("go", ["x"]).finish_with_error(code, "Halted");
        let spans = span_attrs(&guard.take_request().unwrap());
        for span in &spans {
            assert_eq!(
                attr(span, "process.exit.code"),
                Some(format!("Some(AnyValue {{ value: Some(IntValue({seen})) }})").as_str()),
                "exit({code}) exits {seen}: {span:?}"
            );
        }
        // Declared success codes and 130 are read from that status too.
        let (by_code, by_class) = match seen {
            0 | 2 => (None, None),
            130 => (Some("canceled".to_owned()), Some("Halted".to_owned())),
            _ => (Some(seen.to_string()), Some("Halted".to_owned())),
        };
        let class =
            |span| attr(span, "error.type").map(|v| v.split('"').nth(1).unwrap().to_owned());
        assert_eq!(class(&spans[0]), by_code, "exit({code})");
        assert_eq!(class(&spans[1]), by_class, "exit({code})");
    }
}

#[test]
fn a_marker_ctrl_c_renamed_is_reported_canceled_by_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let runs = dir
        .path()
        .join("state")
        .join(crate::record::accounting::RUNS_DIR);
    std::fs::create_dir_all(&runs).unwrap();
    // A process that is gone: spawned, exited and reaped.
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .arg("--list")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    child.wait().unwrap();
    let start_ms = crate::deliver::now_ms() - 1_000;
    let record =
        format!("pid = {pid}\nstart_ms = {start_ms}\ncommand = \"go\"\nargs = [\"*****\"]\n");
    let name = format!("{pid}-0123456789abcdef0123456789abcdef.canceled");
    std::fs::write(runs.join(name), record).unwrap();
    let mut guard = on(dir.path(), Telemetry::builder("tool")).init();
    guard.command("go", ["x"]).finish(0);
    let spans = span_attrs(&guard.take_request().unwrap());
    assert_eq!(spans.len(), 2, "{spans:?}");
    let canceled: Vec<_> = spans
        .iter()
        .filter(|s| attr(s, "error.type").is_some_and(|v| v.contains("\"canceled\"")))
        .collect();
    assert_eq!(canceled.len(), 1, "{spans:?}");
    assert!(attr(canceled[0], "process.exit.code").is_some_and(|v| v.contains("IntValue(-1)")));
    assert_eq!(std::fs::read_dir(&runs).unwrap().count(), 0);
}

/// The schema a parser integration hands over is derived only when telemetry is on:
/// an opted-out run (by a variable, the flag or the settings file) never builds it,
/// and an opted-in one builds it once.
#[test]
fn the_lazy_schema_is_built_only_by_a_run_that_records() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let schema = |built: &Arc<AtomicUsize>| {
        let built = built.clone();
        move || {
            built.fetch_add(1, Ordering::SeqCst);
            crate::rules::mask::Schema::new("tool")
        }
    };
    let dir = tempfile::tempdir().unwrap();
    for (name, env) in [
        (
            "DO_NOT_TRACK",
            support::env(dir.path()).var("DO_NOT_TRACK", "1"),
        ),
        (
            "the flag",
            support::env(dir.path()).args(["tool", "--disable-telemetry"]),
        ),
    ] {
        let built = Arc::new(AtomicUsize::new(0));
        let mut t = support::opted_in(dir.path(), Telemetry::builder("tool").with_env(env));
        t.set_schema_fn(schema(&built));
        let guard = t.init();
        assert!(!guard.decision().enabled, "{name}");
        let run = guard.run();
        assert!(!run.is_recording(), "{name}");
        run.finish(0);
        drop(guard);
        assert_eq!(built.load(Ordering::SeqCst), 0, "opted out by {name}");
    }
    let built = Arc::new(AtomicUsize::new(0));
    let mut t = support::opted_in(dir.path(), Telemetry::builder("tool"));
    t.set_schema_fn(schema(&built));
    let guard = t.init();
    let run = guard.run();
    assert!(run.is_recording());
    run.finish(0);
    drop(guard);
    assert_eq!(built.load(Ordering::SeqCst), 1, "opted in");
}
