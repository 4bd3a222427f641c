//! `<tool> telemetry delete`: everything this install kept on the machine is deleted,
//! and the operator is asked to erase what this install sent, with a proof only this
//! install can make (see [`erasure`](crate::identity::erasure)).
//!
//! The order is what makes it safe. The erase request is made from the key and id and
//! kept in its own store first; only then are the key and id deleted, so a request that
//! could not be kept (a read-only state dir) leaves the key for a later try instead of
//! leaving nothing that could ever prove the install. The request is then sent at once
//! (the user is waiting for an answer, so here the wait is bounded, not avoided); one
//! that is not acknowledged stays in `<state dir>/telemetry-erase/`, which nothing but
//! delivery deletes, and is sent by the uploader or by `delete` again.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, span::SpanKind};

use crate::configure::builder::Telemetry;
use crate::deliver::drain::{Drained, drain};
use crate::deliver::{Spool, now_ms};
use crate::identity::{self, choice::InstallId, erasure};
use crate::rules::attributes as attr;

/// How long `delete` waits for the collector: one request, the user watching.
const SEND_WAIT: Duration = Duration::from_secs(10);

/// What `<tool> telemetry delete` did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Erasure {
    /// How many erasure tokens the new request carries (one per install id this install
    /// may have sent; several for a rotating id). Zero: nothing this install sent can
    /// be linked to it (no id was kept, or telemetry never recorded here).
    pub tokens: usize,
    /// What happened to the erase requests.
    pub request: EraseRequest,
    /// What was deleted from this machine (directories and files that existed).
    pub deleted: Vec<PathBuf>,
}

/// Where the erase requests stand after `delete`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EraseRequest {
    /// No request was made or is waiting: nothing to erase.
    None,
    /// The collector acknowledged every erase request.
    Delivered,
    /// Requests are kept in the erase store until the collector takes them; why the
    /// last attempt failed.
    Pending {
        /// How many requests wait.
        requests: usize,
        /// Why they were not sent now.
        why: String,
    },
}

impl Telemetry {
    /// What `<tool> telemetry delete` does: makes the erase request from the per-install
    /// key and id, keeps it in `<state dir>/telemetry-erase/`, deletes the install id,
    /// the key (and temp files a writer that died left beside them), the spool (with
    /// its state), the local records, the log of what was sent and the run markers,
    /// then sends the erase request (and any earlier one still
    /// waiting), waiting at most 10 s. The user's setting (on, off, local) and the
    /// notice seen are kept: a later recording run starts as a new install, with a new
    /// id and a new commitment.
    ///
    /// It sends whatever the user's own consent settings say (the request is theirs,
    /// typed by them, and carries nothing but the tokens and the tool's name and
    /// version), except when a machine policy forbids sending: then the request waits
    /// until the policy allows it.
    ///
    /// # Errors
    ///
    /// When the erase request cannot be kept (the key and id are then kept too, so
    /// `delete` can be tried again) or a file cannot be deleted.
    pub fn delete(&self) -> io::Result<Erasure> {
        let config = self.config_dir();
        let (id, key) = config
            .as_deref()
            .map(identity::existing)
            .unwrap_or_default();
        let rotating = match self.settings.install_id {
            InstallId::Rotating(period) => Some(period),
            _ => None,
        };
        let tokens = match key {
            Some(key) => erasure::tokens(
                &key,
                id.as_deref(),
                rotating,
                config.as_deref().and_then(erasure::key_made),
                now_ms() / 1000,
            ),
            None => Vec::new(),
        };
        let store = self.erase_store();
        if !tokens.is_empty() {
            let store = store.as_ref().ok_or_else(|| {
                io::Error::new(io::ErrorKind::NotFound, "no state dir: home dir unknown")
            })?;
            store.put(&prost::Message::encode_to_vec(&self.erase_request(&tokens)))?;
        }
        let deleted = self.delete_local(config.as_deref())?;
        let request = match store {
            Some(store) if store.has_entries() => self.send_erase_requests(&store),
            _ => EraseRequest::None,
        };
        Ok(Erasure {
            tokens: tokens.len(),
            request,
            deleted,
        })
    }

    /// The erase request: one span per token, under a resource that names only the
    /// tool and its version (no install id, no commitment, no session).
    fn erase_request(&self, tokens: &[[u8; 32]]) -> ExportTraceServiceRequest {
        let string = |key: &str, value: String| KeyValue {
            key: key.to_owned(),
            value: Some(AnyValue {
                value: Some(any_value::Value::StringValue(value)),
            }),
            ..KeyValue::default()
        };
        let now_ns = now_ms().saturating_mul(1_000_000);
        let spans = tokens
            .iter()
            .map(|token| Span {
                trace_id: crate::sys::random::bytes::<16>().to_vec(),
                span_id: crate::sys::random::bytes::<8>().to_vec(),
                name: attr::ERASE_SPAN.to_owned(),
                kind: SpanKind::Internal as i32,
                start_time_unix_nano: now_ns,
                end_time_unix_nano: now_ns,
                attributes: vec![string(attr::ERASURE_TOKEN, crate::formats::hex(token))],
                ..Span::default()
            })
            .collect();
        ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                resource: Some(Resource {
                    attributes: vec![
                        string(attr::SERVICE_NAME, self.settings.tool.clone()),
                        string(attr::SERVICE_VERSION, self.settings.version.clone()),
                    ],
                    ..Resource::default()
                }),
                scope_spans: vec![ScopeSpans {
                    scope: Some(InstrumentationScope {
                        name: crate::manifest::SCOPE_NAME.to_owned(),
                        version: env!("CARGO_PKG_VERSION").to_owned(),
                        ..InstrumentationScope::default()
                    }),
                    spans,
                    ..ScopeSpans::default()
                }],
                ..ResourceSpans::default()
            }],
        }
    }

    /// Deletes what this install kept: id and key (and temp files a dead writer left
    /// in the config dir), spool (and its state), local records, sent log, run markers. Symlinks are removed, never followed; a FIFO is
    /// unlinked, never opened. The erase store and the user's settings stay.
    fn delete_local(&self, config: Option<&Path>) -> io::Result<Vec<PathBuf>> {
        let mut deleted = Vec::new();
        if let Some(dir) = config {
            for name in [identity::INSTALL_ID_FILE, identity::KEY_FILE] {
                let path = dir.join(name);
                if remove(&path)? {
                    deleted.push(path);
                }
            }
            // A writer that died between writing and renaming left its temp file: it
            // may hold a candidate id or key. Only stale ones: a fresh one is a live
            // writer's (and the dir may be the tool's own).
            let stale = std::fs::read_dir(dir)
                .into_iter()
                .flatten()
                .filter_map(Result::ok)
                .filter(crate::sys::files::is_stale_temp);
            for entry in stale {
                if remove(&entry.path())? {
                    deleted.push(entry.path());
                }
            }
        }
        let stores = [self.spool(), self.local_store(), self.sent_store()];
        let dirs = stores
            .into_iter()
            .flatten()
            .map(|s| s.dir().to_path_buf())
            .chain(self.runs_dir());
        for dir in dirs {
            if remove(&dir)? {
                deleted.push(dir);
            }
        }
        Ok(deleted)
    }

    /// Sends what the erase store holds, for at most [`SEND_WAIT`].
    fn send_erase_requests(&self, store: &Spool) -> EraseRequest {
        let pending = |why: String| EraseRequest::Pending {
            requests: store.usage().0,
            why,
        };
        // An organisation's policy that forbids sending at all is the one setting that
        // holds the request back: the user's own opt-outs do not (the request is theirs).
        let decision = self.decide();
        if let (false, crate::Source::Policy(path)) = (decision.enabled, &decision.source) {
            return pending(format!(
                "the machine policy {} forbids sending",
                path.display()
            ));
        }
        let endpoint = match self.resolve_endpoint() {
            Ok(endpoint) => endpoint,
            Err(problem) => return pending(format!("no endpoint: {problem}")),
        };
        let Some(lock) = store.try_lock() else {
            return pending("the uploader is sending it now".into());
        };
        // Not the shared backoff: the user asked now, so this one try is made now.
        match drain(
            store,
            &lock,
            &endpoint,
            self.backoff(),
            Instant::now() + SEND_WAIT,
        ) {
            Drained::Empty if !store.has_entries() => EraseRequest::Delivered,
            Drained::Empty => pending("not acknowledged".into()),
            Drained::Failed | Drained::OutOfTime => {
                let why = store.state().last_failure;
                pending(if why.is_empty() {
                    "no answer in time".into()
                } else {
                    why
                })
            }
        }
    }
}

/// Removes `path` whatever it is (a directory with its contents, a file, a symlink, a
/// FIFO), never following a link; whether something was there.
fn remove(path: &Path) -> io::Result<bool> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    let removed = if meta.is_dir() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    };
    match removed {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        other => other.map(|()| true),
    }
}

impl fmt::Display for Erasure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "telemetry delete: deleted from this machine: {}",
            if self.deleted.is_empty() {
                "nothing (nothing was kept)".to_owned()
            } else {
                self.deleted
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        )?;
        match &self.request {
            EraseRequest::None => writeln!(
                f,
                "telemetry delete: no erase request: nothing this install sent carries an \
                 id kept here (no install id, CI's shared id, or nothing recorded), so \
                 what it sent cannot be linked to it or erased"
            ),
            EraseRequest::Delivered => writeln!(
                f,
                "telemetry delete: erase request delivered; the operator's store erases \
                 every span that carries this install's commitment"
            ),
            EraseRequest::Pending { requests, why } => writeln!(
                f,
                "telemetry delete: erase request kept ({requests} waiting: {why}); it is \
                 sent by the next run that uploads, or by `telemetry delete` again"
            ),
        }
    }
}
