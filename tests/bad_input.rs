//! Bad input never reaches the user: corrupt or unreachable settings, odd environment
//! values, and collectors that refuse, stall or answer garbage leave taskr's stdout,
//! stderr and exit code exactly as they are without telemetry, and exit stays within
//! the exit budget (300 ms) plus process start-up.

#![allow(clippy::type_complexity)]

use crate::support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use support::{Collector, CollectorKind, Outcome, Taskr, Transport, attr_str};

/// Far above the 300 ms budget, far below any hang: a run slower than this is a bug.
const HANG: Duration = Duration::from_secs(2);

fn assert_untouched(r: &Outcome, why: &str) {
    assert_eq!(r.code, Some(0), "{why}: {r:?}");
    assert_eq!(r.stdout, "added task 1\n", "{why}: {r:?}");
    assert_eq!(r.stderr, "", "{why}: {r:?}");
    assert!(r.took < HANG, "{why}: took {:?}", r.took);
}

fn assert_failure_untouched(user: &Taskr, why: &str) {
    let r = user.run(&["done", "9"]);
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (Some(3), "", "taskr: no task 9\n"),
        "{why}"
    );
    assert!(r.took < HANG, "{why}: took {:?}", r.took);
}

/// A loopback server that accepts and then behaves as `answer` says, until dropped.
struct Server {
    port: u16,
    stop: Arc<AtomicBool>,
}

impl Server {
    fn start(answer: fn(TcpStream)) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(60);
            while !flag.load(Ordering::Relaxed) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((s, _)) => {
                        s.set_nonblocking(false).unwrap();
                        std::thread::spawn(move || answer(s));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Server { port, stop }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn read_some(s: &mut TcpStream) {
    let mut buf = [0u8; 4096];
    s.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let _ = s.read(&mut buf);
}

fn silent(s: TcpStream) {
    // Accepts and never answers; holds the connection open past any budget.
    std::thread::sleep(Duration::from_secs(10));
    drop(s);
}

fn status_500(mut s: TcpStream) {
    read_some(&mut s);
    let _ = s.write_all(b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\n\r\n");
}

fn garbage(mut s: TcpStream) {
    read_some(&mut s);
    let _ = s.write_all(b"\x00\xffthis is not http or http/2\r\n\r\n\x16\x03");
}

fn slow_ok(mut s: TcpStream) {
    read_some(&mut s);
    std::thread::sleep(Duration::from_secs(3));
    let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
}

#[test]
fn unreachable_or_misbehaving_collectors() {
    let servers = [
        ("silent", Server::start(silent)),
        ("500", Server::start(status_500)),
        ("garbage", Server::start(garbage)),
        ("slow", Server::start(slow_ok)),
    ];
    let refused = support::ports::Refused::new();
    let mut endpoints: Vec<(String, String)> = vec![("refused".into(), refused.url())];
    endpoints.extend(servers.iter().map(|(n, s)| (n.to_string(), s.url())));
    for (name, url) in &endpoints {
        for transport in [Transport::Http, Transport::Grpc] {
            let user = Taskr::sending_to(url, transport);
            let why = format!("{name} over {transport:?}");
            assert_untouched(&user.run(&["add", "x"]), &why);
            assert_failure_untouched(&user, &why);
        }
    }
}

#[test]
fn malformed_endpoint_and_protocol_values() {
    for (var, value) in [
        ("TASKR_TELEMETRY_ENDPOINT", "not a url"),
        ("TASKR_TELEMETRY_ENDPOINT", "http://"),
        ("TASKR_TELEMETRY_ENDPOINT", "ftp://127.0.0.1:21"),
        ("TASKR_TELEMETRY_ENDPOINT", "http://user:pass@127.0.0.1:1"),
        ("TASKR_TELEMETRY_ENDPOINT", "http://127.0.0.1:99999"),
        ("TASKR_TELEMETRY_PROTOCOL", "carrier-pigeon"),
        ("TASKR_TELEMETRY_PROTOCOL", "http/json"),
    ] {
        let mut user = Taskr::new();
        user.env(var, value);
        assert_untouched(&user.run(&["add", "x"]), &format!("{var}={value}"));
    }
}

#[cfg(unix)]
#[test]
fn odd_env_values() {
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;
    let bad = OsString::from_vec(vec![0x66, 0xff, 0xfe]);
    for (var, value) in [
        ("DO_NOT_TRACK", bad.clone()),
        ("TASKR_TELEMETRY_OPTOUT", bad.clone()),
        ("TASKR_TELEMETRY_ENDPOINT", bad.clone()),
        ("TASKR_TELEMETRY_PROTOCOL", bad),
        ("DO_NOT_TRACK", OsString::from(" 0 ")),
        (
            "TASKR_TELEMETRY_OPTOUT",
            OsString::from("x".repeat(100_000)),
        ),
    ] {
        let mut user = Taskr::sending_nowhere(Transport::Http);
        user.env(var, &value);
        assert_untouched(&user.run(&["add", "x"]), var);
    }
}

#[test]
fn corrupt_or_unreadable_settings_opt_out_safely() {
    let cases: [(&str, fn(&std::path::Path)); 4] = [
        ("not toml", |p| {
            std::fs::write(p, "enabled = maybe\n[[[").unwrap()
        }),
        ("binary", |p| {
            std::fs::write(p, b"\xff\xfe\x00\x01enabled").unwrap()
        }),
        ("wrong type", |p| {
            std::fs::write(p, "enabled = \"no\"").unwrap()
        }),
        // A directory where the file should be cannot be read, even by root.
        ("a directory", |p| {
            std::fs::remove_file(p).unwrap();
            std::fs::create_dir_all(p).unwrap()
        }),
    ];
    let collector = Collector::start(CollectorKind::Otelcol);
    for (why, corrupt) in cases {
        let user = Taskr::sending_to(&collector.http_endpoint(), Transport::Http);
        std::fs::create_dir_all(user.config_dir()).unwrap();
        corrupt(&user.config_dir().join("telemetry.toml"));
        assert_untouched(&user.run(&["add", "x"]), why);
        let status = user.run(&["telemetry", "status"]);
        assert_eq!(status.code, Some(0), "{why}: {status:?}");
        assert!(
            status.stdout.starts_with("telemetry: disabled"),
            "{why}: {status:?}"
        );
        assert!(
            status.stdout.contains("telemetry.toml"),
            "{why}: status names the file: {status:?}"
        );
    }
    // `telemetry enable` repairs a corrupt file (not a directory in its place). The
    // notice record was lost with the file; `enable` shows the notice again and records
    // it, so the next run sends.
    let user = Taskr::sending_to(&collector.http_endpoint(), Transport::Http);
    std::fs::create_dir_all(user.config_dir()).unwrap();
    std::fs::write(user.config_dir().join("telemetry.toml"), "{{{").unwrap();
    let enable = user.run(&["telemetry", "enable"]);
    assert_eq!(enable.code, Some(0));
    assert!(enable.stderr.starts_with("Telemetry\n"), "{enable:?}");
    assert_untouched(&user.run(&["add", "x"]), "repaired");
    let spans = collector.wait_for("the repaired run", Duration::from_secs(20), |s| {
        !s.is_empty()
    });
    assert_eq!(spans.len(), 1, "only the repaired run sent: {spans:#?}");
}

#[test]
fn unwritable_config_dir_stays_quiet_and_sends_nothing() {
    let collector = Collector::start(CollectorKind::Otelcol);
    let mut user = Taskr::sending_to(&collector.http_endpoint(), Transport::Http);
    // A regular file where the config home should be: no dir can be made under it, so
    // the notice cannot be recorded: it is not shown (no noise) and nothing is sent.
    let blocker = user.home().join("not-a-dir");
    std::fs::write(&blocker, "").unwrap();
    user.env("XDG_CONFIG_HOME", &blocker);
    assert_untouched(&user.run(&["add", "x"]), "unwritable config dir");
    let again = user.run(&["list"]);
    assert_eq!(
        (again.code, again.stderr.as_str()),
        (Some(0), ""),
        "no notice on later runs either: {again:?}"
    );
    let sentinel = Taskr::sending_to(&collector.http_endpoint(), Transport::Http);
    assert_eq!(sentinel.run(&["list"]).code, Some(0));
    let spans = collector.wait_for("the sentinel", Duration::from_secs(20), |s| !s.is_empty());
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        collector.spans().len(),
        1,
        "only the sentinel arrived: {spans:#?}"
    );
    assert_eq!(
        attr_str(&spans[0].attrs, "consentry.command").as_deref(),
        Some("list")
    );
    let disable = user.run(&["telemetry", "disable"]);
    assert_ne!(
        disable.code,
        Some(0),
        "disable must say it could not save: {disable:?}"
    );
    assert_eq!(disable.stdout, "");
}

#[test]
fn home_that_does_not_exist() {
    // (With HOME unset the OS user database still names a home, so that is no test of
    // a missing home: this points HOME below a regular file, where nothing can be created, as root or not.)
    let user = Taskr::fresh();
    let blocker = user.home().join("a-file");
    std::fs::write(&blocker, "").unwrap();
    let mut c = user.command(&["add", "x"]);
    c.env("HOME", blocker.join("home"))
        .env_remove("XDG_CONFIG_HOME");
    assert_untouched(&support::taskr::run_command(c), "HOME does not exist");
}
