//! The operating system: every file consentry reads or writes goes through here.

pub(crate) mod files;
