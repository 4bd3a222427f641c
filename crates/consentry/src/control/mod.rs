//! The user's side: `<tool> telemetry status` and the settings the `telemetry`
//! command reads and writes.

pub mod cli;
pub(crate) mod status;
pub(crate) mod user_choice;
