//! The detached uploader: the tool's own executable, started again with one marker
//! argument, that sends what is in the spool and exits.
//!
//! What a user sees in `ps`: `<tool> __consentry-upload`, for at most
//! [`UPLOADER_LIFETIME`]. It is safe to see and to kill: its work comes only from the
//! spool directory (nothing on its command line or in its environment is data), it
//! sends only requests earlier runs already encoded, it runs only when telemetry is on
//! and the spool is not empty, and one at a time (it holds the spool lock, and exits at
//! once if another holds it). Its standard streams are closed and it is in a process
//! group of its own, so it never writes to the terminal and a Ctrl-C for the tool does
//! not reach it.

use std::ffi::OsStr;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The marker argument that turns the tool's executable into the uploader.
pub const UPLOADER_ARG: &str = "__consentry-upload";

/// How long the uploader may live; a watchdog ends it after that whatever it is doing.
pub const UPLOADER_LIFETIME: Duration = Duration::from_secs(30);

/// Whether this process was started as the uploader.
pub(crate) fn requested() -> bool {
    std::env::args_os().nth(1).as_deref() == Some(OsStr::new(UPLOADER_ARG))
}

/// Starts the uploader, detached. Failure to start is not an error: the next run's
/// background sender delivers the spool instead.
pub(crate) fn spawn() {
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let mut cmd = Command::new(exe);
    cmd.arg(UPLOADER_ARG)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    // The child is not waited for: the tool exits now and the child is re-parented.
    let _ = cmd.spawn();
}
