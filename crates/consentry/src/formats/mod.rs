//! The two text formats consentry writes itself, instead of serde: flat TOML for its
//! own files (settings, policy, spool state, run markers), and JSON for what the user
//! reads (print mode's request, `telemetry log --json`, `telemetry view --json`). Each
//! is tested against the crate it replaces (`toml`, `serde_json`), a dev-dependency.

pub(crate) mod flat_toml;
pub(crate) mod json;
