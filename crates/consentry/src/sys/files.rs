//! Every read and write of a consentry file goes through here.
//!
//! Every file consentry reads may be hostile: a cloned repository can ship a
//! `.telemetry` that is a symlink to `/proc/self/pagemap` (endless, unsized) or to
//! `~/.ssh/id_rsa`, a FIFO that blocks an `open`, or a 100 MB file. So a read accepts a
//! regular file only, never follows a symlink in the last component, never blocks on a
//! FIFO or device, and reads at most `cap + 1` bytes whatever the file claims to be.
//!
//! Writes never go through a symlink and never create a file anywhere but the named
//! directory: a temp file created exclusively in that directory, then renamed over the
//! name (a symlink there is replaced, not followed). Before writing, the process file
//! size limit (`RLIMIT_FSIZE`, `ulimit -f`) is checked: crossing it would kill the host
//! with `SIGXFSZ`, so the write is refused instead.

use std::fmt;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// Largest user settings or machine policy file read (`telemetry.toml`).
pub(crate) const SETTINGS_CAP: u64 = 64 * 1024;
/// Largest project `.telemetry` file read; a real one is one line.
pub(crate) const PROJECT_CAP: u64 = 64 * 1024;
/// Largest install id or key file read (a UUID or 64 hex digits and a newline).
pub(crate) const SECRET_CAP: u64 = 1024;
/// Largest spool request file read.
pub(crate) const SPOOL_REQUEST_CAP: u64 = 4 * 1024 * 1024;

/// Why a file was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReadError {
    /// No file at that path (or a parent is not a directory).
    Missing,
    /// The path is a symlink (or a symlink loop); symlinks are never followed.
    Symlink,
    /// A FIFO, directory, socket or device.
    NotRegular,
    /// Larger than the cap for this kind of file (or grew past it while being read).
    TooLarge {
        /// The cap, in bytes.
        cap: u64,
    },
    /// Any other I/O failure.
    Io(io::ErrorKind),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Missing => f.write_str("missing"),
            ReadError::Symlink => f.write_str("ignored: a symlink (symlinks are not followed)"),
            ReadError::NotRegular => f.write_str("ignored: not a regular file"),
            ReadError::TooLarge { cap } => write!(f, "ignored: larger than {cap} bytes"),
            ReadError::Io(kind) => write!(f, "cannot be read: {kind}"),
        }
    }
}

impl std::error::Error for ReadError {}

impl From<ReadError> for io::Error {
    fn from(e: ReadError) -> Self {
        let kind = match e {
            ReadError::Missing => io::ErrorKind::NotFound,
            ReadError::Io(kind) => kind,
            _ => io::ErrorKind::InvalidData,
        };
        io::Error::new(kind, e)
    }
}

impl ReadError {
    pub(crate) fn from_io(e: &io::Error) -> Self {
        if let Some(refused) = super::platform::refused_open(e) {
            return refused;
        }
        match e.kind() {
            io::ErrorKind::NotFound | io::ErrorKind::NotADirectory => ReadError::Missing,
            kind => ReadError::Io(kind),
        }
    }
}

/// Reads the regular file at `path`, at most `cap` bytes, without following a symlink
/// in its last component and without blocking on a FIFO or device.
pub(crate) fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, ReadError> {
    read_from(open_regular(path)?, cap)
}

fn read_from(file: File, cap: u64) -> Result<Vec<u8>, ReadError> {
    let meta = file.metadata().map_err(|e| ReadError::from_io(&e))?;
    if !meta.file_type().is_file() {
        return Err(ReadError::NotRegular);
    }
    if meta.len() > cap {
        return Err(ReadError::TooLarge { cap });
    }
    read_bounded(file, meta.len(), cap)
}

/// Reads at most `cap + 1` bytes: unsized files (procfs says 0) and files growing while
/// read are bounded by the cap, not by the size the file claimed.
fn read_bounded(file: File, claimed: u64, cap: u64) -> Result<Vec<u8>, ReadError> {
    let mut bytes = Vec::with_capacity(usize::try_from(claimed.min(cap)).unwrap_or(0));
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::from_io(&e))?;
    if bytes.len() as u64 > cap {
        return Err(ReadError::TooLarge { cap });
    }
    Ok(bytes)
}

/// Opens the regular file at `path` read-only, never through a symlink in its last
/// component, never blocking on a FIFO or device.
pub(crate) fn open_regular(path: &Path) -> Result<File, ReadError> {
    super::platform::open_regular(path)
}

/// Whether a file may grow to `end` bytes under the process file size limit
/// (`RLIMIT_FSIZE`). Writing past it raises `SIGXFSZ`, which kills the host by default.
pub(crate) fn fsize_allows(end: u64) -> bool {
    fsize_limit().is_none_or(|soft| end <= soft)
}

/// The process file size limit in bytes (`ulimit -f`), `None` when unlimited.
pub(crate) fn fsize_limit() -> Option<u64> {
    super::file_size_limit()
}

fn check_fsize(len: usize) -> io::Result<()> {
    if fsize_allows(len as u64) {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::FileTooLarge,
            "the file size limit (ulimit -f) is below this write",
        ))
    }
}

/// What a write must survive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Durability {
    /// A power loss too (settings, install id, key): the data is flushed to the disk
    /// before it takes its name.
    PowerLoss,
    /// A crash of the process only (run markers, spooled requests, the spool's
    /// counters): the rename alone makes the file whole or absent, and no run pays an
    /// fsync (0.4 ms here, tens of ms on a busy laptop disk) for a record of a CLI run.
    ProcessCrash,
}

/// The name prefix of every temp file consentry writes before renaming it.
pub(crate) const TEMP_PREFIX: &str = ".tmp-";

/// How old a temp file must be before it counts as left by a writer that died between
/// writing and renaming it (a live writer holds one for microseconds).
const STALE_TEMP: std::time::Duration = std::time::Duration::from_secs(3600);

/// Whether `entry` is a temp file a dead writer left behind.
pub(crate) fn is_stale_temp(entry: &std::fs::DirEntry) -> bool {
    entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX)
        && entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| t.elapsed().unwrap_or_default() > STALE_TEMP)
}

/// A file written under a temp name (`.tmp-<random>`) in the directory of the name it
/// will take, not named yet: removed if dropped before it is.
#[derive(Debug)]
pub(crate) struct TempFile {
    file: File,
    path: TempPath,
}

/// The temp name, removed on drop unless the file took its real name.
#[derive(Debug)]
struct TempPath(Option<PathBuf>);

impl Drop for TempPath {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

impl TempFile {
    pub(crate) fn as_file(&self) -> &File {
        &self.file
    }

    /// Renames it to `to`, replacing what is there (a symlink itself, never its target).
    pub(crate) fn persist(mut self, to: &Path) -> io::Result<File> {
        let from = self.path.0.as_deref().expect("named only once");
        std::fs::rename(from, to)?;
        self.path.0 = None;
        Ok(self.file)
    }

    /// Names it `to` only if nothing is there, not even a dangling symlink
    /// (`AlreadyExists` then); concurrent writers: exactly one wins.
    pub(crate) fn persist_noclobber(mut self, to: &Path) -> io::Result<File> {
        let from = self.path.0.as_deref().expect("named only once");
        super::platform::rename_noreplace(from, to)?;
        self.path.0 = None;
        Ok(self.file)
    }
}

/// Tries at temp names before giving up: a name is 64 random bits, so a second try
/// happens only when the OS gave no randomness (see `sys::random`).
const TEMP_NAME_TRIES: usize = 8;

/// A temp file in `dir` holding `bytes`: created exclusively (`O_CREAT | O_EXCL`, mode
/// 0600), so it never follows or replaces anything, and removed if dropped unpersisted
/// (on a failed write too). The caller renames it into place (the spool does so under
/// its writer lock).
pub(crate) fn temp_with(dir: &Path, bytes: &[u8], durability: Durability) -> io::Result<TempFile> {
    check_fsize(bytes.len())?;
    let mut tries = 0;
    let (file, path) = loop {
        let name = crate::formats::hex(&super::random::bytes::<8>());
        let path = dir.join(format!("{TEMP_PREFIX}{name}"));
        match super::platform::create_private(&path) {
            Ok(file) => break (file, TempPath(Some(path))),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && tries < TEMP_NAME_TRIES => {
                tries += 1;
            }
            Err(e) => return Err(e),
        }
    };
    let mut tmp = TempFile { file, path };
    tmp.file.write_all(bytes)?;
    if durability == Durability::PowerLoss {
        tmp.file.sync_all()?;
    }
    Ok(tmp)
}

/// Writes `dir/name` atomically: readers see the old or the new content, never a
/// part. A symlink at `dir/name` is replaced, never written through.
pub(crate) fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    temp_with(dir, bytes, Durability::PowerLoss)?.persist(&dir.join(name))?;
    Ok(())
}

/// Creates `dir/name` holding `bytes` only if nothing (not even a dangling symlink) is
/// there; `Ok(false)` when something is. Concurrent creators: exactly one wins.
pub(crate) fn write_new(
    dir: &Path,
    name: &str,
    bytes: &[u8],
    durability: Durability,
) -> io::Result<bool> {
    match temp_with(dir, bytes, durability)?.persist_noclobber(&dir.join(name)) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    }
}

/// [`write_new`], with the new file locked (exclusively, `File::try_lock`) before it
/// takes its name and kept open: the lock says "its writer is alive" to every other
/// process until the returned file is closed or the writer dies. `Ok(None)` when
/// something is at the name already.
pub(crate) fn write_new_locked(
    dir: &Path,
    name: &str,
    bytes: &[u8],
    durability: Durability,
) -> io::Result<Option<File>> {
    let tmp = temp_with(dir, bytes, durability)?;
    tmp.as_file().try_lock().map_err(io::Error::other)?;
    match tmp.persist_noclobber(&dir.join(name)) {
        Ok(file) => Ok(Some(file)),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(None),
        Err(e) => Err(e),
    }
}

/// The file at `path` when no live process holds its lock: opened as [`open_regular`]
/// does, locked (exclusively, without waiting), and still at `path` once locked (a
/// claimant that locked it first may have deleted it meanwhile). The lock is held
/// until the returned file is closed, so exactly one process claims it.
pub(crate) fn claim_unlocked(path: &Path) -> Option<File> {
    let file = open_regular(path).ok()?;
    file.try_lock().ok()?;
    std::fs::symlink_metadata(path).ok()?;
    Some(file)
}

/// Reads at most `cap` bytes of an open regular file.
pub(crate) fn read_open(file: &File, cap: u64) -> Result<Vec<u8>, ReadError> {
    read_from(file.try_clone().map_err(|e| ReadError::from_io(&e))?, cap)
}

/// Opens (creating, mode 0600) a lock file. A symlink there, dangling or not, is an
/// error: it must not make us create or lock the file it points to. Anything but a
/// regular file is refused.
pub(crate) fn open_lock_file(path: &Path) -> io::Result<File> {
    let file = super::platform::open_or_create_nofollow(path)?;
    if !file.metadata()?.file_type().is_file() {
        return Err(ReadError::NotRegular.into());
    }
    Ok(file)
}

#[cfg(test)]
mod tests;
