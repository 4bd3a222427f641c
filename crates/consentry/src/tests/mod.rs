//! In-crate tests that cross modules: privacy promises and whole runs.

mod docs;
mod identity;
mod privacy;
mod runs;
pub(crate) mod support;
