//! consentry's own `tracing` dispatcher, so a tool records its command span without
//! installing any subscriber.
//!
//! The command span is created with this dispatcher as the default for the duration
//! of the `info_span!` call only; a `tracing::Span` remembers the dispatcher that made
//! it, so everything recorded on the span later (exit code, events, the end) goes to
//! consentry's registry, whatever the tool's global subscriber is, or whether it has
//! one. The tool's own logs never pass through it.

use opentelemetry_sdk::trace::SdkTracer;
use tracing::Subscriber;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::registry::LookupSpan;

use crate::record::layer::Gate;

/// The OpenTelemetry layer behind the consent gate, configured to send nothing the
/// manifest does not promise.
pub(crate) fn otel_layer<S>(tracer: SdkTracer) -> impl Layer<S> + 'static
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    tracing_opentelemetry::layer()
        .with_tracer(tracer)
        // Each of these would add data the manifest does not promise: source paths of
        // the build machine, thread names, tracing levels and targets.
        .with_location(false)
        .with_threads(false)
        .with_level(false)
        .with_target(false)
        .with_tracked_inactivity(false)
        // Parents come from the tracing span tree either way; activation would also
        // make consentry's span the current OpenTelemetry context of the tool's own
        // instrumentation while it is entered, and costs a context attach per enter.
        .with_context_activation(false)
        .with_error_events_to_exceptions(false)
        .with_error_fields_to_exceptions(false)
        .with_filter(Gate)
}

/// A registry with only consentry's layer.
pub(crate) fn own_dispatch(tracer: &SdkTracer) -> tracing::Dispatch {
    tracing::Dispatch::new(tracing_subscriber::registry().with(otel_layer(tracer.clone())))
}
