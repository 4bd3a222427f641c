//! The operating system: every call consentry makes to it, behind one portable
//! surface (std's own `sys` and ctrlc's `platform` are the model). Portable code calls
//! what is re-exported here and never names rustix or libc.
//!
//! - `dirs`: a tool's per-user directories in each OS's convention.
//! - `files`: every read and write of a consentry file (hostile-file rules), built on
//!   the platform's no-follow open.
//! - `random`: random bytes from the OS (ids, keys, temp file names).
//! - `process_env`: the one write to this process's environment (the disable flag's
//!   opt-out, inherited by child processes).
//! - `process`: starting the detached uploader so that it holds nothing of its caller.
//! - `unix`: rustix (and libc only where rustix has no call: signal actions in its
//!   `sigint` module, the user database's home directory in `passwd`).
//! - `windows`: std's extension traits only. Not compiled on the project's machines
//!   (they have only the Linux standard library), so it stays small.
//!
//! Whether a run is still going needs no call of its own: a run holds a lock on its
//! marker (std's `File::try_lock`), which ends with the process on every platform and
//! does not care about process ids (reused, or seen from another PID namespace).

pub(crate) mod dirs;
pub(crate) mod files;
pub(crate) mod process;
pub(crate) mod process_env;
pub(crate) mod random;
#[cfg(unix)]
mod unix;
#[cfg(windows)]
mod windows;

#[cfg(unix)]
use unix as platform;
#[cfg(windows)]
use windows as platform;

pub(crate) use platform::{
    Watch, file_size_limit, home_dir, lower_priority, open_files_limit, os_version,
    stdin_if_same_file, tool_dirs,
};
