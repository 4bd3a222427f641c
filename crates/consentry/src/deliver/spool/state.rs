//! Delivery state shared by all runs of the tool (`state.toml` beside the requests):
//! backoff and counters. The file is hostile like any other: read capped, and every
//! number clamped, so a corrupt value can neither stop delivery forever nor overflow.

use std::time::Duration;

use super::now_ms;
use crate::deliver::transport::MAX_RETRY_AFTER;
use crate::formats::flat_toml::{self, Doc};

/// Longest wait consentry ever sets: a collector's `Retry-After`, capped. The default
/// backoff stays below it (asserted where the backoff is defined), and this file
/// imports nothing from the backoff, which reads and writes this state.
pub(crate) const LONGEST_WAIT: Duration = MAX_RETRY_AFTER;

/// Largest `state.toml` read; the real file is under 200 bytes.
pub(super) const STATE_CAP: u64 = 4096;

/// Consecutive failures past this change nothing (the backoff is at its maximum).
const MAX_FAILURES: u32 = 64;

/// Delivery state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct State {
    /// Consecutive failed attempts (reset by a success).
    pub(crate) failures: u32,
    /// No network attempt before this time (Unix ms), after failures or `Retry-After`.
    pub(crate) next_attempt_ms: u64,
    /// Requests dropped by the size, count or age bounds.
    pub(crate) dropped_by_limits: u64,
    /// Requests the collector refused as malformed; never retried.
    pub(crate) rejected: u64,
    /// Spool entries that were not requests this crate wrote (a symlink, FIFO,
    /// directory, a file that does not decode or carries data outside the manifest):
    /// deleted unread or unsent.
    pub(crate) invalid: u64,
    /// When a run last started the uploader (Unix ms): no run starts another within
    /// [`START_INTERVAL`](crate::uploader::START_INTERVAL) of it.
    pub(crate) uploader_started_ms: u64,
    /// Uploaders started by runs so far (what a security tool or a laptop's wake-ups
    /// see; never sent).
    pub(crate) uploader_starts: u64,
    /// Why the last attempt failed, as the transport said it (a refused TLS
    /// certificate, a timeout, a status), for `telemetry status`; empty after a
    /// success. Never sent.
    pub(crate) last_failure: String,
    /// When the collector last acknowledged a request from this store (Unix ms):
    /// `telemetry status` says when the erase request was delivered. Never sent.
    pub(crate) last_delivered_ms: u64,
}

/// The longest failure reason kept, in characters.
pub(crate) const MAX_FAILURE_TEXT: usize = 200;

/// `why` as the state keeps it: one line of printable characters, at most
/// [`MAX_FAILURE_TEXT`] long (the state file is hostile like any other).
pub(crate) fn failure_text(why: &str) -> String {
    why.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_FAILURE_TEXT)
        .collect()
}

impl State {
    /// Parses `text`; anything unparseable is the default state, and every number is
    /// brought into range: a backoff further away than the longest one consentry sets
    /// (a `Retry-After` included) was not written by consentry and is ignored (it
    /// would otherwise stop delivery for good), counters that can still count.
    pub(crate) fn parse(text: &str) -> State {
        let mut s = State::read(text).unwrap_or_default();
        s.clamp(now_ms());
        s
    }

    /// Every key is optional (a missing one is its default), others are ignored.
    fn read(text: &str) -> Result<State, flat_toml::Error> {
        let doc = Doc::parse(text)?;
        Ok(State {
            failures: doc.u32("failures")?.unwrap_or_default(),
            next_attempt_ms: doc.u64("next_attempt_ms")?.unwrap_or_default(),
            dropped_by_limits: doc.u64("dropped_by_limits")?.unwrap_or_default(),
            rejected: doc.u64("rejected")?.unwrap_or_default(),
            invalid: doc.u64("invalid")?.unwrap_or_default(),
            uploader_started_ms: doc.u64("uploader_started_ms")?.unwrap_or_default(),
            uploader_starts: doc.u64("uploader_starts")?.unwrap_or_default(),
            last_failure: doc.str("last_failure")?.unwrap_or_default().to_owned(),
            last_delivered_ms: doc.u64("last_delivered_ms")?.unwrap_or_default(),
        })
    }

    /// The file's text, every key written.
    pub(crate) fn to_text(&self) -> String {
        flat_toml::Writer::new()
            .u64("failures", u64::from(self.failures))
            .u64("next_attempt_ms", self.next_attempt_ms)
            .u64("dropped_by_limits", self.dropped_by_limits)
            .u64("rejected", self.rejected)
            .u64("invalid", self.invalid)
            .u64("uploader_started_ms", self.uploader_started_ms)
            .u64("uploader_starts", self.uploader_starts)
            .str("last_failure", &self.last_failure)
            .u64("last_delivered_ms", self.last_delivered_ms)
            .finish()
    }

    fn clamp(&mut self, now: u64) {
        if self.next_attempt_ms > now.saturating_add(ms(LONGEST_WAIT)) {
            self.next_attempt_ms = 0;
        }
        // A start in the future was not written by consentry (or the clock went back):
        // it must not stop runs from starting the uploader.
        if self.uploader_started_ms > now {
            self.uploader_started_ms = 0;
        }
        self.failures = self.failures.min(MAX_FAILURES);
        let sane = |n: &mut u64| *n = (*n).min(u64::from(u32::MAX));
        sane(&mut self.dropped_by_limits);
        sane(&mut self.rejected);
        sane(&mut self.invalid);
        sane(&mut self.uploader_starts);
        self.last_failure = failure_text(&self.last_failure);
    }
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_numbers_are_clamped() {
        let s = State::parse(
            "failures = 4000000000\nnext_attempt_ms = 18446744073709551615\n\
             dropped_by_limits = 18446744073709551615\nrejected = 3\ninvalid = 1\n",
        );
        assert_eq!(
            s.next_attempt_ms, 0,
            "a backoff no run could have set is ignored"
        );
        let soon = now_ms() + 5000;
        assert_eq!(
            State::parse(&format!("next_attempt_ms = {soon}")).next_attempt_ms,
            soon
        );
        let later = State::parse(&format!("uploader_started_ms = {soon}"));
        assert_eq!(
            later.uploader_started_ms, 0,
            "a start in the future would stop every run from starting the uploader"
        );
        assert_eq!(s.failures, MAX_FAILURES);
        assert_eq!(s.dropped_by_limits, u64::from(u32::MAX));
        assert_eq!((s.rejected, s.invalid), (3, 1));
    }

    #[test]
    fn written_state_reads_back() {
        let s = State {
            failures: 3,
            next_attempt_ms: now_ms() + 1000,
            dropped_by_limits: 1,
            rejected: 2,
            invalid: 4,
            uploader_started_ms: now_ms() - 10,
            uploader_starts: 7,
            last_failure: "refused: \"x\"\n".into(),
            last_delivered_ms: 9,
        };
        let back = State::parse(&s.to_text());
        assert_eq!(back.last_failure, "refused: \"x\" ");
        assert_eq!(
            back,
            State {
                last_failure: back.last_failure.clone(),
                ..s
            }
        );
    }

    #[test]
    fn garbage_is_the_default() {
        assert_eq!(State::parse("garbage = ["), State::default());
        assert_eq!(State::parse("failures = -1"), State::default());
        assert_eq!(State::parse("\u{0}\u{1}"), State::default());
    }
}
