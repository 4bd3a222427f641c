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

Erasure (consentry's `telemetry delete`): an erase request is a span named
`consentry.erase` carrying `consentry.erasure.token`; every span whose resource carries
`consentry.erasure.commitment` equal to the SHA-256 of that token (its hex text) is
left out of the rows, wherever in the input it stands, and counted
(`Skipped.erased_spans`). A line of the erasure ledger (`answers erase` writes it, see
`erasure.py`) names a commitment already erased from the store: spans carrying it are
left out too. A token of another shape, or one no span is committed to, erases nothing.
"""

from __future__ import annotations

import base64
import glob
import hashlib
import json
import math
import os
import re
from dataclasses import dataclass, field

# A gateway request is at most 1 MiB of protobuf; its JSON line a few times that.
MAX_LINE_CHARS = 16 * 1024 * 1024
# consentry's values are flat; the deepest legitimate value is an array of strings.
MAX_DEPTH = 16

# Spans the questions cannot place are skipped; the gateway's filter requires the same.
# The install id is not required: a tool may send none (its runs count, as no install).
INSTALL_ID = "app.installation.id"
REQUIRED_SPAN = ("consentry.command", "process.exit.code")
INT_KEYS = ("process.exit.code",)
KINDS = ["Unspecified", "Internal", "Server", "Client", "Producer", "Consumer"]
STATUS = ["Unset", "Ok", "Error"]
SCOPE = "consentry"
# The erase request and the commitment it proves (consentry's manifest names them).
ERASE_SPAN = "consentry.erase"
ERASURE_TOKEN = "consentry.erasure.token"
ERASURE_COMMITMENT = "consentry.erasure.commitment"
LEDGER_KEY = "consentryErasure"
_HEX64 = re.compile(r"[0-9a-f]{64}")


def commitment_of(token) -> str | None:
    """The commitment a token proves (SHA-256 of its text), or None for a token that is
    not 64 lower-case hex characters (the gateway masks those; they prove nothing)."""
    if not isinstance(token, str) or not _HEX64.fullmatch(token):
        return None
    return hashlib.sha256(token.encode()).hexdigest()


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
    # Erase requests read (spans named consentry.erase; a malformed token counts too).
    erase_requests: int = 0
    # Spans left out because their install asked for erasure.
    erased_spans: int = 0
    # The commitments erased: from erase requests and from the erasure ledger.
    erased: set = field(default_factory=set)

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


def _erase_row(span: dict, res: dict, scope: dict) -> dict:
    """The erase request as the ClickHouse exporter stores it (a span row), for the
    store's own SQL to apply (`sql/erasure_clickhouse.sql`, the views)."""
    attrs = _attrs(span.get("attributes"))[0]
    t = _ns(span.get("startTimeUnixNano")) or 0
    return {
        "Timestamp": t, "TraceId": str(span.get("traceId") or ""), "SpanId": str(span.get("spanId") or ""),
        "ParentSpanId": "", "TraceState": "", "SpanName": ERASE_SPAN, "SpanKind": "Internal",
        "ServiceName": res.get("service.name", ""), "ResourceAttributes": res,
        "ScopeName": str(scope.get("name") or ""), "ScopeVersion": str(scope.get("version") or ""),
        "SpanAttributes": attrs, "Duration": 0, "StatusCode": "Unset", "StatusMessage": "",
        "Events.Timestamp": [], "Events.Name": [], "Events.Attributes": [],
        "Links.TraceId": [], "Links.SpanId": [], "Links.TraceState": [], "Links.Attributes": [],
    }


def _line_rows(doc, skipped: Skipped, keep_erase_rows: bool = False) -> list[dict]:
    """Rows of one parsed line; raises for a line that is not OTLP."""
    if isinstance(doc, dict) and LEDGER_KEY in doc:
        c = (doc[LEDGER_KEY] or {}).get("commitment")
        if not isinstance(c, str) or not _HEX64.fullmatch(c):
            raise TypeError
        skipped.erased.add(c)
        return []
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
                elif span.get("name") == ERASE_SPAN:
                    skipped.erase_requests += 1
                    c = commitment_of(_attrs(span.get("attributes"))[0].get(ERASURE_TOKEN))
                    if c:
                        skipped.erased.add(c)
                    if keep_erase_rows:
                        rows.append(_erase_row(span, res, scope))
                elif span.get("parentSpanId"):
                    skipped.phase_spans += 1
                else:
                    row = _span_row(span, res, scope, skipped)
                    if row is not None:
                        rows.append(row)
    return rows


def apply_erasures(rows: list[dict], skipped: Skipped) -> list[dict]:
    """`rows` without the spans of installs that asked for erasure (counted)."""
    if not skipped.erased:
        return rows
    kept = [r for r in rows if r["SpanName"] == ERASE_SPAN
            or r["ResourceAttributes"].get(ERASURE_COMMITMENT) not in skipped.erased]
    skipped.erased_spans += len(rows) - len(kept)
    return kept


def read_lines(lines, seen: set | None = None, skipped: Skipped | None = None,
               erasures: str = "apply") -> tuple[list[dict], Skipped]:
    """Rows of `otel_traces` from file-exporter lines, and what was skipped. `seen`
    holds the (trace id, span id) pairs already read, across calls. `erasures`:
    `apply` leaves out erase requests and the spans they erase; `keep` keeps every span
    and each erase request as a row, as a ClickHouse store holds them before its
    erasure SQL runs."""
    keep = erasures == "keep"
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
            line_rows = _line_rows(json.loads(line), counts, keep)
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
        skipped.erase_requests += counts.erase_requests
        skipped.erased |= counts.erased
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
    return (rows if keep else apply_erasures(rows, skipped)), skipped


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


def read_paths(inputs, erasures: str = "apply") -> tuple[list[dict], Skipped]:
    """`read_lines` over every file `input_files` names; a span is counted once across
    all of them, and an erase request in one file erases the spans of every other.
    Undecodable bytes count as malformed lines."""
    rows, skipped, seen = [], Skipped(), set()
    for path in input_files(inputs):
        with open(path, encoding="utf-8", errors="replace") as f:
            more, _ = read_lines(f, seen, skipped, erasures)
            rows.extend(more)
    return (rows if erasures == "keep" else apply_erasures(rows, skipped)), skipped


def read_file(path) -> tuple[list[dict], Skipped]:
    """`read_paths` for one path (a file, a directory or a glob pattern)."""
    return read_paths(path)
