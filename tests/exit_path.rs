//! The exit path on real networks and a hostile spool, on real `taskr` runs in a temp
//! home: exit never waits on the network, the uploader delivers, the spool sends only
//! what it wrote and validated, and its bounds hold at every moment.

use crate::support;
use support::otlp::distinct;
use support::taskr::{hold_sender_lock, spool_dir, spool_files};

mod burst;
mod detached;
mod hostile;
mod network;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use support::{Outcome, Taskr};

/// Process start plus exit on a busy machine; a run slower than this waited on
/// something. Whole-run bound only (integration test), generous on purpose.
const EXIT_LIMIT: Duration = Duration::from_millis(1000);

/// The same command opted out, for byte-identical comparison.
fn opted_out(user: &Taskr, args: &[&str]) -> Outcome {
    let mut c = user.command(args);
    c.env("DO_NOT_TRACK", "1");
    support::taskr::run_command(c)
}

fn assert_like_opted_out(r: &Outcome, out: &Outcome, why: &str) {
    assert_eq!((r.code, &r.stdout), (out.code, &out.stdout), "{why}: {r:?}");
    assert!(r.took < EXIT_LIMIT, "{why}: exit took {:?}", r.took);
}

fn status(user: &Taskr) -> String {
    let s = user.run(&["telemetry", "status"]);
    assert_eq!(s.code, Some(0), "{s:?}");
    s.stdout
}

/// Waits (bounded) until `telemetry status` shows `needle`.
fn wait_status(user: &Taskr, needle: &str, within: Duration) -> String {
    let deadline = Instant::now() + within;
    loop {
        let s = status(user);
        if s.contains(needle) {
            return s;
        }
        assert!(
            Instant::now() < deadline,
            "status never showed {needle:?}:\n{s}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
