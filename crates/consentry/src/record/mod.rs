//! Record: init wires a run when consent says yes; a command run becomes a span
//! through consentry's own dispatcher; panics, Ctrl-C, long runs and runs that never
//! finish are accounted for; the guard hands the finished spans to delivery.

pub(crate) mod accounting;
pub(crate) mod command;
pub(crate) mod dispatch;
pub(crate) mod flush;
pub(crate) mod guard;
pub(crate) mod init;
pub(crate) mod layer;
pub(crate) mod panic;
pub(crate) mod periodic;
pub(crate) mod run_context;
pub(crate) mod run_setup;
