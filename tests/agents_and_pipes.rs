//! Runs made by coding agents and with output to a pipe or a terminal, as a real
//! collector receives them.

use std::process::Command;
use std::time::Duration;

use crate::support;

use support::{Collector, CollectorKind, Taskr, Transport, attr_str};

fn flag(span: &support::Span, key: &str) -> Option<bool> {
    span.attrs.get(key).and_then(|v| v["boolValue"].as_bool())
}

#[test]
fn the_agent_and_whether_stdout_is_a_terminal_arrive() {
    let collector = Collector::start(CollectorKind::Otelcol);
    let mut user = Taskr::sending_to(&collector.http_endpoint(), Transport::Http);

    // Piped stdout, no agent.
    assert_eq!(user.run(&["list"]).code, Some(0));
    // A terminal, through `script`'s pseudo-terminal, with the environment taskr gets.
    let plain = user.command(&["list", "--all"]);
    let mut tty = Command::new("script");
    tty.args([
        "-qec",
        &format!("{} list --all", Taskr::bin().display()),
        "/dev/null",
    ])
    .env_clear()
    .current_dir(user.work_dir())
    .stdin(std::process::Stdio::null());
    for (k, v) in plain.get_envs() {
        if let Some(v) = v {
            tty.env(k, v);
        }
    }
    let out = support::taskr::run_command(tty);
    assert_eq!(out.code, Some(0), "{out:?}");
    // An agent's shell, and a free-text AI_AGENT that must not leave as it is.
    user.env("CLAUDECODE", "1");
    assert_eq!(user.run(&["add", "x"]).code, Some(0));
    user.env("AI_AGENT", "acme-internal-bot@3 for alice");
    assert_eq!(user.run(&["done", "1"]).code, Some(0));

    let spans = collector.wait_for("four runs", Duration::from_secs(20), |s| s.len() >= 4);
    let run = |command: &str, args: usize| {
        spans
            .iter()
            .find(|s| {
                attr_str(&s.attrs, "consentry.command").as_deref() == Some(command)
                    && s.args().len() == args
            })
            .unwrap_or_else(|| panic!("{command}: {spans:#?}"))
    };
    let agent = |s: &support::Span| attr_str(&s.resource, "consentry.agent");
    let piped = run("list", 2);
    assert_eq!(agent(piped).as_deref(), Some("none"));
    assert_eq!(flag(piped, "consentry.stdout.terminal"), Some(false));
    let terminal = run("list", 3);
    assert_eq!(flag(terminal, "consentry.stdout.terminal"), Some(true));
    assert_eq!(agent(terminal).as_deref(), Some("none"));
    assert_eq!(agent(run("add", 3)).as_deref(), Some("claude-code"));
    assert_eq!(agent(run("done", 3)).as_deref(), Some("other"));
    let raw = String::from_utf8_lossy(&collector.raw()).into_owned();
    assert!(
        !raw.contains("acme-internal-bot"),
        "a variable's value left the machine"
    );
}
