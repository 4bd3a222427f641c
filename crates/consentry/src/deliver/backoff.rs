//! When to try the network again after failures, shared by every run through the
//! spool's state file, so that a collector that is down costs one exit budget now and
//! then instead of one on every run, and a fleet of CLIs never storms it.

use std::time::Duration;

use super::spool::{LONGEST_WAIT, State, now_ms};

/// Delay after the first failure; it doubles with each consecutive failure.
pub(crate) const DEFAULT_BACKOFF_BASE: Duration = Duration::from_secs(1);
/// Longest delay between attempts.
pub(crate) const DEFAULT_BACKOFF_MAX: Duration = Duration::from_secs(15 * 60);

// A state file whose next attempt lies further away than `LONGEST_WAIT` is treated as
// corrupt and reset; the default backoff must never look like that.
const _: () = assert!(DEFAULT_BACKOFF_MAX.as_secs() <= LONGEST_WAIT.as_secs());

/// The backoff schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Backoff {
    pub(crate) base: Duration,
    pub(crate) max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: DEFAULT_BACKOFF_BASE,
            max: DEFAULT_BACKOFF_MAX,
        }
    }
}

impl Backoff {
    /// Records a failure: the next attempt waits the doubled delay, or what the
    /// collector asked for with `Retry-After` when that is longer.
    ///
    /// Runs that fail together (a fleet of concurrent invocations meeting one outage)
    /// count as one failure: while a backoff is already running, only a longer
    /// `Retry-After` extends it.
    /// `why` is kept for `telemetry status`.
    pub(crate) fn fail(
        &self,
        state: &mut State,
        retry_after: Option<Duration>,
        why: &dyn std::fmt::Display,
    ) {
        state.last_failure = super::spool::failure_text(&why.to_string());
        if Self::waiting(state) {
            let asked = now_ms().saturating_add(
                u64::try_from(retry_after.unwrap_or_default().as_millis()).unwrap_or(u64::MAX),
            );
            state.next_attempt_ms = state.next_attempt_ms.max(asked);
            return;
        }
        state.failures = state.failures.saturating_add(1);
        let doubling = 1u32 << (state.failures - 1).min(20);
        let delay = self
            .base
            .saturating_mul(doubling)
            .min(self.max)
            .max(retry_after.unwrap_or_default());
        state.next_attempt_ms =
            now_ms().saturating_add(u64::try_from(delay.as_millis()).unwrap_or(u64::MAX));
    }

    /// Records a success: the next run may send at once.
    pub(crate) fn succeed(state: &mut State) {
        state.failures = 0;
        state.next_attempt_ms = 0;
        state.last_failure.clear();
    }

    pub(crate) fn waiting(state: &State) -> bool {
        state.next_attempt_ms > now_ms()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_to_max_and_honours_retry_after() {
        let b = Backoff {
            base: Duration::from_secs(1),
            max: Duration::from_secs(5),
        };
        let mut s = State::default();
        let expect = |s: &State, secs: u64| {
            let left = s.next_attempt_ms - now_ms();
            assert!(
                left <= secs * 1000 && left + 200 >= secs * 1000,
                "{left} vs {secs}s"
            );
        };
        let expire = |s: &mut State| s.next_attempt_ms = 0;
        b.fail(&mut s, None, &"down");
        expect(&s, 1);
        b.fail(&mut s, None, &"down");
        expect(&s, 1);
        assert_eq!(
            s.failures, 1,
            "a failure during the backoff is the same outage"
        );
        expire(&mut s);
        b.fail(&mut s, None, &"down");
        expect(&s, 2);
        for _ in 0..40 {
            expire(&mut s);
            b.fail(&mut s, None, &"down");
        }
        expect(&s, 5);
        b.fail(&mut s, Some(Duration::from_secs(30)), &"down");
        expect(&s, 30);
        assert!(Backoff::waiting(&s));
        Backoff::succeed(&mut s);
        assert!(!Backoff::waiting(&s));
        assert_eq!(s.failures, 0);
    }
}
