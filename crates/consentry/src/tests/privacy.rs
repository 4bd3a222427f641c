//! Privacy properties over the whole recording path: for random command lines with a
//! planted secret (a token, an email address, a path under the home directory), the
//! secret never appears in the encoded request, in its print-mode JSON, or in the
//! spooled file, unless it is the value of a parameter declared sendable.

use std::ffi::OsString;

use proptest::prelude::*;
use tracing_subscriber::prelude::*;

use crate::rules::mask::{CommandSpec, Opt, Param, Policy, Schema};
use crate::{Outcome, Telemetry};

mod messages;
mod undeclared_text;

fn schema() -> Schema {
    Schema::new("tool")
        .option(Opt::long("verbose").short('v'))
        .subcommand(
            CommandSpec::new("add")
                .positional(Param::new("title"))
                .option(
                    Opt::long("priority")
                        .short('p')
                        .value(Policy::allow(["low", "high"])),
                )
                .option(Opt::long("format").value(Policy::AllowAny))
                .option(Opt::long("repo").value(Policy::Hashed))
                .option(Opt::long("tag").short('t').value(Policy::NameOnly)),
        )
}

fn secret() -> impl Strategy<Value = String> {
    prop_oneof![
        "tok_[A-Za-z0-9]{16,24}",
        "[a-z]{2,8}\\.[a-z]{2,6}@[a-z]{3,8}\\.(com|org)",
        "/home/[a-z]{3,8}/[a-z]{3,8}/[a-z]{3,8}\\.txt",
    ]
}

fn token(secret: String) -> impl Strategy<Value = String> {
    let known = proptest::sample::select(vec![
        "add",
        "-v",
        "--verbose",
        "--priority",
        "-p",
        "low",
        "high",
        "--tag",
        "-t",
        "--repo",
        "--",
        "-",
        "x",
    ])
    .prop_map(str::to_owned);
    let forms = proptest::sample::select(vec![
        "{}",
        "--{}",
        "-{}",
        "--tag={}",
        "--repo={}",
        "-t{}",
        "-p{}",
        "--priority={}",
        "--x={}",
    ]);
    let planted = forms.prop_map(move |f| f.replace("{}", &secret));
    prop_oneof![3 => known, 2 => planted]
}

fn line() -> impl Strategy<Value = (String, Vec<String>)> {
    secret().prop_flat_map(|s| (Just(s.clone()), proptest::collection::vec(token(s), 0..10)))
}

fn telemetry(dir: &std::path::Path) -> Telemetry {
    crate::tests::support::opted_in(dir, Telemetry::builder("tool").with_schema(schema()))
}

fn record(t: &Telemetry, args: &[String]) -> crate::TelemetryGuard {
    let guard = t.clone().init();
    assert!(guard.is_enabled(), "telemetry must be on");
    let subscriber = tracing_subscriber::registry().with(guard.layer());
    tracing::subscriber::with_default(subscriber, || {
        let run = guard.command("", args.iter().map(OsString::from));
        run.finish(1);
    });
    guard
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn planted_secrets_never_leave((secret, args) in line()) {
        let dir = tempfile::tempdir().unwrap();
        let t = telemetry(dir.path());
        let mut guard = record(&t, &args);
        let request = guard.take_request().unwrap();
        let bytes = prost::Message::encode_to_vec(&request);
        let json = serde_json::to_string(&request).unwrap();
        let needle = secret.as_bytes();
        prop_assert!(!bytes.windows(needle.len()).any(|w| w == needle), "in the request: {args:?}");
        prop_assert!(!json.contains(&secret), "in print mode: {args:?}");

        let guard = record(&t, &args);
        let outcome = guard.shutdown();
        prop_assert!(matches!(outcome, Outcome::Spooled { .. }), "{:?}", outcome);
        for f in std::fs::read_dir(dir.path().join("state/spool")).unwrap() {
            let body = std::fs::read(f.unwrap().path()).unwrap();
            prop_assert!(!body.windows(needle.len()).any(|w| w == needle), "in the spool: {args:?}");
        }
    }

    #[test]
    fn declared_values_do_arrive(secret in secret()) {
        let dir = tempfile::tempdir().unwrap();
        let t = telemetry(dir.path());
        let args = vec!["add".to_owned(), "--format".to_owned(), secret.clone(), "--repo".to_owned(), secret.clone()];
        let mut guard = record(&t, &args);
        let json = serde_json::to_string(&guard.take_request().unwrap()).unwrap();
        // `--format` is AllowAny: sent. `--repo` is Hashed: only its keyed hash is.
        prop_assert_eq!(json.matches(&secret).count(), 1, "{}", json);
    }
}

#[test]
fn opt_in_default_stays_off_without_a_terminal_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // An opt-in tool (off by default) with everything under `dir`.
    let tool = |env: crate::configure::env::FixedEnv| {
        Telemetry::builder("tool")
            .with_env(env)
            .with_debug_builds(true)
            .with_config_dir(dir.path().join("config"))
            .with_spool_dir(dir.path().join("spool"))
            .with_default_enabled(false)
            .build()
            .unwrap()
    };
    let t = tool(crate::tests::support::env(dir.path()));
    let guard = t.clone().init();
    assert!(!guard.is_enabled());
    assert_eq!(guard.decision().source, crate::Source::OptInDefault);
    assert!(
        !dir.path().join("config").exists(),
        "no prompt, no file, when nobody can answer"
    );
    drop(guard);
    t.record_choice(true).unwrap();
    let guard = t.clone().init();
    assert_eq!(
        guard.decision().source,
        crate::Source::UserConfig(
            dir.path()
                .join("config")
                .join(crate::consent::config::USER_CONFIG_FILE)
        )
    );
    // stderr is not a terminal: the notice is not shown, and nothing is sent until it is.
    assert!(!guard.notice_shown() && !guard.is_enabled());
    assert!(guard.notes().contains(&crate::Note::NoticeNeedsTerminal));
    drop(guard);
    let on_terminal = tool(crate::tests::support::env(dir.path()).terminal(true));
    assert!(
        on_terminal.init().notice_shown(),
        "agreeing by setting still shows the notice once, on a terminal"
    );
    assert!(t.clone().init().is_enabled());
}
