"""Erasure in the store tier: an install's erase request (consentry's `telemetry
delete`) removes it from every answer on DuckDB and on chDB (the ClickHouse views and
`sql/erasure_clickhouse.sql`), and from the file store (`answers erase`); forged and
replayed requests erase nothing. Checked against the generator's truth without the
erased install."""

import json
import os
import secrets
import subprocess
import sys

import pytest

from answers import compare, engines, erasure, generate, otlp, table, truth
from answers.questions import QUESTIONS

SETTINGS = generate.Settings(seed=11, installs=120, days=40)


@pytest.fixture(scope="module")
def history():
    runs = generate.runs(SETTINGS)
    counts = {}
    for r in runs:
        if not r["ci"]:
            counts[r["install_id"]] = counts.get(r["install_id"], 0) + 1
    # X: the busiest install outside CI (its absence changes many answers); Y: another.
    x, y = sorted(counts, key=lambda i: (-counts[i], i))[:2]
    return runs, x, y


def _requests(runs, x):
    """X's erase request, a forged one (random token), one naming X's install id with a
    wrong token, a malformed token, and a replay of X's request."""
    at = max(r["start_ns"] for r in runs) + 1
    token = generate.erasure_token(x)
    forged_for_x = json.loads(generate.erase_request(secrets.token_hex(32), at, "00000000000000e3"))
    forged_for_x["resourceSpans"][0]["resource"]["attributes"].append(
        {"key": otlp.INSTALL_ID, "value": {"stringValue": x}})
    return [
        generate.erase_request(token, at),
        generate.erase_request(secrets.token_hex(32), at, "00000000000000e2"),
        json.dumps(forged_for_x),
        generate.erase_request("*****", at, "00000000000000e4"),
        generate.erase_request(token.upper(), at, "00000000000000e5"),
        generate.erase_request(token, at + 5, "00000000000000e6"),  # replayed later
    ]


def _expected(runs, x):
    return truth.answers([r for r in runs if r["install_id"] != x])


def _check_all(eng, expected, label):
    for q in QUESTIONS:
        _, rows = eng.ask(q)
        assert compare.same(rows, expected[q.name]), (label, q.name)


def test_the_reader_leaves_out_the_erased_install_and_nothing_else(history):
    runs, x, y = history
    lines = generate.otlp_lines(runs)
    requests = _requests(runs, x)
    # The erase request first in the input, as well as after: order does not matter.
    rows, skipped = otlp.read_lines([requests[0], *lines, *requests[1:]])
    assert skipped.erase_requests == len(requests)
    # Every well-formed token names a commitment (X's and the two forged ones); only
    # X's is carried by any span, so only X's spans go.
    assert generate.commitment(generate.erasure_token(x)) in skipped.erased
    assert len(skipped.erased) == 3
    assert skipped.erased_spans == sum(r["install_id"] == x for r in runs)
    ids = {r["ResourceAttributes"][otlp.INSTALL_ID] for r in rows}
    assert x not in ids and y in ids
    assert len(rows) == sum(r["install_id"] != x for r in runs)
    assert skipped.total() == 0, "erase requests are neither malformed nor invalid"


@pytest.mark.parametrize("name", ["duckdb", "chdb"])
def test_the_store_views_stop_counting_the_erased_install(history, name):
    """The rows as a ClickHouse store holds them (erase requests included, nothing
    deleted yet): the views alone already answer without X."""
    runs, x, _ = history
    rows, _ = otlp.read_lines(generate.otlp_lines(runs) + _requests(runs, x), erasures="keep")
    assert any(r["SpanName"] == otlp.ERASE_SPAN for r in rows)
    eng = engines.engine(name)
    try:
        eng.load(table.to_arrow(rows))
        _check_all(eng, _expected(runs, x), name)
    finally:
        eng.close()


def test_clickhouse_erasure_sql_deletes_the_rows_and_keeps_only_the_commitment(history, tmp_path):
    runs, x, y = history
    token = generate.erasure_token(x)
    rows, _ = otlp.read_lines(generate.otlp_lines(runs) + _requests(runs, x), erasures="keep")
    eng = engines.ChDB()
    try:
        eng.load(table.to_arrow(rows))

        def count(where):
            return int(eng.sess.query(f"SELECT count() FROM otel_traces WHERE {where}", "CSV").bytes().strip() or 0)

        x_where = f"ResourceAttributes['{otlp.INSTALL_ID}'] = '{x}'"
        y_before = count(f"ResourceAttributes['{otlp.INSTALL_ID}'] = '{y}'")
        total_before = count("1")
        assert count(x_where) > 0 and y_before > 0
        eng.apply_erasures()
        assert count(x_where) == 0, "X's rows are gone from the table"
        assert count("SpanName = 'consentry.erase'") == 0, "no token stays in the store"
        assert count(f"ResourceAttributes['{otlp.INSTALL_ID}'] = '{y}'") == y_before
        assert count("1") == total_before - sum(r["install_id"] == x for r in runs) - len(_requests(runs, x))
        kept = eng.sess.query("SELECT Commitment FROM consentry_erasures FINAL ORDER BY Commitment", "CSV")
        kept = kept.bytes().decode().split()
        # X's commitment, and the forged tokens' (which no span carries); never a token.
        assert f'"{generate.commitment(token)}"' in kept and len(kept) == 3, kept
        assert not any(token in c for c in kept)
        _check_all(eng, _expected(runs, x), "chdb after erasure")
        # A replay, stored after the erasure, records nothing new and erases nothing more.
        replay, _ = otlp.read_lines([generate.erase_request(token, runs[-1]["start_ns"] + 9, "00000000000000e7")],
                                    erasures="keep")
        path = tmp_path / "replay.parquet"
        table.write_parquet(table.to_arrow(replay), str(path))
        eng.sess.query(f"INSERT INTO otel_traces SELECT * FROM file('{path}', Parquet)")
        assert count("SpanName = 'consentry.erase'") == 1
        eng.apply_erasures()
        assert count("1") == total_before - sum(r["install_id"] == x for r in runs) - len(_requests(runs, x))
        assert eng.sess.query("SELECT count() FROM consentry_erasures FINAL", "CSV").bytes().strip() == b"3"
    finally:
        eng.close()


def _span_ids(path):
    ids = []
    with open(path) as f:
        for line in f:
            if not line.startswith("{"):
                continue
            doc = json.loads(line)
            for rs in doc.get("resourceSpans", []):
                for ss in rs["scopeSpans"]:
                    ids += [s["spanId"] for s in ss["spans"]]
    return ids


def test_answers_erase_rewrites_the_file_store_and_keeps_a_ledger(history, tmp_path):
    runs, x, y = history
    token = generate.erasure_token(x)
    lines = generate.otlp_lines(runs)
    store = tmp_path / "spans"
    store.mkdir()
    half = len(lines) // 2
    # Two rotated files and the current one; a line that is not OTLP stays as it is.
    (store / "consentry-gateway-spans-2026-07-01T00-00-00.000.jsonl").write_text("\n".join(lines[:half]) + "\nnot json\n")
    (store / "consentry-gateway-spans-2026-07-02T00-00-00.000.jsonl").write_text(
        "\n".join(lines[half:] + _requests(runs, x)) + "\n")
    current = store / "consentry-gateway-spans.jsonl"
    current.write_text(lines[0] + "\n")
    x_spans = {r["span_id"] for r in runs if r["install_id"] == x}
    y_spans = {r["span_id"] for r in runs if r["install_id"] == y}

    cmd = [sys.executable, "-m", "answers", "erase", "--store", str(store), "--keep", str(current)]
    done = subprocess.run(cmd, cwd=os.path.dirname(os.path.dirname(engines.SQL)), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "", "prints nothing on stdout"
    assert "3 new erasure(s)" in done.stderr, done.stderr
    rotated = sorted(p for p in store.iterdir() if p.name != current.name and p.name != erasure.LEDGER)
    left = [i for p in rotated for i in _span_ids(p)]
    assert not x_spans & set(left), "X's spans are gone from the rotated files"
    assert y_spans <= set(left) | {runs[0]["span_id"]}, "Y untouched"
    assert all(token not in p.read_text() for p in rotated), "no token stays in the files"
    assert "not json" in rotated[0].read_text()
    ledger = (store / erasure.LEDGER).read_text()
    assert generate.commitment(token) in {json.loads(l)[otlp.LEDGER_KEY]["commitment"] for l in ledger.splitlines()}
    assert token not in ledger
    # The file being written is not rewritten; the answers leave X out of it anyway.
    assert current.read_text() == lines[0] + "\n"
    rows, skipped = otlp.read_paths(store)
    assert x not in {r["ResourceAttributes"][otlp.INSTALL_ID] for r in rows}
    assert len(rows) == sum(r["install_id"] != x for r in runs)
    # Run again (a replay stored meanwhile): nothing new; a span of X that arrives late
    # is left out of the answers by the ledger.
    late = next(l for l in lines if x in l).replace('"spanId":"', '"spanId":"1', 1)
    with open(current, "a") as f:
        f.write(late + "\n" + generate.erase_request(token, 1, "00000000000000e8") + "\n")
    again = erasure.erase(str(store), keep=[str(current)])
    assert again["new_commitments"] == 0
    assert len((store / erasure.LEDGER).read_text().splitlines()) == 3
    rows2, _ = otlp.read_paths(store)
    assert len(rows2) == len(rows)


def test_the_report_says_how_many_spans_were_erased(history, tmp_path):
    from answers import report

    runs, x, _ = history
    path = tmp_path / "spans.jsonl"
    path.write_text("\n".join(generate.otlp_lines(runs) + _requests(runs, x)) + "\n")
    out = report.build(str(path), str(tmp_path / "report.html"))
    erased = sum(r["install_id"] == x for r in runs)
    assert out["rows"] == len(runs) - erased
    page = (tmp_path / "report.html").read_text()
    assert f'data-erased="{erased}" data-requests="{len(_requests(runs, x))}"' in page


def test_no_token_but_the_installs_own_erases_anything(history):
    """Open-ended forgeries: 300 random tokens, and X's own token with one character
    changed, cut, extended or upper-cased, each alone in the store: none erases a span."""
    import random

    runs, x, _ = history
    lines = generate.otlp_lines(runs)
    token = generate.erasure_token(x)
    rng = random.Random(20)
    forged = ["".join(rng.choice("0123456789abcdef") for _ in range(64)) for _ in range(300)]
    for i in range(0, 64, 7):
        flipped = "0" if token[i] != "0" else "1"
        forged.append(token[:i] + flipped + token[i + 1:])
    forged += [token[:-1], token + "0", token.upper(), " " + token, token[::-1]]
    requests = [generate.erase_request(t, 1, f"{n:016x}") for n, t in enumerate(forged)]
    rows, skipped = otlp.read_lines(lines + requests)
    assert skipped.erased_spans == 0 and len(rows) == len(runs)
    # And the real token erases exactly X's spans.
    rows, skipped = otlp.read_lines(lines + requests + [generate.erase_request(token, 1, "ffffffffffffffff")])
    assert skipped.erased_spans == sum(r["install_id"] == x for r in runs)
