//! `<tool> telemetry view`: the user's own runs, summarised from what is kept on this
//! machine (the local records and the log of what was sent).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::records::{self, day, int_attr, str_attr};
use crate::configure::builder::Telemetry;
use crate::formats::json::{Keys, Style, Writer};

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
        let mut summary = Summary::of(&runs, from, local.skipped + sent.skipped);
        if json {
            return summary.json(self.sampling_now());
        }
        let Summary {
            mut commands,
            days,
            errors,
            skipped,
            ..
        } = summary;
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

/// The runs counted by command, by day (UTC) and by error class.
#[derive(Debug, Default)]
struct Summary<'r> {
    runs: usize,
    /// Runs found in the local records and in the sent log.
    from: [usize; 2],
    skipped: usize,
    commands: BTreeMap<&'r str, Tally>,
    days: BTreeMap<String, Tally>,
    errors: BTreeMap<&'r str, usize>,
}

impl<'r> Summary<'r> {
    fn of(runs: &'r [Run], from: [usize; 2], skipped: usize) -> Self {
        let mut summary = Summary {
            runs: runs.len(),
            from,
            skipped,
            ..Summary::default()
        };
        for run in runs {
            summary.commands.entry(&run.command).or_default().add(run);
            summary.days.entry(day(run.start_ms)).or_default().add(run);
            if let Some(e) = &run.error {
                *summary.errors.entry(e).or_default() += 1;
            }
        }
        summary
    }

    /// `telemetry view --json`: one compact object and a newline, members sorted by
    /// key as serde_json's map sorted them; the sampling rate and whether this install
    /// is in the sample (`null` when unknown) come from `sampling`.
    fn json(&mut self, (rate, in_sample): (f64, Option<bool>)) -> String {
        let mut w = Writer::new(Style::Compact, Keys::Sorted);
        w.object(|o| {
            o.field("runs", |w| w.uint(self.runs as u64))
                .field("local_runs", |w| w.uint(self.from[0] as u64))
                .field("sent_runs", |w| w.uint(self.from[1] as u64))
                .field("skipped_entries", |w| w.uint(self.skipped as u64))
                .field("sampling_rate", |w| w.float(rate))
                .field("in_sample", |w| match in_sample {
                    Some(b) => w.bool(b),
                    None => w.null(),
                })
                .field("commands", |w| {
                    w.array(&mut self.commands, |w, (c, t)| {
                        let (p50, max) = t.p50_max();
                        w.object(|o| {
                            o.field("command", |w| w.string(c))
                                .field("runs", |w| w.uint(t.runs as u64))
                                .field("errors", |w| w.uint(t.errors as u64))
                                .field("p50_ms", |w| w.uint(p50))
                                .field("max_ms", |w| w.uint(max));
                        });
                    });
                })
                .field("days", |w| {
                    w.array(&self.days, |w, (d, t)| {
                        w.object(|o| {
                            o.field("day", |w| w.string(d))
                                .field("runs", |w| w.uint(t.runs as u64))
                                .field("errors", |w| w.uint(t.errors as u64));
                        });
                    });
                })
                .field("errors", |w| {
                    w.array(&self.errors, |w, (e, n)| {
                        w.object(|o| {
                            o.field("error_type", |w| w.string(e))
                                .field("runs", |w| w.uint(*n as u64));
                        });
                    });
                });
        });
        let mut out = w.finish();
        out.push('\n');
        out
    }
}

/// A bar for a day's runs, at most 40 wide.
fn bar(runs: usize) -> String {
    "#".repeat(runs.min(40))
}

#[cfg(test)]
mod tests {
    use proptest::collection::vec;
    use proptest::option;
    use proptest::prelude::*;

    use super::*;
    use crate::formats::json::strategies::{double, text};

    /// The view's JSON as serde_json wrote it, from the same summary.
    fn before(s: &mut Summary<'_>, (rate, in_sample): (f64, Option<bool>)) -> String {
        let commands: Vec<_> = s
            .commands
            .iter_mut()
            .map(|(c, t)| {
                let (p50, max) = t.p50_max();
                serde_json::json!({
                    "command": c, "runs": t.runs, "errors": t.errors,
                    "p50_ms": p50, "max_ms": max,
                })
            })
            .collect();
        let days: Vec<_> = s
            .days
            .iter()
            .map(|(d, t)| serde_json::json!({"day": d, "runs": t.runs, "errors": t.errors}))
            .collect();
        let errors: Vec<_> = s
            .errors
            .iter()
            .map(|(e, n)| serde_json::json!({"error_type": e, "runs": n}))
            .collect();
        let all = serde_json::json!({
            "runs": s.runs, "local_runs": s.from[0], "sent_runs": s.from[1],
            "skipped_entries": s.skipped, "sampling_rate": rate, "in_sample": in_sample,
            "commands": commands, "days": days, "errors": errors,
        });
        format!("{all}\n")
    }

    fn run() -> impl Strategy<Value = Run> {
        // Commands and error classes from a few, so runs share them; days over
        // 1970 to 2100 and durations of any size.
        let command = prop_oneof![Just("add".to_owned()), Just("list".to_owned()), text()];
        let error = option::of(prop_oneof![Just("usage".to_owned()), text()]);
        (command, 0..4_102_444_800_000u64, any::<u64>(), error).prop_map(
            |(command, start_ms, duration_ms, error)| Run {
                command,
                start_ms,
                duration_ms,
                error,
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn json_as_serde_json_wrote_it(
            runs in vec(run(), 0..12),
            from in any::<[u16; 2]>(),
            skipped in any::<u32>(),
            rate in double(),
            in_sample in option::of(any::<bool>()),
        ) {
            let from = from.map(usize::from);
            let mut summary = Summary::of(&runs, from, skipped as usize);
            let json = summary.json((rate, in_sample));
            prop_assert_eq!(json, before(&mut summary, (rate, in_sample)));
        }
    }
}
