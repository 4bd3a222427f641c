//! `<tool> telemetry status`: what is decided, why, and where everything lives.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::configure::builder::Telemetry;
use crate::consent::Decision;
use crate::consent::config::USER_CONFIG_FILE;
use crate::deliver::{Backoff, Endpoint};

/// A snapshot of the telemetry state, read without writing anything.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Status {
    /// The consent decision and the setting that made it.
    pub decision: Decision,
    /// The user settings file, when a config dir is known.
    pub settings_file: Option<PathBuf>,
    /// The spool dir, when one is known.
    pub spool_dir: Option<PathBuf>,
    /// Requests waiting in the spool.
    pub spooled_requests: usize,
    /// Their total size in bytes.
    pub spooled_bytes: u64,
    /// Requests dropped by the spool's bounds so far.
    pub dropped_by_limits: u64,
    /// Requests the collector refused as malformed so far.
    pub rejected: u64,
    /// Spool entries that were not requests consentry wrote and validated (a symlink,
    /// FIFO, directory, undecodable file, or data outside the manifest), deleted unsent.
    pub invalid: u64,
    /// Consecutive failed delivery attempts (unreachable, TLS refused, 5xx...).
    pub failures: u32,
    /// Why the last of them failed, as the transport said it (a refused TLS
    /// certificate names itself here); `None` after a success.
    pub last_failure: Option<String>,
    /// Whether the uploader is sending the spool right now.
    pub uploader_running: bool,
    /// How long runs still wait before using the network, after failures.
    pub backing_off_for: Option<Duration>,
    /// Where spans go, or why they go nowhere.
    pub endpoint: Result<Endpoint, crate::EndpointProblem>,
    /// Whether the user has seen the current notice (shown on a terminal, or by
    /// `telemetry enable`). Until then nothing is sent, even when the decision is on.
    pub notice_seen: bool,
    /// The local records (local mode, never uploaded), when a state dir is known.
    pub local_dir: Option<PathBuf>,
    /// Requests kept there.
    pub local_requests: usize,
    /// The log of what the collector acknowledged (`telemetry log`), when a state dir
    /// is known.
    pub sent_log_dir: Option<PathBuf>,
    /// Requests kept there.
    pub sent_requests: usize,
    /// The file size limit of this process (`ulimit -f`) in bytes, when one is set:
    /// consentry refuses writes that would cross it rather than be killed by
    /// `SIGXFSZ`, so requests larger than this are not spooled.
    pub file_size_limit: Option<u64>,
    /// Erase requests made by `telemetry delete` and not yet acknowledged.
    pub erase_pending: usize,
    /// When the collector last acknowledged an erase request (Unix ms).
    pub erase_delivered_ms: Option<u64>,
    /// The fraction of installs the tool sends
    /// ([`with_sampling`](crate::TelemetryBuilder::with_sampling), or a machine
    /// policy's lower `sample_rate`); 1: every run.
    pub sampling_rate: f64,
    /// Whether this install is in that sample (with a rotating id: in this period):
    /// `None` when every run is sent, when each run is drawn on its own (no install
    /// id), or before the install has a key.
    pub in_sample: Option<bool>,
}

impl Telemetry {
    /// Reads the current state: consent, paths, spool contents and delivery health.
    /// Read-only: it creates no directory and no file (the spool's names, its state
    /// file and whether its lock is held are looked at, nothing else).
    pub fn status(&self) -> Status {
        let spool = self.spool();
        let (spooled_requests, spooled_bytes) =
            spool.as_ref().map(|s| s.usage()).unwrap_or_default();
        let state = spool.as_ref().map(|s| s.state()).unwrap_or_default();
        let now = crate::deliver::now_ms();
        let mut read = crate::consent::SettingsRead::default();
        let decision = self.decide_into(&mut read);
        let notice_seen = read.seen_notice.as_deref() == Some(self.notice_version().as_str());
        let (local, sent) = (self.local_store(), self.sent_store());
        let erase = self.erase_store();
        let delivered = erase.as_ref().map_or(0, |s| s.state().last_delivered_ms);
        Status {
            erase_pending: erase.as_ref().map_or(0, |s| s.usage().0),
            erase_delivered_ms: (delivered > 0).then_some(delivered),
            local_requests: local.as_ref().map_or(0, |s| s.usage().0),
            local_dir: local.map(|s| s.dir().to_path_buf()),
            sent_requests: sent.as_ref().map_or(0, |s| s.usage().0),
            sent_log_dir: sent.map(|s| s.dir().to_path_buf()),
            decision,
            notice_seen,
            settings_file: self.config_dir().map(|d| d.join(USER_CONFIG_FILE)),
            spool_dir: spool.as_ref().map(|s| s.dir().to_path_buf()),
            spooled_requests,
            spooled_bytes,
            dropped_by_limits: state.dropped_by_limits,
            rejected: state.rejected,
            invalid: state.invalid,
            failures: state.failures,
            last_failure: (!state.last_failure.is_empty()).then(|| state.last_failure.clone()),
            uploader_running: spool.as_ref().is_some_and(|s| s.sender_running()),
            backing_off_for: Backoff::waiting(&state)
                .then(|| Duration::from_millis(state.next_attempt_ms.saturating_sub(now))),
            endpoint: self.resolve_endpoint(),
            file_size_limit: crate::sys::files::fsize_limit(),
            sampling_rate: self.sample_rate(&read),
            in_sample: self.in_sample(self.sample_rate(&read)),
        }
    }
}

impl Telemetry {
    /// The sampling rate in force (the author's, or a machine policy's lower one) and
    /// whether this install is in the sample: for `telemetry view`, which reads the
    /// settings as `status` does and writes nothing.
    pub(crate) fn sampling_now(&self) -> (f64, Option<bool>) {
        let mut read = crate::consent::SettingsRead::default();
        let _ = self.decide_into(&mut read);
        let rate = self.sample_rate(&read);
        (rate, self.in_sample(rate))
    }

    /// Whether this install is in the sample, as its next run would draw it,
    /// from the key as stored (nothing is created).
    fn in_sample(&self, rate: f64) -> Option<bool> {
        use crate::identity::sample::Unit;
        if rate >= 1.0 {
            return None;
        }
        let key = crate::identity::read_key(&self.config_dir()?)?;
        let unit = Unit::of(
            self.settings.install_id,
            Some(&key),
            crate::deliver::now_ms() / 1000,
        );
        match unit {
            Unit::Run => None,
            unit => Some(unit.in_sample(rate)),
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "telemetry: {}", self.decision)?;
        if self.decision.enabled && !self.notice_seen {
            writeln!(
                f,
                "notice: not shown yet; nothing is sent until a run with stderr on a \
                 terminal shows it (or `telemetry enable`)"
            )?;
        }
        match &self.endpoint {
            Ok(e) => writeln!(f, "endpoint: {e}")?,
            Err(reason) => writeln!(f, "endpoint: none ({reason})")?,
        }
        let path = |p: &Option<PathBuf>| {
            p.as_ref()
                .map_or("unknown (no home dir)".into(), |p| p.display().to_string())
        };
        writeln!(f, "settings file: {}", path(&self.settings_file))?;
        writeln!(f, "spool: {}", path(&self.spool_dir))?;
        writeln!(
            f,
            "spooled: {} requests, {} bytes; dropped by limits: {}; rejected by collector: {}; \
             invalid spool entries deleted: {}",
            self.spooled_requests,
            self.spooled_bytes,
            self.dropped_by_limits,
            self.rejected,
            self.invalid
        )?;
        writeln!(
            f,
            "local records: {} ({} requests, never uploaded)",
            path(&self.local_dir),
            self.local_requests
        )?;
        writeln!(
            f,
            "log of what was sent: {} ({} requests; `telemetry log` prints it)",
            path(&self.sent_log_dir),
            self.sent_requests
        )?;
        if self.erase_pending > 0 {
            writeln!(
                f,
                "erasure: {} erase request(s) pending (`telemetry delete`); sent by the next \
                 run that uploads, or by `telemetry delete` again",
                self.erase_pending
            )?;
        } else if let Some(ms) = self.erase_delivered_ms {
            writeln!(
                f,
                "erasure: erase request delivered ({} s ago)",
                crate::deliver::now_ms().saturating_sub(ms) / 1000
            )?;
        }
        if self.sampling_rate < 1.0 {
            let which = match self.in_sample {
                Some(true) => "this install is in the sample; each run sent stands for",
                Some(false) => {
                    "this install is not in the sample: its runs are neither recorded nor \
                     sent; each run of an install in it stands for"
                }
                None => "each run is drawn on its own; each run sent stands for",
            };
            writeln!(
                f,
                "sampling: {}% of installs send; {which} {} runs",
                crate::identity::sample::percent(self.sampling_rate),
                crate::identity::sample::weight(self.sampling_rate)
            )?;
        }
        if self.failures > 0 {
            writeln!(f, "delivery: last {} attempts failed", self.failures)?;
            if let Some(why) = &self.last_failure {
                writeln!(f, "delivery: last failure: {why}")?;
            }
        }
        if self.uploader_running {
            writeln!(f, "uploader: sending now")?;
        }
        if let Some(limit) = self.file_size_limit {
            writeln!(
                f,
                "file size limit (ulimit -f): {limit} bytes; settings, ids and requests \
                 larger than that are not written"
            )?;
        }
        if let Some(d) = self.backing_off_for {
            writeln!(
                f,
                "delivery: backing off for {} s after failures",
                d.as_secs()
            )?;
        }
        Ok(())
    }
}
