//! Sampling end to end: taskr on machines whose policy lowers its rate to 1/2
//! (`sample_rate`, managed settings), through the real gateway, with the real uploader.
//! The installs in the sample send their run with weight 2 and their install id; the
//! installs outside it send nothing, leave no spool, no state dir and no install id;
//! each install stays on its side from run to run. (One sent run per install: runs
//! start one uploader a minute, so a second run's request would wait for the next.)

use crate::support;
use crate::support::gateway;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use gateway::{Gateway, GatewayOptions};
use support::{Collector, CollectorKind, Taskr, Transport, attr_str};

const USERS: usize = 20;
const RUNS: usize = 1;

/// Whether `telemetry status` says this install is in the sample.
fn in_sample(user: &Taskr) -> bool {
    let out = user.run(&["telemetry", "status"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    if out.stdout.contains("this install is in the sample") {
        true
    } else {
        assert!(
            out.stdout.contains("not in the sample"),
            "status names the sample: {out:?}"
        );
        false
    }
}

#[test]
fn installs_in_the_sample_send_with_their_weight_the_others_nothing() {
    let backend = Collector::start(CollectorKind::Otelcol);
    let gw = Gateway::start(GatewayOptions::forwarding_to(backend.grpc_port));
    let policy_dir = tempfile::tempdir().unwrap();
    let policy = policy_dir.path().join("policy.toml");
    std::fs::write(&policy, "sample_rate = 0.5\n").unwrap();

    let mut inside: BTreeMap<String, usize> = BTreeMap::new();
    let mut outside = Vec::new();
    let mut inside_users = Vec::new();
    for i in 0..USERS {
        let mut user = Taskr::sending_to(&gw.http_endpoint(), Transport::Http);
        user.env("TASKR_TELEMETRY_POLICY_FILE", &policy);
        for r in 0..RUNS {
            let out = user.run(&["add", &format!("task-{i}-{r}")]);
            assert_eq!(out.code, Some(0), "{out:?}");
            assert_eq!(out.stdout, format!("added task {}\n", r + 1));
        }
        let id_file = user.config_dir().join("telemetry-install-id");
        if in_sample(&user) {
            let id = std::fs::read_to_string(&id_file).expect("an install in the sample has an id");
            inside.insert(id.trim().to_owned(), i);
            inside_users.push(user);
        } else {
            assert!(
                !id_file.exists(),
                "an install outside the sample made an id"
            );
            let state = user.home().join(".local/state/taskr");
            assert!(
                !state.exists(),
                "an install outside the sample wrote state (spool, run markers): {:?}",
                std::fs::read_dir(&state).map(|d| d.count())
            );
            outside.push(user);
        }
    }
    // 2^-19 that all 20 land on one side.
    assert!(!inside.is_empty() && !outside.is_empty(), "{inside:?}");

    let want = inside.len() * RUNS;
    let spans = backend.wait_for(
        "every run of the installs in the sample",
        Duration::from_secs(60),
        |s| s.len() >= want,
    );
    // Stragglers from outside the sample would arrive by now as well.
    std::thread::sleep(Duration::from_secs(2));
    let spans = backend.spans().into_iter().chain(spans).collect::<Vec<_>>();
    let mut per_install: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for sp in &spans {
        let id = attr_str(&sp.resource, "app.installation.id").expect("an install id");
        assert!(
            inside.contains_key(&id),
            "a run from outside the sample: {sp:#?}"
        );
        let weight = sp
            .resource
            .get("consentry.sample.weight")
            .and_then(|v| v.get("doubleValue"))
            .and_then(serde_json::Value::as_f64);
        assert_eq!(weight, Some(2.0), "{sp:#?}");
        per_install
            .entry(id)
            .or_default()
            .insert(sp.span_id.clone());
    }
    assert_eq!(
        per_install.len(),
        inside.len(),
        "every install in the sample sent"
    );
    assert!(
        per_install.values().all(|runs| runs.len() == RUNS),
        "every run of an install in the sample: {per_install:?}"
    );
    // Each install stays on its side on a later run.
    for user in &outside {
        assert_eq!(user.run(&["list"]).code, Some(0));
        assert!(!in_sample(user));
        assert!(!user.home().join(".local/state/taskr").exists());
    }
    for user in &inside_users {
        assert_eq!(user.run(&["list"]).code, Some(0));
        assert!(in_sample(user));
    }
}
