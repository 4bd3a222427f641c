"""The `otel_traces` rows as an Arrow table (and Parquet), the one input both engines
load, so DuckDB and chDB hold the same data."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

_MAP = pa.map_(pa.string(), pa.string())
_TS = pa.timestamp("ns", tz="UTC")

SCHEMA = pa.schema([
    ("Timestamp", _TS), ("TraceId", pa.string()), ("SpanId", pa.string()),
    ("ParentSpanId", pa.string()), ("TraceState", pa.string()), ("SpanName", pa.string()),
    ("SpanKind", pa.string()), ("ServiceName", pa.string()), ("ResourceAttributes", _MAP),
    ("ScopeName", pa.string()), ("ScopeVersion", pa.string()), ("SpanAttributes", _MAP),
    ("Duration", pa.uint64()), ("StatusCode", pa.string()), ("StatusMessage", pa.string()),
    ("Events.Timestamp", pa.list_(_TS)), ("Events.Name", pa.list_(pa.string())),
    ("Events.Attributes", pa.list_(_MAP)), ("Links.TraceId", pa.list_(pa.string())),
    ("Links.SpanId", pa.list_(pa.string())), ("Links.TraceState", pa.list_(pa.string())),
    ("Links.Attributes", pa.list_(_MAP)),
])


def to_arrow(rows: list[dict]) -> pa.Table:
    """Rows from `otlp.read_lines` as an Arrow table of the exporter's columns."""
    cols = {}
    for name in SCHEMA.names:
        values = [r[name] for r in rows]
        if name.endswith("Attributes"):
            if name.startswith(("Events", "Links")):
                values = [[list(m.items()) for m in ms] for ms in values]
            else:
                values = [list(m.items()) for m in values]
        cols[name] = values
    return pa.table(cols, schema=SCHEMA)


def write_parquet(table: pa.Table, path) -> None:
    """Parquet both engines read."""
    pq.write_table(table, path)
