//! The two text formats consentry writes itself, instead of serde: flat TOML for its
//! own files (settings, policy, spool state, run markers), and JSON for what the user
//! reads (print mode's request, `telemetry log --json`, `telemetry view --json`). Each
//! is tested against the crate it replaces (`toml`, `serde_json`), a dev-dependency.

pub(crate) mod flat_toml;
pub(crate) mod json;

/// Lower-case hex: ids in OTLP JSON, the hashing key in its file, hashed values and
/// the erasure token as stores compare them, temp file names.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}
