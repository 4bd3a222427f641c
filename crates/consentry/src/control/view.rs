//! `<tool> telemetry view`: the user's own runs, summarised from what is kept on this
//! machine (the local records and the log of what was sent).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::records::{self, day, int_attr, str_attr};
use crate::configure::builder::Telemetry;

/// One command run found in the kept requests.
#[derive(Debug)]
struct Run {
    command: String,
    start_ms: u64,
    duration_ms: u64,
    error: Option<String>,
}

#[derive(Debug, Default)]
struct Tally {
    runs: usize,
    errors: usize,
    durations: Vec<u64>,
}

impl Tally {
    fn add(&mut self, run: &Run) {
        self.runs += 1;
        self.errors += usize::from(run.error.is_some());
        self.durations.push(run.duration_ms);
    }

    /// Median and maximum duration, in ms.
    fn p50_max(&mut self) -> (u64, u64) {
        self.durations.sort_unstable();
        let n = self.durations.len();
        if n == 0 {
            return (0, 0);
        }
        (self.durations[(n - 1) / 2], self.durations[n - 1])
    }
}

impl Telemetry {
    /// A summary of this machine's own runs (what `<tool> telemetry view` prints): from
    /// the local records and the log of what was sent, each command run counted once
    /// (by span id): runs, errors and median/maximum duration per command, runs and
    /// errors per day (UTC), and the error classes; for a sampled tool, whether this
    /// install is in the sample (a run outside it records nothing). With `json`, the
    /// same as one JSON object. Read-only, like [`sent_log`](Self::sent_log).
    pub fn usage_view(&self, json: bool) -> String {
        let local = records::read(self.local_store().as_ref());
        let sent = records::read(self.sent_store().as_ref());
        let mut seen = BTreeSet::new();
        let mut runs = Vec::new();
        let mut from = [0usize; 2];
        for (i, read) in [&local, &sent].into_iter().enumerate() {
            for k in &read.kept {
                let spans = k
                    .request
                    .resource_spans
                    .iter()
                    .flat_map(|rs| &rs.scope_spans)
                    .flat_map(|ss| &ss.spans);
                for span in spans {
                    // Command spans only: declared child spans carry no exit code.
                    if int_attr(&span.attributes, "process.exit.code").is_none()
                        || !seen.insert((span.trace_id.clone(), span.span_id.clone()))
                    {
                        continue;
                    }
                    from[i] += 1;
                    runs.push(Run {
                        command: str_attr(&span.attributes, "consentry.command")
                            .unwrap_or("-")
                            .to_owned(),
                        start_ms: span.start_time_unix_nano / 1_000_000,
                        duration_ms: span
                            .end_time_unix_nano
                            .saturating_sub(span.start_time_unix_nano)
                            / 1_000_000,
                        error: str_attr(&span.attributes, "error.type").map(str::to_owned),
                    });
                }
            }
        }
        let mut commands: BTreeMap<&str, Tally> = BTreeMap::new();
        let mut days: BTreeMap<String, Tally> = BTreeMap::new();
        let mut errors: BTreeMap<&str, usize> = BTreeMap::new();
        for run in &runs {
            commands.entry(&run.command).or_default().add(run);
            days.entry(day(run.start_ms)).or_default().add(run);
            if let Some(e) = &run.error {
                *errors.entry(e).or_default() += 1;
            }
        }
        let skipped = local.skipped + sent.skipped;
        if json {
            let commands: Vec<_> = commands
                .iter_mut()
                .map(|(c, t)| {
                    let (p50, max) = t.p50_max();
                    serde_json::json!({
                        "command": c, "runs": t.runs, "errors": t.errors,
                        "p50_ms": p50, "max_ms": max,
                    })
                })
                .collect();
            let days: Vec<_> = days
                .iter()
                .map(|(d, t)| serde_json::json!({"day": d, "runs": t.runs, "errors": t.errors}))
                .collect();
            let errors: Vec<_> = errors
                .iter()
                .map(|(e, n)| serde_json::json!({"error_type": e, "runs": n}))
                .collect();
            let (rate, in_sample) = self.sampling_now();
            let all = serde_json::json!({
                "runs": runs.len(), "local_runs": from[0], "sent_runs": from[1],
                "skipped_entries": skipped, "sampling_rate": rate, "in_sample": in_sample,
                "commands": commands, "days": days, "errors": errors,
            });
            return format!("{all}\n");
        }
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# {} on this machine: {} runs ({} recorded locally, {} sent)",
            self.settings.tool,
            runs.len(),
            from[0],
            from[1]
        );
        if skipped > 0 {
            let _ = writeln!(
                out,
                "({skipped} entries skipped: not requests consentry wrote)"
            );
        }
        // A run outside the sample records nothing, so its absence here is explained.
        match self.sampling_now() {
            (rate, Some(false)) if rate < 1.0 => {
                let _ = writeln!(
                    out,
                    "(this tool sends a random {}% of installs; this install is not in \
                     the sample, so its runs are neither recorded nor sent)",
                    crate::identity::sample::percent(rate)
                );
            }
            (rate, _) if rate < 1.0 => {
                let _ = writeln!(
                    out,
                    "(this tool sends a random {}% of installs; runs outside the sample \
                     are neither recorded nor sent)",
                    crate::identity::sample::percent(rate)
                );
            }
            _ => {}
        }
        if runs.is_empty() {
            return out;
        }
        let _ = writeln!(
            out,
            "\n{:<24} {:>6} {:>6} {:>9} {:>9}",
            "command", "runs", "errors", "p50 ms", "max ms"
        );
        for (c, t) in &mut commands {
            let (p50, max) = t.p50_max();
            let _ = writeln!(
                out,
                "{c:<24} {:>6} {:>6} {p50:>9} {max:>9}",
                t.runs, t.errors
            );
        }
        let _ = writeln!(out, "\n{:<10} {:>6} {:>6}", "day (UTC)", "runs", "errors");
        for (d, t) in &days {
            let _ = writeln!(
                out,
                "{d:<10} {:>6} {:>6}  {}",
                t.runs,
                t.errors,
                bar(t.runs)
            );
        }
        if !errors.is_empty() {
            let _ = writeln!(out, "\n{:<24} {:>6}", "error type", "runs");
            for (e, n) in &errors {
                let _ = writeln!(out, "{e:<24} {n:>6}");
            }
        }
        out
    }
}

/// A bar for a day's runs, at most 40 wide.
fn bar(runs: usize) -> String {
    "#".repeat(runs.min(40))
}
