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
