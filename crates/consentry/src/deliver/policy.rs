//! The delivery policy: what happens to a run's request at exit.
//!
//! With the uploader (the default) exit never touches the network: the request is
//! written to the spool and, unless a sender already holds the spool, the detached
//! uploader is started with the lock ([`crate::uploader`]). Without it (an author who
//! cannot re-run the executable), the request is sent inline, waiting at most 300 ms,
//! then what earlier runs spooled, and whatever is not acknowledged is spooled.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::Endpoint;
use super::backoff::Backoff;
use super::drain::drain;
use super::outcome::{Attempt, AttemptError, LostReason, Outcome, SpoolReason};
use super::send::send;
use super::spool::{Lock, Spool, now_ms};
use super::transport::SendError;
use crate::uploader;
#[derive(Debug, Clone)]
pub(crate) struct Delivery {
    pub(crate) endpoint: Result<Endpoint, crate::EndpointProblem>,
    pub(crate) spool: Option<Spool>,
    pub(crate) budget: Duration,
    pub(crate) backoff: Backoff,
    pub(crate) uploader: bool,
    /// Local mode: `spool` is the local store, and nothing is ever sent.
    pub(crate) local: bool,
}

impl Delivery {
    /// What to do with this run's encoded request; see the module docs.
    pub(crate) fn at_exit(&self, body: Vec<u8>, spans: usize, exit_started: Instant) -> Outcome {
        if self.local {
            return match self.spool_request(&body, spans, SpoolReason::LocalMode) {
                Outcome::Spooled { .. } => Outcome::KeptLocal { spans },
                lost => lost,
            };
        }
        let endpoint = match &self.endpoint {
            Ok(e) => e,
            Err(reason) => {
                return Outcome::NoEndpoint {
                    spans,
                    reason: reason.clone(),
                };
            }
        };
        let deadline = exit_started + self.budget;
        let Some(spool) = self.spool.as_ref().filter(|_| self.uploader) else {
            return self.inline(endpoint, body, spans, deadline);
        };
        if spool.put(&body).is_err() {
            // A spool that cannot be written (read-only, full disk, ulimit -f): the
            // uploader cannot help, so this run sends inline within the budget.
            let inline = Delivery {
                spool: None,
                ..self.clone()
            };
            return inline.inline(endpoint, body, spans, deadline);
        }
        Self::hand_over(spool, spans, uploader::spawn)
    }

    /// Starts the uploader for the request just spooled, unless one runs or one was
    /// started less than [`uploader::START_INTERVAL`] ago. The request is in place
    /// before the lock is tried, and the uploader lists the spool again after
    /// releasing it, so one of the two always sees the request.
    /// `start` starts the uploader with the lock (a seam for the unit tests: the real
    /// one starts this executable).
    fn hand_over(spool: &Spool, spans: usize, start: impl FnOnce(&Spool, Lock)) -> Outcome {
        let state = spool.state();
        let reason = if Backoff::waiting(&state) && !uploader::can_wait(state.next_attempt_ms) {
            SpoolReason::BackingOff
        } else if let Some(lock) = spool.try_lock() {
            if uploader::started_recently(state.uploader_started_ms) {
                SpoolReason::UploaderStartedRecently
            } else {
                spool.update_state(|s| {
                    s.uploader_started_ms = now_ms();
                    s.uploader_starts = s.uploader_starts.saturating_add(1);
                });
                start(spool, lock);
                SpoolReason::HandedToUploader
            }
        } else {
            SpoolReason::UploaderRunning
        };
        Outcome::Spooled { spans, reason }
    }

    /// Sends within the budget, then the spool with what is left of it.
    fn inline(
        &self,
        endpoint: &Endpoint,
        body: Vec<u8>,
        spans: usize,
        deadline: Instant,
    ) -> Outcome {
        let started = Instant::now();
        if let Some(spool) = &self.spool
            && Backoff::waiting(&spool.state())
        {
            return self.spool_request(&body, spans, SpoolReason::BackingOff);
        }
        match send_within(endpoint.clone(), body.clone(), deadline) {
            Some(Ok(())) => {
                if let Some(spool) = &self.spool {
                    spool.log_sent(&body, false);
                    if spool.state().failures > 0 {
                        spool.update_state(Backoff::succeed);
                    }
                    if spool.has_entries()
                        && let Some(lock) = spool.try_lock()
                    {
                        drain(spool, &lock, endpoint, self.backoff, deadline);
                    }
                }
                Outcome::Delivered {
                    spans,
                    took: started.elapsed(),
                }
            }
            Some(Err(SendError::Rejected(reason))) => {
                if let Some(spool) = &self.spool {
                    spool.update_state(|s| s.rejected = s.rejected.saturating_add(1));
                }
                Outcome::Rejected {
                    spans,
                    reason: AttemptError(Attempt::Send(SendError::Rejected(reason))),
                }
            }
            Some(Err(e @ SendError::Retryable { retry_after, .. })) => {
                self.fail(&body, spans, AttemptError(Attempt::Send(e)), retry_after)
            }
            None => self.fail(
                &body,
                spans,
                AttemptError(Attempt::NoAnswer(self.budget)),
                None,
            ),
        }
    }

    fn fail(
        &self,
        body: &[u8],
        spans: usize,
        reason: AttemptError,
        retry_after: Option<Duration>,
    ) -> Outcome {
        let why = reason.to_string();
        let outcome = self.spool_request(body, spans, SpoolReason::Failed(reason));
        if let Some(spool) = &self.spool {
            spool.update_state(|s| self.backoff.fail(s, retry_after, &why));
        }
        outcome
    }

    fn spool_request(&self, body: &[u8], spans: usize, reason: SpoolReason) -> Outcome {
        match self.spool.as_ref().map(|s| s.put(body)) {
            Some(Ok(_)) => Outcome::Spooled { spans, reason },
            Some(Err(e)) => Outcome::Lost {
                spans,
                reason: LostReason::SpoolNotWritable {
                    spooling: reason,
                    kind: e.kind(),
                },
            },
            None => Outcome::Lost {
                spans,
                reason: LostReason::NoSpoolDir { spooling: reason },
            },
        }
    }
}

/// Sends on a thread of its own and waits for it until `deadline`; `None` if it did
/// not answer in time. The thread has no `tracing` subscriber, so nothing the HTTP/2
/// stack logs reaches the host's logs or consentry's own layer.
fn send_within(
    endpoint: Endpoint,
    body: Vec<u8>,
    deadline: Instant,
) -> Option<Result<(), SendError>> {
    let (tx, rx) = mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("consentry-export".into())
        .spawn(move || {
            let _quiet =
                tracing::subscriber::set_default(tracing::subscriber::NoSubscriber::default());
            let timeout = deadline.saturating_duration_since(Instant::now());
            let _ = tx.send(send(&endpoint, &body, timeout));
        })
        .ok()?;
    rx.recv_timeout(deadline.saturating_duration_since(Instant::now()))
        .ok()
}

#[cfg(test)]
mod tests;
