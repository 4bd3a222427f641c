use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SpanData;

/// The OTLP request for `spans`, exactly as it goes on the wire. Resource attributes
/// are sorted by key (the SDK keeps them in a hash map), so the same run gives the same
/// bytes and print mode reads the same every time.
pub(crate) fn encode(spans: Vec<SpanData>, resource: &Resource) -> ExportTraceServiceRequest {
    let resource: ResourceAttributesWithSchema = resource.into();
    let mut resource_spans = group_spans_by_resource_and_scope(spans, &resource);
    for rs in &mut resource_spans {
        if let Some(r) = rs.resource.as_mut() {
            r.attributes.sort_by(|a, b| a.key.cmp(&b.key));
        }
    }
    ExportTraceServiceRequest { resource_spans }
}
