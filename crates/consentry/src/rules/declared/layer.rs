//! The layer the host adds to its subscriber: declared spans and events become
//! OpenTelemetry spans and span events, built here from validated values only.
//!
//! It does not go through `tracing-opentelemetry`: that layer records every field of a
//! span it sees, and the filtering would then be a promise about its internals. Here
//! the SDK span is started by this code with the attributes this code checked, so a
//! value that fails its check has no way into the exporter.

use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::sync::{Arc, Mutex, PoisonError};

use opentelemetry::trace::{Span as _, TraceContextExt as _, Tracer as _};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::trace::SdkTracer;
use tracing::field::Visit;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};
use tracing_opentelemetry::OpenTelemetrySpanExt as _;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context as LayerContext, Filter};
use tracing_subscriber::registry::LookupSpan;

use super::{Declaration, Field, Kind, MAX_TOKEN_LEN, What, is_safe_token, key};
use crate::rules::attributes as attr;

/// The open command run that declared spans and events attach to.
#[derive(Debug, Default)]
pub(crate) struct CurrentRun(Mutex<Option<Run>>);

#[derive(Debug)]
struct Run {
    cx: Context,
    command: String,
    span: tracing::Span,
}

impl CurrentRun {
    /// From now on, declared spans are children of `span`.
    pub(crate) fn set(&self, span: &tracing::Span, command: &str) {
        let run = Run {
            cx: span.context(),
            command: command.to_owned(),
            span: span.clone(),
        };
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(run);
    }

    /// The run ended: nothing attaches to it any more (and the clone of its span held
    /// here is dropped, so the span can close).
    pub(crate) fn clear(&self) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take();
    }

    fn with<R>(&self, f: impl FnOnce(&Run) -> R) -> Option<R> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map(f)
    }
}

/// Declared names, with each field's key.
#[derive(Debug)]
struct Table {
    spans: HashMap<&'static str, Vec<(Field, String)>>,
    events: HashMap<&'static str, Vec<(Field, String)>>,
}

impl Table {
    fn new(tool: &str, declared: &[Declaration]) -> Table {
        let mut table = Table {
            spans: HashMap::new(),
            events: HashMap::new(),
        };
        for d in declared {
            let fields = d.fields.iter().map(|f| (*f, key(tool, f.name))).collect();
            match d.what {
                What::Span => table.spans.insert(d.name, fields),
                What::Event => table.events.insert(d.name, fields),
            };
        }
        table
    }

    fn fields(&self, meta: &Metadata<'_>) -> Option<&[(Field, String)]> {
        if meta.is_span() {
            self.spans.get(meta.name()).map(Vec::as_slice)
        } else if meta.is_event() {
            self.events.get(meta.name()).map(Vec::as_slice)
        } else {
            None
        }
    }
}

/// The per-layer filter: declared names only, decided once per callsite.
#[derive(Debug, Clone)]
pub(crate) struct Declared(Arc<Table>);

impl<S> Filter<S> for Declared {
    fn enabled(&self, meta: &Metadata<'_>, _cx: &LayerContext<'_, S>) -> bool {
        self.0.fields(meta).is_some()
    }

    fn callsite_enabled(&self, meta: &'static Metadata<'static>) -> Interest {
        if self.0.fields(meta).is_some() {
            Interest::always()
        } else {
            Interest::never()
        }
    }
}

/// Builds the SDK spans of declared spans.
#[derive(Debug)]
pub(crate) struct Recorder {
    table: Arc<Table>,
    tracer: SdkTracer,
    run: Arc<CurrentRun>,
}

/// The SDK span of a declared `tracing` span, in its extensions.
struct Live(opentelemetry_sdk::trace::Span);

/// The layer for [`TelemetryGuard::layer`](crate::TelemetryGuard::layer).
pub(crate) fn layer<S>(
    tool: &str,
    declared: &[Declaration],
    tracer: SdkTracer,
    run: Arc<CurrentRun>,
) -> impl Layer<S> + 'static
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let table = Arc::new(Table::new(tool, declared));
    Recorder {
        table: table.clone(),
        tracer,
        run,
    }
    .with_filter(Declared(table))
}

impl<S> Layer<S> for Recorder
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: LayerContext<'_, S>) {
        let Some(fields) = self.table.fields(attrs.metadata()) else {
            return;
        };
        let Some(span) = ctx.span(id) else {
            return;
        };
        // The nearest declared span above (the filter hides the others), else the run.
        let parent = span.parent().and_then(|p| {
            p.extensions()
                .get::<Live>()
                .map(|l| Context::new().with_remote_span_context(l.0.span_context().clone()))
        });
        let Some((parent, command)) = self.run.with(|run| {
            (
                parent.unwrap_or_else(|| run.cx.clone()),
                run.command.clone(),
            )
        }) else {
            return;
        };
        let mut values = Checked::new(fields);
        values.out.push(KeyValue::new(attr::COMMAND, command));
        attrs.record(&mut values);
        let otel = self
            .tracer
            .span_builder(attrs.metadata().name())
            .with_attributes(values.out)
            .start_with_context(&self.tracer, &parent);
        span.extensions_mut().insert(Live(otel));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: LayerContext<'_, S>) {
        let Some(span) = ctx.span(id) else {
            return;
        };
        let Some(fields) = self.table.fields(span.metadata()) else {
            return;
        };
        let mut checked = Checked::new(fields);
        values.record(&mut checked);
        if let Some(live) = span.extensions_mut().get_mut::<Live>() {
            live.0.set_attributes(checked.out);
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: LayerContext<'_, S>) {
        let meta = event.metadata();
        let Some(fields) = self.table.fields(meta) else {
            return;
        };
        let mut checked = Checked::new(fields);
        event.record(&mut checked);
        let name = meta.name();
        if let Some(span) = ctx.event_span(event) {
            let mut ext = span.extensions_mut();
            if let Some(live) = ext.get_mut::<Live>() {
                live.0.add_event(name, checked.out);
                return;
            }
        }
        self.run.with(|run| run.span.add_event(name, checked.out));
    }

    fn on_close(&self, id: Id, ctx: LayerContext<'_, S>) {
        if let Some(span) = ctx.span(&id)
            && let Some(mut live) = span.extensions_mut().remove::<Live>()
        {
            live.0.end();
        }
    }
}

/// Keeps the declared fields whose values are of their declared kind; nothing else is
/// even formatted.
struct Checked<'a> {
    fields: &'a [(Field, String)],
    out: Vec<KeyValue>,
}

impl<'a> Checked<'a> {
    fn new(fields: &'a [(Field, String)]) -> Self {
        Checked {
            fields,
            out: Vec::with_capacity(fields.len() + 1),
        }
    }

    fn kind_of(&self, field: &tracing::field::Field) -> Option<(Kind, &'a str)> {
        self.fields
            .iter()
            .find(|(f, _)| f.name == field.name())
            .map(|(f, key)| (f.kind, key.as_str()))
    }

    fn push_str(&mut self, field: &tracing::field::Field, value: &str) {
        if let Some((kind, key)) = self.kind_of(field)
            && string_allowed(kind, value)
        {
            self.out
                .push(KeyValue::new(key.to_owned(), value.to_owned()));
        }
    }

    fn push_number(&mut self, field: &tracing::field::Field, value: opentelemetry::Value) {
        if let Some((Kind::Number, key)) = self.kind_of(field) {
            self.out.push(KeyValue::new(key.to_owned(), value));
        }
    }
}

/// Whether a string may be sent by a field of `kind`.
pub(crate) fn string_allowed(kind: Kind, value: &str) -> bool {
    match kind {
        Kind::OneOf(values) => values.contains(&value),
        Kind::Token => is_safe_token(value),
        Kind::Number | Kind::Bool => false,
    }
}

impl Visit for Checked<'_> {
    fn record_i64(&mut self, field: &tracing::field::Field, value: i64) {
        self.push_number(field, value.into());
    }

    fn record_u64(&mut self, field: &tracing::field::Field, value: u64) {
        self.push_number(field, i64::try_from(value).unwrap_or(i64::MAX).into());
    }

    fn record_f64(&mut self, field: &tracing::field::Field, value: f64) {
        if value.is_finite() {
            self.push_number(field, value.into());
        }
    }

    fn record_bool(&mut self, field: &tracing::field::Field, value: bool) {
        if let Some((Kind::Bool, key)) = self.kind_of(field) {
            self.out.push(KeyValue::new(key.to_owned(), value));
        }
    }

    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.push_str(field, value);
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn fmt::Debug) {
        // `%value` and `?value` arrive here. Only a declared string field's value is
        // formatted, into a buffer that refuses anything longer than a token.
        if let Some((Kind::OneOf(_) | Kind::Token, _)) = self.kind_of(field) {
            let mut buf = Bounded(String::new());
            if write!(buf, "{value:?}").is_ok() {
                self.push_str(field, &buf.0);
            }
        }
    }
}

/// A `fmt::Write` that fails past [`MAX_TOKEN_LEN`] bytes: a huge value costs nothing.
struct Bounded(String);

impl fmt::Write for Bounded {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.0.len() + s.len() > MAX_TOKEN_LEN {
            return Err(fmt::Error);
        }
        self.0.push_str(s);
        Ok(())
    }
}
