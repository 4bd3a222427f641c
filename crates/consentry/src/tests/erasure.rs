//! `telemetry delete`, as whole runs see it: the commitment each run carries, what
//! `delete` leaves on the machine, and the request only this install could make.

use std::path::Path;
use std::time::Duration;

use opentelemetry_proto::tonic::common::v1::any_value::Value;
use proptest::prelude::*;

use crate::control::delete::EraseRequest;
use crate::identity::{INSTALL_ID_FILE, KEY_FILE, erasure};
use crate::rules::attributes::{ERASE_SPAN, ERASURE_COMMITMENT, ERASURE_TOKEN, INSTALL_ID};
#[cfg(unix)]
use crate::tests::support::mkfifo;
use crate::tests::support::{env, one_run_resource_attr, opted_in, spans};
use crate::{InstallId, Telemetry, TelemetryBuilder};

fn string(kv: &opentelemetry_proto::tonic::common::v1::KeyValue) -> String {
    match kv.value.as_ref().and_then(|v| v.value.as_ref()) {
        Some(Value::StringValue(s)) => s.clone(),
        other => panic!("{other:?}"),
    }
}

/// The resource attribute `key` of one run's request.
fn sent(t: Telemetry, key: &str) -> Option<String> {
    one_run_resource_attr(&mut t.init(), key).map(|v| match v {
        Value::StringValue(s) => s,
        other => panic!("{other:?}"),
    })
}

/// The erase requests waiting in the erase store, decoded and validated as the sender
/// reads them.
fn waiting(
    t: &Telemetry,
) -> Vec<opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest> {
    let store = t.erase_store().unwrap();
    store
        .entries()
        .iter()
        .map(|e| {
            let body = std::fs::read(&e.path).unwrap();
            crate::deliver::validate::check(&body, &[]).expect("a request the sender sends")
        })
        .collect()
}

fn tokens_of(t: &Telemetry) -> Vec<String> {
    waiting(t)
        .iter()
        .flat_map(|r| spans(r).into_iter().cloned().collect::<Vec<_>>())
        .map(|s| {
            assert_eq!(s.name, ERASE_SPAN);
            assert_eq!(s.attributes.len(), 1, "the token and nothing else");
            assert_eq!(s.attributes[0].key, ERASURE_TOKEN);
            string(&s.attributes[0])
        })
        .collect()
}

fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    crate::formats::hex(&sha2::Sha256::digest(text.as_bytes()))
}

fn tool(_dir: &Path) -> TelemetryBuilder {
    Telemetry::builder("tool")
}

#[test]
fn delete_sends_the_token_whose_hash_every_run_carried_and_leaves_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let commitment = sent(opted_in(dir.path(), tool(dir.path())), ERASURE_COMMITMENT)
        .expect("a run with a kept id carries a commitment");
    assert_eq!(
        sent(opted_in(dir.path(), tool(dir.path())), ERASURE_COMMITMENT).as_deref(),
        Some(commitment.as_str()),
        "every run of the install carries the same one"
    );
    let id = sent(opted_in(dir.path(), tool(dir.path())), INSTALL_ID).unwrap();
    let t = opted_in(dir.path(), tool(dir.path()));
    // What a run leaves: spool, local records, sent log, a run marker; one of them a
    // symlink to a file that is not ours, one entry a FIFO.
    let state = dir.path().join("state");
    for sub in ["spool", "telemetry-local", "telemetry-runs"] {
        std::fs::create_dir_all(state.join(sub)).unwrap();
        std::fs::write(state.join(sub).join("1-1-a.otlp"), b"x").unwrap();
    }
    let outside = dir.path().join("not-ours");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("keep.txt"), b"keep").unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&outside, state.join("telemetry-sent")).unwrap();
        mkfifo(&state.join("spool").join("2-1-b.otlp"));
    }
    let settings = dir.path().join("config").join("telemetry.toml");
    assert!(settings.exists());
    // A temp file a writer that died an hour ago left (it may hold a key), and a live
    // writer's, which stays.
    let stale = dir.path().join("config").join(".tmp-dead");
    std::fs::write(&stale, b"0123").unwrap();
    let hour_ago = std::time::SystemTime::now() - Duration::from_secs(7200);
    std::fs::File::options()
        .write(true)
        .open(&stale)
        .unwrap()
        .set_modified(hour_ago)
        .unwrap();
    let live = dir.path().join("config").join(".tmp-live");
    std::fs::write(&live, b"0123").unwrap();

    let erasure = t.delete().unwrap();
    assert_eq!(erasure.tokens, 1);
    assert!(
        matches!(erasure.request, EraseRequest::Pending { requests: 1, .. }),
        "nothing listens on the endpoint: {:?}",
        erasure.request
    );
    let tokens = tokens_of(&t);
    assert_eq!(tokens.len(), 1);
    assert!(
        t.erase_store().unwrap().stamp_on_send(),
        "sent with the time it is sent"
    );
    assert_eq!(
        sha256_hex(&tokens[0]),
        commitment,
        "the token proves the commitment"
    );
    assert_ne!(tokens[0], commitment);
    assert!(!tokens[0].contains(&id) && !commitment.contains(&id));
    for gone in [
        dir.path().join("config").join(INSTALL_ID_FILE),
        dir.path().join("config").join(KEY_FILE),
        state.join("spool"),
        state.join("telemetry-local"),
        state.join("telemetry-sent"),
        state.join("telemetry-runs"),
        stale,
    ] {
        assert!(
            std::fs::symlink_metadata(&gone).is_err(),
            "{} left",
            gone.display()
        );
    }
    assert_eq!(
        std::fs::read(outside.join("keep.txt")).unwrap(),
        b"keep",
        "a symlink is removed, not followed"
    );
    assert!(settings.exists(), "the user's own setting stays");
    assert!(live.exists(), "a live writer's temp file stays");
    let text = erasure.to_string();
    assert!(text.contains("erase request kept (1 waiting"), "{text}");
    assert!(
        t.status()
            .to_string()
            .contains("1 erase request(s) pending")
    );

    // Again: no key, so no new token; the waiting request stays and is tried again.
    let again = t.delete().unwrap();
    assert_eq!(again.tokens, 0);
    assert_eq!(tokens_of(&t), tokens);
    // `disable` deletes the spool, never a waiting erase request.
    t.disable().unwrap();
    assert_eq!(tokens_of(&t), tokens);

    // Opted in again, the next run is a new install, with a new commitment: a replay
    // of the old token matches none of its spans.
    t.record_choice(true).unwrap();
    let fresh = sent(opted_in(dir.path(), tool(dir.path())), ERASURE_COMMITMENT).unwrap();
    assert_ne!(fresh, commitment);
}

#[test]
fn an_install_without_a_kept_id_carries_no_commitment_and_delete_says_it_cannot_erase() {
    let none = tempfile::tempdir().unwrap();
    let b = || tool(none.path()).with_install_id(InstallId::None);
    assert_eq!(sent(opted_in(none.path(), b()), ERASURE_COMMITMENT), None);
    let t = opted_in(none.path(), b());
    let erasure = t.delete().unwrap();
    assert_eq!((erasure.tokens, &erasure.request), (0, &EraseRequest::None));
    assert!(
        erasure
            .to_string()
            .contains("cannot be linked to it or erased"),
        "{erasure}"
    );
    assert!(t.erase_store().unwrap().entries().is_empty());

    // CI's shared id is every runner's: no commitment.
    let ci = tempfile::tempdir().unwrap();
    let in_ci = tool(ci.path()).with_env(env(ci.path()).ci(Some("GitHubActions")));
    assert_eq!(sent(opted_in(ci.path(), in_ci), ERASURE_COMMITMENT), None);
}

#[test]
fn a_machine_policy_that_forbids_sending_holds_the_request_and_an_opt_out_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.toml");
    let b = || tool(dir.path()).with_policy_file(&policy);
    sent(opted_in(dir.path(), b()), ERASURE_COMMITMENT).unwrap();
    std::fs::write(&policy, "enabled = false\n").unwrap();
    let t = opted_in(dir.path(), b());
    let erasure = t.delete().unwrap();
    match &erasure.request {
        EraseRequest::Pending { requests: 1, why } => {
            assert!(why.contains("machine policy"), "{why}");
        }
        other => panic!("{other:?}"),
    }
    // The user's own opt-out does not hold it back: it is tried (nothing listens).
    std::fs::remove_file(&policy).unwrap();
    let opted_out = opted_in(
        dir.path(),
        tool(dir.path()).with_env(env(dir.path()).var("DO_NOT_TRACK", "1")),
    );
    match opted_out.delete().unwrap().request {
        EraseRequest::Pending { why, .. } => assert!(!why.contains("policy"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_rotating_id_gets_a_commitment_per_period_and_delete_proves_each() {
    let dir = tempfile::tempdir().unwrap();
    let day = Duration::from_secs(86_400);
    let b = || tool(dir.path()).with_install_id(InstallId::Rotating(day));
    let commitment = sent(opted_in(dir.path(), b()), ERASURE_COMMITMENT).unwrap();
    let t = opted_in(dir.path(), b());
    let erasure = t.delete().unwrap();
    // The key was made just now: today's period and, for a clock set back, the one
    // before when today began less than an hour ago.
    assert!((1..=2).contains(&erasure.tokens), "{}", erasure.tokens);
    let hashes: Vec<String> = tokens_of(&t).iter().map(|t| sha256_hex(t)).collect();
    assert!(hashes.contains(&commitment), "{hashes:?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Knowing an install id gives no token: a token made under any other key (or
    /// random bytes) never proves the install's commitment.
    #[test]
    fn no_other_key_makes_the_token(key in any::<[u8; 32]>(), other in any::<[u8; 32]>(), id in "[0-9a-f-]{36}") {
        prop_assume!(key != other);
        let commitment = erasure::commitment(&erasure::token(&key, &id));
        prop_assert_ne!(erasure::commitment(&erasure::token(&other, &id)), commitment.clone());
        prop_assert_ne!(sha256_hex(&id), commitment.clone());
        prop_assert_ne!(erasure::commitment(&other), commitment);
    }
}
