#!/usr/bin/env python3
"""Whole-process wall time of the example CLI under telemetry conditions.

Runs every variant in turn, round after round (interleaved, so that machine noise
falls on all alike), and prints the median and the ratio to the CLI built without
consentry, measured in the same run.

    python3 bench/wall.py [--runs N]

Needs: release builds of taskr with and without telemetry (the script builds them),
the collector from scripts/build-collector.sh. Talks only to 127.0.0.1.
"""
import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build():
    subprocess.run(["cargo", "build", "-q", "--release", "-p", "taskr"], cwd=ROOT, check=True)
    subprocess.run(
        ["cargo", "build", "-q", "--release", "-p", "taskr", "--no-default-features",
         "--target-dir", str(ROOT / "target" / "baseline")],
        cwd=ROOT, check=True)
    subprocess.run(
        ["cargo", "build", "-q", "--release", "-p", "taskr", "--no-default-features", "--features",
         "standard-wiring", "--target-dir", str(ROOT / "target" / "standard")],
        cwd=ROOT, check=True)
    return (ROOT / "target/release/taskr", ROOT / "target/baseline/release/taskr",
            ROOT / "target/standard/release/taskr")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    grpc, http = free_port(), free_port()
    env = dict(os.environ, CONSENTRY_OTLP_GRPC=f"127.0.0.1:{grpc}", CONSENTRY_OTLP_HTTP=f"127.0.0.1:{http}",
               CONSENTRY_SPANS_FILE=str(Path(tmp) / "spans.jsonl"))
    proc = subprocess.Popen([otelcol, "--config", str(ROOT / "collector-config/local.yaml")], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(http, proc)
    wait_port(grpc, proc)
    return proc, grpc, http


def start_black_hole():
    """Accepts connections and never answers (bounded: the thread ends after 10 min)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1024)
    srv.settimeout(1.0)
    held = []

    def loop():
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            try:
                conn, _ = srv.accept()
                held.append(conn)
            except OSError:
                pass
    threading.Thread(target=loop, daemon=True).start()
    return srv.getsockname()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    with_t, without_t, standard = build()
    tmp = tempfile.mkdtemp()
    collector, grpc, http = start_collector(tmp)
    hole = start_black_hole()
    down = free_port()
    home = Path(tmp) / "home"
    base_env = {"PATH": os.environ["PATH"], "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}

    def env(**kw):
        return dict(base_env, **kw)

    variants = [
        ("a  without consentry", without_t, env()),
        ("b  opted out (DO_NOT_TRACK=1)", with_t, env(DO_NOT_TRACK="1", TASKR_TELEMETRY_ENDPOINT=f"http://127.0.0.1:{http}")),
        ("c  collector up, HTTP", with_t, env(TASKR_TELEMETRY_ENDPOINT=f"http://127.0.0.1:{http}")),
        ("c' collector up, gRPC", with_t, env(TASKR_TELEMETRY_ENDPOINT=f"http://127.0.0.1:{grpc}", TASKR_TELEMETRY_PROTOCOL="grpc")),
        ("d  collector down (refused)", with_t, env(TASKR_TELEMETRY_ENDPOINT=f"http://127.0.0.1:{down}")),
        ("e  black hole (accepts, silent)", with_t, env(TASKR_TELEMETRY_ENDPOINT=f"http://127.0.0.1:{hole}")),
        ("gc standard wiring, collector up", standard, env(TASKR_TELEMETRY_ENDPOINT=f"http://127.0.0.1:{http}")),
        ("gd standard wiring, down", standard, env(TASKR_TELEMETRY_ENDPOINT=f"http://127.0.0.1:{down}")),
        ("ge standard wiring, black hole", standard, env(TASKR_TELEMETRY_ENDPOINT=f"http://127.0.0.1:{hole}")),
    ]
    times = {name: [] for name, _, _ in variants}
    workdir = Path(tmp) / "work"
    workdir.mkdir()
    try:
        # One warm-up round (page cache, install id creation), then measured rounds.
        for round_no in range(args.runs + 1):
            for name, exe, e in variants:
                t0 = time.perf_counter()
                r = subprocess.run([str(exe), "--file", "/dev/null", "list"], env=e, cwd=workdir,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                dt = time.perf_counter() - t0
                if r.returncode != 0:
                    sys.exit(f"{name}: exit {r.returncode}")
                if round_no:
                    times[name].append(dt * 1000)
    finally:
        collector.terminate()
        collector.wait(timeout=10)
    base = statistics.median(times[variants[0][0]])
    print(f"\nwhole-process wall time of `taskr list`, {args.runs} interleaved runs each")
    print(f"{'variant':34} {'median ms':>10} {'max ms':>8} {'ratio':>7} {'added ms':>9}")
    for name, _, _ in variants:
        med = statistics.median(times[name])
        print(f"{name:34} {med:10.2f} {max(times[name]):8.2f} {med / base:7.3f} {med - base:9.2f}")


if __name__ == "__main__":
    main()
