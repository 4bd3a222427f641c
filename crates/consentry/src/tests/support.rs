//! What the in-crate tests share: a tool that is opted in, past its notice, in a
//! made-up environment, with everything it writes under one temp dir.

use std::path::Path;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::trace::v1::Span;

use crate::configure::env::FixedEnv;
use crate::{Telemetry, TelemetryBuilder, TelemetryGuard};

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

/// Records one run (`go x`, exit 0) and returns the resource attribute `key` of the
/// request it would send, when the resource carries it.
pub(crate) fn one_run_resource_attr(guard: &mut TelemetryGuard, key: &str) -> Option<Value> {
    guard.command("go", ["x"]).finish(0);
    let request = guard.take_request().expect("one request");
    let resource = request.resource_spans[0].resource.as_ref().unwrap();
    resource
        .attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref()?.value.clone())
}

/// Plants a FIFO at `path`, where the hostile-file tests expect a regular file.
#[cfg(unix)]
pub(crate) fn mkfifo(path: &Path) {
    use rustix::fs::Mode;
    rustix::fs::mkfifoat(rustix::fs::CWD, path, Mode::RUSR | Mode::WUSR).unwrap();
}
