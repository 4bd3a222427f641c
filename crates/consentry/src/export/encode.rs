use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SpanData;

/// The OTLP request for `spans`, exactly as it goes on the wire.
pub(crate) fn encode(spans: Vec<SpanData>, resource: &Resource) -> ExportTraceServiceRequest {
    let resource: ResourceAttributesWithSchema = resource.into();
    ExportTraceServiceRequest { resource_spans: group_spans_by_resource_and_scope(spans, &resource) }
}
