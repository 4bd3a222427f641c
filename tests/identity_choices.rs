//! CI runs in fresh containers: one shared install id per CI vendor, never one per
//! container, and no id file written.

use std::time::Duration;

use crate::support;

use support::{Collector, CollectorKind, Taskr, Transport, attr_str};

#[test]
fn fresh_ci_containers_share_one_install_id() {
    let collector = Collector::start(CollectorKind::Otelcol);
    let mut ids = Vec::new();
    for _ in 0..2 {
        // A fresh container: a new home each time.
        let mut user = Taskr::sending_to(&collector.http_endpoint(), Transport::Http);
        std::fs::remove_file(user.config_dir().join("telemetry-install-id")).ok();
        user.env("CI", "true").env("GITHUB_ACTIONS", "true");
        assert_eq!(user.run(&["list"]).code, Some(0));
        assert!(
            !user.config_dir().join("telemetry-install-id").exists(),
            "a CI run minted an id file"
        );
        ids.push(user);
    }
    let spans = collector.wait_for("two CI runs", Duration::from_secs(20), |s| s.len() >= 2);
    let id = |i: usize| attr_str(&spans[i].resource, "app.installation.id");
    assert!(id(0).is_some(), "{spans:#?}");
    assert_eq!(id(0), id(1), "one id for the vendor's runs");
    for s in &spans {
        assert_eq!(
            attr_str(&s.resource, "consentry.ci.vendor").as_deref(),
            Some("GitHubActions")
        );
    }
}
