//! Every attribute consentry can send, named once. The crate docs and the data
//! manifest are generated from these tables, so they cannot drift from what is sent.

/// Where an attribute is attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// On the resource: the same for every span of a run.
    Resource,
    /// On the command span.
    CommandSpan,
}

/// One data point: its key, where it appears, what it holds, and an example value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
pub const SERVICE_NAME: &str = "service.name";
/// `service.version` (semconv): the tool's version.
pub const SERVICE_VERSION: &str = "service.version";
/// `os.type` (semconv): `linux`, `darwin`, `windows`, `freebsd`, ...
pub const OS_TYPE: &str = "os.type";
/// `os.version` (semconv): kernel release on Unix, OS version on Windows.
pub const OS_VERSION: &str = "os.version";
/// `host.arch` (semconv): `amd64`, `arm64`, ...
pub const HOST_ARCH: &str = "host.arch";
/// `consentry.install.id`: random UUID v4 made on first run, kept in the config dir.
pub const INSTALL_ID: &str = "consentry.install.id";

/// `process.executable.name` (semconv CLI spans): the tool's name.
pub const EXECUTABLE_NAME: &str = "process.executable.name";
/// `process.command_args` (semconv): the arguments with every value masked.
pub const COMMAND_ARGS: &str = "process.command_args";
/// `consentry.command`: the command that ran, as the author names it (`remote add`).
pub const COMMAND: &str = "consentry.command";
/// `process.exit.code` (semconv CLI spans): the exit code the tool returned.
pub const EXIT_CODE: &str = "process.exit.code";
/// `error.type` (semconv): the author's error class, or the exit code, when it failed.
pub const ERROR_TYPE: &str = "error.type";

/// Resource attributes, in the order they are sent.
pub const RESOURCE: &[Attribute] = &[
    Attribute { key: SERVICE_NAME, scope: Scope::Resource, description: "The tool's name.", example: "taskr" },
    Attribute { key: SERVICE_VERSION, scope: Scope::Resource, description: "The tool's version.", example: "1.4.2" },
    Attribute { key: OS_TYPE, scope: Scope::Resource, description: "Operating system family.", example: "linux" },
    Attribute { key: OS_VERSION, scope: Scope::Resource, description: "Kernel release (Unix) or OS version (Windows).", example: "6.1.0-18-amd64" },
    Attribute { key: HOST_ARCH, scope: Scope::Resource, description: "CPU architecture.", example: "amd64" },
    Attribute { key: INSTALL_ID, scope: Scope::Resource, description: "Random UUID v4 made on first use; deleted when the user opts out by command.", example: "0b6c2a4e-5f0d-4b8e-9a57-3d1e2f9c7a10" },
];

/// Command span attributes.
pub const COMMAND_SPAN: &[Attribute] = &[
    Attribute { key: EXECUTABLE_NAME, scope: Scope::CommandSpan, description: "The tool's name.", example: "taskr" },
    Attribute { key: COMMAND, scope: Scope::CommandSpan, description: "The command that ran.", example: "add" },
    Attribute { key: COMMAND_ARGS, scope: Scope::CommandSpan, description: "The arguments, option names kept and every value replaced by `*****`.", example: "[\"taskr\", \"add\", \"*****\", \"--priority\", \"*****\"]" },
    Attribute { key: EXIT_CODE, scope: Scope::CommandSpan, description: "The exit code.", example: "0" },
    Attribute { key: ERROR_TYPE, scope: Scope::CommandSpan, description: "Error class chosen by the author, or the exit code; only when the exit code is not 0.", example: "NotFound" },
];
