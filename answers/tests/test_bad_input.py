"""The reader never crashes, and says what it skipped."""

import json

from answers import generate, otlp


def _line(**change):
    req = generate.span_request(generate.runs(generate.Settings(installs=3, days=5))[0])
    span = req["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    for k, v in change.items():
        if k == "scope":
            req["resourceSpans"][0]["scopeSpans"][0]["scope"]["name"] = v
        elif k == "exit":
            for a in span["attributes"]:
                if a["key"] == "process.exit.code":
                    a["value"] = v
        elif k == "drop":
            span["attributes"] = [a for a in span["attributes"] if a["key"] != v]
        else:
            span[k] = v
    return json.dumps(req)


def test_empty_input():
    rows, skipped = otlp.read_lines([])
    assert rows == [] and skipped.total() == 0


def test_each_kind_of_bad_input_is_counted():
    lines = [
        _line(),
        "{not json",
        "[1, 2]",
        '{"resourceSpans": 5}',
        _line(scope="other.library"),
        _line(exit={"stringValue": "three"}),
        _line(exit={"boolValue": True}),
        _line(drop="consentry.command"),
        _line(startTimeUnixNano="abc"),
        "\xff\xfe garbage",
    ]
    rows, skipped = otlp.read_lines(lines)
    assert len(rows) == 1
    assert skipped.malformed_lines == 4
    assert skipped.other_scope_spans == 1
    assert skipped.invalid_spans == 4
    assert skipped.reasons == {
        "process.exit.code is not an integer": 2,
        "missing consentry.command": 1,
        "bad start or end time": 1,
    }


def test_a_declared_phase_span_is_not_a_run_and_not_an_error():
    phase = _line(parentSpanId="00f067aa0ba902b7", attributes=[])
    rows, skipped = otlp.read_lines([_line(), phase])
    assert len(rows) == 1
    assert (skipped.phase_spans, skipped.invalid_spans, skipped.total()) == (1, 0, 0)


def test_values_are_stored_as_the_clickhouse_exporter_stores_them():
    rows, _ = otlp.read_lines([_line()])
    row = rows[0]
    assert row["ResourceAttributes"]["consentry.ci"] in ("true", "false")
    assert row["SpanAttributes"]["process.exit.code"].lstrip("-").isdigit()
    assert row["SpanAttributes"]["process.command_args"].startswith('["taskr",')
    assert row["SpanKind"] == "Internal"
    assert otlp._as_string([1, "a", True, None]) == '[1,"a",true,null]'
    assert otlp._as_string(2.5) == "2.5"


def _with_deep_attribute(line, depth=1000):
    """The line with one more span attribute nested `depth` kvlists deep (about 6 KB,
    as the operator's attack sent it), written as text: json.dumps cannot."""
    doc = json.loads(line)
    doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["attributes"].append({"key": "PLACEHOLDER"})
    deep = ('{"key": "x", "value": ' + '{"kvlistValue": {"values": [{"key": "k", "value": ' * depth
            + '{"stringValue": "leaf"}' + "}]}}" * depth + "}")
    return json.dumps(doc).replace('{"key": "PLACEHOLDER"}', deep)


def test_a_line_too_deep_too_long_or_odd_is_skipped_and_counted():
    raw_deep = "[" * 100_000 + "]" * 100_000  # the JSON parser's own recursion
    lines = [_line(), _with_deep_attribute(_line()), raw_deep, " " + "x" * (otlp.MAX_LINE_CHARS + 1),
             json.dumps({"resourceSpans": [{"scopeSpans": [{"scope": {"name": "consentry"},
                                                             "spans": [{"attributes": 7}]}]}]})]
    rows, skipped = otlp.read_lines(lines)
    assert len(rows) == 1
    assert skipped.line_reasons == {"nested too deep": 2, "line too long": 1}
    assert skipped.malformed_lines == 3


def test_a_replayed_span_is_one_run():
    line = _line()
    other = _line(spanId="00f067aa0ba902b7")
    rows, skipped = otlp.read_lines([line] * 100 + [other])
    assert len(rows) == 2
    assert skipped.duplicate_spans == 99
    assert skipped.total() == 0


def test_every_question_counts_a_stored_duplicate_once():
    """The store may hold a span twice (a replay the gateway forwarded, a redelivery):
    the views every question reads keep one row per (trace id, span id), on DuckDB and
    chDB (the ClickHouse views, as on a ClickHouse server)."""
    from answers import engines, table

    runs = generate.runs(generate.Settings(installs=20, days=10))
    rows, _ = otlp.read_lines(generate.otlp_lines(runs))
    for name in ("duckdb", "chdb"):
        answers = []
        for data in (rows, rows + rows[: len(rows) // 2] + rows):
            eng = engines.engine(name)
            try:
                eng.load(table.to_arrow(data))
                answers.append(engines.answer_all(eng))
            finally:
                eng.close()
        once, twice = answers
        assert once == twice, name


def test_report_reads_rotated_files_and_never_fails(tmp_path):
    """`answers report --input DIR` reads every rotated file; a bad line (1,000 levels
    deep, a replay) is skipped and counted, and the report is written."""
    import subprocess
    import sys

    runs = generate.runs(generate.Settings(installs=5, days=3))
    lines = list(generate.otlp_lines(runs))
    half = len(lines) // 2
    spans = tmp_path / "spans"
    spans.mkdir()
    # The file exporter's rotation: older files get a timestamp before the extension.
    (spans / "consentry-gateway-spans-2026-12-01T00-00-00.000.jsonl").write_text(
        "\n".join(lines[:half]) + "\n" + _with_deep_attribute(lines[0]) + "\n")
    (spans / "consentry-gateway-spans.jsonl").write_text("\n".join(lines[half:] + lines[:3]) + "\n")
    out = tmp_path / "report.html"
    for inputs in ([str(spans)], [str(spans / "*.jsonl")]):
        r = subprocess.run([sys.executable, "-m", "answers", "report", "--input", *inputs,
                            "--out", str(out)], capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        assert f"report: {len(runs)} runs from 2 file(s)" in r.stderr, r.stderr
        assert "1 malformed lines (nested too deep: 1)" in r.stderr, r.stderr
        assert "3 duplicate spans" in r.stderr, r.stderr
        assert 'data-duplicates="3"' in out.read_text()
