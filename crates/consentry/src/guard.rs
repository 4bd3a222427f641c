//! Init and the guard that sends at exit.

use std::ffi::OsStr;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use opentelemetry::InstrumentationScope;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{Sampler, SdkTracer, SdkTracerProvider, SpanLimits};
use tracing::Subscriber;
use tracing_subscriber::Layer;
use tracing_subscriber::registry::LookupSpan;

use crate::builder::Telemetry;
use crate::command::CommandRun;
use crate::config::{self, USER_CONFIG_FILE};
use crate::consent::{self, Decision, Files};
use crate::export::{
    self, Backoff, Collected, Delivery, Endpoint, Outcome, Spool, Transport, uploader,
};
use crate::identity;
use crate::prompt;
use crate::resource;

impl Telemetry {
    /// Decides consent and, only when telemetry is on, prepares recording: the install
    /// id, the hashing key, the resource and an in-memory span store. Never fails and
    /// never prints, except the notice (and the opt-in prompt) on stderr; what went
    /// wrong is kept in [`TelemetryGuard::notes`].
    ///
    /// When telemetry is off nothing else happens: no file is read beyond the settings
    /// files, none is written, and no thread or socket is created, then or later.
    pub fn init(self) -> TelemetryGuard {
        let mut read = SettingsRead::default();
        let decision = self.decide_into(&mut read);
        let config_dir = read.config_dir;
        let opt_out_var = self.opt_out_vars[0].clone();
        let inactive = |decision, notes, notice_shown| TelemetryGuard {
            decision,
            active: None,
            notes,
            notice_shown,
            opt_out_var: opt_out_var.clone(),
        };
        if !decision.enabled {
            if decision.source == consent::Source::OptInDefault && prompt::interactive() {
                let notes = self.ask(config_dir.as_deref()).into_iter().collect();
                return inactive(decision, notes, true);
            }
            return inactive(decision, Vec::new(), false);
        }
        let mut notes = Vec::new();
        if let Some(note) =
            self.show_notice_if_new(config_dir.as_deref(), read.seen_notice.as_deref())
        {
            let shown = note.is_empty();
            if !shown {
                notes.push(note);
            }
            return inactive(decision, notes, shown);
        }
        let endpoint = self.resolve_endpoint();
        if let Err(reason) = &endpoint {
            notes.push(reason.clone());
        }
        let (install_id, key) = match &config_dir {
            Some(dir) => {
                let id = identity::load_or_create(dir)
                    .map_err(|e| {
                        notes.push(format!(
                            "install id unavailable ({}); sending without it",
                            e.kind()
                        ))
                    })
                    .ok();
                let key = identity::load_or_create_key(dir)
                    .map_err(|e| {
                        notes.push(format!(
                            "hashing key unavailable ({}); hashed values are masked",
                            e.kind()
                        ))
                    })
                    .ok();
                (id.map(|id| id.to_string()), key)
            }
            None => {
                notes.push("no config dir (home dir unknown); sending without install id".into());
                (None, None)
            }
        };
        let resource = resource::build(resource::Describe {
            service_name: &self.tool,
            service_version: &self.version,
            install_id,
            session_id: uuid::Uuid::new_v4().to_string(),
            ci_vendor: resource::ci(),
            source: &self.source(),
            channel: self.channel,
        });
        let collected = Collected::default();
        // Sampler and limits are set explicitly: the defaults would read the user's
        // OTEL_TRACES_SAMPLER and OTEL_SPAN_*_LIMIT, which are meant for their own apps.
        let provider = SdkTracerProvider::builder()
            .with_span_processor(collected.clone())
            .with_sampler(Sampler::AlwaysOn)
            .with_span_limits(SpanLimits::default())
            .build();
        let scope = InstrumentationScope::builder(crate::SCOPE_NAME)
            .with_version(env!("CARGO_PKG_VERSION"))
            .build();
        let tracer = provider.tracer_with_scope(scope);
        let print_mode =
            self.print_mode || crate::env::opts_out(std::env::var_os(&self.debug_var).as_deref());
        let delivery = Delivery {
            endpoint,
            spool: self.spool(),
            budget: self.exit_budget,
            backoff: Backoff {
                base: self.backoff.0,
                max: self.backoff.1,
            },
            uploader: self.uploader,
        };
        if self.panic_hook {
            crate::panic::install();
        }
        let context = Arc::new(RunContext {
            tool: self.tool.clone(),
            features: self.features.clone(),
            counts: self.counts.clone(),
            key,
            schema: self
                .schema
                .as_ref()
                .map(crate::run_setup::SchemaSource::resolve),
            success_exit_codes: self.success_exit_codes.clone(),
            dispatch: crate::dispatch::own_dispatch(&tracer),
            tracer: tracer.clone(),
            runs_dir: self.runs_dir(),
            heartbeat: self.heartbeat,
            declared: self.declared.clone(),
            current: Arc::default(),
            // Print mode prints everything at exit; spooling mid-run would hide it.
            periodic: delivery.spool.clone().filter(|_| !print_mode).map(|spool| {
                crate::periodic::PeriodicFlush {
                    collected: collected.clone(),
                    resource: resource.clone(),
                    spool,
                }
            }),
        });
        let active = Active {
            context,
            tracer,
            provider,
            collected,
            resource,
            delivery,
            config_dir,
            print_mode,
        };
        TelemetryGuard {
            decision,
            active: Some(active),
            notes,
            notice_shown: false,
            opt_out_var,
        }
    }

    pub(crate) fn spool(&self) -> Option<Spool> {
        let dir = self
            .spool_dir
            .clone()
            .or_else(|| config::default_spool_dir(&self.tool))?;
        Some(Spool::new(dir, self.spool_limits).with_declared_keys(self.declared_keys()))
    }

    /// The entry point of the detached uploader. Call it first thing in `main`, before
    /// parsing arguments: when this process was started as the uploader (argument
    /// [`UPLOADER_ARG`](crate::UPLOADER_ARG) and [`UPLOADER_ENV`](crate::UPLOADER_ENV)
    /// naming this tool's spool), it delivers the spool and exits the process;
    /// otherwise it returns at once having done nothing (one look at the first
    /// argument).
    pub fn run_uploader_if_requested(&self) {
        if !uploader::requested_argument() {
            return;
        }
        let Some(spool) = self.spool().filter(uploader::requested_for) else {
            return;
        };
        std::thread::spawn(|| {
            std::thread::sleep(uploader::UPLOADER_LIFETIME);
            std::process::exit(0);
        });
        let _quiet = tracing::subscriber::set_default(tracing::subscriber::NoSubscriber::default());
        if self.decide().enabled
            && let Ok(endpoint) = self.resolve_endpoint()
        {
            let backoff = Backoff {
                base: self.backoff.0,
                max: self.backoff.1,
            };
            uploader::run(&spool, &endpoint, backoff);
        }
        std::process::exit(0);
    }

    /// Decides, remembering what init needs from the files when they were read.
    fn decide_into(&self, read: &mut SettingsRead) -> Decision {
        if let Some(decision) = self.debug_build_decision() {
            return decision;
        }
        let env = consent::env_inputs(&self.opt_out_vars);
        let flag = self.disable_flag.as_deref().filter(|f| self.flag_given(f));
        consent::decide(
            &env,
            flag,
            || {
                read.config_dir = self.config_dir();
                self.files(read)
            },
            || {
                if self.disabled_in_ci {
                    resource::ci().map(|v| v.unwrap_or_else(|| "unknown".into()))
                } else {
                    None
                }
            },
            self.default_enabled,
        )
    }

    fn files(&self, read: &mut SettingsRead) -> Files {
        let project = if self.project_file {
            std::env::current_dir()
                .ok()
                .and_then(|cwd| consent::find_project_file(&cwd))
                .map(|p| {
                    let says = consent::read_project_file(&p);
                    (p, says)
                })
        } else {
            None
        };
        // Read once: the notice check after the decision uses the same load.
        let user = read.config_dir.as_deref().map(|d| {
            let p = d.join(USER_CONFIG_FILE);
            let loaded = config::load(&p);
            if let config::Loaded::Found(cfg) = &loaded {
                read.seen_notice = cfg.notice.clone();
            }
            (p, consent::settings_say(loaded))
        });
        let policies = self
            .policy_files()
            .into_iter()
            .map(|p| {
                let says = consent::read_settings_file(&p);
                (p, says)
            })
            .collect();
        Files {
            project,
            user,
            policies,
        }
    }

    /// `consentry.source`: a declared value of `<TOOL>_TELEMETRY_SOURCE`, `cli` when
    /// unset, `other` for anything else (free text never leaves).
    fn source(&self) -> String {
        match std::env::var(&self.source_var) {
            Ok(v) if self.sources.iter().any(|s| *s == v) => v,
            Ok(v) if v.is_empty() => "cli".into(),
            Err(std::env::VarError::NotPresent) => "cli".into(),
            _ => "other".into(),
        }
    }

    /// Shows the notice when this user has not seen the current version. Returns
    /// `None` when the user has seen it (this run may send), else a note (empty when
    /// the notice was shown and recorded).
    ///
    /// The notice is recorded before it is shown. Where it cannot be recorded (no
    /// config dir, or one that cannot be written) it is not shown and nothing is sent:
    /// showing it on every run would be noise, and sending without a recorded notice
    /// would break the promise that it comes first.
    fn show_notice_if_new(
        &self,
        config_dir: Option<&std::path::Path>,
        seen: Option<&str>,
    ) -> Option<String> {
        let version = self.notice_version();
        let Some(path) = config_dir.map(|d| d.join(USER_CONFIG_FILE)) else {
            return Some("no config dir to record the notice in; telemetry stays off".into());
        };
        if seen == Some(version.as_str()) {
            return None;
        }
        if let Err(e) = config::update(&path, |cfg| cfg.notice = Some(version)) {
            return Some(format!(
                "cannot record the notice ({}); telemetry stays off",
                e.kind()
            ));
        }
        let _ = writeln!(std::io::stderr().lock(), "{}", self.notice_text());
        Some(String::new())
    }

    /// The opt-in prompt; the answer is stored like `telemetry enable|disable`.
    fn ask(&self, config_dir: Option<&std::path::Path>) -> Option<String> {
        let question = format!(
            "{}\nSend anonymous usage data to help improve {}? [y/N] ",
            self.notice_text(),
            self.tool
        );
        let answer = prompt::ask(&question, std::io::stdin().lock(), std::io::stderr().lock());
        let path = config_dir?.join(USER_CONFIG_FILE);
        let version = self.notice_version();
        config::update(&path, |cfg| {
            cfg.enabled = Some(answer);
            cfg.notice = Some(version);
        })
        .err()
        .map(|e| format!("answer not recorded ({})", e.kind()))
    }

    /// The tool's config dir: the one given to
    /// [`TelemetryBuilder::with_config_dir`](crate::TelemetryBuilder::with_config_dir),
    /// else the OS config dir, or `None` when no home dir is known.
    pub fn config_dir(&self) -> Option<PathBuf> {
        self.config_dir
            .clone()
            .or_else(|| config::default_config_dir(&self.tool))
    }

    /// Records the user's choice in the settings file (what `<tool> telemetry enable`
    /// and `disable` do). Disabling also deletes the install id, so a later opt-in
    /// starts as a new, unlinkable install. Returns the settings file's path.
    pub fn set_enabled(&self, enabled: bool) -> std::io::Result<PathBuf> {
        let dir = self.config_dir().ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no config dir: home dir unknown",
            )
        })?;
        let path = dir.join(USER_CONFIG_FILE);
        config::update(&path, |cfg| cfg.enabled = Some(enabled))?;
        if !enabled {
            identity::delete(&dir)?;
            if let Some(spool) = self.spool() {
                spool.delete()?;
            }
        }
        Ok(path)
    }

    /// Decides consent without preparing anything: what `<tool> telemetry status`
    /// shows. Reads the environment and the settings file only.
    pub fn decide(&self) -> Decision {
        self.decide_into(&mut SettingsRead::default())
    }

    pub(crate) fn resolve_endpoint(&self) -> Result<Endpoint, String> {
        let endpoint = self.resolve_endpoint_url()?;
        match std::env::var_os(&self.ca_var).filter(|v| !v.is_empty()) {
            None => Ok(endpoint),
            Some(path) => crate::files::read_capped(std::path::Path::new(&path), 256 * 1024)
                .map(|pem| endpoint.with_roots(pem))
                .map_err(|e| format!("{}: {e}; nothing is sent", self.ca_var)),
        }
    }

    fn resolve_endpoint_url(&self) -> Result<Endpoint, String> {
        let transport = match std::env::var(&self.protocol_var) {
            Ok(p) if !p.trim().is_empty() => Transport::from_protocol(&p).ok_or_else(|| {
                format!(
                    "{} is not grpc or http/protobuf; nothing is sent",
                    self.protocol_var
                )
            })?,
            _ => self
                .endpoint
                .as_ref()
                .map_or_else(Transport::default_compiled, Endpoint::transport),
        };
        match std::env::var_os(&self.endpoint_var) {
            Some(url) if !url.is_empty() => {
                let url = url
                    .to_str()
                    .ok_or_else(|| format!("{} is not UTF-8", self.endpoint_var))?;
                Endpoint::new(url, transport)
                    .map_err(|e| format!("{}: {e}; nothing is sent", self.endpoint_var))
            }
            _ => match &self.endpoint {
                Some(e) if e.transport() == transport => Ok(e.clone()),
                Some(e) => Endpoint::new(e.url(), transport).map_err(|e| e.to_string()),
                None => Err(format!(
                    "no endpoint configured (set {}); nothing is sent",
                    self.endpoint_var
                )),
            },
        }
    }
}

/// What deciding consent read from the settings, kept for the rest of init.
#[derive(Debug, Default)]
struct SettingsRead {
    /// The tool's config dir, once the files were looked at.
    config_dir: Option<PathBuf>,
    /// The notice version the user settings file records as seen.
    seen_notice: Option<String>,
}

/// What a command run needs from init.
#[derive(Debug)]
pub(crate) struct RunContext {
    pub(crate) tool: String,
    pub(crate) features: Vec<&'static str>,
    pub(crate) counts: Vec<&'static str>,
    pub(crate) key: Option<[u8; 32]>,
    pub(crate) schema: Option<Arc<crate::mask::Schema>>,
    pub(crate) success_exit_codes: Vec<i32>,
    /// Records the command span without any subscriber the host may have set.
    pub(crate) dispatch: tracing::Dispatch,
    pub(crate) tracer: SdkTracer,
    pub(crate) runs_dir: Option<PathBuf>,
    pub(crate) heartbeat: Duration,
    pub(crate) declared: Vec<crate::declared::Declaration>,
    /// The open run declared spans attach to.
    pub(crate) current: Arc<crate::declared::CurrentRun>,
    /// Spools finished spans on each heartbeat; `None` in print mode or without a spool.
    pub(crate) periodic: Option<crate::periodic::PeriodicFlush>,
}

#[derive(Debug)]
struct Active {
    context: Arc<RunContext>,
    tracer: SdkTracer,
    provider: SdkTracerProvider,
    collected: Collected,
    resource: Resource,
    delivery: Delivery,
    config_dir: Option<PathBuf>,
    print_mode: bool,
}

/// Keeps telemetry alive for the run; dropping it (or [`shutdown`](Self::shutdown))
/// sends the run's spans within the exit budget. Dropping never panics and never
/// waits longer than the budget.
#[must_use = "dropping the guard sends telemetry immediately; keep it until main returns"]
#[derive(Debug)]
pub struct TelemetryGuard {
    decision: Decision,
    active: Option<Active>,
    notes: Vec<String>,
    notice_shown: bool,
    /// `<TOOL>_TELEMETRY_OPTOUT`, for child processes (see `apply_opt_out`).
    pub(crate) opt_out_var: String,
}

impl TelemetryGuard {
    /// The consent decision and the setting that made it.
    pub fn decision(&self) -> &Decision {
        &self.decision
    }

    /// Whether this run records and sends telemetry: consent is given and this is not
    /// the run that showed the notice.
    pub fn is_enabled(&self) -> bool {
        self.active.is_some()
    }

    /// Whether this run showed the notice (or the opt-in prompt) and so sends nothing.
    pub fn notice_shown(&self) -> bool {
        self.notice_shown
    }

    /// Keyed hash (HMAC-SHA256 under the per-install key, 32 hex characters) of a value
    /// the author wants to correlate without revealing it, e.g. a repository URL.
    /// `None` when telemetry is off or the key is unavailable.
    pub fn hash(&self, value: &str) -> Option<String> {
        let key = self.active.as_ref()?.context.key.as_ref()?;
        Some(identity::keyed_hash(key, value))
    }

    /// Problems found at init that did not stop the tool (an invalid endpoint variable,
    /// an unwritable config dir). Empty when all is well or telemetry is off.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// The endpoint spans go to, or why there is none.
    pub fn endpoint(&self) -> Option<Result<&Endpoint, &str>> {
        self.active
            .as_ref()
            .map(|a| a.delivery.endpoint.as_ref().map_err(String::as_str))
    }

    /// The tool's config dir (settings file and install id), when known.
    pub fn config_dir(&self) -> Option<&std::path::Path> {
        self.active.as_ref().and_then(|a| a.config_dir.as_deref())
    }

    /// The layer to add to the tool's subscriber for the spans and events the tool
    /// declared ([`with_span`](crate::TelemetryBuilder::with_span),
    /// [`with_event`](crate::TelemetryBuilder::with_event); see
    /// [`declared`](crate::declared)). Its per-layer filter admits declared names only,
    /// so it composes with any log layers the tool has, and it keeps only declared
    /// fields with valid values. The command span needs no layer. When telemetry is off
    /// it is an empty layer that does nothing.
    ///
    /// ```
    /// use tracing_subscriber::prelude::*;
    /// let guard = consentry::Telemetry::builder("mytool").build().unwrap().init();
    /// let subscriber = tracing_subscriber::registry().with(guard.layer());
    /// # drop(subscriber);
    /// ```
    pub fn layer<S>(&self) -> impl Layer<S> + 'static
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        self.active.as_ref().map(|a| {
            let c = &a.context;
            crate::declared::layer(&c.tool, &c.declared, a.tracer.clone(), c.current.clone())
        })
    }

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

    /// A handle that sends what finished runs recorded, from any thread, before a
    /// `std::process::exit` (see [`FlushHandle`](crate::FlushHandle)). `None` when
    /// telemetry is off.
    pub fn flush_handle(&self) -> Option<crate::FlushHandle> {
        let a = self.active.as_ref()?;
        Some(crate::FlushHandle::new(
            a.collected.clone(),
            a.resource.clone(),
            a.context.tool.clone(),
            a.print_mode,
            &a.delivery,
        ))
    }

    /// The request this run would send, taken out of the guard (tests only).
    #[cfg(test)]
    pub(crate) fn take_request(
        &mut self,
    ) -> Option<opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest> {
        let active = self.active.as_ref()?;
        Some(export::encode(active.collected.take(), &active.resource))
    }

    /// Sends what was recorded, waiting at most the exit budget, and says what
    /// happened. After this, dropping the guard does nothing.
    pub fn shutdown(mut self) -> Outcome {
        self.flush()
    }

    fn flush(&mut self) -> Outcome {
        let exit_started = std::time::Instant::now();
        let Some(active) = self.active.take() else {
            return Outcome::NothingToSend;
        };
        let spans = active.collected.take();
        let _ = active.provider.shutdown();
        let count = spans.len();
        if count == 0 {
            return Outcome::NothingToSend;
        }
        let request = export::encode(spans, &active.resource);
        if active.print_mode {
            print_request(&active.context.tool, &request);
            return Outcome::Printed { spans: count };
        }
        let body = prost::Message::encode_to_vec(&request);
        active.delivery.at_exit(body, count, exit_started)
    }
}

/// Print mode: the exact request, as OTLP JSON, on stderr.
pub(crate) fn print_request(
    tool: &str,
    request: &opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest,
) {
    let json =
        serde_json::to_string_pretty(request).unwrap_or_else(|e| format!("(cannot render: {e})"));
    let _ = writeln!(
        std::io::stderr().lock(),
        "{tool} telemetry (print mode, nothing sent):\n{json}"
    );
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}
