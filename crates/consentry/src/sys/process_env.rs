//! This process's own environment, written once: the opt-out its child processes
//! inherit.

/// Sets `var=1` in this process's environment, so that every child process the tool
/// starts (itself again, or another tool using consentry) is opted out too, without
/// the author reaching each `Command` it builds.
///
/// Called only from `Telemetry::init` with the real process environment (never with a
/// test's `FixedEnv`), and only when the user gave the per-invocation disable flag.
#[allow(unsafe_code)]
pub(crate) fn set_for_children(var: &str) {
    if var.is_empty() || var.contains(['=', '\0']) {
        return;
    }
    // SAFETY: `set_var` is unsound only when another thread reads or writes the
    // environment at the same time. consentry's init runs at the start of `main`,
    // before the tool parses further or starts threads, and before consentry starts
    // any thread of its own (the heartbeat starts with the first command run, the
    // uploader is another process). The crate docs and README state that init must come
    // before the tool starts threads.
    unsafe { std::env::set_var(var, "1") };
}

#[cfg(test)]
mod tests {
    use crate::env::{Env as _, OsEnv};

    #[test]
    fn sets_the_variable_and_refuses_bad_names() {
        let var = "CONSENTRY_SYS_PROCESS_ENV_TEST_OPTOUT";
        super::set_for_children(var);
        assert_eq!(OsEnv.var_os(var), Some("1".into()));
        super::set_for_children("CONSENTRY_SYS_PROCESS_ENV_TEST=B");
        assert_eq!(OsEnv.var_os("CONSENTRY_SYS_PROCESS_ENV_TEST"), None);
    }
}
