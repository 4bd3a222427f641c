//! Every attribute consentry can send, named once. The crate docs and the data
//! manifest are generated from these tables, so they cannot drift from what is sent.

/// Where an attribute is attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// On the resource: the same for every span of a run.
    Resource,
    /// On the command span.
    CommandSpan,
    /// On an event of the command span (feature use, counts, errors, panics).
    Event,
    /// On the erase request (`<tool> telemetry delete`): a span of its own, named
    /// [`ERASE_SPAN`](crate::manifest::ERASE_SPAN), sent once and never with a run.
    EraseRequest,
}

/// One data point: its key, where it appears, what it holds, and an example value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Attribute {
    /// The OpenTelemetry attribute key.
    pub key: &'static str,
    /// Where it is attached.
    pub scope: Scope,
    /// What it holds, for the disclosure page.
    pub description: &'static str,
    /// A typical value.
    pub example: &'static str,
}

/// `service.name` (semconv): the tool's name as the author set it.
pub(crate) const SERVICE_NAME: &str = "service.name";
/// `service.version` (semconv): the tool's version.
pub(crate) const SERVICE_VERSION: &str = "service.version";
/// `os.type` (semconv): `linux`, `darwin`, `windows`, `freebsd`, ...
pub(crate) const OS_TYPE: &str = "os.type";
/// `os.version` (semconv): kernel release on Unix, OS version on Windows.
pub(crate) const OS_VERSION: &str = "os.version";
/// `host.arch` (semconv): `amd64`, `arm64`, ...
pub(crate) const HOST_ARCH: &str = "host.arch";
/// `telemetry.sdk.name` (semconv): `opentelemetry`, the SDK that records the spans.
pub(crate) const SDK_NAME: &str = "telemetry.sdk.name";
/// `telemetry.sdk.language` (semconv): `rust`.
pub(crate) const SDK_LANGUAGE: &str = "telemetry.sdk.language";
/// `telemetry.sdk.version` (semconv): the `opentelemetry_sdk` crate's version.
pub(crate) const SDK_VERSION: &str = "telemetry.sdk.version";
/// `telemetry.distro.name` (semconv): `consentry`, the distribution around the SDK.
pub(crate) const DISTRO_NAME: &str = "telemetry.distro.name";
/// `telemetry.distro.version` (semconv): consentry's version.
pub(crate) const DISTRO_VERSION: &str = "telemetry.distro.version";
/// `app.installation.id` (semconv): the install id, a random UUID v4 made on first run
/// and kept in the config dir (or rotating, or none, as the author chose).
pub(crate) const INSTALL_ID: &str = "app.installation.id";

/// `consentry.erasure.commitment`: SHA-256 of the install's erasure token, so that the
/// token, which only this install can make, proves a later erase request.
pub(crate) const ERASURE_COMMITMENT: &str = "consentry.erasure.commitment";
/// `consentry.erasure.token`: on the erase request only, the token whose SHA-256 is
/// the commitment the install's spans carry.
pub(crate) const ERASURE_TOKEN: &str = "consentry.erasure.token";
/// Name of the erase request's span (`<tool> telemetry delete`).
pub const ERASE_SPAN: &str = "consentry.erase";

/// `service.instance.id` (semconv): a random UUID v4 of this run, so that a run's spans
/// group. Not `session.id`: a semconv session spans many actions of a user until
/// inactivity ends it, while this id lives exactly as long as one process, which is
/// what `service.instance.id` names (and SDKs generate it the same way).
pub(crate) const INSTANCE_ID: &str = "service.instance.id";
/// `consentry.ci`: whether the run is in a CI system.
pub(crate) const CI: &str = "consentry.ci";
/// `consentry.ci.vendor`: which CI system, when known.
pub(crate) const CI_VENDOR: &str = "consentry.ci.vendor";
/// `consentry.source`: how the tool was invoked (`cli`, or an IDE extension the author
/// declared), from `<TOOL>_TELEMETRY_SOURCE`.
pub(crate) const SOURCE: &str = "consentry.source";
/// `consentry.channel`: how the tool was installed (`cargo`, `brew`, `binary`...), as
/// the author's build declares it.
pub(crate) const CHANNEL: &str = "consentry.channel";
/// `consentry.agent`: the coding agent that started the run, from a fixed table of the
/// variables agents set (`none` when none is set).
pub(crate) const AGENT: &str = "consentry.agent";
/// `consentry.sample.weight`: how many runs a sent run stands for (`1 / rate` of
/// [`with_sampling`](crate::TelemetryBuilder::with_sampling)); absent when every run
/// is sent.
pub(crate) const SAMPLE_WEIGHT: &str = "consentry.sample.weight";
/// `process.runtime.name` (semconv): `rust`.
pub(crate) const RUNTIME_NAME: &str = "process.runtime.name";
/// `process.runtime.version` (semconv): the rustc version that built the tool.
pub(crate) const RUNTIME_VERSION: &str = "process.runtime.version";

/// `process.executable.name` (semconv CLI spans): the tool's name.
pub(crate) const EXECUTABLE_NAME: &str = "process.executable.name";
/// `process.command_args` (semconv): the arguments with every value masked.
pub(crate) const COMMAND_ARGS: &str = "process.command_args";
/// `consentry.command`: the command that ran, as the author names it (`remote add`).
pub(crate) const COMMAND: &str = "consentry.command";
/// `process.exit.code` (semconv CLI spans): the exit code the tool returned.
pub(crate) const EXIT_CODE: &str = "process.exit.code";
/// `error.type` (semconv): the author's error class, or the exit code, when it failed.
pub(crate) const ERROR_TYPE: &str = "error.type";
/// `consentry.command.options`: the option names used in the run (no values).
pub(crate) const OPTIONS: &str = "consentry.command.options";
/// `process.pid` (semconv CLI spans, required): the process id of the run.
pub(crate) const PID: &str = "process.pid";
/// `consentry.stdin.terminal`: whether stdin is a terminal. Not semconv's
/// `process.interactive` ("connected to an interactive shell", which its origin, ECS,
/// infers from stdin and stderr both being the controlling terminal): this is stdin
/// alone, the pair of `consentry.stdout.terminal`.
pub(crate) const STDIN_TERMINAL: &str = "consentry.stdin.terminal";
/// `consentry.stdout.terminal`: whether stdout is a terminal (output read by a person,
/// not piped to another program).
pub(crate) const STDOUT_TERMINAL: &str = "consentry.stdout.terminal";
/// `process.args_count` (semconv registry, not the CLI span conventions): the length of
/// `process.command_args`, the program name included.
pub(crate) const ARGS_COUNT: &str = "process.args_count";
/// `consentry.project.id`: keyed hash of a project identifier the author chose.
pub(crate) const PROJECT_ID: &str = "consentry.project.id";

/// `consentry.feature.name`: a feature the author declared, on a `consentry.feature` event.
pub(crate) const FEATURE_NAME: &str = "consentry.feature.name";
/// `consentry.count.name`: a count the author declared, on a `consentry.count` event.
pub(crate) const COUNT_NAME: &str = "consentry.count.name";
/// `consentry.count.value`: its value.
pub(crate) const COUNT_VALUE: &str = "consentry.count.value";
/// `exception.type` (semconv): `panic`, or the author's error class.
pub(crate) const EXCEPTION_TYPE: &str = "exception.type";
/// `exception.message` (semconv): the scrubbed message or error chain.
pub(crate) const EXCEPTION_MESSAGE: &str = "exception.message";
/// `code.file.path` (semconv): where a panic happened, relative to its crate.
pub(crate) const CODE_FILE: &str = "code.file.path";
/// `code.line.number` (semconv): its line.
pub(crate) const CODE_LINE: &str = "code.line.number";

/// Name of the span event recording a feature use.
pub(crate) const FEATURE_EVENT: &str = "consentry.feature";
/// Name of the span event recording a count.
pub(crate) const COUNT_EVENT: &str = "consentry.count";
/// Name of the span event recording an error or panic (semconv).
pub(crate) const EXCEPTION_EVENT: &str = "exception";

/// Resource attributes, in the order they are sent.
pub const RESOURCE: &[Attribute] = &[
    Attribute {
        key: SERVICE_NAME,
        scope: Scope::Resource,
        description: "The tool's name.",
        example: "taskr",
    },
    Attribute {
        key: SERVICE_VERSION,
        scope: Scope::Resource,
        description: "The tool's version.",
        example: "1.4.2",
    },
    Attribute {
        key: OS_TYPE,
        scope: Scope::Resource,
        description: "Operating system family.",
        example: "linux",
    },
    Attribute {
        key: OS_VERSION,
        scope: Scope::Resource,
        description: "Kernel release (Unix) or OS version (Windows).",
        example: "6.1.0-18-amd64",
    },
    Attribute {
        key: HOST_ARCH,
        scope: Scope::Resource,
        description: "CPU architecture.",
        example: "amd64",
    },
    Attribute {
        key: INSTALL_ID,
        scope: Scope::Resource,
        description: "Random UUID v4 made on first use; deleted when the user opts out by command.",
        example: "0b6c2a4e-5f0d-4b8e-9a57-3d1e2f9c7a10",
    },
    Attribute {
        key: ERASURE_COMMITMENT,
        scope: Scope::Resource,
        description: "With an install id kept on the machine (random or rotating, not in CI): SHA-256 of a token derived from the per-install key and the id, which never leaves the machine until `telemetry delete` sends it to ask the operator to erase this install's data.",
        example: "3b9f0c6a4d1e8f2b7a5c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c",
    },
    Attribute {
        key: INSTANCE_ID,
        scope: Scope::Resource,
        description: "Random UUID v4 of this run (one process: semconv's service instance, not a session of many runs).",
        example: "5d1c7b0e-2f3a-4c6d-8e9f-0a1b2c3d4e5f",
    },
    Attribute {
        key: CI,
        scope: Scope::Resource,
        description: "Whether the run is in a CI system.",
        example: "false",
    },
    Attribute {
        key: CI_VENDOR,
        scope: Scope::Resource,
        description: "Which CI system, when in one.",
        example: "GitHubActions",
    },
    Attribute {
        key: SOURCE,
        scope: Scope::Resource,
        description: "How the tool was invoked: `cli` or a source the author declared.",
        example: "cli",
    },
    Attribute {
        key: CHANNEL,
        scope: Scope::Resource,
        description: "How the tool was installed, as its build declares.",
        example: "cargo",
    },
    Attribute {
        key: AGENT,
        scope: Scope::Resource,
        description: "The coding agent that started the run, from a fixed table of the variables agents set (the variable's value is never sent): `claude-code` (`CLAUDECODE`, `CLAUDE_CODE`), `cursor` (`CURSOR_AGENT`), `gemini-cli` (`GEMINI_CLI`), `codex` (`CODEX_SANDBOX`, `CODEX_THREAD_ID`), `replit` (`REPL_ID`); `AI_AGENT` naming one of these gives that name, any other value `other`; `none` when no variable is set.",
        example: "none",
    },
    Attribute {
        key: SAMPLE_WEIGHT,
        scope: Scope::Resource,
        description: "Only when the tool sends a sample of its installs: how many runs this run stands for (1 / the sampling rate), so that counts can be scaled up. Whether an install is in the sample is derived from its hashing key, which is never sent.",
        example: "10.0",
    },
    Attribute {
        key: RUNTIME_NAME,
        scope: Scope::Resource,
        description: "The runtime: `rust`.",
        example: "rust",
    },
    Attribute {
        key: RUNTIME_VERSION,
        scope: Scope::Resource,
        description: "The rustc version that built the tool.",
        example: "1.95.0",
    },
    Attribute {
        key: SDK_NAME,
        scope: Scope::Resource,
        description: "The OpenTelemetry SDK that records the spans: `opentelemetry`.",
        example: "opentelemetry",
    },
    Attribute {
        key: SDK_LANGUAGE,
        scope: Scope::Resource,
        description: "The SDK's language: `rust`.",
        example: "rust",
    },
    Attribute {
        key: SDK_VERSION,
        scope: Scope::Resource,
        description: "The SDK's version (the `opentelemetry_sdk` crate).",
        example: "0.33.1",
    },
    Attribute {
        key: DISTRO_NAME,
        scope: Scope::Resource,
        description: "The distribution around the SDK: `consentry`.",
        example: "consentry",
    },
    Attribute {
        key: DISTRO_VERSION,
        scope: Scope::Resource,
        description: "consentry's version.",
        example: "0.1.0",
    },
];

/// Command span attributes.
pub const COMMAND_SPAN: &[Attribute] = &[
    Attribute {
        key: EXECUTABLE_NAME,
        scope: Scope::CommandSpan,
        description: "The tool's name.",
        example: "taskr",
    },
    Attribute {
        key: COMMAND,
        scope: Scope::CommandSpan,
        description: "The command that ran; `(root)` for a tool without subcommands.",
        example: "add",
    },
    Attribute {
        key: COMMAND_ARGS,
        scope: Scope::CommandSpan,
        description: "The arguments: names kept; each value `*****` unless the tool declared it safe (e.g. one of a fixed set of choices) or hashed (keyed hash).",
        example: "[\"taskr\", \"add\", \"*****\", \"--priority\", \"high\"]",
    },
    Attribute {
        key: EXIT_CODE,
        scope: Scope::CommandSpan,
        description: "The exit code; `-1` when unknown (a run reported `abandoned` or `canceled` by a later run).",
        example: "0",
    },
    Attribute {
        key: ERROR_TYPE,
        scope: Scope::CommandSpan,
        description: "Error class chosen by the author, or the exit code, when the exit code is not one the tool declared a success; `usage` for a command line the parser refused; `canceled` for Ctrl-C (a run ended by SIGINT, reported by a later run, or ended with exit code 130); `abandoned` for a run that never finished (reported by a later run).",
        example: "NotFound",
    },
    Attribute {
        key: OPTIONS,
        scope: Scope::CommandSpan,
        description: "Names of the options used, without values.",
        example: "[\"--priority\"]",
    },
    Attribute {
        key: PID,
        scope: Scope::CommandSpan,
        description: "The process id of the run (reused by the OS; identifies nothing beyond the run).",
        example: "48213",
    },
    Attribute {
        key: STDIN_TERMINAL,
        scope: Scope::CommandSpan,
        description: "Whether stdin is a terminal (a person typing rather than a script).",
        example: "true",
    },
    Attribute {
        key: STDOUT_TERMINAL,
        scope: Scope::CommandSpan,
        description: "Whether stdout is a terminal (output read by a person rather than piped to another program).",
        example: "true",
    },
    Attribute {
        key: ARGS_COUNT,
        scope: Scope::CommandSpan,
        description: "How many arguments, the program name included.",
        example: "5",
    },
    Attribute {
        key: PROJECT_ID,
        scope: Scope::CommandSpan,
        description: "HMAC-SHA256 of a project identifier, keyed by a secret that never leaves the machine.",
        example: "9f86d081884c7d659a2feaa0c55ad015",
    },
];

/// Attributes of the events a command span may carry.
pub const EVENTS: &[Attribute] = &[
    Attribute {
        key: FEATURE_NAME,
        scope: Scope::Event,
        description: "A feature the author declared, used in this run (`consentry.feature` event).",
        example: "export-csv",
    },
    Attribute {
        key: COUNT_NAME,
        scope: Scope::Event,
        description: "A count the author declared (`consentry.count` event).",
        example: "tasks",
    },
    Attribute {
        key: COUNT_VALUE,
        scope: Scope::Event,
        description: "Its value, an integer.",
        example: "12",
    },
    Attribute {
        key: EXCEPTION_TYPE,
        scope: Scope::Event,
        description: "`panic`, or the error class the tool gave (`exception` event).",
        example: "panic",
    },
    Attribute {
        key: EXCEPTION_MESSAGE,
        scope: Scope::Event,
        description: "Only where the author opted in (`with_error_messages`): the panic or error message with its cause chain, masked and scrubbed of paths, names, emails, addresses and tokens.",
        example: "cannot open <path>: permission denied",
    },
    Attribute {
        key: CODE_FILE,
        scope: Scope::Event,
        description: "Where a panic happened, relative to its crate.",
        example: "taskr/src/store.rs",
    },
    Attribute {
        key: CODE_LINE,
        scope: Scope::Event,
        description: "Its line.",
        example: "42",
    },
];

/// Attributes of the erase request (`<tool> telemetry delete`), sent on its own, never
/// with a run.
pub const ERASURE: &[Attribute] = &[Attribute {
    key: ERASURE_TOKEN,
    scope: Scope::EraseRequest,
    description: "Only on the erase request (span `consentry.erase`): the install's erasure token, HMAC-SHA256 of the install id under the per-install key; its SHA-256 is the `consentry.erasure.commitment` of the spans to erase. Sent once, after the key and id are deleted.",
    example: "8c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f",
}];
