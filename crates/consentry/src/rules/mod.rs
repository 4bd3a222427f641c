//! The data rules: every attribute consentry can send, how command-line values are
//! masked, how free text is scrubbed, and what a tool's declared spans may carry. The
//! data manifest is generated from the same tables.

pub mod attributes;
pub mod declared;
pub mod manifest;
pub mod mask;
pub mod scrub;
