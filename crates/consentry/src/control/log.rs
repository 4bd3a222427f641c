//! `<tool> telemetry log`: what the collector acknowledged, exactly as it was sent.

use std::fmt::Write as _;

use super::records::{self, Kept, str_attr, utc, value_text};
use crate::configure::builder::Telemetry;
use crate::formats::json::{self, Keys, Style, Writer};

impl Telemetry {
    /// The log of what was sent (what `<tool> telemetry log` prints): every request
    /// the collector acknowledged in the last 30 days (at most 1000 requests, 4 MiB),
    /// decoded from the very bytes that were sent. As text, one block per request
    /// with every attribute of every span and event; with `json`, one line per request:
    /// `{"acknowledged_ms": .., "request": <OTLP JSON>}`. Read-only: it writes and
    /// deletes nothing; an entry that is not a request consentry wrote (a symlink, a
    /// FIFO, garbage) is skipped and counted.
    pub fn sent_log(&self, json: bool) -> String {
        let store = self.sent_store();
        let read = records::read(store.as_ref());
        if json {
            return read.kept.iter().map(json_line).collect();
        }
        let mut out = String::new();
        let dir = store.as_ref().map_or("unknown (no home dir)".into(), |s| {
            s.dir().display().to_string()
        });
        let _ = writeln!(
            out,
            "# What {} sent: {} requests acknowledged by the collector (kept 30 days in {dir})",
            self.settings.tool,
            read.kept.len()
        );
        if read.skipped > 0 {
            let _ = writeln!(
                out,
                "({} entries skipped: not requests consentry wrote)",
                read.skipped
            );
        }
        for k in &read.kept {
            write_request(&mut out, k);
        }
        out
    }
}

/// One request of `telemetry log --json`: `{"acknowledged_ms":..,"request":..}` and a
/// newline, compact, every object's members sorted by key (as serde_json's map
/// sorted them, unlike print mode's request, which follows the proto's field order).
fn json_line(k: &Kept) -> String {
    let mut w = Writer::new(Style::Compact, Keys::Sorted);
    w.object(|o| {
        o.field("acknowledged_ms", |w| w.uint(k.stored_ms))
            .field("request", |w| json::request(w, &k.request));
    });
    let mut line = w.finish();
    line.push('\n');
    line
}

fn write_request(out: &mut String, k: &Kept) {
    let _ = writeln!(out, "\nacknowledged {}", utc(k.stored_ms));
    for rs in &k.request.resource_spans {
        let resource = rs.resource.as_ref().map_or(&[][..], |r| &r.attributes[..]);
        let _ = writeln!(out, "  resource:");
        for kv in resource {
            let _ = writeln!(out, "    {} = {}", kv.key, value_text(kv.value.as_ref()));
        }
        for span in rs.scope_spans.iter().flat_map(|ss| &ss.spans) {
            let ms = |ns: u64| ns / 1_000_000;
            let _ = writeln!(
                out,
                "  span {} ({}) at {}, {} ms, span id {}",
                span.name,
                str_attr(&span.attributes, "consentry.command").unwrap_or("-"),
                utc(ms(span.start_time_unix_nano)),
                ms(span
                    .end_time_unix_nano
                    .saturating_sub(span.start_time_unix_nano)),
                crate::formats::hex(&span.span_id),
            );
            for kv in &span.attributes {
                let _ = writeln!(out, "    {} = {}", kv.key, value_text(kv.value.as_ref()));
            }
            for event in &span.events {
                let _ = writeln!(out, "    event {}", event.name);
                for kv in &event.attributes {
                    let _ = writeln!(out, "      {} = {}", kv.key, value_text(kv.value.as_ref()));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// What the log's JSON was when serde_json wrote it.
        #[test]
        fn json_lines_as_serde_json_wrote_them(
            request in crate::formats::json::strategies::request(),
            stored_ms in any::<u64>(),
        ) {
            let k = Kept { stored_ms, request };
            let before = serde_json::json!({
                "acknowledged_ms": k.stored_ms,
                "request": k.request,
            });
            prop_assert_eq!(json_line(&k), format!("{before}\n"));
        }
    }
}
