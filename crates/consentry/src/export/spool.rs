//! The offline spool: OTLP requests that were not acknowledged in time, one file each,
//! already encoded as protobuf, so a later run (or the detached uploader) sends the
//! very bytes this run would have sent, span ids included.
//!
//! Crash safety: a request is written to a temp file and renamed into place, so a
//! reader sees a whole request or nothing, even when the writer is killed mid-write. Concurrency: writers never take a lock;
//! sending, pruning and the state file are guarded by one advisory lock (`.lock`),
//! taken without waiting, so at most one sender runs and no run ever blocks on another.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

const EXT: &str = "otlp";
const TMP_PREFIX: &str = ".tmp-";
const LOCK: &str = ".lock";
const STATE: &str = "state.toml";

/// Bounds on what the spool keeps; the oldest requests are dropped first, and counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpoolLimits {
    /// Total size of spooled requests.
    pub max_bytes: u64,
    /// Number of spooled requests.
    pub max_files: usize,
    /// Age after which a spooled request is dropped.
    pub max_age: Duration,
}

impl Default for SpoolLimits {
    /// 4 MiB, 1000 requests, 7 days: weeks of offline use of a typical CLI (a request
    /// is about 1 KiB), small enough that nobody has to think about the directory.
    fn default() -> Self {
        SpoolLimits {
            max_bytes: 4 << 20,
            max_files: 1000,
            max_age: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

/// Delivery state shared by all runs of the tool, kept next to the spooled requests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct State {
    /// Consecutive failed attempts (reset by a success).
    #[serde(default)]
    pub(crate) failures: u32,
    /// No network attempt before this time (Unix ms), after failures or `Retry-After`.
    #[serde(default)]
    pub(crate) next_attempt_ms: u64,
    /// Requests dropped by the size, count or age bounds.
    #[serde(default)]
    pub(crate) dropped_by_limits: u64,
    /// Requests the collector refused as malformed; never retried.
    #[serde(default)]
    pub(crate) rejected: u64,
}

/// The spool directory of one tool.
#[derive(Debug, Clone)]
pub(crate) struct Spool {
    dir: PathBuf,
    limits: SpoolLimits,
}

/// The exclusive right to send, prune and update state; released on drop.
#[derive(Debug)]
pub(crate) struct SpoolLock {
    _file: File,
}

impl Spool {
    pub(crate) fn new(dir: PathBuf, limits: SpoolLimits) -> Self {
        Spool { dir, limits }
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes one request atomically and returns its path.
    pub(crate) fn put(&self, request: &[u8]) -> io::Result<PathBuf> {
        fs::create_dir_all(&self.dir)?;
        let now = now_ms();
        let name = format!(
            "{:020}-{:08x}-{}.{EXT}",
            now,
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        );
        let mut tmp = tempfile::Builder::new()
            .prefix(TMP_PREFIX)
            .tempfile_in(&self.dir)?;
        // No fsync: the rename makes the file whole or absent across a process crash,
        // which is the failure a CLI meets; an fsync would cost exit time on every
        // spooled run for the rarer power loss.
        tmp.write_all(request)?;
        let path = self.dir.join(name);
        tmp.persist(&path).map_err(|e| e.error)?;
        Ok(path)
    }

    /// Spooled requests, oldest first. Files are named by creation time, so the order
    /// holds across processes without reading metadata.
    pub(crate) fn list(&self) -> Vec<PathBuf> {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == EXT))
            .collect();
        files.sort();
        files
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.list().is_empty()
    }

    /// Takes the lock if nobody holds it.
    pub(crate) fn try_lock(&self) -> Option<SpoolLock> {
        fs::create_dir_all(&self.dir).ok()?;
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.dir.join(LOCK))
            .ok()?;
        file.try_lock().ok()?;
        Some(SpoolLock { _file: file })
    }

    /// Whether a sender holds the lock right now.
    pub(crate) fn is_locked(&self) -> bool {
        self.try_lock().is_none() && self.dir.join(LOCK).exists()
    }

    pub(crate) fn state(&self) -> State {
        fs::read_to_string(self.dir.join(STATE))
            .ok()
            .and_then(|t| toml::from_str(&t).ok())
            .unwrap_or_default()
    }

    pub(crate) fn store_state(&self, _lock: &SpoolLock, state: &State) -> io::Result<()> {
        let text = toml::to_string(state).map_err(io::Error::other)?;
        let mut tmp = tempfile::Builder::new()
            .prefix(TMP_PREFIX)
            .tempfile_in(&self.dir)?;
        tmp.write_all(text.as_bytes())?;
        tmp.persist(self.dir.join(STATE)).map_err(|e| e.error)?;
        Ok(())
    }

    /// Applies the limits: drops requests past the age bound, then the oldest until the
    /// count and size bounds hold, and stale temp files of crashed writers. Returns how
    /// many requests were dropped.
    pub(crate) fn prune(&self, _lock: &SpoolLock) -> u64 {
        let now = now_ms();
        let max_age_ms = u64::try_from(self.limits.max_age.as_millis()).unwrap_or(u64::MAX);
        let mut kept: Vec<(PathBuf, u64)> = Vec::new();
        let mut dropped = 0;
        for path in self.list() {
            let too_old = created_ms(&path).is_some_and(|t| now.saturating_sub(t) > max_age_ms);
            if too_old {
                dropped += u64::from(fs::remove_file(&path).is_ok());
            } else if let Ok(meta) = fs::metadata(&path) {
                kept.push((path, meta.len()));
            }
        }
        let mut total: u64 = kept.iter().map(|(_, len)| len).sum();
        let mut count = kept.len();
        for (path, len) in &kept {
            if total <= self.limits.max_bytes && count <= self.limits.max_files {
                break;
            }
            if fs::remove_file(path).is_ok() {
                dropped += 1;
            }
            total -= len;
            count -= 1;
        }
        self.remove_stale_temps();
        dropped
    }

    fn remove_stale_temps(&self) {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        for e in entries.filter_map(Result::ok) {
            let stale = e.file_name().to_string_lossy().starts_with(TMP_PREFIX)
                && e.metadata()
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| t.elapsed().unwrap_or_default() > Duration::from_secs(3600));
            if stale {
                let _ = fs::remove_file(e.path());
            }
        }
    }

    /// Removes the whole spool (opting out by command).
    pub(crate) fn delete(&self) -> io::Result<()> {
        match fs::remove_dir_all(&self.dir) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }

    /// Requests waiting and their total size, for `telemetry status`.
    pub(crate) fn usage(&self) -> (usize, u64) {
        let files = self.list();
        let bytes = files
            .iter()
            .filter_map(|p| fs::metadata(p).ok())
            .map(|m| m.len())
            .sum();
        (files.len(), bytes)
    }
}

fn created_ms(path: &Path) -> Option<u64> {
    path.file_name()?.to_str()?.split('-').next()?.parse().ok()
}

pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spool(limits: SpoolLimits) -> (tempfile::TempDir, Spool) {
        let dir = tempfile::tempdir().unwrap();
        let s = Spool::new(dir.path().join("spool"), limits);
        (dir, s)
    }

    #[test]
    fn put_list_oldest_first() {
        let (_d, s) = spool(SpoolLimits::default());
        let a = s.put(b"one").unwrap();
        std::thread::sleep(Duration::from_millis(2));
        let b = s.put(b"two").unwrap();
        assert_eq!(s.list(), [a.clone(), b]);
        assert_eq!(fs::read(&a).unwrap(), b"one");
        assert_eq!(s.usage(), (2, 6));
    }

    #[test]
    fn lock_is_exclusive_and_released_on_drop() {
        let (_d, s) = spool(SpoolLimits::default());
        let lock = s.try_lock().expect("free");
        assert!(s.try_lock().is_none());
        assert!(s.is_locked());
        drop(lock);
        assert!(s.try_lock().is_some());
    }

    #[test]
    fn prune_drops_oldest_past_count_and_size() {
        let (_d, s) = spool(SpoolLimits {
            max_bytes: 10,
            max_files: 3,
            max_age: Duration::from_secs(60),
        });
        let paths: Vec<_> = (0..5)
            .map(|i| {
                std::thread::sleep(Duration::from_millis(2));
                s.put(format!("req{i}").as_bytes()).unwrap()
            })
            .collect();
        let lock = s.try_lock().unwrap();
        assert_eq!(s.prune(&lock), 3, "4 bytes each: only 2 fit in 10 bytes");
        assert_eq!(s.list(), paths[3..]);
    }

    #[test]
    fn prune_drops_by_age() {
        let (_d, s) = spool(SpoolLimits {
            max_age: Duration::from_millis(1),
            ..SpoolLimits::default()
        });
        s.put(b"old").unwrap();
        std::thread::sleep(Duration::from_millis(20));
        let lock = s.try_lock().unwrap();
        assert_eq!(s.prune(&lock), 1);
        assert!(s.is_empty());
    }

    #[test]
    fn state_round_trip_and_corrupt_state_is_default() {
        let (_d, s) = spool(SpoolLimits::default());
        let lock = s.try_lock().unwrap();
        let st = State {
            failures: 2,
            next_attempt_ms: 5,
            dropped_by_limits: 1,
            rejected: 0,
        };
        s.store_state(&lock, &st).unwrap();
        assert_eq!(s.state(), st);
        fs::write(s.dir().join(STATE), "garbage = [").unwrap();
        assert_eq!(s.state(), State::default());
    }

    #[test]
    fn concurrent_writers_lose_nothing() {
        let (_d, s) = spool(SpoolLimits::default());
        std::thread::scope(|sc| {
            for t in 0..8 {
                let s = &s;
                sc.spawn(move || {
                    for i in 0..25 {
                        s.put(format!("{t}-{i}").as_bytes()).unwrap();
                    }
                });
            }
        });
        let mut bodies: Vec<String> = s
            .list()
            .iter()
            .map(|p| fs::read_to_string(p).unwrap())
            .collect();
        bodies.sort();
        bodies.dedup();
        assert_eq!(bodies.len(), 200);
    }
}
