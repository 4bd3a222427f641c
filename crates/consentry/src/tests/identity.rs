//! The author's identity choices, as whole runs record them: which install id the
//! resource carries and which files a run leaves.

use std::path::Path;
use std::time::Duration;

use crate::identity::{INSTALL_ID_FILE, KEY_FILE};
use crate::tests::support::{env, one_run_resource_attr, opted_in};
use crate::{InstallId, Telemetry, TelemetryBuilder};

/// The install id one run sends, if any.
fn sent_id(dir: &Path, builder: TelemetryBuilder) -> Option<String> {
    let mut guard = opted_in(dir, builder).init();
    assert!(guard.is_enabled());
    one_run_resource_attr(&mut guard, crate::rules::attributes::INSTALL_ID)
        .map(|v| format!("{v:?}"))
}

fn id_file(dir: &Path) -> bool {
    dir.join("config").join(INSTALL_ID_FILE).exists()
}

#[test]
fn random_is_kept_none_sends_nothing_rotating_keeps_no_file() {
    let random = tempfile::tempdir().unwrap();
    let first = sent_id(random.path(), Telemetry::builder("tool"));
    assert!(first.is_some() && id_file(random.path()));
    assert_eq!(first, sent_id(random.path(), Telemetry::builder("tool")));

    let none = tempfile::tempdir().unwrap();
    let b = || Telemetry::builder("tool").with_install_id(InstallId::None);
    assert_eq!(sent_id(none.path(), b()), None);
    assert!(!id_file(none.path()), "no id file for no id");

    let rotating = tempfile::tempdir().unwrap();
    let week = Duration::from_secs(7 * 86_400);
    let b = || Telemetry::builder("tool").with_install_id(InstallId::Rotating(week));
    let id = sent_id(rotating.path(), b()).expect("an id");
    assert!(
        !id_file(rotating.path()),
        "a rotating id is derived, not stored"
    );
    let key = std::fs::read_to_string(rotating.path().join("config").join(KEY_FILE)).unwrap();
    let key: Vec<u8> = (0..32)
        .map(|i| u8::from_str_radix(&key[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    let expected = crate::identity::choice::rotating(
        &key.try_into().unwrap(),
        crate::deliver::now_ms() / 1000,
        week,
    );
    assert!(id.contains(&expected.to_string()), "{id} vs {expected}");
    assert_ne!(Some(id), first);
}

#[test]
fn ci_runs_share_one_id_per_vendor_and_mint_none() {
    let in_ci =
        |dir: &Path, vendor: &str| Telemetry::builder("tool").with_env(env(dir).ci(Some(vendor)));
    // Two fresh containers of one pipeline: the same id, and no id file in either.
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let id_a = sent_id(a.path(), in_ci(a.path(), "GitHubActions"));
    let id_b = sent_id(b.path(), in_ci(b.path(), "GitHubActions"));
    assert!(id_a.is_some());
    assert_eq!(id_a, id_b);
    assert!(!id_file(a.path()) && !id_file(b.path()));
    let id_c = sent_id(c.path(), in_ci(c.path(), "GitLabCI"));
    assert_ne!(id_a, id_c, "one id per vendor");
    // Rotating outside CI, shared inside it.
    let d = tempfile::tempdir().unwrap();
    let rotating = in_ci(d.path(), "GitHubActions")
        .with_install_id(InstallId::Rotating(Duration::from_secs(86_400)));
    assert_eq!(sent_id(d.path(), rotating), id_a);
    // No id in CI at all.
    let e = tempfile::tempdir().unwrap();
    assert_eq!(
        sent_id(
            e.path(),
            in_ci(e.path(), "GitHubActions").with_shared_ci_id(false)
        ),
        None
    );
    assert!(!id_file(e.path()));
}
