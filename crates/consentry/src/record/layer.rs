//! The consent gate: a per-layer filter in front of the OpenTelemetry layer.
//!
//! Only spans consentry itself opens (target [`TARGET`]) pass, so the tool's own spans
//! and events, and those of every library it uses (the HTTP/2 stack included), never
//! reach the exporter, while the tool's own log layers see everything as before.
//! When telemetry is off there is no layer at all.

use tracing::Metadata;
use tracing::subscriber::Interest;
use tracing_subscriber::layer::{Context, Filter};

/// The `tracing` target of every span and event consentry exports.
pub(crate) const TARGET: &str = "consentry";

/// Passes consentry's own spans and nothing else.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Gate;

impl Gate {
    fn admits(meta: &Metadata<'_>) -> bool {
        meta.target() == TARGET
    }
}

impl<S> Filter<S> for Gate {
    fn enabled(&self, meta: &Metadata<'_>, _cx: &Context<'_, S>) -> bool {
        Self::admits(meta)
    }

    fn callsite_enabled(&self, meta: &'static Metadata<'static>) -> Interest {
        if Self::admits(meta) {
            Interest::always()
        } else {
            Interest::never()
        }
    }
}
