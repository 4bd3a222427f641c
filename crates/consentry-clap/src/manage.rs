//! What the telemetry commands do, with output that survives a closed stdout.

use std::io::{self, Write};

use consentry::Telemetry;

use crate::TelemetryAction;

/// Carries out `action` and returns the exit code. Managing telemetry records
/// nothing: disabling must not send a beacon.
///
/// Output goes to stdout; a reader that went away (`<tool> telemetry status | head
/// -0`) is not an error, as with any well-behaved CLI: the exit code stays 0.
pub fn run_action(telemetry: &Telemetry, action: TelemetryAction) -> i32 {
    run_action_to(telemetry, action, &mut io::stdout().lock())
}

pub(crate) fn run_action_to(
    telemetry: &Telemetry,
    action: TelemetryAction,
    out: &mut dyn Write,
) -> i32 {
    let text = match action {
        TelemetryAction::Status => telemetry.status().to_string(),
        TelemetryAction::Show => telemetry.manifest_markdown(),
        TelemetryAction::Log { json } => telemetry.sent_log(json),
        TelemetryAction::View { json } => telemetry.usage_view(json),
        TelemetryAction::Local => match telemetry.set_local() {
            Ok(path) => format!(
                "telemetry local: runs are recorded on this machine and never uploaded; \
                 spool deleted ({})\n",
                path.display()
            ),
            Err(e) => return cannot_save(telemetry, &e),
        },
        TelemetryAction::Enable | TelemetryAction::Disable => {
            let enable = action == TelemetryAction::Enable;
            let saved = if enable {
                telemetry.enable_with_notice()
            } else {
                telemetry.set_enabled(false)
            };
            match saved {
                Ok(path) => {
                    let state = if enable {
                        "enabled"
                    } else {
                        "disabled; install id, key, spool, local records and log of what was sent deleted"
                    };
                    format!("telemetry {state} ({})\n", path.display())
                }
                Err(e) => return cannot_save(telemetry, &e),
            }
        }
    };
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => 0,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            let _ = writeln!(io::stderr().lock(), "{}: {e}", telemetry.tool());
            1
        }
    }
}

fn cannot_save(telemetry: &Telemetry, e: &io::Error) -> i32 {
    let _ = writeln!(
        io::stderr().lock(),
        "{}: cannot save the telemetry setting: {e}",
        telemetry.tool()
    );
    1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stdout whose reader has gone.
    struct Closed;

    impl Write for Closed {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
    }

    /// A stdout on a full disk.
    struct Full;

    impl Write for Full {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::other("no space left"))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_stdout_is_success_and_other_write_errors_fail() {
        let t = Telemetry::builder("t").build().unwrap();
        assert_eq!(run_action_to(&t, TelemetryAction::Show, &mut Closed), 0);
        assert_eq!(run_action_to(&t, TelemetryAction::Show, &mut Full), 1);
        let mut out = Vec::new();
        assert_eq!(run_action_to(&t, TelemetryAction::Show, &mut out), 0);
        assert!(
            String::from_utf8(out)
                .unwrap()
                .starts_with("# What t sends")
        );
    }
}
