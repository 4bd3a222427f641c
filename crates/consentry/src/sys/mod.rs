//! The operating system: every file consentry reads or writes goes through here, and
//! the start of the detached uploader.

pub(crate) mod files;
pub(crate) mod process;
