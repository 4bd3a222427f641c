//! Running a command as a person at a terminal would: stdin, stdout and stderr on a
//! pseudo-terminal made by util-linux `script`. consentry shows its notice only when
//! stderr is a terminal, so a user "past the notice" is made here.

use std::ffi::OsStr;
use std::process::{Command, Stdio};

/// Runs `c` (its program, arguments, explicitly set environment and working dir; the
/// harness's commands all start from an empty environment) on a pseudo-terminal.
/// Returns its exit code and what the terminal showed (stdout and stderr together,
/// `\r\n` turned into `\n`).
pub fn on_terminal(c: &Command) -> (Option<i32>, String) {
    let mut line = quote(c.get_program());
    for a in c.get_args() {
        line.push(' ');
        line.push_str(&quote(a));
    }
    let mut s = Command::new("script");
    s.args(["-q", "-e", "-c", &line, "/dev/null"]).env_clear();
    for (k, v) in c.get_envs() {
        if let Some(v) = v {
            s.env(k, v);
        }
    }
    if let Some(dir) = c.get_current_dir() {
        s.current_dir(dir);
    }
    let out = s
        .stdin(Stdio::null())
        .output()
        .expect("run `script` (util-linux) for a pseudo-terminal");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n"),
    )
}

/// `s` quoted for `sh -c`.
fn quote(s: &OsStr) -> String {
    format!("'{}'", s.to_string_lossy().replace('\'', "'\\''"))
}
