"""Benchmark of the operator's questions (answers/questions.py) on DuckDB and chDB at
1 M and 10 M runs: load time, then each question in a fresh process (its wall time and
the process's peak RSS, which includes the engine's own baseline).

    python3 bench/answers.py                 # 1 M and 10 M runs
    python3 bench/answers.py --runs 1000000  # one size

Needs ~3 GB of free disk under $TMPDIR for 10 M runs (Parquet, the DuckDB file, the
chDB MergeTree table). Prints a Markdown table; see bench/README.md."""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _child(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True,
                         timeout=3600)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:1] + args[2:3])} failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _open(engine: str, store: str, fresh: bool):
    from answers import engines

    if engine == "duckdb":
        return engines.DuckDB(os.path.join(store, "answers.duckdb"))
    if fresh:
        return engines.ChDB(os.path.join(store, "chdb"))
    from chdb import session

    eng = engines.ChDB.__new__(engines.ChDB)
    eng._tmp = None
    eng.sess = session.Session(os.path.join(store, "chdb"))
    eng.sess.query(f"USE {engines.DATABASE}")
    return eng


def child(engine: str, store: str, what: str, parquet: str) -> None:
    from answers.questions import BY_NAME

    t0 = time.perf_counter()
    if what == "baseline":
        import answers.engines  # noqa: F401  (the imports every other row pays too)

        __import__("duckdb" if engine == "duckdb" else "chdb")
        print(json.dumps({"secs": 0.0, "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "rows": 0}))
        return
    if what == "load":
        eng = _open(engine, store, True)
        eng.load_parquet(parquet)
        rows = len(eng.ask(BY_NAME["top_commands"])[1])
    else:
        eng = _open(engine, store, False)
        t0 = time.perf_counter()
        rows = len(eng.ask(BY_NAME[what])[1])
    secs = time.perf_counter() - t0
    eng.close()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"secs": secs, "rss_mib": rss, "rows": rows}))


def bench(runs: int, work: Path) -> dict:
    from answers.questions import QUESTIONS

    parquet = work / f"runs-{runs}.parquet"
    t0 = time.perf_counter()
    # In a child: Linux keeps a process's peak RSS across fork and exec, so a parent
    # that generated the data itself would raise every later child's figure to its own.
    subprocess.run([sys.executable, str(Path(__file__).parent / "answers_data.py"), "--runs", str(runs),
                    "--out", str(parquet)], check=True, timeout=7200)
    gen = time.perf_counter() - t0
    out = {"runs": runs, "generate_s": gen, "parquet_mib": parquet.stat().st_size / 2**20, "engines": {}}
    for engine in ("duckdb", "chdb"):
        store = work / engine
        store.mkdir()
        res = {"baseline": _child([engine, str(store), "baseline", str(parquet)]),
               "load": _child([engine, str(store), "load", str(parquet)])}
        for q in QUESTIONS:
            res[q.name] = _child([engine, str(store), q.name, str(parquet)])
        out["engines"][engine] = res
        shutil.rmtree(store)
        print(f"bench: {runs} runs on {engine} done", file=sys.stderr)
    parquet.unlink()
    return out


def table(results: list[dict]) -> str:
    from answers.questions import QUESTIONS

    head = "| question | " + " | ".join(
        f"{e} {r['runs'] / 1e6:g}M s (MiB)" for r in results for e in ("duckdb", "chdb")) + " |"
    lines = [head, "|---" * (1 + 2 * len(results)) + "|"]
    for name in ["baseline", "load"] + [q.name for q in QUESTIONS]:
        cells = []
        for r in results:
            for e in ("duckdb", "chdb"):
                m = r["engines"][e][name]
                cells.append(f"{m['secs']:.2f} ({m['rss_mib']:.0f})")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    gen = "; ".join(f"{r['runs'] / 1e6:g}M runs: generated in {r['generate_s']:.0f} s, "
                    f"{r['parquet_mib']:.0f} MiB Parquet" for r in results)
    return "\n".join(lines) + f"\n\n{gen}\n"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:6])
        return
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, action="append")
    p.add_argument("--json", help="also write the raw results here")
    a = p.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="answers-bench-") as d:
        for runs in a.runs or [1_000_000, 10_000_000]:
            w = Path(d) / str(runs)
            w.mkdir()
            results.append(bench(runs, w))
    if a.json:
        Path(a.json).write_text(json.dumps(results, indent=1))
    print(table(results))


if __name__ == "__main__":
    main()
