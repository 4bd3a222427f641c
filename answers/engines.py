"""The two engines: DuckDB (embedded, the default) and chDB (ClickHouse in-process)
over the ClickHouse exporter's own `otel_traces` DDL. Both load the same Arrow table
and answer the same questions (`questions.py`)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pyarrow as pa

from .questions import QUESTIONS, Question
from .table import write_parquet

SQL = Path(__file__).parent / "sql"
DATABASE = "consentry"


def exporter_ddl(database: str = DATABASE, table: str = "otel_traces", ttl: str = "") -> str:
    """The exporter's CREATE TABLE as it runs it (default engine MergeTree, no cluster).

    `ttl` is the exporter's TTL clause; tests leave it empty because generated data
    lies in a fixed past and a TTL relative to now would drop it."""
    lines = (SQL / "traces_table.sql").read_text().splitlines()
    template = "\n".join(l for l in lines if not l.startswith("--"))
    template = template.replace("%q.%q", f'"{database}"."{table}"', 1)
    return template.replace("%s", "", 1).replace("%s", "MergeTree()", 1).replace("%s", ttl, 1)


def _statements(text: str) -> list[str]:
    body = "\n".join(l for l in text.splitlines() if not l.strip().startswith("--"))
    return [s.strip() for s in body.split(";") if s.strip()]


class DuckDB:
    """DuckDB in memory (or on disk, for big inputs)."""

    dialect = "duckdb"

    def __init__(self, path: str = ":memory:", memory_limit: str | None = None):
        import duckdb

        self.con = duckdb.connect(path)
        if memory_limit:
            self.con.execute(f"SET memory_limit = '{memory_limit}'")

    def load(self, table: pa.Table) -> None:
        self.con.register("incoming", table)
        self.con.execute("CREATE OR REPLACE TABLE otel_traces AS SELECT * FROM incoming")
        self.con.unregister("incoming")
        self._views()

    def load_parquet(self, path) -> None:
        self.con.execute(f"CREATE OR REPLACE TABLE otel_traces AS SELECT * FROM read_parquet('{path}')")
        self._views()

    def _views(self) -> None:
        for stmt in _statements((SQL / "views_duckdb.sql").read_text()):
            self.con.execute(stmt)

    def ask(self, q: Question) -> tuple[list[str], list[tuple]]:
        cur = self.con.execute(q.on(self.dialect))
        return [d[0] for d in cur.description], cur.fetchall()

    def close(self) -> None:
        self.con.close()


class ChDB:
    """chDB (ClickHouse's engine in-process) with the exporter's exact table."""

    dialect = "clickhouse"

    def __init__(self, path: str | None = None):
        from chdb import session

        self._tmp = None if path else tempfile.TemporaryDirectory(prefix="answers-chdb-")
        self.sess = session.Session(path or self._tmp.name)
        self.sess.query(f"CREATE DATABASE IF NOT EXISTS {DATABASE}")
        self.sess.query(exporter_ddl())

    def load(self, table: pa.Table) -> None:
        with tempfile.TemporaryDirectory(prefix="answers-load-") as d:
            path = os.path.join(d, "rows.parquet")
            write_parquet(table, path)
            self.load_parquet(path)

    def load_parquet(self, path) -> None:
        self.sess.query(f"TRUNCATE TABLE {DATABASE}.otel_traces")
        self.sess.query(f"INSERT INTO {DATABASE}.otel_traces SELECT * FROM file('{path}', Parquet)")
        for stmt in _statements((SQL / "views_clickhouse.sql").read_text()):
            self.sess.query(stmt.replace("CREATE OR REPLACE VIEW ", f"CREATE OR REPLACE VIEW {DATABASE}.")
                            .replace("FROM otel_traces", f"FROM {DATABASE}.otel_traces")
                            .replace("FROM runs", f"FROM {DATABASE}.runs")
                            .replace("consentry_erasures", f"{DATABASE}.consentry_erasures"))
        self.sess.query(f"USE {DATABASE}")

    def apply_erasures(self) -> None:
        """Runs the store's erasure SQL (`sql/erasure_clickhouse.sql`), as an operator
        runs it on a ClickHouse server."""
        for stmt in _statements((SQL / "erasure_clickhouse.sql").read_text()):
            self.sess.query(stmt)

    def ask(self, q: Question) -> tuple[list[str], list[tuple]]:
        import json

        res = self.sess.query(q.on(self.dialect), "JSONCompact")
        doc = json.loads(res.bytes() or b"{}")
        names = [m["name"] for m in doc.get("meta", [])]
        return names, [tuple(r) for r in doc.get("data", [])]

    def close(self) -> None:
        self.sess.close()
        if self._tmp:
            self._tmp.cleanup()


def engine(name: str):
    """`duckdb` or `chdb`."""
    return {"duckdb": DuckDB, "chdb": ChDB}[name]()


def answer_all(eng) -> dict:
    """Every question's (columns, rows) on one engine."""
    return {q.name: eng.ask(q) for q in QUESTIONS}
