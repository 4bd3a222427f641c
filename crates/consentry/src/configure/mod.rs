//! Configure: what the author writes once in `main` (the builder and its settings),
//! the one reader of the process environment, and the problems init works around.

pub(crate) mod builder;
pub(crate) mod debug_build;
pub mod env;
pub(crate) mod note;
pub(crate) mod settings;
