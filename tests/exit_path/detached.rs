//! The uploader holds nothing of its caller: shell scripts that wait on a resource the
//! caller passed to taskr get it back the moment taskr exits, although the uploader it
//! started is still alive (it is sending to a collector that never answers).
//!
//! Each test checks, after the script, that the uploader is still running: otherwise
//! the script would have got its resource back for the wrong reason.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::*;

/// A resource held by a leaked descriptor comes back only when the uploader exits
/// (after several seconds here); given back at exit, it comes back at once.
const AT_ONCE: Duration = Duration::from_millis(1500);

/// A user whose collector accepts connections (the kernel's backlog) and never
/// answers: the uploader a run starts keeps sending for seconds.
fn user_with_silent_collector() -> (Taskr, TcpListener) {
    let hole = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let url = format!("http://{}", hole.local_addr().unwrap());
    let user = Taskr::sending_to(&url, support::Transport::Http);
    (user, hole)
}

/// The live uploader started for this user: the process whose environment names a
/// spool under the user's home (found in `/proc`, bounded wait).
struct Uploader(u32);

impl Uploader {
    fn find(user: &Taskr, why: &str) -> Uploader {
        let marker = format!(
            "{}={}",
            consentry::integration::UPLOADER_ENV,
            spool_dir(user).display()
        );
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(pid) = pids().into_iter().find(|pid| {
                std::fs::read(format!("/proc/{pid}/environ"))
                    .is_ok_and(|env| env.split(|&b| b == 0).any(|kv| kv == marker.as_bytes()))
            }) {
                return Uploader(pid);
            }
            assert!(
                Instant::now() < deadline,
                "{why}: no uploader running for {marker}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn alive(&self) -> bool {
        // A zombie has exited; its reaper (init) may not have seen it yet.
        std::fs::read_to_string(format!("/proc/{}/stat", self.0))
            .is_ok_and(|s| stat_field(&s, 3).is_some_and(|state| state != "Z"))
    }

    fn assert_alive(&self, why: &str) {
        assert!(
            self.alive(),
            "{why}: the uploader had already exited, so the test proves nothing"
        );
    }
}

impl Drop for Uploader {
    fn drop(&mut self) {
        if let Some(pid) = rustix::process::Pid::from_raw(self.0 as i32) {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
        }
    }
}

fn pids() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .expect("/proc")
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect()
}

/// Field `n` (1-based, as in proc(5)) of `/proc/<pid>/stat`; the command name (field
/// 2) may hold spaces, so fields are counted after its closing parenthesis.
fn stat_field(stat: &str, n: usize) -> Option<String> {
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(n - 3).map(str::to_owned)
}

/// The `ps` session id of a process.
fn session_of(pid: u32) -> String {
    let out = std::process::Command::new("ps")
        .args(["-o", "sid=", "-p", &pid.to_string()])
        .output()
        .expect("run ps");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn run_script(user: &Taskr, script: &str, args: &[&Path]) -> Outcome {
    let mut c = user.shell(script);
    c.arg("sh").args(args);
    support::taskr::run_command(c)
}

/// `( flock 9; taskr list ) 9>lockfile` then `flock -w 1 lockfile true`: the lock is
/// free as soon as taskr exits.
#[test]
fn a_shell_lock_on_fd_9_is_free_when_the_tool_exits() {
    let (user, _hole) = user_with_silent_collector();
    let lockfile: PathBuf = user.home().join("script.lock");
    let r = run_script(
        &user,
        r#"( flock 9; "$TASKR" list ) 9>"$1"; flock -w 1 "$1" true && echo free"#,
        &[&lockfile],
    );
    let uploader = Uploader::find(&user, "flock");
    assert_eq!((r.code, r.stdout.as_str()), (Some(0), "free\n"), "{r:?}");
    assert!(r.took < AT_ONCE, "the lock came back after {:?}", r.took);
    uploader.assert_alive("flock");
}

/// A pipe on fd 3 (and stdout, and stderr) reaches its end when taskr exits: the test
/// reads the script's stdout to EOF, and taskr's fd 3 is that same pipe.
#[test]
fn a_pipe_on_fd_3_ends_when_the_tool_exits() {
    let (user, _hole) = user_with_silent_collector();
    let r = run_script(&user, r#""$TASKR" list 3>&1 >/dev/null 2>&1"#, &[]);
    let uploader = Uploader::find(&user, "pipe");
    assert_eq!((r.code, r.stdout.as_str()), (Some(0), ""), "{r:?}");
    assert!(r.took < AT_ONCE, "the pipe ended after {:?}", r.took);
    uploader.assert_alive("pipe");
}

/// The uploader does not keep the directory the tool ran in (a mount the user wants
/// to unmount): its working directory is the root.
#[test]
fn the_uploader_runs_in_the_root_not_the_callers_directory() {
    let (user, _hole) = user_with_silent_collector();
    let r = user.run(&["list"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let uploader = Uploader::find(&user, "cwd");
    let cwd = std::fs::read_link(format!("/proc/{}/cwd", uploader.0)).expect("read cwd");
    uploader.assert_alive("cwd");
    assert_ne!(
        cwd,
        user.work_dir(),
        "the uploader kept the caller's directory"
    );
    assert_eq!(cwd, Path::new("/"));
}

/// The uploader leads a session of its own: the caller's terminal (its hang-up, its
/// Ctrl-C) does not reach it.
#[test]
fn the_uploader_has_a_session_of_its_own() {
    let (user, _hole) = user_with_silent_collector();
    let r = user.run(&["list"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let uploader = Uploader::find(&user, "session");
    let (ours, its) = (session_of(std::process::id()), session_of(uploader.0));
    uploader.assert_alive("session");
    assert!(!ours.is_empty(), "ps printed no session id for the test");
    assert_ne!(its, ours, "the uploader is in its caller's session");
    assert_eq!(
        its,
        uploader.0.to_string(),
        "the uploader leads its session"
    );
}
