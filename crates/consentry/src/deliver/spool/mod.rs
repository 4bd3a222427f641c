//! The spool: OTLP requests waiting for the uploader, one file each, already encoded
//! as protobuf, so what is sent is the very bytes the run made, span ids included.
//!
//! - **Crash safety.** A request is written to a temp file and renamed into place: a
//!   reader sees a whole request or nothing, even when the writer is killed mid-write.
//! - **Bounds at every moment.** Count, bytes and age are read from the file names
//!   ([`name`]), and a writer renames its file in only under the short *writer lock*
//!   (`.write.lock`), after dropping the oldest requests that would break a bound. So
//!   the spool never holds more than its limits, even while a sender works, and a run's
//!   cost does not grow with the spool (one directory listing, no `stat`, no read).
//! - **One sender.** Sending is single-flight under the *sender lock* (`.lock`), held by
//!   the uploader; a run never waits for it.
//! - **Hostile files.** Nothing is opened through a symlink or blocked on a FIFO
//!   ([`open`]); the sender validates every request before sending it.

mod limits;
mod lock;
mod name;
mod open;
mod state;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::sys::files::{self, Durability};

pub use limits::SpoolLimits;
pub(crate) use limits::{ERASE_LIMITS, SENT_LOG_LIMITS};
pub(crate) use lock::Lock;
pub(crate) use name::{EXT, Name};
pub(crate) use open::read_capped;
pub(crate) use state::{LONGEST_WAIT, State, failure_text};

const LOCK: &str = ".lock";
const WRITE_LOCK: &str = ".write.lock";
const STATE: &str = "state.toml";

/// Largest request the spool takes or reads: a run records at most 2048 spans.
pub(crate) const MAX_REQUEST: u64 = files::SPOOL_REQUEST_CAP;

/// How long a writer tries for the writer lock before giving up on its request. Holders
/// keep it for one directory listing and a rename, well under a millisecond, so a run
/// alone never waits; the bound matters in a burst (64 runs started at once on two
/// cores), where a holder can be descheduled for tens of milliseconds.
const WRITE_LOCK_WAIT: Duration = Duration::from_millis(250);

/// The spool directory of one tool.
#[derive(Debug, Clone)]
pub(crate) struct Spool {
    dir: PathBuf,
    limits: SpoolLimits,
    /// The attribute keys this tool declared beyond the manifest (`<tool>.<field>`):
    /// what the sender accepts on spans and events besides the manifest's keys.
    declared_keys: std::sync::Arc<[String]>,
    /// The as-of date of uploads (ms since the epoch): requests created before it are
    /// deleted unsent (recorded before `telemetry enable` ended local mode).
    upload_since_ms: u64,
    /// Where acknowledged requests are kept for the user (`telemetry log`).
    sent_log: Option<PathBuf>,
    /// Whether spans are stamped with the time they are sent (the erase requests: their
    /// time says nothing, and one kept offline for weeks must still fall inside the
    /// gateway's window).
    stamp_on_send: bool,
}

/// An entry of the spool directory named like a request: ours by name, still to be
/// validated by content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) path: PathBuf,
    /// `None` when the name only ends in `.otlp` but is not in this crate's form.
    pub(crate) name: Option<Name>,
}

/// Whether a file name is listed as a request: `*.otlp`, in this crate's form or not
/// (one that only ends so is listed too, and the sender deletes it as invalid).
fn is_request(file_name: &str) -> bool {
    file_name
        .strip_suffix(EXT)
        .is_some_and(|stem| stem.ends_with('.'))
}

impl Spool {
    pub(crate) fn new(dir: PathBuf, limits: SpoolLimits) -> Self {
        Spool {
            dir,
            limits,
            declared_keys: std::sync::Arc::from([]),
            upload_since_ms: 0,
            sent_log: None,
            stamp_on_send: false,
        }
    }

    /// Stamps every span with the time it is sent (see `stamp_on_send`).
    pub(crate) fn stamped_on_send(mut self) -> Self {
        self.stamp_on_send = true;
        self
    }

    pub(crate) fn stamp_on_send(&self) -> bool {
        self.stamp_on_send
    }

    /// Deletes unsent, instead of sending, requests created before `ms`.
    pub(crate) fn with_upload_since(mut self, ms: Option<u64>) -> Self {
        self.upload_since_ms = ms.unwrap_or(0);
        self
    }

    pub(crate) fn upload_since_ms(&self) -> u64 {
        self.upload_since_ms
    }

    /// Keeps a copy of every acknowledged request in the store at `dir`.
    pub(crate) fn with_sent_log(mut self, dir: PathBuf) -> Self {
        self.sent_log = Some(dir);
        self
    }

    /// The store of acknowledged requests, when one is kept.
    pub(crate) fn sent_log(&self) -> Option<Spool> {
        self.sent_log
            .clone()
            .map(|dir| self.store_at(dir, SENT_LOG_LIMITS))
    }

    /// Another bounded store of requests with this one's keys (the local records, the
    /// log of what was sent): same file names, bounds and hostile-file rules.
    pub(crate) fn store_at(&self, dir: PathBuf, limits: SpoolLimits) -> Spool {
        Spool {
            dir,
            limits,
            declared_keys: self.declared_keys.clone(),
            upload_since_ms: 0,
            sent_log: None,
            stamp_on_send: false,
        }
    }

    /// Accepts these declared keys on spooled spans and events too.
    pub(crate) fn with_declared_keys(mut self, keys: Vec<String>) -> Self {
        self.declared_keys = keys.into();
        self
    }

    pub(crate) fn declared_keys(&self) -> &[String] {
        &self.declared_keys
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    pub(crate) fn limits(&self) -> SpoolLimits {
        self.limits
    }

    pub(crate) fn lock_path(&self) -> PathBuf {
        self.dir.join(LOCK)
    }

    /// Writes one request and returns how many older requests were dropped to keep the
    /// bounds. The temp file is written outside the writer lock; only "list names,
    /// drop the oldest over a bound, rename in" happens under it.
    pub(crate) fn put(&self, request: &[u8]) -> io::Result<u64> {
        let len = request.len() as u64;
        if len > MAX_REQUEST || len > self.limits.max_bytes {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "request too large",
            ));
        }
        fs::create_dir_all(&self.dir)?;
        // Written before the writer lock is taken, renamed under it. No fsync (see
        // `Durability::ProcessCrash`): a request is a CLI run's record, not the user's data.
        let tmp = files::temp_with(&self.dir, request, Durability::ProcessCrash)?;
        let lock = self.write_lock()?;
        let now = now_ms();
        let name = Name::new(now, len);
        let dropped = self.make_room(now, len, &lock);
        tmp.persist(&self.dir.join(name.to_string()))?;
        if dropped > 0 {
            self.update_state_locked(&lock, |s| {
                s.dropped_by_limits = s.dropped_by_limits.saturating_add(dropped);
            });
        }
        Ok(dropped)
    }

    /// Drops requests past the age bound, then, when one more of `len` bytes would not
    /// fit the count or size bound, the oldest until a tenth of the bound is free: a
    /// spool at its bound (a collector down for days) then pays the deletes and the
    /// counter rewrite once per hundred runs, not on every run. Counted from names alone.
    fn make_room(&self, now: u64, len: u64, _lock: &Lock) -> u64 {
        let max_age = u64::try_from(self.limits.max_age.as_millis()).unwrap_or(u64::MAX);
        let mut ours: Vec<(Name, PathBuf)> = self
            .entries()
            .into_iter()
            .filter_map(|e| Some((e.name?, e.path)))
            .collect();
        ours.sort();
        let mut count = ours.len() + 1;
        let mut bytes: u64 = ours.iter().map(|(n, _)| n.len).sum::<u64>() + len;
        let over = count > self.limits.max_files || bytes > self.limits.max_bytes;
        let (max_files, max_bytes) = if over {
            let (files, size) = (self.limits.max_files, self.limits.max_bytes);
            (files - files / 10, size - size / 10)
        } else {
            (self.limits.max_files, self.limits.max_bytes)
        };
        let mut dropped = 0;
        for (n, path) in &ours {
            let old = now.saturating_sub(n.created_ms) > max_age;
            if !old && count <= max_files && bytes <= max_bytes {
                break;
            }
            if fs::remove_file(path).is_ok() {
                dropped += 1;
            }
            count -= 1;
            bytes = bytes.saturating_sub(n.len);
        }
        dropped
    }

    /// Entries named `*.otlp`, oldest first (names of this crate's form sort by time).
    pub(crate) fn entries(&self) -> Vec<Entry> {
        let Ok(rd) = fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut named: Vec<(String, Option<Name>)> = rd
            .filter_map(Result::ok)
            .filter_map(|e| {
                let file_name = e.file_name().into_string().ok()?;
                is_request(&file_name).then(|| {
                    let name = Name::parse(&file_name);
                    (file_name, name)
                })
            })
            .collect();
        // By file name, not by path: one directory, so the same order, and a spool of
        // 1,000 requests (sorted on every run that spools) compares 1,000 short
        // strings instead of 1,000 paths component by component.
        named.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        named
            .into_iter()
            .map(|(file_name, name)| Entry {
                path: self.dir.join(file_name),
                name,
            })
            .collect()
    }

    /// Whether anything named like a request waits (the first one found answers).
    pub(crate) fn has_entries(&self) -> bool {
        fs::read_dir(&self.dir).is_ok_and(|mut rd| {
            rd.any(|e| e.is_ok_and(|e| e.file_name().to_str().is_some_and(is_request)))
        })
    }

    /// Takes the sender lock if nobody holds it.
    pub(crate) fn try_lock(&self) -> Option<Lock> {
        fs::create_dir_all(&self.dir).ok()?;
        let file = open::open_lock(&self.dir.join(LOCK)).ok()?;
        file.try_lock().ok()?;
        Some(Lock::adopt(file))
    }

    /// Takes the sender lock if nobody holds it, creating no directory: `None` when
    /// the spool is gone (deleted by opting out while a sender was starting).
    pub(crate) fn try_lock_existing(&self) -> Option<Lock> {
        if !fs::symlink_metadata(&self.dir).is_ok_and(|m| m.is_dir()) {
            return None;
        }
        let file = open::open_lock(&self.dir.join(LOCK)).ok()?;
        file.try_lock().ok()?;
        Some(Lock::adopt(file))
    }

    /// Whether a sender holds the lock now, found without creating anything.
    pub(crate) fn sender_running(&self) -> bool {
        open::probe_lock(&self.dir.join(LOCK)).is_ok_and(|f| f.try_lock().is_err())
    }

    /// The writer lock, waiting for it a bounded time.
    fn write_lock(&self) -> io::Result<Lock> {
        let file = open::open_lock(&self.dir.join(WRITE_LOCK))?;
        let deadline = Instant::now() + WRITE_LOCK_WAIT;
        let mut pause = Duration::from_micros(100);
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Lock::adopt(file)),
                Err(_) if Instant::now() < deadline => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(4));
                }
                Err(_) => {
                    return Err(io::Error::new(
                        io::ErrorKind::WouldBlock,
                        "spool busy: writer lock not free in time",
                    ));
                }
            }
        }
    }

    /// The shared state, read capped and clamped; the default when absent or corrupt.
    pub(crate) fn state(&self) -> State {
        read_capped(&self.dir.join(STATE), state::STATE_CAP)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .map(|t| State::parse(&t))
            .unwrap_or_default()
    }

    /// Applies `change` to the shared state under the writer lock, so counters from
    /// concurrent runs and the sender are never lost. Best effort: a spool that cannot
    /// be written or locked keeps its old state.
    pub(crate) fn update_state(&self, change: impl FnOnce(&mut State)) {
        if let Ok(lock) = self.write_lock() {
            self.update_state_locked(&lock, change);
        }
    }

    fn update_state_locked(&self, _lock: &Lock, change: impl FnOnce(&mut State)) {
        let mut state = self.state();
        let before = state.clone();
        change(&mut state);
        if state == before {
            return;
        }
        let text = state.to_text();
        // Not `files::write_atomic`: its fsync would cost every run that drops a request
        // from a full spool milliseconds on a real disk; a counter lost to a power cut is
        // not worth that, and the rename still keeps the file whole.
        if let Ok(tmp) = files::temp_with(&self.dir, text.as_bytes(), Durability::ProcessCrash) {
            let _ = tmp.persist(&self.dir.join(STATE));
        }
    }

    /// Removes temp files of writers that crashed (older than an hour).
    pub(crate) fn remove_stale_temps(&self) {
        let Ok(rd) = fs::read_dir(&self.dir) else {
            return;
        };
        for e in rd.filter_map(Result::ok) {
            if files::is_stale_temp(&e) {
                let _ = fs::remove_file(e.path());
            }
        }
    }

    /// Keeps a copy of a request the collector acknowledged in the sent log, exactly
    /// the bytes sent. Best effort: a log that cannot be written loses the copy, never
    /// the delivery.
    /// With `from_spool` (the request was read from this spool), a spool that is gone
    /// was deleted by opting out (which deletes the log too) while the request was in
    /// flight: the copy is not written then.
    pub(crate) fn log_sent(&self, body: &[u8], from_spool: bool) {
        if from_spool && !fs::symlink_metadata(&self.dir).is_ok_and(|m| m.is_dir()) {
            return;
        }
        if let Some(log) = self.sent_log() {
            let _ = log.put(body);
        }
    }

    /// Removes the whole spool (opting out by command).
    pub(crate) fn delete(&self) -> io::Result<()> {
        match fs::remove_dir_all(&self.dir) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }

    /// Requests waiting and their total size (from the names), for `telemetry status`.
    pub(crate) fn usage(&self) -> (usize, u64) {
        let entries = self.entries();
        let bytes = entries
            .iter()
            .filter_map(|e| e.name.as_ref())
            .map(|n| n.len)
            .sum();
        (entries.len(), bytes)
    }
}

pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests;
