//! The operating system: every file consentry reads or writes goes through here, and
//! the one write to this process's environment (`process_env`).

pub(crate) mod files;
pub(crate) mod process_env;
