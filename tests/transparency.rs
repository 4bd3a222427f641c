//! What the user can see and keep: local mode, the log of what was sent, the view of
//! their own runs, against a real collector.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::support;

use support::{Collector, CollectorKind, Span, Taskr, Transport, attr_str};

fn state_dir(user: &Taskr) -> PathBuf {
    user.home().join(".local/state/taskr")
}

fn requests(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "otlp"))
        .collect();
    v.sort();
    v
}

fn commands(spans: &[Span]) -> Vec<String> {
    spans
        .iter()
        .filter_map(|s| attr_str(&s.attrs, "consentry.command"))
        .collect()
}

/// `telemetry local`: runs are kept on the machine and nothing reaches the collector;
/// `telemetry enable` afterwards uploads only what is recorded after it, even a
/// request that found its way into the spool before the switch.
#[test]
fn local_mode_keeps_runs_here_and_enable_never_uploads_them() {
    let collector = Collector::start(CollectorKind::Otelcol);
    let user = Taskr::sending_to(&collector.http_endpoint(), Transport::Http);

    let local = user.run(&["telemetry", "local"]);
    assert_eq!(local.code, Some(0), "{local:?}");
    assert!(local.stdout.contains("never uploaded"), "{local:?}");
    let status = user.run(&["telemetry", "status"]);
    assert!(
        status
            .stdout
            .starts_with("telemetry: local (recorded on this machine only, never uploaded)"),
        "{status:?}"
    );

    for _ in 0..2 {
        let add = user.run(&["add", "a local task"]);
        assert_eq!(add.code, Some(0), "{add:?}");
        assert!(!add.stderr.contains("Telemetry\n"), "no notice: {add:?}");
    }
    let kept = requests(&state_dir(&user).join("telemetry-local"));
    assert_eq!(kept.len(), 2, "one local record per run: {kept:?}");
    assert!(support::taskr::spool_files(&user).is_empty());
    let status = user.run(&["telemetry", "status"]);
    assert!(
        status.stdout.contains("(2 requests, never uploaded)"),
        "{status:?}"
    );
    let view = user.run(&["telemetry", "view", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&view.stdout).expect("view --json");
    assert_eq!(
        (v["local_runs"].as_u64(), v["sent_runs"].as_u64()),
        (Some(2), Some(0)),
        "{v}"
    );
    assert_eq!(v["commands"][0]["command"], "add", "{v}");

    // A request in the spool from before the switch (a run that decided "on" just
    // before `telemetry local` and spooled after it): recorded before `enable`.
    let spool = support::taskr::spool_dir(&user);
    std::fs::create_dir_all(&spool).unwrap();
    std::fs::copy(&kept[0], spool.join(kept[0].file_name().unwrap())).unwrap();
    std::thread::sleep(Duration::from_millis(5));

    let enable = user.run(&["telemetry", "enable"]);
    assert_eq!(enable.code, Some(0), "{enable:?}");
    let list = user.run(&["list"]);
    assert_eq!(list.code, Some(0), "{list:?}");
    let spans = collector.wait_for("the run after enable", Duration::from_secs(20), |s| {
        commands(s).iter().any(|c| c == "list")
    });
    // The uploader sent the spool oldest first in one drain: an older request would
    // have arrived with it or before it.
    std::thread::sleep(Duration::from_millis(500));
    let spans_after = collector.spans();
    assert_eq!(commands(&spans_after), ["list"], "{spans:#?}");
    assert!(
        support::taskr::spool_files(&user).is_empty(),
        "the request from before enable was deleted unsent"
    );
    assert_eq!(
        requests(&state_dir(&user).join("telemetry-local")).len(),
        2,
        "local records stay for the user to read"
    );

    // Opting out deletes everything kept here.
    let disable = user.run(&["telemetry", "disable"]);
    assert_eq!(disable.code, Some(0), "{disable:?}");
    for dir in ["telemetry-local", "telemetry-sent", "telemetry-spool"] {
        assert!(!state_dir(&user).join(dir).exists(), "{dir} left behind");
    }
}

/// An opt-out variable still wins over local mode: nothing is recorded, not even here.
#[test]
fn an_opt_out_variable_wins_over_local_mode() {
    let mut user = Taskr::sending_nowhere(Transport::Http);
    assert_eq!(user.run(&["telemetry", "local"]).code, Some(0));
    user.env("DO_NOT_TRACK", "1");
    let add = user.run(&["add", "x"]);
    assert_eq!(add.code, Some(0), "{add:?}");
    assert!(requests(&state_dir(&user).join("telemetry-local")).is_empty());
    let status = user.run(&["telemetry", "status"]);
    assert!(
        status
            .stdout
            .starts_with("telemetry: disabled (decided by environment variable DO_NOT_TRACK)"),
        "{status:?}"
    );
}

/// Attributes with an empty array written one way: the collector's JSON omits an
/// empty `values`, OTLP's protobuf JSON mapping writes `[]`; both are the same value.
fn normal(
    attrs: &std::collections::BTreeMap<String, serde_json::Value>,
) -> std::collections::BTreeMap<String, serde_json::Value> {
    let mut attrs = attrs.clone();
    for v in attrs.values_mut() {
        if let Some(array) = v.get_mut("arrayValue").and_then(|a| a.as_object_mut()) {
            array
                .entry("values")
                .or_insert_with(|| serde_json::json!([]));
        }
    }
    attrs
}

/// The log's JSON lines, as the collector's own span list.
fn logged_spans(user: &Taskr) -> Vec<Span> {
    let log = user.run(&["telemetry", "log", "--json"]);
    assert_eq!(log.code, Some(0), "{log:?}");
    let requests: String = log
        .stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("one JSON object a line");
            assert!(v["acknowledged_ms"].as_u64().is_some(), "{l}");
            format!("{}\n", v["request"])
        })
        .collect();
    support::otlp::parse_lines(requests.as_bytes())
}

/// After the collector acknowledges, `telemetry log` shows exactly what it received
/// (same span ids, same attributes, values as masked), and `telemetry view` counts the
/// runs; a hostile log directory is read without blocking, following or deleting.
#[test]
fn the_log_shows_exactly_what_the_collector_acknowledged() {
    const SECRET: &str = "call alice about the nightingale merger";
    let collector = Collector::start(CollectorKind::Otelcol);
    let user = Taskr::sending_to(&collector.http_endpoint(), Transport::Http);
    assert_eq!(
        user.run(&["add", SECRET, "--priority", "high"]).code,
        Some(0)
    );
    assert_eq!(user.run(&["done", "42"]).code, Some(3));
    assert_eq!(user.run(&["list"]).code, Some(0));
    let received = collector.wait_for("three runs", Duration::from_secs(20), |s| s.len() >= 3);

    // The uploader writes its copy just after the acknowledgement: wait (bounded).
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut logged = logged_spans(&user);
    while logged.len() < received.len() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        logged = logged_spans(&user);
    }
    let key = |s: &Span| s.span_id.clone();
    let mut received = received;
    received.sort_by_key(key);
    logged.sort_by_key(key);
    assert_eq!(logged.len(), received.len(), "{logged:#?}");
    for (l, r) in logged.iter().zip(&received) {
        assert_eq!(
            (&l.span_id, &l.trace_id, &l.name),
            (&r.span_id, &r.trace_id, &r.name)
        );
        assert_eq!(
            normal(&l.attrs),
            normal(&r.attrs),
            "span attributes as received"
        );
        assert_eq!(l.resource, r.resource, "resource as received");
        assert_eq!((l.start_ns, l.end_ns), (r.start_ns, r.end_ns));
    }

    let text = user.run(&["telemetry", "log"]);
    assert_eq!(text.code, Some(0), "{text:?}");
    assert!(text.stdout.starts_with("# What taskr sent: "), "{text:?}");
    assert!(
        text.stdout.contains("consentry.command = \"done\""),
        "{text:?}"
    );
    assert!(text.stdout.contains("\"*****\""), "{text:?}");
    assert!(
        !text.stdout.contains("nightingale"),
        "a masked value in the log: {text:?}"
    );

    let view = user.run(&["telemetry", "view", "--json"]);
    assert_eq!(view.code, Some(0), "{view:?}");
    let v: serde_json::Value = serde_json::from_str(&view.stdout).unwrap();
    assert_eq!(
        (v["runs"].as_u64(), v["sent_runs"].as_u64()),
        (Some(3), Some(3)),
        "{v}"
    );
    let done = v["commands"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["command"] == "done")
        .unwrap_or_else(|| panic!("{v}"));
    assert_eq!(
        (done["runs"].as_u64(), done["errors"].as_u64()),
        (Some(1), Some(1))
    );
    let view = user.run(&["telemetry", "view"]);
    assert!(
        view.stdout
            .starts_with("# taskr on this machine: 3 runs (0 recorded locally, 3 sent)"),
        "{view:?}"
    );

    // Hostile entries named like requests: a symlink to a real request, a FIFO, garbage.
    let sent = state_dir(&user).join("telemetry-sent");
    let real = requests(&sent)[0].clone();
    let name = |n: u32| format!("{:020}-{:010}-{:032x}.otlp", 1, 16, n);
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&real, sent.join(name(1))).unwrap();
        let fifo = std::process::Command::new("mkfifo")
            .arg(sent.join(name(2)))
            .status()
            .unwrap();
        assert!(fifo.success());
    }
    std::fs::write(sent.join(name(3)), b"not a protobuf!!").unwrap();
    let before = requests(&sent).len();
    let hostile = user.run(&["telemetry", "log"]);
    assert_eq!(hostile.code, Some(0), "{hostile:?}");
    assert!(hostile.took < Duration::from_secs(5), "{hostile:?}");
    let skipped = if cfg!(unix) { 3 } else { 1 };
    assert!(
        hostile
            .stdout
            .contains(&format!("({skipped} entries skipped")),
        "{hostile:?}"
    );
    assert_eq!(logged_spans(&user).len(), received.len());
    assert_eq!(requests(&sent).len(), before, "reading deletes nothing");

    // A reader that went away is not an error.
    let mut cmd = user.command(&["telemetry", "log"]);
    cmd.stdout(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    drop(child.stdout.take());
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

/// Without the uploader the run sends inline; what the collector acknowledged is in
/// the log as well.
#[test]
fn an_inline_send_is_logged_too() {
    let collector = Collector::start(CollectorKind::Otelcol);
    let home = tempfile::tempdir().unwrap();
    let env = consentry::env::FixedEnv::new()
        .var("HOME", home.path())
        .args(["inline-tool", "go"])
        .current_dir(home.path());
    let telemetry = consentry::Telemetry::builder("inline-tool")
        .with_env(env)
        .with_endpoint(collector.http_endpoint())
        .with_uploader(false)
        .with_panic_hook(false)
        .with_debug_builds(true)
        .build()
        .unwrap();
    telemetry.enable().unwrap();
    let guard = telemetry.clone().init();
    assert!(guard.is_enabled());
    guard.command("go", ["x"]).finish(0);
    drop(guard);
    let received = collector.wait_for("the inline run", Duration::from_secs(20), |s| !s.is_empty());
    let log = telemetry.sent_log(true);
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 1, "{log}");
    let logged = support::otlp::parse_lines(
        serde_json::from_str::<serde_json::Value>(lines[0]).unwrap()["request"]
            .to_string()
            .as_bytes(),
    );
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].span_id, received[0].span_id);
}
