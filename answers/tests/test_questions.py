"""Every question, on both engines, equals the generator's ground truth."""

import json

import pytest

from answers import compare, engines, generate, otlp, table, truth
from answers.questions import QUESTIONS


# seed13: a quarter of the installs outside CI send no install id (InstallId::None):
# their runs count in every run total and in no install count.
@pytest.fixture(scope="module", params=[generate.Settings(), generate.Settings(seed=11, installs=120, days=40),
                                        generate.Settings(seed=13, installs=150, days=40, without_id=0.25)],
                ids=["seed7", "seed11", "seed13-without-ids"])
def data(request):
    runs = generate.runs(request.param)
    rows, skipped = otlp.read_lines(generate.otlp_lines(runs))
    assert skipped.total() == 0
    assert len(rows) == len(runs)
    return table.to_arrow(rows), truth.answers(runs)


@pytest.fixture(scope="module", params=["duckdb", "chdb"])
def answered(request, data):
    arrow, truths = data
    eng = engines.engine(request.param)
    eng.load(arrow)
    yield engines.answer_all(eng), truths
    eng.close()


@pytest.mark.parametrize("name", [q.name for q in QUESTIONS])
def test_answer_equals_truth(answered, name):
    got, truths = answered
    _, rows = got[name]
    assert rows, f"{name}: no rows"
    assert compare.same(rows, truths[name]), (compare.normalize(rows)[:5], compare.normalize(truths[name])[:5])


def test_generated_data_has_what_the_questions_need():
    runs = generate.runs()
    assert {r["version"] for r in runs} == {"1.0.0", "1.1.0", "1.2.0"}
    assert any(r["panicked"] for r in runs)
    assert any(r["error_type"] in ("abandoned", "canceled") for r in runs)
    assert 0.1 < sum(r["ci"] for r in runs) / len(runs) < 0.7
    assert truth.answers(runs)["error_spikes"], "the ConfigParse burst must show as a spike"
    # A declared success code (1) that is no failure, runs an agent started, piped runs.
    assert any(r["exit_code"] == 1 and not r["error_type"] for r in runs)
    assert {r["agent"] for r in runs} >= {"none", "claude-code"}
    assert any(r["stdout_terminal"] for r in runs) and not all(r["stdout_terminal"] for r in runs)
    idless = generate.runs(generate.Settings(seed=13, installs=150, days=40, without_id=0.25))
    assert 0.05 < sum(not r["install_id"] for r in idless) / len(idless) < 0.5
    assert all(r["install_id"] for r in runs), "the default data keeps every id"


def test_runs_without_an_id_count_as_runs_never_as_installs():
    runs = generate.runs(generate.Settings(seed=13, installs=150, days=40, without_id=0.25))
    with_ids = [dict(r, install_id=r["install_id"] or f"stand-in-{r['span_id']}") for r in runs]
    t, wrong = truth.answers(runs), truth.answers(with_ids)
    # Counting each id-less run as an install would change the users; runs stay.
    assert sum(r[1] for r in t["daily_active_installs"]) < sum(r[1] for r in wrong["daily_active_installs"])
    assert sum(r[2] for r in t["daily_active_installs"]) == len(runs)
    assert sum(r[4] for r in t["identities"]) == sum(not r["install_id"] for r in runs)


def test_clickhouse_table_is_the_exporters_ddl():
    ddl = engines.exporter_ddl(ttl="TTL toDateTime(Timestamp) + toIntervalDay(90)")
    assert 'CREATE TABLE IF NOT EXISTS "consentry"."otel_traces"' in ddl
    assert "ENGINE = MergeTree()" in ddl and "toIntervalDay(90)" in ddl
    assert "Events Nested" in ddl and "%" not in ddl


def test_questions_transpile_to_clickhouse():
    for q in QUESTIONS:
        sql = q.on("clickhouse")
        assert sql and "SELECT" in sql


def test_clickhouse_queries_file_is_generated_and_runs_on_clickhouse(data):
    from answers.__main__ import clickhouse_sql

    path = engines.SQL.parents[1] / "collector-config" / "clickhouse-queries.sql"
    text = path.read_text()
    assert text == clickhouse_sql(), "run: python3 -m answers clickhouse-sql > collector-config/clickhouse-queries.sql"
    # What an operator pastes into a ClickHouse server, on ClickHouse's engine.
    arrow, truths = data
    eng = engines.ChDB()
    eng.load(arrow)
    statements = engines._statements(text)
    # The erasure table, the four views, then the questions.
    assert len(statements) == 5 + len(QUESTIONS)
    for stmt, q in zip(statements[5:], QUESTIONS):
        res = eng.sess.query(stmt, "JSONCompact")
        rows = json.loads(res.bytes())["data"]
        assert compare.same(rows, truths[q.name]), q.name
    eng.close()


def _renamed_keys_migration() -> str:
    """The statement collector-config/README.md gives operators, as written there."""
    readme = (engines.SQL.parents[1] / "collector-config" / "README.md").read_text()
    after = readme.split("<!-- migration: renamed keys -->", 1)[1]
    return after.split("```sql", 1)[1].split("```", 1)[0].strip()


def test_renamed_keys_migration(data):
    """Rows stored by a client from before the rename count as installs once the
    README's statement renamed their keys."""
    arrow, truths = data
    eng = engines.ChDB()
    eng.load(arrow)
    eng.sess.query("SET mutations_sync = 2")
    # Back to the names clients sent before the rename, as such a store holds them.
    eng.sess.query(
        "ALTER TABLE otel_traces UPDATE ResourceAttributes = mapApply((k, v) -> "
        "(multiIf(k = 'app.installation.id', 'consentry.install.id', k = 'service.instance.id', "
        "'consentry.session.id', k), v), ResourceAttributes) WHERE 1")
    name = "daily_active_installs"
    question = next(q for q in QUESTIONS if q.name == name)
    assert not compare.same(eng.ask(question)[1], truths[name]), "old names must not count yet"
    eng.sess.query(_renamed_keys_migration())
    for q in QUESTIONS:
        assert compare.same(eng.ask(q)[1], truths[q.name]), q.name
    res = eng.sess.query("SELECT count() FROM otel_traces WHERE mapContains(ResourceAttributes, "
                         "'consentry.install.id') OR mapContains(ResourceAttributes, 'consentry.session.id')",
                         "CSV")
    assert res.bytes().strip() == b"0"
    eng.close()
