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
