//! A tool that handles Ctrl-C itself, with signal-hook's flag, as many CLIs do: it is
//! what the Ctrl-C tests run. `sighost before` registers its handler before consentry's
//! init; `sighost after` once the command runs, when consentry's handler (installed
//! over SIGINT's default action) is already there and becomes signal-hook's "previous"
//! handler. Either way the host keeps Ctrl-C: consentry does not end the process, the
//! tool sees its flag, finishes the run with exit code 130 and exits with it, and the
//! run is recorded `canceled`. It prints `ready` on stdout once its handler is in place.
//! With no argument it finishes at once (exit code 0).

use std::io::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use signal_hook::consts::SIGINT;

fn main() {
    let telemetry = consentry::Telemetry::builder("sighost")
        .with_version(env!("CARGO_PKG_VERSION"))
        .with_endpoint("http://127.0.0.1:4318")
        // The tests run debug builds.
        .with_debug_builds(true)
        .build()
        .expect("valid telemetry configuration");
    // What the uploader must never reach: it enters and exits inside `build`.
    if let Some(trace) = std::env::var_os("SIGHOST_MAIN_TRACE") {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(trace)
            .expect("trace file");
        writeln!(f, "main").expect("write trace");
    }
    let when = std::env::args().nth(1).unwrap_or_default();
    let interrupted = Arc::new(AtomicBool::new(false));
    let register = || {
        signal_hook::flag::register(SIGINT, interrupted.clone()).expect("register for SIGINT");
    };
    if when == "before" {
        register();
    }
    let guard = telemetry.init();
    let run = guard.command("wait", std::env::args_os().skip(1));
    if when == "after" {
        register();
    }
    let code = if when.is_empty() {
        0
    } else {
        let _ = writeln!(std::io::stdout().lock(), "ready");
        // Bounded: after 60 s without Ctrl-C it gives up with exit code 3, so a test
        // that lost its signal fails on the code instead of hanging.
        let seen = (0..6000).any(|_| {
            std::thread::sleep(Duration::from_millis(10));
            interrupted.load(Ordering::SeqCst)
        });
        if seen { 130 } else { 3 }
    };
    run.finish(code);
    guard.exit(code);
}
