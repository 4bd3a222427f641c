"""Command line:

    python3 -m answers report --input spans.jsonl --out report.html [--engine duckdb|chdb]
    python3 -m answers generate --out spans.jsonl [--seed 7 --installs 300 --days 70]
    python3 -m answers ask --input spans.jsonl [--engine duckdb|chdb] [--sql clickhouse]
"""

from __future__ import annotations

import argparse
import sys

from . import engines, generate, otlp, report, table
from .questions import QUESTIONS


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python3 -m answers")
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("report", help="HTML report from a collector file export")
    r.add_argument("--input", required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--engine", default="duckdb", choices=["duckdb", "chdb"])
    g = sub.add_parser("generate", help="seeded realistic runs as a file export")
    g.add_argument("--out", required=True)
    g.add_argument("--seed", type=int, default=7)
    g.add_argument("--installs", type=int, default=300)
    g.add_argument("--days", type=int, default=70)
    a = sub.add_parser("ask", help="print every answer, or the queries in a dialect")
    a.add_argument("--input")
    a.add_argument("--engine", default="duckdb", choices=["duckdb", "chdb"])
    a.add_argument("--sql", choices=["duckdb", "clickhouse"], help="print the queries instead")
    args = p.parse_args(argv)

    if args.cmd == "report":
        out = report.build(args.input, args.out, args.engine)
        s = out["skipped"]
        print(f"report: {out['rows']} runs, skipped {s.malformed_lines} malformed lines, "
              f"{s.other_scope_spans} other-scope spans, {s.invalid_spans} invalid spans -> {args.out}",
              file=sys.stderr)
    elif args.cmd == "generate":
        runs = generate.runs(generate.Settings(args.seed, args.installs, args.days))
        with open(args.out, "w") as f:
            f.writelines(line + "\n" for line in generate.otlp_lines(runs))
        print(f"generate: {len(runs)} runs -> {args.out}", file=sys.stderr)
    elif args.sql:
        for q in QUESTIONS:
            print(f"-- {q.name}: {q.meaning}\n{q.on(args.sql)};\n")
    else:
        if not args.input:
            p.error("ask needs --input (or --sql)")
        rows, _ = otlp.read_file(args.input)
        eng = engines.engine(args.engine)
        eng.load(table.to_arrow(rows))
        for q in QUESTIONS:
            cols, res = eng.ask(q)
            print(f"== {q.name}\n" + "\t".join(cols))
            for row in res:
                print("\t".join(map(str, row)))
        eng.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
