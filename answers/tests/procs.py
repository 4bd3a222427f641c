"""Real processes for the end-to-end tests: the collector, on loopback ports.

Ports come from `ports.reserve`: locked for this test run until the process using them
is gone, so no other test (Rust or Python) is handed them meanwhile. Something outside
that scheme may still bind one; `start` then retries on fresh ports (bounded) when the
process reports the address in use."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from answers.tests import ports as reserved_ports

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
        # otelcol (Go) says "address already in use", the JVM "Address already in use".
        return "address already in use" in str(self).lower()


class Proc:
    """A started process with its ports; `kill()` is SIGKILL, `stop()` SIGTERM. Both
    release the port reservations once the process is gone; `take_reserved()` hands
    them to a caller that starts the process again on the same ports."""

    def __init__(self, proc, ports, log, reserved=()):
        self.proc, self.ports, self.log = proc, ports, log
        self.reserved = list(reserved)

    def take_reserved(self) -> list:
        taken, self.reserved = self.reserved, []
        return taken

    def stop(self):
        try:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(20)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(10)
        finally:
            self._release()

    def kill(self):
        try:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait(10)
        finally:
            self._release()

    def _release(self):
        # Only once the process is gone: until then its ports are its own.
        if self.proc.poll() is not None:
            reserved_ports.release(self.take_reserved())


def start(argv_env, port_names, ready, log: Path, given=None) -> Proc:
    """Starts `argv_env(ports) -> (argv, env)` on freshly reserved ports, retrying on
    new ones when something outside the reservation scheme holds one. `ready(proc,
    ports, log)` waits for it. `given` maps names to ports the caller reserved (others
    already point at them): the Proc owns them once started; when one of them cannot be
    bound, the ProcessExit goes to the caller, who alone can choose a new one."""
    given = dict(given or {})
    last = None
    for _ in range(ATTEMPTS):
        fresh = reserved_ports.reserve(len(port_names))
        ports = {**{n: r.port for n, r in zip(port_names, fresh)}, **{n: r.port for n, r in given.items()}}
        try:
            argv, env = argv_env(ports)
            out = open(log, "a")
            proc = subprocess.Popen(argv, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, cwd=log.parent)
            out.close()
        except BaseException:
            reserved_ports.release(fresh)
            raise
        try:
            ready(proc, ports, log)
            return Proc(proc, ports, log, [*fresh, *given.values()])
        except ProcessExit as e:
            last = e
            reserved_ports.release(fresh)
            if not e.in_use or given:
                raise
        except BaseException:
            proc.kill()
            proc.wait(10)
            reserved_ports.release(fresh)
            raise
    raise RuntimeError(f"could not bind fresh ports in {ATTEMPTS} attempts: {last}")


GATEWAY_PORTS = ["grpc", "http", "health", "prom", "telemetry"]


def start_gateway(tmp: Path, destination: str, env: dict) -> Proc:
    """The ingest gateway (`gateway.yaml` plus the `destination` config) on reserved
    ports, with `env` added to its listen addresses; ready when its health check
    answers and its OTLP/HTTP port listens."""
    def argv_env(p):
        listen = {
            "CONSENTRY_OTLP_GRPC": f"127.0.0.1:{p['grpc']}", "CONSENTRY_OTLP_HTTP": f"127.0.0.1:{p['http']}",
            "CONSENTRY_HEALTH_ENDPOINT": f"127.0.0.1:{p['health']}",
            "CONSENTRY_PROMETHEUS_ENDPOINT": f"127.0.0.1:{p['prom']}",
            "CONSENTRY_TELEMETRY_HOST": "127.0.0.1", "CONSENTRY_TELEMETRY_PORT": str(p["telemetry"]),
        }
        argv = [otelcol(), "--config", str(CONFIG / "gateway.yaml"), "--config", str(CONFIG / destination)]
        return argv, {**listen, **env}

    def ready(proc, p, log):
        wait_http_ok(f"http://127.0.0.1:{p['health']}/", proc, log)
        wait_tcp(p["http"], proc, log)

    return start(argv_env, GATEWAY_PORTS, ready, tmp / "gateway.log")


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
