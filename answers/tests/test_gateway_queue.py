"""The gateway loses nothing it accepted: with its sending queue on disk
(file_storage), spans accepted while the backend is down survive a SIGKILL of the
gateway and arrive once it is restarted and the backend comes up."""

import json
import re
import socket
import time
import urllib.request

from answers import generate
from answers.tests import ports as reserved_ports, procs

SPANS = 300


def _gateway(tmp, queue_dir, backend_port):
    return procs.start_gateway(tmp, "forward-otlp.yaml", {
        "CONSENTRY_FORWARD_OTLP_ENDPOINT": f"127.0.0.1:{backend_port}",
        "CONSENTRY_FORWARD_OTLP_INSECURE": "true",
        "CONSENTRY_QUEUE_STORAGE": "file_storage/queue", "CONSENTRY_QUEUE_DIR": str(queue_dir),
        "CONSENTRY_BATCH_TIMEOUT": "200ms", "CONSENTRY_RETRY_MAX_INTERVAL": "1s",
    })


def _backend(tmp, out, grpc: reserved_ports.Reserved):
    """A backend on the `grpc` port the caller reserved (a gateway already points at
    it); its Proc holds that reservation once started."""
    def argv_env(p):
        env = {"CONSENTRY_OTLP_GRPC": f"127.0.0.1:{p['grpc']}", "CONSENTRY_OTLP_HTTP": f"127.0.0.1:{p['http']}",
               "CONSENTRY_SPANS_FILE": str(out)}
        return [procs.otelcol(), "--config", str(procs.CONFIG / "local.yaml")], env

    def ready(proc, p, log):
        procs.wait_tcp(p["grpc"], proc, log)

    return procs.start(argv_env, ["http"], ready, tmp / "backend.log", given={"grpc": grpc})


def _post(port, body) -> int:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/traces", data=body.encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def _queue_size(telemetry_port) -> float:
    with urllib.request.urlopen(f"http://127.0.0.1:{telemetry_port}/metrics", timeout=5) as r:
        text = r.read().decode()
    return sum(float(v) for v in re.findall(r"^otelcol_exporter_queue_size\{[^}]*\} (\S+)$", text, re.M))


def _arrived(path) -> set:
    return procs.span_ids(path)


def test_accepted_spans_survive_sigkill(tmp_path):
    queue_dir = tmp_path / "queue"
    # The backend is down: a port bound here but never listened on refuses connections,
    # and no other process can take it while the first gateway sends there.
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    backend_port = holder.getsockname()[1]
    lines = generate.otlp_lines(generate.runs(generate.Settings(seed=5, installs=120, days=6, start_ns=generate.days_ago(7)))[:SPANS])
    assert len(lines) == SPANS
    gw = _gateway(tmp_path, queue_dir, backend_port)
    accepted, statuses = set(), []
    try:
        for line in lines:
            statuses.append(_post(gw.ports["http"], line))
            if statuses[-1] == 200:
                accepted.add(json.loads(line)["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["spanId"])
        assert len(accepted) == SPANS, f"the gateway refused spans: {statuses}"
        deadline = time.monotonic() + 20
        while _queue_size(gw.ports["telemetry"]) == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _queue_size(gw.ports["telemetry"]) > 0, "nothing queued"
    finally:
        gw.kill()  # SIGKILL: no shutdown, no flush
        holder.close()

    assert any(queue_dir.iterdir()), "no queue on disk"
    out = tmp_path / "backend.jsonl"
    # The restarted gateway points at a port reserved now; when the backend still cannot
    # bind it (something outside the reservations took it), both start again on a fresh
    # one: the queue is on disk.
    for attempt in range(1, procs.ATTEMPTS + 1):
        [grpc] = reserved_ports.reserve(1)
        try:
            gw2 = _gateway(tmp_path, queue_dir, grpc.port)
        except BaseException:
            grpc.release()
            raise
        try:
            backend = _backend(tmp_path, out, grpc)
        except BaseException as e:
            gw2.stop()
            grpc.release()
            if isinstance(e, procs.ProcessExit) and e.in_use and attempt < procs.ATTEMPTS:
                continue
            raise
        break
    try:
        deadline = time.monotonic() + 60
        while not accepted <= _arrived(out) and time.monotonic() < deadline:
            time.sleep(0.2)
        missing = accepted - _arrived(out)
        assert not missing, f"{len(missing)} of {len(accepted)} accepted spans lost"
    finally:
        gw2.stop()
        backend.stop()
