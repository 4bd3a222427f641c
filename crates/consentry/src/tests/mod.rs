//! In-crate tests that cross modules: privacy promises and whole runs.

mod docs;
mod erasure;
mod identity;
mod managed;
mod privacy;
mod runs;
mod sampling;
mod semconv;
pub(crate) mod support;
