//! Every way to refuse, seen from outside: each opt-out path sends nothing and creates
//! no id; the notice goes to stderr only; stdout is byte-identical with telemetry on,
//! off and in print mode; 32 concurrent first runs agree on one install id.

use crate::support;

use std::time::Duration;

use support::{Collector, CollectorKind, Taskr, Transport, attr_str};

fn commands_seen(c: &Collector) -> Vec<String> {
    c.spans()
        .iter()
        .filter_map(|s| attr_str(&s.attrs, "consentry.command"))
        .collect()
}

/// Runs `opted_out` (which must send nothing), then a sentinel run by a fresh user
/// that sends; once the sentinel arrived, anything the first had sent would have too.
fn assert_sends_nothing(
    collector: &Collector,
    why: &str,
    opted_out: impl FnOnce() -> support::Outcome,
) {
    let before = collector.spans().len();
    let r = opted_out();
    assert_eq!(r.code, Some(0), "{why}: {r:?}");
    assert_eq!(r.stderr, "", "{why}: {r:?}");
    let sentinel = Taskr::sending_to(&collector.http_endpoint(), Transport::Http);
    assert_eq!(sentinel.run(&["done", "77"]).code, Some(3));
    collector.wait_for("sentinel", Duration::from_secs(20), |s| s.len() > before);
    std::thread::sleep(Duration::from_millis(200));
    let seen = commands_seen(collector);
    assert_eq!(
        seen.len(),
        before + 1,
        "{why}: something besides the sentinel arrived: {seen:?}"
    );
}

#[test]
fn every_opt_out_path_sends_nothing() {
    let collector = Collector::start(CollectorKind::Otelcol);
    let ep = collector.http_endpoint();

    let user = Taskr::sending_to(&ep, Transport::Http);
    assert_sends_nothing(&collector, "--disable-telemetry", || {
        user.run(&["--disable-telemetry", "list"])
    });
    assert_sends_nothing(&collector, "flag after the subcommand", || {
        user.run(&["list", "--disable-telemetry"])
    });

    let user = Taskr::sending_to(&ep, Transport::Http);
    let project = user.work_dir().join("project/sub");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(
        user.work_dir().join("project/.telemetry"),
        "consent: false\n",
    )
    .unwrap();
    assert_sends_nothing(&collector, "project .telemetry", || {
        let mut c = user.command(&["list"]);
        c.current_dir(&project);
        support::taskr::run_command(c)
    });

    let mut user = Taskr::sending_to(&ep, Transport::Http);
    let policy = user.home().join("policy.toml");
    std::fs::write(&policy, "enabled = false\n").unwrap();
    user.env("TASKR_TELEMETRY_POLICY_FILE", &policy);
    assert_sends_nothing(&collector, "machine policy file", || user.run(&["list"]));
    let status = user.run(&["telemetry", "status"]);
    assert!(status.stdout.contains("machine policy file"), "{status:?}");

    let user = Taskr::sending_to(&ep, Transport::Http);
    assert_eq!(user.run(&["telemetry", "disable"]).code, Some(0));
    assert_sends_nothing(&collector, "telemetry disable", || user.run(&["list"]));
    for f in ["telemetry-install-id", "telemetry-key"] {
        assert!(
            !user.config_dir().join(f).exists(),
            "{f} survives opting out"
        );
    }
}

#[test]
fn disable_deletes_id_key_and_spool_and_sends_no_beacon() {
    let collector = Collector::start(CollectorKind::Otelcol);
    let user = Taskr::sending_nowhere(Transport::Http);
    assert_eq!(user.run(&["list"]).code, Some(0)); // collector down: spooled
    let spool = user.home().join(".local/state/taskr/telemetry-spool");
    assert!(spool.exists());
    assert!(user.config_dir().join("telemetry-install-id").exists());
    let mut u2 = user;
    u2.env("TASKR_TELEMETRY_ENDPOINT", collector.http_endpoint());
    assert_sends_nothing(&collector, "disable itself", || {
        u2.run(&["telemetry", "disable"])
    });
    assert!(!spool.exists(), "the spool survives opting out");
    assert!(!u2.config_dir().join("telemetry-install-id").exists());
    assert!(!u2.config_dir().join("telemetry-key").exists());
}

#[test]
fn notice_once_on_a_terminal_and_stdout_identical_on_off_and_print() {
    let collector = Collector::start(CollectorKind::Otelcol);
    let mut user = Taskr::fresh();
    user.env("TASKR_TELEMETRY_ENDPOINT", collector.http_endpoint());
    for title in ["a", "b", "c"] {
        let mut c = user.command(&["add", title]);
        c.env("DO_NOT_TRACK", "1");
        assert_eq!(support::taskr::run_command(c).code, Some(0));
    }
    let mut off = user.command(&["list", "--all"]);
    off.env("DO_NOT_TRACK", "1");
    let off = support::taskr::run_command(off);
    // stderr is a pipe (a test harness, a script): read by nobody, so the notice is
    // not shown there, the tool's stderr is byte for byte what it is without
    // telemetry, and nothing is sent, however many runs.
    for _ in 0..3 {
        let piped = user.run(&["list", "--all"]);
        assert_eq!(
            (piped.code, piped.stdout.as_bytes(), piped.stderr.as_bytes()),
            (off.code, off.stdout.as_bytes(), off.stderr.as_bytes()),
            "{piped:?}"
        );
    }
    let status = user.run(&["telemetry", "status"]);
    assert!(
        status
            .stdout
            .contains("notice: not shown yet; nothing is sent"),
        "{status:?}"
    );
    // On a terminal the first run shows it, on stderr (never on stdout: the pty
    // merges them, so the order says it: notice first, then the listing).
    let (code, shown) = support::pty::on_terminal(&user.command(&["list", "--all"]));
    assert_eq!(code, Some(0));
    assert!(shown.starts_with("Telemetry\n---------\n"), "{shown}");
    assert!(shown.ends_with(&off.stdout), "{shown}");
    let (_, again) = support::pty::on_terminal(&user.command(&["list", "--all"]));
    assert_eq!(again, off.stdout, "the notice is shown once");
    let on = user.run(&["list", "--all"]);
    assert_eq!(on.stderr, "");
    let mut print = user.command(&["list", "--all"]);
    print.env("TASKR_TELEMETRY_DEBUG", "1");
    let print = support::taskr::run_command(print);
    assert!(
        print.stderr.contains("\"resourceSpans\""),
        "print mode shows the payload: {print:?}"
    );
    for (name, r) in [("off", &off), ("print", &print)] {
        assert_eq!(
            r.stdout.as_bytes(),
            on.stdout.as_bytes(),
            "stdout differs when {name}"
        );
    }
    // Only the runs after the notice sent: the second on a terminal, and `on`.
    let spans = collector.wait_for("2 runs", Duration::from_secs(20), |s| s.len() >= 2);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(collector.spans().len(), 2, "{spans:#?}");
}

#[test]
fn print_mode_shows_exactly_what_would_be_sent() {
    let collector = Collector::start(CollectorKind::Otelcol);
    let mut user = Taskr::sending_to(&collector.http_endpoint(), Transport::Http);
    user.env("TASKR_TELEMETRY_DEBUG", "1");
    let secret = "alice@example.com";
    let r = user.run(&["add", secret, "-p", "low", "-t", "t"]);
    assert_eq!(r.code, Some(0));
    let json = r.stderr.split_once('\n').map(|(_, j)| j).unwrap();
    let parsed: serde_json::Value =
        serde_json::from_str(json).expect("print mode writes OTLP JSON");
    let spans = &parsed["resourceSpans"][0]["scopeSpans"][0]["spans"];
    assert_eq!(spans.as_array().map(Vec::len), Some(1));
    assert!(!json.contains(secret));
    assert!(json.contains("\"low\""), "allowed values shown as sent");
    std::thread::sleep(Duration::from_millis(300));
    assert!(collector.spans().is_empty(), "print mode sent something");
}

#[test]
fn thirty_two_concurrent_first_runs_agree_on_one_install_id() {
    let collector = Collector::start(CollectorKind::Otelcol);
    let user = Taskr::sending_to(&collector.http_endpoint(), Transport::Http);
    assert!(!user.config_dir().join("telemetry-install-id").exists());
    let children: Vec<_> = (0..32)
        .map(|_| {
            let mut c = user.command(&["list"]);
            c.stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null());
            c.spawn().unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let spans = collector.wait_for("32 runs", Duration::from_secs(30), |s| s.len() >= 32);
    let stored = std::fs::read_to_string(user.config_dir().join("telemetry-install-id")).unwrap();
    let ids: std::collections::HashSet<_> = spans
        .iter()
        .map(|s| attr_str(&s.resource, "app.installation.id").unwrap())
        .collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert!(ids.contains(stored.trim()));
    let instances: std::collections::HashSet<_> = spans
        .iter()
        .map(|s| attr_str(&s.resource, "service.instance.id").unwrap())
        .collect();
    assert_eq!(instances.len(), 32, "one service instance id per run");
}
