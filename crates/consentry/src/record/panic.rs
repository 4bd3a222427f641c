//! The panic hook: records a panic on the running command's span (its class and
//! location; its message, masked and scrubbed, only where the author opted in), then hands
//! over to the hook that was there before (the tool's own, or Rust's default).

use std::any::Any;
use std::panic::PanicHookInfo;
use std::sync::{Arc, Mutex, MutexGuard, Once, PoisonError, TryLockError};

use opentelemetry::KeyValue;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::rules::attributes as attr;
use crate::rules::mask::Hidden;

/// The running command's span, and the values its arguments hid.
static CURRENT: Slot = Slot(Mutex::new(None));
static INSTALL: Once = Once::new();

/// Where the hook finds the running command. It holds a clone of the span, so the
/// span cannot close while it is here: every run must take its own entry out again,
/// whatever other threads are doing (an entry left behind would keep its run open
/// past the guard's flush, and the process would send nothing).
struct Slot(Mutex<Option<Entry>>);

/// The running command's span, the values its arguments hid, and whether the author
/// opted in to sending messages.
type Entry = (tracing::Span, Arc<Hidden>, bool);

impl Slot {
    /// The entry, even after a panic elsewhere poisoned the lock: it stays valid.
    fn lock(&self) -> MutexGuard<'_, Option<Entry>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Every clone of a run's span this slot makes is dropped under the lock, never
    /// after it: a clone in flight on another thread (taken out by a newer run, not yet
    /// dropped) would keep the run's span open past its owner's `clear`, and the
    /// guard's flush would find nothing. None of these drops is the span's last (its
    /// `CommandRun` holds it until after `clear`), so no span closes under the lock.
    fn set(&self, span: &tracing::Span, hidden: &Arc<Hidden>, messages: bool) {
        *self.lock() = Some((span.clone(), Arc::clone(hidden), messages));
    }

    /// Takes out the entry of the run that hid `hidden` if it is still there; the
    /// entry of a run another thread started since stays.
    fn clear(&self, hidden: &Arc<Hidden>) {
        let mut entry = self.lock();
        if entry
            .as_ref()
            .is_some_and(|(_, h, _)| Arc::ptr_eq(h, hidden))
        {
            *entry = None;
        }
    }
}

pub(crate) fn set_current(span: &tracing::Span, hidden: &Arc<Hidden>, messages: bool) {
    CURRENT.set(span, hidden, messages);
}

pub(crate) fn clear_current(hidden: &Arc<Hidden>) {
    CURRENT.clear(hidden);
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
    // Never waits: a panic while this thread holds the lock must not deadlock here.
    let current = match CURRENT.0.try_lock() {
        Ok(current) => current,
        Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
        Err(TryLockError::WouldBlock) => return,
    };
    let Some((span, hidden, messages)) = current.as_ref() else {
        return;
    };
    let mut kv = vec![KeyValue::new(attr::EXCEPTION_TYPE, "panic")];
    if *messages {
        kv.push(KeyValue::new(
            attr::EXCEPTION_MESSAGE,
            message(info.payload(), hidden),
        ));
    }
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
    crate::rules::scrub::scrub_hiding(text, hidden)
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
    use crate::tests::support::spans;

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

    fn entry_is(slot: &Slot, hidden: &Arc<Hidden>) -> bool {
        slot.lock()
            .as_ref()
            .is_some_and(|(_, h, _)| Arc::ptr_eq(h, hidden))
    }

    #[test]
    fn a_run_that_ends_takes_out_only_its_own_entry() {
        let slot = Slot(Mutex::new(None));
        let (first, second) = (Arc::new(Hidden::default()), Arc::new(Hidden::default()));
        slot.set(&tracing::Span::none(), &first, false);
        slot.set(&tracing::Span::none(), &second, false);
        // The first run ends after a second one started on another thread.
        slot.clear(&first);
        assert!(entry_is(&slot, &second), "the newer run lost its entry");
        slot.clear(&second);
        assert!(slot.lock().is_none());
    }

    #[test]
    fn a_poisoned_slot_still_lets_runs_end() {
        let slot = Arc::new(Slot(Mutex::new(None)));
        let hidden = Arc::new(Hidden::default());
        slot.set(&tracing::Span::none(), &hidden, false);
        let poisoner = Arc::clone(&slot);
        let _ = std::thread::spawn(move || {
            let _held = poisoner.lock();
            panic!("poisons the lock");
        })
        .join();
        assert!(slot.0.is_poisoned());
        slot.clear(&hidden);
        assert!(slot.lock().is_none(), "the entry outlived its run");
    }

    #[test]
    fn runs_on_several_threads_each_end_their_own_span() {
        // Bounded: 4 threads x 400 runs, each run's span taken right after it ends.
        let unended: usize = std::thread::scope(|scope| {
            let threads: Vec<_> = (0..4)
                .map(|_| {
                    scope.spawn(|| {
                        let dir = tempfile::tempdir().unwrap();
                        let builder = crate::Telemetry::builder("tool");
                        let mut guard = crate::tests::support::opted_in(dir.path(), builder).init();
                        (0..400)
                            .filter(|_| {
                                guard.command("go", ["x"]).finish(0);
                                spans(&guard.take_request().unwrap()).len() != 1
                            })
                            .count()
                    })
                })
                .collect();
            threads.into_iter().map(|t| t.join().unwrap()).sum()
        });
        assert_eq!(unended, 0, "runs whose span another thread kept open");
    }

    #[test]
    fn a_run_ends_while_another_thread_holds_the_slot() {
        let dir = tempfile::tempdir().unwrap();
        let t = crate::tests::support::opted_in(dir.path(), crate::Telemetry::builder("tool"));
        let mut guard = t.init();
        let run = guard.command("go", ["x"]);
        let (held, is_held) = std::sync::mpsc::channel();
        let holder = std::thread::spawn(move || {
            let _entry = CURRENT.lock();
            held.send(()).unwrap();
            // `finish` below comes while the lock is held (it waits for it).
            std::thread::sleep(std::time::Duration::from_millis(200));
        });
        is_held.recv().unwrap();
        run.finish(0);
        holder.join().unwrap();
        let ended = spans(&guard.take_request().unwrap()).len();
        assert_eq!(ended, 1, "the run's span never closed");
    }
}
