#!/usr/bin/env python3
"""Reads what bench/run.sh measured (wall.py's and footprint.py's JSON, criterion's
estimates) and prints the in-process table and every target with PASS or SHORT.

    python3 bench/report.py --wall W.json [--footprint F.json] [--criterion DIR --rounds N]

Criterion ran its benches N times (baselines r1..rN, one after another, so that a
noisy moment falls on one round of every bench rather than all rounds of one); each
figure here is the median over the rounds of criterion's median.
"""
import argparse
import json
import statistics
import sys
from pathlib import Path

SPANS = 10_000
MIB = 2**20


def criterion_medians(home, rounds):
    """{full_id: [median ns of each round]}"""
    out = {}
    for r in range(1, rounds + 1):
        for est in Path(home).rglob(f"r{r}/estimates.json"):
            bench = json.loads((est.parent / "benchmark.json").read_text())
            ns = json.loads(est.read_text())["median"]["point_estimate"]
            out.setdefault(bench["full_id"], []).append(ns)
    return out


def verdict(ok):
    return "PASS" if ok else "SHORT"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wall", type=Path, required=True)
    ap.add_argument("--footprint", type=Path)
    ap.add_argument("--criterion", type=Path)
    ap.add_argument("--rounds", type=int, default=1)
    args = ap.parse_args()
    wall = json.loads(args.wall.read_text())
    targets = []  # (target, measured, verdict)

    times = wall.get("times_ms")
    if times:
        med = {k: statistics.median(v) for k, v in times.items()}
        mx = {k: max(v) for k, v in times.items()}
        a = med["a"]
        for k in ("b", "b_tool", "b_file"):
            ratio = med[k] / a
            targets.append((f"{wall['labels'][k].strip()}: wall ratio to (a) <= 1.02", f"{ratio:.3f}", verdict(ratio <= 1.02)))
        budget = wall["budget_ms"]
        for k in ("c", "c_grpc", "d", "e"):
            added, worst = med[k] - a, mx[k] - a
            targets.append((f"{wall['labels'][k].strip()}: added median <= 3 ms", f"{added:.2f} ms", verdict(added <= 3.0)))
            targets.append((f"{wall['labels'][k].strip()}: added max <= exit budget {budget:.0f} ms",
                            f"{worst:.1f} ms", verdict(worst <= budget)))
    counts = wall["counts"]
    base_fds = counts["a"]["fds_at_exit"] if "a" in counts else 3
    for k in ("b", "b_tool", "b_file"):
        c = counts[k]
        made = c["threads"] + c["processes"] + c["sockets"] + c["connects"] + c["files_written"]
        extra_fds = max(0, c["fds_at_exit"] - base_fds)
        targets.append((f"{wall['labels'][k].strip()}: no thread, socket, file or extra fd",
                        f"{made} made, {extra_fds} extra fds", verdict(made == 0 and extra_fds == 0)))

    if args.criterion:
        med = {k: statistics.median(v) for k, v in criterion_medians(args.criterion, args.rounds).items()}
        if not med:
            sys.exit(f"no criterion estimates under {args.criterion}")
        print(f"\nin-process cost (criterion; median over {args.rounds} round(s) of criterion's median)")
        print(f"{'10k spans: subscriber, span target':52} {'per span':>10} {'added':>10}  vs")
        span = lambda setup, tgt: med[f"spans_10k/{setup}/{tgt}"] / SPANS  # noqa: E731
        baseline = {"noop_layer_opted_out": "noop_layer", "opted_in": "noop_layer", "opted_out": "without"}
        for setup in ("without", "noop_layer", "noop_layer_opted_out", "opted_in", "opted_out"):
            for tgt in ("consentry_target", "tool_target"):
                ns, base = span(setup, tgt), baseline.get(setup)
                added = f"{ns - span(base, tgt):8.1f} ns" if base else ""
                print(f"{setup + ', ' + tgt:52} {ns:7.1f} ns {added:>10}  {base or ''}")
        print(f"{'benchmark':54} {'per run':>11}")
        for k in ("command/opted_in", "command/opted_out"):
            print(f"{k + ' (mask, project id, count, finish)':54} {med[k] / 1000:8.2f} µs")
        print(f"{'scrub/error_1MiB (one error quoting 1 MiB)':54} {med['scrub/error_1MiB'] / 1000:8.2f} µs")
        print(f"{'benchmark':44} {'MiB/s':>10}")
        sizes = {"mask/argv_10k_tokens": None, "mask/one_1MiB_value": MIB, "scrub/64KiB_secrets": None,
                 "scrub/64KiB_plain": None}
        for k, size in sizes.items():
            size = size or throughput_bytes(args.criterion, k)
            print(f"{k:44} {size / MIB / (med[k] / 1e9):10.1f}")
        print(f"{'setup (build, lazy schema, consent, drop guard)':54} {'per run':>11}")
        for k in ("setup/opted_out", "setup/opted_out_eager_schema", "setup/opted_in"):
            print(f"{k:54} {med[k] / 1000:8.2f} µs")
        setup = med["setup/opted_out"] / 1000
        targets.append(("opted-out setup, schema derivation included <= 50 µs", f"{setup:.1f} µs",
                        verdict(setup <= 50)))
        on = med["spans_10k/opted_in/consentry_target"] / SPANS
        targets.append(("per span under the gate, opted in <= 1 µs", f"{on:.0f} ns", verdict(on <= 1000)))
        off = max(span("opted_out", t) for t in ("consentry_target", "tool_target"))
        targets.append(("per span, opted out, consentry's the only layer <= 5 ns", f"{off:.1f} ns", verdict(off <= 5)))
        for tgt, what in (("tool_target", "spans it rejects"), ("consentry_target", "spans it records")):
            added = span("noop_layer_opted_out", tgt) - span("noop_layer", tgt)
            targets.append((f"per span, opted out, beside a filtered log layer, {what}: added <= 5 ns",
                            f"{added:.1f} ns", verdict(added <= 5)))

    if args.footprint:
        fp = json.loads(args.footprint.read_text())
        s = fp["stripped_bytes"]
        added = (s["http"] - s["none"]) / MIB
        targets.append(("added stripped size, HTTP + TLS <= 2 MiB", f"{added:.2f} MiB", verdict(added <= 2)))
        if "http_plain" in s:
            plain = (s["http_plain"] - s["none"]) / MIB
            targets.append(("added stripped size, HTTP without TLS <= 1 MiB", f"{plain:.2f} MiB",
                            verdict(plain <= 1)))
        rss = fp.get("opted_out_rss_kib")
        if rss:
            base = statistics.median(rss["none"])
            for k in ("http", "both"):
                ratio = statistics.median(rss[k]) / base
                targets.append((f"opted-out peak RSS, {fp['labels'][k]}, ratio to (a) <= 1.15",
                                f"{ratio:.2f}", verdict(ratio <= 1.15)))

    print("\ntargets")
    width = max(len(t) for t, _, _ in targets)
    for t, m, v in targets:
        print(f"{t:{width}}  {m:>22}  {v}")


def throughput_bytes(home, full_id):
    for b in Path(home).rglob("benchmark.json"):
        bench = json.loads(b.read_text())
        if bench["full_id"] == full_id:
            return bench["throughput"]["Bytes"]
    sys.exit(f"no throughput for {full_id}")


if __name__ == "__main__":
    main()
