//! What the request says about the names it uses: the semantic conventions release
//! (schema URL) on the resource and the scope, and the SDK and distribution that made it.

use opentelemetry_proto::tonic::common::v1::any_value::Value;

use crate::Telemetry;
use crate::manifest::SCHEMA_URL;
use crate::tests::support::opted_in as on;

fn resource_str(
    request: &opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest,
    key: &str,
) -> Option<String> {
    let resource = request.resource_spans[0].resource.as_ref()?;
    resource
        .attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| match kv.value.as_ref()?.value.as_ref()? {
            Value::StringValue(s) => Some(s.clone()),
            _ => None,
        })
}

#[test]
fn the_resource_and_the_scope_name_the_conventions_and_the_sdk() {
    let dir = tempfile::tempdir().unwrap();
    let mut guard = on(dir.path(), Telemetry::builder("tool")).init();
    guard.command("go", ["x"]).finish(0);
    let request = guard.take_request().unwrap();
    assert_eq!(request.resource_spans.len(), 1);
    let rs = &request.resource_spans[0];
    assert_eq!(rs.schema_url, SCHEMA_URL);
    assert_eq!(rs.scope_spans.len(), 1);
    assert_eq!(rs.scope_spans[0].schema_url, SCHEMA_URL);
    // The values the SDK's own detector gives any OpenTelemetry Rust program.
    let detected = opentelemetry_sdk::resource::ResourceDetector::detect(
        &opentelemetry_sdk::resource::TelemetryResourceDetector,
    );
    for key in [
        "telemetry.sdk.name",
        "telemetry.sdk.language",
        "telemetry.sdk.version",
    ] {
        let expected = detected.get(&opentelemetry::Key::from_static_str(key));
        assert_eq!(
            resource_str(&request, key),
            expected.map(|v| v.to_string()),
            "{key}"
        );
    }
    assert_eq!(
        resource_str(&request, "telemetry.sdk.name").as_deref(),
        Some("opentelemetry")
    );
    assert_eq!(
        resource_str(&request, "telemetry.sdk.language").as_deref(),
        Some("rust")
    );
    assert_eq!(
        resource_str(&request, "telemetry.distro.name").as_deref(),
        Some("consentry")
    );
    assert_eq!(
        resource_str(&request, "telemetry.distro.version").as_deref(),
        Some(env!("CARGO_PKG_VERSION"))
    );
    let uuid = |key| {
        resource_str(&request, key)
            .is_some_and(|v| uuid::Uuid::parse_str(&v).is_ok_and(|u| u.get_version_num() == 4))
    };
    assert!(uuid("app.installation.id"), "{request:?}");
    assert!(uuid("service.instance.id"), "{request:?}");
}

#[test]
fn each_run_is_its_own_service_instance_of_one_installation() {
    let dir = tempfile::tempdir().unwrap();
    let t = on(dir.path(), Telemetry::builder("tool"));
    let mut ids = Vec::new();
    for _ in 0..2 {
        let mut guard = t.clone().init();
        guard.command("go", ["x"]).finish(0);
        let request = guard.take_request().unwrap();
        ids.push((
            resource_str(&request, "app.installation.id").unwrap(),
            resource_str(&request, "service.instance.id").unwrap(),
        ));
    }
    assert_eq!(ids[0].0, ids[1].0, "one install");
    assert_ne!(ids[0].1, ids[1].1, "two runs, two instances");
}

#[test]
fn the_docs_name_the_release_the_code_follows() {
    let version = SCHEMA_URL.rsplit('/').next().unwrap();
    let readme = include_str!("../../README.md");
    assert!(readme.contains(SCHEMA_URL), "README names {SCHEMA_URL}");
    assert!(
        readme.contains(&format!("semantic conventions {version}")),
        "README names release {version}"
    );
}
