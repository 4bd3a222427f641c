"""taskr -> gateway -> Kafka -> store-from-kafka.yaml collector -> file -> report, with
the broker stopped and restarted mid-stream: every span id arrives."""

import json
import os
import re
import subprocess
import time

from answers import otlp, report
from answers.tests import chromium, procs
from answers.tests.kafka import Broker
from answers.tests.test_gateway_queue import _post
from answers import generate

TOPIC = "consentry-spans"


def _taskr() -> str:
    path = procs.ROOT / "target" / "debug" / "taskr"
    subprocess.run(["cargo", "build", "-q", "-p", "taskr"], cwd=procs.ROOT, check=True, timeout=1800)
    return str(path)


def _store(tmp, brokers, out):
    def argv_env(p):
        env = {"CONSENTRY_KAFKA_BROKERS": f"[{brokers}]", "CONSENTRY_KAFKA_TOPIC": TOPIC,
               "CONSENTRY_STORE_FILE": str(out), "CONSENTRY_HEALTH_ENDPOINT": f"127.0.0.1:{p['health']}",
               "CONSENTRY_TELEMETRY_HOST": "127.0.0.1", "CONSENTRY_TELEMETRY_PORT": str(p["telemetry"])}
        return [procs.otelcol(), "--config", str(procs.CONFIG / "store-from-kafka.yaml"),
                "--config", str(procs.CONFIG / "store-to-file.yaml")], env

    def ready(proc, p, log):
        procs.wait_http_ok(f"http://127.0.0.1:{p['health']}/", proc, log, timeout=60)

    return procs.start(argv_env, ["health", "telemetry"], ready, tmp / "store.log")


def _gateway(tmp, brokers):
    return procs.start_gateway(tmp, "forward-kafka.yaml", {
        "CONSENTRY_KAFKA_BROKERS": f"[{brokers}]", "CONSENTRY_KAFKA_TOPIC": TOPIC,
        "CONSENTRY_QUEUE_STORAGE": "file_storage/queue", "CONSENTRY_QUEUE_DIR": str(tmp / "queue"),
        "CONSENTRY_BATCH_TIMEOUT": "200ms",
    })


def _env(home, endpoint):
    """taskr's environment, built from nothing: an opt-out, a CI system's variables
    (a shared CI id, no erasure commitment) or a coding agent's in the caller's
    environment would change what these runs send."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_STATE_HOME": str(home / ".local" / "state"),
            "TASKR_TELEMETRY_ENDPOINT": endpoint, "TASKR_FILE": str(home / "tasks")}


def _run_taskr(taskr, home, endpoint, args):
    subprocess.run([taskr, *args], env=_env(home, endpoint), capture_output=True, timeout=60, cwd=home)


def _next_run_s(home):
    """When the next run may start an uploader (Unix seconds): a minute after the last
    start, as the spool state records it (runs start one uploader a minute)."""
    state = home / ".local" / "state" / "taskr" / "telemetry-spool" / "state.toml"
    try:
        m = re.search(r"(?m)^uploader_started_ms = (\d+)$", state.read_text())
    except OSError:
        return 0.0
    return int(m.group(1)) / 1000 + 60 if m else 0.0


def _start_uploader(taskr, home, endpoint):
    """What the tool's next run after the minute does: start the uploader (the real
    binary with consentry's marker argument and variable)."""
    spool = home / ".local" / "state" / "taskr" / "telemetry-spool"
    return subprocess.Popen([taskr, "__consentry-upload"],
                            env=dict(_env(home, endpoint), CONSENTRY_UPLOADER_SPOOL=str(spool)),
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd=home)




def test_taskr_to_kafka_to_report_survives_a_broker_restart(tmp_path):
    taskr = _taskr()
    (tmp_path / "kafka").mkdir()
    broker = Broker(tmp_path / "kafka")
    broker.first_start()
    brokers = f"127.0.0.1:{broker.ports['broker']}"
    out = tmp_path / "store.jsonl"
    gw_tap = tmp_path / "gateway-in"  # what the gateway accepted, as its clients sent it
    store = gw = None
    try:
        store = _store(tmp_path, brokers, out)
        gw = _gateway(tmp_path, brokers)
        endpoint = f"http://127.0.0.1:{gw.ports['http']}"
        home = tmp_path / "home"
        home.mkdir()
        # The user agrees (the notice is shown on a terminal only; this is a pipe).
        _run_taskr(taskr, home, endpoint, ["telemetry", "enable"])
        synthetic = generate.otlp_lines(generate.runs(generate.Settings(seed=9, installs=150, days=6, start_ns=generate.days_ago(7))))[:400]
        sent = set()

        def send(batch, taskr_runs):
            for line in batch:
                assert _post(gw.ports["http"], line) == 200
                sent.add(json.loads(line)["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["spanId"])
            for i in range(taskr_runs):
                _run_taskr(taskr, home, endpoint, ["add", f"task {i}", "--priority", "high"] if i % 2 else ["list", "--all"])

        send(synthetic[:150], 5)
        broker.stop()   # mid-stream: the gateway keeps accepting, its queue holds the spans
        send(synthetic[150:300], 5)
        time.sleep(2)
        broker.start()
        send(synthetic[300:], 5)

        # Runs start one uploader a minute: runs after that uploader ended wait for the
        # tool's next run after the minute, which the test stands in for (bounded).
        deadline = time.monotonic() + 150
        uploader = None
        while time.monotonic() < deadline:
            ids = procs.span_ids(out)
            if sent <= ids and len(ids) >= len(sent) + 15:
                break
            if uploader is None and sent <= ids and time.time() >= _next_run_s(home):
                uploader = _start_uploader(taskr, home, endpoint)
            time.sleep(0.5)
        if uploader is not None:
            try:
                uploader.wait(timeout=35)  # its watchdog ends it within 30 s
            except subprocess.TimeoutExpired:
                uploader.kill()
                uploader.wait()
        ids = procs.span_ids(out)
        missing = sent - ids
        assert not missing, f"{len(missing)} of {len(sent)} span ids lost"
        # taskr's 15 runs carry ids we did not choose: count them.
        assert len(ids - sent) == 15, f"taskr spans arrived: {len(ids - sent)} of 15"
    finally:
        for p in (gw, store):
            if p:
                p.stop()
        broker.close()

    page = tmp_path / "report.html"
    result = report.build(str(out), str(page))
    rows, skipped = otlp.read_file(out)
    assert skipped.total() == 0 and len({r["SpanId"] for r in rows}) == len(sent) + 15
    dom = chromium.dom(page)
    assert f'id="total-runs">{len(rows)}<' in dom
    assert result["rows"] == len(rows)
