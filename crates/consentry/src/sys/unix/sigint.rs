//! Ctrl-C while a command runs: the run is recorded as `canceled`, and SIGINT still
//! does what it did before.
//!
//! Only when SIGINT is at its default action (the process would die) does a run install
//! a handler. A host that ignores SIGINT (`nohup`, a background job) or has its own
//! handler keeps it: nothing is installed. The handler renames the run's marker to its
//! "canceled" name (see [`accounting`](crate::record::accounting)), and then, if it is still
//! the installed handler, restores the default action and raises SIGINT again, so the
//! process dies by SIGINT exactly as it would have. A host that registered its own
//! handler after ours (signal-hook and tokio call the previous handler) decides alone:
//! our handler only renames and returns.
//!
//! The handler must be async-signal-safe: it reads pre-built C paths from fixed slots
//! (no allocation, no lock), and calls only `utimensat`, `rename`, `sigaction` and
//! `raise`. This is the one module of consentry with `unsafe` code (neither std nor rustix
//! can read or set a signal's action safely); each block says why it is sound.

use std::ffi::{CString, c_int};
use std::os::unix::ffi::OsStrExt as _;
use std::path::Path;
use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering::SeqCst};
use std::sync::{Mutex, PoisonError};

/// How many runs of one process can be watched at once; one more is reported
/// `abandoned` if Ctrl-C ends it.
const SLOTS: usize = 8;

/// A watched run's marker and the name it takes when Ctrl-C ends the process.
struct Paths {
    marker: CString,
    canceled: CString,
}

static WATCHED: [AtomicPtr<Paths>; SLOTS] = [const { AtomicPtr::new(ptr::null_mut()) }; SLOTS];
/// Handlers running now: a slot's paths are freed only when none is.
static IN_HANDLER: AtomicUsize = AtomicUsize::new(0);
/// Watches alive; the handler is installed by the first and removed by the last.
static WATCHES: Mutex<usize> = Mutex::new(0);

/// One run watched for Ctrl-C; dropping it stops watching.
#[derive(Debug)]
pub(crate) struct Watch {
    slot: usize,
}

impl Watch {
    /// Watches the run whose marker is `marker`, when SIGINT is at its default
    /// action (or already ours). `None` when the host ignores or handles SIGINT, or
    /// every slot is taken.
    pub(crate) fn start(marker: &Path, canceled: &Path) -> Option<Watch> {
        let paths = Box::new(Paths {
            marker: CString::new(marker.as_os_str().as_bytes()).ok()?,
            canceled: CString::new(canceled.as_os_str().as_bytes()).ok()?,
        });
        let mut watches = WATCHES.lock().unwrap_or_else(PoisonError::into_inner);
        // With watches alive the handler is ours, or a host's that came after it
        // and calls it: either way Ctrl-C reaches it.
        if *watches == 0 && !install() {
            return None;
        }
        let paths = Box::into_raw(paths);
        let Some(slot) = WATCHED.iter().position(|s| {
            s.compare_exchange(ptr::null_mut(), paths, SeqCst, SeqCst)
                .is_ok()
        }) else {
            // SAFETY: `paths` came from Box::into_raw above and no slot took it.
            drop(unsafe { Box::from_raw(paths) });
            if *watches == 0 {
                uninstall();
            }
            return None;
        };
        *watches += 1;
        Some(Watch { slot })
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let paths = WATCHED[self.slot].swap(ptr::null_mut(), SeqCst);
        // A handler that read the slot before the swap counted itself first: once
        // the count reads 0, no handler holds the pointer. It runs for microseconds;
        // should it somehow not finish, the few bytes are leaked, never freed early.
        let quiet = (0..10_000).any(|_| {
            let idle = IN_HANDLER.load(SeqCst) == 0;
            if !idle {
                std::thread::yield_now();
            }
            idle
        });
        if quiet && !paths.is_null() {
            // SAFETY: the pointer came from Box::into_raw in `start`, was in no slot
            // after the swap, and no handler is using it (above).
            drop(unsafe { Box::from_raw(paths) });
        }
        let mut watches = WATCHES.lock().unwrap_or_else(PoisonError::into_inner);
        *watches = watches.saturating_sub(1);
        if *watches == 0 {
            uninstall();
        }
    }
}

/// The current action for SIGINT, as a handler address or `SIG_DFL`/`SIG_IGN`.
fn current() -> Option<libc::sighandler_t> {
    // SAFETY: sigaction only writes into `old`, a valid, writable, zeroed
    // `sigaction` (all-zero is a valid value of that plain C struct); a null new
    // action means "query only". sigaction is async-signal-safe.
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        (libc::sigaction(libc::SIGINT, ptr::null(), &mut old) == 0).then_some(old.sa_sigaction)
    }
}

/// Sets SIGINT's action to `handler` (ours or `SIG_DFL`).
fn set(handler: libc::sighandler_t) {
    // SAFETY: `action` is a fully initialised `sigaction` (zeroed, empty mask);
    // `handler` is SIG_DFL or `on_sigint`, an `extern "C" fn(c_int)` that lives as
    // long as the program and is async-signal-safe. The old action is not wanted.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        libc::sigemptyset(&mut action.sa_mask);
        action.sa_sigaction = handler;
        action.sa_flags = libc::SA_RESTART;
        libc::sigaction(libc::SIGINT, &action, ptr::null_mut());
    }
}

fn ours() -> libc::sighandler_t {
    on_sigint as extern "C" fn(c_int) as libc::sighandler_t
}

/// Installs our handler if SIGINT is at its default action; says whether it is.
fn install() -> bool {
    match current() {
        Some(libc::SIG_DFL) => {
            set(ours());
            true
        }
        Some(h) => h == ours(),
        None => false,
    }
}

/// Puts the default action back, only if ours is still the installed one.
fn uninstall() {
    if current() == Some(ours()) {
        set(libc::SIG_DFL);
    }
}

extern "C" fn on_sigint(_signal: c_int) {
    let saved = errno::errno();
    IN_HANDLER.fetch_add(1, SeqCst);
    for slot in &WATCHED {
        let paths = slot.load(SeqCst);
        if paths.is_null() {
            continue;
        }
        // SAFETY: a non-null slot points to a live `Paths`: Watch::drop frees it only
        // after taking it out of the slot and seeing IN_HANDLER at 0, and this
        // handler counted itself before reading the slot.
        let paths = unsafe { &*paths };
        // The end of the run, for its duration. Not rustix's utimensat: on macOS it
        // looks the symbol up on first use, which a signal handler must not do.
        // SAFETY: a NUL-terminated path owned by `paths`; a null `times` sets the
        // file's times to now. utimensat is async-signal-safe.
        unsafe { libc::utimensat(libc::AT_FDCWD, paths.marker.as_ptr(), ptr::null(), 0) };
        let _ = rustix::fs::rename(paths.marker.as_c_str(), paths.canceled.as_c_str());
    }
    IN_HANDLER.fetch_sub(1, SeqCst);
    if current() == Some(ours()) {
        set(libc::SIG_DFL);
        // SAFETY: raise is async-signal-safe. SIGINT stays blocked until this
        // handler returns, then its default action ends the process.
        unsafe { libc::raise(libc::SIGINT) };
    }
    errno::set_errno(saved);
}
