//! What went wrong at init without stopping the tool, as values a caller can match on.

use std::io;

use crate::deliver::EndpointError;
use crate::sys::files::ReadError;

/// A problem init found and worked around (see
/// [`TelemetryGuard::notes`](crate::TelemetryGuard::notes)); its `Display` is the line
/// `telemetry status` prints.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Note {
    /// There is no endpoint to send to; spans are recorded and spooled but not sent.
    #[error("{0}")]
    Endpoint(#[from] EndpointProblem),
    /// The install id could not be read or created; spans go without it.
    #[error("install id unavailable ({0}); sending without it")]
    InstallId(io::ErrorKind),
    /// The hashing key could not be read or created; values to hash are masked.
    #[error("hashing key unavailable ({0}); hashed values are masked")]
    HashingKey(io::ErrorKind),
    /// No config dir (no home dir known): no install id, no key.
    #[error("no config dir (home dir unknown); sending without install id")]
    NoConfigDir,
    /// The notice could not be recorded as seen, so it was not shown and nothing is sent.
    #[error("{}; telemetry stays off", match .0 { Some(kind) => format!("cannot record the notice ({kind})"), None => "no config dir to record the notice in".to_owned() })]
    NoticeNotRecorded(Option<io::ErrorKind>),
    /// The notice has not been shown to a person yet and stderr is not a terminal
    /// (a pipe, a file, a test harness), so it was not shown now either: nothing is sent
    /// until a run with stderr on a terminal shows it, or `<tool> telemetry enable`.
    #[error("the notice has not been shown on a terminal yet; nothing is sent until it is")]
    NoticeNeedsTerminal,
    /// The answer to the opt-in question could not be stored; it is asked again.
    #[error("answer not recorded ({0})")]
    AnswerNotRecorded(io::ErrorKind),
}

/// Why a run has no endpoint to send to. Each names the variable to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EndpointProblem {
    /// Neither the author nor `<TOOL>_TELEMETRY_ENDPOINT` gave one.
    #[error("no endpoint configured (set {var}); nothing is sent")]
    NotConfigured {
        /// `<TOOL>_TELEMETRY_ENDPOINT`.
        var: String,
    },
    /// `<TOOL>_TELEMETRY_PROTOCOL` names no transport.
    #[error("{var} is not grpc or http/protobuf; nothing is sent")]
    UnknownProtocol {
        /// `<TOOL>_TELEMETRY_PROTOCOL`.
        var: String,
    },
    /// `<TOOL>_TELEMETRY_ENDPOINT` is not UTF-8.
    #[error("{var} is not UTF-8; nothing is sent")]
    NotUtf8 {
        /// `<TOOL>_TELEMETRY_ENDPOINT`.
        var: String,
    },
    /// The endpoint URL is not usable with the chosen transport.
    #[error("{var}: {source}; nothing is sent")]
    Invalid {
        /// The variable that gave the URL, the machine policy file, or `endpoint` for
        /// the compiled-in one.
        var: String,
        /// What is wrong with it.
        source: EndpointError,
    },
    /// The CA file could not be read.
    #[error("{var}: {reason}; nothing is sent")]
    CaFile {
        /// `<TOOL>_TELEMETRY_CA_FILE`, or the machine policy file that named it.
        var: String,
        /// Why it was not read.
        reason: ReadError,
    },
}
