"""taskr -> gateway -> Kafka -> store-from-kafka.yaml collector -> file -> report, with
the broker stopped and restarted mid-stream: every span id arrives."""

import json
import os
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


def _run_taskr(taskr, home, endpoint, args):
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
           "TASKR_TELEMETRY_ENDPOINT": endpoint, "TASKR_FILE": str(home / "tasks")}
    env.pop("DO_NOT_TRACK", None)
    env.pop("CI", None)
    subprocess.run([taskr, *args], env=env, capture_output=True, timeout=60, cwd=home)




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
        _run_taskr(taskr, home, endpoint, ["list"])  # the first run shows the notice, sends nothing
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

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            ids = procs.span_ids(out)
            if sent <= ids and len(ids) >= len(sent) + 15:
                break
            time.sleep(0.5)
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
