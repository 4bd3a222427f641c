//! The Windows side of [`sys`](super), on std and its extension traits only.
//!
//! Not compiled here (the project's machines have only the Linux standard library):
//! it is kept small and uses no crate that is not already a dependency.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::windows::fs::OpenOptionsExt as _;
use std::path::Path;

use super::files::ReadError;

/// `FILE_FLAG_OPEN_REPARSE_POINT`: open a symlink or junction itself, never its target,
/// so the check on the handle below sees what is at the path.
const OPEN_REPARSE_POINT: u32 = 0x0020_0000;

/// Ctrl-C is not watched: a run it ends is reported `abandoned`.
#[derive(Debug)]
pub(crate) struct Watch;

impl Watch {
    pub(crate) fn start(_marker: &Path, _canceled: &Path) -> Option<Watch> {
        None
    }
}

/// What the opened handle is: a symlink (reparse point) or anything but a file is
/// refused, checked on the handle itself, so nothing swapped in between is trusted.
fn checked(file: File) -> Result<File, ReadError> {
    let meta = file.metadata().map_err(|e| ReadError::from_io(&e))?;
    if meta.file_type().is_symlink() {
        return Err(ReadError::Symlink);
    }
    if !meta.is_file() {
        return Err(ReadError::NotRegular);
    }
    Ok(file)
}

/// Opens `path` read-only if it is a regular file, never through a symlink.
pub(crate) fn open_regular(path: &Path) -> Result<File, ReadError> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(OPEN_REPARSE_POINT)
        .open(path)
        .map_err(|e| ReadError::from_io(&e))?;
    checked(file)
}

/// Opens (creating) `path` for reading and writing, never through a symlink.
pub(crate) fn open_or_create_nofollow(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .custom_flags(OPEN_REPARSE_POINT)
        .open(path)?;
    checked(file).map_err(io::Error::from)
}

/// Creates `path`, failing if anything is there (no mode: the file inherits the
/// directory's ACL, in the user's own profile).
pub(crate) fn create_private(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(path)
}

/// Renames `from` to `to` unless something is at `to`: a hard link, which fails on an
/// existing name, then the removal of `from` (std opens files with delete sharing, so
/// the open temp file can be removed). `MoveFileExW` without `REPLACE_EXISTING` would
/// need FFI this module avoids.
pub(crate) fn rename_noreplace(from: &Path, to: &Path) -> io::Result<()> {
    std::fs::hard_link(from, to)?;
    let _ = std::fs::remove_file(from);
    Ok(())
}

/// No error code of an open needs a meaning of its own here.
pub(crate) fn refused_open(_e: &io::Error) -> Option<ReadError> {
    None
}

/// The home directory: `%USERPROFILE%`, which Windows sets from the Profile known
/// folder (what `directories` asks `SHGetKnownFolderPath` for), when absolute.
pub(crate) fn home_dir(var: super::dirs::Vars<'_>) -> Option<std::path::PathBuf> {
    var("USERPROFILE")
        .map(std::path::PathBuf::from)
        .filter(|p| p.is_absolute())
}

/// The tool's directories under `%LOCALAPPDATA%` (see `dirs::windows`).
pub(crate) fn tool_dirs(
    tool: &str,
    var: super::dirs::Vars<'_>,
) -> Option<crate::configure::env::ToolDirs> {
    super::dirs::windows(tool, var)
}

/// Windows has no process file size limit.
pub(crate) fn file_size_limit() -> Option<u64> {
    None
}

/// Windows has no small per-process limit on open handles.
pub(crate) fn open_files_limit() -> Option<u64> {
    None
}

/// Nothing to do: the uploader is created with `BELOW_NORMAL_PRIORITY_CLASS` (see
/// `sys::process`).
pub(crate) fn lower_priority() {}

/// A lock cannot pass to a child with a handle here (it belongs to the process), and
/// std has no stable file identity to compare: the uploader waits for the lock instead.
pub(crate) fn stdin_if_same_file(_path: &Path) -> Option<File> {
    None
}

/// `os.version`: the OS version as `os_info` reads it from the system API.
pub(crate) fn os_version() -> String {
    os_info::get().version().to_string()
}
