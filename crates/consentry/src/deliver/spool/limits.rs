//! The bounds a spool (or another store of requests) keeps at every moment.

use std::time::Duration;

/// Bounds on what the spool keeps; the oldest requests are dropped first, and counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpoolLimits {
    /// Total size of spooled requests.
    pub max_bytes: u64,
    /// Number of spooled requests.
    pub max_files: usize,
    /// Age after which a spooled request is dropped.
    pub max_age: Duration,
}

impl Default for SpoolLimits {
    /// 4 MiB, 1000 requests, 7 days: weeks of offline use of a typical CLI (a request
    /// is about 1 KiB), small enough that nobody has to think about the directory.
    fn default() -> Self {
        SpoolLimits {
            max_bytes: 4 << 20,
            max_files: 1000,
            max_age: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

/// Bounds of the log of what was sent (`telemetry log`): the spool's size and count,
/// kept 30 days.
pub(crate) const SENT_LOG_LIMITS: SpoolLimits = SpoolLimits {
    max_bytes: 4 << 20,
    max_files: 1000,
    max_age: Duration::from_secs(30 * 24 * 3600),
};

/// Bounds of the erase requests waiting to be sent (`telemetry delete`): a few small
/// requests, kept a year, so one made offline survives until the collector is back.
pub(crate) const ERASE_LIMITS: SpoolLimits = SpoolLimits {
    max_bytes: 1 << 20,
    max_files: 16,
    max_age: Duration::from_secs(365 * 24 * 3600),
};
