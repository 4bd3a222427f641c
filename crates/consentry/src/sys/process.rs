//! Starting a detached background process that holds nothing of the process that
//! started it.
//!
//! A child inherits its parent's open descriptors, working directory and session. For
//! the uploader that is a leak into the user's shell: a script's
//! `( flock 9; tool ... ) 9>lockfile` would keep its lock, a pipe on fd 3 would not see
//! its end, a mount the user ran the tool in could not be unmounted, and a hang-up of
//! the terminal would reach it, all for as long as the uploader lives. [`detach`] sets
//! a command up so that the child:
//!
//! - has no descriptor but its standard streams: on Unix every descriptor from 3 up is
//!   marked close-on-exec in the child just before `exec` (Linux `close_range`, else
//!   one `fcntl` per descriptor up to the open-files limit); Rust's own files already
//!   are;
//! - runs in the root directory, not the caller's;
//! - leads a session of its own (`setsid`), so neither the terminal's Ctrl-C nor its
//!   hang-up reaches it.
//!
//! On Windows the same is asked of `CreateProcess`: no console, a process group of its
//! own, below-normal priority, and the temp directory as working directory (a working
//! directory on Windows keeps its folder from being deleted, so never the spool). Rust
//! makes its own handles non-inheritable. The Windows part cannot be compiled on the
//! machines this crate is developed on; it uses std's `CommandExt` only and is kept to
//! a few lines for that reason.

use std::process::Command;

/// Sets `cmd` up to start a detached child holding nothing of this process.
pub(crate) fn detach(cmd: &mut Command) {
    imp::detach(cmd);
}

#[cfg(unix)]
#[allow(unsafe_code)]
mod imp {
    use std::os::unix::process::CommandExt;
    use std::process::Command;

    /// `CLOSE_RANGE_CLOEXEC` from `<linux/close_range.h>` (not in the `libc` crate for
    /// every Linux target).
    #[cfg(any(target_os = "linux", target_os = "android"))]
    const CLOSE_RANGE_CLOEXEC: libc::c_uint = 1 << 2;

    /// Most descriptors walked one by one where `close_range` is missing: the
    /// open-files limit can be a million, and the walk runs in the child before exec.
    const WALK_CAP: libc::c_int = 65_536;

    pub(super) fn detach(cmd: &mut Command) {
        cmd.current_dir("/");
        // Read here, in the parent: the closure below runs between fork and exec,
        // where only async-signal-safe calls are allowed.
        // SAFETY: sysconf has no preconditions.
        let limit = unsafe { libc::sysconf(libc::_SC_OPEN_MAX) };
        let last = libc::c_int::try_from(limit)
            .ok()
            .filter(|&n| n > 0)
            .map_or(WALK_CAP, |n| n.min(WALK_CAP));
        // SAFETY: the closure runs in the forked child before exec and calls only
        // async-signal-safe functions (setsid, syscall, fcntl); it allocates nothing,
        // takes no lock and touches no memory but its two captured integers.
        unsafe {
            cmd.pre_exec(move || {
                if libc::setsid() == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                cloexec_from_3(last);
                Ok(())
            });
        }
    }

    /// Marks every descriptor from 3 up close-on-exec. Called only in the child between
    /// fork and exec. Standard streams were already set up by std; std's own pipe for
    /// reporting a failed exec is close-on-exec already, so it keeps working.
    fn cloexec_from_3(last: libc::c_int) {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            // SAFETY: close_range with CLOEXEC only sets a flag on descriptors; it fails
            // with ENOSYS before Linux 5.11, and then the walk below does it.
            let done = unsafe {
                libc::syscall(
                    libc::SYS_close_range,
                    3 as libc::c_uint,
                    libc::c_uint::MAX,
                    CLOSE_RANGE_CLOEXEC,
                )
            } == 0;
            if done {
                return;
            }
        }
        for fd in 3..last {
            // SAFETY: fcntl on a descriptor number that may not be open fails with
            // EBADF and does nothing; on an open one it only sets close-on-exec.
            unsafe {
                let flags = libc::fcntl(fd, libc::F_GETFD);
                if flags != -1 && flags & libc::FD_CLOEXEC == 0 {
                    libc::fcntl(fd, libc::F_SETFD, flags | libc::FD_CLOEXEC);
                }
            }
        }
    }
}

// Not compiled on the machines this crate is developed on (see the module docs).
#[cfg(windows)]
mod imp {
    use std::os::windows::process::CommandExt;
    use std::process::Command;

    const DETACHED_PROCESS: u32 = 0x0000_0008;
    const CREATE_NEW_PROCESS_GROUP: u32 = 0x0000_0200;
    const CREATE_NO_WINDOW: u32 = 0x0800_0000;
    const BELOW_NORMAL_PRIORITY_CLASS: u32 = 0x0000_4000;

    pub(super) fn detach(cmd: &mut Command) {
        cmd.current_dir(std::env::temp_dir()).creation_flags(
            DETACHED_PROCESS
                | CREATE_NEW_PROCESS_GROUP
                | CREATE_NO_WINDOW
                | BELOW_NORMAL_PRIORITY_CLASS,
        );
    }
}

#[cfg(not(any(unix, windows)))]
mod imp {
    pub(super) fn detach(_: &mut std::process::Command) {}
}
