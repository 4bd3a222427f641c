#!/usr/bin/env python3
"""Whole-process cost of consentry in the example CLI: wall time, peak memory, and
what a run creates (threads, processes, sockets, files written, descriptors open at
exit), under each telemetry condition, against the same CLI built without consentry.

    python3 bench/wall.py [--runs N] [--json FILE]     # full: timing, memory, counts
    python3 bench/wall.py --short [--json FILE]        # counts only (CI)

Timing runs every variant once per round, round after round, in an order shuffled
every round (interleaved, so machine noise falls on all alike), after one warm-up
round; it prints the median, the max, and the ratio to variant (a) measured in the
same run. Peak memory is each run's maximum resident set size, from GNU time in a
second run per round. Counts come from one strace'd run per variant, in a home past
the notice (for d and e: the first run that tries the network).

Every variant has a home of its own: the spool and the back-off state are per user,
so a failing collector in one variant never puts another into back-off.

`--short` builds the debug CLI (already built by `cargo test`), counts only the
opted-out variants and one opted-in positive control against a refused port, and
exits 1 when an opted-out run creates a thread, process, socket or file, or leaves a
descriptor open that a run without telemetry does not, or when the opted-in run opens
a socket itself (`own_sockets`: exit never touches the network; the socket belongs to
the uploader it starts) or starts more than one process. No collector is needed.

Talks only to 127.0.0.1; every loop is bounded in count and time.
"""
import argparse
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from answers.tests import ports  # noqa: E402  (the port scheme the tests use)
TARGET = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
TIME = "/usr/bin/time"  # GNU time (Debian package time), for peak RSS
BUDGET_MS = 300.0  # consentry's default exit budget (DEFAULT_EXIT_BUDGET)
ARGS = ["--file", "/dev/null", "list"]

# Feature sets of the example CLI, by short name. (a) is "none".
FEATURES = {
    "none": ["--no-default-features"],
    "http": ["--no-default-features", "--features", "telemetry-http,telemetry-tls"],
    "http_plain": ["--no-default-features", "--features", "telemetry-http"],
    "grpc": ["--no-default-features", "--features", "telemetry-grpc,telemetry-tls"],
    "standard": ["--no-default-features", "--features", "standard-wiring"],
    "both": [],  # the default features; built last so target/*/taskr is the default build
}


def build(names, release=True):
    """Builds taskr with each feature set in the one target dir and copies each binary
    out (a later build overwrites target/<profile>/taskr). Returns {name: path}."""
    profile = "release" if release else "debug"
    out = TARGET / "bench-bin" / profile
    out.mkdir(parents=True, exist_ok=True)
    bins = {}
    for name in sorted(names, key=lambda n: n == "both"):
        cmd = ["cargo", "build", "-q", "--locked", "-p", "taskr", *FEATURES[name]]
        if release:
            cmd.insert(2, "--release")
        subprocess.run(cmd, cwd=ROOT, check=True, env=dict(os.environ, CARGO_TARGET_DIR=str(TARGET)))
        dest = out / f"taskr-{name}"
        shutil.copy2(TARGET / profile / "taskr", dest)
        bins[name] = dest
    return bins


def refused_port():
    """A socket bound to a loopback port and never listening: connections to it are
    refused, and no other process can take the port while it is held (a port picked
    free and closed could be bound by anything before the runs dial it)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    return s


def wait_port(port, proc, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit("collector exited at start")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit("collector did not start")


def start_collector(tmp):
    otelcol = subprocess.run(["bash", str(ROOT / "scripts/build-collector.sh")],
                             check=True, capture_output=True, text=True).stdout.strip()
    # Reserved (answers/tests/ports.py) until the caller has stopped the collector.
    held = ports.reserve(2)
    grpc, http = (r.port for r in held)
    env = dict(os.environ, CONSENTRY_OTLP_GRPC=f"127.0.0.1:{grpc}", CONSENTRY_OTLP_HTTP=f"127.0.0.1:{http}",
               CONSENTRY_SPANS_FILE=str(Path(tmp) / "spans.jsonl"))
    proc = subprocess.Popen([otelcol, "--config", str(ROOT / "collector-config/local.yaml")], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(http, proc)
    wait_port(grpc, proc)
    return proc, grpc, http, held


class BlackHole:
    """Accepts connections and never answers. The accept loop ends when closed, or
    after 30 minutes at the latest."""

    def __init__(self):
        self.srv = socket.socket()
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(1024)
        self.srv.settimeout(0.5)
        self.port = self.srv.getsockname()[1]
        self.held = []
        self.stop = threading.Event()
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self):
        deadline = time.monotonic() + 1800
        while not self.stop.is_set() and time.monotonic() < deadline:
            try:
                conn, _ = self.srv.accept()
                self.held.append(conn)
            except OSError:
                pass

    def close(self):
        self.stop.set()
        for c in self.held:
            c.close()
        self.srv.close()


def variants(bins, tmp, http, grpc, down, hole, short):
    """(key, label, binary, extra env). Each gets its own home under tmp."""
    ep = lambda port: {"TASKR_TELEMETRY_ENDPOINT": f"http://127.0.0.1:{port}"}  # noqa: E731
    with_t, std = bins["both"], bins.get("standard")
    v = []
    if "none" in bins:
        v.append(("a", "a  without consentry", bins["none"], {}))
    v += [
        ("b", "b  opted out (DO_NOT_TRACK=1)", with_t, {"DO_NOT_TRACK": "1", **ep(http)}),
        ("b_tool", "b' opted out (TASKR_TELEMETRY_OPTOUT=1)", with_t, {"TASKR_TELEMETRY_OPTOUT": "1", **ep(http)}),
        ("b_file", "b\" opted out (telemetry disable)", with_t, ep(http)),
    ]
    if short:
        # Positive control: an opted-in run against a refused port must be seen making
        # its export thread and socket, or the counting is broken.
        v.append(("d", "d  opted in, collector down (control)", with_t, ep(down)))
        return v
    v += [
        ("c", "c  opted in, collector up, HTTP", with_t, ep(http)),
        ("c_grpc", "c' opted in, collector up, gRPC", with_t, {**ep(grpc), "TASKR_TELEMETRY_PROTOCOL": "grpc"}),
        ("d", "d  opted in, collector down", with_t, ep(down)),
        ("e", "e  opted in, black hole", with_t, ep(hole)),
        ("f", "f  print mode (TASKR_TELEMETRY_DEBUG=1)", with_t, {"TASKR_TELEMETRY_DEBUG": "1", **ep(http)}),
        ("gc", "gc standard wiring, collector up", std, ep(http)),
        ("gd", "gd standard wiring, collector down", std, ep(down)),
        ("ge", "ge standard wiring, black hole", std, ep(hole)),
    ]
    return v


def home_env(tmp, key, extra):
    home = Path(tmp) / "homes" / key
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
           "XDG_STATE_HOME": str(home / ".local/state"), "XDG_CACHE_HOME": str(home / ".cache")}
    return dict(env, **extra)


def prepare(bins, tmp, vs):
    """Puts every user past the notice (and the b" user into `telemetry disable`)."""
    for key, label, exe, extra in vs:
        env = home_env(tmp, key, extra)
        Path(env["HOME"]).mkdir(parents=True, exist_ok=True)
        if key == "b_file":
            run_checked(label, [exe, "telemetry", "disable"], env, tmp)
        elif key not in ("b", "b_tool", "a") and exe == bins["both"]:
            # The notice run: records the notice, sends nothing.
            run_checked(label, [exe, *ARGS], env, tmp)


def run_checked(label, argv, env, tmp):
    r = subprocess.run([str(a) for a in argv], env=env, cwd=tmp, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=60)
    if r.returncode != 0:
        sys.exit(f"{label}: exit {r.returncode}")


def timed_run(exe, env, cwd):
    """One run's wall time in ms, timed from here (fork, exec, exit)."""
    t0 = time.perf_counter()
    code = subprocess.run([str(exe), *ARGS], env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode
    return (time.perf_counter() - t0) * 1000, code


def rss_run(exe, env, cwd, out):
    """One run's peak RSS in KiB, from GNU time, which forks a small child to exec the
    CLI. (wait4 from here would report this Python process's own peak: Linux counts the
    peak of the memory a process had before exec, and Python spawns with vfork.)"""
    r = subprocess.run([TIME, "-f", "%M", "-o", str(out), str(exe), *ARGS], env=env, cwd=cwd,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return int(out.read_text().split()[-1]), r.returncode


# System calls strace records for the counts: everything that makes a thread or a
# process, a socket, a file, or a descriptor, and close.
TRACED = ("clone,clone3,fork,vfork,execve,socket,socketpair,connect,open,openat,creat,mkdir,mkdirat,"
          "rename,renameat,renameat2,link,linkat,symlink,symlinkat,unlink,unlinkat,close,dup,dup2,dup3,"
          "pipe,pipe2,eventfd2,epoll_create1,timerfd_create,memfd_create,accept,accept4,fcntl")
FD_RETURNING = {"open", "openat", "creat", "socket", "dup", "dup2", "dup3", "eventfd2", "epoll_create1",
                "timerfd_create", "memfd_create", "accept", "accept4"}
WRITES = re.compile(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC")


def count(exe, env, cwd, log):
    """Runs once under strace -f; returns what the process tree created. Descriptors
    are tracked for the main process and its threads (which share its table); child
    processes (the detached uploader) are counted, not followed for descriptors."""
    r = subprocess.run(["strace", "-f", "-qq", "-o", str(log), "-e", "trace=" + ",".join("?" + n for n in TRACED.split(",")), str(exe), *ARGS],
                       env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                       timeout=120)
    if r.returncode != 0:
        sys.exit(f"strace run failed ({r.returncode}): {r.stderr[-500:]}")
    c = {"threads": 0, "processes": 0, "sockets": 0, "connects": 0, "files_written": 0, "fds_at_exit": 0,
         "own_sockets": 0}
    lines = log.read_text().splitlines()
    main = None
    ours = set()  # the main process and its threads
    fds = {0, 1, 2}
    pending = {}
    for raw in lines:
        m = re.match(r"^(\d+)\s+(.*)$", raw)
        if not m:
            continue
        pid, rest = int(m.group(1)), m.group(2)
        if main is None:
            main = pid
            ours.add(pid)
        if rest.endswith("<unfinished ...>"):
            pending[pid] = rest[: -len("<unfinished ...>")]
            continue
        rm = re.match(r"^<\.\.\. (\w+) resumed>(.*)$", rest)
        if rm:
            rest = pending.pop(pid, rm.group(1) + "(") + rm.group(2)
        cm = re.match(r"^(\w+)\((.*)\)\s+=\s+(-?\d+|\?)", rest)
        if not cm:
            continue
        name, args, ret = cm.group(1), cm.group(2), cm.group(3)
        ok = ret != "?" and int(ret) >= 0
        if name in ("clone", "clone3", "fork", "vfork") and ok and int(ret) > 0:
            if "CLONE_THREAD" in args:
                c["threads"] += 1
                if pid in ours:
                    ours.add(int(ret))
            else:
                c["processes"] += 1
            continue
        if name == "socket" and ok:
            c["sockets"] += 1
            # The run itself (not the uploader it starts) must never touch the network.
            if pid in ours:
                c["own_sockets"] += 1
        if name == "connect":
            c["connects"] += 1
        written = name in ("creat", "mkdir", "mkdirat", "rename", "renameat", "renameat2", "link", "linkat",
                           "symlink", "symlinkat", "unlink", "unlinkat")
        if name in ("open", "openat") and WRITES.search(args) and "/dev/null" not in args:
            written = True
        if written and ok:
            c["files_written"] += 1
        if pid not in ours or not ok:
            continue
        if name in FD_RETURNING:
            fds.add(int(ret))
        elif name == "fcntl" and "F_DUPFD" in args:
            fds.add(int(ret))
        elif name in ("pipe", "pipe2", "socketpair"):
            pair = re.search(r"\[(\d+), (\d+)\]", args)
            if pair:
                fds.update((int(pair.group(1)), int(pair.group(2))))
        elif name == "close":
            fds.discard(int(args.split(",")[0]))
    c["fds_at_exit"] = len(fds)
    return c


def counts_phase(vs, tmp):
    out = {}
    for key, label, exe, extra in vs:
        env = home_env(tmp, key, extra)
        out[key] = count(exe, env, tmp, Path(tmp) / f"strace-{key}.log")
    return out


def print_counts(vs, counts):
    cols = ["threads", "processes", "sockets", "own_sockets", "connects", "files_written", "fds_at_exit"]
    print("\nwhat one run creates (strace -f; homes past the notice; d/e: the first run that tries)")
    print(f"{'variant':42} " + " ".join(f"{c:>13}" for c in cols))
    for key, label, _, _ in vs:
        print(f"{label:42} " + " ".join(f"{counts[key][c]:>13}" for c in cols))


def opted_out_breaches(counts):
    """What an opted-out run creates beyond nothing (threads, processes, sockets, files)
    and beyond the CLI without consentry (descriptors at exit; 3 when there is no (a))."""
    base_fds = counts["a"]["fds_at_exit"] if "a" in counts else 3
    bad = []
    for key in ("b", "b_tool", "b_file"):
        c = counts[key]
        for col in ("threads", "processes", "sockets", "connects", "files_written"):
            if c[col]:
                bad.append(f"{key}: {col}={c[col]}")
        if c["fds_at_exit"] > base_fds:
            bad.append(f"{key}: fds_at_exit={c['fds_at_exit']} > {base_fds}")
    control = counts.get("d")
    if control is not None and not (control["processes"] and control["sockets"]):
        bad.append(f"positive control saw no uploader or socket: {control} (is the counting broken?)")
    if control is not None and (control["own_sockets"] or control["processes"] > 1):
        bad.append(f"an opted-in run opened a socket itself or started more than one process: {control}")
    return bad


def timing_phase(vs, tmp, runs):
    """Round after round, each variant once timed and once under GNU time for its
    memory, in an order shuffled every round (fixed seed), so that neither noise nor a
    neighbour (a run after a 5 s one, after a cold binary) falls on one variant alone."""
    times = {k: [] for k, *_ in vs}
    rss = {k: [] for k, *_ in vs}
    envs = {k: home_env(tmp, k, extra) for k, _, _, extra in vs}
    rng = random.Random(6)
    out = Path(tmp) / "time.out"
    for round_no in range(runs + 1):  # round 0 is the warm-up
        order = list(vs)
        rng.shuffle(order)
        for key, label, exe, _ in order:
            dt, code = timed_run(exe, envs[key], tmp)
            kib, code2 = rss_run(exe, envs[key], tmp, out)
            if code or code2:
                sys.exit(f"{label}: exit {code or code2}")
            if round_no:
                times[key].append(dt)
                rss[key].append(kib)
    return times, rss


def print_timing(vs, times, rss, runs):
    base = statistics.median(times["a"])
    base_rss = statistics.median(rss["a"])
    print(f"\nwhole-process wall time and peak RSS of `taskr {' '.join(ARGS)}`, {runs} interleaved runs each")
    print(f"{'variant':42} {'median ms':>9} {'max ms':>8} {'ratio':>6} {'added ms':>8} {'max added':>9}"
          f" {'RSS KiB':>8} {'RSS ratio':>9}")
    for key, label, _, _ in vs:
        med, mx = statistics.median(times[key]), max(times[key])
        r = statistics.median(rss[key])
        print(f"{label:42} {med:9.2f} {mx:8.2f} {med / base:6.3f} {med - base:8.2f} {mx - base:9.2f}"
              f" {r:8.0f} {r / base_rss:9.2f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--short", action="store_true", help="counts of the opted-out paths only (CI)")
    ap.add_argument("--json", type=Path, help="write the results here")
    args = ap.parse_args()
    if args.runs < 20 and not args.short:
        sys.exit("--runs must be at least 20")
    if not shutil.which("strace"):
        sys.exit("strace is required (Debian package strace; .ci/install-deps.sh installs it)")
    if not args.short and not os.access(TIME, os.X_OK):
        sys.exit(f"{TIME} is required (Debian package time; .ci/install-deps.sh installs it)")
    names = ["both"] if args.short else ["none", "standard", "both"]
    bins = build(names, release=not args.short)
    tmp = tempfile.mkdtemp(prefix="consentry-bench-")
    collector = hole = None
    held = []
    refused = refused_port()
    try:
        down = refused.getsockname()[1]
        if args.short:
            http = grpc = down  # nothing listens; opted-out runs must not look
        else:
            collector, grpc, http, held = start_collector(tmp)
            hole = BlackHole()
        vs = variants(bins, tmp, http, grpc, down, hole.port if hole else down, args.short)
        prepare(bins, tmp, vs)
        counts = counts_phase(vs, tmp)
        result = {"counts": counts, "labels": {k: label for k, label, *_ in vs}, "budget_ms": BUDGET_MS}
        if not args.short:
            # Fresh homes for timing, past the notice again: the counted runs changed
            # the back-off state of d and e.
            shutil.rmtree(Path(tmp) / "homes")
            prepare(bins, tmp, vs)
            times, rss = timing_phase(vs, tmp, args.runs)
            result.update(times_ms=times, rss_kib=rss, runs=args.runs)
            print_timing(vs, times, rss, args.runs)
        print_counts(vs, counts)
        bad = opted_out_breaches(counts)
        result["opted_out_breaches"] = bad
        if args.json:
            args.json.write_text(json.dumps(result, indent=1))
    finally:
        if collector:
            collector.terminate()
            collector.wait(timeout=10)
        ports.release(held)
        refused.close()
        if hole:
            hole.close()
        shutil.rmtree(tmp, ignore_errors=True)
    if bad:
        print("\nFAIL: an opted-out run created something:\n  " + "\n  ".join(bad))
        sys.exit(1)
    print("\nopted-out runs: no thread, process, socket, connection or file; no extra descriptor at exit")


if __name__ == "__main__":
    main()
