//! A spool that someone else wrote into: nothing consentry did not write and validate
//! ever leaves the machine, nothing blocks, nothing stays, everything is counted.

use std::os::unix::fs::symlink;
use std::path::Path;
use std::time::Duration;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span as OtlpSpan};

use super::*;
use crate::support::{self, Collector, CollectorKind, Transport};

const SECRET: &str = "-----BEGIN OPENSSH PRIVATE KEY----- planted-secret-7c1f";

/// A spool name in consentry's form for `len` bytes, `n` making it unique.
fn name(n: u32, len: usize) -> String {
    // Recent: a name past the age bound would be dropped unread by the next writer.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    format!("{:020}-{len:010}-{n:032x}.otlp", now - 1000 + u64::from(n))
}

fn kv(key: &str) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue("x".into())),
        }),
        ..Default::default()
    }
}

/// A request with one span of `scope` carrying the attribute `key`.
fn request(scope: &str, key: &str) -> Vec<u8> {
    let r = ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![ScopeSpans {
                scope: Some(InstrumentationScope {
                    name: scope.into(),
                    ..Default::default()
                }),
                spans: vec![OtlpSpan {
                    trace_id: vec![7; 16],
                    span_id: vec![7; 8],
                    name: "planted".into(),
                    attributes: vec![kv(key)],
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    };
    prost::Message::encode_to_vec(&r)
}

fn plant(dir: &Path, home: &Path) -> usize {
    let secret = home.join("id_rsa");
    std::fs::write(&secret, SECRET).unwrap();
    let mut n = 0;
    let mut next = |len: usize| {
        n += 1;
        dir.join(name(n, len))
    };
    // A symlink to a secret, named and sized exactly like a request.
    symlink(&secret, next(SECRET.len())).unwrap();
    // A FIFO: opening it for reading would block forever.
    let fifo = next(10);
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    // A directory with something in it.
    let d = next(10);
    std::fs::create_dir(&d).unwrap();
    std::fs::write(d.join("inside"), "x").unwrap();
    // A symlink loop.
    let (a, b) = (next(10), next(10));
    symlink(&b, &a).unwrap();
    symlink(&a, &b).unwrap();
    // Garbage, a truncated request, a foreign scope, an attribute outside the manifest.
    let garbage: Vec<u8> = (0..300u32).map(|i| (i * 7919 % 251) as u8).collect();
    let valid = request("consentry", "consentry.command");
    let foreign = request("someone.else", "consentry.command");
    let extra = request("consentry", "user.home.secret");
    for body in [garbage, valid[..valid.len() - 5].to_vec(), foreign, extra] {
        std::fs::write(next(body.len()), body).unwrap();
    }
    // A name that is not consentry's form.
    std::fs::write(
        dir.join("not-ours.otlp"),
        request("consentry", "consentry.command"),
    )
    .unwrap();
    n as usize + 1
}

#[test]
fn hostile_spool_entries_are_never_sent_and_are_counted() {
    let collector = Collector::start(CollectorKind::Otelcol);
    let user = Taskr::sending_to(&collector.http_endpoint(), Transport::Http);
    let dir = spool_dir(&user);
    std::fs::create_dir_all(&dir).unwrap();
    let planted = plant(&dir, user.home());
    // A dangling lock symlink, and a state file no run could have written.
    let target = user.home().join("lock-target");
    symlink(&target, dir.join(".lock")).unwrap();
    std::fs::write(
        dir.join("state.toml"),
        "next_attempt_ms = 18446744073709551615\nfailures = 4294967295\n",
    )
    .unwrap();

    let out = opted_out(&user, &["list"]);
    let r = user.run(&["list"]);
    assert_like_opted_out(&r, &out, "hostile spool");
    let spans = collector.wait_for("the run's own span", Duration::from_secs(30), |s| {
        !s.is_empty()
    });
    let s = wait_status(
        &user,
        &format!("invalid spool entries deleted: {planted}"),
        Duration::from_secs(30),
    );
    std::thread::sleep(Duration::from_millis(300));
    let raw = collector.raw();
    let text = String::from_utf8_lossy(&raw);
    assert!(
        !text.contains("planted-secret"),
        "the secret left the machine"
    );
    assert!(
        !text.contains("someone.else")
            && !text.contains("user.home.secret")
            && !text.contains("planted")
    );
    assert_eq!(distinct(&collector.spans()).len(), 1, "{spans:#?}");
    assert!(
        spool_files(&user).is_empty(),
        "left in the spool: {:?}\n{s}",
        spool_files(&user)
    );
    assert!(
        !target.exists(),
        "the dangling .lock symlink's target was created"
    );
    assert_eq!(
        std::fs::read_to_string(user.home().join("id_rsa")).unwrap(),
        SECRET
    );
}

/// 1,300 runs while a sender holds the spool: the bound (1,000 requests) holds at every
/// moment, watched from another thread while they run.
#[test]
fn thirteen_hundred_runs_never_pass_the_bound() {
    // Nothing listens: the runs must not even try (a sender holds the spool).
    let user = Taskr::sending_to("http://127.0.0.1:9", Transport::Http);
    let held = hold_sender_lock(&user);
    let stop = std::sync::atomic::AtomicBool::new(false);
    let write_lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(spool_dir(&user).join(".write.lock"))
        .unwrap();
    let most = std::thread::scope(|sc| {
        // A directory listing is not atomic: taken while a writer drops one file and
        // renames in another, it can see both. Writers change the spool only under the
        // writer lock, so a listing under it is a true moment.
        let watcher = sc.spawn(|| {
            let mut most = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                write_lock.lock().unwrap();
                most = most.max(spool_files(&user).len());
                write_lock.unlock().unwrap();
                std::thread::sleep(Duration::from_millis(5));
            }
            most
        });
        for wave in 0..26 {
            let children: Vec<_> = (0..50)
                .map(|_| {
                    let mut c = user.command(&["list"]);
                    c.stdout(std::process::Stdio::null())
                        .stderr(std::process::Stdio::null());
                    c.spawn().expect("spawn taskr")
                })
                .collect();
            for mut c in children {
                assert_eq!(c.wait().unwrap().code(), Some(0), "wave {wave}");
            }
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        watcher.join().unwrap()
    });
    let s = status(&user);
    eprintln!("1,300 runs: at most {most} requests spooled at one moment; {s}");
    assert!(most <= 1000, "the spool held {most} requests at one moment");
    // At the bound a run drops the oldest tenth at once: between 900 and 1,000 remain,
    // and no request is counted twice. (A run that met the writer lock for too long
    // sends inline instead, so the sum may fall short of 1,300.)
    let kept = spool_files(&user).len();
    assert!((900..=1000).contains(&kept), "{kept} spooled: {s}");
    let dropped: usize = s
        .split("dropped by limits: ")
        .nth(1)
        .and_then(|rest| rest.split(';').next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no drop count in {s}"));
    assert!(dropped >= 100 && kept + dropped <= 1300, "{s}");
    assert!(s.contains("uploader: sending now"), "{s}");
    drop(held);
}

/// Under `ulimit -n 4` with a non-empty spool the tool's own file open still works:
/// consentry holds no descriptor while the command runs.
#[test]
fn ulimit_n_4_with_a_spool_changes_nothing() {
    let user = Taskr::sending_to("http://127.0.0.1:9", Transport::Http);
    let held = hold_sender_lock(&user);
    for _ in 0..3 {
        assert_eq!(user.run(&["list"]).code, Some(0));
    }
    drop(held);
    assert_eq!(spool_files(&user).len(), 3);
    assert_eq!(user.run(&["add", "buy milk"]).code, Some(0));
    let limited = |opt_out: bool| {
        // The user's environment, then a shell that lowers the limit and execs taskr.
        let base = user.command(&[]);
        let mut sh = std::process::Command::new("sh");
        sh.arg("-c")
            .arg("ulimit -n 4 && exec \"$0\" list")
            .arg(Taskr::bin())
            .env_clear()
            .current_dir(user.work_dir());
        for (k, v) in base.get_envs() {
            if let Some(v) = v {
                sh.env(k, v);
            }
        }
        if opt_out {
            sh.env("DO_NOT_TRACK", "1");
        }
        support::taskr::run_command(sh)
    };
    let out = limited(true);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(out.stdout.contains("buy milk"), "{out:?}");
    let r = limited(false);
    assert_like_opted_out(&r, &out, "ulimit -n 4");
}
