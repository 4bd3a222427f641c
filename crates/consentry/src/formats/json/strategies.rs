//! Arbitrary OTLP trace requests for the tests of the JSON consentry writes: every
//! kind of value (nested arrays and key-value lists, bytes, doubles of every class),
//! every field set or left empty, and text full of what JSON escapes.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{
    AnyValue, ArrayValue, EntityRef, InstrumentationScope, KeyValue, KeyValueList, any_value,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::span::{Event, Link};
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

/// Text with quotes, backslashes, every control character, DEL, non-ASCII (two-,
/// three- and four-byte, the JavaScript line separators) and any character at all.
pub(crate) fn text() -> impl Strategy<Value = String> {
    let c = prop_oneof![
        3 => proptest::char::range('a', 'z'),
        1 => Just('"'),
        1 => Just('\\'),
        1 => Just('/'),
        2 => (0u8..0x20).prop_map(char::from),
        1 => Just('\u{7f}'),
        1 => prop_oneof![Just('é'), Just('€'), Just('😀'), Just('\u{2028}'), Just('\u{2029}')],
        2 => any::<char>(),
    ];
    vec(c, 0..12).prop_map(String::from_iter)
}

/// Doubles of every class (zero, subnormal, normal, infinite, NaN, any bit pattern),
/// and the sample weights consentry sends (`1 / rate`).
pub(crate) fn double() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        any::<u64>().prop_map(f64::from_bits),
        (1u32..=1000).prop_map(|per_mille| 1000.0 / f64::from(per_mille)),
        prop_oneof![Just(0.0), Just(-0.0), Just(1e16), Just(1e-5), Just(1e-6)],
    ]
}

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..=max)
}

/// Mostly 0 (the usual value of a count or index), sometimes anything.
fn mostly_zero_u32() -> impl Strategy<Value = u32> {
    prop_oneof![Just(0), any::<u32>()]
}

fn mostly_zero_i32() -> impl Strategy<Value = i32> {
    prop_oneof![Just(0), any::<i32>()]
}

pub(crate) fn any_value() -> impl Strategy<Value = AnyValue> {
    use any_value::Value;
    let leaf = prop_oneof![
        Just(None),
        text().prop_map(Value::StringValue).prop_map(Some),
        any::<bool>().prop_map(Value::BoolValue).prop_map(Some),
        any::<i64>().prop_map(Value::IntValue).prop_map(Some),
        double().prop_map(Value::DoubleValue).prop_map(Some),
        bytes(10).prop_map(Value::BytesValue).prop_map(Some),
        any::<i32>()
            .prop_map(Value::StringValueStrindex)
            .prop_map(Some),
    ]
    .prop_map(|value| AnyValue { value });
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(|values| AnyValue {
                value: Some(Value::ArrayValue(ArrayValue { values })),
            }),
            vec(key_value_of(inner), 0..4).prop_map(|values| AnyValue {
                value: Some(Value::KvlistValue(KeyValueList { values })),
            }),
        ]
    })
}

fn key_value_of(value: impl Strategy<Value = AnyValue>) -> impl Strategy<Value = KeyValue> {
    (text(), option::of(value), mostly_zero_i32()).prop_map(|(key, value, key_strindex)| KeyValue {
        key,
        value,
        key_strindex,
    })
}

fn attributes() -> impl Strategy<Value = Vec<KeyValue>> {
    vec(key_value_of(any_value()), 0..4)
}

fn resource() -> impl Strategy<Value = Resource> {
    let entity = (text(), text(), vec(text(), 0..3), vec(text(), 0..3)).prop_map(
        |(schema_url, r#type, id_keys, description_keys)| EntityRef {
            schema_url,
            r#type,
            id_keys,
            description_keys,
        },
    );
    (attributes(), mostly_zero_u32(), vec(entity, 0..2)).prop_map(
        |(attributes, dropped_attributes_count, entity_refs)| Resource {
            attributes,
            dropped_attributes_count,
            entity_refs,
        },
    )
}

fn scope() -> impl Strategy<Value = InstrumentationScope> {
    (text(), text(), attributes(), mostly_zero_u32()).prop_map(
        |(name, version, attributes, dropped_attributes_count)| InstrumentationScope {
            name,
            version,
            attributes,
            dropped_attributes_count,
        },
    )
}

fn event() -> impl Strategy<Value = Event> {
    (any::<u64>(), text(), attributes(), mostly_zero_u32()).prop_map(
        |(time_unix_nano, name, attributes, dropped_attributes_count)| Event {
            time_unix_nano,
            name,
            attributes,
            dropped_attributes_count,
        },
    )
}

fn link() -> impl Strategy<Value = Link> {
    (
        bytes(16),
        bytes(8),
        text(),
        attributes(),
        mostly_zero_u32(),
        any::<u32>(),
    )
        .prop_map(
            |(trace_id, span_id, trace_state, attributes, dropped_attributes_count, flags)| Link {
                trace_id,
                span_id,
                trace_state,
                attributes,
                dropped_attributes_count,
                flags,
            },
        )
}

fn span() -> impl Strategy<Value = Span> {
    let ids = (bytes(16), bytes(8), text(), bytes(8), any::<u32>());
    let what = (text(), any::<i32>(), any::<u64>(), any::<u64>());
    let rest = (
        attributes(),
        mostly_zero_u32(),
        vec(event(), 0..3),
        mostly_zero_u32(),
        vec(link(), 0..2),
        mostly_zero_u32(),
        option::of((text(), any::<i32>()).prop_map(|(message, code)| Status { message, code })),
    );
    (ids, what, rest).prop_map(
        |(
            (trace_id, span_id, trace_state, parent_span_id, flags),
            (name, kind, start_time_unix_nano, end_time_unix_nano),
            (
                attributes,
                dropped_attributes_count,
                events,
                dropped_events_count,
                links,
                dropped_links_count,
                status,
            ),
        )| Span {
            trace_id,
            span_id,
            trace_state,
            parent_span_id,
            flags,
            name,
            kind,
            start_time_unix_nano,
            end_time_unix_nano,
            attributes,
            dropped_attributes_count,
            events,
            dropped_events_count,
            links,
            dropped_links_count,
            status,
        },
    )
}

pub(crate) fn request() -> impl Strategy<Value = ExportTraceServiceRequest> {
    let scope_spans =
        (option::of(scope()), vec(span(), 0..3), text()).prop_map(|(scope, spans, schema_url)| {
            ScopeSpans {
                scope,
                spans,
                schema_url,
            }
        });
    let resource_spans = (option::of(resource()), vec(scope_spans, 0..3), text()).prop_map(
        |(resource, scope_spans, schema_url)| ResourceSpans {
            resource,
            scope_spans,
            schema_url,
        },
    );
    vec(resource_spans, 0..3)
        .prop_map(|resource_spans| ExportTraceServiceRequest { resource_spans })
}
