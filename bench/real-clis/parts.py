"""The real parts a state runs against: a collector on a reserved port, a black hole,
and the count of what arrived. Loopback only."""

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

# Ports come from the test support's reservation scheme (answers/tests/ports.py, the
# same lock files as tests/support/ports.rs), so Rust tests, Python tests and this
# script never hand out the same port; a collector that still fails at start is
# retried on fresh ports.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from answers.tests import ports  # noqa: E402

START_ATTEMPTS = 4
READY_TIMEOUT_S = 30.0


def _accepts(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class Collector:
    """otelcol with collector-config/local.yaml: OTLP in, one JSON request per line out."""

    def __init__(self, otelcol, config, workdir):
        self.spans_file = Path(workdir) / "spans.jsonl"
        self.log = Path(workdir) / "collector.log"
        last = ""
        for attempt in range(1, START_ATTEMPTS + 1):
            self.ports = ports.reserve(2)
            http, grpc = (r.port for r in self.ports)
            env = dict(os.environ, CONSENTRY_OTLP_HTTP=f"127.0.0.1:{http}",
                       CONSENTRY_OTLP_GRPC=f"127.0.0.1:{grpc}",
                       CONSENTRY_SPANS_FILE=str(self.spans_file))
            with open(self.log, "ab") as log:
                self.proc = subprocess.Popen([otelcol, "--config", str(config)], env=env,
                                             stdout=log, stderr=log)
            deadline = time.monotonic() + READY_TIMEOUT_S
            while time.monotonic() < deadline and self.proc.poll() is None:
                if _accepts(http):
                    self.url = f"http://127.0.0.1:{http}"
                    return
                time.sleep(0.05)
            last = f"exit code {self.proc.poll()}, see {self.log}"
            self.stop()
            print(f"collector start attempt {attempt} failed: {last}", flush=True)
        raise RuntimeError(f"collector did not start after {START_ATTEMPTS} attempts: {last}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        ports.release(self.ports)


class BlackHole:
    """Accepts connections and never answers: a collector whose packets vanish."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1024)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.held = []
        self.accepted = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            self.held.append(conn)

    def stop(self):
        self.sock.close()
        for conn in self.held:
            conn.close()


def _attr(attrs, key):
    for a in attrs or []:
        if a.get("key") == key:
            value = a.get("value", {})
            return next(iter(value.values()), None)
    return None


def received_spans(spans_file):
    """Spans in the collector's file output: {span id: attributes we report on}, and
    how many span records there were (duplicates included)."""
    spans, records = {}, 0
    try:
        lines = Path(spans_file).read_text().splitlines()
    except FileNotFoundError:
        return spans, 0
    for line in lines:
        try:
            request = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line being written right now; read again later
        for rs in request.get("resourceSpans", []):
            for ss in rs.get("scopeSpans", []):
                for span in ss.get("spans", []):
                    records += 1
                    attrs = span.get("attributes")
                    spans[span["spanId"]] = {
                        "pid": str(_attr(attrs, "process.pid")),
                        "command": _attr(attrs, "consentry.command"),
                        "error": _attr(attrs, "error.type"),
                        "code": _attr(attrs, "process.exit.code"),
                    }
    return spans, records
