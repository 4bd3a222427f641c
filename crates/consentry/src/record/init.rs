//! Init: decides consent and, when telemetry is on, wires recording for the run.

use std::sync::Arc;

use opentelemetry::InstrumentationScope;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider, SpanLimits};

use crate::configure::builder::Telemetry;
use crate::configure::note::Note;
use crate::consent::notice::NoticeStep;
use crate::consent::prompt;
use crate::consent::{self, SettingsRead};
use crate::deliver::{Collected, Delivery, Spool};
use crate::identity;
use crate::identity::choice::{self, InstallId};
use crate::identity::erasure;
use crate::identity::resource;
use crate::identity::sample;
use crate::record::guard::{Active, TelemetryGuard};
use crate::record::run_context::RunContext;

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
        self.pass_flag_to_children();
        let config_dir = read.config_dir.take();
        let opt_out_var = self.vars.opt_out[0].clone();
        let inactive = |decision, notes, notice_shown| TelemetryGuard {
            decision,
            active: None,
            notes,
            notice_shown,
            opt_out_var: opt_out_var.clone(),
            sampled_out: false,
        };
        if !decision.enabled {
            if decision.source == consent::Source::OptInDefault && prompt::interactive(self.env()) {
                let notes = self.ask(config_dir.as_deref()).into_iter().collect();
                return inactive(decision, notes, true);
            }
            return inactive(decision, Vec::new(), false);
        }
        let mut notes = Vec::new();
        // Local mode sends nothing, so it has nothing to disclose first: the notice
        // waits for `telemetry enable`, which shows it.
        let notice = if decision.local {
            NoticeStep::Seen
        } else {
            self.show_notice_if_new(config_dir.as_deref(), read.seen_notice.as_deref())
        };
        match notice {
            NoticeStep::Seen => {}
            NoticeStep::Shown => return inactive(decision, notes, true),
            NoticeStep::NotShown(note) => {
                notes.push(note);
                return inactive(decision, notes, false);
            }
        }
        let key = match &config_dir {
            Some(dir) => identity::load_or_create_key(dir)
                .map_err(|e| notes.push(Note::HashingKey(e.kind())))
                .ok(),
            None => {
                notes.push(Note::NoConfigDir);
                None
            }
        };
        let ci_vendor = self.env().ci();
        let print_mode = self.settings.print_mode
            || crate::configure::env::opts_out(self.env().var_os(&self.vars.debug).as_deref());
        // Local mode sends nothing, so it keeps every run for the user's own view; print
        // mode sends nothing either and shows what a run in the sample would send.
        let rate = self.sample_rate(&read);
        let sampling = rate < 1.0 && !decision.local;
        if sampling && !print_mode {
            // In CI too the draw follows the key: a fresh container has a new key, so its
            // run draws alone; a kept runner keeps its runs together.
            let unit = sample::Unit::of(
                self.settings.install_id,
                key.as_ref(),
                crate::deliver::now_ms() / 1000,
            );
            if !unit.in_sample(rate) {
                // Outside the sample: what an opted-out run does, after reading the key.
                let mut guard = inactive(decision, notes, false);
                guard.sampled_out = true;
                return guard;
            }
        }
        let endpoint = self.resolve_endpoint();
        if !decision.local
            && let Err(problem) = &endpoint
        {
            notes.push(Note::Endpoint(problem.clone()));
        }
        // CI first: a fresh container must not mint an id (and write its file) per run.
        let install_id = match (&ci_vendor, self.settings.install_id) {
            (_, InstallId::None) => None,
            (Some(vendor), _) => self
                .settings
                .shared_ci_id
                .then(|| choice::shared_ci(vendor.as_deref())),
            (None, InstallId::Random) => config_dir.as_deref().and_then(|dir| {
                identity::load_or_create(dir)
                    .map_err(|e| notes.push(Note::InstallId(e.kind())))
                    .ok()
            }),
            (None, InstallId::Rotating(period)) => key
                .as_ref()
                .map(|k| choice::rotating(k, crate::deliver::now_ms() / 1000, period)),
        };
        // Only an id this install keeps (random or rotating, outside CI) can be erased
        // by it; CI's shared id is every runner's, and no id is nobody's.
        let erasable = ci_vendor.is_none()
            && matches!(
                self.settings.install_id,
                InstallId::Random | InstallId::Rotating(_)
            );
        let install_id = install_id.map(|id| id.to_string());
        let commitment = match (&key, &install_id) {
            (Some(key), Some(id)) if erasable => {
                Some(erasure::commitment(&erasure::token(key, id)))
            }
            _ => None,
        };
        let resource = resource::build(resource::Describe {
            service_name: &self.settings.tool,
            service_version: &self.settings.version,
            install_id,
            commitment,
            instance_id: crate::sys::random::uuid_v4().to_string(),
            ci_vendor,
            source: &self.source(),
            channel: self.settings.channel,
            agent: identity::agent::detect(self.env()),
            sample_weight: sampling.then(|| sample::weight(rate)),
        });
        let collected = Collected::default();
        // Sampler and limits are set explicitly: the defaults would read the user's
        // OTEL_TRACES_SAMPLER and OTEL_SPAN_*_LIMIT, which are meant for their own apps.
        let provider = SdkTracerProvider::builder()
            .with_span_processor(collected.clone())
            .with_sampler(Sampler::AlwaysOn)
            .with_span_limits(SpanLimits::default())
            .build();
        let scope = InstrumentationScope::builder(crate::manifest::SCOPE_NAME)
            .with_version(env!("CARGO_PKG_VERSION"))
            .with_schema_url(crate::manifest::SCHEMA_URL)
            .build();
        let tracer = provider.tracer_with_scope(scope);
        let spool = if decision.local {
            self.local_store()
        } else {
            self.spool_with_log()
                .map(|s| s.with_upload_since(read.upload_since_ms))
        };
        let delivery = Delivery {
            endpoint,
            spool,
            budget: self.settings.exit_budget,
            backoff: self.backoff(),
            uploader: self.settings.uploader,
            local: decision.local,
        };
        if self.settings.panic_hook {
            crate::record::panic::install();
        }
        let context = Arc::new(RunContext {
            tool: self.settings.tool.clone(),
            features: self.settings.features.clone(),
            counts: self.settings.counts.clone(),
            key,
            schema: self
                .settings
                .schema
                .as_ref()
                .map(crate::configure::settings::SchemaSource::resolve),
            success_exit_codes: self.settings.success_exit_codes.clone(),
            error_messages: self.settings.error_messages,
            dispatch: crate::record::dispatch::own_dispatch(&tracer),
            tracer: tracer.clone(),
            runs_dir: self.runs_dir(),
            heartbeat: self.settings.heartbeat,
            declared: self.settings.declared.clone(),
            current: Arc::default(),
            env: self
                .settings
                .env
                .clone()
                .unwrap_or_else(|| Arc::new(crate::configure::env::OsEnv)),
            // Print mode prints everything at exit; spooling mid-run would hide it.
            periodic: delivery.spool.clone().filter(|_| !print_mode).map(|spool| {
                crate::record::periodic::PeriodicFlush {
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
            sampled_out: false,
        }
    }

    /// The disable flag opts out this run, and a child process does not see it: when it
    /// was given, `<TOOL>_TELEMETRY_OPTOUT=1` is set in this process's environment, so
    /// every child the tool starts (itself again, a recipe calling it) is opted out too,
    /// with no per-command wiring. Only with the real process environment: a test's
    /// [`FixedEnv`](crate::env::FixedEnv) is never written to the process.
    fn pass_flag_to_children(&self) {
        if self.settings.env.is_some() {
            return;
        }
        if let Some(flag) = self.settings.disable_flag.as_deref()
            && self.flag_given(flag)
        {
            crate::sys::process_env::set_for_children(&self.vars.opt_out[0]);
        }
    }

    pub(crate) fn spool(&self) -> Option<Spool> {
        Some(
            Spool::new(self.spool_dir()?, self.settings.spool_limits)
                .with_declared_keys(self.declared_keys()),
        )
    }

    /// `consentry.source`: a declared value of `<TOOL>_TELEMETRY_SOURCE`, `cli` when
    /// unset, `other` for anything else (free text never leaves).
    fn source(&self) -> String {
        match self
            .env()
            .var_os(&self.vars.source)
            .map(|v| v.into_string())
        {
            None => "cli".into(),
            Some(Ok(v)) if v.is_empty() => "cli".into(),
            Some(Ok(v)) if self.settings.sources.iter().any(|s| *s == v) => v,
            Some(_) => "other".into(),
        }
    }
}
