//! What the sender accepts from the spool: only a request this crate could have
//! written. It must decode as an OTLP `ExportTraceServiceRequest`, every span must come
//! from consentry's scope, and every attribute key (resource, span, event, link) must
//! be in the data manifest: the check the gateway makes, done before a byte leaves.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::KeyValue;

use crate::attributes::{COMMAND_SPAN, EVENTS, RESOURCE};

/// Why a spooled file is not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Invalid {
    /// Not a protobuf `ExportTraceServiceRequest` (garbage, truncated, someone's file).
    NotOtlp,
    /// Valid OTLP with nothing in it.
    Empty,
    /// A span from another instrumentation scope.
    ForeignScope,
    /// An attribute key the manifest does not name.
    UnknownKey,
}

/// Decodes and checks one spooled request.
pub(crate) fn check(body: &[u8]) -> Result<ExportTraceServiceRequest, Invalid> {
    let request: ExportTraceServiceRequest =
        prost::Message::decode(body).map_err(|_| Invalid::NotOtlp)?;
    let known = |attrs: &[KeyValue], table: &[&[crate::Attribute]]| {
        attrs
            .iter()
            .all(|kv| table.iter().flat_map(|t| t.iter()).any(|a| a.key == kv.key))
    };
    let mut spans = 0;
    for rs in &request.resource_spans {
        let resource = rs.resource.as_ref().map_or(&[][..], |r| &r.attributes[..]);
        if !known(resource, &[RESOURCE]) {
            return Err(Invalid::UnknownKey);
        }
        for ss in &rs.scope_spans {
            let scope = ss.scope.as_ref();
            if scope.is_none_or(|s| s.name != crate::SCOPE_NAME || !s.attributes.is_empty()) {
                return Err(Invalid::ForeignScope);
            }
            for span in &ss.spans {
                spans += 1;
                if !known(&span.attributes, &[COMMAND_SPAN])
                    || !span.events.iter().all(|e| known(&e.attributes, &[EVENTS]))
                    || !span.links.iter().all(|l| l.attributes.is_empty())
                {
                    return Err(Invalid::UnknownKey);
                }
            }
        }
    }
    if spans == 0 {
        return Err(Invalid::Empty);
    }
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::common::v1::{AnyValue, InstrumentationScope, any_value};
    use opentelemetry_proto::tonic::resource::v1::Resource;
    use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, span::Event};

    fn kv(key: &str) -> KeyValue {
        KeyValue {
            key: key.into(),
            value: Some(AnyValue {
                value: Some(any_value::Value::StringValue("v".into())),
            }),
            ..Default::default()
        }
    }

    fn request(scope: &str, span_key: &str, event_key: &str) -> Vec<u8> {
        let r = ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                resource: Some(Resource {
                    attributes: vec![kv(crate::attributes::SERVICE_NAME)],
                    ..Default::default()
                }),
                scope_spans: vec![ScopeSpans {
                    scope: Some(InstrumentationScope {
                        name: scope.into(),
                        ..Default::default()
                    }),
                    spans: vec![Span {
                        span_id: vec![1; 8],
                        attributes: vec![kv(span_key)],
                        events: vec![Event {
                            attributes: vec![kv(event_key)],
                            ..Default::default()
                        }],
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            }],
        };
        prost::Message::encode_to_vec(&r)
    }

    #[test]
    fn only_consentry_requests_with_manifest_keys_pass() {
        use crate::attributes::{COMMAND, FEATURE_NAME};
        assert!(check(&request("consentry", COMMAND, FEATURE_NAME)).is_ok());
        assert_eq!(
            check(&request("other", COMMAND, FEATURE_NAME)).unwrap_err(),
            Invalid::ForeignScope
        );
        assert_eq!(
            check(&request("consentry", "user.secret", FEATURE_NAME)).unwrap_err(),
            Invalid::UnknownKey
        );
        assert_eq!(
            check(&request("consentry", COMMAND, "extra")).unwrap_err(),
            Invalid::UnknownKey
        );
    }

    #[test]
    fn garbage_truncated_and_empty_are_refused() {
        let good = request(
            "consentry",
            crate::attributes::COMMAND,
            crate::attributes::FEATURE_NAME,
        );
        assert_eq!(
            check(&good[..good.len() - 3]).unwrap_err(),
            Invalid::NotOtlp
        );
        assert!(check(b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n").is_err());
        assert_eq!(check(b"").unwrap_err(), Invalid::Empty);
    }
}
