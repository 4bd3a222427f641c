//! Sending the spool: oldest first, validated, several requests merged into one, each
//! file deleted only once the collector acknowledged it.
//!
//! A sender killed mid-way loses nothing; at worst a request acknowledged just before
//! the kill is sent again, and its span ids let the backend drop the copy.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;

use super::backoff::Backoff;
use super::send::send;
use super::spool::{Lock, MAX_REQUEST, Spool, State, read_capped};
use super::transport::SendError;
use super::{Endpoint, validate};

/// One request at most this long, so a sender notices its deadline.
pub(crate) const PER_REQUEST: Duration = Duration::from_secs(10);

/// Spooled requests merged into one send: one round trip for a backlog instead of one
/// each (at 300 ms round trip, 1,000 requests one by one would take five minutes).
const BATCH_FILES: usize = 256;
const BATCH_BYTES: u64 = 1 << 20;

/// How a drain ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Drained {
    /// Nothing left to send.
    Empty,
    /// The collector failed; the backoff in the state says when to try again.
    Failed,
    /// The deadline came first.
    OutOfTime,
}

/// What one pass changed, applied to the shared state under the writer lock.
#[derive(Debug, Default)]
struct Tally {
    delivered: bool,
    rejected: u64,
    invalid: u64,
    failed: Option<(Option<Duration>, String)>,
}

/// Sends what the spool holds until it is empty, the collector fails or `deadline`
/// passes. The caller holds the sender lock.
pub(crate) fn drain(
    spool: &Spool,
    _lock: &Lock,
    endpoint: &Endpoint,
    backoff: Backoff,
    deadline: Instant,
) -> Drained {
    spool.remove_stale_temps();
    let mut one_at_a_time = false;
    let mut tally = Tally::default();
    let ended = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break Drained::OutOfTime;
        }
        let (batch, invalid) = next_batch(spool, if one_at_a_time { 1 } else { BATCH_FILES });
        tally.invalid += invalid;
        if batch.is_empty() {
            if invalid == 0 {
                break Drained::Empty;
            }
            continue;
        }
        let paths: Vec<PathBuf> = batch.iter().map(|(p, _)| p.clone()).collect();
        let mut merged = ExportTraceServiceRequest {
            resource_spans: batch
                .into_iter()
                .flat_map(|(_, r)| r.resource_spans)
                .collect(),
        };
        if spool.stamp_on_send() {
            stamp(&mut merged, super::now_ms().saturating_mul(1_000_000));
        }
        let body = prost::Message::encode_to_vec(&merged);
        match send(endpoint, &body, left.min(PER_REQUEST)) {
            Ok(()) => {
                remove_all(&paths);
                tally.delivered = true;
                spool.log_sent(&body, true);
            }
            // One refused request must not take the others with it: find it alone.
            Err(SendError::Rejected(_)) if paths.len() > 1 => one_at_a_time = true,
            Err(SendError::Rejected(_)) => {
                remove_all(&paths);
                tally.rejected += 1;
            }
            Err(SendError::Retryable {
                retry_after,
                reason,
            }) => {
                tally.failed = Some((retry_after, reason.to_string()));
                break Drained::Failed;
            }
        }
    };
    spool.update_state(|state: &mut State| {
        if tally.delivered {
            Backoff::succeed(state);
            state.last_delivered_ms = super::now_ms();
        }
        state.rejected = state.rejected.saturating_add(tally.rejected);
        state.invalid = state.invalid.saturating_add(tally.invalid);
        if let Some((retry_after, why)) = &tally.failed {
            backoff.fail(state, *retry_after, why);
        }
    });
    ended
}

/// The oldest valid requests, up to `max` files and [`BATCH_BYTES`]; entries that are
/// not valid requests are deleted on the way and counted.
fn next_batch(spool: &Spool, max: usize) -> (Vec<(PathBuf, ExportTraceServiceRequest)>, u64) {
    let mut batch = Vec::new();
    let mut bytes = 0;
    let mut invalid = 0;
    for entry in spool.entries() {
        if batch.len() >= max {
            break;
        }
        // Recorded before `telemetry enable` ended local mode: never sent.
        if entry
            .name
            .as_ref()
            .is_some_and(|n| n.created_ms < spool.upload_since_ms())
        {
            let _ = std::fs::remove_file(&entry.path);
            continue;
        }
        let request = entry.name.as_ref().and_then(|name| {
            let body = read_capped(&entry.path, name.len.min(MAX_REQUEST)).ok()?;
            (body.len() as u64 == name.len)
                .then(|| validate::check(&body, spool.declared_keys()).ok())
                .flatten()
                .map(|r| (r, name.len))
        });
        match request {
            Some((r, len)) => {
                if !batch.is_empty() && bytes + len > BATCH_BYTES {
                    break;
                }
                bytes += len;
                batch.push((entry.path, r));
            }
            // Counted only when removed, so an entry that cannot be removed (a
            // read-only dir) ends the drain instead of spinning on it.
            None => invalid += u64::from(remove_entry(&entry.path)),
        }
    }
    (batch, invalid)
}

/// Sets every span's start and end to `now_ns`.
fn stamp(request: &mut ExportTraceServiceRequest, now_ns: u64) {
    let spans = request
        .resource_spans
        .iter_mut()
        .flat_map(|rs| &mut rs.scope_spans)
        .flat_map(|ss| &mut ss.spans);
    for span in spans {
        span.start_time_unix_nano = now_ns;
        span.end_time_unix_nano = now_ns;
    }
}

fn remove_all(paths: &[PathBuf]) {
    for p in paths {
        let _ = std::fs::remove_file(p);
    }
}

/// Deletes an entry that is not a request: the link itself for a symlink (never its
/// target), a directory with what is in it.
fn remove_entry(path: &Path) -> bool {
    let is_dir = std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir());
    if is_dir {
        std::fs::remove_dir_all(path).is_ok()
    } else {
        std::fs::remove_file(path).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};

    /// An erase request kept offline for weeks is sent with the time it is sent: the
    /// gateway takes spans from the last 8 days only.
    #[test]
    fn stamping_sets_every_span_to_the_send_time() {
        let span = Span {
            start_time_unix_nano: 1,
            end_time_unix_nano: 2,
            ..Span::default()
        };
        let mut request = ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                scope_spans: vec![ScopeSpans {
                    spans: vec![span.clone(), span],
                    ..ScopeSpans::default()
                }],
                ..ResourceSpans::default()
            }],
        };
        stamp(&mut request, 42);
        let spans = &request.resource_spans[0].scope_spans[0].spans;
        assert!(
            spans
                .iter()
                .all(|s| (s.start_time_unix_nano, s.end_time_unix_nano) == (42, 42))
        );
    }
}
