//! Reading the collector's file exporter output (OTLP JSON, one request per line).

use std::collections::BTreeMap;

use serde_json::Value;

/// One received span with its resource.
#[derive(Debug, Clone)]
pub struct Span {
    pub name: String,
    pub scope: String,
    pub trace_id: String,
    pub span_id: String,
    /// Empty for a root span.
    pub parent_span_id: String,
    pub start_ns: u64,
    pub end_ns: u64,
    pub status_code: i64,
    pub attrs: BTreeMap<String, Value>,
    pub resource: BTreeMap<String, Value>,
    /// The schema URLs of the resource and of the scope (empty when none).
    pub resource_schema_url: String,
    pub scope_schema_url: String,
}

impl Span {
    pub fn args(&self) -> Vec<String> {
        attr_strings(&self.attrs, "process.command_args")
    }
}

fn attrs(list: Option<&Value>) -> BTreeMap<String, Value> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|kv| {
            (
                kv["key"].as_str().unwrap_or_default().to_owned(),
                kv["value"].clone(),
            )
        })
        .collect()
}

/// OTLP JSON writes 64-bit integers as strings.
fn nanos(v: &Value) -> u64 {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .or_else(|| v.as_u64())
        .unwrap_or(0)
}

pub fn parse_lines(bytes: &[u8]) -> Vec<Span> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let Ok(req) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        for rs in req["resourceSpans"].as_array().into_iter().flatten() {
            let resource = attrs(rs["resource"].get("attributes"));
            let resource_schema_url = rs["schemaUrl"].as_str().unwrap_or_default().to_owned();
            for ss in rs["scopeSpans"].as_array().into_iter().flatten() {
                let scope = ss["scope"]["name"].as_str().unwrap_or_default().to_owned();
                let scope_schema_url = ss["schemaUrl"].as_str().unwrap_or_default().to_owned();
                for s in ss["spans"].as_array().into_iter().flatten() {
                    out.push(Span {
                        name: s["name"].as_str().unwrap_or_default().to_owned(),
                        scope: scope.clone(),
                        trace_id: s["traceId"].as_str().unwrap_or_default().to_owned(),
                        span_id: s["spanId"].as_str().unwrap_or_default().to_owned(),
                        parent_span_id: s["parentSpanId"].as_str().unwrap_or_default().to_owned(),
                        start_ns: nanos(&s["startTimeUnixNano"]),
                        end_ns: nanos(&s["endTimeUnixNano"]),
                        status_code: s["status"]["code"].as_i64().unwrap_or(0),
                        attrs: attrs(s.get("attributes")),
                        resource: resource.clone(),
                        resource_schema_url: resource_schema_url.clone(),
                        scope_schema_url: scope_schema_url.clone(),
                    });
                }
            }
        }
    }
    out
}

pub fn attr_str(map: &BTreeMap<String, Value>, key: &str) -> Option<String> {
    map.get(key)?
        .get("stringValue")?
        .as_str()
        .map(str::to_owned)
}

pub fn attr_i64(map: &BTreeMap<String, Value>, key: &str) -> Option<i64> {
    let v = map.get(key)?.get("intValue")?;
    v.as_i64().or_else(|| v.as_str()?.parse().ok())
}

pub fn attr_strings(map: &BTreeMap<String, Value>, key: &str) -> Vec<String> {
    map.get(key)
        .and_then(|v| v["arrayValue"]["values"].as_array())
        .into_iter()
        .flatten()
        .filter_map(|v| v["stringValue"].as_str().map(str::to_owned))
        .collect()
}

/// The distinct span ids among `spans` (a copy sent twice counts once).
pub fn distinct(spans: &[Span]) -> std::collections::HashSet<String> {
    spans.iter().map(|s| s.span_id.clone()).collect()
}
