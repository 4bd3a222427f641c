//! How the spool touches its files, on top of [`crate::sys::files`]: never through a
//! symlink, never blocking on a FIFO, regular files only, reads capped, writes within
//! `RLIMIT_FSIZE`. What is spool-specific lives here: a lock symlink is removed rather
//! than left to stop delivery forever, and the lock can be probed without creating it.

use std::fs::File;
use std::io;
use std::path::Path;

use crate::sys::files;

/// Reads `path`, a regular file of at most `cap` bytes; a symlink, FIFO, directory or
/// larger file is an error, found without blocking and without reading past the cap.
pub(crate) fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, files::ReadError> {
    files::read_capped(path, cap)
}

/// Opens a lock file, creating it when missing. A symlink (or FIFO, directory...) in
/// its place is removed, never followed (a dangling `.lock` symlink must not create its
/// target), and the lock file made again: left there, it would stop delivery for good.
pub(crate) fn open_lock(path: &Path) -> io::Result<File> {
    match files::open_lock_file(path) {
        Err(e) => {
            let Ok(meta) = std::fs::symlink_metadata(path) else {
                return Err(e);
            };
            if meta.is_file() {
                return Err(e);
            }
            if meta.is_dir() {
                std::fs::remove_dir_all(path)?;
            } else {
                std::fs::remove_file(path)?;
            }
            files::open_lock_file(path)
        }
        ok => ok,
    }
}

/// Opens an existing lock file to probe it, creating nothing (`telemetry status`).
pub(crate) fn probe_lock(path: &Path) -> io::Result<File> {
    Ok(files::open_regular(path)?)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_dangling_lock_symlink_never_creates_its_target() {
        let d = tempfile::tempdir().unwrap();
        let target = d.path().join("elsewhere");
        let lock = d.path().join(".lock");
        std::os::unix::fs::symlink(&target, &lock).unwrap();
        assert!(probe_lock(&lock).is_err());
        open_lock(&lock).unwrap();
        assert!(!target.exists(), "the symlink's target was created");
        assert!(std::fs::symlink_metadata(&lock).unwrap().is_file());
    }

    #[test]
    fn a_lock_fifo_never_blocks_and_is_replaced() {
        let d = tempfile::tempdir().unwrap();
        let fifo = d.path().join(".lock");
        crate::tests::support::mkfifo(&fifo);
        assert!(probe_lock(&fifo).is_err());
        open_lock(&fifo).unwrap();
        assert!(std::fs::symlink_metadata(&fifo).unwrap().is_file());
    }
}
