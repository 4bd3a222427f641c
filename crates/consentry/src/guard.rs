//! Init and the guard that sends at exit.

use std::ffi::OsStr;
use std::path::PathBuf;
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
use crate::consent::{self, Decision};
use crate::export::{self, Backoff, Background, Collected, Delivery, Endpoint, Outcome, Spool, Transport, uploader};
use crate::identity;
use crate::layer::Gate;
use crate::resource;

impl Telemetry {
    /// Decides consent and, only when telemetry is on, prepares recording: the install
    /// id, the resource and an in-memory span store. Never fails and never prints; what
    /// went wrong is kept in [`TelemetryGuard::notes`].
    ///
    /// When telemetry is off nothing else happens: no file is read beyond the settings
    /// file, none is written, and no thread or socket is created, then or later.
    pub fn init(self) -> TelemetryGuard {
        let env = consent::env_inputs(&self.opt_out_vars);
        let mut config_dir = None;
        let decision = consent::decide(
            &env,
            || {
                config_dir = self.config_dir();
                config_dir.as_ref().map(|d| d.join(USER_CONFIG_FILE))
            },
            self.default_enabled,
        );
        if !decision.enabled {
            return TelemetryGuard { decision, active: None, notes: Vec::new() };
        }
        let mut notes = Vec::new();
        let endpoint = self.resolve_endpoint();
        if let Err(reason) = &endpoint {
            notes.push(reason.clone());
        }
        let install_id = match &config_dir {
            Some(dir) => match identity::load_or_create(dir) {
                Ok(id) => Some(id.to_string()),
                Err(e) => {
                    notes.push(format!("install id unavailable ({}); sending without it", e.kind()));
                    None
                }
            },
            None => {
                notes.push("no config dir (home dir unknown); sending without install id".into());
                None
            }
        };
        let resource = resource::build(resource::Describe {
            service_name: &self.tool,
            service_version: &self.version,
            install_id,
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
        let delivery = Delivery {
            endpoint,
            spool: self.spool(),
            budget: self.exit_budget,
            backoff: Backoff { base: self.backoff.0, max: self.backoff.1 },
            uploader: self.uploader,
        };
        let background = delivery.start_background();
        let active = Active {
            tool: self.tool,
            tracer,
            provider,
            collected,
            resource,
            delivery,
            background,
            config_dir,
        };
        TelemetryGuard { decision, active: Some(active), notes }
    }

    pub(crate) fn spool(&self) -> Option<Spool> {
        let dir = self.spool_dir.clone().or_else(|| config::default_spool_dir(&self.tool))?;
        Some(Spool::new(dir, self.spool_limits))
    }

    /// The entry point of the detached uploader. Call it first thing in `main`, before
    /// parsing arguments: when this process was started as the uploader (argument
    /// [`UPLOADER_ARG`](crate::UPLOADER_ARG)), it delivers the spool and exits the
    /// process; otherwise it returns at once having done nothing.
    pub fn run_uploader_if_requested(&self) {
        if !uploader::requested() {
            return;
        }
        std::thread::spawn(|| {
            std::thread::sleep(uploader::UPLOADER_LIFETIME);
            std::process::exit(0);
        });
        let _quiet = tracing::subscriber::set_default(tracing::subscriber::NoSubscriber::default());
        if self.decide().enabled {
            if let (Ok(endpoint), Some(spool)) = (self.resolve_endpoint(), self.spool()) {
                if let Some(lock) = spool.try_lock() {
                    let deadline = std::time::Instant::now() + uploader::UPLOADER_LIFETIME - Duration::from_secs(1);
                    let backoff = Backoff { base: self.backoff.0, max: self.backoff.1 };
                    let stop = std::sync::atomic::AtomicBool::new(false);
                    export::drain(&spool, &lock, &endpoint, backoff, deadline, &stop);
                }
            }
        }
        std::process::exit(0);
    }

    /// The tool's config dir: the one given to
    /// [`TelemetryBuilder::with_config_dir`](crate::TelemetryBuilder::with_config_dir),
    /// else the OS config dir, or `None` when no home dir is known.
    pub fn config_dir(&self) -> Option<PathBuf> {
        self.config_dir.clone().or_else(|| config::default_config_dir(&self.tool))
    }

    /// Records the user's choice in the settings file (what `<tool> telemetry enable`
    /// and `disable` do). Disabling also deletes the install id, so a later opt-in
    /// starts as a new, unlinkable install. Returns the settings file's path.
    pub fn set_enabled(&self, enabled: bool) -> std::io::Result<PathBuf> {
        let dir = self.config_dir().ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::NotFound, "no config dir: home dir unknown")
        })?;
        let path = dir.join(USER_CONFIG_FILE);
        config::store(&path, &config::UserConfig { enabled: Some(enabled) })?;
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
        let env = consent::env_inputs(&self.opt_out_vars);
        consent::decide(&env, || self.config_dir().map(|d| d.join(USER_CONFIG_FILE)), self.default_enabled)
    }

    pub(crate) fn resolve_endpoint(&self) -> Result<Endpoint, String> {
        let transport = match std::env::var(&self.protocol_var) {
            Ok(p) if !p.trim().is_empty() => Transport::from_protocol(&p)
                .ok_or_else(|| format!("{} is not grpc or http/protobuf; nothing is sent", self.protocol_var))?,
            _ => self.endpoint.as_ref().map_or_else(Transport::default_compiled, Endpoint::transport),
        };
        match std::env::var_os(&self.endpoint_var) {
            Some(url) if !url.is_empty() => {
                let url = url.to_str().ok_or_else(|| format!("{} is not UTF-8", self.endpoint_var))?;
                Endpoint::new(url, transport).map_err(|e| format!("{}: {e}; nothing is sent", self.endpoint_var))
            }
            _ => match &self.endpoint {
                Some(e) if e.transport() == transport => Ok(e.clone()),
                Some(e) => Endpoint::new(e.url(), transport).map_err(|e| e.to_string()),
                None => Err(format!("no endpoint configured (set {}); nothing is sent", self.endpoint_var)),
            },
        }
    }
}

#[derive(Debug)]
struct Active {
    tool: String,
    tracer: SdkTracer,
    provider: SdkTracerProvider,
    collected: Collected,
    resource: Resource,
    delivery: Delivery,
    background: Option<Background>,
    config_dir: Option<PathBuf>,
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
}

impl TelemetryGuard {
    /// The consent decision and the setting that made it.
    pub fn decision(&self) -> &Decision {
        &self.decision
    }

    /// Whether telemetry is on for this run.
    pub fn is_enabled(&self) -> bool {
        self.active.is_some()
    }

    /// Problems found at init that did not stop the tool (an invalid endpoint variable,
    /// an unwritable config dir). Empty when all is well or telemetry is off.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// The endpoint spans go to, or why there is none.
    pub fn endpoint(&self) -> Option<Result<&Endpoint, &str>> {
        self.active.as_ref().map(|a| a.delivery.endpoint.as_ref().map_err(String::as_str))
    }

    /// The tool's config dir (settings file and install id), when known.
    pub fn config_dir(&self) -> Option<&std::path::Path> {
        self.active.as_ref().and_then(|a| a.config_dir.as_deref())
    }

    /// The layer to add to the tool's subscriber. It sees only consentry's own spans
    /// (the consent gate is its per-layer filter), so it composes with any log layers
    /// the tool has. When telemetry is off it is an empty layer that does nothing.
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
            tracing_opentelemetry::layer()
                .with_tracer(a.tracer.clone())
                // Each of these would add data the manifest does not promise: source
                // paths of the build machine, thread names, tracing levels and targets.
                .with_location(false)
                .with_threads(false)
                .with_level(false)
                .with_target(false)
                .with_tracked_inactivity(false)
                .with_error_events_to_exceptions(false)
                .with_error_fields_to_exceptions(false)
                .with_filter(Gate)
        })
    }

    /// Starts the span of one command run: `command` is the command's name as the
    /// author calls it (`"add"`, `"remote add"`), `args` the raw arguments without the
    /// program name. Every argument value is masked before anything is recorded.
    pub fn command<I, T>(&self, command: &str, args: I) -> CommandRun
    where
        I: IntoIterator<Item = T>,
        T: AsRef<OsStr>,
    {
        match &self.active {
            Some(a) => CommandRun::start(&a.tool, command, args),
            None => CommandRun::disabled(),
        }
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
            if let Some(bg) = active.background {
                bg.finish(exit_started + active.delivery.budget);
            }
            return Outcome::NothingToSend;
        }
        let body = prost::Message::encode_to_vec(&export::encode(spans, &active.resource));
        active.delivery.at_exit(body, count, exit_started, active.background)
    }
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}
