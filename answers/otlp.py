"""Reads the collector's `file` exporter output (OTLP JSON, one request per line) into
rows of the ClickHouse exporter's `otel_traces` table, converted the way that exporter
converts them (every attribute value as `pcommon.Value.AsString()`), so both engines
hold exactly what a ClickHouse store would hold.

Bad input never raises: a line it cannot take (not JSON, not OTLP, nested deeper than
MAX_DEPTH, longer than MAX_LINE_CHARS, or failing in any other way) is skipped whole and
counted; so are spans from other scopes and spans missing a required attribute or
carrying one of the wrong type. A span whose (trace id, span id) was already read is a
replay or a redelivery and is counted once (`Skipped.duplicate_spans`).

`read_paths` takes files, directories (every file in them: the file exporter's rotated
files) and glob patterns.
"""

from __future__ import annotations

import base64
import glob
import json
import math
import os
from dataclasses import dataclass, field

# A gateway request is at most 1 MiB of protobuf; its JSON line a few times that.
MAX_LINE_CHARS = 16 * 1024 * 1024
# consentry's values are flat; the deepest legitimate value is an array of strings.
MAX_DEPTH = 16

# Spans the questions cannot place are skipped; the gateway's filter requires the same.
REQUIRED_RESOURCE = ("app.installation.id",)
REQUIRED_SPAN = ("consentry.command", "process.exit.code")
INT_KEYS = ("process.exit.code",)
KINDS = ["Unspecified", "Internal", "Server", "Client", "Producer", "Consumer"]
STATUS = ["Unset", "Ok", "Error"]
SCOPE = "consentry"


@dataclass
class Skipped:
    """What the reader left out, and why."""

    malformed_lines: int = 0
    other_scope_spans: int = 0
    invalid_spans: int = 0
    reasons: dict = field(default_factory=dict)
    # Why whole lines were left out (not JSON, too deep, too long, unreadable).
    line_reasons: dict = field(default_factory=dict)
    # The same span again (a replay, a redelivery): counted once.
    duplicate_spans: int = 0
    # Spans with a parent are a run's declared phases (consentry's declared
    # instrumentation), not runs: left out of the run questions, and not an error.
    phase_spans: int = 0

    def note(self, reason: str) -> None:
        self.invalid_spans += 1
        self.reasons[reason] = self.reasons.get(reason, 0) + 1

    def refuse_line(self, reason: str) -> None:
        self.malformed_lines += 1
        self.line_reasons[reason] = self.line_reasons.get(reason, 0) + 1

    def total(self) -> int:
        return self.malformed_lines + self.other_scope_spans + self.invalid_spans


class _Refused(Exception):
    """A line the reader does not take, and why."""


def _raw(value: dict, depth: int = 0):
    """The Go `AsRaw()` of an OTLP JSON AnyValue (None when it is not one)."""
    if depth > MAX_DEPTH:
        raise _Refused("nested too deep")
    if not isinstance(value, dict):
        return None
    if "stringValue" in value:
        return value["stringValue"] if isinstance(value["stringValue"], str) else None
    if "boolValue" in value:
        return bool(value["boolValue"])
    if "intValue" in value:
        try:
            return int(value["intValue"])
        except (TypeError, ValueError):
            return None
    if "doubleValue" in value:
        try:
            return float(value["doubleValue"])
        except (TypeError, ValueError):
            return None
    if "arrayValue" in value:
        items = (value["arrayValue"] or {}).get("values") or []
        return [_raw(v, depth + 1) for v in items] if isinstance(items, list) else None
    if "kvlistValue" in value:
        items = (value["kvlistValue"] or {}).get("values") or []
        return {kv.get("key"): _raw(kv.get("value"), depth + 1) for kv in items if isinstance(kv, dict)}
    if "bytesValue" in value:
        return base64.b64decode(value["bytesValue"] or "")
    return ""  # an empty AnyValue


def _as_string(raw) -> str:
    """pcommon.Value.AsString(): what the ClickHouse exporter stores in its maps."""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, str):
        return raw
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float):
        if not math.isfinite(raw):  # Go's FormatFloat: NaN, +Inf, -Inf (int() would raise)
            return "NaN" if math.isnan(raw) else ("+Inf" if raw > 0 else "-Inf")
        return repr(raw) if raw != int(raw) else str(int(raw))
    if isinstance(raw, bytes):
        return base64.b64encode(raw).decode()
    return json.dumps(raw, separators=(",", ":"))


def _attrs(items) -> tuple[dict, dict]:
    """(AsString map, raw map) of an OTLP attribute list."""
    strings, raws = {}, {}
    if not isinstance(items, list):
        return strings, raws
    for kv in items:
        if not isinstance(kv, dict) or not isinstance(kv.get("key"), str):
            continue
        raw = _raw(kv.get("value"))
        if raw is None:
            continue
        strings[kv["key"]] = _as_string(raw)
        raws[kv["key"]] = raw
    return strings, raws


def _ns(value) -> int | None:
    try:
        n = int(value)
    except (TypeError, ValueError):
        return None
    return n if n >= 0 else None


def _span_row(span: dict, res: dict, scope: dict, skipped: Skipped) -> dict | None:
    attrs, raw = _attrs(span.get("attributes"))
    for key in REQUIRED_SPAN:
        if key not in attrs:
            skipped.note(f"missing {key}")
            return None
    for key in INT_KEYS:
        if isinstance(raw[key], bool) or not isinstance(raw[key], int):
            skipped.note(f"{key} is not an integer")
            return None
    start, end = _ns(span.get("startTimeUnixNano")), _ns(span.get("endTimeUnixNano"))
    if start is None or end is None or end < start:
        skipped.note("bad start or end time")
        return None
    ev_t, ev_n, ev_a = [], [], []
    for ev in span.get("events") or []:
        if not isinstance(ev, dict):
            continue
        ev_t.append(_ns(ev.get("timeUnixNano")) or 0)
        ev_n.append(str(ev.get("name") or ""))
        ev_a.append(_attrs(ev.get("attributes"))[0])
    status = span.get("status") if isinstance(span.get("status"), dict) else {}
    kind, code = span.get("kind", 0), status.get("code", 0)
    return {
        "Timestamp": start,
        "TraceId": str(span.get("traceId") or ""),
        "SpanId": str(span.get("spanId") or ""),
        "ParentSpanId": str(span.get("parentSpanId") or ""),
        "TraceState": str(span.get("traceState") or ""),
        "SpanName": str(span.get("name") or ""),
        "SpanKind": KINDS[kind] if isinstance(kind, int) and 0 <= kind < 6 else "Unspecified",
        "ServiceName": res.get("service.name", ""),
        "ResourceAttributes": res,
        "ScopeName": str(scope.get("name") or ""),
        "ScopeVersion": str(scope.get("version") or ""),
        "SpanAttributes": attrs,
        "Duration": end - start,
        "StatusCode": STATUS[code] if isinstance(code, int) and 0 <= code < 3 else "Unset",
        "StatusMessage": str(status.get("message") or ""),
        "Events.Timestamp": ev_t,
        "Events.Name": ev_n,
        "Events.Attributes": ev_a,
        "Links.TraceId": [],
        "Links.SpanId": [],
        "Links.TraceState": [],
        "Links.Attributes": [],
    }


def _line_rows(doc, skipped: Skipped) -> list[dict]:
    """Rows of one parsed line; raises for a line that is not OTLP."""
    resource_spans = doc["resourceSpans"]
    if not isinstance(resource_spans, list):
        raise TypeError
    rows = []
    for rs in resource_spans:
        if not isinstance(rs, dict):
            raise TypeError
        res = _attrs((rs.get("resource") or {}).get("attributes"))[0]
        for ss in rs.get("scopeSpans") or []:
            if not isinstance(ss, dict):
                continue
            scope = ss.get("scope") if isinstance(ss.get("scope"), dict) else {}
            for span in ss.get("spans") or []:
                if scope.get("name") != SCOPE:
                    skipped.other_scope_spans += 1
                elif not isinstance(span, dict):
                    skipped.note("span is not an object")
                elif span.get("parentSpanId"):
                    skipped.phase_spans += 1
                elif any(k not in res for k in REQUIRED_RESOURCE):
                    skipped.note("missing app.installation.id")
                else:
                    row = _span_row(span, res, scope, skipped)
                    if row is not None:
                        rows.append(row)
    return rows


def read_lines(lines, seen: set | None = None, skipped: Skipped | None = None) -> tuple[list[dict], Skipped]:
    """Rows of `otel_traces` from file-exporter lines, and what was skipped. `seen`
    holds the (trace id, span id) pairs already read, across calls."""
    rows = []
    skipped = Skipped() if skipped is None else skipped
    seen = set() if seen is None else seen
    for line in lines:
        if not line.strip():
            continue
        # A line's counts and rows are kept only if the whole line could be read.
        counts = Skipped()
        try:
            if len(line) > MAX_LINE_CHARS:
                raise _Refused("line too long")
            line_rows = _line_rows(json.loads(line), counts)
        except _Refused as e:
            skipped.refuse_line(str(e))
            continue
        except RecursionError:
            skipped.refuse_line("nested too deep")
            continue
        except (ValueError, KeyError, TypeError, AttributeError):
            skipped.refuse_line("not OTLP JSON")
            continue
        except Exception:  # never fail the report for one line
            skipped.refuse_line("unreadable")
            continue
        skipped.other_scope_spans += counts.other_scope_spans
        skipped.phase_spans += counts.phase_spans
        skipped.invalid_spans += counts.invalid_spans
        for k, n in counts.reasons.items():
            skipped.reasons[k] = skipped.reasons.get(k, 0) + n
        for row in line_rows:
            key = (row["TraceId"], row["SpanId"])
            if row["SpanId"] and key in seen:
                skipped.duplicate_spans += 1
                continue
            seen.add(key)
            rows.append(row)
    return rows, skipped


def input_files(inputs) -> list[str]:
    """The files named by `inputs` (a path or a list): each file itself, each
    directory's regular files (rotated exports), each glob pattern's matches; sorted
    within each input, every file once."""
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    files = []
    for item in inputs:
        item = os.fspath(item)
        if os.path.isdir(item):
            found = [os.path.join(item, n) for n in os.listdir(item)]
        elif os.path.exists(item):
            found = [item]
        else:
            found = glob.glob(item)
            if not found:
                raise FileNotFoundError(f"no file matches {item}")
        for f in sorted(found):
            if os.path.isfile(f) and f not in files:
                files.append(f)
    return files


def read_paths(inputs) -> tuple[list[dict], Skipped]:
    """`read_lines` over every file `input_files` names; a span is counted once across
    all of them. Undecodable bytes count as malformed lines."""
    rows, skipped, seen = [], Skipped(), set()
    for path in input_files(inputs):
        with open(path, encoding="utf-8", errors="replace") as f:
            more, _ = read_lines(f, seen, skipped)
            rows.extend(more)
    return rows, skipped


def read_file(path) -> tuple[list[dict], Skipped]:
    """`read_paths` for one path (a file, a directory or a glob pattern)."""
    return read_paths(path)
