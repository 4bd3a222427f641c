"""The processes the benchmarks start, shared by wall.py, exit_path.py and
footprint.py: taskr built per feature set and run in a home of its own (timed, or
under GNU time for peak RSS), a collector, a refused port and a black hole.

Talks only to 127.0.0.1; every loop is bounded in count and time.
"""
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from answers.tests import ports  # noqa: E402  (the port scheme the tests use)
TARGET = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
TIME = "/usr/bin/time"  # GNU time (Debian package time), for peak RSS
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



def home_env(tmp, key, extra):
    home = Path(tmp) / "homes" / key
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
           "XDG_STATE_HOME": str(home / ".local/state"), "XDG_CACHE_HOME": str(home / ".cache")}
    return dict(env, **extra)


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
