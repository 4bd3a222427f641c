//! The notice: shown once on stderr, only when stderr is a terminal, before anything
//! is sent; the run that shows it sends nothing, and so does every run until one has
//! shown it (or the user ran `telemetry enable`, which shows it). Its stored fingerprint covers the author's version, the text and the
//! data manifest, so a new data point shows it again even if the author forgot to
//! raise the version.

use std::io::Write as _;

use crate::configure::builder::Telemetry;
use crate::configure::note::Note;
use crate::consent::config::{self, USER_CONFIG_FILE};
use crate::consent::prompt;

/// What the notice check did.
#[derive(Debug)]
pub(crate) enum NoticeStep {
    /// This user has seen this version: the run goes on.
    Seen,
    /// Shown now and recorded: this run sends nothing.
    Shown,
    /// Could not be recorded, so not shown: nothing is sent.
    NotShown(Note),
}

impl Telemetry {
    /// The notice text users see, the author's or the default.
    pub fn notice_text(&self) -> String {
        if let Some(text) = &self.settings.notice.text {
            return text.clone();
        }
        let tool = &self.settings.tool;
        let var = self
            .vars
            .opt_out
            .first()
            .map_or("DO_NOT_TRACK", String::as_str);
        let mut text = format!(
            "Telemetry\n---------\n\
             {tool} collects anonymous usage data to help improve it: the command you run,\n\
             which options you used (their values only where {tool} declared them safe, such\n\
             as a choice from a fixed list), exit code, duration, {tool} version and the\n\
             version of its telemetry library, OS and architecture, whether a coding agent\n\
             ran it and whether its input and output were a terminal, and a random install\n\
             id with a commitment that lets you, and only you, have this install's data\n\
             erased. Nothing is sent during this run.\n\
             {sample}\
             \n\
             Opt out: set {var}=1 (or DO_NOT_TRACK=1), or run `{tool} {manage} disable`.\n\
             See what is sent: `{tool} {manage} show`, or run with {debug}=1.\n\
             See what was sent: `{tool} {manage} log`. Record on this machine only: `{tool} {manage} local`.\n\
             Delete it all here and ask for its erasure at the collector: `{tool} {manage} delete`.\n",
            debug = self.vars.debug,
            manage = self.manage_command,
            sample = self.notice_sampling(),
        );
        if let Some(url) = &self.settings.notice.docs_url {
            text.push_str(&format!("Read more: {url}\n"));
        }
        text
    }

    /// The notice's line about sampling, when the author samples: which share of
    /// installs send (a machine policy may lower it further; the notice says the
    /// author's rate, the same on every machine).
    fn notice_sampling(&self) -> String {
        let rate = self.settings.sampling;
        if rate >= 1.0 {
            return String::new();
        }
        format!(
            "Only a random {}% of installs send it, decided on this machine.\n",
            crate::identity::sample::percent(rate)
        )
    }

    /// The notice version as stored: `<author version>-<hash of text and manifest>`.
    pub fn notice_version(&self) -> String {
        let mut h = crate::identity::hash::Sha256::new();
        h.update(self.notice_text().as_bytes());
        for key in crate::rules::manifest::attribute_keys() {
            h.update(key.as_bytes());
            h.update(&[0]);
        }
        for name in self.settings.features.iter().chain(&self.settings.counts) {
            h.update(name.as_bytes());
            h.update(&[1]);
        }
        // A declared span, event or field is a new data point too.
        for d in &self.settings.declared {
            h.update(d.name.as_bytes());
            h.update(&[2]);
            for key in d
                .fields
                .iter()
                .map(|f| crate::rules::declared::key(&self.settings.tool, f.name))
            {
                h.update(key.as_bytes());
                h.update(&[3]);
            }
        }
        let digest = h.finish();
        let short = crate::formats::hex(&digest[..4]);
        format!("{}-{short}", self.settings.notice.version)
    }
}

impl Telemetry {
    /// Shows the notice when this user has not seen the current version. Returns
    /// `None` when the user has seen it (this run may send), else a note (empty when
    /// the notice was shown and recorded).
    ///
    /// It is shown only when stderr is a terminal: a pipe or a test harness is read by
    /// nobody, and the tool's stderr there must stay what it is without consentry.
    /// Until it has been shown nothing is sent.
    ///
    /// The notice is recorded before it is shown. Where it cannot be recorded (no
    /// config dir, or one that cannot be written) it is not shown and nothing is sent:
    /// showing it on every run would be noise, and sending without a recorded notice
    /// would break the promise that it comes first.
    pub(crate) fn show_notice_if_new(
        &self,
        config_dir: Option<&std::path::Path>,
        seen: Option<&str>,
    ) -> NoticeStep {
        let version = self.notice_version();
        let Some(path) = config_dir.map(|d| d.join(USER_CONFIG_FILE)) else {
            return NoticeStep::NotShown(Note::NoticeNotRecorded(None));
        };
        if seen == Some(version.as_str()) {
            return NoticeStep::Seen;
        }
        // Output meant for nobody (a pipe, a test harness comparing stderr) does not
        // count as showing it to a person, and must not change the tool's stderr: not
        // shown, not recorded, nothing sent. A tool run only from scripts never sends.
        if !self.env().stderr_is_terminal() {
            return NoticeStep::NotShown(Note::NoticeNeedsTerminal);
        }
        if let Err(e) = config::update(&path, |cfg| cfg.notice = Some(version)) {
            return NoticeStep::NotShown(Note::NoticeNotRecorded(Some(e.kind())));
        }
        let _ = writeln!(std::io::stderr().lock(), "{}", self.notice_text());
        NoticeStep::Shown
    }

    /// The opt-in prompt; the answer is stored like `telemetry enable|disable`.
    pub(crate) fn ask(&self, config_dir: Option<&std::path::Path>) -> Option<Note> {
        let question = format!(
            "{}\nSend anonymous usage data to help improve {}? [y/N] ",
            self.notice_text(),
            self.settings.tool
        );
        let answer = prompt::ask(&question, std::io::stdin().lock(), std::io::stderr().lock());
        let path = config_dir?.join(USER_CONFIG_FILE);
        let version = self.notice_version();
        config::update(&path, |cfg| {
            cfg.enabled = Some(answer);
            cfg.notice = Some(version);
        })
        .err()
        .map(|e| Note::AnswerNotRecorded(e.kind()))
    }
}

#[cfg(test)]
mod tests {
    use crate::Telemetry;

    #[test]
    fn default_notice_names_opt_outs_and_commands() {
        let t = Telemetry::builder("taskr")
            .with_docs_url("https://example.com/t")
            .build()
            .unwrap();
        let text = t.notice_text();
        for must in [
            "TASKR_TELEMETRY_OPTOUT=1",
            "DO_NOT_TRACK=1",
            "taskr telemetry disable",
            "TASKR_TELEMETRY_DEBUG",
            "https://example.com/t",
        ] {
            assert!(text.contains(must), "{must} missing:\n{text}");
        }
    }

    fn fresh(dir: &std::path::Path, terminal: bool) -> Telemetry {
        Telemetry::builder("tool")
            .with_env(crate::tests::support::env(dir).terminal(terminal))
            .with_debug_builds(true)
            .with_config_dir(dir.join("config"))
            .with_spool_dir(dir.join("spool"))
            .with_endpoint("http://127.0.0.1:9")
            .build()
            .unwrap()
    }

    #[test]
    fn the_notice_is_shown_only_on_a_terminal_and_nothing_is_sent_before() {
        let dir = tempfile::tempdir().unwrap();
        let piped = fresh(dir.path(), false);
        for _ in 0..3 {
            let guard = piped.clone().init();
            assert!(!guard.notice_shown() && !guard.is_enabled());
            assert_eq!(guard.notes(), [crate::Note::NoticeNeedsTerminal]);
        }
        assert!(
            !dir.path().join("config").exists(),
            "not recorded as seen: nothing written"
        );
        let status = piped.status();
        assert!(status.decision.enabled && !status.notice_seen);
        assert!(
            status
                .to_string()
                .contains("notice: not shown yet; nothing is sent until a run with stderr on a terminal shows it"),
            "{status}"
        );
        assert!(fresh(dir.path(), true).init().notice_shown());
        // Seen: the next run sends, on a terminal or not.
        assert!(piped.clone().init().is_enabled());
        let status = piped.status();
        assert!(status.notice_seen && !status.to_string().contains("notice:"));
    }

    #[test]
    fn version_changes_with_text_version_and_declarations() {
        let base = Telemetry::builder("t").build().unwrap().notice_version();
        assert!(base.starts_with("1-"));
        assert_ne!(
            base,
            Telemetry::builder("t")
                .with_notice(2, None)
                .build()
                .unwrap()
                .notice_version()
        );
        assert_ne!(
            base,
            Telemetry::builder("t")
                .with_notice(1, Some("x".into()))
                .build()
                .unwrap()
                .notice_version()
        );
        assert_ne!(
            base,
            Telemetry::builder("t")
                .with_features(&["f"])
                .build()
                .unwrap()
                .notice_version()
        );
        assert_eq!(
            base,
            Telemetry::builder("t").build().unwrap().notice_version()
        );
    }
}
