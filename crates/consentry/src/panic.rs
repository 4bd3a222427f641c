//! The panic hook: records a panic on the running command's span, scrubbed, then hands
//! over to the hook that was there before (the tool's own, or Rust's default).

use std::any::Any;
use std::panic::PanicHookInfo;
use std::sync::{Arc, Mutex, Once};

use opentelemetry::KeyValue;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::attributes as attr;
use crate::mask::Hidden;

/// The running command's span, and the values its arguments hid.
static CURRENT: Mutex<Option<(tracing::Span, Arc<Hidden>)>> = Mutex::new(None);
static INSTALL: Once = Once::new();

pub(crate) fn set_current(span: &tracing::Span, hidden: &Arc<Hidden>) {
    if let Ok(mut c) = CURRENT.try_lock() {
        *c = Some((span.clone(), Arc::clone(hidden)));
    }
}

pub(crate) fn clear_current() {
    if let Ok(mut c) = CURRENT.try_lock() {
        *c = None;
    }
}

/// Chains the hook once per process.
pub(crate) fn install() {
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            record(info);
            previous(info);
        }));
    });
}

fn record(info: &PanicHookInfo<'_>) {
    // try_lock: a panic while the lock is held must not deadlock inside the hook.
    let Ok(current) = CURRENT.try_lock() else {
        return;
    };
    let Some((span, hidden)) = current.as_ref() else {
        return;
    };
    let mut kv = vec![
        KeyValue::new(attr::EXCEPTION_TYPE, "panic"),
        KeyValue::new(attr::EXCEPTION_MESSAGE, message(info.payload(), hidden)),
    ];
    if let Some(loc) = info.location() {
        kv.push(KeyValue::new(
            attr::CODE_FILE,
            relative_source_path(loc.file()),
        ));
        kv.push(KeyValue::new(attr::CODE_LINE, i64::from(loc.line())));
    }
    span.add_event(attr::EXCEPTION_EVENT, kv);
}

/// The panic message, with the run's hidden values masked, then scrubbed.
fn message(payload: &(dyn Any + Send), hidden: &Hidden) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(non-text panic payload)");
    crate::scrub::scrub_hiding(text, hidden)
}

/// A source path without the build machine's directories: from the crate's own
/// directory on (`serde-1.0.0/src/de.rs`, `taskr/src/main.rs`, `taskr/tests/t.rs`),
/// else the file name.
pub(crate) fn relative_source_path(file: &str) -> String {
    let parts: Vec<&str> = file.split(['/', '\\']).filter(|p| !p.is_empty()).collect();
    match parts
        .iter()
        .rposition(|p| matches!(*p, "src" | "tests" | "examples" | "benches"))
    {
        Some(i) if i > 0 => parts[i - 1..].join("/"),
        Some(i) => parts[i..].join("/"),
        None => parts.last().map_or_else(String::new, |s| (*s).to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::relative_source_path as rel;
    use super::*;

    #[test]
    fn panic_messages_mask_what_the_arguments_hid() {
        let hidden = Hidden::new(
            &["--due", "next tuesday alice"],
            &["--due".into(), "*****".into()],
        );
        let payload: Box<dyn Any + Send> = Box::new(String::from(
            "called `Result::unwrap()` on 'Next Tuesday alice'",
        ));
        assert_eq!(
            message(payload.as_ref(), &hidden),
            "called `Result::unwrap()` on '*****'"
        );
        let payload: Box<dyn Any + Send> = Box::new("static next tuesday alice");
        assert_eq!(message(payload.as_ref(), &hidden), "static *****");
        let payload: Box<dyn Any + Send> = Box::new(7_u8);
        assert_eq!(
            message(payload.as_ref(), &hidden),
            "(non-text panic payload)"
        );
    }

    #[test]
    fn build_machine_paths_are_cut() {
        assert_eq!(
            rel("/home/alice/.cargo/registry/src/index.crates.io-1/serde-1.0.0/src/de.rs"),
            "serde-1.0.0/src/de.rs"
        );
        assert_eq!(rel("examples/taskr/src/main.rs"), "taskr/src/main.rs");
        assert_eq!(rel("src/lib.rs"), "src/lib.rs");
        assert_eq!(
            rel("C:\\Users\\bob\\proj\\src\\main.rs"),
            "proj/src/main.rs"
        );
        assert_eq!(rel("/rustc/abc/library/core/panicking.rs"), "panicking.rs");
        assert_eq!(
            rel("/build/ws/crates/tool/tests/cli.rs"),
            "tool/tests/cli.rs"
        );
    }
}
