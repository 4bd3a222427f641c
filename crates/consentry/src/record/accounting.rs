//! Every run accounted for, even one that never reaches its `finish`.
//!
//! A run that records (telemetry on) leaves a small marker file in
//! `<state dir>/telemetry-runs/` while its command runs: its start time, its command
//! name and its already-masked arguments. `finish` (or a panic) removes it. A process
//! that ends any other way (`std::process::exit` before `finish`, a kill, a crash, a
//! signal's default action) leaves its marker behind, and the next run that records
//! reports it as a span with `error.type` `abandoned` (Sentry's "abnormal" session)
//! and `process.exit.code` `-1` (unknown), then deletes it.
//!
//! Whether a marker's run is still going is not guessed from its process id (reused,
//! or another PID namespace's): the run holds a lock on its marker (one close-on-exec
//! descriptor, locked before the marker takes its name) until it ends, and the
//! operating system drops the lock when the process dies, however it dies. A later run
//! reports only markers it can lock, and deletes them while holding the lock, so two
//! runs never report the same one.
//!
//! Ctrl-C (SIGINT at its default action, on unix) renames the marker to
//! `<pid>-<id>.canceled` before the process dies by it (see the `interrupt` module):
//! the next run reports that one as [`CANCELED`], otherwise like an abandoned run. A
//! host that handles SIGINT itself keeps doing so; when it then ends the run with exit
//! code 130 (128 + SIGINT), `finish` records `canceled` too.
//!
//! While the command runs, a sleeping thread touches the marker every
//! [`DEFAULT_HEARTBEAT`] (the author can change it), so an abandoned run is reported
//! with its duration to within one period. On the same beat it spools the spans that
//! finished meanwhile (declared phases): a long-running command flushes periodically.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::formats::flat_toml::{self, Doc};
use crate::rules::attributes as attr;
use crate::sys::files::Durability;
use opentelemetry::trace::{Span as _, Status, Tracer as _};
use opentelemetry::{Array, Context, KeyValue, StringValue, Value};
use opentelemetry_sdk::trace::SdkTracer;

/// The directory of run markers, beside the spool in the tool's state dir.
pub(crate) const RUNS_DIR: &str = "telemetry-runs";

/// `error.type` of a run that started and never finished: killed, crashed, or ended
/// with `std::process::exit` before `finish`.
pub(crate) const ABANDONED: &str = "abandoned";

/// `error.type` of a run ended by Ctrl-C: the process died by SIGINT, or the tool
/// handled it and finished the run with exit code 130.
pub(crate) const CANCELED: &str = "canceled";

/// The suffix of a run still going, and of one that Ctrl-C ended.
const RUNNING: &str = ".run";
const CANCELED_SUFFIX: &str = ".canceled";

/// How often a running command's marker is touched by default.
pub(crate) const DEFAULT_HEARTBEAT: Duration = Duration::from_secs(60);

/// Below this open-files limit (`ulimit -n`) a run keeps no marker: its one held
/// descriptor could be the one the tool needs (`ulimit -n 4` leaves it one). Such a
/// run, if killed, is not reported.
const MIN_OPEN_FILES: u64 = 64;

/// At most this many leftover markers are reported by one run; the rest wait.
const MAX_REPORTED: usize = 16;
/// A marker is a few hundred bytes; anything bigger was not written by consentry.
const MAX_MARKER_BYTES: u64 = 16 * 1024;
/// Markers older than this are deleted unreported: nobody asks about last month's run.
const MAX_AGE: Duration = Duration::from_secs(7 * 24 * 3600);

/// What a marker holds, as `key = value` lines ([`flat_toml`]), every key required.
/// Markers that earlier builds wrote as JSON do not parse: they are deleted unreported,
/// as a marker holding garbage is (a run an older build left is not counted).
#[derive(Debug, PartialEq)]
struct Record {
    pid: u32,
    start_ms: u64,
    command: String,
    args: Vec<String>,
}

impl Record {
    fn to_text(&self) -> String {
        flat_toml::Writer::new()
            .u64("pid", u64::from(self.pid))
            .u64("start_ms", self.start_ms)
            .str("command", &self.command)
            .strs("args", &self.args)
            .finish()
    }

    fn parse(text: &str) -> Option<Record> {
        let doc = Doc::parse(text).ok()?;
        Some(Record {
            pid: doc.u32("pid").ok()??,
            start_ms: doc.u64("start_ms").ok()??,
            command: doc.str("command").ok()??.to_owned(),
            args: doc.strs("args").ok()??.to_vec(),
        })
    }
}

/// This run's marker; removing it says the run was accounted for.
#[derive(Debug)]
pub(crate) struct Marker {
    path: PathBuf,
    /// The name Ctrl-C gives the marker.
    canceled: PathBuf,
    stop: Arc<(Mutex<bool>, Condvar)>,
    /// Ctrl-C's watch on this run, when SIGINT was at its default action.
    watch: Option<crate::sys::Watch>,
    /// The marker, open and locked: "this run is alive" for as long as it is held.
    _alive: std::fs::File,
}

impl Marker {
    /// Writes the marker (best effort: a state dir that cannot be written only loses
    /// the report of an abnormal end).
    pub(crate) fn create(
        dir: &Path,
        command: &str,
        args: &[String],
        heartbeat: Duration,
        flush: Option<crate::record::periodic::PeriodicFlush>,
    ) -> Option<Marker> {
        if crate::sys::open_files_limit().is_some_and(|n| n < MIN_OPEN_FILES) {
            return None;
        }
        std::fs::create_dir_all(dir).ok()?;
        let record = Record {
            pid: std::process::id(),
            start_ms: crate::deliver::now_ms(),
            command: command.to_owned(),
            args: args.to_vec(),
        };
        let body = record.to_text();
        let stem = format!("{}-{}", record.pid, crate::sys::random::uuid_v4().simple());
        let name = format!("{stem}{RUNNING}");
        let (path, canceled) = (
            dir.join(&name),
            dir.join(format!("{stem}{CANCELED_SUFFIX}")),
        );
        // Watched before the marker appears: whoever sees the marker may send SIGINT.
        let watch = crate::sys::Watch::start(&path, &canceled);
        // Through the files module: never through a symlink planted under this name,
        // and never past `ulimit -f` (SIGXFSZ would kill the host).
        let alive = crate::sys::files::write_new_locked(
            dir,
            &name,
            body.as_bytes(),
            Durability::ProcessCrash,
        )
        .ok()??;
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let (beat_path, beat_canceled, beat_stop) = (path.clone(), canceled.clone(), stop.clone());
        // A thread that fails to start only costs the duration of an abandoned run.
        if !heartbeat.is_zero() {
            let _ = std::thread::Builder::new()
                .name("consentry-heartbeat".into())
                .spawn(move || {
                    let paths = (beat_path.as_path(), beat_canceled.as_path());
                    beat(paths, &beat_stop, heartbeat, flush.as_ref());
                });
        }
        Some(Marker {
            path,
            canceled,
            stop,
            watch,
            _alive: alive,
        })
    }

    pub(crate) fn remove(mut self) {
        drop(self.watch.take());
        let (stopped, wake) = &*self.stop;
        *stopped.lock().unwrap_or_else(PoisonError::into_inner) = true;
        wake.notify_all();
        let _ = std::fs::remove_file(&self.path);
        // A host that handled Ctrl-C itself and went on: the run was not canceled.
        let _ = std::fs::remove_file(&self.canceled);
    }
}

/// Touches the marker every `period` until told to stop; opens it only to touch it.
/// A marker that Ctrl-C renamed and that is still there a full beat later (the host
/// handled SIGINT and went on) gets its running name back: the run was not ended by it.
fn beat(
    (path, canceled): (&Path, &Path),
    stop: &(Mutex<bool>, Condvar),
    period: Duration,
    flush: Option<&crate::record::periodic::PeriodicFlush>,
) {
    let (stopped, wake) = stop;
    let mut canceled_seen = false;
    let mut done = stopped.lock().unwrap_or_else(PoisonError::into_inner);
    while !*done {
        let (guard, timeout) = wake
            .wait_timeout(done, period)
            .unwrap_or_else(PoisonError::into_inner);
        done = guard;
        if *done || !timeout.timed_out() {
            continue;
        }
        let is_file = |p: &Path| std::fs::symlink_metadata(p).is_ok_and(|m| m.is_file());
        let renamed = !is_file(path) && is_file(canceled);
        if renamed && canceled_seen {
            let _ = std::fs::rename(canceled, path);
        }
        canceled_seen = renamed && !canceled_seen;
        if !renamed && !is_file(path) {
            return;
        }
        let _ = std::fs::File::options()
            .write(true)
            .open(path)
            .and_then(|f| f.set_modified(SystemTime::now()));
        if let Some(flush) = flush {
            let finished = flush.take_finished();
            // Released while spooling: `finish` must never wait for the disk.
            drop(done);
            flush.spool(finished);
            done = stopped.lock().unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// Reports the markers that dead processes left in `dir` as `abandoned` (or
/// `canceled`) spans, and deletes them. Returns how many were reported.
pub(crate) fn report_leftovers(dir: &Path, tracer: &SdkTracer, tool: &str) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut reported = 0;
    for entry in entries.flatten().take(MAX_REPORTED * 4) {
        let path = entry.path();
        let Some(error_type) = marker_name(&path) else {
            // A marker's temp file whose writer died before renaming it.
            if crate::sys::files::is_stale_temp(&entry) {
                let _ = std::fs::remove_file(&path);
            }
            continue;
        };
        // Locked by its run: still going (this process's own runs included).
        let Some(claimed) = crate::sys::files::claim_unlocked(&path) else {
            continue;
        };
        let read = read_marker(&claimed);
        let _ = std::fs::remove_file(&path);
        drop(claimed);
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
        emit(tracer, tool, &record, (started, ended), error_type);
        reported += 1;
        if reported == MAX_REPORTED {
            break;
        }
    }
    reported
}

fn emit(
    tracer: &SdkTracer,
    tool: &str,
    record: &Record,
    (started, ended): (SystemTime, SystemTime),
    error_type: &'static str,
) {
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
        KeyValue::new(attr::ERROR_TYPE, error_type),
    ];
    let mut span = tracer
        .span_builder(tool.to_owned())
        .with_start_time(started)
        .with_attributes(attributes)
        .start_with_context(tracer, &Context::new());
    span.set_status(Status::error(""));
    span.end_with_timestamp(ended);
}

/// What the run of a marker named `<pid>-<hex>.run` or `<pid>-<hex>.canceled` is
/// reported as when it is gone; `None` for any other name.
fn marker_name(path: &Path) -> Option<&'static str> {
    let name = path.file_name()?.to_str()?;
    let (stem, error_type) = match name.strip_suffix(RUNNING) {
        Some(stem) => (stem, ABANDONED),
        None => (name.strip_suffix(CANCELED_SUFFIX)?, CANCELED),
    };
    let (pid, rest) = stem.split_once('-')?;
    (rest.len() == 32 && rest.bytes().all(|b| b.is_ascii_hexdigit())).then_some(())?;
    pid.parse::<u32>().ok()?;
    Some(error_type)
}

/// The record and its last change (the end of the run, as near as is known), from
/// the claimed marker (a small regular file, opened without following a symlink).
fn read_marker(file: &std::fs::File) -> Option<(Record, SystemTime)> {
    let text = crate::sys::files::read_open(file, MAX_MARKER_BYTES).ok()?;
    let record = Record::parse(std::str::from_utf8(&text).ok()?)?;
    let ended = file.metadata().ok()?.modified().ok()?;
    Some((record, ended))
}

#[cfg(test)]
mod tests;
