//! Reading what is kept on the machine (the local records, the log of what was sent)
//! for the user: read-only, through the spool's hostile-file rules (regular files
//! only, never through a symlink, never blocking on a FIFO, capped at the length the
//! name claims), and validated like a request about to be sent. An entry that fails
//! is skipped and counted, never deleted: reading changes nothing.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};

use crate::deliver::Spool;
use crate::deliver::spool::{MAX_REQUEST, read_capped};
use crate::deliver::validate;

/// One kept request and when it was stored (for the sent log: acknowledged).
#[derive(Debug)]
pub(crate) struct Kept {
    pub(crate) stored_ms: u64,
    pub(crate) request: ExportTraceServiceRequest,
}

/// The requests of one store, oldest first, and how many entries were skipped.
#[derive(Debug, Default)]
pub(crate) struct Read {
    pub(crate) kept: Vec<Kept>,
    pub(crate) skipped: usize,
}

/// Reads the requests of `store`, newest first up to the store's own bounds (count and
/// bytes, as the names claim), then returns them oldest first: a directory someone
/// filled with a million entries, or names claiming megabytes each, costs what a full
/// store costs, not more.
pub(crate) fn read(store: Option<&Spool>) -> Read {
    let mut out = Read::default();
    let Some(store) = store else {
        return out;
    };
    let limits = store.limits();
    let mut entries = store.entries();
    entries.reverse();
    let mut bytes = 0u64;
    for (i, entry) in entries.into_iter().enumerate() {
        let claimed = entry.name.as_ref().map_or(0, |n| n.len);
        if i >= limits.max_files || bytes.saturating_add(claimed) > limits.max_bytes {
            out.skipped += 1;
            continue;
        }
        bytes += claimed;
        let request = entry.name.as_ref().and_then(|name| {
            let body = read_capped(&entry.path, name.len.min(MAX_REQUEST)).ok()?;
            (body.len() as u64 == name.len)
                .then(|| validate::check(&body, store.declared_keys()).ok())
                .flatten()
                .map(|request| Kept {
                    stored_ms: name.created_ms,
                    request,
                })
        });
        match request {
            Some(k) => out.kept.push(k),
            None => out.skipped += 1,
        }
    }
    out.kept.reverse();
    out
}

/// A value as text: strings quoted, arrays bracketed.
pub(crate) fn value_text(v: Option<&AnyValue>) -> String {
    match v.and_then(|v| v.value.as_ref()) {
        Some(any_value::Value::StringValue(s)) => format!("{s:?}"),
        Some(any_value::Value::BoolValue(b)) => b.to_string(),
        Some(any_value::Value::IntValue(i)) => i.to_string(),
        Some(any_value::Value::DoubleValue(d)) => d.to_string(),
        Some(any_value::Value::ArrayValue(a)) => {
            let items: Vec<String> = a.values.iter().map(|v| value_text(Some(v))).collect();
            format!("[{}]", items.join(", "))
        }
        Some(_) => "(other)".into(),
        None => "(none)".into(),
    }
}

/// The string value of `key`, when it is one.
pub(crate) fn str_attr<'a>(attrs: &'a [KeyValue], key: &str) -> Option<&'a str> {
    attrs.iter().find(|kv| kv.key == key).and_then(|kv| {
        match kv.value.as_ref()?.value.as_ref()? {
            any_value::Value::StringValue(s) => Some(s.as_str()),
            _ => None,
        }
    })
}

/// The integer value of `key`, when it is one.
pub(crate) fn int_attr(attrs: &[KeyValue], key: &str) -> Option<i64> {
    attrs.iter().find(|kv| kv.key == key).and_then(|kv| {
        match kv.value.as_ref()?.value.as_ref()? {
            any_value::Value::IntValue(i) => Some(*i),
            _ => None,
        }
    })
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` for a time in ms since the Unix epoch (UTC).
pub(crate) fn utc(ms: u64) -> String {
    let secs = ms / 1000;
    let (h, m, s) = (secs / 3600 % 24, secs / 60 % 60, secs % 60);
    format!("{}T{h:02}:{m:02}:{s:02}.{:03}Z", day(ms), ms % 1000)
}

/// `YYYY-MM-DD` (UTC) for a time in ms since the Unix epoch.
pub(crate) fn day(ms: u64) -> String {
    // Howard Hinnant's civil-from-days, for days since 1970-01-01 (never negative here).
    let z = i64::try_from(ms / 86_400_000).unwrap_or(i64::MAX / 2) + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deliver::SpoolLimits;

    /// A valid request of one span from scope `consentry`.
    fn request(command: &str) -> Vec<u8> {
        use opentelemetry_proto::tonic::common::v1::InstrumentationScope;
        use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
        let span = Span {
            name: "t".into(),
            attributes: vec![KeyValue {
                key: "consentry.command".into(),
                value: Some(AnyValue {
                    value: Some(any_value::Value::StringValue(command.into())),
                }),
                ..KeyValue::default()
            }],
            ..Span::default()
        };
        let request = ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                scope_spans: vec![ScopeSpans {
                    scope: Some(InstrumentationScope {
                        name: crate::manifest::SCOPE_NAME.into(),
                        ..InstrumentationScope::default()
                    }),
                    spans: vec![span],
                    ..ScopeSpans::default()
                }],
                ..ResourceSpans::default()
            }],
        };
        prost::Message::encode_to_vec(&request)
    }

    #[test]
    fn reading_stops_at_the_store_bounds_keeping_the_newest() {
        let dir = tempfile::tempdir().unwrap();
        let limits = SpoolLimits {
            max_files: 3,
            ..SpoolLimits::default()
        };
        let roomy = Spool::new(dir.path().join("s"), SpoolLimits::default());
        for i in 0..5 {
            roomy.put(&request(&format!("c{i}"))).unwrap();
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        // Names that claim 4 MiB each, older than the rest.
        for n in 0..3u32 {
            let name = format!("{:020}-{:010}-{n:032x}.otlp", 1, 4 << 20);
            std::fs::write(dir.path().join("s").join(name), b"x").unwrap();
        }
        let read = read(Some(&roomy.store_at(dir.path().join("s"), limits)));
        let commands: Vec<&str> = read
            .kept
            .iter()
            .map(|k| {
                let span = &k.request.resource_spans[0].scope_spans[0].spans[0];
                str_attr(&span.attributes, "consentry.command").unwrap()
            })
            .collect();
        assert_eq!(commands, ["c2", "c3", "c4"], "the newest, oldest first");
        assert_eq!(read.skipped, 5);
        let all = super::read(Some(&roomy));
        assert_eq!(all.kept.len(), 5);
        // Names claiming 4 MiB each would cross the 4 MiB bound after the real ones:
        // skipped without being opened.
        assert_eq!(all.skipped, 3);
    }

    #[test]
    fn dates_are_utc_calendar_dates() {
        assert_eq!(utc(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(utc(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(utc(1_796_643_123_456), "2026-12-07T11:32:03.456Z");
        assert_eq!(day(4_102_444_799_999), "2099-12-31");
    }
}
