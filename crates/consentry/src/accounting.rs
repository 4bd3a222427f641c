//! Every run accounted for, even one that never reaches its `finish`.
//!
//! A run that records (telemetry on) leaves a small marker file in
//! `<state dir>/telemetry-runs/` while its command runs: its start time, its command
//! name and its already-masked arguments. `finish` (or a panic) removes it. A process
//! that ends any other way (`std::process::exit` before `finish`, a kill, a crash, a
//! signal's default action) leaves its marker behind, and the next run that records
//! reports it as a span with `error.type` `abandoned` (Sentry's "abnormal" session)
//! and `process.exit.code` `-1` (unknown), then deletes it. The marker is written and
//! closed at once: no file descriptor is held while the command runs.
//!
//! While the command runs, a sleeping thread touches the marker every
//! [`DEFAULT_HEARTBEAT`] (the author can change it), so an abandoned run is reported
//! with its duration to within one period. On the same beat it spools the spans that
//! finished meanwhile (declared phases): a long-running command flushes periodically.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use opentelemetry::trace::{Span as _, Status, Tracer as _};
use opentelemetry::{Array, Context, KeyValue, StringValue, Value};
use opentelemetry_sdk::trace::SdkTracer;
use serde::{Deserialize, Serialize};

use crate::attributes as attr;

/// The directory of run markers, beside the spool in the tool's state dir.
pub const RUNS_DIR: &str = "telemetry-runs";

/// `error.type` of a run that started and never finished: killed, crashed, or ended
/// with `std::process::exit` before `finish`.
pub const ABANDONED: &str = "abandoned";

/// How often a running command's marker is touched by default.
pub const DEFAULT_HEARTBEAT: Duration = Duration::from_secs(60);

/// At most this many leftover markers are reported by one run; the rest wait.
const MAX_REPORTED: usize = 16;
/// A marker is a few hundred bytes; anything bigger was not written by consentry.
const MAX_MARKER_BYTES: u64 = 16 * 1024;
/// Markers older than this are deleted unreported: nobody asks about last month's run.
const MAX_AGE: Duration = Duration::from_secs(7 * 24 * 3600);

#[derive(Debug, Serialize, Deserialize)]
struct Record {
    pid: u32,
    start_ms: u64,
    command: String,
    args: Vec<String>,
}

/// This run's marker; removing it says the run was accounted for.
#[derive(Debug)]
pub(crate) struct Marker {
    path: PathBuf,
    stop: Arc<(Mutex<bool>, Condvar)>,
}

impl Marker {
    /// Writes the marker (best effort: a state dir that cannot be written only loses
    /// the report of an abnormal end).
    pub(crate) fn create(
        dir: &Path,
        command: &str,
        args: &[String],
        heartbeat: Duration,
        flush: Option<crate::periodic::PeriodicFlush>,
    ) -> Option<Marker> {
        std::fs::create_dir_all(dir).ok()?;
        let record = Record {
            pid: std::process::id(),
            start_ms: crate::export::now_ms(),
            command: command.to_owned(),
            args: args.to_vec(),
        };
        let body = serde_json::to_vec(&record).ok()?;
        let name = format!("{}-{}.run", record.pid, uuid::Uuid::new_v4().simple());
        // Through the files module: never through a symlink planted under this name,
        // and never past `ulimit -f` (SIGXFSZ would kill the host).
        if !crate::files::write_new(dir, &name, &body).ok()? {
            return None;
        }
        let path = dir.join(name);
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let (beat_path, beat_stop) = (path.clone(), stop.clone());
        // A thread that fails to start only costs the duration of an abandoned run.
        if !heartbeat.is_zero() {
            let _ = std::thread::Builder::new()
                .name("consentry-heartbeat".into())
                .spawn(move || beat(&beat_path, &beat_stop, heartbeat, flush.as_ref()));
        }
        Some(Marker { path, stop })
    }

    pub(crate) fn remove(self) {
        let (stopped, wake) = &*self.stop;
        *stopped.lock().unwrap_or_else(PoisonError::into_inner) = true;
        wake.notify_all();
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Touches the marker every `period` until told to stop; opens it only to touch it.
fn beat(
    path: &Path,
    stop: &(Mutex<bool>, Condvar),
    period: Duration,
    flush: Option<&crate::periodic::PeriodicFlush>,
) {
    let (stopped, wake) = stop;
    let mut done = stopped.lock().unwrap_or_else(PoisonError::into_inner);
    while !*done {
        let (guard, timeout) = wake
            .wait_timeout(done, period)
            .unwrap_or_else(PoisonError::into_inner);
        done = guard;
        if *done || !timeout.timed_out() {
            continue;
        }
        let is_ours = std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file());
        if !is_ours {
            return;
        }
        let _ = std::fs::File::options()
            .write(true)
            .open(path)
            .and_then(|f| f.set_modified(SystemTime::now()));
        if let Some(flush) = flush {
            // Released while spooling: `finish` must never wait for the disk.
            drop(done);
            flush.spool_finished();
            done = stopped.lock().unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// Reports the markers that dead processes left in `dir` as `abandoned` spans, and
/// deletes them. Returns how many were reported.
pub(crate) fn report_leftovers(dir: &Path, tracer: &SdkTracer, tool: &str) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut reported = 0;
    for entry in entries.flatten().take(MAX_REPORTED * 4) {
        let path = entry.path();
        let Some(pid) = marker_pid(&path) else {
            continue;
        };
        if pid == std::process::id() || process_alive(pid) {
            continue;
        }
        let read = read_marker(&path);
        let _ = std::fs::remove_file(&path);
        let Some((record, ended)) = read else {
            continue;
        };
        let started = UNIX_EPOCH + Duration::from_millis(record.start_ms);
        // File times come from a coarse clock and can read a little before the start.
        let ended = ended.max(started);
        if SystemTime::now()
            .duration_since(started)
            .is_ok_and(|age| age > MAX_AGE)
        {
            continue;
        }
        emit(tracer, tool, &record, started, ended);
        reported += 1;
        if reported == MAX_REPORTED {
            break;
        }
    }
    reported
}

fn emit(tracer: &SdkTracer, tool: &str, record: &Record, started: SystemTime, ended: SystemTime) {
    let mut args: Vec<StringValue> = vec![tool.to_owned().into()];
    args.extend(record.args.iter().cloned().map(StringValue::from));
    let count = i64::try_from(args.len()).unwrap_or(i64::MAX);
    let attributes = vec![
        KeyValue::new(attr::EXECUTABLE_NAME, tool.to_owned()),
        KeyValue::new(attr::COMMAND, record.command.clone()),
        KeyValue::new(attr::COMMAND_ARGS, Value::Array(Array::String(args))),
        KeyValue::new(attr::ARGS_COUNT, count),
        KeyValue::new(attr::PID, i64::from(record.pid)),
        KeyValue::new(attr::EXIT_CODE, -1_i64),
        KeyValue::new(attr::ERROR_TYPE, ABANDONED),
    ];
    let mut span = tracer
        .span_builder(tool.to_owned())
        .with_start_time(started)
        .with_attributes(attributes)
        .start_with_context(tracer, &Context::new());
    span.set_status(Status::error(""));
    span.end_with_timestamp(ended);
}

/// The pid in a marker's name, `<pid>-<hex>.run`.
fn marker_pid(path: &Path) -> Option<u32> {
    let name = path.file_name()?.to_str()?;
    let stem = name.strip_suffix(".run")?;
    let (pid, rest) = stem.split_once('-')?;
    (rest.len() == 32 && rest.bytes().all(|b| b.is_ascii_hexdigit())).then_some(())?;
    pid.parse().ok()
}

/// The record and its last change (the end of the run, as near as is known). Only a
/// small regular file is read: never through a symlink, never a FIFO.
fn read_marker(path: &Path) -> Option<(Record, SystemTime)> {
    let text = crate::files::read_capped(path, MAX_MARKER_BYTES).ok()?;
    let record: Record = serde_json::from_slice(&text).ok()?;
    let ended = std::fs::symlink_metadata(path).ok()?.modified().ok()?;
    Some((record, ended))
}

#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    else {
        return false;
    };
    match rustix::process::test_kill_process(pid) {
        Ok(()) => true,
        // Another user's process holds the pid: alive, and not ours to report.
        Err(e) => e == rustix::io::Errno::PERM,
    }
}

#[cfg(not(unix))]
fn process_alive(_pid: u32) -> bool {
    // Without a portable liveness check a marker is reported only once it is old
    // enough that its run cannot still be going (see read_marker's caller).
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marker_names_carry_the_pid() {
        let hex = "0123456789abcdef0123456789abcdef";
        assert_eq!(marker_pid(Path::new(&format!("/x/42-{hex}.run"))), Some(42));
        assert_eq!(marker_pid(Path::new("/x/42-zz.run")), None);
        assert_eq!(marker_pid(Path::new(&format!("/x/42-{hex}.otlp"))), None);
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
}
