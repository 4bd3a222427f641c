//! The user's side: `<tool> telemetry status`, the settings the `telemetry` command
//! reads and writes, and what is kept on the machine for the user to read (`telemetry
//! log`, `telemetry view`).

pub(crate) mod actions;
pub mod cli;
pub(crate) mod delete;
mod log;
mod records;
pub(crate) mod status;
pub(crate) mod user_choice;
mod view;
