"""Real processes for the end-to-end tests: the collector, on loopback ports.

Ports: a free port is found by binding port 0, so another process may take it before
the collector binds it. Rather than ignore that race, `start` retries with fresh
ports (bounded) when the process reports the address in use."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "collector-config"
ATTEMPTS = 5


def otelcol() -> str:
    path = os.environ.get("CONSENTRY_OTELCOL")
    if not path:
        path = subprocess.run(["bash", str(ROOT / "scripts/build-collector.sh")], check=True,
                              capture_output=True, text=True, timeout=1800).stdout.strip()
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"collector binary {path!r} is not executable")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_tcp(port: int, proc: subprocess.Popen, log: Path, timeout=30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ProcessExit(log.read_text(errors="replace"))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"port {port} not listening after {timeout}s:\n{log.read_text(errors='replace')[-3000:]}")


def wait_http_ok(url: str, proc: subprocess.Popen, log: Path, timeout=30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ProcessExit(log.read_text(errors="replace"))
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} not ready after {timeout}s:\n{log.read_text(errors='replace')[-3000:]}")


class ProcessExit(RuntimeError):
    """The process ended while starting; `in_use` when it could not bind."""

    @property
    def in_use(self) -> bool:
        return "address already in use" in str(self)


class Proc:
    """A started process with its ports; `kill()` is SIGKILL, `stop()` SIGTERM."""

    def __init__(self, proc, ports, log):
        self.proc, self.ports, self.log = proc, ports, log

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)


def start(argv_env, port_names, ready, log: Path) -> Proc:
    """Starts `argv_env(ports) -> (argv, env)` with fresh ports, retrying when a port
    was taken between choosing and binding. `ready(proc, ports, log)` waits for it."""
    last = None
    for _ in range(ATTEMPTS):
        ports = {n: free_port() for n in port_names}
        argv, env = argv_env(ports)
        out = open(log, "a")
        proc = subprocess.Popen(argv, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, cwd=log.parent)
        out.close()
        try:
            ready(proc, ports, log)
            return Proc(proc, ports, log)
        except ProcessExit as e:
            last = e
            if not e.in_use:
                raise
        except Exception:
            proc.kill()
            proc.wait(10)
            raise
    raise RuntimeError(f"could not bind fresh ports in {ATTEMPTS} attempts: {last}")


def span_ids(path: Path) -> set:
    """The span ids in a collector's file-exporter output, read while the collector may
    still be writing it: only complete (newline-terminated) lines count, so a line
    half written at this moment is read on the next look, never parsed in halves."""
    if not path.exists():
        return set()
    text = path.read_text(errors="replace")
    ids = set()
    for line in text[: text.rfind("\n") + 1].splitlines():
        for rs in json.loads(line)["resourceSpans"]:
            for ss in rs["scopeSpans"]:
                ids.update(s["spanId"] for s in ss["spans"])
    return ids
