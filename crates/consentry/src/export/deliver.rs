//! The delivery policy: what happens to a run's request at exit, and to requests that
//! earlier runs could not deliver.
//!
//! At exit the request is sent on a short-lived thread and exit waits for it at most
//! the exit budget. What is not acknowledged by then is spooled, never lost. A run
//! that starts with requests in the spool sends them on a background thread while the
//! tool works; a detached uploader (the tool's own executable, see [`super::uploader`])
//! takes over what a short run could not finish.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::backoff::Backoff;
use super::send::{SendError, send};
use super::spool::{Spool, SpoolLock};
use super::{Endpoint, uploader};

/// What became of a run's spans at exit. Kept on the guard for status and debug
/// output; never printed over the host's output and never returned as an error.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// No span was recorded, so nothing was sent: no thread, no socket.
    NothingToSend,
    /// Telemetry is on but no usable endpoint is configured; the spans were dropped.
    NoEndpoint {
        /// Spans dropped.
        spans: usize,
        /// Why there is no endpoint.
        reason: String,
    },
    /// The collector acknowledged the request.
    Delivered {
        /// Spans in the request.
        spans: usize,
        /// How long the send took.
        took: Duration,
    },
    /// Not acknowledged within the budget (or the collector is backing off): the
    /// request is in the spool and a later run or the uploader sends it.
    Spooled {
        /// Spans in the request.
        spans: usize,
        /// Why it was not sent now.
        reason: String,
    },
    /// The collector refused the request as malformed; it is not retried.
    Rejected {
        /// Spans in the request.
        spans: usize,
        /// The collector's answer.
        reason: String,
    },
    /// Neither sent nor spooled (no spool dir, or writing it failed): lost.
    Lost {
        /// Spans in the request.
        spans: usize,
        /// What went wrong.
        reason: String,
    },
    /// Print mode: the request was written to stderr and nothing was sent.
    Printed {
        /// Spans in the request.
        spans: usize,
    },
}

/// One request at a time at most this long, so that a sender checks its stop flag.
const PER_REQUEST: Duration = Duration::from_secs(10);

#[derive(Debug)]
pub(crate) struct Delivery {
    pub(crate) endpoint: Result<Endpoint, String>,
    pub(crate) spool: Option<Spool>,
    pub(crate) budget: Duration,
    pub(crate) backoff: Backoff,
    pub(crate) uploader: bool,
}

/// A thread sending spooled requests while the tool works, and the spool lock it
/// sends under.
#[derive(Debug)]
pub(crate) struct Background {
    stop: Arc<AtomicBool>,
    done: mpsc::Receiver<()>,
    lock: Arc<SpoolLock>,
}

impl Background {
    /// Lets the sender go on until `deadline`, then asks it to stop after its current
    /// request. Whatever it has not sent by then stays in the spool. Returns the
    /// spool lock, which this process holds until the sender ends.
    pub(crate) fn finish(self, deadline: Instant) -> Arc<SpoolLock> {
        let _ = self
            .done
            .recv_timeout(deadline.saturating_duration_since(Instant::now()));
        self.stop.store(true, Ordering::Release);
        self.lock
    }
}

impl Delivery {
    /// Starts the background sender when earlier runs left requests, the collector
    /// is not backing off and no other sender (the uploader) holds the spool. Costs
    /// nothing (no thread) when the spool is empty.
    pub(crate) fn start_background(&self) -> Option<Background> {
        let endpoint = self.endpoint.as_ref().ok()?.clone();
        let spool = self.spool.as_ref()?;
        if spool.is_empty() || Backoff::waiting(&spool.state()) {
            return None;
        }
        // Taken here rather than on the thread: when another process (the uploader)
        // holds the spool there is nothing for a thread to do, and while the thread is
        // busy this run's exit can still record a failure under the same lock.
        let lock = Arc::new(spool.try_lock()?);
        let held = lock.clone();
        let spool = spool.clone();
        let backoff = self.backoff;
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, done) = mpsc::sync_channel(1);
        let flag = stop.clone();
        std::thread::Builder::new()
            .name("consentry-spool".into())
            .spawn(move || {
                let _quiet =
                    tracing::subscriber::set_default(tracing::subscriber::NoSubscriber::default());
                drain(
                    &spool,
                    &held,
                    &endpoint,
                    backoff,
                    Instant::now() + PER_REQUEST * 3,
                    &flag,
                );
                let _ = tx.send(());
            })
            .ok()?;
        Some(Background { stop, done, lock })
    }

    /// Delivers this run's request within the budget that started at `exit_started`,
    /// spooling it when that is not possible.
    pub(crate) fn at_exit(
        &self,
        body: Vec<u8>,
        spans: usize,
        exit_started: Instant,
        background: Option<Background>,
    ) -> Outcome {
        let deadline = exit_started + self.budget;
        let endpoint = match &self.endpoint {
            Ok(e) => e.clone(),
            Err(reason) => {
                if let Some(bg) = background {
                    bg.finish(deadline);
                }
                return Outcome::NoEndpoint {
                    spans,
                    reason: reason.clone(),
                };
            }
        };
        if let Some(spool) = &self.spool {
            let state = spool.state();
            if Backoff::waiting(&state) {
                return self.spool_request(
                    &body,
                    spans,
                    "the collector failed recently; backing off".into(),
                    None,
                );
            }
            // The last attempt failed and another process (the uploader) holds the spool
            // while it retries: it re-lists the spool, so leave this request to it.
            // Waiting on the network here too would cost this run the whole budget, and
            // its failure could not be recorded (the lock is taken), so the next run
            // would wait again: against a black hole, every run paid the budget.
            if background.is_none() && state.failures > 0 && spool.is_locked() {
                return self.spool_request(
                    &body,
                    spans,
                    "the collector failed recently; a sender is retrying".into(),
                    None,
                );
            }
        }
        let result = send_within(endpoint, body.clone(), deadline);
        // Still held when this run's own background sender is stuck on the network:
        // the failure below must be recorded all the same, or every later run would
        // start a sender, try the network and wait its whole budget again.
        let held = background.map(|bg| bg.finish(deadline));
        let held = held.as_deref();
        match result {
            Some(Ok(())) => {
                self.update_state(held, |state| {
                    let changed = state.failures > 0;
                    Backoff::succeed(state);
                    changed
                });
                if self.spool.as_ref().is_some_and(|s| !s.is_empty()) {
                    self.start_uploader();
                }
                Outcome::Delivered {
                    spans,
                    took: exit_started.elapsed(),
                }
            }
            Some(Err(SendError::Rejected(reason))) => {
                self.update_state(held, |state| {
                    state.rejected += 1;
                    true
                });
                Outcome::Rejected { spans, reason }
            }
            Some(Err(SendError::Retryable {
                reason,
                retry_after,
            })) => {
                let outcome = self.spool_request(&body, spans, reason, held);
                self.update_state(held, |state| {
                    self.backoff.fail(state, retry_after);
                    true
                });
                outcome
            }
            None => {
                // No answer in time: maybe a black hole, maybe only a slow network.
                // Back off so the next runs do not wait too, and let the uploader,
                // which has time, find out which.
                let outcome = self.spool_request(
                    &body,
                    spans,
                    format!("no answer within {:?}", self.budget),
                    held,
                );
                self.update_state(held, |state| {
                    self.backoff.fail(state, None);
                    true
                });
                self.start_uploader();
                outcome
            }
        }
    }

    /// Spools the request and applies the limits, under `held` (this process's lock)
    /// or when the lock is free.
    fn spool_request(
        &self,
        body: &[u8],
        spans: usize,
        reason: String,
        held: Option<&SpoolLock>,
    ) -> Outcome {
        let Some(spool) = &self.spool else {
            return Outcome::Lost {
                spans,
                reason: format!("{reason}; no spool dir"),
            };
        };
        match spool.put(body) {
            Ok(_) => {
                self.with_lock(held, |spool, lock| {
                    let dropped = spool.prune(lock);
                    if dropped > 0 {
                        let mut state = spool.state();
                        state.dropped_by_limits += dropped;
                        let _ = spool.store_state(lock, &state);
                    }
                });
                Outcome::Spooled { spans, reason }
            }
            Err(e) => Outcome::Lost {
                spans,
                reason: format!("{reason}; spool not writable ({})", e.kind()),
            },
        }
    }

    /// Applies `change` to the shared state under `held` (this process's lock) or when
    /// the lock is free; `change` says whether anything changed, so a healthy run
    /// writes no file.
    fn update_state(
        &self,
        held: Option<&SpoolLock>,
        change: impl FnOnce(&mut super::spool::State) -> bool,
    ) {
        self.with_lock(held, |spool, lock| {
            let mut state = spool.state();
            if change(&mut state) {
                let _ = spool.store_state(lock, &state);
            }
        });
    }

    /// Runs `f` under `held`, or under the lock when it is free; not at all otherwise.
    fn with_lock(&self, held: Option<&SpoolLock>, f: impl FnOnce(&Spool, &SpoolLock)) {
        let Some(spool) = &self.spool else { return };
        match held {
            Some(lock) => f(spool, lock),
            None => {
                if let Some(lock) = spool.try_lock() {
                    f(spool, &lock);
                }
            }
        }
    }

    fn start_uploader(&self) {
        if let (true, Some(spool)) = (self.uploader, &self.spool)
            && !spool.is_empty()
            && !spool.is_locked()
        {
            uploader::spawn();
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

/// Sends spooled requests oldest first until the spool is empty, `deadline` passes,
/// `stop` is set, or the collector fails (then it backs off). A request is deleted only
/// once acknowledged (or refused as malformed), so a sender killed mid-way loses
/// nothing and at worst sends a request twice; the span ids let a backend drop the copy.
pub(crate) fn drain(
    spool: &Spool,
    lock: &SpoolLock,
    endpoint: &Endpoint,
    backoff: Backoff,
    deadline: Instant,
    stop: &AtomicBool,
) -> usize {
    let mut state = spool.state();
    let before = state.clone();
    state.dropped_by_limits += spool.prune(lock);
    let mut delivered = 0;
    // Runs keep spooling while a sender works (a burst of invocations against a slow
    // collector), so the listing is taken again until a pass finds nothing new.
    let mut failed = false;
    while !failed {
        let batch = spool.list();
        if batch.is_empty() {
            break;
        }
        let mut progressed = false;
        for path in batch {
            let left = deadline.saturating_duration_since(Instant::now());
            if stop.load(Ordering::Acquire) || left.is_zero() {
                failed = true;
                break;
            }
            let Ok(body) = std::fs::read(&path) else {
                continue;
            };
            match send(endpoint, &body, left.min(PER_REQUEST)) {
                Ok(()) => {
                    let _ = std::fs::remove_file(&path);
                    Backoff::succeed(&mut state);
                    delivered += 1;
                    progressed = true;
                }
                Err(SendError::Rejected(_)) => {
                    let _ = std::fs::remove_file(&path);
                    state.rejected += 1;
                    progressed = true;
                }
                Err(SendError::Retryable { retry_after, .. }) => {
                    backoff.fail(&mut state, retry_after);
                    failed = true;
                    break;
                }
            }
        }
        if !progressed {
            break;
        }
    }
    if state != before {
        let _ = spool.store_state(lock, &state);
    }
    delivered
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::{SpoolLimits, Transport};

    /// A spool in a temp dir and a delivery with a 300 ms budget to a collector that
    /// accepts connections (the kernel's backlog) and never answers.
    fn black_hole() -> (tempfile::TempDir, std::net::TcpListener, Spool, Delivery) {
        let dir = tempfile::tempdir().unwrap();
        let hole = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", hole.local_addr().unwrap());
        let spool = Spool::new(dir.path().join("spool"), SpoolLimits::default());
        let delivery = Delivery {
            endpoint: Endpoint::new(&url, Transport::HttpProtobuf).map_err(|e| e.to_string()),
            spool: Some(spool.clone()),
            budget: Duration::from_millis(300),
            backoff: Backoff::default(),
            uploader: false,
        };
        (dir, hole, spool, delivery)
    }

    /// After a failure, while another process (the uploader) holds the spool retrying,
    /// a run spools at once instead of waiting its budget on a silent collector.
    #[test]
    fn a_run_leaves_a_retrying_sender_to_it_instead_of_waiting_the_budget() {
        let (_dir, _hole, spool, delivery) = black_hole();
        let sender = spool.try_lock().unwrap();
        // One earlier failure whose backoff has run out.
        spool
            .store_state(
                &sender,
                &super::super::spool::State {
                    failures: 1,
                    ..Default::default()
                },
            )
            .unwrap();
        // Nothing for a background sender to do while the uploader holds the spool.
        spool.put(b"earlier").unwrap();
        assert!(
            delivery.start_background().is_none(),
            "a background sender was started"
        );
        let started = Instant::now();
        let outcome = delivery.at_exit(b"request".to_vec(), 1, started, None);
        assert!(
            started.elapsed() < Duration::from_millis(150),
            "waited {:?}: {outcome:?}",
            started.elapsed()
        );
        assert!(
            matches!(&outcome, Outcome::Spooled { reason, .. } if reason.contains("retrying")),
            "{outcome:?}"
        );
        assert_eq!(spool.list().len(), 2);
        // With no failure on record a held lock does not stop a send (here: no answer
        // within the budget, so it is spooled after waiting).
        spool
            .store_state(&sender, &super::super::spool::State::default())
            .unwrap();
        let started = Instant::now();
        let outcome = delivery.at_exit(b"request".to_vec(), 1, started, None);
        assert!(
            started.elapsed() >= Duration::from_millis(290),
            "{outcome:?}"
        );
        drop(sender);
    }

    /// A run whose own background sender is stuck on a silent collector still records
    /// the failure at exit, so the next runs back off instead of waiting again.
    #[test]
    fn a_timed_out_run_records_the_failure_while_its_background_sender_is_stuck() {
        let (_dir, _hole, spool, delivery) = black_hole();
        spool.put(b"earlier").unwrap();
        let background = delivery.start_background();
        assert!(
            background.is_some(),
            "no background sender for the spooled request"
        );
        let outcome = delivery.at_exit(b"request".to_vec(), 1, Instant::now(), background);
        assert!(matches!(outcome, Outcome::Spooled { .. }), "{outcome:?}");
        let state = spool.state();
        assert!(
            state.failures == 1 && Backoff::waiting(&state),
            "failure not recorded: {state:?}"
        );
    }
}
