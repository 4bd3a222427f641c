//! One run of one command, as a span.

use std::ffi::OsStr;

use opentelemetry::trace::{Status, TraceContextExt};
use opentelemetry::{Array, StringValue, Value};
use tracing::field::Empty;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::attributes as attr;
use crate::mask;

/// The span of a command run. Close it with [`finish`](Self::finish) or
/// [`finish_with_error`](Self::finish_with_error) before the guard is dropped; a run
/// dropped without either is sent without an exit code.
///
/// When telemetry is off this is an empty handle: nothing is masked or recorded.
#[must_use = "a command run records its exit code only when finished"]
#[derive(Debug)]
pub struct CommandRun {
    span: tracing::Span,
}

impl CommandRun {
    pub(crate) fn disabled() -> Self {
        CommandRun { span: tracing::Span::none() }
    }

    /// Opens the span. It is not entered, so the tool's own logs carry no trace of it.
    pub(crate) fn start<I, T>(tool: &str, command: &str, args: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: AsRef<OsStr>,
    {
        let span = tracing::info_span!(
            target: "consentry",
            parent: None,
            "command",
            otel.name = tool,
            "process.executable.name" = tool,
            "consentry.command" = command,
            "process.exit.code" = Empty,
            "error.type" = Empty,
        );
        let path: Vec<&str> = command.split_whitespace().collect();
        let mut masked: Vec<StringValue> = vec![tool.to_owned().into()];
        masked.extend(mask::mask_args(&path, args).into_iter().map(StringValue::from));
        span.set_attribute(attr::COMMAND_ARGS, Value::Array(Array::String(masked)));
        CommandRun { span }
    }

    /// Whether the span is being recorded: telemetry is on and the layer from
    /// [`TelemetryGuard::layer`](crate::TelemetryGuard::layer) is in the subscriber.
    pub fn is_recording(&self) -> bool {
        !self.span.is_disabled() && self.span.context().span().span_context().is_valid()
    }

    /// Ends the run with `exit_code`. A non-zero code also sets `error.type` to the
    /// code (as the CLI semantic conventions ask) and the span status to error.
    pub fn finish(self, exit_code: i32) {
        let error_type = (exit_code != 0).then(|| exit_code.to_string());
        self.close(exit_code, error_type);
    }

    /// Ends the run with `exit_code` and the author's error class, for example
    /// `"NotFound"`. It is a `&'static str` so that no message text, path or user
    /// input can end up in it.
    /// An exit code of 0 ignores `error_type`: a run that succeeded has no error.
    pub fn finish_with_error(self, exit_code: i32, error_type: &'static str) {
        let error_type = (exit_code != 0).then(|| error_type.to_owned());
        self.close(exit_code, error_type);
    }

    fn close(self, exit_code: i32, error_type: Option<String>) {
        self.span.record(attr::EXIT_CODE, i64::from(exit_code));
        if let Some(error_type) = error_type {
            self.span.record(attr::ERROR_TYPE, error_type.as_str());
            self.span.set_status(Status::error(""));
        }
    }
}
