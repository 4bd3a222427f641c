//! What the in-crate tests share: a tool that is opted in, past its notice, in a
//! made-up environment, with everything it writes under one temp dir.

use std::path::Path;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::trace::v1::Span;

use crate::configure::env::FixedEnv;
use crate::{Telemetry, TelemetryBuilder};

/// Every span of a request, in order.
pub(crate) fn spans(request: &ExportTraceServiceRequest) -> Vec<&Span> {
    request
        .resource_spans
        .iter()
        .flat_map(|r| &r.scope_spans)
        .flat_map(|s| &s.spans)
        .collect()
}

/// The environment of an in-crate test: a home under `dir` and nothing else set, so
/// the machine running the tests (its `DO_NOT_TRACK`, `CI`, home) changes nothing.
pub(crate) fn env(dir: &Path) -> FixedEnv {
    FixedEnv::new()
        .var("HOME", dir.join("home"))
        .args(["tool"])
        .current_dir(dir)
}

/// `builder` opted in and past the notice: settings and spool under `dir`, an
/// endpoint nothing listens on (the discard port of loopback), no uploader, no panic
/// hook, debug builds reporting; in [`env`] unless the builder was given another.
pub(crate) fn opted_in(dir: &Path, mut builder: TelemetryBuilder) -> Telemetry {
    if builder.settings.env.is_none() {
        builder = builder.with_env(env(dir));
    }
    let t = builder
        .with_debug_builds(true)
        .with_config_dir(dir.join("config"))
        .with_spool_dir(dir.join("state/spool"))
        .with_endpoint("http://127.0.0.1:9")
        .with_uploader(false)
        .with_panic_hook(false)
        .build()
        .unwrap();
    let version = t.notice_version();
    crate::consent::config::update(
        &dir.join("config")
            .join(crate::consent::config::USER_CONFIG_FILE),
        |c| c.notice = Some(version),
    )
    .unwrap();
    t
}
