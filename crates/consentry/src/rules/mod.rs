//! The data rules: every attribute consentry can send, how command-line values are
//! masked, how free text is scrubbed, and what a tool's declared spans may carry. The
//! data manifest is generated from the same tables.

pub(crate) mod attributes;
pub mod declared;
pub mod manifest;
pub(crate) mod mask;
pub(crate) mod scrub;
