//! Ctrl-C: SIGINT does what it did without consentry (kills, is ignored, or reaches the
//! tool's own handler), and the run it ends is recorded `canceled`.
//!
//! Children start through `env --default-signal=INT`, so SIGINT is at its default
//! action in them even when this test process was started with it ignored (a
//! background job): the first test is about the default action.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::os::unix::process::ExitStatusExt as _;
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use super::tool::{Tool, printed_spans, sighost_bin};
use crate::support::{Collector, CollectorKind, Span, attr_i64, attr_str};

const DEFAULT_SIGINT: &[&str] = &["env", "--default-signal=INT"];
const IGNORED_SIGINT: &[&str] = &["sh", "-c", "trap '' INT; exec \"$0\" \"$@\""];
const SIGINT: i32 = 2;

fn markers(t: &Tool) -> Vec<PathBuf> {
    std::fs::read_dir(t.runs_dir())
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

/// Waits (bounded) for the run's marker: the SIGINT handler is in place before it is.
/// Only the marker's final name counts, not the temporary file it is written as.
fn wait_for_marker(t: &Tool, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let written = |p: &PathBuf| p.extension().is_some_and(|e| e == "run");
    while !markers(t).iter().any(written) {
        assert!(child.try_wait().unwrap().is_none(), "the tool ended early");
        assert!(Instant::now() < deadline, "the tool never wrote its marker");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn ctrl_c(child: &Child) {
    let pid = rustix::process::Pid::from_child(child);
    rustix::process::kill_process(pid, rustix::process::Signal::INT).expect("send SIGINT");
}

fn canceled(spans: &[Span]) -> Vec<&Span> {
    spans
        .iter()
        .filter(|s| attr_str(&s.attrs, "error.type").as_deref() == Some("canceled"))
        .collect()
}

#[test]
fn ctrl_c_still_kills_and_the_next_run_reports_the_run_canceled() {
    let collector = Collector::start(CollectorKind::Otelcol);
    let mut g = Tool::greppy();
    g.envs.push((
        "GREPPY_TELEMETRY_ENDPOINT".into(),
        collector.http_endpoint(),
    ));
    // No paths: greppy reads stdin, which stays open until Ctrl-C.
    let mut child = g
        .through(DEFAULT_SIGINT, &["alpha"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn greppy");
    wait_for_marker(&g, &mut child);
    ctrl_c(&child);
    let status = child.wait().expect("reap greppy");
    assert_eq!(status.signal(), Some(SIGINT), "{status:?}");
    let left = markers(&g);
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(left[0].to_string_lossy().ends_with(".canceled"), "{left:?}");

    let next = g.run(&["alpha", "notes"]);
    assert_eq!(next.status.code(), Some(0));
    collector.wait_for(
        "the canceled run and the next",
        Duration::from_secs(20),
        |s| s.len() >= 2,
    );
    // Room for a duplicate to arrive, were there one.
    std::thread::sleep(Duration::from_millis(300));
    let spans = collector.spans();
    assert_eq!(spans.len(), 2, "{spans:#?}");
    let canceled = canceled(&spans);
    assert_eq!(canceled.len(), 1, "{spans:#?}");
    let run = canceled[0];
    assert_eq!(attr_i64(&run.attrs, "process.exit.code"), Some(-1));
    assert_eq!(run.args(), ["greppy", "*****"]);
    assert_eq!(run.status_code, 2, "a canceled run is an error");
    assert!(run.end_ns >= run.start_ns);
    assert_eq!(
        attr_i64(&run.attrs, "process.pid"),
        Some(i64::from(child.id()))
    );
    assert!(markers(&g).is_empty(), "reported markers are deleted");
}

#[test]
fn ctrl_c_ignored_by_the_shell_stays_ignored() {
    let g = Tool::greppy();
    let mut child = g
        .through(IGNORED_SIGINT, &["alpha"])
        .env("GREPPY_TELEMETRY_DEBUG", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn greppy");
    wait_for_marker(&g, &mut child);
    ctrl_c(&child);
    // An ignored signal is dropped when it is sent: nothing is pending or running.
    assert!(child.try_wait().unwrap().is_none(), "SIGINT ended the run");
    let left = markers(&g);
    assert!(left[0].to_string_lossy().ends_with(".run"), "{left:?}");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"alpha\nbeta\n").unwrap();
    drop(stdin);
    let out = child.wait_with_output().expect("greppy ends");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "alpha\n");
    let spans = printed_spans(&String::from_utf8_lossy(&out.stderr));
    assert_eq!(spans.len(), 1, "{spans:#?}");
    assert_eq!(attr_i64(&spans[0].attrs, "process.exit.code"), Some(0));
    assert_eq!(attr_str(&spans[0].attrs, "error.type"), None);
    assert!(markers(&g).is_empty());
}

/// sighost registers signal-hook's flag `when` ("before" consentry's init, or "after"
/// the command started), gets Ctrl-C and exits 130 on its own.
fn a_host_with_its_own_handler(when: &str) {
    let h = Tool::fresh(sighost_bin().to_owned(), "SIGHOST").primed(&[]);
    let mut child = h
        .through(DEFAULT_SIGINT, &[when])
        .env("SIGHOST_TELEMETRY_DEBUG", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sighost");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert_eq!(line, "ready\n", "sighost did not start");
    ctrl_c(&child);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().expect("reap sighost");
    assert_eq!(status.signal(), None, "consentry ended the host: {stderr}");
    assert_eq!(status.code(), Some(130), "{stderr}");
    let spans = printed_spans(&stderr);
    assert_eq!(spans.len(), 1, "{stderr}");
    assert_eq!(canceled(&spans).len(), 1, "{spans:#?}");
    assert_eq!(attr_i64(&spans[0].attrs, "process.exit.code"), Some(130));
    assert!(markers(&h).is_empty(), "{:?}", markers(&h));
    // Nothing is left for a later run to report a second time.
    let (out, spans) = h.printed(&[]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(spans.len(), 1, "{spans:#?}");
    assert!(canceled(&spans).is_empty(), "{spans:#?}");
}

#[test]
fn a_host_that_handles_ctrl_c_before_init_keeps_it() {
    a_host_with_its_own_handler("before");
}

#[test]
fn a_host_that_handles_ctrl_c_after_the_run_started_keeps_it() {
    a_host_with_its_own_handler("after");
}
