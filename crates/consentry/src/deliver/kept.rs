//! What stays on the machine for the user: the runs recorded in local mode and a copy
//! of every request the collector acknowledged. Both are bounded stores of OTLP
//! requests beside the spool, with the spool's file names, bounds and hostile-file
//! rules; neither is ever read by the uploader.

use std::path::PathBuf;

use super::spool::{ERASE_LIMITS, SENT_LOG_LIMITS, Spool};
use crate::configure::builder::Telemetry;

/// The local records (`<state dir>/telemetry-local/`): runs recorded in local mode
/// (`<tool> telemetry local`), never uploaded.
pub(crate) const LOCAL_DIR: &str = "telemetry-local";

/// Erase requests waiting to be sent (`<state dir>/telemetry-erase/`): made by
/// `telemetry delete`, kept apart from the spool so that what deletes the spool
/// (`delete` itself, `disable`, local mode, the as-of date) never deletes them.
pub(crate) const ERASE_DIR: &str = "telemetry-erase";

/// The log of what was sent (`<state dir>/telemetry-sent/`): each request the
/// collector acknowledged, as the very bytes sent, kept 30 days.
pub(crate) const SENT_DIR: &str = "telemetry-sent";

impl Telemetry {
    /// The spool with its sent log attached, when a state dir is known.
    pub(crate) fn spool_with_log(&self) -> Option<Spool> {
        let spool = self.spool()?;
        let log = sibling(&spool, SENT_DIR)?;
        Some(spool.with_sent_log(log))
    }

    /// The store of local-mode records, bounded like the spool.
    pub(crate) fn local_store(&self) -> Option<Spool> {
        let spool = self.spool()?;
        let dir = sibling(&spool, LOCAL_DIR)?;
        Some(spool.store_at(dir, self.settings.spool_limits))
    }

    /// The store of acknowledged requests.
    pub(crate) fn sent_store(&self) -> Option<Spool> {
        let spool = self.spool()?;
        let dir = sibling(&spool, SENT_DIR)?;
        Some(spool.store_at(dir, SENT_LOG_LIMITS))
    }
}

impl Telemetry {
    /// The store of erase requests waiting for the collector.
    pub(crate) fn erase_store(&self) -> Option<Spool> {
        let spool = self.spool()?;
        let dir = sibling(&spool, ERASE_DIR)?;
        Some(spool.store_at(dir, ERASE_LIMITS).stamped_on_send())
    }
}

fn sibling(spool: &Spool, name: &str) -> Option<PathBuf> {
    Some(spool.dir().parent()?.join(name))
}
