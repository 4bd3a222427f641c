//! The port harness itself: what the rest of the suite relies on to never race for a
//! port (`support::ports`).

use std::io::ErrorKind;
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::time::Duration;

use crate::support::ports::{self, Refused};

fn ephemeral_low() -> u16 {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .expect("ip_local_port_range")
        .split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .expect("a port number")
}

#[test]
fn a_refused_port_refuses_connections_and_nobody_else_can_bind_it() {
    let refused = Refused::new();
    let addr = ([127, 0, 0, 1], refused.port()).into();
    let err = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err}");
    let err = TcpListener::bind(addr).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AddrInUse, "{err}");
    assert_eq!(
        refused.url(),
        format!("http://127.0.0.1:{}", refused.port())
    );
}

#[test]
fn reserved_ports_are_below_the_ephemeral_range_distinct_and_exclusive() {
    let low = ephemeral_low();
    let first = ports::reserve(5);
    let second = ports::reserve(5);
    let mut all = ports::numbers(&first);
    all.extend(ports::numbers(&second));
    assert!(all.iter().all(|p| *p < low && *p >= 1024), "{all:?}");
    let mut distinct = all.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 10, "a port was handed out twice: {all:?}");
    // Another process (another test binary of the same run) cannot take them either.
    let lock = std::env::temp_dir()
        .join("consentry-test-ports")
        .join(format!("{}.lock", first[0].port()));
    let other_process_locks = || {
        Command::new("flock")
            .args(["--nonblock", "--conflict-exit-code", "7"])
            .arg(&lock)
            .arg("true")
            .status()
            .expect("run flock")
            .code()
    };
    assert_eq!(
        other_process_locks(),
        Some(7),
        "another process got the lock"
    );
    drop(first);
    // A child that another test thread is spawning at this moment holds a copy of
    // every descriptor of this process until its exec closes them (they are all
    // close-on-exec), and with it the lock: a released port is free again within
    // moments, not at once. Bounded: 200 tries, 10 ms apart.
    let released = (0..200).any(|_| {
        let free = other_process_locks() == Some(0);
        if !free {
            std::thread::sleep(Duration::from_millis(10));
        }
        free
    });
    assert!(released, "the lock outlived its reservation by 2 s");
}

#[test]
fn a_start_that_fails_is_retried_on_fresh_ports_a_bounded_number_of_times() {
    let mut seen = Vec::new();
    let got = ports::spawn_with_ports("test child", 2, |ports| {
        seen.push(ports::numbers(&ports));
        if seen.len() < 3 {
            Err("address already in use".to_owned())
        } else {
            Ok(ports)
        }
    });
    assert_eq!(seen.len(), 3);
    assert_eq!(ports::numbers(&got), seen[2]);

    let always = std::panic::catch_unwind(|| {
        ports::spawn_with_ports("test child", 1, |_| {
            Err::<(), _>("exits at start".to_owned())
        })
    });
    assert!(always.is_err(), "a child that never starts fails the test");
}
