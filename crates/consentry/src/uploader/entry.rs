//! The uploader's entry, inside [`TelemetryBuilder::build`](crate::TelemetryBuilder::build):
//! the one call every tool makes before it can record anything, so it cannot be
//! forgotten. A tool that builds its configuration first thing in `main` runs none of
//! its own code in the uploader.

use crate::configure::builder::Telemetry;
use crate::uploader;

impl Telemetry {
    /// When this process was started as the uploader (argument
    /// [`UPLOADER_ARG`](crate::UPLOADER_ARG) and [`UPLOADER_ENV`](crate::UPLOADER_ENV)
    /// naming this tool's spool), delivers the spool and exits the process; otherwise
    /// returns at once having done nothing (one look at the first argument).
    pub(crate) fn enter_uploader_if_started(&self) {
        if !uploader::requested_argument(self.env()) {
            return;
        }
        let Some(spool) = self
            .spool_with_log()
            .filter(|spool| uploader::requested_for(self.env(), spool))
        else {
            return;
        };
        std::thread::spawn(|| {
            std::thread::sleep(uploader::UPLOADER_LIFETIME);
            std::process::exit(0);
        });
        let _quiet = tracing::subscriber::set_default(tracing::subscriber::NoSubscriber::default());
        let mut read = crate::consent::SettingsRead::default();
        let decision = self.decide_into(&mut read);
        // Local mode uploads nothing; requests recorded before uploads were enabled
        // (before `telemetry enable` ended local mode) are deleted unsent.
        let spool = spool.with_upload_since(read.upload_since_ms);
        if decision.enabled
            && !decision.local
            && let Ok(endpoint) = self.resolve_endpoint()
        {
            self.send_pending_erasure(&endpoint);
            uploader::run(&spool, &endpoint, self.backoff());
        }
        std::process::exit(0);
    }
}

impl Telemetry {
    /// Sends the erase requests `telemetry delete` could not deliver (kept apart from
    /// the spool), first, for at most one request's time.
    fn send_pending_erasure(&self, endpoint: &crate::deliver::Endpoint) {
        let Some(store) = self.erase_store().filter(|s| s.has_entries()) else {
            return;
        };
        if let Some(lock) = store.try_lock_existing() {
            let deadline = std::time::Instant::now() + crate::deliver::drain::PER_REQUEST;
            crate::deliver::drain::drain(&store, &lock, endpoint, self.backoff(), deadline);
        }
    }
}
