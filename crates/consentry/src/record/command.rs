//! One run of one command, as a span.

use std::ffi::{OsStr, OsString};
use std::marker::PhantomData;
use std::sync::Arc;

use opentelemetry::trace::{Status, TraceContextExt};
use opentelemetry::{Array, KeyValue, StringValue, Value};
use tracing::field::Empty;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::record::guard::TelemetryGuard;
use crate::record::run_context::RunContext;
use crate::rules::attributes as attr;
use crate::rules::mask::{self, Hidden};

/// The exit code of a process that SIGINT ended (128 + 2), as shells report it, and
/// the one tools that handle Ctrl-C exit with.
const CTRL_C_EXIT_CODE: i32 = 130;

/// The span of a command run. Close it with [`finish`](Self::finish) or
/// [`finish_with_error`](Self::finish_with_error) before the guard is dropped. A run
/// dropped while the thread panics is closed with exit code 101 and `error.type` `panic`;
/// one dropped otherwise ends as it is, without an exit code.
///
/// When telemetry is off this is an empty handle: nothing is masked or recorded.
///
/// It borrows the guard, so the compiler refuses a guard dropped (or moved into
/// [`TelemetryGuard::exit`]) before the run is finished:
///
/// ```compile_fail
/// let guard = consentry::Telemetry::builder("tool").build().unwrap().init();
/// let run = guard.command("go", ["x"]);
/// drop(guard); // error[E0505]: cannot move out of `guard` because it is borrowed
/// run.finish(0);
/// ```
#[must_use = "a command run records its exit code only when finished"]
#[derive(Debug)]
pub struct CommandRun<'g> {
    span: tracing::Span,
    context: Option<Arc<RunContext>>,
    /// The typed values not sent in clear, masked in every message (never sent).
    hidden: Arc<Hidden>,
    finished: bool,
    marker: Option<crate::record::accounting::Marker>,
    _guard: PhantomData<&'g TelemetryGuard>,
}

impl TelemetryGuard {
    /// Starts the span of one command run: `command` is the command's name as the
    /// author calls it (`"add"`, `"remote add"`; empty to take the path the schema
    /// finds), `args` the raw arguments without the program name. Every argument is
    /// masked, by the schema when there is one, before anything is recorded.
    pub fn command<I, T>(&self, command: &str, args: I) -> CommandRun<'_>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<OsStr>,
    {
        match &self.active {
            Some(a) => CommandRun::start(a.context.clone(), command, args),
            None => CommandRun::disabled(),
        }
    }
}

impl CommandRun<'_> {
    pub(crate) fn disabled() -> Self {
        CommandRun {
            span: tracing::Span::none(),
            context: None,
            hidden: Arc::default(),
            finished: true,
            marker: None,
            _guard: PhantomData,
        }
    }

    /// Opens the span. It is not entered, so the tool's own logs carry no trace of it.
    pub(crate) fn start<I, T>(context: Arc<RunContext>, command: &str, args: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: AsRef<OsStr>,
    {
        let tool = context.tool.as_str();
        let raw: Vec<OsString> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
        let args = &raw;
        let masked = match (&context.schema, &context.key) {
            (Some(schema), key) => {
                let hasher = key.map(|k| move |v: &str| crate::identity::keyed_hash(&k, v));
                let hasher_ref = hasher.as_ref().map(|h| h as &dyn Fn(&str) -> String);
                schema.mask(args, hasher_ref)
            }
            (None, _) => {
                let path: Vec<&str> = command.split_whitespace().collect();
                let args = mask::mask_args(&path, args);
                let options = args
                    .iter()
                    .filter(|a| {
                        a.starts_with('-') && a.len() > 1 && *a != "--" && !a.contains(mask::MASK)
                    })
                    .cloned()
                    .collect();
                let command_path = path.iter().map(|p| (*p).to_owned()).collect();
                mask::Masked {
                    command_path,
                    args,
                    options_used: options,
                }
            }
        };
        let hidden = Arc::new(Hidden::new(&raw, &masked.args));
        drop(raw);
        let joined = masked.command_path.join(" ");
        let command = match (command, joined.as_str()) {
            ("", "") => crate::record::run_setup::ROOT_COMMAND,
            ("", path) => path,
            (named, _) => named,
        };
        let marker = context.runs_dir.as_deref().and_then(|dir| {
            crate::record::accounting::report_leftovers(dir, &context.tracer, tool);
            crate::record::accounting::Marker::create(
                dir,
                command,
                &masked.args,
                context.heartbeat,
                context.periodic.clone(),
            )
        });
        let args_count = i64::try_from(masked.args.len() + 1).unwrap_or(i64::MAX);
        let span = tracing::dispatcher::with_default(&context.dispatch, || {
            tracing::info_span!(
                target: "consentry",
                parent: None,
                "command",
                otel.name = tool,
                "process.executable.name" = tool,
                "consentry.command" = command,
                "process.pid" = i64::from(std::process::id()),
                "consentry.stdin.terminal" = context.env.stdin_is_terminal(),
                "consentry.stdout.terminal" = context.env.stdout_is_terminal(),
                "process.args_count" = args_count,
                "process.exit.code" = Empty,
                "error.type" = Empty,
            )
        });
        let options: Vec<StringValue> = masked
            .options_used
            .into_iter()
            .map(StringValue::from)
            .collect();
        let mut all: Vec<StringValue> = vec![tool.to_owned().into()];
        all.extend(masked.args.into_iter().map(StringValue::from));
        span.set_attribute(attr::COMMAND_ARGS, Value::Array(Array::String(all)));
        span.set_attribute(attr::OPTIONS, Value::Array(Array::String(options)));
        crate::record::panic::set_current(&span, &hidden, context.error_messages);
        context.current.set(&span, command);
        CommandRun {
            span,
            context: Some(context),
            hidden,
            finished: false,
            marker,
            _guard: PhantomData,
        }
    }

    /// Whether the span is being recorded: telemetry is on for this run.
    pub fn is_recording(&self) -> bool {
        !self.span.is_disabled() && self.span.context().span().span_context().is_valid()
    }

    /// Records that a declared feature was used (a `consentry.feature` event). A name
    /// not declared with [`with_features`](crate::TelemetryBuilder::with_features) is
    /// ignored: the manifest lists every feature that can be sent.
    pub fn feature(&self, name: &'static str) {
        if self
            .context
            .as_ref()
            .is_some_and(|c| c.features.contains(&name))
        {
            self.span.add_event(
                attr::FEATURE_EVENT,
                vec![KeyValue::new(attr::FEATURE_NAME, name)],
            );
        }
    }

    /// Records a declared count about the project, e.g. `count("tasks", 12)` (a
    /// `consentry.count` event). Undeclared names are ignored.
    pub fn count(&self, name: &'static str, value: u64) {
        if self
            .context
            .as_ref()
            .is_some_and(|c| c.counts.contains(&name))
        {
            let value = i64::try_from(value).unwrap_or(i64::MAX);
            self.span.add_event(
                attr::COUNT_EVENT,
                vec![
                    KeyValue::new(attr::COUNT_NAME, name),
                    KeyValue::new(attr::COUNT_VALUE, value),
                ],
            );
        }
    }

    /// Sets `consentry.project.id` to the keyed hash of `identifier` (a project root
    /// path, a project UUID, a repository URL): runs in one project correlate, and
    /// nobody without this machine's key can tell which project it is.
    pub fn project_id(&self, identifier: &str) {
        if let Some(key) = self.context.as_ref().and_then(|c| c.key.as_ref()) {
            self.span.set_attribute(
                attr::PROJECT_ID,
                crate::identity::keyed_hash(key, identifier),
            );
        }
    }

    /// Records an error as an `exception` event: `error_type` (a fixed class such as
    /// `"Io"`) always; the error's message with its `source()` chain only when the
    /// author opted in with
    /// [`with_error_messages`](crate::TelemetryBuilder::with_error_messages)`(true)`.
    ///
    /// By default no message leaves: an error can quote text nobody declared safe, read
    /// from a file, a config value or the environment. With the opt-in, every argument
    /// value that `process.command_args` masked is masked in the message too; then the
    /// message is scrubbed of home paths, user names, absolute paths, emails, addresses,
    /// URL credentials and tokens, and cut to 1 KiB.
    pub fn error(&self, error_type: &'static str, error: &dyn std::error::Error) {
        let Some(context) = &self.context else {
            return;
        };
        let mut kv = vec![KeyValue::new(attr::EXCEPTION_TYPE, error_type)];
        if context.error_messages {
            kv.push(KeyValue::new(
                attr::EXCEPTION_MESSAGE,
                crate::rules::scrub::scrub_error_hiding(error, &self.hidden),
            ));
        }
        self.span.add_event(attr::EXCEPTION_EVENT, kv);
    }

    /// Records an error as an `exception` event with `exception.type` only, no message
    /// at all: the choice for errors whose text may hold user data. `error_type` is a
    /// `&'static str` so that it is a fixed class, never text built at run time.
    pub fn error_class(&self, error_type: &'static str) {
        if self.context.is_some() {
            self.span.add_event(
                attr::EXCEPTION_EVENT,
                vec![KeyValue::new(attr::EXCEPTION_TYPE, error_type)],
            );
        }
    }

    /// Ends the run with `exit_code`. A code the tool did not declare a success
    /// ([`with_success_exit_codes`](crate::TelemetryBuilder::with_success_exit_codes),
    /// default `[0]`) also sets `error.type` to the code (as the CLI semantic
    /// conventions ask) and the span status to error; for 130 (128 + SIGINT: the tool
    /// handled Ctrl-C and exits as the shell would report it) `error.type` is
    /// `canceled`. The code recorded is the status the process exits with: on unix its
    /// low 8 bits, as a shell sees them (`300` is recorded `44`, `-1` is `255`).
    pub fn finish(mut self, exit_code: i32) {
        let exit_code = exit_status(exit_code);
        let error_type = self.is_failure(exit_code).then(|| match exit_code {
            CTRL_C_EXIT_CODE => crate::record::accounting::CANCELED.to_owned(),
            _ => exit_code.to_string(),
        });
        self.close(exit_code, error_type);
    }

    /// Ends the run with `exit_code` and the author's error class, for example
    /// `"NotFound"`. It is a `&'static str` so that no message text, path or user
    /// input can end up in it. A success exit code ignores `error_type`.
    pub fn finish_with_error(mut self, exit_code: i32, error_type: &'static str) {
        let exit_code = exit_status(exit_code);
        let error_type = self.is_failure(exit_code).then(|| error_type.to_owned());
        self.close(exit_code, error_type);
    }

    fn is_failure(&self, exit_code: i32) -> bool {
        self.context.as_ref().is_none_or(|c| {
            !c.success_exit_codes
                .iter()
                .any(|&code| exit_status(code) == exit_code)
        })
    }

    fn close(&mut self, exit_code: i32, error_type: Option<String>) {
        self.finished = true;
        if let Some(c) = &self.context {
            c.current.clear();
        }
        if let Some(marker) = self.marker.take() {
            marker.remove();
        }
        self.span.record(attr::EXIT_CODE, i64::from(exit_code));
        if let Some(error_type) = error_type {
            self.span.record(attr::ERROR_TYPE, error_type.as_str());
            self.span.set_status(Status::error(""));
        }
    }
}

/// The status a process that exits with `code` reports to its parent: on unix only the
/// low 8 bits reach it (a tool passing jq's `halt_error(300)` to `exit` exits 44, and
/// `exit(-1)` is 255, not the `-1` of a run reported abandoned).
fn exit_status(code: i32) -> i32 {
    if cfg!(unix) { code & 0xff } else { code }
}

impl Drop for CommandRun<'_> {
    fn drop(&mut self) {
        if !self.finished && std::thread::panicking() {
            self.close(101, Some("panic".into()));
        }
        // Every way a run ends passes here, before the span itself is dropped: the
        // panic hook's clone must be gone by then, or the span never closes.
        crate::record::panic::clear_current(&self.hidden);
        if let Some(c) = &self.context {
            c.current.clear();
        }
        if let Some(marker) = self.marker.take() {
            marker.remove();
        }
    }
}
