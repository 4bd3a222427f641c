"""The report, rendered in headless Chromium: every chart drawn, its marks and its
numbers equal to the queries (and to the generator's truth), bad input reported."""

import html
import json
import subprocess
import sys
from pathlib import Path

import pytest

from answers import compare, engines, generate, otlp, report, table, truth
from answers.questions import QUESTIONS
from answers.tests import chromium

ROOT = Path(__file__).resolve().parents[2]


def _make_report(tmp: Path, lines: list[str]) -> tuple[Path, str]:
    src = tmp / "spans.jsonl"
    src.write_text("".join(l + "\n" for l in lines))
    out = tmp / "report.html"
    # The documented command, as an operator runs it.
    subprocess.run([sys.executable, "-m", "answers", "report", "--input", str(src), "--out", str(out)],
                   cwd=ROOT, check=True, timeout=300)
    return out, chromium.dom(out)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    runs = generate.runs(generate.Settings(seed=3, installs=150, days=50))
    lines = generate.otlp_lines(runs)
    other = json.loads(lines[0])
    other["resourceSpans"][0]["scopeSpans"][0]["scope"]["name"] = "some.other.library"
    bad_type = lines[1].replace('"key":"process.exit.code","value":{"intValue":', '"key":"process.exit.code","value":{"stringValue":')
    # Mixed in: a truncated line, another library's span, a wrongly typed exit code.
    mixed = lines[2:] + [lines[5][:40], json.dumps(other), bad_type]
    out, dom = _make_report(tmp, mixed)
    return runs[2:], out, dom


def test_every_chart_is_drawn(rendered):
    _, _, dom = rendered
    for q in QUESTIONS:
        div = chromium.chart_div(dom, q.name)
        assert 'data-rendered="1"' in div, q.name
        assert "<svg" in div and "role-mark" in div, f"{q.name}: no chart drawn"
    assert ">chart failed" not in dom


def test_chart_marks_show_the_query_numbers(rendered):
    runs, _, dom = rendered
    labels = sorted(chromium.mark_labels(dom, "top_commands"))
    want = sorted(f"command: {c}; runs: {n}; installs: {i}" for c, n, i in truth.answers(runs)["top_commands"])
    assert labels == want
    sources = sorted(chromium.mark_labels(dom, "sources"))
    assert sources == sorted(f"source: {s}; runs: {n}; installs: {i}" for s, i, n in truth.answers(runs)["sources"])


def test_numbers_on_the_page_equal_the_queries_and_the_truth(rendered):
    runs, _, dom = rendered
    rows, _ = otlp.read_lines(generate.otlp_lines(runs))
    eng = engines.DuckDB()
    eng.load(table.to_arrow(rows))
    truths = truth.answers(runs)
    for q in QUESTIONS:
        _, result = eng.ask(q)
        assert compare.same(result, truths[q.name]), q.name
        shown = chromium.table_cells(dom, q.name)
        expected = [[html.escape(report._cell(v)) for v in r] for r in result[: report.MAX_TABLE_ROWS]]
        assert shown == expected, q.name
    assert f'id="total-runs">{len(runs)}<' in dom


def test_page_says_what_it_skipped(rendered):
    _, _, dom = rendered
    assert 'data-malformed="1"' in dom and 'data-other-scope="1"' in dom and 'data-invalid="1"' in dom
    assert "process.exit.code is not an integer: 1" in dom


def test_page_says_which_runs_carry_no_install_id(rendered, tmp_path):
    _, _, dom = rendered
    assert 'id="without-id" data-runs="0"' in dom
    runs = generate.runs(generate.Settings(seed=13, installs=60, days=20, without_id=0.25))
    _, dom = _make_report(tmp_path, generate.otlp_lines(runs))
    n = sum(not r["install_id"] for r in runs)
    assert n and f'id="without-id" data-runs="{n}"' in dom and "no count of installs" in dom
    assert ">chart failed" not in dom


def test_page_is_self_contained(rendered):
    _, out, _ = rendered
    page = out.read_text()
    assert "<script src" not in page and "https://" not in page.split("<script>")[0]
    assert 'src="http' not in page and "cdn.jsdelivr" not in page


def test_empty_file_still_renders(tmp_path):
    out, dom = _make_report(tmp_path, [])
    assert 'id="total-runs">0<' in dom and "Nothing was skipped" in dom
    assert dom.count("No data for this question.") == len(QUESTIONS)


def test_only_garbage_still_renders(tmp_path):
    out, dom = _make_report(tmp_path, ["nope", "{}", '{"resourceSpans":[{"scopeSpans":[{"spans":[1]}]}]}'])
    assert 'data-malformed="2"' in dom and 'id="total-runs">0<' in dom


def test_screenshot(rendered, tmp_path):
    _, out, _ = rendered
    shot = tmp_path / "report.png"
    chromium.screenshot(out, shot)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
