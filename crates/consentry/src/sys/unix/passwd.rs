//! The home directory the user database gives, for a process started without `HOME`
//! (`env -i`, some cron and service setups): what `dirs-sys` (and so `directories`,
//! which consentry used before) and std's `home_dir` fall back to. It goes through the
//! C library's `getpwuid_r`, so NSS sources (LDAP, systemd-homed) answer as they do for
//! every other program; neither std nor rustix offers that call safely.

use std::ffi::{CStr, OsString, c_char};
use std::os::unix::ffi::OsStringExt as _;

/// The buffer for the user's entry when the C library gives no size (as `dirs-sys`).
const DEFAULT_BUFFER: usize = 512;
/// An entry larger than this is not read (`sysconf` is trusted only so far).
const MAX_BUFFER: usize = 1 << 20;

/// The current user's home directory from the user database; `None` when there is no
/// entry or it names no directory.
pub(crate) fn home() -> Option<OsString> {
    // SAFETY: `sysconf` only reads a configuration value.
    let size = match unsafe { libc::sysconf(libc::_SC_GETPW_R_SIZE_MAX) } {
        n if n <= 0 => DEFAULT_BUFFER,
        n => usize::try_from(n).unwrap_or(DEFAULT_BUFFER).min(MAX_BUFFER),
    };
    let mut buf: Vec<c_char> = vec![0; size];
    // SAFETY: `passwd` is plain old data (integers and pointers); all zeroes is a valid
    // value, and `getpwuid_r` overwrites it.
    let mut entry: libc::passwd = unsafe { std::mem::zeroed() };
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is to a live local of the size passed; the strings the
    // entry points to live in `buf`, which outlives their use below.
    let rc = unsafe {
        libc::getpwuid_r(
            libc::getuid(),
            &mut entry,
            buf.as_mut_ptr(),
            buf.len(),
            &mut found,
        )
    };
    if rc != 0 || found.is_null() || entry.pw_dir.is_null() {
        return None;
    }
    // SAFETY: on success `pw_dir` points to a NUL-terminated string inside `buf`.
    let dir = unsafe { CStr::from_ptr(entry.pw_dir) }.to_bytes();
    (!dir.is_empty()).then(|| OsString::from_vec(dir.to_vec()))
}
