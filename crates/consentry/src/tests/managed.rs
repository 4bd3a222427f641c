//! Managed settings: a machine policy file sets the mode, the endpoint and the CA file
//! for an organisation; the strictest setting still wins, and a user keeps their
//! opt-out unless the policy turns telemetry off for everyone.

use std::path::Path;

use crate::configure::note::EndpointProblem;
use crate::tests::support;
use crate::{Source, Telemetry};

/// An opted-in tool (past its notice) with `policy` as its machine policy file.
fn with_policy(dir: &Path, policy: &str) -> Telemetry {
    let path = dir.join("policy.toml");
    std::fs::write(&path, policy).unwrap();
    support::opted_in(dir, Telemetry::builder("tool").with_policy_file(path))
}

#[test]
fn a_policy_in_local_mode_keeps_runs_on_the_machine() {
    let dir = tempfile::tempdir().unwrap();
    let t = with_policy(dir.path(), "mode = \"local\"\n");
    let d = t.decide();
    assert!(d.enabled && d.local, "{d:?}");
    let guard = t.init();
    guard.run().finish(0);
    let outcome = guard.shutdown();
    assert!(
        matches!(outcome, crate::Outcome::KeptLocal { .. }),
        "{outcome:?}"
    );
}

#[test]
fn a_policy_that_says_off_wins_over_the_user_s_yes() {
    let dir = tempfile::tempdir().unwrap();
    let t = with_policy(dir.path(), "mode = \"off\"\n");
    t.enable().unwrap();
    let d = t.decide();
    assert!(!d.enabled, "{d:?}");
    assert!(matches!(d.source, Source::Policy(_)), "{d:?}");
}

#[test]
fn a_user_can_still_opt_out_of_a_policy_that_says_on_or_local() {
    for mode in ["on", "local"] {
        let dir = tempfile::tempdir().unwrap();
        let t = with_policy(dir.path(), &format!("mode = \"{mode}\"\n"));
        t.disable().unwrap();
        let d = t.decide();
        assert!(!d.enabled, "{mode}: {d:?}");
        assert!(matches!(d.source, Source::UserConfig(_)), "{mode}: {d:?}");
    }
}

#[test]
fn a_mode_that_is_not_on_local_or_off_opts_out_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let t = with_policy(dir.path(), "mode = \"always\"\n");
    let d = t.decide();
    assert!(!d.enabled, "{d:?}");
    match d.source {
        Source::Unreadable { reason, .. } => assert!(reason.contains("mode"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_policy_endpoint_replaces_the_compiled_one_and_the_variable_overrides_it() {
    let dir = tempfile::tempdir().unwrap();
    let t = with_policy(dir.path(), "endpoint = \"http://127.0.0.1:4999\"\n");
    let e = t.resolve_endpoint().unwrap();
    assert_eq!(e.url(), "http://127.0.0.1:4999/v1/traces");
    let env = support::env(dir.path()).var("TOOL_TELEMETRY_ENDPOINT", "http://127.0.0.1:5000");
    let path = dir.path().join("policy.toml");
    let t = support::opted_in(
        dir.path(),
        Telemetry::builder("tool")
            .with_env(env)
            .with_policy_file(path),
    );
    assert_eq!(
        t.resolve_endpoint().unwrap().url(),
        "http://127.0.0.1:5000/v1/traces"
    );
}

#[test]
fn a_bad_policy_endpoint_sends_nothing_and_names_the_policy_file() {
    let dir = tempfile::tempdir().unwrap();
    let t = with_policy(dir.path(), "endpoint = \"ftp://example.invalid\"\n");
    match t.resolve_endpoint() {
        Err(EndpointProblem::Invalid { var, .. }) => {
            assert!(var.contains("policy.toml"), "{var}")
        }
        other => panic!("{other:?}"),
    }
}

#[cfg(unix)]
#[test]
fn the_policy_ca_file_is_read_under_the_hostile_file_rules() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("real-ca.pem");
    std::fs::write(&target, "-----BEGIN CERTIFICATE-----\n").unwrap();
    std::os::unix::fs::symlink(&target, dir.path().join("ca.pem")).unwrap();
    let ca = dir.path().join("ca.pem");
    let t = with_policy(
        dir.path(),
        &format!(
            "endpoint = \"https://localhost:4318\"\nca_file = {:?}\n",
            ca.display().to_string()
        ),
    );
    match t.resolve_endpoint() {
        Err(EndpointProblem::CaFile { var, reason }) => {
            assert!(var.contains("policy.toml"), "{var}");
            assert_eq!(reason, crate::ReadError::Symlink);
        }
        other => panic!("{other:?}"),
    }
    let t = with_policy(
        dir.path(),
        &format!(
            "endpoint = \"https://localhost:4318\"\nca_file = {:?}\n",
            target.display().to_string()
        ),
    );
    assert!(t.resolve_endpoint().is_ok());
}

/// The proxy variables are read through the tool's `Env`, first set first, for HTTP
/// only, and never shown with the URL (which may hold a password).
#[cfg(feature = "http")]
#[test]
fn the_proxy_variables_come_from_the_environment_for_http() {
    let dir = tempfile::tempdir().unwrap();
    let env = support::env(dir.path())
        .var("TOOL_TELEMETRY_ENDPOINT", "http://127.0.0.1:5000")
        .var("HTTP_PROXY", "http://second:1")
        .var("https_proxy", "http://user:secret@first:3128")
        .var("NO_PROXY", "localhost");
    let t = support::opted_in(dir.path(), Telemetry::builder("tool").with_env(env.clone()));
    let e = t.resolve_endpoint().unwrap();
    let vars = e.proxy();
    assert_eq!(
        vars.proxy,
        Some(("https_proxy".into(), "http://user:secret@first:3128".into()))
    );
    assert_eq!(vars.no_proxy.as_deref(), Some("localhost"));
    assert!(!format!("{e:?}").contains("secret"), "{e:?}");
    #[cfg(feature = "grpc")]
    {
        let env = env.var("TOOL_TELEMETRY_PROTOCOL", "grpc");
        let t = support::opted_in(dir.path(), Telemetry::builder("tool").with_env(env));
        assert_eq!(t.resolve_endpoint().unwrap().proxy().proxy, None);
    }
}
