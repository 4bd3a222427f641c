//! The unix side of [`sys`](super): rustix for files, limits and the kernel release;
//! libc only where rustix has no safe call (signal actions, in `sigint`; the user
//! database's home directory, in `passwd`).

use std::fs::File;
use std::io;
use std::path::Path;

use rustix::fs::{AtFlags, FileType, Mode, OFlags};
use rustix::io::Errno;

use super::files::ReadError;

// The one module with `unsafe`: setting a signal action has no safe API.
#[allow(unsafe_code)]
mod sigint;

pub(crate) use sigint::Watch;

// `getpwuid_r` has no safe API either.
#[allow(unsafe_code)]
mod passwd;

/// The home directory: `$HOME` when it is set and not empty (even a relative one, as
/// `directories` takes it), else the user database's entry.
pub(crate) fn home_dir(var: super::dirs::Vars<'_>) -> Option<std::path::PathBuf> {
    var("HOME")
        .filter(|h| !h.is_empty())
        .or_else(passwd::home)
        .map(std::path::PathBuf::from)
}

/// The tool's directories: the XDG rules, or the macOS convention.
pub(crate) fn tool_dirs(
    tool: &str,
    var: super::dirs::Vars<'_>,
) -> Option<crate::configure::env::ToolDirs> {
    #[cfg(target_os = "macos")]
    let dirs = super::dirs::macos(tool, home_dir(var));
    #[cfg(not(target_os = "macos"))]
    let dirs = super::dirs::xdg(tool, var, home_dir(var));
    dirs
}

/// Opens `path` read-only if it is a regular file. The `lstat` first means a FIFO or
/// device is never even opened (opening a tape device rewinds it); `O_NOFOLLOW |
/// O_NONBLOCK` covers the race where one is swapped in between, and the caller checks
/// the opened file again with `fstat`.
pub(crate) fn open_regular(path: &Path) -> Result<File, ReadError> {
    let errno = |e: Errno| ReadError::from_io(&e.into());
    let st = rustix::fs::statat(rustix::fs::CWD, path, AtFlags::SYMLINK_NOFOLLOW).map_err(errno)?;
    match FileType::from_raw_mode(st.st_mode) {
        FileType::RegularFile => {}
        FileType::Symlink => return Err(ReadError::Symlink),
        _ => return Err(ReadError::NotRegular),
    }
    let flags =
        OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC | OFlags::NOCTTY;
    let fd = rustix::fs::open(path, flags, Mode::empty()).map_err(errno)?;
    Ok(File::from(fd))
}

/// Opens (creating, mode 0600) `path` for reading and writing without following a
/// symlink in its last component and without blocking on a FIFO.
pub(crate) fn open_or_create_nofollow(path: &Path) -> io::Result<File> {
    let flags = OFlags::RDWR
        | OFlags::CREATE
        | OFlags::NOFOLLOW
        | OFlags::NONBLOCK
        | OFlags::CLOEXEC
        | OFlags::NOCTTY;
    let fd = rustix::fs::open(path, flags, Mode::RUSR | Mode::WUSR)
        .map_err(|e| io::Error::from(ReadError::from_io(&e.into())))?;
    Ok(File::from(fd))
}

/// Creates `path` for reading and writing (mode 0600, close-on-exec, as tempfile did),
/// failing if anything is there: a temp file no other user can read and no symlink can
/// redirect.
pub(crate) fn create_private(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

/// Renames `from` to `to` unless something (a dangling symlink included) is at `to`:
/// `renameat2(RENAME_NOREPLACE)` where the kernel and file system have it, else a hard
/// link and the removal of `from` (what `tempfile`'s `persist_noclobber` does).
pub(crate) fn rename_noreplace(from: &Path, to: &Path) -> io::Result<()> {
    #[cfg(any(target_os = "linux", target_os = "android", target_os = "macos"))]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        match renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE) {
            Ok(()) => return Ok(()),
            // Not supported here (an old kernel, a file system without it): link below.
            Err(Errno::NOSYS | Errno::INVAL) => {}
            Err(e) => return Err(e.into()),
        }
    }
    std::fs::hard_link(from, to)?;
    let _ = std::fs::remove_file(from);
    Ok(())
}

/// What an `open` error means for a file consentry refused to follow or open.
pub(crate) fn refused_open(e: &io::Error) -> Option<ReadError> {
    let errno = Errno::from_raw_os_error(e.raw_os_error()?);
    if errno == Errno::LOOP || errno == Errno::MLINK {
        // What O_NOFOLLOW returns on a symlink (EMLINK on the BSDs).
        return Some(ReadError::Symlink);
    }
    // A socket opened as a file.
    (errno == Errno::NXIO).then_some(ReadError::NotRegular)
}

/// The process file size limit in bytes (`ulimit -f`), `None` when unlimited.
pub(crate) fn file_size_limit() -> Option<u64> {
    rustix::process::getrlimit(rustix::process::Resource::Fsize).current
}

/// The process's open-files limit (`ulimit -n`), `None` when unlimited.
pub(crate) fn open_files_limit() -> Option<u64> {
    rustix::process::getrlimit(rustix::process::Resource::Nofile).current
}

/// Background priority for the uploader (nice 10): the user's next commands come first.
pub(crate) fn lower_priority() {
    let _ = rustix::process::setpriority_process(None, 10);
}

/// This process's stdin as a file of its own, when it is the file at `path` (same
/// device and inode; `path` itself is not followed).
pub(crate) fn stdin_if_same_file(path: &Path) -> Option<File> {
    use std::os::fd::AsFd as _;
    use std::os::unix::fs::MetadataExt as _;
    let file = File::from(std::io::stdin().as_fd().try_clone_to_owned().ok()?);
    let (ours, theirs) = (std::fs::symlink_metadata(path).ok()?, file.metadata().ok()?);
    (ours.dev() == theirs.dev() && ours.ino() == theirs.ino()).then_some(file)
}

/// `os.version`: the kernel release (`uname -r`, as the Java and Go SDKs report it),
/// read by a system call: no file, no child process.
pub(crate) fn os_version() -> String {
    rustix::system::uname()
        .release()
        .to_string_lossy()
        .into_owned()
}
