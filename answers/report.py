"""The self-contained HTML report: every question's chart (Vega-Lite, the JavaScript
inlined so the file opens offline), its numbers as a table, and what the reader
skipped. Nothing in the page loads from the network."""

from __future__ import annotations

import html
import json
import math
import os
from pathlib import Path

import altair as alt

from . import charts, engines, otlp, table
from .questions import QUESTIONS

MAX_TABLE_ROWS = 200


def _cell(v) -> str:
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))  # a weighted count (a sum of weights) that came out whole
    if isinstance(v, float):
        return f"{v:.6g}"
    return html.escape(str(v))


def _table(name, cols, rows) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in r) + "</tr>" for r in rows[:MAX_TABLE_ROWS])
    more = f"<p>{len(rows) - MAX_TABLE_ROWS} more rows not shown.</p>" if len(rows) > MAX_TABLE_ROWS else ""
    return (f'<details><summary>Numbers ({len(rows)} rows)</summary>'
            f'<table class="numbers" data-question="{name}"><tr>{head}</tr>{body}</table>{more}</details>')


def _skipped(s: otlp.Skipped) -> str:
    dup = (f'<p id="duplicates" data-duplicates="{s.duplicate_spans}">{s.duplicate_spans} spans '
           f'arrived more than once (replays, redeliveries) and are counted once.</p>'
           if s.duplicate_spans else "")
    if s.erase_requests or s.erased_spans:
        dup += (f'<p id="erased" data-erased="{s.erased_spans}" data-requests="{s.erase_requests}">'
                f'{s.erased_spans} spans of installs that asked for erasure (<code>telemetry delete</code>; '
                f'{s.erase_requests} erase requests in the input) are not counted.</p>')
    if s.total() == 0:
        return '<p id="skipped" data-total="0">Nothing was skipped.</p>' + dup
    items = [f"{s.malformed_lines} malformed lines", f"{s.other_scope_spans} spans from other scopes",
             f"{s.invalid_spans} spans with missing or wrongly typed attributes"]
    reasons = "".join(f"<li>{html.escape(k)}: {v}</li>"
                      for k, v in sorted({**s.reasons, **s.line_reasons}.items()))
    return (f'<div id="skipped" data-total="{s.total()}" data-malformed="{s.malformed_lines}" '
            f'data-other-scope="{s.other_scope_spans}" data-invalid="{s.invalid_spans}">'
            f'<p><b>Skipped:</b> {", ".join(items)}.</p><ul>{reasons}</ul></div>' + dup)


def sampling(rows: list[dict]) -> dict:
    """How many of the runs read came from a sample (`consentry.sample.weight` above 1),
    from how many installs, at which rates: what the page says about its precision."""
    weights, installs = {}, set()
    for r in rows:
        try:
            w = float(r["ResourceAttributes"].get("consentry.sample.weight", "1"))
        except ValueError:
            continue
        if 1 < w <= 1_000_000:
            weights[w] = weights.get(w, 0) + 1
            installs.add(r["ResourceAttributes"].get("app.installation.id", ""))
    return {"runs": sum(weights.values()), "installs": len(installs), "weights": sorted(weights)}


def _without_id(results: dict) -> str:
    """What a tool that sends no install id leaves unanswered, said where it applies."""
    n = sum(r[4] for r in results["identities"][1])
    if not n:
        return '<p id="without-id" data-runs="0">Every run carries an install id.</p>'
    n = int(n) if float(n).is_integer() else round(n)
    return (f'<p id="without-id" data-runs="{n}"><b>{n}</b> runs carry no install id (the tool chose none): '
            "they count in every run total, and in no count of installs: users, growth, retention, "
            "feature adoption and versions in use leave them out.</p>")


def _sampling(s: dict | None) -> str:
    if not s or not s["runs"]:
        return '<p id="sampling" data-sampled-runs="0">Every run is counted as sent (no sampling).</p>'
    rates = ", ".join(f"{100 / w:g} %" for w in s["weights"])
    n = max(s["installs"], 1)
    return (f'<p id="sampling" data-sampled-runs="{s["runs"]}"><b>Estimates from a sample:</b> '
            f'{s["runs"]} runs from {s["installs"]} installs were sent by tools sampling their installs '
            f'({rates}); each counts 1 / rate times (Horvitz-Thompson), so counts are unbiased estimates '
            f'of the whole, roughly within ±{200 / math.sqrt(n):.0f} % (two standard errors of a count '
            f'over all {s["installs"]} sampled installs; smaller groups vary more).</p>')


def render(results: dict, skipped: otlp.Skipped, source: str, engine_name: str,
           sampled: dict | None = None) -> str:
    """The page, from every question's (columns, rows)."""
    sections, embeds = [], []
    total_runs = sum(r[1] for r in results["top_commands"][1])
    total_runs = int(total_runs) if float(total_runs).is_integer() else round(total_runs)
    for q in QUESTIONS:
        cols, rows = results[q.name]
        div = f"chart-{q.name}"
        if rows:
            spec = charts.build(q.name, cols, rows).to_dict()
            embeds.append(f"vegaEmbed('#{div}', {json.dumps(spec)}, {{renderer: 'svg', actions: false}})"
                          f".then(() => document.getElementById('{div}').dataset.rendered = '1')"
                          f".catch(e => {{ document.getElementById('{div}').textContent = 'chart failed: ' + e; }});")
            chart = f'<div class="chart" id="{div}"></div>'
        else:
            chart = f'<div class="chart empty" id="{div}" data-rendered="1">No data for this question.</div>'
        sections.append(
            f'<section id="q-{q.name}"><h2>{html.escape(q.title)}</h2>'
            f'<p class="meaning">{html.escape(q.meaning)}</p>{chart}{_table(q.name, cols, rows)}'
            f'<details><summary>Query</summary><pre>{html.escape(q.sql.strip())}</pre></details></section>')
    bundle = _bundle()
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>consentry: the operator's answers</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }}
main {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(470px, 1fr)); gap: 1.2em; }}
section {{ border: 1px solid #ddd; border-radius: 6px; padding: 0.6em 1em; }}
h2 {{ font-size: 1.1em; margin: 0.2em 0; }} .meaning {{ color: #555; font-size: 0.9em; }}
table.numbers {{ border-collapse: collapse; font-size: 0.8em; }} td, th {{ border: 1px solid #ddd; padding: 2px 6px; }}
#summary span {{ margin-right: 2em; font-size: 1.1em; }}
</style>
<script>{bundle}</script></head>
<body>
<h1>consentry: the operator's answers</h1>
<div id="summary"><span>Input: <b>{html.escape(source)}</b></span>
<span>Runs: <b id="total-runs">{total_runs}</b></span>
<span>Engine: <b>{html.escape(engine_name)}</b></span></div>
{_skipped(skipped)}
{_sampling(sampled)}
{_without_id(results)}
<main>{''.join(sections)}</main>
<script>{''.join(embeds)}</script>
</body></html>"""


def _bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script. Bundling takes seconds, so the
    result is kept in the user's cache, keyed by the versions."""
    import vl_convert as vlc
    from altair.utils._importers import vl_version_for_vl_convert

    vl = vl_version_for_vl_convert()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "consentry-dev"
    path = cache / f"vega-embed-{vlc.__version__}-{vl}.js"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        pass
    # A script must not contain "</script"; the bundle has none, but be sure.
    js = vlc.javascript_bundle(vl_version=vl).replace("</script", "<\\/script")
    try:
        cache.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(js, encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass  # an unwritable cache only costs time
    return js


def build(input_path, out_path: str, engine_name: str = "duckdb") -> dict:
    """Reads the file export (a file, a directory of rotated files, a glob pattern, or
    a list of them), answers every question, writes the page. Returns the results and
    what was skipped, for the caller to print."""
    files = otlp.input_files(input_path)
    rows, skipped = otlp.read_paths(files)
    if not isinstance(input_path, (str, os.PathLike)):
        input_path = " ".join(map(str, input_path))
    eng = engines.engine(engine_name)
    try:
        eng.load(table.to_arrow(rows))
        results = engines.answer_all(eng)
    finally:
        eng.close()
    page = render(results, skipped, str(input_path), engine_name, sampling(rows))
    with open(out_path, "w", encoding="utf-8") as f:
        f.write(page)
    return {"results": results, "skipped": skipped, "rows": len(rows), "files": len(files)}


alt.data_transformers.disable_max_rows()
