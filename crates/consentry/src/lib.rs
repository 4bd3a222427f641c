//! consentry: consent-first, anonymous usage telemetry for command-line tools, on
//! OpenTelemetry.
//!
//! A command run becomes one `tracing` span with masked attributes. A consent gate
//! decides once, at init, whether anything is recorded; when the user opted out nothing
//! else happens: no id, no file written, no thread, no socket. When telemetry is on, the
//! span is kept in memory and, at exit, written to a spool from which a detached
//! uploader (the tool's own executable) sends it over OTLP (HTTP/protobuf or gRPC) to
//! the collector the author names: exit never waits on the network (see the `export`
//! design notes in the README section "Never in the way, nothing lost").
//!
//! Runs start at most one uploader a minute per user; it holds nothing of the run that
//! started it (no inherited descriptor, not its working directory, a session of its
//! own). A span reaches the collector within a minute of its run while the tool keeps
//! being used, and otherwise at the next run after that minute (the same README
//! section).
//!
//! # Getting started
//!
//! `consentry = "0.1"` in `Cargo.toml` (default features `http` and `tls`: an `https://`
//! collector needs `tls`; see [Features](#features)). Then one call, by the shape of the
//! tool's command line (the README shows each, compiled):
//!
//! | The tool parses with | Call |
//! |---|---|
//! | clap derive, subcommands | `consentry_clap::init::<Cli>(builder)` |
//! | clap with positionals (grep-like) | `consentry_clap::Setup::new(builder).shape(Shape::Option).init::<Cli>()` |
//! | clap builder API | `Setup::new(builder).init_command(cmd)` |
//! | a parser inside its library, or its own (lexopt, pico-args, a loop) | [`cli::Cli::parse`] with the tool's parse function and a [`cli::Schema`] |
//!
//! ```no_run
//! use consentry::cli::{Opt, Param, Policy, Schema};
//!
//! struct Args { disable_telemetry: bool }
//! fn parse(args: Vec<std::ffi::OsString>) -> Result<Args, String> {
//!     let disable_telemetry = args.iter().skip(1).any(|a| a == "--disable-telemetry");
//!     Ok(Args { disable_telemetry }) // ... the tool's own parser ...
//! }
//!
//! let builder = consentry::Telemetry::builder("taskr")
//!     .with_version(env!("CARGO_PKG_VERSION"))
//!     .with_endpoint("https://telemetry.example.com:4318")
//!     .with_schema(
//!         Schema::new("taskr")
//!             .flags(["disable-telemetry"])
//!             .option(Opt::long("limit").value(Policy::Number))
//!             .positional(Param::new("title")),
//!     );
//! let cli = consentry::cli::Cli::new(builder).expect("valid telemetry configuration");
//! // The uploader's entry, the telemetry commands, a refused command line recorded:
//! let (args, telemetry) = match cli.parse(parse, |a| a.disable_telemetry) {
//!     Ok(parsed) => parsed,
//!     Err(e) => { eprintln!("taskr: {e}"); std::process::exit(2) }
//! };
//! // No subscriber needed: consentry records its span through its own dispatcher.
//! let run = telemetry.run(); // the arguments, masked by the schema
//! let exit_code = 0; // ... the command runs ...
//! run.finish(exit_code);
//! telemetry.exit(exit_code); // spools the request, starts the uploader, then exits:
//! // never waits on the network (returning from `main` and dropping the guard does
//! // the same)
//! ```
//!
//! A run that never reaches `finish` (killed, crashed, `std::process::exit` without
//! [`TelemetryGuard::exit`] or a [`FlushHandle`]) is reported by the next run as
//! `abandoned` (see "Files" below). Ctrl-C is recorded as `canceled` without taking
//! SIGINT from the tool: on unix, only when SIGINT is at its default action does a run
//! install a handler, which marks the run canceled and then lets SIGINT end the process
//! as before; a tool that ignores or handles SIGINT keeps doing so, and a run it
//! finishes with exit code 130 is `canceled` unless 130 is a declared success code.
//!
//! # Consent
//!
//! Strictest wins, and the deciding setting is recorded ([`Decision::source`]). Any of
//! these saying "off" turns telemetry off; otherwise the first saying "on" turns it on;
//! otherwise the author's default applies:
//!
//! 1. `DO_NOT_TRACK`, then `<TOOL>_TELEMETRY_OPTOUT`, then the author's aliases
//!    ([`TelemetryBuilder::with_opt_out_var`]). Unset or a false word (`0`, `false`,
//!    `no`, `off`, any case) means "not set"; any other value, an empty one included,
//!    opts out.
//! 2. The per-invocation flag `--disable-telemetry` ([`TelemetryBuilder::with_disable_flag`]).
//! 3. A project `.telemetry` file (Kedro's format, `consent: false`, a top-level line
//!    of block-style YAML; anything else the strict reader does not read opts out),
//!    found from the working directory upward. It can only turn telemetry **off**: a
//!    repository can ship it, and a repository cannot consent for the person running
//!    the tool, so `consent: true` there is ignored and listed in
//!    [`Decision::ignored`].
//! 4. The user settings file `telemetry.toml` in the tool's OS config dir
//!    (`enabled = false` or `true`), written by `<tool> telemetry disable|enable|local`.
//!    With `local = true` ([`Telemetry::keep_local`], [`Decision::local`]) runs are
//!    recorded on this machine only and never uploaded; `enable` after it records an
//!    as-of date (`upload_since_ms`) before which nothing spooled is ever sent.
//! 5. The machine policy file `/etc/<tool>/telemetry.toml` (and the one named by
//!    `<TOOL>_TELEMETRY_POLICY_FILE`): managed settings. `enabled = false` or
//!    `mode = "off"` turns telemetry off; `mode = "on"` or `"local"` turns it on (a
//!    user's opt-out still wins); `endpoint` and `ca_file` replace the compiled-in
//!    collector and trust its CA (the variables still override them); `sample_rate`
//!    lowers the rate of [`TelemetryBuilder::with_sampling`] (never raises it). A
//!    `mode` or `sample_rate` that is not valid opts out.
//! 6. The author's CI rule ([`TelemetryBuilder::with_disabled_in_ci`]).
//! 7. The author's default: opt-out (on, with a notice) or opt-in
//!    ([`TelemetryBuilder::with_default_enabled`]`(false)`: off until the user agrees,
//!    with a yes/no prompt on stderr only when stdin and stderr are terminals and not in CI).
//!
//! Variables and the flag are read first, so an opted-out run reads no file. When the
//! flag was given, init sets `<TOOL>_TELEMETRY_OPTOUT=1` in the process's own
//! environment (the one write consentry makes to it), so the tool's child processes,
//! itself again included, are opted out too; call init at the start of `main`, before
//! the tool starts threads. A
//! consent file that cannot be read or parsed opts out until it is fixed
//! ([`Source::Unreadable`] says why).
//!
//! # Files
//!
//! Every file consentry reads may be hostile (a cloned repository can carry a
//! `.telemetry` symlink to `/proc/self/pagemap`, a FIFO or a 100 MB file). Every read
//! accepts a regular file only, never follows a symlink in the last component, never
//! blocks on a FIFO, and reads at most a cap per kind (64 KiB for settings, policy and
//! project files, 1 KiB for the install id and key); anything else counts as
//! unreadable. Every write goes to a temp file created exclusively in the target's
//! directory and is renamed into place (a symlink there is replaced, never written
//! through), and is skipped when it would cross the process file size limit
//! (`RLIMIT_FSIZE`, `ulimit -f`) instead of the host being killed by `SIGXFSZ`.
//!
//! What is kept for the user to read: a copy of every request the collector
//! acknowledged (the bytes sent), printed by [`Telemetry::sent_log`] (`<tool> telemetry
//! log`), and a summary of this machine's runs, from those and the local records, by
//! [`Telemetry::usage_view`] (`<tool> telemetry view`). Both read under the rules above
//! and never delete.
//!
//! The first run that may send shows a notice on stderr instead and sends nothing; the
//! notice is shown again when its version, its text or the data manifest changes. It
//! is shown only when stderr is a terminal (a pipe or a test harness is read by nobody,
//! and the tool's stderr there stays exactly what it is without consentry); until it
//! has been shown nothing is sent, and [`Status`] says so (`notice_seen`).
//! `<tool> telemetry enable` shows and records it wherever stderr goes. The trade-off:
//! a tool run only from scripts never sends until someone runs it once on a terminal.
//!
//! # Environment variables
//!
//! | Variable | Effect |
//! |---|---|
//! | `DO_NOT_TRACK` | Opts out (see the rule above). |
//! | `<TOOL>_TELEMETRY_OPTOUT` | Opts out of this tool only. |
//! | `<TOOL>_TELEMETRY_DEBUG` | Print mode: OTLP JSON to stderr, nothing sent. |
//! | `<TOOL>_TELEMETRY_ENDPOINT` | Collector URL, overriding the compiled-in one. |
//! | `<TOOL>_TELEMETRY_PROTOCOL` | `grpc` or `http/protobuf`. |
//! | `<TOOL>_TELEMETRY_SOURCE` | How the tool was invoked (a declared value, e.g. `vscode`). |
//! | `<TOOL>_TELEMETRY_POLICY_FILE` | One more machine policy file. |
//! | `<TOOL>_TELEMETRY_CA_FILE` | PEM CA certificates trusted instead of the web PKI roots for an `https://` collector (tests, private CA). |
//! | `CONSENTRY_UPLOADER_SPOOL` | Set only by a run on the uploader it starts: the spool to send. |
//!
//! `<TOOL>` is the tool name in upper case with other characters as `_`. consentry never
//! reads `OTEL_EXPORTER_OTLP_*`, `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_SERVICE_NAME` or
//! `OTEL_TRACES_SAMPLER`: those configure the user's own services. `HOME`,
//! `XDG_CONFIG_HOME` and `XDG_STATE_HOME` (when absolute), `USER`/`USERNAME`/`LOGNAME`
//! (masked out of messages), `ProgramData`, `LOCALAPPDATA`, `APPDATA` and
//! `USERPROFILE` (Windows), the CI vendors' variables (`CI`, `GITHUB_ACTIONS`...: the
//! vendors and names of the `ci_info` crate, read from a table) and the coding agents'
//! variables (`AI_AGENT`, `CLAUDECODE`...; see `consentry.agent` below) are read too,
//! and by the OTLP/HTTP transport the proxy variables (`HTTPS_PROXY`, `HTTP_PROXY`,
//! `ALL_PROXY`, `NO_PROXY`: an `http://` proxy, used through `CONNECT`; never for a
//! collector on loopback).
//!
//! Every read goes through one [`env::Env`]: [`env::OsEnv`] (the default) is the only
//! code that touches the process, and
//! [`TelemetryBuilder::with_env`]`(`[`env::FixedEnv`]`)` makes a test hermetic.
//! Problems init works around are typed ([`Note`], [`EndpointProblem`]).
//!
//! # Files
//!
//! | File | Holds |
//! |---|---|
//! | `<config dir>/telemetry.toml` | The user's setting (`enabled`) and the notice version seen. |
//! | `<config dir>/telemetry-install-id` | The install id, made when telemetry is on. |
//! | `<config dir>/telemetry-key` | The per-install hashing key; never sent. |
//! | `<state dir>/telemetry-spool/*.otlp` | Requests waiting for the uploader (OTLP protobuf), named `<created ms>-<length>-<random>.otlp`. |
//! | `<state dir>/telemetry-spool/state.toml` | Backoff, failure and drop/rejected/invalid counters shared by runs. |
//! | `<state dir>/telemetry-local/*.otlp` | Local mode: each run's request, never uploaded (bounded like the spool). |
//! | `<state dir>/telemetry-sent/*.otlp` | A copy of each request the collector acknowledged, the bytes sent (4 MiB, 1000 requests, 30 days). |
//! | `<state dir>/telemetry-spool/.lock`, `.write.lock` | Sender lock (held by the uploader) and the short writer lock. |
//! | `<state dir>/telemetry-erase/*.otlp` | Erase requests made by `telemetry delete` and not yet acknowledged (1 MiB, 16 requests, a year); nothing but their delivery deletes them. |
//! | `<state dir>/telemetry-runs/*.run` | A marker per running command, touched every 60 s while it runs, removed at `finish`; one left by a dead process is reported as `abandoned`, one Ctrl-C renamed (`*.canceled`) as `canceled`. |
//! | `.telemetry` (project, upward from the working dir) | `consent: false` opts out. |
//! | `/etc/<tool>/telemetry.toml` | Machine policy (managed settings): `enabled`, `mode` (`on`, `local`, `off`), `endpoint`, `ca_file`, `sample_rate`. |
//!
//! The config dir is `$XDG_CONFIG_HOME/<tool>` (`~/.config/<tool>`) on Linux; the
//! state dir `$XDG_STATE_HOME/<tool>` (`~/.local/state/<tool>`); a variable counts only
//! when it is an absolute path, and without `HOME` the user database's home directory
//! is used. macOS: `~/Library/Application Support/<tool>` and `~/Library/Caches/<tool>`;
//! Windows: `%LOCALAPPDATA%\<tool>\config` and `%LOCALAPPDATA%\<tool>\cache` (the
//! directories the `directories` crate gave, which consentry used before). `<tool> telemetry disable` deletes the
//! install id, the key, the spool, the local records and the log of what was sent.
//!
//! **Erasure without an account.** `<tool> telemetry delete` ([`Telemetry::delete`])
//! deletes all of that and the run markers too, and asks the operator to erase this
//! install's data with a proof only this install can make: every span of an install
//! with an id kept here carries `consentry.erasure.commitment`, the SHA-256 of a token
//! derived from the per-install key (which never leaves the machine) and the id; the
//! erase request carries the token, and the store erases the spans whose commitment is
//! its SHA-256. Knowing an install id does not let anyone else erase it; a made-up
//! token matches nothing. Runs with no install id ([`InstallId::None`]) or CI's shared
//! id carry no commitment: nothing links them to this install, so they cannot be
//! erased. A request not acknowledged within 10 s stays in `<state
//! dir>/telemetry-erase/` and is sent by the uploader or by `delete` again; [`Status`]
//! says whether one is pending.
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
//! | `app.installation.id` | The install id: random UUID v4 made on first use; or rotating, or none ([`InstallId`]); in CI one id per CI vendor ([`TelemetryBuilder::with_shared_ci_id`]). |
//! | `consentry.erasure.commitment` | With an id kept on this machine (random or rotating, not CI's shared id): SHA-256 of the install's erasure token, which only `telemetry delete` ever sends ([`Telemetry::delete`]). |
//! | `service.instance.id` | Random UUID v4 of this run (one process: a service instance, not a `session.id`, which spans many actions until inactivity). |
//! | `consentry.ci` | Whether the run is in CI. |
//! | `consentry.ci.vendor` | Which CI, when in one. |
//! | `consentry.source` | `cli`, or a declared value of `<TOOL>_TELEMETRY_SOURCE` (else `other`). |
//! | `consentry.channel` | How the tool was installed, as its build declares. |
//! | `consentry.agent` | The coding agent that started the run, from a fixed table of variables (below); `none` otherwise. |
//! | `consentry.sample.weight` | Only when the tool samples ([`TelemetryBuilder::with_sampling`]): how many runs this run stands for, `1 / rate` (a double). |
//! | `process.runtime.name` | `rust`. |
//! | `process.runtime.version` | The rustc version that built the tool. |
//! | `telemetry.sdk.name` | `opentelemetry`, as the SDK's own detector sets it. |
//! | `telemetry.sdk.language` | `rust`. |
//! | `telemetry.sdk.version` | The `opentelemetry_sdk` version. |
//! | `telemetry.distro.name` | `consentry`. |
//! | `telemetry.distro.version` | consentry's version. |
//!
//! Command span (name: the tool's name; scope: `consentry`):
//!
//! | Attribute | Holds |
//! |---|---|
//! | `process.executable.name` | The tool's name. |
//! | `consentry.command` | The command that ran; `(root)` without a subcommand. |
//! | `process.command_args` | The arguments; names kept, values `*****` unless declared sendable. |
//! | `consentry.command.options` | The option names used. |
//! | `process.pid` | The run's process id (required by the CLI span conventions). |
//! | `consentry.stdin.terminal` | Whether stdin is a terminal (not semconv's `process.interactive`, "connected to an interactive shell"). |
//! | `consentry.stdout.terminal` | Whether stdout is a terminal (read by a person, not piped). |
//! | `process.args_count` | How many arguments, the program name included (the length of `process.command_args`). |
//! | `process.exit.code` | The exit code, as the process exits with it (on unix 0-255: `exit(300)` is 44); `-1` for a run reported `abandoned` or `canceled` by a later run. |
//! | `error.type` | The author's error class or the exit code, when not a declared success code; `usage`, `canceled` (Ctrl-C, exit code 130), `abandoned`. |
//! | `consentry.project.id` | Keyed hash of a project identifier ([`CommandRun::project_id`]). |
//!
//! Events on the command span:
//!
//! | Attribute | Holds |
//! |---|---|
//! | `consentry.feature.name` | A declared feature used (`consentry.feature` event). |
//! | `consentry.count.name` | A declared count (`consentry.count` event)... |
//! | `consentry.count.value` | ...and its value. |
//! | `exception.type` | `panic`, or the class given to [`CommandRun::error`] (`exception` event). |
//! | `exception.message` | Only with [`TelemetryBuilder::with_error_messages`]`(true)`: the message, masked and scrubbed. |
//! | `code.file.path` | Where it panicked, relative to its crate. |
//! | `code.line.number` | The line. |
//!
//! The erase request (`<tool> telemetry delete`, [`Telemetry::delete`]), a span of its
//! own named `consentry.erase`, sent once under a resource with only `service.name` and
//! `service.version`:
//!
//! | Attribute | Holds |
//! |---|---|
//! | `consentry.erasure.token` | HMAC-SHA256 of the install id under the per-install key: the proof, whose SHA-256 is the commitment this install's spans carry. |
//!
//! Declared child spans and events (see [`declared`]):
//!
//! | Attribute | Holds |
//! |---|---|
//! | `<tool>.<field>` | A declared field of a span or event the tool declared, of its declared kind (number, bool, one of a set, or a token `[A-Za-z0-9._-]{1,64}`). |
//! | `consentry.command` | On a declared child span: the command it ran under. |
//!
//! **Only declared text leaves.** An error or a panic can quote text nobody typed (a
//! pattern read from a file, a config value, an environment value), which no masking of
//! the command line knows. By default only its class is sent (and a panic's location);
//! the message only where the author opts in
//! ([`TelemetryBuilder::with_error_messages`]), then masked and scrubbed.
//!
//! `consentry.agent` comes from this table (the first variable set, not empty and not a
//! false word, decides; a value is never sent). `AI_AGENT` is read first: naming one of
//! these agents (`claude-code@2` too) it gives that name, any other value gives
//! `other`. Sources: Vercel's `@vercel/detect-agent` (Next.js) and the AWS CDK CLI.
//!
//! | Variable | `consentry.agent` |
//! |---|---|
//! | `CLAUDECODE`, `CLAUDE_CODE` | `claude-code` |
//! | `CURSOR_AGENT` | `cursor` |
//! | `GEMINI_CLI` | `gemini-cli` |
//! | `CODEX_SANDBOX`, `CODEX_THREAD_ID` | `codex` |
//! | `REPL_ID` | `replit` |
//!
//! Names follow the OpenTelemetry semantic conventions release of [`manifest::SCHEMA_URL`]
//! (the schema URL of the resource and of the scope) where one has the same meaning; the
//! rest are `consentry.*`. Span start and end times give the timestamp and duration. The
//! status is `Error`, with `error.type`, when the exit code is not one the tool declared
//! a success ([`TelemetryBuilder::with_success_exit_codes`], default `[0]`): the CLI span
//! conventions call every code but 0 an error, which would count grep's "no match" (1)
//! as a failure. Nothing else is sent: no host name, user name, MAC or
//! IP address, no absolute path, no thread name. [`manifest`] renders all of this for
//! a tool's documentation.
//!
//! # Declared instrumentation
//!
//! A tool marks its own `tracing` spans and events as telemetry on the builder
//! ([`TelemetryBuilder::with_span`], [`TelemetryBuilder::with_event`], fields from
//! [`declared::Field`]) and adds [`TelemetryGuard::layer`] to its subscriber: the
//! tool's spans go to the tool's subscriber, so that is where the layer has to be (the
//! command span needs none). A declared span becomes a child span of the command span
//! with its duration; every field is sent as `<tool>.<field>` only with a value of its
//! declared kind; undeclared spans, events and fields, event messages and any other
//! value are dropped in the layer and never reach the OpenTelemetry SDK.
//! [`Telemetry::declared_keys`] and [`Telemetry::attribute_keys`] give the keys for an
//! allowlist. A long-running command spools its finished declared spans on every run
//! heartbeat (60 s by default, or
//! [`TelemetryBuilder::with_run_heartbeat`]), so they survive a later kill.
//!
//! # Debug builds
//!
//! A debug build records and sends nothing unless the author asks
//! ([`TelemetryBuilder::with_debug_builds`]`(true)`); the decision's source is then
//! [`Source::DebugBuild`]. Rover sent telemetry from debug builds only, for eight
//! months, through an inverted profile condition (apollographql/rover#2445): here the
//! profile never changes masking, only whether a build reports, through a setting with
//! a test. Whether this is a debug build defaults to consentry's own
//! `cfg!(debug_assertions)`; [`debug_build!`] gives the tool crate's
//! ([`TelemetryBuilder::with_debug_build`]).
//!
//! # Layout
//!
//! The source folders follow a run's data, in order: `configure` (the builder and the
//! one reader of the environment), `consent` (where consent is decided), `identity`,
//! `rules` (what may be sent: attribute tables, masking, scrubbing, declared spans),
//! `record` (where a run is recorded), `deliver` (where it is sent: spool, transports),
//! `uploader` (the detached uploader), `control` (the `telemetry` commands and
//! [`cli`], the one call for a tool with its own parser), `formats` (the flat TOML of
//! consentry's own files and the JSON the user reads: print mode's request,
//! `telemetry log --json`, `telemetry view --json`) and `sys` (every call to the
//! operating system, unix and Windows).
//!
//! # Features
//!
//! | Feature | Default | Gives |
//! |---|---|---|
//! | `http` | yes | OTLP/HTTP with protobuf bodies (consentry's own HTTP/1.1 client over `std::net`: no HTTP library, no async runtime). |
//! | `grpc` | no | OTLP/gRPC (tonic on a current-thread tokio runtime made only to send). |
//! | `tls` | yes | `https://` endpoints (rustls, the bundled webpki roots or the CA file's certificates). |
//!
//! Every build depends on ring: its SHA-256 and HMAC-SHA256 make the derived values
//! (project id, rotating id, sample draw, erasure proof), and rustls uses the same
//! crate for TLS, so `tls` adds no second crypto library.

mod configure;
mod consent;
mod control;
mod deliver;
mod formats;
mod identity;
mod record;
mod rules;
mod sys;
mod uploader;

pub use configure::builder::{BuildError, Telemetry, TelemetryBuilder};
pub use configure::env;
pub use configure::note::{EndpointProblem, Note};
pub use consent::{Decision, Ignored, Source};
pub use control::cli;
pub use control::delete::{EraseRequest, Erasure};
pub use control::status::Status;
pub use deliver::{
    AttemptError, Endpoint, EndpointError, LostReason, Outcome, SpoolLimits, SpoolReason, Transport,
};
pub use identity::choice::InstallId;
pub use record::command::CommandRun;
pub use record::flush::FlushHandle;
pub use record::guard::TelemetryGuard;
pub use rules::{declared, manifest};
pub use sys::files::ReadError;

/// What an integration crate (such as `consentry-clap`, for an argument parser) needs
/// beyond a tool author's API: the masking schema it derives from the parser, the
/// scrubber, and the uploader's marker. A tool author needs none of it.
pub mod integration {
    pub use crate::rules::mask::{
        CommandSpec, MASK, Masked, Opt, Param, Policy, Schema, mask_args,
    };
    pub use crate::rules::scrub::{Scrubber, scrub, scrub_error};
    pub use crate::uploader::{UPLOADER_ARG, UPLOADER_ENV};

    use crate::Telemetry;

    mod sealed {
        pub trait Sealed {}
        impl Sealed for crate::Telemetry {}
    }

    /// What an argument-parser integration tells a built [`Telemetry`] once it has
    /// parsed the command line (the uploader enters inside `build`, so parsing comes
    /// after it). Sealed: [`Telemetry`] is its one implementation.
    pub trait TelemetryExt: sealed::Sealed {
        /// Whether the per-invocation disable flag was given, as the parser read it.
        /// Without it consentry looks for the flag among the raw arguments (before a
        /// `--`), which can mistake an option's value that reads like the flag for it.
        fn set_disable_flag_given(&mut self, given: bool);

        /// The masking schema, made only by a run that records (derived from the
        /// parser's own description of the command line).
        fn set_schema_fn(&mut self, make: impl Fn() -> Schema + Send + Sync + 'static);

        /// How the notice names the telemetry commands: `telemetry` (the default) or
        /// `--telemetry` for a tool that offers them as an option.
        fn set_manage_command(&mut self, command: impl Into<String>);
    }

    impl TelemetryExt for Telemetry {
        fn set_disable_flag_given(&mut self, given: bool) {
            Telemetry::set_disable_flag_given(self, given);
        }

        fn set_schema_fn(&mut self, make: impl Fn() -> Schema + Send + Sync + 'static) {
            Telemetry::set_schema_fn(self, make);
        }

        fn set_manage_command(&mut self, command: impl Into<String>) {
            Telemetry::set_manage_command(self, command);
        }
    }
}

#[cfg(test)]
mod tests;
