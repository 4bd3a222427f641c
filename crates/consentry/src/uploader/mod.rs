//! The detached uploader: the tool's own executable, started again by a run that has
//! just spooled its request, that sends the spool and exits.
//!
//! What a user sees in `ps`: `<tool> __consentry-upload`, for at most
//! [`UPLOADER_LIFETIME`], at nice 10, stdout and stderr on `/dev/null`. Its stdin is the
//! spool's lock file, which the starting run locked: the lock passes to the child with
//! the open file, so there is never a moment when a second uploader could start.
//!
//! It holds nothing of its caller ([`crate::sys::process`]): no descriptor but its
//! standard streams (a shell's `9>lockfile` or a pipe on fd 3 is not kept open), the
//! root directory as working directory (not the directory the tool ran in), and a
//! session of its own (neither a Ctrl-C nor the terminal's hang-up reaches it). Its work comes only
//! from the spool directory: nothing on its command line or in its environment is data.
//!
//! The marker is two things at once: the first argument [`UPLOADER_ARG`] *and* the
//! environment variable [`UPLOADER_ENV`] naming this tool's spool directory, which only
//! the starting run sets. A user who types `<tool> __consentry-upload` (searching for
//! that word, say) gets the tool's ordinary command.

mod entry;

use std::ffi::{OsStr, OsString};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::configure::env::Env;
use crate::deliver::Endpoint;
use crate::deliver::backoff::Backoff;
use crate::deliver::drain::{Drained, drain};
use crate::deliver::spool::{Lock, Spool, now_ms};

/// The marker argument that, with [`UPLOADER_ENV`], turns the tool's executable into
/// the uploader.
pub const UPLOADER_ARG: &str = "__consentry-upload";

/// Set by the starting run to the spool directory the uploader is to send; without it
/// (or with another directory) [`UPLOADER_ARG`] is an ordinary argument.
pub const UPLOADER_ENV: &str = "CONSENTRY_UPLOADER_SPOOL";

/// How long the uploader may live; a watchdog ends it after that whatever it is doing.
pub(crate) const UPLOADER_LIFETIME: Duration = Duration::from_secs(30);

/// Time kept back from the lifetime so the last send ends before the watchdog.
const MARGIN: Duration = Duration::from_secs(2);

/// Runs start at most one uploader per this interval per spool (per user): a burst of
/// runs costs one process start, not one per run. A run within the interval only
/// spools; the running uploader, which keeps watching the spool while requests keep
/// coming, or else the first run after the interval, starts the next one.
pub(crate) const START_INTERVAL: Duration = Duration::from_secs(60);

/// How long the uploader keeps watching an empty spool for requests of runs that
/// follow (each new request starts the wait again, up to the lifetime).
const LINGER: Duration = Duration::from_secs(5);

/// How often a lingering uploader looks at the spool (one directory listing).
const LINGER_POLL: Duration = Duration::from_millis(500);

/// Whether this process was started as the uploader of `spool`. The argument is looked
/// at first, so an ordinary run pays one comparison.
pub(crate) fn requested_argument(env: &dyn Env) -> bool {
    env.args_os().get(1).map(OsString::as_os_str) == Some(OsStr::new(UPLOADER_ARG))
}

/// Whether the environment names `spool` as the one to send.
pub(crate) fn requested_for(env: &dyn Env, spool: &Spool) -> bool {
    env.var_os(UPLOADER_ENV)
        .is_some_and(|v| v == spool.dir().as_os_str())
}

/// Whether a backoff of this length can be waited out by an uploader started now; a
/// run does not start one otherwise (it would only exit).
pub(crate) fn can_wait(next_attempt_ms: u64) -> bool {
    let wait = next_attempt_ms.saturating_sub(now_ms());
    Duration::from_millis(wait) + MARGIN * 2 < UPLOADER_LIFETIME
}

/// Whether a run started the uploader less than [`START_INTERVAL`] before now.
pub(crate) fn started_recently(started_ms: u64) -> bool {
    let now = now_ms();
    started_ms <= now && Duration::from_millis(now - started_ms) < START_INTERVAL
}

/// Starts the uploader, detached, handing it `lock`. Failure to start is not an error:
/// the request stays spooled and the next run starts one.
pub(crate) fn spawn(spool: &Spool, lock: Lock) {
    let (Ok(exe), Some(lock_file)) = (std::env::current_exe(), lock.into_file()) else {
        return;
    };
    let mut cmd = Command::new(exe);
    cmd.arg(UPLOADER_ARG)
        .env(UPLOADER_ENV, spool.dir())
        .stdin(Stdio::from(lock_file))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    crate::sys::process::detach(&mut cmd);
    // Not waited for: the tool exits now and the child is re-parented.
    let _ = cmd.spawn();
}

/// The uploader's work: send until the spool is empty, waiting out a backoff when it
/// ends within the lifetime. An empty spool is watched for [`LINGER`] more (runs that
/// follow within the [`START_INTERVAL`] start no uploader of their own), then the lock
/// is released and the spool listed once more: a run that spooled while the lock was
/// held saw it held and started no uploader, so its request is picked up here (no
/// lost wake-up).
pub(crate) fn run(spool: &Spool, endpoint: &Endpoint, backoff: Backoff) {
    // Background work: yield the CPU to whatever the user runs next (on a busy 2-core
    // machine an uploader at normal priority slowed the next runs of the tool itself).
    crate::sys::lower_priority();
    let deadline = Instant::now() + UPLOADER_LIFETIME - MARGIN;
    let mut held = inherited_lock(spool);
    loop {
        // Never `try_lock`, which creates the directory: a spool that `telemetry
        // disable` (or `local`) deleted after this uploader started stays deleted.
        let Some(lock) = held.take().or_else(|| spool.try_lock_existing()) else {
            return;
        };
        let state = spool.state();
        if Backoff::waiting(&state) {
            let wait = Duration::from_millis(state.next_attempt_ms.saturating_sub(now_ms()));
            if Instant::now() + wait >= deadline {
                return;
            }
            std::thread::sleep(wait);
        }
        match drain(spool, &lock, endpoint, backoff, deadline) {
            Drained::Empty => {
                if linger(spool, deadline) {
                    held = Some(lock);
                    continue;
                }
                drop(lock);
                if !spool.has_entries() {
                    return;
                }
            }
            Drained::Failed => held = Some(lock),
            Drained::OutOfTime => return,
        }
    }
}

/// Watches the empty spool for up to [`LINGER`] (or the deadline); whether a request
/// arrived.
fn linger(spool: &Spool, deadline: Instant) -> bool {
    let until = (Instant::now() + LINGER).min(deadline);
    while Instant::now() + LINGER_POLL <= until {
        std::thread::sleep(LINGER_POLL);
        if spool.has_entries() {
            return true;
        }
    }
    false
}

/// The lock the starting run handed over as stdin, when stdin is this spool's lock
/// file (unix: an `flock` belongs to the open file, which the child shares). Where a
/// lock cannot pass with a handle (Windows: it belongs to the process), the starting
/// run holds it until it exits, a few milliseconds after starting this one: wait for
/// that, a bounded number of times.
fn inherited_lock(spool: &Spool) -> Option<Lock> {
    if let Some(file) = crate::sys::stdin_if_same_file(&spool.lock_path()) {
        // Locking an open file that already holds the lock succeeds.
        if file.try_lock().is_ok() {
            return Some(Lock::adopt(file));
        }
    }
    (0..HAND_OVER_TRIES).find_map(|_| {
        std::thread::sleep(HAND_OVER_POLL);
        spool.try_lock_existing()
    })
}

/// How long an uploader waits for its starting run to release the sender lock where
/// the lock could not be handed over: 40 x 25 ms.
const HAND_OVER_TRIES: usize = 40;
const HAND_OVER_POLL: Duration = Duration::from_millis(25);
