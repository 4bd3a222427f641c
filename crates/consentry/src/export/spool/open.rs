//! How the spool touches its files: never through a symlink, never blocking on a FIFO,
//! regular files only, reads capped, writes within `RLIMIT_FSIZE`.
//!
//! These are the spool's uses of the crate-wide safe file access rules (every file
//! consentry reads is hostile); they live in one place so the spool has no other way
//! to open a file.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::Path;

#[cfg(unix)]
fn no_follow(o: &mut OpenOptions) -> &mut OpenOptions {
    use rustix::fs::OFlags;
    use std::os::unix::fs::OpenOptionsExt;
    // NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    let flags = OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
    o.custom_flags(flags.bits() as i32).mode(0o600)
}

#[cfg(not(unix))]
fn no_follow(o: &mut OpenOptions) -> &mut OpenOptions {
    o
}

fn regular(file: File) -> io::Result<File> {
    if file.metadata()?.is_file() {
        Ok(file)
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ))
    }
}

/// Reads `path`, a regular file of at most `cap` bytes; a symlink, FIFO, directory or
/// larger file is an error, found without blocking and without reading past the cap.
pub(crate) fn read_capped(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    let file = regular(no_follow(OpenOptions::new().read(true)).open(path)?)?;
    let mut out = Vec::new();
    file.take(cap.saturating_add(1)).read_to_end(&mut out)?;
    if out.len() as u64 > cap {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "over the cap"));
    }
    Ok(out)
}

/// Opens a lock file. With `create`, makes it when missing; a symlink in its place is
/// removed (never followed: a dangling `.lock` symlink must not create its target).
/// Without `create` nothing is created (status is read-only).
pub(crate) fn open_lock(path: &Path, create: bool) -> io::Result<File> {
    let open = || {
        let mut o = OpenOptions::new();
        o.read(true);
        if create {
            o.write(true).create(true).truncate(false);
        }
        no_follow(&mut o).open(path)
    };
    match open() {
        Err(e) if create && is_symlink(path) => {
            std::fs::remove_file(path).map_err(|_| e)?;
            regular(open()?)
        }
        other => regular(other?),
    }
}

fn is_symlink(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// Whether this process may write a file of `len` bytes: under `ulimit -f` a larger
/// write would kill the host with SIGXFSZ.
pub(crate) fn size_allowed(len: u64) -> bool {
    #[cfg(unix)]
    {
        let limit = rustix::process::getrlimit(rustix::process::Resource::Fsize);
        limit.current.is_none_or(|max| len <= max)
    }
    #[cfg(not(unix))]
    {
        let _ = len;
        true
    }
}

/// Writes `bytes` to a new temp file in `dir` (created exclusively, so never through a
/// symlink) and returns it, ready to be renamed into place.
pub(crate) fn temp_with(
    dir: &Path,
    prefix: &str,
    bytes: &[u8],
) -> io::Result<tempfile::NamedTempFile> {
    if !size_allowed(bytes.len() as u64) {
        return Err(io::Error::new(
            io::ErrorKind::FileTooLarge,
            "over the file size limit (ulimit -f)",
        ));
    }
    let mut tmp = tempfile::Builder::new().prefix(prefix).tempfile_in(dir)?;
    // No fsync: the rename makes the file whole or absent across a process crash, which
    // is the failure a CLI meets; an fsync would cost every run for the rarer power loss.
    tmp.write_all(bytes)?;
    Ok(tmp)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn symlinks_fifos_dirs_and_big_files_are_refused() {
        let d = tempfile::tempdir().unwrap();
        let secret = d.path().join("secret");
        std::fs::write(&secret, b"key").unwrap();
        let link = d.path().join("link");
        std::os::unix::fs::symlink(&secret, &link).unwrap();
        assert!(read_capped(&link, 100).is_err());
        let fifo = d.path().join("fifo");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        assert!(
            read_capped(&fifo, 100).is_err(),
            "a FIFO is refused without blocking"
        );
        assert!(read_capped(d.path(), 100).is_err());
        assert!(read_capped(&secret, 2).is_err());
        assert_eq!(read_capped(&secret, 3).unwrap(), b"key");
    }

    #[test]
    fn a_dangling_lock_symlink_never_creates_its_target() {
        let d = tempfile::tempdir().unwrap();
        let target = d.path().join("elsewhere");
        let lock = d.path().join(".lock");
        std::os::unix::fs::symlink(&target, &lock).unwrap();
        assert!(open_lock(&lock, false).is_err());
        open_lock(&lock, true).unwrap();
        assert!(!target.exists(), "the symlink's target was created");
        assert!(std::fs::symlink_metadata(&lock).unwrap().is_file());
    }
}
