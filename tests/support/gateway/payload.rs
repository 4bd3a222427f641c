//! OTLP payloads as an old or tampered client would send them: protobuf encoded with
//! `opentelemetry-proto`'s types, and OTLP/JSON.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{
    AnyValue, ArrayValue, InstrumentationScope, KeyValue, any_value,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status, span};
use prost::Message;

/// An attribute value.
#[derive(Debug, Clone)]
pub enum Val {
    Str(String),
    Int(i64),
    Strs(Vec<String>),
    Bool(bool),
    Bytes(Vec<u8>),
    Double(f64),
}

/// Nanoseconds since the Unix epoch, now.
pub fn now_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_nanos() as u64
}

/// A link as a client may send one.
#[derive(Debug, Clone)]
pub struct RawLink {
    pub trace_id: [u8; 16],
    pub span_id: [u8; 8],
    pub trace_state: String,
    pub attrs: Vec<(String, Val)>,
}

pub fn s(v: &str) -> Val {
    Val::Str(v.to_owned())
}

/// One span with its resource and scope, as a client posts it.
#[derive(Debug, Clone)]
pub struct RawSpan {
    pub resource: Vec<(String, Val)>,
    pub scope: String,
    pub name: String,
    pub trace_id: [u8; 16],
    pub span_id: [u8; 8],
    pub trace_state: String,
    pub status_message: String,
    pub attrs: Vec<(String, Val)>,
    pub events: Vec<(String, Vec<(String, Val)>)>,
    pub scope_version: String,
    /// The schema URLs of the resource and of the scope.
    pub resource_schema_url: String,
    pub scope_schema_url: String,
    /// Start and end, nanoseconds since the epoch (a second ago, 250 ms long).
    pub start_ns: u64,
    pub end_ns: u64,
    pub parent_span_id: Option<[u8; 8]>,
    pub links: Vec<RawLink>,
}

impl RawSpan {
    /// A span shaped like consentry's for `command`, with the keys the manifest lists
    /// (values made up), and ids derived from `n`.
    pub fn consentry_like(command: &str, n: u64) -> RawSpan {
        let mut trace_id = [0u8; 16];
        trace_id[..8].copy_from_slice(&(n + 1).to_be_bytes());
        trace_id[8..].copy_from_slice(&0x5eed_u64.to_be_bytes());
        let start_ns = now_ns() - 1_000_000_000;
        RawSpan {
            resource: vec![
                ("service.name".into(), s("taskr")),
                ("service.version".into(), s("0.1.0")),
                ("os.type".into(), s("linux")),
                ("os.version".into(), s("6.1.0-18-amd64")),
                ("host.arch".into(), s("amd64")),
                (
                    "app.installation.id".into(),
                    s("0b6c2a4e-5f0d-4b8e-9a57-3d1e2f9c7a10"),
                ),
            ],
            scope: "consentry".into(),
            name: "taskr".into(),
            trace_id,
            span_id: (n + 1).to_be_bytes(),
            trace_state: String::new(),
            status_message: String::new(),
            attrs: vec![
                ("process.executable.name".into(), s("taskr")),
                ("consentry.command".into(), s(command)),
                (
                    "process.command_args".into(),
                    Val::Strs(vec!["taskr".into(), command.into(), "*****".into()]),
                ),
                ("process.exit.code".into(), Val::Int(0)),
            ],
            events: Vec::new(),
            scope_version: "0.1.0".into(),
            resource_schema_url: consentry::manifest::SCHEMA_URL.into(),
            scope_schema_url: consentry::manifest::SCHEMA_URL.into(),
            start_ns,
            end_ns: start_ns + 250_000_000,
            parent_span_id: None,
            links: Vec::new(),
        }
    }

    pub fn trace_id_hex(&self) -> String {
        self.trace_id.iter().map(|b| format!("{b:02x}")).collect()
    }
}

fn json_val(v: &Val) -> serde_json::Value {
    match v {
        Val::Str(s) => serde_json::json!({ "stringValue": s }),
        Val::Int(i) => serde_json::json!({ "intValue": i.to_string() }),
        Val::Strs(a) => {
            serde_json::json!({ "arrayValue": { "values": a.iter().map(|s| serde_json::json!({ "stringValue": s })).collect::<Vec<_>>() } })
        }
        Val::Bool(b) => serde_json::json!({ "boolValue": b }),
        Val::Bytes(b) => serde_json::json!({ "bytesValue": base64(b) }),
        // Protobuf's JSON mapping: NaN and the infinities as strings.
        Val::Double(d) if d.is_finite() => serde_json::json!({ "doubleValue": d }),
        Val::Double(d) => {
            serde_json::json!({ "doubleValue": d.to_string().replace("inf", "Infinity") })
        }
    }
}

/// Standard base64 with padding (OTLP/JSON's bytes encoding).
pub fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn json_attrs(a: &[(String, Val)]) -> serde_json::Value {
    a.iter()
        .map(|(k, v)| serde_json::json!({ "key": k, "value": json_val(v) }))
        .collect::<Vec<_>>()
        .into()
}

/// OTLP/JSON ExportTraceServiceRequest, one resource per span.
pub fn to_json(spans: &[RawSpan]) -> Vec<u8> {
    let hex = |b: &[u8]| b.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let rs: Vec<serde_json::Value> = spans
        .iter()
        .map(|sp| {
            serde_json::json!({
                "resource": { "attributes": json_attrs(&sp.resource) },
                "schemaUrl": sp.resource_schema_url,
                "scopeSpans": [{
                    "scope": { "name": sp.scope, "version": sp.scope_version },
                    "schemaUrl": sp.scope_schema_url,
                    "spans": [{
                        "traceId": hex(&sp.trace_id),
                        "spanId": hex(&sp.span_id),
                        "parentSpanId": sp.parent_span_id.map(|p| hex(&p)).unwrap_or_default(),
                        "traceState": sp.trace_state,
                        "name": sp.name,
                        "kind": 1,
                        "startTimeUnixNano": sp.start_ns.to_string(),
                        "endTimeUnixNano": sp.end_ns.to_string(),
                        "attributes": json_attrs(&sp.attrs),
                        "events": sp.events.iter().map(|(n, a)| serde_json::json!({
                            "name": n, "timeUnixNano": (sp.start_ns + 100_000_000).to_string(), "attributes": json_attrs(a)
                        })).collect::<Vec<_>>(),
                        "links": sp.links.iter().map(|l| serde_json::json!({
                            "traceId": hex(&l.trace_id), "spanId": hex(&l.span_id),
                            "traceState": l.trace_state, "attributes": json_attrs(&l.attrs)
                        })).collect::<Vec<_>>(),
                        "status": { "code": if sp.status_message.is_empty() { 0 } else { 2 }, "message": sp.status_message },
                    }]
                }]
            })
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({ "resourceSpans": rs })).unwrap()
}

// Protobuf wire format, just what OTLP traces need.

fn any_value(v: &Val) -> AnyValue {
    let str_value = |s: &str| AnyValue {
        value: Some(any_value::Value::StringValue(s.to_owned())),
    };
    AnyValue {
        value: Some(match v {
            Val::Str(s) => any_value::Value::StringValue(s.clone()),
            Val::Int(i) => any_value::Value::IntValue(*i),
            Val::Strs(a) => any_value::Value::ArrayValue(ArrayValue {
                values: a.iter().map(|s| str_value(s)).collect(),
            }),
            Val::Bool(b) => any_value::Value::BoolValue(*b),
            Val::Bytes(b) => any_value::Value::BytesValue(b.clone()),
            Val::Double(d) => any_value::Value::DoubleValue(*d),
        }),
    }
}

fn key_values(attrs: &[(String, Val)]) -> Vec<KeyValue> {
    attrs
        .iter()
        .map(|(k, v)| KeyValue {
            key: k.clone(),
            value: Some(any_value(v)),
            ..Default::default()
        })
        .collect()
}

/// The OTLP request for `spans`, one resource per span.
pub fn to_request(spans: &[RawSpan]) -> ExportTraceServiceRequest {
    let resource_spans = spans
        .iter()
        .map(|sp| ResourceSpans {
            resource: Some(Resource {
                attributes: key_values(&sp.resource),
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                scope: Some(InstrumentationScope {
                    name: sp.scope.clone(),
                    version: sp.scope_version.clone(),
                    ..Default::default()
                }),
                schema_url: sp.scope_schema_url.clone(),
                spans: vec![Span {
                    trace_id: sp.trace_id.to_vec(),
                    span_id: sp.span_id.to_vec(),
                    parent_span_id: sp.parent_span_id.map(|p| p.to_vec()).unwrap_or_default(),
                    trace_state: sp.trace_state.clone(),
                    name: sp.name.clone(),
                    kind: span::SpanKind::Internal as i32,
                    start_time_unix_nano: sp.start_ns,
                    end_time_unix_nano: sp.end_ns,
                    attributes: key_values(&sp.attrs),
                    events: sp
                        .events
                        .iter()
                        .map(|(name, attrs)| span::Event {
                            time_unix_nano: sp.start_ns + 100_000_000,
                            name: name.clone(),
                            attributes: key_values(attrs),
                            ..Default::default()
                        })
                        .collect(),
                    links: sp
                        .links
                        .iter()
                        .map(|l| span::Link {
                            trace_id: l.trace_id.to_vec(),
                            span_id: l.span_id.to_vec(),
                            trace_state: l.trace_state.clone(),
                            attributes: key_values(&l.attrs),
                            ..Default::default()
                        })
                        .collect(),
                    status: (!sp.status_message.is_empty()).then(|| Status {
                        message: sp.status_message.clone(),
                        code: opentelemetry_proto::tonic::trace::v1::status::StatusCode::Error
                            as i32,
                    }),
                    ..Default::default()
                }],
            }],
            schema_url: sp.resource_schema_url.clone(),
        })
        .collect();
    ExportTraceServiceRequest { resource_spans }
}

/// OTLP/protobuf ExportTraceServiceRequest, one resource per span.
pub fn to_protobuf(spans: &[RawSpan]) -> Vec<u8> {
    to_request(spans).encode_to_vec()
}
