//! Resource attributes: what describes the install, in OpenTelemetry semantic
//! conventions, and nothing that identifies the machine or the person.

use opentelemetry::KeyValue;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::resource::{ResourceDetector, TelemetryResourceDetector};

use crate::rules::attributes as attr;

/// `os.type` in semantic-convention values (`darwin`, not `macos`).
pub(crate) fn os_type() -> &'static str {
    match std::env::consts::OS {
        "macos" | "ios" => "darwin",
        "dragonfly" => "dragonflybsd",
        "illumos" | "solaris" => "solaris",
        other => other,
    }
}

/// `host.arch` in semantic-convention values (`amd64`, `arm64`).
pub(crate) fn host_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "x86",
        "arm" => "arm32",
        "powerpc" => "ppc32",
        "powerpc64" => "ppc64",
        "s390x" => "s390x",
        other => other,
    }
}

/// `os.version`: the kernel release on Unix (`uname -r`), the OS version on Windows.
pub(crate) fn os_version() -> String {
    crate::sys::os_version()
}

pub(crate) struct Describe<'a> {
    pub(crate) service_name: &'a str,
    pub(crate) service_version: &'a str,
    pub(crate) install_id: Option<String>,
    /// The erasure commitment of the install id, when the install can erase it.
    pub(crate) commitment: Option<String>,
    pub(crate) instance_id: String,
    pub(crate) ci_vendor: Option<Option<String>>,
    pub(crate) source: &'a str,
    pub(crate) channel: &'a str,
    pub(crate) agent: &'static str,
    /// `consentry.sample.weight`, when the tool samples.
    pub(crate) sample_weight: Option<f64>,
}

/// Builds the resource from scratch: `Resource::builder()` would also read
/// `OTEL_RESOURCE_ATTRIBUTES` and `OTEL_SERVICE_NAME`, the user's settings for their
/// own services, and send them to this tool's collector. `telemetry.sdk.*` come from
/// the SDK's own detector (it reads no environment), so they are the values any
/// OpenTelemetry Rust program reports.
pub(crate) fn build(d: Describe<'_>) -> Resource {
    let mut kv = vec![
        KeyValue::new(attr::SERVICE_NAME, d.service_name.to_owned()),
        KeyValue::new(attr::SERVICE_VERSION, d.service_version.to_owned()),
        KeyValue::new(attr::OS_TYPE, os_type()),
        KeyValue::new(attr::OS_VERSION, os_version()),
        KeyValue::new(attr::HOST_ARCH, host_arch()),
    ];
    if let Some(id) = d.install_id {
        kv.push(KeyValue::new(attr::INSTALL_ID, id));
    }
    if let Some(commitment) = d.commitment {
        kv.push(KeyValue::new(attr::ERASURE_COMMITMENT, commitment));
    }
    kv.push(KeyValue::new(attr::INSTANCE_ID, d.instance_id));
    kv.push(KeyValue::new(attr::CI, d.ci_vendor.is_some()));
    if let Some(Some(vendor)) = d.ci_vendor {
        kv.push(KeyValue::new(attr::CI_VENDOR, vendor));
    }
    kv.push(KeyValue::new(attr::SOURCE, d.source.to_owned()));
    kv.push(KeyValue::new(attr::CHANNEL, d.channel.to_owned()));
    kv.push(KeyValue::new(attr::AGENT, d.agent));
    if let Some(w) = d.sample_weight {
        kv.push(KeyValue::new(attr::SAMPLE_WEIGHT, w));
    }
    kv.push(KeyValue::new(attr::RUNTIME_NAME, "rust"));
    kv.push(KeyValue::new(
        attr::RUNTIME_VERSION,
        env!("CONSENTRY_RUSTC_VERSION"),
    ));
    kv.extend(
        TelemetryResourceDetector
            .detect()
            .iter()
            .map(|(k, v)| KeyValue::new(k.clone(), v.clone())),
    );
    kv.push(KeyValue::new(
        attr::DISTRO_NAME,
        crate::manifest::SCOPE_NAME,
    ));
    kv.push(KeyValue::new(
        attr::DISTRO_VERSION,
        env!("CARGO_PKG_VERSION"),
    ));
    Resource::builder_empty()
        .with_schema_url(kv, crate::manifest::SCHEMA_URL)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semconv_values() {
        assert_ne!(os_type(), "macos");
        assert_ne!(host_arch(), "x86_64");
        assert_ne!(host_arch(), "aarch64");
        assert!(!os_version().is_empty());
    }

    #[test]
    fn resource_has_only_declared_keys() {
        let r = build(Describe {
            service_name: "t",
            service_version: "1",
            install_id: Some("id".into()),
            commitment: Some("c".into()),
            instance_id: "s".into(),
            ci_vendor: Some(Some("GitHubActions".into())),
            source: "cli",
            channel: "cargo",
            agent: "none",
            sample_weight: Some(10.0),
        });
        let keys: Vec<String> = r.iter().map(|(k, _)| k.to_string()).collect();
        assert_eq!(
            keys.len(),
            attr::RESOURCE.len(),
            "every resource attribute, once: {keys:?}"
        );
        assert!(
            keys.iter()
                .all(|k| attr::RESOURCE.iter().any(|a| a.key == k)),
            "{keys:?}"
        );
    }
}
