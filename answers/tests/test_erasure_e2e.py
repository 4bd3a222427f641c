"""Erasure end to end: real taskr installs -> the real otelcol gateway (gateway.yaml +
forward-file.yaml) -> the file store the answers read. X runs `taskr telemetry delete`:
its erase request reaches the store, `answers erase` removes X's spans from the files,
the answers (DuckDB, and chDB with the ClickHouse erasure SQL) no longer count X, and Y
is untouched. Forged requests (a random token, X's install id with a wrong token) and a
replay erase nothing. Z deletes while the gateway is down: the request is kept, `status`
says so, and the uploader delivers it when the gateway is back."""

import hashlib
import json
import os
import secrets
import subprocess
import sys
import time

from answers import engines, erasure, otlp, table
from answers.tests import procs
from answers.tests.test_gateway_queue import _post
from answers.tests.test_kafka_e2e import _env, _taskr

WAIT_S = 60


def _gateway(tmp, store):
    return procs.start_gateway(tmp, "forward-file.yaml", {"CONSENTRY_FILE_PATH": str(store)})


def _run(taskr, home, endpoint, *args):
    done = subprocess.run([taskr, *args], env=_env(home, endpoint), capture_output=True, text=True,
                          timeout=60, cwd=home, stdin=subprocess.DEVNULL)
    return done


def _install(taskr, tmp, name, endpoint, runs=3):
    home = tmp / name
    home.mkdir()
    assert _run(taskr, home, endpoint, "telemetry", "enable").returncode == 0
    for i in range(runs):
        _run(taskr, home, endpoint, *(["add", f"task {i}", "--priority", "high"] if i % 2 == 0 else ["list"]))
    return home


def _config(home):
    return home / ".config" / "taskr"


def _state(home):
    return home / ".local" / "state" / "taskr"


def _install_id(home):
    return (_config(home) / "telemetry-install-id").read_text().strip()


def _spans(path):
    """(resource attributes, span) of every complete line of the store."""
    out = []
    if not path.exists():
        return out
    text = path.read_text(errors="replace")
    for line in text[: text.rfind("\n") + 1].splitlines():
        if not line.startswith("{"):
            continue
        doc = json.loads(line)
        for rs in doc.get("resourceSpans", []):
            res = {kv["key"]: next(iter(kv["value"].values())) for kv in rs["resource"].get("attributes", [])}
            for ss in rs["scopeSpans"]:
                out += [(res, s) for s in ss["spans"]]
    return out


def _wait(pred, what, gw=None):
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.25)
    log = gw.log.read_text(errors="replace")[-3000:] if gw else ""
    raise AssertionError(f"{what} not within {WAIT_S} s\n{log}")


def _by_install(store, install):
    """The install's runs (a forged erase request may name its id too: not its run)."""
    return [s for r, s in _spans(store) if r.get(otlp.INSTALL_ID) == install and s["name"] != otlp.ERASE_SPAN]


def _erase_spans(store):
    return [s for _, s in _spans(store) if s["name"] == otlp.ERASE_SPAN]


def _token(span):
    return next(kv["value"]["stringValue"] for kv in span["attributes"] if kv["key"] == otlp.ERASURE_TOKEN)


def _forged(token, install=None):
    res = [{"key": "service.name", "value": {"stringValue": "taskr"}}]
    if install:
        res.append({"key": otlp.INSTALL_ID, "value": {"stringValue": install}})
    now = time.time_ns()
    span = {"traceId": secrets.token_hex(16), "spanId": secrets.token_hex(8), "name": otlp.ERASE_SPAN,
            "kind": 1, "startTimeUnixNano": str(now), "endTimeUnixNano": str(now),
            "attributes": [{"key": otlp.ERASURE_TOKEN, "value": {"stringValue": token}}]}
    return json.dumps({"resourceSpans": [{"resource": {"attributes": res},
                                          "scopeSpans": [{"scope": {"name": "consentry"}, "spans": [span]}]}]})


def test_delete_reaches_the_store_and_erases_only_that_install(tmp_path):
    taskr = _taskr()
    store_dir = tmp_path / "store"
    store_dir.mkdir()
    store = store_dir / "consentry-gateway-spans.jsonl"
    gw = _gateway(tmp_path, store)
    try:
        endpoint = f"http://127.0.0.1:{gw.ports['http']}"
        homes = {n: _install(taskr, tmp_path, n, endpoint) for n in ("x", "y", "z")}
        ids = {n: _install_id(h) for n, h in homes.items()}
        _wait(lambda: all(len(_by_install(store, ids[n])) >= 3 for n in homes), "every install's runs stored", gw)
        commitment = {n: {r.get("consentry.erasure.commitment") for r, _ in _spans(store)
                          if r.get(otlp.INSTALL_ID) == ids[n]} for n in homes}
        assert all(len(c) == 1 and None not in c for c in commitment.values()), commitment
        commitment = {n: c.pop() for n, c in commitment.items()}

        # Hostile leftovers in X's state dir: a FIFO in the spool, the sent log a symlink
        # to a directory that is not consentry's.
        x_state = _state(homes["x"])
        (x_state / "telemetry-spool").mkdir(parents=True, exist_ok=True)
        os.mkfifo(x_state / "telemetry-spool" / "1-1-fifo.otlp")
        outside = tmp_path / "not-consentrys"
        outside.mkdir()
        (outside / "keep").write_text("keep")
        if (x_state / "telemetry-sent").exists():
            subprocess.run(["rm", "-rf", str(x_state / "telemetry-sent")], check=True)
        os.symlink(outside, x_state / "telemetry-sent")

        # X deletes, online.
        done = _run(taskr, homes["x"], endpoint, "telemetry", "delete")
        assert done.returncode == 0, done.stderr
        assert "erase request delivered" in done.stdout, done.stdout
        assert done.stderr == "", done.stderr
        for gone in [_config(homes["x"]) / "telemetry-install-id", _config(homes["x"]) / "telemetry-key",
                     x_state / "telemetry-spool", x_state / "telemetry-sent", x_state / "telemetry-runs"]:
            assert not os.path.lexists(gone), gone
        assert (outside / "keep").read_text() == "keep", "the symlink was removed, not followed"
        _wait(lambda: len(_erase_spans(store)) == 1, "X's erase request stored", gw)
        x_token = _token(_erase_spans(store)[0])
        assert hashlib.sha256(x_token.encode()).hexdigest() == commitment["x"]
        assert ids["x"] not in json.dumps(_erase_spans(store)[0])

        # Forged requests and a replay, through the gateway like any client.
        for body in (_forged(secrets.token_hex(32)), _forged(secrets.token_hex(32), ids["x"]),
                     _forged(hashlib.sha256(ids["y"].encode()).hexdigest(), ids["y"]), _forged(x_token)):
            assert _post(gw.ports["http"], body) == 200
        _wait(lambda: len(_erase_spans(store)) == 5, "the forged requests and the replay stored", gw)

        # Z deletes while the gateway is down: kept, and status says so.
        gw.stop()
        done = _run(taskr, homes["z"], endpoint, "telemetry", "delete")
        assert done.returncode == 0, done.stderr
        assert "erase request kept (1 waiting" in done.stdout, done.stdout
        status = _run(taskr, homes["z"], endpoint, "telemetry", "status").stdout
        assert "1 erase request(s) pending" in status, status
        assert list((_state(homes["z"]) / "telemetry-erase").glob("*.otlp")), "the request survives the wipe"
        gw = _gateway(tmp_path, store)
        endpoint = f"http://127.0.0.1:{gw.ports['http']}"
        # Z's next run (telemetry still on) starts the uploader, which delivers it.
        _run(taskr, homes["z"], endpoint, "list")
        _wait(lambda: len(_erase_spans(store)) == 6, "Z's erase request delivered by the uploader", gw)
        z_new = _install_id(homes["z"])
        assert z_new != ids["z"], "Z is a new install after delete"
        _wait(lambda: len(_by_install(store, z_new)) == 1, "Z's new run stored", gw)
        _wait(lambda: "erase request delivered" in _run(taskr, homes["z"], endpoint, "telemetry", "status").stdout,
              "status says delivered")
    finally:
        gw.stop()

    y_spans = {s["spanId"] for s in _by_install(store, ids["y"])}
    before = {s["spanId"] for _, s in _spans(store)}

    # The store's own SQL on the rows as stored (erase requests included).
    rows, _ = otlp.read_paths(store, erasures="keep")
    for name in ("duckdb", "chdb"):
        eng = engines.engine(name)
        try:
            eng.load(table.to_arrow(rows))
            counted = _counted_installs(eng)
            assert ids["x"] not in counted and ids["z"] not in counted, (name, counted)
            assert {ids["y"], z_new} <= counted, (name, counted)
            if name == "chdb":
                eng.apply_erasures()
                assert _counted_installs(eng) == counted
                left = eng.sess.query("SELECT count() FROM otel_traces WHERE ResourceAttributes"
                                      f"['{otlp.INSTALL_ID}'] IN ('{ids['x']}', '{ids['z']}')", "CSV")
                assert left.bytes().strip() == b"0"
        finally:
            eng.close()

    # The file store: `answers erase`, as an operator runs it.
    done = subprocess.run([sys.executable, "-m", "answers", "erase", "--store", str(store_dir)],
                          cwd=procs.ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    text = store.read_text()
    for gone in (ids["x"], ids["z"], x_token, commitment["x"], commitment["z"]):
        assert gone not in text, gone
    after = {s["spanId"] for _, s in _spans(store)}
    assert y_spans <= after, "Y untouched"
    assert after == before - {s["spanId"] for s in _erased_spans(rows, {commitment["x"], commitment["z"]})}, \
        "only X's and Z's spans and the erase requests went"
    ledger = (store_dir / erasure.LEDGER).read_text()
    assert commitment["x"] in ledger and commitment["z"] in ledger and x_token not in ledger
    got, skipped = otlp.read_paths(store_dir)
    counted = {r["ResourceAttributes"][otlp.INSTALL_ID] for r in got}
    assert counted == {ids["y"], z_new}, counted
    assert skipped.total() == 0


def _counted_installs(eng) -> set:
    if isinstance(eng, engines.DuckDB):
        return {r[0] for r in eng.con.execute("SELECT DISTINCT install_id FROM runs").fetchall()}
    res = eng.sess.query("SELECT DISTINCT install_id FROM runs", "JSONCompact")
    return {r[0] for r in json.loads(res.bytes())["data"]}


def _erased_spans(rows, commitments):
    return [{"spanId": r["SpanId"]} for r in rows
            if r["SpanName"] == otlp.ERASE_SPAN or r["ResourceAttributes"].get(otlp.ERASURE_COMMITMENT) in commitments]
