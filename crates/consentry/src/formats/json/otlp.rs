//! OTLP JSON of a trace request, exactly as opentelemetry-proto's `with-serde` feature
//! and serde_json write it (that pair is the oracle of this module's tests): members in
//! the proto's field order with camelCase names, every field written (a missing message
//! as `null`) except `keyStrindex` when 0, ids as lower-case hex, 64-bit times and
//! `intValue` as decimal strings, `bytesValue` as padded base64, enums as numbers.
//! An encoder following the OTLP/JSON specification would leave default values and
//! missing messages out; the proto3 JSON mapping reads both forms alike, and this is
//! the one print mode and `telemetry log --json` have always shown.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{
    AnyValue, EntityRef, InstrumentationScope, KeyValue, any_value,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::span::{Event, Link};
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status};

use super::Writer;

/// Writes `r` as one JSON value.
pub(crate) fn request(w: &mut Writer, r: &ExportTraceServiceRequest) {
    w.object(|o| {
        o.field("resourceSpans", |w| {
            w.array(&r.resource_spans, resource_spans)
        });
    });
}

fn resource_spans(w: &mut Writer, rs: &ResourceSpans) {
    w.object(|o| {
        o.field("resource", |w| optional(w, rs.resource.as_ref(), resource))
            .field("scopeSpans", |w| w.array(&rs.scope_spans, scope_spans))
            .field("schemaUrl", |w| w.string(&rs.schema_url));
    });
}

fn resource(w: &mut Writer, r: &Resource) {
    w.object(|o| {
        o.field("attributes", |w| attributes(w, &r.attributes))
            .field("droppedAttributesCount", |w| {
                w.uint(r.dropped_attributes_count.into());
            })
            .field("entityRefs", |w| w.array(&r.entity_refs, entity_ref));
    });
}

fn entity_ref(w: &mut Writer, e: &EntityRef) {
    w.object(|o| {
        o.field("schemaUrl", |w| w.string(&e.schema_url))
            .field("type", |w| w.string(&e.r#type))
            .field("idKeys", |w| strings(w, &e.id_keys))
            .field("descriptionKeys", |w| strings(w, &e.description_keys));
    });
}

fn scope_spans(w: &mut Writer, ss: &ScopeSpans) {
    w.object(|o| {
        o.field("scope", |w| optional(w, ss.scope.as_ref(), scope))
            .field("spans", |w| w.array(&ss.spans, span))
            .field("schemaUrl", |w| w.string(&ss.schema_url));
    });
}

fn scope(w: &mut Writer, s: &InstrumentationScope) {
    w.object(|o| {
        o.field("name", |w| w.string(&s.name))
            .field("version", |w| w.string(&s.version))
            .field("attributes", |w| attributes(w, &s.attributes))
            .field("droppedAttributesCount", |w| {
                w.uint(s.dropped_attributes_count.into());
            });
    });
}

fn span(w: &mut Writer, s: &Span) {
    w.object(|o| {
        o.field("traceId", |w| hex(w, &s.trace_id))
            .field("spanId", |w| hex(w, &s.span_id))
            .field("traceState", |w| w.string(&s.trace_state))
            .field("parentSpanId", |w| hex(w, &s.parent_span_id))
            .field("flags", |w| w.uint(s.flags.into()))
            .field("name", |w| w.string(&s.name))
            .field("kind", |w| w.int(s.kind.into()))
            .field("startTimeUnixNano", |w| decimal(w, s.start_time_unix_nano))
            .field("endTimeUnixNano", |w| decimal(w, s.end_time_unix_nano))
            .field("attributes", |w| attributes(w, &s.attributes))
            .field("droppedAttributesCount", |w| {
                w.uint(s.dropped_attributes_count.into());
            })
            .field("events", |w| w.array(&s.events, event))
            .field("droppedEventsCount", |w| {
                w.uint(s.dropped_events_count.into())
            })
            .field("links", |w| w.array(&s.links, link))
            .field("droppedLinksCount", |w| {
                w.uint(s.dropped_links_count.into())
            })
            .field("status", |w| optional(w, s.status.as_ref(), status));
    });
}

fn event(w: &mut Writer, e: &Event) {
    w.object(|o| {
        o.field("timeUnixNano", |w| decimal(w, e.time_unix_nano))
            .field("name", |w| w.string(&e.name))
            .field("attributes", |w| attributes(w, &e.attributes))
            .field("droppedAttributesCount", |w| {
                w.uint(e.dropped_attributes_count.into());
            });
    });
}

fn link(w: &mut Writer, l: &Link) {
    w.object(|o| {
        o.field("traceId", |w| hex(w, &l.trace_id))
            .field("spanId", |w| hex(w, &l.span_id))
            .field("traceState", |w| w.string(&l.trace_state))
            .field("attributes", |w| attributes(w, &l.attributes))
            .field("droppedAttributesCount", |w| {
                w.uint(l.dropped_attributes_count.into());
            })
            .field("flags", |w| w.uint(l.flags.into()));
    });
}

fn status(w: &mut Writer, s: &Status) {
    w.object(|o| {
        o.field("message", |w| w.string(&s.message))
            .field("code", |w| w.int(s.code.into()));
    });
}

fn attributes(w: &mut Writer, kvs: &[KeyValue]) {
    w.array(kvs, key_value);
}

fn key_value(w: &mut Writer, kv: &KeyValue) {
    w.object(|o| {
        o.field("key", |w| w.string(&kv.key))
            .field("value", |w| optional(w, kv.value.as_ref(), any));
        if kv.key_strindex != 0 {
            o.field("keyStrindex", |w| w.int(kv.key_strindex.into()));
        }
    });
}

/// One member named after the value's kind; `{}` for a value of no kind.
fn any(w: &mut Writer, v: &AnyValue) {
    use any_value::Value;
    w.object(|o| {
        let Some(value) = &v.value else { return };
        match value {
            Value::StringValue(s) => o.field("stringValue", |w| w.string(s)),
            Value::BoolValue(b) => o.field("boolValue", |w| w.bool(*b)),
            Value::IntValue(i) => o.field("intValue", |w| w.string(&i.to_string())),
            Value::DoubleValue(d) => o.field("doubleValue", |w| w.float(*d)),
            Value::ArrayValue(a) => o.field("arrayValue", |w| {
                w.object(|o| {
                    o.field("values", |w| w.array(&a.values, any));
                });
            }),
            Value::KvlistValue(kvs) => o.field("kvlistValue", |w| {
                w.object(|o| {
                    o.field("values", |w| attributes(w, &kvs.values));
                });
            }),
            Value::BytesValue(b) => o.field("bytesValue", |w| {
                use base64::Engine as _;
                w.string(&base64::engine::general_purpose::STANDARD.encode(b));
            }),
            Value::StringValueStrindex(i) => o.field("stringValueStrindex", |w| w.int((*i).into())),
        };
    });
}

fn optional<T>(w: &mut Writer, value: Option<&T>, write: fn(&mut Writer, &T)) {
    match value {
        Some(v) => write(w, v),
        None => w.null(),
    }
}

fn strings(w: &mut Writer, items: &[String]) {
    w.array(items, |w, s| w.string(s));
}

fn hex(w: &mut Writer, bytes: &[u8]) {
    w.string(&crate::formats::hex(bytes));
}

/// A 64-bit integer as a decimal string, as proto3 JSON writes them.
fn decimal(w: &mut Writer, n: u64) {
    w.string(&n.to_string());
}
