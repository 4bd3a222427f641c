//! consentry: consent-first, anonymous usage telemetry for command-line tools, on
//! OpenTelemetry.
//!
//! A command run becomes one `tracing` span with masked attributes. A consent gate
//! decides once, at init, whether anything is recorded; when the user opted out nothing
//! else happens: no id, no file written, no thread, no socket. When telemetry is on, the
//! span is kept in memory and sent at exit over OTLP (HTTP/protobuf or gRPC) to the
//! collector the author names, waiting no longer than a hard exit budget.
//!
//! ```no_run
//! use tracing_subscriber::prelude::*;
//!
//! let guard = consentry::Telemetry::builder("taskr")
//!     .with_version(env!("CARGO_PKG_VERSION"))
//!     .with_endpoint("https://telemetry.example.com:4318")
//!     .build()
//!     .expect("valid telemetry configuration")
//!     .init();
//! // The tool keeps its own log layers; consentry's layer sees only its own spans.
//! tracing_subscriber::registry().with(guard.layer()).init();
//!
//! let run = guard.command("add", std::env::args_os().skip(1));
//! let exit_code = 0; // ... the command runs ...
//! run.finish(exit_code);
//! drop(guard); // sends within the exit budget
//! ```
//!
//! # Consent
//!
//! Strictest wins, and the deciding setting is recorded ([`Decision::source`]):
//!
//! 1. `DO_NOT_TRACK`, then `<TOOL>_TELEMETRY_OPTOUT`, then the author's aliases
//!    ([`TelemetryBuilder::with_opt_out_var`]). Unset or a false word (`0`, `false`,
//!    `no`, `off`, any case) means "not set"; any other value, an empty one included,
//!    opts out.
//! 2. The user settings file `telemetry.toml` in the tool's OS config dir
//!    (`enabled = false` or `true`). A file that cannot be read or parsed opts out
//!    until it is fixed.
//! 3. The author's default ([`TelemetryBuilder::with_default_enabled`], on by default).
//!
//! # Environment variables
//!
//! | Variable | Effect |
//! |---|---|
//! | `DO_NOT_TRACK` | Opts out (see the rule above). [`DO_NOT_TRACK`] |
//! | `<TOOL>_TELEMETRY_OPTOUT` | Opts out of this tool only. [`OPT_OUT_SUFFIX`] |
//! | `<TOOL>_TELEMETRY_ENDPOINT` | Collector URL, overriding the compiled-in one. [`ENDPOINT_SUFFIX`] |
//! | `<TOOL>_TELEMETRY_PROTOCOL` | `grpc` or `http/protobuf`. [`PROTOCOL_SUFFIX`] |
//!
//! `<TOOL>` is the tool name in upper case with other characters as `_`. consentry never
//! reads `OTEL_EXPORTER_OTLP_*`, `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_SERVICE_NAME` or
//! `OTEL_TRACES_SAMPLER`: those configure the user's own services.
//!
//! # Files
//!
//! | File (in the tool's OS config dir) | Holds |
//! |---|---|
//! | `telemetry.toml` | The user's setting, `enabled = true/false`. [`USER_CONFIG_FILE`] |
//! | `telemetry-install-id` | The install id, created only when telemetry is on. [`INSTALL_ID_FILE`] |
//!
//! # Data points
//!
//! Resource (every span of a run):
//!
//! | Attribute | Holds |
//! |---|---|
//! | `service.name` | The tool's name. |
//! | `service.version` | The tool's version. |
//! | `os.type` | `linux`, `darwin`, `windows`, `freebsd`, ... |
//! | `os.version` | Kernel release on Unix, OS version on Windows. |
//! | `host.arch` | `amd64`, `arm64`, ... |
//! | `consentry.install.id` | Random UUID v4 made on first use. |
//!
//! Command span (name: the tool's name; scope: `consentry`):
//!
//! | Attribute | Holds |
//! |---|---|
//! | `process.executable.name` | The tool's name. |
//! | `consentry.command` | The command that ran. |
//! | `process.command_args` | The arguments; option names kept, values `*****`. |
//! | `process.exit.code` | The exit code. |
//! | `error.type` | The author's error class or the exit code, when not 0. |
//!
//! Span start and end times give the timestamp and duration; the status is `Error`
//! when the exit code is not 0. Nothing else is sent: no host name, user name, MAC or
//! IP address, no source path, no thread name.
//!
//! # Features
//!
//! | Feature | Default | Gives |
//! |---|---|---|
//! | `http` | yes | OTLP/HTTP with protobuf bodies (blocking `ureq`, no async runtime). |
//! | `grpc` | no | OTLP/gRPC (tonic on a current-thread tokio runtime made only to send). |
//! | `tls` | yes | `https://` endpoints (rustls, webpki roots). |

pub mod attributes;
mod builder;
mod command;
mod config;
mod consent;
mod env;
mod export;
mod guard;
mod identity;
mod layer;
pub mod manifest;
pub mod mask;
mod resource;
pub mod scrub;

pub use attributes::{Attribute, COMMAND_SPAN, RESOURCE, Scope as AttributeScope};
pub use builder::{BuildError, DEFAULT_EXIT_BUDGET, MAX_EXIT_BUDGET, Telemetry, TelemetryBuilder};
pub use command::CommandRun;
pub use config::USER_CONFIG_FILE;
pub use consent::{Decision, Source};
pub use env::{DO_NOT_TRACK, ENDPOINT_SUFFIX, FALSE_WORDS, OPT_OUT_SUFFIX, PROTOCOL_SUFFIX, opts_out};
pub use export::{Endpoint, EndpointError, Outcome, Transport};
pub use guard::TelemetryGuard;
pub use identity::INSTALL_ID_FILE;
pub use layer::TARGET;

/// The instrumentation scope name of every span consentry sends; a collector can keep
/// only this scope.
pub const SCOPE_NAME: &str = "consentry";

#[cfg(test)]
mod doc_tests {
    #[test]
    fn every_attribute_is_documented_in_the_crate_docs() {
        let docs = include_str!("lib.rs");
        for a in crate::RESOURCE.iter().chain(crate::COMMAND_SPAN) {
            assert!(docs.contains(&format!("| `{}` |", a.key)), "{} missing from crate docs", a.key);
        }
    }
}
