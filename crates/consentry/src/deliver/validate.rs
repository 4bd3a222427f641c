//! What the sender accepts from the spool: only a request this crate could have
//! written. It must decode as an OTLP `ExportTraceServiceRequest`, every span must come
//! from consentry's scope, every schema URL must be a semantic conventions release's
//! (free text otherwise, in a file anyone could have written), and every attribute key (resource, span, event, link) must
//! be in the data manifest, or, on spans and events, among the keys this tool declared
//! (`<tool>.<field>`, see `declared`) with a value of the safe character set: the check
//! the gateway makes, done before a byte leaves.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::KeyValue;

use crate::rules::attributes::{COMMAND_SPAN, ERASE_SPAN, ERASURE, EVENTS, RESOURCE};

/// Why a spooled file is not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Invalid {
    /// Not a protobuf `ExportTraceServiceRequest` (garbage, truncated, someone's file).
    NotOtlp,
    /// Valid OTLP with nothing in it.
    Empty,
    /// A span from another instrumentation scope.
    ForeignScope,
    /// A resource or scope schema URL that is not a semantic conventions release's.
    ForeignSchema,
    /// An attribute key the manifest does not name.
    UnknownKey,
}

/// Decodes and checks one spooled request.
pub(crate) fn check(
    body: &[u8],
    declared: &[String],
) -> Result<ExportTraceServiceRequest, Invalid> {
    let request: ExportTraceServiceRequest =
        prost::Message::decode(body).map_err(|_| Invalid::NotOtlp)?;
    let in_manifest = |kv: &KeyValue, table: &[&[crate::manifest::Attribute]]| {
        table.iter().flat_map(|t| t.iter()).any(|a| a.key == kv.key)
    };
    let known = |attrs: &[KeyValue], table: &[&[crate::manifest::Attribute]]| {
        attrs.iter().all(|kv| in_manifest(kv, table))
    };
    let known_or_declared = |attrs: &[KeyValue], table: &[&[crate::manifest::Attribute]]| {
        attrs
            .iter()
            .all(|kv| in_manifest(kv, table) || (declared.contains(&kv.key) && safe_value(kv)))
    };
    let mut spans = 0;
    for rs in &request.resource_spans {
        if !is_release_schema_url(&rs.schema_url)
            || !rs
                .scope_spans
                .iter()
                .all(|ss| is_release_schema_url(&ss.schema_url))
        {
            return Err(Invalid::ForeignSchema);
        }
        let resource = rs.resource.as_ref().map_or(&[][..], |r| &r.attributes[..]);
        if !known(resource, &[RESOURCE]) {
            return Err(Invalid::UnknownKey);
        }
        for ss in &rs.scope_spans {
            let scope = ss.scope.as_ref();
            if scope
                .is_none_or(|s| s.name != crate::manifest::SCOPE_NAME || !s.attributes.is_empty())
            {
                return Err(Invalid::ForeignScope);
            }
            for span in &ss.spans {
                spans += 1;
                // The erase request (`telemetry delete`) carries its token and nothing
                // else; no other span may carry a token.
                if span.name == ERASE_SPAN {
                    if !known(&span.attributes, &[ERASURE])
                        || !span.events.is_empty()
                        || !span.links.is_empty()
                    {
                        return Err(Invalid::UnknownKey);
                    }
                    continue;
                }
                if !known_or_declared(&span.attributes, &[COMMAND_SPAN])
                    || !span
                        .events
                        .iter()
                        .all(|e| known_or_declared(&e.attributes, &[EVENTS]))
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

/// Empty, or `https://opentelemetry.io/schemas/<major>.<minor>.<patch>`: any release,
/// so a request spooled by a version of the tool that followed another release is
/// still sent. The gateway keeps the same shape (`@schema_url` in value-shapes.txt).
fn is_release_schema_url(url: &str) -> bool {
    let Some(version) = url.strip_prefix("https://opentelemetry.io/schemas/") else {
        return url.is_empty();
    };
    let parts: Vec<&str> = version.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
}

/// A declared value as the layer records it: a number, a bool, or a safe token.
fn safe_value(kv: &KeyValue) -> bool {
    use opentelemetry_proto::tonic::common::v1::any_value::Value;
    match kv.value.as_ref().and_then(|v| v.value.as_ref()) {
        Some(Value::StringValue(s)) => crate::rules::declared::is_safe_token(s),
        Some(Value::IntValue(_) | Value::DoubleValue(_) | Value::BoolValue(_)) => true,
        _ => false,
    }
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
                    attributes: vec![kv(crate::rules::attributes::SERVICE_NAME)],
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
        use crate::rules::attributes::{COMMAND, FEATURE_NAME};
        assert!(check_plain(&request("consentry", COMMAND, FEATURE_NAME)).is_ok());
        assert_eq!(
            check_plain(&request("other", COMMAND, FEATURE_NAME)).unwrap_err(),
            Invalid::ForeignScope
        );
        assert_eq!(
            check_plain(&request("consentry", "user.secret", FEATURE_NAME)).unwrap_err(),
            Invalid::UnknownKey
        );
        assert_eq!(
            check_plain(&request("consentry", COMMAND, "extra")).unwrap_err(),
            Invalid::UnknownKey
        );
    }

    #[test]
    fn only_release_schema_urls_pass() {
        use crate::rules::attributes::{COMMAND, FEATURE_NAME};
        let with_urls = |resource: &str, scope: &str| {
            let mut r: ExportTraceServiceRequest =
                prost::Message::decode(&request("consentry", COMMAND, FEATURE_NAME)[..]).unwrap();
            r.resource_spans[0].schema_url = resource.into();
            r.resource_spans[0].scope_spans[0].schema_url = scope.into();
            check_plain(&prost::Message::encode_to_vec(&r))
        };
        let ours = crate::manifest::SCHEMA_URL;
        assert!(with_urls(ours, ours).is_ok());
        assert!(with_urls("https://opentelemetry.io/schemas/1.9.0", "").is_ok());
        for foreign in [
            "https://opentelemetry.io/schemas/alice@example.com",
            "https://opentelemetry.io/schemas/1.44",
            "https://opentelemetry.io/schemas/1.44.0/x",
            "https://opentelemetry.io/schemas/1.4444.0",
            "https://example.com/schemas/1.44.0",
            "call alice",
        ] {
            assert_eq!(
                with_urls(foreign, ours).unwrap_err(),
                Invalid::ForeignSchema,
                "{foreign}"
            );
            assert_eq!(
                with_urls(ours, foreign).unwrap_err(),
                Invalid::ForeignSchema,
                "{foreign}"
            );
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Whatever a file carries as a schema URL, only a release's URL passes: no
        /// other text (a name, an address, a path) leaves in it.
        #[test]
        fn a_passing_schema_url_is_a_release_url(url in proptest::prop_oneof![
            "\\PC{0,60}",
            "https://opentelemetry[.]io/schemas/[0-9a-z.@/]{0,12}",
            "https://opentelemetry[.]io/schemas/[0-9]{1,4}[.][0-9]{1,4}[.][0-9]{1,4}\\PC{0,3}",
        ]) {
            let release = regex_lite::Regex::new(
                r"^https://opentelemetry\.io/schemas/[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$",
            )
            .unwrap();
            proptest::prop_assert_eq!(
                is_release_schema_url(&url),
                url.is_empty() || release.is_match(&url),
                "{:?}",
                url
            );
        }
    }

    #[test]
    fn garbage_truncated_and_empty_are_refused() {
        let good = request(
            "consentry",
            crate::rules::attributes::COMMAND,
            crate::rules::attributes::FEATURE_NAME,
        );
        assert_eq!(
            check_plain(&good[..good.len() - 3]).unwrap_err(),
            Invalid::NotOtlp
        );
        assert!(
            check_plain(b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n")
                .is_err()
        );
        assert_eq!(check_plain(b"").unwrap_err(), Invalid::Empty);
    }

    /// A request checked for a tool that declared nothing.
    fn check_plain(body: &[u8]) -> Result<ExportTraceServiceRequest, Invalid> {
        check(body, &[])
    }

    /// A declared key passes on spans and events of the tool that declared it, with a
    /// safe value only; it never passes on the resource, and another tool's key fails.
    #[test]
    fn declared_keys_pass_only_for_their_tool_and_with_safe_values() {
        use crate::rules::attributes::{COMMAND, FEATURE_NAME};
        let declared = ["taskr.tasks".to_owned()];
        assert!(
            check(
                &request("consentry", "taskr.tasks", FEATURE_NAME),
                &declared
            )
            .is_ok()
        );
        assert!(check(&request("consentry", COMMAND, "taskr.tasks"), &declared).is_ok());
        assert_eq!(
            check_plain(&request("consentry", "taskr.tasks", FEATURE_NAME)).unwrap_err(),
            Invalid::UnknownKey
        );
        assert_eq!(
            check(
                &request("consentry", "other.tasks", FEATURE_NAME),
                &declared
            )
            .unwrap_err(),
            Invalid::UnknownKey
        );
        // `kv` gives every attribute the value "v" (safe); free text is refused.
        let mut r: ExportTraceServiceRequest =
            prost::Message::decode(&request("consentry", "taskr.tasks", FEATURE_NAME)[..]).unwrap();
        r.resource_spans[0].scope_spans[0].spans[0].attributes[0].value = Some(AnyValue {
            value: Some(any_value::Value::StringValue("call alice".into())),
        });
        assert_eq!(
            check(&prost::Message::encode_to_vec(&r), &declared).unwrap_err(),
            Invalid::UnknownKey
        );
    }
}
